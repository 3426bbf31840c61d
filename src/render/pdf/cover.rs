//! The cover page, the table of contents, and the header and footer of every other page.
//!
//! The cover flows: facts, score bars or the closing note that do not fit on the first page
//! continue on the next one (under a "continued" line), never below the page edge; the
//! table of contents then starts on a page of its own.

use std::ops::Range;

use super::fonts::Face;
use super::layout::{
    ink, line_color, muted, rgb, Layout, BOTTOM, MARGIN_X, PAGE_H, PAGE_W, TEXT_W, TOP,
};
use crate::render::view::View;

/// The lowest point of the cover's content on its first page, which has no footer.
const COVER_BOTTOM: f32 = PAGE_H - 40.0;

/// Breaks the cover onto a new page unless `h` more points fit, and says on the new page
/// that the cover continues. `first` is the cover's first page.
fn cover_room(l: &mut Layout, first: usize, h: f32) {
    let bottom = if l.page() == first {
        COVER_BOTTOM
    } else {
        BOTTOM
    };
    if l.y + h <= bottom {
        return;
    }
    l.new_page();
    let b = l.y + 9.0;
    l.text(
        MARGIN_X,
        b,
        Face::Regular,
        9.0,
        muted(),
        "Kubernetes compliance report: cover, continued",
    );
    l.y += 22.0;
}

pub(super) fn cover(l: &mut Layout, view: &View) {
    l.new_page();
    let first = l.page();
    let title = l
        .fonts
        .wrap(Face::Bold, 26.0, "Kubernetes compliance report", TEXT_W);
    let cluster = l.fonts.wrap(Face::Bold, 20.0, &view.cluster, TEXT_W);
    // The dark band holds the title and the cluster name, however many lines the name takes.
    let band = (100.0 + 32.0 * title.len() as f32 + 26.0 * cluster.len() as f32 + 15.0).max(215.0);
    l.rect(0.0, 0.0, PAGE_W, band, rgb(28, 36, 48));
    l.text(
        MARGIN_X,
        75.0,
        Face::Regular,
        12.0,
        rgb(180, 190, 205),
        "kubeattest · compliance evidence",
    );
    l.y = 100.0;
    for line in title {
        let b = l.y + 26.0;
        l.text(MARGIN_X, b, Face::Bold, 26.0, rgb(255, 255, 255), &line);
        l.y += 32.0;
    }
    for line in cluster {
        let b = l.y + 20.0;
        l.text(MARGIN_X, b, Face::Bold, 20.0, rgb(144, 202, 249), &line);
        l.y += 26.0;
    }
    // Facts at 9 pt so preparer, identity and the scope statement fit with the scores.
    l.y = band + 17.0;
    let label_w = 120.0;
    for f in &view.cover {
        let lines = l.fonts.wrap(Face::Regular, 9.0, &f.value, TEXT_W - label_w);
        // A short value stays with its label; a long one breaks between its lines.
        cover_room(l, first, 12.0 * lines.len().min(3) as f32);
        let b = l.y + 9.0;
        l.text(MARGIN_X, b, Face::Regular, 9.0, muted(), &f.label);
        for line in lines {
            cover_room(l, first, 12.0);
            let b = l.y + 9.0;
            l.text(MARGIN_X + label_w, b, Face::Regular, 9.0, ink(), &line);
            l.y += 12.0;
        }
        l.y += 2.0;
    }
    l.y += 10.0;
    // Scores at a glance, kept together when they fit on one page; each framework's name,
    // score and bar always are.
    let scores_h = 31.0 * view.frameworks.len() as f32 - 5.0;
    cover_room(l, first, scores_h.min(BOTTOM - TOP - 40.0));
    for fw in &view.frameworks {
        cover_room(l, first, 26.0);
        let b = l.y + 11.0;
        l.text(
            MARGIN_X,
            b,
            Face::Bold,
            11.0,
            ink(),
            &format!("{} {}", fw.title, fw.version),
        );
        l.text(
            PAGE_W - MARGIN_X - 60.0,
            b,
            Face::Bold,
            14.0,
            ink(),
            &fw.score,
        );
        l.y += 16.0;
        super::summary::stacked_bar(l, MARGIN_X, TEXT_W, 10.0, &fw.counts);
        l.y += 15.0;
    }
    l.y += 6.0;
    // The closing note, kept in one piece.
    let size = 8.5;
    let lh = size * 1.35;
    let note = l.fonts.wrap(
        Face::Regular,
        size,
        &format!(
            "Score = {}. Every verdict in this document is rendered from report.json of this run; the appendix lists the SHA-256 of every other file of the bundle. Generated {}.",
            view.score_formula, view.generated_at
        ),
        TEXT_W,
    );
    cover_room(l, first, lh * note.len() as f32);
    for line in note {
        let b = l.y + size;
        l.text(MARGIN_X, b, Face::Regular, size, muted(), &line);
        l.y += lh;
    }
}

/// Height of one table of contents line.
fn toc_line_height(level: u8) -> f32 {
    if level == 1 {
        17.0
    } else {
        14.5
    }
}

/// Space above the first line of the contents (the "Contents" heading and its rule).
const TOC_HEAD: f32 = 36.0;

/// The table of contents split into pages: the entries of each page, as index ranges.
pub(super) fn toc_pages(toc: &[(u8, String, String)]) -> Vec<Range<usize>> {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut y = TOP + TOC_HEAD;
    for (i, (level, _, _)) in toc.iter().enumerate() {
        let h = toc_line_height(*level);
        if y + h > BOTTOM && i > start {
            pages.push(start..i);
            start = i;
            y = TOP;
        }
        y += h;
    }
    if start < toc.len() || pages.is_empty() {
        pages.push(start..toc.len());
    }
    pages
}

/// Draws the table of contents on the pages from `first` on, one page per range of
/// [`toc_pages`] (added, empty, before the chapters were laid out).
pub(super) fn table_of_contents(
    l: &mut Layout,
    toc: &[(u8, String, String)],
    pages: &[Range<usize>],
    first: usize,
) {
    for (chunk_i, range) in pages.iter().enumerate() {
        let page = first + chunk_i;
        let Some(chunk) = toc.get(range.clone()) else {
            continue;
        };
        let mut y = TOP;
        if chunk_i == 0 {
            l.text_on(
                page,
                MARGIN_X,
                y + 18.0,
                Face::Bold,
                18.0,
                ink(),
                "Contents",
            );
            let (a, b) = (y + 26.0, y + 26.0);
            l.line_on(page, MARGIN_X, a, PAGE_W - MARGIN_X, b, 1.2, ink());
            y += TOC_HEAD;
        }
        for (level, title, anchor) in chunk {
            let Some((target, _)) = l.anchors.get(anchor).copied() else {
                continue;
            };
            let (face, size, indent) = if *level == 1 {
                (Face::Bold, 10.5, 0.0)
            } else {
                (Face::Regular, 9.0, 16.0)
            };
            let num = (target + 1).to_string();
            let num_w = l.fonts.width(face, size, &num);
            let avail = TEXT_W - indent - 40.0;
            let mut t = l.fonts.clean(face, title);
            while l.fonts.width(face, size, &t) > avail && t.chars().count() > 4 {
                t.pop();
                while l.fonts.width(face, size, &format!("{t}…")) > avail && t.chars().count() > 4
                {
                    t.pop();
                }
                t.push('…');
            }
            l.text_on(page, MARGIN_X + indent, y + size, face, size, ink(), &t);
            l.text_on(
                page,
                PAGE_W - MARGIN_X - num_w,
                y + size,
                face,
                size,
                ink(),
                &num,
            );
            let tw = l.fonts.width(face, size, &t);
            let dots_from = MARGIN_X + indent + tw + 6.0;
            let dots_to = PAGE_W - MARGIN_X - num_w - 6.0;
            if dots_to > dots_from {
                l.line_on(
                    page,
                    dots_from,
                    y + size,
                    dots_to,
                    y + size,
                    0.4,
                    line_color(),
                );
            }
            l.links
                .push((page, [MARGIN_X, y, TEXT_W, size * 1.5], anchor.clone()));
            y += toc_line_height(*level);
        }
    }
}

pub(super) fn header_footer(l: &mut Layout, view: &View) {
    let total = l.pages.len();
    for page in 1..total {
        let head = format!("kubeattest · {}", view.cluster);
        l.text_on(page, MARGIN_X, 30.0, Face::Regular, 8.0, muted(), &head);
        let right = "Kubernetes compliance report";
        let w = l.fonts.width(Face::Regular, 8.0, right);
        l.text_on(
            page,
            PAGE_W - MARGIN_X - w,
            30.0,
            Face::Regular,
            8.0,
            muted(),
            right,
        );
        l.line_on(
            page,
            MARGIN_X,
            36.0,
            PAGE_W - MARGIN_X,
            36.0,
            0.5,
            line_color(),
        );
        let gen = format!("Generated {} · run {}", view.generated_at, run_id(view));
        l.footer(page, &gen);
    }
}

fn run_id(view: &View) -> String {
    view.cover
        .iter()
        .find(|f| f.label == "Run id")
        .map(|f| f.value.clone())
        .unwrap_or_default()
}
