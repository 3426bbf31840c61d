//! `fields`: path + operator conditions over objects.
//!
//! Decides from the objects in the inventory: workloads (every pod spec), their containers
//! (containers, initContainers and ephemeralContainers), or objects of given kinds. Records,
//! per condition, the concrete field path, its value (or that it was absent and which default
//! applied), the expectation, and the file:line of the field when the object came from a
//! file. A kind that could not be collected gives `error`, never `pass`.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::document::Doc;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::condition::{render, Expectation};
use crate::checks::evidence;
use crate::checks::path::{FieldPath, Segment};
use crate::checks::workload::{self, WORKLOAD_KINDS};
use crate::checks::{Context, Outcome, WorkloadEntry};
use crate::inventory::{KindState, Object, UNSET_NAMESPACE};
use crate::results::{Observation, Status};
use crate::yaml::{Node, NodeValue};

/// What one subject of the check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One subject per workload; roots `object`, `pod`, `pod_meta`.
    Workloads,
    /// One subject per workload, every container checked; adds root `container`.
    Containers,
    /// One subject per object of `kinds`; root `object`, and `item` with `each`.
    Objects,
}

/// One condition: where to look, what to expect, what absence means.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Paths tried in order; the first present one is used.
    pub paths: Vec<FieldPath>,
    /// Operator and value.
    pub expect: Expectation,
    /// Value used when every path is absent.
    pub default: Option<Value>,
    /// What the finding says when every path is absent (and no default applies), e.g.
    /// "runAsNonRoot not set on pod or container; runAsUser not set; image user unknown".
    /// On a `when` condition: a subject it leaves out is recorded `not_applicable` with this
    /// text (the field's absence is why the check cannot judge it), instead of being left out
    /// unsaid.
    pub when_absent: Option<String>,
    /// `expect` in words ([`Expectation::describe`]), written once for every observation.
    pub expected: String,
}

/// Parameters of a `fields` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// Subject granularity.
    pub target: Target,
    /// Kinds to look at (required for `objects`, a filter otherwise).
    pub kinds: Vec<String>,
    /// Iteration path for `objects` (`spec.rules[*]`), relative to the object.
    pub each: Option<FieldPath>,
    /// Preconditions: a subject (or container, or item) failing them is not assessed.
    pub when: Vec<Condition>,
    /// Conditions that must hold.
    pub expect: Vec<Condition>,
    /// Status when an expectation fails (`fail` or `warn`).
    pub on_fail: Status,
    /// Whether ephemeral containers are judged (`ephemeral_containers: false` leaves them
    /// out, for fields the API forbids them: resources, ports, probes, lifecycle).
    pub ephemeral_containers: bool,
}

const KEYS: &[&str] = &[
    "kind",
    "target",
    "kinds",
    "each",
    "when",
    "expect",
    "on_fail",
    "ephemeral_containers",
];

fn roots_for(target: Target, has_each: bool) -> &'static [&'static str] {
    match (target, has_each) {
        (Target::Workloads, _) => &["object", "pod", "pod_meta", "limit_range"],
        (Target::Containers, _) => &["object", "pod", "pod_meta", "container", "limit_range"],
        (Target::Objects, false) => &["object"],
        (Target::Objects, true) => &["object", "item"],
    }
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        r.known_keys(node, &format!("the `fields` assertion of {what}"), KEYS);
        let target_line = node.get("target").map_or(node.line, |n| n.line);
        let target = match r
            .string(node, "target", &format!("the assertion of {what}"))?
            .as_str()
        {
            "workloads" => Target::Workloads,
            "containers" => Target::Containers,
            "objects" => Target::Objects,
            other => {
                r.error(
                    target_line,
                    format!("unknown target `{other}` in {what}; expected workloads, containers or objects"),
                );
                return None;
            }
        };
        let kinds = r.string_list(node, "kinds", what);
        if target == Target::Objects && kinds.is_empty() {
            r.error(
                node.line,
                format!("{what}: target `objects` needs `kinds: [Kind, …]`"),
            );
        }
        let each = match r.opt_string(node, "each", what) {
            Some(text) => {
                let line = node.get("each").map_or(node.line, |n| n.line);
                if target != Target::Objects {
                    r.error(
                        line,
                        format!("{what}: `each` is only allowed with target `objects`"),
                    );
                }
                match FieldPath::parse(&format!("object.{text}")) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        r.error(line, format!("{what}: `each`: {e}"));
                        None
                    }
                }
            }
            None => None,
        };
        let roots = roots_for(target, each.is_some());
        let when = read_conditions(node, "when", r, what, roots);
        let expect = read_conditions(node, "expect", r, what, roots);
        if node.get("expect").is_none() {
            r.error(
                node.line,
                format!("{what}: the `fields` assertion needs an `expect` list"),
            );
        }
        let on_fail = crate::checks::read_on_fail(node, r, what).unwrap_or(Status::Fail);
        let ephemeral_containers = r
            .opt_bool(node, "ephemeral_containers", what)
            .unwrap_or(true);
        if !ephemeral_containers && target != Target::Containers {
            r.error(
                node.line,
                format!("{what}: `ephemeral_containers` is only allowed with target `containers`"),
            );
        }
        Some(Params {
            target,
            kinds,
            each,
            when: when?,
            expect: expect?,
            on_fail,
            ephemeral_containers,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        let scope = match self.target {
            Target::Workloads => "every workload (Pods and pod templates)".to_string(),
            Target::Containers if self.ephemeral_containers => {
                "every container, init container and ephemeral container of every workload"
                    .to_string()
            }
            Target::Containers => {
                "every container and init container of every workload (ephemeral containers \
                 cannot set these fields)"
                    .to_string()
            }
            Target::Objects => format!("every {}", self.kinds.join(", ")),
        };
        let mut s = format!("For {scope}: {}", in_words(&self.expect));
        if !self.when.is_empty() {
            s.push_str(&format!(" — only where {}", when_words(&self.when)));
        }
        s
    }
}

/// The `when` conditions in words: each condition's `means`, which says it whole (the N/A
/// message is for people: no paths), else as [`in_words`] gives it.
fn when_words(conditions: &[Condition]) -> String {
    conditions
        .iter()
        .map(|c| match &c.expect.means {
            Some(m) => m.clone(),
            None => in_words(std::slice::from_ref(c)),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The `when` conditions that left subjects out, in words, with how many each left out when
/// more than one did ("the namespace is not kube-system"); all of them when none is known.
fn excluded_by(conditions: &[Condition], left_out: &[usize]) -> String {
    let by: Vec<(&Condition, usize)> = conditions
        .iter()
        .zip(left_out.iter().copied())
        .filter(|(_, n)| *n > 0)
        .collect();
    match by.as_slice() {
        [] => when_words(conditions),
        [(c, _)] => when_words(std::slice::from_ref(*c)),
        many => many
            .iter()
            .map(|(c, n)| format!("{} ({n} left out)", when_words(std::slice::from_ref(*c))))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Conditions in words: `metadata.namespace is set; pod.hostNetwork is true`.
fn in_words(conditions: &[Condition]) -> String {
    conditions
        .iter()
        .map(|c| {
            let paths: Vec<&str> = c
                .paths
                .iter()
                .map(|p| p.text.strip_prefix("object.").unwrap_or(&p.text))
                .collect();
            let default = match &c.default {
                Some(Value::Array(a)) if a.is_empty() => " (absent: nothing to check)".to_string(),
                Some(d) => format!(" (taken as {} when absent)", render(d)),
                None => String::new(),
            };
            format!("{} is {}{default}", paths.join(" or "), c.expect.describe())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn read_conditions(
    node: &Node,
    key: &str,
    r: &mut Reader,
    what: &str,
    roots: &[&str],
) -> Option<Vec<Condition>> {
    let mut ok = true;
    let mut out = Vec::new();
    for (i, c) in r.opt_seq(node, key, what).iter().enumerate() {
        let cw = format!("{what}, `{key}` #{}", i + 1);
        r.known_keys(
            c,
            &cw,
            &[
                "path",
                "op",
                "value",
                "means",
                "ignore_case",
                "split",
                "default",
                "when_absent",
            ],
        );
        let paths = read_paths(c, r, &cw, roots);
        let expect = Expectation::read(c, r, &cw);
        let default = c.get("default").map(Node::to_json);
        let when_absent = r.opt_string(c, "when_absent", &cw);
        match (paths, expect) {
            (Some(paths), Some(expect)) => out.push(Condition {
                paths,
                // A default of no values lets an unset field hold (the Pod Security
                // Standards allow "Undefined/nil"): the words say so.
                expected: if is_no_values(default.as_ref())
                    && expect.op == crate::checks::condition::Op::In
                    && expect.means.is_none()
                {
                    format!("unset or {}", expect.describe())
                } else {
                    expect.describe()
                },
                expect,
                default,
                when_absent,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_paths(c: &Node, r: &mut Reader, what: &str, roots: &[&str]) -> Option<Vec<FieldPath>> {
    let Some(p) = c.get("path") else {
        r.error(c.line, format!("{what} has no `path`"));
        return None;
    };
    let texts: Vec<(&str, u32)> = match &p.value {
        NodeValue::String(s) => vec![(s.as_str(), p.line)],
        NodeValue::Seq(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(|s| (s, i.line)))
            .collect(),
        _ => Vec::new(),
    };
    if texts.is_empty() {
        r.error(
            p.line,
            format!("`path` of {what} must be a path or a list of paths"),
        );
        return None;
    }
    let mut out = Vec::new();
    for (text, line) in texts {
        match FieldPath::parse(text) {
            Ok(fp) if roots.contains(&fp.root.as_str()) => out.push(fp),
            Ok(fp) => r.error(
                line,
                format!(
                    "path `{text}` in {what} starts with `{}`; for this target a path starts with one of: {}",
                    fp.root,
                    roots.join(", ")
                ),
            ),
            Err(e) => r.error(line, format!("{what}: {e}")),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The values a path can start from for one subject: name → (value, concrete base path).
type Roots<'a> = [(&'static str, &'a Doc, &'a str)];

/// One unit a subject is judged on: at most five roots (object, pod, pod metadata, the
/// namespace's LimitRange defaults and a container, or object and an item), kept inline so that judging a subject allocates
/// nothing until something is observed.
#[derive(Clone, Copy)]
struct Unit<'a> {
    roots: [(&'static str, &'a Doc, &'a str); 5],
    len: usize,
    label: Label<'a>,
}

impl<'a> Unit<'a> {
    fn new(base: &[(&'static str, &'a Doc, &'a str)], label: Label<'a>) -> Unit<'a> {
        let mut roots = [("", &Doc::Null, ""); 5];
        roots[..base.len()].copy_from_slice(base);
        Unit {
            roots,
            len: base.len(),
            label,
        }
    }

    /// The same unit with the root named `name` (when it has one) replaced.
    fn replacing(mut self, name: &str, doc: &'a Doc, base: &'a str) -> Unit<'a> {
        for root in self.roots[..self.len].iter_mut() {
            if root.0 == name {
                root.1 = doc;
                root.2 = base;
            }
        }
        self
    }

    fn with(mut self, root: (&'static str, &'a Doc, &'a str), label: Label<'a>) -> Unit<'a> {
        self.roots[self.len] = root;
        self.len += 1;
        self.label = label;
        self
    }

    fn roots(&self) -> &Roots<'a> {
        &self.roots[..self.len]
    }
}

/// What a unit's observations are noted with; written out only when one is recorded.
#[derive(Clone, Copy)]
enum Label<'a> {
    /// The whole subject.
    Subject,
    /// One container: its role (`container`, `init container`) and name.
    Container(&'a str, &'a str),
    /// One item of `each`, by path.
    Item(&'a str),
}

impl Label<'_> {
    /// An observation's note with the label in front (`container `app`: not set; …`).
    fn note(self, note: Option<String>) -> Option<String> {
        let extra = note.as_ref().map_or(0, |n| n.len() + 2);
        let mut s = match self {
            Label::Subject => return note,
            Label::Item(path) => {
                let mut s = String::with_capacity(path.len() + extra);
                s.push_str(path);
                s
            }
            Label::Container(role, name) => {
                let mut s = String::with_capacity(role.len() + name.len() + 3 + extra);
                s.push_str(role);
                s.push_str(" `");
                s.push_str(name);
                s.push('`');
                s
            }
        };
        if let Some(n) = note {
            s.push_str(": ");
            s.push_str(&n);
        }
        Some(s)
    }
}

impl Condition {
    /// Whether the condition holds on one subject, decided as [`Condition::observe`] decides
    /// it but without building the evidence (a pass's evidence is dropped unless the report
    /// keeps it).
    fn holds(&self, roots: &Roots) -> bool {
        for path in &self.paths {
            let Some((_, value, _)) = roots.iter().find(|(n, _, _)| *n == path.root) else {
                continue;
            };
            let mut found = false;
            let all = path.visit(value, &mut |v| {
                found = true;
                self.expect.holds(Some(std::slice::from_ref(v)))
            });
            if found {
                return all;
            }
        }
        match (&self.default, self.paths.first()) {
            (Some(d), Some(first)) => {
                let wildcard = first.segments.iter().any(Segment::is_multi);
                match d {
                    Value::Array(items) if wildcard => self.expect.holds(Some(items)),
                    other => self.expect.holds(Some(std::slice::from_ref(other))),
                }
            }
            _ => self.expect.holds::<Value>(None),
        }
    }

    /// Observes the condition on one subject: the evidence (one observation per value found,
    /// each with its own path and line) and whether it holds for all of them.
    fn observe(&self, obj: &Object, roots: &Roots) -> Observed<'_> {
        for path in &self.paths {
            let Some((_, value, base)) = roots.iter().find(|(n, _, _)| *n == path.root) else {
                continue;
            };
            let found = path.resolve(value, base, Doc::to_value);
            if found.is_empty() {
                continue;
            }
            let observations: Vec<Observation> = found
                .into_iter()
                .map(|(concrete, v)| {
                    let holds = self.expect.holds(Some(std::slice::from_ref(&v)));
                    Observation {
                        source: evidence::source(obj, &concrete),
                        path: concrete,
                        observed: v,
                        expected: self.expected.clone(),
                        holds,
                        note: None,
                    }
                })
                .collect();
            let holds = observations.iter().all(|o| o.holds);
            return Observed {
                observations,
                holds,
                absent: false,
                root: &path.root,
            };
        }
        // Every path absent: the default (documented in the catalog) or plain absence.
        let first = &self.paths[0];
        let base = roots
            .iter()
            .find(|(n, _, _)| *n == first.root)
            .map(|(_, _, b)| b.to_string())
            .unwrap_or_default();
        let mut shown = display_path(first, &base);
        if self.paths.len() > 1 {
            // Point at the outermost missing mapping (`…securityContext`), not at a field
            // inside it.
            if let Some((_, value, _)) = roots.iter().find(|(n, _, _)| *n == first.root) {
                let mut parent = first.clone();
                while parent.segments.len() > 1 {
                    parent.segments.pop();
                    if !parent.exists(value) {
                        shown = display_path(&parent, &base);
                    } else {
                        break;
                    }
                }
            }
        }
        let (holds, observed, note) = match &self.default {
            Some(d) => {
                let wildcard = first.segments.iter().any(Segment::is_multi);
                let values: Vec<Value> = match d {
                    Value::Array(items) if wildcard => items.clone(),
                    other => vec![other.clone()],
                };
                let holds = self.expect.holds(Some(&values));
                if is_no_values(Some(d)) {
                    // No values: nothing to show but that it is unset.
                    (holds, Value::Null, Some("not set".to_string()))
                } else {
                    (
                        holds,
                        d.clone(),
                        Some(format!("not set; the default {} applies", render(d))),
                    )
                }
            }
            None => (
                self.expect.holds::<Value>(None),
                Value::Null,
                Some("not set".to_string()),
            ),
        };
        let source = evidence::source(obj, &base);
        Observed {
            observations: vec![Observation {
                source,
                path: shown,
                observed,
                expected: self.expected.clone(),
                holds,
                note,
            }],
            holds,
            absent: true,
            root: &first.root,
        }
    }
}

/// Whether a condition's `default` is an empty list: an unset field gives no values, and an
/// element-wise condition holds for it.
fn is_no_values(default: Option<&Value>) -> bool {
    matches!(default, Some(Value::Array(items)) if items.is_empty())
}

/// What [`Condition::observe`] saw on one subject.
struct Observed<'c> {
    /// One observation per value found, each with its own path and line.
    observations: Vec<Observation>,
    /// Whether the condition holds for all of them.
    holds: bool,
    /// Every path was absent: the observed value is the default, or null.
    absent: bool,
    /// The root the observed path starts from (`container`, `pod`, …).
    root: &'c str,
}

impl Condition {
    /// What to say when every path is absent: the catalog's `when_absent` text, else, for a
    /// condition over several fields, each parent that is missing (`…securityContext is not
    /// set`) or that sets none of the fields looked at. `None` for a single path (the generic
    /// "PATH is not set" says it).
    fn absent_text(&self, roots: &Roots, label: Label) -> Option<String> {
        if let Some(t) = &self.when_absent {
            return Some(t.clone());
        }
        if self.paths.len() < 2 {
            return None;
        }
        // Group the fields by their parent, in order.
        let mut groups: Vec<(String, bool, Vec<String>)> = Vec::new();
        for p in &self.paths {
            let Some((root, value, base)) = roots.iter().find(|(n, _, _)| *n == p.root) else {
                continue;
            };
            let mut parent = p.clone();
            let leaf = match parent.segments.pop() {
                Some(Segment::Key(k)) => k,
                Some(other) => {
                    parent.segments.push(other);
                    String::new()
                }
                None => String::new(),
            };
            let shown = path_words(root, base, label, &display_path(&parent, base));
            let exists = parent.segments.is_empty() || parent.exists(value);
            match groups.iter_mut().find(|(g, _, _)| *g == shown) {
                Some((_, _, leaves)) => leaves.push(leaf),
                None => groups.push((shown, exists, vec![leaf])),
            }
        }
        let parts: Vec<String> = groups
            .into_iter()
            .map(|(parent, exists, leaves)| {
                let leaves: Vec<String> = leaves.into_iter().filter(|l| !l.is_empty()).collect();
                if !exists {
                    format!("{parent} is not set")
                } else if leaves.len() == 1 {
                    let mut field = parent;
                    crate::checks::path::push_key(&mut field, &leaves[0]);
                    format!("{field} is not set")
                } else {
                    format!("{parent} sets none of {}", leaves.join(", "))
                }
            })
            .collect();
        Some(parts.join("; "))
    }
}

/// The path as it would appear in the object, for an absent field.
fn display_path(p: &FieldPath, base: &str) -> String {
    let mut s = base.to_string();
    for seg in &p.segments {
        match seg {
            Segment::Key(k) => crate::checks::path::push_key(&mut s, k),
            Segment::Index(n) => {
                use std::fmt::Write as _;
                let _ = write!(s, "[{n}]");
            }
            Segment::Wildcard => s.push_str("[*]"),
            Segment::Keys => s.push_str(".@keys"),
            Segment::KeyGlob(g) => {
                s.push('[');
                s.push_str(&Value::String(g.clone()).to_string());
                s.push(']');
            }
        }
    }
    s
}

/// A concrete path as a message names it for people: relative to the container a finding is
/// about (`securityContext.privileged`, not `spec.template.spec.containers[0].securityContext.
/// privileged`, which the observation keeps), or to the pod spec (`hostPID`; `pod
/// securityContext.runAsNonRoot` beside a container). Paths from the object or an item of
/// `each` are named whole.
fn path_words(root: &str, base: &str, label: Label, concrete: &str) -> String {
    let rel = match concrete.strip_prefix(base) {
        Some(rest) if !base.is_empty() => rest.strip_prefix('.').unwrap_or(rest),
        _ => return concrete.to_string(),
    };
    let beside_container = matches!(label, Label::Container(..));
    match root {
        "container" if rel.is_empty() => "the container".to_string(),
        "container" => rel.to_string(),
        "pod" | "pod_meta" if rel.is_empty() => "the pod".to_string(),
        "pod" if beside_container => format!("pod {rel}"),
        "pod" => rel.to_string(),
        "pod_meta" => format!("pod {rel}"),
        _ => concrete.to_string(),
    }
}

/// The first failure in words: "securityContext.privileged is true, expected false", "the
/// keys of volumes[0] are name, hostPath, expected …", "allowPrivilegeEscalation is not set
/// (default true), expected false".
fn failure_words(o: &Observation, seen: &Observed, roots: &Roots, label: Label) -> String {
    let root = seen.root;
    let base = roots
        .iter()
        .find(|(n, _, _)| *n == root)
        .map_or("", |(_, _, b)| *b);
    let observed = if o.observed.is_null() {
        "not set".to_string()
    } else if seen.absent {
        format!(
            "not set (default {})",
            crate::checks::condition::words(&o.observed)
        )
    } else {
        crate::checks::condition::words(&o.observed)
    };
    match o.path.strip_suffix("@keys") {
        Some(parent) => {
            let parent = parent.strip_suffix('.').unwrap_or(parent);
            let shown = path_words(root, base, label, parent);
            format!(
                "the keys of {shown} are {observed}, expected {}",
                o.expected
            )
        }
        None => {
            let shown = path_words(root, base, label, &o.path);
            format!("{shown} is {observed}, expected {}", o.expected)
        }
    }
}

fn all_hold(conds: &[Condition], roots: &Roots) -> bool {
    conds.iter().all(|c| c.holds(roots))
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let inv = ctx.inventory;
    let kinds: Vec<&str> = match p.target {
        Target::Objects => p.kinds.iter().map(String::as_str).collect(),
        _ if p.kinds.is_empty() => WORKLOAD_KINDS.to_vec(),
        _ => p.kinds.iter().map(String::as_str).collect(),
    };
    let mut out = Outcome::default();
    for kind in &kinds {
        match inv.kind_state(kind) {
            KindState::Collected => {}
            KindState::Failed(reason) => out.findings.push(evidence::about_kind(
                check,
                Status::Error,
                kind,
                format!("could not assess {kind} objects: {reason}"),
            )),
            KindState::NotServed(reason) => out.findings.push(evidence::about_kind(
                check,
                Status::NotApplicable,
                kind,
                format!("{kind} is not served by this cluster: {reason}"),
            )),
        }
    }
    // Objects of each kind once, through the inventory's index; workloads from the run's
    // shared list (findings are put in subject order later).
    let mut distinct = kinds.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let objects: Vec<(&Object, Option<&WorkloadEntry>)> = match p.target {
        Target::Objects => distinct
            .iter()
            .flat_map(|k| inv.of_kind(k))
            .map(|o| (o, None))
            .collect(),
        Target::Workloads | Target::Containers => {
            // Sized once: grown by doubling, lists this long (and the findings below) would
            // have their memory copied and fresh pages zeroed at every step.
            let mut v = Vec::with_capacity(ctx.workloads().len());
            v.extend(
                ctx.workloads()
                    .iter()
                    // No kinds named: every workload, those of other APIs' kinds with a pod
                    // template (`workload::pod_spec`) too.
                    .filter(|(w, _)| {
                        p.kinds.is_empty() || distinct.contains(&w.object.kind.as_str())
                    })
                    .map(|entry| (entry.0.object, Some(entry))),
            );
            v
        }
    };
    out.findings.reserve(objects.len());
    let limit_ranges = ctx.limit_range_defaults();
    // Subjects given but left out by the `when` conditions (the check does not apply to them).
    let mut given = 0usize;
    let mut left_out = vec![0usize; p.when.len()];
    for (obj, wl) in objects {
        // Items of `each` are owned (a path may compute values, e.g. `@keys`).
        let items: Vec<(String, Doc)> = match (&p.target, &p.each) {
            (Target::Objects, Some(each)) => each.resolve(&obj.value, "", Doc::clone),
            _ => Vec::new(),
        };
        let mut units: Vec<Unit> = Vec::new();
        match p.target {
            Target::Workloads | Target::Containers => {
                let Some((wl, containers)) = wl else {
                    continue;
                };
                let (defaults, from) = limit_ranges.of(obj.namespace.as_deref());
                let base = Unit::new(
                    &[
                        ("object", &obj.value, ""),
                        ("pod", wl.pod, wl.pod_path),
                        ("pod_meta", wl.pod_meta, wl.pod_meta_path),
                        ("limit_range", defaults, from),
                    ],
                    Label::Subject,
                );
                if p.target == Target::Workloads {
                    units.push(base);
                } else {
                    let judged = containers.iter().filter(|c| {
                        p.ephemeral_containers || c.role != workload::EPHEMERAL_CONTAINER
                    });
                    for c in judged {
                        units.push(base.with(
                            ("container", c.value, c.path.as_str()),
                            Label::Container(c.role, &c.name),
                        ));
                    }
                }
            }
            Target::Objects => {
                let base = Unit::new(&[("object", &obj.value, "")], Label::Subject);
                if p.each.is_none() {
                    units.push(base);
                } else {
                    for (path, item) in &items {
                        units.push(base.with(("item", item, path.as_str()), Label::Item(path)));
                    }
                }
            }
        }
        given += 1;
        match judge(check, p, obj, &units, ctx.pass_evidence()) {
            Some(mut f) => {
                if wl.is_some() {
                    limit_ranges.cite(obj.namespace.as_deref(), &mut f);
                    unplaced_limit_range(check, p, obj, &units, limit_ranges, &mut f);
                }
                out.findings.push(f);
            }
            // No unit was assessed: the `when` condition that left the subject out, for the
            // words when none is judged, or for the subject's own finding when the condition
            // says what its absence means.
            None => {
                if let Some(i) = units
                    .first()
                    .and_then(|u| p.when.iter().position(|c| !c.holds(u.roots())))
                {
                    match &p.when[i].when_absent {
                        Some(why) => out.findings.push(
                            evidence::finding(
                                check,
                                Status::NotApplicable,
                                evidence::subject(obj),
                                Vec::new(),
                                why.clone(),
                            )
                            // The input does not show it: not assessed, as other absences.
                            .not_assessed(),
                        ),
                        None => left_out[i] += 1,
                    }
                }
            }
        }
    }
    // Left out by conditions on values (`hostNetwork` is true) is decided; left out because a
    // field is absent (`metadata.namespace` exists) is not, where absence proves nothing.
    out.decided_empty = given > 0
        && !p
            .when
            .iter()
            .any(|c| matches!(c.expect.op, crate::checks::condition::Op::Exists));
    out.empty_reason = match (&p.target, given) {
        (Target::Objects, 0) => format!("no {} objects in scope", kinds.join("/")),
        (_, 0) => "no workloads in scope".to_string(),
        // Every subject was left out: by the `when` conditions, or (objects) none had an
        // item to judge.
        (Target::Objects, n) if p.when.is_empty() => format!(
            "{n} {} object(s) in the input, none with an item to judge",
            kinds.join("/")
        ),
        (Target::Objects, n) => format!(
            "{n} {} object(s) in the input, none where {}",
            kinds.join("/"),
            excluded_by(&p.when, &left_out)
        ),
        (_, n) => format!(
            "{n} workload(s) in the input, none where {}",
            excluded_by(&p.when, &left_out)
        ),
    };
    out
}

/// The default container limits the LimitRanges of each namespace give (root `limit_range`):
/// per resource, the `default` of a `Container` item, else its `max` (from which the API
/// server fills in the default: "If a default limit is unspecified, but the max is
/// specified, default the limit to the max"). The LimitRanger admission plugin sets them on
/// every container that sets none, so `paths: [container.resources.limits.cpu,
/// limit_range.cpu]` asks for a limit given either way.
pub struct LimitRangeDefaults {
    by_namespace: BTreeMap<String, LimitDefaults>,
}

/// The default limits of one namespace, the path prefix observations of them carry, and
/// where each resource's value is written (a LimitRange's `file:line`).
struct LimitDefaults {
    limits: Doc,
    from: String,
    names: String,
    sources: BTreeMap<String, String>,
}

impl LimitRangeDefaults {
    /// Those of the inventory, found once per run (shared by the `fields` checks through
    /// [`Context::limit_range_defaults`]).
    pub fn new(inv: &crate::inventory::Inventory) -> Self {
        type Found = (
            serde_json::Map<String, Value>,
            Vec<String>,
            BTreeMap<String, String>,
        );
        let mut found: BTreeMap<String, Found> = BTreeMap::new();
        for range in inv.of_kind("LimitRange") {
            let Some(ns) = range.namespace.as_deref() else {
                continue;
            };
            let items = range
                .value
                .get("spec")
                .and_then(|spec| spec.get("limits"))
                .and_then(Doc::as_array)
                .unwrap_or(&[]);
            for (i, item) in items
                .iter()
                .enumerate()
                .filter(|(_, l)| l.get("type").and_then(Doc::as_str) == Some("Container"))
            {
                let (limits, names, sources) = found.entry(ns.to_string()).or_default();
                let before = limits.len();
                for key in ["default", "max"] {
                    let Some(values) = item.get(key).and_then(Doc::as_object) else {
                        continue;
                    };
                    for (resource, v) in values.iter() {
                        if limits.contains_key(resource) {
                            continue;
                        }
                        limits.insert(resource.to_string(), v.to_value());
                        let at = format!("spec.limits[{i}].{key}.{resource}");
                        sources.insert(resource.to_string(), evidence::source(range, &at));
                    }
                }
                if limits.len() > before && !names.contains(&range.name) {
                    names.push(range.name.clone());
                }
            }
        }
        LimitRangeDefaults {
            by_namespace: found
                .into_iter()
                .filter(|(_, (limits, _, _))| !limits.is_empty())
                .map(|(ns, (limits, names, sources))| {
                    let from = format!("LimitRange {ns}/{} default limits", names.join(", "));
                    let limits = Doc::from(Value::Object(limits));
                    let names = names.join(", ");
                    (
                        ns,
                        LimitDefaults {
                            limits,
                            from,
                            names,
                            sources,
                        },
                    )
                })
                .collect(),
        }
    }

    /// The defaults of a namespace (an empty document when none) and where they come from.
    fn of(&self, namespace: Option<&str>) -> (&Doc, &str) {
        const NONE: &Doc = &Doc::Null;
        self.by_namespace
            .get(namespace.unwrap_or("default"))
            .map_or((NONE, ""), |d| (&d.limits, d.from.as_str()))
    }

    /// The defaults of the LimitRanges written without a namespace, where they come from
    /// and their names: they give limits to the namespace they are applied in.
    fn unplaced(&self) -> Option<(&Doc, &str, &str)> {
        self.by_namespace
            .get(UNSET_NAMESPACE)
            .map(|d| (&d.limits, d.from.as_str(), d.names.as_str()))
    }

    /// Points observations of a namespace's default limits (their path starts with the
    /// prefix [`LimitRangeDefaults::of`] gives) at the LimitRange line that sets the value,
    /// not at the workload that inherits it.
    fn cite(&self, namespace: Option<&str>, finding: &mut crate::results::Finding) {
        let Some(d) = self.by_namespace.get(namespace.unwrap_or("default")) else {
            return;
        };
        for o in &mut finding.observations {
            let Some(resource) = o
                .path
                .strip_prefix(d.from.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
            else {
                continue;
            };
            if let Some(source) = d
                .sources
                .get(resource.trim_matches(|c| c == '[' || c == ']' || c == '"'))
            {
                o.source.clone_from(source);
            }
        }
    }
}

/// A failure of a workload in a named namespace that a LimitRange written without a
/// namespace would prevent, if it is applied there (as the Kubernetes task pages apply theirs
/// with `--namespace`): `manual`, naming the LimitRange, not `fail`.
fn unplaced_limit_range(
    check: &Check,
    p: &Params,
    obj: &Object,
    units: &[Unit],
    limit_ranges: &LimitRangeDefaults,
    f: &mut crate::results::Finding,
) {
    let Some(ns) = obj.namespace.as_deref().filter(|ns| *ns != UNSET_NAMESPACE) else {
        return;
    };
    let Some((defaults, from, names)) = limit_ranges.unplaced() else {
        return;
    };
    if f.status != p.on_fail || f.status == Status::Pass {
        return;
    }
    let placed: Vec<Unit> = units
        .iter()
        .map(|u| u.replacing("limit_range", defaults, from))
        .collect();
    if judge(check, p, obj, &placed, false).is_some_and(|g| g.status == Status::Pass) {
        f.status = Status::Manual;
        f.message = format!(
            "{}; but LimitRange {names} has no namespace in the input: it gives the limits only if applied in namespace {ns}",
            f.message
        );
    }
}

/// The verdict on one subject from its units (the workload, each container, or each item).
fn judge(
    check: &Check,
    p: &Params,
    obj: &Object,
    units: &[Unit],
    pass_evidence: bool,
) -> Option<crate::results::Finding> {
    let mut assessed = 0;
    let mut failing = Vec::new();
    let mut passing = Vec::new();
    // The words for the first failure.
    let mut first_words: Option<String> = None;
    for unit in units {
        let roots = unit.roots();
        if !all_hold(&p.when, roots) {
            continue;
        }
        assessed += 1;
        for cond in &p.expect {
            if !pass_evidence && cond.holds(roots) {
                continue;
            }
            let mut seen = cond.observe(obj, roots);
            if !seen.holds
                && failing.is_empty()
                && seen
                    .observations
                    .first()
                    .is_some_and(|o| o.observed.is_null() && !o.holds)
            {
                first_words = cond.absent_text(roots, unit.label);
            }
            for mut o in std::mem::take(&mut seen.observations) {
                if !o.holds && first_words.is_none() {
                    first_words = Some(failure_words(&o, &seen, roots, unit.label));
                }
                o.note = unit.label.note(o.note.take());
                if o.holds {
                    passing.push(o);
                } else {
                    failing.push(o);
                }
            }
        }
    }
    if assessed == 0 {
        return None;
    }
    let subject = evidence::subject(obj);
    if failing.is_empty() {
        let what = match p.target {
            // Words nobody reads are not written (see `Context::pass_message`).
            _ if !pass_evidence => String::new(),
            Target::Containers => format!("all {assessed} container(s) comply"),
            Target::Objects if p.each.is_some() => format!("all {assessed} element(s) comply"),
            _ => "complies".to_string(),
        };
        return Some(evidence::finding(
            check,
            Status::Pass,
            subject,
            passing,
            what,
        ));
    }
    let first = &failing[0];
    let prefix = first
        .note
        .as_deref()
        .and_then(|n| n.split(':').next())
        .filter(|n| n.contains('`'))
        .map(|n| format!("{n}: "))
        .unwrap_or_default();
    // Said apart from the first failure's words, which may end in a list of allowed values
    // ("expected one of NET_BIND_SERVICE"): "(and 1 more)" there reads as one more allowed.
    let more = match failing.len() {
        0 | 1 => String::new(),
        2 => "; 1 more observation fails".to_string(),
        n => format!("; {} more observations fail", n - 1),
    };
    let message = format!("{prefix}{}{more}", first_words.unwrap_or_default());
    Some(evidence::finding(
        check, p.on_fail, subject, failing, message,
    ))
}
