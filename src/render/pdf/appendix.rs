//! The appendix: scope and run facts, coverage, and the SHA-256 of the other bundle files.

use super::fonts::Face;
use super::layout::{ink, muted, Cell, Layout, Row, MARGIN_X, TEXT_W};
use crate::render::view::View;

pub(super) fn appendix(l: &mut Layout, view: &View, bundle: &[crate::manifest::ManifestEntry]) {
    l.heading(
        1,
        "Appendix: scope, coverage and bundle hashes",
        Some("appendix"),
    );
    l.heading(2, "Scope and run", None);
    let rows: Vec<Row> = view
        .cover
        .iter()
        .map(|f| {
            Row::Cells(vec![
                Cell::text(f.label.clone()).colored(muted()),
                Cell::mono(f.value.clone()),
            ])
        })
        .collect();
    l.table(&[("Fact", 0.25), ("Value", 0.75)], &rows, 8.0);
    l.heading(2, "Coverage", None);
    l.paragraph(
        Face::Regular,
        8.5,
        ink(),
        &if view.coverage_failures > 0 {
            format!("{} source(s) could not be read; checks depending on them report error, never pass.", view.coverage_failures)
        } else {
            "Every source was read.".to_string()
        },
        MARGIN_X,
        TEXT_W,
    );
    let rows: Vec<Row> = view
        .coverage
        .iter()
        .map(|c| {
            Row::Cells(vec![
                Cell::mono(c.source.clone()),
                if c.failure {
                    Cell::badge("error")
                } else {
                    Cell::text(c.status.clone())
                },
                Cell::text(c.items.to_string()),
                Cell::text(c.error.clone()),
            ])
        })
        .collect();
    l.table(
        &[
            ("Source", 0.4),
            ("Status", 0.13),
            ("Items", 0.09),
            ("Why", 0.38),
        ],
        &rows,
        8.0,
    );
    if view.coverage_more > 0 {
        l.paragraph(
            Face::Regular,
            8.0,
            muted(),
            &format!(
                "… and {} more source(s) read, listed in report.json (coverage).",
                view.coverage_more
            ),
            MARGIN_X,
            TEXT_W,
        );
    }
    l.heading(2, "Bundle files", None);
    l.rich_paragraph(
        8.5,
        ink(),
        "SHA-256 of every other file of this report folder at the time this PDF was rendered (`MANIFEST.json` lists this PDF too). Verify with `sha256sum` or `kubeattest verify`.",
        MARGIN_X,
        TEXT_W,
    );
    let rows: Vec<Row> = bundle
        .iter()
        .map(|e| {
            Row::Cells(vec![
                Cell::mono(e.name.clone()),
                Cell::text(e.size.to_string()),
                Cell::mono(e.sha256.clone()),
            ])
        })
        .collect();
    if rows.is_empty() {
        l.paragraph(
            Face::Regular,
            8.5,
            muted(),
            "No other file was rendered with this PDF.",
            MARGIN_X,
            TEXT_W,
        );
    } else {
        l.table(
            &[("File", 0.2), ("Bytes", 0.12), ("SHA-256", 0.68)],
            &rows,
            7.5,
        );
    }
}
