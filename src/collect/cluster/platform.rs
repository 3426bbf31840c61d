//! Platform detection: which distribution or managed service runs the cluster, from the
//! version string, node labels and provider IDs, and the API groups served.
//!
//! Managed platforms (EKS, GKE, AKS) run the control plane themselves: its flags are not ours
//! to check, and the flag checks say `not_applicable` ("managed control plane").

use crate::document::Doc;

/// What platform detection looks at.
#[derive(Debug, Default)]
pub struct Clues<'a> {
    /// `gitVersion` from `/version` (`v1.33.4`, `v1.30.2-eks-1552ad0`, `v1.31.1+k3s1`).
    pub git_version: &'a str,
    /// Node objects (labels, `spec.providerID`).
    pub nodes: Vec<&'a Doc>,
    /// API group names served.
    pub groups: Vec<&'a str>,
    /// Whether a `kube-system/kubeadm-config` ConfigMap or kubeadm mirror pods were seen.
    pub kubeadm_config: bool,
}

/// The platform name (`kubeadm`, `eks`, `gke`, `aks`, `k3s`, `rke2`, `openshift`), with the
/// clue that decided it, or `None` when nothing says.
pub fn detect(clues: &Clues) -> Option<(&'static str, String)> {
    let v = clues.git_version;
    if clues.groups.iter().any(|g| g.ends_with(".openshift.io")) {
        return Some(("openshift", "API groups *.openshift.io are served".into()));
    }
    if v.contains("+k3s") {
        return Some(("k3s", format!("version {v}")));
    }
    if v.contains("+rke2") {
        return Some(("rke2", format!("version {v}")));
    }
    if v.contains("-eks-") {
        return Some(("eks", format!("version {v}")));
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
    if clues.kubeadm_config {
        return Some(("kubeadm", "kube-system/kubeadm-config ConfigMap".into()));
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
}
