//! A configuration file kube-apiserver is given by a flag, as node facts show it: what the
//! `encryption` and `audit_policy` kinds share. One finding per node that runs the API
//! server; a node that shows no flag, or a file it could not see or use, is decided here
//! (`fail` without the flag, `manual` for a file not on the node or facts from an older
//! version, `error` for a file that is not what the flag names), so the kinds judge only a
//! file that was read. Without node facts, the API server's pods in the input decide what
//! the command line can: no flag fails, a flag leaves the file to `kubeattest node`.

use serde_json::Value;

use crate::catalog::Check;
use crate::checks::flag::{self, parse_flags};
use crate::checks::node_scope::no_node_facts;
use crate::checks::{evidence, Context, Outcome};
use crate::node_facts::{ComponentFact, ConfigFileFact, FileState};
use crate::results::{Observation, Status, Subject};

/// The component.
pub const COMPONENT: &str = "kube-apiserver";

/// A file the node read, handed to the kind's judge.
pub struct ReadFile<'a> {
    /// The node's name.
    pub node: &'a str,
    /// The file's facts (state `present`).
    pub file: &'a ConfigFileFact,
    /// Where it was read, for evidence: `node cp-1: file /etc/…, given by --flag (process …)`.
    pub source: String,
    /// The API server's command line on that node (its other flags may decide whether it
    /// accepts the file: `--feature-gates`).
    pub args: &'a [String],
}

/// A verdict: status, evidence, message.
pub type Verdict = (Status, Vec<Observation>, String);

/// What a flag's absence means for the kind: the message's end (after "kube-apiserver on
/// node X has no --flag (process …)") and the observation's note.
pub struct Absence {
    /// "secrets are written to etcd unencrypted".
    pub consequence: String,
    /// "not set: nothing is encrypted at rest".
    pub note: String,
}

/// Judges the file `flag` names on every node that runs kube-apiserver. `expected` is the
/// observation's expectation when the file could not be judged; `judge` decides a file that
/// was read.
pub fn evaluate(
    check: &Check,
    ctx: &Context,
    flag: &str,
    expected: &str,
    absence: &Absence,
    judge: &dyn Fn(&ReadFile) -> Verdict,
) -> Outcome {
    let mut out = Outcome::default();
    let facts = &ctx.inventory.node_facts;
    if facts.is_empty() {
        from_pods(check, ctx, flag, expected, absence, &mut out);
        return out;
    }
    for nf in facts {
        let (status, observations, message) = match nf.component(COMPONENT) {
            Ok(None) => continue,
            // Two API servers on one node: which one's file decides cannot be told.
            Err(many) => (
                Status::Error,
                Vec::new(),
                format!("node {}: {many}", nf.node),
            ),
            Ok(Some(inst)) => match locate(&nf.node, inst, flag, expected, absence) {
                Ok(read) => judge(&read),
                Err(verdict) => verdict,
            },
        };
        out.findings.push(evidence::finding(
            check,
            status,
            Subject {
                kind: "Component".into(),
                name: COMPONENT.into(),
                node: Some(nf.node.as_str().into()),
                ..Subject::default()
            },
            observations,
            message,
        ));
    }
    if out.findings.is_empty() {
        let names: Vec<&str> = facts.iter().map(|n| n.node.as_str()).collect();
        out.findings.push(evidence::finding(
            check,
            Status::NotApplicable,
            Subject {
                kind: "Component".into(),
                name: COMPONENT.into(),
                ..Subject::default()
            },
            Vec::new(),
            format!(
                "none of the {} scanned node(s) ({}) runs {COMPONENT}",
                names.len(),
                names.join(", ")
            ),
        ));
    }
    out
}

/// Without node facts, the API server's static or mirror pods in the input still show whether
/// the flag is given: without it the verdict is the same as on a node (`fail`); with it the
/// file is on the node, so `manual` says how to have it read. No such pod: as for every
/// node-based check ([`no_node_facts`]).
fn from_pods(
    check: &Check,
    ctx: &Context,
    flag: &str,
    expected: &str,
    absence: &Absence,
    out: &mut Outcome,
) {
    let component = flag::component(ctx, COMPONENT);
    let found = flag::instances(ctx.executables(), &component);
    if found.is_empty() {
        out.findings.push(no_node_facts(check, ctx));
        return;
    }
    for inst in found {
        let subject = evidence::subject(inst.object);
        // A command line whose value for the flag cannot be seen decides nothing.
        let hidden = inst
            .unreadable
            .as_ref()
            .or_else(|| inst.unknown.get(flag))
            .cloned();
        if let Some(why) = hidden {
            let o = Observation {
                source: inst.source(),
                path: flag.to_string(),
                observed: Value::Null,
                expected: expected.to_string(),
                holds: false,
                note: Some(why.clone()),
            };
            let message = format!(
                "{COMPONENT} in {}: {why}; confirm {flag} by hand",
                subject.display()
            );
            out.findings.push(evidence::finding(
                check,
                Status::Manual,
                subject,
                vec![o],
                message,
            ));
            continue;
        }
        let path = named_file(&inst.flags, flag);
        let o = Observation {
            source: inst.source(),
            path: flag.to_string(),
            observed: path.map_or(Value::Null, |p| Value::String(p.clone())),
            expected: expected.to_string(),
            holds: false,
            note: path.is_none().then(|| absence.note.clone()),
        };
        let (status, message) = match path {
            None => (
                Status::Fail,
                format!(
                    "{COMPONENT} in {} has no {flag}: {}",
                    subject.display(),
                    absence.consequence
                ),
            ),
            Some(p) => (
                Status::Manual,
                format!(
                    "{COMPONENT} in {} reads {flag}={p}, a file on the control-plane node: collect node facts there with `kubeattest node` and pass them with `scan --node-facts` to judge it",
                    subject.display()
                ),
            ),
        };
        out.findings
            .push(evidence::finding(check, status, subject, vec![o], message));
    }
}

/// The file `flag` names on a command line (its last value), unless empty.
fn named_file<'f>(flags: &'f flag::Flags, flag: &str) -> Option<&'f String> {
    flags
        .get(flag)
        .and_then(|v| v.last())
        .filter(|v| !v.is_empty())
}

/// The file on one node, or the verdict when it cannot be judged.
fn locate<'a>(
    node: &'a str,
    inst: &'a ComponentFact,
    flag: &str,
    expected: &str,
    absence: &Absence,
) -> Result<ReadFile<'a>, Verdict> {
    let described = inst.describe();
    let flags = parse_flags(&inst.args);
    let path = named_file(&flags, flag);
    let mut o = Observation {
        source: format!("node {node}: {described}"),
        path: flag.to_string(),
        observed: Value::Null,
        expected: expected.to_string(),
        holds: false,
        note: None,
    };
    let Some(path) = path else {
        if let Some(via) = &inst.via {
            // An embedded API server (k3s) takes settings the command line does not show.
            o.note = Some(format!("flag not passed through; {via}"));
            return Err((
                Status::Error,
                vec![o],
                format!(
                    "{COMPONENT} on node {node}: {flag} is not on the command line it shows ({via}); check by hand"
                ),
            ));
        }
        o.note = Some(absence.note.clone());
        return Err((
            Status::Fail,
            vec![o],
            format!(
                "{COMPONENT} on node {node} has no {flag} ({described}): {}",
                absence.consequence
            ),
        ));
    };
    o.observed = Value::String(path.clone());
    let Some(file) = inst.config_files.iter().find(|f| f.flag == flag) else {
        return Err((
            Status::Manual,
            vec![o],
            format!(
                "{COMPONENT} on node {node}: {path} was not read, as the node facts come from a version of kubeattest that did not read it: collect them again"
            ),
        ));
    };
    match file.state {
        FileState::Absent => Err((
            Status::Manual,
            vec![o],
            format!(
                "{COMPONENT} on node {node}: {}; check the file by hand",
                file.error
                    .as_deref()
                    .unwrap_or("the file is not on the node")
            ),
        )),
        FileState::Error => Err((
            Status::Error,
            vec![o],
            format!(
                "{COMPONENT} on node {node}: cannot read the file {flag} names: {}",
                file.error.as_deref().unwrap_or("unreadable")
            ),
        )),
        FileState::Present => Ok(ReadFile {
            node,
            file,
            args: &inst.args,
            source: format!(
                "node {node}: file {}, given by {flag} ({described})",
                file.describe()
            ),
        }),
    }
}

/// The built-in catalog's entry for the file `flag` names, for tests that tie a kind to what
/// `kubeattest node` reads.
#[cfg(test)]
pub fn catalog_entry(flag: &str) -> crate::catalog::ConfigFile {
    let components = crate::catalog::embedded_components().expect("built-in components");
    components[COMPONENT]
        .config_files
        .iter()
        .find(|f| f.flag == flag)
        .cloned()
        .expect("a config_files entry for the flag")
}
