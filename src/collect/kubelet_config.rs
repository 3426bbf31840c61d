//! The kubelet's effective configuration as `kubeattest node` assembles it: the file named by
//! `--config`, then the `--config-dir` drop-ins, then command-line flags, which win, every
//! value keeping its source and what it replaced.
//!
//! Flags are read as the kubelet's pflag reads them, with the types the catalog gives the
//! kubelet's flags (`bool_flags`, `int_flags` in `components.yaml`): a boolean flag never takes
//! the next argument (`--anonymous-auth false` is true and a stray word the kubelet refuses),
//! its value is read by Go's `strconv.ParseBool`, an integer's by `strconv.ParseInt(s, 0, …)`
//! (`0x0` is 0), and a value pflag refuses (`--anonymous-auth=`, `--read-only-port=abc`) is
//! recorded as `invalid`: the kubelet does not start with it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::catalog::Component;
use crate::checks::flag::CommandLine;
use crate::node_facts::{ConfigValue, Overridden, ValueSource};

/// Kubelet flags that set a KubeletConfiguration key.
const KUBELET_FLAG_KEYS: &[(&str, &str)] = &[
    ("--anonymous-auth", "authentication.anonymous.enabled"),
    (
        "--authentication-token-webhook",
        "authentication.webhook.enabled",
    ),
    ("--authorization-mode", "authorization.mode"),
    ("--client-ca-file", "authentication.x509.clientCAFile"),
    ("--read-only-port", "readOnlyPort"),
    (
        "--streaming-connection-idle-timeout",
        "streamingConnectionIdleTimeout",
    ),
    ("--make-iptables-util-chains", "makeIPTablesUtilChains"),
    ("--event-qps", "eventRecordQPS"),
    ("--tls-cert-file", "tlsCertFile"),
    ("--tls-private-key-file", "tlsPrivateKeyFile"),
    ("--tls-cipher-suites", "tlsCipherSuites"),
    ("--tls-min-version", "tlsMinVersion"),
    ("--rotate-certificates", "rotateCertificates"),
    ("--rotate-server-certificates", "serverTLSBootstrap"),
    ("--pod-max-pids", "podPidsLimit"),
    ("--seccomp-default", "seccompDefault"),
    ("--protect-kernel-defaults", "protectKernelDefaults"),
    ("--pod-manifest-path", "staticPodPath"),
];

/// The kubelet flag that sets a KubeletConfiguration key, when one does.
pub fn flag_of_key(key: &str) -> Option<&'static str> {
    KUBELET_FLAG_KEYS
        .iter()
        .find(|(_, k)| *k == key)
        .map(|(f, _)| *f)
}

/// Node facts collected before a flag was mapped to its KubeletConfiguration key keep the
/// flag under its own name (`--tls-min-version`): the same values with such flags moved to
/// their keys, or `None` when there is nothing to move.
pub fn with_flag_keys(
    values: &BTreeMap<String, ConfigValue>,
) -> Option<BTreeMap<String, ConfigValue>> {
    let stale =
        |(flag, key): &&(&str, &str)| values.contains_key(*flag) && !values.contains_key(*key);
    if !KUBELET_FLAG_KEYS.iter().any(|p| stale(&p)) {
        return None;
    }
    let mut out = values.clone();
    for (flag, key) in KUBELET_FLAG_KEYS.iter().filter(stale) {
        if let Some(mut v) = out.remove(*flag) {
            // A list flag recorded as text reads as its comma-separated items.
            if *key == "tlsCipherSuites" {
                if let Value::String(text) = &v.value {
                    v.value = suite_list(std::slice::from_ref(text));
                }
            }
            out.insert(key.to_string(), v);
        }
    }
    Some(out)
}

/// The `--tls-cipher-suites` flag's occurrences as the `tlsCipherSuites` list: every
/// comma-separated item, trimmed, empty ones dropped.
fn suite_list(given: &[String]) -> Value {
    Value::Array(
        given
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
    )
}

/// Marks every value set so far as possibly not in effect, for `why` (a drop-in read after
/// the files that set them could not be read); a value already marked keeps its reason.
pub(crate) fn shadow(values: &mut BTreeMap<String, ConfigValue>, why: &str) {
    for v in values.values_mut() {
        v.shadowed.get_or_insert_with(|| why.to_string());
    }
}

/// Flattens a config document into dotted keys and lays it over `values`.
///
/// `base` is given for a `--config-dir` drop-in: the values of the `--config` file alone. A
/// `null` in a drop-in unsets nothing: the kubelet merges drop-ins as JSON merge patches and
/// decodes the result into the configuration it loaded from the `--config` file
/// (`mergeKubeletConfigurations`, cmd/kubelet/app/server.go), so a `null` drops what earlier
/// drop-ins set for the key (and below it) and leaves the file's value, or the default, in
/// effect.
pub(crate) fn merge(
    values: &mut BTreeMap<String, ConfigValue>,
    doc: &Value,
    source: ValueSource,
    base: Option<&BTreeMap<String, ConfigValue>>,
) {
    let mut flat = Vec::new();
    flatten("", doc, &mut flat);
    for (key, value) in flat {
        if let (Some(base), Value::Null) = (base, &value) {
            let below = format!("{key}.");
            let reached: Vec<String> = values
                .keys()
                .filter(|k| **k == key || k.starts_with(&below))
                .cloned()
                .collect();
            for k in reached {
                match base.get(&k) {
                    Some(b) => {
                        let mut kept = b.clone();
                        kept.note = Some(format!(
                            "{key} is null in {}, which the kubelet's merge of drop-ins drops: the value of {} stays in effect",
                            source.describe(),
                            b.source.describe()
                        ));
                        values.insert(k, kept);
                    }
                    None => {
                        values.remove(&k);
                    }
                }
            }
            continue;
        }
        // `staticPodURLHeader` holds HTTP headers such as `Authorization` (a token, marked
        // `datapolicy:"token"` upstream): no check reads it and its values never leave.
        if key == "kind" || key == "apiVersion" || key.starts_with("staticPodURLHeader") {
            continue;
        }
        // A value holding a credential (`staticPodURL: https://user:password@…`) keeps only
        // the pattern's name.
        let value = match value.as_str().and_then(crate::secrets::redacted_value) {
            Some(redacted) => Value::String(redacted),
            None => value,
        };
        set(values, key, Read::plain(value), source.clone());
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, child, out);
            }
        }
        Value::Object(_) => {}
        other if !prefix.is_empty() => out.push((prefix.to_string(), other.clone())),
        _ => {}
    }
}

/// A value as read, with how it was read and whether the kubelet would refuse it.
struct Read {
    value: Value,
    note: Option<String>,
    invalid: Option<String>,
}

impl Read {
    fn plain(value: Value) -> Read {
        Read {
            value,
            note: None,
            invalid: None,
        }
    }
}

fn set(values: &mut BTreeMap<String, ConfigValue>, key: String, read: Read, source: ValueSource) {
    let overrides = match values.remove(&key) {
        Some(old) => {
            let mut overrides = old.overrides;
            overrides.push(Overridden {
                value: old.value,
                source: old.source,
            });
            overrides
        }
        None => Vec::new(),
    };
    values.insert(
        key,
        ConfigValue {
            value: read.value,
            source,
            overrides,
            note: read.note,
            invalid: read.invalid,
            shadowed: None,
        },
    );
}

/// A flag's text as a typed value: booleans and numbers as such, text otherwise.
fn typed(s: &str) -> Value {
    match s {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => s
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(s.to_string())),
    }
}

/// A boolean flag's value as pflag reads it: Go's `strconv.ParseBool` (`0`, `f`, `False` are
/// false); anything else, the empty text included, is refused and the kubelet does not
/// start.
fn boolean(flag: &str, s: &str) -> Read {
    match crate::checks::condition::parse_bool(s) {
        Some(b) => Read::plain(Value::Bool(b)),
        None => Read {
            value: Value::String(s.to_string()),
            note: None,
            invalid: Some(format!(
                "{flag}={} is not a boolean (Go's strconv.ParseBool takes 1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False): the kubelet refuses the flag and does not start",
                crate::quote::quote(s)
            )),
        },
    }
}

/// An integer flag's value as pflag reads it: Go's `strconv.ParseInt(s, 0, …)` (`0x0` is 0,
/// `010` is 8); anything else, the empty text included, is refused and the kubelet does not
/// start.
fn integer(flag: &str, s: &str) -> Read {
    match crate::checks::command_line::go_parse_int(s) {
        Some(n) => Read {
            value: Value::from(n),
            note: (n.to_string() != s).then(|| {
                format!(
                    "{flag}={} reads as {n} (Go integer syntax: a leading 0 is octal, 0x hexadecimal, _ separates digits)",
                    crate::quote::quote(s)
                )
            }),
            invalid: None,
        },
        None => Read {
            value: Value::String(s.to_string()),
            note: None,
            invalid: Some(format!(
                "{flag}={} is not an integer (Go's strconv.ParseInt): the kubelet refuses the flag and does not start",
                crate::quote::quote(s)
            )),
        },
    }
}

/// Lays the command-line flags over the config: flags win. `component` (the catalog's
/// kubelet) gives the flags' types: a boolean flag (`bool_flags`) never took the next
/// argument, and its value and an integer flag's (`int_flags`) are read as pflag reads them.
pub(crate) fn apply_flags(
    values: &mut BTreeMap<String, ConfigValue>,
    cmd: &CommandLine,
    component: Option<&Component>,
    location: &str,
) {
    let is = |set: fn(&Component) -> &BTreeSet<String>, flag: &str| {
        component.is_some_and(|c| set(c).contains(flag))
    };
    for (flag, given) in &cmd.flags {
        let Some(last) = given.last() else { continue };
        let source = ValueSource::Flag {
            flag: flag.clone(),
            location: location.to_string(),
        };
        let key = KUBELET_FLAG_KEYS
            .iter()
            .find(|(f, _)| f == flag)
            .map_or(flag.as_str(), |(_, k)| *k);
        if key == "tlsCipherSuites" {
            set(values, key.into(), Read::plain(suite_list(given)), source);
        } else if flag == "--feature-gates" || is(|c| &c.bool_map_flags, flag) {
            // A map of gate=bool: repeated, the flag merges per gate and the later wins.
            for gate in given.iter().flat_map(|v| v.split(',')) {
                if let Some((name, v)) = gate.split_once('=') {
                    set(
                        values,
                        format!("featureGates.{}", name.trim()),
                        boolean(&format!("{flag} {}", name.trim()), v.trim()),
                        source.clone(),
                    );
                }
            }
        } else if is(|c| &c.bool_flags, flag) {
            let mut read = boolean(flag, last);
            // `--anonymous-auth false`: true, and a stray `false` the kubelet refuses.
            if let Some((_, word)) = cmd
                .positionals
                .iter()
                .find(|(f, _)| f.as_deref() == Some(flag.as_str()))
            {
                read.note = Some(format!(
                    "`{flag} {}`: a boolean flag does not take the next argument, so {flag} is true and {} is a separate argument, which the kubelet refuses (\"unknown command\"); only {flag}=value sets the flag",
                    crate::quote::quote(word),
                    crate::quote::quote(word)
                ));
            }
            set(values, key.to_string(), read, source);
        } else if is(|c| &c.int_flags, flag) {
            set(values, key.to_string(), integer(flag, last), source);
        } else {
            set(values, key.to_string(), Read::plain(typed(last)), source);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::flag::parse_command;

    #[test]
    fn flags_override_config_and_keep_history() {
        let mut values = BTreeMap::new();
        let doc = serde_json::json!({"kind": "KubeletConfiguration",
            "authentication": {"anonymous": {"enabled": false}}, "readOnlyPort": 0});
        merge(
            &mut values,
            &doc,
            ValueSource::ConfigFile {
                path: "/c.yaml".into(),
            },
            None,
        );
        let cmd = parse_command(&["--anonymous-auth=true".to_string()], &BTreeSet::new());
        apply_flags(&mut values, &cmd, None, "process kubelet");
        let v = &values["authentication.anonymous.enabled"];
        assert_eq!(v.value, Value::Bool(true));
        assert_eq!(v.overrides[0].value, Value::Bool(false));
        assert!(!values.contains_key("kind"));
        assert_eq!(values["readOnlyPort"].value, Value::from(0));
    }

    /// A `null` in a drop-in is dropped by the kubelet's JSON merge patch: the `--config`
    /// file's value stays (or the key is unset when the file does not set it), and what an
    /// earlier drop-in set for the key is gone too.
    #[test]
    fn a_null_in_a_drop_in_leaves_the_config_file_value() {
        let mut values = BTreeMap::new();
        let file = serde_json::json!({"authentication": {"anonymous": {"enabled": true}},
            "makeIPTablesUtilChains": false});
        merge(
            &mut values,
            &file,
            ValueSource::ConfigFile {
                path: "/c.yaml".into(),
            },
            None,
        );
        let base = values.clone();
        let earlier = serde_json::json!({"readOnlyPort": 10255, "makeIPTablesUtilChains": true});
        let dropin = |p: &str| ValueSource::DropIn { path: p.into() };
        merge(&mut values, &earlier, dropin("/d/10.conf"), Some(&base));
        let nulls = serde_json::json!({"authentication": null,
            "makeIPTablesUtilChains": null, "readOnlyPort": null});
        merge(&mut values, &nulls, dropin("/d/20.conf"), Some(&base));
        let anon = &values["authentication.anonymous.enabled"];
        assert_eq!(anon.value, Value::Bool(true));
        assert!(matches!(anon.source, ValueSource::ConfigFile { .. }));
        assert!(anon
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("/d/20.conf"));
        assert_eq!(values["makeIPTablesUtilChains"].value, Value::Bool(false));
        assert!(!values.contains_key("readOnlyPort"), "{values:?}");
    }

    /// Facts from before `--tls-min-version` was mapped keep it under the flag's name: read
    /// as `tlsMinVersion`; a key already there is left alone.
    #[test]
    fn flags_recorded_under_their_own_names_are_read_as_their_keys() {
        let mut values = BTreeMap::new();
        let cmd = parse_command(
            &["--tls-min-version=VersionTLS10".to_string()],
            &BTreeSet::new(),
        );
        apply_flags(&mut values, &cmd, None, "process kubelet");
        let old = values.remove("tlsMinVersion").expect("mapped");
        values.insert("--tls-min-version".to_string(), old);
        values.insert(
            "--tls-cipher-suites".to_string(),
            ConfigValue {
                value: Value::from("TLS_RSA_WITH_RC4_128_SHA, TLS_AES_128_GCM_SHA256"),
                ..values["--tls-min-version"].clone()
            },
        );
        let read = with_flag_keys(&values).expect("moved");
        assert_eq!(read["tlsMinVersion"].value, Value::from("VersionTLS10"));
        assert_eq!(
            read["tlsCipherSuites"].value,
            serde_json::json!(["TLS_RSA_WITH_RC4_128_SHA", "TLS_AES_128_GCM_SHA256"])
        );
        assert!(!read.contains_key("--tls-min-version"));
        assert!(with_flag_keys(&read).is_none());
    }
}
