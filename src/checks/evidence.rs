//! Building findings from objects: the subject (with file and line when read from a file) and
//! the source of each observation (the field's own line when known).

use std::sync::Arc;

use crate::catalog::Check;
use crate::checks::Outcome;
use crate::inventory::{Inventory, KindState, Object, Origin};
use crate::results::{Finding, Observation, Status, Subject};

/// The subject of a finding about an object: the object's own, shared.
pub fn subject(obj: &Object) -> Arc<Subject> {
    obj.subject().clone()
}

/// The subject of namespace `name`: its object's when the input has it, else one that only
/// names it (a namespace known from the workloads in it).
pub fn namespace(obj: Option<&Object>, name: &str) -> Arc<Subject> {
    match obj {
        Some(obj) => subject(obj),
        None => Arc::new(Subject {
            kind: "Namespace".into(),
            name: name.into(),
            ..Subject::default()
        }),
    }
}

/// Where a field of an object was read: `file:line` of the field itself when known, else of
/// the nearest enclosing field the file has (a missing label points at `metadata.labels`, a
/// volume's `@keys` at the volume), else of the object.
pub fn source(obj: &Object, path: &str) -> String {
    let line = std::iter::successors(Some(path), |p| parent(p)).find_map(|p| obj.line_of(p));
    match (&obj.origin, line) {
        (Origin::File { path: file, .. }, Some(line)) => file_line("", file, line),
        (Origin::Demo { file, .. }, Some(line)) => file_line("demo/", file, line),
        (origin, _) => origin.describe(),
    }
}

/// `{prefix}{file}:{line}`, written straight into one string (this runs for every
/// observation recorded).
fn file_line(prefix: &str, file: &str, line: u32) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(prefix.len() + file.len() + 11);
    s.push_str(prefix);
    s.push_str(file);
    s.push(':');
    // Writing into a String cannot fail.
    let _ = write!(s, "{line}");
    s
}

/// The path one step up: `a.b[0]` → `a.b`, `a["x.y"]` → `a`, `a.@keys` → `a`, `a` → ``;
/// `None` above the root. A bracketed key is a JSON string, so an unescaped `["` only ever
/// opens a segment.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = if path.ends_with("\"]") {
        path.rfind("[\"")
    } else if path.ends_with(']') {
        path.rfind('[')
    } else {
        Some(path.rfind('.').unwrap_or(0))
    };
    Some(&path[..cut.unwrap_or(0)])
}

/// A pass recorded without observations or words, for a report that keeps passes compact
/// (see `Context::pass_evidence`).
pub fn compact_pass(check: &Check, subject: Arc<Subject>) -> Finding {
    finding(check, Status::Pass, subject, Vec::new(), String::new())
}

/// A finding for a check.
pub fn finding(
    check: &Check,
    status: Status,
    subject: impl Into<Arc<Subject>>,
    observations: Vec<Observation>,
    message: String,
) -> Finding {
    Finding {
        check: check.id.clone(),
        status,
        severity: check.severity,
        subject: subject.into(),
        observations,
        message,
        waiver: None,
        unassessed: false,
    }
}

/// An `error` finding for each of `kinds` that was not collected (listing failed, or the
/// server does not serve it): the check cannot tell "none" from "could not look" for them.
pub fn kinds_not_collected(check: &Check, inv: &Inventory, kinds: &[&str], out: &mut Outcome) {
    for kind in kinds {
        if let KindState::Failed(reason) | KindState::NotServed(reason) = inv.kind_state(kind) {
            out.findings.push(about_kind(
                check,
                Status::Error,
                kind,
                format!("could not assess {kind} objects: {reason}"),
            ));
        }
    }
}

/// The `not_applicable` finding for a namespace the check's `exempt_namespaces` lists.
pub fn exempt_namespace(check: &Check, subject: Arc<Subject>, ns: &str) -> Finding {
    finding(
        check,
        Status::NotApplicable,
        subject,
        Vec::new(),
        format!("namespace {ns}{EXEMPT}"),
    )
}

/// How an exempt namespace's finding ends (see [`exempt_namespace`]); the check's summary
/// names these namespaces, so that an item passing on the others says what it left out.
pub const EXEMPT: &str = " is exempt from this check (system namespace)";

/// The namespaces exempt findings name, in order, once each.
pub fn exempt_namespaces(findings: &[Finding]) -> Vec<&str> {
    let mut out: Vec<&str> = findings
        .iter()
        .filter(|f| f.status == Status::NotApplicable)
        .filter_map(|f| f.message.strip_prefix("namespace ")?.strip_suffix(EXEMPT))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A finding that says the check could not look at (or had nothing to look at for) a kind.
pub fn about_kind(check: &Check, status: Status, kind: &str, message: String) -> Finding {
    finding(
        check,
        status,
        Subject {
            kind: kind.into(),
            name: "*".into(),
            ..Subject::default()
        },
        Vec::new(),
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::parent;

    #[test]
    fn parent_steps_up_one_segment() {
        let up = |p| parent(p);
        assert_eq!(up("spec.volumes[0].@keys"), Some("spec.volumes[0]"));
        assert_eq!(up("spec.volumes[0]"), Some("spec.volumes"));
        assert_eq!(
            up(r#"metadata.labels["pod-security.kubernetes.io/enforce"]"#),
            Some("metadata.labels")
        );
        assert_eq!(up(r#"data["a.b"].x"#), Some(r#"data["a.b"]"#));
        assert_eq!(up("automountServiceAccountToken"), Some(""));
        assert_eq!(up(""), None);
    }
}
