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

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::collect::CollectError;
use crate::inventory::{Coverage, Inventory, KindState, Object, Origin, SourceKind, Target};
use crate::node_facts::NodeFacts;

/// Current snapshot format version.
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct SnapshotFile {
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
    /// Read straight into documents (see `Doc`'s `Deserialize`).
    #[serde(default)]
    objects: Vec<crate::document::Doc>,
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
/// in coverage; a file that is not a snapshot is an error.
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
        serde_json::from_str(&text).map_err(|e| CollectError::SnapshotFormat {
            path: path.to_path_buf(),
            message: format!("line {}: {e}", e.line()),
        })?;
    if file.kind != "KubeattestSnapshot" {
        return Err(CollectError::SnapshotFormat {
            path: path.to_path_buf(),
            message: format!("`kind` is `{}`, expected `KubeattestSnapshot`", file.kind),
        });
    }
    if file.snapshot_version > SNAPSHOT_VERSION {
        return Err(CollectError::SnapshotFormat {
            path: path.to_path_buf(),
            message: format!(
                "snapshot_version {} is newer than this kubeattest understands ({SNAPSHOT_VERSION}); upgrade kubeattest",
                file.snapshot_version
            ),
        });
    }
    let mut target = file.target;
    // Keep the original source kind if recorded (a demo snapshot stays a demo).
    if target.source.is_none() {
        target.source = Some(SourceKind::Snapshot);
    }
    let mut inv = Inventory::new(target, file.complete);
    inv.kinds = file.kinds;
    inv.coverage = file.coverage;
    inv.node_facts = file.node_facts;
    inv.node_facts_missing = file.node_facts_missing;
    inv.namespaces = file.namespaces;
    inv.excluded_namespaces = file.excluded_namespaces;
    let shown = path.display().to_string();
    for (i, value) in file.objects.into_iter().enumerate() {
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
                        KindState::Failed(format!("{shown} objects[{i}] could not be read: {why}")),
                    );
                }
                inv.coverage.push(Coverage::failed(
                    format!("{shown} objects[{i}]"),
                    "invalid",
                    format!("{shown} objects[{i}]: {why}"),
                ));
            }
        }
    }
    inv.finish();
    Ok(inv)
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
