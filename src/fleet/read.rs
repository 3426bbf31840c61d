//! Finding and reading the report folders of a fleet: a path is a report folder (it holds
//! `MANIFEST.json` or `report.json`) or a folder of them, at any depth up to
//! [`MAX_DEPTH`] (`<root>/<cluster>/<UTC time>/` as `scan --out-root` writes them).
//!
//! Each folder is verified like `kubeattest verify` does (every file's size and SHA-256
//! against `MANIFEST.json`, the signature when there is one) before its `report.json` is
//! read; the bytes parsed are hashed again on the way in, so what is counted is what the
//! manifest lists. `report.json` is parsed as a stream into a [`RunSummary`] that keeps only
//! the run, the coverage failures and each framework's summary and item statuses: findings
//! and checks are skipped without being held, so a fleet of any size needs the memory of
//! one summary at a time.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::manifest::{ManifestEntry, FILE_NAME as MANIFEST};
use crate::results::{Status, Summary};

/// How deep below a path given on the command line report folders are looked for.
pub const MAX_DEPTH: usize = 4;

/// Largest `MANIFEST.json` read (ours list a handful of files).
const MANIFEST_MAX_BYTES: u64 = 1 << 20;

/// One run, reduced to what a fleet report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The report folder.
    pub path: String,
    /// Run id.
    pub id: String,
    /// The cluster (the report's target name).
    pub cluster: String,
    /// UTC start, as written.
    pub started_at: String,
    /// UTC start, parsed.
    pub started: chrono::DateTime<chrono::Utc>,
    /// API server URL, when a cluster was scanned.
    pub server: Option<String>,
    /// Kubernetes version, when known.
    pub kubernetes_version: Option<String>,
    /// The kubeattest version that wrote it.
    pub tool_version: String,
    /// The key id whose signature over MANIFEST.json checked out.
    pub signed_by: Option<String>,
    /// Sources that could not be read (`source: why`).
    pub coverage_failures: Vec<String>,
    /// Per framework: summary and the items that failed.
    pub frameworks: Vec<FrameworkSummary>,
}

/// A framework of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameworkSummary {
    /// Framework id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Benchmark version.
    pub version: String,
    /// Item counts and score.
    pub summary: Summary,
    /// Items whose status is `fail`: (item id, title).
    pub failing: Vec<(String, String)>,
}

/// A folder that was found but not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The folder (or path given).
    pub path: String,
    /// Why, in words.
    pub reason: String,
}

/// The report folders under `paths`, in a stable order (each path's own order, folders
/// sorted by name), and the paths that could not be read at all.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Rejection>) {
    let mut found = Vec::new();
    let mut rejected = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in paths {
        let start = if p.file_name().is_some_and(|n| n == "report.json") && p.is_file() {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            p.clone()
        };
        match std::fs::metadata(&start) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                rejected.push(Rejection {
                    path: p.display().to_string(),
                    reason: "not a folder; give report folders or folders holding them".into(),
                });
                continue;
            }
            Err(e) => {
                rejected.push(Rejection {
                    path: p.display().to_string(),
                    reason: format!("cannot read it: {e}"),
                });
                continue;
            }
        }
        let before = found.len();
        walk(&start, 0, &mut found, &mut rejected);
        let any = found.len() > before;
        // A folder reached through two of the paths given (`fleet reports reports/prod`) is
        // read once.
        let mut fresh = found.split_off(before);
        fresh.retain(|dir| seen.insert(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone())));
        found.append(&mut fresh);
        if !any {
            rejected.push(Rejection {
                path: p.display().to_string(),
                reason: format!(
                    "no report folder (one holding {MANIFEST} or report.json) in it or {MAX_DEPTH} levels below"
                ),
            });
        }
    }
    (found, rejected)
}

fn is_bundle(dir: &Path) -> bool {
    [MANIFEST, "report.json"]
        .iter()
        .any(|n| std::fs::symlink_metadata(dir.join(n)).is_ok())
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>, rejected: &mut Vec<Rejection>) {
    if is_bundle(dir) {
        found.push(dir.to_path_buf());
        return;
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            rejected.push(Rejection {
                path: dir.display().to_string(),
                reason: format!("cannot list it: {e}"),
            });
            return;
        }
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        // Links are not followed (a `latest` link would count a run twice); hidden names are
        // our temporary folders or someone else's.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, found, rejected);
    }
}

/// Verifies a report folder and reads its run summary; `key` pins the signer.
pub fn read_run(
    dir: &Path,
    key: Option<&ed25519_dalek::VerifyingKey>,
) -> Result<RunSummary, String> {
    let outcome = crate::verify::verify(dir, key);
    if !outcome.problems.is_empty() {
        let shown: Vec<String> = outcome
            .problems
            .iter()
            .take(5)
            .map(ToString::to_string)
            .collect();
        let more = outcome.problems.len() - shown.len();
        return Err(format!(
            "not intact: {}{}",
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ));
    }
    let (run_id, files) = manifest(dir)?;
    let listed = files
        .into_iter()
        .find(|f| f.name == "report.json")
        .ok_or_else(|| {
            format!("no report.json in {MANIFEST}: the run was written without JSON (scan with --format json)")
        })?;
    let path = dir.join("report.json");
    let file =
        std::fs::File::open(&path).map_err(|e| format!("report.json: cannot read it: {e}"))?;
    let mut reader = HashingReader {
        inner: std::io::BufReader::with_capacity(1 << 16, file),
        hasher: Sha256::new(),
        size: 0,
    };
    let raw: RawReport = serde_json::from_reader(&mut reader)
        .map_err(|e| format!("report.json: not a kubeattest report ({e})"))?;
    std::io::copy(&mut reader, &mut std::io::sink())
        .map_err(|e| format!("report.json: cannot read it: {e}"))?;
    let sha = format!("{:x}", reader.hasher.finalize());
    if reader.size != listed.size || !sha.eq_ignore_ascii_case(&listed.sha256) {
        return Err(
            "report.json changed while it was read (its SHA-256 no longer matches MANIFEST.json)"
                .into(),
        );
    }
    // The manifest's run id decides which copies of a run are compared (`conflicting_copies`).
    if raw.run.id != run_id {
        return Err(format!(
            "report.json is run {} but {MANIFEST} names run {}: one of them was altered",
            crate::quote::bounded(&raw.run.id, 80),
            crate::quote::bounded(&run_id, 80)
        ));
    }
    summarize(dir, raw, outcome.signed_by)
}

/// The run id `MANIFEST.json` names and the files it lists.
fn manifest(dir: &Path) -> Result<(String, Vec<ManifestEntry>), String> {
    #[derive(Deserialize)]
    struct Listed {
        run_id: String,
        files: Vec<ManifestEntry>,
    }
    let mp = dir.join(MANIFEST);
    let meta = std::fs::metadata(&mp).map_err(|e| format!("{MANIFEST}: cannot read it: {e}"))?;
    if meta.len() > MANIFEST_MAX_BYTES {
        return Err(format!("{MANIFEST}: larger than 1 MiB; not one of ours"));
    }
    let bytes = std::fs::read(&mp).map_err(|e| format!("{MANIFEST}: cannot read it: {e}"))?;
    let listed: Listed = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{MANIFEST}: not a kubeattest manifest ({e})"))?;
    Ok((listed.run_id, listed.files))
}

/// Run ids found in more than one folder with different contents (report.json's SHA-256 as
/// MANIFEST.json lists it), with those folders. A run is written once: copies that differ mean
/// at least one was altered, and which one cannot be told without a pinned key, so none is
/// counted. Folders whose manifest cannot be read are left to [`read_run`] to reject.
pub fn conflicting_copies(dirs: &[PathBuf]) -> BTreeMap<String, Vec<PathBuf>> {
    let mut by_run: BTreeMap<String, Vec<(PathBuf, String)>> = BTreeMap::new();
    for dir in dirs {
        if let Ok((run_id, files)) = manifest(dir) {
            if let Some(report) = files.into_iter().find(|f| f.name == "report.json") {
                let sha = report.sha256.to_ascii_lowercase();
                by_run.entry(run_id).or_default().push((dir.clone(), sha));
            }
        }
    }
    by_run
        .into_iter()
        .filter(|(_, copies)| copies.iter().any(|(_, sha)| *sha != copies[0].1))
        .map(|(id, copies)| (id, copies.into_iter().map(|(dir, _)| dir).collect()))
        .collect()
}

struct HashingReader<R: Read> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// The parts of report.json a fleet needs; everything else (findings, checks, exceptions)
/// is skipped by the parser without being stored.
#[derive(Deserialize)]
struct RawReport {
    schema_version: String,
    run: RawRun,
    #[serde(default)]
    coverage: Vec<crate::inventory::Coverage>,
    #[serde(default)]
    frameworks: Vec<RawFramework>,
}

#[derive(Deserialize)]
struct RawRun {
    id: String,
    tool: crate::results::Tool,
    started_at: String,
    target: RawTarget,
}

#[derive(Deserialize)]
struct RawTarget {
    name: String,
    #[serde(default)]
    server: Option<String>,
    #[serde(default)]
    kubernetes_version: Option<String>,
}

#[derive(Deserialize)]
struct RawFramework {
    id: String,
    title: String,
    version: String,
    summary: Summary,
    #[serde(default)]
    items: Vec<RawItem>,
}

#[derive(Deserialize)]
struct RawItem {
    id: String,
    title: String,
    status: Status,
}

fn summarize(dir: &Path, raw: RawReport, signed_by: Option<String>) -> Result<RunSummary, String> {
    if !(raw.schema_version.starts_with("1.") || raw.schema_version.starts_with("2.")) {
        return Err(format!(
            "report.json: schema {} is newer than this kubeattest reads; use a newer kubeattest",
            raw.schema_version
        ));
    }
    let started = chrono::DateTime::parse_from_rfc3339(&raw.run.started_at)
        .map_err(|e| {
            format!(
                "report.json: run.started_at `{}` is not an RFC 3339 time ({e})",
                crate::quote::bounded(&raw.run.started_at, 80)
            )
        })?
        .with_timezone(&chrono::Utc);
    if raw.run.target.name.trim().is_empty() {
        return Err("report.json: run.target.name is empty; the cluster is not named".into());
    }
    let coverage_failures = raw
        .coverage
        .iter()
        .filter(|c| c.is_failure())
        .map(|c| match &c.error {
            Some(e) => format!("{} ({}): {e}", c.source, c.status),
            None => format!("{} ({})", c.source, c.status),
        })
        .collect();
    let frameworks = raw
        .frameworks
        .into_iter()
        .map(|f| FrameworkSummary {
            failing: f
                .items
                .into_iter()
                .filter(|i| i.status == Status::Fail)
                .map(|i| (i.id, i.title))
                .collect(),
            id: f.id,
            title: f.title,
            version: f.version,
            summary: f.summary,
        })
        .collect();
    Ok(RunSummary {
        path: dir.display().to_string(),
        id: raw.run.id,
        cluster: raw.run.target.name,
        started_at: raw.run.started_at,
        started,
        server: raw.run.target.server,
        kubernetes_version: raw.run.target.kubernetes_version,
        tool_version: raw.run.tool.version,
        signed_by,
        coverage_failures,
        frameworks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_bundle(dir: &Path) -> crate::results::Report {
        let inventory = crate::collect::demo::collect().expect("demo");
        let catalog = crate::catalog::load(None).expect("catalog");
        let frameworks: Vec<_> = catalog.frameworks.iter().collect();
        let info = crate::evaluate::RunInfo {
            started_at: "2026-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        let report = crate::evaluate::evaluate(&catalog, &inventory, &frameworks, info);
        crate::bundle::write(
            dir,
            &report,
            &[crate::render::Format::Json],
            &crate::bundle::OutPolicy::default(),
        )
        .expect("bundle");
        report
    }

    #[test]
    fn summary_agrees_with_the_full_report() {
        let t = tempfile::tempdir().expect("temp dir");
        let dir = t.path().join("run");
        let report = demo_bundle(&dir);
        let run = read_run(&dir, None).expect("intact");
        assert_eq!(run.id, report.run.id);
        assert_eq!(run.cluster, report.run.target.name);
        assert_eq!(run.frameworks.len(), report.frameworks.len());
        for (s, f) in run.frameworks.iter().zip(&report.frameworks) {
            assert_eq!(s.summary, f.summary);
            let failing: Vec<&str> = f
                .items
                .iter()
                .filter(|i| i.status == Status::Fail)
                .map(|i| i.id.as_str())
                .collect();
            let got: Vec<&str> = s.failing.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(got, failing);
        }
    }

    #[test]
    fn a_changed_or_partial_folder_is_rejected() {
        let t = tempfile::tempdir().expect("temp dir");
        let dir = t.path().join("run");
        demo_bundle(&dir);
        let p = dir.join("report.json");
        let text = std::fs::read_to_string(&p).expect("read");
        std::fs::write(&p, text.replacen("\"fail\"", "\"pass\"", 1)).expect("write");
        let why = read_run(&dir, None).expect_err("tampered");
        assert!(why.contains("report.json: changed"), "{why}");
        std::fs::remove_file(dir.join(MANIFEST)).expect("rm");
        let why = read_run(&dir, None).expect_err("partial");
        assert!(why.contains("MANIFEST.json"), "{why}");
    }

    #[test]
    fn discovery_walks_cluster_and_time_folders_and_skips_hidden_ones() {
        let t = tempfile::tempdir().expect("temp dir");
        for rel in [
            "a/20260101T000000Z",
            "a/20260102T000000Z",
            "b/20260101T000000Z",
        ] {
            let d = t.path().join(rel);
            std::fs::create_dir_all(&d).expect("mkdir");
            std::fs::write(d.join(MANIFEST), "{}").expect("write");
        }
        std::fs::create_dir_all(t.path().join("a/.x.tmp-1")).expect("mkdir");
        std::fs::write(t.path().join("a/.x.tmp-1").join(MANIFEST), "{}").expect("write");
        std::fs::write(t.path().join("a/latest"), "20260102T000000Z").expect("write");
        let (found, rejected) = discover(&[t.path().to_path_buf()]);
        assert!(rejected.is_empty(), "{rejected:?}");
        let rel: Vec<String> = found
            .iter()
            .map(|p| {
                p.strip_prefix(t.path())
                    .expect("under")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            rel,
            [
                "a/20260101T000000Z",
                "a/20260102T000000Z",
                "b/20260101T000000Z"
            ]
        );
        let (_, rejected) = discover(&[t.path().join("missing")]);
        assert_eq!(rejected.len(), 1);
    }
}
