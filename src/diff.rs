//! Drift between two runs (`kubeattest diff OLD NEW`): per framework the score change, items
//! whose status changed, findings that are new, fixed or changed (matched on check and
//! subject kind, namespace, name and node, so a file moving lines is not a change), and
//! exceptions that expired between the two runs. Pure: two reports in, one [`Drift`] out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Severity;
use crate::results::{Listed, Report, Status, Subject};

/// Which run a drift report compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRef {
    /// Run id.
    pub id: String,
    /// UTC start.
    pub started_at: String,
    /// Target name.
    pub target: String,
}

/// A framework's score in both runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreChange {
    /// Framework id.
    pub framework: String,
    /// Score in the old run (null: not evaluated or nothing decided).
    pub old: Option<f64>,
    /// Score in the new run.
    pub new: Option<f64>,
    /// `new - old`, when both exist.
    pub delta: Option<f64>,
}

/// An item whose status differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemChange {
    /// Framework id.
    pub framework: String,
    /// Item id.
    pub item: String,
    /// Item title.
    pub title: String,
    /// Old status (null: not in the old run).
    pub old: Option<Status>,
    /// New status (null: not in the new run).
    pub new: Option<Status>,
}

/// How a finding changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Not passing now; passing or absent before.
    New,
    /// Not passing before; passing or absent now.
    Fixed,
    /// Not passing in both, with another status (e.g. fail → waived).
    Changed,
}

impl Change {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Fixed => "fixed",
            Change::Changed => "changed",
        }
    }
}

/// A finding that is new, fixed or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingChange {
    /// What happened.
    pub change: Change,
    /// Check id.
    pub check: String,
    /// Severity of the check.
    pub severity: Severity,
    /// The subject.
    pub subject: Subject,
    /// Status in the old run (null: not listed).
    pub old: Option<Status>,
    /// Status in the new run (null: not listed).
    pub new: Option<Status>,
    /// The newer run's message, else the older one's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// An exception valid at the old run and expired at the new one (by the calendar, or
/// because its expiry date was moved before the new run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpiredException {
    /// Check pattern.
    pub check: String,
    /// `file:line` in the new run.
    pub source: String,
    /// Last valid day.
    pub expires: chrono::NaiveDate,
    /// Who approved it.
    pub approver: String,
}

/// Everything that changed between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The older run.
    pub old: RunRef,
    /// The newer run.
    pub new: RunRef,
    /// Per framework score.
    pub frameworks: Vec<ScoreChange>,
    /// Items whose status changed.
    pub items: Vec<ItemChange>,
    /// Findings new, fixed or changed, new first.
    pub findings: Vec<FindingChange>,
    /// Exceptions that expired in between.
    pub expired_exceptions: Vec<ExpiredException>,
    /// Checks evaluated in one run only (another `--check`/`--skip`/`--framework` selection,
    /// or another catalog): their findings are not compared.
    #[serde(default, skip_serializing_if = "NotCompared::is_empty")]
    pub not_compared: NotCompared,
    /// Why the comparison may not be drift at all, in words: the runs are of different targets,
    /// are one run, or are given newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cautions: Vec<String>,
    /// Whether both runs are of one target (name and API server): only then are their
    /// differences drift.
    #[serde(default = "same_target_default")]
    pub same_target: bool,
}

fn same_target_default() -> bool {
    true
}

/// Checks evaluated in one of the two runs only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotCompared {
    /// Check ids of the older run only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only_old: Vec<String>,
    /// Check ids of the newer run only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only_new: Vec<String>,
}

impl NotCompared {
    /// Whether both runs evaluated the same checks.
    pub fn is_empty(&self) -> bool {
        self.only_old.is_empty() && self.only_new.is_empty()
    }

    /// In words, for the text and HTML summaries: `None` when both runs evaluated the same
    /// checks.
    pub fn sentence(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let part = |ids: &[String], run: &str| {
            (!ids.is_empty()).then(|| {
                // The full lists are in drift.json.
                const SHOWN: usize = 8;
                let more = ids.len().saturating_sub(SHOWN);
                let tail = if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                };
                format!(
                    "{} check(s) ran only in the {run} run ({}{tail})",
                    ids.len(),
                    ids[..ids.len().min(SHOWN)].join(", ")
                )
            })
        };
        let parts: Vec<String> = [part(&self.only_old, "older"), part(&self.only_new, "newer")]
            .into_iter()
            .flatten()
            .collect();
        Some(format!(
            "{}: their findings are not compared (the runs selected different checks or frameworks, or used different catalogs), and scores cover different checks",
            parts.join("; ")
        ))
    }
}

fn not_passing(s: Status) -> bool {
    !matches!(s, Status::Pass | Status::NotApplicable)
}

type Key = (String, String, Option<String>, String, Option<String>);

fn key(check: &str, s: &Subject) -> Key {
    (
        check.to_string(),
        s.kind.to_string(),
        s.namespace.as_deref().map(str::to_string),
        s.name.to_string(),
        s.node.as_deref().map(str::to_string),
    )
}

fn run_ref(r: &Report) -> RunRef {
    RunRef {
        id: r.run.id.clone(),
        started_at: r.run.started_at.clone(),
        target: r.run.target.name.clone(),
    }
}

fn date_of(rfc3339: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(rfc3339.get(..10)?, "%Y-%m-%d").ok()
}

/// Compares two reports.
pub fn diff(old: &Report, new: &Report) -> Drift {
    let mut ids: Vec<&str> = new.frameworks.iter().map(|f| f.id.as_str()).collect();
    for f in &old.frameworks {
        if !ids.contains(&f.id.as_str()) {
            ids.push(&f.id);
        }
    }
    let frameworks = ids
        .iter()
        .map(|id| {
            let o = old.frameworks.iter().find(|f| f.id == *id);
            let n = new.frameworks.iter().find(|f| f.id == *id);
            let (os, ns) = (
                o.and_then(|f| f.summary.score),
                n.and_then(|f| f.summary.score),
            );
            ScoreChange {
                framework: id.to_string(),
                old: os,
                new: ns,
                delta: os.zip(ns).map(|(a, b)| ((b - a) * 10.0).round() / 10.0),
            }
        })
        .collect();

    let mut items = Vec::new();
    for id in &ids {
        let o = old.frameworks.iter().find(|f| f.id == *id);
        let n = new.frameworks.iter().find(|f| f.id == *id);
        let old_items: BTreeMap<&str, &crate::results::ItemResult> = o
            .map(|f| f.items.iter().map(|i| (i.id.as_str(), i)).collect())
            .unwrap_or_default();
        let mut seen = std::collections::BTreeSet::new();
        for i in n.map(|f| f.items.as_slice()).unwrap_or_default() {
            seen.insert(i.id.as_str());
            let before = old_items.get(i.id.as_str()).map(|x| x.status);
            if o.is_some() && before != Some(i.status) {
                items.push(ItemChange {
                    framework: id.to_string(),
                    item: i.id.clone(),
                    title: i.title.clone(),
                    old: before,
                    new: Some(i.status),
                });
            }
        }
        if n.is_some() {
            for (iid, i) in &old_items {
                if !seen.contains(iid) {
                    items.push(ItemChange {
                        framework: id.to_string(),
                        item: i.id.clone(),
                        title: i.title.clone(),
                        old: Some(i.status),
                        new: None,
                    });
                }
            }
        }
    }

    // Checks evaluated in each run: a finding absent from a run that did not run its
    // check is not "fixed" or "new", it was simply not looked at.
    let old_checks: std::collections::BTreeSet<&str> =
        old.checks.iter().map(|c| c.id.as_str()).collect();
    let new_checks: std::collections::BTreeSet<&str> =
        new.checks.iter().map(|c| c.id.as_str()).collect();
    // Passes count as much as findings here (a fail → pass is a fix), whether a report lists
    // them as findings (`--detail full`, schema 1.x) or in its pass lists.
    let old_findings: BTreeMap<Key, Listed> = old
        .listed()
        .map(|f| (key(f.check(), f.subject()), f))
        .collect();
    let new_findings: BTreeMap<Key, Listed> = new
        .listed()
        .map(|f| (key(f.check(), f.subject()), f))
        .collect();
    let mut findings = Vec::new();
    for (k, n) in &new_findings {
        let o = old_findings.get(k);
        let before = o.map(|f| f.status());
        let change = match before {
            _ if !not_passing(n.status()) => match before {
                Some(b) if not_passing(b) => Some(Change::Fixed),
                _ => None,
            },
            Some(b) if not_passing(b) => (b != n.status()).then_some(Change::Changed),
            Some(_) => Some(Change::New),
            None if old_checks.contains(n.check()) => Some(Change::New),
            None => None,
        };
        if let Some(change) = change {
            findings.push(FindingChange {
                change,
                check: n.check().to_string(),
                severity: n.severity(),
                subject: n.subject().clone(),
                old: before,
                new: Some(n.status()),
                message: if n.message().is_empty() {
                    o.map(|f| f.message().to_string()).unwrap_or_default()
                } else {
                    n.message().to_string()
                },
            });
        }
    }
    for (k, o) in &old_findings {
        if new_findings.contains_key(k)
            || !not_passing(o.status())
            || !new_checks.contains(o.check())
        {
            continue;
        }
        findings.push(FindingChange {
            change: Change::Fixed,
            check: o.check().to_string(),
            severity: o.severity(),
            subject: o.subject().clone(),
            old: Some(o.status()),
            new: None,
            message: o.message().to_string(),
        });
    }
    findings.sort_by(|a, b| {
        (
            a.change,
            std::cmp::Reverse(a.severity),
            &a.check,
            &a.subject,
        )
            .cmp(&(
                b.change,
                std::cmp::Reverse(b.severity),
                &b.check,
                &b.subject,
            ))
    });

    let old_day = date_of(&old.run.started_at);
    let new_day = date_of(&new.run.started_at);
    // The same exception in both runs: same check pattern and subject patterns.
    let key = |e: &crate::exceptions::Exception| {
        (
            e.check.clone(),
            e.kind.clone(),
            e.namespace.clone(),
            e.name.clone(),
        )
    };
    let valid_before: std::collections::BTreeSet<_> = old
        .exceptions
        .iter()
        .filter(|e| e.status != "expired")
        .map(|e| key(&e.exception))
        .collect();
    let expired_exceptions = new
        .exceptions
        .iter()
        .filter(|e| {
            let exp = e.exception.expires;
            let by_dates = old_day.is_none_or(|d| exp >= d) && new_day.is_none_or(|d| exp < d);
            // Valid at the old run and expired now, also when its date was moved earlier.
            let by_status = e.status == "expired" && valid_before.contains(&key(&e.exception));
            by_dates || by_status
        })
        .map(|e| ExpiredException {
            check: e.exception.check.clone(),
            source: e.exception.source.clone(),
            expires: e.exception.expires,
            approver: e.exception.approver.clone(),
        })
        .collect();

    let not_compared = NotCompared {
        only_old: old_checks
            .difference(&new_checks)
            .map(|c| c.to_string())
            .collect(),
        only_new: new_checks
            .difference(&old_checks)
            .map(|c| c.to_string())
            .collect(),
    };
    let (same_target, cautions) = cautions(old, new);
    Drift {
        old: run_ref(old),
        new: run_ref(new),
        frameworks,
        items,
        findings,
        expired_exceptions,
        not_compared,
        cautions,
        same_target,
    }
}

/// Whether the two runs are of one target, and what makes their comparison doubtful.
fn cautions(old: &Report, new: &Report) -> (bool, Vec<String>) {
    let (a, b) = (&old.run.target, &new.run.target);
    let same_target = a.name == b.name && a.server == b.server;
    let mut out = Vec::new();
    if !same_target {
        let shown = |t: &crate::inventory::Target| match &t.server {
            Some(server) => format!("{} at {server}", t.name),
            None => t.name.clone(),
        };
        out.push(format!(
            "the runs are of different targets ({} and {}): what one has and the other lacks is not drift",
            shown(a),
            shown(b)
        ));
    }
    if old.run.id == new.run.id {
        out.push(format!(
            "both reports are run {}: nothing can have drifted",
            old.run.id
        ));
    } else if old.run.started_at > new.run.started_at {
        out.push(format!(
            "the older run given ({}) started after the newer one ({}): give the earlier run first (kubeattest diff OLD NEW)",
            old.run.started_at, new.run.started_at
        ));
    }
    (same_target, out)
}

impl Drift {
    /// Whether a new failure at or above `min` appeared (new, or changed into a failure).
    pub fn has_new_at_or_above(&self, min: Severity) -> bool {
        self.findings.iter().any(|f| {
            f.severity >= min
                && f.new == Some(Status::Fail)
                && matches!(f.change, Change::New | Change::Changed)
        })
    }

    /// How many findings had this change.
    pub fn count(&self, change: Change) -> usize {
        self.findings.iter().filter(|f| f.change == change).count()
    }

    /// The text summary printed on stdout (text from the reports with its control
    /// characters escaped).
    pub fn text(&self) -> String {
        use crate::quote::escape_controls as esc;
        use std::fmt::Write as _;
        let st = |s: Option<Status>| s.map_or("absent", Status::as_str);
        let score = |s: Option<f64>| s.map_or("-".to_string(), |v| format!("{v:.1}"));
        let mut t = String::new();
        let _ = writeln!(
            t,
            "drift from run {} ({}) to run {} ({})",
            esc(&self.old.id),
            esc(&self.old.started_at),
            esc(&self.new.id),
            esc(&self.new.started_at)
        );
        for caution in &self.cautions {
            let _ = writeln!(t, "\nnote: {caution}");
        }
        if let Some(note) = self.not_compared.sentence() {
            let _ = writeln!(t, "\nnote: {}", esc(&note));
        }
        let _ = writeln!(t, "\nscores:");
        for f in &self.frameworks {
            let delta = f.delta.map_or(String::new(), |d| format!(" ({d:+.1})"));
            let _ = writeln!(
                t,
                "  {:<12} {} -> {}{delta}",
                esc(&f.framework),
                score(f.old),
                score(f.new)
            );
        }
        let _ = writeln!(
            t,
            "\nfindings: {} new, {} fixed, {} changed",
            self.count(Change::New),
            self.count(Change::Fixed),
            self.count(Change::Changed)
        );
        for f in &self.findings {
            let _ = writeln!(
                t,
                "  {:<7} {:<8} {} on {}: {} -> {}",
                f.change.as_str(),
                f.severity.as_str(),
                esc(&f.check),
                esc(&f.subject.display()),
                st(f.old),
                st(f.new)
            );
        }
        if !self.items.is_empty() {
            let _ = writeln!(t, "\nitems that changed status: {}", self.items.len());
            for i in &self.items {
                let _ = writeln!(
                    t,
                    "  {} {} {}: {} -> {}",
                    esc(&i.framework),
                    esc(&i.item),
                    esc(&i.title),
                    st(i.old),
                    st(i.new)
                );
            }
        }
        if !self.expired_exceptions.is_empty() {
            let _ = writeln!(t, "\nexceptions expired since the old run:");
            for e in &self.expired_exceptions {
                let _ = writeln!(
                    t,
                    "  {} ({}), expired {}, approved by {}",
                    esc(&e.check),
                    esc(&e.source),
                    e.expires,
                    esc(&e.approver)
                );
            }
        }
        t
    }

    /// One CSV row per finding change.
    pub fn csv(&self) -> Result<Vec<u8>, ::csv::Error> {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        w.write_record([
            "change",
            "severity",
            "check",
            "kind",
            "namespace",
            "name",
            "node",
            "old_status",
            "new_status",
            "message",
        ])?;
        let cell = crate::render::csv::cell;
        for f in &self.findings {
            w.write_record([
                f.change.as_str(),
                f.severity.as_str(),
                &cell(&f.check),
                &cell(&f.subject.kind),
                &cell(f.subject.namespace.as_deref().unwrap_or("")),
                &cell(&f.subject.name),
                &cell(f.subject.node.as_deref().unwrap_or("")),
                f.old.map_or("", Status::as_str),
                f.new.map_or("", Status::as_str),
                &cell(&f.message),
            ])?;
        }
        w.into_inner()
            .map_err(|e| ::csv::Error::from(e.into_error()))
    }

    /// A self-contained HTML page.
    pub fn html(&self) -> String {
        let e = html_escape;
        let st = |s: Option<Status>| s.map_or("absent", Status::as_str);
        let mut h = String::from("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>kubeattest drift report</title><style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}.new{color:#b00020}.fixed{color:#1b7f3b}code{font-family:monospace}</style></head><body>");
        h.push_str(&format!(
            "<h1>Drift report</h1><p>From run <code>{}</code> ({}, {}) to run <code>{}</code> ({}, {}).</p>",
            e(&self.old.id), e(&self.old.started_at), e(&self.old.target),
            e(&self.new.id), e(&self.new.started_at), e(&self.new.target)
        ));
        for caution in &self.cautions {
            h.push_str(&format!("<p><strong>Note:</strong> {}.</p>", e(caution)));
        }
        if let Some(note) = self.not_compared.sentence() {
            h.push_str(&format!("<p><strong>Note:</strong> {}.</p>", e(&note)));
        }
        h.push_str("<h2>Scores</h2><table><tr><th>Framework</th><th>Old</th><th>New</th><th>Change</th></tr>");
        for f in &self.frameworks {
            let s = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}"));
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&f.framework),
                s(f.old),
                s(f.new),
                f.delta.map_or(String::new(), |d| format!("{d:+.1}"))
            ));
        }
        h.push_str("</table>");
        h.push_str(&format!(
            "<h2>Findings</h2><p>{} new, {} fixed, {} changed.</p><table><tr><th>Change</th><th>Severity</th><th>Check</th><th>Subject</th><th>Old</th><th>New</th><th>Message</th></tr>",
            self.count(Change::New), self.count(Change::Fixed), self.count(Change::Changed)
        ));
        for f in &self.findings {
            h.push_str(&format!(
                "<tr class=\"{c}\"><td>{c}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                f.severity.as_str(), e(&f.check), e(&f.subject.display()), st(f.old), st(f.new), e(&f.message),
                c = f.change.as_str()
            ));
        }
        h.push_str("</table>");
        if !self.items.is_empty() {
            h.push_str("<h2>Items that changed status</h2><table><tr><th>Framework</th><th>Item</th><th>Title</th><th>Old</th><th>New</th></tr>");
            for i in &self.items {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    e(&i.framework),
                    e(&i.item),
                    e(&i.title),
                    st(i.old),
                    st(i.new)
                ));
            }
            h.push_str("</table>");
        }
        if !self.expired_exceptions.is_empty() {
            h.push_str("<h2>Exceptions expired since the old run</h2><table><tr><th>Check</th><th>Source</th><th>Expired</th><th>Approver</th></tr>");
            for x in &self.expired_exceptions {
                h.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    e(&x.check),
                    e(&x.source),
                    x.expires,
                    e(&x.approver)
                ));
            }
            h.push_str("</table>");
        }
        h.push_str("</body></html>\n");
        h
    }
}

/// Escapes text for HTML.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}
