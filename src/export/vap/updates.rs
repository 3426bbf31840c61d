//! Which UPDATE requests an exported policy judges: its `matchConditions` entry.
//!
//! A policy matches CREATE and UPDATE. Judging every UPDATE would make an object that was
//! admitted before the policy was bound (or before a check was added) impossible to touch
//! while it is out of line: under `Deny`, no label, annotation, `ownerReference` (a
//! controller adopting or orphaning a Pod) or finalizer could change, and a finalizer that
//! cannot be removed keeps the object terminating. Pod Security admission exempts such
//! updates ("any metadata updates", except its seccomp and AppArmor annotations), so the
//! policies do too, with one match condition
//! (`admissionregistration.k8s.io/v1`, `spec.matchConditions`): a request is judged when it
//! is not an UPDATE, or when it changes what the check's verdict rests on, compared
//! between `object` and `oldObject` (the object as stored; null on CREATE, which the
//! first clause short-circuits):
//!
//! - a Pod: its `spec` (every container, including the ephemeral ones a `kubectl debug`
//!   adds through `pods/ephemeralcontainers`), and the metadata fields the check reads
//!   through `pod_meta` (`metadata.annotations` for the AppArmor check);
//! - a workload (Deployment … CronJob, PodTemplate): its pod template, metadata included
//!   (`spec.template`, `spec.jobTemplate.spec.template`, `template`), so scaling
//!   (`spec.replicas`) or the controller's own annotations leave an older workload alone,
//!   while any change to the pods it makes is judged;
//! - either: the fields of the object itself the check reads (`object.…` paths: the
//!   top-level field, or the metadata field), but never `apiVersion`, `kind`,
//!   `metadata.name`/`namespace`/`uid`, which an UPDATE cannot change;
//! - another kind (target `objects`): only the fields the check reads, as above.
//!
//! Match conditions see the same variables as validations. When a condition is false the
//! policy is skipped for that request; when it fails to evaluate, `failurePolicy: Fail`
//! rejects the request. A check whose paths do not start with a field name (so what it
//! reads cannot be told apart) gets no condition: every UPDATE is judged.
//!
//! Stricter than Pod Security admission on purpose: it also exempts updates of
//! `spec.activeDeadlineSeconds` and `spec.tolerations` alone; here any change of the spec
//! is judged, as the whole spec is what the check read.

use std::collections::BTreeSet;

use crate::checks::fields::{Params, Target};
use crate::checks::path::Segment;

use super::key_access;

/// The match condition's name (a qualified name, unique in the policy).
pub const NAME: &str = "create-or-judged-fields-changed";

/// Fields of an object an UPDATE cannot change (as admission sees the object and the
/// stored one in the same version).
const IMMUTABLE: &[&[&str]] = &[
    &["apiVersion"],
    &["kind"],
    &["metadata", "name"],
    &["metadata", "namespace"],
    &["metadata", "uid"],
];

/// The pod template of a workload below `root` (`object` or `oldObject`).
fn template_of(root: &str) -> String {
    format!(
        "({root}.kind == 'CronJob' ? {root}.spec.jobTemplate.spec.template : ({root}.kind == 'PodTemplate' ? {root}.template : {root}.spec.template))"
    )
}

/// The match condition (CEL, true = judge the request) of a policy enforcing `p`; `None`
/// when every UPDATE must be judged (what the check reads cannot be narrowed to fields).
pub(super) fn condition(p: &Params) -> Result<Option<String>, String> {
    let mut object_fields: BTreeSet<Vec<&str>> = BTreeSet::new();
    let mut pod_meta: BTreeSet<Vec<&str>> = BTreeSet::new();
    let read = p.when.iter().chain(&p.expect).flat_map(|c| &c.paths);
    for path in read.chain(p.each.as_ref()) {
        // `each` is parsed below `object` (`object.spec.rules[*]`).
        match path.root.as_str() {
            "object" => match field(&path.segments) {
                Some(f) => {
                    object_fields.insert(f);
                }
                None => return Ok(None),
            },
            "pod_meta" => {
                let mut f = vec!["metadata"];
                if let Some(Segment::Key(k)) = path.segments.first() {
                    f.push(k.as_str());
                }
                pod_meta.insert(f);
            }
            // `pod`, `container`: inside the pod spec or template, compared whole below;
            // `item`: below the `each` path, whose own field is compared.
            _ => {}
        }
    }
    object_fields.retain(|f| !IMMUTABLE.contains(&f.as_slice()));
    let mut clauses = vec!["request.operation != 'UPDATE'".to_string()];
    if p.target != Target::Objects {
        let mut pod = vec![changed(&["spec"])?];
        for f in &pod_meta {
            pod.push(changed(f)?);
        }
        clauses.push(format!(
            "(object.kind == 'Pod' ? ({}) : ({} != {}))",
            pod.join(" || "),
            template_of("object"),
            template_of("oldObject")
        ));
    }
    for f in &object_fields {
        clauses.push(changed(f)?);
    }
    Ok(Some(clauses.join(" || ")))
}

/// The field of the object a path below it reads, as compared on UPDATE: the top-level
/// field (`spec`, `automountServiceAccountToken`) or, under `metadata`, the metadata field
/// (`metadata.labels`). `None` for a path that does not start with a field name.
fn field(segments: &[Segment]) -> Option<Vec<&str>> {
    match segments {
        [Segment::Key(m), Segment::Key(k), ..] if m == "metadata" => Some(vec![m, k]),
        [Segment::Key(f), ..] => Some(vec![f]),
        _ => None,
    }
}

/// Whether a field differs between `object` and `oldObject`: present in one only, or in
/// both with different values. Every field but the last is one every object has
/// (`metadata`).
fn changed(field: &[&str]) -> Result<String, String> {
    let (mut new, mut old) = ("object".to_string(), "oldObject".to_string());
    let (mut has_new, mut has_old) = (String::new(), String::new());
    for k in field {
        let (h, g) = key_access(&new, k)?;
        let (ho, go) = key_access(&old, k)?;
        (has_new, new, has_old, old) = (h, g, ho, go);
    }
    Ok(format!(
        "({has_new} != {has_old} || ({has_new} && {new} != {old}))"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_compared_present_or_absent() {
        assert_eq!(
            changed(&["metadata", "annotations"]).expect("cel"),
            "(has(object.metadata.annotations) != has(oldObject.metadata.annotations) || (has(object.metadata.annotations) && object.metadata.annotations != oldObject.metadata.annotations))"
        );
        assert_eq!(
            field(&[Segment::Key("spec".into()), Segment::Wildcard]),
            Some(vec!["spec"])
        );
        assert_eq!(field(&[Segment::Wildcard]), None);
    }
}
