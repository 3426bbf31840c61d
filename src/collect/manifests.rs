//! Manifests: files, directories (recursively) and stdin (`-`); YAML multi-document streams
//! and JSON; `kind: List` and every `*List` are expanded. Every object keeps its file and the
//! line of each of its fields. A file that cannot be read or parsed is a coverage error that
//! names the file and line; a document that is not a Kubernetes object is skipped with the
//! reason; the other files are still read.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::inventory::{Coverage, Inventory, Object, Origin, SourceKind, Target};
use crate::yaml::{self, Node, NodeValue};

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Collects every manifest under `inputs` into an inventory.
pub fn collect(inputs: &[PathBuf]) -> Inventory {
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
    if count == 0 && !skipped.is_empty() {
        inv.coverage.push(Coverage {
            source: file.to_string(),
            status: "skipped".into(),
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
            status: "skipped".into(),
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
        assert_eq!(inv.coverage[0].status, "skipped");
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
