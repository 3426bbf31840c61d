//! The evidence model: one versioned JSON document (`report.json`) from which every other
//! format is rendered.
//!
//! Outside tools rely on these keys; changing their meaning bumps [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::catalog::Severity;
use crate::inventory::{Coverage, Target};

mod record;
mod rollup;
pub use record::RecordError;
pub use rollup::{awaiting, item_message, item_status, Part};

/// Version of the report schema.
pub const SCHEMA_VERSION: &str = "2.2";

/// How much of the passing side a report carries. Failing, warn, error and waived findings
/// always keep their full observations; this only decides what a *pass* costs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Passing findings are not listed, only counted per check (`checks[].counts`).
    Summary,
    /// Passing findings are listed compactly, not as findings: each subject once in
    /// `subjects`, and per check the indexes of the subjects that passed (`passed`); no
    /// observations (default).
    #[default]
    Failing,
    /// Every finding keeps its observations and message, passes included (schema 1.0 content).
    Full,
}

impl Detail {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Detail::Summary => "summary",
            Detail::Failing => "failing",
            Detail::Full => "full",
        }
    }
}

/// The verdict of a check on a subject, of a check overall, or of a framework item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The condition holds.
    Pass,
    /// The condition does not hold.
    Fail,
    /// The condition does not hold, but the check only advises.
    Warn,
    /// A person must decide (no automated check, or evidence needs review).
    Manual,
    /// Nothing in scope for this check, with the reason.
    NotApplicable,
    /// Could not be assessed (forbidden, missing source, parse failure), with the reason.
    Error,
    /// A failure covered by a valid exception (cited).
    Waived,
}

impl Status {
    /// All statuses, in report order.
    pub const ALL: [Status; 7] = [
        Status::Fail,
        Status::Error,
        Status::Warn,
        Status::Waived,
        Status::Manual,
        Status::Pass,
        Status::NotApplicable,
    ];

    /// How bad a status is when rolling up: the worst wins.
    /// fail > error > warn > manual > waived > pass > not_applicable: a part still for a
    /// person to assess keeps the whole `manual`, whatever else was waived or passed (a
    /// waived finding is a failure someone accepted, and is scored as good).
    pub fn rank(self) -> u8 {
        match self {
            Status::Fail => 6,
            Status::Error => 5,
            Status::Warn => 4,
            Status::Manual => 3,
            Status::Waived => 2,
            Status::Pass => 1,
            Status::NotApplicable => 0,
        }
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Manual => "manual",
            Status::NotApplicable => "not_applicable",
            Status::Error => "error",
            Status::Waived => "waived",
        }
    }

    /// The worst of several statuses; `None` for none.
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
        statuses.into_iter().max_by_key(|s| s.rank())
    }
}

/// What a finding is about. Its strings are shared (`Arc<str>`): the subject of an object is
/// made once per run and every finding about the object holds the same strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Subject {
    /// Object kind (`Deployment`), or `Cluster`/`Node` for facts.
    pub kind: Arc<str>,
    /// Namespace, if namespaced (absent when cluster-scoped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Arc<str>>,
    /// Object name.
    pub name: Arc<str>,
    /// API version, when an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<Arc<str>>,
    /// Manifest file, when read from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Arc<str>>,
    /// Line of the object in `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Node the fact was collected on, when node facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<Arc<str>>,
    /// Who owns the subject (owner label value, see [`crate::ownership`]), recorded on
    /// findings that did not pass when an owner label was found (absent: no owner, or a
    /// pass); passes are only counted per owner in `breakdown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Arc<str>>,
}

impl Subject {
    /// `Kind ns/name`, `Kind name (namespace not set)` (see [`crate::inventory::UNSET_NAMESPACE`])
    /// or `Kind name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) if &**ns == crate::inventory::UNSET_NAMESPACE => {
                format!("{} {} (namespace not set)", self.kind, self.name)
            }
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// Drops what a compact pass does not record: the API version and the owner.
    pub fn compact(&mut self) {
        self.api_version = None;
        self.owner = None;
    }
}

/// What was observed where, and what was expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Where it was read: `file:line`, `api /api/v1/pods`, `pod kube-system/x command`.
    pub source: String,
    /// Field path, flag or key.
    pub path: String,
    /// The value seen (`null` when absent).
    pub observed: serde_json::Value,
    /// What was expected (`ne true`, `eq false`).
    pub expected: String,
    /// Whether this observation satisfied the expectation.
    #[serde(default = "default_true")]
    pub holds: bool,
    /// Extra context: `flag not set; documented default used`, `container app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn default_true() -> bool {
    true
}

/// One check on one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Check id.
    pub check: String,
    /// Verdict.
    pub status: Status,
    /// The check's severity.
    pub severity: Severity,
    /// What it is about. Shared: every finding about an object points at the one subject
    /// the object made ([`Object::subject`](crate::inventory::Object::subject)), and
    /// findings are moved and copied as a whole while a report is assembled.
    pub subject: std::sync::Arc<Subject>,
    /// The evidence. Empty for a compact pass (see [`Detail`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    /// One sentence for people. Empty for a compact pass.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The exception that waived it, when `status` is `waived` (boxed: most findings have
    /// none, and a pass should cost as little as possible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Box<crate::exceptions::Waiver>>,
    /// Set on a `not_applicable` finding when the input does not hold what the check looks
    /// at (a component missing from manifests, a managed control plane, no node facts, a
    /// kind the manifests leave out): nothing was assessed, which is not "nothing to
    /// assess". An item with such a part and a passing one is `manual`, never `pass`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unassessed: bool,
}

impl Finding {
    /// The same finding, marked as not assessed for want of input (see
    /// [`Finding::unassessed`]).
    pub fn not_assessed(mut self) -> Finding {
        self.unassessed = true;
        self
    }

    /// The same finding, marked as not assessed when it is `not_applicable`: for findings
    /// about something the input did not show, where not applicable means "not seen".
    pub fn not_assessed_if_not_applicable(self) -> Finding {
        if self.status == Status::NotApplicable {
            self.not_assessed()
        } else {
            self
        }
    }
}

/// A finding as a report lists it: a whole [`Finding`], or a pass held in the report's
/// subject table (`Detail::Failing`).
#[derive(Debug, Clone, Copy)]
pub enum Listed<'r> {
    /// A finding of `findings` (any status).
    Finding(&'r Finding),
    /// A compact pass: its check and subject.
    Pass(&'r CheckResult, &'r Subject),
}

impl<'r> Listed<'r> {
    /// Check id.
    pub fn check(&self) -> &'r str {
        match self {
            Listed::Finding(f) => &f.check,
            Listed::Pass(c, _) => &c.id,
        }
    }

    /// Verdict.
    pub fn status(&self) -> Status {
        match self {
            Listed::Finding(f) => f.status,
            Listed::Pass(..) => Status::Pass,
        }
    }

    /// Severity (the check's).
    pub fn severity(&self) -> Severity {
        match self {
            Listed::Finding(f) => f.severity,
            Listed::Pass(c, _) => c.severity,
        }
    }

    /// The subject.
    pub fn subject(&self) -> &'r Subject {
        match self {
            Listed::Finding(f) => &f.subject,
            Listed::Pass(_, s) => s,
        }
    }

    /// The message (empty for a compact pass).
    pub fn message(&self) -> &'r str {
        match self {
            Listed::Finding(f) => &f.message,
            Listed::Pass(..) => "",
        }
    }

    /// As a finding: borrowed when it is one, built (a compact pass) when not.
    pub fn to_finding(&self) -> std::borrow::Cow<'r, Finding> {
        match self {
            Listed::Finding(f) => std::borrow::Cow::Borrowed(*f),
            Listed::Pass(c, s) => std::borrow::Cow::Owned(Finding {
                check: c.id.clone(),
                status: Status::Pass,
                severity: c.severity,
                subject: std::sync::Arc::new((*s).clone()),
                observations: Vec::new(),
                message: String::new(),
                waiver: None,
                unassessed: false,
            }),
        }
    }
}

/// The order in which a check's findings and its compact passes are merged back: the
/// subject's order without the fields a compact pass drops.
fn listing_order(s: &Subject) -> impl Ord + '_ {
    (&s.kind, &s.namespace, &s.name, &s.file, s.line, &s.node)
}

/// A report's findings and passes by check, indexed once (see [`Report::listing`]).
#[derive(Debug)]
pub struct Listing<'r> {
    report: &'r Report,
    runs: foldhash::HashMap<&'r str, std::ops::Range<usize>>,
    passed: foldhash::HashMap<&'r str, &'r [u32]>,
}

impl<'r> Listing<'r> {
    /// The findings of a check's run (passes included only at `Detail::Full`).
    pub fn findings(&self, check: &str) -> &'r [Finding] {
        let report: &'r Report = self.report;
        match self.runs.get(check) {
            Some(r) => &report.findings[r.clone()],
            None => &[],
        }
    }

    /// The subjects of a check's compact passes, in its subject order.
    pub fn passed(&self, check: &str) -> impl Iterator<Item = &'r Subject> + 'r {
        let subjects: &'r [Subject] = &self.report.subjects;
        self.passed
            .get(check)
            .copied()
            .unwrap_or_default()
            .iter()
            .filter_map(move |i| subjects.get(*i as usize))
    }

    /// Everything listed for a check, findings and compact passes merged in subject order.
    pub fn of(&self, check: &'r CheckResult) -> impl Iterator<Item = Listed<'r>> + 'r {
        let mut findings = self.findings(&check.id).iter().peekable();
        let mut passes = self.passed(&check.id).peekable();
        std::iter::from_fn(move || match (findings.peek(), passes.peek()) {
            (Some(f), Some(s)) if listing_order(&f.subject) > listing_order(s) => {
                passes.next().map(|s| Listed::Pass(check, s))
            }
            (Some(_), _) => findings.next().map(Listed::Finding),
            (None, _) => passes.next().map(|s| Listed::Pass(check, s)),
        })
    }
}

/// One check's passing subjects at `Detail::Failing`: a pass costs an index, not a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passed {
    /// Check id.
    pub check: String,
    /// Indexes into [`Report::subjects`], in the check's subject order.
    pub subjects: Vec<u32>,
}

/// Builds a report's subject table: each distinct subject is stored once and named by an
/// index. Subjects may be interned in any order (checks run in parallel); [`finish`]
/// renumbers them by first appearance in the pass lists, so the table does not depend on
/// the schedule.
///
/// [`finish`]: SubjectTable::finish
#[derive(Debug, Default)]
pub struct SubjectTable {
    index: foldhash::HashMap<Subject, u32>,
}

impl SubjectTable {
    /// The (provisional) index of a subject, adding it when new.
    pub fn intern(&mut self, subject: Subject) -> u32 {
        let next = self.index.len() as u32;
        *self.index.entry(subject).or_insert(next)
    }

    /// The table, with the indexes in `lists` rewritten so that subjects are numbered in
    /// order of first appearance (lists in order, each in its order).
    pub fn finish(self, lists: &mut [Passed]) -> Vec<Subject> {
        let mut renumbered = vec![u32::MAX; self.index.len()];
        let mut next = 0;
        for id in lists.iter_mut().flat_map(|l| l.subjects.iter_mut()) {
            let slot = &mut renumbered[*id as usize];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            *id = *slot;
        }
        let mut table: Vec<(u32, Subject)> = self
            .index
            .into_iter()
            .map(|(s, id)| (renumbered[id as usize], s))
            .filter(|(id, _)| *id != u32::MAX)
            .collect();
        table.sort_unstable_by_key(|(id, _)| *id);
        table.into_iter().map(|(_, s)| s).collect()
    }
}

/// How many findings (check × subject) of each status a check produced. Counts passes even
/// when a report does not list them (`Detail::Summary`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Passing subjects.
    #[serde(default)]
    pub pass: usize,
    /// Failing subjects.
    #[serde(default)]
    pub fail: usize,
    /// Subjects with warnings.
    #[serde(default)]
    pub warn: usize,
    /// Subjects for a person to assess.
    #[serde(default)]
    pub manual: usize,
    /// Not applicable.
    #[serde(default)]
    pub not_applicable: usize,
    /// Could not be assessed.
    #[serde(default)]
    pub error: usize,
    /// Waived by an exception.
    #[serde(default)]
    pub waived: usize,
}

impl Counts {
    /// Counts statuses.
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> Counts {
        let mut c = Counts::default();
        for s in statuses {
            c.add(s, 1);
        }
        c
    }

    /// Adds `n` findings of `status`.
    pub fn add(&mut self, status: Status, n: usize) {
        match status {
            Status::Pass => self.pass += n,
            Status::Fail => self.fail += n,
            Status::Warn => self.warn += n,
            Status::Manual => self.manual += n,
            Status::NotApplicable => self.not_applicable += n,
            Status::Error => self.error += n,
            Status::Waived => self.waived += n,
        }
    }

    /// The count for one status.
    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Warn => self.warn,
            Status::Manual => self.manual,
            Status::NotApplicable => self.not_applicable,
            Status::Error => self.error,
            Status::Waived => self.waived,
        }
    }

    /// All findings counted.
    pub fn total(&self) -> usize {
        Status::ALL.iter().map(|s| self.get(*s)).sum()
    }

    /// Findings that did not pass (and were not not_applicable).
    pub fn not_passing(&self) -> usize {
        self.fail + self.warn + self.manual + self.error + self.waived
    }

    /// `12 subject(s): 3 fail, 9 pass` (statuses worst first); empty when nothing was
    /// counted. A check over several subjects says this, and `report.json` then leaves
    /// its message out.
    pub fn summary(&self) -> String {
        if self.total() == 0 {
            return String::new();
        }
        let parts: Vec<String> = Status::ALL
            .iter()
            .filter(|s| self.get(**s) > 0)
            .map(|s| format!("{} {}", self.get(*s), s.as_str().replace('_', " ")))
            .collect();
        format!("{} subject(s): {}", self.total(), parts.join(", "))
    }

    /// The worst status counted; `None` when nothing was.
    pub fn worst(&self) -> Option<Status> {
        Status::worst(Status::ALL.into_iter().filter(|s| self.get(*s) > 0))
    }
}

/// A check's overall verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Check id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Worst status over its findings (not_applicable when none).
    pub status: Status,
    /// Why, when there are no findings or the check could not run; otherwise what its
    /// subjects came to. Left out of `report.json` when it only counts them
    /// ([`Counts::summary`]), and filled back in when read.
    #[serde(default)]
    pub message: String,
    /// Why the check matters (the catalog's rationale), stored once here.
    #[serde(default)]
    pub rationale: String,
    /// Remediation text, stored once here (CSV rows carry only its first line).
    #[serde(default)]
    pub remediation: String,
    /// Findings per status, passes included even when they are not listed.
    #[serde(default)]
    pub counts: Counts,
    /// Equivalent ids in other tools, per tool (reports before peers became lists held one
    /// id per tool; they read as a list of one).
    #[serde(
        default,
        skip_serializing_if = "std::collections::BTreeMap::is_empty",
        deserialize_with = "peer_lists"
    )]
    pub peers: std::collections::BTreeMap<String, Vec<String>>,
    /// The catalog's references (benchmarks, documentation pages), for formats that link
    /// a rule to its help (SARIF `helpUri`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Why some or all of its subjects were not assessed, when the input did not hold what
    /// the check looks at (the first such finding's message, or why it found nothing in an
    /// input whose absences prove nothing): an item the check decides cannot pass on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unassessed: Option<String>,
}

fn peer_lists<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let map = std::collections::BTreeMap::<String, OneOrMany>::deserialize(d)?;
    Ok(map
        .into_iter()
        .map(|(tool, ids)| match ids {
            OneOrMany::One(id) => (tool, vec![id]),
            OneOrMany::Many(ids) => (tool, ids),
        })
        .collect())
}

/// Counts per status and the score of a framework.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Items per status (written as `pass`, `fail`, … beside the other fields).
    #[serde(flatten)]
    pub counts: Counts,
    /// All items.
    pub total: usize,
    /// 100 × (pass + waived) ÷ (pass + waived + fail + warn + error); null when nothing was decided.
    pub score: Option<f64>,
    /// Items whose status a person attested (already counted in pass, fail or
    /// not_applicable); absent in reports without attestations.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attested: usize,
    /// The score's formula, printed beside it.
    pub score_formula: String,
}

/// The published score formula.
pub const SCORE_FORMULA: &str = "100 × (pass + waived) ÷ (pass + waived + fail + warn + error); manual and not applicable items are not scored";

impl Summary {
    /// The score before rounding to one decimal, for comparisons with a threshold (12 of 17
    /// is 70.588…, below 70.59, though shown as 70.6).
    pub fn exact_score(&self) -> Option<f64> {
        let c = &self.counts;
        let good = c.pass + c.waived;
        let decided = good + c.fail + c.warn + c.error;
        (decided > 0).then(|| (good as f64) * 100.0 / decided as f64)
    }

    /// Counts statuses and computes the score.
    pub fn from_statuses(statuses: impl IntoIterator<Item = Status>) -> Summary {
        let counts = Counts::of(statuses);
        let c = &counts;
        let good = c.pass + c.waived;
        let decided = good + c.fail + c.warn + c.error;
        Summary {
            total: counts.total(),
            score: (decided > 0).then(|| ((good as f64) * 1000.0 / decided as f64).round() / 10.0),
            attested: 0,
            score_formula: SCORE_FORMULA.into(),
            counts,
        }
    }

    /// The count for one status.
    pub fn count(&self, status: Status) -> usize {
        self.counts.get(status)
    }
}

/// A framework item's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// The benchmark's id.
    pub id: String,
    /// The benchmark's title.
    pub title: String,
    /// Section id.
    pub section: String,
    /// Rolled-up status.
    pub status: Status,
    /// Checks deciding it; a check the report holds no result for was left out by
    /// `--check`/`--skip` (not run), and the item is then at best `manual`.
    pub checks: Vec<String>,
    /// The benchmark's own automated/manual label. An item it labels manual is for a person
    /// to judge: its checks are evidence, and only a failing one decides it.
    pub automated: bool,
    /// Profile / level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Instructions for the auditor (manual items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    /// Why, in one sentence. Left out of `report.json` when it is the one its status and its
    /// checks' verdicts give ([`item_message`]), and filled back in when read.
    #[serde(default)]
    pub message: String,
    /// Set when a person decided this manual item (`--attestations`): the status is theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Box<crate::attestations::Attested>>,
}

/// A section of a framework, for rendering the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionResult {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Enclosing section id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// One framework's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkResult {
    /// Framework id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Benchmark version.
    pub version: String,
    /// Counts and score over items.
    pub summary: Summary,
    /// Sections, depth-first.
    pub sections: Vec<SectionResult>,
    /// Items in benchmark order.
    pub items: Vec<ItemResult>,
}

/// Tool identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// `kubeattest`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

/// Catalog identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogRef {
    /// Catalog version.
    pub version: String,
    /// SHA-256 over its files.
    pub digest: String,
    /// The `--catalog` overlay applied on the built-in catalog (absent: the stock catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<CatalogOverlay>,
}

/// A `--catalog` overlay: where it came from, what it added or replaced, and the built-in
/// catalog's digest to compare with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogOverlay {
    /// The folder given to `--catalog`.
    pub path: String,
    /// Its files (relative paths), each adding a file or replacing a built-in one.
    pub files: Vec<OverlayFile>,
    /// Digest of the built-in catalog alone.
    pub builtin_digest: String,
}

/// One file of a catalog overlay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverlayFile {
    /// Path relative to the overlay folder (`checks/site.yaml`).
    pub name: String,
    /// It replaces the built-in file of the same path (else it adds one).
    pub replaces: bool,
}

/// What was scanned and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    /// Frameworks evaluated.
    pub frameworks: Vec<String>,
    /// Inputs: files, directories, snapshot, `demo`, cluster.
    pub sources: Vec<String>,
    /// Namespaces included (empty: all).
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Namespaces excluded.
    #[serde(default)]
    pub excluded_namespaces: Vec<String>,
}

/// The run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Unique id of this run.
    pub id: String,
    /// Tool identity.
    pub tool: Tool,
    /// Catalog identity.
    pub catalog: CatalogRef,
    /// UTC start (RFC 3339).
    pub started_at: String,
    /// UTC end (RFC 3339).
    pub finished_at: String,
    /// What was scanned.
    pub target: Target,
    /// Scope.
    pub scope: Scope,
    /// How much of the passing side `findings` carries. Reports of schema 1.0 carried
    /// everything, so a missing value reads as `full`.
    #[serde(default = "detail_of_v1")]
    pub detail: Detail,
    /// Who prepared it, the identity that read the target, the host, and the scope in words
    /// (empty in reports written before these were recorded).
    #[serde(default, skip_serializing_if = "is_default")]
    pub attribution: crate::attribution::Attribution,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn detail_of_v1() -> Detail {
    Detail::Full
}

/// The whole report. Read through [`record`], which resolves what `report.json` leaves
/// out (subject indexes, severities equal to their check's, derived item messages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "record::ReportRecord")]
pub struct Report {
    /// Schema version of this document.
    pub schema_version: String,
    /// The run.
    pub run: Run,
    /// Every source read or failed.
    pub coverage: Vec<Coverage>,
    /// Per check: overall verdict.
    pub checks: Vec<CheckResult>,
    /// Check × subject verdicts, in check then subject order: each check's findings are one
    /// contiguous run. Passes are here only at `Detail::Full` (with their observations); at
    /// `Detail::Failing` they are in `passed`, at `Detail::Summary` only counted.
    pub findings: Vec<Finding>,
    /// The subjects of the passes listed in `passed`, each once, in order of first
    /// appearance (checks in report order, subjects in each check's order). Compact: kind,
    /// namespace, name, file, line and node (no API version, no owner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// Per check that had passes at `Detail::Failing`, the subjects that passed (indexes
    /// into `subjects`, in the check's subject order); checks in report order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed: Vec<Passed>,
    /// Per framework: items and summary.
    pub frameworks: Vec<FrameworkResult>,
    /// Exceptions given for the run: applied, unused or expired.
    #[serde(default)]
    pub exceptions: Vec<crate::exceptions::ExceptionResult>,
    /// Attestations given for the run: applied, expired, invalid or unused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestations: Vec<crate::attestations::AttestationResult>,
    /// Findings grouped by owner, namespace and node, passes counted (absent in reports
    /// written before ownership was recorded).
    #[serde(default, skip_serializing_if = "crate::ownership::Breakdown::is_empty")]
    pub breakdown: crate::ownership::Breakdown,
    /// Every way into the cluster from outside (absent for node-only scans and reports
    /// written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<crate::exposure::Exposure>,
}

impl Report {
    /// A check's result by id.
    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The framework items each check decides, as `framework{sep}item` in report order
    /// (`cis-1.12 5.2.2` with `" "`), for the renderers that label a check with its items.
    pub fn items_by_check(&self, sep: &str) -> foldhash::HashMap<&str, Vec<String>> {
        let mut m: foldhash::HashMap<&str, Vec<String>> = foldhash::HashMap::default();
        for fw in &self.frameworks {
            for item in &fw.items {
                for c in &item.checks {
                    m.entry(c.as_str())
                        .or_default()
                        .push(format!("{}{sep}{}", fw.id, item.id));
                }
            }
        }
        m
    }

    /// Each check's findings as a map from check id to its contiguous run, built in one pass.
    pub fn runs(&self) -> foldhash::HashMap<&str, std::ops::Range<usize>> {
        let mut runs: foldhash::HashMap<&str, std::ops::Range<usize>> =
            foldhash::HashMap::default();
        for (i, f) in self.findings.iter().enumerate() {
            runs.entry(f.check.as_str())
                .and_modify(|r| r.end = i + 1)
                .or_insert(i..i + 1);
        }
        runs
    }

    /// Each check's compact passes (`passed`) as a map from check id to subject indexes.
    pub fn passed_by_check(&self) -> foldhash::HashMap<&str, &[u32]> {
        self.passed
            .iter()
            .map(|p| (p.check.as_str(), p.subjects.as_slice()))
            .collect()
    }

    /// The findings and compact passes of each check, indexed once for lookups by check.
    pub fn listing(&self) -> Listing<'_> {
        Listing {
            report: self,
            runs: self.runs(),
            passed: self.passed_by_check(),
        }
    }

    /// Everything the report lists, check by check in report order: each check's findings
    /// and compact passes merged in subject order (a pass is a [`Listed::Pass`] at
    /// `Detail::Failing`, a [`Listed::Finding`] at `Detail::Full`).
    pub fn listed(&self) -> impl Iterator<Item = Listed<'_>> + '_ {
        let listing = self.listing();
        let known: foldhash::HashSet<&str> = self.checks.iter().map(|c| c.id.as_str()).collect();
        // Findings of a check missing from `checks` (a hand-edited report) come last.
        let orphans = self
            .findings
            .iter()
            .filter(move |f| !known.contains(f.check.as_str()))
            .map(Listed::Finding);
        self.checks
            .iter()
            .flat_map(move |c| listing.of(c))
            .chain(orphans)
    }

    /// Sets every check's `counts` from the findings and passes listed (for reports whose
    /// findings were built or edited outside `evaluate`; unlisted passes are lost).
    pub fn recount(&mut self) {
        let counts: Vec<Counts> = {
            let listing = self.listing();
            self.checks
                .iter()
                .map(|c| {
                    let mut n = Counts::of(listing.findings(&c.id).iter().map(|f| f.status));
                    n.add(Status::Pass, listing.passed(&c.id).count());
                    n
                })
                .collect()
        };
        for (c, n) in self.checks.iter_mut().zip(counts) {
            c.counts = n;
        }
    }

    /// Brings a report read from disk to the current model (and schema version): orders
    /// findings by check (so each check's run is contiguous), fills `checks[].counts` of
    /// schema 1.0 reports, moves the compact passes of schema 2.0 reports out of `findings`
    /// into `subjects` and `passed`, and compacts passes when `detail` asks for less than
    /// the report holds.
    pub fn normalize(&mut self, detail: Option<Detail>) {
        let order: foldhash::HashMap<String, usize> = self
            .checks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let pos = |f: &Finding| order.get(&f.check).copied().unwrap_or(usize::MAX);
        if !self.findings.windows(2).all(|w| pos(&w[0]) <= pos(&w[1])) {
            self.findings.sort_by_key(|f| pos(f));
        }
        if !self.schema_version.starts_with("2.") {
            self.recount();
        }
        // Schema 2.0 listed compact passes among the findings; they move to the pass lists,
        // so the model is the same whichever version was read.
        if self.run.detail == Detail::Failing {
            self.move_passes();
        }
        self.schema_version = SCHEMA_VERSION.into();
        match detail {
            Some(Detail::Full) | None => {}
            Some(Detail::Failing) => {
                if self.run.detail == Detail::Full {
                    self.move_passes();
                    self.run.detail = Detail::Failing;
                }
            }
            Some(Detail::Summary) => {
                self.findings.retain(|f| f.status != Status::Pass);
                self.subjects = Vec::new();
                self.passed = Vec::new();
                self.run.detail = Detail::Summary;
            }
        }
    }

    /// Moves the passes listed in `findings` into `subjects` and `passed`, compacted.
    fn move_passes(&mut self) {
        if !self.findings.iter().any(|f| f.status == Status::Pass) {
            return;
        }
        let mut table = SubjectTable::default();
        let mut lists: Vec<Passed> = Vec::new();
        // The subjects already in the table keep their first places.
        for s in std::mem::take(&mut self.subjects) {
            table.intern(s);
        }
        let mut old = std::mem::take(&mut self.passed).into_iter().peekable();
        let order: foldhash::HashMap<&str, usize> = self
            .checks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let pos = |check: &str| order.get(check).copied().unwrap_or(usize::MAX);
        let mut kept = Vec::with_capacity(self.findings.len());
        for f in std::mem::take(&mut self.findings) {
            // Lists already held for earlier checks come first.
            while old.peek().is_some_and(|p| pos(&p.check) <= pos(&f.check)) {
                lists.extend(old.next());
            }
            if f.status != Status::Pass {
                kept.push(f);
                continue;
            }
            let mut subject = std::sync::Arc::unwrap_or_clone(f.subject);
            subject.compact();
            let id = table.intern(subject);
            match lists.last_mut() {
                Some(l) if l.check == f.check => l.subjects.push(id),
                _ => lists.push(Passed {
                    check: f.check,
                    subjects: vec![id],
                }),
            }
        }
        lists.extend(old);
        self.findings = kept;
        self.subjects = table.finish(&mut lists);
        self.passed = lists;
    }

    /// Fills back the static text (rationale, remediation, references, peers) that
    /// `report.json` leaves out of checks that passed or did not apply below
    /// `--detail full`, from `catalog` when it is the one the report was made with (same
    /// digest); with another catalog nothing is filled and `false` is returned.
    pub fn fill_static_text(&mut self, catalog: &crate::catalog::Catalog) -> bool {
        if catalog.digest != self.run.catalog.digest {
            return false;
        }
        let by_id: foldhash::HashMap<&str, &crate::catalog::Check> =
            catalog.checks.iter().map(|c| (c.id.as_str(), c)).collect();
        for c in &mut self.checks {
            let Some(source) = by_id.get(c.id.as_str()) else {
                continue;
            };
            if c.rationale.is_empty() && c.remediation.is_empty() {
                c.rationale = source.rationale.clone();
                c.remediation = source.remediation.clone();
                c.references = source.references.clone();
                c.peers = source.peers.clone();
            }
        }
        true
    }

    /// Whether any source could not be read.
    pub fn coverage_incomplete(&self) -> bool {
        self.coverage.iter().any(Coverage::is_failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_is_shown_rounded_and_compared_exactly() {
        let s = Summary::from_statuses(
            std::iter::repeat_n(Status::Pass, 12).chain(std::iter::repeat_n(Status::Fail, 5)),
        );
        assert_eq!(s.score, Some(70.6));
        assert!(s.exact_score().is_some_and(|e| e < 70.59 && e > 70.58));
        assert_eq!(Summary::from_statuses([Status::Manual]).exact_score(), None);
    }
}
