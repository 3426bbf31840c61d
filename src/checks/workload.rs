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

use crate::collect::cluster::trim::is_trimmed;
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
/// its own: a workload controller (built in, or of another API with a pod template) owns it,
/// it runs no ephemeral containers (added to a running Pod by `kubectl debug`, they are in no
/// template), and the owner is in the inventory. An owner reference names its owner by API
/// version and kind: a custom resource that reuses a built-in kind's name (OpenKruise's
/// `apps.kruise.io` StatefulSet) is not the built-in kind ([`builtin_owner`]).
///
/// An owner that is not in the inventory (a custom resource that was not listed, or one
/// created after its kind was listed) leaves the object to be judged itself, from a cluster
/// as from files. From a cluster, of the owned Pods that run alike only the first keeps its
/// containers, and only when their controller was listed
/// ([`trim`](crate::collect::cluster::trim)): the others are judged through their owner, or
/// through that first Pod when it differs from the template.
///
/// An owned object whose pod differs from its owner's template in what the security
/// checks read ([`same_pod_security`]: a sidecar or init container injected by a mutating
/// webhook, a Job made before its CronJob was edited, an old ReplicaSet of a Deployment) is
/// judged itself as well: what runs is what Pod Security Admission judges.
pub fn judged_through_owner(object: &Object, inv: &Inventory) -> bool {
    if has_ephemeral_containers(&object.value) {
        return false;
    }
    // A Pod kept without its containers runs what the first Pod of the same controller runs,
    // which was kept whole and is judged (itself, or through their owner): see `trim`.
    if is_trimmed(&object.kind, &object.value) {
        return true;
    }
    let Some((kind, api_version, name)) = controller_ref(&object.value) else {
        return false;
    };
    // A built-in workload controller, or one of another API whose object embeds a pod
    // template (an Argo Rollout owns its ReplicaSets).
    let builtin = builtin_owner(kind, api_version);
    // A reference without its API version (hand-written) names the kind as written.
    let evaluated = if api_version.is_empty() {
        kind.into()
    } else {
        crate::collect::cluster::resources::evaluated_kind(kind, api_version)
    };
    let owner = inv
        .find(&evaluated, object.namespace.as_deref(), name)
        .filter(|o| builtin || carries_pod(o));
    match owner {
        Some(owner) => runs_nothing(object) || same_pod_security(object, owner),
        None => false,
    }
}

/// Whether an owner reference's API version and kind name a built-in workload controller:
/// a kind of [`WORKLOAD_KINDS`] under its own API group (`apps` for Deployment, StatefulSet,
/// DaemonSet and ReplicaSet, `batch` for Job and CronJob, the core group `v1` for
/// ReplicationController; see [`resources::evaluated_kind`], which also accepts the
/// `extensions` group that once served Deployments, DaemonSets and ReplicaSets). The same
/// kind name under another group (`apps.kruise.io/v1beta1` StatefulSet), or without an API
/// version, is not one.
///
/// [`resources::evaluated_kind`]: crate::collect::cluster::resources::evaluated_kind
pub fn builtin_owner(kind: &str, api_version: &str) -> bool {
    WORKLOAD_KINDS.contains(&kind)
        && !api_version.is_empty()
        && crate::collect::cluster::resources::evaluated_kind(kind, api_version) == kind
}

/// Whether an owned object is scaled to zero (an old ReplicaSet a Deployment keeps for
/// rollbacks): it runs no pod, so its template is not judged on its own.
fn runs_nothing(object: &Object) -> bool {
    object.value.pointer("/spec/replicas").and_then(Doc::as_i64) == Some(0)
}

/// The seccomp annotations (read by the seccomp checks). AppArmor's are not compared: the
/// API server copies a Pod's AppArmor fields and annotations into each other (1.30+), so a
/// Pod may differ there from its template without any change of profile.
const SECURITY_ANNOTATION_PREFIXES: &[&str] = &["seccomp.security.alpha.kubernetes.io/"];

/// Whether two objects run the same pod as far as the checks read it: host namespaces,
/// service account, pod and container security contexts, containers (names, images,
/// commands, environment, ports, mounts), volumes and the seccomp annotations. What
/// admission, the scheduler and the StatefulSet controller add to every Pod (the service
/// account token volume and its mounts, resources from a LimitRange, tolerations, the node,
/// claim volumes, host ports copied from container ports on the host network, AppArmor
/// fields mirrored from annotations) is not compared.
pub fn same_pod_security(a: &Object, b: &Object) -> bool {
    let (Some(x), Some(y)) = (pod_spec(a), pod_spec(b)) else {
        return true;
    };
    PodSecurity::of(x.pod, x.pod_meta) == PodSecurity::of(y.pod, y.pod_meta)
}

/// Of a Pod listed from a cluster and created by a workload controller: its controller (by
/// uid, else kind and name) and a fingerprint of what the security checks read of it, alike
/// for two Pods exactly when [`same_pod_security`] finds them alike (up to hash collisions).
/// Of the Pods of one controller that run alike, only the first is kept whole
/// ([`trim`](crate::collect::cluster::trim)): on a large cluster the Pods of one ReplicaSet are
/// all alike, and a sidecar a webhook injected into them is still seen, once. `None` for any
/// other object.
pub fn owned_pod_variant(pod: &Doc) -> Option<(String, u64)> {
    use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
    if !owned_by_workload(pod) {
        return None;
    }
    let owner = controller_entry(pod)?;
    let key = match owner.key("uid").and_then(Doc::as_str) {
        Some(uid) => uid.to_string(),
        None => format!(
            "{}/{}",
            owner.key("kind").and_then(Doc::as_str).unwrap_or_default(),
            owner.key("name").and_then(Doc::as_str).unwrap_or_default()
        ),
    };
    let security = PodSecurity::of(
        pod.key("spec").unwrap_or(&EMPTY),
        pod.key("metadata").unwrap_or(&EMPTY),
    );
    Some((
        key,
        BuildHasherDefault::<DefaultHasher>::default().hash_one(&security),
    ))
}

/// What the security checks read of a pod, less what admission, the scheduler and the
/// StatefulSet controller add to every Pod (see [`same_pod_security`]).
#[derive(PartialEq, Hash)]
struct PodSecurity<'a> {
    /// hostNetwork, hostPID, hostIPC, shareProcessNamespace (absent is false).
    flags: [bool; 4],
    /// hostUsers, os, runtimeClassName, automountServiceAccountToken, as written.
    fields: [Option<&'a Doc>; 4],
    service_account: &'a str,
    context: Vec<(&'a str, &'a Doc)>,
    /// Containers, then init containers.
    containers: [Vec<ContainerSecurity<'a>>; 2],
    volumes: Vec<&'a Doc>,
    annotations: Vec<(&'a str, &'a Doc)>,
}

/// What the security checks read of one container.
#[derive(PartialEq, Hash)]
struct ContainerSecurity<'a> {
    /// [`CONTAINER_FIELDS`], as written.
    fields: [Option<&'a Doc>; 6],
    context: Vec<(&'a str, &'a Doc)>,
    ports: Vec<(Option<i64>, Option<i64>)>,
    mounts: Vec<&'a Doc>,
}

impl<'a> PodSecurity<'a> {
    fn of(pod: &'a Doc, meta: &'a Doc) -> PodSecurity<'a> {
        let flag = |key: &str| pod.key(key).and_then(Doc::as_bool).unwrap_or(false);
        let host_network = flag("hostNetwork");
        let containers = |key: &str| {
            pod.key(key)
                .and_then(Doc::as_array)
                .unwrap_or_default()
                .iter()
                .map(|c| ContainerSecurity {
                    fields: CONTAINER_FIELDS.map(|f| c.key(f)),
                    context: context_entries(c.key("securityContext")),
                    ports: ports(c, host_network),
                    mounts: mounts(c),
                })
                .collect()
        };
        PodSecurity {
            flags: ["hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace"].map(flag),
            fields: [
                "hostUsers",
                "os",
                "runtimeClassName",
                "automountServiceAccountToken",
            ]
            .map(|k| pod.key(k)),
            service_account: service_account(pod),
            context: context_entries(pod.key("securityContext")),
            containers: [containers("containers"), containers("initContainers")],
            volumes: volumes(pod),
            annotations: security_annotations(meta),
        }
    }
}

/// A security context's entries by name, an empty one counting as none and the AppArmor
/// profile (mirrored from annotations by the API server) left out.
fn context_entries(c: Option<&Doc>) -> Vec<(&str, &Doc)> {
    let mut entries: Vec<_> = c
        .and_then(Doc::as_object)
        .map(|m| m.iter().filter(|(k, _)| *k != "appArmorProfile").collect())
        .unwrap_or_default();
    entries.sort_unstable_by_key(|(k, _)| *k);
    entries
}

/// Container fields compared as written.
const CONTAINER_FIELDS: [&str; 6] = ["name", "image", "command", "args", "env", "envFrom"];

/// A container's ports as (container port, host port): on the host network a Pod's host
/// port defaults to its container port (not its template's, since 1.28), so that one counts
/// as unset.
fn ports(c: &Doc, host_network: bool) -> Vec<(Option<i64>, Option<i64>)> {
    c.key("ports")
        .and_then(Doc::as_array)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let container = p.key("containerPort").and_then(Doc::as_i64);
            let host = p
                .key("hostPort")
                .and_then(Doc::as_i64)
                .filter(|h| *h != 0 && !(host_network && Some(*h) == container));
            (container, host)
        })
        .collect()
}

/// A container's volume mounts, less the service account token's that admission adds.
fn mounts(c: &Doc) -> Vec<&Doc> {
    c.key("volumeMounts")
        .and_then(Doc::as_array)
        .unwrap_or_default()
        .iter()
        .filter(|m| !injected_name(m.key("name").and_then(Doc::as_str).unwrap_or_default()))
        .collect()
}

/// The volumes a pod spec declares, less the ones admission adds to every Pod and the claim
/// volumes a StatefulSet's controller adds from its claim templates.
fn volumes(pod: &Doc) -> Vec<&Doc> {
    pod.key("volumes")
        .and_then(Doc::as_array)
        .unwrap_or_default()
        .iter()
        .filter(|v| {
            let name = v.key("name").and_then(Doc::as_str).unwrap_or_default();
            !(v.key("persistentVolumeClaim").is_some()
                || (injected_name(name)
                    && (v.key("projected").is_some() || v.key("secret").is_some())))
        })
        .collect()
}

/// The pod's annotations that set its security.
fn security_annotations(meta: &Doc) -> Vec<(&str, &Doc)> {
    let mut entries: Vec<_> = meta
        .key("annotations")
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
        .unwrap_or_default();
    entries.sort_unstable_by_key(|(k, _)| *k);
    entries
}

/// The name of the service account token volume admission adds to every Pod
/// (`kube-api-access-…`; the `<account>-token-…` Secret before Kubernetes 1.22).
fn injected_name(name: &str) -> bool {
    name.starts_with("kube-api-access-") || name.contains("-token-")
}

/// Whether a Pod has ephemeral containers.
pub fn has_ephemeral_containers<T: Tree + Lookup<Node = T>>(v: &T) -> bool {
    matches!(v.at("/spec/ephemeralContainers").map(Tree::view), Some(View::Array(a)) if !a.is_empty())
}

/// The kind, API version and name of an object's controller (its owner reference marked
/// `controller`), whatever its kind.
fn controller_ref(v: &Doc) -> Option<(&str, &str, &str)> {
    controller_entry(v).and_then(|r| {
        Some((
            r.key("kind")?.as_str()?,
            r.key("apiVersion")
                .and_then(Doc::as_str)
                .unwrap_or_default(),
            r.key("name")?.as_str()?,
        ))
    })
}

/// An object's owner reference marked `controller`.
fn controller_entry(v: &Doc) -> Option<&Doc> {
    v.at("/metadata/ownerReferences")
        .and_then(Doc::as_array)?
        .iter()
        .find(|r| r.key("controller").and_then(Doc::as_bool) == Some(true))
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

/// Whether a built-in workload controller ([`builtin_owner`]: by API group and kind) owns
/// this object; it is then judged through that controller's template when the controller is
/// in the inventory ([`judged_through_owner`]). Also asked of an object as it is read, before
/// it becomes a document ([`trim`](crate::collect::cluster::trim::trim)).
pub fn owned_by_workload<T: Tree + Lookup<Node = T>>(v: &T) -> bool {
    let Some(View::Array(refs)) = v.at("/metadata/ownerReferences").map(Tree::view) else {
        return false;
    };
    refs.iter().any(|r| {
        let text = |key: &str| match r.key(key).map(Tree::view) {
            Some(View::String(s)) => s,
            _ => "",
        };
        matches!(r.key("controller").map(Tree::view), Some(View::Bool(true)))
            && builtin_owner(text("kind"), text("apiVersion"))
    })
}

/// The uid of an object's controller (its owner reference marked `controller`), if given.
pub fn controller_uid(v: &Doc) -> Option<&str> {
    controller_entry(v)?.key("uid")?.as_str()
}

/// Whether an object has an owner reference marked `controller`, whatever its kind.
pub fn has_controller(v: &Doc) -> bool {
    controller_entry(v).is_some()
}

impl<'a> Workload<'a> {
    /// The ServiceAccount the pod runs as, as the API server converts the spec:
    /// `serviceAccountName`, else the deprecated `serviceAccount` (when the new field is
    /// empty or absent), else `default`.
    pub fn service_account(&self) -> &'a str {
        service_account(self.pod)
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

/// The ServiceAccount a pod spec runs as (see [`Workload::service_account`]).
fn service_account(pod: &Doc) -> &str {
    ["serviceAccountName", "serviceAccount"]
        .into_iter()
        .filter_map(|f| pod.get(f).and_then(Doc::as_str))
        .find(|n| !n.is_empty())
        .unwrap_or("default")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, node: &str, map_order_flipped: bool, init: Option<bool>) -> Doc {
        let context = if map_order_flipped {
            json!({"runAsNonRoot": true, "allowPrivilegeEscalation": false})
        } else {
            json!({"allowPrivilegeEscalation": false, "runAsNonRoot": true})
        };
        let mut v = json!({
            "metadata": {"name": name, "ownerReferences": [{"apiVersion": "apps/v1",
                "kind": "ReplicaSet", "name": "rs", "uid": "u-1", "controller": true}]},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "i:1",
                "securityContext": context,
                "volumeMounts": [{"name": format!("kube-api-access-{name}"), "mountPath": "/t"}]}],
                "volumes": [{"name": format!("kube-api-access-{name}"),
                    "projected": {"sources": []}}]}
        });
        if let Some(privileged) = init {
            v["spec"]["initContainers"] = json!([{"name": "init", "image": "m:1", "securityContext": {"privileged": privileged}}]);
        }
        Doc::from(v)
    }

    /// Pods of one controller that differ only in what the platform adds to each (token
    /// volume names, node) or in key order run the same pod; an injected container, or a
    /// different value in it, makes another.
    #[test]
    fn owned_pod_variants_follow_what_the_checks_read() {
        let variant = |d: &Doc| owned_pod_variant(d).expect("owned");
        let a = variant(&pod("a", "n1", false, None));
        assert_eq!(a.0, "u-1");
        assert_eq!(a, variant(&pod("b", "n2", true, None)));
        let injected = variant(&pod("c", "n1", false, Some(true)));
        assert_ne!(a, injected);
        assert_eq!(injected, variant(&pod("d", "n2", true, Some(true))));
        assert_ne!(injected, variant(&pod("e", "n1", false, Some(false))));
        let bare = Doc::from(json!({"metadata": {"name": "p"}, "spec": {}}));
        assert!(owned_pod_variant(&bare).is_none());
    }

    /// An owner reference names its owner by API version and kind: only a workload kind under
    /// its own group is a built-in controller.
    #[test]
    fn built_in_owners_are_told_by_group_and_kind() {
        for (kind, api_version) in [
            ("ReplicaSet", "apps/v1"),
            ("StatefulSet", "apps/v1"),
            ("DaemonSet", "apps/v1"),
            ("Deployment", "apps/v1"),
            ("ReplicaSet", "extensions/v1beta1"),
            ("Job", "batch/v1"),
            ("CronJob", "batch/v1"),
            ("ReplicationController", "v1"),
        ] {
            assert!(builtin_owner(kind, api_version), "{api_version} {kind}");
        }
        for (kind, api_version) in [
            ("StatefulSet", "apps.kruise.io/v1beta1"),
            ("DaemonSet", "apps.kruise.io/v1alpha1"),
            ("Job", "batch.volcano.sh/v1alpha1"),
            ("StatefulSet", "v1"),
            ("ReplicationController", "apps/v1"),
            ("ReplicaSet", ""),
            ("Rollout", "argoproj.io/v1alpha1"),
        ] {
            assert!(!builtin_owner(kind, api_version), "{api_version} {kind}");
        }
        let owned = |api_version: &str| {
            Doc::from(json!({"metadata": {"name": "p", "ownerReferences": [{
                "apiVersion": api_version, "kind": "StatefulSet", "name": "web",
                "uid": "u-1", "controller": true}]}, "spec": {"containers": [{"name": "c"}]}}))
        };
        assert!(owned_by_workload(&owned("apps/v1")));
        assert!(owned_pod_variant(&owned("apps/v1")).is_some());
        assert!(!owned_by_workload(&owned("apps.kruise.io/v1beta1")));
        assert!(owned_pod_variant(&owned("apps.kruise.io/v1beta1")).is_none());
        assert_eq!(controller_uid(&owned("apps/v1")), Some("u-1"));
    }

    /// A Pod whose controller is not in the inventory is judged itself, from a cluster too:
    /// a custom resource that was not listed, or a ReplicaSet created after the list.
    #[test]
    fn pods_whose_owner_is_not_in_the_inventory_are_judged_themselves() {
        use crate::inventory::{Inventory, Origin, SourceKind, Target};
        let pod = |api_version: &str, kind: &str| {
            Object::from_listed(
                Doc::from(json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "web-0", "namespace": "payments", "ownerReferences": [{
                        "apiVersion": api_version, "kind": kind, "name": "web",
                        "uid": "u-1", "controller": true}]},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}})),
                Origin::Api {
                    path: "/api/v1/pods".into(),
                },
                true,
            )
            .expect("pod")
        };
        let mut inv = Inventory::new(
            Target {
                source: Some(SourceKind::Cluster),
                ..Target::default()
            },
            false,
        );
        let kruise = pod("apps.kruise.io/v1beta1", "StatefulSet");
        let replicaset = pod("apps/v1", "ReplicaSet");
        inv.objects = vec![kruise.clone(), replicaset.clone()];
        assert!(!judged_through_owner(&kruise, &inv));
        assert!(!judged_through_owner(&replicaset, &inv));
        // Its listed ReplicaSet, running the same pod: judged through it.
        let rs = Object::from_listed(
            Doc::from(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "web", "namespace": "payments", "uid": "u-1"},
                "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})),
            Origin::Api {
                path: "/apis/apps/v1/replicasets".into(),
            },
            true,
        )
        .expect("rs");
        inv.objects.push(rs);
        inv.finish();
        assert!(judged_through_owner(&replicaset, &inv));
        assert!(!judged_through_owner(&kruise, &inv));
    }
}
