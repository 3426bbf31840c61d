//! A small page layout engine over printpdf operations: a cursor that flows text, boxes and
//! tables down A4 pages, breaks pages (repeating table headers), and records anchors and
//! links that are resolved once every page number is known.

use std::collections::BTreeMap;

use printpdf::{
    Actions, BorderArray, Color, Destination, Line, LinePoint, LinkAnnotation, Op, PaintMode,
    PdfFontHandle, Point, Pt, Rect, Rgb, TextItem,
};

use super::fonts::{Face, Fonts};
use crate::render::prose;

/// A4 width in points.
pub const PAGE_W: f32 = 595.28;
/// A4 height in points.
pub const PAGE_H: f32 = 841.89;
/// Left and right margin.
pub const MARGIN_X: f32 = 42.0;
/// Top of the text area (below the header).
pub const TOP: f32 = 58.0;
/// Bottom of the text area (above the footer).
pub const BOTTOM: f32 = PAGE_H - 48.0;
/// Width of the text area.
pub const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

/// An sRGB colour from 0–255 components.
pub fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::Rgb(Rgb {
        r: f32::from(r) / 255.0,
        g: f32::from(g) / 255.0,
        b: f32::from(b) / 255.0,
        icc_profile: None,
    })
}

/// Body text colour.
pub fn ink() -> Color {
    rgb(28, 36, 48)
}

/// Secondary text colour.
pub fn muted() -> Color {
    rgb(91, 100, 114)
}

/// Rule and border colour.
pub fn line_color() -> Color {
    rgb(217, 222, 229)
}

/// The colour of a status badge.
pub fn status_color(status: &str) -> Color {
    match status {
        "fail" => rgb(198, 40, 40),
        "error" => rgb(106, 27, 154),
        "warn" => rgb(239, 108, 0),
        "waived" => rgb(0, 131, 143),
        "manual" => rgb(117, 117, 117),
        "pass" => rgb(46, 125, 50),
        s if s.starts_with("attested") => rgb(21, 101, 192),
        _ => rgb(189, 189, 189),
    }
}

/// The colour of a severity label.
pub fn severity_color(sev: &str) -> Color {
    match sev {
        "critical" => rgb(142, 0, 0),
        "high" => rgb(198, 40, 40),
        "medium" => rgb(239, 108, 0),
        _ => muted(),
    }
}

/// One table cell.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Text.
    pub text: String,
    /// Face.
    pub face: Face,
    /// Colour of the text.
    pub color: Color,
    /// Draw as a coloured status badge.
    pub badge: bool,
    /// Link the cell to an anchor.
    pub link: Option<String>,
}

impl Cell {
    /// Plain text (words for people: the catalog's `code` backticks are dropped; evidence
    /// goes in [`Cell::mono`], shown as written).
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: prose::plain(&s.into()),
            face: Face::Regular,
            color: ink(),
            badge: false,
            link: None,
        }
    }

    /// Monospaced text, as written.
    pub fn mono(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            face: Face::Mono,
            ..Cell::text("")
        }
    }

    /// Bold text.
    pub fn bold(s: impl Into<String>) -> Cell {
        Cell {
            face: Face::Bold,
            ..Cell::text(s)
        }
    }

    /// A status badge.
    pub fn badge(status: &str) -> Cell {
        Cell {
            badge: true,
            face: Face::Bold,
            ..Cell::text(status)
        }
    }

    /// A severity label.
    pub fn severity(sev: &str) -> Cell {
        Cell {
            color: severity_color(sev),
            face: Face::Bold,
            ..Cell::text(sev.to_uppercase())
        }
    }

    /// With a colour.
    pub fn colored(mut self, c: Color) -> Cell {
        self.color = c;
        self
    }

    /// Linked to an anchor.
    pub fn linked(mut self, anchor: impl Into<String>) -> Cell {
        self.link = Some(anchor.into());
        self
    }
}

/// A table row: cells, or a full-width shaded group title.
#[derive(Debug, Clone)]
pub enum Row {
    /// Cells, one per column.
    Cells(Vec<Cell>),
    /// A shaded row spanning every column.
    Group(String),
}

/// Lines shown per table cell at most; longer values end with a pointer to report.json.
const MAX_CELL_LINES: usize = 40;

/// The document being laid out.
pub struct Layout<'f> {
    /// Fonts and metrics.
    pub fonts: &'f Fonts,
    /// Operations per page.
    pub pages: Vec<Vec<Op>>,
    /// Cursor: distance from the top of the current page.
    pub y: f32,
    /// Anchor → (page index, y from top).
    pub anchors: BTreeMap<String, (usize, f32)>,
    /// Links: page index, rectangle (x, y from top, w, h), anchor.
    pub links: Vec<(usize, [f32; 4], String)>,
}

impl<'f> Layout<'f> {
    /// An empty document.
    pub fn new(fonts: &'f Fonts) -> Layout<'f> {
        Layout {
            fonts,
            pages: Vec::new(),
            y: TOP,
            anchors: BTreeMap::new(),
            links: Vec::new(),
        }
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Index of the current page.
    pub fn page(&self) -> usize {
        self.pages.len().saturating_sub(1)
    }

    /// Breaks the page unless `h` more points fit.
    pub fn ensure(&mut self, h: f32) {
        if self.pages.is_empty() || self.y + h > BOTTOM {
            self.new_page();
        }
    }

    /// Records an anchor at the cursor.
    pub fn anchor(&mut self, name: impl Into<String>) {
        let page = self.page();
        self.anchors.insert(name.into(), (page, self.y));
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let i = self.pages.len() - 1;
        &mut self.pages[i]
    }

    /// Text on page `page` with its baseline at `baseline` (from the top).
    #[allow(clippy::too_many_arguments)]
    pub fn text_on(
        &mut self,
        page: usize,
        x: f32,
        baseline: f32,
        face: Face,
        size: f32,
        color: Color,
        text: &str,
    ) {
        let text = self.fonts.clean(face, text).replace('\n', " ");
        let font = self.fonts.id(face);
        if let Some(ops) = self.pages.get_mut(page) {
            ops.extend([
                Op::StartTextSection,
                Op::SetFont {
                    font: PdfFontHandle::External(font),
                    size: Pt(size),
                },
                Op::SetFillColor { col: color },
                Op::SetTextCursor {
                    pos: Point {
                        x: Pt(x),
                        y: Pt(PAGE_H - baseline),
                    },
                },
                Op::ShowText {
                    items: vec![TextItem::Text(text)],
                },
                Op::EndTextSection,
            ]);
        }
    }

    /// Text on the current page.
    #[allow(clippy::too_many_arguments)]
    pub fn text(&mut self, x: f32, baseline: f32, face: Face, size: f32, color: Color, text: &str) {
        self.ops();
        let p = self.page();
        self.text_on(p, x, baseline, face, size, color, text);
    }

    /// A filled rectangle on page `page` (y = top edge, from the top).
    pub fn rect_on(&mut self, page: usize, x: f32, y: f32, w: f32, h: f32, color: Color) {
        if let Some(ops) = self.pages.get_mut(page) {
            ops.extend([
                Op::SetFillColor { col: color },
                Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(x),
                        y: Pt(PAGE_H - y - h),
                        width: Pt(w),
                        height: Pt(h),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                },
            ]);
        }
    }

    /// A filled rectangle on the current page.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Color) {
        self.ops();
        let p = self.page();
        self.rect_on(p, x, y, w, h, color);
    }

    /// A straight line on page `page`.
    #[allow(clippy::too_many_arguments)]
    pub fn line_on(
        &mut self,
        page: usize,
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Color,
    ) {
        let pt = |x: f32, y: f32| LinePoint {
            p: Point {
                x: Pt(x),
                y: Pt(PAGE_H - y),
            },
            bezier: false,
        };
        if let Some(ops) = self.pages.get_mut(page) {
            ops.extend([
                Op::SetOutlineColor { col: color },
                Op::SetOutlineThickness { pt: Pt(width) },
                Op::DrawLine {
                    line: Line {
                        points: vec![pt(x1, y1), pt(x2, y2)],
                        is_closed: false,
                    },
                },
            ]);
        }
    }

    /// A horizontal rule across the text area at the cursor.
    pub fn rule(&mut self, width: f32, color: Color) {
        self.ops();
        let (p, y) = (self.page(), self.y);
        self.line_on(p, MARGIN_X, y, PAGE_W - MARGIN_X, y, width, color);
    }

    /// A link from a rectangle on the current page to an anchor.
    pub fn link(&mut self, x: f32, y: f32, w: f32, h: f32, anchor: &str) {
        let p = self.page();
        self.links.push((p, [x, y, w, h], anchor.to_string()));
    }

    /// A status badge with its top-left corner at (x, y); returns its width.
    pub fn badge(&mut self, x: f32, y: f32, status: &str, size: f32) -> f32 {
        let label = match status.strip_prefix("attested_") {
            Some("not_applicable") => "ATT. N/A".to_string(),
            Some(r) => format!("ATT. {}", r.to_uppercase()),
            // Short enough for a status column: the badge never covers the next cell.
            None if status == "not_applicable" => "N/A".to_string(),
            None => status.replace('_', " ").to_uppercase(),
        };
        self.labelled_badge(x, y, &label, status, size)
    }

    /// A badge reading `label` in the colours of the finding status `colour_of` (a register
    /// entry's state in the colour of what it does to findings); returns its width.
    pub fn labelled_badge(
        &mut self,
        x: f32,
        y: f32,
        label: &str,
        colour_of: &str,
        size: f32,
    ) -> f32 {
        let tw = self.fonts.width(Face::Bold, size, label);
        let w = (tw + 8.0).max(44.0);
        self.rect(x, y, w, size + 4.0, status_color(colour_of));
        let fg = if colour_of == "not_applicable" {
            ink()
        } else {
            rgb(255, 255, 255)
        };
        self.text(
            x + (w - tw) / 2.0,
            y + size + 0.5,
            Face::Bold,
            size,
            fg,
            label,
        );
        w
    }

    /// Wrapped text flowing down the page from the cursor, at `x` within `width`.
    pub fn paragraph(
        &mut self,
        face: Face,
        size: f32,
        color: Color,
        text: &str,
        x: f32,
        width: f32,
    ) {
        let lh = size * 1.35;
        for line in self.fonts.wrap(face, size, &bounded_tokens(text), width) {
            self.ensure(lh);
            let baseline = self.y + size;
            self.text(x, baseline, face, size, color.clone(), &line);
            self.y += lh;
        }
    }

    /// Wrapped prose flowing down the page like [`Layout::paragraph`], with the catalog's
    /// `code` spans in the monospaced face and without their backticks.
    pub fn rich_paragraph(&mut self, size: f32, color: Color, text: &str, x: f32, width: f32) {
        let text = bounded_tokens(text);
        let spans = prose::spans(&text);
        // Words are runs of pieces with no space between them (`admin`: is one word).
        let mut words: Vec<Vec<(Face, String)>> = Vec::new();
        let mut glue = false;
        for span in &spans {
            let face = if span.code { Face::Mono } else { Face::Regular };
            let cleaned = self.fonts.clean(face, &span.text).replace('\n', " ");
            for (i, part) in cleaned.split(' ').enumerate() {
                if i > 0 {
                    glue = false;
                }
                if part.is_empty() {
                    continue;
                }
                match words.last_mut() {
                    Some(word) if glue => word.push((face, part.to_string())),
                    _ => words.push(vec![(face, part.to_string())]),
                }
                glue = true;
            }
        }
        let word_w = |w: &[(Face, String)]| -> f32 {
            w.iter().map(|(f, t)| self.fonts.width(*f, size, t)).sum()
        };
        if !spans.iter().any(|s| s.code) || words.iter().any(|w| word_w(w) > width) {
            // No code, or a word too wide for the line: the plain paragraph breaks inside it.
            let plain = prose::plain(&text);
            return self.paragraph(Face::Regular, size, color, &plain, x, width);
        }
        let space = self.fonts.width(Face::Regular, size, " ");
        let lh = size * 1.35;
        let mut lines: Vec<Vec<&[(Face, String)]>> = vec![Vec::new()];
        let mut line_w = 0.0;
        for word in &words {
            let w = word_w(word);
            let current = lines.len() - 1;
            if !lines[current].is_empty() && line_w + space + w > width {
                lines.push(Vec::new());
                line_w = 0.0;
            }
            let current = lines.len() - 1;
            line_w += if lines[current].is_empty() {
                w
            } else {
                space + w
            };
            lines[current].push(word);
        }
        for line in lines {
            self.ensure(lh);
            let baseline = self.y + size;
            let mut cx = x;
            for word in line {
                for (face, piece) in word {
                    self.text(cx, baseline, *face, size, color.clone(), piece);
                    cx += self.fonts.width(*face, size, piece);
                }
                cx += space;
            }
            self.y += lh;
        }
    }

    /// The footer of page `page`: a rule, `left` at the left and "page X of Y" at the right.
    pub fn footer(&mut self, page: usize, left: &str) {
        let total = self.pages.len();
        let fy = PAGE_H - 28.0;
        self.line_on(
            page,
            MARGIN_X,
            fy - 10.0,
            PAGE_W - MARGIN_X,
            fy - 10.0,
            0.5,
            line_color(),
        );
        self.text_on(page, MARGIN_X, fy, Face::Regular, 8.0, muted(), left);
        let num = format!("page {} of {}", page + 1, total);
        let w = self.fonts.width(Face::Regular, 8.0, &num);
        self.text_on(
            page,
            PAGE_W - MARGIN_X - w,
            fy,
            Face::Regular,
            8.0,
            muted(),
            &num,
        );
    }

    /// A monospaced block on a shaded background, flowing across pages.
    pub fn code_block(&mut self, text: &str, size: f32) {
        let lh = size * 1.3;
        let pad = 4.0;
        self.y += 2.0;
        for line in self.fonts.wrap(
            Face::Mono,
            size,
            &bounded_tokens(text),
            TEXT_W - 2.0 * pad - 4.0,
        ) {
            self.ensure(lh);
            let y = self.y;
            self.rect(MARGIN_X, y, TEXT_W, lh, rgb(246, 248, 250));
            self.rect(MARGIN_X, y, 2.0, lh, rgb(150, 160, 175));
            self.text(
                MARGIN_X + pad + 2.0,
                y + size,
                Face::Mono,
                size,
                ink(),
                &line,
            );
            self.y += lh;
        }
        self.y += 4.0;
    }

    /// A heading; level 1 starts a new page. Records `anchor` when given.
    pub fn heading(&mut self, level: u8, text: &str, anchor: Option<&str>) {
        let size = match level {
            1 => 18.0,
            2 => 13.0,
            _ => 11.0,
        };
        if level == 1 {
            self.new_page();
        } else {
            self.y += 6.0;
            self.ensure(size * 1.6 + 40.0);
        }
        if let Some(a) = anchor {
            self.anchor(a);
        }
        for line in self
            .fonts
            .wrap(Face::Bold, size, &bounded_tokens(text), TEXT_W)
        {
            let baseline = self.y + size;
            self.text(MARGIN_X, baseline, Face::Bold, size, ink(), &line);
            self.y += size * 1.3;
        }
        if level == 1 {
            self.y += 2.0;
            self.rule(1.2, ink());
            self.y += 8.0;
        } else {
            self.y += 3.0;
        }
    }

    /// Vertical space.
    pub fn space(&mut self, h: f32) {
        self.y += h;
    }

    /// A table: `columns` are (title, width fraction); rows break across pages and the
    /// header is repeated on every page.
    pub fn table(&mut self, columns: &[(&str, f32)], rows: &[Row], size: f32) {
        let pad = 3.0;
        let lh = size * 1.3;
        let widths: Vec<f32> = columns.iter().map(|(_, f)| f * TEXT_W).collect();
        let header_h = lh + 2.0 * pad;
        let mut header_drawn_on: Option<usize> = None;
        for row in rows {
            // Lay out the row first to know its height.
            let (cells, h) = match row {
                Row::Group(_) => (Vec::new(), lh + 2.0 * pad),
                Row::Cells(cells) => {
                    let mut wrapped = Vec::new();
                    let mut max_lines = 1;
                    for (i, c) in cells.iter().enumerate() {
                        let w = widths.get(i).copied().unwrap_or(40.0) - 2.0 * pad;
                        let mut lines = if c.badge {
                            vec![c.text.clone()]
                        } else {
                            self.fonts.wrap(c.face, size, &bounded_tokens(&c.text), w)
                        };
                        if lines.len() > MAX_CELL_LINES {
                            lines.truncate(MAX_CELL_LINES);
                            lines.push("… (cut; full value in report.json)".to_string());
                        }
                        max_lines = max_lines.max(lines.len());
                        wrapped.push(lines);
                    }
                    let h = max_lines as f32 * lh
                        + 2.0 * pad
                        + if cells.iter().any(|c| c.badge) {
                            1.0
                        } else {
                            0.0
                        };
                    (wrapped, h)
                }
            };
            // A group title keeps with the row after it.
            let keep = if matches!(row, Row::Group(_)) {
                2.0 * lh + 2.0 * pad
            } else {
                0.0
            };
            let need = if header_drawn_on == Some(self.page()) {
                h + keep
            } else {
                h + header_h + keep
            };
            if self.pages.is_empty() || self.y + need > BOTTOM {
                self.new_page();
            }
            if header_drawn_on != Some(self.page()) {
                self.table_header(columns, &widths, size, pad);
                header_drawn_on = Some(self.page());
            }
            let top = self.y;
            match row {
                Row::Group(title) => {
                    self.rect(MARGIN_X, top, TEXT_W, h, rgb(234, 238, 243));
                    self.text(
                        MARGIN_X + pad,
                        top + pad + size,
                        Face::Bold,
                        size,
                        ink(),
                        title,
                    );
                }
                Row::Cells(src) => {
                    let mut x = MARGIN_X;
                    for (i, lines) in cells.iter().enumerate() {
                        let c = &src[i];
                        let w = widths.get(i).copied().unwrap_or(40.0);
                        if c.badge {
                            self.badge(x + pad, top + pad, &c.text, size - 1.0);
                        } else {
                            for (n, l) in lines.iter().enumerate() {
                                let baseline = top + pad + size + n as f32 * lh;
                                self.text(x + pad, baseline, c.face, size, c.color.clone(), l);
                            }
                        }
                        if let Some(a) = &c.link {
                            self.link(x, top, w, h, a);
                        }
                        x += w;
                    }
                }
            }
            self.y += h;
            let p = self.page();
            self.line_on(
                p,
                MARGIN_X,
                self.y,
                PAGE_W - MARGIN_X,
                self.y,
                0.5,
                line_color(),
            );
        }
        self.y += 8.0;
    }

    fn table_header(&mut self, columns: &[(&str, f32)], widths: &[f32], size: f32, pad: f32) {
        let lh = size * 1.3;
        let h = lh + 2.0 * pad;
        let top = self.y;
        self.rect(MARGIN_X, top, TEXT_W, h, rgb(52, 63, 79));
        let mut x = MARGIN_X;
        for ((title, _), w) in columns.iter().zip(widths) {
            self.text(
                x + pad,
                top + pad + size,
                Face::Bold,
                size,
                rgb(255, 255, 255),
                title,
            );
            x += w;
        }
        self.y += h;
    }

    /// Turns recorded links into annotations (page numbers are 1-based in PDF).
    pub fn link_ops(&mut self) {
        let links = std::mem::take(&mut self.links);
        for (page, [x, y, w, h], anchor) in links {
            let Some((tp, ty)) = self.anchors.get(&anchor).copied() else {
                continue;
            };
            let link = LinkAnnotation::new(
                Rect {
                    x: Pt(x),
                    y: Pt(PAGE_H - y - h),
                    width: Pt(w),
                    height: Pt(h),
                    mode: None,
                    winding_order: None,
                },
                Actions::go_to(Destination::Xyz {
                    page: tp + 1,
                    left: Some(0.0),
                    top: Some(PAGE_H - ty + 12.0),
                    zoom: None,
                }),
                Some(BorderArray::Solid([0.0, 0.0, 0.0])),
                None,
                None,
            );
            if let Some(ops) = self.pages.get_mut(page) {
                ops.push(Op::LinkAnnotation { link });
            }
        }
    }
}

/// Longest run of characters without a space laid out in the PDF; the rest of such a token
/// is cut (the full value is in report.json), so layout time and page count stay linear in
/// the text and bounded per token.
pub const MAX_TOKEN_CHARS: usize = 300;

/// Most characters of one text laid out in the PDF.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// `text` with every unbroken token cut to [`MAX_TOKEN_CHARS`] and the whole to
/// [`MAX_TEXT_CHARS`], each cut saying how much was left out.
pub fn bounded_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    let mut run = 0usize;
    let mut total = 0usize;
    let fits = text.chars().all(|c| {
        total += 1;
        run = if c.is_whitespace() { 0 } else { run + 1 };
        run <= MAX_TOKEN_CHARS && total <= MAX_TEXT_CHARS
    });
    if fits {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::new();
    let (mut run, mut shown, mut cut) = (0usize, 0usize, 0usize);
    let flush = |out: &mut String, cut: &mut usize| {
        if *cut > 0 {
            out.push_str(&format!("… (+{cut} characters)"));
            *cut = 0;
        }
    };
    for c in text.chars() {
        if shown >= MAX_TEXT_CHARS {
            cut += 1;
            continue;
        }
        if c.is_whitespace() {
            flush(&mut out, &mut cut);
            run = 0;
        } else {
            run += 1;
            if run > MAX_TOKEN_CHARS {
                cut += 1;
                continue;
            }
        }
        out.push(c);
        shown += 1;
    }
    flush(&mut out, &mut cut);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_tokens_are_cut_by_a_bounded_rule() {
        assert_eq!(bounded_tokens("a b"), "a b");
        let long = "x".repeat(30_000);
        let text = format!("id {long} end");
        let cut = bounded_tokens(&text);
        assert!(cut.starts_with("id xxx"));
        assert!(
            cut.ends_with("… (+29700 characters) end"),
            "{}",
            &cut[cut.len() - 40..]
        );
        let many = "word ".repeat(10_000);
        assert!(bounded_tokens(&many).chars().count() < MAX_TEXT_CHARS + 40);
    }
}
