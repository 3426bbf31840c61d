//! Findings with evidence and remediation (bounded per check: the view lists the first
//! subjects and counts the rest), manual items, and passed checks.

use super::fonts::Face;
use super::layout::{
    ink, line_color, muted, severity_color, status_color, Cell, Layout, Row, MARGIN_X, TEXT_W,
};
/// Non-passing subjects of a critical or high check shown with their whole evidence; the
/// next ones (up to the view's limit), and every subject of a medium or low check, are
/// listed one row each in a compact table. findings.csv and report.json keep the rest.
const DETAIL_LIMIT: usize = 2;

/// Whether a check of this severity gets full evidence blocks and its whole remediation
/// (examples included) in the PDF.
fn in_full(severity: &str) -> bool {
    matches!(severity, "critical" | "high")
}

use crate::render::prose;
use crate::render::view::{CheckView, Fact, FindingView, ObservationView, View};

pub(super) fn findings(l: &mut Layout, view: &View) {
    l.heading(
        1,
        "Findings with evidence and remediation",
        Some("findings"),
    );
    l.paragraph(
        Face::Regular,
        9.0,
        muted(),
        &format!(
            "Checks that did not pass, worst first. Each finding names the subject, where it was observed, the value seen and what was expected; the remediation follows. Subjects that passed are counted in each check's heading and listed in findings.csv and report.json. Every observation was collected during the run ({}).",
            view.cover.iter().find(|f| f.label == "Run").map(|f| f.value.as_str()).unwrap_or("")
        ),
        MARGIN_X,
        TEXT_W,
    );
    if view.problems.is_empty() {
        l.paragraph(
            Face::Regular,
            10.0,
            ink(),
            "No check failed.",
            MARGIN_X,
            TEXT_W,
        );
    }
    for c in &view.problems {
        check(l, c, view.full_detail);
    }
}

/// The sentence above a check's compact table: how many subjects it lists out of how many
/// did not pass (`shown` with full evidence above it, `listed` in it, `more` in neither),
/// and where the others are; every count is true whatever the limits.
fn compact_intro(shown: usize, listed: usize, more: usize) -> String {
    match (shown, more) {
        (0, 0) => format!(
            "{listed} subject(s) did not pass; one row each, with what was seen (their evidence is in report.html and report.json)."
        ),
        (0, _) => format!(
            "The first {listed} of the {} subjects that did not pass, one row each, with what was seen; all are in findings.csv and report.json.",
            listed + more
        ),
        (_, 0) => format!(
            "{listed} other subject(s) did not pass; one row each (their evidence is in report.html and report.json)."
        ),
        _ => format!(
            "The next {listed} of the {} other subjects that did not pass, one row each; all are in findings.csv and report.json.",
            listed + more
        ),
    }
}

/// One failing check; `full` (`--detail full`) shows every listed subject with its evidence,
/// the whole remediation, and names the subjects that passed.
fn check(l: &mut Layout, c: &CheckView, full: bool) {
    l.y += 8.0;
    l.ensure(90.0);
    l.rule(0.8, line_color());
    l.y += 6.0;
    l.anchor(format!("check-{}", c.id));
    let y = l.y;
    let w = l.badge(MARGIN_X, y, &c.status, 8.0);
    let sev = c.severity.to_uppercase();
    l.text(
        MARGIN_X + w + 6.0,
        y + 9.0,
        Face::Bold,
        8.5,
        severity_color(&c.severity),
        &sev,
    );
    let sw = l.fonts.width(Face::Bold, 8.5, &sev);
    l.text(
        MARGIN_X + w + 12.0 + sw,
        y + 9.0,
        Face::Mono,
        8.5,
        muted(),
        &c.id,
    );
    l.y += 16.0;
    l.paragraph(Face::Bold, 11.0, ink(), &c.title, MARGIN_X, TEXT_W);
    let counts: Vec<String> = c
        .counts
        .iter()
        .map(|n| format!("{} {}", n.name.replace('_', " "), n.count))
        .collect();
    let mut meta = format!("Items: {}", c.items.join(", "));
    if !c.peers.is_empty() {
        meta.push_str(&format!(" · peers: {}", c.peers.join(", ")));
    }
    meta.push_str(&format!(" · findings: {}", counts.join(", ")));
    l.paragraph(Face::Regular, 8.0, muted(), &meta, MARGIN_X, TEXT_W);
    l.space(3.0);
    if !c.unread_text.is_empty() {
        l.paragraph(
            Face::Regular,
            9.0,
            status_color("error"),
            &c.unread_text,
            MARGIN_X,
            TEXT_W,
        );
    }
    if c.findings.is_empty() {
        if c.unread_text.is_empty() {
            l.rich_paragraph(9.0, ink(), &c.message, MARGIN_X, TEXT_W);
        }
    } else {
        // The first subjects with their full evidence, the rest one row each: an auditor
        // sees what the evidence looks like, and the document stays short.
        let detail = if full {
            c.findings.len()
        } else if in_full(&c.severity) {
            DETAIL_LIMIT
        } else {
            0
        };
        let (blocks, rest) = c.findings.split_at(c.findings.len().min(detail));
        for f in blocks {
            finding_block(l, f);
        }
        if !rest.is_empty() {
            let intro = compact_intro(blocks.len(), rest.len(), c.more_findings);
            l.paragraph(Face::Regular, 8.5, ink(), &intro, MARGIN_X, TEXT_W);
            let rows: Vec<Row> = rest
                .iter()
                .map(|f| {
                    // The finding's own sentence, in words (rule 9): field paths and raw values
                    // stay in report.json. Its subject has the next column.
                    let words = prose::plain(&f.message);
                    let obs = words
                        .strip_prefix(f.subject.as_str())
                        .and_then(|w| w.strip_prefix(": "))
                        .map_or_else(|| words.clone(), str::to_string);
                    let obs = if f.waiver.is_empty() {
                        obs
                    } else {
                        format!("{obs}\n{}", f.waiver)
                    };
                    Row::Cells(vec![
                        Cell::badge(&f.status),
                        Cell::mono(f.subject.clone()),
                        Cell::mono(f.location.clone()).colored(muted()),
                        Cell::mono(obs),
                    ])
                })
                .collect();
            l.table(
                &[
                    ("Status", 0.1),
                    // Wide enough for `folder/file.yaml:123` on one line.
                    ("Subject", 0.31),
                    ("Location", 0.21),
                    ("Observed", 0.38),
                ],
                &rows,
                7.0,
            );
        }
    }
    if c.more_findings > 0 {
        l.paragraph(
            Face::Regular,
            8.0,
            muted(),
            &format!(
                "… and {} more subject(s) that did not pass, listed with their evidence in findings.csv and report.json.",
                c.more_findings
            ),
            MARGIN_X,
            TEXT_W,
        );
    }
    l.space(2.0);
    l.ensure(30.0);
    l.paragraph(Face::Bold, 9.0, ink(), "Remediation", MARGIN_X, TEXT_W);
    if full || in_full(&c.severity) {
        catalog_text(l, &c.remediation);
    } else {
        // The first paragraph; the examples are in report.html.
        let first = prose::blocks(&c.remediation)
            .into_iter()
            .find(|b| b.kind == "prose")
            .map(|b| b.text)
            .unwrap_or_default();
        l.rich_paragraph(8.5, ink(), &first, MARGIN_X, TEXT_W);
    }
    // At the default detail the heading's counts say how many passed (the chapter's
    // introduction says where they are listed); `--detail full` names them.
    if full && !c.passed.is_empty() {
        let names: Vec<String> = c.passed.iter().map(|f| f.subject.clone()).collect();
        let more = if c.more_passed > 0 {
            format!(" … and {} more in findings.csv", c.more_passed)
        } else {
            String::new()
        };
        let text = format!(
            "{} subject(s) passed this check: {}{more}.",
            c.passed_total,
            names.join(", ")
        );
        l.paragraph(Face::Regular, 8.0, muted(), &text, MARGIN_X, TEXT_W);
    }
}

fn finding_block(l: &mut Layout, f: &FindingView) {
    l.ensure(40.0);
    let y = l.y;
    let w = l.badge(MARGIN_X, y, &f.status, 7.0);
    let x = MARGIN_X + w + 6.0;
    let lines = l.fonts.wrap(Face::Mono, 8.5, &f.subject, TEXT_W - w - 6.0);
    for (i, line) in lines.iter().enumerate() {
        l.text(x, y + 8.5 + i as f32 * 11.0, Face::Mono, 8.5, ink(), line);
    }
    l.y += 11.0 * lines.len() as f32 + 2.0;
    let mut text = f.message.clone();
    if !f.location.is_empty() {
        text = format!("{} — {}", f.location, text);
    }
    l.rich_paragraph(8.0, muted(), &text, x, TEXT_W - w - 6.0);
    if !f.waiver.is_empty() {
        l.paragraph(
            Face::Regular,
            8.0,
            status_color("waived"),
            &f.waiver,
            x,
            TEXT_W - w - 6.0,
        );
    }
    if !f.expected.is_empty() {
        l.paragraph(
            Face::Regular,
            8.0,
            ink(),
            &format!("Expected: {}", f.expected),
            x,
            TEXT_W - w - 6.0,
        );
    }
    // Records (RBAC grant chains, certificates) get a table of their own fields; plain
    // values share one Source / Field / Observed / Expected table.
    let (records, values): (Vec<&ObservationView>, Vec<&ObservationView>) =
        f.observations.iter().partition(|o| !o.records.is_empty());
    // Where some observations hold and others do not, the row says which in words (colour
    // alone is lost in print and in extracted text).
    let mixed = f.observations.iter().any(|o| o.holds) && f.observations.iter().any(|o| !o.holds);
    let verdict = |o: &ObservationView| match (mixed, o.holds) {
        (false, _) => "",
        (true, true) => " [met]",
        (true, false) => " [not met]",
    };
    if !values.is_empty() {
        let rows: Vec<Row> = values
            .iter()
            .map(|o| {
                let observed = match (o.observed.is_empty(), o.note.is_empty()) {
                    (_, true) => o.observed.clone(),
                    (true, false) => o.note.clone(),
                    (false, false) => format!("{} ({})", o.observed, o.note),
                };
                let observed = format!("{observed}{}", verdict(o));
                Row::Cells(vec![
                    Cell::mono(o.source.clone()),
                    Cell::mono(o.path.clone()),
                    Cell::mono(observed).colored(if o.holds {
                        ink()
                    } else {
                        status_color("fail")
                    }),
                    Cell::mono(o.expected.clone()),
                ])
            })
            .collect();
        l.table(
            &[
                ("Source", 0.26),
                ("Field", 0.24),
                ("Observed", 0.32),
                ("Expected", 0.18),
            ],
            &rows,
            7.0,
        );
    }
    if !records.is_empty() {
        record_tables(l, &records);
    }
    if f.more_observations > 0 {
        l.paragraph(
            Face::Regular,
            7.5,
            muted(),
            &format!(
                "… and {} more observation(s) in report.json.",
                f.more_observations
            ),
            MARGIN_X,
            TEXT_W,
        );
    }
    l.space(4.0);
}

/// Observations that are one record each with the same fields (the grants of one subject)
/// share one table, a column per field; otherwise each record (a certificate) is a
/// two-column table of its own.
fn record_tables(l: &mut Layout, records: &[&ObservationView]) {
    fn single(o: &ObservationView) -> Option<&[Fact]> {
        match o.records.as_slice() {
            [one] => Some(one.as_slice()),
            _ => None,
        }
    }
    fn labels(r: &[Fact]) -> Vec<&str> {
        r.iter().map(|f| f.label.as_str()).collect()
    }
    // Some records hold and others do not: each says which in words.
    let mixed = records.iter().any(|o| o.holds) && records.iter().any(|o| !o.holds);
    let rows_of: Vec<&[Fact]> = records.iter().filter_map(|o| single(o)).collect();
    let shared =
        rows_of.len() == records.len() && rows_of.iter().all(|r| labels(r) == labels(rows_of[0]));
    if shared {
        let first = labels(rows_of[0]);
        let value = |r: &[Fact], i: usize| r.get(i).map(|f| f.value.clone());
        // A field with one value in every row (the subject, already named above) is left out.
        let varies = |i: usize| rows_of.iter().any(|r| value(r, i) != value(rows_of[0], i));
        let keep: Vec<usize> = (0..first.len())
            .filter(|&i| varies(i) || first[i] != "Subject")
            .collect();
        if !keep.is_empty() && keep.len() <= 5 {
            let share = 0.8 / keep.len() as f32;
            let mut columns: Vec<(&str, f32)> = vec![("Source", 0.2)];
            columns.extend(keep.iter().map(|&i| (first[i], share)));
            let rows: Vec<Row> = records
                .iter()
                .zip(&rows_of)
                .map(|(o, r)| {
                    let color = if o.holds { ink() } else { status_color("fail") };
                    let source = match (mixed, o.holds) {
                        (false, _) => o.source.clone(),
                        (true, true) => format!("{} [met]", o.source),
                        (true, false) => format!("{} [not met]", o.source),
                    };
                    let mut cells = vec![Cell::mono(source)];
                    cells.extend(
                        keep.iter()
                            .filter_map(|&i| r.get(i))
                            .map(|f| Cell::mono(f.value.clone()).colored(color.clone())),
                    );
                    Row::Cells(cells)
                })
                .collect();
            l.table(&columns, &rows, 7.0);
            expected_line(l, records);
            return;
        }
    }
    for o in records {
        for (n, record) in o.records.iter().enumerate() {
            let mut rows = Vec::new();
            if n == 0 {
                rows.push(Row::Cells(vec![
                    Cell::bold("Source"),
                    Cell::mono(o.source.clone()),
                ]));
                if !o.path.is_empty() {
                    rows.push(Row::Cells(vec![
                        Cell::bold("Field"),
                        Cell::mono(o.path.clone()),
                    ]));
                }
                if mixed {
                    rows.push(Row::Cells(vec![
                        Cell::bold("Result"),
                        Cell::text(if o.holds { "met" } else { "not met" }.to_string()),
                    ]));
                }
            }
            rows.extend(record.iter().map(|f| {
                Row::Cells(vec![
                    Cell::bold(f.label.clone()),
                    Cell::mono(f.value.clone()),
                ])
            }));
            l.table(&[("Fact", 0.22), ("Value", 0.78)], &rows, 7.0);
        }
    }
    expected_line(l, records);
}

/// The expectation under a record table, unless the finding already said it once.
fn expected_line(l: &mut Layout, records: &[&ObservationView]) {
    if let Some(o) = records.iter().find(|o| o.expected != "as above") {
        l.paragraph(
            Face::Regular,
            7.5,
            muted(),
            &format!("Expected: {}", o.expected),
            MARGIN_X,
            TEXT_W,
        );
    }
}

/// Catalog text (remediation) as paragraphs with `code` spans and indented code blocks;
/// a paragraph that is only a label (`Bad:`) is bold.
fn catalog_text(l: &mut Layout, text: &str) {
    for b in prose::blocks(text) {
        if b.kind == "code" {
            l.code_block(&b.text, 7.5);
        } else if b.text.ends_with(':') && !b.text.contains(' ') {
            l.paragraph(Face::Bold, 8.0, ink(), &b.text, MARGIN_X, TEXT_W);
        } else {
            l.rich_paragraph(8.5, ink(), &b.text, MARGIN_X, TEXT_W);
            l.space(2.0);
        }
    }
}

pub(super) fn manual(l: &mut Layout, view: &View) {
    l.heading(1, "Manual items", Some("manual"));
    l.paragraph(
        Face::Regular,
        9.0,
        muted(),
        "A person decides these items: the benchmark marks them manual, or the automated checks could not settle them (nothing failed, but part was not or could not be assessed). They are never reported as pass. An auditor assesses each with the instructions given and can record the result with --attestations.",
        MARGIN_X,
        TEXT_W,
    );
    l.space(4.0);
    for fw in &view.frameworks {
        l.heading(
            2,
            &format!("{} {} — {} item(s)", fw.title, fw.version, fw.manual.len()),
            None,
        );
        let rows: Vec<Row> = fw
            .manual
            .iter()
            .map(|i| {
                // Why a person decides it, then how (the instructions, when the item has
                // them).
                let how = if i.audit.is_empty() {
                    i.why_manual.clone()
                } else {
                    format!("{}\n{}", i.why_manual, i.audit)
                };
                Row::Cells(vec![
                    Cell::bold(i.id.clone()),
                    Cell::text(i.title.clone()),
                    Cell::mono(prose::plain(&how)),
                ])
            })
            .collect();
        l.table(
            &[
                ("Item", 0.08),
                ("Title", 0.34),
                ("Why, and how to assess", 0.58),
            ],
            &rows,
            7.5,
        );
    }
}

pub(super) fn passed(l: &mut Layout, view: &View) {
    l.heading(1, "Passed checks", Some("passed"));
    l.paragraph(
        Face::Regular,
        9.0,
        muted(),
        "Checks with no failing subject: they held on every subject in scope, had nothing in scope, or leave the decision to a person (manual); each with the reason.",
        MARGIN_X,
        TEXT_W,
    );
    l.space(4.0);
    let rows: Vec<Row> = view
        .passed
        .iter()
        .map(|c| {
            // A manual or not-applicable check says why (its first finding's reason, else
            // the check's), not "0 subject(s) passed".
            let reason = c.findings.first().map_or(&c.message, |f| &f.message);
            let more = match c.finding_total {
                0 | 1 => String::new(),
                n => format!(" (and {} more finding(s) like it)", n - 1),
            };
            let subjects = match (c.passed_total, c.finding_total) {
                (0, 0) => c.message.clone(),
                (0, _) => format!("{reason}{more}"),
                (p, 0) => format!("{p} subject(s) passed"),
                (p, _) => format!("{p} subject(s) passed; {reason}{more}"),
            };
            Row::Cells(vec![
                Cell::text(c.pass_title.clone()),
                Cell::mono(c.id.clone()).colored(muted()),
                Cell::badge(&c.status),
                Cell::severity(&c.severity),
                Cell::text(subjects).colored(muted()),
            ])
        })
        .collect();
    for c in &view.passed {
        // Anchors so item tables can link here.
        l.anchors
            .entry(format!("check-{}", c.id))
            .or_insert((l.pages.len().saturating_sub(1), l.y));
    }
    l.table(
        &[
            ("Check", 0.33),
            ("Id", 0.27),
            ("Status", 0.13),
            ("Severity", 0.1),
            ("Subjects", 0.17),
        ],
        &rows,
        7.5,
    );
}

#[cfg(test)]
mod tests {
    use super::compact_intro;

    #[test]
    fn compact_intro_counts_every_subject_that_did_not_pass() {
        assert!(compact_intro(0, 7, 0).starts_with("7 subject(s) did not pass;"));
        assert!(compact_intro(2, 5, 0).starts_with("5 other subject(s) did not pass;"));
        let capped = compact_intro(0, 25, 5);
        assert!(
            capped.starts_with("The first 25 of the 30 subjects that did not pass"),
            "{capped}"
        );
        assert!(!capped.contains("report.html"), "{capped}");
        let capped = compact_intro(2, 23, 185);
        assert!(
            capped.starts_with("The next 23 of the 208 other subjects that did not pass"),
            "{capped}"
        );
        assert!(capped.contains("findings.csv and report.json"), "{capped}");
    }
}
