//! Platform detection: which distribution or managed service runs the cluster, from the
//! API groups served, kubeadm's own objects, the version string, and node labels and
//! provider IDs.
//!
//! Managed platforms (EKS, GKE, AKS) run the control plane themselves: its flags are not ours
//! to check, and the flag checks say `not_applicable` ("managed control plane"). Evidence of
//! a control plane of the cluster's own therefore comes first: kubeadm's
//! `kube-system/kubeadm-config` ConfigMap or its control-plane mirror pods make the cluster
//! `kubeadm` whatever its version string says (EKS Anywhere builds its clusters with kubeadm
//! on EKS Distro). A version string names managed EKS only in its form `v1.29.1-eks-b9c9ed7`
//! (`-eks-` and a commit's hex digits); EKS Distro's `v1.27.1-eks-1-27-4` (`-eks-` and the
//! release `<major>-<minor>-<number>`) is self-managed (`eks-distro`).

use crate::document::Doc;

/// What platform detection looks at.
#[derive(Debug, Default)]
pub struct Clues<'a> {
    /// `gitVersion` from `/version` (`v1.33.4`, `v1.30.2-eks-1552ad0`, `v1.27.1-eks-1-27-4`,
    /// `v1.31.1+k3s1`).
    pub git_version: &'a str,
    /// Node objects (labels, `spec.providerID`).
    pub nodes: Vec<&'a Doc>,
    /// API group names served.
    pub groups: Vec<&'a str>,
    /// Whether a `kube-system/kubeadm-config` ConfigMap or kubeadm mirror pods were seen.
    pub kubeadm_config: bool,
}

/// Which EKS build a version string names, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EksVersion {
    /// Managed EKS: `-eks-` and the hex digits of a commit (`v1.29.1-eks-b9c9ed7`).
    Managed,
    /// EKS Distro, self-managed (EKS Anywhere, kOps, …): `-eks-<major>-<minor>-<number>`
    /// (`v1.27.1-eks-1-27-4`).
    Distro,
}

/// The EKS build a `gitVersion` names: only the two forms above count; any other `-eks-`
/// suffix names neither.
fn eks_version(v: &str) -> Option<EksVersion> {
    let (_, suffix) = v.rsplit_once("-eks-")?;
    let numbers: Vec<&str> = suffix.split('-').collect();
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if numbers.len() == 3 && numbers.iter().all(|n| all_digits(n)) {
        return Some(EksVersion::Distro);
    }
    let hex = (6..=40).contains(&suffix.len())
        && suffix
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex.then_some(EksVersion::Managed)
}

/// The platform name (`kubeadm`, `eks`, `eks-distro`, `gke`, `aks`, `k3s`, `rke2`,
/// `openshift`), with the clue that decided it, or `None` when nothing says. kubeadm's own
/// objects come before any version string: they show a control plane run by the cluster's
/// owner.
pub fn detect(clues: &Clues) -> Option<(&'static str, String)> {
    let v = clues.git_version;
    if clues.groups.iter().any(|g| g.ends_with(".openshift.io")) {
        return Some(("openshift", "API groups *.openshift.io are served".into()));
    }
    if clues.kubeadm_config {
        return Some((
            "kubeadm",
            "kube-system/kubeadm-config ConfigMap or kubeadm control-plane mirror pods".into(),
        ));
    }
    if v.contains("+k3s") {
        return Some(("k3s", format!("version {v}")));
    }
    if v.contains("+rke2") {
        return Some(("rke2", format!("version {v}")));
    }
    match eks_version(v) {
        Some(EksVersion::Managed) => return Some(("eks", format!("version {v}"))),
        Some(EksVersion::Distro) => {
            return Some((
                "eks-distro",
                format!("version {v} (EKS Distro, self-managed)"),
            ))
        }
        None => {}
    }
    if v.contains("-gke.") {
        return Some(("gke", format!("version {v}")));
    }
    for node in &clues.nodes {
        let labels = node.pointer("/metadata/labels").and_then(Doc::as_object);
        let label = |k: &str| labels.is_some_and(|l| l.contains_key(k));
        let provider = node
            .pointer("/spec/providerID")
            .and_then(Doc::as_str)
            .unwrap_or("");
        if label("kubernetes.azure.com/cluster")
            || provider.starts_with("azure://") && label("kubernetes.azure.com/role")
        {
            return Some(("aks", "node labels kubernetes.azure.com/*".into()));
        }
        if label("eks.amazonaws.com/nodegroup") || label("eks.amazonaws.com/compute-type") {
            return Some(("eks", "node labels eks.amazonaws.com/*".into()));
        }
        if label("cloud.google.com/gke-nodepool") {
            return Some(("gke", "node label cloud.google.com/gke-nodepool".into()));
        }
        if label("node.kubernetes.io/instance-type")
            && node
                .pointer("/metadata/labels/node.kubernetes.io~1instance-type")
                .and_then(Doc::as_str)
                == Some("k3s")
        {
            return Some(("k3s", "node instance type k3s".into()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn by_version(v: &str) -> Option<&'static str> {
        detect(&Clues {
            git_version: v,
            ..Clues::default()
        })
        .map(|(p, _)| p)
    }

    #[test]
    fn versions() {
        assert_eq!(by_version("v1.30.2-eks-1552ad0"), Some("eks"));
        assert_eq!(by_version("v1.29.1-eks-b9c9ed7"), Some("eks"));
        assert_eq!(by_version("v1.15.11-eks-af3caf"), Some("eks"));
        // EKS Distro (EKS Anywhere, kOps): self-managed, whatever the `-eks-`.
        assert_eq!(by_version("v1.27.1-eks-1-27-4"), Some("eks-distro"));
        assert_eq!(by_version("v1.34.4-eks-1-34-17"), Some("eks-distro"));
        // Neither form: nothing is decided from it.
        assert_eq!(by_version("v1.30.2-eks-custom"), None);
        assert_eq!(by_version("v1.30.2-eks-1-27"), None);
        assert_eq!(by_version("v1.30.5-gke.1014001"), Some("gke"));
        assert_eq!(by_version("v1.31.1+k3s1"), Some("k3s"));
        assert_eq!(by_version("v1.31.1+rke2r1"), Some("rke2"));
        assert_eq!(by_version("v1.33.4"), None);
    }

    #[test]
    fn aks_from_node_labels_and_openshift_from_groups() {
        let node = json!({"metadata": {"labels": {"kubernetes.azure.com/cluster": "x"}},
                          "spec": {"providerID": "azure:///subscriptions/x"}});
        let node = crate::document::Doc::from(node);
        let clues = Clues {
            git_version: "v1.30.3",
            nodes: vec![&node],
            ..Clues::default()
        };
        assert_eq!(detect(&clues).map(|d| d.0), Some("aks"));
        let clues = Clues {
            git_version: "v1.30.3",
            groups: vec!["apps", "route.openshift.io"],
            ..Clues::default()
        };
        assert_eq!(detect(&clues).map(|d| d.0), Some("openshift"));
    }

    /// kubeadm's objects show a control plane of the cluster's own: they win over a version
    /// string of a managed platform (EKS Anywhere runs kubeadm on EKS Distro).
    #[test]
    fn kubeadm_evidence_comes_before_versions() {
        for v in [
            "v1.27.1-eks-1-27-4",
            "v1.29.1-eks-b9c9ed7",
            "v1.30.5-gke.1014001",
        ] {
            let clues = Clues {
                git_version: v,
                kubeadm_config: true,
                ..Clues::default()
            };
            assert_eq!(detect(&clues).map(|d| d.0), Some("kubeadm"), "{v}");
        }
    }
}
