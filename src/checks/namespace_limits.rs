//! `namespace_limits`: every namespace that runs workloads has a LimitRange or a
//! ResourceQuota.
//!
//! One subject per namespace with at least one workload. The namespace passes when the
//! inventory holds an object of the required kind in it that bounds cpu or memory: a
//! LimitRange must give containers a non-zero default cpu or memory limit (the part that
//! bounds containers that set none); a ResourceQuota must cap cpu or memory (non-zero, in
//! `hard`) for every pod of the namespace, so without `scopes` or `scopeSelector`. The
//! evidence names what the objects found lack. Absence decides only
//! where it is known: from a cluster or a snapshot it is `fail`; manifests show only what was
//! given, so there it is `not_applicable` with that reason. A kind that could not be listed is
//! `error`. Namespaces in `exempt_namespaces` are `not_applicable`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::condition::{number, text};
use crate::checks::{absence_is_known, evidence, Context, Outcome};
use crate::document::Doc;
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
            "a LimitRange that gives containers a non-zero default cpu or memory limit"
        } else {
            "a ResourceQuota, not scoped, whose `hard` caps cpu or memory (non-zero)"
        };
        format!("Every namespace that runs workloads has {what}")
    }
}

/// The resources whose limit bounds a container: a limit of 0 is none (the kubelet sets no
/// CFS quota and no memory limit for it).
const BOUNDING: &[&str] = &["cpu", "memory"];

/// The `hard` figures of a ResourceQuota that cap what pods may use of cpu or memory.
const QUOTA_COMPUTE: &[&str] = &[
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

/// Whether a quantity is above zero (`"0"`, `0m`, `0Mi`, `0.0`, `0e3` are not; nor is what
/// cannot be read as a quantity).
fn non_zero(v: &Doc) -> bool {
    number(v).is_some_and(|n| n > 0.0)
}

/// `resource value` pairs for a sentence: `cpu 0, ephemeral-storage 2Gi`.
fn listed(given: &BTreeMap<String, String>) -> String {
    given
        .iter()
        .map(|(r, v)| format!("{r} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which of cpu and memory a LimitRange gives containers that set nothing a non-zero limit
/// for, or, when neither, what it gives instead, in words. Per resource the limit is the
/// `default` of a `Container` item, else its `max`, from which the API server fills in the
/// default limit when the LimitRange is created ("If a default limit is unspecified, but the
/// max is specified, default the limit to the max"). `defaultRequest` and `min` give
/// requests only (a minimum becomes the default request), so a container can still use the
/// whole node; a default of 0, or one for `ephemeral-storage` only, bounds neither.
fn limit_range_bounds(range: &Object) -> Result<Vec<String>, String> {
    let mut given: BTreeMap<String, String> = BTreeMap::new();
    let mut bounded: Vec<String> = Vec::new();
    let items = range
        .value
        .get("spec")
        .and_then(|s| s.get("limits"))
        .and_then(|l| l.as_array())
        .unwrap_or_default();
    // Only a `Container` item gives containers anything (the API accepts defaults on no
    // other type).
    for item in items
        .iter()
        .filter(|l| l.get("type").and_then(|t| t.as_str()) == Some("Container"))
    {
        for key in ["default", "max"] {
            for (resource, v) in item
                .get(key)
                .and_then(|d| d.as_object())
                .into_iter()
                .flat_map(|m| m.iter())
            {
                if given.contains_key(resource) {
                    continue;
                }
                given.insert(resource.to_string(), text(v));
                if BOUNDING.contains(&resource)
                    && non_zero(v)
                    && !bounded.iter().any(|b| b == resource)
                {
                    bounded.push(resource.to_string());
                }
            }
        }
    }
    bounded.sort();
    if !bounded.is_empty() {
        return Ok(bounded);
    }
    if given.is_empty() {
        return Err(
            "gives containers no default limit (no `default` or `max` in a Container item)".into(),
        );
    }
    let zero = given.keys().any(|r| BOUNDING.contains(&r.as_str()));
    Err(format!(
        "gives containers no cpu or memory limit (its Container item gives {}{})",
        listed(&given),
        if zero {
            "; a limit of 0 is no limit"
        } else {
            ""
        }
    ))
}

/// The cpu and memory figures a ResourceQuota caps for every pod of its namespace, or, when
/// none, what it lacks in words: a quota with `scopes` or a `scopeSelector` counts only the
/// pods that match them (`BestEffort` ones, a priority class), so it caps nothing for the
/// others; one without `hard`, with only object counts (`pods`, `services`), or with cpu and
/// memory figures of 0 caps no cpu or memory.
fn quota_caps(quota: &Object) -> Result<Vec<String>, String> {
    let spec = quota.value.get("spec");
    // A key a ResourceQuota spec does not have (`scope:` for `scopes:`): kubectl refuses it,
    // and forced through it is dropped, so what the quota covers is not known.
    if let Some((key, _)) = spec.and_then(|s| s.as_object()).and_then(|m| {
        m.iter()
            .find(|(k, _)| !matches!(&**k, "hard" | "scopes" | "scopeSelector"))
    }) {
        return Err(format!(
            "has the key `{}` in its spec, which a ResourceQuota does not have (kubectl refuses it), so what it covers is not known",
            crate::quote::bounded(key, 80)
        ));
    }
    let mut scoped: Vec<String> = spec
        .and_then(|s| s.get("scopes"))
        .and_then(|s| s.as_array())
        .unwrap_or_default()
        .iter()
        .map(text)
        .collect();
    if let Some(sel) = spec.and_then(|s| s.get("scopeSelector")) {
        let expressions = sel
            .get("matchExpressions")
            .and_then(|m| m.as_array())
            .unwrap_or_default();
        scoped.extend(expressions.iter().map(|e| {
            let field = |k: &str| e.get(k).map(text).unwrap_or_default();
            let values = e
                .get("values")
                .and_then(|v| v.as_array())
                .unwrap_or_default()
                .iter()
                .map(text)
                .collect::<Vec<_>>();
            match values.as_slice() {
                [] => format!("{} {}", field("scopeName"), field("operator")),
                v => format!(
                    "{} {} {}",
                    field("scopeName"),
                    field("operator"),
                    v.join("|")
                ),
            }
        }));
        // An empty scopeSelector (`{}`, no expressions) is the AND of nothing: every pod,
        // as without one. One with another key (`matchExpression`) cannot be read.
        if let Some((key, _)) = sel
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| &**k != "matchExpressions"))
        {
            scoped.push(format!(
                "a scopeSelector with the key `{}`, which kubectl refuses (did you mean matchExpressions?)",
                crate::quote::bounded(key, 80)
            ));
        }
    }
    if !scoped.is_empty() {
        return Err(format!(
            "is scoped to {} and so caps only the pods in that scope",
            scoped.join(", ")
        ));
    }
    let hard = spec
        .and_then(|s| s.get("hard"))
        .and_then(|h| h.as_object())
        .filter(|h| !h.is_empty());
    let Some(hard) = hard else {
        return Err("sets no hard limits".into());
    };
    let caps: Vec<String> = hard
        .iter()
        .filter(|(r, v)| QUOTA_COMPUTE.contains(r) && non_zero(v))
        .map(|(r, _)| r.to_string())
        .collect();
    if !caps.is_empty() {
        return Ok(caps);
    }
    let given: BTreeMap<String, String> =
        hard.iter().map(|(r, v)| (r.to_string(), text(v))).collect();
    if given.keys().any(|r| QUOTA_COMPUTE.contains(&r.as_str())) {
        Err(format!(
            "sets its cpu and memory figures to 0 ({})",
            listed(&given)
        ))
    } else {
        Err(format!(
            "caps no cpu or memory (its hard limits: {})",
            listed(&given)
        ))
    }
}

/// What an object of the required kind does for the namespace: the resources it bounds, or
/// what it lacks.
fn bounds(kind: &str, o: &Object) -> Result<Vec<String>, String> {
    if kind == "LimitRange" {
        limit_range_bounds(o)
    } else {
        quota_caps(o)
    }
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
    // Each object judged once: what it bounds, or what it lacks.
    type Judged<'o> = (&'o Object, Result<Vec<String>, String>);
    let mut held: BTreeMap<&str, Vec<Judged>> = BTreeMap::new();
    for o in inv.of_kind(kind) {
        if let Some(ns) = o.namespace.as_deref() {
            held.entry(ns).or_default().push((o, bounds(kind, o)));
        }
    }
    // Objects written without a namespace land wherever they are applied: named where a
    // named namespace's verdict cannot use them.
    let unplaced: Vec<&str> = held
        .get(UNSET_NAMESPACE)
        .into_iter()
        .flatten()
        .filter(|(_, b)| b.is_ok())
        .map(|(o, _)| o.name.as_str())
        .collect();
    let known = absence_is_known(inv);
    for (ns, n_workloads) in ctx.workloads_per_namespace() {
        let subject = evidence::namespace(inv.find_named("Namespace", ns), ns);
        if p.exempt_namespaces.iter().any(|e| e == ns) {
            out.findings
                .push(evidence::exempt_namespace(check, subject, ns));
            continue;
        }
        let judged = held.get(ns).map(Vec::as_slice).unwrap_or_default();
        let here: Vec<&Object> = judged.iter().map(|(o, _)| *o).collect();
        let deciding = judged
            .iter()
            .find_map(|(o, b)| b.as_ref().ok().map(|r| (*o, r)));
        let names: Vec<Value> = here.iter().map(|o| json!(o.name)).collect();
        // What each object found lacks, by name (absent when one counts, or none is there).
        let lacking: serde_json::Map<String, Value> = judged
            .iter()
            .filter_map(|(o, b)| b.as_ref().err().map(|why| (o.name.clone(), json!(why))))
            .collect();
        let expected = if kind == "LimitRange" {
            "a LimitRange with non-zero default cpu or memory limits"
        } else {
            "an unscoped ResourceQuota capping cpu or memory"
        };
        let observation = |holds: bool| Observation {
            source: deciding
                .map(|(o, _)| o)
                .or(here.first().copied())
                .map(|o| o.origin.describe())
                .or_else(|| inv.find_named("Namespace", ns).map(|n| n.origin.describe()))
                .unwrap_or_else(|| format!("workloads of namespace {ns}")),
            path: format!("namespace {ns}: {kind} objects"),
            observed: if lacking.is_empty() || holds {
                json!({ "objects": names, "workloads": n_workloads })
            } else {
                json!({ "objects": names, "workloads": n_workloads, "lacking": lacking })
            },
            expected: expected.into(),
            holds,
            note: None,
        };
        let (status, observations, message) = match deciding {
            Some((o, resources)) => (
                Status::Pass,
                if ctx.pass_evidence() {
                    vec![observation(true)]
                } else {
                    Vec::new()
                },
                format!(
                    "namespace {ns} has {kind} {} ({} {})",
                    o.name,
                    if kind == "LimitRange" {
                        "default container limits for"
                    } else {
                        "caps"
                    },
                    resources.join(", ")
                ),
            ),
            None if !here.is_empty() => (
                Status::Fail,
                vec![observation(false)],
                format!(
                    "namespace {ns} runs {n_workloads} workload(s); {}: {}",
                    if kind == "LimitRange" {
                        "no LimitRange gives its containers a cpu or memory limit"
                    } else {
                        "no ResourceQuota caps its cpu or memory"
                    },
                    judged
                        .iter()
                        .filter_map(|(o, b)| b.as_ref().err().map(|why| format!("{kind} {} {why}", o.name)))
                        .collect::<Vec<_>>()
                        .join("; ")
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(kind: &str, spec: Value) -> Object {
        Object::from_value(
            json!({"apiVersion": "v1", "kind": kind,
                   "metadata": {"name": "x", "namespace": "web"}, "spec": spec}),
            crate::inventory::Origin::Snapshot { path: "t".into() },
            std::collections::BTreeMap::new(),
        )
        .expect("object")
    }

    #[test]
    fn zero_quantities_are_not_limits() {
        for zero in ["0", "0m", "0Mi", "0.0", "0e3", "+0", "-1"] {
            assert!(!non_zero(&Doc::from(json!(zero))), "{zero}");
        }
        assert!(!non_zero(&Doc::from(json!(0))));
        for some in ["1", "100m", "0.1", "1Gi", "2P", "1e3"] {
            assert!(non_zero(&Doc::from(json!(some))), "{some}");
        }
    }

    #[test]
    fn a_limit_range_counts_for_a_non_zero_cpu_or_memory_limit_only() {
        let lr = |item: Value| object("LimitRange", json!({"limits": [item]}));
        assert_eq!(
            limit_range_bounds(&lr(
                json!({"type": "Container", "default": {"memory": "512Mi", "cpu": "0"}})
            )),
            Ok(vec!["memory".to_string()])
        );
        // `default` wins over `max` for the same resource, as the API server fills it in.
        let zero_default = limit_range_bounds(&lr(
            json!({"type": "Container", "default": {"cpu": "0"}, "max": {"cpu": "2"}}),
        ));
        assert!(zero_default
            .unwrap_err()
            .contains("a limit of 0 is no limit"));
        let storage = limit_range_bounds(&lr(
            json!({"type": "Container", "default": {"ephemeral-storage": "1Gi"}}),
        ));
        assert!(storage.unwrap_err().contains("ephemeral-storage 1Gi"));
        assert!(limit_range_bounds(&lr(json!({"type": "Pod", "max": {"cpu": "2"}}))).is_err());
    }

    #[test]
    fn a_quota_counts_when_unscoped_with_cpu_or_memory_in_hard() {
        let q = |spec: Value| quota_caps(&object("ResourceQuota", spec));
        assert_eq!(
            q(json!({"hard": {"limits.memory": "4Gi", "pods": "3"}})),
            Ok(vec!["limits.memory".to_string()])
        );
        assert_eq!(q(json!({})), Err("sets no hard limits".to_string()));
        assert!(q(json!({"hard": {"pods": "100"}}))
            .unwrap_err()
            .contains("pods 100"));
        assert!(q(json!({"hard": {"cpu": "4"}, "scopes": ["BestEffort"]}))
            .unwrap_err()
            .contains("scoped to BestEffort"));
        let selected = q(
            json!({"hard": {"cpu": "4"}, "scopeSelector": {"matchExpressions": [
            {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}}),
        );
        assert!(selected.unwrap_err().contains("PriorityClass In high"));
        assert!(
            q(json!({"hard": {"cpu": "4"}, "scopeSelector": {"matchExpression": []}}))
                .unwrap_err()
                .contains("matchExpression")
        );
        assert!(q(json!({"hard": {"cpu": "4"}, "scope": ["BestEffort"]}))
            .unwrap_err()
            .contains("`scope`"));
        // An empty scope selector selects every pod.
        for empty in [json!({}), json!({"matchExpressions": []})] {
            assert_eq!(
                q(json!({"hard": {"cpu": "4"}, "scopeSelector": empty})),
                Ok(vec!["cpu".to_string()])
            );
        }
        assert!(q(json!({"hard": {"requests.cpu": "0"}}))
            .unwrap_err()
            .contains("to 0"));
    }
}
