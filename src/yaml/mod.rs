//! YAML documents as trees that remember the line of every value.
//!
//! The catalog loader needs the line of each key to report *every* problem at its place, and
//! manifests need the line of each field so that findings can point at it. serde-saphyr
//! provides spans through [`serde_saphyr::Spanned`]; this module keeps them for a whole
//! document by visiting it without buffering.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::document::{Doc, Fields};

mod block;
mod lines;

pub use lines::FieldLines;

/// A YAML value with the line (1-based) where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line of the value (0 when unknown).
    pub line: u32,
    /// The value itself.
    pub value: NodeValue,
}

/// The shape of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `~`, `null` or an empty value.
    Null,
    /// `true` / `false` (strict booleans: `yes`/`no` stay strings).
    Bool(bool),
    /// Any number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in document order (each key with its own line).
    Map(Vec<(Key, Node)>),
}

/// A mapping key and the line it was written on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The key's text (numbers and booleans used as keys keep their text).
    pub value: String,
    /// 1-based line of the key.
    pub line: u32,
}

impl Key {
    fn spanned(key: Spanned<KeyString>) -> Key {
        Key {
            line: line_of(&key.referenced),
            value: key.value.0,
        }
    }
}

/// A YAML document that could not be parsed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct YamlError {
    /// 1-based line of the problem (0 when the parser gave none).
    pub line: u32,
    /// What the parser said.
    pub message: String,
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
    }
}

/// How kubectl reads a manifest (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1): plain `yes`,
/// `no`, `on`, `off`, `y`, `n` are booleans and `0644` is octal, so `hostNetwork: yes` is
/// the host network and `defaultMode: 0400` is 256, as the API server receives them.
pub(crate) fn manifest_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: false,
        legacy_octal_numbers: true,
        // Merged in order by `resolve_keys`, as go-yaml v2 merges them.
        merge_keys: serde_saphyr::MergeKeyPolicy::AsOrdinary,
        // A key written twice: the last one wins, as kubectl applies it (`resolve_keys`).
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    }
}

fn to_error(err: serde_saphyr::Error) -> YamlError {
    let line = err
        .location()
        .map(|l| u32::try_from(l.line()).unwrap_or(u32::MAX))
        .unwrap_or(0);
    // The library's Display includes a source snippet; keep the first line only so that
    // messages stay one line and never echo a whole (possibly secret) document.
    let text = err.to_string();
    let first = text.lines().next().unwrap_or("invalid YAML");
    // "error: line 12 column 3: duplicate mapping key: x, set DuplicateKeyPolicy …" →
    // "column 3: duplicate mapping key: x" (the line is reported separately).
    let mut message = first.trim_start_matches("error: ").to_string();
    if let Some(rest) = message.strip_prefix("line ") {
        if let Some((_, after)) = rest.split_once(' ') {
            message = after.to_string();
        }
    }
    if let Some((before, _)) = message.split_once(", set DuplicateKeyPolicy") {
        message = before.to_string();
    }
    YamlError { line, message }
}

/// Parses a stream of YAML documents (also JSON, which is YAML). Empty documents are skipped.
///
/// The catalog and configuration files are block YAML: the fast reader (see `block`) reads
/// them when it can read every document, serde-saphyr otherwise (and for every error).
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    match block::documents(text) {
        Some(nodes) => Ok(nodes),
        None => saphyr_documents(text),
    }
}

/// [`parse_documents`] by serde-saphyr alone.
pub(crate) fn saphyr_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    saphyr_documents_with(text, options())
}

pub(crate) fn saphyr_documents_with(
    text: &str,
    options: serde_saphyr::Options,
) -> Result<Vec<Node>, YamlError> {
    let docs: Vec<Option<Spanned<NodeInner>>> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(to_error)?;
    Ok(docs
        .into_iter()
        .flatten()
        .map(|s| s.value.into_node(line_of(&s.referenced)))
        .filter(|n| n.value != NodeValue::Null)
        .collect())
}

/// Parses exactly one YAML document.
pub fn parse_document(text: &str) -> Result<Node, YamlError> {
    single(parse_documents(text)?)
}

/// The one document of a stream (null for an empty one); several are an error.
fn single(mut docs: Vec<Node>) -> Result<Node, YamlError> {
    match docs.len() {
        0 => Ok(Node {
            line: 1,
            value: NodeValue::Null,
        }),
        1 => Ok(docs.remove(0)),
        _ => Err(YamlError {
            line: docs[1].line,
            message: "expected a single YAML document, found several".into(),
        }),
    }
}

/// Parses exactly one YAML document as Go's YAML 1.1 readers do (go-yaml v2, behind
/// sigs.k8s.io/yaml, which the kubelet reads its configuration files with): plain `yes`,
/// `no`, `on`, `off`, `y`, `n` (in any of their spellings) are booleans (quoted, they stay
/// strings) and `0644` is octal.
pub fn parse_document_yaml11(text: &str) -> Result<Node, YamlError> {
    single(saphyr_documents_with(text, manifest_options())?)
}

fn line_of(loc: &serde_saphyr::Location) -> u32 {
    u32::try_from(loc.line()).unwrap_or(u32::MAX)
}

/// Deserialization target; turned into a [`Node`] once its span is known.
struct NodeInner(NodeValue);

impl NodeInner {
    fn into_node(self, line: u32) -> Node {
        Node {
            line,
            value: self.0,
        }
    }
}

impl<'de> Deserialize<'de> for NodeInner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor).map(NodeInner)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        Ok(NodeValue::Number(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<NodeValue, E> {
        Ok(NodeValue::String(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<NodeValue, E> {
        Ok(NodeValue::String(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NodeValue, E> {
        Ok(serde_json::Number::from_f64(v)
            .map(NodeValue::Number)
            .unwrap_or_else(|| NodeValue::String(v.to_string())))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<NodeValue, E> {
        Ok(NodeValue::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut out = Vec::new();
        while let Some(el) = seq.next_element::<Spanned<NodeInner>>()? {
            let line = line_of(&el.referenced);
            out.push(el.value.into_node(line));
        }
        Ok(NodeValue::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut out: Vec<(Key, Node)> = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyString>>()? {
            let v: Spanned<NodeInner> = map.next_value()?;
            let line = line_of(&v.referenced);
            out.push((Key::spanned(key), v.value.into_node(line)));
        }
        Ok(NodeValue::Map(resolve_keys(out)))
    }
}

/// A mapping key written twice in a manifest: kubectl (sigs.k8s.io/yaml over go-yaml v2)
/// applies the last one and says nothing, so a `privileged: false` above a `privileged: true`
/// is lost without a word. The reader judges what kubectl applies and reports each one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// Line of the first time it is written.
    pub first: u32,
    /// Line of the one that wins.
    pub last: u32,
}

thread_local! {
    /// Duplicate keys met by [`resolve_keys`] while [`read_stream`] reads a document (`None`
    /// outside: other readers resolve them silently).
    static DUPLICATE_KEYS: std::cell::RefCell<Option<Vec<DuplicateKey>>> =
        const { std::cell::RefCell::new(None) };
}

/// Keys of a mapping as go-yaml v2 (kubectl's and the kubelet's reader) keeps them: a key
/// written again replaces the earlier value, and `<<` merge keys are applied where they stand
/// (serde-saphyr hands both over as written in [`manifest_options`]), so a merged key
/// overwrites one written before it and is overwritten by one written after it; of a sequence
/// of mappings the last is applied first, so earlier ones win.
fn resolve_keys(entries: Vec<(Key, Node)>) -> Vec<(Key, Node)> {
    let merges = entries.iter().any(|(k, _)| k.value == "<<");
    let duplicates = duplicate_keys(&entries);
    if !merges && duplicates.is_empty() {
        return entries;
    }
    if !duplicates.is_empty() {
        DUPLICATE_KEYS.with(|d| {
            if let Some(found) = d.borrow_mut().as_mut() {
                found.extend(duplicates);
            }
        });
    }
    let mut out = Resolved::with_capacity(entries.len());
    for (k, v) in entries {
        if k.value != "<<" {
            out.set(k, v);
            continue;
        }
        match v.value {
            NodeValue::Map(m) => m.into_iter().for_each(|(mk, mv)| out.set(mk, mv)),
            NodeValue::Seq(items) if items.iter().all(|i| matches!(i.value, NodeValue::Map(_))) => {
                for item in items.into_iter().rev() {
                    if let NodeValue::Map(m) = item.value {
                        m.into_iter().for_each(|(mk, mv)| out.set(mk, mv));
                    }
                }
            }
            // Not a mapping to merge: kept as the key it is written as.
            other => out.set(
                k,
                Node {
                    line: v.line,
                    value: other,
                },
            ),
        }
    }
    out.entries
}

/// The keys of a mapping being resolved, with the position of each, so that a mapping of
/// 100,000 keys with one written twice is resolved in linear time.
struct Resolved {
    entries: Vec<(Key, Node)>,
    position: foldhash::HashMap<String, usize>,
}

impl Resolved {
    fn with_capacity(n: usize) -> Resolved {
        Resolved {
            entries: Vec::with_capacity(n),
            position: foldhash::HashMap::default(),
        }
    }

    /// Sets `k` to `v`; a key already set has its whole slot replaced (the key's line is where
    /// the value in force is written), keeping its place.
    fn set(&mut self, k: Key, v: Node) {
        match self.position.get(&k.value) {
            Some(&i) => self.entries[i] = (k, v),
            None => {
                self.position.insert(k.value.clone(), self.entries.len());
                self.entries.push((k, v));
            }
        }
    }
}

/// Keys (other than `<<`) written more than once in `entries`, each with the line of its
/// first and of its last occurrence.
fn duplicate_keys(entries: &[(Key, Node)]) -> Vec<DuplicateKey> {
    // Most mappings are small and have none: compared pair by pair, nothing allocated.
    if entries.len() < 16
        && !(1..entries.len()).any(|i| {
            let key = &entries[i].0.value;
            key != "<<" && entries[..i].iter().any(|(k, _)| k.value == *key)
        })
    {
        return Vec::new();
    }
    // (first line, last line, times written), in the order keys first appear.
    let mut seen: foldhash::HashMap<&str, (u32, u32, usize)> = foldhash::HashMap::default();
    let mut order = Vec::new();
    for (k, _) in entries.iter().filter(|(k, _)| k.value != "<<") {
        let slot = seen.entry(&k.value).or_insert_with(|| {
            order.push(k.value.as_str());
            (k.line, k.line, 0)
        });
        slot.1 = k.line;
        slot.2 += 1;
    }
    order
        .into_iter()
        .filter_map(|key| {
            let (first, last, times) = seen[key];
            (times > 1).then(|| DuplicateKey {
                key: key.to_string(),
                first,
                last,
            })
        })
        .collect()
}

/// Map keys: strings, but numbers and booleans used as keys are kept as their text.
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = d.deserialize_any(NodeVisitor)?;
        Ok(KeyString(match v {
            NodeValue::String(s) => s,
            NodeValue::Bool(b) => b.to_string(),
            NodeValue::Number(n) => n.to_string(),
            NodeValue::Null => "null".into(),
            _ => return Err(de::Error::custom("complex mapping keys are not supported")),
        }))
    }
}

/// The most YAML nodes one object (a document, or one item of a `*List`) may have.
pub const MAX_NODES_PER_OBJECT: usize = 250_000;

/// One object read from a manifest stream, already converted to the inventory's document with
/// the line of every field (see [`Node::into_doc_with_lines`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamObject {
    /// Line where the object starts.
    pub line: u32,
    /// The object.
    pub value: Doc,
    /// Line of every field path.
    pub lines: FieldLines,
}

/// One entry of a manifest stream: an object, or why an object could not be used.
#[derive(Debug, Clone)]
pub enum StreamItem {
    /// An object (a document, or an item of a `*List`, nested Lists flattened).
    Object(StreamObject),
    /// An object over [`MAX_NODES_PER_OBJECT`]: skipped, the rest is read.
    TooLarge {
        /// Where it starts.
        line: u32,
    },
    /// A document that could not be parsed; after a syntax error the stream ends.
    Error(YamlError),
    /// Something the reader resolved as kubectl does but the author should know (a key
    /// written twice); the objects are still read.
    Warning(YamlError),
}

/// Reads a manifest stream document by document without holding the text, with budgets
/// per document (a `kubectl get -o yaml` dump is one document); the items of a top-level
/// `*List` are converted one by one as they are parsed, so a List of 100,000 objects never
/// exists as one tree; Lists inside Lists are flattened. `max_bytes` caps the input.
pub fn read_stream<R: std::io::Read>(
    reader: R,
    max_bytes: usize,
    mut each: impl FnMut(StreamItem),
) {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_reader_input_bytes = Some(max_bytes);
    budget.max_nodes = usize::MAX / 2;
    budget.max_events = usize::MAX / 2;
    budget.max_total_scalar_bytes = max_bytes;
    budget.max_documents = usize::MAX / 2;
    let mut opts = manifest_options();
    opts.budget = Some(budget);
    let mut reader = reader;
    DUPLICATE_KEYS.with(|d| *d.borrow_mut() = Some(Vec::new()));
    for doc in serde_saphyr::read_with_options::<_, Spanned<StreamDoc>>(&mut reader, opts) {
        let duplicates = DUPLICATE_KEYS.with(|d| d.borrow_mut().as_mut().map(std::mem::take));
        for dup in duplicates.into_iter().flatten() {
            each(StreamItem::Warning(YamlError {
                line: dup.last,
                message: format!(
                    "key {} is written more than once in the same mapping (first at line {}); kubectl applies the last one, so that is what is judged: remove the other",
                    crate::quote::quote(&dup.key),
                    dup.first
                ),
            }));
        }
        match doc {
            Err(e) => each(StreamItem::Error(to_error(e))),
            Ok(doc) => {
                let line = line_of(&doc.referenced);
                doc.value.emit(line, &mut each);
            }
        }
    }
    DUPLICATE_KEYS.with(|d| *d.borrow_mut() = None);
}

/// Like [`read_stream`], for a stream already in memory: documents written in the block style
/// almost every manifest uses are read by a fast reader (see `block`), any other document by
/// serde-saphyr, with the same items, lines and errors either way.
pub fn read_text(text: &str, max_bytes: usize, mut each: impl FnMut(StreamItem)) {
    let Some(chunks) = block::chunks(text) else {
        return read_stream(text.as_bytes(), max_bytes, each);
    };
    for chunk in chunks {
        // kubectl splits a stream at `---` only and reads the first document of each part:
        // what follows a `...` document end up to the next `---` is never sent.
        if chunk.text.starts_with("...") {
            if let Some(line) = first_content_line(chunk) {
                each(StreamItem::Error(YamlError {
                    line,
                    message: "what follows the document end `...` is not read by kubectl (it reads up to the next `---`), so these objects are not applied and not judged; start them with `---`".into(),
                }));
            }
            continue;
        }
        // A byte-order mark after a `---` line (files joined together): kubectl drops it.
        let joined;
        let chunk = match without_bom_after_marker(chunk.text) {
            Some(text) => {
                joined = text;
                block::Chunk {
                    text: &joined,
                    first_line: chunk.first_line,
                }
            }
            None => chunk,
        };
        let fast = block::document(chunk).and_then(|root| match root {
            None => Some(Vec::new()),
            Some(root) => emit_root(root),
        });
        if let Some(items) = fast {
            items.into_iter().for_each(&mut each);
            continue;
        }
        let mut failed = false;
        let by = chunk.first_line - 1;
        read_stream(chunk.text.as_bytes(), max_bytes, |mut item| {
            shift(&mut item, by);
            failed |= matches!(item, StreamItem::Error(_));
            each(item);
        });
        // After a syntax error the stream ends, as it does in `read_stream`.
        if failed {
            return;
        }
    }
}

/// The line of the first line of a chunk after its marker line that is neither blank nor a
/// comment.
fn first_content_line(chunk: block::Chunk<'_>) -> Option<u32> {
    (chunk.first_line..)
        .zip(chunk.text.lines())
        .skip(1)
        .find(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .map(|(n, _)| n)
}

/// A chunk's text with a byte-order mark at the start of the line after its `---` line
/// removed, when there is one.
fn without_bom_after_marker(text: &str) -> Option<String> {
    let (marker, rest) = text.split_once('\n')?;
    let rest = rest.strip_prefix('\u{feff}')?;
    (marker.starts_with("---")).then(|| format!("{marker}\n{rest}"))
}

/// The items of a document read by the fast reader, as [`StreamDoc::emit`] gives them; `None`
/// for the shapes only serde-saphyr's path converts (a root that is not a mapping, `items`
/// in an object that is not a List).
fn emit_root(root: Node) -> Option<Vec<StreamItem>> {
    if !matches!(root.value, NodeValue::Map(_)) {
        return None;
    }
    // A List's items, nested Lists flattened, or the object itself.
    let mut out = Vec::new();
    flatten(root, &mut out);
    Some(out)
}

/// What is said of a document that kubectl reads as a List although its kind is not one
/// (see [`flatten`]).
fn not_a_list_kind(kind: Option<&str>, line: u32) -> StreamItem {
    StreamItem::Warning(YamlError {
        line,
        message: format!(
            "{} has a top-level `items` list: kubectl reads any document with one as a List and applies its items, not the document itself, so the items are what is judged",
            kind.map_or_else(|| "the document".to_string(), |k| format!("this {k}"))
        ),
    })
}

/// Moves an item read from a part of a stream to the lines of the whole stream.
fn shift(item: &mut StreamItem, by: u32) {
    match item {
        StreamItem::Object(o) => {
            o.line += by;
            o.lines.shift(by);
        }
        StreamItem::TooLarge { line } => *line += by,
        StreamItem::Error(e) | StreamItem::Warning(e) if e.line > 0 => {
            e.line += by;
            e.message = shift_line_in_text(&e.message, by);
        }
        StreamItem::Error(_) | StreamItem::Warning(_) => {}
    }
}

/// The parser's own "at line N" inside a message, moved by `by` lines like the item's line.
fn shift_line_in_text(message: &str, by: u32) -> String {
    let Some(at) = message.find("at line ") else {
        return message.to_string();
    };
    let start = at + "at line ".len();
    let digits = message[start..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    match message[start..start + digits].parse::<u32>() {
        Ok(n) => format!(
            "{}{}{}",
            &message[..start],
            n.saturating_add(by),
            &message[start + digits..]
        ),
        Err(_) => message.to_string(),
    }
}

/// A document of a manifest stream, its top-level `items` (if a sequence) converted as read.
struct StreamDoc {
    fields: Vec<(Key, Node)>,
    items: Option<Vec<StreamItem>>,
    other: Option<NodeValue>,
}

impl StreamDoc {
    fn emit(self, line: u32, each: &mut impl FnMut(StreamItem)) {
        if let Some(value) = self.other {
            let node = Node { line, value };
            if node.value != NodeValue::Null {
                each(object(node));
            }
            return;
        }
        let kind = self
            .fields
            .iter()
            .find(|(k, _)| k.value == "kind")
            .and_then(|(_, v)| v.as_str());
        match self.items {
            // A List, or any document kubectl reads as one (see `flatten`).
            Some(mut items) => {
                if !kind.is_some_and(|k| k.ends_with("List")) {
                    each(not_a_list_kind(kind, line));
                }
                let api_version = self
                    .fields
                    .iter()
                    .find(|(k, _)| k.value == "apiVersion")
                    .and_then(|(_, v)| v.as_str());
                typed_list_items(&mut items, kind, api_version);
                items.into_iter().for_each(each)
            }
            None => {
                let node = Node {
                    line,
                    value: NodeValue::Map(self.fields),
                };
                each(object(node));
            }
        }
    }
}

/// A node as an object (or too large to be one).
fn object(node: Node) -> StreamItem {
    if node.count(MAX_NODES_PER_OBJECT + 1) > MAX_NODES_PER_OBJECT {
        return StreamItem::TooLarge { line: node.line };
    }
    let line = node.line;
    let (value, lines) = node.into_doc_with_lines();
    StreamItem::Object(StreamObject { line, value, lines })
}

/// A List's items, nested Lists flattened (depth-bounded by the parser). As kubectl reads
/// them (apimachinery's unstructured decoder), a mapping with a top-level `items` sequence is
/// a List whatever its kind: its items are applied, the rest of it is not.
fn flatten(node: Node, out: &mut Vec<StreamItem>) {
    if matches!(node.get("items").map(|n| &n.value), Some(NodeValue::Seq(_))) {
        let kind = node.get("kind").and_then(Node::as_str).map(str::to_string);
        let api_version = node
            .get("apiVersion")
            .and_then(Node::as_str)
            .map(str::to_string);
        if !kind.as_deref().is_some_and(|k| k.ends_with("List")) {
            out.push(not_a_list_kind(kind.as_deref(), node.line));
        }
        let from = out.len();
        if let NodeValue::Map(entries) = node.value {
            for (k, v) in entries {
                if k.value == "items" {
                    if let NodeValue::Seq(items) = v.value {
                        for item in items {
                            flatten(item, out);
                        }
                    }
                }
            }
        }
        typed_list_items(&mut out[from..], kind.as_deref(), api_version.as_deref());
        return;
    }
    out.push(object(node));
}

/// The items of a typed List (`PodList`) that name no kind and no API version take the
/// List's (`Pod`, its `apiVersion`), as kubectl reads them (apimachinery's unstructured
/// decoder: "API server doesn't set each item's APIVersion and Kind").
fn typed_list_items(items: &mut [StreamItem], kind: Option<&str>, api_version: Option<&str>) {
    let Some(item_kind) = kind
        .and_then(|k| k.strip_suffix("List"))
        .filter(|k| !k.is_empty())
    else {
        return;
    };
    for item in items {
        let StreamItem::Object(o) = item else {
            continue;
        };
        let Some(map) = o.value.as_object_mut() else {
            continue;
        };
        if map.contains_key("kind") || map.contains_key("apiVersion") {
            continue;
        }
        map.insert("kind", Doc::String(item_kind.into()));
        if let Some(v) = api_version {
            map.insert("apiVersion", Doc::String(v.into()));
        }
    }
}

impl<'de> Deserialize<'de> for StreamDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StreamDocVisitor)
    }
}

struct StreamDocVisitor;

/// The scalar and null methods of a visitor that looks for one structure and keeps anything
/// else as a plain [`NodeValue`] wrapped by `$wrap`: each defers to [`NodeVisitor`].
macro_rules! scalars_via_node {
    ($out:ty, $wrap:expr) => {
        scalars_via_node!(@each $out, $wrap,
            visit_bool(bool),
            visit_i64(i64),
            visit_u64(u64),
            visit_i128(i128),
            visit_u128(u128),
            visit_f64(f64),
            visit_str(&str),
            visit_string(String),
            visit_bytes(&[u8]));
        fn visit_unit<E: de::Error>(self) -> Result<$out, E> {
            Ok($wrap(NodeValue::Null))
        }
        fn visit_none<E: de::Error>(self) -> Result<$out, E> {
            Ok($wrap(NodeValue::Null))
        }
    };
    (@each $out:ty, $wrap:expr, $($name:ident($t:ty)),*) => {
        $(fn $name<E: de::Error>(self, v: $t) -> Result<$out, E> {
            NodeVisitor.$name(v).map($wrap)
        })*
    };
}

impl StreamDoc {
    fn other(v: NodeValue) -> StreamDoc {
        StreamDoc {
            fields: Vec::new(),
            items: None,
            other: Some(v),
        }
    }
}

impl<'de> Visitor<'de> for StreamDocVisitor {
    type Value = StreamDoc;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML document")
    }
    scalars_via_node!(StreamDoc, StreamDoc::other);
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StreamDoc, D::Error> {
        d.deserialize_any(StreamDocVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<StreamDoc, A::Error> {
        NodeVisitor.visit_seq(seq).map(StreamDoc::other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StreamDoc, A::Error> {
        let mut fields: Vec<(Key, Node)> = Vec::new();
        let mut items = None;
        while let Some(key) = map.next_key::<Spanned<KeyString>>()? {
            let key = Key::spanned(key);
            if key.value == "items" {
                let v: Spanned<ItemsField> = map.next_value()?;
                let line = line_of(&v.referenced);
                let value = match v.value {
                    ItemsField::Seq(converted) => {
                        items = Some(converted);
                        // Holds the key's place, so that an `items` written twice is found
                        // and the last one wins.
                        NodeValue::Null
                    }
                    ItemsField::Other(value) => {
                        items = None;
                        value
                    }
                };
                fields.push((key, Node { line, value }));
                continue;
            }
            let v: Spanned<NodeInner> = map.next_value()?;
            let line = line_of(&v.referenced);
            fields.push((key, v.value.into_node(line)));
        }
        let mut fields = resolve_keys(fields);
        if items.is_some() {
            fields.retain(|(k, _)| k.value != "items");
        }
        Ok(StreamDoc {
            fields,
            items,
            other: None,
        })
    }
}

/// A top-level `items` field: a sequence converted element by element, or anything else.
enum ItemsField {
    Seq(Vec<StreamItem>),
    Other(NodeValue),
}

impl<'de> Deserialize<'de> for ItemsField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemsVisitor)
    }
}

struct ItemsVisitor;

impl<'de> Visitor<'de> for ItemsVisitor {
    type Value = ItemsField;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    scalars_via_node!(ItemsField, ItemsField::Other);
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ItemsField, D::Error> {
        d.deserialize_any(ItemsVisitor)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ItemsField, A::Error> {
        NodeVisitor.visit_map(map).map(ItemsField::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ItemsField, A::Error> {
        let mut out = Vec::new();
        while let Some(el) = seq.next_element::<Spanned<NodeInner>>()? {
            let line = line_of(&el.referenced);
            flatten(el.value.into_node(line), &mut out);
        }
        Ok(ItemsField::Seq(out))
    }
}

impl Node {
    /// How many nodes this tree has, counting no further than `limit`.
    pub fn count(&self, limit: usize) -> usize {
        let mut n = 0;
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            n += 1;
            if n >= limit {
                return n;
            }
            match &node.value {
                NodeValue::Seq(items) => stack.extend(items.iter()),
                NodeValue::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
                _ => {}
            }
        }
        n
    }

    /// The key's line for a map entry, else this node's line.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A short name of the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "boolean",
            NodeValue::Number(_) => "number",
            NodeValue::String(_) => "string",
            NodeValue::Seq(_) => "list",
            NodeValue::Map(_) => "mapping",
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Converts to JSON, dropping lines.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            NodeValue::Null => serde_json::Value::Null,
            NodeValue::Bool(b) => serde_json::Value::Bool(*b),
            NodeValue::Number(n) => serde_json::Value::Number(as_json_number(n.clone())),
            NodeValue::String(s) => serde_json::Value::String(s.clone()),
            NodeValue::Seq(items) => items.iter().map(Node::to_json).collect(),
            NodeValue::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Converts to the inventory's document and records the line of every value under its
    /// field path (`spec.containers[0].image`), so findings can point at the offending line.
    /// The paths are hashed as the tree is walked (see [`FieldLines`]), never built as
    /// strings; the tree's strings move into the document.
    pub fn into_doc_with_lines(self) -> (Doc, FieldLines) {
        let mut pairs = Vec::new();
        let doc = self.doc_lines(lines::FNV_OFFSET, true, &mut pairs);
        (doc, FieldLines::from_hashes(pairs))
    }

    /// `hash` is the hash of this node's path, `root` whether that path is empty.
    fn doc_lines(self, hash: u64, root: bool, pairs: &mut Vec<(u64, u32)>) -> Doc {
        match self.value {
            NodeValue::Seq(items) => Doc::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let h = lines::extend_index(hash, i);
                        pairs.push((h, n.line));
                        n.doc_lines(h, false, pairs)
                    })
                    .collect(),
            ),
            NodeValue::Map(entries) => {
                let entries = entries
                    .into_iter()
                    .map(|(k, v)| {
                        // The same text `checks::path::join` gives.
                        let h = if crate::checks::path::is_plain_key(&k.value) {
                            let h = if root { hash } else { lines::extend(hash, ".") };
                            lines::extend(h, &k.value)
                        } else {
                            let quoted = serde_json::Value::String(k.value.clone()).to_string();
                            lines::extend(lines::extend(lines::extend(hash, "["), &quoted), "]")
                        };
                        pairs.push((h, k.line));
                        (k.value.into_boxed_str(), v.doc_lines(h, false, pairs))
                    })
                    .collect();
                Doc::Object(Fields::from_entries(entries))
            }
            NodeValue::Null => Doc::Null,
            NodeValue::Bool(b) => Doc::Bool(b),
            NodeValue::Number(n) => Doc::Number(as_json_number(n)),
            NodeValue::String(s) => Doc::String(s.into_boxed_str()),
        }
    }
}

/// A number as kubectl sends it: sigs.k8s.io/yaml turns YAML into JSON with Go's encoder,
/// which writes a whole float64 without a fraction (`runAsUser: 0.0` and `1e3` arrive as
/// `0` and `1000`, integers to the API server).
fn as_json_number(n: serde_json::Number) -> serde_json::Number {
    match n.as_f64() {
        Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
            serde_json::Number::from(f as i64)
        }
        _ => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_of_documents_and_keys() {
        let text = "a: 1\n---\nkind: Pod\nspec:\n  containers:\n  - name: x\n    image: y\n";
        let docs = parse_documents(text).unwrap();
        assert_eq!(docs.len(), 2);
        let (doc, lines) = docs[1].clone().into_doc_with_lines();
        assert_eq!(
            doc.pointer("/spec/containers/0/image")
                .and_then(Doc::as_str),
            Some("y")
        );
        assert_eq!(lines.get("kind"), Some(3));
        assert_eq!(lines.get("spec.containers[0].image"), Some(7));
        assert_eq!(lines.get("spec.containers[0]"), Some(6));
        assert_eq!(lines.get("spec"), Some(4));
    }

    fn stream(text: &str) -> Vec<StreamItem> {
        let mut out = Vec::new();
        read_stream(text.as_bytes(), 1 << 20, |i| out.push(i));
        out
    }

    #[test]
    fn streams_list_items_flattened_with_lines() {
        let text = "kind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nitems:\n- kind: Pod\n  metadata: {name: b}\n- kind: List\n  items:\n  - kind: Pod\n    metadata: {name: c}\nkind: List\n";
        let items = stream(text);
        let names: Vec<(String, u32)> = items
            .iter()
            .map(|i| match i {
                StreamItem::Object(o) => (
                    o.value["metadata"]["name"]
                        .as_str()
                        .unwrap_or("?")
                        .to_string(),
                    o.line,
                ),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            names,
            vec![("a".into(), 1), ("b".into(), 6), ("c".into(), 10)]
        );
        let StreamItem::Object(c) = &items[2] else {
            panic!()
        };
        assert_eq!(c.lines.get("metadata.name"), Some(11));
    }

    #[test]
    fn stream_errors_and_non_lists_with_items() {
        // Any kind with a top-level `items` list is a List to kubectl: a warning, then the
        // items (here not objects, which the collector refuses).
        let items = stream("kind: Thing\nitems: [1, 2]\nmetadata: {name: t}\n---\na: [\n");
        assert!(
            matches!(&items[0], StreamItem::Warning(w) if w.message.contains("this Thing has a top-level `items` list")),
            "{items:?}"
        );
        assert!(
            matches!(&items[1], StreamItem::Object(o) if o.value == serde_json::json!(1)),
            "{items:?}"
        );
        assert!(
            matches!(items.last(), Some(StreamItem::Error(_))),
            "{items:?}"
        );
    }

    #[test]
    fn strict_booleans_and_errors_have_lines() {
        let n = parse_document("a: yes\nb: true\n").unwrap();
        assert_eq!(n.get("a").unwrap().as_str(), Some("yes"));
        assert_eq!(n.get("b").unwrap().value, NodeValue::Bool(true));
        assert_eq!(n.get("b").unwrap().line, 2);
        let err = parse_documents("a: 1\nb: [unclosed\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
    }

    /// Manifests are read as kubectl reads them (YAML 1.1), by the fast reader and by
    /// serde-saphyr alike; the catalog keeps strict booleans.
    #[test]
    fn manifests_read_yaml11_booleans_and_octal_as_kubectl_does() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: yes\n  hostPID: 'yes'\n  volumes:\n  - name: s\n    secret:\n      secretName: s\n      defaultMode: 0400\n  containers:\n  - name: c\n    image: nginx\n";
        for streamed in [false, true] {
            let mut objects = Vec::new();
            let mut each = |item| {
                if let StreamItem::Object(o) = item {
                    objects.push(o.value);
                }
            };
            if streamed {
                read_stream(text.as_bytes(), usize::MAX, &mut each);
            } else {
                read_text(text, usize::MAX, &mut each);
            }
            let pod = &objects[0];
            assert_eq!(pod.pointer("/spec/hostNetwork"), Some(&Doc::Bool(true)));
            assert_eq!(
                pod.pointer("/spec/hostPID").and_then(Doc::as_str),
                Some("yes")
            );
            assert_eq!(
                pod.pointer("/spec/volumes/0/secret/defaultMode")
                    .and_then(Doc::as_i64),
                Some(0o400)
            );
        }
        let catalog = parse_document("a: yes\nb: 0400\n").unwrap();
        assert_eq!(catalog.get("a").and_then(Node::as_str), Some("yes"));
    }

    /// The objects and errors `read_text` gives for a stream.
    fn read_all(text: &str) -> (Vec<Doc>, Vec<YamlError>) {
        let (objects, errors, _) = read_with_warnings(text);
        (objects, errors)
    }

    fn read_with_warnings(text: &str) -> (Vec<Doc>, Vec<YamlError>, Vec<YamlError>) {
        let (mut objects, mut errors, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
        read_text(text, usize::MAX, |item| match item {
            StreamItem::Object(o) => objects.push(o.value),
            StreamItem::Error(e) => errors.push(e),
            StreamItem::Warning(e) => warnings.push(e),
            StreamItem::TooLarge { .. } => {}
        });
        (objects, errors, warnings)
    }

    /// A key written twice: kubectl applies the last one (sigs.k8s.io/yaml over go-yaml v2
    /// keeps the later value; kubernetes/kubernetes#89303), so that is what is read, with a
    /// warning at its line; the documents after it are read too.
    #[test]
    fn duplicate_keys_last_one_wins_with_a_warning() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: false\n      privileged: true\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, name: c}\n---\napiVersion: v1\nkind: List\nitems: []\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: d}}\n";
        let (objects, errors, warnings) = read_with_warnings(text);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<_> = objects
            .iter()
            .filter_map(|o| o.pointer("/metadata/name").and_then(Doc::as_str))
            .collect();
        assert_eq!(names, ["a", "c", "d"]);
        assert_eq!(
            objects[0].pointer("/spec/containers/0/securityContext/privileged"),
            Some(&Doc::Bool(true))
        );
        let at: Vec<_> = warnings
            .iter()
            .map(|w| (w.line, w.message.as_str()))
            .collect();
        assert_eq!(at.len(), 3, "{at:?}");
        assert_eq!(at[0].0, 11);
        assert!(
            at[0].1.contains("privileged") && at[0].1.contains("first at line 10"),
            "{at:?}"
        );
        assert_eq!(at[1].0, 15);
        assert_eq!(at[2].0, 20);
        assert!(at[2].1.contains("first at line 19"), "{at:?}");
        // The key of the value in force carries its line.
        let (_, lines) = read_nodes(text).remove(0).into_doc_with_lines();
        assert_eq!(
            lines.get("spec.containers[0].securityContext.privileged"),
            Some(11)
        );
    }

    fn read_nodes(text: &str) -> Vec<Node> {
        saphyr_documents_with(text, manifest_options()).expect("parsed")
    }

    /// Outside a manifest stream (the catalog, configuration files), a key written twice is
    /// still an error.
    #[test]
    fn duplicate_keys_are_errors_in_strict_files() {
        let err = parse_document("a: 1\na: 2\n").expect_err("duplicate");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("duplicate"), "{err}");
    }

    /// Where kubectl (sigs.k8s.io/yaml over go-yaml v2, split at `---` by apimachinery's
    /// YAMLReader) reads a stream otherwise than the YAML specification, manifests are read
    /// as kubectl reads them, since that is what reaches the cluster.
    #[test]
    fn manifests_are_read_as_kubectl_reads_them() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
        // A merge key applies where it stands: it overwrites keys written before it.
        let (o, _) = read_all(&format!(
            "{pod}    securityContext: &base {{privileged: true}}\n  - name: d\n    image: nginx\n    securityContext:\n      privileged: false\n      <<: *base\n"
        ));
        assert_eq!(
            o[0].pointer("/spec/containers/1/securityContext/privileged"),
            Some(&Doc::Bool(true))
        );
        // The same in a one-line flow mapping, with the merged mapping written in place.
        let (o, _) = read_all(&format!(
            "{pod}    securityContext: {{privileged: false, <<: {{privileged: true}}}}\n"
        ));
        assert_eq!(
            o[0].pointer("/spec/containers/0/securityContext/privileged"),
            Some(&Doc::Bool(true))
        );
        // Any document with a top-level `items` sequence is a List to kubectl: its items are
        // applied (and judged), the document itself is not; a warning says so.
        let (o, e, w) = read_with_warnings(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: m}}\nitems:\n- {}",
            pod.trim_end().replace('\n', "\n  ")
        ));
        assert_eq!((o.len(), e.len(), w.len()), (1, 0, 1));
        assert_eq!(o[0].get("kind").and_then(Doc::as_str), Some("Pod"));
        assert!(
            w[0].message.contains("applies its items"),
            "{}",
            w[0].message
        );
        // A quoted "<<" is a plain key to go-yaml v2 (kubectl), in a flow mapping too.
        let (o, _) = read_all(&format!(
            "{pod}    securityContext: {{privileged: true, \"<<\": {{privileged: false}}}}\n"
        ));
        assert_eq!(
            o[0].pointer("/spec/containers/0/securityContext/privileged"),
            Some(&Doc::Bool(true))
        );
        // The items of a typed List that name no kind are of the List's kind, as kubectl
        // reads them (a PodList from the API).
        let (o, _) = read_all(&format!(
            "apiVersion: v1\nkind: PodList\nitems:\n- {}",
            pod.trim_end()
                .split_once("kind: Pod\n")
                .map_or("", |(_, rest)| rest)
                .replace('\n', "\n  ")
        ));
        assert_eq!(o[0].get("kind").and_then(Doc::as_str), Some("Pod"));
        assert_eq!(o[0].get("apiVersion").and_then(Doc::as_str), Some("v1"));
        // Keys written after it win, and of a merged list the first mapping wins.
        let (o, _) = read_all(
            "a: &a {p: 1, q: 1}\nb: &b {p: 2, r: 2}\nc:\n  <<: [*a, *b]\n  q: 3\nkind: T\napiVersion: v1\n",
        );
        let c = o[0].get("c").expect("c");
        assert_eq!(c.get("p").and_then(Doc::as_i64), Some(1));
        assert_eq!(c.get("q").and_then(Doc::as_i64), Some(3));
        assert_eq!(c.get("r").and_then(Doc::as_i64), Some(2));
        // What follows `...` up to the next `---` is never applied: an error, not an object.
        let (o, e) = read_all(&format!("{pod}...\n{pod}---\n{pod}"));
        assert_eq!(o.len(), 2);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 10);
        // A byte-order mark after `---` (files joined together) is dropped.
        let (o, e) = read_all(&format!("{pod}---\n\u{feff}{pod}"));
        assert_eq!((o.len(), e.len()), (2, 0));
        // Mixed-case yes/no/on/off are strings to go-yaml v2; whole floats are integers.
        let (o, _) = read_all(&format!(
            "{pod}    env:\n    - name: A\n      value: oN\n    securityContext:\n      runAsUser: 0.0\n"
        ));
        assert_eq!(
            o[0].pointer("/spec/containers/0/env/0/value")
                .and_then(Doc::as_str),
            Some("oN")
        );
        assert_eq!(
            o[0].pointer("/spec/containers/0/securityContext/runAsUser")
                .and_then(Doc::as_i64),
            Some(0)
        );
        // An error's own "at line N" counts in the whole stream, like its line.
        let (_, e) = read_all(&format!("{pod}---\n{pod}---\na: \"open\n"));
        assert_eq!(e[0].line, 19);
        assert!(e[0].message.contains("line 19"), "{}", e[0].message);
    }

    #[test]
    fn yaml11_reads_go_yaml_v2_booleans_when_plain() {
        let n =
            parse_document_yaml11("a: off\nb: no\nc: \"no\"\nd: Yes\ne: true\nf: 'on'\n").unwrap();
        assert_eq!(n.get("a").unwrap().value, NodeValue::Bool(false));
        assert_eq!(n.get("b").unwrap().value, NodeValue::Bool(false));
        assert_eq!(n.get("c").unwrap().as_str(), Some("no"));
        assert_eq!(n.get("d").unwrap().value, NodeValue::Bool(true));
        assert_eq!(n.get("e").unwrap().value, NodeValue::Bool(true));
        assert_eq!(n.get("f").unwrap().as_str(), Some("on"));
    }
}
