//! The report as people read it: what the HTML and PDF renderers lay out.
//!
//! Built from the [`Report`] alone (so `render report.json` reproduces a run's documents):
//! per framework the counts, score, a bar per section and the worst items first; per check
//! its findings grouped with their evidence; manual items; coverage. Every string here is
//! raw text — escaping is the renderer's job.
//!
//! The view is bounded by what failed, not by the size of the cluster: per check at most
//! [`FINDING_LIMIT`] non-passing subjects and [`PASSED_LIMIT`] passing ones are listed, the
//! rest counted ("… and N more in findings.csv"); counts come from `checks[].counts`, so no
//! finding is copied to compute them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::Severity;
use crate::inventory::Coverage;
use crate::render::prose;
use crate::results::{CheckResult, Counts, Finding, Report, Status};

/// Non-passing subjects listed per check (with their evidence); the rest are counted.
pub const FINDING_LIMIT: usize = 25;
/// Passing subjects listed per check; the rest are counted.
pub const PASSED_LIMIT: usize = 10;
/// Observations shown per finding (a subject granted the same thing through hundreds of
/// bindings has hundreds); the rest are counted and stay in report.json.
pub const OBSERVATION_LIMIT: usize = 20;
/// Sources listed in the coverage table (failures first); the rest are counted.
pub const COVERAGE_LIMIT: usize = 60;

/// Everything a document shows.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// Document title.
    pub title: String,
    /// Target cluster name.
    pub cluster: String,
    /// Cover facts, in order: label → value.
    pub cover: Vec<Fact>,
    /// When the report was produced (the run's end, UTC), so re-rendering is reproducible.
    pub generated_at: String,
    /// Frameworks.
    pub frameworks: Vec<FrameworkView>,
    /// Checks that did not pass (fail, error, warn, waived), worst first, with findings.
    pub problems: Vec<CheckView>,
    /// The report was written with `--detail full`: the PDF then shows every listed subject
    /// with its evidence and names the passing ones.
    pub full_detail: bool,
    /// Checks that passed or had nothing in scope, with their subjects.
    pub passed: Vec<CheckView>,
    /// Coverage: sources that failed first, then those read, at most [`COVERAGE_LIMIT`].
    pub coverage: Vec<CoverageView>,
    /// Every source read or failed.
    pub coverage_total: usize,
    /// Sources not listed in `coverage` (all in report.json).
    pub coverage_more: usize,
    /// Sources that could not be read.
    pub coverage_failures: usize,
    /// Total findings.
    pub finding_count: usize,
    /// Findings per status, report order.
    pub finding_counts: Vec<Count>,
    /// Failing findings per severity, critical first.
    pub severity_counts: Vec<Count>,
    /// The published score formula.
    pub score_formula: String,
    /// The sign-off block (last PDF page, end of the HTML).
    pub sign_off: SignOff,
    /// The exceptions register: every exception given, applied first.
    pub exceptions: Vec<ExceptionView>,
    /// Exceptions given that had expired at the run (listed loudly on the summary page).
    pub expired_exceptions: Vec<ExceptionView>,
    /// Attestations given: applied, expired, invalid, unused.
    pub attestations: Vec<AttestationView>,
    /// Results by owner, namespace and node.
    pub groups: crate::render::groups::GroupsView,
    /// The exposure inventory, bounded (absent for node-only scans and older reports).
    pub exposure: Option<crate::exposure::ExposureView>,
}

impl ItemView {
    /// The badge: the status, or `attested_<status>` when a person decided the item.
    pub fn badge(&self) -> String {
        if self.attested.is_empty() {
            self.status.clone()
        } else {
            format!("attested_{}", self.status)
        }
    }
}

/// One attestation, for the register.
#[derive(Debug, Clone, Serialize)]
pub struct AttestationView {
    /// `applied`, `expired`, `invalid`, `unused`.
    pub status: String,
    /// What it answers (`cis-1.12 item 1.1.9`, `check x`).
    pub target: String,
    /// The attested result.
    pub result: String,
    /// Statement.
    pub statement: String,
    /// Evidence reference.
    pub evidence: String,
    /// Who and when.
    pub assessor: String,
    /// Assessment date.
    pub date: String,
    /// Last valid day.
    pub expires: String,
    /// `file:line`.
    pub source: String,
    /// Why not applied.
    pub reason: String,
    /// Items answered.
    pub items: String,
}

fn attestation_views(report: &Report) -> Vec<AttestationView> {
    report
        .attestations
        .iter()
        .map(|r| {
            let a = &r.attestation;
            let target = match (&a.item, &a.check) {
                (Some(i), _) => format!("{} item {i}", a.framework.as_deref().unwrap_or("")),
                (None, Some(c)) => format!("check {c}"),
                _ => String::new(),
            };
            AttestationView {
                status: r.status.clone(),
                target: target.trim().to_string(),
                result: a.result.as_str().to_string(),
                statement: a.statement.clone(),
                evidence: a.evidence.clone(),
                assessor: a.assessor.clone(),
                date: a.date.to_string(),
                expires: a.expires.to_string(),
                source: a.source.clone(),
                reason: r.reason.clone(),
                items: r.items.join(", "),
            }
        })
        .collect()
}

/// One exception of the register.
#[derive(Debug, Clone, Serialize)]
pub struct ExceptionView {
    /// `applied`, `unused`, `expired` (or `invalid`).
    pub status: String,
    /// Check id pattern.
    pub check: String,
    /// Subject pattern in words (`DaemonSet monitoring/node-*`, `any subject`).
    pub subject: String,
    /// Why the risk is accepted.
    pub justification: String,
    /// Who accepted it.
    pub approver: String,
    /// Ticket, when given.
    pub ticket: String,
    /// Last valid day.
    pub expires: String,
    /// `file:line`.
    pub source: String,
    /// Findings it matched.
    pub matched: usize,
    /// Subjects it waived (at most [`FINDING_LIMIT`]).
    pub waived: Vec<String>,
    /// Waived subjects not listed.
    pub more_waived: usize,
}

fn exception_views(report: &Report) -> Vec<ExceptionView> {
    let order = |s: &str| match s {
        "expired" => 0,
        "invalid" => 1,
        "applied" => 2,
        _ => 3,
    };
    let mut out: Vec<ExceptionView> = report
        .exceptions
        .iter()
        .map(|r| {
            let e = &r.exception;
            let waived: Vec<String> = report
                .findings
                .iter()
                .filter(|f| f.waiver.as_ref().is_some_and(|w| w.source == e.source))
                .map(|f| format!("{} on {}", f.check, f.subject.display()))
                .collect();
            let any = |p: &str| p == "*" || p.is_empty();
            let subject = if any(&e.kind) && any(&e.namespace) && any(&e.name) {
                "any subject".to_string()
            } else {
                format!("{} {}/{}", e.kind, e.namespace, e.name)
            };
            ExceptionView {
                status: r.status.clone(),
                check: e.check.clone(),
                subject,
                justification: e.justification.clone(),
                approver: e.approver.clone(),
                ticket: e.ticket.clone().unwrap_or_default(),
                expires: e.expires.to_string(),
                source: e.source.clone(),
                matched: r.matched,
                more_waived: waived.len().saturating_sub(FINDING_LIMIT),
                waived: waived.into_iter().take(FINDING_LIMIT).collect(),
            }
        })
        .collect();
    out.sort_by_key(|e| order(&e.status));
    out
}

/// The sign-off block: the figures a reviewer signs, the bundle digest, blanks to fill.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignOff {
    /// Summary figures: label → value.
    pub figures: Vec<Fact>,
    /// SHA-256 over the manifest entries (`name size sha256` lines) of the files rendered
    /// before this document; empty when there were none.
    pub digest: String,
    /// The files the digest covers, comma-separated.
    pub digest_files: String,
    /// The blanks for the reviewer, in order.
    pub blanks: Vec<String>,
}

/// SHA-256 over the manifest entries of `bundle`, one `name size sha256` line each, in order.
/// Recompute with `jq -r '.files[] | "\(.name) \(.size) \(.sha256)"' MANIFEST.json`
/// (first lines only) `| sha256sum`.
pub fn bundle_digest(bundle: &[crate::bundle::ManifestEntry]) -> String {
    let text: String = bundle
        .iter()
        .map(|e| format!("{} {} {}\n", e.name, e.size, e.sha256))
        .collect();
    crate::bundle::sha256_hex(text.as_bytes())
}

impl View {
    /// Records the bundle files rendered before this document in the sign-off block.
    pub fn with_bundle(mut self, bundle: &[crate::bundle::ManifestEntry]) -> View {
        if !bundle.is_empty() {
            self.sign_off.digest = bundle_digest(bundle);
            self.sign_off.digest_files = bundle
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
        }
        self
    }
}

fn sign_off(report: &Report) -> SignOff {
    let mut figures = Vec::new();
    for fw in &report.frameworks {
        let s = &fw.summary;
        figures.push(fact(
            &format!("{} {}", fw.title, fw.version),
            &format!(
                "score {} — {} items: {} pass, {} fail, {} warn, {} error, {} waived, {} manual, {} not applicable",
                s.score.map_or("n/a".to_string(), |v| format!("{v:.1}%")),
                s.total,
                s.counts.pass,
                s.counts.fail,
                s.counts.warn,
                s.counts.error,
                s.counts.waived,
                s.counts.manual,
                s.counts.not_applicable
            ),
        ));
    }
    let all: Counts = report.checks.iter().fold(Counts::default(), |mut a, c| {
        for st in Status::ALL {
            a.add(st, c.counts.get(st));
        }
        a
    });
    figures.push(fact(
        "Findings",
        &format!(
            "{} in all: {} fail, {} warn, {} error, {} waived, {} manual, {} not applicable, {} pass",
            all.total(),
            all.fail,
            all.warn,
            all.error,
            all.waived,
            all.manual,
            all.not_applicable,
            all.pass
        ),
    ));
    let ex = |st: &str| report.exceptions.iter().filter(|e| e.status == st).count();
    figures.push(fact(
        "Exceptions",
        &format!(
            "{} given: {} applied, {} expired, {} unused{}",
            report.exceptions.len(),
            ex("applied"),
            ex("expired"),
            ex("unused"),
            match ex("covered") {
                0 => String::new(),
                n => format!(", {n} covered by an earlier exception"),
            }
        ),
    ));
    let unread = report.coverage.iter().filter(|c| c.is_failure()).count();
    figures.push(fact(
        "Coverage",
        &format!(
            "{} source(s), {} could not be read",
            report.coverage.len(),
            unread
        ),
    ));
    figures.push(fact("Run id", &report.run.id));
    SignOff {
        figures,
        digest: String::new(),
        digest_files: String::new(),
        blanks: ["Reviewer name", "Role", "Date", "Signature"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

/// A label and a value.
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    /// Label.
    pub label: String,
    /// Value.
    pub value: String,
}

/// A count of something named.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    /// Status or severity name.
    pub name: String,
    /// How many.
    pub count: usize,
}

/// One framework.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkView {
    /// Id (`cis-1.12`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Version.
    pub version: String,
    /// Score text (`52.5%` or `n/a`).
    pub score: String,
    /// Score value, 0–100, when any item was decided.
    pub score_value: Option<f64>,
    /// Items per status, report order.
    pub counts: Vec<Count>,
    /// All items.
    pub total: usize,
    /// Items a person attested (counted in their status too).
    pub attested: usize,
    /// Failing findings of this framework's checks, per severity.
    pub severity_counts: Vec<Count>,
    /// Sections with items, depth-first, each with its items and counts.
    pub sections: Vec<SectionView>,
    /// Items failing, in error or warning: worst status first, then highest severity.
    pub worst: Vec<ItemView>,
    /// Items a person must assess.
    pub manual: Vec<ItemView>,
}

/// One section of a framework.
#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Nesting depth (0 = top).
    pub depth: usize,
    /// Items per status (only statuses present), report order.
    pub counts: Vec<Count>,
    /// Items directly in this section.
    pub items: Vec<ItemView>,
}

/// One framework item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    /// The benchmark's id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Rolled-up status.
    pub status: String,
    /// Highest severity among its non-passing checks (empty when none).
    pub severity: String,
    /// Checks deciding it.
    pub checks: Vec<String>,
    /// `automated` or `manual` as the benchmark labels it.
    pub assessment: String,
    /// Profile / level.
    pub profile: String,
    /// Audit instructions (manual items).
    pub audit: String,
    /// Why, in one sentence.
    pub message: String,
    /// For a manual item, why a person decides it: the framework leaves it to one, or
    /// the automated checks could not settle it (and why); empty otherwise.
    pub why_manual: String,
    /// "attested by X on D (evidence …)" when a person decided the item; empty otherwise.
    pub attested: String,
}

/// One check with its findings.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    /// Check id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Overall status.
    pub status: String,
    /// Why (when no findings, or overall).
    pub message: String,
    /// The title phrased as a pass, for the passed checks (`No finding: <title>`; a
    /// not-applicable check says so).
    pub pass_title: String,
    /// Remediation text.
    pub remediation: String,
    /// Framework items it decides (`cis-1.12 1.2.3`).
    pub items: Vec<String>,
    /// Equivalent ids in other tools (`kube-bench 1.2.3`).
    pub peers: Vec<String>,
    /// Findings per status.
    pub counts: Vec<Count>,
    /// Findings that did not pass, with evidence: the first [`FINDING_LIMIT`].
    pub findings: Vec<FindingView>,
    /// Subjects that did not pass, in all.
    pub finding_total: usize,
    /// Non-passing subjects not listed in `findings`.
    pub more_findings: usize,
    /// `error` findings that only say an input file could not be read (the same for every
    /// check): counted here and said once per check, not listed in `findings`; the files
    /// and their reasons are in the coverage table.
    pub unread_inputs: usize,
    /// `unread_inputs` in one sentence (empty when none).
    pub unread_text: String,
    /// Findings that passed (listed compactly): the first [`PASSED_LIMIT`].
    pub passed: Vec<FindingView>,
    /// Subjects that passed, in all (listed or not).
    pub passed_total: usize,
    /// Passing subjects not listed in `passed`.
    pub more_passed: usize,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// Status.
    pub status: String,
    /// `Kind ns/name`.
    pub subject: String,
    /// Namespace (empty when cluster-scoped).
    pub namespace: String,
    /// `file:line` or `node NAME` (empty when neither).
    pub location: String,
    /// One sentence.
    pub message: String,
    /// For a waived finding: the exception in words (justification, approver, ticket,
    /// expiry, source); empty otherwise.
    pub waiver: String,
    /// The expectation shared by every observation when it is long: shown once above the
    /// evidence table (the rows then say "as above"); empty otherwise.
    pub expected: String,
    /// The evidence.
    pub observations: Vec<ObservationView>,
    /// Observations not shown (beyond [`OBSERVATION_LIMIT`]; in report.json).
    pub more_observations: usize,
}

/// A waiver in words, for people.
pub fn waiver_text(w: &crate::exceptions::Waiver) -> String {
    let mut s = format!(
        "Waived (was {}): \"{}\" — approved by {}",
        w.original_status.as_str(),
        w.justification.trim(),
        w.approver
    );
    if let Some(t) = &w.ticket {
        s.push_str(&format!(", ticket {t}"));
    }
    s.push_str(&format!(", valid until {} ({}).", w.expires, w.source));
    s
}

/// One observation.
#[derive(Debug, Clone, Serialize)]
pub struct ObservationView {
    /// Where it was read.
    pub source: String,
    /// Field path, flag or key.
    pub path: String,
    /// The value seen, as text (`(not set)` when absent).
    pub observed: String,
    /// What was expected.
    pub expected: String,
    /// Whether it satisfied the expectation.
    pub holds: bool,
    /// Extra context.
    pub note: String,
    /// The value as records of labelled facts when it is one (an RBAC grant chain) or a
    /// list of them (the certificates of a chain): shown as small tables instead of one
    /// line of text.
    pub records: Vec<Vec<Fact>>,
}

/// One coverage entry.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    /// Source.
    pub source: String,
    /// Status.
    pub status: String,
    /// Items read.
    pub items: usize,
    /// Why it failed or was skipped.
    pub error: String,
    /// Whether input was lost.
    pub failure: bool,
}

/// Statuses that are problems, worst first.
fn is_problem(s: Status) -> bool {
    matches!(
        s,
        Status::Fail | Status::Error | Status::Warn | Status::Waived
    )
}

fn counts(statuses: impl IntoIterator<Item = Status>, keep_zero: bool) -> Vec<Count> {
    let mut m: BTreeMap<Status, usize> = BTreeMap::new();
    for s in statuses {
        *m.entry(s).or_default() += 1;
    }
    Status::ALL
        .iter()
        .map(|s| Count {
            name: s.as_str().to_string(),
            count: m.get(s).copied().unwrap_or(0),
        })
        .filter(|c| keep_zero || c.count > 0)
        .collect()
}

fn counts_of(c: &Counts, keep_zero: bool) -> Vec<Count> {
    Status::ALL
        .iter()
        .map(|s| Count {
            name: s.as_str().to_string(),
            count: c.get(*s),
        })
        .filter(|c| keep_zero || c.count > 0)
        .collect()
}

const SEVERITIES: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

/// Failing findings per severity, from the checks' counts (a check has one severity).
fn severity_counts<'a>(checks: impl IntoIterator<Item = &'a CheckResult>) -> Vec<Count> {
    let mut m: BTreeMap<Severity, usize> = BTreeMap::new();
    for c in checks {
        *m.entry(c.severity).or_default() += c.counts.fail;
    }
    SEVERITIES
        .iter()
        .map(|s| Count {
            name: s.as_str().to_string(),
            count: m.get(s).copied().unwrap_or(0),
        })
        .collect()
}

/// A value as text for people: `(not set)` for null, lists as `a, b, c`, objects as
/// `key: value; key: value` (never raw JSON).
pub fn value_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "(not set)".to_string(),
        // An empty string (the core API group) would otherwise show as nothing at all.
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::Array(a) if a.is_empty() => "(none)".to_string(),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{}: {}", k.replace('_', " "), value_text(v)))
            .collect::<Vec<_>>()
            .join("; "),
        other => crate::checks::condition::render(other),
    }
}

/// An expectation in words: operator names (`eq`, `ne`, `in`, `subset_of`, …) and JSON
/// lists become phrases (`anything but true`, `one of: a, b`).
pub fn expected_text(expected: &str) -> String {
    let e = expected.trim();
    let list = |rest: &str| -> String {
        match serde_json::from_str::<serde_json::Value>(rest.trim()) {
            Ok(v @ serde_json::Value::Array(_)) => value_text(&v),
            _ => rest.trim().to_string(),
        }
    };
    let (op, rest) = e.split_once(' ').unwrap_or((e, ""));
    match op {
        "eq" => rest.to_string(),
        "ne" => format!("anything but {rest}"),
        "in" => format!("one of: {}", list(rest)),
        "not_in" => format!("none of: {}", list(rest)),
        "subset_of" => format!("allowed values only: {}", list(rest)),
        "contains" => format!("includes {}", list(rest)),
        "not_contains" => format!("does not include {}", list(rest)),
        "gte" | "ge" => format!("at least {rest}"),
        "lte" | "le" => format!("at most {rest}"),
        "gt" => format!("more than {rest}"),
        "lt" => format!("less than {rest}"),
        "mode_at_most" => format!("permissions {rest} or stricter"),
        "exists" if rest.is_empty() => "set".to_string(),
        "absent" if rest.is_empty() => "not set".to_string(),
        _ => e.to_string(),
    }
}

/// An observed value as records of facts: an object is one record; an object whose only
/// field is a list of objects (`certificates: [...]`) is one record per element.
fn records_of(v: &serde_json::Value) -> Vec<Vec<Fact>> {
    use serde_json::Value;
    let record = |m: &serde_json::Map<String, Value>| -> Vec<Fact> {
        m.iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| fact(&label_text(k), &value_text(v)))
            .collect()
    };
    match v {
        Value::Object(m) if m.len() == 1 => match m.values().next() {
            Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_object) => {
                a.iter().filter_map(Value::as_object).map(record).collect()
            }
            _ => vec![record(m)],
        },
        Value::Object(m) => vec![record(m)],
        _ => Vec::new(),
    }
}

/// A record key for people: `not_after` → `Not after`.
fn label_text(key: &str) -> String {
    if key == "sans" {
        return "Subject alternative names".to_string();
    }
    let words = key.replace(['_', '-'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What unread input files mean for a check, once (see [`CheckView::unread_inputs`]).
fn unread_text(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "1 input file could not be read (its reason is in the coverage table): the objects in it were not judged, so this check cannot pass until the file is fixed or left out of the scan.".to_string(),
        n => format!("{n} input files could not be read (their reasons are in the coverage table): the objects in them were not judged, so this check cannot pass until the files are fixed or left out of the scan."),
    }
}

/// A field path for people: internal selector syntax in words.
pub fn path_text(path: &str) -> String {
    path.replace("[*]", "[each]")
        .replace(".@keys", " (keys)")
        .replace("@keys", "(keys)")
}

fn finding_view(f: &Finding) -> FindingView {
    let s = &f.subject;
    let location = match (&s.file, s.line, &s.node) {
        (Some(file), Some(line), _) => format!("{file}:{line}"),
        (Some(file), None, _) => file.to_string(),
        (None, _, Some(node)) => format!("node {node}"),
        _ => String::new(),
    };
    let more_observations = f.observations.len().saturating_sub(OBSERVATION_LIMIT);
    let mut observations: Vec<ObservationView> = f
        .observations
        .iter()
        .take(OBSERVATION_LIMIT)
        .map(|o| {
            let note = o.note.as_deref().map(prose::plain).unwrap_or_default();
            let mut observed = value_text(&o.observed);
            // "(not set)" followed by a note that says where it was not set says it twice.
            if o.observed.is_null() && note.starts_with("not set") {
                observed = String::new();
            }
            let records = records_of(&o.observed);
            ObservationView {
                source: o.source.clone(),
                path: path_text(&o.path),
                observed,
                expected: prose::plain(&expected_text(&o.expected)),
                holds: o.holds,
                note,
                records,
            }
        })
        .collect();
    // A long expectation shared by every row is said once, above the table.
    let mut expected = String::new();
    if let Some(first) = observations.first().map(|o| o.expected.clone()) {
        if first.chars().count() > 40 && observations.iter().all(|o| o.expected == first) {
            expected = first;
            for o in &mut observations {
                o.expected = "as above".to_string();
            }
        }
    }
    // Node findings name the node in the subject line, not only in the location; once
    // there, the location and the sentence need not name it again.
    let mut subject = s.display();
    let mut location = location;
    let mut message = path_text(&f.message);
    if let Some(node) = s.node.as_deref() {
        if !subject.contains(node) {
            subject = format!("{subject} on node {node}");
        }
        if location == format!("node {node}") {
            location.clear();
        }
        message = message.replace(&format!(" on node {node}"), "");
    }
    FindingView {
        status: f.status.as_str().to_string(),
        subject,
        namespace: s.namespace.as_deref().unwrap_or_default().to_string(),
        location,
        // Field messages name the path as the check walked it (`volumes[0].@keys`).
        message,
        waiver: f.waiver.as_deref().map(waiver_text).unwrap_or_default(),
        expected,
        observations,
        more_observations,
    }
}

impl View {
    /// Builds the view of a report.
    pub fn new(report: &Report) -> View {
        let run = &report.run;
        let t = &run.target;
        let listing = report.listing();
        let used_by = report.items_by_check(" ");
        let check_severity: BTreeMap<&str, (Severity, Status)> = report
            .checks
            .iter()
            .map(|c| (c.id.as_str(), (c.severity, c.status)))
            .collect();

        let at = &run.attribution;
        let mut cover = Vec::new();
        if let Some(p) = &at.preparer {
            cover.push(fact("Prepared by", p));
        }
        if let Some(o) = &at.organisation {
            cover.push(fact("Organisation", o));
        }
        if !at.identity.is_empty() {
            cover.push(fact("Read as", &at.identity));
        }
        if !at.host.is_empty() {
            cover.push(fact("Run on host", &at.host));
        }
        if let Some(pod) = &at.pod {
            cover.push(fact("Run in", &pod.describe()));
        }
        if !at.scope_statement.is_empty() {
            cover.push(fact("Scope", &at.scope_statement));
        }
        cover.extend([
            fact("Target cluster", &t.name),
            fact("API server", t.server.as_deref().unwrap_or("—")),
            fact(
                "Kubernetes version",
                t.kubernetes_version.as_deref().unwrap_or("unknown"),
            ),
            fact("Platform", t.platform.as_deref().unwrap_or("unknown")),
        ]);
        if let Some(ctx) = &t.context {
            cover.push(fact("kubeconfig context", ctx));
        }
        let sc = &run.scope;
        cover.push(fact("Sources", &sc.sources.join(", ")));
        cover.push(fact(
            "Namespaces",
            &if sc.namespaces.is_empty() {
                "all".to_string()
            } else {
                sc.namespaces.join(", ")
            },
        ));
        if !sc.excluded_namespaces.is_empty() {
            cover.push(fact(
                "Excluded namespaces",
                &sc.excluded_namespaces.join(", "),
            ));
        }
        // Titles for people, each with the id `--framework` takes.
        let frameworks: Vec<String> = sc
            .frameworks
            .iter()
            .map(|id| match report.frameworks.iter().find(|f| &f.id == id) {
                Some(f) => format!("{} {} ({id})", f.title, f.version),
                None => id.clone(),
            })
            .collect();
        cover.push(fact("Frameworks", &frameworks.join("; ")));
        let unread = report.coverage.iter().filter(|c| c.is_failure()).count();
        cover.push(fact(
            "Coverage",
            &if unread == 0 {
                format!("complete: {} source(s) read", report.coverage.len())
            } else {
                format!(
                    "INCOMPLETE: {unread} of {} source(s) could not be read",
                    report.coverage.len()
                )
            },
        ));
        cover.push(fact(
            "Run",
            &format!("{} → {} (UTC)", run.started_at, run.finished_at),
        ));
        cover.push(fact("Run id", &run.id));
        cover.push(fact(
            "Tool",
            &format!("{} {}", run.tool.name, run.tool.version),
        ));
        cover.push(fact("Catalog", &run.catalog.version));
        cover.push(fact("Catalog digest", &run.catalog.digest));
        if let Some(o) = &run.catalog.overlay {
            // Not the stock catalog: say so on the cover, with what it changed.
            let replaced = o.files.iter().filter(|f| f.replaces).count();
            cover.push(fact(
                "Catalog overlay",
                &format!(
                    "{}: {} file(s) added, {} built-in file(s) replaced ({}); built-in catalog digest {}",
                    o.path,
                    o.files.len() - replaced,
                    replaced,
                    o.files
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    o.builtin_digest
                ),
            ));
        }
        cover.push(fact("Report schema", &report.schema_version));

        let item_view = |item: &crate::results::ItemResult| {
            let severity = item
                .checks
                .iter()
                .filter_map(|c| check_severity.get(c.as_str()))
                .filter(|(_, st)| is_problem(*st))
                .map(|(sev, _)| *sev)
                .max();
            ItemView {
                id: item.id.clone(),
                title: item.title.clone(),
                status: item.status.as_str().to_string(),
                severity: severity.map(|s| s.as_str().to_string()).unwrap_or_default(),
                checks: item.checks.clone(),
                assessment: if item.attestation.is_some() {
                    "attested"
                } else if item.automated {
                    "automated"
                } else {
                    "manual"
                }
                .to_string(),
                attested: item
                    .attestation
                    .as_deref()
                    .map(|a| {
                        format!(
                            "{} (evidence: {}, valid until {}, {})",
                            a.label(),
                            a.evidence,
                            a.expires,
                            a.source
                        )
                    })
                    .unwrap_or_default(),
                profile: item.profile.clone().unwrap_or_default(),
                audit: item.audit.as_deref().unwrap_or_default().trim().to_string(),
                message: item.message.clone(),
                why_manual: match (item.status, item.automated) {
                    (Status::Manual, false) => {
                        "No automated check decides this item: a person assesses it.".to_string()
                    }
                    (Status::Manual, true) if !item.message.is_empty() => {
                        format!("Not settled by the checks: {}", item.message)
                    }
                    (Status::Manual, true) => {
                        "Not settled by the checks: part of it could not be assessed.".to_string()
                    }
                    _ => String::new(),
                },
            }
        };

        let frameworks = report
            .frameworks
            .iter()
            .map(|fw| {
                let depth_of = |id: &str| {
                    let mut d = 0;
                    let mut cur = fw.sections.iter().find(|s| s.id == id);
                    while let Some(p) = cur.and_then(|s| s.parent.as_deref()) {
                        d += 1;
                        cur = fw.sections.iter().find(|s| s.id == p);
                        if d > 16 {
                            break;
                        }
                    }
                    d
                };
                let sections = fw
                    .sections
                    .iter()
                    .map(|s| {
                        let items: Vec<_> = fw.items.iter().filter(|i| i.section == s.id).collect();
                        SectionView {
                            id: s.id.clone(),
                            title: s.title.clone(),
                            depth: depth_of(&s.id),
                            counts: counts(items.iter().map(|i| i.status), false),
                            items: items.into_iter().map(&item_view).collect(),
                        }
                    })
                    .collect();
                let mut worst: Vec<ItemView> = fw
                    .items
                    .iter()
                    .filter(|i| matches!(i.status, Status::Fail | Status::Error | Status::Warn))
                    .map(&item_view)
                    .collect();
                let sev_rank = |s: &str| match s {
                    "critical" => 4,
                    "high" => 3,
                    "medium" => 2,
                    "low" => 1,
                    _ => 0,
                };
                let st_rank = |s: &str| match s {
                    "fail" => 3,
                    "error" => 2,
                    _ => 1,
                };
                worst.sort_by_key(|i| {
                    std::cmp::Reverse((st_rank(&i.status), sev_rank(&i.severity)))
                });
                let fw_checks: BTreeSet<&str> = fw
                    .items
                    .iter()
                    .flat_map(|i| i.checks.iter().map(String::as_str))
                    .collect();
                let fw_results = report
                    .checks
                    .iter()
                    .filter(|c| fw_checks.contains(c.id.as_str()));
                FrameworkView {
                    id: fw.id.clone(),
                    title: fw.title.clone(),
                    version: fw.version.clone(),
                    score: fw
                        .summary
                        .score
                        .map_or("n/a".to_string(), |v| format!("{v:.1}%")),
                    score_value: fw.summary.score,
                    counts: counts(fw.items.iter().map(|i| i.status), true),
                    total: fw.items.len(),
                    attested: fw.summary.attested,
                    severity_counts: severity_counts(fw_results),
                    sections,
                    worst,
                    manual: fw
                        .items
                        .iter()
                        .filter(|i| i.status == Status::Manual)
                        .map(&item_view)
                        .collect(),
                }
            })
            .collect();

        let unread_files: BTreeSet<&str> = report
            .coverage
            .iter()
            .filter(|c| c.is_unread_file())
            .map(|c| c.source.as_str())
            .collect();
        let is_unread_input = |f: &Finding| {
            f.status == Status::Error
                && &*f.subject.kind == "File"
                && f.subject.node.is_none()
                && f.subject
                    .file
                    .as_deref()
                    .is_some_and(|file| unread_files.contains(file))
        };
        let mut problems = Vec::new();
        let mut passed = Vec::new();
        for c in &report.checks {
            let own: &[Finding] = listing.findings(&c.id);
            let unread_inputs = own.iter().filter(|f| is_unread_input(f)).count();
            let not_passing = own
                .iter()
                .filter(|f| f.status != Status::Pass && !is_unread_input(f));
            // Passes are findings at `--detail full`, compact entries at `failing`.
            let passing = listing.of(c).filter(|l| l.status() == Status::Pass);
            let finding_total = c.counts.total() - c.counts.pass;
            let findings: Vec<FindingView> =
                not_passing.take(FINDING_LIMIT).map(finding_view).collect();
            let passed_list: Vec<FindingView> = passing
                .take(PASSED_LIMIT)
                .map(|l| finding_view(&l.to_finding()))
                .collect();
            let view = CheckView {
                id: c.id.clone(),
                title: c.title.clone(),
                pass_title: match c.status {
                    Status::NotApplicable => format!("Not applicable: {}", c.title),
                    Status::Manual => format!("For a person to decide: {}", c.title),
                    _ => format!("No finding: {}", c.title),
                },
                severity: c.severity.as_str().to_string(),
                status: c.status.as_str().to_string(),
                message: c.message.clone(),
                remediation: c.remediation.trim_end().to_string(),
                items: used_by.get(c.id.as_str()).cloned().unwrap_or_default(),
                peers: c
                    .peers
                    .iter()
                    .map(|(k, v)| format!("{k} {}", v.join(", ")))
                    .collect(),
                counts: counts_of(&c.counts, false),
                more_findings: finding_total.saturating_sub(findings.len() + unread_inputs),
                unread_inputs,
                unread_text: unread_text(unread_inputs),
                finding_total,
                findings,
                more_passed: c.counts.pass.saturating_sub(passed_list.len()),
                passed_total: c.counts.pass,
                passed: passed_list,
            };
            if is_problem(c.status) {
                problems.push((c.status.rank(), c.severity, view));
            } else {
                passed.push(view);
            }
        }
        problems.sort_by_key(|(rank, sev, _)| std::cmp::Reverse((*rank, *sev)));

        // Failures first (they matter to an auditor), then warnings, then sources read, in
        // report order.
        let coverage_failures = report.coverage.iter().filter(|c| c.is_failure()).count();
        let rank = |c: &&Coverage| match (c.is_failure(), c.status == "warning") {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        };
        let mut ranked: Vec<&Coverage> = report.coverage.iter().collect();
        ranked.sort_by_key(rank);
        let coverage: Vec<CoverageView> = ranked
            .into_iter()
            .take(COVERAGE_LIMIT)
            .map(|c| CoverageView {
                source: c.source.clone(),
                status: c.status.clone(),
                items: c.items,
                error: c.error.clone().unwrap_or_default(),
                failure: c.is_failure(),
            })
            .collect();
        let mut all_counts = Counts::default();
        for c in &report.checks {
            for s in Status::ALL {
                all_counts.add(s, c.counts.get(s));
            }
        }

        View {
            title: format!("Kubernetes compliance report — {}", t.name),
            cluster: t.name.clone(),
            cover,
            generated_at: run.finished_at.clone(),
            frameworks,
            problems: problems.into_iter().map(|(_, _, v)| v).collect(),
            full_detail: report.run.detail == crate::results::Detail::Full,
            passed,
            coverage_failures,
            coverage_total: report.coverage.len(),
            coverage_more: report.coverage.len().saturating_sub(coverage.len()),
            coverage,
            finding_count: all_counts.total(),
            finding_counts: counts_of(&all_counts, true),
            severity_counts: severity_counts(&report.checks),
            score_formula: crate::results::SCORE_FORMULA.to_string(),
            sign_off: sign_off(report),
            expired_exceptions: exception_views(report)
                .into_iter()
                .filter(|e| e.status == "expired")
                .collect(),
            exceptions: exception_views(report),
            attestations: attestation_views(report),
            groups: crate::render::groups::GroupsView::new(&report.breakdown),
            exposure: crate::exposure::view(report.exposure.as_ref()),
        }
    }
}

fn fact(label: &str, value: &str) -> Fact {
    Fact {
        label: label.to_string(),
        value: value.to_string(),
    }
}

#[cfg(test)]
mod words_tests {
    use super::*;

    #[test]
    fn a_finding_shows_a_bounded_number_of_observations() {
        let o = crate::results::Observation {
            source: "a.yaml:1".into(),
            path: "rules[0]".into(),
            observed: serde_json::json!({"binding": "RoleBinding a/b"}),
            expected: "each permission granted through one binding".into(),
            holds: false,
            note: None,
        };
        let f = Finding {
            check: "c".into(),
            status: Status::Fail,
            severity: Severity::Low,
            subject: Default::default(),
            observations: vec![o; OBSERVATION_LIMIT + 30],
            message: "m".into(),
            waiver: None,
            unassessed: false,
        };
        let v = finding_view(&f);
        assert_eq!(v.observations.len(), OBSERVATION_LIMIT);
        assert_eq!(v.more_observations, 30);
        // The message of a field check names the path in words, as the rows do.
        let f = Finding {
            message: r#"spec.volumes[0].@keys is ["hostPath","name"], expected …"#.into(),
            ..f
        };
        assert_eq!(
            finding_view(&f).message,
            r#"spec.volumes[0] (keys) is ["hostPath","name"], expected …"#
        );
    }

    #[test]
    fn records_become_fact_tables() {
        let grant = serde_json::json!({"subject": "Group g", "binding": "RoleBinding a/b", "rule": {"apiGroups": [""]}});
        let r = records_of(&grant);
        assert_eq!(r.len(), 1);
        let labels: Vec<&str> = r[0].iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["Subject", "Binding", "Rule"]);
        assert_eq!(r[0][2].value, "apiGroups: \"\"");
        let chain = serde_json::json!({"certificates": [{"subject": "CN=a", "sans": []}, {"subject": "CN=ca"}]});
        let r = records_of(&chain);
        assert_eq!(r.len(), 2, "one record per certificate");
        assert_eq!(r[0][1].label, "Subject alternative names");
        assert_eq!(r[0][1].value, "(none)");
        assert!(records_of(&serde_json::json!("plain")).is_empty());
        assert!(records_of(&serde_json::json!({"certificates": []}))[0].len() == 1);
    }

    #[test]
    fn operators_and_json_become_words() {
        assert_eq!(expected_text("ne true"), "anything but true");
        assert_eq!(expected_text("eq false"), "false");
        assert_eq!(
            expected_text(r#"in ["RuntimeDefault","Localhost"]"#),
            "one of: RuntimeDefault, Localhost"
        );
        assert_eq!(
            expected_text(r#"subset_of ["name","csi"]"#),
            "allowed values only: name, csi"
        );
        assert_eq!(expected_text("exists"), "set");
        let v = serde_json::json!({"subject": "ServiceAccount a/b", "rule": {"verbs": ["*"]}, "pod": null});
        assert_eq!(
            value_text(&v),
            "subject: ServiceAccount a/b; rule: verbs: *"
        );
        assert_eq!(
            path_text("spec.containers[*].env.@keys"),
            "spec.containers[each].env (keys)"
        );
    }
}
