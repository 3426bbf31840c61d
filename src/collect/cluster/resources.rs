//! Which API resources a scan lists: the kinds the selected checks read, looked up in the
//! server's discovery documents (group, served version, plural, scope).

use std::collections::BTreeSet;

use crate::catalog::Check;
use crate::checks::workload::WORKLOAD_KINDS;
use crate::checks::Assertion;

/// A kind the scanner knows how to list: its API group and the versions to prefer, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// API group (`""` for the core group).
    pub group: &'static str,
    /// Kind.
    pub kind: &'static str,
}

/// Every kind a scan may list. Checks name kinds; this table says which group serves them.
pub const KNOWN: &[Known] = &[
    k("", "Namespace"),
    k("", "Node"),
    k("", "Pod"),
    k("", "PodTemplate"),
    k("", "ReplicationController"),
    k("", "Service"),
    k("", "ServiceAccount"),
    k("", "Secret"),
    k("", "ConfigMap"),
    k("", "LimitRange"),
    k("", "ResourceQuota"),
    k("", "PersistentVolume"),
    k("apps", "Deployment"),
    k("apps", "StatefulSet"),
    k("apps", "DaemonSet"),
    k("apps", "ReplicaSet"),
    k("batch", "Job"),
    k("batch", "CronJob"),
    k("networking.k8s.io", "Ingress"),
    k("networking.k8s.io", "IngressClass"),
    k("networking.k8s.io", "NetworkPolicy"),
    // Cilium's own policies: listed where its CRDs are served (not served elsewhere).
    k("cilium.io", "CiliumNetworkPolicy"),
    k("cilium.io", "CiliumClusterwideNetworkPolicy"),
    k("gateway.networking.k8s.io", "Gateway"),
    k("gateway.networking.k8s.io", "HTTPRoute"),
    k("rbac.authorization.k8s.io", "Role"),
    k("rbac.authorization.k8s.io", "ClusterRole"),
    k("rbac.authorization.k8s.io", "RoleBinding"),
    k("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    k(
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    k(
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    k("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    k(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    k("policy", "PodDisruptionBudget"),
];

const fn k(group: &'static str, kind: &'static str) -> Known {
    Known { group, kind }
}

/// Kinds every cluster scan lists whatever the checks: scope, platform detection and the
/// report's target facts come from them.
pub const ALWAYS: &[&str] = &["Namespace", "Node"];

/// The known entry for a kind.
pub fn known(kind: &str) -> Option<Known> {
    KNOWN.iter().copied().find(|k| k.kind == kind)
}

/// The resource name (plural) the API serves a kind of [`KNOWN`] under: `pods`,
/// `networkpolicies`, `ingresses`, `gateways` (the lower-cased kind, English plural).
pub fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    let consonant_y = lower.ends_with('y')
        && !matches!(
            lower.as_bytes().get(lower.len().wrapping_sub(2)),
            Some(b'a' | b'e' | b'i' | b'o' | b'u')
        );
    if consonant_y {
        format!("{}ies", &lower[..lower.len() - 1])
    } else if lower.ends_with('s') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// What a request path of a cluster scan (as its coverage records it) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiPath<'a> {
    /// The list of a kind of [`KNOWN`], cluster-wide or in one namespace:
    /// `/api/v1/pods`, `/apis/apps/v1/namespaces/web/deployments`.
    List(&'static str),
    /// The discovery document of an API group version (`/api/v1`, `/apis/apps/v1`): the
    /// group (`""` for the core group).
    Discovery(&'a str),
}

/// Reads a request path as a list of a known kind or a discovery document; `None` for any
/// other source (`/version`, `/apis`, a node, a file, a kind of no known group).
pub fn api_path(path: &str) -> Option<ApiPath<'_>> {
    let (group, rest) = if let Some(rest) = path.strip_prefix("/api/") {
        ("", rest)
    } else {
        let rest = path.strip_prefix("/apis/")?;
        rest.split_once('/')?
    };
    let mut segments = rest.split('/');
    let _version = segments.next().filter(|v| !v.is_empty())?;
    let rest: Vec<&str> = segments.collect();
    let resource = match rest.as_slice() {
        [] => return Some(ApiPath::Discovery(group)),
        [resource] => *resource,
        ["namespaces", namespace, resource] if !namespace.is_empty() => *resource,
        _ => return None,
    };
    KNOWN
        .iter()
        .find(|k| k.group == group && plural(k.kind) == resource)
        .map(|k| ApiPath::List(k.kind))
}

/// The kind an object is evaluated as. A kind of [`KNOWN`] under another API group is a
/// different resource that shares the name (Calico's `crd.projectcalico.org/v1`
/// NetworkPolicy, Knative's `serving.knative.dev/v1` Service, Istio's
/// `networking.istio.io/v1` Gateway): it is named `Kind.group`, as kubectl names a resource
/// of a group, so that no check reads it as the built-in kind. The `extensions` group that
/// served workloads, Ingresses and NetworkPolicies before their own groups counts as theirs.
pub fn evaluated_kind<'k>(kind: &'k str, api_version: &str) -> std::borrow::Cow<'k, str> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let legacy = group == "extensions"
        && matches!(
            kind,
            "Deployment" | "DaemonSet" | "ReplicaSet" | "Ingress" | "NetworkPolicy"
        );
    match known(kind) {
        Some(k) if k.group != group && !legacy => format!("{kind}.{group}").into(),
        _ => kind.into(),
    }
}

/// API versions Kubernetes no longer serves, with the release that removed them and the
/// version that replaces them (the deprecated API migration guide), for the kinds checks read.
const REMOVED_APIS: &[(&str, &[&str], &str, &str)] = &[
    (
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet"],
        "1.16",
        "use apps/v1",
    ),
    (
        "extensions/v1beta1",
        &["NetworkPolicy"],
        "1.16",
        "use networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        &["PodSecurityPolicy"],
        "1.16",
        "PodSecurityPolicy itself is gone since 1.25: Pod Security Admission replaces it",
    ),
    (
        "extensions/v1beta1",
        &["Ingress"],
        "1.22",
        "use networking.k8s.io/v1",
    ),
    (
        "apps/v1beta1",
        &["Deployment", "StatefulSet"],
        "1.16",
        "use apps/v1",
    ),
    (
        "apps/v1beta2",
        &["Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"],
        "1.16",
        "use apps/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        "1.22",
        "use networking.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        "1.22",
        "use rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        "1.22",
        "use rbac.authorization.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ],
        "1.22",
        "use admissionregistration.k8s.io/v1",
    ),
    ("batch/v1beta1", &["CronJob"], "1.25", "use batch/v1"),
    ("batch/v2alpha1", &["CronJob"], "1.21", "use batch/v1"),
    (
        "policy/v1beta1",
        &["PodSecurityPolicy"],
        "1.25",
        "Pod Security Admission replaces it",
    ),
    (
        "policy/v1beta1",
        &["PodDisruptionBudget"],
        "1.25",
        "use policy/v1",
    ),
];

/// Why a manifest object's API version is no longer served, when it is one Kubernetes
/// removed, or a `batch` version that never existed (`batch/v2`): the API server refuses it,
/// though what it holds can still be judged.
pub fn removed_api(kind: &str, api_version: &str) -> Option<String> {
    if let Some((_, _, release, instead)) = REMOVED_APIS
        .iter()
        .find(|(v, kinds, _, _)| *v == api_version && kinds.contains(&kind))
    {
        return Some(format!(
            "apiVersion {api_version} is no longer served (removed in Kubernetes {release}; {instead})"
        ));
    }
    let known_batch = ["batch/v1", "batch/v1beta1", "batch/v2alpha1"];
    (matches!(kind, "Job" | "CronJob")
        && api_version.starts_with("batch/")
        && !known_batch.contains(&api_version))
    .then(|| format!("apiVersion {api_version} is not a version Kubernetes serves (batch/v1 is)"))
}

/// The kind a manifest object is evaluated as ([`evaluated_kind`]), or why the API server
/// would refuse it: a built-in kind under another built-in API group (`apiVersion: v1` with
/// `kind: Deployment`) is a mistake, not another resource. A group of a custom resource
/// always holds a dot and is not a `*.k8s.io` group, so `Kind.group` is kept for those.
pub fn served_kind<'k>(
    kind: &'k str,
    api_version: &str,
) -> Result<std::borrow::Cow<'k, str>, String> {
    let evaluated = evaluated_kind(kind, api_version);
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let built_in = !group.contains('.') || group.ends_with(".k8s.io");
    // Kinds are case-sensitive: `kind: pod` is refused ("no matches for kind").
    if let (None, true) = (known(kind), built_in) {
        if let Some(k) = KNOWN.iter().find(|k| k.kind.eq_ignore_ascii_case(kind)) {
            return Err(format!(
                "kind {} is not served: kinds are case-sensitive (did you mean {}?)",
                crate::quote::quote(kind),
                k.kind
            ));
        }
    }
    match known(kind) {
        Some(k) if built_in && evaluated != kind => {
            let served = if k.group.is_empty() {
                "v1".to_string()
            } else {
                format!("{}/v1", k.group)
            };
            Err(format!(
                "apiVersion {} does not serve {kind} (it is {served})",
                crate::quote::quote(api_version)
            ))
        }
        _ => Ok(evaluated),
    }
}

/// Assertion kinds that read workloads (every kind of [`WORKLOAD_KINDS`]) besides the kinds
/// [`kinds_of_assertion_kind`] lists: the pods' service accounts (`rbac`), the controller's
/// image (`ingress`), the pod labels policies select and the CNI's DaemonSet (`network`),
/// the images scanners reported on (`vulnerabilities`).
const READS_WORKLOADS: &[&str] = &["rbac", "ingress", "network", "vulnerabilities"];

/// Kinds an assertion kind reads, for assertion kinds whose parameters do not name them
/// (workloads apart: [`READS_WORKLOADS`]). An assertion kind not listed here gets every known
/// kind (never less than it needs).
fn kinds_of_assertion_kind(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        // Mirror pods carry the control-plane flags, kube-proxy's DaemonSet its own; a
        // configuration file mounted from a ConfigMap (kube-proxy's) is read from it.
        "flag" => &["Pod", "ConfigMap", "DaemonSet"],
        "flags_differ" => &["Pod", "DaemonSet"],
        "kubelet_config" => &["ConfigMap", "Node"],
        "file" => &[],
        "rbac" => &[
            "Role",
            "ClusterRole",
            "RoleBinding",
            "ClusterRoleBinding",
            "ServiceAccount",
        ],
        "tls" => &["Secret", "Ingress"],
        "vulnerabilities" => &[],
        "exposure" => &["Service", "Namespace"],
        "ingress" => &["Ingress", "Secret", "Service", "IngressClass", "ConfigMap"],
        "network" => &[
            "NetworkPolicy",
            "CiliumNetworkPolicy",
            "CiliumClusterwideNetworkPolicy",
            "Namespace",
            "Service",
        ],
        "kubelet_version" => &["Node"],
        "admission" => &[
            "Namespace",
            "Pod",
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
        ],
        _ => return None,
    })
}

/// The kinds the given checks read, plus [`ALWAYS`]. `None` for `checks` means "everything
/// a scan can list" (snapshots are collected for any later evaluation).
pub fn needed_kinds<'a>(checks: Option<impl Iterator<Item = &'a Check>>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = ALWAYS.iter().map(|s| s.to_string()).collect();
    let Some(checks) = checks else {
        out.extend(KNOWN.iter().map(|k| k.kind.to_string()));
        return out;
    };
    for check in checks {
        match &check.assertion {
            Assertion::Fields(p) if !p.kinds.is_empty() => {
                out.extend(p.kinds.iter().cloned());
            }
            Assertion::Fields(_) => out.extend(WORKLOAD_KINDS.iter().map(|s| s.to_string())),
            other => {
                match kinds_of_assertion_kind(other.kind()) {
                    Some(kinds) => out.extend(kinds.iter().map(|s| s.to_string())),
                    None => out.extend(KNOWN.iter().map(|k| k.kind.to_string())),
                }
                if READS_WORKLOADS.contains(&other.kind()) {
                    out.extend(WORKLOAD_KINDS.iter().map(|s| s.to_string()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_kind_has_the_plural_the_api_serves() {
        // As Kubernetes 1.33 (and Cilium, Gateway API) serve them; a kind added to KNOWN
        // must be added here, so a coverage entry of its list is never missed.
        let served = [
            ("Namespace", "namespaces"),
            ("Node", "nodes"),
            ("Pod", "pods"),
            ("PodTemplate", "podtemplates"),
            ("ReplicationController", "replicationcontrollers"),
            ("Service", "services"),
            ("ServiceAccount", "serviceaccounts"),
            ("Secret", "secrets"),
            ("ConfigMap", "configmaps"),
            ("LimitRange", "limitranges"),
            ("ResourceQuota", "resourcequotas"),
            ("PersistentVolume", "persistentvolumes"),
            ("Deployment", "deployments"),
            ("StatefulSet", "statefulsets"),
            ("DaemonSet", "daemonsets"),
            ("ReplicaSet", "replicasets"),
            ("Job", "jobs"),
            ("CronJob", "cronjobs"),
            ("Ingress", "ingresses"),
            ("IngressClass", "ingressclasses"),
            ("NetworkPolicy", "networkpolicies"),
            ("CiliumNetworkPolicy", "ciliumnetworkpolicies"),
            (
                "CiliumClusterwideNetworkPolicy",
                "ciliumclusterwidenetworkpolicies",
            ),
            ("Gateway", "gateways"),
            ("HTTPRoute", "httproutes"),
            ("Role", "roles"),
            ("ClusterRole", "clusterroles"),
            ("RoleBinding", "rolebindings"),
            ("ClusterRoleBinding", "clusterrolebindings"),
            (
                "ValidatingWebhookConfiguration",
                "validatingwebhookconfigurations",
            ),
            (
                "MutatingWebhookConfiguration",
                "mutatingwebhookconfigurations",
            ),
            ("ValidatingAdmissionPolicy", "validatingadmissionpolicies"),
            (
                "ValidatingAdmissionPolicyBinding",
                "validatingadmissionpolicybindings",
            ),
            ("PodDisruptionBudget", "poddisruptionbudgets"),
        ];
        for k in KNOWN {
            let want = served
                .iter()
                .find(|(kind, _)| *kind == k.kind)
                .map(|(_, p)| *p)
                .unwrap_or_else(|| panic!("{}: add its served plural to this table", k.kind));
            assert_eq!(plural(k.kind), want, "{}", k.kind);
        }
    }

    #[test]
    fn coverage_paths_name_their_kind_or_group() {
        assert_eq!(api_path("/api/v1/pods"), Some(ApiPath::List("Pod")));
        assert_eq!(
            api_path("/api/v1/namespaces"),
            Some(ApiPath::List("Namespace"))
        );
        assert_eq!(
            api_path("/api/v1/namespaces/web/pods"),
            Some(ApiPath::List("Pod"))
        );
        assert_eq!(
            api_path("/apis/apps/v1/namespaces/web/deployments"),
            Some(ApiPath::List("Deployment"))
        );
        assert_eq!(
            api_path("/apis/networking.k8s.io/v1/networkpolicies"),
            Some(ApiPath::List("NetworkPolicy"))
        );
        assert_eq!(
            api_path("/apis/cilium.io/v2/ciliumnetworkpolicies"),
            Some(ApiPath::List("CiliumNetworkPolicy"))
        );
        assert_eq!(api_path("/api/v1"), Some(ApiPath::Discovery("")));
        assert_eq!(
            api_path("/apis/rbac.authorization.k8s.io/v1"),
            Some(ApiPath::Discovery("rbac.authorization.k8s.io"))
        );
        // Not a list of a known kind of that group, or not an API path at all.
        assert_eq!(api_path("/apis/apps/v1/pods"), None);
        assert_eq!(api_path("/api/v1/events"), None);
        assert_eq!(api_path("/apis"), None);
        assert_eq!(api_path("/version"), None);
        assert_eq!(api_path("node-1"), None);
        assert_eq!(api_path("/api/v1/namespaces/web/pods/p/log"), None);
    }

    #[test]
    fn a_built_in_kind_of_another_group_is_another_resource() {
        assert_eq!(
            evaluated_kind("NetworkPolicy", "networking.k8s.io/v1"),
            "NetworkPolicy"
        );
        assert_eq!(
            evaluated_kind("NetworkPolicy", "extensions/v1beta1"),
            "NetworkPolicy"
        );
        assert_eq!(evaluated_kind("Deployment", "apps/v1beta2"), "Deployment");
        assert_eq!(evaluated_kind("Pod", "v1"), "Pod");
        assert_eq!(
            evaluated_kind("NetworkPolicy", "crd.projectcalico.org/v1"),
            "NetworkPolicy.crd.projectcalico.org"
        );
        assert_eq!(
            evaluated_kind("Service", "serving.knative.dev/v1"),
            "Service.serving.knative.dev"
        );
        assert_eq!(
            evaluated_kind("Gateway", "networking.istio.io/v1"),
            "Gateway.networking.istio.io"
        );
        assert_eq!(
            served_kind("Deployment", "v1").err().as_deref(),
            Some("apiVersion v1 does not serve Deployment (it is apps/v1)")
        );
        assert!(served_kind("Pod", "apps/v1").is_err());
        assert!(served_kind("NetworkPolicy", "policy.networking.k8s.io/v1alpha1").is_err());
        assert_eq!(
            served_kind("NetworkPolicy", "crd.projectcalico.org/v1").as_deref(),
            Ok("NetworkPolicy.crd.projectcalico.org")
        );
        assert_eq!(
            served_kind("Deployment", "apps/v1").as_deref(),
            Ok("Deployment")
        );
        // Kinds kubeattest does not know are left as they are.
        assert_eq!(
            evaluated_kind("GlobalNetworkPolicy", "projectcalico.org/v3"),
            "GlobalNetworkPolicy"
        );
    }

    #[test]
    fn every_workload_kind_is_known() {
        for kind in WORKLOAD_KINDS {
            assert!(known(kind).is_some(), "{kind}");
        }
    }

    #[test]
    fn assertion_kinds_that_read_workloads_are_known() {
        for kind in READS_WORKLOADS {
            assert!(kinds_of_assertion_kind(kind).is_some(), "{kind}");
        }
    }

    #[test]
    fn everything_when_no_checks_given() {
        let all = needed_kinds(None::<std::iter::Empty<&Check>>);
        assert_eq!(all.len(), KNOWN.len());
    }
}
