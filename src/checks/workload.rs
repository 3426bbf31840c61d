//! Workloads: every object that carries a pod spec, and the containers inside it.
//!
//! Bare Pods and the pod templates of Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob and PodTemplate all count. Objects created by a
//! controller that is itself a workload (a ReplicaSet owned by a Deployment, the Pods of a
//! ReplicaSet, the Jobs of a CronJob) are skipped, so one flaw is reported once, on the
//! object a person edits ([`judged_through_owner`]) — unless that owner is not in the files
//! given, a Pod runs ephemeral containers no template has, or the object's pod differs from
//! its owner's template in what the security checks read ([`same_pod_security`]: an injected
//! sidecar, a Job made from an older CronJob template).

use crate::document::{Doc, Tree, View};

use super::path::Lookup;

use crate::inventory::{Inventory, Object};

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

/// The [`Container::role`] of an ephemeral container.
pub const EPHEMERAL_CONTAINER: &str = "ephemeral container";

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

/// The pod spec of an object, if it is a workload that is not judged through its owner
/// ([`judged_through_owner`]).
pub fn workload<'a>(object: &'a Object, inv: &Inventory) -> Option<Workload<'a>> {
    if judged_through_owner(object, inv) {
        return None;
    }
    pod_spec(object)
}

/// Whether an object is judged through the workload controller that owns it, and so not on
/// its own: a workload controller owns it, it runs no ephemeral containers (added to a
/// running Pod by `kubectl debug`, they are in no template), and the owner is in the input.
/// From a cluster the owner is taken as listed (its kind's list failing is reported as such),
/// and owned Pods are kept without their containers ([`trim`](crate::collect::cluster::trim)),
/// so they are always judged through it; from files, an owner that is not among them
/// leaves the object to be judged itself.
///
/// An owned object whose pod differs from its owner's template in what the security
/// checks read ([`same_pod_security`]: a sidecar or init container injected by a mutating
/// webhook, a Job made before its CronJob was edited, an old ReplicaSet of a Deployment) is
/// judged itself as well: what runs is what Pod Security Admission judges.
pub fn judged_through_owner(object: &Object, inv: &Inventory) -> bool {
    if !owned_by_workload(&object.value) || has_ephemeral_containers(&object.value) {
        return false;
    }
    let owner = controller_of(&object.value)
        .and_then(|(kind, name)| inv.find(kind, object.namespace.as_deref(), name));
    match owner {
        // A controller-owned Pod listed from a cluster keeps no containers (see `trim`):
        // there is nothing of its own to compare.
        Some(_) if is_trimmed(object) => true,
        Some(owner) => same_pod_security(object, owner),
        None => !inv.complete,
    }
}

/// Whether an owned Pod was kept without its containers ([`trim`](crate::collect::cluster::trim)).
fn is_trimmed(object: &Object) -> bool {
    object.kind == "Pod" && object.value.pointer("/spec/containers").is_none()
}

/// Annotations that set a pod's security (read by the AppArmor and seccomp checks).
const SECURITY_ANNOTATION_PREFIXES: &[&str] = &[
    "container.apparmor.security.beta.kubernetes.io/",
    "seccomp.security.alpha.kubernetes.io/",
];

/// Whether two objects run the same pod as far as the security checks read it: host
/// namespaces, pod and container security contexts, containers (names, images, ports),
/// volumes and the security annotations. What admission and the scheduler add to every
/// Pod (the service account token volume and its mounts, resources from a LimitRange,
/// tolerations, the node) is not compared.
pub fn same_pod_security(a: &Object, b: &Object) -> bool {
    let (Some(x), Some(y)) = (pod_spec(a), pod_spec(b)) else {
        return true;
    };
    let flag = |pod: &Doc, key: &str| pod.key(key).and_then(Doc::as_bool).unwrap_or(false);
    let same_flags = ["hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace"]
        .iter()
        .all(|k| flag(x.pod, k) == flag(y.pod, k));
    let same_fields = [
        "hostUsers",
        "os",
        "runtimeClassName",
        "automountServiceAccountToken",
    ]
    .iter()
    .all(|k| x.pod.key(k) == y.pod.key(k));
    same_flags
        && same_fields
        && context(x.pod) == context(y.pod)
        && ["containers", "initContainers"]
            .iter()
            .all(|k| containers(x.pod, k) == containers(y.pod, k))
        && volumes(x.pod) == volumes(y.pod)
        && security_annotations(x.pod_meta) == security_annotations(y.pod_meta)
}

/// A pod's security context, an empty one counting as none.
fn context(pod: &Doc) -> Option<&Doc> {
    pod.key("securityContext").filter(|c| !is_empty_object(c))
}

/// What the checks read of each container: name, image, security context, ports.
fn containers<'a>(pod: &'a Doc, key: &str) -> Vec<[Option<&'a Doc>; 4]> {
    pod.key(key)
        .and_then(Doc::as_array)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            [
                c.key("name"),
                c.key("image"),
                c.key("securityContext").filter(|s| !is_empty_object(s)),
                c.key("ports"),
            ]
        })
        .collect()
}

/// The volumes a pod spec declares, less the ones admission adds to every Pod.
fn volumes(pod: &Doc) -> Vec<&Doc> {
    pod.key("volumes")
        .and_then(Doc::as_array)
        .unwrap_or_default()
        .iter()
        .filter(|v| !injected_volume(v))
        .collect()
}

/// The pod's annotations that set its security.
fn security_annotations(meta: &Doc) -> Vec<(&str, &Doc)> {
    meta.key("annotations")
        .and_then(Doc::as_object)
        .map(|m| {
            m.iter()
                .filter(|(k, _)| {
                    SECURITY_ANNOTATION_PREFIXES
                        .iter()
                        .any(|p| k.starts_with(p))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_empty_object(d: &Doc) -> bool {
    d.as_object().is_some_and(|m| m.is_empty())
}

/// The service account token volume admission adds to every Pod (`kube-api-access-…`, and
/// the `<account>-token-…` Secret volume before Kubernetes 1.22).
fn injected_volume(v: &Doc) -> bool {
    let name = v.key("name").and_then(Doc::as_str).unwrap_or_default();
    name.starts_with("kube-api-access-") || (v.key("secret").is_some() && name.contains("-token-"))
}

/// Whether a Pod has ephemeral containers.
pub fn has_ephemeral_containers<T: Tree + Lookup<Node = T>>(v: &T) -> bool {
    matches!(v.at("/spec/ephemeralContainers").map(Tree::view), Some(View::Array(a)) if !a.is_empty())
}

/// The kind and name of the workload controller that owns an object.
fn controller_of(v: &Doc) -> Option<(&str, &str)> {
    v.at("/metadata/ownerReferences")
        .and_then(Doc::as_array)?
        .iter()
        .find(|r| r.key("controller").and_then(Doc::as_bool) == Some(true))
        .and_then(|r| Some((r.key("kind")?.as_str()?, r.key("name")?.as_str()?)))
        .filter(|(kind, _)| WORKLOAD_KINDS.contains(kind))
}

/// Where a kind keeps its pod spec and its pod's metadata, as dotted paths (`spec.template.spec`,
/// `spec.template.metadata`); `None` for kinds that carry no pod.
pub fn pod_paths(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
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
    })
}

/// The pod spec of an object whose kind carries one, owned or not.
fn pod_spec(object: &Object) -> Option<Workload<'_>> {
    let (pod_path, meta_path) =
        pod_paths(object.kind.as_str()).or_else(|| other_api_pod_paths(object))?;
    let pod = pointer(&object.value, pod_path)?;
    Some(Workload {
        object,
        pod,
        pod_path,
        pod_meta: pointer(&object.value, meta_path).unwrap_or(&EMPTY),
        pod_meta_path: meta_path,
    })
}

/// Whether an object carries a pod spec (a workload of a built-in kind, or of another API's
/// kind with a pod template).
pub fn carries_pod(object: &Object) -> bool {
    pod_spec(object).is_some()
}

/// Where an object of another API's kind keeps the pod it runs, when it embeds a pod
/// template as the built-in workloads do (`spec.template` with containers): Argo Rollouts,
/// OpenShift DeploymentConfigs, Knative Services, … Their controllers create Pods from it,
/// so the template is judged like a Deployment's. Built-in kinds without a pod are never one.
fn other_api_pod_paths(object: &Object) -> Option<(&'static str, &'static str)> {
    // A same-named kind of another group is evaluated as `Kind.group`, so not known here.
    if crate::collect::cluster::resources::known(&object.kind).is_some() {
        return None;
    }
    matches!(
        object.value.pointer("/spec/template/spec/containers"),
        Some(Doc::Array(a)) if !a.is_empty()
    )
    .then_some(("spec.template.spec", "spec.template.metadata"))
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
    /// The ServiceAccount the pod runs as, as the API server converts the spec:
    /// `serviceAccountName`, else the deprecated `serviceAccount` (when the new field is
    /// empty or absent), else `default`.
    pub fn service_account(&self) -> &'a str {
        ["serviceAccountName", "serviceAccount"]
            .into_iter()
            .filter_map(|f| self.pod.get(f).and_then(Doc::as_str))
            .find(|n| !n.is_empty())
            .unwrap_or("default")
    }

    /// Why this is a static pod, which the kubelet runs from a file without admission (no
    /// ServiceAccount, no token): a mirror pod (the kubelet's `kubernetes.io/config.mirror`
    /// annotation, or owned by its Node), or a Pod manifest as kubeadm writes its control-plane
    /// static pods (`kube-system`, label `tier: control-plane`, and like every static pod
    /// naming no ServiceAccount and not asking for a token). `None` for anything else.
    pub fn static_pod(&self) -> Option<&'static str> {
        let obj = self.object;
        if obj.kind != "Pod" {
            return None;
        }
        let meta = obj.value.get("metadata");
        if meta
            .and_then(|m| m.get("annotations"))
            .is_some_and(|a| a.get("kubernetes.io/config.mirror").is_some())
        {
            return Some("a mirror pod (annotation kubernetes.io/config.mirror)");
        }
        let owned_by_node = meta
            .and_then(|m| m.get("ownerReferences"))
            .and_then(Doc::as_array)
            .is_some_and(|refs| {
                refs.iter()
                    .any(|r| r.get("kind").and_then(Doc::as_str) == Some("Node"))
            });
        if owned_by_node {
            return Some("a mirror pod (owned by its Node)");
        }
        let control_plane = meta
            .and_then(|m| m.get("labels"))
            .and_then(|l| l.get("tier"))
            .and_then(Doc::as_str)
            == Some("control-plane");
        // A static pod may not refer to a ServiceAccount: a pod that names one, or asks for a
        // token, is an ordinary pod whatever its labels.
        let names_account = self.service_account() != "default";
        let asks_token = self
            .pod
            .get("automountServiceAccountToken")
            .and_then(Doc::as_bool)
            == Some(true);
        (control_plane
            && obj.namespace.as_deref() == Some("kube-system")
            && !names_account
            && !asks_token)
            .then_some("a control-plane static pod (kube-system, label tier: control-plane)")
    }

    /// Containers, then init containers, then ephemeral containers.
    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for (field, role) in [
            ("containers", "container"),
            ("initContainers", "init container"),
            ("ephemeralContainers", EPHEMERAL_CONTAINER),
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
