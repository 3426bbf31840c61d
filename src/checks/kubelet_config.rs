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
//! value the kubelet refuses, so that it does not start (`--anonymous-auth=`,
//! `--read-only-port=abc`, `readOnlyPort: ""`), is `error`: "empty means unset" holds only
//! for text and list keys.

use serde_json::Value;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
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
    /// A zero (`0`, `0s`) written in the config file or a drop-in means "unset, use the
    /// default" (kubelet defaulting of durations such as streamingConnectionIdleTimeout); a
    /// zero given as a flag is taken as written.
    pub zero_is_default: bool,
    /// When set, a key set nowhere passes, for this reason (a benchmark that accepts the
    /// setting's absence, whatever the kubelet's own default); the evidence says it is unset.
    pub unset_passes: Option<String>,
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
                .map(|c| format!("{} {}", c.key, c.expect.describe()))
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
            ],
        );
        let zero_is_default = r.opt_bool(c, "zero_is_default", &cw).unwrap_or(false);
        let unset_passes = r.opt_string(c, "unset_passes", &cw);
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
        match (key, e) {
            (Some(key), Some(expect)) => out.push(KeyCondition {
                key,
                expect,
                default,
                flag_default,
                zero_is_default,
                unset_passes,
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

/// The type of a condition's key in KubeletConfiguration, as far as its values say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    /// A boolean (`authentication.anonymous.enabled`).
    Bool,
    /// An integer (`readOnlyPort`).
    Int,
    /// A Go duration (`streamingConnectionIdleTimeout`).
    Duration,
}

/// The type of a condition's key, from its value and defaults: `None` for text and lists.
fn key_type(c: &KeyCondition) -> Option<KeyType> {
    [
        Some(&c.expect.value),
        c.default.as_ref(),
        c.flag_default.as_ref(),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| match v {
        Value::Bool(_) => Some(KeyType::Bool),
        Value::Number(_) => Some(KeyType::Int),
        Value::String(_) if Scale::of(v) == Scale::Duration => Some(KeyType::Duration),
        _ => None,
    })
}

/// Why the kubelet refuses the value found for a boolean, integer or duration key, so that it
/// does not start and the value decides nothing: as the collector recorded it (`invalid`),
/// or, in facts collected before it did and in configuration files, a text where a boolean
/// or a number belongs (pflag's strconv and Go's JSON decoding both refuse
/// `--anonymous-auth=`, `--read-only-port=abc` and `readOnlyPort: ""`), or an empty
/// duration (`time.ParseDuration("")` fails). A flag's text that pflag does read
/// (`--read-only-port=0x0`, in older facts) is returned as `Ok` with the value it reads as.
fn refused(c: &KeyCondition, v: &ConfigValue) -> Option<Result<(Value, String), String>> {
    if let Some(why) = &v.invalid {
        return Some(Err(why.clone()));
    }
    let Value::String(text) = &v.value else {
        return None;
    };
    let kind = key_type(c)?;
    let q = crate::quote::quote;
    let what = match kind {
        KeyType::Bool => "a boolean",
        KeyType::Int => "an integer",
        KeyType::Duration => "a duration",
    };
    match (&v.source, kind) {
        // Durations are text: only an empty one is refused.
        (_, KeyType::Duration) if !text.is_empty() => None,
        (ValueSource::Flag { flag, .. }, _) => {
            match kind {
                KeyType::Bool => {
                    if let Some(b) = crate::checks::condition::parse_bool(text) {
                        return Some(Ok((
                            Value::Bool(b),
                            format!("{flag}={} reads as {b}", q(text)),
                        )));
                    }
                }
                KeyType::Int => {
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
                KeyType::Duration => {}
            }
            Some(Err(format!(
                "{flag}={} is not {what}: the kubelet refuses the flag and does not start",
                q(text)
            )))
        }
        (other, _) => Some(Err(format!(
            "{} is {} in {}, where {what} belongs: the kubelet cannot decode the file and does not start",
            c.key,
            if text.is_empty() {
                "an empty string".to_string()
            } else {
                format!("the string {}", q(text))
            },
            other.describe()
        ))),
    }
}

/// Observes one condition on one node's kubelet.
fn observe(node: &str, c: &KeyCondition, k: &KubeletFacts) -> (Observation, bool) {
    let mut unknown = false;
    let read_as: Option<ConfigValue>;
    let found = match k.values.get(&c.key) {
        Some(v) => match refused(c, v) {
            Some(Err(why)) => {
                return (
                    Observation {
                        source: format!("node {node}: {}", v.source.describe()),
                        path: c.key.clone(),
                        observed: v.value.clone(),
                        expected: c.expect.describe(),
                        holds: false,
                        note: Some(why),
                    },
                    true,
                );
            }
            Some(Ok((value, note))) => {
                read_as = Some(ConfigValue {
                    value,
                    note: Some(note),
                    ..v.clone()
                });
                read_as.as_ref()
            }
            None => Some(v),
        },
        None => None,
    };
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
                unknown = true;
                (
                    None,
                    source,
                    Some(format!(
                        "{where_}, but the configuration could not be read in full: {}",
                        k.errors.join("; ")
                    )),
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
    // When a flag overrode the config file, say so in the message too.
    let from = o
        .note
        .as_deref()
        .filter(|n| n.contains(" overrides "))
        .unwrap_or_else(|| o.source.trim_start_matches(&format!("node {node}: ")))
        .to_string();
    if !with_source {
        return format!("{} is {seen}, expected {}", o.path, o.expected);
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
        let node = &nf.node;
        let groups: Vec<Vec<(Observation, bool)>> = std::iter::once(&p.expect)
            .chain(&p.or)
            .map(|g| g.iter().map(|c| observe(node, c, k)).collect())
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
