//! `kubelet_config`: a key of the kubelet's **effective** configuration, from node facts.
//!
//! The collector lays the file named by `--config`, then `--config-dir` drop-ins, then the
//! command-line flags over each other (flags win) and keeps the source of every value and
//! what it replaced. This kind judges the value in effect; its evidence names the node, the
//! key, the file or flag that set it, and, when a flag overrode the config file, both. A key
//! set nowhere takes the documented default — the KubeletConfiguration default when a config
//! file is in use, the flag default (`flag_default`) when the kubelet runs on flags only —
//! and the evidence says so. A node without a kubelet is `error` (the agent could not see
//! it), and so is one where more than one kubelet runs (which one is the node's cannot be
//! told); a config file that could not be read makes unset keys `error`, never defaults. A
//! configuration the kubelet refuses, so that it does not start, is `error` for every key,
//! with the reason: a file that is not a `kubelet.config.k8s.io/v1beta1`
//! KubeletConfiguration, a flag pflag cannot read (`--anonymous-auth=`,
//! `--read-only-port=abc`), or a value in a file that Go cannot decode into the field's type
//! (`readOnlyPort: ""`, `rotateCertificates: 0`, a feature gate that is not a boolean), even
//! where a flag overrides it. "Empty means unset" holds only for text and list keys. A
//! feature gate set nowhere takes `AllAlpha`/`AllBeta` when its maturity (`prerelease`) is
//! Alpha/Beta and that global gate is set, else its default.

use serde_json::Value;

use crate::catalog::reader::Reader;
use crate::catalog::{Check, Component};
use crate::checks::condition::{render, Expectation, Scale};
use crate::checks::node_scope::no_node_facts;
use crate::checks::{evidence, Context, Outcome};
use crate::node_facts::{ConfigValue, KubeletFacts, ValueSource};
use crate::results::{Observation, Status, Subject};
use crate::yaml::{Node, NodeValue};

/// One key condition.
#[derive(Debug, Clone)]
pub struct KeyCondition {
    /// KubeletConfiguration key path (`authentication.anonymous.enabled`) or, for settings
    /// that only exist as flags, the flag (`--hostname-override`).
    pub key: String,
    /// Operator and value.
    pub expect: Expectation,
    /// Value when unset and a config file is in use.
    pub default: Option<Value>,
    /// Value when unset and the kubelet runs without `--config` (defaults to `default`).
    pub flag_default: Option<Value>,
    /// A zero (`0s`; `0` for a number key) written in the config file or a drop-in means
    /// "unset, use the default" (kubelet defaulting of durations such as
    /// streamingConnectionIdleTimeout); a zero given as a flag is taken as written. (A bare
    /// number where a duration belongs is no duration: the kubelet cannot decode it.)
    pub zero_is_default: bool,
    /// When set, a key set nowhere passes, for this reason (a benchmark that accepts the
    /// setting's absence, whatever the kubelet's own default); the evidence says it is unset.
    pub unset_passes: Option<String>,
    /// For a feature gate (`featureGates.<Gate>`): its maturity, which decides whether
    /// `AllAlpha` or `AllBeta`, when set, replaces its default. Required with a default.
    pub prerelease: Option<Prerelease>,
}

/// A feature gate's maturity (`PreRelease` in pkg/features/kube_features.go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prerelease {
    /// Alpha: `AllAlpha` sets it when it is not set itself.
    Alpha,
    /// Beta: `AllBeta` sets it when it is not set itself.
    Beta,
    /// Generally available: neither global gate touches it.
    Ga,
    /// Deprecated: neither global gate touches it.
    Deprecated,
}

impl Prerelease {
    /// Reads `alpha`, `beta`, `ga` or `deprecated`.
    fn read(s: &str) -> Option<Prerelease> {
        Some(match s {
            "alpha" => Prerelease::Alpha,
            "beta" => Prerelease::Beta,
            "ga" => Prerelease::Ga,
            "deprecated" => Prerelease::Deprecated,
            _ => return None,
        })
    }

    /// How Kubernetes names it.
    pub fn name(self) -> &'static str {
        match self {
            Prerelease::Alpha => "Alpha",
            Prerelease::Beta => "Beta",
            Prerelease::Ga => "GA",
            Prerelease::Deprecated => "Deprecated",
        }
    }

    /// The global gate that sets every gate of this maturity not set itself
    /// (component-base featuregate/feature_gate.go: `setUnsetAlphaGates`,
    /// `setUnsetBetaGates`).
    fn global(self) -> Option<&'static str> {
        match self {
            Prerelease::Alpha => Some("AllAlpha"),
            Prerelease::Beta => Some("AllBeta"),
            Prerelease::Ga | Prerelease::Deprecated => None,
        }
    }
}

/// Parameters of a `kubelet_config` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// Conditions that must all hold.
    pub expect: Vec<KeyCondition>,
    /// Alternatives (`or`): the check also passes when every condition of one of them holds
    /// (a serving certificate from files, or from rotation).
    pub or: Vec<Vec<KeyCondition>>,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        r.known_keys(
            node,
            &format!("the `kubelet_config` assertion of {what}"),
            &["kind", "expect", "or"],
        );
        let mut ok = true;
        let items = r.seq(node, "expect", what);
        if items.is_empty() {
            ok = false;
        }
        let expect = read_conditions(items, r, what, "expect", &mut ok);
        let or = r.alternatives(node, what, &mut ok, |conds, r, aw, ok| {
            read_conditions(conds, r, aw, "expect", ok)
        })?;
        ok.then_some(Params { expect, or })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        let group = |g: &[KeyCondition]| -> String {
            g.iter()
                .map(
                    |c| match (c.prerelease, c.prerelease.and_then(Prerelease::global)) {
                        (Some(p), Some(all)) => format!(
                            "{} {} (a {} gate: {all}, when set, replaces its default)",
                            c.key,
                            c.expect.describe(),
                            p.name()
                        ),
                        _ => format!("{} {}", c.key, c.expect.describe()),
                    },
                )
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut text = format!(
            "Reads the kubelet's effective configuration on every node (--config file, then --config-dir drop-ins, then command-line flags, which win): {}",
            group(&self.expect)
        );
        for alt in &self.or {
            text.push_str(&format!("; or else {}", group(alt)));
        }
        text
    }
}

/// Reads a list of key conditions; clears `ok` on any problem.
fn read_conditions(
    items: &[Node],
    r: &mut Reader,
    what: &str,
    list: &str,
    ok: &mut bool,
) -> Vec<KeyCondition> {
    let mut out = Vec::new();
    for (i, c) in items.iter().enumerate() {
        let cw = format!("{what}, `{list}` #{}", i + 1);
        r.known_keys(
            c,
            &cw,
            &[
                "key",
                "op",
                "value",
                "means",
                "default",
                "flag_default",
                "zero_is_default",
                "unset_passes",
                "prerelease",
            ],
        );
        let zero_is_default = r.opt_bool(c, "zero_is_default", &cw).unwrap_or(false);
        let unset_passes = r.opt_string(c, "unset_passes", &cw);
        let line_of = |k: &str| c.get(k).map_or(c.line, |n| n.line);
        let prerelease = match r.opt_string(c, "prerelease", &cw) {
            None => None,
            Some(p) => match Prerelease::read(&p) {
                Some(p) => Some(p),
                None => {
                    r.error(
                        line_of("prerelease"),
                        format!("{cw}: `prerelease` is alpha, beta, ga or deprecated, not `{p}`"),
                    );
                    *ok = false;
                    None
                }
            },
        };
        let key = r.string(c, "key", &cw);
        let e = Expectation::read(c, r, &cw);
        let scalar = |k: &str, r: &mut Reader| -> Option<Value> {
            let n = c.get(k)?;
            match &n.value {
                NodeValue::Seq(_) | NodeValue::Map(_) | NodeValue::Null => {
                    r.error(n.line, format!("{cw}: `{k}` must be a scalar"));
                    None
                }
                _ => Some(n.to_json()),
            }
        };
        let default = scalar("default", r);
        let flag_default = scalar("flag_default", r);
        if let Some(key) = &key {
            let gate = key
                .strip_prefix("featureGates.")
                .filter(|g| !matches!(*g, "AllAlpha" | "AllBeta"));
            let has_default = default.is_some() || flag_default.is_some();
            if gate.is_none() && c.get("prerelease").is_some() {
                r.error(
                    line_of("prerelease"),
                    format!("{cw}: `prerelease` is for feature gates (`featureGates.<Gate>`), not `{key}`"),
                );
                *ok = false;
            } else if gate.is_some() && has_default && c.get("prerelease").is_none() {
                r.error(
                    line_of("default"),
                    format!(
                        "{cw}: a feature gate's default holds only while AllAlpha/AllBeta leave it alone: give `prerelease` (alpha, beta, ga or deprecated, as pkg/features/kube_features.go has it)"
                    ),
                );
                *ok = false;
            }
        }
        match (key, e) {
            (Some(key), Some(expect)) => out.push(KeyCondition {
                key,
                expect,
                default,
                flag_default,
                zero_is_default,
                unset_passes,
                prerelease,
            }),
            _ => *ok = false,
        }
    }
    out
}

/// Whether a value is zero: `0`, or a zero duration (`0s`).
fn is_zero(v: &Value) -> bool {
    let scale = crate::checks::condition::Scale::Duration;
    crate::checks::condition::number(v) == Some(0.0) || scale.read(v) == Some(0.0)
}

/// Whether a value is empty (`""`, `[]`): Go cannot tell it from unset, so the kubelet
/// takes it as unset, in the config file and on the command line alike
/// (`clientCAFile: ""`, `--tls-cipher-suites=`).
fn is_empty(v: &Value) -> bool {
    match v {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// The Go type of a KubeletConfiguration field, as far as decoding it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    /// A boolean (`authentication.anonymous.enabled`, a feature gate).
    Bool,
    /// An integer of so many bits (`readOnlyPort` is an int32, `podPidsLimit` an int64).
    Int(u32),
    /// A `metav1.Duration`, written as a Go duration text (`streamingConnectionIdleTimeout`).
    Duration,
    /// Text (`authorization.mode`, `tlsCertFile`).
    Text,
    /// A list of text (`tlsCipherSuites`).
    List,
    /// A map of settings (`authentication`, `featureGates`).
    Object,
}

impl KeyType {
    /// What belongs in such a field, in words.
    fn words(self) -> &'static str {
        match self {
            KeyType::Bool => "a boolean",
            KeyType::Int(32) => "a 32-bit integer",
            KeyType::Int(_) => "an integer",
            KeyType::Duration => "a duration",
            KeyType::Text => "text",
            KeyType::List => "a list of text",
            KeyType::Object => "a map of settings",
        }
    }

    /// Whether Go's JSON decoding (sigs.k8s.io/json, as the kubelet decodes its config file
    /// and drop-ins after sigs.k8s.io/yaml turned the YAML into JSON) takes `v` for a field
    /// of this type. A null leaves the field unset and is taken; a whole number written as a
    /// float is a number (`0.0` becomes `0`); an empty duration fails
    /// `time.ParseDuration`.
    fn takes(self, v: &Value) -> bool {
        match (self, v) {
            (_, Value::Null) => true,
            (KeyType::Bool, Value::Bool(_)) => true,
            (KeyType::Int(bits), Value::Number(n)) => fits(n, bits),
            (KeyType::Duration, Value::String(s)) => !s.is_empty(),
            (KeyType::Text, Value::String(_)) => true,
            (KeyType::List, Value::Array(items)) => {
                items.iter().all(|i| i.is_string() || i.is_null())
            }
            (KeyType::Object, Value::Object(_)) => true,
            _ => false,
        }
    }
}

/// Whether a JSON number decodes into a Go integer of `bits` bits.
fn fits(n: &serde_json::Number, bits: u32) -> bool {
    let (min, max) = if bits >= 64 {
        (i64::MIN as f64, i64::MAX as f64)
    } else {
        (
            -(2f64.powi(bits as i32 - 1)),
            2f64.powi(bits as i32 - 1) - 1.0,
        )
    };
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => (min..=max).contains(&(i as f64)),
        (None, Some(u), _) => (u as f64) <= max,
        (None, None, Some(f)) => f.is_finite() && f.fract() == 0.0 && (min..=max).contains(&f),
        _ => false,
    }
}

/// KubeletConfiguration fields the catalog reads, with their Go types, ported from
/// staging/src/k8s.io/kubelet/config/v1beta1/types.go. Feature gates (`featureGates.<Gate>`,
/// a `map[string]bool`) are booleans. A key not listed is typed by its condition's values.
const KEY_TYPES: &[(&str, KeyType)] = &[
    ("authentication", KeyType::Object),
    ("authentication.anonymous", KeyType::Object),
    ("authentication.anonymous.enabled", KeyType::Bool),
    ("authentication.webhook", KeyType::Object),
    ("authentication.webhook.enabled", KeyType::Bool),
    ("authentication.webhook.cacheTTL", KeyType::Duration),
    ("authentication.x509", KeyType::Object),
    ("authentication.x509.clientCAFile", KeyType::Text),
    ("authorization", KeyType::Object),
    ("authorization.mode", KeyType::Text),
    ("readOnlyPort", KeyType::Int(32)),
    ("port", KeyType::Int(32)),
    ("streamingConnectionIdleTimeout", KeyType::Duration),
    ("makeIPTablesUtilChains", KeyType::Bool),
    ("eventRecordQPS", KeyType::Int(32)),
    ("eventBurst", KeyType::Int(32)),
    ("tlsCertFile", KeyType::Text),
    ("tlsPrivateKeyFile", KeyType::Text),
    ("tlsCipherSuites", KeyType::List),
    ("tlsMinVersion", KeyType::Text),
    ("rotateCertificates", KeyType::Bool),
    ("serverTLSBootstrap", KeyType::Bool),
    ("podPidsLimit", KeyType::Int(64)),
    ("seccompDefault", KeyType::Bool),
    ("protectKernelDefaults", KeyType::Bool),
    ("staticPodPath", KeyType::Text),
    ("featureGates", KeyType::Object),
];

/// The declared type of a KubeletConfiguration key, when [`KEY_TYPES`] knows it.
fn declared_type(key: &str) -> Option<KeyType> {
    if key.starts_with("featureGates.") {
        return Some(KeyType::Bool);
    }
    KEY_TYPES.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// The type of a condition's key: declared, else as far as its values say (`None` for text
/// and lists).
fn key_type(c: &KeyCondition) -> Option<KeyType> {
    if let Some(t) = declared_type(&c.key) {
        return Some(t);
    }
    [
        Some(&c.expect.value),
        c.default.as_ref(),
        c.flag_default.as_ref(),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| match v {
        Value::Bool(_) => Some(KeyType::Bool),
        Value::Number(_) => Some(KeyType::Int(64)),
        Value::String(_) if Scale::of(v) == Scale::Duration => Some(KeyType::Duration),
        _ => None,
    })
}

/// A value in words, for a message (`the number 0`, `an empty string`).
fn value_words(v: &Value) -> String {
    match v {
        Value::String(s) if s.is_empty() => "an empty string".to_string(),
        Value::String(s) => format!("the string {}", crate::quote::quote(s)),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a map".to_string(),
        Value::Null => "null".to_string(),
    }
}

/// How a flag's text reads for a boolean, integer or duration key, in facts collected before
/// the collector read flags by their types (`invalid` says so since): a text pflag reads is
/// `Ok` with the value it reads as (`--read-only-port=0x0`); one it refuses is `Err` (the
/// kubelet does not start). `None`: taken as it is.
fn flag_read(c: &KeyCondition, v: &ConfigValue) -> Option<Result<(Value, String), String>> {
    let ValueSource::Flag { flag, .. } = &v.source else {
        return None;
    };
    let Value::String(text) = &v.value else {
        return None;
    };
    let kind = key_type(c)?;
    let q = crate::quote::quote;
    match kind {
        KeyType::Bool => {
            if let Some(b) = crate::checks::condition::parse_bool(text) {
                return Some(Ok((
                    Value::Bool(b),
                    format!("{flag}={} reads as {b}", q(text)),
                )));
            }
        }
        KeyType::Int(_) => {
            if let Some(n) = crate::checks::command_line::go_parse_int(text) {
                return Some(Ok((
                    Value::from(n),
                    format!(
                        "{flag}={} reads as {n} (Go integer syntax: a leading 0 is octal, 0x hexadecimal)",
                        q(text)
                    ),
                )));
            }
        }
        // Durations are text: only an empty one is refused (`time.ParseDuration("")`).
        KeyType::Duration if !text.is_empty() => return None,
        KeyType::Duration => {}
        KeyType::Text | KeyType::List | KeyType::Object => return None,
    }
    Some(Err(format!(
        "{flag}={} is not {}: the kubelet refuses the flag and does not start",
        q(text),
        kind.words()
    )))
}

/// Why the kubelet does not start with the configuration a condition reads, so that nothing
/// in it decides the condition, or `None`. The kubelet refuses:
/// - a file of its configuration as a whole (`refused`: empty, another apiVersion or kind);
/// - a flag pflag cannot read (`invalid`, or text where a boolean or number belongs in older
///   facts), for the key, or for any feature gate when the key is one (`--feature-gates` is
///   one flag);
/// - a value in its config file or a drop-in that Go cannot decode into the field's type,
///   the key's own or one it overrode (the file is decoded before flags apply), a non-map
///   where a map of settings holding the key belongs (`authentication: true`), and, for a
///   feature gate, any gate that is not a boolean (`featureGates` is one `map[string]bool`).
fn refusal<'k>(
    c: &KeyCondition,
    k: &'k KubeletFacts,
    kubelet: &Component,
) -> Option<(Option<&'k ConfigValue>, String)> {
    if !k.refused.is_empty() {
        return Some((None, k.refused.join("; ")));
    }
    // The keys whose values decide whether the kubelet can read the one judged.
    let gate = c.key.starts_with("featureGates.");
    let mut keys: Vec<(&String, &ConfigValue)> = Vec::new();
    if gate {
        keys.extend(
            k.values
                .iter()
                .filter(|(key, _)| key.starts_with("featureGates.")),
        );
    } else if let Some((key, v)) = k.values.get_key_value(&c.key) {
        keys.push((key, v));
    }
    // A setting where a map holding the key belongs (`authentication: true`).
    let mut prefix = String::new();
    let mut parents = Vec::new();
    for part in c.key.split('.') {
        if !prefix.is_empty() {
            parents.push(prefix.clone());
            prefix.push('.');
        }
        prefix.push_str(part);
    }
    keys.extend(parents.iter().filter_map(|p| k.values.get_key_value(p)));
    for (key, v) in keys {
        let kind = if *key == c.key {
            key_type(c)
        } else if parents.contains(key) {
            Some(KeyType::Object)
        } else {
            declared_type(key)
        };
        // A flag the kubelet cannot read.
        if let Some(why) = &v.invalid {
            return Some((Some(v), why.clone()));
        }
        if *key == c.key {
            if let Some(Err(why)) = flag_read(c, v) {
                return Some((Some(v), why));
            }
        }
        let Some(kind) = kind else { continue };
        let from_files = std::iter::once((&v.value, &v.source))
            .chain(v.overrides.iter().map(|o| (&o.value, &o.source)))
            .filter(|(_, s)| !matches!(s, ValueSource::Flag { .. }));
        for (value, source) in from_files {
            if !kind.takes(value) {
                let over = if std::ptr::eq(value, &v.value) {
                    String::new()
                } else {
                    format!(", whatever {} sets over it", v.source.describe())
                };
                return Some((
                    Some(v),
                    format!(
                        "{key} is {} in {}, where {} belongs: the kubelet cannot decode the file and does not start{over}",
                        value_words(value),
                        source.describe(),
                        kind.words()
                    ),
                ));
            }
        }
    }
    accepted_refusal(c, k, kubelet)
}

/// A value outside the set the kubelet's configuration validation accepts for the key (a
/// cipher suite's hex id in `tlsCipherSuites`, `TLS1.2` in `tlsMinVersion`): the kubelet
/// checks the merged configuration, flags included, and does not start.
fn accepted_refusal<'k>(
    c: &KeyCondition,
    k: &'k KubeletFacts,
    kubelet: &Component,
) -> Option<(Option<&'k ConfigValue>, String)> {
    let flag = crate::collect::kubelet_config::flag_of_key(&c.key)?;
    let set = kubelet.accepted_values.get(flag)?;
    let v = k.values.get(&c.key)?;
    let items: Vec<&str> = match &v.value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let bad: Vec<&str> = items
        .into_iter()
        .filter(|i| !i.is_empty() && !set.values.contains(*i))
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some((
        Some(v),
        format!(
            "{} is {} in {}, which is not {}: the kubelet refuses its configuration and does not start",
            c.key,
            crate::quote::quote(&bad.join(",")),
            v.source.describe(),
            set.what
        ),
    ))
}

/// When a feature gate is set nowhere: the global gate (`AllAlpha`, `AllBeta`) that sets it
/// by its maturity, when that one is set, as (the value it gives, where it is set, why that
/// decides).
fn global_gate(c: &KeyCondition, k: &KubeletFacts) -> Option<(Value, String, String)> {
    let gate = c.key.strip_prefix("featureGates.")?;
    let maturity = c.prerelease?;
    let all = maturity.global()?;
    let v = k.values.get(&format!("featureGates.{all}"))?;
    let on = v.value.as_bool()?;
    Some((
        Value::Bool(on),
        format!(
            "{all}={on} in {}, which sets every {} gate not set explicitly",
            v.source.describe(),
            maturity.name()
        ),
        format!(
            "{all}={on} ({}) turns every {} gate not set explicitly {}, and {gate} is {} (pkg/features/kube_features.go), so it is {on}",
            v.source.describe(),
            maturity.name(),
            if on { "on" } else { "off" },
            maturity.name()
        ),
    ))
}

/// Observes one condition on one node's kubelet.
fn observe(
    node: &str,
    c: &KeyCondition,
    k: &KubeletFacts,
    kubelet: &Component,
) -> (Observation, bool) {
    let mut unknown = false;
    if let Some((v, why)) = refusal(c, k, kubelet) {
        let source = match v {
            Some(v) => v.source.describe(),
            None => k.command_line.clone(),
        };
        return (
            Observation {
                source: format!("node {node}: {source}"),
                path: c.key.clone(),
                observed: k
                    .values
                    .get(&c.key)
                    .map_or(Value::Null, |v| v.value.clone()),
                expected: c.expect.describe(),
                holds: false,
                note: Some(why),
            },
            true,
        );
    }
    let read_as: Option<ConfigValue>;
    let found = match k.values.get(&c.key) {
        Some(v) => match flag_read(c, v) {
            Some(Ok((value, note))) => {
                read_as = Some(ConfigValue {
                    value,
                    note: Some(note),
                    ..v.clone()
                });
                read_as.as_ref()
            }
            // A flag the kubelet refuses is a refusal, above.
            Some(Err(_)) | None => Some(v),
        },
        None => None,
    };
    // A file's value that a drop-in which could not be read may replace.
    if let Some((v, why)) = found.and_then(|v| v.shadowed.as_ref().map(|w| (v, w))) {
        return (
            Observation {
                source: format!("node {node}: {}", v.source.describe()),
                path: c.key.clone(),
                observed: v.value.clone(),
                expected: c.expect.describe(),
                holds: false,
                note: Some(format!(
                    "{} is {} in {}, but that may not be the value in effect: {why}",
                    c.key,
                    render(&v.value),
                    v.source.describe()
                )),
            },
            true,
        );
    }
    // A value the kubelet takes as unset: empty anywhere, or zero in a file for keys whose
    // zero means "use the default".
    let unset_why = found.and_then(|v| {
        if is_empty(&v.value) {
            Some(format!(
                "{} is empty ({}), which the kubelet takes as unset",
                c.key,
                v.source.describe()
            ))
        } else if c.zero_is_default
            && !matches!(v.source, ValueSource::Flag { .. })
            && is_zero(&v.value)
        {
            Some(format!(
                "{} is zero in the config file, which the kubelet replaces with its default",
                c.key
            ))
        } else {
            None
        }
    });
    let set = found.filter(|_| unset_why.is_none());
    let mut holds_anyway = false;
    let (observed, source, mut note) = match set {
        Some(v) => {
            let overrides = v.overrides.last().map(|o| {
                format!(
                    "{} overrides {}={} from {}",
                    v.source.describe(),
                    c.key,
                    render(&o.value),
                    o.source.describe()
                )
            });
            // How the value was read (`0x0` as 0; a boolean flag before a stray word).
            let note = match (&v.note, overrides) {
                (Some(n), Some(o)) => Some(format!("{o}; {n}")),
                (n, o) => o.or_else(|| n.clone()),
            };
            (
                Some(v.value.clone()),
                format!("node {node}: {}", v.source.describe()),
                note,
            )
        }
        None => {
            let where_ = match &k.config_file {
                Some(f) => format!("not set in {f}, its drop-ins or the command line"),
                None if !k.drop_ins.is_empty() => {
                    "not set in the --config-dir drop-ins or on the command line".into()
                }
                None => "not set on the command line (the kubelet runs without --config)".into(),
            };
            let default = if k.uses_config_file() {
                c.default.clone()
            } else {
                c.flag_default.clone().or_else(|| c.default.clone())
            };
            let which = if k.uses_config_file() {
                "KubeletConfiguration default"
            } else {
                "flag default"
            };
            let source = format!("node {node}: {}", k.command_line);
            if let Some(via) = &k.embedded {
                // The embedding process (k3s) passes settings of its own, which vary between
                // releases: unseen is unknown, not the kubelet's default.
                unknown = true;
                (
                    None,
                    source,
                    Some(format!("{where_}; {via}: confirm it by hand")),
                )
            } else if !k.errors.is_empty() {
                // A file that failed to parse (or could not be read) may set it.
                unknown = true;
                (
                    None,
                    source,
                    Some(format!(
                        "{} could not be read: {}; the command line and the files that were read do not set it",
                        c.key,
                        k.errors.join("; ")
                    )),
                )
            } else if let Some((value, from, why)) = global_gate(c, k) {
                // A gate set nowhere, of the maturity AllAlpha/AllBeta sets.
                (
                    Some(value),
                    format!("node {node}: {from}"),
                    Some(format!("{} is {where_}; {why}", c.key)),
                )
            } else if let Some(why) = &c.unset_passes {
                // The benchmark accepts the absence: say it is unset, what the kubelet then
                // runs with, and why that passes.
                holds_anyway = true;
                let runs = default
                    .map(|d| format!("; the {which} is {}", render(&d)))
                    .unwrap_or_default();
                (
                    None,
                    source,
                    Some(format!("{} is {where_}{runs}; {why}", c.key)),
                )
            } else {
                match default {
                    Some(d) => {
                        let note = format!("{where_}; the {which} {} applies", render(&d));
                        (Some(d), source, Some(note))
                    }
                    None => (None, source, Some(format!("{where_}; it has no default"))),
                }
            }
        }
    };
    if let Some(why) = unset_why {
        note = note.map(|n| format!("{why}; {n}"));
    }
    let values = observed.map(|v| match (&v, c.expect.op.is_list_op()) {
        (Value::String(s), true) => Value::Array(
            s.split(',')
                .map(|x| Value::String(x.trim().to_string()))
                .filter(|x| x.as_str() != Some(""))
                .collect(),
        ),
        _ => v,
    });
    let holds =
        !unknown && (holds_anyway || c.expect.holds(values.as_ref().map(std::slice::from_ref)));
    (
        Observation {
            source,
            path: c.key.clone(),
            observed: values.unwrap_or(Value::Null),
            expected: c.expect.describe(),
            holds,
            note,
        },
        unknown,
    )
}

/// The verdict of one group of conditions (`expect`, or one alternative of `or`): fail when
/// one is seen failing, error when one could not be told, else pass.
fn group_status(results: &[(Observation, bool)]) -> Status {
    if results.iter().any(|(o, u)| !o.holds && !u) {
        Status::Fail
    } else if results.iter().any(|(_, u)| *u) {
        Status::Error
    } else {
        Status::Pass
    }
}

/// `tlsCertFile is not set (...)`: what a failing observation saw, for a message.
/// `with_source`: name where the value was read (not repeated for an alternative read from
/// the same place as the first failing setting).
fn failing_words(node: &str, o: &Observation, with_source: bool) -> String {
    // An empty value: say so, and where it was given, rather than "not set".
    let empty = format!("{} is empty (", o.path);
    if let Some(first) = o
        .note
        .as_deref()
        .and_then(|n| n.split("; ").next())
        .filter(|f| f.starts_with(&empty))
    {
        return format!("{first}; expected {}", o.expected);
    }
    let seen = if o.observed.is_null() {
        "not set".to_string()
    } else {
        crate::checks::condition::words(&o.observed)
    };
    // When a flag overrode the config file, or a default applies (no file or flag sets
    // the key: naming the process would send the reader to a file that does not hold it),
    // say so in the message too.
    let note = o.note.as_deref();
    let from = note
        .and_then(|n| n.rsplit("; ").next())
        .filter(|n| n.starts_with("the ") && n.contains(" default ") && n.ends_with(" applies"))
        .or_else(|| note.filter(|n| n.contains(" overrides ")))
        .unwrap_or_else(|| o.source.trim_start_matches(&format!("node {node}: ")))
        .to_string();
    if !with_source {
        return format!("{} is {seen}, expected {}", o.path, o.expected);
    }
    // Set nowhere and without a default: where it was looked for, not the process.
    if let Some(nowhere) = note
        .filter(|_| o.observed.is_null())
        .and_then(|n| n.split("; ").next())
        .and_then(|n| n.strip_prefix("not set "))
    {
        return format!("{} is not set {nowhere}, expected {}", o.path, o.expected);
    }
    format!("{} is {seen} ({from}), expected {}", o.path, o.expected)
}

/// Evaluates the assertion over the inventory's node facts.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let facts = &ctx.inventory.node_facts;
    if facts.is_empty() {
        out.findings.push(no_node_facts(check, ctx));
        return out;
    }
    let kubelet = crate::checks::flag::component(ctx, "kubelet");
    for nf in facts {
        let subject = Subject {
            kind: "Component".into(),
            name: "kubelet".into(),
            node: Some(nf.node.as_str().into()),
            ..Subject::default()
        };
        // Two kubelets on one node: which one is the node's cannot be told.
        if let Err(many) = nf.component("kubelet") {
            out.findings.push(evidence::finding(
                check,
                Status::Error,
                subject,
                Vec::new(),
                format!("node {}: {many}", nf.node),
            ));
            continue;
        }
        let Some(k) = &nf.kubelet else {
            out.findings.push(evidence::finding(
                check,
                Status::Error,
                subject,
                Vec::new(),
                format!(
                    "no kubelet process found on node {} (reading {}): cannot tell its configuration; run the collector with the host's PID namespace",
                    nf.node, nf.proc
                ),
            ));
            continue;
        };
        let upgraded;
        let k = match crate::collect::kubelet_config::with_flag_keys(&k.values) {
            Some(values) => {
                upgraded = KubeletFacts {
                    values,
                    ..k.clone()
                };
                &upgraded
            }
            None => k,
        };
        let node = &nf.node;
        let groups: Vec<Vec<(Observation, bool)>> = std::iter::once(&p.expect)
            .chain(&p.or)
            .map(|g| g.iter().map(|c| observe(node, c, k, &kubelet)).collect())
            .collect();
        let statuses: Vec<Status> = groups.iter().map(|g| group_status(g)).collect();
        let status = if statuses.contains(&Status::Pass) {
            Status::Pass
        } else if statuses.contains(&Status::Error) {
            Status::Error
        } else {
            Status::Fail
        };
        let message = match status {
            Status::Pass => {
                // Say which conditions passed only because the benchmark accepts them unset.
                let conditions = std::iter::once(&p.expect).chain(&p.or);
                let accepted: Vec<String> = groups
                    .iter()
                    .zip(conditions)
                    .zip(&statuses)
                    .find(|(_, s)| **s == Status::Pass)
                    .into_iter()
                    .flat_map(|((g, conds), _)| g.iter().zip(conds))
                    .filter(|((o, _), c)| c.unset_passes.is_some() && o.observed.is_null())
                    .filter_map(|((o, _), _)| o.note.clone())
                    .collect();
                let with_alt = match statuses.first() {
                    Some(Status::Pass) | None => String::new(),
                    Some(_) => {
                        let alt = groups
                            .iter()
                            .zip(&statuses)
                            .find(|(_, s)| **s == Status::Pass)
                            .map(|(g, _)| {
                                g.iter()
                                    .map(|(o, _)| format!("{} {}", o.path, o.expected))
                                    .collect::<Vec<_>>()
                                    .join(" and ")
                            })
                            .unwrap_or_default();
                        format!(" ({alt})")
                    }
                };
                if accepted.is_empty() {
                    format!("kubelet on node {node} complies{with_alt}")
                } else {
                    format!(
                        "kubelet on node {node} complies{with_alt}: {}",
                        accepted.join("; ")
                    )
                }
            }
            Status::Error => groups
                .iter()
                .flatten()
                .find(|(_, u)| *u)
                .map(|(o, _)| {
                    format!(
                        "kubelet on node {node}: {} cannot be judged: {}",
                        o.path,
                        o.note.as_deref().unwrap_or("")
                    )
                })
                .unwrap_or_default(),
            _ => {
                let mut failing = groups
                    .iter()
                    .filter_map(|g| g.iter().find(|(o, u)| !o.holds && !u).map(|(o, _)| o));
                let first_obs = failing.next();
                let first = first_obs
                    .map(|o| failing_words(node, o, true))
                    .unwrap_or_default();
                let rest: Vec<String> = failing
                    .map(|o| {
                        let elsewhere = first_obs.is_none_or(|f| f.source != o.source);
                        failing_words(node, o, elsewhere)
                    })
                    .collect();
                if rest.is_empty() {
                    format!("kubelet on node {node}: {first}")
                } else {
                    format!(
                        "kubelet on node {node}: {first}; nor is the alternative met: {}",
                        rest.join("; ")
                    )
                }
            }
        };
        out.findings.push(evidence::finding(
            check,
            status,
            subject,
            groups.into_iter().flatten().map(|(o, _)| o).collect(),
            message,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn load(assert: &str) -> Vec<String> {
        catalog::load_errors_with_assert(
            "test-kubelet-check",
            &format!("      kind: kubelet_config\n      expect:\n{assert}"),
        )
    }

    #[test]
    fn a_gate_default_needs_its_maturity() {
        let ok = load("        - { key: featureGates.X, op: ne, value: false, default: true, prerelease: beta }\n");
        assert!(ok.is_empty(), "{ok:?}");
        // No default: nothing relies on it.
        let ok = load("        - { key: featureGates.X, op: eq, value: true }\n");
        assert!(ok.is_empty(), "{ok:?}");
        let errors =
            load("        - { key: featureGates.X, op: ne, value: false, default: true }\n");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("zz-test.yaml:") && e.contains("give `prerelease`")),
            "{errors:?}"
        );
        let errors = load("        - { key: readOnlyPort, op: eq, value: 0, prerelease: beta }\n");
        assert!(
            errors.iter().any(|e| e.contains("for feature gates")),
            "{errors:?}"
        );
        let errors = load(
            "        - { key: featureGates.X, op: ne, value: false, default: true, prerelease: stable }\n",
        );
        assert!(
            errors.iter().any(|e| e.contains("not `stable`")),
            "{errors:?}"
        );
    }

    #[test]
    fn values_are_decoded_as_go_decodes_them() {
        let t = |v: Value| (KeyType::Int(32).takes(&v), KeyType::Int(64).takes(&v));
        assert_eq!(t(serde_json::json!(0)), (true, true));
        assert_eq!(t(serde_json::json!(0.0)), (true, true));
        assert_eq!(t(serde_json::json!(2.5)), (false, false));
        assert_eq!(t(serde_json::json!(10_000_000_000_i64)), (false, true));
        assert_eq!(t(serde_json::json!(-2_147_483_648_i64)), (true, true));
        assert_eq!(t(serde_json::json!(false)), (false, false));
        assert_eq!(t(serde_json::json!("0")), (false, false));
        assert_eq!(t(Value::Null), (true, true));
        assert!(!KeyType::Bool.takes(&serde_json::json!(0)));
        assert!(!KeyType::Bool.takes(&serde_json::json!("true")));
        assert!(KeyType::Bool.takes(&serde_json::json!(true)));
        assert!(!KeyType::Text.takes(&serde_json::json!(true)));
        assert!(!KeyType::List.takes(&serde_json::json!("TLS_X")));
        assert!(!KeyType::List.takes(&serde_json::json!(["TLS_X", 1])));
        assert!(KeyType::List.takes(&serde_json::json!(["TLS_X"])));
        assert!(!KeyType::Duration.takes(&serde_json::json!(300)));
        assert!(!KeyType::Duration.takes(&serde_json::json!("")));
        assert!(KeyType::Duration.takes(&serde_json::json!("5m")));
        assert!(!KeyType::Object.takes(&serde_json::json!(true)));
        assert_eq!(declared_type("featureGates.Anything"), Some(KeyType::Bool));
        assert_eq!(declared_type("podPidsLimit"), Some(KeyType::Int(64)));
    }
}
