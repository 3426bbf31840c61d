//! Node facts from the node agents: the latest facts each `kubeattest node --every` agent
//! printed, read from its pod's log through the API (`GET …/pods/NAME/log`), so a cluster
//! scan judges every node without any write permission and without reaching the nodes.
//!
//! Agents are the Pods labelled `app.kubernetes.io/name=kubeattest-node-agent` in the agent
//! namespace (`deploy/node-agent.yaml`). A log that cannot be read is a coverage entry with
//! the reason; the node checks then say what is missing, never pass.

use std::collections::BTreeMap;

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

/// The facts of every agent in `namespace` (latest per node, sorted by node) and a coverage
/// entry per agent pod.
pub async fn fetch(
    client: &Client,
    namespace: &str,
    objects: &[Object],
) -> (Vec<NodeFacts>, Vec<Coverage>) {
    let mut by_node: BTreeMap<String, NodeFacts> = BTreeMap::new();
    let mut coverage = Vec::new();
    let agents = objects.iter().filter(|o| {
        o.kind == "Pod"
            && o.namespace.as_deref() == Some(namespace)
            && o.value
                .pointer("/metadata/labels")
                .and_then(|l| l.get(AGENT_LABEL.0))
                .and_then(Doc::as_str)
                == Some(AGENT_LABEL.1)
    });
    let api: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), namespace);
    for pod in agents {
        let source = format!("/api/v1/namespaces/{namespace}/pods/{}/log", pod.name);
        let params = LogParams {
            tail_lines: Some(TAIL_LINES),
            ..LogParams::default()
        };
        let text = match api.logs(&pod.name, &params).await {
            Ok(t) => t,
            Err(kube::Error::Api(s)) if s.code == 401 || s.code == 403 => {
                coverage.push(Coverage::failed(
                    source,
                    "forbidden",
                    format!("forbidden: the scanning identity cannot read the node agent's logs; grant get on pods/log in namespace {namespace} (see deploy/node-agent.yaml)"),
                ));
                continue;
            }
            Err(e) => {
                coverage.push(Coverage::failed(
                    source,
                    "error",
                    format!("cannot read the node agent's log: {e}"),
                ));
                continue;
            }
        };
        match parse_facts_text(&text) {
            Ok(docs) if !docs.is_empty() => {
                coverage.push(Coverage::ok(&source, docs.len()));
                for d in docs {
                    // Later lines are newer: the last one per node wins.
                    by_node.insert(d.node.clone(), d);
                }
            }
            Ok(_) => coverage.push(Coverage::failed(
                source,
                "error",
                "the node agent has not printed any facts yet; wait for its first collection",
            )),
            Err(why) => coverage.push(Coverage::failed(source, "error", why)),
        }
    }
    (by_node.into_values().collect(), coverage)
}
