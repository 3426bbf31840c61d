//! `file`: mode and owner of node files and directories, from node facts.
//!
//! Files are named by role (`apiserver-manifest`, `kubelet-config`, …; see
//! [`crate::node_facts::FILE_ROLES`]): the collector decides the path, from a flag when the
//! component names one, and records where the path came from. Each file on each node is one
//! subject; the evidence names the node, the path, why that path, and the mode or owner
//! seen. A file that does not exist is `not_applicable` (or what `when_absent` says), a file
//! that could not be read or placed on the node is `error`, and one that was not where it
//! was looked for although what it belongs to runs (`unlocated`) is `manual`; none is ever
//! `pass`. Owners compare by name, uid and gid 0 being `root` by definition; an id the node
//! does not name is `error` unless the expected owner is root.

use serde_json::Value;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::condition::{Expectation, Op};
use crate::checks::node_scope::{no_node_facts, node_subject};
use crate::checks::{evidence, Context, Outcome};
use crate::node_facts::{is_file_role, FileFact, FileState, FILE_ROLES};
use crate::results::{Observation, Status, Subject};
use crate::yaml::Node;

/// Parameters of a `file` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// File roles to judge.
    pub files: Vec<String>,
    /// `mode_at_most` and/or `owner` conditions.
    pub expect: Vec<Expectation>,
    /// Status for a file that does not exist (`not_applicable` or `fail`).
    pub when_absent: Status,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        r.known_keys(
            node,
            &format!("the `file` assertion of {what}"),
            &["kind", "files", "expect", "when_absent"],
        );
        let mut ok = true;
        let files = r.string_list(node, "files", what);
        if files.is_empty() {
            r.error(node.line, format!("{what}: `files` must list file roles"));
            ok = false;
        }
        for f in &files {
            if !is_file_role(f) {
                let line = node.get("files").map_or(node.line, |n| n.line);
                let known: Vec<&str> = FILE_ROLES.iter().map(|(r, _)| *r).collect();
                r.error(
                    line,
                    format!(
                        "{what}: unknown file role `{f}`; known: {}",
                        known.join(", ")
                    ),
                );
                ok = false;
            }
        }
        let mut expect = Vec::new();
        let items = r.seq(node, "expect", what);
        if items.is_empty() {
            ok = false;
        }
        for (i, c) in items.iter().enumerate() {
            let cw = format!("{what}, `expect` #{}", i + 1);
            r.known_keys(c, &cw, &["op", "value", "means"]);
            match Expectation::read(c, r, &cw) {
                Some(e) if matches!(e.op, Op::ModeAtMost | Op::Owner) => expect.push(e),
                Some(e) => {
                    r.error(
                        c.line,
                        format!(
                            "{cw}: a `file` assertion takes `mode_at_most` or `owner`, not `{}`",
                            e.op.name()
                        ),
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        let when_absent = match r.opt_string(node, "when_absent", what).as_deref() {
            None | Some("not_applicable") => Status::NotApplicable,
            Some("fail") => Status::Fail,
            Some(other) => {
                let line = node.get("when_absent").map_or(node.line, |n| n.line);
                r.error(
                    line,
                    format!("{what}: `when_absent` is `not_applicable` or `fail`, not `{other}`"),
                );
                ok = false;
                Status::NotApplicable
            }
        };
        ok.then_some(Params {
            files,
            expect,
            when_absent,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        let conds: Vec<String> = self.expect.iter().map(Expectation::describe).collect();
        format!(
            "Reads node facts (`kubeattest node`): for every {} on every node, {}; a missing file is {}",
            self.files.join(", "),
            conds.join(" and "),
            self.when_absent.as_str()
        )
    }
}

/// An owner or group as a name: uid or gid 0 is `root` by definition, whatever the node's
/// files say or lack; another id is its name from the node's `/etc/passwd` or `/etc/group`,
/// or `Err(id)` when the collector found none there (it then recorded the number).
fn name(recorded: Option<&str>, id: Option<u32>) -> Option<Result<String, String>> {
    match (recorded, id) {
        (_, Some(0)) => Some(Ok("root".to_string())),
        (Some(n), Some(id)) if n == id.to_string() => Some(Err(n.to_string())),
        // Root is id 0: another id the node's files also call root is not it.
        (Some("root"), Some(id)) => Some(Ok(format!("root (id {id}, not 0)"))),
        (Some(n), _) => Some(Ok(n.to_string())),
        (None, Some(id)) => Some(Err(id.to_string())),
        (None, None) => None,
    }
}

/// What a file fact shows for an operator (an owner as `user:group`, an id in place of a
/// name the node does not list).
fn observed(f: &FileFact, op: Op) -> Option<Value> {
    match op {
        Op::ModeAtMost => f.mode.clone().map(Value::String),
        _ => match (
            name(f.owner.as_deref(), f.uid),
            name(f.group.as_deref(), f.gid),
        ) {
            (Some(o), Some(g)) => {
                let text = |r: Result<String, String>| r.unwrap_or_else(|id| id);
                Some(Value::String(format!("{}:{}", text(o), text(g))))
            }
            _ => None,
        },
    }
}

/// What a present file's facts lack for the conditions (a mode that is no octal mode, no
/// owner or group): facts edited by hand or damaged, in which nothing was observed.
fn unreadable(f: &FileFact, expect: &[Expectation]) -> Option<String> {
    let mut lacking = Vec::new();
    for e in expect {
        match e.op {
            Op::ModeAtMost => {
                if f.mode
                    .as_deref()
                    .and_then(crate::checks::condition::file_mode)
                    .is_none()
                {
                    lacking.push(match &f.mode {
                        Some(m) => {
                            format!("a mode ({} is not an octal mode)", crate::quote::quote(m))
                        }
                        None => "a mode".to_string(),
                    });
                }
            }
            _ => {
                if name(f.owner.as_deref(), f.uid).is_none()
                    || name(f.group.as_deref(), f.gid).is_none()
                {
                    lacking.push("an owner and group".to_string());
                }
            }
        }
    }
    (!lacking.is_empty()).then(|| lacking.join(" or "))
}

/// Why an owner condition cannot be told: the file's uid or gid has no name on the node and
/// the expected name is not root (root is id 0, so any other id is not root, named or not).
fn unresolved(f: &FileFact, e: &Expectation) -> Option<String> {
    if e.op != Op::Owner {
        return None;
    }
    let expected = e.value.as_str().unwrap_or_default();
    let (want_user, want_group) = expected.split_once(':').unwrap_or((expected, ""));
    let mut missing = Vec::new();
    if let Some(Err(id)) = name(f.owner.as_deref(), f.uid) {
        if want_user != "root" {
            missing.push(format!("uid {id} has no name in the node's /etc/passwd"));
        }
    }
    if let Some(Err(id)) = name(f.group.as_deref(), f.gid) {
        if !want_group.is_empty() && want_group != "root" {
            missing.push(format!("gid {id} has no name in the node's /etc/group"));
        }
    }
    (!missing.is_empty()).then(|| {
        format!(
            "{}: cannot tell whether it is owned by {expected}",
            missing.join(" and ")
        )
    })
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
        // Each file is one subject, even when it has several of the roles judged (a PKI
        // directory that could not be looked into stands for its certificates and keys).
        let mut seen = std::collections::BTreeSet::new();
        let files: Vec<&FileFact> = nf
            .files
            .iter()
            .filter(|f| p.files.contains(&f.role))
            .filter(|f| seen.insert(f.path.as_str()))
            .collect();
        if files.is_empty() {
            out.findings.push(evidence::finding(
                check,
                Status::NotApplicable,
                node_subject(&nf.node),
                Vec::new(),
                format!(
                    "node {}: no {} here (not collected for this node's components)",
                    nf.node,
                    p.files.join(", ")
                ),
            ));
            continue;
        }
        for f in files {
            let subject = Subject {
                kind: "File".into(),
                name: f.path.as_str().into(),
                node: Some(nf.node.as_str().into()),
                ..Subject::default()
            };
            let source = format!("node {}: {} ({})", nf.node, f.path, f.from);
            let unknown_owner = p.expect.iter().find_map(|e| unresolved(f, e));
            let lacking = unreadable(f, &p.expect);
            // A directory where a file belongs (or the reverse) is not what the item audits.
            let wants_dir = crate::node_facts::DIRECTORY_ROLES.contains(&f.role.as_str());
            let wrong_type = match f.file_type.as_deref() {
                Some("dir") if !wants_dir => Some("a directory, not a file"),
                Some("file") if wants_dir => Some("a file, not a directory"),
                _ => None,
            };
            let (status, observations, message) = match f.state {
                FileState::Present if wrong_type.is_some() => (
                    Status::Error,
                    Vec::new(),
                    format!(
                        "{} on node {} is {}: it is not what {} names",
                        f.path,
                        nf.node,
                        wrong_type.unwrap_or_default(),
                        f.from
                    ),
                ),
                // Not where it was looked for, yet what it belongs to runs: somewhere else.
                FileState::Absent if f.unlocated.is_some() => (
                    Status::Manual,
                    Vec::new(),
                    format!(
                        "node {}: {}; confirm its permissions and owner by hand",
                        nf.node,
                        f.unlocated.as_deref().unwrap_or_default()
                    ),
                ),
                FileState::Absent => (
                    p.when_absent,
                    Vec::new(),
                    if f.from == "default path" {
                        format!(
                            "{} does not exist on node {} (default path)",
                            f.path, nf.node
                        )
                    } else {
                        format!(
                            "{} does not exist on node {} (path from {})",
                            f.path, nf.node, f.from
                        )
                    },
                ),
                FileState::Error => (
                    Status::Error,
                    Vec::new(),
                    format!(
                        "node {}: {}",
                        nf.node,
                        f.error.as_deref().unwrap_or("could not be read")
                    ),
                ),
                FileState::Present if lacking.is_some() => (
                    Status::Error,
                    Vec::new(),
                    format!(
                        "the node facts of {} on node {} hold no {}, so nothing can be judged; collect them again with `kubeattest node`",
                        f.path,
                        nf.node,
                        lacking.as_deref().unwrap_or_default()
                    ),
                ),
                FileState::Present if unknown_owner.is_some() => (
                    Status::Error,
                    Vec::new(),
                    format!(
                        "{} on node {}: {}",
                        f.path,
                        nf.node,
                        unknown_owner.as_deref().unwrap_or_default()
                    ),
                ),
                FileState::Present => {
                    let obs: Vec<Observation> = p
                        .expect
                        .iter()
                        .map(|e| {
                            let v = observed(f, e.op);
                            Observation {
                                source: source.clone(),
                                path: match e.op {
                                    Op::ModeAtMost => "mode".into(),
                                    _ => "owner:group".into(),
                                },
                                holds: e.holds(v.as_ref().map(std::slice::from_ref)),
                                observed: v.unwrap_or(Value::Null),
                                expected: e.describe(),
                                note: f.uid.zip(f.gid).map(|(u, g)| format!("uid {u}, gid {g}")),
                            }
                        })
                        .collect();
                    let failing: Vec<String> = obs
                        .iter()
                        .filter(|o| !o.holds)
                        .map(|o| {
                            format!(
                                "{} is {}, expected {}",
                                o.path,
                                crate::checks::condition::words(&o.observed),
                                o.expected
                            )
                        })
                        .collect();
                    if failing.is_empty() {
                        (
                            Status::Pass,
                            obs,
                            format!("{} on node {} complies", f.path, nf.node),
                        )
                    } else {
                        (
                            Status::Fail,
                            obs,
                            format!("{} on node {}: {}", f.path, nf.node, failing.join("; ")),
                        )
                    }
                }
            };
            out.findings.push(evidence::finding(
                check,
                status,
                subject,
                observations,
                message,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::catalog;

    fn load(assert: &str) -> Vec<String> {
        catalog::load_errors_with_assert("test-file-check", assert)
    }

    #[test]
    fn accepts_roles_and_file_operators() {
        let errors = load("      kind: file\n      files: [kubelet-config]\n      expect:\n        - { op: mode_at_most, value: \"600\" }\n");
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn unknown_role_and_wrong_operator_are_load_errors_with_lines() {
        let errors = load("      kind: file\n      files: [kubelet-conf]\n      expect:\n        - { op: eq, value: \"600\" }\n");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("zz-test.yaml:10")
                    && e.contains("unknown file role `kubelet-conf`")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("takes `mode_at_most` or `owner`")),
            "{errors:?}"
        );
    }
}
