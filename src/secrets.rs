//! What of a Secret the inventory keeps: its metadata, its type, the names of its keys, and
//! the public certificate `tls.crt` of a `kubernetes.io/tls` secret (which the TLS checks
//! read). Every other value — `tls.key`, passwords, tokens, `stringData`, and the
//! `last-applied-configuration` annotation that repeats them — is replaced before the object
//! enters the inventory, so no report, snapshot, log or error can contain it.

use serde_json::Value;

/// The text that replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// Keys whose values are public and needed by checks, per secret type.
fn keeps(secret_type: &str, key: &str) -> bool {
    secret_type == "kubernetes.io/tls" && key == "tls.crt"
}

/// Replaces every secret value of a Secret object in place.
pub fn redact(secret: &mut Value) {
    let secret_type = secret
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Opaque")
        .to_string();
    for field in ["data", "stringData", "binaryData"] {
        if let Some(map) = secret.get_mut(field).and_then(Value::as_object_mut) {
            for (key, value) in map.iter_mut() {
                if !keeps(&secret_type, key) {
                    *value = Value::String(REDACTED.into());
                }
            }
        } else if let Some(v) = secret.get_mut(field) {
            if !v.is_null() {
                *v = Value::String(REDACTED.into());
            }
        }
    }
    if let Some(ann) = secret
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        ann.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_only_the_tls_certificate() {
        let mut s = json!({
            "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "x", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "CANARY", "a": "b"}},
            "data": {"tls.crt": "Q0VSVA==", "tls.key": "CANARY"},
            "stringData": {"other": "CANARY"}
        });
        redact(&mut s);
        let text = s.to_string();
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(s["data"]["tls.crt"], "Q0VSVA==");
        assert_eq!(s["data"]["tls.key"], REDACTED);
        assert_eq!(s["metadata"]["annotations"]["a"], "b");
    }

    #[test]
    fn opaque_secrets_keep_no_values() {
        let mut s = json!({"kind": "Secret", "data": {"tls.crt": "CANARY", "p": "CANARY"}});
        redact(&mut s);
        assert!(!s.to_string().contains("CANARY"));
    }
}
