//! The last page: the figures a reviewer signs, the bundle digest, and blanks for the
//! reviewer's name, role, date and signature.

use super::fonts::Face;
use super::layout::{ink, line_color, muted, Cell, Layout, Row, MARGIN_X, TEXT_W};
use crate::render::view::View;

pub(super) fn sign_off(l: &mut Layout, view: &View) {
    let s = &view.sign_off;
    l.heading(1, "Sign-off", Some("sign-off"));
    l.paragraph(
        Face::Regular,
        9.0,
        ink(),
        &format!(
            "The reviewer signs that this document was reviewed as rendered from report.json of run {} of {}, with the figures below.",
            view.sign_off.figures.last().map_or("", |f| f.value.as_str()),
            view.cluster
        ),
        MARGIN_X,
        TEXT_W,
    );
    l.space(4.0);
    let rows: Vec<Row> = s
        .figures
        .iter()
        .map(|f| {
            Row::Cells(vec![
                Cell::text(f.label.clone()).colored(muted()),
                Cell::text(f.value.clone()),
            ])
        })
        .collect();
    l.table(&[("Figure", 0.3), ("Value", 0.7)], &rows, 8.5);
    l.heading(2, "Bundle digest", None);
    if s.digest.is_empty() {
        l.paragraph(
            Face::Regular,
            8.5,
            muted(),
            "No other file was rendered with this PDF, so there is no bundle digest.",
            MARGIN_X,
            TEXT_W,
        );
    } else {
        l.paragraph(
            Face::Regular,
            8.5,
            ink(),
            &format!(
                "SHA-256 over the manifest entries (one \"name size sha256\" line each) of {}:",
                s.digest_files
            ),
            MARGIN_X,
            TEXT_W,
        );
        l.code_block(&s.digest, 9.0);
    }
    l.heading(2, "Reviewer", None);
    l.space(8.0);
    for blank in &s.blanks {
        l.ensure(40.0);
        let y = l.y + 26.0;
        l.text(MARGIN_X, y, Face::Regular, 10.0, muted(), blank);
        let page = l.page();
        l.line_on(
            page,
            MARGIN_X + 110.0,
            y + 2.0,
            MARGIN_X + TEXT_W,
            y + 2.0,
            0.8,
            line_color(),
        );
        l.y += 40.0;
    }
}
