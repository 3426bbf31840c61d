//! Field paths: `container.securityContext.capabilities.add[*]`, `meta.annotations["a.b/c"]`.
//!
//! A path starts with a root name (which part of the subject it reads, see `fields`) and
//! resolves to every value it reaches, each with its concrete location in the object
//! (`spec.template.spec.containers[1].securityContext.privileged`), so evidence can name it.

use serde_json::Value;

use crate::document::Doc;

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
pub fn strings(v: &Doc, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Doc::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Doc::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The strings of a list field, borrowed, as [`strings`] lists them.
pub fn str_items<'v>(v: &'v Doc, key: &str) -> impl Iterator<Item = &'v str> {
    v.get(key)
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .filter_map(Doc::as_str)
}

/// `*` matches any run of characters; everything else literally.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let Some((first, tail)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    // The parts between stars, each found leftmost; the last must end the text.
    let (middle, last) = tail.rsplit_once('*').unwrap_or(("", tail));
    if tail.contains('*') {
        for part in middle.split('*') {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    rest.ends_with(last)
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
    let mut path = base.to_string();
    path.key(key);
    path
}

/// Appends a key to a concrete path in place, as [`join`] does.
pub fn push_key(path: &mut String, key: &str) {
    path.key(key);
}

/// Where a walk along a path is: nothing, when only the values matter
/// ([`FieldPath::visit`]), or the concrete path so far ([`FieldPath::resolve`]).
trait Trail {
    /// A mark to come back to after a branch.
    fn mark(&self) -> usize;
    /// Back to a mark.
    fn back(&mut self, mark: usize);
    /// Into a key of a mapping.
    fn key(&mut self, key: &str);
    /// Into an item of a list.
    fn index(&mut self, n: usize);
    /// Onto a mapping's keys (`@keys`).
    fn keys(&mut self);
}

impl Trail for () {
    fn mark(&self) -> usize {
        0
    }
    fn back(&mut self, _: usize) {}
    fn key(&mut self, _: &str) {}
    fn index(&mut self, _: usize) {}
    fn keys(&mut self) {}
}

/// The concrete path: `a.b`, `a["x.y/z"]` for a key that is not plain, `a[0]`, `a.@keys`.
impl Trail for String {
    fn mark(&self) -> usize {
        self.len()
    }
    fn back(&mut self, mark: usize) {
        self.truncate(mark);
    }
    fn key(&mut self, key: &str) {
        if !is_plain_key(key) {
            self.push('[');
            self.push_str(&serde_json::Value::String(key.to_string()).to_string());
            self.push(']');
        } else {
            if !self.is_empty() {
                self.push('.');
            }
            self.push_str(key);
        }
    }
    fn index(&mut self, n: usize) {
        use std::fmt::Write as _;
        let _ = write!(self, "[{n}]");
    }
    fn keys(&mut self) {
        self.push_str(".@keys");
    }
}

/// The value of `key` in an object. Kubernetes objects are mostly small maps (a
/// `securityContext` of three keys, `resources` of two): comparing a handful of keys is
/// several times cheaper than hashing one with the map's SipHash, and field checks look up
/// millions of keys on a large cluster.
pub fn field<'v>(m: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v Value> {
    if m.len() <= 8 {
        m.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        m.get(key)
    }
}

/// Lookups on JSON values through [`field`]: `Value::get` and `Value::pointer` as checks
/// use them, without hashing keys of small objects.
pub trait Lookup {
    /// The tree's node type.
    type Node;
    /// The value of `key`, when this is an object that has it.
    fn key(&self, key: &str) -> Option<&Self::Node>;
    /// The value a JSON pointer (RFC 6901, `/spec/template`) designates, as
    /// `Value::pointer` finds it.
    fn at(&self, pointer: &str) -> Option<&Self::Node>;
}

impl Lookup for Doc {
    type Node = Doc;

    fn key(&self, key: &str) -> Option<&Doc> {
        self.get(key)
    }

    fn at(&self, pointer: &str) -> Option<&Doc> {
        self.pointer(pointer)
    }
}

impl Lookup for Value {
    type Node = Value;

    fn key(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| field(m, key))
    }

    fn at(&self, pointer: &str) -> Option<&Value> {
        use crate::document::{pointer_index, pointer_tokens};
        pointer_tokens(pointer)?.try_fold(self, |cur, token| match cur {
            Value::Object(m) => field(m, &token),
            Value::Array(a) => pointer_index(&token).and_then(|i| a.get(i)),
            _ => None,
        })
    }
}

/// Calls `f` on every value the segments left reach from `v`, depth first (the order of the
/// values in the document), until `f` returns false. Returns false if stopped.
fn walk<T: Trail>(
    segments: &[Segment],
    v: &Doc,
    trail: &mut T,
    f: &mut dyn FnMut(&T, &Doc) -> bool,
) -> bool {
    let Some((seg, rest)) = segments.split_first() else {
        return f(trail, v);
    };
    let mark = trail.mark();
    let mut into = |trail: &mut T, step: &dyn Fn(&mut T), child: &Doc| {
        step(trail);
        let go_on = walk(rest, child, trail, f);
        trail.back(mark);
        go_on
    };
    match (seg, v) {
        (Segment::Key(k), Doc::Object(m)) => match m.get(k) {
            Some(child) if !child.is_null() => into(trail, &|t| t.key(k), child),
            _ => true,
        },
        (Segment::Index(n), Doc::Array(a)) => {
            a.get(*n).is_none_or(|c| into(trail, &|t| t.index(*n), c))
        }
        (Segment::Wildcard, Doc::Array(a)) => a
            .iter()
            .enumerate()
            .all(|(n, c)| into(trail, &|t| t.index(n), c)),
        (Segment::Wildcard, Doc::Object(m)) => m.iter().all(|(k, c)| into(trail, &|t| t.key(k), c)),
        (Segment::KeyGlob(pat), Doc::Object(m)) => m
            .iter()
            .filter(|(k, _)| glob_match(pat, k))
            .all(|(k, c)| into(trail, &|t| t.key(k), c)),
        // The keys are a computed value: nothing can be looked up inside them. A key whose
        // value is null is not set: the API server decodes it as an absent field.
        (Segment::Keys, Doc::Object(m)) if rest.is_empty() => {
            let keys = Doc::Array(
                m.iter()
                    .filter(|(_, v)| !matches!(v, Doc::Null))
                    .map(|(k, _)| Doc::String(k.into()))
                    .collect(),
            );
            into(trail, &|t| t.keys(), &keys)
        }
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
    pub fn visit(&self, value: &Doc, f: &mut dyn FnMut(&Doc) -> bool) -> bool {
        walk(&self.segments, value, &mut (), &mut |_, v| f(v))
    }

    /// Whether the path finds any value.
    pub fn exists(&self, value: &Doc) -> bool {
        !self.visit(value, &mut |_| false)
    }

    /// Every value the path reaches below `value`, with its concrete path (from `base`),
    /// each made owned by `own` (a document for further lookups, or JSON for evidence).
    pub fn resolve<O>(&self, value: &Doc, base: &str, own: impl Fn(&Doc) -> O) -> Vec<(String, O)> {
        let mut found = Vec::new();
        walk(
            &self.segments,
            value,
            &mut base.to_string(),
            &mut |path, v| {
                found.push((path.clone(), own(v)));
                true
            },
        );
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Star patterns as glob_match read them before it stopped collecting the parts.
    fn glob_by_parts(pattern: &str, text: &str) -> bool {
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

    #[test]
    fn glob_match_agrees_with_matching_part_by_part() {
        // Every pattern over `a`, `b`, `*` up to five characters against every text over
        // `a`, `b` up to five.
        fn words(alphabet: &[char], max: usize) -> Vec<String> {
            let mut all = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                    .collect();
                all.extend(last.iter().cloned());
            }
            all
        }
        let texts = words(&['a', 'b'], 5);
        for pattern in words(&['a', 'b', '*'], 5) {
            for text in &texts {
                assert_eq!(
                    glob_match(&pattern, text),
                    glob_by_parts(&pattern, text),
                    "{pattern:?} on {text:?}"
                );
            }
        }
    }

    #[test]
    fn parses_and_resolves() {
        let p = FieldPath::parse(r#"pod.containers[*].securityContext["a.b/c"]"#).unwrap();
        assert_eq!(p.root, "pod");
        assert_eq!(p.segments.len(), 4);
        let v = Doc::from(json!({"containers": [{"securityContext": {"a.b/c": 1}}, {}]}));
        let got = p.resolve(&v, "spec", Doc::clone);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, r#"spec.containers[0].securityContext["a.b/c"]"#);
        let glob = FieldPath::parse(r#"pod.a["x.io/*"]"#).unwrap();
        let m = Doc::from(json!({"a": {"x.io/one": 1, "y.io/two": 2, "x.io/three": 3}}));
        assert_eq!(glob.resolve(&m, "", Doc::clone).len(), 2);
        assert!(glob_match("a*c*e", "abcde") && !glob_match("kube-*", "coredns"));
        let keys = FieldPath::parse("pod.containers[0].@keys").unwrap();
        assert_eq!(
            keys.resolve(&v, "spec", Doc::to_value)[0].1,
            json!(["securityContext"])
        );
        let d = Doc::from(json!({"spec": {"a/b": 1}}));
        assert_eq!(d.at("/spec/a~1b").and_then(Doc::as_i64), Some(1));
    }

    #[test]
    fn rejects_bad_paths() {
        assert!(FieldPath::parse("").is_err());
        assert!(FieldPath::parse("a[x]").is_err());
        assert!(FieldPath::parse("a.").is_err());
        assert!(FieldPath::parse("[0]").is_err());
    }

    #[test]
    fn lookups_agree_with_serde_json() {
        use super::Lookup;
        let mut big = serde_json::Map::new();
        for i in 0..20 {
            big.insert(format!("k{i}"), json!(i));
        }
        let v = json!({
            "spec": {"a/b": 1, "t~x": 2, "list": [10, 11, 12], "": 3, "big": big},
            "n": null
        });
        for p in [
            "",
            "/",
            "/spec",
            "/spec/a~1b",
            "/spec/t~0x",
            "/spec/list/0",
            "/spec/list/2",
            "/spec/list/3",
            "/spec/list/01",
            "/spec/list/+1",
            "/spec/list/-1",
            "/spec/",
            "/spec/big/k7",
            "/spec/big/k19",
            "/spec/big/k20",
            "/n",
            "/n/x",
            "spec",
            "/missing",
        ] {
            assert_eq!(v.at(p), v.pointer(p), "{p}");
        }
        for k in ["spec", "n", "missing", ""] {
            assert_eq!(v.key(k), v.get(k), "{k}");
        }
        assert_eq!(v["spec"]["big"].key("k13"), Some(&json!(13)));
        assert_eq!(json!([1]).key("0"), None);
    }
}
