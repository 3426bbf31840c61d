//! A component's configuration file read from the ConfigMap mounted where its command line
//! says the file is. kubeadm's kube-proxy runs with `--config=/var/lib/kube-proxy/config.conf`
//! and mounts the `kube-proxy` ConfigMap at `/var/lib/kube-proxy`: the file is that
//! ConfigMap's `config.conf` key. Only ConfigMap volumes are followed (a hostPath file is on
//! a node, not in the input); `items` and `subPath` are honoured as the kubelet does.

use serde_json::Value;

use crate::checks::evidence;
use crate::document::Doc;
use crate::inventory::{Inventory, KindState, Object};

/// What reading the file gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Mounted {
    /// The file's content, and where it was read (for evidence).
    Read {
        /// `demo/configmaps.yaml:108 (ConfigMap kube-system/kube-proxy, key config.conf)`.
        source: String,
        /// The parsed document.
        content: Value,
    },
    /// The input does not show the file, and why.
    NotVisible(String),
    /// The file is in the input but cannot be used, and why.
    Invalid(String),
}

/// Reads the file at `path` of `container` (in `pod`, whose pod spec is `spec`) from the
/// ConfigMap mounted there; `kind` is the `kind` the file must declare.
pub fn read(
    inv: &Inventory,
    pod: &Object,
    spec: &Doc,
    container: &Doc,
    path: &str,
    kind: Option<&str>,
) -> Mounted {
    // Names and paths come from the input: quoted (control characters escaped, bounded).
    let q = crate::quote::quote;
    let (volume_name, file) = match mounted_at(container, path) {
        Some(m) => m,
        None => {
            return Mounted::NotVisible(format!(
                "{} is not on a volume mounted in the container",
                q(path)
            ))
        }
    };
    let volume = spec
        .get("volumes")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .find(|v| v.get("name").and_then(Doc::as_str) == Some(volume_name));
    let Some(config_map) = volume.and_then(|v| v.get("configMap")) else {
        return Mounted::NotVisible(format!(
            "{} is on volume {}, which is not a ConfigMap (a file on the node is not in the input)",
            q(path),
            q(volume_name)
        ));
    };
    let Some(cm_name) = config_map.get("name").and_then(Doc::as_str) else {
        return Mounted::NotVisible(format!("volume {} names no ConfigMap", q(volume_name)));
    };
    let key = match config_map.get("items").and_then(Doc::as_array) {
        Some(items) => items
            .iter()
            .find(|i| i.get("path").and_then(Doc::as_str) == Some(file.as_str()))
            .and_then(|i| i.get("key").and_then(Doc::as_str))
            .map(str::to_string),
        None => Some(file.clone()).filter(|f| !f.is_empty() && !f.contains('/')),
    };
    let ns = pod.namespace.as_deref().unwrap_or("default");
    let cm_label = format!("{}/{}", q(ns), q(cm_name));
    let Some(key) = key else {
        return Mounted::NotVisible(format!(
            "ConfigMap {cm_label}, mounted from volume {}, has no key that becomes {}",
            q(volume_name),
            q(path)
        ));
    };
    let Some(cm) = inv.find("ConfigMap", Some(ns), cm_name) else {
        let why = match inv.kind_state("ConfigMap") {
            KindState::Failed(reason) => format!("ConfigMaps could not be listed: {reason}"),
            _ => "it is not in the input".to_string(),
        };
        return Mounted::NotVisible(format!(
            "{} is key {} of ConfigMap {cm_label}, and {why}",
            q(path),
            q(&key)
        ));
    };
    let Some(text) = cm
        .value
        .get("data")
        .and_then(|d| d.get(&key))
        .and_then(Doc::as_str)
    else {
        return Mounted::Invalid(format!(
            "ConfigMap {cm_label} has no key {}, which {} is mounted from",
            q(&key),
            q(path)
        ));
    };
    let content = match crate::yaml::parse_document(text) {
        Ok(node) => node.to_json(),
        Err(e) => {
            return Mounted::Invalid(format!(
                "key {} of ConfigMap {cm_label} ({}) is not valid YAML: {e}",
                q(&key),
                q(path)
            ))
        }
    };
    if let Some(kind) = kind {
        let declared = content.get("kind").and_then(Value::as_str).unwrap_or("");
        if declared != kind {
            return Mounted::Invalid(format!(
                "key {} of ConfigMap {cm_label} ({}) declares kind `{}`, not {kind}",
                q(&key),
                q(path),
                q(declared)
            ));
        }
    }
    let data_path = crate::checks::path::join("data", &key);
    Mounted::Read {
        source: format!(
            "{} (ConfigMap {cm_label}, key {})",
            evidence::source(cm, &data_path),
            q(&key)
        ),
        content,
    }
}

/// The volume holding `path` in `container` (the mount whose `mountPath` is the longest
/// prefix of it), and the file's path inside that volume (through `subPath`).
fn mounted_at<'d>(container: &'d Doc, path: &str) -> Option<(&'d str, String)> {
    let mut best: Option<(usize, &str, String)> = None;
    for m in container
        .get("volumeMounts")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(at)) = (
            m.get("name").and_then(Doc::as_str),
            m.get("mountPath").and_then(Doc::as_str),
        ) else {
            continue;
        };
        let at = at.trim_end_matches('/');
        let rest = if path == at {
            ""
        } else if let Some(rest) = path.strip_prefix(at).and_then(|r| r.strip_prefix('/')) {
            rest
        } else {
            continue;
        };
        let sub = m.get("subPath").and_then(Doc::as_str).unwrap_or("");
        let file = match (sub.trim_matches('/'), rest) {
            ("", rest) => rest.to_string(),
            (sub, "") => sub.to_string(),
            (sub, rest) => format!("{sub}/{rest}"),
        };
        if best.as_ref().is_none_or(|(len, _, _)| at.len() > *len) {
            best = Some((at.len(), name, file));
        }
    }
    best.map(|(_, name, file)| (name, file))
}

/// The value at a dotted `key` of a file's content, as a flag would give it: a string as
/// is, a list joined with commas, other scalars written out; absent, null or empty: `None`.
pub fn value_at(content: &Value, key: &str) -> Option<String> {
    let v = key.split('.').try_fold(content, |v, k| v.get(k))?;
    let text = match v {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    };
    Some(text).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Doc {
        Doc::from(v)
    }

    #[test]
    fn finds_the_file_through_the_longest_mount_and_sub_path() {
        let c = doc(json!({"volumeMounts": [
            {"name": "root", "mountPath": "/var"},
            {"name": "proxy", "mountPath": "/var/lib/kube-proxy/"},
            {"name": "single", "mountPath": "/etc/one.conf", "subPath": "one.conf"},
        ]}));
        assert_eq!(
            mounted_at(&c, "/var/lib/kube-proxy/config.conf"),
            Some(("proxy", "config.conf".to_string()))
        );
        assert_eq!(
            mounted_at(&c, "/etc/one.conf"),
            Some(("single", "one.conf".to_string()))
        );
        assert_eq!(mounted_at(&c, "/opt/x.conf"), None);
        // `/var/lib/kube-proxy-x` is not under `/var/lib/kube-proxy`.
        assert_eq!(
            mounted_at(&c, "/var/lib/kube-proxy-x/a"),
            Some(("root", "lib/kube-proxy-x/a".to_string()))
        );
    }

    #[test]
    fn values_read_like_flags() {
        let c = json!({"a": {"b": "x"}, "e": "", "l": ["p", "q"], "t": false, "n": null});
        assert_eq!(value_at(&c, "a.b").as_deref(), Some("x"));
        assert_eq!(value_at(&c, "e"), None);
        assert_eq!(value_at(&c, "n"), None);
        assert_eq!(value_at(&c, "missing"), None);
        assert_eq!(value_at(&c, "l").as_deref(), Some("p,q"));
        assert_eq!(value_at(&c, "t").as_deref(), Some("false"));
    }
}
