//! Who prepared a report, with which identity the target was read, on which host, and the
//! scope of the run in words, for the cover page and `run.attribution`.
//!
//! The identity is found without any request to the cluster: from the kubeconfig (the user
//! of the context used) or, in a pod, from the mounted service account files (the namespace
//! file and the `sub` claim of the token, decoded locally; the token itself is never kept).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::results::Report;

/// Who, what, where of a run (all optional in reports written before it existed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// The person who prepared the report (`--preparer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preparer: Option<String>,
    /// Their organisation (`--organisation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The identity that read the target: `kubeconfig user U (context C)`, `service account
    /// ns/name (in cluster)`, `manifests`, `demo`, `snapshot`, `node`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity: String,
    /// The host that ran the scan.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// The scope of the run in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope_statement: String,
    /// The pod that ran the scan, when run in a cluster (from the downward API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<PodIdentity>,
}

/// Where in a cluster a scan ran: the pod, its node, and the Job and CronJob that started
/// it. Each value comes from an environment variable the pod's manifest fills in with the
/// downward API (`deploy/cronjob.yaml`); a variable that is unset or empty is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodIdentity {
    /// The pod's namespace (`KUBEATTEST_POD_NAMESPACE` ← `metadata.namespace`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The pod's name (`KUBEATTEST_POD_NAME` ← `metadata.name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The node it ran on (`KUBEATTEST_NODE_NAME` ← `spec.nodeName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The Job that created the pod (`KUBEATTEST_JOB_NAME` ← the
    /// `batch.kubernetes.io/job-name` label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// The CronJob that created the Job (`KUBEATTEST_CRONJOB_NAME`, a label of the CronJob's
    /// pod template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cronjob: Option<String>,
}

/// The environment variables read by [`pod_identity`], in the order of [`PodIdentity`]'s
/// fields.
pub const POD_ENV: [&str; 5] = [
    "KUBEATTEST_POD_NAMESPACE",
    "KUBEATTEST_POD_NAME",
    "KUBEATTEST_NODE_NAME",
    "KUBEATTEST_JOB_NAME",
    "KUBEATTEST_CRONJOB_NAME",
];

/// The pod identity from the environment (`env` looks a variable up); `None` when no
/// variable is set. Values are names, cut at 253 characters (the longest Kubernetes name).
pub fn pod_identity(env: impl Fn(&str) -> Option<String>) -> Option<PodIdentity> {
    let get = |i: usize| {
        env(POD_ENV[i])
            .map(|v| v.trim().chars().take(253).collect::<String>())
            .filter(|v| !v.is_empty())
    };
    let pod = PodIdentity {
        namespace: get(0),
        name: get(1),
        node: get(2),
        job: get(3),
        cronjob: get(4),
    };
    (pod != PodIdentity::default()).then_some(pod)
}

impl PodIdentity {
    /// In words: `pod kubeattest/kubeattest-29412345-abcde on node n1, Job …, CronJob …`.
    pub fn describe(&self) -> String {
        let name = match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => format!("pod {ns}/{n}"),
            (None, Some(n)) => format!("pod {n}"),
            (Some(ns), None) => format!("a pod in namespace {ns}"),
            (None, None) => "a pod".into(),
        };
        let mut parts = vec![name];
        if let Some(node) = &self.node {
            parts.push(format!("on node {node}"));
        }
        match (&self.job, &self.cronjob) {
            (Some(j), Some(c)) => parts.push(format!("started by Job {j} of CronJob {c}")),
            (Some(j), None) => parts.push(format!("started by Job {j}")),
            (None, Some(c)) => parts.push(format!("started by CronJob {c}")),
            (None, None) => {}
        }
        parts.join(" ")
    }
}

/// Where a pod's service account files are mounted.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The host name of this machine (`unknown` when it cannot be read).
pub fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// The kubeconfig user of `context` (or of the current context). Reads only the
/// kubeconfig file(s); no request.
pub fn kubeconfig_identity(kubeconfig: Option<&Path>, context: Option<&str>) -> Option<String> {
    let config = match kubeconfig {
        Some(p) => kube::config::Kubeconfig::read_from(p).ok()?,
        None => kube::config::Kubeconfig::read().ok()?,
    };
    let ctx_name = context
        .map(str::to_string)
        .or_else(|| config.current_context.clone())?;
    let ctx = config
        .contexts
        .iter()
        .find(|c| c.name == ctx_name)?
        .context
        .as_ref()?;
    let user = ctx.user.clone().unwrap_or_else(|| "(none)".into());
    Some(format!("kubeconfig user {user} (context {ctx_name})"))
}

/// The in-cluster service account from the mounted files under `dir`: `ns/name`. The
/// token's payload is decoded locally for its `sub` claim; nothing of it is kept.
pub fn service_account_identity(dir: &Path) -> Option<String> {
    let namespace = std::fs::read_to_string(dir.join("namespace")).ok()?;
    let namespace = namespace.trim();
    let name = std::fs::read_to_string(dir.join("token"))
        .ok()
        .and_then(|t| {
            let payload = t.trim().split('.').nth(1)?.to_string();
            let bytes = data_encoding::BASE64URL_NOPAD
                .decode(payload.trim_end_matches('=').as_bytes())
                .ok()?;
            let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            let sub = v.get("sub")?.as_str()?.to_string();
            sub.strip_prefix(&format!("system:serviceaccount:{namespace}:"))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "(name unknown)".into());
    Some(format!("service account {namespace}/{name} (in cluster)"))
}

fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The scope of a run in words: what was read, which namespaces, which node roles, which
/// frameworks and profiles, what could not be read.
pub fn scope_statement(report: &Report, node_roles: &[String]) -> String {
    let run = &report.run;
    let sc = &run.scope;
    let mut parts = Vec::new();
    let what = match run.target.source {
        Some(crate::inventory::SourceKind::Cluster) => format!(
            "The cluster {} was read through its API server{}",
            run.target.name,
            run.target
                .server
                .as_deref()
                .map(|s| format!(" {s}"))
                .unwrap_or_default()
        ),
        Some(crate::inventory::SourceKind::Demo) => {
            "The built-in demo cluster (synthetic data, not a real cluster) was evaluated".into()
        }
        Some(crate::inventory::SourceKind::Manifests) => format!(
            "Manifest files were evaluated, not a running cluster ({})",
            list(&sc.sources)
        ),
        Some(crate::inventory::SourceKind::Snapshot) => format!(
            "A saved snapshot of a cluster was evaluated ({})",
            list(&sc.sources)
        ),
        _ => format!("The inputs {} were evaluated", list(&sc.sources)),
    };
    parts.push(format!("{what}."));
    parts.push(
        if sc.namespaces.is_empty() && sc.excluded_namespaces.is_empty() {
            "All namespaces were in scope.".into()
        } else if sc.namespaces.is_empty() {
            format!(
                "All namespaces except {} were in scope.",
                list(&sc.excluded_namespaces)
            )
        } else {
            let mut s = format!("Only the namespaces {} were in scope", list(&sc.namespaces));
            if !sc.excluded_namespaces.is_empty() {
                s.push_str(&format!(", without {}", list(&sc.excluded_namespaces)));
            }
            s.push_str("; cluster-scoped objects were still read.");
            s
        },
    );
    parts.push(if node_roles.is_empty() {
        "No node facts were collected, so node-level items (file permissions, kubelet settings) are not assessed from nodes.".into()
    } else {
        format!("Node facts came from nodes with the roles {}.", list(node_roles))
    });
    let frameworks: Vec<String> = report
        .frameworks
        .iter()
        .map(|f| {
            let mut profiles: Vec<String> =
                f.items.iter().filter_map(|i| i.profile.clone()).collect();
            profiles.sort();
            profiles.dedup();
            if profiles.is_empty() {
                format!("{} {}", f.title, f.version)
            } else {
                format!("{} {} (profiles {})", f.title, f.version, list(&profiles))
            }
        })
        .collect();
    parts.push(format!("Frameworks assessed: {}.", list(&frameworks)));
    let failed: Vec<String> = report
        .coverage
        .iter()
        .filter(|c| c.is_failure())
        .map(|c| c.source.clone())
        .collect();
    parts.push(match failed.len() {
        0 => "Every source was read.".into(),
        n if n <= 5 => format!("Could not be read: {}.", list(&failed)),
        n => format!(
            "{n} sources could not be read, among them {} (all listed under Coverage).",
            list(&failed[..5])
        ),
    });
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_from_mounted_files_without_keeping_the_token() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("namespace"), "kubeattest\n").unwrap();
        let payload = data_encoding::BASE64URL_NOPAD
            .encode(br#"{"sub":"system:serviceaccount:kubeattest:scanner"}"#);
        std::fs::write(
            tmp.path().join("token"),
            format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln"),
        )
        .unwrap();
        let id = service_account_identity(tmp.path()).unwrap();
        assert_eq!(id, "service account kubeattest/scanner (in cluster)");
        assert!(!id.contains("c2ln"));
    }

    #[test]
    fn pod_identity_from_downward_api_variables() {
        let env = |k: &str| {
            match k {
                "KUBEATTEST_POD_NAMESPACE" => Some("kubeattest"),
                "KUBEATTEST_POD_NAME" => Some("kubeattest-29412345-x7k2p"),
                "KUBEATTEST_NODE_NAME" => Some("node-1"),
                "KUBEATTEST_JOB_NAME" => Some("kubeattest-29412345"),
                "KUBEATTEST_CRONJOB_NAME" => Some(""),
                _ => None,
            }
            .map(str::to_string)
        };
        let pod = pod_identity(env).unwrap();
        assert_eq!(pod.cronjob, None, "empty is unset");
        assert_eq!(
            pod.describe(),
            "pod kubeattest/kubeattest-29412345-x7k2p on node node-1 started by Job kubeattest-29412345"
        );
        assert_eq!(pod_identity(|_| None), None);
    }

    #[test]
    fn lists_read_as_words() {
        assert_eq!(list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    }
}
