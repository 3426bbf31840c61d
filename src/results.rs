//! The evidence model: one versioned JSON document (`report.json`) from which every other
//! format is rendered.
//!
//! Outside tools rely on these keys; changing their meaning bumps [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};

use crate::catalog::Severity;
use crate::inventory::{Coverage, Target};

/// Version of the report schema.
pub const SCHEMA_VERSION: &str = "1.0";

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
    /// fail > error > warn > waived > manual > pass > not_applicable.
    pub fn rank(self) -> u8 {
        match self {
            Status::Fail => 6,
            Status::Error => 5,
            Status::Warn => 4,
            Status::Waived => 3,
            Status::Manual => 2,
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

/// What a finding is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Subject {
    /// Object kind (`Deployment`), or `Cluster`/`Node` for facts.
    pub kind: String,
    /// Namespace, if namespaced.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Object name.
    pub name: String,
    /// API version, when an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Manifest file, when read from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line of the object in `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Node the fact was collected on, when node facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

impl Subject {
    /// `Kind ns/name` or `Kind name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
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
    /// What it is about.
    pub subject: Subject,
    /// The evidence.
    pub observations: Vec<Observation>,
    /// One sentence for people.
    pub message: String,
    /// The exception that waived it, when `status` is `waived`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<crate::exceptions::Waiver>,
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
    /// Why, when there are no findings or the check could not run.
    pub message: String,
    /// Remediation text (also rendered in CSV/HTML/PDF).
    pub remediation: String,
    /// Equivalent ids in other tools.
    #[serde(
        default,
        skip_serializing_if = "std::collections::BTreeMap::is_empty",
        deserialize_with = "peer_lists"
    )]
    pub peers: std::collections::BTreeMap<String, Vec<String>>,
}

/// Reads `peers` as lists, also from reports written before peers became lists (one id per
/// tool).
fn peer_lists<'de, D>(d: D) -> Result<std::collections::BTreeMap<String, Vec<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let raw: std::collections::BTreeMap<String, OneOrMany> = Deserialize::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| {
            let ids = match v {
                OneOrMany::One(id) => vec![id],
                OneOrMany::Many(ids) => ids,
            };
            (k, ids)
        })
        .collect())
}

/// Counts per status and the score of a framework.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Items passing.
    pub pass: usize,
    /// Items failing.
    pub fail: usize,
    /// Items with warnings.
    pub warn: usize,
    /// Items for a person to assess.
    pub manual: usize,
    /// Items with nothing in scope.
    pub not_applicable: usize,
    /// Items that could not be assessed.
    pub error: usize,
    /// Items waived by an exception.
    pub waived: usize,
    /// All items.
    pub total: usize,
    /// 100 × (pass + waived) ÷ (pass + waived + fail + warn + error); null when nothing was decided.
    pub score: Option<f64>,
    /// The score's formula, printed beside it.
    pub score_formula: String,
}

/// The published score formula.
pub const SCORE_FORMULA: &str = "100 × (pass + waived) ÷ (pass + waived + fail + warn + error); manual and not_applicable items are not scored";

impl Summary {
    /// Counts statuses and computes the score.
    pub fn from_statuses(statuses: impl IntoIterator<Item = Status>) -> Summary {
        let mut s = Summary {
            score_formula: SCORE_FORMULA.into(),
            ..Summary::default()
        };
        for st in statuses {
            s.total += 1;
            match st {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Warn => s.warn += 1,
                Status::Manual => s.manual += 1,
                Status::NotApplicable => s.not_applicable += 1,
                Status::Error => s.error += 1,
                Status::Waived => s.waived += 1,
            }
        }
        let good = s.pass + s.waived;
        let decided = good + s.fail + s.warn + s.error;
        s.score = (decided > 0).then(|| ((good as f64) * 1000.0 / decided as f64).round() / 10.0);
        s
    }

    /// The count for one status.
    pub fn count(&self, status: Status) -> usize {
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
    /// Checks deciding it.
    pub checks: Vec<String>,
    /// The benchmark's own automated/manual label.
    pub automated: bool,
    /// Profile / level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Instructions for the auditor (manual items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    /// Why, in one sentence.
    pub message: String,
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
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Schema version of this document.
    pub schema_version: String,
    /// The run.
    pub run: Run,
    /// Every source read or failed.
    pub coverage: Vec<Coverage>,
    /// Per check: overall verdict.
    pub checks: Vec<CheckResult>,
    /// Check × subject verdicts with evidence, in check then subject order.
    pub findings: Vec<Finding>,
    /// Per framework: items and summary.
    pub frameworks: Vec<FrameworkResult>,
    /// Exceptions given for the run: applied, unused or expired.
    #[serde(default)]
    pub exceptions: Vec<crate::exceptions::ExceptionResult>,
}

impl Report {
    /// A check's result by id.
    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Findings of one check.
    pub fn findings_of<'a>(&'a self, check: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.check == check)
    }

    /// Whether any source could not be read.
    pub fn coverage_incomplete(&self) -> bool {
        self.coverage.iter().any(Coverage::is_failure)
    }
}
