//! Building findings from objects: the subject (with file and line when read from a file) and
//! the source of each observation (the field's own line when known).

use std::sync::Arc;

use crate::catalog::Check;
use crate::inventory::{Object, Origin};
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

/// Where a field of an object was read: `file:line` of the field itself when known.
pub fn source(obj: &Object, path: &str) -> String {
    match (&obj.origin, obj.line_of(path)) {
        (Origin::File { path: file, .. }, Some(line)) => format!("{file}:{line}"),
        (Origin::Demo { file, .. }, Some(line)) => format!("demo/{file}:{line}"),
        (origin, _) => origin.describe(),
    }
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
    }
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
