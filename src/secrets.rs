//! What of a Secret the inventory keeps: its metadata, its type, the names of its keys, and
//! the certificates (`CERTIFICATE` PEM blocks only) in `tls.crt` of a `kubernetes.io/tls`
//! secret (which the TLS checks read). Every other value — `tls.key`, any key or other block
//! found in `tls.crt`, passwords, tokens, `stringData`, and the `last-applied-configuration`
//! annotation that repeats them — is replaced before the object enters the inventory, so no
//! report, snapshot, log or error can contain it. The same holds for Secrets nested in other
//! objects (a `List`, a `Template`), and for values the `credentials` checks classify as
//! credentials (ConfigMap keys, literal env values, `--password=` style arguments), which
//! keep their names and get [`REDACTED_CREDENTIAL`] as value.

use crate::document::{Doc, Fields};

use crate::checks::credentials::{could_be_credential, credential_name};

/// The text that replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// The text that replaces a value classified as a credential outside a Secret; it still
/// reads as a credential, so a snapshot is judged as the cluster was.
pub const REDACTED_CREDENTIAL: &str = "<redacted credential>";

/// The field, added to a redacted Secret, that records what was dropped from `tls.crt`:
/// `{"tls.crt": {"dropped_blocks": N, "labels": ["PRIVATE KEY"]}}` (PEM labels only).
pub const RECORD: &str = "kubeattestRedaction";

/// Redacts an object on its way into the inventory: a Secret (by kind: callers listing the
/// `secrets` resource set the kind from the resource, not from the body), Secrets nested at
/// any depth, and credential values of other objects.
pub fn redact_object(kind: &str, value: &mut Doc) {
    if kind == "Secret" {
        redact(value);
        return;
    }
    let mut nested = false;
    redact_nested(value, 0, &mut nested);
    if nested {
        drop_last_applied(value);
    }
    redact_credentials(kind, value);
}

/// Redacts every mapping below the top whose `kind` is `Secret`.
fn redact_nested(value: &mut Doc, depth: usize, found: &mut bool) {
    if depth > 256 {
        return;
    }
    match value {
        Doc::Object(map) => {
            if depth > 0 && map.get("kind").and_then(Doc::as_str) == Some("Secret") {
                *found = true;
                redact(value);
                return;
            }
            for (_, v) in map.iter_mut() {
                redact_nested(v, depth + 1, found);
            }
        }
        Doc::Array(items) => {
            for v in items.iter_mut() {
                redact_nested(v, depth + 1, found);
            }
        }
        _ => {}
    }
}

/// The annotation `kubectl apply` leaves: a second copy of the whole object as applied.
pub(crate) const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops an object's [`LAST_APPLIED`] annotation: it repeats a Secret's values, and on any
/// other object it is bulk no check reads ([`trim`](crate::collect::cluster::trim::trim)).
pub(crate) fn drop_last_applied(value: &mut Doc) {
    if let Some(ann) = value
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Doc::as_object_mut)
    {
        ann.remove(LAST_APPLIED);
    }
}

/// Replaces values the `credentials` checks classify as credentials: ConfigMap `data` keys,
/// literal `env` values, and secret-looking flags in `command`/`args`.
fn redact_credentials(kind: &str, value: &mut Doc) {
    if kind == "ConfigMap" {
        if let Some(data) = value.get_mut("data").and_then(Doc::as_object_mut) {
            for (k, v) in data.iter_mut() {
                let hides = v
                    .as_str()
                    .is_some_and(|s| could_be_credential(s) && !s.contains('\n'));
                if credential_name(k) && hides {
                    *v = Doc::String(REDACTED_CREDENTIAL.into());
                }
            }
        }
    }
    redact_containers(value, 0);
}

fn redact_containers(value: &mut Doc, depth: usize) {
    if depth > 256 {
        return;
    }
    match value {
        Doc::Object(map) => {
            redact_env(map);
            for key in ["command", "args"] {
                if let Some(Doc::Array(args)) = map.get_mut(key) {
                    if args.iter().all(|a| a.as_str().is_some()) {
                        let strings: Vec<String> = args
                            .iter()
                            .filter_map(|a| a.as_str().map(str::to_string))
                            .collect();
                        *args = crate::collect::node::redact_args(strings)
                            .into_iter()
                            .map(|a| Doc::String(a.into_boxed_str()))
                            .collect();
                    }
                }
            }
            for (_, v) in map.iter_mut() {
                redact_containers(v, depth + 1);
            }
        }
        Doc::Array(items) => {
            for v in items.iter_mut() {
                redact_containers(v, depth + 1);
            }
        }
        _ => {}
    }
}

fn redact_env(container: &mut Fields) {
    let Some(Doc::Array(env)) = container.get_mut("env") else {
        return;
    };
    for e in env.iter_mut().filter_map(Doc::as_object_mut) {
        let named = e
            .get("name")
            .and_then(Doc::as_str)
            .is_some_and(credential_name);
        let literal = e
            .get("value")
            .and_then(Doc::as_str)
            .is_some_and(could_be_credential);
        if named && literal {
            e.insert("value", Doc::String(REDACTED_CREDENTIAL.into()));
        }
    }
}

/// Keys whose values are public and needed by checks, per secret type.
fn keeps(secret_type: &str, key: &str) -> bool {
    secret_type == "kubernetes.io/tls" && key == "tls.crt"
}

/// What [`certificates_only`] dropped.
#[derive(Debug, Default, PartialEq, Eq)]
struct Dropped {
    blocks: usize,
    labels: Vec<String>,
}

/// The `CERTIFICATE` PEM blocks of `pem`, and what else was there (other blocks by label;
/// text outside blocks counts as one unlabelled block).
fn certificates_only(pem: &str) -> (String, Dropped) {
    let mut kept = String::new();
    let mut dropped = Dropped::default();
    let mut current: Option<(String, String)> = None;
    let mut stray = false;
    for line in pem.lines() {
        let t = line.trim();
        match &mut current {
            None => {
                if let Some(label) = t
                    .strip_prefix("-----BEGIN ")
                    .and_then(|r| r.strip_suffix("-----"))
                {
                    current = Some((label.to_string(), format!("{t}\n")));
                } else if !t.is_empty() {
                    stray = true;
                }
            }
            Some((label, text)) => {
                text.push_str(t);
                text.push('\n');
                if t.starts_with("-----END ") {
                    if label == "CERTIFICATE" {
                        kept.push_str(text);
                    } else {
                        dropped.blocks += 1;
                        dropped.labels.push(crate::quote::bounded(label, 40));
                    }
                    current = None;
                }
            }
        }
    }
    if let Some((label, _)) = current {
        dropped.blocks += 1;
        dropped.labels.push(format!(
            "{} (unterminated)",
            crate::quote::bounded(&label, 40)
        ));
    }
    if stray {
        dropped.blocks += 1;
        dropped.labels.push("text outside PEM blocks".into());
    }
    dropped.labels.sort();
    dropped.labels.dedup();
    (kept, dropped)
}

/// Keeps only the certificates of a `tls.crt` value (`base64`: from `data`).
fn redact_tls_crt(value: &mut Doc, base64: bool) -> Dropped {
    let Some(text) = value.as_str() else {
        *value = Doc::String(REDACTED.into());
        return Dropped {
            blocks: 1,
            labels: vec!["not a string".into()],
        };
    };
    let decoded = if base64 {
        match data_encoding::BASE64.decode(text.trim().as_bytes()) {
            Ok(bytes) => String::from_utf8(bytes).ok(),
            Err(_) => None,
        }
    } else {
        Some(text.to_string())
    };
    let Some(pem) = decoded else {
        *value = Doc::String(REDACTED.into());
        return Dropped {
            blocks: 1,
            labels: vec!["not base64 of PEM text".into()],
        };
    };
    let (kept, dropped) = certificates_only(&pem);
    if dropped.blocks > 0 {
        let kept = if base64 {
            data_encoding::BASE64.encode(kept.as_bytes())
        } else {
            kept
        };
        *value = Doc::String(kept.into_boxed_str());
    }
    dropped
}

/// Replaces every secret value of a Secret object in place.
pub fn redact(secret: &mut Doc) {
    let secret_type = secret
        .get("type")
        .and_then(Doc::as_str)
        .unwrap_or("Opaque")
        .to_string();
    let mut dropped = Dropped::default();
    for field in ["data", "stringData", "binaryData"] {
        let Some(v) = secret.get_mut(field) else {
            continue;
        };
        match v {
            Doc::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if !keeps(&secret_type, key) || field == "binaryData" {
                        *value = Doc::String(REDACTED.into());
                    } else {
                        let d = redact_tls_crt(value, field == "data");
                        dropped.blocks += d.blocks;
                        dropped.labels.extend(d.labels);
                    }
                }
            }
            Doc::Null => {}
            other => *other = Doc::String(REDACTED.into()),
        }
    }
    drop_last_applied(secret);
    if let Some(obj) = secret.as_object_mut() {
        // A record from an earlier redaction (a snapshot read back) is kept, not trusted
        // beyond its counts.
        let earlier = obj
            .get(RECORD)
            .and_then(|r| r.pointer("/tls.crt/dropped_blocks"))
            .and_then(Doc::as_u64)
            .unwrap_or(0) as usize;
        let mut labels: Vec<String> = obj
            .get(RECORD)
            .and_then(|r| r.pointer("/tls.crt/labels"))
            .and_then(Doc::as_array)
            .into_iter()
            .flatten()
            .filter_map(Doc::as_str)
            .map(|l| crate::quote::bounded(l, 60))
            .take(16)
            .collect();
        obj.remove(RECORD);
        let blocks = dropped.blocks + earlier;
        if blocks > 0 {
            labels.extend(dropped.labels);
            labels.sort();
            labels.dedup();
            obj.insert(
                RECORD,
                Doc::from(
                    serde_json::json!({"tls.crt": {"dropped_blocks": blocks, "labels": labels}}),
                ),
            );
        }
    }
}

/// How many non-certificate blocks redaction dropped from a Secret's `tls.crt`, and their
/// PEM labels (`PRIVATE KEY`, …).
pub fn dropped_from_tls_crt(secret: &Doc) -> (usize, Vec<String>) {
    let rec = secret.get(RECORD).and_then(|r| r.get("tls.crt"));
    let blocks = rec
        .and_then(|r| r.get("dropped_blocks"))
        .and_then(Doc::as_u64)
        .unwrap_or(0) as usize;
    let labels = rec
        .and_then(|r| r.get("labels"))
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .filter_map(Doc::as_str)
        .map(str::to_string)
        .collect();
    (blocks, labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The module's `redact`, on a document made from JSON and back.
    fn redact(value: &mut serde_json::Value) {
        let mut doc = Doc::from(value.clone());
        super::redact(&mut doc);
        *value = doc.to_value();
    }

    /// The module's `redact_object`, on a document made from JSON and back.
    fn redact_object(kind: &str, value: &mut serde_json::Value) {
        let mut doc = Doc::from(value.clone());
        super::redact_object(kind, &mut doc);
        *value = doc.to_value();
    }

    #[test]
    fn keeps_only_the_tls_certificate() {
        let crt = data_encoding::BASE64.encode(CERT.as_bytes());
        let mut s = json!({
            "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "x", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "CANARY", "a": "b"}},
            "data": {"tls.crt": crt, "tls.key": "CANARY"},
            "stringData": {"other": "CANARY"}
        });
        redact(&mut s);
        let text = s.to_string();
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(s["data"]["tls.crt"], crt);
        assert!(s.get(RECORD).is_none(), "nothing dropped");
        assert_eq!(s["data"]["tls.key"], REDACTED);
        assert_eq!(s["metadata"]["annotations"]["a"], "b");
    }

    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nQ0FOQVJZLUtFWQ==\n-----END PRIVATE KEY-----\n";
    const CERT: &str = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_key_in_tls_crt_is_dropped_and_counted() {
        let combined = format!("{CERT}{KEY}");
        let mut s = json!({
            "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": "x"},
            "data": {"tls.crt": data_encoding::BASE64.encode(combined.as_bytes())},
            "stringData": {"tls.crt": KEY}
        });
        redact(&mut s);
        let text = s.to_string();
        assert!(!text.contains("Q0FOQVJZLUtFWQ"), "{text}");
        assert!(!text.contains(&data_encoding::BASE64.encode(KEY.as_bytes())[..20]));
        assert_eq!(
            s["data"]["tls.crt"],
            data_encoding::BASE64.encode(CERT.as_bytes())
        );
        assert_eq!(s["stringData"]["tls.crt"], "");
        assert_eq!(
            dropped_from_tls_crt(&crate::document::Doc::from(s.clone())),
            (2, vec!["PRIVATE KEY".to_string()])
        );
        // Redacting again (a snapshot read back) keeps the count.
        redact(&mut s);
        assert_eq!(
            dropped_from_tls_crt(&crate::document::Doc::from(s.clone())).0,
            2
        );
    }

    #[test]
    fn nested_secrets_and_credentials_are_redacted() {
        let mut t = json!({
            "kind": "Template", "metadata": {"name": "t", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "CANARY"}},
            "objects": [{"kind": "List", "items": [
                {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"p": "CANARY"}}]}]
        });
        redact_object("Template", &mut t);
        assert!(!t.to_string().contains("CANARY"), "{t}");
        let mut cm = json!({"kind": "ConfigMap", "data": {"DB_PASSWORD": "CANARY", "mode": "x"}});
        redact_object("ConfigMap", &mut cm);
        assert_eq!(cm["data"]["DB_PASSWORD"], REDACTED_CREDENTIAL);
        assert_eq!(cm["data"]["mode"], "x");
        let mut pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "c",
            "env": [{"name": "API_TOKEN", "value": "CANARY"}, {"name": "LOG", "value": "debug"}],
            "args": ["--db-password=CANARY", "--verbose"]}]}});
        redact_object("Pod", &mut pod);
        assert!(!pod.to_string().contains("CANARY"), "{pod}");
        assert_eq!(pod["spec"]["containers"][0]["env"][1]["value"], "debug");
    }

    #[test]
    fn opaque_secrets_keep_no_values() {
        let mut s = json!({"kind": "Secret", "data": {"tls.crt": "CANARY", "p": "CANARY"}});
        redact(&mut s);
        assert!(!s.to_string().contains("CANARY"));
    }
}
