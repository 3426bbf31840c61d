//! Catalog text as people read it. Rationale, remediation and messages are written with
//! `inline code` in backticks and with indented lines for code (YAML, shell); the PDF and
//! HTML renderers show the first in a monospaced face and the second as a code block, and
//! never show the backticks themselves.

/// A run of text: plain words or inline code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    /// The text, without backticks.
    pub text: String,
    /// Whether it was written as `code`.
    pub code: bool,
}

/// A block of catalog text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Block {
    /// `prose` (a paragraph; its lines joined) or `code` (indented lines, kept as written).
    pub kind: &'static str,
    /// The paragraph or the code, dedented.
    pub text: String,
}

/// Splits text at backticks: odd runs are code. An unpaired backtick stays as written.
pub fn spans(text: &str) -> Vec<Span> {
    let parts: Vec<&str> = text.split('`').collect();
    // An even number of parts means one backtick had no partner: the last one is literal.
    let paired = if parts.len() % 2 == 0 {
        parts.len() - 1
    } else {
        parts.len()
    };
    let mut out: Vec<Span> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let code = i % 2 == 1 && i < paired;
        let text = if i >= paired {
            format!("`{part}")
        } else {
            (*part).to_string()
        };
        if text.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.code == code => last.text.push_str(&text),
            _ => out.push(Span { text, code }),
        }
    }
    out
}

/// The text without the backticks of its code spans, for places that are already
/// monospaced (table cells of evidence) or cannot change face.
pub fn plain(text: &str) -> String {
    spans(text).into_iter().map(|s| s.text).collect()
}

/// Splits catalog text into paragraphs and code blocks. A blank line ends a paragraph;
/// lines that start with a label such as `Bad:` or `Good:` start one; indented lines are
/// code, dedented by their common indentation.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut prose: Vec<&str> = Vec::new();
    let mut code: Vec<&str> = Vec::new();
    let flush_prose = |prose: &mut Vec<&str>, out: &mut Vec<Block>| {
        if !prose.is_empty() {
            out.push(Block {
                kind: "prose",
                text: prose.join(" "),
            });
            prose.clear();
        }
    };
    let flush_code = |code: &mut Vec<&str>, out: &mut Vec<Block>| {
        if !code.is_empty() {
            let indent = code
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            let text = code
                .iter()
                .map(|l| l.get(indent..).unwrap_or("").trim_end())
                .collect::<Vec<_>>()
                .join("\n");
            out.push(Block {
                kind: "code",
                text: text.trim_end_matches('\n').to_string(),
            });
            code.clear();
        }
    };
    for line in text.lines() {
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if line.trim().is_empty() {
            // A blank line inside code keeps the block open only if code follows; it ends
            // a paragraph.
            flush_prose(&mut prose, &mut out);
            if !code.is_empty() {
                code.push("");
            }
        } else if indented {
            flush_prose(&mut prose, &mut out);
            code.push(line);
        } else {
            flush_code(&mut code, &mut out);
            if starts_with_label(line) {
                flush_prose(&mut prose, &mut out);
            }
            prose.push(line.trim());
        }
    }
    flush_prose(&mut prose, &mut out);
    flush_code(&mut code, &mut out);
    out
}

/// `Bad:`, `Good:`, `Audit:` and similar one-word labels that open a paragraph.
fn starts_with_label(line: &str) -> bool {
    match line.split_once(':') {
        Some((word, _)) => {
            !word.is_empty() && word.len() <= 12 && word.chars().all(|c| c.is_ascii_alphabetic())
        }
        None => false,
    }
}

/// HTML for a line of prose: escaped text with code spans in `<code>`.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for s in spans(text) {
        let escaped = escape_html(&s.text);
        if s.code {
            out.push_str("<code>");
            out.push_str(&escaped);
            out.push_str("</code>");
        } else {
            out.push_str(&escaped);
        }
    }
    out
}

/// Escapes as the HTML template does (Tera's own escaping).
pub fn escape_html(s: &str) -> String {
    let mut buf = Vec::with_capacity(s.len());
    // Writing to a Vec cannot fail.
    let _ = tera::escape_html(s, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_spans() {
        let s = spans("Remove `hostPID` from the pod spec.");
        assert_eq!(
            s,
            vec![
                Span {
                    text: "Remove ".into(),
                    code: false
                },
                Span {
                    text: "hostPID".into(),
                    code: true
                },
                Span {
                    text: " from the pod spec.".into(),
                    code: false
                },
            ]
        );
        assert_eq!(plain("container `admin`: x"), "container admin: x");
    }

    #[test]
    fn an_unpaired_backtick_stays_literal() {
        assert_eq!(plain("a `b` c `d"), "a b c `d");
        assert_eq!(spans("`").len(), 1);
        assert_eq!(plain(""), "");
    }

    #[test]
    fn remediation_splits_into_paragraphs_and_code() {
        let text = "Delete the binding and grant a namespaced Role with only the verbs and\nresources the subject needs.\n\nBad:\n    kind: ClusterRoleBinding\n    roleRef: {kind: ClusterRole}\nGood: no such rule.\n";
        let b = blocks(text);
        let kinds: Vec<&str> = b.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, vec!["prose", "prose", "code", "prose"]);
        assert_eq!(
            b[0].text,
            "Delete the binding and grant a namespaced Role with only the verbs and resources the subject needs."
        );
        assert_eq!(
            b[2].text,
            "kind: ClusterRoleBinding\nroleRef: {kind: ClusterRole}"
        );
        assert_eq!(b[3].text, "Good: no such rule.");
    }

    #[test]
    fn html_escapes_and_marks_code() {
        assert_eq!(
            html("set `<x>` & go"),
            "set <code>&lt;x&gt;</code> &amp; go"
        );
    }
}
