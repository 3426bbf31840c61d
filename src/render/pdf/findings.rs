//! Findings with evidence and remediation (bounded per check: the view lists the first
//! subjects and counts the rest), manual items, and passed checks.

use super::fonts::Face;
use super::layout::{
    ink, line_color, muted, severity_color, status_color, Cell, Layout, Row, MARGIN_X, TEXT_W,
};
/// Non-passing subjects of a check shown with their whole evidence; the next ones (up to the
/// view's limit) are listed one row each in a compact table.
const DETAIL_LIMIT: usize = 3;

use crate::render::view::{CheckView, FindingView, View};

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
            "Checks that did not pass, worst first. Each finding names the subject, where it was observed, the value seen and what was expected; the remediation follows. Every observation was collected during the run ({}).",
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
        check(l, c);
    }
}

fn check(l: &mut Layout, c: &CheckView) {
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
        .map(|n| format!("{} {}", n.name, n.count))
        .collect();
    let mut meta = format!("Items: {}", c.items.join(", "));
    if !c.peers.is_empty() {
        meta.push_str(&format!(" · peers: {}", c.peers.join(", ")));
    }
    meta.push_str(&format!(" · findings: {}", counts.join(", ")));
    l.paragraph(Face::Regular, 8.0, muted(), &meta, MARGIN_X, TEXT_W);
    l.space(3.0);
    if c.findings.is_empty() {
        l.paragraph(Face::Regular, 9.0, ink(), &c.message, MARGIN_X, TEXT_W);
    } else {
        // The first subjects with their full evidence, the rest one row each: an auditor
        // sees what the evidence looks like, and the document stays short.
        let (blocks, rest) = c.findings.split_at(c.findings.len().min(DETAIL_LIMIT));
        for f in blocks {
            finding_block(l, f);
        }
        if !rest.is_empty() {
            l.paragraph(
                Face::Regular,
                8.5,
                ink(),
                &format!(
                    "{} other subjects did not pass; one row each (every observation is in report.json).",
                    rest.len()
                ),
                MARGIN_X,
                TEXT_W,
            );
            let rows: Vec<Row> = rest
                .iter()
                .map(|f| {
                    let obs = f
                        .observations
                        .iter()
                        .find(|o| !o.holds)
                        .or(f.observations.first())
                        .map(|o| format!("{} = {} (expected {})", o.path, o.observed, o.expected))
                        .unwrap_or_else(|| f.message.clone());
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
                    ("Status", 0.11),
                    ("Subject", 0.32),
                    ("Location", 0.2),
                    ("Observed", 0.37),
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
    l.code_block(&c.remediation, 7.5);
    if c.passed_total > 0 {
        l.paragraph(
            Face::Regular,
            8.0,
            muted(),
            &format!(
                "{} subject(s) passed this check (listed in findings.csv and report.json).",
                c.passed_total
            ),
            MARGIN_X,
            TEXT_W,
        );
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
    l.paragraph(Face::Regular, 8.0, muted(), &text, x, TEXT_W - w - 6.0);
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
    if !f.observations.is_empty() {
        let rows: Vec<Row> = f
            .observations
            .iter()
            .map(|o| {
                let observed = if o.note.is_empty() {
                    o.observed.clone()
                } else {
                    format!("{} ({})", o.observed, o.note)
                };
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
                ("Source", 0.34),
                ("Path", 0.22),
                ("Observed", 0.26),
                ("Expected", 0.18),
            ],
            &rows,
            7.0,
        );
    } else {
        l.space(4.0);
    }
}

pub(super) fn manual(l: &mut Layout, view: &View) {
    l.heading(1, "Manual items", Some("manual"));
    l.paragraph(
        Face::Regular,
        9.0,
        muted(),
        "No automated check decides these items; they are never reported as pass. An auditor assesses each with the instructions given.",
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
                let audit = if i.audit.is_empty() {
                    i.message.clone()
                } else {
                    i.audit.clone()
                };
                Row::Cells(vec![
                    Cell::bold(i.id.clone()),
                    Cell::text(i.title.clone()),
                    Cell::mono(audit),
                ])
            })
            .collect();
        l.table(
            &[("Item", 0.08), ("Title", 0.34), ("How to assess", 0.58)],
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
        "Checks that held on every subject in scope, or had nothing in scope (with the reason).",
        MARGIN_X,
        TEXT_W,
    );
    l.space(4.0);
    let rows: Vec<Row> = view
        .passed
        .iter()
        .map(|c| {
            let subjects = if c.passed_total == 0 && c.finding_total == 0 {
                c.message.clone()
            } else {
                format!("{} subject(s) passed", c.passed_total)
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
