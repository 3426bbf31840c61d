//! The embedded fonts (pre-subset DejaVu, see `assets/fonts/README.md`) and text measuring
//! from their glyph advances.

use std::collections::BTreeMap;

use printpdf::{FontId, ParsedFont, PdfDocument};

use crate::render::RenderError;

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-subset.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold-subset.ttf");
const MONO: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansMono-subset.ttf");

/// Which face to set text in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
    /// DejaVu Sans Mono.
    Mono,
}

struct Metrics {
    id: FontId,
    cmap: BTreeMap<u32, u16>,
    widths: BTreeMap<u16, u16>,
    units_per_em: f32,
    /// ASCII looked up once: whether the font has the character, and its advance. Text is
    /// measured character by character, and two map lookups each were a tenth of a PDF.
    ascii: [(bool, f32); 128],
}

impl Metrics {
    fn load(doc: &mut PdfDocument, bytes: &[u8], name: &str) -> Result<Metrics, RenderError> {
        let mut warnings = Vec::new();
        let mut font = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| RenderError::Pdf(format!("cannot parse embedded font {name}")))?;
        // The shipped files are subsets: name them with a subset tag (ISO 32000-1, 9.6.4).
        font.font_name = Some(name.to_string());
        let id = doc.add_font(&font);
        let mut m = Metrics {
            id,
            cmap: font.codepoint_to_glyph.clone(),
            widths: font.glyph_widths.clone(),
            units_per_em: f32::from(font.units_per_em.max(1)),
            ascii: [(false, 0.0); 128],
        };
        for code in 0u8..128 {
            let c = char::from(code);
            m.ascii[usize::from(code)] =
                (m.cmap.contains_key(&u32::from(code)), m.lookup_advance(c));
        }
        Ok(m)
    }

    fn advance(&self, c: char) -> f32 {
        match self.ascii.get(c as usize) {
            Some(&(_, advance)) => advance,
            None => self.lookup_advance(c),
        }
    }

    fn lookup_advance(&self, c: char) -> f32 {
        let gid = self.cmap.get(&(c as u32)).copied().unwrap_or(0);
        f32::from(self.widths.get(&gid).copied().unwrap_or(0)) / self.units_per_em
    }

    /// Whether the font has a glyph for `c`.
    fn has(&self, c: char) -> bool {
        match self.ascii.get(c as usize) {
            Some(&(known, _)) => known,
            None => self.cmap.contains_key(&(c as u32)),
        }
    }
}

/// The three faces, registered in one document.
pub struct Fonts {
    regular: Metrics,
    bold: Metrics,
    mono: Metrics,
}

impl Fonts {
    /// Parses the embedded fonts and adds them to `doc`.
    pub fn load(doc: &mut PdfDocument) -> Result<Fonts, RenderError> {
        Ok(Fonts {
            regular: Metrics::load(doc, REGULAR, "KAREGU+DejaVuSans")?,
            bold: Metrics::load(doc, BOLD, "KABOLD+DejaVuSans-Bold")?,
            mono: Metrics::load(doc, MONO, "KAMONO+DejaVuSansMono")?,
        })
    }

    fn metrics(&self, face: Face) -> &Metrics {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
            Face::Mono => &self.mono,
        }
    }

    /// The font id to select `face`.
    pub fn id(&self, face: Face) -> FontId {
        self.metrics(face).id.clone()
    }

    /// Width of `text` in points at `size`.
    pub fn width(&self, face: Face, size: f32, text: &str) -> f32 {
        let m = self.metrics(face);
        text.chars().map(|c| m.advance(c)).sum::<f32>() * size
    }

    /// `text` with characters the subset lacks replaced by `?`, and control characters by
    /// spaces (tabs become four spaces; newlines stay for [`Fonts::wrap`]).
    pub fn clean(&self, face: Face, text: &str) -> String {
        let m = self.metrics(face);
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\t' => out.push_str("    "),
                '\n' => out.push('\n'),
                '\r' => {}
                c if c.is_control() => out.push(' '),
                c if m.has(c) => out.push(c),
                _ => out.push('?'),
            }
        }
        out
    }

    /// Breaks `text` into lines no wider than `width` points: at spaces where possible,
    /// inside long words otherwise; `\n` always breaks.
    pub fn wrap(&self, face: Face, size: f32, text: &str, width: f32) -> Vec<String> {
        let text = self.clean(face, text);
        let space = self.width(face, size, " ");
        let mut lines = Vec::new();
        for para in text.split('\n') {
            // Keep indentation (YAML in remediation text): every line of the paragraph
            // starts with it.
            let trimmed = para.trim_start_matches(' ');
            let indent = " ".repeat(para.len() - trimmed.len());
            let indent_w = self.width(face, size, &indent);
            let width = if indent_w < width / 2.0 {
                width - indent_w
            } else {
                width
            };
            let first = lines.len();
            let para = trimmed;
            let mut line = String::new();
            let mut line_w = 0.0;
            for word in para.split(' ') {
                let w = self.width(face, size, word);
                let sep = if line.is_empty() { 0.0 } else { space };
                if line_w + sep + w <= width {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(word);
                    line_w += sep + w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                if w <= width {
                    line.push_str(word);
                    line_w = w;
                    continue;
                }
                // A word wider than the line: break after `-`, `/`, `.`, `=`, `,`, `:` or `_`
                // where possible, inside a piece only when the piece alone is too wide.
                for piece in pieces(word) {
                    let pw = self.width(face, size, piece);
                    if line_w + pw <= width {
                        line.push_str(piece);
                        line_w += pw;
                        continue;
                    }
                    if !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    for c in piece.chars() {
                        let cw = self.width(face, size, c.encode_utf8(&mut [0; 4]));
                        if line_w + cw > width && !line.is_empty() {
                            lines.push(std::mem::take(&mut line));
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += cw;
                    }
                }
            }
            lines.push(line);
            if !indent.is_empty() && indent_w < width {
                for l in &mut lines[first..] {
                    l.insert_str(0, &indent);
                }
            }
        }
        lines
    }
}

/// A word split after each break opportunity (`-`, `/`, `.`, `=`, `,`, `:`, `_`).
fn pieces(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices() {
        if matches!(c, '-' | '/' | '.' | '=' | ',' | ':' | '_') {
            let end = i + c.len_utf8();
            out.push(&word[start..end]);
            start = end;
        }
    }
    if start < word.len() {
        out.push(&word[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        let mut doc = PdfDocument::new("t");
        Fonts::load(&mut doc).expect("embedded fonts parse")
    }

    #[test]
    fn measures_from_glyph_advances() {
        let f = fonts();
        // DejaVu Sans Mono: every glyph advances 1233/2048 em.
        let w = f.width(Face::Mono, 10.0, "abcd");
        assert!((w - 4.0 * 10.0 * 1233.0 / 2048.0).abs() < 0.01, "{w}");
        assert!(f.width(Face::Bold, 10.0, "W") > f.width(Face::Regular, 10.0, "i"));
    }

    #[test]
    fn wraps_within_the_width_and_keeps_indentation() {
        let f = fonts();
        let text = "Bad:\n  securityContext:\n    privileged: true\nsupercalifragilisticexpialidocious-and-a-very-long-token-without-spaces words follow here";
        let lines = f.wrap(Face::Mono, 8.0, text, 120.0);
        for l in &lines {
            assert!(f.width(Face::Mono, 8.0, l) <= 120.0 + 0.01, "too wide: {l}");
        }
        assert_eq!(lines[1], "  securityContext:");
        assert_eq!(lines[2], "    privileged: true");
        let joined: String = lines[3..].concat().replace(' ', "");
        assert!(joined.starts_with("supercalifragilistic"));
        // Long ids break after a hyphen, not inside a word.
        let ids = f.wrap(Face::Mono, 8.0, "workload-in-default-namespace", 70.0);
        assert!(
            ids.iter()
                .all(|l| l.ends_with('-') || ids.last() == Some(l)),
            "{ids:?}"
        );
    }

    #[test]
    fn replaces_characters_outside_the_subset() {
        let f = fonts();
        assert_eq!(f.clean(Face::Regular, "ok → 漢\u{7}"), "ok → ? ");
    }
}
