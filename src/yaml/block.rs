//! A fast reader for the block-style YAML that manifests are written in.
//!
//! serde-saphyr reads about 5 MB of manifests a second, and reading was the largest part of
//! a big scan. Almost every manifest uses a small part of YAML: block mappings and sequences,
//! plain and quoted scalars on one line, one-line flow collections and `|`/`>` block scalars.
//! This reader handles exactly that part and builds the same [`Node`] tree serde-saphyr would,
//! lines included. Anything else — anchors, aliases, tags, directives, multi-line plain,
//! quoted or flow values, tabs, scalars whose type YAML resolves in less obvious ways — makes
//! it decline (`None`), and the caller reads that document with serde-saphyr. It never
//! reports errors of its own: an invalid document is always declined, so the messages users
//! see are serde-saphyr's.

use super::{Key, Node, NodeValue};

/// One document of a stream: its text (from its `---` line, if any) and first line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Chunk<'a> {
    /// The document's text.
    pub text: &'a str,
    /// 1-based line of the chunk's first line in the stream.
    pub first_line: u32,
}

/// Splits a stream at its document markers (`---` and `...` at the start of a line), each
/// chunk starting with its marker. `None` when the stream has directives (`%YAML`, `%TAG`),
/// which apply across documents.
pub(super) fn chunks(text: &str) -> Option<Vec<Chunk<'_>>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut start_line = 1u32;
    let mut offset = 0;
    for (line, l) in (1u32..).zip(lines_of(text)) {
        if l.starts_with('%') {
            return None;
        }
        if is_marker(l) && offset > start {
            out.push(Chunk {
                text: &text[start..offset],
                first_line: start_line,
            });
            start = offset;
            start_line = line;
        }
        offset += l.len();
    }
    if offset > start {
        out.push(Chunk {
            text: &text[start..offset],
            first_line: start_line,
        });
    }
    Some(out)
}

/// The lines of `text`, each with its `\n` (as `split_inclusive('\n')` gives them). The
/// newlines are found by `memchr`, many bytes at a time (a byte loop here, run twice over
/// every manifest, was a tenth of a small scan's instructions).
fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest.as_bytes()).map_or(rest.len(), |i| i + 1);
        // `\n` is ASCII, so `end` is a character boundary.
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

fn is_marker(line: &str) -> bool {
    let b = line.as_bytes();
    (b.starts_with(b"---") || b.starts_with(b"..."))
        && matches!(b.get(3), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// Reads one document: `Some(Some(root))`, `Some(None)` for a document with no content,
/// `None` when the document is outside what this reader handles.
pub(super) fn document(chunk: Chunk<'_>) -> Option<Option<Node>> {
    let mut p = Parser::new(chunk)?;
    let Some(i) = p.next_content() else {
        return Some(None);
    };
    if p.lines[i].indent != 0 {
        return None;
    }
    let root = p.block(0)?;
    // Anything left over is a structure this reader did not follow.
    if p.next_content().is_some() {
        return None;
    }
    match root.value {
        NodeValue::Map(_) | NodeValue::Seq(_) => Some(Some(root)),
        _ => None,
    }
}

/// Every document of `text` with content, if this reader can read them all.
pub(super) fn documents(text: &str) -> Option<Vec<Node>> {
    let mut out = Vec::new();
    for chunk in chunks(text)? {
        out.extend(document(chunk)?);
    }
    Some(out)
}

/// A line: where its content starts (after the indentation) and ends (before the newline).
#[derive(Debug, Clone, Copy)]
struct Line {
    indent: usize,
    start: usize,
    end: usize,
    no: u32,
}

struct Parser<'a> {
    text: &'a str,
    lines: Vec<Line>,
    pos: usize,
    /// Block collections open around the current line.
    depth: usize,
    /// Whether the document has a tab anywhere: lines are searched for one only then.
    tabs: bool,
}

/// How deeply block collections may nest before the document is left to serde-saphyr,
/// whose own budget (64 levels) then says what is wrong. Each level is a few stack frames
/// here: a document nested thousands of levels deep must not overflow a reader thread's
/// stack.
const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    fn new(chunk: Chunk<'a>) -> Option<Parser<'a>> {
        let text = chunk.text;
        if text.starts_with('\u{feff}') || !printable(text) {
            return None;
        }
        let mut lines = Vec::new();
        let mut offset = 0;
        for (n, l) in lines_of(text).enumerate() {
            let body = l.strip_suffix('\n').unwrap_or(l);
            let indent = body.len() - body.trim_start_matches(' ').len();
            lines.push(Line {
                indent,
                start: offset + indent,
                end: offset + body.len(),
                no: chunk.first_line + u32::try_from(n).ok()?,
            });
            offset += l.len();
        }
        let mut p = Parser {
            text,
            lines,
            pos: 0,
            depth: 0,
            tabs: memchr::memchr(b'\t', text.as_bytes()).is_some(),
        };
        // The document's own `---` line may carry a comment, nothing else.
        if let Some(first) = p.lines.first().copied() {
            let c = p.content(&first);
            if is_marker(c) {
                let rest = c[3..].trim_start_matches(' ');
                if c.starts_with("...") || !(rest.is_empty() || rest.starts_with('#')) {
                    return None;
                }
                p.pos = 1;
            }
        }
        Some(p)
    }

    fn content(&self, l: &Line) -> &'a str {
        &self.text[l.start..l.end]
    }

    /// The next line with content (not blank, not a comment), from `pos`.
    fn next_content(&mut self) -> Option<usize> {
        while let Some(l) = self.lines.get(self.pos) {
            let c = self.content(l);
            if !(c.is_empty() || c.starts_with('#')) {
                return Some(self.pos);
            }
            self.pos += 1;
        }
        None
    }

    /// Whether a line's content has a tab, which this reader leaves to serde-saphyr.
    fn has_tab(&self, content: &str) -> bool {
        self.tabs && content.contains('\t')
    }

    /// The block node whose first line is the current line, at `indent`.
    fn block(&mut self, indent: usize) -> Option<Node> {
        let l = self.lines[self.pos];
        let c = self.content(&l);
        if self.has_tab(c) || self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let node = if is_seq_entry(c) {
            self.seq(indent)
        } else {
            self.map(indent)
        };
        self.depth -= 1;
        node
    }

    fn map(&mut self, indent: usize) -> Option<Node> {
        let line = self.lines[self.pos].no;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        let mut seen = None;
        while let Some(i) = self.next_content() {
            let l = self.lines[i];
            if l.indent < indent {
                break;
            }
            let c = self.content(&l);
            if l.indent > indent || is_seq_entry(c) || is_marker(c) || self.has_tab(c) {
                return None;
            }
            let (key, after) = map_key(c)?;
            // Duplicate keys are an error serde-saphyr words.
            if duplicate(&entries, &mut seen, &key) {
                return None;
            }
            let value = self.value(i, l.start + after, indent, true)?;
            entries.push((
                Key {
                    value: key,
                    line: l.no,
                },
                value,
            ));
        }
        Some(Node {
            line,
            value: NodeValue::Map(entries),
        })
    }

    fn seq(&mut self, indent: usize) -> Option<Node> {
        let line = self.lines[self.pos].no;
        let mut items = Vec::new();
        while let Some(i) = self.next_content() {
            let l = self.lines[i];
            if l.indent < indent {
                break;
            }
            let c = self.content(&l);
            if l.indent > indent || self.has_tab(c) {
                return None;
            }
            if !is_seq_entry(c) {
                break;
            }
            let rest = &c[1..];
            let spaces = rest.len() - rest.trim_start_matches(' ').len();
            let rest = &rest[spaces..];
            let item = if !rest.is_empty()
                && !rest.starts_with('#')
                && (is_seq_entry(rest) || map_key(rest).is_some())
            {
                // `- key: v` / `- - x`: the rest of the line opens a block nested at its column.
                let column = indent + 1 + spaces;
                self.lines[i] = Line {
                    indent: column,
                    start: l.start + 1 + spaces,
                    end: l.end,
                    no: l.no,
                };
                self.block(column)?
            } else {
                self.value(i, l.start + 1, indent, false)?
            };
            items.push(item);
        }
        Some(Node {
            line,
            value: NodeValue::Seq(items),
        })
    }

    /// The value after `key:` or `-` on line `i`, from byte `at`; `indent` is the indentation
    /// of the collection it belongs to.
    fn value(&mut self, i: usize, at: usize, indent: usize, in_map: bool) -> Option<Node> {
        let l = self.lines[i];
        let rest = self.text[at..l.end].trim_start_matches(' ');
        let no = l.no;
        self.pos = i + 1;
        if rest.is_empty() || rest.starts_with('#') {
            return match self.next_content() {
                Some(j) if self.lines[j].indent > indent => self.block(self.lines[j].indent),
                Some(j)
                    if in_map
                        && self.lines[j].indent == indent
                        && is_seq_entry(self.content(&self.lines[j])) =>
                {
                    self.seq(indent)
                }
                _ => Some(Node {
                    line: no,
                    value: NodeValue::Null,
                }),
            };
        }
        let value = match rest.as_bytes()[0] {
            b'|' | b'>' => return self.block_scalar(rest, no, indent),
            b'"' | b'\'' => {
                let (s, used) = quoted(rest)?;
                end_of_value(&rest[used..])?;
                NodeValue::String(s)
            }
            b'[' | b'{' => {
                let mut f = Flow {
                    s: rest,
                    at: 0,
                    line: no,
                };
                let v = f.value(0)?;
                end_of_value(&rest[f.at..])?;
                v
            }
            b'&' | b'*' | b'!' | b'?' | b'%' | b'@' | b'`' | b',' | b']' | b'}' => return None,
            _ => {
                let end = pair_at(rest, b' ', b'#').unwrap_or(rest.len());
                let s = rest[..end].trim_end_matches(' ');
                if pair_at(s, b':', b' ').is_some()
                    || s.ends_with(':')
                    || (s.starts_with('-') && s.len() == 1)
                {
                    return None;
                }
                resolve(s)?
            }
        };
        // A deeper line after a one-line value would continue it (multi-line scalar).
        if let Some(j) = self.next_content() {
            if self.lines[j].indent > indent {
                return None;
            }
        }
        Some(Node { line: no, value })
    }

    /// A `|` or `>` block scalar; `header` is the rest of its line from the indicator.
    fn block_scalar(&mut self, header: &str, no: u32, indent: usize) -> Option<Node> {
        let literal = header.starts_with('|');
        let h = &header[1..];
        let (chomp, h) = match h.as_bytes().first() {
            Some(b'-') => (Chomp::Strip, &h[1..]),
            Some(b'+') => (Chomp::Keep, &h[1..]),
            _ => (Chomp::Clip, h),
        };
        let comment = h.trim_start_matches(' ');
        // A comment after the header must be separated from it by a space (`|#` is invalid).
        if !(comment.is_empty() || (comment.starts_with('#') && h.len() > comment.len())) {
            return None;
        }
        // Content lines: blank ones, and those indented deeper than the collection.
        let mut block_indent = None;
        let mut first_line = no;
        let mut body: Vec<Option<&str>> = Vec::new();
        while let Some(l) = self.lines.get(self.pos).copied() {
            let c = self.content(&l);
            if c.is_empty() {
                if block_indent.is_some_and(|b| l.indent > b)
                    || (block_indent.is_none() && l.indent > indent + 1)
                {
                    return None;
                }
                body.push(None);
                self.pos += 1;
                continue;
            }
            if l.indent <= indent {
                break;
            }
            if block_indent.is_none() {
                first_line = l.no;
            }
            let b = *block_indent.get_or_insert(l.indent);
            if l.indent < b {
                // Less indented than the block, deeper than the collection: invalid.
                return None;
            }
            if l.indent > b && !literal {
                return None;
            }
            body.push(Some(&self.text[l.start - (l.indent - b)..l.end]));
            self.pos += 1;
        }
        block_indent?;
        // Trailing blank lines belong to the chomping, not the text.
        let trailing = body.iter().rev().take_while(|l| l.is_none()).count();
        // Hand the trailing blank lines back: a comment or key may follow them.
        let content = &body[..body.len() - trailing];
        let mut s = String::new();
        if literal {
            for (n, l) in content.iter().enumerate() {
                if n > 0 {
                    s.push('\n');
                }
                s.push_str(l.unwrap_or(""));
            }
        } else {
            let mut prev_text = false;
            for l in content {
                match l {
                    Some(t) => {
                        if prev_text {
                            s.push(' ');
                        }
                        s.push_str(t);
                        prev_text = true;
                    }
                    None => {
                        s.push('\n');
                        prev_text = false;
                    }
                }
            }
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => s.push('\n'),
            Chomp::Keep => {
                s.push('\n');
                s.extend(std::iter::repeat_n('\n', trailing));
            }
        }
        if !literal && content.iter().any(Option::is_none) {
            // Folding across blank lines has rules this reader does not reproduce.
            return None;
        }
        Some(Node {
            line: first_line,
            value: NodeValue::String(s),
        })
    }
}

enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// Whether `text` has only what YAML allows unescaped and this reader expects: no control
/// characters but tab and newline (so no `\r` either), no C1 controls but NEL, no U+FFFE or
/// U+FFFF. serde-saphyr rejects the rest, and its error is the one to show.
fn printable(text: &str) -> bool {
    let b = text.as_bytes();
    // Almost every manifest is printable ASCII: tested 32 bytes at a time, without a branch
    // per byte, so the compiler tests them in one vector.
    let plain = |c: u8| matches!(c, b' '..=b'~' | b'\n' | b'\t');
    let mut blocks = b.chunks_exact(32);
    let ascii = blocks.all(|block| block.iter().fold(true, |ok, &c| ok & plain(c)))
        && blocks.remainder().iter().all(|&c| plain(c));
    if ascii {
        return true;
    }
    b.iter().enumerate().all(|(i, &c)| match c {
        b'\t' | b'\n' => true,
        0..=0x1f | 0x7f => false,
        0xc2 => !matches!(b.get(i + 1), Some(0x80..=0x84 | 0x86..=0x9f)),
        0xef => !(b.get(i + 1) == Some(&0xbf) && matches!(b.get(i + 2), Some(0xbe | 0xbf))),
        _ => true,
    })
}

/// Whether `key` is already a key of `entries`, the mapping being read; `seen` holds its keys
/// once it has more than a few, so a mapping of 100,000 keys is not compared pair by pair.
fn duplicate(
    entries: &[(Key, Node)],
    seen: &mut Option<foldhash::HashSet<String>>,
    key: &str,
) -> bool {
    const LINEAR: usize = 16;
    if entries.len() < LINEAR {
        return entries.iter().any(|(k, _)| k.value == key);
    }
    let set = seen.get_or_insert_with(|| entries.iter().map(|(k, _)| k.value.clone()).collect());
    !set.insert(key.to_string())
}

/// `-` alone or followed by a space: a block sequence entry.
fn is_seq_entry(c: &str) -> bool {
    c == "-" || c.starts_with("- ")
}

/// What may follow a one-line value: spaces, then nothing or a comment.
fn end_of_value(rest: &str) -> Option<()> {
    let t = rest.trim_start_matches(' ');
    (t.is_empty() || (t.starts_with('#') && t.len() < rest.len())).then_some(())
}

/// A block mapping key at the start of `c`: the key and the byte offset after its `:`.
fn map_key(c: &str) -> Option<(String, usize)> {
    let (key, used) = match c.as_bytes().first()? {
        b'"' | b'\'' => quoted(c)?,
        _ => {
            let mut end = None;
            for (i, b) in c.bytes().enumerate() {
                match b {
                    b':' if matches!(c.as_bytes().get(i + 1), None | Some(b' ')) => {
                        end = Some(i);
                        break;
                    }
                    b'#' if i > 0 && c.as_bytes()[i - 1] == b' ' => return None,
                    b'[' | b']' | b'{' | b'}' | b'\t' => return None,
                    _ => {}
                }
            }
            let end = end?;
            let key = c[..end].trim_end_matches(' ');
            if key.is_empty() || key == "<<" || !plain_start(key) {
                return None;
            }
            match resolve(key)? {
                NodeValue::String(s) => (s, key.len()),
                _ => return None,
            }
        }
    };
    let after = &c[used..];
    let colon = after.len() - after.trim_start_matches(' ').len();
    if used + colon >= c.len() || c.as_bytes()[used + colon] != b':' {
        return None;
    }
    if colon > 0 && !matches!(c.as_bytes()[0], b'"' | b'\'') {
        return None;
    }
    let next = c.as_bytes().get(used + colon + 1);
    if !matches!(next, None | Some(b' ')) {
        return None;
    }
    Some((key, used + colon + 1))
}

/// Where the two ASCII bytes `a` `b` first stand side by side in `s`. A plain loop: scalars
/// are short, and `str::find` with a two-byte pattern sets up a general searcher each time.
fn pair_at(s: &str, a: u8, b: u8) -> Option<usize> {
    s.as_bytes().windows(2).position(|w| w[0] == a && w[1] == b)
}

/// Whether a plain scalar may start like this (no indicator that YAML reads otherwise).
fn plain_start(s: &str) -> bool {
    match s.as_bytes() {
        [] => false,
        [b'-' | b'?' | b':', next, ..] => !matches!(next, b' '),
        [b'-' | b'?' | b':'] => false,
        // `iter().any`, not `contains` (a call to `memchr`), here and in `resolve`: these
        // run for every scalar.
        [first, ..] => !b",[]{}#&*!|>'\"%@`".iter().any(|c| c == first),
    }
}

/// The value of a plain scalar as serde-saphyr resolves it, or `None` when the text could be
/// one of YAML's less common forms (octal, hex, `.inf`, `1_000`, `1e3`, sexagesimal…) or a
/// YAML 1.1 boolean (`yes`, `off`…), which serde-saphyr then reads with the caller's schema
/// (strict for the catalog, YAML 1.1 for manifests).
fn resolve(s: &str) -> Option<NodeValue> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(NodeValue::Null),
        "true" => return Some(NodeValue::Bool(true)),
        "false" => return Some(NodeValue::Bool(false)),
        _ => {}
    }
    // go-yaml v2 (kubectl's reader) knows these words in three spellings only (`yes`, `Yes`,
    // `YES`): those depend on the YAML version asked for and are left to serde-saphyr, and
    // any other mix of cases (`oN`, `yEs`, `tRUE`) is a string to go-yaml and to YAML 1.2.
    let word = ["y", "n", "yes", "no", "on", "off", "true", "false"]
        .iter()
        .find(|w| s.eq_ignore_ascii_case(w));
    if let Some(w) = word {
        let mut title = w.to_string();
        title[..1].make_ascii_uppercase();
        return if s == *w || s == title || s == w.to_ascii_uppercase() {
            None
        } else {
            Some(NodeValue::String(s.to_string()))
        };
    }
    if !plain_start(s) {
        return None;
    }
    let b = s.as_bytes();
    let first = b[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let canonical_int = !digits.is_empty()
            && digits.bytes().all(|c| c.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if canonical_int && first != b'+' {
            if let Ok(n) = s.parse::<i64>() {
                return Some(NodeValue::Number(n.into()));
            }
            if let Ok(n) = s.parse::<u64>() {
                return Some(NodeValue::Number(n.into()));
            }
            return None;
        }
        if let Some(f) = canonical_float(digits) {
            let f = if first == b'-' { -f } else { f };
            return serde_json::Number::from_f64(f).map(NodeValue::Number);
        }
        // What only YAML's rarer number forms could make a number (`0123`, `1e3`, `0x1F`,
        // `1_000`, `.inf`) is left to serde-saphyr. A text with no digit, two dots (an IP
        // address, a version) or a colon is a string there too.
        let digit = b.iter().any(u8::is_ascii_digit);
        let numberish = b
            .iter()
            .all(|c| c.is_ascii_hexdigit() || b"xXoObB_+-.".iter().any(|x| x == c));
        let dots = b.iter().filter(|c| **c == b'.').count();
        let words = matches!(
            s.to_ascii_lowercase().as_str(),
            ".inf" | "-.inf" | "+.inf" | ".nan"
        );
        if words || (digit && numberish && dots < 2) {
            return None;
        }
        return Some(NodeValue::String(s.to_string()));
    }
    match s {
        "True" | "TRUE" | "False" | "FALSE" | "=" => None,
        _ => Some(NodeValue::String(s.to_string())),
    }
}

/// `12.5`: digits, one dot, digits, no leading zero (the one float form read here).
fn canonical_float(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.')?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.len() > 1 && int.starts_with('0')) || s.len() > 17 {
        return None;
    }
    s.parse().ok()
}

/// A quoted scalar at the start of `s` (one line): its value and the bytes it used.
fn quoted(s: &str) -> Option<(String, usize)> {
    let quote = s.as_bytes()[0];
    // Most quoted scalars hold no escape: copied at their exact size (built a character at
    // a time, a string keeps up to twice its length, and the inventory keeps every one).
    let body = &s[1..];
    let stop: &[char] = if quote == b'"' {
        &['"', '\\', '\t']
    } else {
        &['\'', '\t']
    };
    if let Some(e) = body.find(stop) {
        let doubled = quote == b'\'' && body.as_bytes().get(e + 1) == Some(&b'\'');
        if body.as_bytes()[e] == quote && !doubled {
            return Some((body[..e].to_string(), e + 2));
        }
    }
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if quote == b'\'' => {
                if s[i + 1..].starts_with('\'') {
                    out.push('\'');
                    chars.next();
                } else {
                    return Some((out, i + 1));
                }
            }
            '"' if quote == b'"' => return Some((out, i + 1)),
            '\\' if quote == b'"' => {
                let (_, e) = chars.next()?;
                let simple = match e {
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    't' => '\t',
                    'n' => '\n',
                    'v' => '\u{b}',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    ' ' => ' ',
                    '"' => '"',
                    '/' => '/',
                    '\\' => '\\',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = 0u32;
                        for _ in 0..n {
                            let (_, h) = chars.next()?;
                            code = code * 16 + h.to_digit(16)?;
                        }
                        char::from_u32(code)?
                    }
                    _ => return None,
                };
                out.push(simple);
            }
            '\t' => return None,
            c => out.push(c),
        }
    }
    None
}

/// A flow collection (`[a, b]`, `{k: v}`) that opens and closes on one line.
struct Flow<'a> {
    s: &'a str,
    at: usize,
    line: u32,
}

impl Flow<'_> {
    fn skip_spaces(&mut self) {
        while self.s.as_bytes().get(self.at) == Some(&b' ') {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.at).copied()
    }

    /// Whether the collection just opened closes at once (`[]`, `{}`), consuming `close`.
    fn closes(&mut self, close: u8) -> bool {
        self.skip_spaces();
        let empty = self.peek() == Some(close);
        if empty {
            self.at += 1;
        }
        empty
    }

    /// After an element: `,` then another element (false), or `close` (true); `None` for
    /// anything else, a trailing comma included.
    fn separator(&mut self, close: u8) -> Option<bool> {
        self.skip_spaces();
        match self.peek()? {
            b',' => {
                self.at += 1;
                self.skip_spaces();
                (self.peek()? != close).then_some(false)
            }
            c if c == close => {
                self.at += 1;
                Some(true)
            }
            _ => None,
        }
    }

    fn value(&mut self, depth: usize) -> Option<NodeValue> {
        if depth > 64 {
            return None;
        }
        self.skip_spaces();
        match self.peek()? {
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                let mut done = self.closes(b']');
                while !done {
                    let v = self.value(depth + 1)?;
                    items.push(Node {
                        line: self.line,
                        value: v,
                    });
                    // `[a: b]` is a one-pair mapping: left to serde-saphyr.
                    done = self.separator(b']')?;
                }
                Some(NodeValue::Seq(items))
            }
            b'{' => {
                self.at += 1;
                let mut entries: Vec<(Key, Node)> = Vec::new();
                let mut seen = None;
                let mut done = self.closes(b'}');
                while !done {
                    // A merge key (`{a: 1, <<: *b}`): left to serde-saphyr and
                    // `resolve_keys`, as in a block mapping. A quoted `"<<"` is a plain key to
                    // go-yaml v2, and kept as one here.
                    self.skip_spaces();
                    let quoted = matches!(self.peek(), Some(b'"' | b'\''));
                    let key = match self.value(depth + 1)? {
                        NodeValue::String(k) if k == "<<" && !quoted => return None,
                        NodeValue::String(k) => k,
                        _ => return None,
                    };
                    self.skip_spaces();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    if self.peek() != Some(b' ') {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    if duplicate(&entries, &mut seen, &key) {
                        return None;
                    }
                    let line = self.line;
                    entries.push((Key { value: key, line }, Node { line, value: v }));
                    done = self.separator(b'}')?;
                }
                Some(NodeValue::Map(entries))
            }
            b'"' | b'\'' => {
                let (v, used) = quoted(&self.s[self.at..])?;
                self.at += used;
                Some(NodeValue::String(v))
            }
            _ => {
                let rest = &self.s[self.at..];
                let mut end = rest.len();
                for (i, b) in rest.bytes().enumerate() {
                    let stop = match b {
                        b',' | b'[' | b']' | b'{' | b'}' | b'\t' => true,
                        b':' => matches!(rest.as_bytes().get(i + 1), None | Some(b' ' | b',')),
                        b'#' => i > 0 && rest.as_bytes()[i - 1] == b' ',
                        _ => false,
                    };
                    if stop {
                        end = i;
                        break;
                    }
                }
                let text = rest[..end].trim_end_matches(' ');
                if text.is_empty() {
                    return None;
                }
                self.at += end;
                resolve(text)
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn pairs_are_found_where_str_find_finds_them() {
        for (text, pattern) in [
            ("a #b", " #"),
            ("é: ü # c", " #"),
            ("x:y", ": "),
            ("k: v", ": "),
            ("", " #"),
            ("#", " #"),
            ("ab  #", " #"),
        ] {
            let p = pattern.as_bytes();
            assert_eq!(pair_at(text, p[0], p[1]), text.find(pattern), "{text:?}");
        }
    }

    #[test]
    fn lines_split_as_split_inclusive_does() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\n\nb\n",
            "é: ü\n  - x\r\n",
            "\n\n",
        ] {
            let ours: Vec<&str> = lines_of(text).collect();
            let std: Vec<&str> = text.split_inclusive('\n').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn printable_declines_controls_and_noncharacters() {
        assert!(printable("a: b\n\tc: 'é'\n"));
        for bad in ["a\rb", "a\u{7}b", "a\u{86}b", "\u{fffe}"] {
            assert!(!printable(bad), "{bad:?}");
        }
        assert!(printable("next line\u{85}"));
    }

    #[test]
    fn quoted_scalars_with_and_without_escapes() {
        let q = |s: &str| quoted(s).map(|(v, used)| (v, s[used..].to_string()));
        assert_eq!(q(r#""app-0" rest"#), Some(("app-0".into(), " rest".into())));
        assert_eq!(q("'it''s' x"), Some(("it's".into(), " x".into())));
        assert_eq!(q("'a' x"), Some(("a".into(), " x".into())));
        assert_eq!(q(r#""a\"b" x"#), Some(("a\"b".into(), " x".into())));
        assert_eq!(q(r#""" x"#), Some(("".into(), " x".into())));
        assert_eq!(q("\"a\tb\""), None);
        assert_eq!(q("\"open"), None);
        let (v, _) = quoted(r#""registry.example.com/app-0:latest""#).expect("quoted");
        assert_eq!(v.capacity(), v.len());
    }

    /// Reads every document of `text` with this reader and with serde-saphyr: the number of
    /// documents this reader read, or how the two disagree.
    pub(crate) fn agree(text: &str) -> Result<usize, String> {
        let Some(chunks) = chunks(text) else {
            return Ok(0);
        };
        let mut read = 0;
        for chunk in chunks {
            let chunk = Chunk {
                text: chunk.text,
                first_line: 1,
            };
            let Some(fast) = document(chunk) else {
                continue;
            };
            let slow = crate::yaml::saphyr_documents(chunk.text)
                .map_err(|e| format!("serde-saphyr rejects what was read: {e}\n{}", chunk.text))?;
            // What this reader reads, it reads alike under both schemas (it declines the
            // scalars they type differently).
            let manifest =
                crate::yaml::saphyr_documents_with(chunk.text, crate::yaml::manifest_options())
                    .map_err(|e| format!("serde-saphyr rejects what was read: {e}"))?;
            if manifest != slow {
                return Err(format!(
                    "the schemas differ on what was read\n{}",
                    chunk.text
                ));
            }
            let fast: Vec<Node> = fast.into_iter().collect();
            if fast != slow {
                let at = match (fast.first(), slow.first()) {
                    (Some(a), Some(b)) if slow.len() == 1 => difference(a, b, "$"),
                    _ => format!("{} documents against {}", fast.len(), slow.len()),
                };
                let head: String = chunk.text.chars().take(400).collect();
                return Err(format!("differ at {at} in\n{head}"));
            }
            read += 1;
        }
        Ok(read)
    }

    /// Where two trees first differ, in words.
    fn difference(a: &Node, b: &Node, path: &str) -> String {
        if a.line != b.line {
            return format!(
                "{path}: line {} (fast) against {} (serde-saphyr)",
                a.line, b.line
            );
        }
        match (&a.value, &b.value) {
            (NodeValue::Map(x), NodeValue::Map(y)) if x.len() == y.len() => {
                for ((ka, va), (kb, vb)) in x.iter().zip(y) {
                    if ka != kb {
                        return format!("{path}: key {ka:?} against {kb:?}");
                    }
                    if va != vb {
                        return difference(va, vb, &format!("{path}.{}", ka.value));
                    }
                }
                String::new()
            }
            (NodeValue::Seq(x), NodeValue::Seq(y)) if x.len() == y.len() => {
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    if va != vb {
                        return difference(va, vb, &format!("{path}[{i}]"));
                    }
                }
                String::new()
            }
            (x, y) => format!("{path}: {x:?} against {y:?}"),
        }
    }

    /// A mapping with many keys is read in linear time, and a duplicate among them found.
    #[test]
    fn large_mappings_find_duplicates() {
        let mut text = String::from("data:\n");
        for i in 0..50_000 {
            text.push_str(&format!("  k{i}: v\n"));
        }
        let chunk = |t: &str| {
            document(Chunk {
                text: t,
                first_line: 1,
            })
            .map(|_| ())
        };
        assert!(chunk(&text).is_some());
        text.push_str("  k777: again\n");
        assert!(chunk(&text).is_none());
        let flow: String = (0..40).map(|i| format!("k{i}: {i}, ")).collect();
        assert!(chunk(&format!("a: {{{flow}k3: x}}\n")).is_none());
        assert!(chunk(&format!("a: {{{flow}z: x}}\n")).is_some());
    }

    /// A block scalar header may carry a comment only after a space: `|#` is left to
    /// serde-saphyr, which rejects it.
    #[test]
    fn block_scalar_comments_need_a_space() {
        let chunk = |t: &str| {
            document(Chunk {
                text: t,
                first_line: 1,
            })
            .map(|_| ())
        };
        assert!(chunk("a: | # note\n  x\n").is_some());
        assert!(chunk("a: |- # note\n  x\n").is_some());
        assert!(chunk("a: |#\n  x\n").is_none());
        assert!(chunk("a: |-#\n  x\n").is_none());
    }

    /// Nesting deeper than serde-saphyr accepts is left to it.
    #[test]
    fn deep_nesting_is_declined() {
        let deep: String = (0..200).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        let chunk = Chunk {
            text: &deep,
            first_line: 1,
        };
        assert!(document(chunk).is_none());
        let seq: String = (0..200).map(|i| format!("{}-\n", " ".repeat(i))).collect();
        let chunk = Chunk {
            text: &seq,
            first_line: 1,
        };
        assert!(document(chunk).is_none());
    }

    #[test]
    fn splits_documents_at_markers() {
        let c = chunks("a: 1\n---\nb: 2\n--- # x\nc: 3\n").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].first_line, 2);
        assert_eq!(c[2].text, "--- # x\nc: 3\n");
        assert!(chunks("%YAML 1.2\n---\na: 1\n").is_none());
    }

    /// yes/no/on/off/true/false in a mix of cases go-yaml v2 does not know (`oN`, `yEs`):
    /// strings, as kubectl reads them, where serde-saphyr's YAML 1.1 mode would make them
    /// booleans (its words are case-insensitive).
    #[test]
    fn mixed_case_boolean_words_are_strings() {
        for v in ["oN", "yEs", "nO", "oFF", "tRUE", "fALSE", "yeS"] {
            let text = format!("k: {v}\n");
            let chunk = Chunk {
                text: &text,
                first_line: 1,
            };
            let doc = document(chunk).flatten().expect("read by the fast reader");
            assert_eq!(doc.get("k").and_then(Node::as_str), Some(v), "{v}");
        }
    }

    /// Scalars whose type YAML resolves: read as serde-saphyr reads them, or declined.
    #[test]
    fn plain_scalars_resolve_as_serde_saphyr_does() {
        let samples = [
            "x",
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Y",
            "YES",
            "Off",
            "True",
            "TRUE",
            "False",
            "FALSE",
            "true",
            "false",
            "null",
            "Null",
            "NULL",
            "~",
            "0",
            "-0",
            "+1",
            "1",
            "-1",
            "0123",
            "00",
            "1.5",
            "-1.5",
            "0.5",
            ".5",
            "1.",
            "1.0",
            "1e3",
            "1E3",
            "1_000",
            "0x1F",
            "0o17",
            "0b101",
            "12:30",
            "1:2:3",
            "1.2.3",
            "10.0.0.1",
            "100m",
            "1Gi",
            "8080/TCP",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551616",
            ".inf",
            "-.inf",
            ".nan",
            ".NaN",
            "-",
            "--x",
            "-x",
            "a b",
            "a: b",
            "a:b",
            "a #b",
            "a#b",
            "http://x/y",
            "2001:db8::1",
            "v1.2",
            "1.2.3-rc1",
            "1/2",
            "50%",
            "0.0.0.0/0",
            "=",
            "<<",
            "*a",
            "&a b",
            "!t x",
            "%x",
            "@x",
            "`x",
            "'q'",
            "\"d\"",
            "[a, b]",
            "{a: 1}",
            "[a, [b, c], {d: e}]",
            "0.15",
            "-0.15",
            "1.10",
            "3.14159265358979323846",
            "127.0.0.1:6789",
            "-c",
            "1:2",
            "{}",
            "[]",
            "\"a\\tb\\u00e9\"",
            "'it''s'",
        ];
        for v in samples {
            for text in [format!("k: {v}\n"), format!("- {v}\n"), format!("{v}: k\n")] {
                if let Err(e) = agree(&text) {
                    panic!("{e}");
                }
            }
        }
    }

    #[test]
    fn block_structures_agree() {
        let cases = [
            "a:\n  b: 1\n  c:\n  - x\n  - y\nd: 2\n",
            "a:\n- x\n- y: 1\n  z: 2\n-\n  - n\n- - m\n  - o\ne:\n",
            "a: |\n  one\n    two\n\n  three\n\nb: 1\n",
            "a: |-\n  one\n  two\nb: >\n  folded\n  text\nc: >-\n  x\n",
            "a: |+\n  keep\n\n\nb: 1\n",
            "a: | # c\n  x\n# after\nb: 1\n",
            "# head\napiVersion: v1 # trailing\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: web, tier: \"front\"}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n    args: [\"--a\", --b, 3]\n    ports:\n    - containerPort: 80\n      protocol: TCP\n",
            "a:\n  # comment\n  b: 1\n",
            "a:\n\n  b: 1\n\n",
            "a: 'x'\nb: \"y\" # c\n",
            "list:\n  - a\n  -   b\n  - c: 1\n    d: 2\n",
            "a: x\n  y\n",
            "a: b: c\n",
            "a: 1\na: 2\n",
            "a:\n  - x\n b: 1\n",
            "a: [1, 2\n  , 3]\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "? a\n: b\n",
            "a: |2\n   x\n",
            "a: >\n  x\n\n  y\n",
            "a: >\n  x\n    y\n",
            "\"quoted key\": 1\n'single': 2\n",
            "a: \"unclosed\n",
            "a:\tb\n",
            "- a\n- b\n",
            "a: \"\"\nb: ''\nc: ~\nd:\n",
            "data:\n  script.sh: |\n    #!/bin/sh\n    echo hi\n",
            "a: |\n  x\n b: 1\n",
            "a:\n  - |\n    x\n  - y\n",
        ];
        for text in cases {
            if let Err(e) = agree(text) {
                panic!("{e}");
            }
        }
    }

    /// Every YAML file of the repository (catalog, fixtures, deploy): the two readers agree on
    /// each document this reader reads, and it reads most of them; every catalog file, all of
    /// it (the catalog is read at every start-up, and a document this reader declines goes
    /// to serde-saphyr, which made start-up about half again as slow: a flow sequence broken
    /// over two lines was enough).
    #[test]
    fn repository_yaml_agrees() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut docs, mut read) = (0, 0);
        for dir in ["controls", "tests/fixtures", "deploy", "src/collect/demo"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let entry = entry.unwrap();
                let p = entry.path();
                if !matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(p) else {
                    continue;
                };
                docs += chunks(&text).map_or(1, |c| c.len());
                assert!(
                    dir != "controls" || documents(&text).is_some(),
                    "{}: the block reader declines a document; keep flow collections on one line",
                    p.display()
                );
                match agree(&text) {
                    Ok(n) => read += n,
                    Err(e) => panic!("{}: {e}", p.display()),
                }
            }
        }
        assert!(read * 10 >= docs * 8, "read {read} of {docs} documents");
    }

    mod mutated {
        use super::agree;
        use proptest::prelude::*;

        /// Manifests the mutations start from: every fail fixture of a few checks.
        fn seeds() -> Vec<String> {
            let root =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks");
            let mut out = Vec::new();
            for check in [
                "privileged-container",
                "credential-in-configmap",
                "host-pid-namespace",
            ] {
                let Ok(dir) = std::fs::read_dir(root.join(check).join("fail")) else {
                    continue;
                };
                let mut files: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
                files.sort();
                out.extend(files.iter().filter_map(|f| std::fs::read_to_string(f).ok()));
            }
            out
        }

        /// A yes/no/on/off/true/false word spelled in a mix of cases (`oN`, `tRUE`).
        fn has_mixed_case_boolean_word(text: &str) -> bool {
            text.split(|c: char| !c.is_ascii_alphabetic()).any(|w| {
                let lower = w.to_ascii_lowercase();
                let title = lower
                    .get(..1)
                    .map(|h| h.to_ascii_uppercase() + &lower[1..])
                    .unwrap_or_default();
                ["y", "n", "yes", "no", "on", "off", "true", "false"].contains(&lower.as_str())
                    && w != lower
                    && w != lower.to_ascii_uppercase()
                    && w != title
            })
        }

        fn edit() -> impl Strategy<Value = (usize, usize, String)> {
            let token = prop_oneof![
                Just(String::new()),
                Just(": ".to_string()),
                Just(":".to_string()),
                Just("- ".to_string()),
                Just(" ".to_string()),
                Just("  ".to_string()),
                Just("\n".to_string()),
                Just("#".to_string()),
                Just(" #".to_string()),
                Just("\"".to_string()),
                Just("'".to_string()),
                Just("|".to_string()),
                Just(">-".to_string()),
                Just("[".to_string()),
                Just("]".to_string()),
                Just("{".to_string()),
                Just(",".to_string()),
                Just("\\".to_string()),
                Just("\t".to_string()),
                Just("\n---\n".to_string()),
                Just("&a".to_string()),
                Just("0x1".to_string()),
                Just("1.5".to_string()),
                Just("true".to_string()),
                "[ -~]{0,8}",
            ];
            (any::<usize>(), 0usize..6, token)
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// Whatever the edit, the fast reader reads a document exactly as serde-saphyr
            /// does, or leaves it to serde-saphyr.
            #[test]
            fn mutated_manifests_read_alike(seed in 0usize..64, edits in proptest::collection::vec(edit(), 1..5)) {
                let seeds = seeds();
                prop_assume!(!seeds.is_empty());
                let mut text: Vec<char> = seeds[seed % seeds.len()].chars().collect();
                for (at, delete, insert) in edits {
                    let i = at % (text.len() + 1);
                    let end = (i + delete).min(text.len());
                    text.splice(i..end, insert.chars());
                }
                let text: String = text.into_iter().collect();
                // serde-saphyr's YAML 1.1 words are case-insensitive where kubectl's are not
                // (`oN` is a string to kubectl): the schemas differ there by design.
                prop_assume!(!has_mixed_case_boolean_word(&text));
                if let Err(e) = agree(&text) {
                    prop_assert!(false, "{}", e);
                }
            }
        }
    }

    /// Differential run over a folder given in `KUBEATTEST_YAML_DIFF` (e.g. a corpus of
    /// real-world manifests): prints how many documents the fast reader took.
    #[test]
    #[ignore = "needs KUBEATTEST_YAML_DIFF"]
    fn folder_agrees() {
        let Ok(dir) = std::env::var("KUBEATTEST_YAML_DIFF") else {
            return;
        };
        let (mut docs, mut read, mut bad) = (0, 0, 0);
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            let p = entry.path();
            if !matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(p) else {
                continue;
            };
            docs += chunks(&text).map_or(1, |c| c.len());
            match agree(&text) {
                Ok(n) => read += n,
                Err(e) => {
                    bad += 1;
                    eprintln!("{}: {e}\n", p.display());
                }
            }
        }
        eprintln!("read {read} of {docs} documents, {bad} files disagree");
        assert_eq!(bad, 0);
    }
}
