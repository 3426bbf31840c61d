//! An object's document as the inventory keeps it: the same tree as a JSON value, in about a
//! third of the memory.
//!
//! `serde_json::Value` with `preserve_order` costs 80 bytes a node and 112 bytes a map entry
//! plus a hash index per map; on 100,000 objects that was 416 MB of the inventory. A [`Doc`]
//! is a 24-byte node: strings as `Box<str>`, arrays and maps as boxed slices at their exact
//! size, map entries in document order and found by a linear scan (Kubernetes maps are
//! small; the generated 100k set has 93 distinct keys). Measured on that set: 159 MB.
//!
//! Checks read documents; observations and reports keep `serde_json::Value`
//! ([`Doc::to_value`]).

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

/// One node of a document.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Doc {
    /// `null`.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as JSON read it.
    Number(Number),
    /// A string.
    String(Box<str>),
    /// A list.
    Array(Box<[Doc]>),
    /// A mapping, in document order.
    Object(Fields),
}

/// A mapping's entries, in document order.
#[derive(Debug, Clone, Default)]
pub struct Fields(Box<[(Box<str>, Doc)]>);

/// Maps compare as sets of entries, whatever their order (as `serde_json::Value` does).
impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

/// Hashed as [`PartialEq`] compares: maps as sets of entries, whatever their order (each
/// entry hashed on its own, the results summed).
impl std::hash::Hash for Fields {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
        let entries = self.iter().fold(0u64, |sum, entry| {
            sum.wrapping_add(BuildHasherDefault::<DefaultHasher>::default().hash_one(entry))
        });
        self.len().hash(state);
        entries.hash(state);
    }
}

impl std::hash::Hash for Doc {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Doc::Null => {}
            Doc::Bool(b) => b.hash(state),
            Doc::Number(n) => n.hash(state),
            Doc::String(s) => s.hash(state),
            Doc::Array(a) => a.hash(state),
            Doc::Object(f) => f.hash(state),
        }
    }
}

impl Fields {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Doc> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Entries in document order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &Doc)> + ExactSizeIterator {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    /// Keys in document order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| &**k)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Doc> {
        self.0.iter_mut().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    /// Entries in document order, values changeable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Doc)> {
        self.0.iter_mut().map(|(k, v)| (&**k, v))
    }

    /// Keeps the entries `keep` accepts, in order. (Entries are a boxed slice at its exact
    /// size, so removing one rebuilds it: meant for the few removals of redaction and
    /// trimming, not for building maps.)
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Doc) -> bool) {
        if self.0.iter().all(|(k, v)| keep(k, v)) {
            return;
        }
        let mut entries = std::mem::take(&mut self.0).into_vec();
        entries.retain(|(k, v)| keep(k, v));
        self.0 = entries.into_boxed_slice();
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.retain(|k, _| k != key);
    }

    /// Sets `key` to `value`: in its place when present, else as the last entry.
    pub fn insert(&mut self, key: &str, value: Doc) {
        if let Some(v) = self.get_mut(key) {
            *v = value;
            return;
        }
        let mut entries = std::mem::take(&mut self.0).into_vec();
        entries.push((key.into(), value));
        self.0 = entries.into_boxed_slice();
    }

    /// Entries from (key, value) pairs in order; a repeated key keeps its first place and
    /// its last value, as a JSON object read with `preserve_order` does.
    pub fn from_entries(entries: Vec<(Box<str>, Doc)>) -> Fields {
        // Readers reject duplicate keys; this only guards keys that differ in YAML but not
        // as text (`1` and `"1"`). Small maps are compared pairwise, large ones through a
        // set, so a mapping of 100,000 keys stays linear.
        let repeated = if entries.len() <= 16 {
            (1..entries.len()).any(|i| entries[..i].iter().any(|(k, _)| *k == entries[i].0))
        } else {
            let mut seen =
                foldhash::HashSet::with_capacity_and_hasher(entries.len(), Default::default());
            !entries.iter().all(|(k, _)| seen.insert(&**k))
        };
        if !repeated {
            return Fields(entries.into_boxed_slice());
        }
        let mut place: foldhash::HashMap<Box<str>, usize> = Default::default();
        let mut out: Vec<(Box<str>, Doc)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match place.get(&k) {
                Some(&i) => out[i].1 = v,
                None => {
                    place.insert(k.clone(), out.len());
                    out.push((k, v));
                }
            }
        }
        Fields(out.into_boxed_slice())
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a str, &'a Doc);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Box<str>, Doc)>,
        fn(&'a (Box<str>, Doc)) -> (&'a str, &'a Doc),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
}

impl Doc {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Doc::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Doc::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as `i64`, if it is one that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Doc::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as `u64`, if it is one that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Doc::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The items, if this is a list.
    pub fn as_array(&self) -> Option<&[Doc]> {
        match self {
            Doc::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_object(&self) -> Option<&Fields> {
        match self {
            Doc::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The entries, if this is a mapping, to change them.
    pub fn as_object_mut(&mut self) -> Option<&mut Fields> {
        match self {
            Doc::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The value of `key`, if this is a mapping that has it, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Doc> {
        self.as_object_mut().and_then(|m| m.get_mut(key))
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Doc::Null)
    }

    /// The value of `key`, if this is a mapping that has it.
    pub fn get(&self, key: impl AsRef<str>) -> Option<&Doc> {
        self.as_object().and_then(|m| m.get(key.as_ref()))
    }

    /// The node a JSON pointer (RFC 6901, `/spec/template`) designates, as
    /// `serde_json::Value::pointer` finds it.
    pub fn pointer(&self, pointer: &str) -> Option<&Doc> {
        pointer_tokens(pointer)?.try_fold(self, |cur, token| match cur {
            Doc::Object(m) => m.get(&token),
            Doc::Array(a) => pointer_index(&token).and_then(|i| a.get(i)),
            _ => None,
        })
    }

    /// The same tree as a JSON value (for evidence and reports).
    pub fn to_value(&self) -> Value {
        match self {
            Doc::Null => Value::Null,
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Number(n) => Value::Number(n.clone()),
            Doc::String(s) => Value::String(s.to_string()),
            Doc::Array(a) => Value::Array(a.iter().map(Doc::to_value).collect()),
            Doc::Object(m) => {
                let mut out = serde_json::Map::with_capacity(m.len());
                for (k, v) in m.iter() {
                    out.insert(k.to_string(), v.to_value());
                }
                Value::Object(out)
            }
        }
    }
}

/// The unescaped tokens of a JSON pointer (RFC 6901: `~1` is `/`, `~0` is `~`); none for the
/// empty pointer (the whole document), and `None` when it does not start with `/`.
pub fn pointer_tokens(pointer: &str) -> Option<impl Iterator<Item = std::borrow::Cow<'_, str>>> {
    let tokens = match pointer {
        "" => None,
        p => Some(p.strip_prefix('/')?.split('/')),
    };
    Some(tokens.into_iter().flatten().map(|token| {
        if token.contains('~') {
            token.replace("~1", "/").replace("~0", "~").into()
        } else {
            token.into()
        }
    }))
}

/// A pointer token as a list index, as serde_json reads them: no sign, no leading zero.
pub fn pointer_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token != "0" && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

impl From<Value> for Doc {
    fn from(v: Value) -> Doc {
        match v {
            Value::Null => Doc::Null,
            Value::Bool(b) => Doc::Bool(b),
            Value::Number(n) => Doc::Number(n),
            Value::String(s) => Doc::String(s.into_boxed_str()),
            Value::Array(a) => Doc::Array(a.into_iter().map(Doc::from).collect()),
            Value::Object(m) => Doc::Object(Fields(
                m.into_iter()
                    .map(|(k, v)| (k.into_boxed_str(), Doc::from(v)))
                    .collect(),
            )),
        }
    }
}

/// `doc["key"]`: the value, or `null` when absent (as `serde_json::Value` indexes).
impl std::ops::Index<&str> for Doc {
    type Output = Doc;

    fn index(&self, key: &str) -> &Doc {
        static NULL: Doc = Doc::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

impl PartialEq<str> for Doc {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<Value> for Doc {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Doc::Null, Value::Null) => true,
            (Doc::Bool(a), Value::Bool(b)) => a == b,
            (Doc::Number(a), Value::Number(b)) => a == b,
            (Doc::String(a), Value::String(b)) => **a == **b,
            (Doc::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            // Maps compare as sets of entries, as `serde_json::Value` does.
            (Doc::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

impl Serialize for Doc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Doc::Null => s.serialize_unit(),
            Doc::Bool(b) => s.serialize_bool(*b),
            Doc::Number(n) => n.serialize(s),
            Doc::String(v) => s.serialize_str(v),
            Doc::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a.iter() {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Doc::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m.iter() {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Read straight into a document, as `serde_json::Value` would read it then
/// [`Doc::from`] converts it (numbers, `null` for a float JSON cannot hold, a repeated key in
/// its first place with its last value), without building the `Value` first: on API list
/// pages that tree (a hash index per mapping) cost more than the document itself.
impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Doc, D::Error> {
        d.deserialize_any(DocVisitor)
    }
}

struct DocVisitor;

impl<'de> serde::de::Visitor<'de> for DocVisitor {
    type Value = Doc;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Doc, E> {
        Ok(Doc::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Doc, E> {
        Ok(Doc::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Doc, E> {
        Ok(Doc::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Doc, E> {
        Ok(Number::from_f64(n).map_or(Doc::Null, Doc::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Doc, E> {
        Ok(Doc::String(s.into()))
    }

    fn visit_string<E>(self, s: String) -> Result<Doc, E> {
        Ok(Doc::String(s.into_boxed_str()))
    }

    fn visit_none<E>(self) -> Result<Doc, E> {
        Ok(Doc::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Doc, D::Error> {
        Doc::deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Doc, E> {
        Ok(Doc::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Doc, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element::<Doc>()? {
            items.push(item);
        }
        Ok(Doc::Array(items.into_boxed_slice()))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Doc, A::Error> {
        let mut entries: Vec<(Box<str>, Doc)> =
            Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Doc>()?;
            entries.push((key.into_boxed_str(), value));
        }
        Ok(Doc::Object(Fields::from_entries(entries)))
    }
}

/// What the condition engine needs of a value, whether a document node or a JSON value
/// (node facts, flags and catalog literals stay JSON): its kind and a list's items.
pub trait Tree: PartialEq<Value> + Sized {
    /// The node, seen as one of the JSON kinds.
    fn view(&self) -> View<'_, Self>;
    /// The node as compact JSON text.
    fn json(&self) -> String;
}

/// A node seen as one of the JSON kinds.
pub enum View<'a, T> {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(&'a Number),
    /// A string.
    String(&'a str),
    /// A list.
    Array(&'a [T]),
    /// A mapping.
    Object,
}

impl Tree for Doc {
    fn view(&self) -> View<'_, Doc> {
        match self {
            Doc::Null => View::Null,
            Doc::Bool(b) => View::Bool(*b),
            Doc::Number(n) => View::Number(n),
            Doc::String(s) => View::String(s),
            Doc::Array(a) => View::Array(a),
            Doc::Object(_) => View::Object,
        }
    }

    fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Tree for Value {
    fn view(&self) -> View<'_, Value> {
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Number(n),
            Value::String(s) => View::String(s),
            Value::Array(a) => View::Array(a),
            Value::Object(_) => View::Object,
        }
    }

    fn json(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_json_as_a_value_would_read_it() {
        // Order kept, a repeated key in its first place with its last value, integers at
        // both ends of their range, floats, escapes, empty collections, nesting.
        let texts = [
            r#"{"b":1,"a":[true,null,"x\u00e9\n",{"z":1.5,"y":-2}],"b":3,"c":{}}"#,
            r#"[18446744073709551615,-9223372036854775808,1e300,-0.0,0.1,[],[[[]]]]"#,
            r#""plain""#,
            r#"{"metadata":{"name":"a","labels":{"k":"v","k":"w"}},"items":[{"x":[1,{"y":null}]}]}"#,
        ];
        for text in texts {
            let direct: Doc = serde_json::from_str(text).unwrap();
            let value: Value = serde_json::from_str(text).unwrap();
            let via = Doc::from(value.clone());
            assert_eq!(direct, via, "{text}");
            assert_eq!(direct.to_value(), value, "{text}");
            assert_eq!(
                serde_json::to_string(&direct).unwrap(),
                serde_json::to_string(&via).unwrap(),
                "{text}: order"
            );
        }
        assert!(serde_json::from_str::<Doc>(r#"{"a":}"#).is_err());
    }

    #[test]
    fn keeps_the_tree_and_its_order() {
        let v = json!({"b": 1, "a": [true, null, "x", {"z": 1.5, "y": -2}]});
        let d = Doc::from(v.clone());
        assert_eq!(d.to_value(), v);
        assert_eq!(d, v);
        assert_eq!(serde_json::to_string(&d).unwrap(), v.to_string());
        assert_eq!(d.pointer("/a/3/y").and_then(Doc::as_i64), Some(-2));
        assert_eq!(d.get("b").and_then(Doc::as_u64), Some(1));
        let keys: Vec<&str> = d.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn maps_compare_whatever_their_order() {
        let a = Doc::from(json!({"x": 1, "y": [1, 2]}));
        let b = Doc::from(json!({"y": [1, 2], "x": 1}));
        assert_eq!(a, b);
        assert_ne!(a, Doc::from(json!({"x": 1, "y": [2, 1]})));
    }

    #[test]
    fn fields_change_in_place_and_keep_their_order() {
        let mut d = Doc::from(json!({"a": 1, "b": 2, "c": 3}));
        let m = d.as_object_mut().unwrap();
        m.remove("b");
        m.insert("a", Doc::Bool(true));
        m.insert("d", Doc::Null);
        m.retain(|k, _| k != "c");
        assert_eq!(d.to_value().to_string(), r#"{"a":true,"d":null}"#);
    }

    #[test]
    fn repeated_keys_keep_the_first_place_and_the_last_value() {
        let entry = |k: &str, v: i64| (Box::<str>::from(k), Doc::Number(v.into()));
        let small = Fields::from_entries(vec![entry("1", 1), entry("x", 2), entry("1", 3)]);
        assert_eq!(small.keys().collect::<Vec<_>>(), ["1", "x"]);
        assert_eq!(small.get("1").and_then(Doc::as_i64), Some(3));
        let mut many: Vec<_> = (0..40).map(|i| entry(&format!("k{i}"), i)).collect();
        many.push(entry("k7", -1));
        let large = Fields::from_entries(many);
        assert_eq!(large.len(), 40);
        assert_eq!(large.get("k7").and_then(Doc::as_i64), Some(-1));
    }

    #[test]
    fn is_smaller_than_a_json_value() {
        assert_eq!(std::mem::size_of::<Doc>(), 24);
        assert!(std::mem::size_of::<Doc>() * 3 <= std::mem::size_of::<Value>());
    }
}
