//! Keeping only what checks read, so memory stays bounded on large clusters.
//!
//! [`trim`] runs on every object whatever its source (cluster lists, manifest files,
//! snapshots, the demo), from [`Object::from_doc`](crate::inventory::Object::from_doc), on
//! the compact document ([`Doc`](crate::document::Doc)) the object is kept as; JSON from the
//! API loses `managedFields` before it becomes one. It drops the
//! `last-applied-configuration` annotation (a second copy of the object) on every kind, and
//! a Pod's `status` apart from `phase` (container statuses, conditions and IPs are the bulk
//! of a running Pod and no check reads them).
//!
//! A Pod created by a built-in workload controller (an `apps/v1` ReplicaSet, DaemonSet or
//! StatefulSet, a `batch/v1` Job, a `v1` ReplicationController: by API group and kind, see
//! [`builtin_owner`]) is judged through its controller's pod template, not on its own
//! ([`judged_through_owner`](crate::checks::workload::judged_through_owner)), unless it runs
//! something else than that template. Listed from a cluster (Pods are listed after those
//! controllers), the first Pod of each listed controller to run a given pod
//! ([`owned_pod_variant`]) is kept whole, to be compared with its controller's template (a
//! sidecar injected by a mutating webhook is seen there); of the others, which run the same
//! pod, only the identity, labels, owner and the scalar fields of the spec (service account,
//! node, host namespaces) are kept: on large clusters these Pods are almost all of the
//! objects. A Pod whose controller was not listed (a custom resource, even one that reuses a
//! built-in kind's name, or a controller created after its kind was listed) is judged itself
//! and keeps its spec; so does a Pod with ephemeral containers (added to the running Pod by
//! `kubectl debug`, they are in no template), and any Pod read from a file (`kubectl get pods
//! -o yaml`) or a snapshot.
//!
//! [`owned_pod_variant`]: crate::checks::workload::owned_pod_variant
//! [`builtin_owner`]: crate::checks::workload::builtin_owner

use crate::document::Doc;

/// Metadata kept on a controller-owned Pod.
const OWNED_POD_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "labels",
    "ownerReferences",
    "creationTimestamp",
];

/// Drops the parts of a listed object that no check reads. `whole`: a controller-owned Pod
/// keeps its spec (read from a file or a snapshot, its controller not listed, or the first of
/// its controller's Pods to run a given pod).
pub fn trim(kind: &str, value: &mut Doc, whole: bool) {
    crate::secrets::drop_last_applied(value);
    if kind != "Pod" {
        return;
    }
    if let Some(status) = value.get_mut("status").and_then(Doc::as_object_mut) {
        status.retain(|k, _| k == "phase");
    }
    if !whole
        && crate::checks::workload::owned_by_workload(value)
        && !crate::checks::workload::has_ephemeral_containers(value)
    {
        if let Some(meta) = value.get_mut("metadata").and_then(Doc::as_object_mut) {
            meta.retain(|k, _| OWNED_POD_METADATA.contains(&k));
        }
        if let Some(spec) = value.get_mut("spec").and_then(Doc::as_object_mut) {
            spec.retain(|_, v| !matches!(v, Doc::Array(_) | Doc::Object(_)));
        }
    }
}

/// Whether an object is a controller-owned Pod that [`trim`] kept without its spec's lists
/// (it has no containers, which the API server never serves): what it runs is what the first
/// Pod of its controller runs, not a Pod without containers. Any controller counts, so that a
/// snapshot written by a release that trimmed Pods of any controller kind named like a
/// built-in one is still read as such.
pub fn is_trimmed(kind: &str, value: &Doc) -> bool {
    kind == "Pod"
        && crate::checks::workload::has_controller(value)
        && value.pointer("/spec/containers").is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::LAST_APPLIED;
    use serde_json::json;

    /// The module's `trim`, on a document made from JSON and back.
    fn trim(kind: &str, value: &mut serde_json::Value) {
        let mut doc = Doc::from(value.clone());
        super::trim(kind, &mut doc, false);
        *value = doc.to_value();
    }

    #[test]
    fn pods_keep_spec_and_phase() {
        let mut pod = json!({
            "metadata": {"name": "p", "annotations": {LAST_APPLIED: "{}", "a": "b"}},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "c"}]}
        });
        trim("Pod", &mut pod);
        assert_eq!(
            pod,
            json!({"metadata": {"name": "p", "annotations": {"a": "b"}},
                   "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Running"}})
        );
    }

    #[test]
    fn controller_owned_pods_keep_identity_and_scalars() {
        let owner = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "controller": true}]);
        let mut pod = json!({
            "metadata": {"name": "p", "namespace": "n", "labels": {"a": "b"},
                         "annotations": {"x": "y"}, "ownerReferences": owner},
            "spec": {"serviceAccountName": "sa", "hostNetwork": true, "containers": [{"name": "c"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1"}
        });
        trim("Pod", &mut pod);
        assert_eq!(
            pod,
            json!({"metadata": {"name": "p", "namespace": "n", "labels": {"a": "b"},
                                "ownerReferences": owner},
                   "spec": {"serviceAccountName": "sa", "hostNetwork": true},
                   "status": {"phase": "Running"}})
        );
        // Debugged with an ephemeral container, or read from a file: the spec stays.
        let debugged = json!({
            "metadata": {"name": "p", "ownerReferences": owner},
            "spec": {"containers": [{"name": "c"}], "ephemeralContainers": [{"name": "debugger"}]}
        });
        let mut pod = debugged.clone();
        trim("Pod", &mut pod);
        assert_eq!(pod, debugged);
        let mut doc = Doc::from(json!({"metadata": {"ownerReferences": owner},
                                       "spec": {"containers": [{"name": "c"}]}}));
        super::trim("Pod", &mut doc, true);
        assert!(doc.to_value()["spec"]["containers"].is_array());
    }

    /// A custom resource that reuses a built-in kind's name is not a built-in controller: its
    /// Pods keep their spec (they are judged themselves).
    #[test]
    fn pods_of_a_custom_controller_keep_their_spec() {
        let pod = json!({
            "metadata": {"name": "p", "ownerReferences": [{"apiVersion": "apps.kruise.io/v1beta1",
                "kind": "StatefulSet", "name": "web", "uid": "u", "controller": true}]},
            "spec": {"containers": [{"name": "c", "securityContext": {"privileged": true}}]}
        });
        let mut trimmed = pod.clone();
        trim("Pod", &mut trimmed);
        assert_eq!(trimmed, pod);
        assert!(!is_trimmed("Pod", &Doc::from(pod)));
    }
}
