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
    let (volume_name, volume, file) = match volume_of(spec, container, path) {
        Ok(v) => v,
        Err(why) => return Mounted::NotVisible(why),
    };
    let Some(config_map) = volume.and_then(|v| v.get("configMap")) else {
        let on_node = volume.is_some_and(|v| v.get("hostPath").is_some());
        return Mounted::NotVisible(format!(
            "{} is on volume {}, which is not a ConfigMap ({})",
            q(path),
            q(volume_name),
            if on_node {
                "a file on the node: `kubeattest node` reads it there"
            } else {
                "its content is not in the input"
            }
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

/// Where on the node the file at `path` of a static pod's `container` is: the `hostPath`
/// volume mounted there, and the file's place in it. `Err` says why the file is not on the
/// node's filesystem (inside the image, or on another kind of volume).
pub fn on_host(spec: &Doc, container: &Doc, path: &str) -> Result<String, String> {
    let q = crate::quote::quote;
    let (volume_name, volume, file) = volume_of(spec, container, path)?;
    let host = volume
        .and_then(|v| v.get("hostPath"))
        .and_then(|h| h.get("path"))
        .and_then(Doc::as_str);
    match host {
        Some(dir) if file.is_empty() => Ok(dir.to_string()),
        Some(dir) => Ok(format!("{}/{file}", dir.trim_end_matches('/'))),
        None => Err(format!(
            "{} is on volume {}, which is not a hostPath volume",
            q(path),
            q(volume_name)
        )),
    }
}

/// The volume holding `path` in `container`: its name, its entry in the pod spec (`None`
/// when the spec lacks it), and the file's place in it; `Err` when no volume holds it.
fn volume_of<'d>(
    spec: &'d Doc,
    container: &'d Doc,
    path: &str,
) -> Result<(&'d str, Option<&'d Doc>, String), String> {
    let Some((name, file)) = mounted_at(container, path) else {
        return Err(format!(
            "{} is not on a volume mounted in the container (it is inside the image)",
            crate::quote::quote(path)
        ));
    };
    let volume = spec
        .get("volumes")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .find(|v| v.get("name").and_then(Doc::as_str) == Some(name));
    Ok((name, volume, file))
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

/// The value at `key` of a file's content: a dotted path (`client-transport-security.cert-file`)
/// in which `name[]` takes `name` of every item of a list (`authorizers[].type`: the `type` of
/// each authorizer, in order), `name[field=value]` the one item whose `field` is `value`
/// (`plugins[name=PodSecurity].configuration`), and a last step `@keys` the keys of a
/// mapping, without their values (`providers[].@keys`: which kind each provider is, never
/// its key material); `@fields` the fields each key's value sets, and `@provider` what the API
/// server checks of an encryption provider without its secrets
/// ([`provider_shape`](crate::checks::encryption::provider_shape)). `None` when a step is
/// missing.
pub fn lookup(content: &Value, key: &str) -> Option<Value> {
    match key.split_once('.') {
        // Per key of a mapping, the names of its value's fields that are set (not null, not
        // empty), or null when the value is not a mapping: the shape of a provider
        // (`{"aescbc": ["keys"]}`, `{"kms": null}`) without any of its values.
        None if key == "@fields" => Some(Value::Object(
            content
                .as_object()?
                .iter()
                .map(|(k, v)| {
                    let set = v.as_object().map(|m| {
                        Value::Array(
                            m.iter()
                                .filter(|(_, x)| !is_empty_value(x))
                                .map(|(f, _)| Value::String(f.clone()))
                                .collect(),
                        )
                    });
                    (k.clone(), set.unwrap_or(Value::Null))
                })
                .collect(),
        )),
        // What the API server checks of an encryption provider, without its secrets.
        None if key == "@provider" => Some(crate::checks::encryption::provider_shape(content)),
        None if key == "@keys" => Some(Value::Array(
            content
                .as_object()?
                .keys()
                .map(|k| Value::String(k.clone()))
                .collect(),
        )),
        None if key.ends_with(']') && key.contains('=') => selected(content, key).cloned(),
        None => match key.strip_suffix("[]") {
            Some(list) => content.get(list).filter(|v| v.is_array()).cloned(),
            None => content.get(key).cloned(),
        },
        Some((step, rest)) if step.ends_with(']') && step.contains('=') => {
            lookup(selected(content, step)?, rest)
        }
        Some((step, rest)) => match step.strip_suffix("[]") {
            Some(list) => {
                let items = content.get(list)?.as_array()?;
                Some(Value::Array(
                    items.iter().filter_map(|i| lookup(i, rest)).collect(),
                ))
            }
            None => lookup(content.get(step)?, rest),
        },
    }
}

/// A step `list[field=value]`: the first item of `list` whose `field` is the string `value`
/// (`plugins[name=PodSecurity]`: one plugin's entry, without reading the others).
fn selected<'v>(content: &'v Value, step: &str) -> Option<&'v Value> {
    let (list, condition) = step.strip_suffix(']')?.split_once('[')?;
    let (field, value) = condition.split_once('=')?;
    content
        .get(list)?
        .as_array()?
        .iter()
        .find(|item| item.get(field).and_then(Value::as_str) == Some(value))
}

/// A file's value written as a flag would give it: a string as is, a list joined with
/// commas, other scalars written out; null or empty: `None`.
pub fn flag_text(v: &Value) -> Option<String> {
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

/// The value at `key` (see [`lookup`]) as a flag would give it (see [`flag_text`]).
pub fn value_at(content: &Value, key: &str) -> Option<String> {
    flag_text(&lookup(content, key)?)
}

/// Null, or an empty string, list or mapping.
fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Doc {
        Doc::from(v)
    }

    #[test]
    fn a_list_item_is_selected_by_a_field() {
        let content = serde_json::json!({"plugins": [
            {"name": "EventRateLimit", "path": "/etc/k/erl.yaml"},
            {"name": "PodSecurity", "configuration": {"defaults": {"enforce": "baseline"},
                "exemptions": {"namespaces": ["kube-system"]}}}
        ]});
        let at = |key: &str| lookup(&content, key);
        assert_eq!(
            at("plugins[name=PodSecurity].configuration.defaults"),
            Some(serde_json::json!({"enforce": "baseline"}))
        );
        assert_eq!(
            at("plugins[name=PodSecurity].configuration.exemptions.namespaces"),
            Some(serde_json::json!(["kube-system"]))
        );
        assert_eq!(at("plugins[name=PodSecurity].path"), None);
        assert_eq!(
            at("plugins[name=EventRateLimit].path"),
            Some(serde_json::json!("/etc/k/erl.yaml"))
        );
        assert_eq!(at("plugins[name=Missing].path"), None);
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
    fn a_static_pod_file_is_found_on_the_host_through_its_host_path_volume() {
        let spec = doc(json!({"volumes": [
            {"name": "cfg", "hostPath": {"path": "/srv/k8s/"}},
            {"name": "one", "hostPath": {"path": "/srv/one.yaml", "type": "File"}},
            {"name": "cm", "configMap": {"name": "x"}},
        ]}));
        let c = doc(json!({"volumeMounts": [
            {"name": "cfg", "mountPath": "/etc/kubernetes/config"},
            {"name": "one", "mountPath": "/etc/one.yaml"},
            {"name": "cm", "mountPath": "/etc/cm"},
        ]}));
        assert_eq!(
            on_host(&spec, &c, "/etc/kubernetes/config/scheduler.yaml"),
            Ok("/srv/k8s/scheduler.yaml".to_string())
        );
        assert_eq!(
            on_host(&spec, &c, "/etc/one.yaml"),
            Ok("/srv/one.yaml".to_string())
        );
        assert!(on_host(&spec, &c, "/etc/cm/a")
            .unwrap_err()
            .contains("not a hostPath"));
        assert!(on_host(&spec, &c, "/opt/a")
            .unwrap_err()
            .contains("inside the image"));
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
        let authz = json!({"authorizers": [{"type": "Node"}, {"name": "x"}, {"type": "RBAC"}]});
        assert_eq!(
            value_at(&authz, "authorizers[].type").as_deref(),
            Some("Node,RBAC")
        );
        assert_eq!(
            value_at(&json!({"authorizers": []}), "authorizers[].type"),
            None
        );
        assert_eq!(value_at(&json!({}), "authorizers[].type"), None);
        let etcd = json!({"client-transport-security": {"cert-file": "/p/s.crt", "client-cert-auth": true}});
        assert_eq!(
            value_at(&etcd, "client-transport-security.cert-file").as_deref(),
            Some("/p/s.crt")
        );
        assert_eq!(
            value_at(&etcd, "client-transport-security.client-cert-auth").as_deref(),
            Some("true")
        );
    }
}
