//! `flags_differ`: two components' flags must not name the same file (CIS 2.7: etcd's
//! `--trusted-ca-file` must not be kube-apiserver's `--client-ca-file`, or every client
//! certificate the cluster CA signs is also an etcd client certificate).
//!
//! Reads each component's command line as [`flag`](crate::checks::flag) does: static and
//! mirror pods (pods that run on the same node are compared: the same `spec.nodeName`, or
//! none on either, as for one node's manifests) and node facts (the same node). One finding
//! per instance of the first component: the same path (compared after removing `.` and
//! repeated `/`) fails; different paths pass (whether two files hold the same certificate
//! is not read); a value the input does not show (`$(VAR)` from a Secret, a configuration
//! file that takes the flag over, a component embedded in k3s) or a second component only
//! on other nodes is `manual`; a first component that sets no value has nothing to compare
//! (`not_applicable`). A component not in the input is `not_applicable` and not assessed
//! (manifests, managed control planes) or `error` (a cluster whose control plane should be
//! visible), never `pass`.

use std::collections::BTreeMap;
use std::path::{Component as PathPart, PathBuf};
use std::sync::Arc;

use serde_json::json;

use crate::catalog::reader::Reader;
use crate::catalog::{Check, Component};
use crate::checks::flag::{self, Flags};
use crate::checks::{evidence, Context, Outcome};
use crate::results::{Finding, Observation, Status, Subject};
use crate::yaml::Node;

/// A component and one of its flags.
#[derive(Debug, Clone)]
pub struct FlagOf {
    /// Component name as in `components.yaml`.
    pub component: String,
    /// `--flag-name`.
    pub flag: String,
}

/// Parameters of a `flags_differ` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// The flag judged, one finding per instance of its component.
    pub flag: FlagOf,
    /// The flag it must differ from.
    pub other: FlagOf,
}

fn read_flag_of(node: &Node, key: &str, r: &mut Reader, what: &str) -> Option<FlagOf> {
    let Some(n) = node.get(key) else {
        r.error(
            node.line,
            format!("{what} has no `{key}`: {{ component, flag }}"),
        );
        return None;
    };
    let w = format!("{what}, `{key}`");
    r.known_keys(n, &w, &["component", "flag"]);
    let component = r.string(n, "component", &w);
    let flag = r.string(n, "flag", &w);
    if let Some(f) = &flag {
        if !f.starts_with("--") || f.len() < 3 || f.contains('=') {
            r.error(
                n.get("flag").map_or(n.line, |x| x.line),
                format!("{w}: flag `{f}` must be written `--name` without a value"),
            );
            return None;
        }
    }
    Some(FlagOf {
        component: component?,
        flag: flag?,
    })
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        r.known_keys(
            node,
            &format!("the `flags_differ` assertion of {what}"),
            &["kind", "flag", "other"],
        );
        let flag = read_flag_of(node, "flag", r, what);
        let other = read_flag_of(node, "other", r, what);
        Some(Params {
            flag: flag?,
            other: other?,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        format!(
            "Reads {} {} and {} {} from their static pods / mirror pods or node facts, on the same node, and requires them to name different files (the same path fails; a value that cannot be seen is manual)",
            self.flag.component, self.flag.flag, self.other.component, self.other.flag
        )
    }
}

/// What one instance's flag is.
#[derive(Debug, Clone)]
enum Value {
    /// Given, with this value.
    Set(String),
    /// Set in a configuration file the node read: the value, and where.
    SetIn(String, String),
    /// Not given (or given empty: a path flag without a path names no file).
    Unset,
    /// The input does not show it, and why.
    Unseen(String),
}

/// One instance of a component: where it runs, where it was read, and its flag's value.
struct Seen {
    subject: Arc<Subject>,
    node: Option<String>,
    source: String,
    value: Value,
}

fn value_of(component: &Component, flags: &Flags, flag: &str) -> Value {
    if let Some(file) = flag::decided_by_file(component, flag, flags) {
        return Value::Unseen(format!(
            "{}={} is given and {} in that file decides",
            file.file_flag, file.path, file.setting
        ));
    }
    match flags.get(flag).and_then(|v| v.last()).map(|v| v.trim()) {
        Some(v) if !v.is_empty() && v != "true" => Value::Set(v.to_string()),
        _ => Value::Unset,
    }
}

/// The value of a flag a configuration file takes over, as the node read the file (only the
/// keys `components.yaml` names are recorded); `None` when the node did not read it.
fn from_file_on_node(
    component: &Component,
    flags: &Flags,
    fact: &crate::node_facts::ComponentFact,
    flag: &str,
) -> Option<Value> {
    let decides = flag::decided_by_file(component, flag, flags)?;
    let key = component
        .config_files
        .iter()
        .find(|f| f.flag == decides.file_flag)?
        .keys
        .get(flag)?;
    let file = fact
        .config_files
        .iter()
        .find(|f| f.flag == decides.file_flag)?;
    if file.state != crate::node_facts::FileState::Present || file.error.is_some() {
        return Some(Value::Unseen(format!(
            "{}={} decides it and could not be read on the node{}",
            decides.file_flag,
            file.describe(),
            file.error
                .as_deref()
                .map_or(String::new(), |e| format!(": {e}"))
        )));
    }
    Some(match file.values.get(&key.key).and_then(|v| v.as_str()) {
        Some(v) if !v.trim().is_empty() => Value::Set(v.trim().to_string()),
        _ => Value::Unset,
    })
    .map(|v| {
        (
            v,
            format!(
                "read from {}={} ({})",
                decides.file_flag,
                file.describe(),
                key.key
            ),
        )
    })
    .map(|(v, note)| match v {
        Value::Set(x) => Value::SetIn(x, note),
        other => other,
    })
}

/// Every instance of `of.component` in the inventory: pods, then node facts.
fn instances(ctx: &Context, of: &FlagOf) -> Vec<Seen> {
    let component = flag::component(ctx, &of.component);
    let mut out = Vec::new();
    let mut found = flag::instances(ctx.executables(), &component);
    if component.daemonset {
        let templates = flag::template_executables(ctx.inventory.of_kind("DaemonSet"));
        flag::extend_new(&mut found, flag::instances(&templates, &component));
    }
    for inst in &found {
        let value = if let Some(why) = &inst.unreadable {
            Value::Unseen(why.clone())
        } else if let Some(why) = inst.unknown.get(&of.flag) {
            Value::Unseen(why.clone())
        } else {
            value_of(&component, &inst.flags, &of.flag)
        };
        out.push(Seen {
            subject: evidence::subject(inst.object),
            node: inst
                .object
                .value
                .pointer("/spec/nodeName")
                .and_then(|n| n.as_str())
                .map(str::to_string),
            source: inst.source(),
            value,
        });
    }
    for nf in &ctx.inventory.node_facts {
        let subject = || {
            Arc::new(Subject {
                kind: "Component".into(),
                name: component.name.as_str().into(),
                node: Some(nf.node.as_str().into()),
                ..Subject::default()
            })
        };
        let fact = match nf.component(&component.name) {
            Ok(Some(fact)) => fact,
            Ok(None) => continue,
            // Several processes run it: which one is the node's cannot be told.
            Err(many) => {
                out.push(Seen {
                    subject: subject(),
                    node: Some(nf.node.clone()),
                    source: format!("node {}", nf.node),
                    value: Value::Unseen(many.to_string()),
                });
                continue;
            }
        };
        let r = flag::resolve(
            &component,
            flag::parse_component_command(&fact.args, &component),
            BTreeMap::new(),
        );
        let mut flags = r.flags;
        flag::merge_env(
            &component,
            &mut flags,
            fact.env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let value = match (r.unknown.get(&of.flag), &fact.via) {
            (Some(why), _) => Value::Unseen(why.clone()),
            (None, Some(via)) if !flags.contains_key(&of.flag) => {
                Value::Unseen(format!("not passed through on the command line; {via}"))
            }
            _ => match value_of(&component, &flags, &of.flag) {
                Value::Unseen(why) => from_file_on_node(&component, &flags, fact, &of.flag)
                    .unwrap_or(Value::Unseen(why)),
                value => value,
            },
        };
        out.push(Seen {
            subject: subject(),
            node: Some(nf.node.clone()),
            source: format!("node {}: {}", nf.node, fact.describe()),
            value,
        });
    }
    out
}

/// A path as the kernel resolves it without the file system: `.` and repeated or trailing
/// `/` removed (`..` kept: it may cross a symbolic link).
fn normal(path: &str) -> PathBuf {
    PathBuf::from(path)
        .components()
        .filter(|c| !matches!(c, PathPart::CurDir))
        .collect()
}

impl Value {
    /// The file named, when one is.
    fn path(&self) -> Option<&str> {
        match self {
            Value::Set(v) | Value::SetIn(v, _) => Some(v),
            Value::Unset | Value::Unseen(_) => None,
        }
    }
}

fn observation(seen: &Seen, of: &FlagOf, against: &FlagOf, holds: bool) -> Observation {
    Observation {
        source: seen.source.clone(),
        path: of.flag.clone(),
        observed: match seen.value.path() {
            Some(v) => json!(v),
            None => serde_json::Value::Null,
        },
        expected: format!(
            "a different file than {} {}",
            against.component, against.flag
        ),
        holds,
        note: match &seen.value {
            Value::Unseen(why) => Some(why.clone()),
            Value::Unset => Some("not set".into()),
            Value::SetIn(_, from) => Some(from.clone()),
            Value::Set(_) => None,
        },
    }
}

fn where_(node: &Option<String>) -> String {
    match node {
        Some(n) => format!("on node {n}"),
        None => "in the given manifests".to_string(),
    }
}

/// Judges one instance of the first component against the second component's instances.
fn judge(check: &Check, p: &Params, a: &Seen, others: &[Seen]) -> Finding {
    let (first, second) = (&p.flag, &p.other);
    let finding = |status: Status, obs: Vec<Observation>, message: String| {
        evidence::finding(check, status, a.subject.clone(), obs, message)
    };
    let mine = match &a.value {
        Value::Unset => {
            return finding(
                Status::NotApplicable,
                vec![observation(a, first, second, true)],
                format!(
                    "{} sets no {}: there is no file to compare",
                    first.component, first.flag
                ),
            )
        }
        Value::Unseen(why) => {
            return finding(
                Status::Manual,
                vec![observation(a, first, second, false)],
                format!(
                    "{} {}: {why}; compare it with {} {} by hand",
                    first.component, first.flag, second.component, second.flag
                ),
            )
        }
        Value::Set(v) | Value::SetIn(v, _) => v,
    };
    let beside: Vec<&Seen> = others.iter().filter(|b| b.node == a.node).collect();
    if beside.is_empty() {
        let elsewhere: Vec<String> = others.iter().map(|b| where_(&b.node)).collect();
        return finding(
            Status::Manual,
            vec![observation(a, first, second, false)],
            format!(
                "{} runs {}, {} only {}: files on different machines cannot be compared by path; compare the certificates by hand",
                first.component,
                where_(&a.node),
                second.component,
                elsewhere.join(", ")
            ),
        );
    }
    let mut obs = vec![observation(a, first, second, true)];
    let mut same = Vec::new();
    let mut unseen = Vec::new();
    for b in beside {
        match &b.value {
            Value::Set(v) | Value::SetIn(v, _) if normal(v) == normal(mine) => {
                same.push(v.clone());
                obs.push(observation(b, second, first, false));
            }
            Value::Unseen(why) => {
                unseen.push(why.clone());
                obs.push(observation(b, second, first, false));
            }
            Value::Set(_) | Value::SetIn(..) | Value::Unset => {
                obs.push(observation(b, second, first, true))
            }
        }
    }
    if let Some(v) = same.first() {
        obs[0].holds = false;
        return finding(
            Status::Fail,
            obs,
            format!(
                "{} {} and {} {} are the same file ({v}): every client certificate that CA signs is accepted by both",
                first.component, first.flag, second.component, second.flag
            ),
        );
    }
    if let Some(why) = unseen.first() {
        return finding(
            Status::Manual,
            obs,
            format!(
                "{} {}: {why}; compare it with {} {mine} by hand",
                second.component, second.flag, first.component
            ),
        );
    }
    finding(
        Status::Pass,
        obs,
        format!(
            "{} {} ({mine}) is not the file {} {} names (whether the two hold different CAs is not read)",
            first.component, first.flag, second.component, second.flag
        ),
    )
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let mine = instances(ctx, &p.flag);
    let others = instances(ctx, &p.other);
    if mine.is_empty() {
        let component = flag::component(ctx, &p.flag.component);
        out.findings
            .push(flag::absent_finding(check, ctx, &component));
        return out;
    }
    if others.is_empty() {
        for a in &mine {
            out.findings.push(
                evidence::finding(
                    check,
                    Status::NotApplicable,
                    a.subject.clone(),
                    Vec::new(),
                    format!(
                        "no {} in the input to compare {} {} with",
                        p.other.component, p.flag.component, p.flag.flag
                    ),
                )
                .not_assessed(),
            );
        }
        return out;
    }
    for a in &mine {
        out.findings.push(judge(check, p, a, &others));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normal;
    use crate::checks::Context;
    use crate::inventory::{Inventory, SourceKind, Target};
    use crate::results::Status;

    /// Node facts of one node running etcd and kube-apiserver with these arguments.
    fn node(name: &str, etcd: &[&str], apiserver: &[&str]) -> crate::node_facts::NodeFacts {
        let component = |c: &str, args: &[&str]| {
            serde_json::json!({"component": c, "source": "process", "pid": 100,
                "location": "/proc/100/cmdline", "executable": c, "args": args})
        };
        let mut components = Vec::new();
        if !etcd.is_empty() {
            components.push(component("etcd", etcd));
        }
        if !apiserver.is_empty() {
            components.push(component("kube-apiserver", apiserver));
        }
        serde_json::from_value(serde_json::json!({
            "kind": "KubeattestNodeFacts", "facts_version": 1, "node": name,
            "collected_at": "2026-01-01T00:00:00Z", "root": "/", "proc": "/proc",
            "roles": ["control-plane"], "components": components
        }))
        .unwrap()
    }

    /// The statuses of the CIS 2.7 check over these nodes' facts.
    fn statuses(nodes: Vec<crate::node_facts::NodeFacts>) -> Vec<Status> {
        let catalog = crate::catalog::load(None).unwrap();
        let check = catalog.check("etcd-trusts-apiserver-client-ca").unwrap();
        let mut inv = Inventory::new(
            Target {
                source: Some(SourceKind::Nodes),
                ..Target::default()
            },
            true,
        );
        inv.node_facts = nodes;
        let ctx = Context::new(&inv, &catalog);
        let (_, out) = crate::evaluate::run_check(check, &ctx);
        out.findings.iter().map(|f| f.status).collect()
    }

    #[test]
    fn node_facts_compare_the_files_on_the_same_node() {
        let shared = node(
            "cp-1",
            &["--trusted-ca-file=/etc/kubernetes/pki/ca.crt"],
            &["--client-ca-file", "/etc/kubernetes/pki/ca.crt"],
        );
        assert_eq!(statuses(vec![shared]), [Status::Fail]);
        let own = node(
            "cp-1",
            &["--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"],
            &["--client-ca-file=/etc/kubernetes/pki/ca.crt"],
        );
        assert_eq!(statuses(vec![own]), [Status::Pass]);
        // External etcd: the same path on another machine is another file.
        let etcd_only = node(
            "etcd-1",
            &["--trusted-ca-file=/etc/kubernetes/pki/ca.crt"],
            &[],
        );
        let api_only = node(
            "cp-1",
            &[],
            &["--client-ca-file=/etc/kubernetes/pki/ca.crt"],
        );
        assert_eq!(statuses(vec![etcd_only, api_only]), [Status::Manual]);
        // No etcd on the scanned nodes: not applicable, never pass.
        let api_only = node(
            "cp-1",
            &[],
            &["--client-ca-file=/etc/kubernetes/pki/ca.crt"],
        );
        assert_eq!(statuses(vec![api_only]), [Status::NotApplicable]);
    }

    #[test]
    fn paths_compare_without_dots_and_repeated_slashes() {
        assert_eq!(
            normal("/etc/kubernetes//pki/./ca.crt"),
            normal("/etc/kubernetes/pki/ca.crt")
        );
        assert_ne!(
            normal("/etc/kubernetes/pki/etcd/ca.crt"),
            normal("/etc/kubernetes/pki/ca.crt")
        );
        assert_ne!(
            normal("/etc/kubernetes/pki/etcd/../ca.crt"),
            normal("/etc/kubernetes/pki/ca.crt")
        );
    }
}
