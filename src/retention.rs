//! Kept reports of scheduled scans: `scan --out-root DIR` writes each run to
//! `DIR/<cluster>/<UTC time>/` (e.g. `reports/prod-eu/20261202T031150Z/`), points
//! `DIR/<cluster>/latest` at it, and `--keep N` / `--keep-days D` remove older runs of the
//! same cluster.
//!
//! Only folders that are certainly ours are ever removed: a sibling of the new run whose name
//! is a run time in our format, that is a real folder (not a link), that holds our
//! `MANIFEST.json`, and that holds nothing but the files that manifest lists (and
//! `MANIFEST.sig`). Anything else, even under the same root, is left alone and named.
//!
//! `latest` is a small file holding the name of the newest run folder, not a symbolic link:
//! a file survives whatever the reports volume is copied with (`kubectl cp`, object storage
//! sync, `rsync` without `-l`, SMB-backed volumes that have no links), is replaced atomically
//! by a rename, and reads with `cat`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::manifest::{ManifestEntry, FILE_NAME as MANIFEST};

/// The file naming the newest run folder of a cluster.
pub const LATEST: &str = "latest";

/// The signature file `scan --sign` adds beside `MANIFEST.json` (not listed in it).
const SIGNATURE: &str = crate::signature::SIGNATURE_FILE;

/// How a run folder is named: its start time in UTC, `20261202T031150Z`.
const RUN_NAME_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Largest `latest` file taken as ours.
const LATEST_MAX_BYTES: u64 = 256;

/// Which older runs to keep. With both limits, a run is kept when either keeps it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Keep the newest N runs (the new one included).
    pub keep: Option<usize>,
    /// Keep the runs younger than D days.
    pub keep_days: Option<u64>,
}

impl Policy {
    /// Whether this policy removes anything at all.
    pub fn prunes(&self) -> bool {
        self.keep.is_some() || self.keep_days.is_some()
    }
}

/// What a pruning did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Run folders removed.
    pub removed: Vec<PathBuf>,
    /// Run folders due for removal but left alone, with the reason.
    pub left: Vec<(PathBuf, String)>,
}

/// A retention step that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    /// The cluster folder could not be read, or a file not written.
    #[error("{}: {source}; check that the reports volume is mounted and writable", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// `latest` exists and is not our pointer file.
    #[error("{} is not kubeattest's pointer file ({why}); it was left alone: move it away so the newest run can be recorded", path.display())]
    NotOurLatest {
        /// The path.
        path: PathBuf,
        /// What it is instead.
        why: String,
    },
}

/// A folder-name-safe form of a cluster (target) name: ASCII letters, digits, `-`, `_` and
/// `.` kept, anything else `_`; never empty, never `.` or `..`.
pub fn cluster_folder(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() || safe.chars().all(|c| c == '.') {
        "cluster".into()
    } else {
        safe
    }
}

/// The run folder name for a start time (RFC 3339, as in `run.started_at`):
/// `20261202T031150Z`. A time that does not parse is taken as now.
pub fn run_folder_name(started_at: &str) -> String {
    DateTime::parse_from_rfc3339(started_at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now())
        .format(RUN_NAME_FORMAT)
        .to_string()
}

/// `root/<cluster>/<UTC time>/` for a run.
pub fn run_folder(root: &Path, cluster: &str, started_at: &str) -> PathBuf {
    root.join(cluster_folder(cluster))
        .join(run_folder_name(started_at))
}

/// The start time a run folder's name encodes (`None`: not a run folder name).
fn run_time(name: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(name, RUN_NAME_FORMAT)
        .ok()
        .map(|t| t.and_utc())
        .filter(|t| t.format(RUN_NAME_FORMAT).to_string() == name)
}

/// Records `run` (a folder name in `cluster_dir`) as the newest run, in `cluster_dir/latest`.
/// An existing `latest` is replaced only when it is our pointer file.
pub fn point_latest(cluster_dir: &Path, run: &str) -> Result<(), RetentionError> {
    let path = cluster_dir.join(LATEST);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(RetentionError::Io { path, source }),
        Ok(meta) => {
            let not_ours = |why: &str| RetentionError::NotOurLatest {
                path: path.clone(),
                why: why.into(),
            };
            if meta.file_type().is_symlink() {
                return Err(not_ours("a symbolic link"));
            }
            if !meta.is_file() {
                return Err(not_ours("not a file"));
            }
            if meta.len() > LATEST_MAX_BYTES {
                return Err(not_ours("larger than a run folder name"));
            }
            let text = std::fs::read_to_string(&path).map_err(|source| RetentionError::Io {
                path: path.clone(),
                source,
            })?;
            if run_time(text.trim()).is_none() {
                return Err(not_ours("does not hold a run folder name"));
            }
        }
    }
    crate::bundle::write_atomic(&path, format!("{run}\n").as_bytes())
        .map_err(|source| RetentionError::Io { path, source })
}

/// The run folder `latest` names in `cluster_dir`, when it is our pointer file.
pub fn latest(cluster_dir: &Path) -> Option<PathBuf> {
    let path = cluster_dir.join(LATEST);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > LATEST_MAX_BYTES {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let name = text.trim();
    run_time(name).map(|_| cluster_dir.join(name))
}

/// Removes the run folders of `cluster_dir` that `policy` does not keep. `current` (the run
/// just written) is always kept; folders that are not certainly ours are left and listed.
pub fn prune(
    cluster_dir: &Path,
    current: &str,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<Outcome, RetentionError> {
    let mut outcome = Outcome::default();
    if !policy.prunes() {
        return Ok(outcome);
    }
    let io = |source| RetentionError::Io {
        path: cluster_dir.to_path_buf(),
        source,
    };
    let mut runs: Vec<(DateTime<Utc>, String)> = Vec::new();
    for entry in std::fs::read_dir(cluster_dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // A link, a file, or a folder without our manifest is not a run we wrote, whatever
        // its name: it neither counts towards N nor is ever removed.
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if let (Some(time), true) = (run_time(&name), is_dir) {
            if listed_files(&entry.path()).is_ok() {
                runs.push((time, name));
            }
        }
    }
    runs.sort_by(|a, b| b.cmp(a));
    for (i, (time, name)) in runs.iter().enumerate() {
        let kept = name == current
            || policy.keep.is_some_and(|n| i < n)
            || policy.keep_days.is_some_and(|d| {
                chrono::Duration::try_days(i64::try_from(d).unwrap_or(i64::MAX))
                    .is_none_or(|max| now.signed_duration_since(*time) < max)
            });
        if kept {
            continue;
        }
        let path = cluster_dir.join(name);
        match remove_run(&path) {
            Ok(()) => outcome.removed.push(path),
            Err(why) => outcome.left.push((path, why)),
        }
    }
    Ok(outcome)
}

/// The files our `MANIFEST.json` in `dir` lists; else why it is not ours.
fn listed_files(dir: &Path) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Listed {
        #[allow(dead_code)]
        run_id: String,
        files: Vec<ManifestEntry>,
    }
    let manifest = dir.join(MANIFEST);
    let meta = std::fs::symlink_metadata(&manifest)
        .map_err(|_| format!("it holds no {MANIFEST}, so kubeattest did not write it"))?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return Err(format!("its {MANIFEST} is not kubeattest's"));
    }
    let listed: Listed = std::fs::read(&manifest)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| format!("its {MANIFEST} is not kubeattest's"))?;
    Ok(listed.files.into_iter().map(|f| f.name).collect())
}

/// The files of a run folder when it is certainly ours: it holds our `MANIFEST.json` and
/// nothing but regular files that manifest lists (and `MANIFEST.sig`). Else why not.
fn owned_files(dir: &Path) -> Result<Vec<String>, String> {
    let listed = listed_files(dir)?;
    let mut present = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list it: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list it: {e}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name == MANIFEST || name == SIGNATURE || listed.contains(&name);
        let file = entry.file_type().is_ok_and(|t| t.is_file());
        if !ours || !file {
            return Err(format!(
                "it holds `{}`, which its {MANIFEST} does not list",
                crate::quote::quote(&name)
            ));
        }
        present.push(name);
    }
    // The manifest goes last: a removal cut short leaves a folder still known as ours.
    present.sort_by_key(|n| n == MANIFEST);
    Ok(present)
}

/// Removes a run folder file by file (never recursively), after [`owned_files`] says it
/// is ours; a file that appears meanwhile makes the folder stay.
fn remove_run(dir: &Path) -> Result<(), String> {
    let files = owned_files(dir)?;
    for name in &files {
        std::fs::remove_file(dir.join(name)).map_err(|e| format!("cannot remove {name}: {e}"))?;
    }
    std::fs::remove_dir(dir).map_err(|e| format!("cannot remove the folder: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(dir: &Path, name: &str) -> PathBuf {
        let run = dir.join(name);
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("report.json"), "{}").unwrap();
        std::fs::write(
            run.join(MANIFEST),
            r#"{"run_id":"r","files":[{"name":"report.json","size":2,"sha256":"x"}]}"#,
        )
        .unwrap();
        run
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-10T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn names_are_utc_times_and_safe_cluster_names() {
        assert_eq!(
            run_folder_name("2026-12-02T04:11:50+01:00"),
            "20261202T031150Z"
        );
        assert_eq!(cluster_folder("arn:aws:eks/prod"), "arn_aws_eks_prod");
        assert_eq!(cluster_folder(".."), "cluster");
        assert!(run_time("20261202T031150Z").is_some());
        assert!(run_time("20261302T031150Z").is_none());
        assert!(run_time("latest").is_none());
    }

    #[test]
    fn keeps_the_newest_n_and_the_current_run() {
        let t = tempfile::tempdir().unwrap();
        for d in 1..=5 {
            report(t.path(), &format!("2026120{d}T000000Z"));
        }
        let policy = Policy {
            keep: Some(2),
            keep_days: None,
        };
        let out = prune(t.path(), "20261205T000000Z", policy, now()).unwrap();
        assert_eq!(out.removed.len(), 3);
        let mut left: Vec<String> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["20261204T000000Z", "20261205T000000Z"]);
    }

    #[test]
    fn keeps_the_young_ones_or_the_newest_n() {
        let t = tempfile::tempdir().unwrap();
        for d in 1..=8 {
            report(t.path(), &format!("2026120{d}T000000Z"));
        }
        // Now is the 10th: younger than 4 days are the 7th and 8th.
        let days = Policy {
            keep: None,
            keep_days: Some(4),
        };
        let out = prune(t.path(), "20261208T000000Z", days, now()).unwrap();
        assert_eq!(out.removed.len(), 6, "{out:?}");
        // With both, the union is kept.
        let t = tempfile::tempdir().unwrap();
        for d in 1..=8 {
            report(t.path(), &format!("2026120{d}T000000Z"));
        }
        let both = Policy {
            keep: Some(3),
            keep_days: Some(4),
        };
        let out = prune(t.path(), "20261208T000000Z", both, now()).unwrap();
        assert_eq!(out.removed.len(), 5, "{out:?}");
    }

    #[test]
    fn leaves_what_is_not_certainly_ours() {
        let t = tempfile::tempdir().unwrap();
        report(t.path(), "20261201T000000Z");
        // Named like a run, no manifest.
        std::fs::create_dir(t.path().join("20261202T000000Z")).unwrap();
        std::fs::write(t.path().join("20261202T000000Z/notes.txt"), "mine").unwrap();
        // Ours, but someone added a file.
        let added = report(t.path(), "20261203T000000Z");
        std::fs::write(added.join("notes.txt"), "mine").unwrap();
        // Not named like a run.
        report(t.path(), "backup");
        report(t.path(), "20261209T000000Z");
        let policy = Policy {
            keep: Some(1),
            keep_days: None,
        };
        let out = prune(t.path(), "20261209T000000Z", policy, now()).unwrap();
        assert_eq!(out.removed, [t.path().join("20261201T000000Z")]);
        // Only the one with our manifest is a run: due for removal, left, and said why.
        assert_eq!(out.left.len(), 1, "{out:?}");
        assert!(out.left[0].1.contains("notes.txt"), "{out:?}");
        assert!(t.path().join("20261202T000000Z/notes.txt").exists());
        assert!(added.join("notes.txt").exists());
        assert!(t.path().join("backup").join(MANIFEST).exists());
    }

    #[test]
    fn latest_is_a_file_replaced_only_when_ours() {
        let t = tempfile::tempdir().unwrap();
        point_latest(t.path(), "20261201T000000Z").unwrap();
        point_latest(t.path(), "20261202T000000Z").unwrap();
        assert_eq!(latest(t.path()), Some(t.path().join("20261202T000000Z")));
        std::fs::write(t.path().join(LATEST), "somebody's notes").unwrap();
        let err = point_latest(t.path(), "20261203T000000Z").unwrap_err();
        assert!(err.to_string().contains("left alone"), "{err}");
        assert_eq!(
            std::fs::read_to_string(t.path().join(LATEST)).unwrap(),
            "somebody's notes"
        );
    }
}
