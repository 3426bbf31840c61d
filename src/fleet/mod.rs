//! `kubeattest fleet DIR…`: one report over many clusters' runs. Per cluster the latest
//! run's score per framework, the trend over the runs present, whether its last run is stale
//! or could not read everything; across the fleet the items failing on most clusters; and
//! every folder that was not counted, with the reason (tampered, partial, not a report).
//!
//! Runs are read one at a time ([`read`]) and folded into a [`Rollup`] that keeps, per
//! cluster, a score line per run and the failing items of its newest run only, so memory
//! follows the number of clusters and runs, never the size of their findings.

pub mod csv;
pub mod html;
pub mod pdf;
pub mod read;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::results::{Counts, Summary};
use read::{Rejection, RunSummary};

/// Version of the fleet report's JSON.
pub const SCHEMA_VERSION: &str = "1.0";

/// Coverage failures listed per cluster at most (the count is always given).
const MAX_COVERAGE_LISTED: usize = 20;

/// The fleet report (`fleet.json`), from which HTML, PDF and CSV are rendered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    /// Always `kubeattest-fleet`.
    pub kind: String,
    /// Version of this document's schema.
    pub schema_version: String,
    /// The kubeattest version that wrote it.
    pub tool_version: String,
    /// The time staleness is measured against (UTC, RFC 3339).
    pub as_of: String,
    /// A cluster whose newest run started longer ago than this is stale (`7d`).
    pub stale_after: String,
    /// The same, in seconds.
    pub stale_after_seconds: u64,
    /// The paths given.
    pub inputs: Vec<String>,
    /// Counts over the whole fleet.
    pub totals: Totals,
    /// One entry per cluster, by name.
    pub clusters: Vec<Cluster>,
    /// Framework items failing on at least one cluster's newest run, most clusters first.
    pub worst_items: Vec<WorstItem>,
    /// Folders found but not counted, with the reason.
    pub rejected: Vec<Rejected>,
}

/// Counts over the fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Clusters with at least one counted run.
    pub clusters: usize,
    /// Runs counted.
    pub runs: usize,
    /// Folders not counted.
    pub rejected: usize,
    /// Clusters whose newest run is older than `stale_after`.
    pub stale: usize,
    /// Clusters whose newest run could not read every source.
    pub coverage_incomplete: usize,
}

/// One cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// The cluster's name (the reports' target name), followed by its API server's URL
    /// when clusters of different servers share that name (`kubernetes (https://10.0.0.1:6443)`).
    pub name: String,
    /// The newest run.
    pub latest: RunRef,
    /// Seconds between the newest run's start and `as_of` (negative: after it).
    pub age_seconds: i64,
    /// The newest run is older than `stale_after`.
    pub stale: bool,
    /// How many sources the newest run could not read.
    pub coverage_failures: usize,
    /// The first of them (`source (status): why`).
    pub coverage_failures_listed: Vec<String>,
    /// Per framework of the newest run: counts, score and trend.
    pub frameworks: Vec<FrameworkTrend>,
    /// Every run counted, oldest first.
    pub runs: Vec<RunPoint>,
}

/// Which run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRef {
    /// Run id.
    pub id: String,
    /// UTC start.
    pub started_at: String,
    /// The report folder.
    pub path: String,
    /// API server URL, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Kubernetes version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// The kubeattest version that wrote it.
    pub tool_version: String,
    /// The key id of a valid signature over its manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
}

/// A framework on one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkTrend {
    /// Framework id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Benchmark version.
    pub version: String,
    /// The newest run's item counts and score.
    pub summary: Summary,
    /// Score of the oldest run present that evaluated this framework.
    pub first_score: Option<f64>,
    /// Newest score minus the oldest (null when either is missing or only one run).
    pub delta: Option<f64>,
    /// `up`, `down`, `flat`, or `new` (one run only, or no earlier score).
    pub trend: String,
}

/// One run in a cluster's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPoint {
    /// Run id.
    pub id: String,
    /// UTC start.
    pub started_at: String,
    /// The report folder.
    pub path: String,
    /// Score per framework id (null: nothing decided).
    pub scores: BTreeMap<String, Option<f64>>,
    /// Sources not read in full.
    pub coverage_failures: usize,
}

/// A framework item failing across the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorstItem {
    /// Framework id.
    pub framework: String,
    /// Item id.
    pub item: String,
    /// Item title.
    pub title: String,
    /// Clusters whose newest run fails it.
    pub failing_clusters: usize,
    /// Clusters whose newest run evaluated the framework.
    pub of_clusters: usize,
    /// Their names.
    pub clusters: Vec<String>,
}

/// A folder not counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// The folder.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// What one cluster keeps while runs stream in.
#[derive(Default)]
struct ClusterAcc {
    runs: Vec<RunPoint>,
    /// The newest run so far, whole (it is the only one whose items are kept).
    latest: Option<RunSummary>,
}

/// Runs folded in one at a time.
#[derive(Default)]
pub struct Rollup {
    /// By target name and API server: two clusters both called `kubernetes` (kubeadm's
    /// default) are two clusters, not one history.
    clusters: BTreeMap<(String, Option<String>), ClusterAcc>,
    seen: BTreeMap<String, String>,
    rejected: Vec<Rejected>,
}

impl Rollup {
    /// An empty roll-up.
    pub fn new() -> Rollup {
        Rollup::default()
    }

    /// Counts a run (a run id seen before is listed as a duplicate, not counted twice).
    pub fn add(&mut self, run: RunSummary) {
        if let Some(first) = self.seen.get(&run.id) {
            self.rejected.push(Rejected {
                path: run.path,
                reason: format!("duplicate: the same run ({}) as {first}", run.id),
            });
            return;
        }
        self.seen.insert(run.id.clone(), run.path.clone());
        let acc = self
            .clusters
            .entry((run.cluster.clone(), run.server.clone()))
            .or_default();
        acc.runs.push(RunPoint {
            id: run.id.clone(),
            started_at: run.started_at.clone(),
            path: run.path.clone(),
            scores: run
                .frameworks
                .iter()
                .map(|f| (f.id.clone(), f.summary.score))
                .collect(),
            coverage_failures: run.coverage_failures.len(),
        });
        let newer = acc
            .latest
            .as_ref()
            .is_none_or(|l| (run.started, &run.id) > (l.started, &l.id));
        if newer {
            acc.latest = Some(run);
        }
    }

    /// Lists a folder that was not counted.
    pub fn reject(&mut self, r: Rejection) {
        self.rejected.push(Rejected {
            path: r.path,
            reason: r.reason,
        });
    }

    /// Runs counted so far.
    pub fn runs(&self) -> usize {
        self.seen.len()
    }

    /// The fleet report.
    pub fn finish(
        self,
        as_of: chrono::DateTime<chrono::Utc>,
        stale_after: std::time::Duration,
        stale_after_text: &str,
        inputs: Vec<String>,
    ) -> Fleet {
        let stale_secs = stale_after.as_secs();
        let mut clusters = Vec::new();
        // (framework, item) → (first seen, title, failing clusters); framework → clusters
        // evaluating it. First seen keeps the benchmark's own item order among ties.
        let mut failing: BTreeMap<(String, String), (usize, String, Vec<String>)> = BTreeMap::new();
        let mut evaluated: BTreeMap<String, usize> = BTreeMap::new();
        let mut servers_of: BTreeMap<&str, usize> = BTreeMap::new();
        for (name, _) in self.clusters.keys() {
            *servers_of.entry(name).or_default() += 1;
        }
        let shared: std::collections::BTreeSet<String> = servers_of
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(name, _)| name.to_string())
            .collect();
        for ((name, server), mut acc) in self.clusters {
            let Some(latest) = acc.latest.take() else {
                continue;
            };
            let name = if shared.contains(&name) {
                format!(
                    "{name} ({})",
                    server
                        .as_deref()
                        .unwrap_or("no API server: manifests or node facts")
                )
            } else {
                name
            };
            acc.runs.sort_by(|a, b| {
                (time_of(&a.started_at), &a.id).cmp(&(time_of(&b.started_at), &b.id))
            });
            let frameworks = latest
                .frameworks
                .iter()
                .map(|f| {
                    let first_score = acc
                        .runs
                        .iter()
                        .find_map(|r| r.scores.get(&f.id).copied().flatten());
                    let runs_with = acc
                        .runs
                        .iter()
                        .filter(|r| r.scores.get(&f.id).copied().flatten().is_some())
                        .count();
                    let delta = match (first_score, f.summary.score) {
                        (Some(a), Some(b)) if runs_with > 1 => {
                            Some(((b - a) * 10.0).round() / 10.0)
                        }
                        _ => None,
                    };
                    FrameworkTrend {
                        id: f.id.clone(),
                        title: f.title.clone(),
                        version: f.version.clone(),
                        summary: f.summary.clone(),
                        first_score,
                        delta,
                        trend: match delta {
                            None => "new",
                            Some(d) if d > 0.0 => "up",
                            Some(d) if d < 0.0 => "down",
                            Some(_) => "flat",
                        }
                        .into(),
                    }
                })
                .collect();
            for f in &latest.frameworks {
                *evaluated.entry(f.id.clone()).or_default() += 1;
                for (item, title) in &f.failing {
                    let seen = failing.len();
                    failing
                        .entry((f.id.clone(), item.clone()))
                        .or_insert_with(|| (seen, title.clone(), Vec::new()))
                        .2
                        .push(name.clone());
                }
            }
            let age = as_of.signed_duration_since(latest.started).num_seconds();
            clusters.push(Cluster {
                name,
                age_seconds: age,
                stale: age > i64::try_from(stale_secs).unwrap_or(i64::MAX),
                coverage_failures: latest.coverage_failures.len(),
                coverage_failures_listed: latest
                    .coverage_failures
                    .iter()
                    .take(MAX_COVERAGE_LISTED)
                    .cloned()
                    .collect(),
                frameworks,
                runs: acc.runs,
                latest: RunRef {
                    id: latest.id,
                    started_at: latest.started_at,
                    path: latest.path,
                    server: latest.server,
                    kubernetes_version: latest.kubernetes_version,
                    tool_version: latest.tool_version,
                    signed_by: latest.signed_by,
                },
            });
        }
        let mut failing: Vec<_> = failing.into_iter().collect();
        failing.sort_by_key(|(_, (seen, _, _))| *seen);
        let mut worst_items: Vec<WorstItem> = failing
            .into_iter()
            .map(|((framework, item), (_, title, names))| WorstItem {
                of_clusters: evaluated.get(&framework).copied().unwrap_or(0),
                failing_clusters: names.len(),
                clusters: names,
                framework,
                item,
                title,
            })
            .collect();
        // Most clusters first; ties stay in the order first seen (stable sort).
        worst_items.sort_by_key(|w| std::cmp::Reverse(w.failing_clusters));
        let mut rejected = self.rejected;
        rejected.sort_by(|a, b| a.path.cmp(&b.path));
        let totals = Totals {
            clusters: clusters.len(),
            runs: self.seen.len(),
            rejected: rejected.len(),
            stale: clusters.iter().filter(|c| c.stale).count(),
            coverage_incomplete: clusters.iter().filter(|c| c.coverage_failures > 0).count(),
        };
        Fleet {
            kind: "kubeattest-fleet".into(),
            schema_version: SCHEMA_VERSION.into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            as_of: as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            stale_after: stale_after_text.into(),
            stale_after_seconds: stale_secs,
            inputs,
            totals,
            clusters,
            worst_items,
            rejected,
        }
    }
}

fn time_of(rfc3339: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
}

impl Fleet {
    /// Framework ids present on any cluster, in first-seen order.
    pub fn framework_ids(&self) -> Vec<(String, String)> {
        let mut ids: Vec<(String, String)> = Vec::new();
        for c in &self.clusters {
            for f in &c.frameworks {
                if !ids.iter().any(|(id, _)| *id == f.id) {
                    ids.push((f.id.clone(), format!("{} {}", f.title, f.version)));
                }
            }
        }
        ids
    }

    /// Why a cluster needs attention, in words (empty: it does not).
    pub fn attention(&self, c: &Cluster) -> Vec<String> {
        let mut why = Vec::new();
        if c.stale {
            why.push(format!(
                "last run {} ago (stale after {})",
                age_text(c.age_seconds),
                self.stale_after
            ));
        }
        if c.coverage_failures > 0 {
            why.push(format!(
                "coverage incomplete: {} source{} not read",
                c.coverage_failures,
                if c.coverage_failures == 1 { "" } else { "s" }
            ));
        }
        why
    }
}

/// `3d 4h`, `5h 2m`, `40s` for an age in seconds.
pub fn age_text(secs: i64) -> String {
    if secs < 0 {
        return "in the future".into();
    }
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// `12.5`, or `n/a` when nothing was decided.
pub fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "n/a".into(), |s| format!("{s:.1}"))
}

/// `+2.5`, `-1.0`, `0.0`, or empty.
pub fn delta_text(delta: Option<f64>) -> String {
    delta.map_or_else(String::new, |d| format!("{d:+.1}"))
}

/// Parses `--stale-after`: `7d`, `36h`, `90m`, or anything `cli::parse_duration` reads;
/// days may be combined (`1d12h`). At most ten years.
pub fn parse_age(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let bad = |why: &str| format!("invalid age `{text}`: {why} (use e.g. `7d`, `36h`, `1d12h`)");
    let (days, rest) = match t.find('d') {
        Some(i) => {
            let n: f64 = t[..i].parse().map_err(|_| bad("days must be a number"))?;
            if !n.is_finite() || n < 0.0 {
                return Err(bad("days must be a positive number"));
            }
            (n, &t[i + 1..])
        }
        None => (0.0, t),
    };
    let rest_secs = if rest.is_empty() {
        0.0
    } else {
        crate::cli::parse_duration(rest)?.as_secs_f64()
    };
    let secs = days * 86_400.0 + rest_secs;
    if secs <= 0.0 {
        return Err(bad("must be more than zero"));
    }
    if secs > 3650.0 * 86_400.0 {
        return Err(bad("at most 3650 days"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// Counts of a summary as (status name, count) pairs, in report order.
pub fn counts_of(c: &Counts) -> Vec<(&'static str, usize)> {
    crate::results::Status::ALL
        .iter()
        .map(|s| (s.as_str(), c.get(*s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse_with_days() {
        assert_eq!(parse_age("7d").expect("7d").as_secs(), 7 * 86_400);
        assert_eq!(parse_age("1d12h").expect("1d12h").as_secs(), 36 * 3_600);
        assert_eq!(parse_age("36h").expect("36h").as_secs(), 36 * 3_600);
        assert!(parse_age("0d").is_err());
        assert!(parse_age("xd").is_err());
        assert!(parse_age("4000d").is_err());
    }

    #[test]
    fn ages_read_as_words() {
        assert_eq!(age_text(90_061), "1d 1h");
        assert_eq!(age_text(3_720), "1h 2m");
        assert_eq!(age_text(42), "42s");
    }
}
