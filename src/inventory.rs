//! The collected state: objects, node facts, facts about the target, and what could not be
//! collected and why.
//!
//! Every collector (`collect::*`) fills an [`Inventory`]; the evaluator only reads it. Secret
//! values are dropped here, on the way in, whatever the source: nothing downstream can leak
//! what the inventory never holds. So is what no check reads (see
//! [`trim`](crate::collect::cluster::trim)), and field lines are kept compactly
//! ([`FieldLines`]), so memory follows the cluster's size at a small constant per object.
//!
//! Checks find objects through an index by kind, kind + namespace and name, built once on
//! the first lookup ([`Inventory::of_kind`], [`Inventory::of_kind_in`], [`Inventory::find`]),
//! so relating objects (a binding to its role, a workload to its service account, an
//! ingress to its secret) never scans the whole inventory per item.

use foldhash::HashMap;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::Doc;
use crate::node_facts::NodeFacts;
use crate::secrets;
pub use crate::yaml::FieldLines;

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
    /// API server URL, when scanning a cluster (never with a `user:password@`: it is
    /// dropped when collected, and when a snapshot or report written before is read).
    #[serde(
        default,
        deserialize_with = "server_without_credentials",
        skip_serializing_if = "Option::is_none"
    )]
    pub server: Option<String>,
    /// Kubernetes version (`v1.33.4`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// Platform (`kubeadm`, `eks`, `eks-distro`, `gke`, `aks`, `k3s`, `rke2`, `openshift`),
    /// when known.
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
            Origin::Demo { file, line } => format!("demo/{file}:{line}"),
            Origin::Snapshot { path } => format!("snapshot {path}"),
        }
    }
}

/// The namespace of namespaced manifest objects that name none (without `-n`): not a name
/// Kubernetes allows, so they relate only to each other, never to a real namespace such as
/// `default`; reports show it in words ([`crate::results::Subject::display`]).
pub const UNSET_NAMESPACE: &str = "(unset)";

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
    /// The whole object, as a compact document.
    pub value: Doc,
    /// Where it came from.
    pub origin: Origin,
    /// Line of every field path (`spec.containers[0].image`) when read from a file.
    pub lines: FieldLines,
    /// The object as findings name it, made on first use and shared by them all.
    subject: SubjectCell,
}

/// An object's [`Subject`](crate::results::Subject), made on first use. It follows from the
/// object's other fields, so it takes no part in comparing objects.
#[derive(Debug, Clone, Default)]
struct SubjectCell(OnceLock<std::sync::Arc<crate::results::Subject>>);

impl PartialEq for SubjectCell {
    fn eq(&self, _: &SubjectCell) -> bool {
        true
    }
}

impl Object {
    /// Builds an object from its JSON, or says why it is not a Kubernetes object.
    pub fn from_value(
        mut value: Value,
        origin: Origin,
        lines: impl Into<FieldLines>,
    ) -> Result<Object, String> {
        if let Some(m) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            // Large and never evaluated: dropped before the rest becomes a document.
            m.remove("managedFields");
        }
        Object::from_doc(value.into(), origin, lines)
    }

    /// Builds an object from its document, or says why it is not a Kubernetes object. What
    /// no check reads is dropped and secret values are redacted here, whatever the source.
    pub fn from_doc(
        value: Doc,
        origin: Origin,
        lines: impl Into<FieldLines>,
    ) -> Result<Object, String> {
        // Only a list from the API server has owned Pods of which one is kept whole per pod
        // its controller runs (see `from_listed`).
        let whole = !matches!(origin, Origin::Api { .. });
        Object::build(value, origin, lines.into(), whole)
    }

    /// An object listed from the API server: as [`Object::from_doc`]; `whole`: a Pod created
    /// by a workload controller keeps its spec (the first of its controller's Pods to run a
    /// given pod, see [`owned_pod_variant`](crate::checks::workload::owned_pod_variant)),
    /// where the others keep only what [`trim`](crate::collect::cluster::trim::trim) leaves.
    pub fn from_listed(value: Doc, origin: Origin, whole: bool) -> Result<Object, String> {
        Object::build(value, origin, FieldLines::default(), whole)
    }

    fn build(
        mut value: Doc,
        origin: Origin,
        lines: FieldLines,
        whole: bool,
    ) -> Result<Object, String> {
        let obj = value
            .as_object()
            .ok_or_else(|| "not a Kubernetes object: expected a mapping".to_string())?;
        let kind = obj
            .get("kind")
            .and_then(Doc::as_str)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| "not a Kubernetes object: no `kind`".to_string())?
            .to_string();
        let api_version = obj
            .get("apiVersion")
            .and_then(Doc::as_str)
            .ok_or_else(|| format!("not a Kubernetes object: {kind} has no `apiVersion`"))?
            .to_string();
        let meta = obj.get("metadata");
        if meta.is_none() {
            return Err(format!(
                "not a Kubernetes object: {kind} ({api_version}) has no `metadata` (a kubeconfig, an AdmissionReview or a tool's own settings file is no manifest); leave it out of the input"
            ));
        }
        let name = meta
            .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
            .and_then(Doc::as_str)
            .ok_or_else(|| format!("{kind} has no `metadata.name`"))?
            .to_string();
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Doc::as_str)
            .map(str::to_string);
        // An empty namespace is no namespace: the API server fills in the request's (kubectl
        // the context's), as for one left out, and checks read it as left out.
        let namespace = namespace.filter(|ns| !ns.is_empty());
        if let Some(m) = value.get_mut("metadata").and_then(Doc::as_object_mut) {
            if namespace.is_none() && m.get("namespace").and_then(Doc::as_str) == Some("") {
                m.remove("namespace");
            }
            // Large and never evaluated; dropping it bounds memory on big clusters.
            m.remove("managedFields");
        }
        // Redacted by the kind as written: a same-named resource of another group is
        // redacted as the built-in kind would be.
        secrets::redact_object(&kind, &mut value);
        let kind =
            crate::collect::cluster::resources::evaluated_kind(&kind, &api_version).into_owned();
        // What no check reads goes, whatever the source (files exported with `kubectl get
        // -o yaml` carry the same bulk as API lists).
        crate::collect::shape::null_labels_as_empty(&kind, &mut value);
        crate::collect::cluster::trim::trim(&kind, &mut value, whole);
        Ok(Object {
            api_version,
            kind,
            namespace,
            name,
            value,
            origin,
            lines,
            subject: SubjectCell::default(),
        })
    }

    /// The object as findings name it: kind, namespace, name, API version and, when read
    /// from a file, the file and line. Made once and shared by every finding about the object,
    /// so identity fields must not change once checks run.
    pub fn subject(&self) -> &std::sync::Arc<crate::results::Subject> {
        self.subject.0.get_or_init(|| {
            let (file, line) = match &self.origin {
                Origin::File { path, line } => (Some(path.as_str().into()), Some(*line)),
                Origin::Demo { file, line } => (Some(format!("demo/{file}").into()), Some(*line)),
                _ => (None, None),
            };
            std::sync::Arc::new(crate::results::Subject {
                kind: self.kind.as_str().into(),
                namespace: self.namespace.as_deref().map(Into::into),
                name: self.name.as_str().into(),
                api_version: Some(self.api_version.as_str().into()),
                file,
                line,
                node: None,
                owner: None,
            })
        })
    }

    /// The line of a field path, when the object came from a file.
    pub fn line_of(&self, path: &str) -> Option<u32> {
        self.lines.get(path)
    }

    /// A stable order: kind, namespace, name, origin (described only on a tie: comparing
    /// borrowed fields keeps sorting 100,000 objects free of allocations).
    fn order(a: &Object, b: &Object) -> std::cmp::Ordering {
        a.kind
            .cmp(&b.kind)
            .then_with(|| {
                fn ns(o: &Object) -> &str {
                    o.namespace.as_deref().unwrap_or_default()
                }
                ns(a).cmp(ns(b))
            })
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.origin.describe().cmp(&b.origin.describe()))
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
    /// `ok`, `error`, `forbidden`, `not_found`, `skipped`, `invalid`; `warning` for input read as
    /// kubectl reads it that the author should still fix (a key written twice); `not_judged`
    /// for objects read whose kinds no selected check reads (a custom resource).
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

    /// A source that was not read in full, or read with something to say: `status` names
    /// which (a kind of failure, `skipped`, `warning`) and `error` says why.
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
        !matches!(
            self.status.as_str(),
            "ok" | "skipped" | "not_applicable" | "warning" | "not_judged"
        )
    }

    /// Whether this entry is an input file that could not be read to its end (a YAML
    /// syntax error, an unreadable or binary file): what the unread part holds is unknown.
    /// An object read but refused (`invalid`) is known, so it is not one.
    pub fn is_unread_file(&self) -> bool {
        self.status == "error"
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
    /// Nodes whose facts were looked for and not read, with why in words (their node agent's
    /// log could not be read, no node agent runs there): by node name. A listed Node without
    /// facts and without an entry here was simply not covered.
    pub node_facts_missing: BTreeMap<String, String>,
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
    /// Vulnerability scan results given with `--vulnerabilities` (or the demo's sample);
    /// `None` when none were given.
    pub vulnerabilities: Option<crate::vulnerabilities::Evidence>,
    /// Objects by kind and namespace, built on the first lookup (see [`Inventory::of_kind`]).
    index: OnceLock<Index>,
}

/// Positions in `objects` of one kind's objects.
#[derive(Debug, Clone, Default)]
struct KindIndex {
    /// Every object of the kind, in inventory order.
    all: Vec<u32>,
    /// The same, stably sorted by name (for [`Inventory::find_named`]).
    by_name: Vec<u32>,
    /// Cluster-scoped objects (no namespace).
    cluster: Group,
    /// Per namespace.
    namespaced: HashMap<String, Group>,
}

/// Positions of the objects of one kind in one namespace (or cluster-scoped).
#[derive(Debug, Clone, Default)]
struct Group {
    /// In inventory order.
    order: Vec<u32>,
    /// The same, stably sorted by name (for [`Inventory::find`]).
    by_name: Vec<u32>,
}

/// Objects by kind and by kind + namespace: one pass over the inventory, so that the checks'
/// lookups (a binding's role, a workload's service account, an ingress's secret, the
/// policies of a namespace) cost a hash lookup, not a scan of every object.
#[derive(Debug, Clone, Default)]
struct Index {
    /// `objects.len()` when built: a changed inventory is not answered from a stale index.
    len: usize,
    kinds: HashMap<String, KindIndex>,
}

impl Index {
    fn build(objects: &[Object]) -> Index {
        let mut kinds: HashMap<String, KindIndex> = HashMap::default();
        for (i, o) in objects.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            let k = kinds.entry(o.kind.clone()).or_default();
            k.all.push(i);
            let group = match &o.namespace {
                Some(ns) => k.namespaced.entry(ns.clone()).or_default(),
                None => &mut k.cluster,
            };
            group.order.push(i);
        }
        let by_name = |order: &[u32]| {
            let mut v = order.to_vec();
            v.sort_by(|a, b| objects[*a as usize].name.cmp(&objects[*b as usize].name));
            v
        };
        for k in kinds.values_mut() {
            k.by_name = by_name(&k.all);
            for g in std::iter::once(&mut k.cluster).chain(k.namespaced.values_mut()) {
                g.by_name = by_name(&g.order);
            }
        }
        Index {
            len: objects.len(),
            kinds,
        }
    }
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
        // A stable sort either way; on 100,000 objects sorting on every core saves a tenth
        // of a second the other cores would spend waiting.
        use rayon::slice::ParallelSliceMut as _;
        self.objects.par_sort_by(Object::order);
        // Objects are held to the end of the run; growing the vector left up to half of it
        // unused (on 100,000 objects, 10 MB or more).
        self.objects.shrink_to_fit();
        self.index = OnceLock::new();
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

    /// The index of `objects`, when it is current (built on first use; an inventory whose
    /// objects changed in number since is answered by scanning instead).
    fn index(&self) -> Option<&Index> {
        if u32::try_from(self.objects.len()).is_err() {
            return None;
        }
        let index = self.index.get_or_init(|| Index::build(&self.objects));
        (index.len == self.objects.len()).then_some(index)
    }

    fn at<'a>(&'a self, positions: &'a [u32]) -> impl Iterator<Item = &'a Object> + 'a {
        positions
            .iter()
            .filter_map(move |i| self.objects.get(*i as usize))
    }

    /// Objects of one kind, in inventory order.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> Box<dyn Iterator<Item = &'a Object> + 'a> {
        match self.index() {
            Some(index) => match index.kinds.get(kind) {
                Some(k) => Box::new(self.at(&k.all)),
                None => Box::new(std::iter::empty()),
            },
            None => Box::new(self.objects.iter().filter(move |o| o.kind == kind)),
        }
    }

    /// Objects of one kind in one namespace (`None`: cluster-scoped ones), in inventory order.
    pub fn of_kind_in<'a>(
        &'a self,
        kind: &'a str,
        namespace: Option<&'a str>,
    ) -> Box<dyn Iterator<Item = &'a Object> + 'a> {
        match self.index() {
            Some(index) => match self.group(index, kind, namespace) {
                Some(g) => Box::new(self.at(&g.order)),
                None => Box::new(std::iter::empty()),
            },
            None => Box::new(
                self.objects
                    .iter()
                    .filter(move |o| o.kind == kind && o.namespace.as_deref() == namespace),
            ),
        }
    }

    fn group<'a>(
        &self,
        index: &'a Index,
        kind: &str,
        namespace: Option<&str>,
    ) -> Option<&'a Group> {
        let k = index.kinds.get(kind)?;
        match namespace {
            Some(ns) => k.namespaced.get(ns),
            None => Some(&k.cluster),
        }
    }

    /// The first object (in inventory order) of a kind with this namespace and name.
    pub fn find(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&Object> {
        let Some(index) = self.index() else {
            return self
                .objects
                .iter()
                .find(|o| o.kind == kind && o.namespace.as_deref() == namespace && o.name == name);
        };
        let g = self.group(index, kind, namespace)?;
        self.first_named(&g.by_name, name)
    }

    /// The first object (in inventory order) of a kind with this name, in any namespace.
    pub fn find_named(&self, kind: &str, name: &str) -> Option<&Object> {
        let Some(index) = self.index() else {
            return self
                .objects
                .iter()
                .find(|o| o.kind == kind && o.name == name);
        };
        self.first_named(&index.kinds.get(kind)?.by_name, name)
    }

    /// In positions sorted stably by name, the first object named `name`.
    fn first_named(&self, by_name: &[u32], name: &str) -> Option<&Object> {
        let first = by_name.partition_point(|i| self.objects[*i as usize].name.as_str() < name);
        let o = self.objects.get(*by_name.get(first)? as usize)?;
        (o.name == name).then_some(o)
    }
}

/// Reads [`Target::server`] without the `user:password@` or query an older file may hold.
fn server_without_credentials<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    let server: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(server.map(|s| crate::secrets::without_url_credentials(&s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(kind: &str, ns: Option<&str>, name: &str, file: &str) -> Object {
        let mut meta = json!({"name": name});
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        // The kind's own group: another group's kind of that name is another resource.
        let api_version = match crate::collect::cluster::resources::known(kind) {
            Some(k) if !k.group.is_empty() => format!("{}/v1", k.group),
            _ => "v1".to_string(),
        };
        Object::from_value(
            json!({"apiVersion": api_version, "kind": kind, "metadata": meta}),
            Origin::File {
                path: file.into(),
                line: 1,
            },
            BTreeMap::new(),
        )
        .expect("object")
    }

    fn names<'a>(it: impl Iterator<Item = &'a Object>) -> Vec<String> {
        it.map(|o| format!("{}:{}", o.name, o.origin.describe()))
            .collect()
    }

    #[test]
    fn index_answers_like_a_scan() {
        let mut inv = Inventory::new(Target::default(), true);
        inv.objects = vec![
            obj("Secret", Some("b"), "tls", "1.yaml"),
            obj("ServiceAccount", Some("a"), "default", "1.yaml"),
            obj("Secret", Some("a"), "tls", "2.yaml"),
            obj("Secret", Some("a"), "tls", "1.yaml"),
            obj("ClusterRole", None, "view", "1.yaml"),
            obj("ClusterRole", Some("odd"), "edit", "1.yaml"),
            obj("Secret", Some("a"), "db", "3.yaml"),
        ];
        // Inventory order within a kind, before and after `finish`.
        for round in 0..2 {
            let scan = |kind: &str| names(inv.objects.iter().filter(|o| o.kind == kind));
            assert_eq!(
                names(inv.of_kind("Secret")),
                scan("Secret"),
                "round {round}"
            );
            assert_eq!(
                names(inv.of_kind_in("Secret", Some("a"))),
                names(
                    inv.objects
                        .iter()
                        .filter(|o| o.kind == "Secret" && o.namespace.as_deref() == Some("a"))
                ),
            );
            assert_eq!(inv.of_kind("Pod").count(), 0);
            assert_eq!(inv.of_kind_in("ClusterRole", None).count(), 1);
            // The first in inventory order wins among equal names.
            let first = inv.objects.iter().find(|o| {
                o.kind == "Secret" && o.namespace.as_deref() == Some("a") && o.name == "tls"
            });
            assert_eq!(inv.find("Secret", Some("a"), "tls"), first);
            assert!(inv.find("Secret", Some("c"), "tls").is_none());
            assert!(inv.find("Secret", Some("a"), "nope").is_none());
            // By name in any namespace (a ClusterRole given a namespace in a file).
            assert_eq!(
                inv.find_named("ClusterRole", "edit")
                    .map(|o| o.name.as_str()),
                Some("edit")
            );
            inv.finish();
        }
        assert_eq!(
            names(inv.of_kind("Secret")),
            [
                "db:3.yaml:1",
                "tls:1.yaml:1",
                "tls:2.yaml:1",
                "tls:1.yaml:1"
            ]
        );
        // A changed inventory is not answered from a stale index.
        inv.objects.push(obj("Secret", Some("z"), "late", "4.yaml"));
        assert!(inv.find("Secret", Some("z"), "late").is_some());
        assert_eq!(inv.of_kind("Secret").count(), 5);
    }

    #[test]
    fn field_lines_keep_every_path() {
        let map: BTreeMap<String, u32> = [
            ("kind", 2),
            ("spec.containers[0].image", 9),
            ("spec.containers[1].image", 12),
            ("metadata.labels[\"app.kubernetes.io/name\"]", 5),
        ]
        .into_iter()
        .map(|(p, l)| (p.to_string(), l))
        .collect();
        let lines = FieldLines::from(map.clone());
        assert_eq!(lines.len(), map.len());
        for (path, line) in &map {
            assert_eq!(lines.get(path), Some(*line), "{path}");
        }
        assert_eq!(lines.get("spec.containers[2].image"), None);
        assert_eq!(lines.get(""), None);
        assert!(FieldLines::default().is_empty());
    }
}
