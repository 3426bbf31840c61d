//! Workloads: every object that carries a pod spec, and the containers inside it.
//!
//! Bare Pods and the pod templates of Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob and PodTemplate all count. Objects created by a
//! controller that is itself a workload (a ReplicaSet owned by a Deployment, the Pods of a
//! ReplicaSet, the Jobs of a CronJob) are skipped, so one flaw is reported once, on the
//! object a person edits.

use crate::document::{Doc, Tree, View};

use super::path::Lookup;

use crate::inventory::Object;

/// Kinds whose objects carry a pod spec.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "PodTemplate",
];

/// A pod spec inside an object, with where it sits.
pub struct Workload<'a> {
    /// The object.
    pub object: &'a Object,
    /// The pod spec.
    pub pod: &'a Doc,
    /// Path of the pod spec in the object (`spec.template.spec`).
    pub pod_path: &'static str,
    /// The pod's metadata (template metadata, or the Pod's own).
    pub pod_meta: &'a Doc,
    /// Path of the pod metadata.
    pub pod_meta_path: &'static str,
}

/// One container of a workload.
pub struct Container<'a> {
    /// The container.
    pub value: &'a Doc,
    /// Its path in the object (`spec.template.spec.initContainers[0]`).
    pub path: String,
    /// `container`, `init container` or `ephemeral container`.
    pub role: &'static str,
    /// Its name.
    pub name: String,
}

static EMPTY: Doc = Doc::Null;

/// The pod spec of an object, if it is a workload that is not managed by another workload.
pub fn workload(object: &Object) -> Option<Workload<'_>> {
    let (pod_path, meta_path): (&'static str, &'static str) = match object.kind.as_str() {
        "Pod" => ("spec", "metadata"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => ("spec.template.spec", "spec.template.metadata"),
        "CronJob" => (
            "spec.jobTemplate.spec.template.spec",
            "spec.jobTemplate.spec.template.metadata",
        ),
        "PodTemplate" => ("template.spec", "template.metadata"),
        _ => return None,
    };
    if owned_by_workload(&object.value) {
        return None;
    }
    let pod = pointer(&object.value, pod_path)?;
    Some(Workload {
        object,
        pod,
        pod_path,
        pod_meta: pointer(&object.value, meta_path).unwrap_or(&EMPTY),
        pod_meta_path: meta_path,
    })
}

fn pointer<'a>(v: &'a Doc, dotted: &str) -> Option<&'a Doc> {
    dotted.split('.').try_fold(v, |cur, key| cur.key(key))
}

/// Whether a controller that is itself a workload owns this object (it is then judged
/// through that controller's template). Also asked of an object as it is read, before it
/// becomes a document ([`trim`](crate::collect::cluster::trim::trim)).
pub fn owned_by_workload<T: Tree + Lookup<Node = T>>(v: &T) -> bool {
    let Some(View::Array(refs)) = v.at("/metadata/ownerReferences").map(Tree::view) else {
        return false;
    };
    refs.iter().any(|r| {
        matches!(r.key("controller").map(Tree::view), Some(View::Bool(true)))
            && matches!(r.key("kind").map(Tree::view),
                        Some(View::String(k)) if WORKLOAD_KINDS.contains(&k))
    })
}

impl<'a> Workload<'a> {
    /// Containers, then init containers, then ephemeral containers.
    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for (field, role) in [
            ("containers", "container"),
            ("initContainers", "init container"),
            ("ephemeralContainers", "ephemeral container"),
        ] {
            if let Some(list) = self.pod.key(field).and_then(Doc::as_array) {
                for (i, c) in list.iter().enumerate() {
                    out.push(Container {
                        value: c,
                        path: format!("{}.{field}[{i}]", self.pod_path),
                        role,
                        name: c
                            .key("name")
                            .and_then(Doc::as_str)
                            .unwrap_or("?")
                            .to_string(),
                    });
                }
            }
        }
        out
    }
}
