//! The collected state: objects, node facts, facts about the target, and what could not be
//! collected and why.
//!
//! Every collector (`collect::*`) fills an [`Inventory`]; the evaluator only reads it. Secret
//! values are dropped here, on the way in, whatever the source: nothing downstream can leak
//! what the inventory never holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::node_facts::NodeFacts;
use crate::secrets;

/// Where the inventory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The built-in demo cluster.
    Demo,
    /// Manifest files or stdin.
    Manifests,
    /// A snapshot file written earlier.
    Snapshot,
    /// A live cluster through its API server.
    Cluster,
    /// Node facts only (`scan --node-facts`).
    Nodes,
}

/// What was scanned: shown on the report's cover and in `run.target`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// A short name for the target (cluster name, or `manifests`).
    pub name: String,
    /// API server URL, when scanning a cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Kubernetes version (`v1.33.4`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// Platform (`kubeadm`, `eks`, `gke`, `aks`, `k3s`, `rke2`, `openshift`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// kubeconfig context, when scanning a cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// demo, manifests, snapshot or cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceKind>,
}

impl Target {
    /// Whether the control plane is run by a cloud provider (its flags are not ours to check).
    pub fn managed_control_plane(&self) -> bool {
        matches!(
            self.platform.as_deref(),
            Some("eks" | "gke" | "aks" | "openshift-managed")
        )
    }
}

/// Where one object was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Origin {
    /// A manifest file (or `-` for stdin), with the line where the object starts.
    File {
        /// Path as given on the command line (or found under a directory given).
        path: String,
        /// 1-based line where the document starts.
        line: u32,
    },
    /// An API server list (`/api/v1/namespaces/x/pods`).
    Api {
        /// The API path the object was listed from.
        path: String,
    },
    /// The built-in demo cluster.
    Demo {
        /// The demo file.
        file: String,
        /// 1-based line where the document starts.
        line: u32,
    },
    /// A snapshot file.
    Snapshot {
        /// The snapshot file.
        path: String,
    },
}

impl Origin {
    /// `file:line` or the API path, for evidence.
    pub fn describe(&self) -> String {
        match self {
            Origin::File { path, line } => format!("{path}:{line}"),
            Origin::Api { path } => format!("api {path}"),
            Origin::Demo { file, line } => format!("demo {file}:{line}"),
            Origin::Snapshot { path } => format!("snapshot {path}"),
        }
    }
}

/// One Kubernetes object as collected (secret values already removed).
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, if any.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`).
    pub name: String,
    /// The whole object.
    pub value: Value,
    /// Where it came from.
    pub origin: Origin,
    /// Line of every field path (`spec.containers[0].image`) when read from a file.
    pub lines: BTreeMap<String, u32>,
}

impl Object {
    /// Builds an object from its JSON, or says why it is not a Kubernetes object.
    pub fn from_value(
        mut value: Value,
        origin: Origin,
        lines: BTreeMap<String, u32>,
    ) -> Result<Object, String> {
        let obj = value
            .as_object()
            .ok_or_else(|| "not a Kubernetes object: expected a mapping".to_string())?;
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| "not a Kubernetes object: no `kind`".to_string())?
            .to_string();
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("not a Kubernetes object: {kind} has no `apiVersion`"))?
            .to_string();
        let meta = obj.get("metadata");
        let name = meta
            .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{kind} has no `metadata.name`"))?
            .to_string();
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(m) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            // Large and never evaluated; dropping it bounds memory on big clusters.
            m.remove("managedFields");
        }
        secrets::redact_object(&kind, &mut value);
        Ok(Object {
            api_version,
            kind,
            namespace,
            name,
            value,
            origin,
            lines,
        })
    }

    /// The line of a field path, when the object came from a file.
    pub fn line_of(&self, path: &str) -> Option<u32> {
        self.lines.get(path).copied()
    }

    /// A stable sort key: kind, namespace, name, origin.
    fn sort_key(&self) -> (String, String, String, String) {
        (
            self.kind.clone(),
            self.namespace.clone().unwrap_or_default(),
            self.name.clone(),
            self.origin.describe(),
        )
    }
}

/// Whether a kind of object was collected, so "none found" can be told from "could not look".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum KindState {
    /// Every object of the kind in scope was collected (possibly none).
    Collected,
    /// Listing failed (forbidden, timeout, …): the reason says which and what to do.
    Failed(String),
    /// The server does not serve this kind (e.g. a CRD not installed).
    NotServed(String),
}

/// One source that was read or failed: a file, an API list, a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// What was read: a file path, an API path, a node name.
    pub source: String,
    /// `ok`, `error`, `forbidden`, `not_found`, `skipped`.
    pub status: String,
    /// How many objects (or facts) it gave.
    pub items: usize,
    /// Why it failed or was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Coverage {
    /// A source read in full.
    pub fn ok(source: impl Into<String>, items: usize) -> Coverage {
        Coverage {
            source: source.into(),
            status: "ok".into(),
            items,
            error: None,
        }
    }

    /// A source that could not be read; `status` names the kind of failure.
    pub fn failed(source: impl Into<String>, status: &str, error: impl Into<String>) -> Coverage {
        Coverage {
            source: source.into(),
            status: status.into(),
            items: 0,
            error: Some(error.into()),
        }
    }

    /// Whether this entry means some input was lost.
    pub fn is_failure(&self) -> bool {
        !matches!(self.status.as_str(), "ok" | "skipped" | "not_applicable")
    }
}

/// Everything collected for one run.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// What was scanned.
    pub target: Target,
    /// All objects, in a deterministic order once [`Inventory::finish`] ran.
    pub objects: Vec<Object>,
    /// Facts collected on nodes (`kubeattest node`), one document per node.
    pub node_facts: Vec<NodeFacts>,
    /// Every source read or failed.
    pub coverage: Vec<Coverage>,
    /// Per kind: collected, failed or not served. Kinds not listed here count as collected
    /// when `complete` is true (files: what is not there does not exist).
    pub kinds: BTreeMap<String, KindState>,
    /// True for file-like sources (manifests, demo): every object given was read.
    pub complete: bool,
    /// Namespaces a cluster scan was limited to (empty: all).
    pub namespaces: Vec<String>,
    /// Namespaces a cluster scan skipped.
    pub excluded_namespaces: Vec<String>,
}

impl Inventory {
    /// An empty inventory for a target.
    pub fn new(target: Target, complete: bool) -> Inventory {
        Inventory {
            target,
            complete,
            ..Inventory::default()
        }
    }

    /// Sorts objects so that evaluation order, and so output, is deterministic.
    pub fn finish(&mut self) {
        self.objects.sort_by_key(Object::sort_key);
    }

    /// Whether objects of `kind` were collected, or why not.
    pub fn kind_state(&self, kind: &str) -> KindState {
        match self.kinds.get(kind) {
            Some(state) => state.clone(),
            None if self.complete => KindState::Collected,
            None => KindState::Failed(format!(
                "{kind} objects were not collected from this source; rerun a scan that lists them"
            )),
        }
    }

    /// Objects of one kind.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects.iter().filter(move |o| o.kind == kind)
    }
}
