//! Typed reads from YAML nodes that collect every problem instead of stopping at the first.
//!
//! Each read names the key, the expected type and what was found, at the line of the value.

use std::collections::BTreeMap;

use crate::catalog::LoadError;
use crate::yaml::{Node, NodeValue};

/// Reads values out of one catalog file, pushing problems to `errors`.
pub struct Reader<'e> {
    /// The file being read (as shown in errors).
    pub file: String,
    /// Problems found so far.
    pub errors: &'e mut Vec<LoadError>,
}

impl Reader<'_> {
    /// Records a problem at a node's line.
    pub fn error(&mut self, line: u32, message: impl Into<String>) {
        self.errors.push(LoadError {
            file: self.file.clone(),
            line,
            message: message.into(),
        });
    }

    /// The entries of a mapping; an error (and no entries) if the node is not one.
    pub fn map<'n>(&mut self, node: &'n Node, what: &str) -> Vec<(&'n str, &'n Node)> {
        match &node.value {
            NodeValue::Map(entries) => entries.iter().map(|(k, v)| (k.value.as_str(), v)).collect(),
            _ => {
                self.error(
                    node.line,
                    format!("{what} must be a mapping, found a {}", node.type_name()),
                );
                Vec::new()
            }
        }
    }

    /// Reports keys outside `allowed` (typos would otherwise be silently ignored).
    pub fn known_keys(&mut self, node: &Node, what: &str, allowed: &[&str]) {
        if let NodeValue::Map(entries) = &node.value {
            for (k, _) in entries {
                if !allowed.contains(&k.value.as_str()) {
                    let line = k.line;
                    self.error(
                        line,
                        format!(
                            "unknown key `{}` in {what}; expected one of: {}",
                            k.value,
                            allowed.join(", ")
                        ),
                    );
                }
            }
        }
    }

    /// Reports that `key` has a value outside `expected` (naming them) and gives `None`: the
    /// last arm of a `match` over a key's allowed values.
    pub fn unknown<T>(
        &mut self,
        parent: &Node,
        key: &str,
        what: &str,
        value: &str,
        expected: &[&str],
    ) -> Option<T> {
        let list = match expected {
            [] => "nothing".to_string(),
            [one] => (*one).to_string(),
            [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        };
        self.error(
            parent.get(key).map_or(parent.line, |n| n.line),
            format!("{what}: unknown `{key}: {value}`; expected {list}"),
        );
        None
    }

    /// A required non-empty string.
    pub fn string(&mut self, parent: &Node, key: &str, what: &str) -> Option<String> {
        match parent.get(key) {
            None => {
                self.error(parent.line, format!("{what} has no `{key}`"));
                None
            }
            Some(n) => self.string_value(n, key, what),
        }
    }

    /// An optional string (absent → None; wrong type → error).
    pub fn opt_string(&mut self, parent: &Node, key: &str, what: &str) -> Option<String> {
        parent.get(key).and_then(|n| match n.value {
            NodeValue::Null => None,
            _ => self.string_value(n, key, what),
        })
    }

    /// A node's string value; numbers and booleans are accepted as their text where a string
    /// is expected for identifiers like `version: 1.2` (an error would only be noise).
    pub fn string_value(&mut self, n: &Node, key: &str, what: &str) -> Option<String> {
        match &n.value {
            NodeValue::String(s) if !s.trim().is_empty() => Some(s.clone()),
            NodeValue::Number(num) => Some(num.to_string()),
            NodeValue::String(_) => {
                self.error(n.line, format!("`{key}` of {what} must not be empty"));
                None
            }
            _ => {
                self.error(
                    n.line,
                    format!(
                        "`{key}` of {what} must be a string, found a {}",
                        n.type_name()
                    ),
                );
                None
            }
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, parent: &Node, key: &str, what: &str) -> Option<bool> {
        let n = parent.get(key)?;
        match n.value {
            NodeValue::Bool(b) => Some(b),
            NodeValue::Null => None,
            _ => {
                self.error(
                    n.line,
                    format!(
                        "`{key}` of {what} must be true or false, found a {}",
                        n.type_name()
                    ),
                );
                None
            }
        }
    }

    /// An optional list of strings (a single string counts as a list of one).
    pub fn string_list(&mut self, parent: &Node, key: &str, what: &str) -> Vec<String> {
        let Some(n) = parent.get(key) else {
            return Vec::new();
        };
        match &n.value {
            NodeValue::Null => Vec::new(),
            NodeValue::String(s) => vec![s.clone()],
            NodeValue::Seq(items) => items
                .iter()
                .filter_map(|i| self.string_value(i, key, what))
                .collect(),
            _ => {
                self.error(
                    n.line,
                    format!(
                        "`{key}` of {what} must be a list of strings, found a {}",
                        n.type_name()
                    ),
                );
                Vec::new()
            }
        }
    }

    /// An optional mapping of strings to strings.
    pub fn string_map(&mut self, parent: &Node, key: &str, what: &str) -> BTreeMap<String, String> {
        let Some(n) = parent.get(key) else {
            return BTreeMap::new();
        };
        if n.value == NodeValue::Null {
            return BTreeMap::new();
        }
        let mut out = BTreeMap::new();
        for (k, v) in self.map(n, &format!("`{key}` of {what}")) {
            let text = match &v.value {
                NodeValue::String(s) => s.clone(),
                NodeValue::Number(x) => x.to_string(),
                NodeValue::Bool(b) => b.to_string(),
                _ => {
                    self.error(v.line, format!("`{key}.{k}` of {what} must be a string"));
                    continue;
                }
            };
            out.insert(k.to_string(), text);
        }
        out
    }

    /// A required list of nodes.
    pub fn seq<'n>(&mut self, parent: &'n Node, key: &str, what: &str) -> &'n [Node] {
        match parent.get(key) {
            None => {
                self.error(parent.line, format!("{what} has no `{key}` list"));
                &[]
            }
            Some(n) => self.seq_value(n, key, what),
        }
    }

    /// The alternatives of an assertion's optional `or`: a list of non-empty condition
    /// lists, each read by `read` (given the list, this reader, what it is, and `ok` to clear
    /// on a problem). `None` when `or` is not a list at all (recorded as an error).
    pub fn alternatives<T>(
        &mut self,
        parent: &Node,
        what: &str,
        ok: &mut bool,
        mut read: impl FnMut(&[Node], &mut Self, &str, &mut bool) -> Vec<T>,
    ) -> Option<Vec<Vec<T>>> {
        let Some(alts) = parent.get("or") else {
            return Some(Vec::new());
        };
        let NodeValue::Seq(alts) = &alts.value else {
            self.error(
                alts.line,
                format!("{what}: `or` must be a list of alternatives, each a list of conditions"),
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, alt) in alts.iter().enumerate() {
            let aw = format!("{what}, `or` #{}", i + 1);
            match &alt.value {
                NodeValue::Seq(conds) if !conds.is_empty() => out.push(read(conds, self, &aw, ok)),
                _ => {
                    self.error(
                        alt.line,
                        format!("{aw} must be a non-empty list of conditions"),
                    );
                    *ok = false;
                }
            }
        }
        Some(out)
    }

    /// An optional list of nodes.
    pub fn opt_seq<'n>(&mut self, parent: &'n Node, key: &str, what: &str) -> &'n [Node] {
        match parent.get(key) {
            None => &[],
            Some(n) if n.value == NodeValue::Null => &[],
            Some(n) => self.seq_value(n, key, what),
        }
    }

    fn seq_value<'n>(&mut self, n: &'n Node, key: &str, what: &str) -> &'n [Node] {
        match &n.value {
            NodeValue::Seq(items) => items,
            _ => {
                self.error(
                    n.line,
                    format!(
                        "`{key}` of {what} must be a list, found a {}",
                        n.type_name()
                    ),
                );
                &[]
            }
        }
    }
}
