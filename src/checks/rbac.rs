//! `rbac`: effective permissions per subject, from Roles, ClusterRoles (with aggregation
//! rules), RoleBindings and ClusterRoleBindings.
//!
//! Decides four kinds of question: which subjects are granted some verbs on some resources
//! (`grants`, with `*` in verbs, resources and apiGroups honoured, `*/sub` subresource rules,
//! and rules narrowed by `resourceNames` counted as narrow, not broad, grants), which subjects
//! are bound to named ClusterRoles (`role_refs`), which bindings name given subjects
//! (`subjects`), and which Roles/ClusterRoles use wildcards (`wildcards`). The evidence of a
//! grant is the chain subject → binding → role → rule, one observation per link found.
//! The bindings Kubernetes and kubeadm create are listed by content in the catalog
//! (`controls/rbac.yaml`, `stock_bindings`) so a stock cluster is not a wall of failures;
//! a subject is exempt only where such a stock binding names it, and shows up there as a
//! passing finding that says it is built in. Never reads anything but RBAC objects, and
//! errors (never passes) when one of the four RBAC kinds was not collected. The same engine
//! answers `kubeattest who-can`.
//!
//! Scoping follows the API server: a RoleBinding grants its role's rules only on namespaced
//! resources of its own namespace, even when the role is a ClusterRole; cluster-scoped
//! resources (the table `cluster_scoped_resources` of `controls/rbac.yaml`) are granted only
//! through ClusterRoleBindings (but for `namespaced_requests`: `bind` on `clusterroles` is
//! checked in the namespace of the RoleBinding being created). A binding whose role is not in
//! the input is judged with the stock rules of a built-in ClusterRole (`builtin_cluster_roles`:
//! cluster-admin, admin, edit, view, the system roles of the bootstrap policy), with the
//! input's ClusterRoles that its stock `aggregationRule` selects, or of a built-in Role of
//! kube-system or kube-public (`builtin_roles`: extension-apiserver-authentication-reader, …);
//! any other missing role, or an aggregated ClusterRole of
//! a manifest that nothing in the input feeds, makes its subjects `error` for permission
//! questions ("its rules are unknown"), never a pass. A built-in role that is in the input
//! (from any source) grants its own rules and its stock ones together, unless annotated
//! `rbac.authorization.kubernetes.io/autoupdate: "false"`: the API server's
//! auto-reconciliation adds the missing stock permissions back at every start-up
//! ([`Settings::reconciled_stock`]).

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

/// A binding as Kubernetes or kubeadm creates it: kind, namespace, name, roleRef and the
/// subjects it names. `*` stands for one text, the same in every field: it matches any run of
/// characters in the binding's name, and that run is put in place of `*` in the other fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockBinding {
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: String,
    /// Namespace (RoleBindings).
    pub namespace: Option<String>,
    /// Name pattern.
    pub name: String,
    /// roleRef kind: `Role` or `ClusterRole`.
    pub role_kind: String,
    /// roleRef name.
    pub role_name: String,
    /// The subjects the stock binding names.
    pub subjects: Vec<SubjectPattern>,
}

impl StockBinding {
    /// The text `*` stands for when this entry describes `b` (kind, namespace, name and
    /// roleRef all match), `Some("")` for an entry without `*`.
    fn capture<'b>(&self, b: &'b Binding<'_>) -> Option<&'b str> {
        if self.kind != b.object.kind || self.namespace != b.object.namespace {
            return None;
        }
        let captured = capture(&self.name, &b.object.name)?;
        let fill = |pattern: &str| pattern.replace('*', captured);
        (self.role_kind == b.role_kind && fill(&self.role_name) == b.role_name).then_some(captured)
    }

    /// Whether `s` is one of the subjects this entry names, with `*` standing for `captured`.
    fn names(&self, s: &RbacSubject, captured: &str) -> bool {
        let fill = |pattern: &str| pattern.replace('*', captured);
        self.subjects.iter().any(|p| {
            p.kind == s.kind
                && fill(&p.name) == s.name
                && p.namespace.as_deref().map(fill) == s.namespace
        })
    }

    fn read(node: &Node, r: &mut Reader, what: &str) -> Option<StockBinding> {
        r.known_keys(
            node,
            what,
            &["kind", "namespace", "name", "roleRef", "subjects"],
        );
        let kind = r.string(node, "kind", what)?;
        if !matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
            r.error(
                node.get("kind").map_or(node.line, |n| n.line),
                format!("{what}: kind `{kind}` must be RoleBinding or ClusterRoleBinding"),
            );
            return None;
        }
        let namespace = r.opt_string(node, "namespace", what);
        if (kind == "RoleBinding") != namespace.is_some() {
            r.error(
                node.line,
                format!("{what}: a RoleBinding needs a `namespace`, a ClusterRoleBinding has none"),
            );
            return None;
        }
        let name = r.string(node, "name", what)?;
        if name.matches('*').count() > 1 {
            r.error(
                node.line,
                format!("{what}: `name` may hold one `*` at most"),
            );
            return None;
        }
        let Some(role_ref) = node.get("roleRef") else {
            r.error(node.line, format!("{what}: `roleRef` is missing"));
            return None;
        };
        let rw = format!("{what}, `roleRef`");
        r.known_keys(role_ref, &rw, &["kind", "name"]);
        let role_kind = r.string(role_ref, "kind", &rw)?;
        let role_name = r.string(role_ref, "name", &rw)?;
        let mut subjects = Vec::new();
        for (i, n) in r.seq(node, "subjects", what).iter().enumerate() {
            subjects.push(SubjectPattern::read(
                n,
                r,
                &format!("{what}, `subjects` #{}", i + 1),
            )?);
        }
        Some(StockBinding {
            kind,
            namespace,
            name,
            role_kind,
            role_name,
            subjects,
        })
    }
}

/// The text a pattern's one `*` matched in `text` (`Some("")` when the pattern has none and
/// equals the text).
fn capture<'t>(pattern: &str, text: &'t str) -> Option<&'t str> {
    match pattern.split_once('*') {
        None => (pattern == text).then_some(""),
        Some((head, tail)) => text
            .strip_prefix(head)
            .and_then(|rest| rest.strip_suffix(tail)),
    }
}

/// Reads one entry of `builtin_cluster_roles` (`namespace` `None`: a ClusterRole with `name`,
/// `labels`, `aggregationRule`, `rules`) or of `builtin_roles` (a Role of `namespace`).
fn read_builtin_role(
    n: &Node,
    r: &mut Reader,
    what: &str,
    namespace: Option<String>,
) -> Option<Object> {
    let keys: &[&str] = if namespace.is_some() {
        &["namespace", "name", "labels", "rules"]
    } else {
        &["name", "labels", "aggregationRule", "rules"]
    };
    r.known_keys(n, what, keys);
    let name = r.string(n, "name", what)?;
    let rules = r.seq(n, "rules", what).iter().map(Node::to_json).collect();
    let mut value = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": if namespace.is_some() { "Role" } else { "ClusterRole" },
        "metadata": {"name": name},
        "rules": Value::Array(rules),
    });
    if let Some(ns) = namespace {
        value["metadata"]["namespace"] = json!(ns);
    }
    if let Some(labels) = n.get("labels") {
        value["metadata"]["labels"] = labels.to_json();
    }
    if let Some(agg) = n.get("aggregationRule") {
        value["aggregationRule"] = agg.to_json();
    }
    let origin = Origin::File {
        path: r.file.clone(),
        line: n.line,
    };
    match Object::from_value(value, origin, BTreeMap::new()) {
        Ok(o) => Some(o),
        Err(e) => {
            r.error(n.line, format!("{what}: {e}"));
            None
        }
    }
}

/// Which subjects, roles and bindings are built into Kubernetes (from `controls/rbac.yaml`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The bindings Kubernetes and kubeadm create, by content: their subjects are exempt
    /// there, and only there.
    pub stock_bindings: Vec<StockBinding>,
    /// Identities the control plane uses without a pod: left out of the hygiene questions
    /// `duplicate_grants` and `unused_service_accounts` only.
    pub system_subjects: Vec<SubjectPattern>,
    /// Built-in ClusterRole names: not judged by `unused_roles`.
    pub system_roles: Vec<String>,
    /// Resources outside any namespace: granted only through ClusterRoleBindings.
    pub cluster_scoped_resources: BTreeSet<String>,
    /// `(verb, resource)` requests on a cluster-scoped resource that the API server checks in
    /// a namespace (`bind` on `clusterroles`), so a RoleBinding grants them there.
    pub namespaced_requests: BTreeSet<(String, String)>,
    /// Built-in ClusterRoles with their stock rules, used when a binding names one that is
    /// not in the input.
    pub builtin_cluster_roles: Vec<Object>,
    /// The Roles the bootstrap policy creates in kube-system and kube-public with their stock
    /// rules, used when a RoleBinding of that namespace names one that is not in the input.
    pub builtin_roles: Vec<Object>,
    /// Built-in ClusterRoles that are not in `builtin_cluster_roles`, each with only its
    /// stock rules that contain `*` (`stock_wildcard_rules`): what the `wildcards` question
    /// exempts in a ClusterRole of that exact name. Never used to judge bindings.
    pub stock_wildcard_roles: Vec<Object>,
}

impl Settings {
    /// Reads `rbac.yaml`.
    pub fn read(doc: &Node, r: &mut Reader) -> Settings {
        r.known_keys(
            doc,
            "rbac.yaml",
            &[
                "stock_bindings",
                "system_subjects",
                "system_roles",
                "cluster_scoped_resources",
                "namespaced_requests",
                "builtin_cluster_roles",
                "builtin_roles",
                "stock_wildcard_rules",
            ],
        );
        let mut s = Settings::default();
        for (i, n) in r
            .opt_seq(doc, "stock_bindings", "rbac.yaml")
            .iter()
            .enumerate()
        {
            if let Some(b) = StockBinding::read(n, r, &format!("stock_bindings #{}", i + 1)) {
                s.stock_bindings.push(b);
            }
        }
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
        s.cluster_scoped_resources = r
            .string_list(doc, "cluster_scoped_resources", "rbac.yaml")
            .into_iter()
            .collect();
        for (i, n) in r
            .opt_seq(doc, "namespaced_requests", "rbac.yaml")
            .iter()
            .enumerate()
        {
            let what = format!("namespaced_requests #{}", i + 1);
            r.known_keys(n, &what, &["verb", "resources"]);
            let Some(verb) = r.string(n, "verb", &what) else {
                continue;
            };
            for res in r.string_list(n, "resources", &what) {
                s.namespaced_requests.insert((verb.clone(), res));
            }
        }
        for (i, n) in r
            .opt_seq(doc, "builtin_cluster_roles", "rbac.yaml")
            .iter()
            .enumerate()
        {
            let what = format!("builtin_cluster_roles #{}", i + 1);
            if let Some(o) = read_builtin_role(n, r, &what, None) {
                s.builtin_cluster_roles.push(o);
            }
        }
        for (i, n) in r
            .opt_seq(doc, "builtin_roles", "rbac.yaml")
            .iter()
            .enumerate()
        {
            let what = format!("builtin_roles #{}", i + 1);
            let Some(ns) = r.string(n, "namespace", &what) else {
                continue;
            };
            if let Some(o) = read_builtin_role(n, r, &what, Some(ns)) {
                s.builtin_roles.push(o);
            }
        }
        s.read_stock_wildcard_rules(doc, r);
        s
    }

    /// Reads `stock_wildcard_rules`: `{name, rules}` entries whose every rule has `*` in a
    /// field, for ClusterRoles that `builtin_cluster_roles` does not already give.
    fn read_stock_wildcard_rules(&mut self, doc: &Node, r: &mut Reader) {
        for (i, n) in r
            .opt_seq(doc, "stock_wildcard_rules", "rbac.yaml")
            .iter()
            .enumerate()
        {
            let what = format!("stock_wildcard_rules #{}", i + 1);
            r.known_keys(n, &what, &["name", "rules"]);
            let Some(name) = r.string(n, "name", &what) else {
                continue;
            };
            if self.builtin_cluster_role(&name).is_some()
                || self.stock_wildcard_roles.iter().any(|o| o.name == name)
            {
                r.error(
                    n.line,
                    format!(
                        "{what}: ClusterRole {name} is listed twice (here or in builtin_cluster_roles, whose wildcard rules already count)"
                    ),
                );
                continue;
            }
            let rules: Vec<Value> = r.seq(n, "rules", &what).iter().map(Node::to_json).collect();
            if let Some(k) = rules.iter().position(|rule| !has_wildcard(rule)) {
                r.error(
                    n.line,
                    format!(
                        "{what} ({name}): rule #{} has no `*`; list only wildcard rules",
                        k + 1
                    ),
                );
                continue;
            }
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
                Ok(o) => self.stock_wildcard_roles.push(o),
                Err(e) => r.error(n.line, format!("{what}: {e}")),
            }
        }
    }

    /// Whether a resource (`nodes`, `nodes/proxy`) lives outside namespaces, so only a
    /// ClusterRoleBinding can grant it.
    pub fn is_cluster_scoped(&self, resource: &str) -> bool {
        let base = resource.split_once('/').map_or(resource, |(b, _)| b);
        self.cluster_scoped_resources.contains(base)
    }

    /// Whether a RoleBinding can grant `verb` on `resource`: the resource is namespaced, or
    /// the API server checks that verb on it in a namespace (`bind` on `clusterroles`).
    pub fn is_namespaced_request(&self, verb: &str, resource: &str) -> bool {
        !self.is_cluster_scoped(resource)
            || self
                .namespaced_requests
                .contains(&(verb.to_string(), resource.to_string()))
    }

    /// The stock ClusterRole of this name, when the catalog ships its rules.
    pub fn builtin_cluster_role(&self, name: &str) -> Option<&Object> {
        self.builtin_cluster_roles.iter().find(|o| o.name == name)
    }

    /// The rules a binding grants: the role's own (aggregation resolved) when it is in the
    /// input, the catalog's stock rules for a built-in ClusterRole that is not (with the
    /// input's ClusterRoles aggregated into it), else none.
    pub fn rules_of<'a>(&'a self, b: &'a Binding<'a>) -> Cow<'a, [RuleRef<'a>]> {
        Cow::Borrowed(&b.rules)
    }

    /// The stock Role `name` the API server creates in `namespace`, when the catalog ships
    /// its rules.
    pub fn builtin_role(&self, namespace: Option<&str>, name: &str) -> Option<&Object> {
        self.builtin_roles
            .iter()
            .find(|o| o.name == name && o.namespace.as_deref() == namespace)
    }

    /// The catalog's stock version of a role of the input that the API server reconciles: a
    /// ClusterRole (or a Role of kube-system or kube-public) with the name of a built-in one
    /// whose stock rules the catalog ships, without the annotation
    /// `rbac.authorization.kubernetes.io/autoupdate: "false"`. At every start-up the API
    /// server adds the missing stock permissions (rules, aggregation selectors, labels) back
    /// to such a role, so what it grants is its own rules and the stock ones together; with
    /// the annotation it is left as it is.
    pub fn reconciled_stock<'a>(&'a self, role: &Object) -> Option<&'a Object> {
        if is_protected(role) {
            return None;
        }
        match role.kind.as_str() {
            "ClusterRole" => self.builtin_cluster_role(&role.name),
            "Role" => self.builtin_role(role.namespace.as_deref(), &role.name),
            _ => None,
        }
        .filter(|stock| !std::ptr::eq(*stock, role))
    }

    /// The catalog's stock role for a binding whose role is not in the input: a built-in
    /// ClusterRole, or a built-in Role of the RoleBinding's namespace.
    pub fn stock_role<'a>(&'a self, b: &Binding<'_>) -> Option<&'a Object> {
        if b.role.is_some() {
            return None;
        }
        match b.role_kind.as_str() {
            "ClusterRole" => self.builtin_cluster_role(&b.role_name),
            "Role" => self.builtin_role(b.object.namespace.as_deref(), &b.role_name),
            _ => None,
        }
    }

    /// Whether a binding's rules are unknown: its role is not in the input and is not a
    /// built-in ClusterRole whose rules the catalog ships, or it is an aggregated ClusterRole
    /// of a manifest whose rules the control plane fills in from roles not in the input.
    pub fn is_unresolved(&self, b: &Binding<'_>) -> bool {
        (b.role.is_none() && self.stock_role(b).is_none()) || b.aggregation_unknown
    }

    /// Whether `s` is named by `b` as Kubernetes or kubeadm ship it: `b` matches an entry of
    /// `stock_bindings` (kind, namespace, name, roleRef) and `s` is one of its subjects.
    pub fn is_stock_grant(&self, b: &Binding<'_>, s: &RbacSubject) -> bool {
        self.stock_bindings
            .iter()
            .any(|e| e.capture(b).is_some_and(|c| self.stock_subject(e, s, c)))
    }

    /// Whether what a chain grants `s` through `b` is stock: `s` is a stock subject of `b`
    /// ([`Self::is_stock_grant`]) and the rule (`None`: every rule of `b`) is one the role
    /// holds as shipped ([`Self::is_stock_rule`]). A rule added to a built-in role stays
    /// there (the API server's auto-reconciliation only adds missing permissions), so its
    /// stock binding does not exempt it.
    pub fn is_stock_chain(
        &self,
        b: &Binding<'_>,
        s: &RbacSubject,
        rule: Option<&RuleRef<'_>>,
    ) -> bool {
        self.is_stock_grant(b, s)
            && match rule {
                Some(r) => self.is_stock_rule(b, r),
                None => b.rules.iter().all(|r| self.is_stock_rule(b, r)),
            }
    }

    /// Whether a rule `b` grants is within the catalog's stock rules of its built-in
    /// ClusterRole (`builtin_cluster_roles`). A rule of a role the catalog has no stock rules
    /// for is taken as stock: the binding alone decides, as `stock_bindings` says.
    pub fn is_stock_rule(&self, b: &Binding<'_>, rule: &RuleRef<'_>) -> bool {
        if rule.stock || b.role_kind != "ClusterRole" {
            return true;
        }
        self.stock_rules(&b.role_name)
            .is_none_or(|stock| rule_within(rule.rule, &stock))
    }

    /// The catalog's stock rules of the built-in ClusterRole `name`, when it has them.
    fn stock_rules(&self, name: &str) -> Option<Vec<&Doc>> {
        let role = self.builtin_cluster_role(name)?;
        Some(
            role.value
                .get("rules")
                .and_then(Doc::as_array)
                .map(|rules| rules.iter().collect())
                .unwrap_or_default(),
        )
    }

    /// Whether a binding is stock with every subject it names.
    pub fn is_stock_binding(&self, b: &Binding<'_>) -> bool {
        self.stock_bindings.iter().any(|e| {
            e.capture(b)
                .is_some_and(|c| b.subjects.iter().all(|s| self.stock_subject(e, s, c)))
        })
    }

    /// Whether `s` is a subject of the stock binding `e` matched with `captured` for its `*`.
    /// A subject `*` stands for is stock only when it is also a known system identity
    /// (`system:controller:*` binds the controllers listed in `system_subjects`, not any
    /// account a binding of that name pattern happens to name).
    fn stock_subject(&self, e: &StockBinding, s: &RbacSubject, captured: &str) -> bool {
        e.names(s, captured) && (captured.is_empty() || self.is_system_subject(s))
    }

    /// Whether a subject is an identity the control plane uses without a pod (hygiene
    /// questions only: permission questions exempt subjects through [`Self::is_stock_grant`]).
    pub fn is_system_subject(&self, s: &RbacSubject) -> bool {
        self.system_subjects.iter().any(|p| p.matches(s))
    }

    /// Whether a role object is built in, for the hygiene questions: a ClusterRole with a
    /// listed name or the bootstrapping label `kubernetes.io/bootstrapping: rbac-defaults`,
    /// or a Role with that label in `kube-system` or `kube-public`, where the API server
    /// creates its default Roles (`extension-apiserver-authentication-reader`,
    /// `system::leader-locking-*`, `system:controller:bootstrap-signer`, …).
    pub fn is_system_role(&self, role: &Object) -> bool {
        match role.kind.as_str() {
            "ClusterRole" => {
                has_bootstrap_label(role) || self.system_roles.iter().any(|p| glob(p, &role.name))
            }
            "Role" => {
                has_bootstrap_label(role)
                    && matches!(
                        role.namespace.as_deref(),
                        Some("kube-system" | "kube-public")
                    )
            }
            _ => false,
        }
    }

    /// The stock rules with `*` of the built-in ClusterRole `name`: those of its entry in
    /// `builtin_cluster_roles` (cluster-admin, system:discovery, system:monitoring,
    /// system:kube-controller-manager, system:kubelet-api-admin) and of
    /// its entry in `stock_wildcard_rules` (the controller roles, system:kube-controller-manager,
    /// …). Empty for any other name, and for admin, edit and view, which have no stock
    /// wildcard.
    fn stock_wildcard_rules(&self, name: &str) -> Vec<&Doc> {
        let mut out: Vec<&Doc> = self
            .stock_rules(name)
            .unwrap_or_default()
            .into_iter()
            .filter(|rule| wildcard_fields(rule).next().is_some())
            .collect();
        if let Some(role) = self.stock_wildcard_roles.iter().find(|o| o.name == name) {
            if let Some(rules) = role.value.get("rules").and_then(Doc::as_array) {
                out.extend(rules.iter());
            }
        }
        out
    }

    /// Whether a wildcard rule of `role` is stock: `role` is a ClusterRole and everything the
    /// rule grants is within a stock wildcard rule of the built-in ClusterRole of that exact
    /// name ([`Self::stock_wildcard_rules`]). A name, a `system:` prefix or the
    /// `kubernetes.io/bootstrapping: rbac-defaults` label alone exempts nothing: anyone can
    /// create a ClusterRole with them, and a rule added to a built-in role stays there (the
    /// API server's auto-reconciliation only adds missing permissions).
    pub fn is_stock_wildcard_rule(&self, role: &Object, rule: &Doc) -> bool {
        if role.kind != "ClusterRole" {
            return false;
        }
        let stock = self.stock_wildcard_rules(&role.name);
        !stock.is_empty() && rule_within(rule, &stock)
    }

    /// Whether the built-in ClusterRole `name` has stock rules with `*`.
    pub fn has_stock_wildcards(&self, name: &str) -> bool {
        !self.stock_wildcard_rules(name).is_empty()
    }
}

/// The fields of a rule (`verbs`, `resources`, `apiGroups`, `nonResourceURLs`) with `*`
/// alone or within a value: `*/exec` is that subresource of every resource, `/apis/*` every
/// path under it.
fn wildcard_fields(rule: &Doc) -> impl Iterator<Item = &'static str> + '_ {
    ["verbs", "resources", "apiGroups", "nonResourceURLs"]
        .into_iter()
        .filter(move |k| strings(rule, k).iter().any(|v| v.contains('*')))
}

/// [`wildcard_fields`] for a rule of the catalog, before it becomes a [`Doc`].
fn has_wildcard(rule: &Value) -> bool {
    ["verbs", "resources", "apiGroups", "nonResourceURLs"]
        .iter()
        .any(|k| {
            rule.get(k).and_then(Value::as_array).is_some_and(|vs| {
                vs.iter()
                    .any(|v| v.as_str().is_some_and(|v| v.contains('*')))
            })
        })
}

/// The annotation that stops the API server from reconciling a built-in role or binding.
pub const AUTOUPDATE_ANNOTATION: &str = "rbac.authorization.kubernetes.io/autoupdate";

/// Whether a role carries `rbac.authorization.kubernetes.io/autoupdate: "false"`, the only
/// value that stops the API server from adding the stock permissions of a built-in role back.
fn is_protected(role: &Object) -> bool {
    role.value
        .at("/metadata/annotations/rbac.authorization.kubernetes.io~1autoupdate")
        .and_then(Doc::as_str)
        == Some("false")
}

fn has_bootstrap_label(role: &Object) -> bool {
    role.value
        .at("/metadata/labels/kubernetes.io~1bootstrapping")
        .and_then(Doc::as_str)
        == Some("rbac-defaults")
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
    /// Every one of `verbs` (in one binding's scope), not any one of them: a role that
    /// writes out every verb on `*` is `*` by another name.
    pub every_verb: bool,
}

/// What an `rbac` assertion asks.
#[derive(Debug, Clone)]
pub enum Question {
    /// Subjects granted any of these permissions.
    Grants(Vec<Grant>),
    /// Subjects bound to one of these ClusterRoles by name (roleRef kind ClusterRole).
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
    /// A rule narrowed by `resourceNames` is a narrow grant that passes (`resource_names:
    /// narrows`, for reading named Secrets). By default it counts: impersonating the named
    /// group `system:masters` or binding the named role `cluster-admin` is the whole
    /// escalation.
    pub names_narrow: bool,
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
                "resource_names",
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
        let names_narrow = match node.get("resource_names") {
            None => false,
            Some(n) => match n.as_str() {
                Some("narrows") if given[0] == "grants" => true,
                Some("count") => false,
                _ => {
                    r.error(
                        n.line,
                        format!("{aw}: `resource_names` is `narrows` (a rule narrowed by resourceNames passes; `grants` only) or `count` (the default)"),
                    );
                    return None;
                }
            },
        };
        let question = match given[0] {
            "grants" => {
                let mut grants = Vec::new();
                let items = r.seq(node, "grants", &aw);
                for (i, g) in items.iter().enumerate() {
                    let gw = format!("{aw}, `grants` #{}", i + 1);
                    r.known_keys(g, &gw, &["verbs", "resources", "api_groups", "every_verb"]);
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
                        every_verb: r.opt_bool(g, "every_verb", &gw).unwrap_or(false),
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
        Some(Params {
            question,
            on_fail,
            names_narrow,
        })
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
        let verbs = if self.every_verb {
            format!("every one of {}", self.verbs.join(", "))
        } else {
            self.verbs.join("/")
        };
        format!("{verbs} on {}", self.resources.join(", "))
    }

    /// Whether the grant asked about is `create` on core `pods`: a pass then says that the
    /// indirect route through workload controllers was not looked at.
    fn creates_pods(&self) -> bool {
        self.verbs.iter().any(|v| v == "create")
            && self.resources.iter().any(|r| r == "pods")
            && (self.api_groups.is_empty() || self.api_groups.iter().any(String::is_empty))
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
    /// A subject of `binding` as written: a ServiceAccount without a namespace is in the
    /// binding's, and a User named `system:serviceaccount:NS:NAME` (the username a
    /// ServiceAccount authenticates as) is that ServiceAccount.
    fn read(kind: &str, name: &str, subject: &Doc, binding: &Object) -> RbacSubject {
        if kind == "User" {
            if let Some((ns, sa)) = name
                .strip_prefix("system:serviceaccount:")
                .and_then(|rest| rest.split_once(':'))
                .filter(|(ns, sa)| !ns.is_empty() && !sa.is_empty() && !sa.contains(':'))
            {
                return RbacSubject {
                    kind: "ServiceAccount".into(),
                    name: sa.to_string(),
                    namespace: Some(ns.to_string()),
                };
            }
        }
        // An empty namespace is the binding's, as the authorizer reads it (appliesToUser).
        let namespace = if kind == "ServiceAccount" {
            subject
                .get("namespace")
                .and_then(Doc::as_str)
                .filter(|ns| !ns.is_empty())
                .map(str::to_string)
                .or_else(|| binding.namespace.clone())
        } else {
            None
        };
        RbacSubject {
            kind: kind.to_string(),
            name: name.to_string(),
            namespace,
        }
    }

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
    /// The rule is the catalog's stock rule of a built-in role: one not in the input, or
    /// one of the input that the API server gives its stock rules back (`restored`).
    pub stock: bool,
    /// The rule is a stock rule of a built-in role of the input that lacks it: the API
    /// server adds it back at every start-up ([`Settings::reconciled_stock`]).
    pub restored: bool,
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
    /// The role is an aggregated ClusterRole read from a manifest with no rules of its own
    /// and none gathered from the input: the control plane fills its rules in from roles
    /// that are not in the input, so they are unknown.
    pub aggregation_unknown: bool,
}

impl Binding<'_> {
    /// Why this binding's rules are unknown (see [`Settings::is_unresolved`]), as a clause:
    /// `ClusterRole x is not in the input (bound by RoleBinding ns/b), so its rules are
    /// unknown`.
    pub fn unknown_reason(&self) -> String {
        if self.aggregation_unknown {
            format!(
                "ClusterRole {} (bound by {}) is aggregated (aggregationRule) and no role in the input feeds it: its rules are filled in by the control plane from roles not in the input, so they are unknown",
                self.role_name,
                self.display()
            )
        } else {
            format!(
                "{} {} is not in the input (bound by {}), so its rules are unknown",
                self.role_kind,
                self.role_name,
                self.display()
            )
        }
    }

    /// `ClusterRoleBinding x` / `RoleBinding ns/x`.
    pub fn display(&self) -> String {
        evidence::subject(self.object).display()
    }

    /// Whether `rule` is written in the bound role itself (the input's role, or the catalog's
    /// stock role of that name), not aggregated into it from another.
    fn holds_rule(&self, rule: &RuleRef<'_>) -> bool {
        match self.role {
            Some(role) => {
                std::ptr::eq(role, rule.owner)
                    || (rule.restored
                        && rule.owner.kind == role.kind
                        && rule.owner.name == role.name
                        && rule.owner.namespace == role.namespace)
            }
            None => rule.stock && rule.owner.name == self.role_name,
        }
    }

    /// `ClusterRole cluster-admin` (with `(not found)` when missing).
    pub fn role_display(&self) -> String {
        match self.role {
            Some(r) => evidence::subject(r).display(),
            None => format!("{} {} (not in the input)", self.role_kind, self.role_name),
        }
    }

    /// [`Binding::role_display`] for the role holding `rule`: for a role not in the input
    /// whose stock rules the catalog supplies `ClusterRole edit (not in the input; its stock
    /// rules from the catalog)`, for a stock rule a built-in role of the input gets back
    /// `ClusterRole cluster-admin (a stock rule the API server adds back)`.
    pub fn role_words(&self, rule: &RuleRef<'_>) -> String {
        match self.role {
            None if rule.stock => format!(
                "{} {} (not in the input; its stock rules from the catalog)",
                self.role_kind, self.role_name
            ),
            Some(_) if rule.restored => format!(
                "{} (a stock rule the API server adds back)",
                self.role_display()
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
                    stock: false,
                    restored: false,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The effective rules of a ClusterRole (of the input, or a built-in one the catalog
/// supplies): its own, plus (transitively) those of every ClusterRole its `aggregationRule`
/// selects, among the input's and the built-in ones the input does not hold (a selector on
/// `aggregate-to-admin` picks the built-in `edit`; an empty one picks every role, built-in
/// `cluster-admin` included). An aggregated ClusterRole written in a manifest has its own
/// rules replaced by the aggregation controller, so they do not count; one listed from a
/// cluster (or a snapshot, the catalog, or a file exported from a cluster, see [`exported`])
/// holds what the controller copied in, which is kept (duplicates do not change any answer).
pub fn cluster_role_rules<'a>(
    inv: &'a Inventory,
    settings: &'a Settings,
    role: &'a Object,
) -> Vec<RuleRef<'a>> {
    let pool = || {
        inv.of_kind("ClusterRole").chain(
            settings
                .builtin_cluster_roles
                .iter()
                .filter(|b| inv.find_named("ClusterRole", &b.name).is_none()),
        )
    };
    let is_stock = |o: &Object| {
        settings
            .builtin_cluster_roles
            .iter()
            .any(|b| std::ptr::eq(b, o))
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![role];
    while let Some(r) = stack.pop() {
        if !seen.insert(r.name.clone()) {
            continue;
        }
        let stock = is_stock(r);
        let reconciled = if stock {
            None
        } else {
            settings.reconciled_stock(r)
        };
        let replaced = !stock
            && r.value.get("aggregationRule").is_some()
            && matches!(r.origin, Origin::File { .. })
            && !exported(r);
        if !replaced {
            out.extend(own_rules(r).into_iter().map(|mut rr| {
                rr.stock = stock;
                rr
            }));
        }
        out.extend(restored_rules(reconciled));
        // Reconciliation adds the stock aggregation selectors back too.
        let selectors = [Some(r), reconciled]
            .into_iter()
            .flatten()
            .filter_map(|o| {
                o.value
                    .at("/aggregationRule/clusterRoleSelectors")
                    .and_then(Doc::as_array)
            })
            .flatten();
        for sel in selectors {
            for other in pool() {
                if other.name != r.name && selector::selects(sel, &role_labels(settings, other)) {
                    stack.push(other);
                }
            }
        }
    }
    out
}

/// The stock rules of a reconciled built-in role ([`Settings::reconciled_stock`]), marked as
/// added back by the API server; none for `None`.
fn restored_rules(stock: Option<&Object>) -> impl Iterator<Item = RuleRef<'_>> {
    stock.into_iter().flat_map(|s| {
        own_rules(s).into_iter().map(|mut rr| {
            rr.stock = true;
            rr.restored = true;
            rr
        })
    })
}

/// A role's labels as aggregation sees them: those of a reconciled built-in role get the
/// stock labels back (`edit` is labelled `aggregate-to-admin` again), its own values winning
/// where both set a key, as the API server merges them.
fn role_labels(settings: &Settings, role: &Object) -> BTreeMap<String, String> {
    let own = selector::labels_of(&role.value["metadata"]);
    match settings.reconciled_stock(role) {
        Some(stock) => {
            let mut labels = selector::labels_of(&stock.value["metadata"]);
            labels.extend(own);
            labels
        }
        None => own,
    }
}

/// Whether a role read from a file was exported from a cluster (`kubectl get clusterrole
/// edit -o yaml`): it carries what only the API server sets (a uid, a resource version) or the
/// label of the roles the API server creates itself. Its rules are then what the aggregation
/// controller copied in, not rules it would replace.
fn exported(role: &Object) -> bool {
    let meta = role.value.get("metadata");
    meta.is_some_and(|m| m.get("uid").is_some() || m.get("resourceVersion").is_some())
        || role
            .value
            .at("/metadata/labels/kubernetes.io~1bootstrapping")
            .and_then(Doc::as_str)
            == Some("rbac-defaults")
}

/// Whether `role` is an aggregated ClusterRole read from a manifest whose effective rules
/// are empty: no role of the input or of the built-in ones selected, the control plane would
/// fill them in from roles not in the input. A role listed from a cluster (or a snapshot of
/// one) already holds what the controller copied in.
fn aggregation_unknown(role: &Object, rules: &[RuleRef<'_>]) -> bool {
    role.kind == "ClusterRole"
        && role.value.get("aggregationRule").is_some()
        && rules.is_empty()
        && matches!(role.origin, Origin::File { .. })
}

/// Builds the RBAC state of an inventory. Roles are found through the inventory's index and
/// each ClusterRole's aggregation is resolved once, however many bindings name it; checks
/// share one build per run through [`Context::rbac`]. A binding to a built-in ClusterRole
/// that is not in the input gets the catalog's stock rules, with the input's ClusterRoles
/// its stock `aggregationRule` selects (transitively: a role labelled `aggregate-to-view`
/// reaches view, edit and admin). User subjects named `system:serviceaccount:NS:NAME` are
/// read as the ServiceAccount NS/NAME they are.
pub fn build<'a>(inv: &'a Inventory, settings: &'a Settings) -> Rbac<'a> {
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
        let stock = match role {
            None if role_kind == "ClusterRole" => settings.builtin_cluster_role(&role_name),
            None if role_kind == "Role" => {
                settings.builtin_role(obj.namespace.as_deref(), &role_name)
            }
            _ => None,
        };
        let rules = match (role, stock) {
            (Some(r), _) if r.kind != "ClusterRole" => own_rules(r)
                .into_iter()
                .chain(restored_rules(settings.reconciled_stock(r)))
                .collect(),
            (None, Some(r)) if r.kind != "ClusterRole" => own_rules(r)
                .into_iter()
                .map(|mut rr| {
                    rr.stock = true;
                    rr
                })
                .collect(),
            (Some(r), _) | (None, Some(r)) => aggregated
                .entry(std::ptr::from_ref(r))
                .or_insert_with(|| cluster_role_rules(inv, settings, r))
                .clone(),
            (None, None) => Vec::new(),
        };
        let aggregation_unknown = role.is_some_and(|r| aggregation_unknown(r, &rules));
        let subjects = obj
            .value
            .get("subjects")
            .and_then(Doc::as_array)
            .map(|subs| {
                subs.iter()
                    .filter_map(|s| {
                        let kind = s.get("kind").and_then(Doc::as_str)?;
                        let name = s.get("name").and_then(Doc::as_str)?;
                        Some(RbacSubject::read(kind, name, s, obj))
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
            aggregation_unknown,
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

/// Whether everything `rule` grants is granted by `stock` (wildcards only by wildcards,
/// names only by the same names or by a rule without `resourceNames`).
fn rule_within(rule: &Doc, stock: &[&Doc]) -> bool {
    let verbs: Vec<&str> = str_items(rule, "verbs").collect();
    let groups: Vec<&str> = str_items(rule, "apiGroups").collect();
    let names = strings(rule, "resourceNames");
    let resources_ok = str_items(rule, "resources").all(|res| {
        verbs.iter().all(|verb| {
            groups.iter().all(|group| {
                stock
                    .iter()
                    .any(|sr| match rule_allows(sr, verb, res, Some(group)) {
                        Allows::No => false,
                        Allows::All => true,
                        Allows::Names(granted) => {
                            !names.is_empty() && names.iter().all(|n| granted.contains(n))
                        }
                    })
            })
        })
    });
    resources_ok
        && str_items(rule, "nonResourceURLs").all(|url| {
            verbs
                .iter()
                .all(|verb| stock.iter().any(|sr| rule_allows_url(sr, verb, url)))
        })
}

/// Whether a rule grants `verb` on the non-resource URL `url` (`/metrics`): a
/// `nonResourceURLs` item equal to it, `*`, or ending in `*` and a prefix of it, as the RBAC
/// authorizer matches them.
pub fn rule_allows_url(rule: &Doc, verb: &str, url: &str) -> bool {
    str_items(rule, "verbs").any(|v| v == "*" || v == verb)
        && str_items(rule, "nonResourceURLs").any(|u| {
            u == url
                || u.strip_suffix('*')
                    .is_some_and(|prefix| url.starts_with(prefix))
        })
}

/// Every chain that grants `verb` on the non-resource URL `url`: only cluster-wide bindings
/// grant non-resource URLs (a RoleBinding's rules apply within its namespace, where URLs
/// are not).
pub fn who_can_url<'a>(
    rbac: &'a Rbac<'a>,
    settings: &'a Settings,
    verb: &str,
    url: &str,
) -> Vec<Chain<'a>> {
    let mut out = Vec::new();
    for b in rbac.bindings.iter().filter(|b| b.scope.is_none()) {
        for r in settings.rules_of(b).iter() {
            if rule_allows_url(r.rule, verb, url) {
                for s in &b.subjects {
                    out.push(Chain {
                        subject: s.clone(),
                        binding: b,
                        rule: Some(r.clone()),
                        names: None,
                    });
                }
            }
        }
    }
    out
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
    /// `ClusterRoleBinding b → ClusterRole r rules[0]`, naming the ClusterRole a rule was
    /// aggregated from (`→ ClusterRole view (not in the input) ← ClusterRole extra rules[0]`).
    pub fn via(&self) -> String {
        let b = self.binding;
        match &self.rule {
            None => format!("{} → {}", b.display(), b.role_display()),
            Some(r) if b.holds_rule(r) => {
                format!("{} → {} rules[{}]", b.display(), b.role_words(r), r.index)
            }
            Some(r) => format!(
                "{} → {} ← {} rules[{}] (aggregated)",
                b.display(),
                b.role_display(),
                rule_owner(r),
                r.index
            ),
        }
    }

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
            if b.holds_rule(r) {
                if r.restored {
                    note = Some(restored_reason(r));
                } else if r.stock {
                    note = Some(format!(
                        "{} {} is not in the input: judged with its stock rules ({})",
                        b.role_kind,
                        b.role_name,
                        r.owner.origin.describe()
                    ));
                }
            } else {
                let from = rule_owner(r);
                observed["aggregated_from"] = json!(from);
                note = Some(if b.role.is_none() {
                    format!(
                        "rule aggregated from {from} into the stock {} {} (not in the input)",
                        b.role_kind, b.role_name
                    )
                } else if r.restored {
                    format!("rule aggregated from {from}; {}", restored_reason(r))
                } else {
                    format!("rule aggregated from {from}")
                });
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

/// The role a rule was aggregated from: `ClusterRole extra`, or for a built-in one not in the
/// input `ClusterRole edit (not in the input; its stock rules from the catalog)`.
fn rule_owner(rule: &RuleRef<'_>) -> String {
    let owner = evidence::subject(rule.owner).display();
    if rule.restored {
        format!("{owner} (a stock rule the API server adds back)")
    } else if rule.stock {
        format!("{owner} (not in the input; its stock rules from the catalog)")
    } else {
        owner
    }
}

/// Why a stock rule counts for a built-in role of the input that lacks it: `ClusterRole
/// cluster-admin is built in and has no annotation rbac.authorization.kubernetes.io/autoupdate:
/// "false", so the API server adds its missing stock permissions back at every start-up (stock
/// rules: rbac.yaml:333)`.
fn restored_reason(rule: &RuleRef<'_>) -> String {
    format!(
        "{} {} is built in and has no annotation {AUTOUPDATE_ANNOTATION}: \"false\", so the API server adds its missing stock permissions back at every start-up; this rule is one of them (stock rules: {})",
        rule.owner.kind,
        rule.owner.name,
        rule.owner.origin.describe()
    )
}

/// Whether a binding can grant `verb` on `resource` in `namespace` (`None`: anywhere): a
/// RoleBinding grants only namespaced requests (namespaced resources, and the few verbs on
/// cluster-scoped ones the API server checks in a namespace, as `bind` on `clusterroles`),
/// only in its own namespace; a ClusterRoleBinding grants everywhere.
pub fn binding_applies(
    b: &Binding<'_>,
    settings: &Settings,
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
) -> bool {
    match &b.scope {
        None => true,
        Some(scope) => {
            settings.is_namespaced_request(verb, resource) && namespace.is_none_or(|ns| ns == scope)
        }
    }
}

/// Bindings whose rules are unknown ([`Settings::is_unresolved`]) that could grant any of
/// `requests` (verb, resource) in `namespace` (`None`: anywhere).
pub fn unresolved<'a>(
    rbac: &'a Rbac<'a>,
    settings: &Settings,
    requests: &[(&str, &str)],
    namespace: Option<&str>,
) -> Vec<&'a Binding<'a>> {
    rbac.bindings
        .iter()
        .filter(|b| settings.is_unresolved(b))
        .filter(|b| {
            requests
                .iter()
                .any(|(verb, res)| binding_applies(b, settings, verb, res, namespace))
        })
        .collect()
}

/// Every chain that grants `verb` on `resource` (in `group`), within `namespace` when given
/// (cluster-wide grants apply in every namespace). RoleBindings never grant cluster-scoped
/// resources (`settings.cluster_scoped_resources`, but for `settings.namespaced_requests`),
/// whatever role they name; a binding to a
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
        if !binding_applies(b, settings, verb, resource, namespace) {
            continue;
        }
        for r in settings.rules_of(b).iter() {
            let names = match rule_allows(r.rule, verb, resource, group) {
                Allows::No => continue,
                Allows::All => None,
                // A create or deletecollection request carries no object name (the object does
                // not exist yet, or the request is about many): resourceNames never match it.
                // A subresource's create does name its object (`pods/exec` on one pod).
                Allows::Names(_)
                    if matches!(verb, "create" | "deletecollection") && !resource.contains('/') =>
                {
                    continue
                }
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
    // Bindings whose rules are unknown, per subject (grants questions only), leaving out
    // the stock bindings of their stock subjects.
    let mut unknown: BTreeMap<RbacSubject, Vec<&Binding>> = BTreeMap::new();
    let expected = match &p.question {
        Question::Grants(grants) => {
            let requests: Vec<(&str, &str)> = grants
                .iter()
                .flat_map(|g| {
                    g.verbs
                        .iter()
                        .flat_map(|v| g.resources.iter().map(move |r| (v.as_str(), r.as_str())))
                })
                .collect();
            for b in unresolved(rbac, settings, &requests, None) {
                for s in &b.subjects {
                    if !settings.is_stock_grant(b, s) {
                        unknown.entry(s.clone()).or_default().push(b);
                    }
                }
            }
            for g in grants {
                let groups: Vec<Option<&str>> = if g.api_groups.is_empty() {
                    vec![None]
                } else {
                    g.api_groups.iter().map(|x| Some(x.as_str())).collect()
                };
                for res in &g.resources {
                    for grp in &groups {
                        let per_verb: Vec<Vec<Chain>> = g
                            .verbs
                            .iter()
                            .map(|verb| who_can(rbac, settings, verb, res, *grp, None))
                            .collect();
                        if !g.every_verb {
                            for c in per_verb.into_iter().flatten() {
                                chains.entry(c.subject.clone()).or_default().push(c);
                            }
                            continue;
                        }
                        // Every verb, each granted to the subject in one same scope.
                        let key = |c: &Chain| (c.subject.clone(), c.binding.scope.clone());
                        let mut held: Option<std::collections::BTreeSet<_>> = None;
                        for cs in &per_verb {
                            let here: std::collections::BTreeSet<_> = cs.iter().map(key).collect();
                            held = Some(match held {
                                None => here,
                                Some(h) => h.intersection(&here).cloned().collect(),
                            });
                        }
                        let held = held.unwrap_or_default();
                        for c in per_verb.into_iter().flatten() {
                            if held.contains(&key(&c)) {
                                chains.entry(c.subject.clone()).or_default().push(c);
                            }
                        }
                    }
                }
            }
            format!(
                "no grant of {}",
                grants
                    .iter()
                    .map(Grant::describe)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        }
        Question::RoleRefs(names) => {
            // A namespaced Role that happens to share a ClusterRole's name is not it.
            for b in rbac
                .bindings
                .iter()
                .filter(|b| b.role_kind == "ClusterRole" && names.contains(&b.role_name))
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
            format!("not bound to {}", names.join(", "))
        }
        Question::Subjects(patterns) => {
            for b in &rbac.bindings {
                for s in b.subjects.iter().filter(|s| {
                    patterns.iter().any(|pt| pt.matches(s)) && !settings.is_stock_chain(b, s, None)
                }) {
                    chains.entry(s.clone()).or_default().push(Chain {
                        subject: s.clone(),
                        binding: b,
                        rule: None,
                        names: None,
                    });
                }
            }
            "not named in any binding".to_string()
        }
        // Answered above, before bindings are built.
        Question::Wildcards | Question::Hygiene(_) => return out,
    };
    let mut failed = 0;
    let mut unknowns = 0;
    for (subject, bs) in &unknown {
        // A subject with some grant is decided below, with its unknown bindings in mind.
        if chains.contains_key(subject) {
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
                note: Some(if b.aggregation_unknown {
                    "the role is aggregated and no role in the input feeds it: its rules are filled in by the control plane from roles not in the input".into()
                } else {
                    "the role is not in the input, so its rules are unknown".into()
                }),
            })
            .collect();
        let b = bs[0];
        out.findings.push(evidence::finding(
            check,
            Status::Error,
            subject.as_subject(),
            observations,
            format!(
                "{}: {}: include the roles in the input or scan the cluster",
                subject.display(),
                b.unknown_reason()
            ),
        ));
    }
    // Stock bindings that grant it: passing, but a binding to cluster-admin still wants the
    // justification CIS 5.1.1 asks for, so the summary names them.
    let mut stock_held = BTreeSet::new();
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
        // Broad grants through bindings that are not the stock binding of this subject.
        let narrow = |c: &Chain| p.names_narrow && c.names.is_some();
        let broad: Vec<&&Chain> = cs
            .iter()
            .filter(|c| !narrow(c) && !settings.is_stock_chain(c.binding, subject, c.rule.as_ref()))
            .collect();
        let stock: Vec<&&Chain> = cs
            .iter()
            .filter(|c| !narrow(c) && settings.is_stock_chain(c.binding, subject, c.rule.as_ref()))
            .collect();
        let (status, message) = if !broad.is_empty() {
            failed += 1;
            (
                p.on_fail,
                format!("{}: {}", subject.display(), first_chain_text(&broad)),
            )
        } else if let Some(b) = unknown.get(subject).and_then(|bs| bs.first()) {
            unknowns += 1;
            let how = if stock.is_empty() {
                "only on named objects"
            } else {
                "only through its stock binding"
            };
            (
                Status::Error,
                format!(
                    "{} is granted this {how} here, but {}",
                    subject.display(),
                    b.unknown_reason()
                ),
            )
        } else if stock.is_empty() {
            (
                Status::Pass,
                format!(
                    "{} is granted this only on named objects (resourceNames)",
                    subject.display()
                ),
            )
        } else {
            stock_held.extend(
                stock
                    .iter()
                    .map(|c| format!("{} ({})", c.binding.display(), subject.display())),
            );
            (
                Status::Pass,
                format!(
                    "{} is granted this by its stock Kubernetes binding (listed in controls/rbac.yaml); {}",
                    subject.display(),
                    first_chain_text(&stock)
                ),
            )
        };
        let observations = cs
            .iter()
            .map(|c| {
                let exempt =
                    narrow(c) || settings.is_stock_chain(c.binding, subject, c.rule.as_ref());
                c.observation(&expected, exempt)
            })
            .collect();
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
                "no subject outside the built-in list is granted {}{}",
                g.iter()
                    .map(Grant::describe)
                    .collect::<Vec<_>>()
                    .join(" or "),
                if g.iter().any(Grant::creates_pods) {
                    " (create on Deployments, Jobs and other workload controllers, which makes pods too, is not judged here)"
                } else {
                    ""
                }
            ),
            Question::RoleRefs(r) if stock_held.is_empty() => format!(
                "no subject outside the built-in list is bound to {}",
                r.join(", ")
            ),
            Question::RoleRefs(r) => format!(
                "no subject outside the built-in list is bound to {}; stock binding(s) to it: {}",
                r.join(", "),
                stock_held.into_iter().collect::<Vec<_>>().join(", ")
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
    let mut s = format!("via {} ({})", c.via(), c.binding.scope_display());
    if let Some(names) = &c.names {
        // Counted although narrowed: the named object is where the privilege lies.
        s.push_str(&format!(", on the named {}", names.join(", ")));
    }
    if chains.len() > 1 {
        let more = chains.len() - 1;
        s.push_str(&format!(
            "; and {more} more grant{}",
            if more == 1 { "" } else { "s" }
        ));
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
        // The indices of the wildcard rules that are not stock.
        let mut not_stock = Vec::new();
        for r in own_rules(role) {
            let wild: Vec<&str> = wildcard_fields(r.rule).collect();
            if wild.is_empty() {
                continue;
            }
            let stock = settings.is_stock_wildcard_rule(role, r.rule);
            if !stock {
                not_stock.push(format!("rules[{}]", r.index));
            }
            obs.push(Observation {
                source: evidence::source(role, &format!("rules[{}]", r.index)),
                path: format!("rules[{}] ({})", r.index, wild.join(", ")),
                observed: r.rule.to_value(),
                expected: if stock {
                    format!(
                        "a stock wildcard rule of the built-in ClusterRole {}",
                        role.name
                    )
                } else {
                    "explicit lists, no `*`".into()
                },
                holds: stock,
                note: None,
            });
        }
        if obs.is_empty() {
            continue;
        }
        let subject = evidence::subject(role);
        let (status, message) = if not_stock.is_empty() {
            (
                Status::Pass,
                format!(
                    "{} is a built-in ClusterRole and each of its rules with `*` is within its stock wildcard rules (controls/rbac.yaml); its wildcard is stock",
                    subject.display()
                ),
            )
        } else {
            failed += 1;
            let message = if role.kind == "ClusterRole" && settings.has_stock_wildcards(&role.name)
            {
                format!(
                    "{} has {} rule(s) with `*` beyond the stock wildcard rules of the built-in ClusterRole {}: {}",
                    subject.display(),
                    not_stock.len(),
                    role.name,
                    not_stock.join(", ")
                )
            } else if role.kind == "ClusterRole"
                && (role.name.starts_with("system:") || has_bootstrap_label(role))
            {
                format!(
                    "{} has {} rule(s) with `*`; no built-in ClusterRole named {} has a stock wildcard rule (a `system:` name or the rbac-defaults label does not make a role built in)",
                    subject.display(),
                    not_stock.len(),
                    role.name
                )
            } else {
                format!(
                    "{} has {} rule(s) with `*`",
                    subject.display(),
                    not_stock.len()
                )
            };
            (p.on_fail, message)
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

    /// Whether each rule of a ClusterRole named `name` is a stock wildcard rule.
    fn stock_wildcards(name: &str, rules: Value) -> Vec<bool> {
        let s = settings();
        let role = obj(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "rules": rules}),
        );
        own_rules(&role)
            .iter()
            .map(|r| s.is_stock_wildcard_rule(&role, r.rule))
            .collect()
    }

    #[test]
    fn stock_wildcards_are_exempt_by_name_and_content_only() {
        // The horizontal-pod-autoscaler's stock `*/scale` and metrics rules, and a narrower one.
        assert_eq!(
            stock_wildcards(
                "system:controller:horizontal-pod-autoscaler",
                json!([
                    {"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["get", "update"]},
                    {"apiGroups": ["custom.metrics.k8s.io"], "resources": ["*"], "verbs": ["list"]},
                    {"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["get"]},
                    {"apiGroups": ["*"], "resources": ["*/exec"], "verbs": ["get"]},
                    {"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["*"]},
                    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]},
                ])
            ),
            [true, true, true, false, false, false]
        );
        // system:monitoring's `/livez/*` (builtin_cluster_roles) is stock; `/*` is not.
        assert_eq!(
            stock_wildcards(
                "system:monitoring",
                json!([
                    {"nonResourceURLs": ["/livez/*", "/metrics"], "verbs": ["get"]},
                    {"nonResourceURLs": ["/*"], "verbs": ["get"]},
                ])
            ),
            [true, false]
        );
        // The rules of one built-in role do not exempt another's, nor a made-up system: role.
        let gc = json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["delete", "get"]}]);
        assert_eq!(
            stock_wildcards("system:controller:generic-garbage-collector", gc.clone()),
            [true]
        );
        assert_eq!(
            stock_wildcards("system:controller:job-controller", gc.clone()),
            [false]
        );
        assert_eq!(stock_wildcards("system:sneaky", gc), [false]);
        assert_eq!(
            stock_wildcards(
                "view",
                json!([{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}])
            ),
            [false]
        );
    }

    #[test]
    fn stock_wildcard_rules_must_be_wildcards_and_not_repeat_a_role() {
        let yaml = "stock_wildcard_rules:\n  - name: x\n    rules:\n      - { apiGroups: [\"\"], resources: [pods], verbs: [get] }\n  - name: cluster-admin\n    rules:\n      - { apiGroups: [\"*\"], resources: [\"*\"], verbs: [get] }\nbuiltin_cluster_roles:\n  - name: cluster-admin\n    rules: []\n";
        let doc = crate::yaml::parse_document(yaml).expect("yaml");
        let mut errors = Vec::new();
        let mut r = Reader {
            file: "rbac.yaml".into(),
            errors: &mut errors,
        };
        let s = Settings::read(&doc, &mut r);
        assert!(s.stock_wildcard_roles.is_empty());
        let errors: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        let errors = errors.join("\n");
        assert!(errors.contains("rule #1 has no `*`"), "{errors}");
        assert!(errors.contains("cluster-admin is listed twice"), "{errors}");
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
        let rbac = build(&i, &s);
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
        let rbac = build(&i, &s);
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
        let rbac = build(&i, &s);
        let got = who_can(&rbac, &s, "get", "secrets", Some(""), Some("ns"));
        assert_eq!(got.len(), 1);
        assert!(got[0]
            .observation("x", false)
            .note
            .unwrap_or_default()
            .contains("not in the input"));
        assert!(who_can(&rbac, &s, "create", "persistentvolumes", None, None).is_empty());
        assert!(unresolved(&rbac, &s, &[("get", "secrets")], None).is_empty());
        let i = inv(vec![binding(
            "RoleBinding",
            Some("ns"),
            "ClusterRole",
            "view",
        )]);
        let rbac = build(&i, &s);
        assert!(who_can(&rbac, &s, "get", "secrets", Some(""), None).is_empty());
    }

    #[test]
    fn roles_not_in_the_input_are_unresolved_not_empty() {
        let s = settings();
        let i = inv(vec![
            binding("RoleBinding", Some("ns"), "ClusterRole", "custom"),
            binding("RoleBinding", Some("ns"), "Role", "edit"),
        ]);
        let rbac = build(&i, &s);
        assert!(who_can(&rbac, &s, "get", "secrets", None, None).is_empty());
        // Both bindings: a namespaced Role named like a built-in ClusterRole is not one.
        assert_eq!(unresolved(&rbac, &s, &[("get", "secrets")], None).len(), 2);
        assert_eq!(
            unresolved(&rbac, &s, &[("get", "secrets")], Some("ns")).len(),
            2
        );
        assert!(unresolved(&rbac, &s, &[("get", "secrets")], Some("other")).is_empty());
        // A RoleBinding cannot grant a cluster-scoped resource, whatever its role holds.
        assert!(unresolved(&rbac, &s, &[("get", "nodes/proxy")], None).is_empty());
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
        let s = settings();
        let rbac = build(&i, &s);
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
        let s = settings();
        let rbac = build(&i, &s);
        assert_eq!(
            rbac.bindings[0].subjects[0].namespace.as_deref(),
            Some("ns")
        );
        assert!(rbac.bindings[0].role.is_none());
    }

    #[test]
    fn stock_bindings_exempt_only_their_own_subjects() {
        let s = settings();
        let crb = |name: &str, role: &str, kind: &str, subject: &str, ns: Option<&str>| {
            let mut sub = json!({"kind": kind, "name": subject});
            if let Some(ns) = ns {
                sub["namespace"] = json!(ns);
            }
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                   "metadata": {"name": name}, "roleRef": {"kind": "ClusterRole", "name": role},
                   "subjects": [sub]})
        };
        let i = inv(vec![
            crb(
                "system:controller:job-controller",
                "system:controller:job-controller",
                "ServiceAccount",
                "job-controller",
                Some("kube-system"),
            ),
            crb(
                "system:controller:job-controller",
                "system:controller:job-controller",
                "ServiceAccount",
                "other",
                Some("kube-system"),
            ),
            crb(
                "system:controller:a",
                "system:controller:b",
                "ServiceAccount",
                "a",
                Some("kube-system"),
            ),
            crb(
                "nodes-admin",
                "cluster-admin",
                "Group",
                "system:nodes",
                None,
            ),
            crb(
                "cluster-admin",
                "cluster-admin",
                "Group",
                "system:masters",
                None,
            ),
            crb(
                "kubeadm:masters-extra",
                "view",
                "Group",
                "system:masters",
                None,
            ),
        ]);
        let rbac = build(&i, &s);
        let stock: Vec<bool> = rbac
            .bindings
            .iter()
            .map(|b| s.is_stock_grant(b, &b.subjects[0]))
            .collect();
        assert_eq!(stock, [true, false, false, false, true, false]);
    }

    #[test]
    fn a_stock_binding_exempts_only_the_rules_its_role_ships_with() {
        let s = settings();
        let role = |extra: Option<Value>| {
            let mut rules =
                vec![json!({"nonResourceURLs": ["/healthz", "/version"], "verbs": ["get"]})];
            rules.extend(extra);
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                   "metadata": {"name": "system:public-info-viewer"}, "rules": rules})
        };
        let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "system:public-info-viewer"},
            "roleRef": {"kind": "ClusterRole", "name": "system:public-info-viewer"},
            "subjects": [{"kind": "Group", "name": "system:unauthenticated"}]});
        // As shipped: exempt.
        let i = inv(vec![role(None), binding.clone()]);
        let rbac = build(&i, &s);
        let b = &rbac.bindings[0];
        assert!(s.is_stock_chain(b, &b.subjects[0], None));
        // A rule added to the built-in role (kept by auto-reconciliation): not exempt, the
        // shipped rule still is.
        let extra = json!({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]});
        let i = inv(vec![role(Some(extra)), binding]);
        let rbac = build(&i, &s);
        let b = &rbac.bindings[0];
        assert!(!s.is_stock_chain(b, &b.subjects[0], None));
        assert!(s.is_stock_chain(b, &b.subjects[0], Some(&b.rules[0])));
        assert!(!s.is_stock_chain(b, &b.subjects[0], Some(&b.rules[1])));
    }

    #[test]
    fn rules_within_stock_rules() {
        let stock = [
            Doc::from(
                json!({"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list"]}),
            ),
            Doc::from(
                json!({"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"], "verbs": ["get"]}),
            ),
            Doc::from(json!({"nonResourceURLs": ["/api/*"], "verbs": ["get"]})),
        ];
        let stock: Vec<&Doc> = stock.iter().collect();
        let within = |r: Value| rule_within(&Doc::from(r), &stock);
        assert!(within(
            json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]})
        ));
        assert!(!within(
            json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]})
        ));
        assert!(!within(
            json!({"apiGroups": ["*"], "resources": ["pods"], "verbs": ["get"]})
        ));
        assert!(within(
            json!({"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"], "verbs": ["get"]})
        ));
        assert!(!within(
            json!({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]})
        ));
        assert!(within(
            json!({"nonResourceURLs": ["/api/v1"], "verbs": ["get"]})
        ));
        assert!(!within(
            json!({"nonResourceURLs": ["/metrics"], "verbs": ["get"]})
        ));
    }

    #[test]
    fn bind_on_clusterroles_is_checked_in_the_rolebinding_namespace() {
        let s = settings();
        let i = inv(vec![
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "g"},
                   "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind", "escalate"]},
                             {"apiGroups": [""], "resources": ["users", "serviceaccounts"], "verbs": ["impersonate"]}]}),
            binding("RoleBinding", Some("ns"), "ClusterRole", "g"),
        ]);
        let rbac = build(&i, &s);
        assert_eq!(
            who_can(&rbac, &s, "bind", "clusterroles", None, Some("ns")).len(),
            1
        );
        assert!(who_can(&rbac, &s, "bind", "clusterroles", None, Some("other")).is_empty());
        assert!(who_can(&rbac, &s, "escalate", "clusterroles", None, None).is_empty());
        assert!(who_can(&rbac, &s, "impersonate", "users", None, None).is_empty());
        assert_eq!(
            who_can(&rbac, &s, "impersonate", "serviceaccounts", None, None).len(),
            1
        );
    }

    #[test]
    fn service_account_usernames_are_service_accounts() {
        let s = settings();
        let i = inv(vec![
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "b", "namespace": "ns"}, "roleRef": {"kind": "Role", "name": "r"},
            "subjects": [{"kind": "User", "name": "system:serviceaccount:web:default"},
                         {"kind": "User", "name": "system:serviceaccount:bad"}]}),
        ]);
        let rbac = build(&i, &s);
        assert_eq!(
            rbac.bindings[0].subjects[0].display(),
            "ServiceAccount web/default"
        );
        assert_eq!(rbac.bindings[0].subjects[1].kind, "User");
    }

    #[test]
    fn aggregated_roles_of_manifests_fed_by_nothing_are_unresolved() {
        let s = settings();
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "agg"},
                          "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}, "rules": []});
        let b = binding("ClusterRoleBinding", None, "ClusterRole", "agg");
        let file = |v: Value| {
            Object::from_value(
                v,
                Origin::File {
                    path: "f".into(),
                    line: 1,
                },
                BTreeMap::new(),
            )
            .expect("object")
        };
        let mut i = Inventory::new(Default::default(), true);
        i.objects = vec![file(role.clone()), file(b.clone())];
        let rbac = build(&i, &s);
        assert!(s.is_unresolved(&rbac.bindings[0]));
        // Listed from a cluster, the controller has filled `rules` in: they are what it grants.
        let i = inv(vec![role, b]);
        let rbac = build(&i, &s);
        assert!(!s.is_unresolved(&rbac.bindings[0]));
    }
}
