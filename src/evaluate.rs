//! catalog × inventory → report: runs every check the selected frameworks use, rolls items
//! up (worst status wins, no check = manual), and orders everything deterministically.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{Catalog, Check, Framework};
use crate::checks::{Context, Outcome};
use crate::inventory::Inventory;
use crate::results::{
    CatalogRef, CheckResult, Finding, FrameworkResult, ItemResult, Report, Run, Scope,
    SectionResult, Status, Summary, Tool, SCHEMA_VERSION,
};

/// How a run was started, for the report's `run` section.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Unique run id.
    pub id: String,
    /// UTC start, RFC 3339.
    pub started_at: String,
    /// Inputs as given.
    pub sources: Vec<String>,
    /// Namespaces included.
    pub namespaces: Vec<String>,
    /// Namespaces excluded.
    pub excluded_namespaces: Vec<String>,
    /// Accepted risks to apply.
    pub exceptions: Vec<crate::exceptions::Exception>,
}

/// The current UTC time, RFC 3339 with seconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs the checks of `frameworks` over the inventory.
pub fn evaluate(
    catalog: &Catalog,
    inventory: &Inventory,
    frameworks: &[&Framework],
    info: RunInfo,
) -> Report {
    let ctx = Context::new(inventory, catalog);
    let wanted: BTreeSet<&str> = frameworks
        .iter()
        .flat_map(|f| f.items.iter())
        .flat_map(|i| i.checks.iter().map(String::as_str))
        .collect();
    let mut findings: Vec<Finding> = Vec::new();
    // Checks in catalog order, each once, however many items use it; each check's findings
    // are one contiguous run of `findings`. They are evaluated in parallel across cores;
    // `collect` keeps catalog order, so the output does not depend on the schedule.
    let mut runs: Vec<(&Check, std::ops::Range<usize>, String)> = Vec::new();
    let selected: Vec<&Check> = catalog
        .checks
        .iter()
        .filter(|c| wanted.contains(c.id.as_str()))
        .collect();
    let outcomes: Vec<Outcome> = {
        use rayon::prelude::*;
        selected
            .par_iter()
            .map(|check| run_check(check, &ctx).1)
            .collect()
    };
    for (check, outcome) in selected.into_iter().zip(outcomes) {
        let start = findings.len();
        // Cluster-scoped objects (RBAC bindings, nodes) are always read; findings about
        // subjects in namespaces outside the requested scope are not reported.
        findings.extend(
            outcome
                .findings
                .into_iter()
                .filter(|f| in_scope(inventory, f)),
        );
        runs.push((check, start..findings.len(), outcome.empty_reason));
    }
    let today = chrono::DateTime::parse_from_rfc3339(&info.started_at)
        .map(|t| t.date_naive())
        .unwrap_or_else(|_| chrono::Utc::now().date_naive());
    let exception_results = crate::exceptions::apply(&mut findings, &info.exceptions, today);
    let mut checks = Vec::new();
    let mut check_status: BTreeMap<String, (Status, String)> = BTreeMap::new();
    for (check, range, empty_reason) in runs {
        let own = &findings[range];
        let status = Status::worst(own.iter().map(|f| f.status)).unwrap_or(Status::NotApplicable);
        let message = summarize(own, status, &empty_reason);
        check_status.insert(check.id.clone(), (status, message.clone()));
        checks.push(CheckResult {
            id: check.id.clone(),
            title: check.title.clone(),
            severity: check.severity,
            status,
            message,
            remediation: check.remediation.clone(),
            peers: check.peers.clone(),
        });
    }
    let framework_results: Vec<FrameworkResult> = frameworks
        .iter()
        .map(|fw| roll_up(fw, &check_status))
        .collect();
    Report {
        schema_version: SCHEMA_VERSION.into(),
        run: Run {
            id: info.id,
            tool: Tool {
                name: env!("CARGO_PKG_NAME").into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            catalog: CatalogRef {
                version: catalog.version.clone(),
                digest: catalog.digest.clone(),
            },
            started_at: info.started_at,
            finished_at: now(),
            target: inventory.target.clone(),
            scope: Scope {
                frameworks: frameworks.iter().map(|f| f.id.clone()).collect(),
                sources: info.sources,
                namespaces: info.namespaces,
                excluded_namespaces: info.excluded_namespaces,
            },
        },
        coverage: inventory.coverage.clone(),
        checks,
        findings,
        frameworks: framework_results,
        exceptions: exception_results,
    }
}

/// Whether a finding's subject lies in the inventory's namespace scope.
fn in_scope(inventory: &Inventory, f: &Finding) -> bool {
    let Some(ns) = f.subject.namespace.as_deref() else {
        return true;
    };
    (inventory.namespaces.is_empty() || inventory.namespaces.iter().any(|n| n == ns))
        && !inventory.excluded_namespaces.iter().any(|n| n == ns)
}

/// Evaluates one check: its overall status (worst of its findings; not_applicable when it
/// found nothing to look at) and its findings in subject order.
pub fn run_check(check: &Check, ctx: &Context) -> (Status, Outcome) {
    let mut outcome = check.assertion.evaluate(check, ctx);
    let extra = crate::checks::node_scope::inconsistencies(check, &outcome.findings, ctx);
    outcome.findings.extend(extra);
    outcome.findings.sort_by(|a, b| a.subject.cmp(&b.subject));
    let status =
        Status::worst(outcome.findings.iter().map(|f| f.status)).unwrap_or(Status::NotApplicable);
    (status, outcome)
}

/// One sentence on a check's overall result.
fn summarize(findings: &[Finding], status: Status, empty_reason: &str) -> String {
    if findings.is_empty() {
        return empty_reason.to_string();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.status.as_str()).or_default() += 1;
    }
    if findings.len() == 1 || status == Status::Error && counts.len() == 1 {
        return findings[0].message.clone();
    }
    let parts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|s| {
            counts
                .get(s.as_str())
                .map(|n| format!("{n} {}", s.as_str()))
        })
        .collect();
    format!("{} subject(s): {}", findings.len(), parts.join(", "))
}

/// Rolls a framework's items up from their checks.
fn roll_up(fw: &Framework, checks: &BTreeMap<String, (Status, String)>) -> FrameworkResult {
    let items: Vec<ItemResult> = fw
        .items
        .iter()
        .map(|item| {
            let (status, message) = if item.checks.is_empty() {
                (
                    Status::Manual,
                    "no automated check: assess by hand (see the audit instructions)".to_string(),
                )
            } else {
                let results: Vec<(&String, &(Status, String))> = item
                    .checks
                    .iter()
                    .filter_map(|c| checks.get(c).map(|r| (c, r)))
                    .collect();
                let worst = Status::worst(results.iter().map(|(_, (s, _))| *s))
                    .unwrap_or(Status::NotApplicable);
                let message = results
                    .iter()
                    .filter(|(_, (s, _))| *s == worst)
                    .map(|(id, (_, m))| format!("{id}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                (worst, message)
            };
            ItemResult {
                id: item.id.clone(),
                title: item.title.clone(),
                section: item.section.clone(),
                status,
                checks: item.checks.clone(),
                automated: item.automated,
                profile: item.profile.clone(),
                audit: item.audit.clone(),
                message,
            }
        })
        .collect();
    FrameworkResult {
        id: fw.id.clone(),
        title: fw.title.clone(),
        version: fw.version.clone(),
        summary: Summary::from_statuses(items.iter().map(|i| i.status)),
        sections: fw
            .sections
            .iter()
            .map(|s| SectionResult {
                id: s.id.clone(),
                title: s.title.clone(),
                parent: s.parent.clone(),
            })
            .collect(),
        items,
    }
}
