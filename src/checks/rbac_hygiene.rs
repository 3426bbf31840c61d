//! `rbac` hygiene questions: what RBAC holds that nobody needs.
//!
//! Four questions of the `rbac` kind, decided from the same RBAC state
//! ([`Context::rbac`](crate::checks::Context::rbac)) as the permission questions:
//! - `unused_roles`: Roles and ClusterRoles no binding names. Built-in roles (the catalog's
//!   `system_roles`, `system:*`, the `rbac-defaults` label), aggregating ClusterRoles and
//!   ClusterRoles that feed one (selected by the `aggregationRule` of a ClusterRole of the
//!   input, or of a built-in one the input lacks: admin, edit and view gather
//!   `rbac.authorization.k8s.io/aggregate-to-*: "true"`) are not judged.
//! - `missing_subjects`: bindings naming a ServiceAccount that does not exist in its
//!   namespace (the `default` account, which the API server creates in every namespace,
//!   is taken to exist).
//! - `duplicate_grants`: a subject granted the same permission through more than one
//!   binding, where the second binding's scope covers the first (the same namespace, or
//!   cluster-wide); wildcards in the covering rule count. Two stock bindings overlapping
//!   (as `system:discovery` and `system:public-info-viewer` do; `stock_bindings` of the
//!   catalog, recognised by content) are how Kubernetes ships and are not reported.
//! - `unused_service_accounts`: ServiceAccounts granted rights that no pod or pod template
//!   of their namespace runs as.
//!
//! Evidence names every role, binding and rule concerned. Absence is only believed where it
//! can be known: for manifests (bindings, accounts and pods may live in other files) and for
//! objects outside the namespaces a cluster scan read, the verdict is `not_applicable` with
//! that reason; a kind that was not collected is `error`. Never a pass on missing data.

use crate::checks::path::Lookup;
use std::collections::{BTreeMap, BTreeSet};

use crate::document::Doc;
use serde_json::json;

use crate::catalog::Check;
use crate::checks::evidence;
use crate::checks::path::str_items;
use crate::checks::rbac::{kinds_state, own_rules, Binding, Params, RbacSubject, RBAC_KINDS};
use crate::checks::selector;
use crate::checks::workload::WORKLOAD_KINDS;
use crate::checks::{absence_is_known, Context, Outcome};
use crate::inventory::{Inventory, KindState, Object, UNSET_NAMESPACE};
use crate::results::{Observation, Status};

/// Rules listed in the evidence of one unused role; the rest are counted.
const RULES_SHOWN: usize = 20;
/// Duplicated permissions listed per pair of bindings; the rest are counted.
const PERMISSIONS_SHOWN: usize = 12;

/// Which hygiene question an `rbac` assertion asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hygiene {
    /// Roles and ClusterRoles bound by nothing.
    UnusedRoles,
    /// Bindings naming ServiceAccounts that do not exist.
    MissingSubjects,
    /// The same permission granted to a subject through more than one binding.
    DuplicateGrants,
    /// ServiceAccounts with rights that no pod runs as.
    UnusedServiceAccounts,
}

impl Hygiene {
    /// One line on how the question is decided, for `explain`.
    pub fn describe(self) -> &'static str {
        match self {
            Hygiene::UnusedRoles => "Flags Roles and ClusterRoles that no RoleBinding or ClusterRoleBinding names (built-in and aggregated roles are not judged)",
            Hygiene::MissingSubjects => "Flags bindings that name a ServiceAccount missing from its namespace (only where ServiceAccounts were collected)",
            Hygiene::DuplicateGrants => "Flags subjects granted the same permission through more than one binding, where one binding's scope covers the other's",
            Hygiene::UnusedServiceAccounts => "Flags ServiceAccounts granted rights through a binding that no pod or pod template of their namespace runs as (only where workloads were collected)",
        }
    }
}

/// Whether objects of namespace `ns` were read (a cluster scan may be limited by `-n` or
/// `--exclude-namespace`).
fn namespace_read(inv: &Inventory, ns: &str) -> bool {
    (inv.namespaces.is_empty() || inv.namespaces.iter().any(|n| n == ns))
        && !inv.excluded_namespaces.iter().any(|n| n == ns)
}

/// Why absence cannot be believed here, if it cannot.
fn absence_unknown(inv: &Inventory, ns: Option<&str>) -> Option<String> {
    if !absence_is_known(inv) {
        return Some(
            "the input is a set of manifests: objects kept in other files are not visible".into(),
        );
    }
    match ns {
        Some(ns) if !namespace_read(inv, ns) => Some(format!(
            "namespace {ns} was not read by this scan (limited by --namespace/--exclude-namespace)"
        )),
        None if !inv.namespaces.is_empty() || !inv.excluded_namespaces.is_empty() => Some(
            "RoleBindings in namespaces this scan did not read (--namespace/--exclude-namespace) may name it"
                .into(),
        ),
        _ => None,
    }
}

/// Answers a hygiene question.
pub fn evaluate(h: Hygiene, check: &Check, p: &Params, ctx: &Context, out: &mut Outcome) {
    kinds_state(check, ctx.inventory, RBAC_KINDS, out);
    if !out.findings.is_empty() {
        // Without every RBAC kind nothing here can be decided.
        return;
    }
    match h {
        Hygiene::UnusedRoles => unused_roles(check, p, ctx, out),
        Hygiene::MissingSubjects => missing_subjects(check, p, ctx, out),
        Hygiene::DuplicateGrants => duplicate_grants(check, p, ctx, out),
        Hygiene::UnusedServiceAccounts => unused_service_accounts(check, p, ctx, out),
    }
}

fn role_ref(b: &Object) -> (&str, &str) {
    (
        b.value
            .at("/roleRef/kind")
            .and_then(Doc::as_str)
            .unwrap_or("ClusterRole"),
        b.value
            .at("/roleRef/name")
            .and_then(Doc::as_str)
            .unwrap_or_default(),
    )
}

fn unused_roles(check: &Check, p: &Params, ctx: &Context, out: &mut Outcome) {
    let inv = ctx.inventory;
    let settings = &ctx.catalog.rbac;
    // Who names each role.
    let mut bound: BTreeMap<(&str, Option<&str>, &str), Vec<&Object>> = BTreeMap::new();
    for b in inv
        .of_kind("RoleBinding")
        .chain(inv.of_kind("ClusterRoleBinding"))
    {
        let (kind, name) = role_ref(b);
        let ns = if kind == "Role" {
            b.namespace.as_deref()
        } else {
            None
        };
        bound.entry((kind, ns, name)).or_default().push(b);
    }
    // Aggregating ClusterRoles: those of the input, and the built-in ones (admin, edit, view
    // gather `rbac.authorization.k8s.io/aggregate-to-*: "true"`) where the input lacks them.
    let aggregators: Vec<(&Object, Vec<&Doc>)> = inv
        .of_kind("ClusterRole")
        .chain(
            settings
                .builtin_cluster_roles
                .iter()
                .filter(|b| inv.find("ClusterRole", None, &b.name).is_none()),
        )
        .filter_map(|r| {
            let sels = r
                .value
                .at("/aggregationRule/clusterRoleSelectors")
                .and_then(Doc::as_array)?;
            Some((r, sels.iter().collect()))
        })
        .collect();
    let mut roles = 0;
    for role in inv
        .objects
        .iter()
        .filter(|o| o.kind == "Role" || o.kind == "ClusterRole")
    {
        if settings.is_system_role(role) || role.name.starts_with("system:") {
            continue;
        }
        if role.value.get("aggregationRule").is_some() {
            continue;
        }
        let labels = selector::labels_of(&role.value["metadata"]);
        if role.kind == "ClusterRole" {
            // A role feeds an aggregate when an aggregator's selector selects its labels (a
            // label `aggregate-to-view: "false"` feeds nothing).
            let feeds = aggregators.iter().any(|(agg, sels)| {
                agg.name != role.name && sels.iter().any(|s| selector::selects(s, &labels))
            });
            if feeds {
                continue;
            }
        }
        roles += 1;
        let ns = if role.kind == "Role" {
            role.namespace.as_deref()
        } else {
            None
        };
        let subject = evidence::subject(role);
        if let Some(bs) = bound.get(&(role.kind.as_str(), ns, role.name.as_str())) {
            let names: Vec<String> = bs.iter().map(|b| evidence::subject(b).display()).collect();
            out.findings.push(evidence::finding(
                check,
                Status::Pass,
                subject.clone(),
                Vec::new(),
                format!("{} is bound by {}", subject.display(), names.join(", ")),
            ));
            continue;
        }
        let rules = own_rules(role);
        let mut obs: Vec<Observation> = rules
            .iter()
            .take(RULES_SHOWN)
            .map(|r| Observation {
                source: evidence::source(role, &format!("rules[{}]", r.index)),
                path: format!("{} rules[{}]", subject.display(), r.index),
                observed: r.rule.to_value(),
                expected: "a rule of a role some binding names".into(),
                holds: false,
                note: None,
            })
            .collect();
        if rules.len() > RULES_SHOWN {
            if let Some(last) = obs.last_mut() {
                last.note = Some(format!(
                    "and {} more rule(s) in the role",
                    rules.len() - RULES_SHOWN
                ));
            }
        }
        if obs.is_empty() {
            obs.push(Observation {
                source: evidence::source(role, "metadata.name"),
                path: subject.display(),
                observed: json!({"rules": []}),
                expected: "named by a RoleBinding or ClusterRoleBinding".into(),
                holds: false,
                note: Some("the role has no rules".into()),
            });
        }
        let binder = if role.kind == "Role" {
            format!("no RoleBinding in namespace {}", ns.unwrap_or_default())
        } else {
            "no RoleBinding or ClusterRoleBinding".to_string()
        };
        let (status, message) = match absence_unknown(inv, ns) {
            Some(why) => {
                obs.iter_mut().for_each(|o| o.holds = true);
                (
                    Status::NotApplicable,
                    format!(
                        "{}: {binder} in the input names it, but {why}",
                        subject.display()
                    ),
                )
            }
            None => (
                p.on_fail,
                format!(
                    "{} is bound by nothing: {binder} names it ({} rule(s) granted to nobody)",
                    subject.display(),
                    rules.len()
                ),
            ),
        };
        out.findings.push(
            evidence::finding(check, status, subject, obs, message)
                .not_assessed_if_not_applicable(),
        );
    }
    if roles == 0 {
        out.empty_reason =
            "no Role or ClusterRole outside the built-in and aggregated ones in the inventory"
                .into();
    }
}

fn missing_subjects(check: &Check, p: &Params, ctx: &Context, out: &mut Outcome) {
    let inv = ctx.inventory;
    let settings = &ctx.catalog.rbac;
    if let KindState::Failed(reason) | KindState::NotServed(reason) =
        inv.kind_state("ServiceAccount")
    {
        out.findings.push(evidence::about_kind(
            check,
            Status::Error,
            "ServiceAccount",
            format!("could not tell whether bound ServiceAccounts exist: ServiceAccount objects: {reason}"),
        ));
        return;
    }
    let mut examined = 0;
    for b in &ctx.rbac().bindings {
        if settings.is_stock_binding(b) {
            continue;
        }
        let raw = b
            .object
            .value
            .get("subjects")
            .and_then(Doc::as_array)
            .unwrap_or(&[]);
        let mut missing = Vec::new();
        let mut unknown = Vec::new();
        let mut present = 0;
        for (i, s) in raw.iter().enumerate() {
            if s.get("kind").and_then(Doc::as_str) != Some("ServiceAccount") {
                continue;
            }
            let name = s.get("name").and_then(Doc::as_str).unwrap_or_default();
            // An empty namespace is the binding's, as for one left out.
            let ns = s
                .get("namespace")
                .and_then(Doc::as_str)
                .filter(|ns| !ns.is_empty())
                .or(b.object.namespace.as_deref());
            let path = format!("subjects[{i}]");
            let Some(ns) = ns else {
                missing.push((
                    path,
                    format!("ServiceAccount {name}"),
                    "names no namespace, so it matches no account".to_string(),
                ));
                continue;
            };
            let who = format!("ServiceAccount {ns}/{name}");
            if name == "default" || inv.find("ServiceAccount", Some(ns), name).is_some() {
                present += 1;
            } else if let Some(why) = absence_unknown(inv, Some(ns)) {
                // The account is in the input, written without a namespace (kubectl puts it
                // in the context's namespace): say so, not that it is missing.
                let why = if inv
                    .find("ServiceAccount", Some(UNSET_NAMESPACE), name)
                    .is_some()
                {
                    format!("the input holds a ServiceAccount {name} without a namespace, which is this account only if it is applied in namespace {ns}")
                } else {
                    why
                };
                unknown.push((path, who, why));
            } else {
                missing.push((
                    path,
                    who,
                    format!("no ServiceAccount {name} in namespace {ns}"),
                ));
            }
        }
        if missing.is_empty() && unknown.is_empty() && present == 0 {
            continue;
        }
        examined += 1;
        let subject = evidence::subject(b.object);
        let role = b.role_display();
        let obs_of = |list: &[(String, String, String)], holds: bool| -> Vec<Observation> {
            list.iter()
                .map(|(path, who, why)| Observation {
                    source: evidence::source(b.object, path),
                    path: format!("{} {path} → {role}", subject.display()),
                    observed: json!(who),
                    expected: "an existing ServiceAccount".into(),
                    holds,
                    note: Some(why.clone()),
                })
                .collect()
        };
        let (status, obs, message) = if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|(_, w, _)| w.as_str()).collect();
            (
                p.on_fail,
                obs_of(&missing, false),
                format!(
                    "{} (→ {role}) names {} that do(es) not exist: whoever creates an account of that name gets the role's rights",
                    subject.display(),
                    names.join(", ")
                ),
            )
        } else if !unknown.is_empty() {
            (
                Status::NotApplicable,
                obs_of(&unknown, true),
                format!(
                    "{}: {} not in the input as named, but {}",
                    subject.display(),
                    unknown
                        .iter()
                        .map(|(_, w, _)| w.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    unknown[0].2
                ),
            )
        } else {
            (
                Status::Pass,
                Vec::new(),
                format!(
                    "{}: every ServiceAccount it names exists",
                    subject.display()
                ),
            )
        };
        out.findings.push(
            evidence::finding(check, status, subject, obs, message)
                .not_assessed_if_not_applicable(),
        );
    }
    if examined == 0 {
        out.empty_reason = "no binding outside the built-in ones names a ServiceAccount".into();
    }
}

/// One permission a rule grants: verb on group/resource (or a non-resource URL), maybe
/// limited to names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Atom<'a> {
    url: bool,
    group: &'a str,
    resource: &'a str,
    verb: &'a str,
    names: Vec<&'a str>,
}

impl<'a> Atom<'a> {
    fn of_rule(rule: &'a Doc) -> Vec<Atom<'a>> {
        let mut names: Vec<&str> = str_items(rule, "resourceNames").collect();
        names.sort_unstable();
        let mut out = Vec::new();
        for verb in str_items(rule, "verbs") {
            for url in str_items(rule, "nonResourceURLs") {
                out.push(Atom {
                    url: true,
                    group: "",
                    resource: url,
                    verb,
                    names: Vec::new(),
                });
            }
            for group in str_items(rule, "apiGroups") {
                for resource in str_items(rule, "resources") {
                    out.push(Atom {
                        url: false,
                        group,
                        resource,
                        verb,
                        names: names.clone(),
                    });
                }
            }
        }
        out
    }

    /// Whether this permission includes `other`.
    fn covers(&self, other: &Atom<'_>) -> bool {
        let resource = self.resource == "*"
            || self.resource == other.resource
            || (!self.url
                && self.resource.strip_prefix("*/").is_some_and(|sub| {
                    other
                        .resource
                        .split_once('/')
                        .is_some_and(|(_, s)| s == sub)
                }))
            || (self.url
                && self
                    .resource
                    .strip_suffix('*')
                    .is_some_and(|prefix| other.resource.starts_with(prefix)));
        let names = self.names.is_empty()
            || (!other.names.is_empty() && other.names.iter().all(|n| self.names.contains(n)));
        self.url == other.url
            && (self.group == "*" || self.group == other.group)
            && resource
            && (self.verb == "*" || self.verb == other.verb)
            && names
    }

    fn describe(&self) -> String {
        if self.url {
            return format!("{} {}", self.verb, self.resource);
        }
        let res = if self.group.is_empty() || self.resource == "*" && self.group == "*" {
            self.resource.to_string()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        if self.names.is_empty() {
            format!("{} {res}", self.verb)
        } else {
            format!("{} {res} (names {})", self.verb, self.names.join(", "))
        }
    }
}

/// The permissions of `x` that a permission of `y` covers.
fn covered_by<'a, 'g>(
    x: &'g [(Atom<'a>, &Object, usize)],
    y: &[(Atom<'a>, &Object, usize)],
) -> BTreeSet<&'g Atom<'a>> {
    x.iter()
        .filter(|(a, ..)| y.iter().any(|(ya, ..)| ya.covers(a)))
        .map(|(a, ..)| a)
        .collect()
}

/// How many "binding also granted by binding" pairs a finding's message names.
const PAIRS_SHOWN: usize = 5;

fn duplicate_grants(check: &Check, p: &Params, ctx: &Context, out: &mut Outcome) {
    let settings = &ctx.catalog.rbac;
    let rbac = ctx.rbac();
    // The bindings of each subject (once each, in inventory order).
    let mut of_subject: BTreeMap<&RbacSubject, Vec<&Binding>> = BTreeMap::new();
    for b in &rbac.bindings {
        for s in &b.subjects {
            let v = of_subject.entry(s).or_default();
            if !v.iter().any(|x| std::ptr::eq(*x, b)) {
                v.push(b);
            }
        }
    }
    let mut examined = 0;
    for (subject, bindings) in of_subject {
        if bindings.len() < 2 || settings.is_system_subject(subject) {
            continue;
        }
        examined += 1;
        // Each binding's effective permissions: (atom, rule owner, rule index).
        let grants: Vec<Vec<(Atom, &Object, usize)>> = bindings
            .iter()
            .map(|b| {
                let mut v = Vec::new();
                for r in settings.rules_of(b).iter() {
                    for a in Atom::of_rule(r.rule) {
                        let granted = b.scope.is_none()
                            || (!a.url && settings.is_namespaced_request(a.verb, a.resource));
                        if granted {
                            v.push((a, r.owner, r.index));
                        }
                    }
                }
                v
            })
            .collect();
        let mut obs = Vec::new();
        let mut pairs = Vec::new();
        // Only a cluster-wide binding or one in the same namespace can cover another: a
        // subject bound in hundreds of namespaces is not compared pair by pair.
        let mut by_scope: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
        for (i, b) in bindings.iter().enumerate() {
            by_scope.entry(b.scope.as_deref()).or_default().push(i);
        }
        let cluster_wide = by_scope.get(&None).cloned().unwrap_or_default();
        for (xi, x) in bindings.iter().enumerate() {
            let mut candidates: Vec<usize> = cluster_wide.clone();
            if x.scope.is_some() {
                candidates.extend(by_scope.get(&x.scope.as_deref()).into_iter().flatten());
                candidates.sort_unstable();
            }
            // The first binding that already grants some of x's permissions is shown in
            // full; the others are counted (a subject bound in every namespace and by many
            // cluster-wide bindings would otherwise give one observation per pair).
            let mut first = None;
            let mut others = 0usize;
            for yi in candidates {
                let y = bindings[yi];
                let covers_scope = y.scope.is_none() || y.scope == x.scope;
                // Two built-in bindings overlapping is how Kubernetes ships.
                let stock = settings.is_stock_binding(x) && settings.is_stock_binding(y);
                if xi == yi || !covers_scope || stock {
                    continue;
                }
                // Bindings of the same scope are compared both ways (a wide binding listed
                // after a narrow one covers it as much as one listed before); the same
                // overlap seen from the other side (two bindings granting each other's
                // permissions, such as two bindings of one role) is reported once, with the
                // binding listed first.
                let covered = covered_by(&grants[xi], &grants[yi]);
                if covered.is_empty()
                    || (x.scope == y.scope
                        && yi < xi
                        && covered == covered_by(&grants[yi], &grants[xi]))
                {
                    continue;
                }
                if first.is_some() {
                    others += 1;
                    continue;
                }
                // Permissions of x that y already grants; the rules of x with a permission
                // y does not grant are only partly covered.
                let mut dup: Vec<(&Atom, String, String)> = Vec::new();
                let mut rules = BTreeSet::new();
                let mut partly: BTreeSet<String> = BTreeSet::new();
                let mut extra = 0usize;
                for (a, owner, idx) in &grants[xi] {
                    let label = format!("{} rules[{idx}]", evidence::subject(owner).display());
                    if let Some((_, yo, yidx)) = grants[yi].iter().find(|(ya, ..)| ya.covers(a)) {
                        let other = format!("{} rules[{yidx}]", evidence::subject(yo).display());
                        dup.push((a, label.clone(), other.clone()));
                        rules.insert((label, other));
                    } else {
                        extra += 1;
                        partly.insert(label);
                    }
                }
                if !dup.is_empty() {
                    // A rule of x is "in" y's only when every permission it grants is.
                    let rules: Vec<String> = rules
                        .into_iter()
                        .map(|(a, b)| {
                            if partly.contains(&a) {
                                format!("{a} partly in {b}")
                            } else {
                                format!("{a} ⊆ {b}")
                            }
                        })
                        .collect();
                    first = Some((y, dup, rules, extra));
                }
            }
            let Some((y, mut dup, rules, extra)) = first else {
                continue;
            };
            dup.sort_by(|a, b| a.0.cmp(b.0));
            dup.dedup_by(|a, b| a.0 == b.0);
            let shown: Vec<String> = dup
                .iter()
                .take(PERMISSIONS_SHOWN)
                .map(|(a, ..)| a.describe())
                .collect();
            pairs.push(format!("{} also granted by {}", x.display(), y.display()));
            let more = if others > 0 {
                format!(" (and by {others} other binding(s))")
            } else {
                String::new()
            };
            obs.push(Observation {
                source: evidence::source(x.object, "roleRef"),
                path: format!(
                    "{} → {} → {} and → {} → {}",
                    subject.display(),
                    x.display(),
                    x.role_display(),
                    y.display(),
                    y.role_display()
                ),
                observed: {
                    let mut v = json!({
                        "permissions": shown,
                        "more_permissions": dup.len().saturating_sub(PERMISSIONS_SHOWN),
                        "granted_by": {"binding": x.display(), "role": x.role_display(), "scope": x.scope_display()},
                        "also_granted_by": {"binding": y.display(), "role": y.role_display(), "scope": y.scope_display()},
                        "rules": rules,
                        "not_granted_by_the_other": extra,
                    });
                    if others > 0 {
                        v["also_granted_by_others"] = json!(others);
                    }
                    v
                },
                expected: "each permission granted through one binding".into(),
                holds: false,
                note: Some(format!(
                    "{} permission(s) of {} are already granted by {} ({}){more}{}",
                    dup.len(),
                    x.display(),
                    y.display(),
                    y.scope_display(),
                    match extra {
                        0 => String::new(),
                        n => format!(
                            "; {} also grants {n} permission(s) that {} does not: removing it would take those away",
                            x.display(),
                            y.display()
                        ),
                    }
                )),
            });
        }
        let unknown = bindings.iter().find(|b| settings.is_unresolved(b));
        let (status, message) = if let (true, Some(b)) = (obs.is_empty(), unknown) {
            // A role that is not in the input may hold what another binding grants.
            (
                Status::Error,
                format!(
                    "{}: could not compare its {} bindings: {}: include the roles in the input or scan the cluster",
                    subject.display(),
                    bindings.len(),
                    b.unknown_reason()
                ),
            )
        } else if obs.is_empty() {
            (
                Status::Pass,
                format!(
                    "{}: its {} bindings grant different permissions",
                    subject.display(),
                    bindings.len()
                ),
            )
        } else {
            (
                p.on_fail,
                format!(
                    "{} is granted the same permissions more than once: {}{}",
                    subject.display(),
                    pairs
                        .iter()
                        .take(PAIRS_SHOWN)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; "),
                    match pairs.len().saturating_sub(PAIRS_SHOWN) {
                        0 => String::new(),
                        n => format!("; and {n} more binding(s)"),
                    }
                ),
            )
        };
        out.findings.push(evidence::finding(
            check,
            status,
            subject.as_subject(),
            obs,
            message,
        ));
    }
    if examined == 0 {
        out.empty_reason =
            "no subject outside the built-in list is named by more than one binding".into();
    }
}

fn unused_service_accounts(check: &Check, p: &Params, ctx: &Context, out: &mut Outcome) {
    let inv = ctx.inventory;
    let settings = &ctx.catalog.rbac;
    for kind in WORKLOAD_KINDS {
        if let KindState::Failed(reason) | KindState::NotServed(reason) = inv.kind_state(kind) {
            out.findings.push(evidence::about_kind(
                check,
                Status::Error,
                kind,
                format!(
                    "could not tell which ServiceAccounts pods run as: {kind} objects: {reason}"
                ),
            ));
        }
    }
    if !out.findings.is_empty() {
        return;
    }
    // (namespace, account) every workload runs as.
    let used: BTreeSet<(String, String)> = ctx
        .workloads()
        .iter()
        .filter_map(|(w, _)| {
            let ns = w.object.namespace.clone()?;
            Some((ns, w.service_account().to_string()))
        })
        .collect();
    let mut granted: BTreeMap<&RbacSubject, Vec<&Binding>> = BTreeMap::new();
    for b in &ctx.rbac().bindings {
        for s in &b.subjects {
            if s.kind == "ServiceAccount"
                && s.namespace.is_some()
                && !settings.is_stock_grant(b, s)
                && !settings.is_system_subject(s)
            {
                granted.entry(s).or_default().push(b);
            }
        }
    }
    if granted.is_empty() {
        out.empty_reason =
            "no binding outside the built-in ones grants rights to a ServiceAccount".into();
        return;
    }
    for (sa, bindings) in granted {
        let ns = sa.namespace.clone().unwrap_or_default();
        let subject = sa.as_subject();
        if used.contains(&(ns.clone(), sa.name.clone())) {
            out.findings.push(evidence::finding(
                check,
                Status::Pass,
                subject,
                Vec::new(),
                format!("{} is used by a pod of namespace {ns}", sa.display()),
            ));
            continue;
        }
        let mut obs: Vec<Observation> = bindings
            .iter()
            .map(|b| Observation {
                source: evidence::source(b.object, "subjects"),
                path: format!("{} → {} → {}", sa.display(), b.display(), b.role_display()),
                observed: json!({"binding": b.display(), "role": b.role_display(), "scope": b.scope_display()}),
                expected: format!("a pod or pod template in namespace {ns} with serviceAccountName {}", sa.name),
                holds: false,
                note: None,
            })
            .collect();
        let names: Vec<String> = bindings.iter().map(|b| b.display()).collect();
        let (status, message) = match absence_unknown(inv, Some(&ns)) {
            Some(why) => {
                obs.iter_mut().for_each(|o| o.holds = true);
                // A workload written without a namespace (kubectl puts it in the context's
                // namespace) that runs as an account of this name may well be its user.
                let why = if used.contains(&(UNSET_NAMESPACE.to_string(), sa.name.clone())) {
                    format!(
                        "a workload in the input without a namespace runs as ServiceAccount {}, which is this account if it is applied in namespace {ns}",
                        sa.name
                    )
                } else {
                    why
                };
                (
                    Status::NotApplicable,
                    format!(
                        "{}: no pod in the input runs as it as named, but {why}",
                        sa.display()
                    ),
                )
            }
            None => (
                p.on_fail,
                format!(
                    "{} holds rights through {} but no pod or pod template in namespace {ns} runs as it",
                    sa.display(),
                    names.join(", ")
                ),
            ),
        };
        out.findings.push(
            evidence::finding(check, status, subject, obs, message)
                .not_assessed_if_not_applicable(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_subresources_cover() {
        let a = |g: &'static str, r: &'static str, v: &'static str| Atom {
            url: false,
            group: g,
            resource: r,
            verb: v,
            names: Vec::new(),
        };
        assert!(a("*", "*", "*").covers(&a("", "pods", "get")));
        assert!(a("", "*/exec", "create").covers(&a("", "pods/exec", "create")));
        assert!(!a("", "pods", "get").covers(&a("", "pods", "list")));
        assert!(!a("apps", "pods", "get").covers(&a("", "pods", "get")));
        let mut named = a("", "secrets", "get");
        named.names = vec!["x"];
        assert!(a("", "secrets", "get").covers(&named));
        assert!(!named.covers(&a("", "secrets", "get")));
    }

    #[test]
    fn coverage_is_asked_both_ways() {
        let a = |g: &'static str, r: &'static str, v: &'static str| Atom {
            url: false,
            group: g,
            resource: r,
            verb: v,
            names: Vec::new(),
        };
        let obj = Object::from_value(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "r", "namespace": "n"}}),
            crate::inventory::Origin::Snapshot { path: "t".into() },
            BTreeMap::new(),
        )
        .expect("a Role");
        let narrow = vec![(a("", "configmaps", "get"), &obj, 0)];
        let wide = vec![(a("*", "*", "*"), &obj, 0)];
        assert_eq!(covered_by(&narrow, &wide).len(), 1);
        assert!(covered_by(&wide, &narrow).is_empty());
        // Two bindings of one role cover each other with the same permissions.
        assert_eq!(covered_by(&narrow, &narrow), covered_by(&narrow, &narrow));
    }

    #[test]
    fn rules_expand_to_every_verb_resource_and_group() {
        let rule = crate::document::Doc::from(
            json!({"apiGroups": ["", "apps"], "resources": ["pods", "deployments"], "verbs": ["get", "list"]}),
        );
        assert_eq!(Atom::of_rule(&rule).len(), 8);
        let urls =
            crate::document::Doc::from(json!({"nonResourceURLs": ["/healthz"], "verbs": ["get"]}));
        assert_eq!(Atom::of_rule(&urls)[0].describe(), "get /healthz");
    }
}
