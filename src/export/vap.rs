//! `kubeattest export vap`: ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding
//! manifests (admissionregistration.k8s.io/v1, CEL) for the `fields` checks of a framework
//! whose conditions CEL can say over the admission object.
//!
//! A check's paths are written against its subject (`pod`, `pod_meta`, `container`,
//! `object`, `item`); the policy first finds the pod template in whatever kind was
//! admitted (`variables.template`: the Pod itself, `spec.template` of Deployments and the
//! other controllers, `spec.jobTemplate.spec.template` of CronJobs, `template` of
//! PodTemplates), then states the check's conditions over it with the same meaning as
//! `checks::fields`: the first present path of a condition decides, every value it reaches
//! must satisfy the operator, and when every path is absent the catalog's `default`
//! decides (worked out here, so the CEL carries a constant). `when` conditions become
//! implications; containers are every container, init container and ephemeral container
//! (init and regular ones only for checks written `ephemeral_containers: false`).
//!
//! Which requests reach a policy ([`resource_rules`]): CREATE and UPDATE of every kind it
//! matches, and for Pods also UPDATE of the `pods/ephemeralcontainers` subresource, since an
//! ephemeral container (`kubectl debug`) can only be added through it and a rule for `pods`
//! does not match a subresource. That request carries the whole Pod, ephemeral containers
//! included, as `object` (kind `Pod`), so the same expressions judge it. UPDATEs that leave
//! what the check reads unchanged (a Pod's labels, finalizers, ownerReferences) are not
//! judged, as Pod Security admission does not judge them: see [`updates`].
//!
//! What cannot be said faithfully is not exported, with the reason: other assertion kinds
//! (they need more than the one object admitted), operators over files, quantities or
//! durations, fields named by CEL keywords, the checks listed in [`DISAGREE`], whose
//! CEL disagreed with their own fixtures (`tests/vap.rs` evaluates every exported policy
//! against them, object by object), and those in [`CREATED_BY_CONTROLLERS`], whose
//! subjects Kubernetes' controllers create failing.

use serde_json::Value;

use crate::catalog::{Catalog, Check, Framework};
use crate::checks::condition::Op;
use crate::checks::fields::{Condition, Params, Target};
use crate::checks::path::{FieldPath, Segment};
use crate::checks::Assertion;

mod updates;

/// Checks left out because their CEL did not agree with their own fixtures, and why.
pub const DISAGREE: &[(&str, &str)] = &[];

/// Checks whose subjects Kubernetes' own controllers create in a form the check fails: a
/// policy would refuse the controller's request and break what it sets up, so they are not
/// exported (a mutating policy, or the remediation after creation, is the way there).
pub const CREATED_BY_CONTROLLERS: &[(&str, &str)] = &[(
    "default-service-account-token-automounted",
    "the service account controller creates the `default` ServiceAccount of every new namespace without `automountServiceAccountToken`; a policy would refuse it and leave the namespace without its default ServiceAccount (set the field after creation, as the remediation says)",
)];

/// What `--action` sets on each binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Action {
    /// Refuse the request.
    Deny,
    /// Admit it with a warning to the client.
    Warn,
    /// Admit it and record the violation in the audit log.
    Audit,
}

impl Action {
    /// The `validationActions` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deny => "Deny",
            Action::Warn => "Warn",
            Action::Audit => "Audit",
        }
    }
}

/// One policy to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The check it enforces.
    pub check: String,
    /// Framework items the check decides (`pss-restricted/restricted.privileged…`).
    pub items: Vec<String>,
    /// Kinds it matches.
    pub kinds: Vec<String>,
    /// `variables` in order: (name, CEL).
    pub variables: Vec<(String, String)>,
    /// `matchConditions` in order: (name, CEL); a request is judged only when all are true.
    pub match_conditions: Vec<(String, String)>,
    /// The validation: true admits.
    pub expression: String,
    /// What the client is told when it is refused.
    pub message: String,
}

/// A check not exported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Check id.
    pub check: String,
    /// Why, in words.
    pub reason: String,
}

/// The export of one or more frameworks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Export {
    /// Policies, in catalog order of their checks.
    pub policies: Vec<Policy>,
    /// Checks not exported.
    pub skipped: Vec<Skipped>,
}

/// Pod-spec kinds and where their API lives: (kind, group, version, resource).
const WORKLOAD_RESOURCES: &[(&str, &str, &str, &str)] = &[
    ("Pod", "", "v1", "pods"),
    ("Deployment", "apps", "v1", "deployments"),
    ("StatefulSet", "apps", "v1", "statefulsets"),
    ("DaemonSet", "apps", "v1", "daemonsets"),
    ("ReplicaSet", "apps", "v1", "replicasets"),
    ("ReplicationController", "", "v1", "replicationcontrollers"),
    ("Job", "batch", "v1", "jobs"),
    ("CronJob", "batch", "v1", "cronjobs"),
    ("PodTemplate", "", "v1", "podtemplates"),
];

/// Other kinds a check of target `objects` may match.
const OBJECT_RESOURCES: &[(&str, &str, &str, &str)] = &[
    ("Namespace", "", "v1", "namespaces"),
    ("Service", "", "v1", "services"),
    ("ServiceAccount", "", "v1", "serviceaccounts"),
    ("ConfigMap", "", "v1", "configmaps"),
    ("Ingress", "networking.k8s.io", "v1", "ingresses"),
    (
        "NetworkPolicy",
        "networking.k8s.io",
        "v1",
        "networkpolicies",
    ),
    ("Role", "rbac.authorization.k8s.io", "v1", "roles"),
    (
        "ClusterRole",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
    ),
    (
        "RoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
    ),
    (
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
    ),
];

fn resource_of(kind: &str) -> Option<(&'static str, &'static str, &'static str)> {
    WORKLOAD_RESOURCES
        .iter()
        .chain(OBJECT_RESOURCES)
        .find(|(k, ..)| *k == kind)
        .map(|(_, g, v, r)| (*g, *v, *r))
}

/// The template holding the pod spec and metadata, for every workload kind.
const TEMPLATE: &str = "object.kind == 'Pod' ? object : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template : (object.kind == 'PodTemplate' ? object.template : object.spec.template))";
/// The pod spec.
const POD: &str = "variables.template.spec";
/// The pod metadata (a template may have none).
const POD_META: &str = "has(variables.template.metadata) ? variables.template.metadata : {}";
/// Every container, init container and ephemeral container.
const CONTAINERS: &str = "(has(variables.pod.containers) ? variables.pod.containers : []) + (has(variables.pod.initContainers) ? variables.pod.initContainers : []) + (has(variables.pod.ephemeralContainers) ? variables.pod.ephemeralContainers : [])";
/// Every container and init container (a check written `ephemeral_containers: false`, for
/// fields the API forbids ephemeral containers: ports, probes, resources).
const CONTAINERS_NOT_EPHEMERAL: &str = "(has(variables.pod.containers) ? variables.pod.containers : []) + (has(variables.pod.initContainers) ? variables.pod.initContainers : [])";

/// One entry of a policy's `matchConstraints.resourceRules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRule {
    /// API group (`""` for the core group).
    pub api_group: &'static str,
    /// API version.
    pub api_version: &'static str,
    /// Operations matched.
    pub operations: &'static [&'static str],
    /// Resource, or `resource/subresource`.
    pub resource: String,
}

/// The requests a policy is evaluated on: CREATE and UPDATE of each kind it matches, plus
/// UPDATE of `pods/ephemeralcontainers` where it matches Pods (the only way to add an
/// ephemeral container; a rule for `pods` does not match the subresource).
pub fn resource_rules(policy: &Policy) -> Vec<ResourceRule> {
    let mut rules = Vec::new();
    for k in &policy.kinds {
        let Some((api_group, api_version, resource)) = resource_of(k) else {
            continue;
        };
        rules.push(ResourceRule {
            api_group,
            api_version,
            operations: &["CREATE", "UPDATE"],
            resource: resource.to_string(),
        });
        if k == "Pod" {
            rules.push(ResourceRule {
                api_group,
                api_version,
                operations: &["UPDATE"],
                resource: format!("{resource}/ephemeralcontainers"),
            });
        }
    }
    rules
}

/// Policies for the `fields` checks deciding items of `frameworks`; the rest skipped.
pub fn export(catalog: &Catalog, frameworks: &[&Framework]) -> Export {
    let mut out = Export::default();
    for check in &catalog.checks {
        let items: Vec<String> = frameworks
            .iter()
            .flat_map(|fw| {
                fw.items
                    .iter()
                    .filter(|i| i.checks.contains(&check.id))
                    .map(|i| format!("{}/{}", fw.id, i.id))
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        if let Some((_, why)) = DISAGREE.iter().find(|(id, _)| *id == check.id) {
            out.skipped.push(Skipped {
                check: check.id.clone(),
                reason: format!("its CEL disagreed with its fixtures: {why}"),
            });
            continue;
        }
        if let Some((_, why)) = CREATED_BY_CONTROLLERS
            .iter()
            .find(|(id, _)| *id == check.id)
        {
            out.skipped.push(Skipped {
                check: check.id.clone(),
                reason: (*why).to_string(),
            });
            continue;
        }
        match policy(check, items) {
            Ok(p) => out.policies.push(p),
            Err(reason) => out.skipped.push(Skipped {
                check: check.id.clone(),
                reason,
            }),
        }
    }
    out
}

fn policy(check: &Check, items: Vec<String>) -> Result<Policy, String> {
    let Assertion::Fields(p) = &check.assertion else {
        return Err(format!(
            "assertion kind `{}` decides from more than the object admitted",
            check.assertion.kind()
        ));
    };
    let (kinds, variables, expression) = match p.target {
        Target::Workloads | Target::Containers => {
            let kinds: Vec<String> = if p.kinds.is_empty() {
                WORKLOAD_RESOURCES
                    .iter()
                    .map(|(k, ..)| k.to_string())
                    .collect()
            } else {
                p.kinds.clone()
            };
            let mut variables = vec![
                ("template".to_string(), TEMPLATE.to_string()),
                ("pod".to_string(), POD.to_string()),
                ("podMeta".to_string(), POD_META.to_string()),
            ];
            let roots = |c: Option<&str>| {
                let mut r = vec![
                    ("object", "object".to_string()),
                    ("pod", "variables.pod".to_string()),
                    ("pod_meta", "variables.podMeta".to_string()),
                ];
                if let Some(c) = c {
                    r.push(("container", c.to_string()));
                }
                r
            };
            let expression = if p.target == Target::Containers {
                let containers = if p.ephemeral_containers {
                    CONTAINERS
                } else {
                    CONTAINERS_NOT_EPHEMERAL
                };
                variables.push(("containers".to_string(), containers.to_string()));
                let unit = unit(p, &roots(Some("c")))?;
                format!("variables.containers.all(c, {unit})")
            } else {
                unit(p, &roots(None))?
            };
            (kinds, variables, expression)
        }
        Target::Objects => {
            let expression = match &p.each {
                None => unit(p, &[("object", "object".to_string())])?,
                Some(each) => {
                    let mut g = Gen::default();
                    let item_unit = |item: &str| {
                        unit(
                            p,
                            &[("object", "object".to_string()), ("item", item.to_string())],
                        )
                    };
                    g.all("object", &each.segments, &mut |v: &str| item_unit(v))?
                }
            };
            (p.kinds.clone(), Vec::new(), expression)
        }
    };
    for k in &kinds {
        if resource_of(k).is_none() {
            return Err(format!("kind `{k}` has no known API resource to match"));
        }
    }
    let match_conditions = updates::condition(p)?
        .map(|cel| (updates::NAME.to_string(), cel))
        .into_iter()
        .collect();
    Ok(Policy {
        check: check.id.clone(),
        items,
        kinds,
        variables,
        match_conditions,
        expression,
        message: format!(
            "{} ({}): {}",
            check.title,
            check.id,
            first_line(&check.remediation)
        ),
    })
}

fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// `!(when…) || (expect…)` for one unit (a workload, a container or an item).
fn unit(p: &Params, roots: &[(&str, String)]) -> Result<String, String> {
    let mut g = Gen::default();
    let expect: Vec<String> = p
        .expect
        .iter()
        .map(|c| g.condition(c, roots))
        .collect::<Result<_, _>>()?;
    let expect = expect.join(" && ");
    if p.when.is_empty() {
        return Ok(expect);
    }
    let when: Vec<String> = p
        .when
        .iter()
        .map(|c| g.condition(c, roots))
        .collect::<Result<_, _>>()?;
    Ok(format!("!({}) || ({expect})", when.join(" && ")))
}

/// Writes CEL, naming comprehension variables uniquely.
#[derive(Default)]
struct Gen {
    next: usize,
}

impl Gen {
    fn var(&mut self) -> String {
        self.next += 1;
        format!("x{}", self.next)
    }

    /// One condition: the first present path decides; else the default, as a constant.
    fn condition(&mut self, c: &Condition, roots: &[(&str, String)]) -> Result<String, String> {
        check_op(c)?;
        let mut branches: Vec<(String, String)> = Vec::new();
        for path in &c.paths {
            let root = roots
                .iter()
                .find(|(n, _)| *n == path.root)
                .map(|(_, e)| e.clone())
                .ok_or_else(|| {
                    format!("path `{}` has a root the policy cannot reach", path.text)
                })?;
            let present = self.present(&root, &path.segments)?;
            let holds = self.all(&root, &path.segments, &mut |v: &str| predicate(c, v))?;
            branches.push((present, holds));
        }
        let mut expr = absent_holds(c).to_string();
        for (present, holds) in branches.into_iter().rev() {
            expr = format!("(({present}) ? ({holds}) : {expr})");
        }
        Ok(expr)
    }

    /// Whether the path reaches any value below `e`.
    fn present(&mut self, e: &str, segs: &[Segment]) -> Result<String, String> {
        let Some((first, rest)) = segs.split_first() else {
            return Ok("true".into());
        };
        Ok(match first {
            Segment::Key(k) => {
                let (has, get) = key_access(e, k)?;
                let inner = self.present(&get, rest)?;
                and(&has, &inner)
            }
            Segment::Index(n) => {
                let inner = self.present(&format!("{e}[{n}]"), rest)?;
                and(&format!("size({e}) > {n}"), &inner)
            }
            Segment::Wildcard if rest.is_empty() => format!("size({e}) > 0"),
            Segment::Wildcard => {
                let x = self.var();
                let inner = self.present(&x, rest)?;
                format!("{e}.exists({x}, {inner})")
            }
            Segment::Keys => {
                if !rest.is_empty() {
                    return Err("a path continues after `@keys`".into());
                }
                format!("size({e}) > 0")
            }
            Segment::KeyGlob(g) => {
                let x = self.var();
                let inner = self.present(&format!("{e}[{x}]"), rest)?;
                let matches = format!("{x}.matches({})", quote(&glob_regex(g)));
                format!("{e}.exists({x}, {})", and(&matches, &inner))
            }
        })
    }

    /// Whether every value the path reaches below `e` satisfies `pred`.
    fn all(
        &mut self,
        e: &str,
        segs: &[Segment],
        pred: &mut dyn FnMut(&str) -> Result<String, String>,
    ) -> Result<String, String> {
        let Some((first, rest)) = segs.split_first() else {
            return pred(e);
        };
        Ok(match first {
            Segment::Key(k) => {
                let (has, get) = key_access(e, k)?;
                let inner = self.all(&get, rest, pred)?;
                format!("(!{has} || {inner})")
            }
            Segment::Index(n) => {
                let inner = self.all(&format!("{e}[{n}]"), rest, pred)?;
                format!("(size({e}) <= {n} || {inner})")
            }
            Segment::Wildcard => {
                let x = self.var();
                let inner = self.all(&x, rest, pred)?;
                format!("{e}.all({x}, {inner})")
            }
            Segment::Keys => {
                if !rest.is_empty() {
                    return Err("a path continues after `@keys`".into());
                }
                let x = self.var();
                let inner = pred(&x)?;
                format!("{e}.all({x}, {inner})")
            }
            Segment::KeyGlob(g) => {
                let x = self.var();
                let inner = self.all(&format!("{e}[{x}]"), rest, pred)?;
                format!(
                    "{e}.all({x}, !{x}.matches({}) || {inner})",
                    quote(&glob_regex(g))
                )
            }
        })
    }
}

fn and(a: &str, b: &str) -> String {
    if b == "true" {
        a.to_string()
    } else {
        format!("{a} && {b}")
    }
}

/// CEL keywords that cannot follow a `.` unescaped.
const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "false",
    "for",
    "function",
    "if",
    "import",
    "in",
    "let",
    "loop",
    "package",
    "namespace",
    "null",
    "return",
    "true",
    "var",
    "void",
    "while",
];

/// `has(e.k)` and `e.k` for a field name; `'k' in e` and `e['k']` for a map key that is
/// not one (annotation and label keys).
fn key_access(e: &str, k: &str) -> Result<(String, String), String> {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if RESERVED.contains(&k) {
        return Err(format!(
            "field `{k}` is a CEL keyword (Kubernetes spells it `__{k}__`, which the fixtures cannot check)"
        ));
    }
    Ok(if ident {
        (format!("has({e}.{k})"), format!("{e}.{k}"))
    } else {
        (
            format!("({} in {e})", quote(k)),
            format!("{e}[{}]", quote(k)),
        )
    })
}

/// A CEL string literal.
fn quote(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `prefix/*` as an anchored regular expression.
fn glob_regex(glob: &str) -> String {
    let parts: Vec<String> = glob.split('*').map(regex::escape).collect();
    format!("^{}$", parts.join(".*"))
}

/// A JSON scalar or list of scalars as a CEL literal.
fn literal(v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::String(s) => quote(s),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.is_finite() => format!("{f:?}"),
            _ => return Err(format!("number {n} has no CEL literal")),
        },
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(literal)
                .collect::<Result<Vec<_>, _>>()?
                .join(", ")
        ),
        other => return Err(format!("value {other} has no CEL literal")),
    })
}

/// Operators CEL can state with the same meaning.
fn check_op(c: &Condition) -> Result<(), String> {
    if c.expect.split.is_some() {
        return Err("`split` (a string read as a list) is not exported".into());
    }
    match c.expect.op {
        Op::Eq
        | Op::Ne
        | Op::In
        | Op::NotIn
        | Op::SubsetOf
        | Op::Exists
        | Op::Absent
        | Op::Matches => Ok(()),
        // On a list field (`capabilities.drop`): every wanted value is an element.
        Op::Contains if c.expect.value.is_string() || c.expect.value.is_array() => Ok(()),
        Op::ContainsAny if c.expect.value.is_array() => Ok(()),
        Op::Gte | Op::Lte if c.expect.value.is_number() => Ok(()),
        Op::Gte | Op::Lte => Err(format!(
            "`{}` on a quantity or duration ({}) has no plain CEL comparison",
            c.expect.op.name(),
            c.expect.value
        )),
        other => Err(format!(
            "operator `{}` is not exported (its loose matching has no exact CEL form)",
            other.name()
        )),
    }
}

/// The operator applied to one value `v`.
fn predicate(c: &Condition, v: &str) -> Result<String, String> {
    if c.expect.ignore_case {
        return folded_predicate(c, v);
    }
    let value = &c.expect.value;
    Ok(match c.expect.op {
        Op::Eq => format!("{v} == {}", literal(value)?),
        Op::Ne => format!("{v} != {}", literal(value)?),
        Op::In | Op::SubsetOf => format!("{v} in {}", literal(value)?),
        Op::NotIn => format!("!({v} in {})", literal(value)?),
        Op::Exists => "true".into(),
        Op::Absent => "false".into(),
        Op::Matches => {
            let re = value.as_str().ok_or("`matches` needs a string")?;
            format!("string({v}).matches({})", quote(re))
        }
        Op::Contains => {
            let wanted = match value {
                Value::Array(_) => literal(value)?,
                scalar => format!("[{}]", literal(scalar)?),
            };
            format!("{wanted}.all(w, w in {v})")
        }
        Op::ContainsAny => format!("{}.exists(w, w in {v})", literal(value)?),
        Op::Gte => format!("{v} >= {}", literal(value)?),
        Op::Lte => format!("{v} <= {}", literal(value)?),
        other => return Err(format!("operator `{}` is not exported", other.name())),
    })
}

/// The operator applied to one value `v`, strings compared in any letter case
/// (`ignore_case`): as an anchored case-insensitive pattern, which RE2 (and so CEL's
/// `matches`) reads without any extension library.
fn folded_predicate(c: &Condition, v: &str) -> Result<String, String> {
    let strings = |x: &Value| -> Result<Vec<String>, String> {
        let items = match x {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => Ok(regex::escape(s)),
                other => Err(format!(
                    "`ignore_case` on the non-string {other} is not exported"
                )),
            })
            .collect()
    };
    let pattern = |alternatives: &[String]| quote(&format!("(?i)^({})$", alternatives.join("|")));
    let alternatives = strings(&c.expect.value)?;
    let any_of = pattern(&alternatives);
    Ok(match c.expect.op {
        Op::Eq | Op::In | Op::SubsetOf => format!("string({v}).matches({any_of})"),
        Op::Ne | Op::NotIn => format!("!string({v}).matches({any_of})"),
        Op::Contains => alternatives
            .iter()
            .map(|w| {
                format!(
                    "{v}.exists(x, string(x).matches({}))",
                    pattern(std::slice::from_ref(w))
                )
            })
            .collect::<Vec<_>>()
            .join(" && "),
        Op::ContainsAny => format!("{v}.exists(x, string(x).matches({any_of}))"),
        Op::Exists => "true".into(),
        Op::Absent => "false".into(),
        other => {
            return Err(format!(
                "operator `{}` with `ignore_case` is not exported",
                other.name()
            ))
        }
    })
}

/// Whether the condition holds when every path is absent (the default decides), exactly as
/// `checks::fields` decides it.
fn absent_holds(c: &Condition) -> bool {
    match &c.default {
        Some(d) => {
            let wildcard = c
                .paths
                .first()
                .is_some_and(|p: &FieldPath| p.segments.iter().any(Segment::is_multi));
            let values: Vec<Value> = match d {
                Value::Array(items) if wildcard => items.clone(),
                other => vec![other.clone()],
            };
            c.expect.holds(Some(&values))
        }
        None => c.expect.holds::<Value>(None),
    }
}

/// Writes the policies and bindings as one YAML stream, opening with a comment that lists
/// every check not exported and why. The bindings leave out the namespaces in `exclude`
/// (a `namespaceSelector` on the `kubernetes.io/metadata.name` label every namespace has).
pub fn to_yaml(
    export: &Export,
    frameworks: &[&Framework],
    action: Action,
    exclude: &[String],
) -> String {
    let q = |s: &str| Value::String(s.to_string()).to_string();
    let ids: Vec<&str> = frameworks.iter().map(|f| f.id.as_str()).collect();
    let mut exclude: Vec<&str> = exclude
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    exclude.sort_unstable();
    exclude.dedup();
    let (selector, excluded) = if exclude.is_empty() {
        (String::new(), String::new())
    } else {
        let values: Vec<String> = exclude.iter().map(|n| q(n)).collect();
        (
            format!(
                "  matchResources:\n    namespaceSelector:\n      matchExpressions:\n        - key: kubernetes.io/metadata.name\n          operator: NotIn\n          values: [{}]\n",
                values.join(", ")
            ),
            format!("# Bindings leave out the namespaces {}.\n", exclude.join(", ")),
        )
    };
    let mut out = format!(
        "# ValidatingAdmissionPolicies written by kubeattest {} from the checks of {}.\n\
         # Each policy enforces one check (annotation kubeattest.io/check) and names the framework\n\
         # items it decides (kubeattest.io/items). Bindings use validationActions [{}].\n\
         {excluded}\
         # Exported: {} check(s). Not exported: {} check(s):\n",
        env!("CARGO_PKG_VERSION"),
        ids.join(", "),
        action.as_str(),
        export.policies.len(),
        export.skipped.len()
    );
    for s in &export.skipped {
        out.push_str(&format!(
            "#   {}: {}\n",
            s.check,
            s.reason.replace('\n', " ")
        ));
    }
    for p in &export.policies {
        let name = format!("kubeattest-{}", p.check);
        out.push_str(
            "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\n",
        );
        out.push_str(&format!("metadata:\n  name: {}\n", q(&name)));
        out.push_str("  labels:\n    app.kubernetes.io/managed-by: kubeattest\n");
        out.push_str(&format!(
            "  annotations:\n    kubeattest.io/check: {}\n    kubeattest.io/items: {}\n",
            q(&p.check),
            q(&p.items.join(", "))
        ));
        out.push_str("spec:\n  failurePolicy: Fail\n  matchConstraints:\n    resourceRules:\n");
        for rule in resource_rules(p) {
            let operations: Vec<String> = rule.operations.iter().map(|o| q(o)).collect();
            out.push_str(&format!(
                "      - apiGroups: [{}]\n        apiVersions: [{}]\n        operations: [{}]\n        resources: [{}]\n",
                q(rule.api_group),
                q(rule.api_version),
                operations.join(", "),
                q(&rule.resource)
            ));
        }
        if !p.match_conditions.is_empty() {
            out.push_str("  matchConditions:\n");
            for (n, e) in &p.match_conditions {
                out.push_str(&format!(
                    "    - name: {}\n      expression: {}\n",
                    q(n),
                    q(e)
                ));
            }
        }
        if !p.variables.is_empty() {
            out.push_str("  variables:\n");
            for (n, e) in &p.variables {
                out.push_str(&format!(
                    "    - name: {}\n      expression: {}\n",
                    q(n),
                    q(e)
                ));
            }
        }
        out.push_str(&format!(
            "  validations:\n    - expression: {}\n      message: {}\n",
            q(&p.expression),
            q(&p.message)
        ));
        out.push_str(
            "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\n",
        );
        out.push_str(&format!("metadata:\n  name: {}\n", q(&name)));
        out.push_str("  labels:\n    app.kubernetes.io/managed-by: kubeattest\n");
        out.push_str(&format!(
            "  annotations:\n    kubeattest.io/check: {}\n",
            q(&p.check)
        ));
        out.push_str(&format!(
            "spec:\n  policyName: {}\n  validationActions: [{}]\n",
            q(&name),
            action.as_str()
        ));
        out.push_str(&selector);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_quotes() {
        assert_eq!(
            glob_regex("container.apparmor.security.beta.kubernetes.io/*"),
            "^container\\.apparmor\\.security\\.beta\\.kubernetes\\.io/.*$"
        );
        assert_eq!(quote("a'b\\c"), "'a\\'b\\\\c'");
        assert_eq!(
            key_access("e", "a.b/c").expect("key"),
            ("('a.b/c' in e)".to_string(), "e['a.b/c']".to_string())
        );
    }

    #[test]
    fn pss_restricted_exports_privileged_container_checks() {
        let catalog = crate::catalog::load(None).expect("catalog");
        let fw = catalog.framework("pss-restricted").expect("framework");
        let export = export(&catalog, &[fw]);
        assert!(!export.policies.is_empty());
        let yaml = to_yaml(&export, &[fw], Action::Deny, &[]);
        assert!(yaml.contains("kind: ValidatingAdmissionPolicyBinding"));
        assert!(yaml.contains("validationActions: [Deny]"));
        assert!(!yaml.contains("namespaceSelector"));
        let exclude = ["kube-system".to_string(), " ".into(), "kube-system".into()];
        let yaml = to_yaml(&export, &[fw], Action::Deny, &exclude);
        assert_eq!(
            yaml.matches("values: [\"kube-system\"]").count(),
            export.policies.len()
        );
        assert!(yaml.contains("# Bindings leave out the namespaces kube-system.\n"));
    }
}
