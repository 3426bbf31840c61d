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

/// The kinds that make pods, with their API group: a policy on any of them refuses a pod
/// being made (Kyverno also writes its Pod rules onto these).
const POD_MAKERS_BY_GROUP: &[(&str, &str)] = &[
    ("Pod", ""),
    ("ReplicationController", ""),
    ("Deployment", "apps"),
    ("StatefulSet", "apps"),
    ("DaemonSet", "apps"),
    ("ReplicaSet", "apps"),
    ("Job", "batch"),
    ("CronJob", "batch"),
];

/// Where a policy can refuse a pod: in the namespaces whose name matches one of `only`
/// (every namespace when `None`), none of `except`, and whose labels every one of
/// `selectors` selects. Names may hold the engines' `*` and `?` wildcards.
#[derive(Default)]
struct Scope<'a> {
    only: Option<Vec<String>>,
    except: Vec<String>,
    selectors: Vec<&'a Doc>,
}

impl<'a> Scope<'a> {
    fn only(names: Vec<String>) -> Self {
        Scope {
            only: Some(names),
            ..Scope::default()
        }
    }

    /// Every namespace a `namespaceSelector` (if any) selects.
    fn selected(selector: Option<&'a Doc>) -> Self {
        Scope {
            selectors: selector.filter(|s| !s.is_null()).into_iter().collect(),
            ..Scope::default()
        }
    }

    /// Whether it leaves out every namespace (`exclude` or `excludedNamespaces` of `*`).
    fn covers_nothing(&self) -> bool {
        self.except.iter().any(|p| p == "*") || self.only.as_ref().is_some_and(Vec::is_empty)
    }

    fn covers(&self, name: &str, labels: &BTreeMap<String, String>) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|p| wildcard(p, name)))
            && !self.except.iter().any(|p| wildcard(p, name))
            && self.selectors.iter().all(|s| selector::selects(s, labels))
    }
}

/// Whether `name` matches `pattern`, where `*` stands for any text and `?` for one
/// character (Kyverno's and Gatekeeper's namespace patterns).
fn wildcard(pattern: &str, name: &str) -> bool {
    fn at(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| at(rest, &n[i..])),
            Some((b'?', rest)) => !n.is_empty() && at(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && at(rest, &n[1..]),
        }
    }
    at(pattern.as_bytes(), name.as_bytes())
}

/// One policy object of an engine.
struct Policy<'a> {
    engine: &'static str,
    /// Where it can refuse a pod (or a workload making pods) at admission; empty when
    /// nowhere.
    scopes: Vec<Scope<'a>>,
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
        Some(at) => {
            at + 1 == parts.len() && POD_MAKERS_BY_GROUP.iter().any(|(k, _)| *k == parts[at])
        }
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

/// Whether a Kyverno resource filter (`match`/`exclude`, or an item of their `any`/`all`)
/// takes in pods being made: its `resources.kinds` name a kind that makes pods, and its
/// `resources.operations`, if given, include CREATE.
fn kyverno_filter_on_pods(f: &Doc) -> bool {
    let creates = match f.at("/resources/operations") {
        None | Some(Doc::Null) => true,
        Some(ops) => strings(Some(ops)).any(|o| o.eq_ignore_ascii_case("create")),
    };
    creates && strings(f.at("/resources/kinds")).any(kind_makes_pods)
}

/// Whether a Kyverno rule's `match` takes in pods being made: the filter itself, any item
/// of `any`, or every item of `all` (all must hold at once) does.
fn kyverno_rule_on_pods(rule: &Doc) -> bool {
    let Some(m) = rule.get("match") else {
        return false;
    };
    let list = |key| m.get(key).and_then(Doc::as_array);
    let all = list("all").filter(|a| !a.is_empty());
    (m.get("resources").is_some() && kyverno_filter_on_pods(m))
        || list("any").is_some_and(|a| a.iter().any(kyverno_filter_on_pods))
        || all.is_some_and(|a| a.iter().all(kyverno_filter_on_pods))
}

/// Whether a Kyverno rule's `exclude` leaves out every pod: a filter (itself or an item of
/// `any`) that names a kind making pods and nothing else that would narrow it (names,
/// namespaces, selectors, operations, subjects or roles).
fn kyverno_excludes_all_pods(rule: &Doc) -> bool {
    let Some(x) = rule.get("exclude") else {
        return false;
    };
    kyverno_exclude_filters(x).any(|f| {
        kyverno_filter_only(f, "kinds") && strings(f.at("/resources/kinds")).any(kind_makes_pods)
    })
}

/// The filters of a Kyverno `exclude` that each exclude on their own: the block itself and
/// the items of its `any`.
fn kyverno_exclude_filters(x: &Doc) -> impl Iterator<Item = &Doc> {
    std::iter::once(x).chain(x.get("any").and_then(Doc::as_array).into_iter().flatten())
}

/// Whether a Kyverno filter selects by `resources.<key>` alone: no other resource field
/// and no `subjects`, `roles` or `clusterRoles`, which would narrow it to some requests.
fn kyverno_filter_only(f: &Doc, key: &str) -> bool {
    f.get("resources")
        .and_then(Doc::as_object)
        .is_some_and(|r| r.iter().all(|(k, _)| k == key))
        && ["subjects", "roles", "clusterRoles"]
            .iter()
            .all(|k| f.get(k).is_none_or(Doc::is_null))
}

/// The namespaces a Kyverno resource filter names (`resources.namespaces`), if any.
fn kyverno_namespaces(f: &Doc) -> Option<Vec<String>> {
    let names: Vec<String> = strings(f.at("/resources/namespaces"))
        .map(str::to_string)
        .collect();
    (!names.is_empty()).then_some(names)
}

/// Where a Kyverno validate rule on pods enforces: by its action, in the namespaces its
/// `match` names (all when a filter that takes in pods names none) but those a filter of
/// `exclude` holding only `resources.namespaces` leaves out; else only where an override
/// (of the rule or of the policy) turns it to Enforce.
fn kyverno_rule_scopes<'a>(
    rule: &'a Doc,
    enforces: bool,
    policy_overrides: Option<&'a Doc>,
) -> Vec<Scope<'a>> {
    if enforces {
        let m = rule.get("match");
        let mut filters: Vec<&Doc> = Vec::new();
        if let Some(m) = m.filter(|m| m.get("resources").is_some()) {
            filters.push(m);
        }
        for key in ["any", "all"] {
            filters.extend(
                m.and_then(|m| m.get(key))
                    .and_then(Doc::as_array)
                    .into_iter()
                    .flatten(),
            );
        }
        let mut only: Option<Vec<String>> = Some(Vec::new());
        for f in filters.iter().filter(|f| kyverno_filter_on_pods(f)) {
            match (kyverno_namespaces(f), only.as_mut()) {
                (Some(names), Some(o)) => o.extend(names),
                (None, _) => only = None,
                _ => {}
            }
        }
        let except: Vec<String> = rule
            .get("exclude")
            .into_iter()
            .flat_map(kyverno_exclude_filters)
            .filter(|f| kyverno_filter_only(f, "namespaces"))
            .flat_map(|f| kyverno_namespaces(f).unwrap_or_default())
            .collect();
        return vec![Scope {
            only: only.filter(|o| !o.is_empty()),
            except,
            selectors: Vec::new(),
        }];
    }
    let overrides = rule
        .at("/validate/failureActionOverrides")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .chain(
            policy_overrides
                .and_then(Doc::as_array)
                .into_iter()
                .flatten(),
        );
    overrides
        .filter(|o| text(Some(o), "action").as_deref() == Some("enforce"))
        .map(|o| {
            let names: Vec<String> = strings(o.get("namespaces")).map(str::to_string).collect();
            Scope {
                only: (!names.is_empty()).then_some(names),
                ..Scope::selected(o.get("namespaceSelector"))
            }
        })
        .collect()
}

/// A policy object of a known engine; `None` for anything else (or a kind this does not
/// read).
fn policy<'a>(o: &'a Object) -> Option<Policy<'a>> {
    let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let spec = o.value.get("spec");
    // A namespaced policy holds only its own namespace.
    let own = |scopes: Vec<Scope<'a>>, namespaced: bool| -> Vec<Scope<'a>> {
        match (namespaced, o.namespace.as_deref()) {
            (false, _) => scopes,
            (true, Some(ns))
                if scopes
                    .iter()
                    .any(|c| c.covers(ns, &selector::namespace_labels(None, ns))) =>
            {
                vec![Scope::only(vec![ns.to_string()])]
            }
            (true, _) => Vec::new(),
        }
    };
    let (engine, scopes) = match (group, o.kind.as_str()) {
        // Kyverno: a validate rule on pods whose `failureAction` (else the policy's
        // `validationFailureAction`, Audit when unset) is Enforce, or is overridden to Enforce
        // somewhere; nothing when `admission: false` (background scans only).
        ("kyverno.io", kind @ ("ClusterPolicy" | "Policy")) => {
            let default = text(spec, "validationFailureAction").unwrap_or_else(|| "audit".into());
            let admission = spec
                .and_then(|s| s.get("admission"))
                .and_then(Doc::as_bool)
                .unwrap_or(true);
            let policy_overrides = spec.and_then(|s| s.get("validationFailureActionOverrides"));
            let mut scopes = Vec::new();
            for r in kyverno_rules(spec).filter(|_| admission) {
                let Some(v) = r.get("validate") else { continue };
                if !kyverno_rule_on_pods(r) || kyverno_excludes_all_pods(r) {
                    continue;
                }
                let enforces =
                    text(Some(v), "failureAction").unwrap_or_else(|| default.clone()) == "enforce";
                scopes.extend(kyverno_rule_scopes(r, enforces, policy_overrides));
            }
            ("kyverno", own(scopes, kind == "Policy"))
        }
        // Kyverno's CEL policies: `validationActions` with Deny on pods, unless admission
        // is switched off.
        ("policies.kyverno.io", kind @ ("ValidatingPolicy" | "NamespacedValidatingPolicy")) => {
            // Without `validationActions` Kyverno denies (ValidatingPolicySpec's default).
            let actions: Vec<&str> =
                strings(spec.and_then(|s| s.get("validationActions"))).collect();
            let denies =
                actions.is_empty() || actions.iter().any(|a| a.eq_ignore_ascii_case("deny"));
            // `evaluation.mode: JSON` judges JSON payloads, not Kubernetes requests.
            let json_mode =
                text(spec.and_then(|s| s.get("evaluation")), "mode").as_deref() == Some("json");
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
            let scopes = if denies && admission && on_pods && !json_mode {
                vec![Scope::selected(
                    spec.and_then(|s| s.at("/matchConstraints/namespaceSelector")),
                )]
            } else {
                Vec::new()
            };
            ("kyverno", own(scopes, kind == "NamespacedValidatingPolicy"))
        }
        // Gatekeeper constraints: `enforcementAction` deny (the default), or scoped with
        // deny at the webhook's enforcement point (`validation.gatekeeper.sh` or `*`; the
        // audit point only reports); on pods: `match.kinds` absent (every kind) or naming one
        // that makes pods; where: `match.namespaces`, `excludedNamespaces`, `namespaceSelector`.
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
            // `match.kinds` absent or empty matches every kind; in an entry, empty `kinds`
            // or `apiGroups` match every kind or group (Gatekeeper's kindsMatch).
            let on_pods = match spec
                .and_then(|s| s.at("/match/kinds"))
                .and_then(Doc::as_array)
                .filter(|a| !a.is_empty())
            {
                None => true,
                Some(entries) => entries.iter().any(|k| {
                    let kinds: Vec<&str> = strings(k.get("kinds")).collect();
                    let groups: Vec<&str> = strings(k.get("apiGroups")).collect();
                    let group_ok =
                        |g: &str| groups.is_empty() || groups.iter().any(|x| *x == "*" || *x == g);
                    let any_group = group_ok("") || group_ok("apps") || group_ok("batch");
                    (kinds.is_empty() && any_group)
                        || kinds.iter().any(|kind| {
                            (*kind == "*" && any_group)
                                || POD_MAKERS_BY_GROUP
                                    .iter()
                                    .any(|(k, g)| k == kind && group_ok(g))
                        })
                }),
            };
            let m = spec.and_then(|s| s.get("match"));
            // `match.scope: Cluster` takes in only cluster-scoped objects: never a pod.
            let on_pods = on_pods && text(m, "scope").as_deref() != Some("cluster");
            let names: Vec<String> = strings(m.and_then(|m| m.get("namespaces")))
                .map(str::to_string)
                .collect();
            let scopes = if refuses && on_pods {
                vec![Scope {
                    only: (!names.is_empty()).then_some(names),
                    except: strings(m.and_then(|m| m.get("excludedNamespaces")))
                        .map(str::to_string)
                        .collect(),
                    ..Scope::selected(m.and_then(|m| m.get("namespaceSelector")))
                }]
            } else {
                Vec::new()
            };
            ("gatekeeper", scopes)
        }
        // Kubewarden: `mode` protect (the default) refuses, monitor only logs; on pods when
        // its webhook-style `rules` cover them; where: its `namespaceSelector`.
        ("policies.kubewarden.io", kind @ ("ClusterAdmissionPolicy" | "AdmissionPolicy")) => {
            let on_pods = rules_cover_pods(
                spec.and_then(|s| s.get("rules"))
                    .and_then(Doc::as_array)
                    .into_iter()
                    .flatten(),
            );
            let scopes = if text(spec, "mode").as_deref() != Some("monitor") && on_pods {
                vec![Scope::selected(
                    spec.and_then(|s| s.get("namespaceSelector")),
                )]
            } else {
                Vec::new()
            };
            ("kubewarden", own(scopes, kind == "AdmissionPolicy"))
        }
        _ => return None,
    };
    Some(Policy { engine, scopes })
}

fn kyverno_rules(spec: Option<&Doc>) -> impl Iterator<Item = &Doc> {
    spec.and_then(|s| s.get("rules"))
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
}

/// What the input shows of one engine's policies (only engines with at least one policy
/// in the input have one).
#[derive(Default)]
struct Seen<'a> {
    /// Policy objects in the input.
    policies: usize,
    /// Where its policies can refuse a pod.
    scopes: Vec<Scope<'a>>,
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
    seen: BTreeMap<&'static str, Seen<'a>>,
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
            s.scopes.extend(p.scopes);
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

    /// Whether an engine's policies may refuse a pod in namespace `namespace` (name and
    /// labels; anywhere when `None`): it has none in the input (what it enforces is not
    /// read), or one that can there.
    fn may_refuse(
        &self,
        engine: &str,
        namespace: Option<(&str, &BTreeMap<String, String>)>,
    ) -> bool {
        self.seen.get(engine).is_none_or(|s| match namespace {
            None => s.scopes.iter().any(|c| !c.covers_nothing()),
            Some((name, labels)) => s.scopes.iter().any(|c| c.covers(name, labels)),
        })
    }

    /// Whether the input holds any of an engine's policies.
    fn policies_read(&self, engine: &str) -> bool {
        self.seen.contains_key(engine)
    }

    /// The webhooks whose engine has a policy in the input that can refuse a pod.
    pub fn hooks(&self) -> impl Iterator<Item = &Hook<'a>> {
        self.hooks
            .iter()
            .filter(|h| self.policies_read(&h.engine) && self.may_refuse(&h.engine, None))
    }

    /// The webhooks whose engine has no policy in the input (a cluster scan does not list
    /// policy objects): what they enforce is unknown.
    pub fn unread_hooks(&self) -> impl Iterator<Item = &Hook<'a>> {
        self.hooks.iter().filter(|h| !self.policies_read(&h.engine))
    }

    /// The webhooks that are sent the pods of namespace `name` (its labels as a
    /// `namespaceSelector` sees them, [`selector::namespace_labels`]) and whose engine may
    /// refuse one there.
    pub fn hooks_for_namespace(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Vec<&Hook<'a>> {
        self.hooks
            .iter()
            .filter(|h| {
                h.selectors
                    .iter()
                    .any(|s| s.is_none_or(|s| selector::selects(s, labels)))
                    && self.may_refuse(&h.engine, Some((name, labels)))
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
                let n = self.seen.get(e)?.policies;
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
