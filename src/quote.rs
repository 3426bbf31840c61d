//! Input text shown to people (terminal, logs, error messages): control characters are
//! escaped so that a name cannot move the cursor, recolour or rewrite a terminal, and quotes
//! of input are bounded so that an error never echoes a megabyte back.

use std::borrow::Cow;

/// The most characters of one input value an error message quotes.
pub const MAX_QUOTE: usize = 200;

/// `s` with every control character (C0, DEL, C1, and the bidirectional overrides that
/// reorder what is shown) written as a `\u{…}` escape; tab and newline included.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` escaped ([`escape_controls`]) and cut to at most `max` characters, saying how much
/// was left out.
pub fn bounded(s: &str, max: usize) -> String {
    bounded_with(s, max, |t| escape_controls(t).into_owned())
}

/// [`bounded`], but the lines of a multi-line message (our own list of problems) are kept as
/// lines, each after the first indented so that a newline from input cannot start a line
/// that passes for one of its own.
pub fn bounded_lines(s: &str, max: usize) -> String {
    bounded_with(s, max, |t| {
        let mut out = String::with_capacity(t.len());
        for (i, line) in t.lines().enumerate() {
            if i > 0 {
                out.push('\n');
                if !line.starts_with(' ') {
                    out.push_str("  ");
                }
            }
            out.push_str(&escape_controls(line));
        }
        out
    })
}

/// `s` cut to at most `max` characters, then written with `escape`.
fn bounded_with(s: &str, max: usize, escape: impl Fn(&str) -> String) -> String {
    let count = s.chars().count();
    if count <= max {
        return escape(s);
    }
    let head: String = s.chars().take(max).collect();
    format!("{}… ({} more characters)", escape(&head), count - max)
}

/// `s` bounded to [`MAX_QUOTE`] characters.
pub fn quote(s: &str) -> String {
    bounded(s, MAX_QUOTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_stay_lines_and_controls_stay_escaped() {
        assert_eq!(
            bounded_lines(
                "the catalog has 2 problem(s):\n  a.yaml:1: x\n  b.yaml:2: y",
                100
            ),
            "the catalog has 2 problem(s):\n  a.yaml:1: x\n  b.yaml:2: y"
        );
        // A newline from input cannot start a line of its own, nor a terminal sequence run.
        assert_eq!(
            bounded_lines("bad name x\nkubeattest: ok \u{1b}[2J", 100),
            "bad name x\n  kubeattest: ok \\u{1b}[2J"
        );
        assert!(bounded_lines(&"x".repeat(5_000), 4_000).ends_with("(1000 more characters)"));
    }

    #[test]
    fn escapes_terminal_sequences_and_bounds_length() {
        assert_eq!(escape_controls("web"), "web");
        assert_eq!(escape_controls("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape_controls("x\u{202e}y"), "x\\u{202e}y");
        let long = "a".repeat(1_000_000);
        let q = quote(&long);
        assert!(q.len() < 300, "{}", q.len());
        assert!(q.ends_with("(999800 more characters)"));
    }
}
