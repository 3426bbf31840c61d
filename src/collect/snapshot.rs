//! Snapshots: what a collection saw, saved as one JSON file so it can be evaluated again
//! later, offline, with the same verdicts.
//!
//! Format (`snapshot_version` 1):
//! ```json
//! { "kind": "KubeattestSnapshot", "snapshot_version": 1, "created_at": "…",
//!   "target": {…}, "complete": false, "kinds": {"Secret": {"state": "failed", "reason": "…"}},
//!   "coverage": [{source, status, items, error}], "objects": [ …Kubernetes objects… ],
//!   "node_facts": [ …documents written by `kubeattest node`… ],
//!   "node_facts_missing": {"worker-2": "…why its facts could not be read…"},   (if any)
//!   "namespaces": ["…"], "excluded_namespaces": ["…"] }   (scope of a cluster scan, if limited)
//! ```
//! Objects are stored as collected, which means secret values are already redacted.
//!
//! Reading is strict, since a key the reader skips is input lost: a key not listed above
//! (other than `comment`, which hand-written fixtures carry) is an error naming it with its
//! line, and so is a snapshot with no `objects` key that says kinds were collected. A kind
//! whose list the coverage records as failed (forbidden, error…) is failed whatever `kinds`
//! says, so a hand-edited `kinds` never turns a list that was not read into a pass.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::collect::cluster::resources::{self, ApiPath};
use crate::collect::CollectError;
use crate::inventory::{Coverage, Inventory, KindState, Object, Origin, SourceKind, Target};
use crate::node_facts::NodeFacts;

/// Current snapshot format version.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The first snapshot format version (no snapshot was ever written with a lower one).
pub const FIRST_SNAPSHOT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotFile {
    /// Free text for people (the check fixtures say what each one shows); never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    kind: String,
    snapshot_version: u32,
    created_at: String,
    target: Target,
    #[serde(default)]
    complete: bool,
    #[serde(default)]
    kinds: BTreeMap<String, KindState>,
    #[serde(default)]
    coverage: Vec<Coverage>,
    /// Read straight into documents (see `Doc`'s `Deserialize`). `None` when the key is
    /// missing, which is only accepted when no kind is said to be collected.
    #[serde(default)]
    objects: Option<Vec<crate::document::Doc>>,
    #[serde(default)]
    node_facts: Vec<NodeFacts>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    node_facts_missing: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    namespaces: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    excluded_namespaces: Vec<String>,
}

/// What [`write`] serializes: [`SnapshotFile`] borrowing from the inventory, so a snapshot of
/// a large cluster does not hold a second copy of every object.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    kind: &'static str,
    snapshot_version: u32,
    created_at: String,
    target: &'a Target,
    complete: bool,
    kinds: &'a BTreeMap<String, KindState>,
    coverage: &'a [Coverage],
    objects: Vec<&'a crate::document::Doc>,
    node_facts: &'a [NodeFacts],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    node_facts_missing: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    namespaces: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    excluded_namespaces: &'a [String],
}

/// Reads a snapshot into an inventory. Objects that are not Kubernetes objects are reported
/// in coverage; a file that is not a snapshot, or a snapshot this build cannot read as
/// written (see the module documentation), is an error.
pub fn read(path: &Path) -> Result<Inventory, CollectError> {
    let bytes = crate::collect::read_input(path).map_err(|e| CollectError::SnapshotRead {
        path: path.to_path_buf(),
        source: match e {
            crate::collect::InputError::Io(io) => io,
            other => std::io::Error::other(other.to_string()),
        },
    })?;
    let text = String::from_utf8(bytes).map_err(|_| CollectError::SnapshotFormat {
        path: path.to_path_buf(),
        message: "not UTF-8 text".into(),
    })?;
    let file: SnapshotFile =
        serde_json::from_str(&text).map_err(|e| parse_error(path, &text, &e))?;
    if file.kind != "KubeattestSnapshot" {
        return Err(CollectError::SnapshotFormat {
            path: path.to_path_buf(),
            message: format!("`kind` is `{}`, expected `KubeattestSnapshot`", file.kind),
        });
    }
    check_version(path, u64::from(file.snapshot_version))?;
    let objects = match file.objects {
        Some(objects) => objects,
        None => match claimed_collected(file.complete, &file.kinds) {
            Some(claim) => {
                return Err(CollectError::SnapshotInvalid {
                    path: path.to_path_buf(),
                    message: format!(
                        "no `objects` key, yet {claim}; a snapshot lists its objects under `objects` (`\"objects\": []` when there are none)"
                    ),
                })
            }
            None => Vec::new(),
        },
    };
    let mut target = file.target;
    // Keep the original source kind if recorded (a demo snapshot stays a demo).
    if target.source.is_none() {
        target.source = Some(SourceKind::Snapshot);
    }
    let mut inv = Inventory::new(target, file.complete);
    inv.kinds = file.kinds;
    let shown = path.display().to_string();
    for (kind, reason) in failed_in_coverage(&file.coverage) {
        if !matches!(inv.kinds.get(&kind), Some(KindState::Failed(_))) {
            inv.kinds
                .insert(kind, KindState::Failed(format!("{shown}: {reason}")));
        }
    }
    inv.coverage = file.coverage;
    // Nothing recorded as collected: what the checks read is unknown, and the run must not
    // look complete (exit 0) with every object check in error.
    if !file.complete && inv.kinds.is_empty() {
        inv.coverage.push(Coverage::failed(
            &shown,
            "error",
            format!(
                "{shown} records no kind as collected (`complete` is false and `kinds` is empty): checks that read objects cannot be judged; write it anew with `kubeattest snapshot`"
            ),
        ));
    }
    inv.node_facts = file.node_facts;
    inv.node_facts_missing = file.node_facts_missing;
    inv.namespaces = file.namespaces;
    inv.excluded_namespaces = file.excluded_namespaces;
    for (i, value) in objects.into_iter().enumerate() {
        let kind = value
            .get("kind")
            .and_then(crate::document::Doc::as_str)
            .map(str::to_string);
        // What the API server would refuse (a label that is not a string) is judged by
        // nobody, as from manifests.
        // A controller-owned Pod trimmed when it was listed is not a Pod without containers.
        let trimmed = kind
            .as_deref()
            .is_some_and(|k| crate::collect::cluster::trim::is_trimmed(k, &value));
        let refused = kind.as_deref().filter(|_| !trimmed).and_then(|k| {
            let api_version = value
                .get("apiVersion")
                .and_then(crate::document::Doc::as_str)
                .unwrap_or("");
            let evaluated = crate::collect::cluster::resources::served_kind(k, api_version).ok()?;
            crate::collect::shape::problem(&evaluated, &value)
                .map(|p| format!("{}: {}", p.path, p.message))
        });
        // Named before the object is given away: `objects[i]` and what it says it is.
        let at = format!("{shown} {}", object_label(i, &value));
        let parsed = match refused {
            Some(why) => Err(why),
            None => Object::from_doc(
                value,
                Origin::Snapshot {
                    path: shown.clone(),
                },
                BTreeMap::new(),
            ),
        };
        match parsed {
            Ok(o) => inv.objects.push(o),
            Err(why) => {
                // An object lost is input lost: its kind is no longer known complete, so
                // checks that believe absence (a Namespace without its labels) say error.
                if let Some(kind) = kind {
                    inv.kinds.insert(
                        kind,
                        KindState::Failed(format!("{at} could not be read: {why}")),
                    );
                }
                inv.coverage.push(Coverage::failed(
                    at.clone(),
                    "invalid",
                    format!("{at}: {why}"),
                ));
            }
        }
    }
    inv.finish();
    Ok(inv)
}

/// `objects[i]`, with the kind, namespace and name the object gives, as far as it gives
/// them: `objects[3] (Pod web/api)`. (Where in the file it starts is not kept: objects are
/// read straight into documents.)
fn object_label(i: usize, value: &crate::document::Doc) -> String {
    let text = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(crate::document::Doc::as_str)
    };
    let name = match (text("/metadata/namespace"), text("/metadata/name")) {
        (Some(ns), Some(name)) => Some(format!("{ns}/{name}")),
        (None, Some(name)) => Some(name.to_string()),
        (_, None) => None,
    };
    match (text("/kind"), name) {
        (Some(kind), Some(name)) => format!("objects[{i}] ({kind} {name})"),
        (Some(kind), None) => format!("objects[{i}] ({kind}, no name)"),
        (None, Some(name)) => format!("objects[{i}] ({name}, no kind)"),
        (None, None) => format!("objects[{i}]"),
    }
}

/// Refuses a version this build cannot read: newer than [`SNAPSHOT_VERSION`], or below
/// [`FIRST_SNAPSHOT_VERSION`] (no kubeattest ever wrote one).
fn check_version(path: &Path, version: u64) -> Result<(), CollectError> {
    if version > u64::from(SNAPSHOT_VERSION) {
        return Err(CollectError::SnapshotTooNew {
            path: path.to_path_buf(),
            version,
            supported: SNAPSHOT_VERSION,
        });
    }
    if version < u64::from(FIRST_SNAPSHOT_VERSION) {
        return Err(CollectError::SnapshotInvalid {
            path: path.to_path_buf(),
            message: format!(
                "snapshot_version {version} was never written by kubeattest (versions start at {FIRST_SNAPSHOT_VERSION}, this build reads up to {SNAPSHOT_VERSION})"
            ),
        });
    }
    Ok(())
}

/// What the file says was collected, in words, if anything: `complete: true`, or the
/// kinds `kinds` marks `collected`.
fn claimed_collected(complete: bool, kinds: &BTreeMap<String, KindState>) -> Option<String> {
    let collected: Vec<&str> = kinds
        .iter()
        .filter(|(_, state)| **state == KindState::Collected)
        .map(|(kind, _)| kind.as_str())
        .collect();
    match (complete, collected.as_slice()) {
        (true, _) => Some("`complete` is true (every kind collected)".into()),
        (false, []) => None,
        (false, kinds) => Some(format!(
            "`kinds` says {} {} collected",
            kinds.join(", "),
            if kinds.len() == 1 { "was" } else { "were" }
        )),
    }
}

/// The kinds whose listing the coverage records as failed, with why: a failed list
/// (`/api/v1/pods`, `/apis/apps/v1/namespaces/web/deployments`, as a cluster scan records
/// it), and every kind of a group whose discovery failed (`/apis/apps/v1`) unless a list of
/// that kind was read in full.
fn failed_in_coverage(coverage: &[Coverage]) -> BTreeMap<String, String> {
    let listed: BTreeSet<&str> = coverage
        .iter()
        .filter(|c| !c.is_failure())
        .filter_map(|c| match resources::api_path(&c.source) {
            Some(ApiPath::List(kind)) => Some(kind),
            _ => None,
        })
        .collect();
    let mut failed = BTreeMap::new();
    for c in coverage.iter().filter(|c| c.is_failure()) {
        let why = match &c.error {
            Some(e) => format!("its coverage records {} as {}: {e}", c.source, c.status),
            None => format!("its coverage records {} as {}", c.source, c.status),
        };
        match resources::api_path(&c.source) {
            Some(ApiPath::List(kind)) => {
                failed.entry(kind.to_string()).or_insert(why);
            }
            Some(ApiPath::Discovery(group)) => {
                for k in resources::KNOWN.iter().filter(|k| k.group == group) {
                    if !listed.contains(k.kind) {
                        failed
                            .entry(k.kind.to_string())
                            .or_insert_with(|| why.clone());
                    }
                }
            }
            None => {}
        }
    }
    failed
}

/// What a snapshot that serde could not read is: not JSON, JSON but not a snapshot, a
/// snapshot of a newer kubeattest, or a snapshot with something this build refuses. The
/// line and column are said once, before serde's message.
fn parse_error(path: &Path, text: &str, e: &serde_json::Error) -> CollectError {
    let full = e.to_string();
    let what = full
        .strip_suffix(&format!(" at line {} column {}", e.line(), e.column()))
        .unwrap_or(&full);
    let at = if e.line() == 0 {
        what.to_string()
    } else {
        format!("line {}, column {}: {what}", e.line(), e.column())
    };
    let invalid = |message: String| CollectError::SnapshotInvalid {
        path: path.to_path_buf(),
        message,
    };
    if matches!(
        e.classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    ) {
        // Not JSON. A file that names itself a snapshot near its start is a damaged one
        // (cut short, edited by hand), not some other file.
        let head = &text.as_bytes()[..text.len().min(4096)];
        let ours = memchr::memmem::find(head, b"\"KubeattestSnapshot\"").is_some();
        return if ours {
            invalid(format!(
                "not valid JSON ({at}); was the file cut short or edited?"
            ))
        } else {
            CollectError::SnapshotFormat {
                path: path.to_path_buf(),
                message: format!("not JSON ({at})"),
            }
        };
    }
    // Valid JSON of the wrong shape: what does it say it is?
    #[derive(Deserialize)]
    struct Header {
        #[serde(default)]
        kind: Option<serde_json::Value>,
        #[serde(default)]
        snapshot_version: Option<serde_json::Value>,
    }
    let Ok(header) = serde_json::from_str::<Header>(text) else {
        return invalid(at);
    };
    match header.kind.as_ref().and_then(serde_json::Value::as_str) {
        Some("KubeattestSnapshot") => {}
        Some(other) => {
            return CollectError::SnapshotFormat {
                path: path.to_path_buf(),
                message: format!("`kind` is `{other}`, expected `KubeattestSnapshot`"),
            }
        }
        None => {
            return CollectError::SnapshotFormat {
                path: path.to_path_buf(),
                message: format!("no `kind: KubeattestSnapshot` ({at})"),
            }
        }
    }
    // A newer format may add keys this build does not know: say so, not "unknown key".
    if let Some(version) = header
        .snapshot_version
        .as_ref()
        .and_then(serde_json::Value::as_u64)
    {
        if let Err(too_new @ CollectError::SnapshotTooNew { .. }) = check_version(path, version) {
            return too_new;
        }
    }
    invalid(at)
}

/// Writes an inventory as a snapshot (atomically: temp file, then rename).
pub fn write(inv: &Inventory, path: &Path) -> Result<(), CollectError> {
    let file = SnapshotRef {
        kind: "KubeattestSnapshot",
        snapshot_version: SNAPSHOT_VERSION,
        created_at: crate::evaluate::now(),
        target: &inv.target,
        complete: inv.complete,
        kinds: &inv.kinds,
        coverage: &inv.coverage,
        objects: inv.objects.iter().map(|o| &o.value).collect(),
        node_facts: &inv.node_facts,
        node_facts_missing: &inv.node_facts_missing,
        namespaces: &inv.namespaces,
        excluded_namespaces: &inv.excluded_namespaces,
    };
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| CollectError::SnapshotWrite {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    crate::bundle::write_atomic(path, &bytes).map_err(|source| CollectError::SnapshotWrite {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_list_or_discovery_in_coverage_fails_its_kinds() {
        let coverage = vec![
            Coverage::ok("/version", 1),
            Coverage::failed("/api/v1/namespaces/web/pods", "forbidden", "403"),
            Coverage::ok("/api/v1/namespaces/db/pods", 2),
            Coverage::ok("/apis/apps/v1/deployments", 3),
            // Discovery of apps/v1 failed after Deployment was found and listed.
            Coverage::failed("/apis/apps/v1", "error", "timeout"),
            Coverage::failed("/apis/batch/v1/cronjobs", "error", "500"),
            Coverage::failed("node-1", "error", "agent pod not found"),
            Coverage::failed("/api/v1/secrets", "skipped", "2 listed item(s) skipped"),
        ];
        let failed = failed_in_coverage(&coverage);
        assert_eq!(
            failed.get("Pod").map(String::as_str),
            Some("its coverage records /api/v1/namespaces/web/pods as forbidden: 403")
        );
        assert_eq!(
            failed.get("StatefulSet").map(String::as_str),
            Some("its coverage records /apis/apps/v1 as error: timeout")
        );
        assert!(failed.contains_key("DaemonSet"));
        assert!(failed.contains_key("ReplicaSet"));
        assert!(failed.contains_key("CronJob"));
        // Listed in full; skipped items are not a failed list; a node is not a kind.
        assert!(!failed.contains_key("Deployment"));
        assert!(!failed.contains_key("Secret"));
        assert_eq!(failed.len(), 5, "{failed:?}");
    }

    #[test]
    fn what_a_snapshot_says_was_collected() {
        let mut kinds = BTreeMap::new();
        assert_eq!(claimed_collected(false, &kinds), None);
        kinds.insert("Secret".to_string(), KindState::Failed("403".into()));
        assert_eq!(claimed_collected(false, &kinds), None);
        kinds.insert("Pod".to_string(), KindState::Collected);
        kinds.insert("Node".to_string(), KindState::Collected);
        assert_eq!(
            claimed_collected(false, &kinds).as_deref(),
            Some("`kinds` says Node, Pod were collected")
        );
        assert!(claimed_collected(true, &BTreeMap::new()).is_some());
    }

    #[test]
    fn an_object_is_named_by_what_it_says_it_is() {
        let doc =
            |json: &str| serde_json::from_str::<crate::document::Doc>(json).expect("document");
        assert_eq!(
            object_label(
                2,
                &doc(r#"{"kind":"Pod","metadata":{"name":"p","namespace":"web"}}"#)
            ),
            "objects[2] (Pod web/p)"
        );
        assert_eq!(
            object_label(0, &doc(r#"{"kind":"Node","metadata":{"name":"n1"}}"#)),
            "objects[0] (Node n1)"
        );
        assert_eq!(
            object_label(1, &doc(r#"{"kind":"Pod","metadata":{}}"#)),
            "objects[1] (Pod, no name)"
        );
        assert_eq!(object_label(4, &doc("[1, 2]")), "objects[4]");
    }
}
