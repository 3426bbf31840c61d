//! Field paths: `container.securityContext.capabilities.add[*]`, `meta.annotations["a.b/c"]`.
//!
//! A path starts with a root name (which part of the subject it reads, see `fields`) and
//! resolves to every value it reaches, each with its concrete location in the object
//! (`spec.template.spec.containers[1].securityContext.privileged`), so evidence can name it.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// One list element.
    Index(usize),
    /// Every list element (or every value of a mapping).
    Wildcard,
    /// `@keys`: the keys of a mapping, as strings (e.g. which volume type a volume uses).
    Keys,
    /// `["prefix/*"]`: every value of a mapping whose key matches the pattern (`*` = any run
    /// of characters), e.g. the AppArmor annotations of every container.
    KeyGlob(String),
}

impl Segment {
    /// Whether the segment can yield any number of values (so a list default spreads out).
    pub fn is_multi(&self) -> bool {
        matches!(self, Segment::Wildcard | Segment::KeyGlob(_))
    }
}

/// The strings of a list field (`command`, `verbs`, `hosts`); empty when absent, non-strings
/// skipped.
pub fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `*` matches any run of characters; everything else literally.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

/// A parsed path: its root and the steps below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// The root name (`container`, `pod`, `object`, …).
    pub root: String,
    /// Steps below the root.
    pub segments: Vec<Segment>,
    /// The text as written in the catalog.
    pub text: String,
}

/// Appends a key to a concrete path, bracketing keys that are not plain identifiers.
pub fn join(base: &str, key: &str) -> String {
    match (base.is_empty(), is_plain_key(key)) {
        (true, true) => key.to_string(),
        (false, true) => format!("{base}.{key}"),
        (_, false) => format!("{base}[{}]", serde_json::Value::String(key.to_string())),
    }
}

/// [`FieldPath::visit`] over the segments left.
fn walk(segments: &[Segment], v: &Value, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    let Some((seg, rest)) = segments.split_first() else {
        return f(v);
    };
    match (seg, v) {
        (Segment::Key(k), Value::Object(m)) => match m.get(k) {
            Some(child) if !child.is_null() => walk(rest, child, f),
            _ => true,
        },
        (Segment::Index(n), Value::Array(a)) => a.get(*n).is_none_or(|c| walk(rest, c, f)),
        (Segment::Wildcard, Value::Array(a)) => a.iter().all(|c| walk(rest, c, f)),
        (Segment::Wildcard, Value::Object(m)) => m.values().all(|c| walk(rest, c, f)),
        (Segment::KeyGlob(pat), Value::Object(m)) => m
            .iter()
            .filter(|(k, _)| glob_match(pat, k))
            .all(|(_, c)| walk(rest, c, f)),
        // The keys are a computed value: nothing can be looked up inside them.
        (Segment::Keys, Value::Object(m)) if rest.is_empty() => f(&Value::Array(
            m.keys().map(|k| Value::String(k.clone())).collect(),
        )),
        _ => true,
    }
}

/// Whether a key is written bare in a path (`spec.x`) rather than quoted (`labels["a.b/c"]`).
pub fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'$')
}

impl FieldPath {
    /// Parses `root.a.b[0][*]["x.y"]`. The error says what is wrong at which character.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let mut segments = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let mut root = None;
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    if root.is_none() || i + 1 >= chars.len() {
                        return Err(format!("path `{text}`: unexpected `.` at position {i}"));
                    }
                    i += 1;
                }
                '[' => {
                    let close = chars[i..]
                        .iter()
                        .position(|&c| c == ']')
                        .map(|p| p + i)
                        .ok_or_else(|| format!("path `{text}`: `[` without `]`"))?;
                    let inner: String = chars[i + 1..close].iter().collect();
                    let seg = if inner == "*" {
                        Segment::Wildcard
                    } else if let Ok(n) = inner.parse::<usize>() {
                        Segment::Index(n)
                    } else if inner.len() >= 2
                        && (inner.starts_with('"') && inner.ends_with('"')
                            || inner.starts_with('\'') && inner.ends_with('\''))
                    {
                        let key = inner[1..inner.len() - 1].to_string();
                        if key.contains('*') {
                            Segment::KeyGlob(key)
                        } else {
                            Segment::Key(key)
                        }
                    } else {
                        return Err(format!(
                            "path `{text}`: `[{inner}]` must be `[*]`, a number or a quoted key"
                        ));
                    };
                    if root.is_none() {
                        return Err(format!("path `{text}`: must start with a root name"));
                    }
                    segments.push(seg);
                    i = close + 1;
                    continue;
                }
                _ => {
                    let start = i;
                    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                        i += 1;
                    }
                    let name: String = chars[start..i].iter().collect();
                    if root.is_none() {
                        root = Some(name);
                    } else if name == "@keys" {
                        segments.push(Segment::Keys);
                    } else {
                        segments.push(Segment::Key(name));
                    }
                    continue;
                }
            }
        }
        let root = root.ok_or_else(|| "empty path".to_string())?;
        Ok(FieldPath {
            root,
            segments,
            text: text.to_string(),
        })
    }

    /// Calls `f` on each value [`FieldPath::resolve`] finds, in the same order, without
    /// building their concrete paths or collecting them (deciding whether a condition holds
    /// is the hottest loop of a scan), until `f` returns false. Returns false if stopped.
    pub fn visit(&self, value: &Value, f: &mut dyn FnMut(&Value) -> bool) -> bool {
        walk(&self.segments, value, f)
    }

    /// Whether the path finds any value.
    pub fn exists(&self, value: &Value) -> bool {
        !self.visit(value, &mut |_| false)
    }

    /// Every value the path reaches below `value`, with its concrete path (from `base`).
    pub fn resolve(&self, value: &Value, base: &str) -> Vec<(String, Value)> {
        let mut current: Vec<(String, std::borrow::Cow<'_, Value>)> =
            vec![(base.to_string(), std::borrow::Cow::Borrowed(value))];
        for seg in &self.segments {
            let mut next = Vec::new();
            for (p, v) in current {
                match (seg, v) {
                    (Segment::Key(k), std::borrow::Cow::Borrowed(Value::Object(m))) => {
                        if let Some(child) = m.get(k) {
                            if !child.is_null() {
                                next.push((join(&p, k), std::borrow::Cow::Borrowed(child)));
                            }
                        }
                    }
                    (Segment::Index(n), std::borrow::Cow::Borrowed(Value::Array(a))) => {
                        if let Some(child) = a.get(*n) {
                            next.push((format!("{p}[{n}]"), std::borrow::Cow::Borrowed(child)));
                        }
                    }
                    (Segment::Wildcard, std::borrow::Cow::Borrowed(Value::Array(a))) => {
                        for (n, child) in a.iter().enumerate() {
                            next.push((format!("{p}[{n}]"), std::borrow::Cow::Borrowed(child)));
                        }
                    }
                    (Segment::Wildcard, std::borrow::Cow::Borrowed(Value::Object(m))) => {
                        for (k, child) in m {
                            next.push((join(&p, k), std::borrow::Cow::Borrowed(child)));
                        }
                    }
                    (Segment::KeyGlob(pat), std::borrow::Cow::Borrowed(Value::Object(m))) => {
                        for (k, child) in m.iter().filter(|(k, _)| glob_match(pat, k)) {
                            next.push((join(&p, k), std::borrow::Cow::Borrowed(child)));
                        }
                    }
                    (Segment::Keys, std::borrow::Cow::Borrowed(Value::Object(m))) => {
                        let keys = m.keys().map(|k| Value::String(k.clone())).collect();
                        next.push((
                            format!("{p}.@keys"),
                            std::borrow::Cow::Owned(Value::Array(keys)),
                        ));
                    }
                    _ => {}
                }
            }
            current = next;
        }
        current
            .into_iter()
            .map(|(p, v)| (p, v.into_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_resolves() {
        let p = FieldPath::parse(r#"pod.containers[*].securityContext["a.b/c"]"#).unwrap();
        assert_eq!(p.root, "pod");
        assert_eq!(p.segments.len(), 4);
        let v = json!({"containers": [{"securityContext": {"a.b/c": 1}}, {}]});
        let got = p.resolve(&v, "spec");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, r#"spec.containers[0].securityContext["a.b/c"]"#);
        let glob = FieldPath::parse(r#"pod.a["x.io/*"]"#).unwrap();
        let m = json!({"a": {"x.io/one": 1, "y.io/two": 2, "x.io/three": 3}});
        assert_eq!(glob.resolve(&m, "").len(), 2);
        assert!(glob_match("a*c*e", "abcde") && !glob_match("kube-*", "coredns"));
        let keys = FieldPath::parse("pod.containers[0].@keys").unwrap();
        assert_eq!(keys.resolve(&v, "spec")[0].1, json!(["securityContext"]));
    }

    #[test]
    fn rejects_bad_paths() {
        assert!(FieldPath::parse("").is_err());
        assert!(FieldPath::parse("a[x]").is_err());
        assert!(FieldPath::parse("a.").is_err());
        assert!(FieldPath::parse("[0]").is_err());
    }
}
