//! The exceptions register: every exception given for the run (expired first, then applied,
//! then unused) with its justification, approver, ticket, expiry, source and the findings it
//! waived; and the loud notice of expired exceptions on the summary page.

use super::fonts::Face;
use super::layout::{ink, muted, rgb, Cell, Layout, Row, MARGIN_X, TEXT_W};
use crate::render::view::{View, FINDING_LIMIT};

/// The register chapter.
pub(super) fn register(l: &mut Layout, view: &View) {
    l.heading(1, "Exceptions register", Some("exceptions"));
    if view.exceptions.is_empty() {
        l.paragraph(
            Face::Regular,
            9.0,
            muted(),
            "No exceptions were given for this run (scan --exceptions FILE).",
            MARGIN_X,
            TEXT_W,
        );
        return;
    }
    let n = |s: &str| view.exceptions.iter().filter(|e| e.status == s).count();
    l.paragraph(
        Face::Regular,
        9.0,
        ink(),
        &format!(
            "{} exception(s) given: {} applied, {} expired (waived nothing), {} unused (matched no failing finding){}. An expired exception leaves its findings failing.",
            view.exceptions.len(),
            n("applied"),
            n("expired"),
            n("unused"),
            match n("covered") {
                0 => String::new(),
                c => format!(", {c} covered (what they match was waived by an earlier exception; they take over when it expires)"),
            }
        ),
        MARGIN_X,
        TEXT_W,
    );
    for e in &view.exceptions {
        l.ensure(90.0);
        l.space(6.0);
        entry_heading(
            l,
            &e.status,
            exception_colour(&e.status),
            &format!("{} — {}", e.check, e.subject),
        );
        let mut rows = vec![
            fact("Status", &e.status),
            fact("Justification", &e.justification),
            fact("Approver", &e.approver),
        ];
        if !e.ticket.is_empty() {
            rows.push(fact("Ticket", &e.ticket));
        }
        rows.push(fact("Expires", &e.expires));
        rows.push(fact("Source", &e.source));
        rows.push(fact(
            "Findings waived",
            &if e.status == "expired" {
                format!("none: expired; it would have matched {}", e.matched)
            } else if e.waived.is_empty() {
                "none".to_string()
            } else {
                let mut s = e.waived.join("; ");
                if e.more_waived > 0 {
                    s.push_str(&format!(
                        "; … and {} more in findings.csv (waiver_source)",
                        e.more_waived
                    ));
                }
                s
            },
        ));
        l.table(&[("Field", 0.2), ("Value", 0.8)], &rows, 8.0);
    }
    l.paragraph(
        Face::Regular,
        7.5,
        muted(),
        &format!("Each exception lists at most {FINDING_LIMIT} waived findings; findings.csv has one row per finding with its waiver_* columns."),
        MARGIN_X,
        TEXT_W,
    );
}

/// The colour of an exception's state, as in report.html: an applied exception in the
/// colour of the findings it waived, an expired or invalid one in that of the failures it
/// leaves, an unused or covered one grey.
fn exception_colour(state: &str) -> &'static str {
    match state {
        "applied" => "waived",
        "expired" | "invalid" => "fail",
        _ => "not_applicable",
    }
}

/// The colour of an attestation's state, as in report.html: applied in the colour of
/// attested items, unused grey, expired or invalid (the item stays manual) red.
fn attestation_colour(state: &str) -> &'static str {
    match state {
        "applied" => "attested",
        "unused" => "not_applicable",
        _ => "fail",
    }
}

/// The first line of a register entry: a badge naming its state (applied, expired, …; not
/// a finding status) and what it is about.
fn entry_heading(l: &mut Layout, state: &str, colour_of: &str, text: &str) {
    let y = l.y;
    let label = state.replace('_', " ").to_uppercase();
    let w = l.labelled_badge(MARGIN_X, y, &label, colour_of, 7.5);
    l.text(MARGIN_X + w + 6.0, y + 8.0, Face::Bold, 9.5, ink(), text);
    l.y += 14.0;
}

/// A status as words (`not_applicable` → `not applicable`).
fn words(status: &str) -> String {
    status.replace('_', " ")
}

fn fact(label: &str, value: &str) -> Row {
    Row::Cells(vec![
        Cell::text(label.to_string()).colored(muted()),
        Cell::text(value.to_string()),
    ])
}

/// A red box on the summary page naming every expired exception.
pub(super) fn expired_notice(l: &mut Layout, view: &View) {
    if view.expired_exceptions.is_empty() {
        return;
    }
    let lines: Vec<String> = view
        .expired_exceptions
        .iter()
        .map(|e| {
            format!(
                "{} on {} — expired {} (approver {}, {}); its findings are failing again.",
                e.check, e.subject, e.expires, e.approver, e.source
            )
        })
        .collect();
    let size = 8.5;
    let wrapped: Vec<String> = lines
        .iter()
        .flat_map(|t| l.fonts.wrap(Face::Regular, size, t, TEXT_W - 16.0))
        .collect();
    let h = 22.0 + wrapped.len() as f32 * size * 1.35 + 6.0;
    l.ensure(h);
    let y = l.y;
    l.rect(MARGIN_X, y, TEXT_W, h, rgb(253, 236, 234));
    l.rect(MARGIN_X, y, 4.0, h, rgb(198, 40, 40));
    l.text(
        MARGIN_X + 10.0,
        y + 14.0,
        Face::Bold,
        10.0,
        rgb(198, 40, 40),
        &format!(
            "{} EXPIRED EXCEPTION(S): they waive nothing",
            view.expired_exceptions.len()
        ),
    );
    let mut b = y + 22.0 + size;
    for line in wrapped {
        l.text(MARGIN_X + 10.0, b, Face::Regular, size, ink(), &line);
        b += size * 1.35;
    }
    l.y = y + h + 8.0;
}

/// The attestations given for the run, after the exceptions register.
pub(super) fn attestations(l: &mut Layout, view: &View) {
    // The heading stays with its introduction and the first entry.
    l.ensure(150.0);
    l.heading(2, "Attestations of manual items", Some("attestations"));
    if view.attestations.is_empty() {
        l.rich_paragraph(
            9.0,
            muted(),
            "No attestations were given (`scan --attestations FILE`; `kubeattest attest template --framework ID` writes one to fill in). Manual items stay manual.",
            MARGIN_X,
            TEXT_W,
        );
        return;
    }
    l.paragraph(
        Face::Regular,
        8.5,
        ink(),
        "A person's answer to a manual item. An applied attestation gives the item its result, marked ATT. in every table; an expired or invalid one leaves the item manual.",
        MARGIN_X,
        TEXT_W,
    );
    for a in &view.attestations {
        l.ensure(90.0);
        l.space(6.0);
        let about = if a.status == "applied" {
            format!("{} — attested {}", a.target, words(&a.result))
        } else {
            a.target.clone()
        };
        entry_heading(l, &a.status, attestation_colour(&a.status), &about);
        let mut rows = vec![
            fact("Result", &words(&a.result)),
            fact("Statement", &a.statement),
            fact("Evidence", &a.evidence),
            fact("Assessor", &a.assessor),
            fact("Assessed on", &a.date),
            fact("Expires", &a.expires),
            fact("Source", &a.source),
        ];
        if !a.items.is_empty() {
            rows.push(fact("Items answered", &a.items));
        }
        if !a.reason.is_empty() {
            rows.push(fact("Not applied because", &a.reason));
        }
        l.table(&[("Field", 0.2), ("Value", 0.8)], &rows, 8.0);
    }
}
