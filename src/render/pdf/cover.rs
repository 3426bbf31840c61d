//! The cover page, the table of contents, and the header and footer of every other page.

use super::fonts::Face;
use super::layout::{ink, line_color, muted, rgb, Layout, MARGIN_X, PAGE_W, TEXT_W};
use crate::render::view::View;

pub(super) fn cover(l: &mut Layout, view: &View) {
    l.new_page();
    l.rect(0.0, 0.0, PAGE_W, 215.0, rgb(28, 36, 48));
    l.text(
        MARGIN_X,
        75.0,
        Face::Regular,
        12.0,
        rgb(180, 190, 205),
        "kubeattest · compliance evidence",
    );
    l.y = 100.0;
    for line in l
        .fonts
        .wrap(Face::Bold, 26.0, "Kubernetes compliance report", TEXT_W)
    {
        let b = l.y + 26.0;
        l.text(MARGIN_X, b, Face::Bold, 26.0, rgb(255, 255, 255), &line);
        l.y += 32.0;
    }
    for line in l.fonts.wrap(Face::Bold, 20.0, &view.cluster, TEXT_W) {
        let b = l.y + 20.0;
        l.text(MARGIN_X, b, Face::Bold, 20.0, rgb(144, 202, 249), &line);
        l.y += 26.0;
    }
    // Facts at 9 pt so preparer, identity and the scope statement fit with the scores.
    l.y = 240.0;
    let label_w = 120.0;
    for f in &view.cover {
        let lines = l.fonts.wrap(Face::Regular, 9.0, &f.value, TEXT_W - label_w);
        let b = l.y + 9.0;
        l.text(MARGIN_X, b, Face::Regular, 9.0, muted(), &f.label);
        for line in lines {
            let b = l.y + 9.0;
            l.text(MARGIN_X + label_w, b, Face::Regular, 9.0, ink(), &line);
            l.y += 12.0;
        }
        l.y += 2.0;
    }
    l.y += 12.0;
    // Scores at a glance.
    for fw in &view.frameworks {
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
        l.y += 18.0;
        super::summary::stacked_bar(l, MARGIN_X, TEXT_W, 10.0, &fw.counts);
        l.y += 18.0;
    }
    l.y += 6.0;
    l.paragraph(
        Face::Regular,
        8.5,
        muted(),
        &format!(
            "Score = {}. Every verdict in this document is rendered from report.json of this run; the appendix lists the SHA-256 of every other file of the bundle. Generated {}.",
            view.score_formula, view.generated_at
        ),
        MARGIN_X,
        TEXT_W,
    );
}

pub(super) fn table_of_contents(l: &mut Layout, toc: &[(u8, String, String)], toc_pages: usize) {
    for (chunk_i, chunk) in toc.chunks(super::TOC_PER_PAGE).enumerate() {
        let page = 1 + chunk_i;
        if page > toc_pages {
            break;
        }
        let mut y = super::layout::TOP;
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
            y += 36.0;
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
            y += if *level == 1 { 17.0 } else { 14.5 };
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
