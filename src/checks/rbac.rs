//! `rbac`: effective permissions per subject, from Roles, ClusterRoles (with aggregation
//! rules), RoleBindings and ClusterRoleBindings.
//!
//! Decides four kinds of question: which subjects are granted some verbs on some resources
//! (`grants`, with `*` in verbs, resources and apiGroups honoured, `*/sub` subresource rules,
//! and rules narrowed by `resourceNames` counted as narrow, not broad, grants), which subjects
//! are bound to named ClusterRoles (`role_refs`), which bindings name given subjects
//! (`subjects`), and which Roles/ClusterRoles use wildcards (`wildcards`). The evidence of a
//! grant is the chain subject → binding → role → rule, one observation per link found.
//! Built-in Kubernetes subjects, roles and bindings are listed in the catalog
//! (`controls/rbac.yaml`) so a stock cluster is not a wall of failures; they show up as
//! passing findings that say they are built in. Never reads anything but RBAC objects, and
//! errors (never passes) when one of the four RBAC kinds was not collected. The same engine
//! answers `kubeattest who-can`.
//!
//! Scoping follows the API server: a RoleBinding grants its role's rules only on namespaced
//! resources of its own namespace, even when the role is a ClusterRole; cluster-scoped
//! resources (the table `cluster_scoped_resources` of `controls/rbac.yaml`) are granted only
//! through ClusterRoleBindings. A binding whose role is not in the input is judged with the
//! stock rules of a built-in ClusterRole (`builtin_cluster_roles`: cluster-admin, admin, edit,
//! view, a few system roles); any other missing role makes its subjects `error` for permission
//! questions ("its rules are unknown"), never a pass.

use crate::checks::path::Lookup;
use foldhash::HashMap;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::document::Doc;
use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::evidence;
use crate::checks::path::glob_match as glob;
use crate::checks::path::{str_items, strings};
use crate::checks::selector;
use crate::checks::{Context, Outcome};
use crate::inventory::{Inventory, KindState, Object, Origin};
use crate::results::{Observation, Status, Subject};
use crate::yaml::Node;

/// The four RBAC kinds the engine reads.
pub const RBAC_KINDS: &[&str] = &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];

/// A pattern over RBAC subjects; `*` in a field matches any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectPattern {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    /// Name pattern.
    pub name: String,
    /// Namespace pattern (service accounts only; `None` matches any).
    pub namespace: Option<String>,
}

impl SubjectPattern {
    fn matches(&self, s: &RbacSubject) -> bool {
        self.kind == s.kind
            && glob(&self.name, &s.name)
            && match (&self.namespace, &s.namespace) {
                (None, _) => true,
                (Some(p), Some(ns)) => glob(p, ns),
                (Some(p), None) => p == "*",
            }
    }

    fn read(node: &Node, r: &mut Reader, what: &str) -> Option<SubjectPattern> {
        r.known_keys(node, what, &["kind", "name", "namespace"]);
        let kind = r.string(node, "kind", what)?;
        if !matches!(kind.as_str(), "User" | "Group" | "ServiceAccount") {
            r.error(
                node.get("kind").map_or(node.line, |n| n.line),
                format!("{what}: kind `{kind}` must be User, Group or ServiceAccount"),
            );
            return None;
        }
        let name = r.string(node, "name", what)?;
        let namespace = r.opt_string(node, "namespace", what);
        Some(SubjectPattern {
            kind,
            name,
            namespace,
        })
    }
}

/// A pattern over bindings: kind, namespace and name (`*` globs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingPattern {
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: String,
    /// Namespace pattern (RoleBindings).
    pub namespace: Option<String>,
    /// Name pattern.
    pub name: String,
}

/// Which subjects, roles and bindings are built into Kubernetes (from `controls/rbac.yaml`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Built-in subjects: exempt from `grants` and `role_refs` questions.
    pub system_subjects: Vec<SubjectPattern>,
    /// Built-in role names (ClusterRoles): exempt from `wildcards`.
    pub system_roles: Vec<String>,
    /// Built-in bindings: exempt from `subjects` questions.
    pub system_bindings: Vec<BindingPattern>,
    /// Resources outside any namespace: granted only through ClusterRoleBindings.
    pub cluster_scoped_resources: BTreeSet<String>,
    /// Built-in ClusterRoles with their stock rules, used when a binding names one that is
    /// not in the input.
    pub builtin_cluster_roles: Vec<Object>,
}

impl Settings {
    /// Reads `rbac.yaml`.
    pub fn read(doc: &Node, r: &mut Reader) -> Settings {
        r.known_keys(
            doc,
            "rbac.yaml",
            &[
                "system_subjects",
                "system_roles",
                "system_bindings",
                "cluster_scoped_resources",
                "builtin_cluster_roles",
            ],
        );
        let mut s = Settings::default();
        for (i, n) in r
            .opt_seq(doc, "system_subjects", "rbac.yaml")
            .iter()
            .enumerate()
        {
            if let Some(p) = SubjectPattern::read(n, r, &format!("system_subjects #{}", i + 1)) {
                s.system_subjects.push(p);
            }
        }
        s.system_roles = r.string_list(doc, "system_roles", "rbac.yaml");
        for (i, n) in r
            .opt_seq(doc, "system_bindings", "rbac.yaml")
            .iter()
            .enumerate()
        {
            let what = format!("system_bindings #{}", i + 1);
            r.known_keys(n, &what, &["kind", "namespace", "name"]);
            let kind = r.string(n, "kind", &what);
            let name = r.string(n, "name", &what);
            let namespace = r.opt_string(n, "namespace", &what);
            if let (Some(kind), Some(name)) = (kind, name) {
                s.system_bindings.push(BindingPattern {
                    kind,
                    namespace,
                    name,
                });
            }
        }
        s.cluster_scoped_resources = r
            .string_list(doc, "cluster_scoped_resources", "rbac.yaml")
            .into_iter()
            .collect();
        for (i, n) in r
            .opt_seq(doc, "builtin_cluster_roles", "rbac.yaml")
            .iter()
            .enumerate()
        {
            let what = format!("builtin_cluster_roles #{}", i + 1);
            r.known_keys(n, &what, &["name", "rules"]);
            let Some(name) = r.string(n, "name", &what) else {
                continue;
            };
            let rules = r.seq(n, "rules", &what).iter().map(Node::to_json).collect();
            let value = json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": name},
                "rules": Value::Array(rules),
            });
            let origin = Origin::File {
                path: r.file.clone(),
                line: n.line,
            };
            match Object::from_value(value, origin, BTreeMap::new()) {
                Ok(o) => s.builtin_cluster_roles.push(o),
                Err(e) => r.error(n.line, format!("{what}: {e}")),
            }
        }
        s
    }

    /// Whether a resource (`nodes`, `nodes/proxy`) lives outside namespaces, so only a
    /// ClusterRoleBinding can grant it.
    pub fn is_cluster_scoped(&self, resource: &str) -> bool {
        let base = resource.split_once('/').map_or(resource, |(b, _)| b);
        self.cluster_scoped_resources.contains(base)
    }

    /// The stock ClusterRole of this name, when the catalog ships its rules.
    pub fn builtin_cluster_role(&self, name: &str) -> Option<&Object> {
        self.builtin_cluster_roles.iter().find(|o| o.name == name)
    }

    /// The rules a binding grants: the role's own (aggregation resolved) when it is in the
    /// input, the catalog's stock rules for a built-in ClusterRole that is not, else none.
    pub fn rules_of<'a>(&'a self, b: &'a Binding<'a>) -> Cow<'a, [RuleRef<'a>]> {
        if b.role.is_some() {
            return Cow::Borrowed(&b.rules);
        }
        match self.stock_role(b) {
            Some(role) => Cow::Owned(own_rules(role)),
            None => Cow::Borrowed(&[]),
        }
    }

    /// The catalog's stock role for a binding whose role is not in the input.
    pub fn stock_role<'a>(&'a self, b: &Binding<'_>) -> Option<&'a Object> {
        if b.role.is_some() || b.role_kind != "ClusterRole" {
            return None;
        }
        self.builtin_cluster_role(&b.role_name)
    }

    /// Whether a binding's rules are unknown: its role is not in the input and is not a
    /// built-in ClusterRole whose rules the catalog ships.
    pub fn is_unresolved(&self, b: &Binding<'_>) -> bool {
        b.role.is_none() && self.stock_role(b).is_none()
    }

    /// Whether a subject is built in.
    pub fn is_system_subject(&self, s: &RbacSubject) -> bool {
        self.system_subjects.iter().any(|p| p.matches(s))
    }

    /// Whether a role object is built in (listed name, or kubeadm's bootstrapping label).
    pub fn is_system_role(&self, role: &Object) -> bool {
        let bootstrapping = role
            .value
            .at("/metadata/labels/kubernetes.io~1bootstrapping")
            .and_then(Doc::as_str)
            == Some("rbac-defaults");
        role.kind == "ClusterRole"
            && (bootstrapping || self.system_roles.iter().any(|p| glob(p, &role.name)))
    }

    /// Whether a binding object is built in.
    pub fn is_system_binding(&self, b: &Object) -> bool {
        self.system_bindings.iter().any(|p| {
            p.kind == b.kind
                && glob(&p.name, &b.name)
                && match (&p.namespace, &b.namespace) {
                    (None, _) => true,
                    (Some(pn), Some(ns)) => glob(pn, ns),
                    (Some(_), None) => false,
                }
        })
    }
}

/// One permission asked about: any of `verbs` on any of `resources` in `api_groups`.
#[derive(Debug, Clone)]
pub struct Grant {
    /// Verbs (`any` = any verb).
    pub verbs: Vec<String>,
    /// Resources, `resource` or `resource/subresource`.
    pub resources: Vec<String>,
    /// API groups (`""` core); empty = any group.
    pub api_groups: Vec<String>,
}

/// What an `rbac` assertion asks.
#[derive(Debug, Clone)]
pub enum Question {
    /// Subjects granted any of these permissions.
    Grants(Vec<Grant>),
    /// Subjects bound to one of these ClusterRoles (or Roles) by name.
    RoleRefs(Vec<String>),
    /// Bindings naming one of these subjects.
    Subjects(Vec<SubjectPattern>),
    /// Roles and ClusterRoles with `*` in verbs, resources, apiGroups or nonResourceURLs.
    Wildcards,
    /// A hygiene question ([`crate::checks::rbac_hygiene`]).
    Hygiene(crate::checks::rbac_hygiene::Hygiene),
}

/// Parameters of an `rbac` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// The question.
    pub question: Question,
    /// Status of a positive answer: `fail` (default) or `warn`.
    pub on_fail: Status,
}

impl Params {
    /// Reads and validates the assertion block: exactly one of `grants`, `role_refs`,
    /// `subjects`, `wildcards: true`.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `rbac` assertion of {what}");
        r.known_keys(
            node,
            &aw,
            &[
                "kind",
                "grants",
                "role_refs",
                "subjects",
                "wildcards",
                "on_fail",
                "unused_roles",
                "missing_subjects",
                "duplicate_grants",
                "unused_service_accounts",
            ],
        );
        let given: Vec<&str> = [
            "grants",
            "role_refs",
            "subjects",
            "wildcards",
            "unused_roles",
            "missing_subjects",
            "duplicate_grants",
            "unused_service_accounts",
        ]
        .into_iter()
        .filter(|k| node.get(k).is_some())
        .collect();
        if given.len() != 1 {
            r.error(
                node.line,
                format!(
                    "{aw} needs exactly one of `grants`, `role_refs`, `subjects`, `wildcards: true`, `unused_roles: true`, `missing_subjects: true`, `duplicate_grants: true`, `unused_service_accounts: true` (found {})",
                    if given.is_empty() { "none".to_string() } else { given.join(", ") }
                ),
            );
            return None;
        }
        let on_fail = crate::checks::read_on_fail(node, r, &aw)?;
        let question = match given[0] {
            "grants" => {
                let mut grants = Vec::new();
                let items = r.seq(node, "grants", &aw);
                for (i, g) in items.iter().enumerate() {
                    let gw = format!("{aw}, `grants` #{}", i + 1);
                    r.known_keys(g, &gw, &["verbs", "resources", "api_groups"]);
                    let verbs = r.string_list(g, "verbs", &gw);
                    let resources = r.string_list(g, "resources", &gw);
                    let api_groups = match g.get("api_groups") {
                        Some(n) => match &n.value {
                            crate::yaml::NodeValue::Seq(items) => items
                                .iter()
                                .map(|i| i.as_str().unwrap_or_default().to_string())
                                .collect(),
                            _ => r.string_list(g, "api_groups", &gw),
                        },
                        None => Vec::new(),
                    };
                    if verbs.is_empty() || resources.is_empty() {
                        r.error(g.line, format!("{gw} needs `verbs` and `resources`"));
                        return None;
                    }
                    grants.push(Grant {
                        verbs,
                        resources,
                        api_groups,
                    });
                }
                if grants.is_empty() {
                    return None;
                }
                Question::Grants(grants)
            }
            "role_refs" => {
                let v = r.string_list(node, "role_refs", &aw);
                if v.is_empty() {
                    r.error(node.line, format!("{aw}: `role_refs` is empty"));
                    return None;
                }
                Question::RoleRefs(v)
            }
            "subjects" => {
                let mut v = Vec::new();
                for (i, s) in r.seq(node, "subjects", &aw).iter().enumerate() {
                    v.push(SubjectPattern::read(
                        s,
                        r,
                        &format!("{aw}, `subjects` #{}", i + 1),
                    )?);
                }
                if v.is_empty() {
                    return None;
                }
                Question::Subjects(v)
            }
            key @ ("unused_roles"
            | "missing_subjects"
            | "duplicate_grants"
            | "unused_service_accounts") => {
                use crate::checks::rbac_hygiene::Hygiene;
                if r.opt_bool(node, key, &aw) != Some(true) {
                    r.error(node.line, format!("{aw}: `{key}` must be true"));
                    return None;
                }
                Question::Hygiene(match key {
                    "unused_roles" => Hygiene::UnusedRoles,
                    "missing_subjects" => Hygiene::MissingSubjects,
                    "duplicate_grants" => Hygiene::DuplicateGrants,
                    _ => Hygiene::UnusedServiceAccounts,
                })
            }
            _ => {
                if r.opt_bool(node, "wildcards", &aw) != Some(true) {
                    r.error(node.line, format!("{aw}: `wildcards` must be true"));
                    return None;
                }
                Question::Wildcards
            }
        };
        Some(Params { question, on_fail })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        match &self.question {
            Question::Grants(g) => format!(
                "Computes every subject's effective RBAC permissions (bindings, roles, aggregated ClusterRoles, wildcards) and flags subjects outside the built-in list that are granted {}",
                g.iter().map(Grant::describe).collect::<Vec<_>>().join(" or ")
            ),
            Question::RoleRefs(r) => format!(
                "Flags subjects outside the built-in list bound to {}",
                r.join(", ")
            ),
            Question::Subjects(s) => format!(
                "Flags bindings (other than built-in ones) naming {}",
                s.iter()
                    .map(|p| format!("{} {}", p.kind, p.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Question::Wildcards => "Flags Roles and ClusterRoles (other than built-in ones) with `*` in verbs, resources, apiGroups or nonResourceURLs".into(),
            Question::Hygiene(h) => h.describe().into(),
        }
    }
}

impl Grant {
    fn describe(&self) -> String {
        format!("{} on {}", self.verbs.join("/"), self.resources.join(", "))
    }
}

/// An RBAC subject as named in a binding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RbacSubject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace (service accounts).
    pub namespace: Option<String>,
}

impl RbacSubject {
    /// `ServiceAccount web/ci-deployer`, `Group developers`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// The subject of a finding about this RBAC subject.
    pub fn as_subject(&self) -> Subject {
        Subject {
            kind: self.kind.as_str().into(),
            namespace: self.namespace.as_deref().map(Into::into),
            name: self.name.as_str().into(),
            ..Subject::default()
        }
    }
}

/// One rule of a role, with the role object it was written in (differs from the bound role
/// when it came through aggregation).
#[derive(Debug, Clone)]
pub struct RuleRef<'a> {
    /// The Role/ClusterRole holding the rule.
    pub owner: &'a Object,
    /// Index in `rules`.
    pub index: usize,
    /// The rule.
    pub rule: &'a Doc,
}

/// A binding with its resolved role.
#[derive(Debug, Clone)]
pub struct Binding<'a> {
    /// The RoleBinding/ClusterRoleBinding.
    pub object: &'a Object,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    /// roleRef.name.
    pub role_name: String,
    /// The role object, when found.
    pub role: Option<&'a Object>,
    /// The effective rules (aggregation resolved).
    pub rules: Vec<RuleRef<'a>>,
    /// Namespace the grant applies to (`None`: cluster-wide).
    pub scope: Option<String>,
    /// Subjects.
    pub subjects: Vec<RbacSubject>,
}

impl Binding<'_> {
    /// `ClusterRoleBinding x` / `RoleBinding ns/x`.
    pub fn display(&self) -> String {
        evidence::subject(self.object).display()
    }

    /// `ClusterRole cluster-admin` (with `(not found)` when missing).
    pub fn role_display(&self) -> String {
        match self.role {
            Some(r) => evidence::subject(r).display(),
            None => format!("{} {} (not in the input)", self.role_kind, self.role_name),
        }
    }

    /// [`Binding::role_display`], or for a role not in the input whose `stock` rules the
    /// catalog supplies: `ClusterRole edit (not in the input; its stock rules from the
    /// catalog)`.
    pub fn role_words(&self, stock: bool) -> String {
        match self.role {
            None if stock => format!(
                "{} {} (not in the input; its stock rules from the catalog)",
                self.role_kind, self.role_name
            ),
            _ => self.role_display(),
        }
    }

    /// `cluster-wide` or `namespace web`.
    pub fn scope_display(&self) -> String {
        match &self.scope {
            Some(ns) => format!("namespace {ns}"),
            None => "cluster-wide".into(),
        }
    }
}

/// The RBAC state of an inventory: every binding with its effective rules.
#[derive(Debug, Default)]
pub struct Rbac<'a> {
    /// All bindings, in inventory order.
    pub bindings: Vec<Binding<'a>>,
}

/// The rules written in a Role or ClusterRole itself (no aggregation).
pub fn own_rules(obj: &Object) -> Vec<RuleRef<'_>> {
    obj.value
        .get("rules")
        .and_then(Doc::as_array)
        .map(|rules| {
            rules
                .iter()
                .enumerate()
                .map(|(index, rule)| RuleRef {
                    owner: obj,
                    index,
                    rule,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The effective rules of a ClusterRole: its own, plus (transitively) those of every
/// ClusterRole its `aggregationRule` selects. Rules the API server already copied in are
/// kept; duplicates do not change any answer.
pub fn cluster_role_rules<'a>(inv: &'a Inventory, role: &'a Object) -> Vec<RuleRef<'a>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![role];
    while let Some(r) = stack.pop() {
        if !seen.insert(r.name.clone()) {
            continue;
        }
        out.extend(own_rules(r));
        let selectors = r
            .value
            .at("/aggregationRule/clusterRoleSelectors")
            .and_then(Doc::as_array);
        for sel in selectors.into_iter().flatten() {
            for other in inv.of_kind("ClusterRole") {
                if other.name != r.name
                    && selector::selects(sel, &selector::labels_of(&other.value["metadata"]))
                {
                    stack.push(other);
                }
            }
        }
    }
    out
}

/// Builds the RBAC state of an inventory. Roles are found through the inventory's index and
/// each ClusterRole's aggregation is resolved once, however many bindings name it; checks
/// share one build per run through [`Context::rbac`].
pub fn build(inv: &Inventory) -> Rbac<'_> {
    let mut bindings = Vec::new();
    let mut aggregated: HashMap<*const Object, Vec<RuleRef<'_>>> = HashMap::default();
    for obj in inv
        .objects
        .iter()
        .filter(|o| o.kind == "RoleBinding" || o.kind == "ClusterRoleBinding")
    {
        let role_kind = obj
            .value
            .at("/roleRef/kind")
            .and_then(Doc::as_str)
            .unwrap_or("ClusterRole")
            .to_string();
        let role_name = obj
            .value
            .at("/roleRef/name")
            .and_then(Doc::as_str)
            .unwrap_or_default()
            .to_string();
        let scope = if obj.kind == "RoleBinding" {
            obj.namespace.clone()
        } else {
            None
        };
        let role = if role_kind == "Role" {
            inv.find("Role", obj.namespace.as_deref(), &role_name)
        } else {
            inv.find_named("ClusterRole", &role_name)
        };
        let rules = match role {
            Some(r) if r.kind == "ClusterRole" => aggregated
                .entry(std::ptr::from_ref(r))
                .or_insert_with(|| cluster_role_rules(inv, r))
                .clone(),
            Some(r) => own_rules(r),
            None => Vec::new(),
        };
        let subjects = obj
            .value
            .get("subjects")
            .and_then(Doc::as_array)
            .map(|subs| {
                subs.iter()
                    .filter_map(|s| {
                        let kind = s.get("kind").and_then(Doc::as_str)?.to_string();
                        let name = s.get("name").and_then(Doc::as_str)?.to_string();
                        let namespace = if kind == "ServiceAccount" {
                            s.get("namespace")
                                .and_then(Doc::as_str)
                                .map(str::to_string)
                                .or_else(|| obj.namespace.clone())
                        } else {
                            None
                        };
                        Some(RbacSubject {
                            kind,
                            name,
                            namespace,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        bindings.push(Binding {
            object: obj,
            role_kind,
            role_name,
            role,
            rules,
            scope,
            subjects,
        });
    }
    Rbac { bindings }
}

/// How a rule answers a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allows {
    /// Not granted.
    No,
    /// Granted on every object of the resource.
    All,
    /// Granted only on these names (`resourceNames`).
    Names(Vec<String>),
}

/// Whether a rule grants `verb` on `resource` (`pods` or `pods/exec`) in `group`
/// (`None`: any group). `verb == "any"` asks for any verb at all.
pub fn rule_allows(rule: &Doc, verb: &str, resource: &str, group: Option<&str>) -> Allows {
    let any_verb = verb == "any" && str_items(rule, "verbs").next().is_some();
    if !any_verb && !str_items(rule, "verbs").any(|v| v == "*" || v == verb) {
        return Allows::No;
    }
    if let Some(g) = group {
        if !str_items(rule, "apiGroups").any(|x| x == "*" || x == g) {
            return Allows::No;
        }
    }
    let sub = resource.split_once('/').map(|(_, s)| s);
    let res_ok = str_items(rule, "resources").any(|r| {
        r == "*"
            || r == resource
            || sub.is_some_and(|s| r.strip_prefix("*/").is_some_and(|rs| rs == s))
    });
    if !res_ok {
        return Allows::No;
    }
    let names = strings(rule, "resourceNames");
    if names.is_empty() {
        Allows::All
    } else {
        Allows::Names(names)
    }
}

/// One link chain: subject → binding → role → rule.
#[derive(Debug, Clone)]
pub struct Chain<'a> {
    /// The subject.
    pub subject: RbacSubject,
    /// The binding.
    pub binding: &'a Binding<'a>,
    /// The rule, when the question is about a rule.
    pub rule: Option<RuleRef<'a>>,
    /// The rule is narrowed by `resourceNames`.
    pub names: Option<Vec<String>>,
}

impl Chain<'_> {
    /// The evidence for this chain.
    pub fn observation(&self, expected: &str, holds: bool) -> Observation {
        let b = self.binding;
        let mut observed = json!({
            "subject": self.subject.display(),
            "binding": b.display(),
            "role": b.role_display(),
            "scope": b.scope_display(),
        });
        let mut path = format!(
            "{} → {} → {}",
            self.subject.display(),
            b.display(),
            b.role_display()
        );
        let mut note = None;
        if let Some(r) = &self.rule {
            observed["rule"] = r.rule.to_value();
            path.push_str(&format!(" → rules[{}]", r.index));
            if b.role.is_none() {
                note = Some(format!(
                    "{} {} is not in the input: judged with its stock rules ({})",
                    b.role_kind,
                    b.role_name,
                    r.owner.origin.describe()
                ));
            } else if b.role.is_some_and(|role| !std::ptr::eq(role, r.owner)) {
                let from = evidence::subject(r.owner).display();
                observed["aggregated_from"] = json!(from);
                note = Some(format!("rule aggregated from {from}"));
            }
        }
        if let Some(names) = &self.names {
            note = Some(format!(
                "{}limited to resourceNames {}",
                note.map(|n| format!("{n}; ")).unwrap_or_default(),
                names.join(", ")
            ));
        }
        Observation {
            source: evidence::source(b.object, "subjects"),
            path,
            observed,
            expected: expected.to_string(),
            holds,
            note,
        }
    }
}

/// Whether a binding can grant `resource` in `namespace` (`None`: anywhere): a RoleBinding
/// grants only namespaced resources, only in its own namespace; a ClusterRoleBinding grants
/// everywhere.
pub fn binding_applies(
    b: &Binding<'_>,
    settings: &Settings,
    resource: &str,
    namespace: Option<&str>,
) -> bool {
    match &b.scope {
        None => true,
        Some(scope) => {
            !settings.is_cluster_scoped(resource) && namespace.is_none_or(|ns| ns == scope)
        }
    }
}

/// Bindings whose rules are unknown (their role is not in the input and is not a built-in
/// ClusterRole the catalog knows) that could grant any of `resources` in `namespace`
/// (`None`: anywhere).
pub fn unresolved<'a>(
    rbac: &'a Rbac<'a>,
    settings: &Settings,
    resources: &[&str],
    namespace: Option<&str>,
) -> Vec<&'a Binding<'a>> {
    rbac.bindings
        .iter()
        .filter(|b| settings.is_unresolved(b))
        .filter(|b| {
            resources
                .iter()
                .any(|res| binding_applies(b, settings, res, namespace))
        })
        .collect()
}

/// Every chain that grants `verb` on `resource` (in `group`), within `namespace` when given
/// (cluster-wide grants apply in every namespace). RoleBindings never grant cluster-scoped
/// resources (`settings.cluster_scoped_resources`), whatever role they name; a binding to a
/// built-in ClusterRole that is not in the input is answered from the catalog's stock rules;
/// a binding to any other missing role grants nothing here (see [`unresolved`]).
pub fn who_can<'a>(
    rbac: &'a Rbac<'a>,
    settings: &'a Settings,
    verb: &str,
    resource: &str,
    group: Option<&str>,
    namespace: Option<&str>,
) -> Vec<Chain<'a>> {
    let mut out = Vec::new();
    for b in &rbac.bindings {
        if !binding_applies(b, settings, resource, namespace) {
            continue;
        }
        for r in settings.rules_of(b).iter() {
            let names = match rule_allows(r.rule, verb, resource, group) {
                Allows::No => continue,
                Allows::All => None,
                Allows::Names(n) => Some(n),
            };
            for s in &b.subjects {
                out.push(Chain {
                    subject: s.clone(),
                    binding: b,
                    rule: Some(r.clone()),
                    names: names.clone(),
                });
            }
        }
    }
    out
}

/// An `error` finding for each of `kinds` that was not collected.
pub fn kinds_state(check: &Check, inv: &Inventory, kinds: &[&str], out: &mut Outcome) {
    for kind in kinds {
        match inv.kind_state(kind) {
            KindState::Collected => {}
            KindState::Failed(reason) | KindState::NotServed(reason) => {
                out.findings.push(evidence::about_kind(
                    check,
                    Status::Error,
                    kind,
                    format!("could not assess RBAC: {kind} objects: {reason}"),
                ))
            }
        }
    }
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    let settings = &ctx.catalog.rbac;
    if let Question::Wildcards = p.question {
        kinds_state(check, inv, &["Role", "ClusterRole"], &mut out);
        wildcards(check, p, inv, settings, &mut out);
        return out;
    }
    if let Question::Hygiene(h) = p.question {
        crate::checks::rbac_hygiene::evaluate(h, check, p, ctx, &mut out);
        return out;
    }
    kinds_state(check, inv, RBAC_KINDS, &mut out);
    let rbac = ctx.rbac();
    if rbac.bindings.is_empty() {
        out.empty_reason = "no RoleBinding or ClusterRoleBinding in the inventory".into();
        return out;
    }
    // Chains per subject, and the text of what is expected.
    let mut chains: BTreeMap<RbacSubject, Vec<Chain>> = BTreeMap::new();
    // Bindings whose rules are unknown, per subject (grants questions only).
    let mut unknown: BTreeMap<RbacSubject, Vec<&Binding>> = BTreeMap::new();
    let (expected, exempt_subjects) = match &p.question {
        Question::Grants(grants) => {
            let resources: Vec<&str> = grants
                .iter()
                .flat_map(|g| g.resources.iter().map(String::as_str))
                .collect();
            for b in unresolved(rbac, settings, &resources, None) {
                for s in &b.subjects {
                    unknown.entry(s.clone()).or_default().push(b);
                }
            }
            for g in grants {
                for verb in &g.verbs {
                    for res in &g.resources {
                        let groups: Vec<Option<&str>> = if g.api_groups.is_empty() {
                            vec![None]
                        } else {
                            g.api_groups.iter().map(|x| Some(x.as_str())).collect()
                        };
                        for grp in groups {
                            for c in who_can(rbac, settings, verb, res, grp, None) {
                                chains.entry(c.subject.clone()).or_default().push(c);
                            }
                        }
                    }
                }
            }
            (
                format!(
                    "no grant of {}",
                    grants
                        .iter()
                        .map(Grant::describe)
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                true,
            )
        }
        Question::RoleRefs(names) => {
            for b in rbac
                .bindings
                .iter()
                .filter(|b| names.contains(&b.role_name))
            {
                for s in &b.subjects {
                    chains.entry(s.clone()).or_default().push(Chain {
                        subject: s.clone(),
                        binding: b,
                        rule: None,
                        names: None,
                    });
                }
            }
            (format!("not bound to {}", names.join(", ")), true)
        }
        Question::Subjects(patterns) => {
            for b in &rbac.bindings {
                if settings.is_system_binding(b.object) {
                    continue;
                }
                for s in b
                    .subjects
                    .iter()
                    .filter(|s| patterns.iter().any(|pt| pt.matches(s)))
                {
                    chains.entry(s.clone()).or_default().push(Chain {
                        subject: s.clone(),
                        binding: b,
                        rule: None,
                        names: None,
                    });
                }
            }
            ("not named in any binding".to_string(), false)
        }
        // Answered above, before bindings are built.
        Question::Wildcards | Question::Hygiene(_) => return out,
    };
    let mut failed = 0;
    let mut unknowns = 0;
    for (subject, bs) in &unknown {
        // A definite grant (fail) or a built-in subject is decided without the unknown rules.
        if chains.contains_key(subject) || settings.is_system_subject(subject) {
            continue;
        }
        unknowns += 1;
        let observations = bs
            .iter()
            .map(|b| Observation {
                source: evidence::source(b.object, "roleRef"),
                path: format!(
                    "{} → {} → {}",
                    subject.display(),
                    b.display(),
                    b.role_display()
                ),
                observed: json!({
                    "subject": subject.display(),
                    "binding": b.display(),
                    "role": b.role_display(),
                    "scope": b.scope_display(),
                }),
                expected: format!("the rules of {} {}", b.role_kind, b.role_name),
                holds: false,
                note: Some("the role is not in the input, so its rules are unknown".into()),
            })
            .collect();
        let b = bs[0];
        out.findings.push(evidence::finding(
            check,
            Status::Error,
            subject.as_subject(),
            observations,
            format!(
                "{}: {} {} is not in the input (bound by {}), so its rules are unknown: include the role in the input or scan the cluster",
                subject.display(),
                b.role_kind,
                b.role_name,
                b.display()
            ),
        ));
    }
    for (subject, cs) in &chains {
        // Dedupe identical chains (a rule matched for several verbs).
        let mut seen = BTreeSet::new();
        let cs: Vec<&Chain> = cs
            .iter()
            .filter(|c| {
                seen.insert((
                    c.binding.display(),
                    c.rule
                        .as_ref()
                        .map(|r| (evidence::subject(r.owner).display(), r.index)),
                ))
            })
            .collect();
        let broad: Vec<&&Chain> = cs.iter().filter(|c| c.names.is_none()).collect();
        let system = exempt_subjects && settings.is_system_subject(subject);
        let (status, message) = if broad.is_empty() && !system && unknown.contains_key(subject) {
            unknowns += 1;
            let b = unknown[subject][0];
            (
                Status::Error,
                format!(
                    "{} is granted this only on named objects here, but {} {} (bound by {}) is not in the input, so its rules are unknown",
                    subject.display(),
                    b.role_kind,
                    b.role_name,
                    b.display()
                ),
            )
        } else if broad.is_empty() {
            (
                Status::Pass,
                format!(
                    "{} is granted this only on named objects (resourceNames)",
                    subject.display()
                ),
            )
        } else if system {
            (
                Status::Pass,
                format!(
                    "{} is a built-in Kubernetes subject (listed in controls/rbac.yaml); {}",
                    subject.display(),
                    first_chain_text(&broad)
                ),
            )
        } else {
            failed += 1;
            (
                p.on_fail,
                format!("{}: {}", subject.display(), first_chain_text(&broad)),
            )
        };
        let holds = status == Status::Pass;
        let observations = cs.iter().map(|c| c.observation(&expected, holds)).collect();
        out.findings.push(evidence::finding(
            check,
            status,
            subject.as_subject(),
            observations,
            message,
        ));
    }
    if failed == 0 && unknowns == 0 {
        let n: BTreeSet<&RbacSubject> = rbac.bindings.iter().flat_map(|b| &b.subjects).collect();
        let what = match &p.question {
            Question::Grants(g) => format!(
                "no subject outside the built-in list is granted {}",
                g.iter()
                    .map(Grant::describe)
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Question::RoleRefs(r) => format!(
                "no subject outside the built-in list is bound to {}",
                r.join(", ")
            ),
            Question::Subjects(s) => format!(
                "no binding outside the built-in ones names {}",
                s.iter()
                    .map(|p| format!("{} {}", p.kind, p.name))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Question::Wildcards | Question::Hygiene(_) => String::new(),
        };
        out.findings.push(evidence::finding(
            check,
            Status::Pass,
            Subject {
                kind: "RBAC".into(),
                name: "bindings".into(),
                ..Subject::default()
            },
            Vec::new(),
            format!(
                "{} binding(s) naming {} subject(s) examined: {what}",
                rbac.bindings.len(),
                n.len(),
            ),
        ));
    }
    out
}

fn first_chain_text(chains: &[&&Chain]) -> String {
    let c = chains[0];
    let mut s = format!(
        "via {} → {}",
        c.binding.display(),
        c.binding.role_words(c.rule.is_some())
    );
    if let Some(r) = &c.rule {
        s.push_str(&format!(" rules[{}]", r.index));
    }
    s.push_str(&format!(" ({})", c.binding.scope_display()));
    if chains.len() > 1 {
        s.push_str(&format!(" and {} more", chains.len() - 1));
    }
    s
}

fn wildcards(check: &Check, p: &Params, inv: &Inventory, settings: &Settings, out: &mut Outcome) {
    let mut failed = 0;
    let mut roles = 0;
    for role in inv
        .objects
        .iter()
        .filter(|o| o.kind == "Role" || o.kind == "ClusterRole")
    {
        roles += 1;
        let mut obs = Vec::new();
        for r in own_rules(role) {
            let wild: Vec<&str> = ["verbs", "resources", "apiGroups", "nonResourceURLs"]
                .into_iter()
                .filter(|k| strings(r.rule, k).iter().any(|v| v == "*"))
                .collect();
            if !wild.is_empty() {
                obs.push(Observation {
                    source: evidence::source(role, &format!("rules[{}]", r.index)),
                    path: format!("rules[{}] ({})", r.index, wild.join(", ")),
                    observed: r.rule.to_value(),
                    expected: "explicit lists, no `*`".into(),
                    holds: false,
                    note: None,
                });
            }
        }
        if obs.is_empty() {
            continue;
        }
        let subject = evidence::subject(role);
        let (status, message) = if settings.is_system_role(role) {
            for o in &mut obs {
                o.holds = true;
            }
            (
                Status::Pass,
                format!(
                    "{} is a built-in role (controls/rbac.yaml or the rbac-defaults label); its wildcard is stock",
                    subject.display()
                ),
            )
        } else {
            failed += 1;
            (
                p.on_fail,
                format!("{} has {} rule(s) with `*`", subject.display(), obs.len()),
            )
        };
        out.findings
            .push(evidence::finding(check, status, subject, obs, message));
    }
    if roles == 0 {
        out.empty_reason = "no Role or ClusterRole in the inventory".into();
    } else if failed == 0 {
        out.findings.push(evidence::finding(
            check,
            Status::Pass,
            Subject {
                kind: "RBAC".into(),
                name: "roles".into(),
                ..Subject::default()
            },
            Vec::new(),
            format!("{roles} role(s) examined: none outside the built-in ones uses `*`"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Origin;

    fn obj(v: Value) -> Object {
        Object::from_value(v, Origin::Snapshot { path: "t".into() }, BTreeMap::new())
            .expect("object")
    }

    fn inv(objs: Vec<Value>) -> Inventory {
        let mut i = Inventory::new(Default::default(), true);
        i.objects = objs.into_iter().map(obj).collect();
        i
    }

    fn settings() -> Settings {
        crate::catalog::load(None).expect("catalog").rbac
    }

    fn cluster_role(name: &str, resources: &[&str]) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name},
               "rules": [{"apiGroups": ["", "certificates.k8s.io"], "resources": resources, "verbs": ["*"]}]})
    }

    fn binding(kind: &str, ns: Option<&str>, role_kind: &str, role: &str) -> Value {
        let mut meta = json!({"name": "b"});
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta,
               "roleRef": {"kind": role_kind, "name": role}, "subjects": [{"kind": "User", "name": "u"}]})
    }

    #[test]
    fn role_bindings_never_grant_cluster_scoped_resources() {
        let s = settings();
        let res = &[
            "nodes/proxy",
            "persistentvolumes",
            "certificatesigningrequests/approval",
            "pods/exec",
        ];
        let i = inv(vec![
            cluster_role("wide", res),
            binding("RoleBinding", Some("ns"), "ClusterRole", "wide"),
        ]);
        let rbac = build(&i);
        for r in &res[..3] {
            assert!(who_can(&rbac, &s, "get", r, None, None).is_empty(), "{r}");
            assert!(
                who_can(&rbac, &s, "get", r, None, Some("ns")).is_empty(),
                "{r}"
            );
        }
        assert_eq!(
            who_can(&rbac, &s, "create", "pods/exec", None, Some("ns")).len(),
            1
        );
        assert!(who_can(&rbac, &s, "create", "pods/exec", None, Some("other")).is_empty());
        // The same role through a ClusterRoleBinding grants them everywhere.
        let i = inv(vec![
            cluster_role("wide", res),
            binding("ClusterRoleBinding", None, "ClusterRole", "wide"),
        ]);
        let rbac = build(&i);
        for r in res {
            assert_eq!(
                who_can(&rbac, &s, "get", r, None, Some("ns")).len(),
                1,
                "{r}"
            );
        }
    }

    #[test]
    fn built_in_cluster_roles_are_judged_by_their_stock_rules() {
        let s = settings();
        let i = inv(vec![binding(
            "RoleBinding",
            Some("ns"),
            "ClusterRole",
            "edit",
        )]);
        let rbac = build(&i);
        let got = who_can(&rbac, &s, "get", "secrets", Some(""), Some("ns"));
        assert_eq!(got.len(), 1);
        assert!(got[0]
            .observation("x", false)
            .note
            .unwrap_or_default()
            .contains("not in the input"));
        assert!(who_can(&rbac, &s, "create", "persistentvolumes", None, None).is_empty());
        assert!(unresolved(&rbac, &s, &["secrets"], None).is_empty());
        let i = inv(vec![binding(
            "RoleBinding",
            Some("ns"),
            "ClusterRole",
            "view",
        )]);
        let rbac = build(&i);
        assert!(who_can(&rbac, &s, "get", "secrets", Some(""), None).is_empty());
    }

    #[test]
    fn roles_not_in_the_input_are_unresolved_not_empty() {
        let s = settings();
        let i = inv(vec![
            binding("RoleBinding", Some("ns"), "ClusterRole", "custom"),
            binding("RoleBinding", Some("ns"), "Role", "edit"),
        ]);
        let rbac = build(&i);
        assert!(who_can(&rbac, &s, "get", "secrets", None, None).is_empty());
        // Both bindings: a namespaced Role named like a built-in ClusterRole is not one.
        assert_eq!(unresolved(&rbac, &s, &["secrets"], None).len(), 2);
        assert_eq!(unresolved(&rbac, &s, &["secrets"], Some("ns")).len(), 2);
        assert!(unresolved(&rbac, &s, &["secrets"], Some("other")).is_empty());
        // A RoleBinding cannot grant a cluster-scoped resource, whatever its role holds.
        assert!(unresolved(&rbac, &s, &["nodes/proxy"], None).is_empty());
    }

    #[test]
    fn globs() {
        assert!(glob("system:*", "system:node"));
        assert!(glob("*-controller", "job-controller"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b", "ac"));
        assert!(glob("x", "x"));
    }

    #[test]
    fn rules_match_wildcards_subresources_and_names() {
        let r = crate::document::Doc::from(
            json!({"apiGroups": [""], "resources": ["*/exec"], "verbs": ["create"]}),
        );
        assert_eq!(
            rule_allows(&r, "create", "pods/exec", Some("")),
            Allows::All
        );
        assert_eq!(rule_allows(&r, "create", "pods", Some("")), Allows::No);
        let r = crate::document::Doc::from(
            json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}),
        );
        assert_eq!(rule_allows(&r, "get", "secrets", Some("")), Allows::All);
        let r = crate::document::Doc::from(
            json!({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["a"]}),
        );
        assert_eq!(
            rule_allows(&r, "get", "secrets", None),
            Allows::Names(vec!["a".into()])
        );
        assert_eq!(rule_allows(&r, "list", "secrets", None), Allows::No);
    }

    #[test]
    fn aggregation_is_transitive() {
        let i = inv(vec![
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "top"},
                   "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "top"}}]}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "mid", "labels": {"agg": "top"}},
                   "aggregationRule": {"clusterRoleSelectors": [{"matchExpressions": [{"key": "agg", "operator": "In", "values": ["mid"]}]}]}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "leaf", "labels": {"agg": "mid"}},
                   "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "ns"},
                   "roleRef": {"kind": "ClusterRole", "name": "top"}, "subjects": [{"kind": "User", "name": "u"}]}),
        ]);
        let rbac = build(&i);
        let s = settings();
        let got = who_can(&rbac, &s, "list", "secrets", None, Some("ns"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].subject.name, "u");
        let o = got[0].observation("x", false);
        assert!(o
            .note
            .as_deref()
            .unwrap_or("")
            .contains("aggregated from ClusterRole leaf"));
        assert!(who_can(&rbac, &s, "list", "secrets", None, Some("other")).is_empty());
    }

    #[test]
    fn service_account_namespace_defaults_to_the_binding() {
        let i = inv(vec![
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "b", "namespace": "ns"}, "roleRef": {"kind": "Role", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "sa"}]}),
        ]);
        let rbac = build(&i);
        assert_eq!(
            rbac.bindings[0].subjects[0].namespace.as_deref(),
            Some("ns")
        );
        assert!(rbac.bindings[0].role.is_none());
    }
}
