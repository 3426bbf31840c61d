//! `policy_engine`: what the known admission policy engines (Kyverno, Gatekeeper,
//! Kubewarden, …) in the input can refuse.
//!
//! An engine is seen through its webhook configurations (matched by name against the
//! catalog's `policy_engines`) and, where the input holds them, through its policy objects.
//! A webhook only counts as a pod mechanism when it is sent pods (its rules cover pods or a
//! workload that makes them, and its `namespaceSelector` selects the namespace) and the
//! engine's policies in the input can refuse a pod there: a validate rule that enforces
//! (not one that audits, warns or dry-runs, nor one that matches other kinds only). An
//! engine none of whose policies are in the input may hold anything: what it enforces is
//! not read, so the checks say so (`manual`) instead of passing or failing on it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::checks::admission::rules_cover_pods;
use crate::checks::path::Lookup;
use crate::checks::selector;
use crate::document::Doc;
use crate::inventory::{Inventory, Object};
use crate::results::Observation;

/// Kinds whose objects make pods: a policy on any of them refuses a pod being made (Kyverno
/// also writes its Pod rules onto these).
const POD_MAKER_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// One policy object of an engine.
struct Policy<'a> {
    engine: &'static str,
    /// Whether it can refuse a pod (or a workload making pods) at admission.
    refuses_pods: bool,
    /// The namespace a namespaced policy (Kyverno `Policy`, Kubewarden `AdmissionPolicy`)
    /// is limited to; `None` for cluster-wide ones.
    namespace: Option<&'a str>,
}

/// Whether a kind name as the engines write it (`Pod`, `apps/v1/Deployment`, `*`, `Pod/exec`
/// for a subresource) names objects that make pods.
fn kind_makes_pods(kind: &str) -> bool {
    let parts: Vec<&str> = kind.split('/').collect();
    // The kind is the part that starts with a capital (`[group/][version/]Kind`); a part
    // after it is a subresource, which makes no pod. Without one, a last `*` is every kind.
    match parts
        .iter()
        .position(|p| p.starts_with(|c: char| c.is_ascii_uppercase()))
    {
        Some(at) => at + 1 == parts.len() && POD_MAKER_KINDS.contains(&parts[at]),
        None => parts.last() == Some(&"*"),
    }
}

fn text(d: Option<&Doc>, key: &str) -> Option<String> {
    d.and_then(|d| d.get(key))
        .and_then(Doc::as_str)
        .map(str::to_ascii_lowercase)
}

fn strings(d: Option<&Doc>) -> impl Iterator<Item = &str> {
    d.and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .filter_map(Doc::as_str)
}

/// Whether a Kyverno rule's `match` names a kind that makes pods (`resources.kinds`, under
/// `any`/`all` too).
fn kyverno_rule_on_pods(rule: &Doc) -> bool {
    let m = rule.get("match");
    let mut blocks: Vec<&Doc> = m.into_iter().collect();
    for key in ["any", "all"] {
        blocks.extend(
            m.and_then(|m| m.get(key))
                .and_then(Doc::as_array)
                .into_iter()
                .flatten(),
        );
    }
    blocks
        .iter()
        .any(|b| strings(b.at("/resources/kinds")).any(kind_makes_pods))
}

/// Whether an override list (`validationFailureActionOverrides`, a rule's
/// `failureActionOverrides`) turns enforcement on somewhere.
fn overrides_enforce(list: Option<&Doc>) -> bool {
    list.and_then(Doc::as_array).is_some_and(|a| {
        a.iter()
            .any(|o| text(Some(o), "action").as_deref() == Some("enforce"))
    })
}

/// A policy object of a known engine; `None` for anything else (or a kind this does not
/// read).
fn policy(o: &Object) -> Option<Policy<'_>> {
    let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let spec = o.value.get("spec");
    let namespace = || o.namespace.as_deref();
    let (engine, refuses_pods, namespace) = match (group, o.kind.as_str()) {
        // Kyverno: a validate rule on pods whose `failureAction` (else the policy's
        // `validationFailureAction`, Audit when unset) is Enforce, or is overridden to Enforce
        // somewhere; nothing when `admission: false` (background scans only).
        ("kyverno.io", kind @ ("ClusterPolicy" | "Policy")) => {
            let default = text(spec, "validationFailureAction").unwrap_or_else(|| "audit".into());
            let admission = spec
                .and_then(|s| s.get("admission"))
                .and_then(Doc::as_bool)
                .unwrap_or(true);
            let policy_overrides =
                overrides_enforce(spec.and_then(|s| s.get("validationFailureActionOverrides")));
            let refuses = admission
                && kyverno_rules(spec).any(|r| {
                    let Some(v) = r.get("validate") else {
                        return false;
                    };
                    let enforces = text(Some(v), "failureAction")
                        .unwrap_or_else(|| default.clone())
                        == "enforce"
                        || overrides_enforce(v.get("failureActionOverrides"))
                        || policy_overrides;
                    enforces && kyverno_rule_on_pods(r)
                });
            (
                "kyverno",
                refuses,
                (kind == "Policy").then(namespace).flatten(),
            )
        }
        // Kyverno's CEL policies: `validationActions` with Deny on pods, unless admission
        // is switched off.
        ("policies.kyverno.io", kind @ ("ValidatingPolicy" | "NamespacedValidatingPolicy")) => {
            let denies = strings(spec.and_then(|s| s.get("validationActions")))
                .any(|a| a.eq_ignore_ascii_case("deny"));
            let admission = spec
                .and_then(|s| s.at("/evaluation/admission/enabled"))
                .and_then(Doc::as_bool)
                .unwrap_or(true);
            let on_pods = rules_cover_pods(
                spec.and_then(|s| s.at("/matchConstraints/resourceRules"))
                    .and_then(Doc::as_array)
                    .into_iter()
                    .flatten(),
            );
            (
                "kyverno",
                denies && admission && on_pods,
                (kind == "NamespacedValidatingPolicy")
                    .then(namespace)
                    .flatten(),
            )
        }
        // Gatekeeper constraints: `enforcementAction` deny (the default), or scoped with
        // deny at the webhook's enforcement point (`validation.gatekeeper.sh` or `*`; the
        // audit point only reports); on pods: `match.kinds` absent (every kind) or naming one
        // that makes pods.
        ("constraints.gatekeeper.sh", _) => {
            let refuses = match text(spec, "enforcementAction").as_deref() {
                None | Some("deny") => true,
                Some("scoped") => spec
                    .and_then(|s| s.get("scopedEnforcementActions"))
                    .and_then(Doc::as_array)
                    .is_some_and(|a| {
                        a.iter().any(|x| {
                            text(Some(x), "action").as_deref() == Some("deny")
                                && x.get("enforcementPoints")
                                    .and_then(Doc::as_array)
                                    .is_some_and(|points| {
                                        points.iter().any(|p| {
                                            matches!(
                                                p.get("name").and_then(Doc::as_str),
                                                Some("validation.gatekeeper.sh" | "*")
                                            )
                                        })
                                    })
                        })
                    }),
                Some(_) => false,
            };
            let on_pods = match spec.and_then(|s| s.at("/match/kinds")) {
                None | Some(Doc::Null) => true,
                Some(kinds) => kinds.as_array().into_iter().flatten().any(|k| {
                    k.get("kinds").is_none() || strings(k.get("kinds")).any(kind_makes_pods)
                }),
            };
            ("gatekeeper", refuses && on_pods, None)
        }
        // Kubewarden: `mode` protect (the default) refuses, monitor only logs; on pods when
        // its webhook-style `rules` cover them.
        ("policies.kubewarden.io", kind @ ("ClusterAdmissionPolicy" | "AdmissionPolicy")) => {
            let on_pods = rules_cover_pods(
                spec.and_then(|s| s.get("rules"))
                    .and_then(Doc::as_array)
                    .into_iter()
                    .flatten(),
            );
            (
                "kubewarden",
                text(spec, "mode").as_deref() != Some("monitor") && on_pods,
                (kind == "AdmissionPolicy").then(namespace).flatten(),
            )
        }
        _ => return None,
    };
    Some(Policy {
        engine,
        refuses_pods,
        namespace,
    })
}

fn kyverno_rules(spec: Option<&Doc>) -> impl Iterator<Item = &Doc> {
    spec.and_then(|s| s.get("rules"))
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
}

/// What the input shows of one engine's policies.
#[derive(Default)]
struct Seen {
    /// Policy objects in the input.
    policies: usize,
    /// A cluster-wide policy can refuse a pod.
    cluster_refuses: bool,
    /// Namespaces where a namespaced policy can refuse a pod.
    namespaces: BTreeSet<String>,
}

/// A webhook configuration of a known engine that is sent pods.
pub struct Hook<'a> {
    engine: String,
    /// The evidence: the configuration, as an observation.
    pub observation: Observation,
    /// The `namespaceSelector` of each of its webhooks that covers pods (`None`: all
    /// namespaces).
    selectors: Vec<Option<&'a Doc>>,
}

/// The known engines of an input and what their policies can refuse.
pub struct Engines<'a> {
    seen: BTreeMap<&'static str, Seen>,
    hooks: Vec<Hook<'a>>,
}

impl<'a> Engines<'a> {
    /// Reads the policy objects and the webhook configurations of `engines` (name fragments
    /// of their webhook configurations) in the input.
    pub fn read(inv: &'a Inventory, engines: &[String]) -> Engines<'a> {
        let mut seen: BTreeMap<&'static str, Seen> = BTreeMap::new();
        for o in &inv.objects {
            let Some(p) = policy(o) else { continue };
            let s = seen.entry(p.engine).or_default();
            s.policies += 1;
            match (p.refuses_pods, p.namespace) {
                (false, _) => {}
                (true, None) => s.cluster_refuses = true,
                (true, Some(ns)) => {
                    s.namespaces.insert(ns.to_string());
                }
            }
        }
        let mut hooks = Vec::new();
        if !engines.is_empty() {
            for kind in [
                "ValidatingWebhookConfiguration",
                "MutatingWebhookConfiguration",
            ] {
                for w in inv.of_kind(kind) {
                    let name = w.name.to_ascii_lowercase();
                    let Some(engine) = engines.iter().find(|e| name.contains(e.as_str())) else {
                        continue;
                    };
                    let selectors: Vec<Option<&Doc>> = w
                        .value
                        .get("webhooks")
                        .and_then(Doc::as_array)
                        .into_iter()
                        .flatten()
                        .filter(|h| {
                            rules_cover_pods(
                                h.get("rules").and_then(Doc::as_array).into_iter().flatten(),
                            )
                        })
                        .map(|h| h.get("namespaceSelector").filter(|s| !s.is_null()))
                        .collect();
                    if selectors.is_empty() {
                        continue;
                    }
                    hooks.push(Hook {
                        engine: engine.clone(),
                        observation: Observation {
                            source: w.origin.describe(),
                            path: format!("{kind} {}", w.name),
                            observed: json!(w.name),
                            expected: "an active policy mechanism".into(),
                            holds: true,
                            note: Some("policy engine webhook".into()),
                        },
                        selectors,
                    });
                }
            }
        }
        Engines { seen, hooks }
    }

    fn seen(&self, engine: &str) -> Option<&Seen> {
        self.seen
            .iter()
            .find(|(e, _)| **e == engine)
            .map(|(_, s)| s)
    }

    /// Whether an engine's policies may refuse a pod in `namespace` (any namespace when
    /// `None`): it has none in the input (what it enforces is not read), or one that can.
    fn may_refuse(&self, engine: &str, namespace: Option<&str>) -> bool {
        self.seen(engine).is_none_or(|s| {
            s.policies == 0
                || s.cluster_refuses
                || namespace.map_or(!s.namespaces.is_empty(), |n| s.namespaces.contains(n))
        })
    }

    /// The webhooks that may refuse a pod anywhere in the cluster.
    pub fn hooks(&self) -> impl Iterator<Item = &Hook<'a>> {
        self.hooks
            .iter()
            .filter(|h| self.may_refuse(&h.engine, None))
    }

    /// The webhooks that are sent the pods of namespace `name` (labels `labels`, the
    /// `kubernetes.io/metadata.name` label added) and whose engine may refuse one there.
    pub fn hooks_for_namespace(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Vec<&Hook<'a>> {
        let mut labels = labels.clone();
        labels.insert("kubernetes.io/metadata.name".into(), name.into());
        self.hooks
            .iter()
            .filter(|h| {
                h.selectors
                    .iter()
                    .any(|s| s.is_none_or(|s| selector::selects(s, &labels)))
                    && self.may_refuse(&h.engine, Some(name))
            })
            .collect()
    }

    /// The engines with a webhook for pods whose policies in the input refuse no pod
    /// anywhere: why each counts for nothing, in words.
    pub fn refusing_nothing(&self) -> Vec<String> {
        let engines: BTreeSet<&str> = self.hooks.iter().map(|h| h.engine.as_str()).collect();
        engines
            .into_iter()
            .filter(|e| !self.may_refuse(e, None))
            .filter_map(|e| {
                let n = self.seen(e)?.policies;
                Some(format!(
                    "{e}'s {n} policy object(s) in the input refuse no pod (they only audit, warn, dry-run or mutate, are switched off for admission, or apply to other kinds), so its webhook refuses nothing"
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_that_make_pods() {
        for k in [
            "Pod",
            "v1/Pod",
            "apps/v1/Deployment",
            "batch/*/CronJob",
            "*",
        ] {
            assert!(kind_makes_pods(k), "{k}");
        }
        for k in ["ConfigMap", "Pod/exec", "v1/Pod/status", "Namespace", ""] {
            assert!(!kind_makes_pods(k), "{k}");
        }
    }
}
