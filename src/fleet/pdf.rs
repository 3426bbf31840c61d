//! `fleet.pdf`: the fleet report for people, laid out with the report's own PDF engine
//! ([`crate::render::pdf::layout`]): totals, latest scores per cluster, the worst items
//! across the fleet, each cluster's trend, and the folders that were not counted.

use printpdf::{PdfDocument, PdfPage, PdfSaveOptions};

use crate::fleet::{delta_text, html::WORST_SHOWN, score_text, Fleet};
use crate::render::pdf::fonts::{Face, Fonts};
use crate::render::pdf::layout::{ink, muted, rgb, Cell, Layout, Row, MARGIN_X, TEXT_W};
use crate::render::RenderError;

/// Renders the fleet as PDF.
pub fn render(fleet: &Fleet) -> Result<Vec<u8>, RenderError> {
    let mut doc = PdfDocument::new("Fleet compliance report");
    let fonts = Fonts::load(&mut doc)?;
    let mut l = Layout::new(&fonts);
    let frameworks = fleet.framework_ids();

    l.new_page();
    l.anchor("top");
    l.y += 10.0;
    l.text(
        MARGIN_X,
        l.y + 22.0,
        Face::Bold,
        22.0,
        ink(),
        "Fleet compliance report",
    );
    l.y += 34.0;
    let intro = format!(
        "{} cluster(s), {} run(s) counted, {} folder(s) rejected. Staleness measured at {} (stale after {}). Every run was verified against its MANIFEST.json before it was counted. Score = 100 × (pass + waived) ÷ (pass + waived + fail + warn + error).",
        fleet.totals.clusters,
        fleet.totals.runs,
        fleet.totals.rejected,
        fleet.as_of,
        fleet.stale_after
    );
    l.paragraph(Face::Regular, 10.0, ink(), &intro, MARGIN_X, TEXT_W);
    l.space(6.0);
    let totals = [
        ("Clusters", fleet.totals.clusters),
        ("Runs counted", fleet.totals.runs),
        ("Stale clusters", fleet.totals.stale),
        ("Coverage incomplete", fleet.totals.coverage_incomplete),
        ("Rejected folders", fleet.totals.rejected),
    ];
    let rows: Vec<Row> = totals
        .iter()
        .map(|(k, v)| Row::Cells(vec![Cell::text(*k), Cell::bold(v.to_string())]))
        .collect();
    l.table(&[("Fleet", 0.5), ("Count", 0.5)], &rows, 9.5);

    l.heading(1, "Clusters: latest scores", Some("clusters"));
    let fw_share = (0.52 / frameworks.len().max(1) as f32).min(0.13);
    let mut columns: Vec<(&str, f32)> = vec![("Cluster", 0.17), ("Latest run", 0.16)];
    for (id, _) in &frameworks {
        columns.push((id.as_str(), fw_share));
    }
    columns.push(("Attention", 0.67 - fw_share * frameworks.len() as f32));
    let rows: Vec<Row> = fleet
        .clusters
        .iter()
        .map(|c| {
            let when = c.latest.started_at.replacen('T', " ", 1);
            let mut cells = vec![Cell::bold(&c.name), Cell::mono(when)];
            for (id, _) in &frameworks {
                cells.push(match c.frameworks.iter().find(|f| f.id == *id) {
                    Some(f) => Cell::text(
                        format!(
                            "{} {}",
                            score_text(f.summary.score),
                            paren(&delta_text(f.delta))
                        )
                        .trim()
                        .to_string(),
                    ),
                    None => Cell::text("—").colored(muted()),
                });
            }
            let why = fleet.attention(c);
            cells.push(if why.is_empty() {
                Cell::text("—").colored(muted())
            } else {
                Cell::text(why.join("; ")).colored(rgb(198, 40, 40))
            });
            Row::Cells(cells)
        })
        .collect();
    l.table(&columns, &rows, 7.5);

    l.heading(1, "Worst items across the fleet", Some("worst"));
    if fleet.worst_items.is_empty() {
        l.paragraph(
            Face::Regular,
            10.0,
            ink(),
            "No item fails on any cluster's newest run.",
            MARGIN_X,
            TEXT_W,
        );
    } else {
        l.paragraph(
            Face::Regular,
            10.0,
            ink(),
            "Framework items failing on the most clusters (newest run of each).",
            MARGIN_X,
            TEXT_W,
        );
        let rows: Vec<Row> = fleet
            .worst_items
            .iter()
            .take(WORST_SHOWN)
            .map(|w| {
                Row::Cells(vec![
                    Cell::mono(&w.framework),
                    Cell::mono(&w.item),
                    Cell::text(&w.title),
                    Cell::bold(format!("{} of {}", w.failing_clusters, w.of_clusters)),
                    Cell::text(w.clusters.join(", ")),
                ])
            })
            .collect();
        l.table(
            &[
                ("Framework", 0.13),
                ("Item", 0.17),
                ("Title", 0.36),
                ("Failing on", 0.1),
                ("Clusters", 0.24),
            ],
            &rows,
            8.5,
        );
        let more = fleet.worst_items.len().saturating_sub(WORST_SHOWN);
        if more > 0 {
            l.paragraph(
                Face::Regular,
                9.0,
                muted(),
                &format!("{more} more item(s) in fleet.json and fleet.csv."),
                MARGIN_X,
                TEXT_W,
            );
        }
    }

    l.heading(1, "Trend per cluster", Some("trend"));
    for c in &fleet.clusters {
        l.heading(2, &c.name, None);
        for why in fleet.attention(c) {
            l.paragraph(Face::Bold, 9.5, rgb(198, 40, 40), &why, MARGIN_X, TEXT_W);
        }
        for s in &c.coverage_failures_listed {
            l.paragraph(Face::Mono, 8.0, muted(), s, MARGIN_X + 8.0, TEXT_W - 8.0);
        }
        let mut columns: Vec<(&str, f32)> = vec![("Run start (UTC)", 0.25)];
        for (id, _) in &frameworks {
            columns.push((id.as_str(), 0.6 / frameworks.len().max(1) as f32));
        }
        columns.push(("Not read", 0.15));
        let rows: Vec<Row> = c
            .runs
            .iter()
            .rev()
            .map(|r| {
                let mut cells = vec![Cell::mono(&r.started_at)];
                for (id, _) in &frameworks {
                    cells.push(Cell::text(
                        r.scores
                            .get(id)
                            .map_or_else(|| "—".into(), |s| score_text(*s)),
                    ));
                }
                cells.push(Cell::text(r.coverage_failures.to_string()));
                Row::Cells(cells)
            })
            .collect();
        l.table(&columns, &rows, 8.5);
    }

    l.heading(1, "Rejected folders", Some("rejected"));
    if fleet.rejected.is_empty() {
        l.paragraph(
            Face::Regular,
            10.0,
            ink(),
            "Every folder found was intact and counted.",
            MARGIN_X,
            TEXT_W,
        );
    } else {
        l.paragraph(
            Face::Regular,
            10.0,
            ink(),
            "These folders were found but not counted: a run is counted only when every file matches its MANIFEST.json.",
            MARGIN_X,
            TEXT_W,
        );
        let rows: Vec<Row> = fleet
            .rejected
            .iter()
            .map(|r| Row::Cells(vec![Cell::mono(&r.path), Cell::text(&r.reason)]))
            .collect();
        l.table(&[("Folder", 0.4), ("Why", 0.6)], &rows, 8.5);
    }

    for page in 0..l.pages.len() {
        let left = format!("kubeattest fleet · as of {}", fleet.as_of);
        l.footer(page, &left);
    }
    l.link_ops();
    let pages = std::mem::take(&mut l.pages)
        .into_iter()
        .map(|ops| PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops))
        .collect();
    doc.with_pages(pages);
    let when = chrono::DateTime::parse_from_rfc3339(&fleet.as_of)
        .map(|d| d.timestamp())
        .unwrap_or(0);
    let date = printpdf::OffsetDateTime::from_unix_timestamp(when)
        .map_err(|e| RenderError::Pdf(e.to_string()))?;
    let info = &mut doc.metadata.info;
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
    info.author = format!("kubeattest {}", fleet.tool_version);
    info.creator = info.author.clone();
    info.producer = info.author.clone();
    info.subject = "Fleet compliance report".into();
    let opts = PdfSaveOptions {
        subset_fonts: false,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    Ok(doc.save(&opts, &mut warnings))
}

fn paren(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("({s})")
    }
}
