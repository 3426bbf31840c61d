//! Exceptions: accepted risks. Each names a check and the subjects it covers, with a
//! justification, an approver and an expiry date. A failing (or warning) finding that matches
//! a valid exception becomes `waived` and cites it; an expired exception waives nothing and
//! is reported as expired; an exception that matched nothing is reported as unused.
//!
//! ```yaml
//! exceptions:
//!   - check: host-network-namespace
//!     subject: { kind: DaemonSet, namespace: monitoring, name: node-exporter }  # `*` globs
//!     justification: node-exporter reads host network statistics by design.
//!     approver: jane.doe@example.com
//!     expires: 2027-06-30
//! ```
//!
//! The file is checked against the catalog: a `check` naming no known check, or a subject
//! `kind` that is not a Kubernetes kind, is an error with file:line; a `check` pattern that
//! matches more than one check (`'*'`, `pod-*`) is a blanket waiver and must say so with
//! `scope: all-checks`; such exceptions are marked `blanket` in the report.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::reader::Reader;
use crate::catalog::{Catalog, LoadError};
use crate::checks::path::glob_match as glob;
use crate::results::{Finding, Status, Subject};
use crate::yaml;

/// One exception as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    /// Check id it covers (`*` globs allowed).
    pub check: String,
    /// Kind pattern (`*` = any).
    pub kind: String,
    /// Namespace pattern (`*` = any).
    pub namespace: String,
    /// Name pattern (`*` = any).
    pub name: String,
    /// Why the risk is accepted.
    pub justification: String,
    /// Who accepted it.
    pub approver: String,
    /// Last day it is valid (inclusive).
    pub expires: NaiveDate,
    /// The change or risk ticket that records the acceptance, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// `file:line` where it is written.
    pub source: String,
    /// The check pattern covers more than one check (`scope: all-checks` was given).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blanket: bool,
}

/// Every problem found in an exceptions file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ExceptionErrors(pub Vec<LoadError>);

impl std::fmt::Display for ExceptionErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::catalog::write_file_problems(f, "exceptions", &self.0)
    }
}

/// Whether `kind` (a pattern) can name a Kubernetes kind: `*` globs, else CamelCase.
fn kind_pattern_ok(kind: &str) -> bool {
    kind.contains('*')
        || (kind.starts_with(|c: char| c.is_ascii_uppercase())
            && kind.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// How an exception was used in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionResult {
    /// The exception.
    #[serde(flatten)]
    pub exception: Exception,
    /// `applied`, `covered` (every finding it matches was waived by an earlier exception,
    /// named in `covered_by`: it waives them once that one expires), `unused` or `expired`.
    pub status: String,
    /// How many findings it waived (or would have, when expired or covered).
    pub matched: usize,
    /// The earlier exception (`file:line`) that waived what this one matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<String>,
}

/// The exception cited by a waived finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waiver {
    /// `file:line` of the exception.
    pub source: String,
    /// Why the risk is accepted.
    pub justification: String,
    /// Who accepted it.
    pub approver: String,
    /// Last valid day.
    pub expires: NaiveDate,
    /// The ticket recording the acceptance, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The status the finding had before the waiver.
    pub original_status: Status,
}

/// Reads an exceptions file and checks it against `catalog`; every problem is reported
/// with file and line.
pub fn load(path: &Path, catalog: &Catalog) -> Result<Vec<Exception>, ExceptionErrors> {
    let shown = path.display().to_string();
    let text = crate::collect::read_input(path)
        .map_err(|e| e.to_string())
        .and_then(|b| {
            String::from_utf8(b).map_err(|_| "not UTF-8 text; write it as YAML in UTF-8".into())
        })
        .map_err(|e| {
            ExceptionErrors(vec![LoadError {
                file: shown.clone(),
                line: 0,
                message: format!("cannot read exceptions file: {e}"),
            }])
        })?;
    let doc = yaml::parse_document(&text).map_err(|e| {
        ExceptionErrors(vec![LoadError {
            file: shown.clone(),
            line: e.line,
            message: format!("invalid YAML: {}", e.message),
        }])
    })?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut r = Reader {
        file: shown.clone(),
        errors: &mut errors,
    };
    r.known_keys(&doc, "an exceptions file", &["exceptions"]);
    for node in r.seq(&doc, "exceptions", "an exceptions file") {
        let what = "an exception";
        r.known_keys(
            node,
            what,
            &[
                "check",
                "scope",
                "subject",
                "justification",
                "approver",
                "expires",
                "ticket",
            ],
        );
        let check = r.string(node, "check", what);
        let scope = r.opt_string(node, "scope", what);
        let line_of = |key: &str| node.get(key).map_or(node.line, |n| n.line);
        let mut blanket = false;
        if let Some(pattern) = &check {
            let matched = catalog
                .checks
                .iter()
                .filter(|c| glob(pattern, &c.id))
                .count();
            let shown = crate::quote::quote(pattern);
            match (matched, scope.as_deref()) {
                (0, _) => r.error(
                    line_of("check"),
                    format!("`check: {shown}` names no known check; see `kubeattest controls list` or `kubeattest explain ID`"),
                ),
                (1, None) => {}
                (_, Some("all-checks")) => blanket = true,
                (n, None) => r.error(
                    line_of("check"),
                    format!("`check: {shown}` matches {n} checks: a blanket waiver must say so with `scope: all-checks`, or name one check"),
                ),
                (_, Some(other)) => r.error(
                    line_of("scope"),
                    format!("`scope: {}` is not known; the only scope is `all-checks`", crate::quote::quote(other)),
                ),
            }
        }
        let justification = r.string(node, "justification", what);
        let approver = r.string(node, "approver", what);
        let ticket = r.opt_string(node, "ticket", what);
        let expires = r.string(node, "expires", what).and_then(|s| {
            let parsed = NaiveDate::parse_from_str(&s, "%Y-%m-%d");
            if parsed.is_err() {
                let line = node.get("expires").map_or(node.line, |n| n.line);
                r.error(
                    line,
                    format!("`expires` must be a date YYYY-MM-DD, found `{s}`"),
                );
            }
            parsed.ok()
        });
        let (mut kind, mut namespace, mut name) =
            ("*".to_string(), "*".to_string(), "*".to_string());
        if let Some(subject) = node.get("subject") {
            r.known_keys(
                subject,
                "the subject of an exception",
                &["kind", "namespace", "name"],
            );
            kind = r.opt_string(subject, "kind", what).unwrap_or(kind);
            namespace = r
                .opt_string(subject, "namespace", what)
                .unwrap_or(namespace);
            name = r.opt_string(subject, "name", what).unwrap_or(name);
            if !kind_pattern_ok(&kind) {
                let line = subject.get("kind").map_or(subject.line, |n| n.line);
                r.error(
                    line,
                    format!(
                        "`kind: {}` is not a Kubernetes kind; kinds are CamelCase (e.g. `Deployment`), `*` globs",
                        crate::quote::quote(&kind)
                    ),
                );
            }
        }
        if let (Some(check), Some(justification), Some(approver), Some(expires)) =
            (check, justification, approver, expires)
        {
            out.push(Exception {
                check,
                kind,
                namespace,
                name,
                justification,
                approver,
                expires,
                ticket,
                source: format!("{shown}:{}", node.line),
                blanket,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ExceptionErrors(errors))
    }
}

impl Exception {
    fn matches(&self, f: &Finding) -> bool {
        let s: &Subject = &f.subject;
        glob(&self.check, &f.check)
            && glob(&self.kind, &s.kind)
            && glob(&self.namespace, s.namespace.as_deref().unwrap_or(""))
            && glob(&self.name, &s.name)
    }
}

/// Applies exceptions to findings valid on `today`; returns how each was used.
pub fn apply(
    findings: &mut [Finding],
    exceptions: &[Exception],
    today: NaiveDate,
) -> Vec<ExceptionResult> {
    let mut results: Vec<ExceptionResult> = exceptions
        .iter()
        .map(|e| ExceptionResult {
            exception: e.clone(),
            status: if e.expires < today {
                "expired"
            } else {
                "unused"
            }
            .into(),
            matched: 0,
            covered_by: None,
        })
        .collect();
    for f in findings.iter_mut() {
        if !matches!(f.status, Status::Fail | Status::Warn) {
            continue;
        }
        let mut waived_by: Option<String> = None;
        for r in results.iter_mut() {
            if !r.exception.matches(f) {
                continue;
            }
            r.matched += 1;
            if r.status == "expired" {
                continue;
            }
            // Already waived by an earlier exception: this one is counted, not cited.
            if let Some(first) = &waived_by {
                if r.status != "applied" {
                    r.status = "covered".into();
                    r.covered_by = Some(first.clone());
                }
                continue;
            }
            waived_by = Some(r.exception.source.clone());
            r.status = "applied".into();
            r.covered_by = None;
            f.waiver = Some(Box::new(Waiver {
                source: r.exception.source.clone(),
                justification: r.exception.justification.clone(),
                approver: r.exception.approver.clone(),
                expires: r.exception.expires,
                ticket: r.exception.ticket.clone(),
                original_status: f.status,
            }));
            f.status = Status::Waived;
        }
    }
    results
}
