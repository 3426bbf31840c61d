//! `config_lines`: the settings a configuration file (or a longer value) makes, read by its
//! format instead of matched by a pattern.
//!
//! Each [`Format`] splits a text into the settings it makes — a key, a separator and a
//! value — as that format does, and yields the byte spans of the values that hold a
//! credential: a setting whose key is named like one ([`Settings::setting_name`], the key-name
//! rules of [`super::credential_name`] plus `credentials.yaml`'s `setting_names`) set to a
//! literal ([`Settings::literal`]: not one of `not_values`, a reference, a path or prose).
//! The formats, each named by a `reader:` entry of `credentials.yaml`:
//! - [`Format::Settings`]: `key=value`, `key: value`, `key = value`, `"key": "value"`,
//!   `export KEY=…`, a properties line with a space separator (`db.password x`), a quoted
//!   list item (`- "DB_PASSWORD=…"`), a value quoted or not (with blanks: `password: correct
//!   horse battery`, colons: `token: K10…::server:…`), a YAML block scalar (`password: |`
//!   then an indented line), and pairs inside a line (`{ password = "…" }`, `-Dkey=value`,
//!   Kafka JAAS `password="…";`, JSON members);
//! - [`Format::Xml`]: an element's text (`<password>…</password>`, CDATA too), an attribute
//!   (`<Resource password="…"/>`) and a `key`/`name` attribute beside a `value` one
//!   (`<add key="DbPassword" value="…"/>`, Spring's `<property name= value=>`) or naming
//!   the element's text (Hibernate's `<property name="…password">…</property>`); not inside
//!   a comment (`<!-- … -->`);
//! - [`Format::Netrc`]: `machine HOST login USER password …` and `default …` entries, on
//!   one line or several, quoted passwords too; words that are not netrc keywords on an
//!   entry's line make it prose ("The machine learning password reset flow");
//! - [`Format::Pgpass`]: libpq's `host:port:database:user:password` lines (not an IPv6
//!   address: five groups of hexadecimal digits);
//! - [`Format::Options`]: a command-line option named like a credential inside a value
//!   (`--password X`, `--pwd X`, `--PASSWORD=X`, and `-p X` after `-u`/`--user`); an option
//!   ending in `secret` whose value is a Secret's name (`--tls-secret ingress-tls`) is not.
//!
//! Lines are bytes: every boundary looked for is ASCII, so spans fall on `char` boundaries.

use std::ops::Range;

use super::Settings;

/// A format whose settings are read (`reader:` in `credentials.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Key/value lines of properties, `.env`, INI, YAML, JSON, TOML and HCL files.
    Settings,
    /// XML elements and attributes.
    Xml,
    /// `.netrc` entries.
    Netrc,
    /// `.pgpass` lines.
    Pgpass,
    /// Command-line options inside a value.
    Options,
}

impl Format {
    /// The names `credentials.yaml` gives the formats.
    pub const NAMES: &'static [(&'static str, Format)] = &[
        ("settings", Format::Settings),
        ("xml", Format::Xml),
        ("netrc", Format::Netrc),
        ("pgpass", Format::Pgpass),
        ("options", Format::Options),
    ];

    /// The format of a `reader:` name.
    pub fn named(name: &str) -> Option<Format> {
        Format::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }
}

/// The spans (sorted, not overlapping) of the credential values `text` holds, read as
/// `format`.
pub(super) fn find(format: Format, text: &str, s: &Settings) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    match format {
        Format::Settings if names_a_credential(text) => settings(text, s, &mut out),
        Format::Xml if text.contains('<') && names_a_credential(text) => xml(text, s, &mut out),
        Format::Netrc
            if (text.contains("machine") || text.contains("default"))
                && text.contains("password") =>
        {
            netrc(text, s, &mut out)
        }
        Format::Pgpass if text.contains(':') => pgpass(text, s, &mut out),
        Format::Options
            if (text.contains("--") && names_a_credential(text))
                || text.contains("-p ")
                || (text.contains(" -p")
                    && (text.contains("mysql") || text.contains("mariadb"))) =>
        {
            options(text, s, &mut out)
        }
        _ => {}
    }
    out.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut kept: Vec<Range<usize>> = Vec::with_capacity(out.len());
    for r in out {
        if kept.last().is_none_or(|k| r.start >= k.end) && r.start < r.end {
            kept.push(r);
        }
    }
    kept
}

/// Whether `text` holds a word that may name a credential at all: most values do not, and
/// are left after this one scan.
fn names_a_credential(text: &str) -> bool {
    static STEMS: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new("(?i)pass|pwd|secret|token|key|auth|cred").ok()
    });
    STEMS.as_ref().is_none_or(|re| re.is_match(text))
}

/// The lines of `text` as byte ranges, without their line break (`\n` or `\r\n`).
fn lines(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let end_of = |start: usize, end: usize| {
        if end > start && b[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    };
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' {
            out.push(start..end_of(start, i));
            start = i + 1;
        }
    }
    if start < b.len() {
        out.push(start..end_of(start, b.len()));
    }
    out
}

/// A character of a bare key (`db.password`, `DB_PASSWORD`, `refresh-token`).
fn key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// How many blanks start `line`.
fn indent(line: &str) -> usize {
    line.bytes().take_while(|&c| blank(c)).count()
}

/// Whether a line is a comment in one of the formats read (`#`, `;`, `!` properties, `//`,
/// `<!--`, `-- ` SQL/Lua).
fn comment(trimmed: &str) -> bool {
    trimmed.starts_with(['#', ';', '!'])
        || trimmed.starts_with("//")
        || trimmed.starts_with("<!--")
        || trimmed.starts_with("-- ")
}

/// From `j` on, the first byte that is no blank.
fn skip_blanks(b: &[u8], mut j: usize) -> usize {
    while j < b.len() && blank(b[j]) {
        j += 1;
    }
    j
}

/// The end of a quoted string opened at `open` (the byte of its closing quote): `\"` is
/// escaped in double quotes, `''` in single ones (YAML).
fn closing_quote(b: &[u8], open: usize) -> Option<usize> {
    let q = b[open];
    let mut j = open + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if q == b'"' => j += 1,
            c if c == q => {
                if q == b'\'' && b.get(j + 1) == Some(&b'\'') {
                    j += 1;
                } else {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// The settings of `text`'s lines (see [`Format::Settings`]).
fn settings(text: &str, s: &Settings, out: &mut Vec<Range<usize>>) {
    let lines = lines(text);
    let mut i = 0;
    while i < lines.len() {
        let r = lines[i].clone();
        let line = &text[r.clone()];
        let trimmed = line.trim_start();
        if trimmed.is_empty() || comment(trimmed) {
            i += 1;
            continue;
        }
        let mut used = 0;
        if let Some((value, more)) = line_setting(text, &lines, i, s) {
            out.push(value);
            used = more;
        }
        inline_settings(line, r.start, s, out);
        i += 1 + used;
    }
}

/// The setting a line makes with its first key (`key: value`, `export KEY=…`, `- "K=v"`,
/// `db.password x`): the value's span, and how many lines after this one it took (a YAML
/// block scalar or a plain scalar continued on the next line).
fn line_setting(
    text: &str,
    lines: &[Range<usize>],
    i: usize,
    s: &Settings,
) -> Option<(Range<usize>, usize)> {
    let base = lines[i].start;
    let line = &text[lines[i].clone()];
    let b = line.as_bytes();
    let ind = indent(line);
    let mut p = ind;
    let list_item = line[p..].starts_with("- ");
    if list_item {
        p = skip_blanks(b, p + 2);
    }
    if line[p..].starts_with("export ") {
        p = skip_blanks(b, p + "export ".len());
    }
    let (key, after_key, quoted_key) = match b.get(p) {
        Some(b'"' | b'\'') => {
            let close = closing_quote(b, p)?;
            (&line[p + 1..close], close + 1, true)
        }
        Some(&c) if key_char(c) && c != b'-' => {
            let mut e = p;
            while e < b.len() && key_char(b[e]) {
                e += 1;
            }
            (&line[p..e], e, false)
        }
        _ => return None,
    };
    // A quoted list item that assigns (`- "DB_PASSWORD=…"`, Compose's environment list).
    if quoted_key && list_item {
        let (k, v) = key.split_once('=')?;
        let start = p + 1 + k.len() + 1;
        return (s.setting_name(k) && s.literal(v, true))
            .then(|| (base + start..base + start + v.len(), 0));
    }
    let mut j = skip_blanks(b, after_key);
    let spaced = j > after_key;
    let colon = match b.get(j) {
        Some(b':') => {
            j += 1;
            if b.get(j) == Some(&b'=') {
                j += 1;
            }
            true
        }
        Some(b'=') => {
            j += 1;
            false
        }
        // A properties line's space separator: `db.password x` (a dotted key and one word).
        Some(_) if spaced && !quoted_key && key.contains('.') => {
            let v = line[j..].trim_end();
            let single = !v.contains([' ', '\t']) && !v.ends_with([';', '{']);
            return (single && s.setting_name(key) && s.literal(v, false))
                .then(|| (base + j..base + j + v.len(), 0));
        }
        _ => return None,
    };
    if !s.setting_name(key) {
        return None;
    }
    j = skip_blanks(b, j);
    match b.get(j) {
        None => continued_scalar(text, lines, i, ind, colon, s),
        Some(b'"' | b'\'') => {
            let close = closing_quote(b, j)?;
            let v = &line[j + 1..close];
            (s.literal(v, true) && !names_secret(key, v)).then(|| (base + j + 1..base + close, 0))
        }
        Some(b'|' | b'>') if block_indicator(&line[j..]) => block_scalar(text, lines, i, ind, s),
        Some(b'{' | b'[') => None,
        Some(_) => {
            let v = plain_value(&line[j..], colon);
            (s.literal(v, false) && !names_secret(key, v))
                .then(|| (base + j..base + j + v.len(), 0))
        }
    }
}

/// Whether a value is a YAML block scalar's header (`|`, `>-`, `|2`, with a comment after).
fn block_indicator(v: &str) -> bool {
    let head = v.split(" #").next().unwrap_or_default().trim_end();
    let mut c = head.bytes();
    matches!(c.next(), Some(b'|' | b'>')) && c.all(|x| x == b'-' || x == b'+' || x.is_ascii_digit())
}

/// The value of a block scalar after line `i`: its first line's text is judged; the span
/// covers all its lines.
fn block_scalar(
    text: &str,
    lines: &[Range<usize>],
    i: usize,
    ind: usize,
    s: &Settings,
) -> Option<(Range<usize>, usize)> {
    let mut first: Option<Range<usize>> = None;
    let mut last = i;
    for (k, r) in lines.iter().enumerate().skip(i + 1) {
        let l = &text[r.clone()];
        if l.trim().is_empty() {
            continue;
        }
        if indent(l) <= ind {
            break;
        }
        let content = r.start + indent(l)..r.end;
        first.get_or_insert(content);
        last = k;
    }
    let first = first?;
    let end = lines[last].end;
    s.literal(text[first.clone()].trim_end(), true)
        .then(|| (first.start..end, last - i))
}

/// A YAML plain scalar that starts on the next line (`password:` then `  hunter2`, more
/// indented and not itself a key or list item).
fn continued_scalar(
    text: &str,
    lines: &[Range<usize>],
    i: usize,
    ind: usize,
    colon: bool,
    s: &Settings,
) -> Option<(Range<usize>, usize)> {
    if !colon {
        return None;
    }
    let (k, r) = lines
        .iter()
        .enumerate()
        .skip(i + 1)
        .find(|(_, r)| !text[(*r).clone()].trim().is_empty())?;
    let l = &text[r.clone()];
    let t = l.trim();
    let nested = t.contains(": ") || t.ends_with(':') || t.starts_with("- ") || comment(t);
    (indent(l) > ind && !nested && s.literal(t, false))
        .then(|| (r.start + indent(l)..r.start + indent(l) + t.len(), k - i))
}

/// The value of a `key: value` / `key = value` line from its first byte on: up to a
/// comment (` #`, and ` ;` in INI files), without a final `,` (JSON, flow mappings) or `;`;
/// the first word only when what follows is shell (`&&`, `|`, `;`, a path or `$`).
fn plain_value(v: &str, colon: bool) -> &str {
    let mut end = v.len();
    for marker in [" #", "\t#", " ;", "\t;"] {
        if let Some(at) = v.find(marker) {
            end = end.min(at);
        }
    }
    let mut v = v[..end].trim_end();
    v = v.strip_suffix(',').unwrap_or(v).trim_end();
    v = v.strip_suffix(';').unwrap_or(v).trim_end();
    if let Some(at) = v.find([' ', '\t']) {
        let rest = v[at..].trim_start();
        let shell = rest.starts_with(['&', '|', ';', '/', '$', '>', '<', '`', '.'])
            || (!colon && rest.starts_with('-'));
        if shell {
            v = &v[..at];
        }
    }
    v
}

/// The settings a line makes after its first key: pairs in flow mappings and JSON
/// (`{ password = "…" }`, `{"db": {"password": "…"}}`), JVM options (`-Dapp.password=…`),
/// attributes and JAAS options (`password="…";`). Not URL query parameters (`?token=`):
/// `url-with-token-parameter` reads those.
fn inline_settings(line: &str, base: usize, s: &Settings, out: &mut Vec<Range<usize>>) {
    let b = line.as_bytes();
    for j in 0..b.len() {
        let sep = b[j];
        if sep != b'=' && sep != b':' {
            continue;
        }
        // The key before the separator (blanks between them allowed).
        let mut e = j;
        while e > 0 && blank(b[e - 1]) {
            e -= 1;
        }
        let quoted = e > 0 && matches!(b[e - 1], b'"' | b'\'');
        let (ks, ke) = if quoted {
            let q = b[e - 1];
            let Some(open) = line[..e - 1].rfind(q as char) else {
                continue;
            };
            (open + 1, e - 1)
        } else {
            let mut k = e;
            while k > 0 && key_char(b[k - 1]) {
                k -= 1;
            }
            (k, e)
        };
        if ks >= ke {
            continue;
        }
        let before = if quoted { ks - 1 } else { ks };
        let mut key = &line[ks..ke];
        let prefix = line[..before].trim();
        // The line's first key is [`line_setting`]'s, but for a JVM option (`-Dk=v …`).
        let first = prefix.is_empty() || prefix == "-" || prefix == "export";
        if first && (quoted || !key.starts_with("-D")) {
            continue;
        }
        if !quoted {
            if let Some(k) = key.strip_prefix("-D") {
                key = k;
            } else if key.starts_with('-') {
                // An option: [`options`].
                continue;
            }
        }
        let boundary = before == 0
            || matches!(
                b[before - 1],
                b' ' | b'\t' | b'{' | b',' | b'[' | b';' | b'(' | b'"' | b'\''
            );
        // `key: value` inside a line only in a flow mapping or as a JSON member.
        let flow = quoted || (before > 0 && matches!(b[before - 1], b'{' | b','));
        if !boundary || (sep == b':' && !flow) || !s.setting_name(key) {
            continue;
        }
        let v = skip_blanks(b, j + 1);
        let span = match b.get(v) {
            Some(b'"' | b'\'') => match closing_quote(b, v) {
                Some(close) => (v + 1..close, true),
                None => continue,
            },
            Some(_) => {
                let mut end = v;
                while end < b.len()
                    && !blank(b[end])
                    && !matches!(
                        b[end],
                        b',' | b';' | b'}' | b']' | b')' | b'"' | b'\'' | b'&'
                    )
                {
                    end += 1;
                }
                (v..end, false)
            }
            None => continue,
        };
        let v = &line[span.0.clone()];
        if s.literal(v, span.1) && !names_secret(key, v) {
            out.push(base + span.0.start..base + span.0.end);
        }
    }
}

/// An XML element's text, attributes and `key`/`value` attribute pairs (see [`Format::Xml`]).
fn xml(text: &str, s: &Settings, out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(lt) = text[i..].find('<').map(|at| i + at) {
        i = lt + 1;
        // A comment: what it shows is an example (Maven's default settings.xml has
        // `<password>repopwd</password>` in one).
        if text[lt..].starts_with("<!--") {
            match text[lt..].find("-->") {
                Some(end) => i = lt + end + 3,
                None => break,
            }
            continue;
        }
        let mut e = lt + 1;
        while e < b.len() && (key_char(b[e]) || b[e] == b':') {
            e += 1;
        }
        if e == lt + 1 || !b[lt + 1].is_ascii_alphabetic() && b[lt + 1] != b'_' {
            continue;
        }
        let name = &text[lt + 1..e];
        let local = name.rsplit(':').next().unwrap_or(name);
        // Attributes up to `>` or `/>`.
        let mut attrs: Vec<(&str, Range<usize>)> = Vec::new();
        let mut j = e;
        let closed = loop {
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            match b.get(j) {
                Some(b'>') => break Some(true),
                Some(b'/') if b.get(j + 1) == Some(&b'>') => break Some(false),
                Some(&c) if key_char(c) => {
                    let ns = j;
                    while j < b.len() && (key_char(b[j]) || b[j] == b':') {
                        j += 1;
                    }
                    let an = &text[ns..j];
                    while j < b.len() && b[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    if b.get(j) != Some(&b'=') {
                        break None;
                    }
                    j += 1;
                    while j < b.len() && b[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    if !matches!(b.get(j), Some(b'"' | b'\'')) {
                        break None;
                    }
                    let q = b[j];
                    let Some(close) = text[j + 1..].find(q as char).map(|at| j + 1 + at) else {
                        break None;
                    };
                    attrs.push((an, j + 1..close));
                    j = close + 1;
                }
                _ => break None,
            }
        };
        let Some(has_text) = closed else {
            continue;
        };
        for (an, r) in &attrs {
            let local_an = an.rsplit(':').next().unwrap_or(an);
            if s.setting_name(local_an) && s.literal_text(&text[r.clone()]) {
                out.push(r.clone());
            }
        }
        let attr = |n: &str| attrs.iter().find(|(a, _)| a.eq_ignore_ascii_case(n));
        let named = attr("key")
            .or_else(|| attr("name"))
            .is_some_and(|(_, k)| s.setting_name(&text[k.clone()]));
        if let Some((_, v)) = attr("value").filter(|_| named) {
            if s.literal_text(&text[v.clone()]) {
                out.push(v.clone());
            }
        }
        // The element's own name, or a `name` attribute without a `value` one (Hibernate's
        // `<property name="hibernate.connection.password">…</property>`).
        let text_named = s.setting_name(local) || (named && attr("value").is_none());
        if has_text && text_named {
            if let Some(r) = element_text(text, j + 1) {
                if s.literal_text(&text[r.clone()]) {
                    out.push(r);
                }
            }
        }
    }
}

/// The text of an element from byte `from` (after its start tag) when an end tag follows
/// it: trimmed, a CDATA section's inside.
fn element_text(text: &str, from: usize) -> Option<Range<usize>> {
    let rest = &text[from..];
    let lead = rest.len() - rest.trim_start().len();
    let start = from + lead;
    if text[start..].starts_with("<![CDATA[") {
        let inner = start + "<![CDATA[".len();
        let end = inner + text[inner..].find("]]>")?;
        let after = &text[end + 3..];
        return after.trim_start().starts_with("</").then_some(inner..end);
    }
    let end = from + rest.find('<')?;
    if !text[end..].starts_with("</") {
        return None;
    }
    let t = text[start..end].trim_end();
    Some(start..start + t.len())
}

/// A `.netrc` token: a word, or a double-quoted string (its inside), with the line it is on.
struct Token {
    span: Range<usize>,
    line: usize,
    first_on_line: bool,
}

fn netrc_tokens(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut line = 0;
    let mut line_started = true;
    let mut j = 0;
    while j < b.len() {
        let c = b[j];
        if c == b'\n' {
            line += 1;
            line_started = true;
            j += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            j += 1;
            continue;
        }
        let (span, next) = if c == b'"' {
            match closing_quote(b, j) {
                Some(close) => (j + 1..close, close + 1),
                None => (j + 1..b.len(), b.len()),
            }
        } else {
            let mut e = j;
            while e < b.len() && !b[e].is_ascii_whitespace() {
                e += 1;
            }
            (j..e, e)
        };
        out.push(Token {
            span,
            line,
            first_on_line: std::mem::take(&mut line_started),
        });
        j = next;
    }
    out
}

/// The passwords of `.netrc` entries (see [`Format::Netrc`]).
fn netrc(text: &str, s: &Settings, out: &mut Vec<Range<usize>>) {
    let toks = netrc_tokens(text);
    let word = |k: usize| &text[toks[k].span.clone()];
    let mut k = 0;
    while k < toks.len() {
        let entry = match word(k) {
            "machine" if toks[k].first_on_line && k + 1 < toks.len() => k + 2,
            "default" if toks[k].first_on_line => k + 1,
            _ => {
                k += 1;
                continue;
            }
        };
        let mut m = entry;
        let mut password = None;
        let mut prose = false;
        while m < toks.len() {
            match word(m) {
                "login" | "account" | "port" | "password" if m + 1 < toks.len() => {
                    if word(m) == "password" {
                        password = Some(m + 1);
                    }
                    m += 2;
                }
                "machine" | "default" | "macdef" => break,
                _ => {
                    // A word that is no keyword, on the line of the entry's last word: prose.
                    prose = toks[m].line == toks[m - 1].line;
                    break;
                }
            }
        }
        if let Some(p) = password.filter(|_| !prose) {
            if s.plain(word(p)) {
                out.push(toks[p].span.clone());
            }
        }
        k = m.max(k + 1);
    }
}

/// The passwords of `.pgpass` lines (see [`Format::Pgpass`]).
fn pgpass(text: &str, s: &Settings, out: &mut Vec<Range<usize>>) {
    for r in lines(text) {
        let line = text[r.clone()].trim_end();
        // Four separators at least (more when one is escaped), no blank, no comment.
        if line.bytes().filter(|&c| c == b':').count() < 4
            || line.starts_with('#')
            || line.contains([' ', '\t'])
        {
            continue;
        }
        // Fields split on `:` not escaped by `\`.
        let b = line.as_bytes();
        let mut fields: Vec<Range<usize>> = Vec::with_capacity(5);
        let mut start = 0;
        let mut j = 0;
        while j < b.len() {
            match b[j] {
                b'\\' => j += 1,
                b':' => {
                    fields.push(start..j);
                    start = j + 1;
                }
                _ => {}
            }
            j += 1;
        }
        fields.push(start..b.len());
        if fields.len() != 5 {
            continue;
        }
        let f = |k: usize| &line[fields[k].clone()];
        let port = f(1) == "*" || (f(1).len() <= 5 && f(1).bytes().all(|c| c.is_ascii_digit()));
        let user = f(3).bytes().any(|c| c.is_ascii_alphabetic() || c == b'*');
        let filled = (0..5).all(|k| !f(k).is_empty());
        // An IPv6 address (`fe80:1:2:ab:cd`) is five groups of hexadecimal digits.
        let ipv6 = (0..5).all(|k| f(k).len() <= 4 && f(k).bytes().all(|c| c.is_ascii_hexdigit()));
        if port && user && filled && !ipv6 && s.plain(f(4)) {
            out.push(r.start + fields[4].start..r.start + fields[4].end);
        }
    }
}

/// The MySQL and MariaDB command-line clients, whose password option takes only an attached
/// value (MySQL's "Command Options for Connecting to the Server").
const MYSQL_CLIENTS: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mysqlcheck",
    "mysqlimport",
    "mysqlshow",
    "mysqlpump",
    "mysqlslap",
    "mysqlsh",
    "mariadb",
    "mariadb-dump",
    "mariadb-admin",
    "mariadb-check",
    "mariadb-import",
    "mariadb-show",
];

/// Options named like a credential inside a value (see [`Format::Options`]).
fn options(text: &str, s: &Settings, out: &mut Vec<Range<usize>>) {
    for r in lines(text) {
        let line = &text[r.clone()];
        // Words, without the quotes around or at either end of them.
        let mut words: Vec<Range<usize>> = Vec::new();
        let b = line.as_bytes();
        let mut j = 0;
        while j < b.len() {
            if blank(b[j]) {
                j += 1;
                continue;
            }
            let mut e = j;
            while e < b.len() && !blank(b[e]) {
                e += 1;
            }
            let mut w = &line[j..e];
            // An option assigned to a variable: `OPTS=--pass …`, `OPTS="--pass …`.
            if let Some(at) = w
                .find("=-")
                .or_else(|| w.find("=\"-"))
                .or_else(|| w.find("='-"))
            {
                if !w.starts_with('-') {
                    j += at + 1;
                    w = &line[j..e];
                }
            }
            let lead = w.len() - w.trim_start_matches(['"', '\'']).len();
            let trail = w.len() - w.trim_end_matches(['"', '\'', ';']).len();
            if lead + trail < w.len() {
                words.push(j + lead..e - trail);
            }
            j = e;
        }
        let word = |k: usize| &line[words[k].clone()];
        let user = (0..words.len()).any(|k| {
            let w = word(k);
            matches!(w, "-u" | "-U" | "--user" | "--username")
                || w.starts_with("--user=")
                || w.starts_with("--username=")
        });
        // The MySQL clients read `-p`/`--password` with a value only when it is attached
        // (`-pX`, `--password=X`): alone they ask for it, and the next word is the database.
        // Which words are a MySQL client's own: from the client's name where a command
        // starts (the line's first word, or the first after `;`, `|`, `&`, `&&`, `||`, past
        // `sudo`, `exec`, `env` and `VAR=value`) up to the next such separator.
        let mut mysql = Vec::with_capacity(words.len());
        let (mut inside, mut command_start) = (false, true);
        for k in 0..words.len() {
            let gap_from = if k == 0 { 0 } else { words[k - 1].end };
            // A separator may be written against the next command (`&docker`).
            let whole = word(k);
            let w = whole.trim_start_matches([';', '|', '&']);
            let separator = w.is_empty();
            if w.len() < whole.len() || line[gap_from..words[k].start].contains([';', '|', '&']) {
                inside = false;
                command_start = true;
            }
            if separator {
                mysql.push(false);
                continue;
            }
            if command_start {
                if MYSQL_CLIENTS.contains(&w.rsplit('/').next().unwrap_or(w)) {
                    inside = true;
                    command_start = false;
                } else if !(matches!(w, "sudo" | "exec" | "env" | "nohup" | "time")
                    || (w.contains('=') && !w.starts_with('-')))
                {
                    command_start = false;
                }
            }
            mysql.push(inside);
        }
        for k in 0..words.len() {
            let w = word(k);
            let next = || {
                (k + 1 < words.len() && !word(k + 1).starts_with('-') && !mysql[k])
                    .then(|| words[k + 1].clone())
            };
            let (name, value) = if let Some(body) = w.strip_prefix("--") {
                match body.split_once('=') {
                    Some((n, v)) => {
                        // `--password='…'`: the value inside its quotes.
                        let inner = v.trim_start_matches(['"', '\'']);
                        let at = words[k].start + 2 + n.len() + 1 + (v.len() - inner.len());
                        (n, Some(at..at + inner.len()))
                    }
                    None => (body, next()),
                }
            } else if w == "-p" && user {
                ("password", next())
            } else if mysql[k] && w.len() > 2 && w.starts_with("-p") {
                // `-pX`, `-p'X'`: the attached password, inside its quotes.
                let inner = w[2..].trim_start_matches(['"', '\'']);
                let at = words[k].end - inner.len();
                ("password", Some(at..words[k].end))
            } else {
                continue;
            };
            let Some(v) = value else {
                continue;
            };
            let text_v = &line[v.clone()];
            let secret_name = super::parts(name).last().is_some_and(|l| l == "secret")
                && secret_object_name(text_v);
            let port = w == "-p" && text_v.bytes().all(|c| c.is_ascii_digit());
            if !name.is_empty() && s.setting_name(name) && !secret_name && !port && s.plain(text_v)
            {
                out.push(r.start + v.start..r.start + v.end);
            }
        }
    }
}

/// Whether a setting whose key ends in `secret` names a Secret object rather than holds one
/// (`tls: {secret: wildcard-example-com}`): a DNS subdomain with a `-` or `.` and no digit.
fn names_secret(key: &str, value: &str) -> bool {
    super::parts(key).last().is_some_and(|l| l == "secret")
        && secret_object_name(value)
        && value.contains(['-', '.'])
}

/// Whether a value reads as the name of a Secret object (`ingress-tls`, `mytokensecret`):
/// lower-case letters, `-` and `.` only (a DNS subdomain without a digit), as an option
/// ending in `secret` takes it (`--tls-secret`, `--token-secret`).
fn secret_object_name(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|c| c.is_ascii_lowercase() || c == b'-' || c == b'.')
}

#[cfg(test)]
mod tests {
    use super::super::Settings;

    fn settings() -> Settings {
        crate::catalog::load(None).expect("catalog").credentials
    }

    #[test]
    fn settings_of_each_format_that_hold_a_credential() {
        let s = settings();
        let cases = [
            // Values with blanks or colons, quoted or not (recheck s34).
            ("password: correct horse battery", "credential-assignment-in-file"),
            ("token: \"abc:def\"", "credential-assignment-in-file"),
            ("    token: K10abc1::server:def2", "credential-assignment-in-file"),
            ("users:\n- name: oidc\n  user:\n    auth-provider:\n      config:\n        refresh-token: Cgp1c2VyMQ\n", "credential-assignment-in-file"),
            // Keys named by the variable-name rules.
            ("JWT_SECRET=hunter22", "credential-assignment-in-file"),
            ("SESSION_SECRET: hunter", "credential-assignment-in-file"),
            ("DB_PASS=hunter1", "credential-assignment-in-file"),
            // Weak passwords are passwords.
            ("password: default", "credential-assignment-in-file"),
            ("password: ADMIN", "credential-assignment-in-file"),
            // Java properties: `key value`, `key:value`.
            ("db.password hunter2", "credential-assignment-in-file"),
            ("spring.datasource.password:hunter2", "credential-assignment-in-file"),
            // YAML block scalars and a plain scalar on the next line.
            ("db:\n  password: |\n    hunter2\n  user: app\n", "credential-assignment-in-file"),
            ("password: >-\n  hunter2\n", "credential-assignment-in-file"),
            ("password:\n  hunter2\n", "credential-assignment-in-file"),
            // Pairs inside a line: JAAS, JSON, TOML inline tables, JVM options.
            ("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"hunter2\";", "credential-assignment-in-file"),
            ("{\"db\": {\"password\": \"hunter2\"}}", "credential-assignment-in-file"),
            ("-Xmx1g -Djavax.net.ssl.keyStorePassword=hunter2 -Xss1m", "credential-assignment-in-file"),
            // XML: element text (blanks, CDATA), attributes, key/value pairs.
            ("<password>correct horse battery</password>", "xml-credential-element"),
            ("<password><![CDATA[hun<ter]]></password>", "xml-credential-element"),
            ("<appSettings>\n  <add key=\"DbPassword\" value=\"hunter2\" />\n</appSettings>", "xml-credential-element"),
            ("<Resource name=\"jdbc/x\" auth=\"Container\" username=\"u\" password=\"hunter2\" />", "xml-credential-element"),
            ("<property name=\"password\" value=\"hunter2\"/>", "xml-credential-element"),
            ("<property name=\"hibernate.connection.password\">hunter2</property>", "xml-credential-element"),
            // .netrc: a default entry, a quoted password, an entry over several lines.
            ("default login bob password hunter2", "netrc-password"),
            ("machine h login bob password \"two words\"", "netrc-password"),
            ("machine h\n  login bob\n  password hunter2\nmachine g login x password y2\n", "netrc-password"),
            // Options inside a value.
            ("--user admin -p hunter2", "password-option-in-value"),
            ("mysql -u root -pHunter2x shop", "password-option-in-value"),
            // Another command after a separator, or `mysql` as an option's value.
            ("mysql -u root -p shop && docker login -u x -p Hunter2x reg", "password-option-in-value"),
            ("mysql -u root -p shop | docker login -u x -p Hunter2x reg", "password-option-in-value"),
            ("mysql -u root -p shop &docker login -u x -p Hunter2x reg", "password-option-in-value"),
            ("migrate --driver mysql --user app --password Hunter2x up", "password-option-in-value"),
            ("docker login -u mysql -p Hunter2x reg", "password-option-in-value"),
            ("mysqldump --user root --password=Hunter2x shop", "password-option-in-value"),
            ("--user admin --pwd hunter2", "password-option-in-value"),
            ("--user=admin --PASSWORD=hunter2", "password-option-in-value"),
            ("OPTS=--PASSWORD hunter2", "password-option-in-value"),
            ("export OPTS=\"--pass hunter2\"", "password-option-in-value"),
        ];
        for (value, want) in cases {
            assert_eq!(s.value_pattern(value), Some(want), "{value:?}");
        }
    }

    #[test]
    fn settings_that_hold_none() {
        let s = settings();
        for value in [
            // Placeholders, instructions and descriptions.
            "<apiKey>your-api-key-here</apiKey>",
            "api_key: your_api_key",
            "challengePassword       = A challenge password",
            "<passphrase>optional; leave empty if not used.</passphrase>",
            // Prose is no .netrc entry; an IPv6 address no .pgpass line.
            "The machine learning password reset flow",
            "machine learning password reset flow",
            "fe80:1:2:ab:cd",
            // A Secret's name after an option ending in `secret`; a port after `-p`.
            "ARGS=\"--token-secret mytokensecret\"",
            "EXTRA_ARGS=--tls-secret ingress-tls --v 2",
            "ARGS=--secret my-secret-name",
            "--user admin -p 2222",
            // MySQL clients: `-p` or `--password` alone asks; the next word is the database.
            "mysql -u root -p shop",
            "sudo MYSQL_HOST=db mysql -u root -p shop",
            "/usr/bin/mysqldump --user root --password shop > /backup/shop.sql",
            "-p hunter2",
            // Comments.
            "; password = changeme",
            "# password: changeme",
            "<!-- <server><password>repopwd</password></server> -->",
            // Settings about credentials, and their switches.
            "\"usePassword\": \"enabled\"",
            "password_encryption = scram-sha-256",
            "password_auth: md5",
            "max_token: 100000",
            "permissions:\n  id-token: write\n",
            "token: header",
            "access_token: Bearer",
            "password: secretRef",
            "clientSecret: fromSecret",
            "credentials: org/home#assets/crates-credentials",
            "password:\n  nested: value\n",
            "password: *db_password",
            "password: \"{{ .Values.db.password }}\"",
            "token: https://idp.example.com/token",
            "nginx: auth_basic \"Restricted Content\";",
        ] {
            assert_eq!(s.value_pattern(value), None, "{value:?}");
        }
    }

    #[test]
    fn only_the_value_is_replaced() {
        let s = settings();
        let mark = |value: &str| s.replace_matches(value, |p, _| format!("<{p}>"));
        assert_eq!(
            mark("mode: fast\npassword: correct horse battery # ok\nuser: app\n").as_deref(),
            Some("mode: fast\npassword: <credential-assignment-in-file> # ok\nuser: app\n")
        );
        assert_eq!(
            mark("password: |\n  hunter2\nuser: app\n").as_deref(),
            Some("password: |\n  <credential-assignment-in-file>\nuser: app\n")
        );
        assert_eq!(
            mark("<add key=\"DbPassword\" value=\"hunter2\" />").as_deref(),
            Some("<add key=\"DbPassword\" value=\"<xml-credential-element>\" />")
        );
        assert_eq!(
            mark("default login bob password \"two words\"").as_deref(),
            Some("default login bob password \"<netrc-password>\"")
        );
    }
}
