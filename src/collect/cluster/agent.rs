//! Node facts from the node agents: the latest facts each `kubeattest node --every` agent
//! printed, read from its pod's log through the API (`GET …/pods/NAME/log`), so a cluster
//! scan judges every node without any write permission and without reaching the nodes.
//!
//! Agents are the Pods labelled `app.kubernetes.io/name=kubeattest-node-agent` in the agent
//! namespace (`deploy/node-agent.yaml`). A log that cannot be read is a coverage entry with
//! the reason, and so is the agent's node: [`missing_nodes`] says, for every listed Node
//! without facts, why (its agent's log could not be read, no agent runs there), and the node
//! checks give `error` for it with that reason, never pass
//! ([`unseen`](crate::checks::node_scope::unseen)).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::document::Doc;
use kube::api::{Api, LogParams};
use kube::Client;

use crate::collect::node::parse_facts_text;
use crate::inventory::{Coverage, Object};
use crate::node_facts::NodeFacts;

/// The label that marks node-agent pods.
pub const AGENT_LABEL: (&str, &str) = ("app.kubernetes.io/name", "kubeattest-node-agent");

/// How many log lines to read per agent: the agent prints one line per collection.
const TAIL_LINES: i64 = 20;

/// What reading the node agents' logs gave.
#[derive(Debug, Default)]
pub struct Fetched {
    /// The latest facts per node, sorted by node.
    pub facts: Vec<NodeFacts>,
    /// One entry per agent pod whose log was read or not.
    pub coverage: Vec<Coverage>,
    /// The nodes whose agent gave no facts, with why in words (by the agent pod's
    /// `spec.nodeName`).
    pub unread: BTreeMap<String, String>,
}

/// Whether an object is a node-agent pod of `namespace`.
fn is_agent(o: &Object, namespace: &str) -> bool {
    o.kind == "Pod"
        && o.namespace.as_deref() == Some(namespace)
        && o.value
            .pointer("/metadata/labels")
            .and_then(|l| l.get(AGENT_LABEL.0))
            .and_then(Doc::as_str)
            == Some(AGENT_LABEL.1)
}

/// The node a pod was scheduled to, if any.
fn node_of(o: &Object) -> Option<&str> {
    o.value
        .pointer("/spec/nodeName")
        .and_then(Doc::as_str)
        .filter(|n| !n.is_empty())
}

/// A failed log read in words: the HTTP status and the server's reason, or the transport
/// failure, never the client's debug dump.
fn in_words(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.reason)
            };
            let message = crate::quote::bounded(s.message.trim(), 300);
            if message.is_empty() {
                format!("the API server answered HTTP {}{reason}", s.code)
            } else {
                format!("the API server answered HTTP {}{reason}: {message}", s.code)
            }
        }
        other => {
            let text = super::cause_chain(other);
            crate::secrets::without_url_credentials(&crate::quote::bounded(&text, 300))
        }
    }
}

/// The facts of every agent in `namespace` (latest per node, sorted by node), a coverage
/// entry per agent pod, and why each agent that gave no facts did not. Each log read is
/// given `timeout`.
pub async fn fetch(
    client: &Client,
    namespace: &str,
    objects: &[Object],
    timeout: Duration,
) -> Fetched {
    let mut by_node: BTreeMap<String, NodeFacts> = BTreeMap::new();
    let mut out = Fetched::default();
    let api: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), namespace);
    for pod in objects.iter().filter(|o| is_agent(o, namespace)) {
        let source = format!("/api/v1/namespaces/{namespace}/pods/{}/log", pod.name);
        let agent = format!("pod {namespace}/{}", pod.name);
        let params = LogParams {
            tail_lines: Some(TAIL_LINES),
            ..LogParams::default()
        };
        let (status, why) = match tokio::time::timeout(timeout, api.logs(&pod.name, &params)).await
        {
            Ok(Ok(text)) => match parse_facts_text(&text) {
                Ok(docs) if !docs.is_empty() => {
                    out.coverage.push(Coverage::ok(&source, docs.len()));
                    for d in docs {
                        // Later lines are newer: the last one per node wins.
                        by_node.insert(d.node.clone(), d);
                    }
                    continue;
                }
                Ok(_) => (
                    "error",
                    format!("its node agent ({agent}) has not printed any facts yet; wait for its first collection"),
                ),
                Err(why) => (
                    "error",
                    format!("the log of its node agent ({agent}) holds no readable node facts: {why}"),
                ),
            },
            Ok(Err(kube::Error::Api(s))) if s.code == 401 || s.code == 403 => (
                "forbidden",
                format!("the log of its node agent ({agent}) could not be read: the scanning identity may not read pod logs in namespace {namespace}; grant get on pods/log there (see deploy/node-agent-reader-rbac.yaml)"),
            ),
            Ok(Err(e)) => (
                "error",
                format!(
                    "the log of its node agent ({agent}) could not be read: {}",
                    in_words(&e)
                ),
            ),
            Err(_) => (
                "error",
                format!(
                    "the log of its node agent ({agent}) could not be read: no answer within {}s",
                    timeout.as_secs_f32()
                ),
            ),
        };
        let node = node_of(pod);
        let message = match node {
            Some(n) => format!("node {n}: {why}"),
            None => format!("node agent {agent} (not scheduled to a node): {why}"),
        };
        out.coverage.push(Coverage::failed(source, status, message));
        if let Some(n) = node {
            out.unread.insert(n.to_string(), why);
        }
    }
    out.facts = by_node.into_values().collect();
    out
}

/// Why each listed Node has no facts, for the Nodes that have none: its agent's failure from
/// [`fetch`], else that its agent printed facts under another node name, else that no node
/// agent runs on it (when the agents run on other nodes and their pods were listed). A Node
/// none of this applies to is left out: nothing here says why (the agents are not deployed,
/// or their pods could not be listed, which coverage says). `agents_listed`: the Pods of the
/// agent namespace were listed, so an agent missing from them is missing from the cluster.
pub fn missing_nodes(
    namespace: &str,
    objects: &[Object],
    fetched: &Fetched,
    agents_listed: bool,
) -> BTreeMap<String, String> {
    let have: std::collections::BTreeSet<&str> =
        fetched.facts.iter().map(|f| f.node.as_str()).collect();
    let mut missing: BTreeMap<String, String> = fetched
        .unread
        .iter()
        .filter(|(n, _)| !have.contains(n.as_str()))
        .map(|(n, why)| (n.clone(), why.clone()))
        .collect();
    let deployed = agents_listed && objects.iter().any(|o| is_agent(o, namespace));
    for node in objects.iter().filter(|o| o.kind == "Node") {
        if have.contains(node.name.as_str()) || missing.contains_key(&node.name) {
            continue;
        }
        let agent = objects
            .iter()
            .find(|o| is_agent(o, namespace) && node_of(o) == Some(node.name.as_str()));
        let why = match agent {
            Some(a) => format!(
                "its node agent (pod {namespace}/{}) printed no facts under this node's name",
                a.name
            ),
            None if !deployed => continue,
            // The agent runs on Linux nodes; the benchmark's node checks are written for
            // them. Other nodes are not applicable to those checks (see `node_scope`), not
            // input lost.
            None if crate::checks::node_scope::node_os(node).is_some() => continue,
            None => format!(
                "no node agent pod runs on it (namespace {namespace}); check the DaemonSet's pods (pending, or kept off the node by a taint or a node selector)"
            ),
        };
        missing.insert(node.name.clone(), why);
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Origin;
    use serde_json::json;

    fn object(v: serde_json::Value) -> Object {
        Object::from_value(
            v,
            Origin::Api {
                path: "/api/v1".into(),
            },
            BTreeMap::new(),
        )
        .expect("object")
    }

    fn node(name: &str, os: &str) -> Object {
        object(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/os": os}}}))
    }

    fn agent(name: &str, node: &str) -> Object {
        object(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "kubeattest-agent",
                "labels": {"app.kubernetes.io/name": "kubeattest-node-agent"}},
            "spec": {"nodeName": node, "containers": [{"name": "agent", "image": "k"}]}}))
    }

    fn facts(node: &str) -> NodeFacts {
        serde_json::from_value(json!({"kind": "KubeattestNodeFacts", "facts_version": 1,
            "node": node, "collected_at": "2026-01-01T00:00:00Z", "root": "/host",
            "proc": "/proc"}))
        .expect("facts")
    }

    #[test]
    fn every_listed_node_without_facts_gets_its_reason() {
        let objects = vec![
            node("a", "linux"),
            node("b", "linux"),
            node("c", "windows"),
            node("d", "linux"),
            node("e", "linux"),
            agent("agent-a", "a"),
            agent("agent-b", "b"),
            agent("agent-e", "e"),
        ];
        let fetched = Fetched {
            // agent-e printed its facts under another name.
            facts: vec![facts("a"), facts("e.example.com")],
            coverage: Vec::new(),
            unread: [("b".to_string(), "its log could not be read".to_string())].into(),
        };
        let missing = missing_nodes("kubeattest-agent", &objects, &fetched, true);
        assert_eq!(
            missing.keys().map(String::as_str).collect::<Vec<_>>(),
            ["b", "d", "e"],
            "a Windows node is not one the agent reads: not input lost"
        );
        assert_eq!(missing["b"], "its log could not be read");
        assert!(
            missing["d"].starts_with("no node agent pod runs on it"),
            "{missing:?}"
        );
        assert!(
            missing["e"].contains("agent-e) printed no facts under this node's name"),
            "{missing:?}"
        );
        // Agent pods not listed (Pods forbidden, or their namespace out of scope): nothing
        // says that no agent runs on a node, only the agents' own failures.
        let missing = missing_nodes("kubeattest-agent", &objects, &fetched, false);
        assert!(!missing.contains_key("d"), "{missing:?}");
        assert!(missing.contains_key("b"));
    }

    #[test]
    fn a_failed_log_read_is_said_in_words() {
        let e = kube::Error::Api(Box::new(kube::core::Status {
            code: 404,
            reason: "NotFound".into(),
            message: "pods \"agent-b\" not found".into(),
            ..kube::core::Status::default()
        }));
        assert_eq!(
            in_words(&e),
            "the API server answered HTTP 404 (NotFound): pods \"agent-b\" not found"
        );
    }
}
