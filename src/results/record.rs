//! `report.json` as it is read: what the file may leave out, filled back in.
//!
//! Since schema 2.2 a report does not repeat what it already says elsewhere:
//! - a finding names its subject by its index in `subjects` (the pass subjects first, then
//!   the subjects of the other findings, each once), where 2.1 wrote the subject in full;
//! - a finding gives its severity only when it differs from its check's;
//! - a check gives its message only when it says more than its counts
//!   ([`Counts::summary`](super::Counts::summary));
//! - a framework item gives its message only when it differs from the one its status and
//!   its checks' verdicts give ([`item_message`]);
//! - counts leave out zeros.
//!
//! An empty message therefore reads as the one derived (no report of ours holds an empty
//! message where a derived one is not empty).
//!
//! Reports of schema 1.x, 2.0 and 2.1 (every subject and severity in full) read through the
//! same path, so the model is the same whichever version was read.

use foldhash::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::{
    item_message, CheckResult, Finding, FrameworkResult, Observation, Part, Passed, Report, Run,
    Status, Subject,
};
use crate::catalog::Severity;

/// A report as read, before indexes and omitted values are resolved.
#[derive(Deserialize)]
pub(super) struct ReportRecord {
    schema_version: String,
    run: Run,
    coverage: Vec<crate::inventory::Coverage>,
    checks: Vec<CheckResult>,
    findings: Vec<FindingRecord>,
    #[serde(default)]
    subjects: Vec<Subject>,
    #[serde(default)]
    passed: Vec<Passed>,
    frameworks: Vec<FrameworkResult>,
    #[serde(default)]
    exceptions: Vec<crate::exceptions::ExceptionResult>,
    #[serde(default)]
    attestations: Vec<crate::attestations::AttestationResult>,
    #[serde(default)]
    breakdown: crate::ownership::Breakdown,
    #[serde(default)]
    exposure: Option<crate::exposure::Exposure>,
}

#[derive(Deserialize)]
struct FindingRecord {
    check: String,
    status: Status,
    #[serde(default)]
    severity: Option<Severity>,
    subject: SubjectRecord,
    #[serde(default)]
    observations: Vec<Observation>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    waiver: Option<Box<crate::exceptions::Waiver>>,
    #[serde(default)]
    unassessed: bool,
}

/// A subject in full (schema ≤ 2.1), or its index in `subjects` (2.2).
#[derive(Deserialize)]
#[serde(untagged)]
enum SubjectRecord {
    Index(u32),
    Inline(Subject),
}

/// Why a report could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A finding names a subject the table does not hold.
    #[error("findings[{finding}] names subject {index}, but `subjects` holds {len}; the report is truncated or was edited by hand")]
    SubjectOutOfRange {
        /// Position of the finding.
        finding: usize,
        /// The index it gives.
        index: u32,
        /// Subjects in the table.
        len: usize,
    },
    /// A finding gives no severity and its check is not in `checks`.
    #[error("findings[{finding}] of check `{check}` gives no severity and `checks` has no such check; add the check or the finding's severity")]
    NoSeverity {
        /// Position of the finding.
        finding: usize,
        /// Its check id.
        check: String,
    },
}

impl TryFrom<ReportRecord> for Report {
    type Error = RecordError;

    fn try_from(r: ReportRecord) -> Result<Report, RecordError> {
        let severity: HashMap<&str, Severity> = r
            .checks
            .iter()
            .map(|c| (c.id.as_str(), c.severity))
            .collect();
        // One shared subject per index, as the findings of one object share it in a scan.
        let mut shared: Vec<Option<Arc<Subject>>> = vec![None; r.subjects.len()];
        let mut findings = Vec::with_capacity(r.findings.len());
        for (i, f) in r.findings.into_iter().enumerate() {
            let subject = match f.subject {
                SubjectRecord::Inline(s) => Arc::new(s),
                SubjectRecord::Index(index) => {
                    let slot = shared.get_mut(index as usize).ok_or({
                        RecordError::SubjectOutOfRange {
                            finding: i,
                            index,
                            len: r.subjects.len(),
                        }
                    })?;
                    slot.get_or_insert_with(|| Arc::new(r.subjects[index as usize].clone()))
                        .clone()
                }
            };
            let severity = match f.severity {
                Some(s) => s,
                None => *severity
                    .get(f.check.as_str())
                    .ok_or_else(|| RecordError::NoSeverity {
                        finding: i,
                        check: f.check.clone(),
                    })?,
            };
            findings.push(Finding {
                check: f.check,
                status: f.status,
                severity,
                subject,
                observations: f.observations,
                message: f.message,
                waiver: f.waiver,
                unassessed: f.unassessed,
            });
        }
        drop(shared);
        // The model's table holds only the pass subjects; the findings' own follow them.
        let mut subjects = r.subjects;
        let used = r
            .passed
            .iter()
            .flat_map(|p| p.subjects.iter())
            .map(|i| *i as usize + 1)
            .max()
            .unwrap_or(0);
        subjects.truncate(used);
        let mut checks = r.checks;
        for c in checks.iter_mut().filter(|c| c.message.is_empty()) {
            c.message = c.counts.summary();
        }
        let mut frameworks = r.frameworks;
        let verdicts: HashMap<&str, Part> = checks
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    Part {
                        status: c.status,
                        message: c.message.as_str(),
                        unassessed: c.unassessed.as_deref(),
                    },
                )
            })
            .collect();
        for item in frameworks.iter_mut().flat_map(|f| f.items.iter_mut()) {
            if item.message.is_empty() {
                item.message = item_message(item.status, item.automated, &item.checks, |id| {
                    verdicts.get(id).copied()
                });
            }
        }
        Ok(Report {
            schema_version: r.schema_version,
            run: r.run,
            coverage: r.coverage,
            checks,
            findings,
            subjects,
            passed: r.passed,
            frameworks,
            exceptions: r.exceptions,
            attestations: r.attestations,
            breakdown: r.breakdown,
            exposure: r.exposure,
        })
    }
}
