//! `kubelet_config`: a key of the kubelet's **effective** configuration, from node facts.
//!
//! The collector lays the file named by `--config`, then `--config-dir` drop-ins, then the
//! command-line flags over each other (flags win) and keeps the source of every value and
//! what it replaced. This kind judges the value in effect; its evidence names the node, the
//! key, the file or flag that set it, and, when a flag overrode the config file, both. A key
//! set nowhere takes the documented default — the KubeletConfiguration default when a config
//! file is in use, the flag default (`flag_default`) when the kubelet runs on flags only —
//! and the evidence says so. A node without a kubelet is `error` (the agent could not see
//! it); a config file that could not be read makes unset keys `error`, never defaults.

use serde_json::Value;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::condition::{render, Expectation};
use crate::checks::node_scope::no_node_facts;
use crate::checks::{evidence, Context, Outcome};
use crate::node_facts::{KubeletFacts, ValueSource};
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
}

/// Parameters of a `kubelet_config` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// Conditions that must all hold.
    pub expect: Vec<KeyCondition>,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        r.known_keys(
            node,
            &format!("the `kubelet_config` assertion of {what}"),
            &["kind", "expect"],
        );
        let mut ok = true;
        let mut expect = Vec::new();
        let items = r.seq(node, "expect", what);
        if items.is_empty() {
            ok = false;
        }
        for (i, c) in items.iter().enumerate() {
            let cw = format!("{what}, `expect` #{}", i + 1);
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
                ],
            );
            let zero_is_default = r.opt_bool(c, "zero_is_default", &cw).unwrap_or(false);
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
                (Some(key), Some(expect_)) => expect.push(KeyCondition {
                    key,
                    expect: expect_,
                    default,
                    flag_default,
                    zero_is_default,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(Params { expect })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        let conds: Vec<String> = self
            .expect
            .iter()
            .map(|c| format!("{} {}", c.key, c.expect.describe()))
            .collect();
        format!(
            "Reads the kubelet's effective configuration on every node (--config file, then --config-dir drop-ins, then command-line flags, which win): {}",
            conds.join("; ")
        )
    }
}

/// Observes one condition on one node's kubelet.
fn observe(node: &str, c: &KeyCondition, k: &KubeletFacts) -> (Observation, bool) {
    let mut unknown = false;
    let set = k.values.get(&c.key).filter(|v| {
        !(c.zero_is_default
            && !matches!(v.source, ValueSource::Flag { .. })
            && crate::checks::condition::number(&v.value) == Some(0.0))
    });
    let zero_in_file = set.is_none() && k.values.contains_key(&c.key);
    let (observed, source, mut note) = match set {
        Some(v) => {
            let note = v.overrides.last().map(|o| {
                format!(
                    "{} overrides {}={} from {}",
                    v.source.describe(),
                    c.key,
                    render(&o.value),
                    o.source.describe()
                )
            });
            (
                Some(v.value.clone()),
                format!("node {node}: {}", v.source.describe()),
                note,
            )
        }
        None => {
            let where_ = match &k.config_file {
                Some(f) => format!("not set in {f}, its drop-ins or the command line"),
                None => "not set on the command line (the kubelet runs without --config)".into(),
            };
            let default = if k.uses_config_file() {
                c.default.clone()
            } else {
                c.flag_default.clone().or_else(|| c.default.clone())
            };
            let source = format!("node {node}: {}", k.command_line);
            if !k.errors.is_empty() {
                unknown = true;
                (
                    None,
                    source,
                    Some(format!(
                        "{where_}, but the configuration could not be read in full: {}",
                        k.errors.join("; ")
                    )),
                )
            } else {
                match default {
                    Some(d) => {
                        let which = if k.uses_config_file() {
                            "KubeletConfiguration default"
                        } else {
                            "flag default"
                        };
                        let note = format!("{where_}; the {which} {} applies", render(&d));
                        (Some(d), source, Some(note))
                    }
                    None => (None, source, Some(format!("{where_}; it has no default"))),
                }
            }
        }
    };
    if zero_in_file {
        note = note.map(|n| {
            format!(
                "{} is zero in the config file, which the kubelet replaces with its default; {n}",
                c.key
            )
        });
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
    let holds = !unknown && c.expect.holds(values.as_ref().map(std::slice::from_ref));
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
        let results: Vec<(Observation, bool)> =
            p.expect.iter().map(|c| observe(&nf.node, c, k)).collect();
        let status = if results.iter().any(|(o, u)| !o.holds && !u) {
            Status::Fail
        } else if results.iter().any(|(_, u)| *u) {
            Status::Error
        } else {
            Status::Pass
        };
        let node = &nf.node;
        let message = match status {
            Status::Pass => format!("kubelet on node {node} complies"),
            Status::Error => results
                .iter()
                .find(|(_, u)| *u)
                .map(|(o, _)| {
                    format!(
                        "kubelet on node {node}: {} unknown: {}",
                        o.path,
                        o.note.as_deref().unwrap_or("")
                    )
                })
                .unwrap_or_default(),
            _ => results
                .iter()
                .find(|(o, u)| !o.holds && !u)
                .map(|(o, _)| {
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
                    format!(
                        "kubelet on node {node}: {} is {seen} ({from}), expected {}",
                        o.path, o.expected
                    )
                })
                .unwrap_or_default(),
        };
        out.findings.push(evidence::finding(
            check,
            status,
            subject,
            results.into_iter().map(|(o, _)| o).collect(),
            message,
        ));
    }
    out
}
