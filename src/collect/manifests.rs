//! Manifests: files, directories (recursively) and stdin (`-`); YAML multi-document streams
//! and JSON; `kind: List` and every `*List` are expanded. Every object keeps its file and the
//! line of each of its fields. A file that cannot be read or parsed is a coverage error that
//! names the file and line; a document that is not a Kubernetes object, or one whose fields
//! have the wrong type (`collect::shape`), is left out and listed as `invalid` with the file,
//! line and reason (exit code 3); the other documents and files are still read.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::collect::shape;
use crate::inventory::{Coverage, Inventory, Object, Origin, SourceKind, Target};
use crate::yaml::{self, Node, NodeValue};

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Built-in kinds that live outside namespaces (`kubectl api-resources --namespaced=false`,
/// Kubernetes 1.31, plus the cluster-wide policy kinds of Cilium and Calico). Every other kind
/// in a manifest is namespaced: without `metadata.namespace` it lands in the namespace
/// `kubectl apply` would use.
const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "CiliumClusterwideNetworkPolicy",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "GlobalNetworkPolicy",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectReview",
    "SelfSubjectRulesReview",
    "ServiceCIDR",
    "StorageClass",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
];

/// Whether a kind lives outside namespaces.
pub fn is_cluster_scoped_kind(kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS.contains(&kind)
}

/// The namespace of objects whose manifest names none, as `kubectl apply` decides it.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Collects every manifest under `inputs` into an inventory; namespaced objects without
/// `metadata.namespace` are in `default`.
pub fn collect(inputs: &[PathBuf]) -> Inventory {
    collect_in(inputs, DEFAULT_NAMESPACE)
}

/// Collects every manifest under `inputs`; namespaced objects without `metadata.namespace`
/// are put in `namespace` (`kubectl apply -n NS`), and cluster-scoped objects lose a stray
/// namespace (the API server ignores it too).
pub fn collect_in(inputs: &[PathBuf], namespace: &str) -> Inventory {
    let mut inv = collect_raw(inputs);
    place_in_namespaces(&mut inv, namespace);
    inv.finish();
    inv
}

/// Gives namespaced objects without a namespace `namespace`, and drops the namespace of
/// cluster-scoped ones.
pub fn place_in_namespaces(inv: &mut Inventory, namespace: &str) {
    for o in &mut inv.objects {
        if is_cluster_scoped_kind(&o.kind) {
            o.namespace = None;
        } else if o.namespace.as_deref().is_none_or(str::is_empty) {
            o.namespace = Some(namespace.to_string());
        }
    }
}

fn collect_raw(inputs: &[PathBuf]) -> Inventory {
    let mut inv = Inventory::new(
        Target {
            name: "manifests".into(),
            source: Some(SourceKind::Manifests),
            ..Target::default()
        },
        true,
    );
    for input in inputs {
        if input.as_os_str() == "-" {
            let mut text = String::new();
            match std::io::stdin().read_to_string(&mut text) {
                Ok(_) => add_text(&mut inv, "-", &text),
                Err(e) => inv.coverage.push(Coverage::failed(
                    "-",
                    "error",
                    format!("cannot read standard input: {e}"),
                )),
            }
        } else if input.is_dir() {
            let mut files: Vec<PathBuf> = Vec::new();
            for entry in walkdir::WalkDir::new(input).sort_by_file_name() {
                match entry {
                    Ok(e) if e.file_type().is_file() && has_manifest_ext(e.path()) => {
                        files.push(e.into_path());
                    }
                    Ok(_) => {}
                    Err(e) => inv.coverage.push(Coverage::failed(
                        e.path()
                            .map_or(input.display().to_string(), |p| p.display().to_string()),
                        "error",
                        format!("cannot read: {e}"),
                    )),
                }
            }
            for f in files {
                add_file(&mut inv, &f);
            }
        } else {
            add_file(&mut inv, input);
        }
    }
    inv.finish();
    inv
}

fn has_manifest_ext(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn add_file(inv: &mut Inventory, path: &Path) {
    let shown = path.display().to_string();
    match std::fs::read(path) {
        Err(e) => inv.coverage.push(Coverage::failed(
            &shown,
            "error",
            format!("{shown}: cannot read: {e}"),
        )),
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => add_text(inv, &shown, &text),
            Err(_) => inv.coverage.push(Coverage::failed(
                &shown,
                "error",
                format!("{shown}: not UTF-8 text; manifests must be YAML or JSON"),
            )),
        },
    }
}

/// Adds every object of a YAML/JSON stream read from `file`.
pub fn add_text(inv: &mut Inventory, file: &str, text: &str) {
    let origin = |line| Origin::File {
        path: file.to_string(),
        line,
    };
    let (count, skipped, error) = add_stream(inv, text, &origin);
    if let Some(e) = error {
        inv.coverage.push(Coverage {
            source: file.to_string(),
            status: "error".into(),
            items: count,
            error: Some(format!("{file}:{e}")),
        });
        return;
    }
    // A document that is not a judgeable object is input lost: `invalid`, so the exit code
    // says the scan is incomplete (3).
    if count == 0 && !skipped.is_empty() {
        inv.coverage.push(Coverage {
            source: file.to_string(),
            status: "invalid".into(),
            items: 0,
            error: Some(
                skipped
                    .iter()
                    .map(|(line, why)| format!("{file}:{line}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        });
        return;
    }
    inv.coverage.push(Coverage::ok(file, count));
    for (line, why) in skipped {
        inv.coverage.push(Coverage {
            source: format!("{file}:{line}"),
            status: "invalid".into(),
            items: 0,
            error: Some(format!("{file}:{line}: {why}")),
        });
    }
}

/// Parses a stream and adds its objects; returns (objects added, skipped documents with
/// their reasons, parse error).
pub fn add_stream(
    inv: &mut Inventory,
    text: &str,
    origin: &dyn Fn(u32) -> Origin,
) -> (usize, Vec<(u32, String)>, Option<String>) {
    let docs = match yaml::parse_documents(text) {
        Ok(d) => d,
        Err(e) => {
            let hint = if text.contains("{{") {
                " (this looks like a template: render it first, e.g. with `helm template`)"
            } else {
                ""
            };
            return (
                0,
                Vec::new(),
                Some(format!(
                    "{}: invalid YAML/JSON: {}{hint}",
                    e.line, e.message
                )),
            );
        }
    };
    let mut count = 0;
    let mut skipped = Vec::new();
    for doc in docs {
        for node in expand_lists(&doc) {
            let mut lines = BTreeMap::new();
            let value = node.to_json_with_lines(&mut lines);
            let kind = value.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            if let Some(p) = shape::problem(kind, &value) {
                let name = value
                    .pointer("/metadata/name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("(no name)");
                let line = shape::line(&p, &lines).unwrap_or(node.line);
                skipped.push((
                    line,
                    format!(
                        "{kind} {name}: {}; the object is not judged (fix the manifest: the API server would reject it)",
                        p.message
                    ),
                ));
                continue;
            }
            match Object::from_value(value, origin(node.line), lines) {
                Ok(obj) => {
                    inv.objects.push(obj);
                    count += 1;
                }
                Err(why) => skipped.push((node.line, why)),
            }
        }
    }
    (count, skipped, None)
}

/// `kind: List` (and `PodList`, …) with `items` becomes its items; anything else itself.
fn expand_lists(doc: &Node) -> Vec<&Node> {
    let is_list = doc
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k == "List" || k.ends_with("List"));
    match (is_list, doc.get("items").map(|n| &n.value)) {
        (true, Some(NodeValue::Seq(items))) => items.iter().collect(),
        _ => vec![doc],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_expanded_and_lines_kept() {
        let mut inv = Inventory::default();
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n";
        add_text(&mut inv, "x.yaml", text);
        assert_eq!(inv.objects.len(), 2);
        assert_eq!(
            inv.objects[1].origin,
            Origin::File {
                path: "x.yaml".into(),
                line: 7
            }
        );
    }

    #[test]
    fn bad_documents_are_reported_not_fatal() {
        let mut inv = Inventory::default();
        add_text(&mut inv, "v.yaml", "replicaCount: 3\n");
        add_text(&mut inv, "b.yaml", "a: [\n");
        assert_eq!(inv.coverage[0].status, "invalid");
        assert!(inv.coverage[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("v.yaml:1:"));
        assert_eq!(inv.coverage[1].status, "error");
        assert!(inv.coverage[1]
            .error
            .as_deref()
            .unwrap()
            .starts_with("b.yaml:"));
    }
}
