//! `findings.csv`: one row per framework item × subject, for spreadsheets and GRC tools.
//!
//! An item whose checks found nothing to look at gets one row with the check's status and
//! reason; a manual item gets one row with its audit instructions.

use crate::render::RenderError;
use crate::results::{Finding, Observation, Report};

const HEADER: &[&str] = &[
    "framework",
    "item",
    "item_title",
    "item_status",
    "status",
    "severity",
    "check",
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

/// Writes the findings as CSV.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), RenderError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for fw in &report.frameworks {
        for item in &fw.items {
            let base = [
                fw.id.as_str(),
                item.id.as_str(),
                item.title.as_str(),
                item.status.as_str(),
            ];
            if item.checks.is_empty() {
                let audit = item.audit.clone().unwrap_or_default();
                let mut row: Vec<String> = base.iter().map(|s| s.to_string()).collect();
                row.extend(["manual", "", "", "", "", "", "", "", "", "", ""].map(String::from));
                row.push(item.message.clone());
                row.push(audit);
                w.write_record(&row)?;
                continue;
            }
            for check_id in &item.checks {
                let Some(check) = report.check(check_id) else {
                    continue;
                };
                let findings: Vec<&Finding> = report.findings_of(check_id).collect();
                if findings.is_empty() {
                    let mut row: Vec<String> = base.iter().map(|s| s.to_string()).collect();
                    row.extend([
                        check.status.as_str().to_string(),
                        check.severity.as_str().to_string(),
                        check.id.clone(),
                    ]);
                    row.extend(["", "", "", "", "", "", "", ""].map(String::from));
                    row.push(check.message.clone());
                    row.push(check.remediation.clone());
                    w.write_record(&row)?;
                }
                for f in findings {
                    let mut row: Vec<String> = base.iter().map(|s| s.to_string()).collect();
                    row.extend([
                        f.status.as_str().to_string(),
                        f.severity.as_str().to_string(),
                        f.check.clone(),
                        f.subject.kind.clone(),
                        f.subject.namespace.clone().unwrap_or_default(),
                        f.subject.name.clone(),
                        f.subject.file.clone().unwrap_or_default(),
                        f.subject.line.map(|l| l.to_string()).unwrap_or_default(),
                        observed(&f.observations),
                        join(&f.observations, |o| o.expected.as_str()),
                        join(&f.observations, |o| o.source.as_str()),
                        f.message.clone(),
                        check.remediation.clone(),
                    ]);
                    w.write_record(&row)?;
                }
            }
        }
    }
    w.flush()?;
    Ok(())
}
