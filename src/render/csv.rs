//! `findings.csv`: one row per finding (check × subject), for spreadsheets and GRC tools.
//!
//! Each row names the framework items its check decides (`items`: `cis-1.12 5.2.2;
//! pss-baseline privileged`), so a failing subject is listed once however many frameworks
//! ask about it; filter `items` to see one control. A check that found nothing to look at
//! gets one row with its status and reason; a manual item (no check) gets one row with its
//! audit instructions. Passes are listed as the report holds them (compact at the default
//! detail; counted in one row at `summary`). A check's remediation is written in full once,
//! in report.json; rows that did not pass carry its first line.
//!
//! `subject_namespace`, `subject_node` and `owner` group rows by namespace, node and owner
//! (see [`crate::ownership`]). The owner is recorded only on findings that did not pass
//! (cost follows failures), so pass rows leave it empty (`(no owner)` when none was found); per-owner totals with passes are in
//! report.json `breakdown` and the HTML/PDF "By owner" table.
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
//! carriage return) are prefixed with `'`, as OWASP advises against CSV injection: object
//! names and observed values come from the cluster and are attacker-controlled.

use std::collections::HashMap;

use crate::render::RenderError;
use crate::results::{CheckResult, Finding, Listed, Observation, Report, Status, Subject};

const HEADER: &[&str] = &[
    "status",
    "severity",
    "check",
    "items",
    "subject_kind",
    "subject_namespace",
    "subject_name",
    "file",
    "line",
    "observed",
    "expected",
    "source",
    "message",
    "remediation",
    "waiver_justification",
    "waiver_approver",
    "waiver_ticket",
    "waiver_expires",
    "waiver_source",
    "subject_node",
    "owner",
];

fn observed(obs: &[Observation]) -> String {
    obs.iter()
        .map(|o| {
            let v = if o.observed.is_null() {
                "(not set)".to_string()
            } else {
                crate::checks::condition::render(&o.observed)
            };
            format!("{}={v}", o.path)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn join(obs: &[Observation], f: impl Fn(&Observation) -> &str) -> String {
    let mut v: Vec<&str> = obs.iter().map(f).collect();
    v.dedup();
    v.join("; ")
}

/// A cell made safe to open in a spreadsheet: a leading formula character gets a `'`.
pub fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// The first line of a remediation: what to do, in short (the full text is in report.json).
fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// The waiver columns of a row no exception waived.
const NO_WAIVER: [&str; 5] = ["", "", "", "", ""];

/// The node and owner columns of a row about a check or item as a whole.
const NO_GROUPS: [&str; 2] = ["", ""];

struct Rows<W: std::io::Write> {
    w: csv::Writer<W>,
}

impl<W: std::io::Write> Rows<W> {
    fn row(&mut self, cells: &[&str]) -> Result<(), RenderError> {
        for c in cells {
            self.w.write_field(cell(c).as_bytes())?;
        }
        self.w.write_record(std::iter::empty::<&[u8]>())?;
        Ok(())
    }

    /// One row about a check as a whole (no subject listed).
    fn check_row(
        &mut self,
        check: &CheckResult,
        items: &str,
        status: Status,
        message: &str,
    ) -> Result<(), RenderError> {
        let remediation = if status == Status::Pass {
            ""
        } else {
            first_line(&check.remediation)
        };
        let mut row = vec![
            status.as_str(),
            check.severity.as_str(),
            check.id.as_str(),
            items,
        ];
        row.extend(["", "", "", "", "", "", "", ""]);
        row.extend([message, remediation]);
        row.extend(NO_WAIVER);
        row.extend(NO_GROUPS);
        self.row(&row)
    }

    /// One row for a compact pass: its check and subject, nothing observed.
    fn pass_row(
        &mut self,
        check: &CheckResult,
        items: &str,
        s: &Subject,
    ) -> Result<(), RenderError> {
        let line = s.line.map(|l| l.to_string()).unwrap_or_default();
        let mut row = vec![
            Status::Pass.as_str(),
            check.severity.as_str(),
            check.id.as_str(),
            items,
            s.kind.as_str(),
            s.namespace.as_deref().unwrap_or_default(),
            s.name.as_str(),
            s.file.as_deref().unwrap_or_default(),
            line.as_str(),
        ];
        row.extend(["", "", "", "", ""]);
        row.extend(NO_WAIVER);
        // Passes are never given an owner (see the module doc).
        row.extend([s.node.as_deref().unwrap_or_default(), ""]);
        self.row(&row)
    }

    fn finding_row(
        &mut self,
        check: &CheckResult,
        items: &str,
        f: &Finding,
        grouped: bool,
    ) -> Result<(), RenderError> {
        // Owners are recorded on what did not pass, and left out when none was found.
        let owner = match (&f.subject.owner, f.status) {
            (Some(o), _) => o.as_str(),
            (None, Status::Pass) => "",
            (None, _) if grouped => crate::ownership::NO_OWNER,
            (None, _) => "",
        };
        let line = f.subject.line.map(|l| l.to_string()).unwrap_or_default();
        let observed = observed(&f.observations);
        let expected = join(&f.observations, |o| o.expected.as_str());
        let source = join(&f.observations, |o| o.source.as_str());
        let remediation = if f.status == Status::Pass {
            ""
        } else {
            first_line(&check.remediation)
        };
        let w = f.waiver.as_deref();
        let expires = w.map(|w| w.expires.to_string()).unwrap_or_default();
        self.row(&[
            f.status.as_str(),
            f.severity.as_str(),
            f.check.as_str(),
            items,
            f.subject.kind.as_str(),
            f.subject.namespace.as_deref().unwrap_or_default(),
            f.subject.name.as_str(),
            f.subject.file.as_deref().unwrap_or_default(),
            line.as_str(),
            observed.as_str(),
            expected.as_str(),
            source.as_str(),
            f.message.as_str(),
            remediation,
            w.map_or("", |w| w.justification.as_str()),
            w.map_or("", |w| w.approver.as_str()),
            w.and_then(|w| w.ticket.as_deref()).unwrap_or_default(),
            expires.as_str(),
            w.map_or("", |w| w.source.as_str()),
            f.subject.node.as_deref().unwrap_or_default(),
            owner,
        ])
    }
}

/// Writes the findings as CSV, streaming from the report's findings (no copy of them).
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), RenderError> {
    let mut rows = Rows {
        w: csv::Writer::from_writer(out),
    };
    rows.w.write_record(HEADER)?;
    // The framework items each check decides, written once per row as `fw item; …`.
    let items: HashMap<&str, String> = report
        .items_by_check(" ")
        .into_iter()
        .map(|(k, v)| (k, v.join("; ")))
        .collect();
    let listing = report.listing();
    let grouped = !report.breakdown.is_empty();
    for check in &report.checks {
        let decides = items.get(check.id.as_str()).map_or("", String::as_str);
        if check.counts.total() == 0 {
            rows.check_row(check, decides, check.status, &check.message)?;
        }
        let mut listed = 0;
        for entry in listing.of(check) {
            match entry {
                Listed::Finding(f) => {
                    listed += usize::from(f.status == Status::Pass);
                    rows.finding_row(check, decides, f, grouped)?;
                }
                Listed::Pass(_, subject) => {
                    listed += 1;
                    rows.pass_row(check, decides, subject)?;
                }
            }
        }
        let unlisted = check.counts.pass.saturating_sub(listed);
        if unlisted > 0 {
            let note = format!(
                "{unlisted} subject(s) passed (not listed: report written with --detail summary)"
            );
            rows.check_row(check, decides, Status::Pass, &note)?;
        }
    }
    for fw in &report.frameworks {
        for item in fw.items.iter().filter(|i| i.checks.is_empty()) {
            let id = format!("{} {}", fw.id, item.id);
            let title = match &item.attestation {
                Some(a) => format!("{} ({}: {})", item.title, a.label(), a.statement.trim()),
                None => format!("{} (assess by hand)", item.title),
            };
            let audit = item.audit.as_deref().unwrap_or_default().trim();
            let mut row = vec![item.status.as_str(), "", "", id.as_str()];
            row.extend(["", "", "", "", "", "", "", ""]);
            row.extend([title.as_str(), audit]);
            row.extend(NO_WAIVER);
            row.extend(NO_GROUPS);
            rows.row(&row)?;
        }
    }
    rows.w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for s in ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cell(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(cell("--anonymous-auth=false"), "'--anonymous-auth=false");
        for s in ["web", "", "1.2.3", "a=b"] {
            assert_eq!(cell(s), s);
        }
    }

    #[test]
    fn first_line_skips_blank_lines() {
        assert_eq!(first_line("\n  Set x.\nThen y."), "Set x.");
        assert_eq!(first_line(""), "");
    }
}
