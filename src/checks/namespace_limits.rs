//! `namespace_limits`: every namespace that runs workloads has a LimitRange or a
//! ResourceQuota.
//!
//! One subject per namespace with at least one workload. The namespace passes when the
//! inventory holds an object of the required kind in it (a LimitRange must also give default
//! limits or requests, the part that bounds containers that set none). Absence decides only
//! where it is known: from a cluster or a snapshot it is `fail`; manifests show only what was
//! given, so there it is `not_applicable` with that reason. A kind that could not be listed is
//! `error`. Namespaces in `exempt_namespaces` are `not_applicable`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::{absence_is_known, evidence, Context, Outcome};
use crate::inventory::{Object, UNSET_NAMESPACE};
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// The kinds a namespace can be required to hold.
const KINDS: &[&str] = &["LimitRange", "ResourceQuota"];

/// Parameters of a `namespace_limits` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// `LimitRange` or `ResourceQuota`.
    pub require: String,
    /// Namespaces not judged.
    pub exempt_namespaces: Vec<String>,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `namespace_limits` assertion of {what}");
        r.known_keys(node, &aw, &["kind", "require", "exempt_namespaces"]);
        let require = r.string(node, "require", &aw)?;
        if !KINDS.contains(&require.as_str()) {
            return r.unknown(node, "require", &aw, &require, KINDS);
        }
        Some(Params {
            require,
            exempt_namespaces: r.string_list(node, "exempt_namespaces", &aw),
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        let what = if self.require == "LimitRange" {
            "a LimitRange that gives containers default limits"
        } else {
            "a ResourceQuota"
        };
        format!("Every namespace that runs workloads has {what}")
    }
}

/// Whether a LimitRange gives containers that set nothing a default limit: `default` in a
/// `Container` item of its `spec.limits`, or `max`, from which the API server fills in the
/// default limit when the LimitRange is created ("If a default limit is unspecified, but the
/// max is specified, default the limit to the max"). `defaultRequest` and `min` give requests
/// only (a minimum becomes the default request), so a container can still use the whole node.
fn gives_defaults(range: &Object) -> bool {
    let set = |l: &crate::document::Doc, k: &str| {
        l.get(k)
            .and_then(|d| d.as_object())
            .is_some_and(|m| !m.is_empty())
    };
    range
        .value
        .get("spec")
        .and_then(|s| s.get("limits"))
        .and_then(|l| l.as_array())
        .is_some_and(|limits| {
            limits.iter().any(|l| {
                // Only a `Container` item gives containers anything (the API accepts defaults
                // on no other type).
                l.get("type").and_then(|t| t.as_str()) == Some("Container")
                    && ["default", "max"].iter().any(|k| set(l, k))
            })
        })
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    let kind = p.require.as_str();
    evidence::kinds_not_collected(check, inv, &[kind], &mut out);
    // Which namespaces hold workloads is read from the workload lists.
    evidence::kinds_not_collected(
        check,
        inv,
        crate::checks::workload::WORKLOAD_KINDS,
        &mut out,
    );
    if !out.findings.is_empty() {
        return out;
    }
    let mut held: BTreeMap<&str, Vec<&Object>> = BTreeMap::new();
    // Objects written without a namespace land wherever they are applied: named where a
    // named namespace's verdict cannot use them.
    let mut unplaced: Vec<&str> = Vec::new();
    for o in inv.of_kind(kind) {
        let Some(ns) = o.namespace.as_deref() else {
            continue;
        };
        held.entry(ns).or_default().push(o);
        if ns == UNSET_NAMESPACE && (kind != "LimitRange" || gives_defaults(o)) {
            unplaced.push(&o.name);
        }
    }
    let known = absence_is_known(inv);
    for (ns, n_workloads) in ctx.workloads_per_namespace() {
        let subject = evidence::namespace(inv.find_named("Namespace", ns), ns);
        if p.exempt_namespaces.iter().any(|e| e == ns) {
            out.findings
                .push(evidence::exempt_namespace(check, subject, ns));
            continue;
        }
        let here = held.get(ns).map(Vec::as_slice).unwrap_or_default();
        let deciding = if kind == "LimitRange" {
            here.iter().find(|o| gives_defaults(o))
        } else {
            here.first()
        };
        let names: Vec<Value> = here.iter().map(|o| json!(o.name)).collect();
        let expected = if kind == "LimitRange" {
            "a LimitRange with default container limits"
        } else {
            "a ResourceQuota"
        };
        let observation = |holds: bool| Observation {
            source: deciding
                .or(here.first())
                .map(|o| o.origin.describe())
                .or_else(|| inv.find_named("Namespace", ns).map(|n| n.origin.describe()))
                .unwrap_or_else(|| format!("workloads of namespace {ns}")),
            path: format!("namespace {ns}: {kind} objects"),
            observed: json!({ "objects": names, "workloads": n_workloads }),
            expected: expected.into(),
            holds,
            note: None,
        };
        let (status, observations, message) = match deciding {
            Some(o) => (
                Status::Pass,
                if ctx.pass_evidence() {
                    vec![observation(true)]
                } else {
                    Vec::new()
                },
                format!("namespace {ns} has {kind} {}", o.name),
            ),
            None if !here.is_empty() => (
                Status::Fail,
                vec![observation(false)],
                format!(
                    "namespace {ns} runs {n_workloads} workload(s); its LimitRange {} gives containers no default limit (no `default` or `max` in a Container item)",
                    here.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ),
            None if !known => (
                Status::NotApplicable,
                Vec::new(),
                format!(
                    "the manifests hold no {kind} for namespace {ns}; whether the cluster has one is not in the input{}",
                    match unplaced.as_slice() {
                        _ if ns == UNSET_NAMESPACE => String::new(),
                        [] => String::new(),
                        names => format!(
                            " ({kind} {} is written without a namespace: it counts only if applied in namespace {ns})",
                            names.join(", ")
                        ),
                    }
                ),
            ),
            None if kind == "LimitRange" => (
                Status::Fail,
                vec![observation(false)],
                format!(
                    "namespace {ns} runs {n_workloads} workload(s) and has no LimitRange: containers that set no requests or limits get none"
                ),
            ),
            None => (
                Status::Fail,
                vec![observation(false)],
                format!(
                    "namespace {ns} runs {n_workloads} workload(s) and has no ResourceQuota: nothing caps what it may consume"
                ),
            ),
        };
        let finding = evidence::finding(check, status, subject, observations, message);
        // Not applicable here only when the manifests cannot show the namespace's objects.
        out.findings.push(finding.not_assessed_if_not_applicable());
    }
    if out.findings.is_empty() {
        out.empty_reason = "no workloads in the inventory".into();
    }
    out
}
