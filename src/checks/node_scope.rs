//! What node-based kinds (`file`, `kubelet_config`) share: the finding to give when there are
//! no node facts to judge, and the subject of a finding about one node.

use crate::catalog::Check;
use crate::checks::evidence;
use crate::checks::Context;
use crate::inventory::SourceKind;
use crate::results::{Finding, Status, Subject};

/// The finding when the inventory holds no node facts: `not_applicable` for manifest scans
/// (nothing on a node was in scope), `error` otherwise (the nodes were not looked at).
pub fn no_node_facts(check: &Check, ctx: &Context) -> Finding {
    let (status, message) = match ctx.inventory.target.source {
        Some(SourceKind::Manifests) => (
            Status::NotApplicable,
            "manifests carry no node facts; scan nodes with `kubeattest node` and pass the facts with `scan --node-facts`".to_string(),
        ),
        _ => (
            Status::Error,
            "no node facts collected: run `kubeattest node` on each node (or the node-agent DaemonSet) and pass the facts with `scan --node-facts`".to_string(),
        ),
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
