//! What the checks that read node facts share: the finding to give when there are no node
//! facts to judge, the subject of a finding about one node, and the nodes that were not looked
//! at.
//!
//! Node facts come per node (a node agent's log, a `--node-facts` file), so some nodes may
//! have none while others do: a Node the cluster lists whose facts are missing was not looked
//! at, and every check that reads node facts gives `error` for it with the reason
//! ([`unseen`]), whatever the other nodes show. Which nodes a check is about follows from what
//! it reads ([`nodes_read`]): the control-plane files and components only concern
//! control-plane nodes, told by their facts' roles, and for a node without facts by its
//! labels (`node-role.kubernetes.io/control-plane`, `…/master`, `…/etcd`) or a control-plane
//! pod scheduled to it.

use std::collections::BTreeSet;

use crate::catalog::Check;
use crate::checks::evidence;
use crate::checks::{Assertion, Context};
use crate::document::Doc;
use crate::inventory::{Inventory, SourceKind};
use crate::node_facts::{CONTROL_PLANE_COMPONENTS, CONTROL_PLANE_FILE_ROLES};
use crate::results::{Finding, Status, Subject};

/// The finding when the inventory holds no node facts: `not_applicable` for manifest scans
/// (nothing on a node was in scope), `error` otherwise (the nodes were not looked at).
pub fn no_node_facts(check: &Check, ctx: &Context) -> Finding {
    let (status, message) = match ctx.inventory.target.source {
        Some(SourceKind::Manifests) => (
            Status::NotApplicable,
            "manifests carry no node facts; scan nodes with `kubeattest node` and pass the facts with `scan --node-facts`".to_string(),
        ),
        _ => match ctx.inventory.node_facts_missing.iter().next() {
            // The node agents run but none of their logs gave facts: say why.
            Some((node, why)) => (
                Status::Error,
                match ctx.inventory.node_facts_missing.len() - 1 {
                    0 => format!("no node facts could be read: node {node}: {why}"),
                    more => format!(
                        "no node facts could be read: node {node}: {why} (and {more} other node(s), see coverage)"
                    ),
                },
            ),
            None => (
                Status::Error,
                "no node facts collected: run `kubeattest node` on each node (or the node-agent DaemonSet) and pass the facts with `scan --node-facts`".to_string(),
            ),
        },
    };
    let finding = evidence::finding(
        check,
        status,
        Subject {
            kind: "Node".into(),
            name: "*".into(),
            ..Subject::default()
        },
        Vec::new(),
        message,
    );
    // Nothing on a node was looked at: not assessed, not "nothing there".
    finding.not_assessed_if_not_applicable()
}

/// The subject for a node as a whole.
pub fn node_subject(node: &str) -> Subject {
    Subject {
        kind: "Node".into(),
        name: node.into(),
        node: Some(node.into()),
        ..Subject::default()
    }
}

/// Role, subject kind, subject name.
type GroupKey<'a> = (&'a str, &'a str, &'a str);

/// Findings about the same subject that differ between nodes of the same role: one `warn`
/// finding per such subject, listing each node's verdict. Only decided verdicts (pass, fail,
/// warn) are compared: a file that exists on one control-plane node only (kubeadm's
/// `super-admin.conf`) is not an inconsistency.
pub fn inconsistencies(check: &Check, findings: &[Finding], ctx: &Context) -> Vec<Finding> {
    use std::collections::BTreeMap;
    let roles: BTreeMap<&str, &str> = ctx
        .inventory
        .node_facts
        .iter()
        .map(|n| (n.node.as_str(), n.primary_role()))
        .collect();
    if roles.len() < 2 {
        return Vec::new();
    }
    let mut groups: BTreeMap<GroupKey, Vec<(&str, Status)>> = BTreeMap::new();
    for f in findings {
        let Some(node) = f.subject.node.as_deref() else {
            continue;
        };
        if !matches!(f.status, Status::Pass | Status::Fail | Status::Warn) {
            continue;
        }
        let role = roles.get(node).copied().unwrap_or("worker");
        groups
            .entry((role, &*f.subject.kind, &*f.subject.name))
            .or_default()
            .push((node, f.status));
    }
    let mut out = Vec::new();
    for ((role, kind, name), verdicts) in groups {
        let first = verdicts[0].1;
        if verdicts.iter().all(|(_, s)| *s == first) {
            continue;
        }
        let list: Vec<String> = verdicts
            .iter()
            .map(|(n, s)| format!("{n} {}", s.as_str()))
            .collect();
        out.push(evidence::finding(
            check,
            Status::Warn,
            Subject {
                kind: "Inconsistent".into(),
                name: format!("{role} nodes: {kind} {name}").into(),
                ..Subject::default()
            },
            Vec::new(),
            format!(
                "inconsistent between {role} nodes: {kind} {name}: {}",
                list.join(", ")
            ),
        ));
    }
    out
}

/// Which nodes a check that reads node facts is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nodes {
    /// Every node (the kubelet's files and configuration, kube-proxy, the CNI's files).
    Every,
    /// Control-plane nodes only (the API server, controller manager, scheduler, etcd, and
    /// their files).
    ControlPlane,
}

/// The nodes a check's assertion reads node facts of, or `None` when it reads none.
pub fn nodes_read(assertion: &Assertion) -> Option<Nodes> {
    let control_plane = |component: &str| CONTROL_PLANE_COMPONENTS.contains(&component);
    let scope = |all_control_plane: bool| {
        if all_control_plane {
            Nodes::ControlPlane
        } else {
            Nodes::Every
        }
    };
    Some(match assertion {
        Assertion::File(p) => scope(
            p.files
                .iter()
                .all(|f| CONTROL_PLANE_FILE_ROLES.contains(&f.as_str())),
        ),
        Assertion::KubeletConfig(_) => Nodes::Every,
        Assertion::Flag(p) => scope(control_plane(&p.component)),
        Assertion::FlagsDiffer(p) => {
            scope(control_plane(&p.flag.component) && control_plane(&p.other.component))
        }
        // The API server's files (encryption, audit policy, admission configuration).
        Assertion::Encryption(_) | Assertion::AuditPolicy(_) | Assertion::Admission(_) => {
            Nodes::ControlPlane
        }
        _ => return None,
    })
}

/// A node whose facts are missing although node facts were read for others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnseenNode {
    /// The node's name.
    pub name: String,
    /// Why it has no facts, in words.
    pub why: String,
    /// Whether it is (or may be) a control-plane node: labelled so, running a control-plane
    /// pod, or of unknown role where no control plane is known and the platform does not run
    /// it.
    pub control_plane: bool,
    /// The operating system of a node that is not Linux (its `kubernetes.io/os` label): the
    /// benchmark's node checks, and the node agent, are for Linux nodes.
    pub os: Option<String>,
}

/// The operating system a Node object's `kubernetes.io/os` label names, when it is not Linux.
pub fn node_os(node: &crate::inventory::Object) -> Option<&str> {
    node.value
        .pointer("/metadata/labels/kubernetes.io~1os")
        .and_then(Doc::as_str)
        .filter(|os| *os != "linux")
}

/// Labels that make a Node a control-plane node (any value).
const CONTROL_PLANE_LABELS: &[&str] = &[
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
    "node-role.kubernetes.io/etcd",
];

/// The nodes without facts when node facts were read for some: every Node the inventory
/// lists (where a list is the cluster's: a live cluster, a snapshot, the demo) and every node
/// whose facts could not be read ([`Inventory::node_facts_missing`]), less the nodes with
/// facts. None when no node facts were read at all (the checks then say so as a whole, see
/// [`no_node_facts`]).
pub fn unseen_nodes(inv: &Inventory) -> Vec<UnseenNode> {
    if inv.node_facts.is_empty() {
        return Vec::new();
    }
    let have: BTreeSet<&str> = inv.node_facts.iter().map(|n| n.node.as_str()).collect();
    let mut names: BTreeSet<&str> = inv.node_facts_missing.keys().map(String::as_str).collect();
    if crate::checks::absence_is_known(inv) {
        names.extend(inv.of_kind("Node").map(|o| o.name.as_str()));
    }
    names.retain(|n| !have.contains(n));
    if names.is_empty() {
        return Vec::new();
    }
    let labelled: BTreeSet<&str> = inv
        .of_kind("Node")
        .filter(|o| {
            o.value
                .pointer("/metadata/labels")
                .and_then(Doc::as_object)
                .is_some_and(|l| CONTROL_PLANE_LABELS.iter().any(|k| l.contains_key(k)))
        })
        .map(|o| o.name.as_str())
        .collect();
    let running: BTreeSet<&str> = inv
        .of_kind_in("Pod", Some("kube-system"))
        .filter(|o| is_control_plane_pod(&o.value))
        .filter_map(|o| o.value.pointer("/spec/nodeName").and_then(Doc::as_str))
        .collect();
    let known = !labelled.is_empty()
        || !running.is_empty()
        || inv
            .node_facts
            .iter()
            .any(|n| n.primary_role() == "control-plane");
    // No control plane seen anywhere, on a platform that does not run it: any node may be one.
    let any_may_be = !known && !inv.target.managed_control_plane();
    names
        .into_iter()
        .map(|name| {
            UnseenNode {
            name: name.to_string(),
            why: inv.node_facts_missing.get(name).cloned().unwrap_or_else(|| {
                "no node facts were read for it (no node agent's log or --node-facts file names it)"
                    .to_string()
            }),
            control_plane: any_may_be || labelled.contains(name) || running.contains(name),
            os: inv
                .find_named("Node", name)
                .and_then(node_os)
                .map(str::to_string),
        }
        })
        .collect()
}

/// Whether a kube-system Pod runs a control-plane component: labelled with its `component`
/// (kubeadm's static pods) or `tier: control-plane`.
fn is_control_plane_pod(pod: &Doc) -> bool {
    let label = |k: &str| {
        pod.pointer("/metadata/labels")
            .and_then(|l| l.get(k))
            .and_then(Doc::as_str)
    };
    label("tier") == Some("control-plane")
        || label("component").is_some_and(|c| CONTROL_PLANE_COMPONENTS.contains(&c))
}

/// An `error` finding for each node the check is about whose facts are missing
/// ([`unseen_nodes`]): nothing on it was looked at, so whatever the other nodes show, the
/// check does not pass.
pub fn unseen(check: &Check, ctx: &Context) -> Vec<Finding> {
    let Some(nodes) = nodes_read(&check.assertion) else {
        return Vec::new();
    };
    ctx.unseen_nodes()
        .iter()
        .filter(|n| nodes == Nodes::Every || n.control_plane)
        .map(|n| match &n.os {
            Some(os) => evidence::finding(
                check,
                Status::NotApplicable,
                node_subject(&n.name),
                Vec::new(),
                format!(
                    "node {} runs {os}: the benchmark's node checks are written for Linux nodes, and the node agent runs on Linux only",
                    n.name
                ),
            ),
            None => evidence::finding(
                check,
                Status::Error,
                node_subject(&n.name),
                Vec::new(),
                format!("node {} was not checked (no node facts): {}", n.name, n.why),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Context;

    /// The demo cluster (cp-1 labelled control-plane, worker-1, worker-2) without the facts of
    /// `dropped`, with `why` recorded for the first of them.
    fn demo_without(dropped: &[&str], why: Option<&str>) -> Inventory {
        let mut inv = crate::collect::demo::collect().expect("demo");
        inv.node_facts
            .retain(|n| !dropped.contains(&n.node.as_str()));
        if let (Some(why), Some(first)) = (why, dropped.first()) {
            inv.node_facts_missing
                .insert(first.to_string(), why.to_string());
        }
        inv
    }

    /// The check's overall status and the messages of its findings about `node`.
    fn judged(inv: &Inventory, check: &str, node: &str) -> (Status, Vec<String>) {
        let catalog = crate::catalog::load(None).expect("catalog");
        let check = catalog.check(check).expect("check");
        let ctx = Context::new(inv, &catalog);
        let (status, out) = crate::evaluate::run_check(check, &ctx);
        let about = out
            .findings
            .iter()
            .filter(|f| f.subject.node.as_deref() == Some(node))
            .map(|f| format!("{} {}", f.status.as_str(), f.message))
            .collect();
        (status, about)
    }

    #[test]
    fn a_listed_node_without_facts_is_an_error_for_the_checks_about_it() {
        let why = "the log of its node agent (pod kubeattest-agent/a) could not be read: the API server answered HTTP 404 (NotFound)";
        // worker-2's kubelet.conf is 0644 (the only failure): without its facts, the others
        // pass, and the check must not.
        let all = crate::collect::demo::collect().expect("demo");
        assert_eq!(
            judged(&all, "kubelet-kubeconfig-permissive", "worker-2").0,
            Status::Fail
        );
        let inv = demo_without(&["worker-2"], Some(why));
        let unseen = unseen_nodes(&inv);
        assert_eq!(
            unseen,
            [UnseenNode {
                name: "worker-2".into(),
                why: why.into(),
                control_plane: false,
                os: None,
            }]
        );
        // Every node's files and the kubelet: error for worker-2, with the reason.
        for check in [
            "kubelet-kubeconfig-permissive",
            "kubelet-anonymous-auth-enabled",
        ] {
            let (status, about) = judged(&inv, check, "worker-2");
            assert_ne!(status, Status::Pass, "{check}");
            assert_eq!(
                about,
                [format!(
                    "error node worker-2 was not checked (no node facts): {why}"
                )],
                "{check}"
            );
        }
        assert_eq!(
            judged(&inv, "kubelet-kubeconfig-permissive", "worker-2").0,
            Status::Error
        );
        // Control-plane files and flags: a worker is not what they are about.
        for check in [
            "apiserver-manifest-permissive",
            "apiserver-anonymous-auth-enabled",
        ] {
            let (status, about) = judged(&inv, check, "worker-2");
            assert!(about.is_empty(), "{check}: {about:?}");
            assert_eq!(status, judged(&all, check, "worker-2").0, "{check}");
        }
    }

    #[test]
    fn a_windows_node_without_facts_is_not_applicable_not_input_lost() {
        let mut inv = demo_without(&["worker-2"], None);
        let node = inv
            .objects
            .iter_mut()
            .find(|o| o.kind == "Node" && o.name == "worker-2")
            .expect("worker-2");
        if let Some(labels) = node
            .value
            .get_mut("metadata")
            .and_then(|m| m.get_mut("labels"))
            .and_then(Doc::as_object_mut)
        {
            labels.insert("kubernetes.io/os", Doc::from(serde_json::json!("windows")));
        }
        let (status, about) = judged(&inv, "kubelet-kubeconfig-permissive", "worker-2");
        assert_eq!(
            about,
            ["not_applicable node worker-2 runs windows: the benchmark's node checks are written for Linux nodes, and the node agent runs on Linux only"]
        );
        // The Linux nodes were read and pass.
        assert_eq!(status, Status::Pass);
    }

    #[test]
    fn a_control_plane_node_without_facts_is_an_error_for_control_plane_checks() {
        // Labelled control-plane: told from its Node, without facts.
        let inv = demo_without(&["cp-1"], None);
        let unseen = unseen_nodes(&inv);
        assert_eq!(unseen.len(), 1);
        assert!(unseen[0].control_plane);
        assert!(
            unseen[0].why.contains("no node facts were read"),
            "{unseen:?}"
        );
        for check in [
            "apiserver-manifest-permissive",
            "kubelet-kubeconfig-permissive",
        ] {
            let (status, about) = judged(&inv, check, "cp-1");
            assert_ne!(status, Status::Pass, "{check}: {about:?}");
            assert_eq!(about.len(), 1, "{check}: {about:?}");
            assert!(
                about[0].starts_with("error node cp-1 was not checked"),
                "{about:?}"
            );
        }
    }

    #[test]
    fn no_facts_at_all_is_said_once_and_a_node_of_unknown_role_may_be_the_control_plane() {
        // No facts: the checks say so as a whole, not per node.
        let inv = demo_without(
            &["cp-1", "worker-1", "worker-2"],
            Some("its node agent is gone"),
        );
        assert!(unseen_nodes(&inv).is_empty());
        let (status, _) = judged(&inv, "kubelet-kubeconfig-permissive", "cp-1");
        assert_eq!(status, Status::Error);
        // No control plane known anywhere, on a platform that does not run it.
        let mut inv = demo_without(&["worker-2"], None);
        for o in inv.objects.iter_mut().filter(|o| o.kind == "Node") {
            if let Some(l) = o
                .value
                .get_mut("metadata")
                .and_then(|m| m.get_mut("labels"))
                .and_then(Doc::as_object_mut)
            {
                l.retain(|k, _| !k.starts_with("node-role.kubernetes.io/"));
            }
        }
        inv.objects.retain(|o| o.kind != "Pod");
        for f in &mut inv.node_facts {
            f.roles = vec!["worker".into()];
        }
        inv.finish();
        assert!(unseen_nodes(&inv)[0].control_plane);
        inv.target.platform = Some("eks".into());
        assert!(!unseen_nodes(&inv)[0].control_plane);
    }

    #[test]
    fn checks_read_the_nodes_their_files_and_components_are_on() {
        let catalog = crate::catalog::load(None).expect("catalog");
        let scope = |id: &str| nodes_read(&catalog.check(id).expect("check").assertion);
        assert_eq!(
            scope("apiserver-manifest-permissive"),
            Some(Nodes::ControlPlane)
        );
        assert_eq!(scope("pki-not-root-owned"), Some(Nodes::ControlPlane));
        assert_eq!(scope("cni-files-permissive"), Some(Nodes::Every));
        assert_eq!(scope("kubelet-config-dir-permissive"), Some(Nodes::Every));
        assert_eq!(scope("kubelet-anonymous-auth-enabled"), Some(Nodes::Every));
        assert_eq!(
            scope("apiserver-anonymous-auth-enabled"),
            Some(Nodes::ControlPlane)
        );
        assert_eq!(scope("privileged-container"), None);
    }
}
