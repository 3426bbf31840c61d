//! `audit_policy`: what the API server's audit policy records for given requests.
//!
//! Decides from node facts: the audit `Policy` named by kube-apiserver's `--audit-policy-file`,
//! read on the node by `kubeattest node` (its `rules`). For every request the catalog names (an
//! API group, a resource or subresource, a verb), the rules are walked in order as the API
//! server walks them: the first rule that matches every such request (no `users`,
//! `userGroups`, `namespaces` or `resourceNames`) sets its level, and a request no rule matches
//! is not logged (`None`). A rule limited to some users, namespaces or names matches only some
//! requests: when its level is above what is allowed (payloads logged) the check fails; when
//! it is below (not logged for those), a person decides, so the check is `manual` naming the
//! rule. No flag is `fail`; a file the node could not see is `manual`, one that could not be
//! used is `error`, and so is a policy the API server refuses to load (see [`refused`]: another
//! apiVersion than audit.k8s.io/v1, no rules, a level, stage, group name or URL it does not
//! take); one whose apiVersion was not recorded (facts from an older kubeattest) never passes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::apiserver_file::{self, Absence, ReadFile, Verdict, COMPONENT};
use crate::checks::{Context, Outcome};
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// The flag that names the file.
const FLAG: &str = "--audit-policy-file";
/// The recorded keys (`components.yaml`, `reads`).
const RULES: &str = "rules";
/// See [`RULES`]: the stages the whole policy writes no event for.
const OMIT: &str = "omitStages";
/// See [`RULES`]: the policy's apiVersion.
const API_VERSION: &str = "apiVersion";
/// The only apiVersion the policy loader reads (k8s.io/apiserver/pkg/audit/policy/reader.go,
/// `apiGroupVersions`, since Kubernetes 1.24).
const POLICY_VERSION: &str = "audit.k8s.io/v1";
/// The stages a rule may omit (apis/audit/validation/validation.go `validOmitStages`).
const STAGES: &[&str] = &[
    "RequestReceived",
    "ResponseStarted",
    "ResponseComplete",
    "Panic",
];

/// Whether a rule writes no event for a request: its `omitStages`, with the policy's ("the
/// union of both are omitted"), hold every stage the request passes through:
/// `RequestReceived` and `ResponseComplete`, and `ResponseStarted` too for a long-running
/// request ([`long_running`]), which the API server logs when its response starts.
fn omits_every_event(rule: &Value, policy_omits: &[&str], req: &Request) -> bool {
    let rule_omits = strings(rule.get(OMIT));
    let started = long_running(req).then_some("ResponseStarted");
    ["RequestReceived", "ResponseComplete"]
        .into_iter()
        .chain(started)
        .all(|stage| policy_omits.contains(&stage) || rule_omits.contains(&stage))
}

/// Whether the API server treats a request as long-running, as kube-apiserver's
/// `BasicLongRunningRequestCheck` does: the verbs `watch` and `proxy`, and the subresources
/// `attach`, `exec`, `proxy`, `log` and `portforward`.
fn long_running(req: &Request) -> bool {
    let subresource = req.resource.split_once('/').map(|(_, s)| s);
    matches!(req.verb, "watch" | "proxy")
        || matches!(
            subresource,
            Some("attach" | "exec" | "proxy" | "log" | "portforward")
        )
}

/// Audit levels, least to most recorded.
const LEVELS: &[&str] = &["None", "Metadata", "Request", "RequestResponse"];

/// Requests of one kind and the levels they must be logged at.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// API group (`""` for the core group).
    pub group: String,
    /// Resources, `resource` or `resource/subresource`.
    pub resources: Vec<String>,
    /// Verbs.
    pub verbs: Vec<String>,
    /// Lowest and highest level allowed (indexes into [`LEVELS`]).
    pub min: usize,
    /// See `min`.
    pub max: usize,
}

/// Parameters of an `audit_policy` assertion: either requests to place (`expect`), or
/// `logs_anything: true`, which asks only whether some rule records any request at all.
#[derive(Debug, Clone)]
pub struct Params {
    /// The requests judged (empty with `logs_anything`).
    pub expect: Vec<Expectation>,
    /// Whether the policy records anything: a rule with a level other than `None`, not
    /// hidden behind a rule that takes every request at `None`, whose omitted stages leave
    /// some event written.
    pub logs_anything: bool,
}

fn level_index(level: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == level)
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `audit_policy` assertion of {what}");
        r.known_keys(node, &aw, &["kind", "expect", "logs_anything"]);
        let mut expect = Vec::new();
        let mut ok = true;
        let logs_anything = r.opt_bool(node, "logs_anything", &aw).unwrap_or(false);
        if logs_anything {
            if node.get("expect").is_some() {
                r.error(
                    node.line,
                    format!("{aw}: give `expect` or `logs_anything: true`, not both"),
                );
                return None;
            }
            return Some(Params {
                expect,
                logs_anything,
            });
        }
        for (i, e) in r.seq(node, "expect", &aw).iter().enumerate() {
            let ew = format!("{aw}, `expect` #{}", i + 1);
            r.known_keys(e, &ew, &["group", "resources", "verbs", "levels"]);
            // `""` is the core group, as in a policy's `resources`.
            let group = match e.get("group").map(|n| &n.value) {
                Some(crate::yaml::NodeValue::String(s)) if s.is_empty() => String::new(),
                _ => r.opt_string(e, "group", &ew).unwrap_or_default(),
            };
            let resources = r.string_list(e, "resources", &ew);
            let verbs = r.string_list(e, "verbs", &ew);
            let levels = r.string_list(e, "levels", &ew);
            let idx: Vec<Option<usize>> = levels.iter().map(|l| level_index(l)).collect();
            if resources.is_empty() || verbs.is_empty() || levels.is_empty() {
                r.error(
                    e.line,
                    format!("{ew} needs `resources`, `verbs` and `levels`"),
                );
                ok = false;
                continue;
            }
            if idx.iter().any(Option::is_none) {
                r.error(
                    e.line,
                    format!("{ew}: `levels` are among {}", LEVELS.join(", ")),
                );
                ok = false;
                continue;
            }
            let idx: Vec<usize> = idx.into_iter().flatten().collect();
            expect.push(Expectation {
                group,
                resources,
                verbs,
                min: idx.iter().copied().min().unwrap_or(0),
                max: idx.iter().copied().max().unwrap_or(0),
            });
        }
        if expect.is_empty() {
            ok = false;
        }
        ok.then_some(Params {
            expect,
            logs_anything,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        format!(
            "Reads node facts (`kubeattest node`): on every node running {COMPONENT}, the audit Policy named by {FLAG} logs {}",
            self.words()
        )
    }

    /// Every request and its levels: `secrets (get) at Metadata; pods/exec (create) at
    /// Metadata or more`.
    fn words(&self) -> String {
        if self.logs_anything {
            return "some request (a rule with a level other than None that is reached and writes an event)".into();
        }
        let parts: Vec<String> = self.expect.iter().map(Expectation::words).collect();
        parts.join("; ")
    }
}

impl Expectation {
    /// `secrets, configmaps (get, list) at Metadata`.
    fn words(&self) -> String {
        format!(
            "{} ({}) {}",
            self.resources
                .iter()
                .map(|r| resource_name(&self.group, r))
                .collect::<Vec<_>>()
                .join(", "),
            self.verbs.join(", "),
            self.levels_words()
        )
    }

    /// `at Metadata`, `at Metadata or more`.
    fn levels_words(&self) -> String {
        if self.min == self.max {
            format!("at {}", LEVELS[self.min])
        } else if self.max == LEVELS.len() - 1 {
            format!("at {} or more", LEVELS[self.min])
        } else {
            format!("at {} to {}", LEVELS[self.min], LEVELS[self.max])
        }
    }
}

/// `secrets` or `deployments.apps`.
fn resource_name(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        match resource.split_once('/') {
            Some((r, sub)) => format!("{r}.{group}/{sub}"),
            None => format!("{resource}.{group}"),
        }
    }
}

/// One request to place in the policy.
struct Request<'a> {
    group: &'a str,
    /// `pods` or `pods/exec`.
    resource: &'a str,
    verb: &'a str,
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Whether a rule's resource entry matches the request, as the API server's policy checker
/// does: `*`, `resource`, `resource/subresource`, `*/subresource`, `resource/*`.
fn resource_matches(pattern: &str, req: &Request) -> bool {
    let (resource, sub) = match req.resource.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (req.resource, None),
    };
    if pattern == req.resource || pattern == "*" {
        return true;
    }
    if let (Some(sub), Some(p)) = (sub, pattern.strip_prefix("*/")) {
        if p == sub {
            return true;
        }
    }
    pattern.strip_suffix("/*") == Some(resource)
}

/// How a rule applies to a request: not at all, to every such request, or only to some
/// (limited by user, group, namespace or name).
#[derive(PartialEq)]
enum Applies {
    No,
    All,
    Some,
}

fn applies(rule: &Value, req: &Request) -> Applies {
    let verbs = strings(rule.get("verbs"));
    if !verbs.is_empty() && !verbs.contains(&req.verb) {
        return Applies::No;
    }
    // A rule for non-resource URLs never matches a resource request.
    if !strings(rule.get("nonResourceURLs")).is_empty() {
        return Applies::No;
    }
    // Every request comes from an authenticated or an unauthenticated user: a rule for both
    // groups is limited by neither.
    let groups_of_all = {
        let g = strings(rule.get("userGroups"));
        g.contains(&"system:authenticated") && g.contains(&"system:unauthenticated")
    };
    let mut limited = ["users", "userGroups", "namespaces"]
        .iter()
        .filter(|k| !(**k == "userGroups" && groups_of_all))
        .any(|k| !strings(rule.get(*k)).is_empty());
    let groups = rule.get("resources").and_then(Value::as_array);
    if let Some(groups) = groups.filter(|g| !g.is_empty()) {
        let mut matched = false;
        for gr in groups {
            let group = gr.get("group").and_then(Value::as_str).unwrap_or("");
            if group != req.group {
                continue;
            }
            let resources = strings(gr.get("resources"));
            // An entry without resources matches every resource of its group, whatever
            // names it lists (policy/checker.go `ruleMatchesResource`; such names are refused
            // anyway).
            if resources.is_empty() {
                return if limited { Applies::Some } else { Applies::All };
            }
            if resources.iter().any(|p| resource_matches(p, req)) {
                matched = true;
                // Names limit the entry to some objects; an entry without names wins.
                if strings(gr.get("resourceNames")).is_empty() {
                    return if limited { Applies::Some } else { Applies::All };
                }
            }
        }
        if !matched {
            return Applies::No;
        }
        limited = true;
    }
    if limited {
        Applies::Some
    } else {
        Applies::All
    }
}

/// What the policy does with one request: the level of the rule that decides for every such
/// request (1-based rule number; `None` when no rule matches), and the rules before it that
/// decide for some with a level outside `min..=max`.
struct Placed {
    level: usize,
    /// The deciding rule has a level but omits every stage of the request.
    silenced: bool,
    rule: Option<usize>,
    some: Vec<(usize, usize)>,
}

fn place(rules: &[Value], policy_omits: &[&str], req: &Request, e: &Expectation) -> Placed {
    let mut some = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let written = rule_level(rule);
        let silenced = written > 0 && omits_every_event(rule, policy_omits, req);
        let level = if silenced { 0 } else { written };
        match applies(rule, req) {
            Applies::No => {}
            Applies::All => {
                return Placed {
                    level,
                    silenced,
                    rule: Some(i + 1),
                    some,
                }
            }
            Applies::Some => {
                if level < e.min || level > e.max {
                    some.push((level, i + 1));
                }
            }
        }
    }
    Placed {
        level: 0,
        silenced: false,
        rule: None,
        some,
    }
}

/// Whether `name` is a DNS subdomain as the API server requires of a group name
/// (apimachinery `IsDNS1123Subdomain`): at most 253 characters, dot-separated labels of
/// lower-case letters, digits and `-`, each starting and ending with a letter or digit.
fn is_dns_subdomain(name: &str) -> bool {
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    name.len() <= 253
        && name.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter().all(|&c| alnum(c) || c == b'-')
                && b.first().copied().is_some_and(alnum)
                && b.last().copied().is_some_and(alnum)
        })
}

/// Why the API server refuses to load the policy (k8s.io/apiserver/pkg/audit/policy/reader.go
/// `LoadPolicyFromBytes`, apis/audit/validation/validation.go `ValidatePolicy`), or `None`:
/// an apiVersion other than audit.k8s.io/v1, no rules, a field of the wrong type (the decoder
/// refuses it), a rule without a level or with one it does not know (levels are
/// case-sensitive), an omitStage it does not know, a group name that is not a DNS subdomain,
/// `resourceNames` without `resources`, a non-resource URL that does not start with `/` or
/// has `*` before its end, or `nonResourceURLs` with `resources` or `namespaces`.
/// `api_version` is `None` when it was not recorded.
fn refused(rules: &[Value], api_version: Option<&Value>) -> Option<String> {
    let q = |s: &str| crate::quote::quote(s);
    match api_version {
        None => {}
        Some(Value::String(v)) if v == POLICY_VERSION => {}
        Some(v) => {
            return Some(format!(
                "its apiVersion is {}; the API server (1.24 and later) reads only {POLICY_VERSION}",
                v.as_str()
                    .map_or_else(|| "not set".to_string(), |v| format!("`{}`", q(v)))
            ))
        }
    }
    if rules.is_empty() {
        return Some("it has no rules (a policy with 0 rules is refused)".into());
    }
    let string_list = |v: Option<&Value>| match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.iter().all(Value::is_string),
        _ => false,
    };
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("rule {}", i + 1);
        let Some(fields) = rule.as_object() else {
            return Some(format!("{at} is not a mapping"));
        };
        for key in [
            "users",
            "userGroups",
            "verbs",
            "namespaces",
            "nonResourceURLs",
            "omitStages",
        ] {
            if !string_list(fields.get(key)) {
                return Some(format!("{at}: `{key}` is not a list of strings"));
            }
        }
        if !matches!(
            fields.get("omitManagedFields"),
            None | Some(Value::Null | Value::Bool(_))
        ) {
            return Some(format!("{at}: `omitManagedFields` is not a boolean"));
        }
        match fields.get("level") {
            None | Some(Value::Null) => return Some(format!("{at} has no level (it is required)")),
            Some(Value::String(l)) if l.is_empty() => {
                return Some(format!("{at} has no level (it is required)"))
            }
            Some(Value::String(l)) if level_index(l).is_none() => {
                return Some(format!(
                    "{at} has level `{}`, which is not one of {} (levels are case-sensitive)",
                    q(l),
                    LEVELS.join(", ")
                ))
            }
            Some(Value::String(_)) => {}
            Some(_) => return Some(format!("{at}: `level` is not a string")),
        }
        if let Some(stage) = strings(fields.get(OMIT))
            .into_iter()
            .find(|s| !STAGES.contains(s))
        {
            return Some(format!(
                "{at} omits stage `{}`, which is not one of {} (stages are case-sensitive)",
                q(stage),
                STAGES.join(", ")
            ));
        }
        let urls = strings(fields.get("nonResourceURLs"));
        for url in &urls {
            if *url == "*" {
                continue;
            }
            if !url.starts_with('/') {
                return Some(format!(
                    "{at}: the non-resource URL `{}` does not begin with `/`",
                    q(url)
                ));
            }
            let last = url.chars().next_back().map_or(0, char::len_utf8);
            if url[..url.len() - last].contains('*') {
                return Some(format!(
                    "{at}: the non-resource URL `{}` has `*` before its end",
                    q(url)
                ));
            }
        }
        let groups = match fields.get("resources") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(g)) => g.as_slice(),
            Some(_) => return Some(format!("{at}: `resources` is not a list")),
        };
        for (j, gr) in groups.iter().enumerate() {
            let gat = format!("{at} resources[{j}]");
            let Some(gr) = gr.as_object() else {
                return Some(format!("{gat} is not a mapping"));
            };
            let group = match gr.get("group") {
                None | Some(Value::Null) => "",
                Some(Value::String(g)) => g.as_str(),
                Some(_) => return Some(format!("{gat}: `group` is not a string")),
            };
            if !group.is_empty() && !is_dns_subdomain(group) {
                return Some(format!(
                    "{gat}: the group `{}` is not a valid API group name (a lower-case DNS subdomain, without a version)",
                    q(group)
                ));
            }
            for key in ["resources", "resourceNames"] {
                if !string_list(gr.get(key)) {
                    return Some(format!("{gat}: `{key}` is not a list of strings"));
                }
            }
            if !strings(gr.get("resourceNames")).is_empty()
                && strings(gr.get("resources")).is_empty()
            {
                return Some(format!(
                    "{gat} lists resourceNames without resources (at least one resource is required)"
                ));
            }
        }
        if !urls.is_empty() && (!groups.is_empty() || !strings(fields.get("namespaces")).is_empty())
        {
            return Some(format!(
                "{at} applies to both resources (or namespaces) and non-resource URLs"
            ));
        }
    }
    None
}

/// Judges the policy one node read.
fn judge(p: &Params, read: &ReadFile) -> Verdict {
    let ReadFile { node, file, .. } = read;
    let shown = file.describe();
    let rules: &[Value] = match file.values.get(RULES) {
        Some(Value::Array(r)) => r,
        // No rules: refused below.
        Some(Value::Null) => &[],
        None => {
            return (
                Status::Manual,
                Vec::new(),
                format!(
                    "{COMPONENT} on node {node}: the node facts do not list the rules of {shown}: collect them again with this version of kubeattest"
                ),
            )
        }
        Some(_) => {
            return (
                Status::Error,
                Vec::new(),
                format!("{COMPONENT} on node {node}: `rules` of {shown} is not a list"),
            )
        }
    };
    let policy_omits: Vec<&str> = match file.values.get(OMIT) {
        Some(Value::Array(stages)) => stages.iter().filter_map(Value::as_str).collect(),
        Some(Value::Null) => Vec::new(),
        None => {
            return (
                Status::Manual,
                Vec::new(),
                format!(
                    "{COMPONENT} on node {node}: the node facts do not list the omitStages of {shown}: collect them again with this version of kubeattest"
                ),
            )
        }
        Some(_) => {
            return (
                Status::Error,
                Vec::new(),
                format!("{COMPONENT} on node {node}: `omitStages` of {shown} is not a list"),
            )
        }
    };
    if let Some(why) = refused(rules, file.values.get(API_VERSION)) {
        return (
            Status::Error,
            vec![Observation {
                source: read.source.clone(),
                path: "rules".into(),
                observed: Value::Null,
                expected: format!("an audit policy that logs {}", p.words()),
                holds: false,
                note: Some(why.clone()),
            }],
            format!(
                "{COMPONENT} on node {node}: the API server refuses the audit policy {shown} ({why}): it does not start with it, so what it logs cannot be judged; fix the file"
            ),
        );
    }
    if p.logs_anything {
        return judge_logs_anything(rules, &policy_omits, read);
    }
    let mut observations = Vec::new();
    // The first request logged outside its levels for all, then for some.
    let mut failing: Option<String> = None;
    let mut undecided: Option<String> = None;
    for e in &p.expect {
        for resource in &e.resources {
            let name = resource_name(&e.group, resource);
            let mut seen = BTreeMap::new();
            let mut holds = true;
            let mut notes = Vec::new();
            for verb in &e.verbs {
                let req = Request {
                    group: &e.group,
                    resource,
                    verb,
                };
                let placed = place(rules, &policy_omits, &req, e);
                let by = match placed.rule {
                    Some(n) if placed.silenced => {
                        format!("rule {n} omits every stage it would be logged at")
                    }
                    Some(n) => format!("rule {n} gives {}", LEVELS[placed.level]),
                    None => "no rule matches".to_string(),
                };
                seen.insert(verb.clone(), json!(LEVELS[placed.level]));
                let level = LEVELS[placed.level];
                if placed.level < e.min || placed.level > e.max {
                    holds = false;
                    let why = if placed.level == 0 {
                        format!("{name} {verb} is not logged ({by})")
                    } else {
                        format!(
                            "{name} {verb} is logged at {level} (rule {}), which records its content",
                            placed.rule.unwrap_or_default()
                        )
                    };
                    notes.push(why.clone());
                    failing.get_or_insert(why);
                }
                for (lvl, n) in placed.some {
                    let level = LEVELS[lvl];
                    if lvl > e.max {
                        holds = false;
                        let why = format!(
                            "{name} {verb} is logged at {level} for some users, namespaces or names (rule {n}), which records its content"
                        );
                        notes.push(why.clone());
                        failing.get_or_insert(why);
                    } else {
                        let why = format!(
                            "rule {n} logs {name} {verb} at {level} for some users, namespaces or names"
                        );
                        notes.push(why.clone());
                        undecided.get_or_insert(why);
                    }
                }
            }
            observations.push(Observation {
                source: read.source.clone(),
                path: format!("rules for {name}"),
                observed: Value::Object(seen.into_iter().collect()),
                expected: format!("{} logged {}", e.verbs.join(", "), e.levels_words()),
                holds,
                note: (!notes.is_empty()).then(|| notes.join("; ")),
            });
        }
    }
    match (failing, undecided) {
        (Some(why), _) => (
            Status::Fail,
            observations,
            format!("{COMPONENT} on node {node}: the audit policy {shown}: {why}"),
        ),
        (None, Some(why)) => (
            Status::Manual,
            observations,
            format!(
                "{COMPONENT} on node {node}: the audit policy {shown}: {why}; decide whether leaving those out is intended"
            ),
        ),
        (None, None) if !file.values.contains_key(API_VERSION) => (
            Status::Manual,
            observations,
            format!("{COMPONENT} on node {node}: the audit policy {shown} logs every request looked at as required if the API server loads it, but the node facts do not record its apiVersion (the API server reads only {POLICY_VERSION}): collect them again with this version of kubeattest"),
        ),
        (None, None) => (
            Status::Pass,
            observations,
            format!("{COMPONENT} on node {node}: the audit policy {shown} logs every request looked at as required"),
        ),
    }
}

/// The stages an event may be written at for an ordinary or a long-running request; `Panic`
/// is left out (written only when a handler panics).
const EVENT_STAGES: &[&str] = &["RequestReceived", "ResponseStarted", "ResponseComplete"];

/// Whether a rule takes every request: it names no users, groups, verbs, namespaces,
/// resources or non-resource URLs (policy/checker.go `ruleMatches` returns true).
fn takes_every_request(rule: &Value) -> bool {
    [
        "users",
        "userGroups",
        "verbs",
        "namespaces",
        "resources",
        "nonResourceURLs",
    ]
    .iter()
    .all(|k| match rule.get(*k) {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    })
}

/// The first rule (1-based) that records some request, with its level; or why none does:
/// every rule reached is at `None`, or omits every stage an event is written at, or a rule
/// that takes every request at `None` hides the rules after it.
fn first_logging_rule(rules: &[Value], policy_omits: &[&str]) -> Result<(usize, usize), String> {
    let mut silenced = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let level = rule_level(rule);
        let rule_omits = strings(rule.get(OMIT));
        let writes = EVENT_STAGES
            .iter()
            .any(|s| !policy_omits.contains(s) && !rule_omits.contains(s));
        if level > 0 && writes {
            return Ok((i + 1, level));
        }
        if level > 0 {
            silenced.push(i + 1);
        }
        if takes_every_request(rule) {
            let rest = rules.len() - (i + 1);
            let hidden = if rest == 0 {
                String::new()
            } else {
                format!(", so the {rest} rule(s) after it are never reached")
            };
            let what = if level > 0 {
                "writes no event (it omits every stage)"
            } else {
                "is at level None"
            };
            return Err(format!(
                "rule {} takes every request and {what}{hidden}{}",
                i + 1,
                silenced_words(&silenced[..silenced.len().saturating_sub(usize::from(level > 0))])
            ));
        }
    }
    Err(format!(
        "every rule is at level None or writes no event{}",
        silenced_words(&silenced)
    ))
}

/// `; rules 2, 3 have a level but omit every stage an event is written at`.
fn silenced_words(rules: &[usize]) -> String {
    if rules.is_empty() {
        return String::new();
    }
    let list: Vec<String> = rules.iter().map(usize::to_string).collect();
    format!(
        "; rule(s) {} have a level but omit every stage an event is written at ({})",
        list.join(", "),
        EVENT_STAGES.join(", ")
    )
}

/// Requests of the kinds the benchmarks ask to audit (CIS 3.2.2, NSA/CISA 4.1.2): group,
/// resource and verb, as the API server names them (lower case). A rule that records none of
/// them (reached by none, or matching none: a verb written `CREATE`) records nothing of use.
const PROBES: &[(&str, &str, &str)] = &[
    ("", "secrets", "get"),
    ("", "configmaps", "get"),
    ("", "pods", "create"),
    ("", "pods", "delete"),
    ("", "pods/exec", "create"),
    ("", "serviceaccounts/token", "create"),
    ("", "namespaces", "list"),
    ("", "nodes", "get"),
    ("", "services", "create"),
    ("apps", "deployments", "create"),
    ("apps", "deployments", "patch"),
    ("rbac.authorization.k8s.io", "clusterrolebindings", "create"),
    ("rbac.authorization.k8s.io", "roles", "update"),
    ("authentication.k8s.io", "tokenreviews", "create"),
];

/// A probe in words: `create pods/exec`, `create clusterrolebindings.rbac.authorization.k8s.io`.
fn probe_words(group: &str, resource: &str, verb: &str) -> String {
    format!("{verb} {}", resource_name(group, resource))
}

/// A rule's level as an index of [`LEVELS`]; a rule without a valid level is refused by the
/// API server, and is read as `None`.
fn rule_level(rule: &Value) -> usize {
    rule.get("level")
        .and_then(Value::as_str)
        .and_then(level_index)
        .unwrap_or(0)
}

/// The first of the [`PROBES`] some rule records (for every such request or some of them,
/// before a rule at `None` or writing no event decides for all of them): the request in words,
/// the rule (1-based) and its level.
fn first_probe_logged(rules: &[Value], policy_omits: &[&str]) -> Option<(String, usize, usize)> {
    PROBES.iter().find_map(|&(group, resource, verb)| {
        let req = Request {
            group,
            resource,
            verb,
        };
        // Rules at None for all authenticated, and for all unauthenticated, users: together
        // they decide every request.
        let (mut authenticated, mut unauthenticated) = (false, false);
        for (i, rule) in rules.iter().enumerate() {
            let applies = applies(rule, &req);
            if applies == Applies::No {
                continue;
            }
            let level = rule_level(rule);
            if level > 0 && !omits_every_event(rule, policy_omits, &req) {
                return Some((probe_words(group, resource, verb), i + 1, level));
            }
            if applies == Applies::All {
                return None;
            }
            let mut others = rule.clone();
            if let Some(m) = others.as_object_mut() {
                m.remove("userGroups");
            }
            if self::applies(&others, &req) == Applies::All {
                let groups = strings(rule.get("userGroups"));
                authenticated |= groups.contains(&"system:authenticated");
                unauthenticated |= groups.contains(&"system:unauthenticated");
                if authenticated && unauthenticated {
                    return None;
                }
            }
        }
        None
    })
}

/// Judges `logs_anything`: the policy loads (checked before) and some rule records a request.
fn judge_logs_anything(rules: &[Value], policy_omits: &[&str], read: &ReadFile) -> Verdict {
    let ReadFile { node, file, .. } = read;
    let shown = file.describe();
    let levels: Vec<Value> = rules
        .iter()
        .map(|r| r.get("level").cloned().unwrap_or(Value::Null))
        .collect();
    let mut o = Observation {
        source: read.source.clone(),
        path: "rules[*].level".into(),
        observed: Value::Array(levels),
        expected:
            "a rule that records requests (a level other than None, reached, writing an event)"
                .into(),
        holds: false,
        note: None,
    };
    let logged = first_probe_logged(rules, policy_omits);
    match (first_logging_rule(rules, policy_omits), logged) {
        (Err(why), _) => {
            o.note = Some(why.clone());
            (
                Status::Fail,
                vec![o],
                format!("{COMPONENT} on node {node}: the audit policy {shown} records no request: {why}"),
            )
        }
        (Ok((n, level)), None) => {
            let why = format!(
                "rule {n} is at {}, but none of the requests checked ({}) reaches a rule that records it: earlier rules at None decide them, or the rules match none of them (verbs and resources are matched as the API server names them, in lower case)",
                LEVELS[level],
                PROBES
                    .iter()
                    .map(|(g, r, v)| probe_words(g, r, v))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            o.note = Some(why.clone());
            (
                Status::Fail,
                vec![o],
                format!("{COMPONENT} on node {node}: the audit policy {shown} records no request checked: {why}"),
            )
        }
        (Ok((n, level)), Some(_)) if !file.values.contains_key(API_VERSION) => {
            o.note = Some(format!("rule {n} records requests at {}", LEVELS[level]));
            (
                Status::Manual,
                vec![o],
                format!("{COMPONENT} on node {node}: the audit policy {shown} records requests (rule {n}, at {}) if the API server loads it, but the node facts do not record its apiVersion (the API server reads only {POLICY_VERSION}): collect them again with this version of kubeattest", LEVELS[level]),
            )
        }
        (Ok(_), Some((what, n, level))) => {
            o.holds = true;
            o.note = Some(format!("rule {n} records {what} at {}", LEVELS[level]));
            (
                Status::Pass,
                vec![o],
                format!("{COMPONENT} on node {node}: the audit policy {shown} loads ({POLICY_VERSION}) and records requests: rule {n} records {what} at {}", LEVELS[level]),
            )
        }
    }
}

/// Evaluates the assertion over the inventory's node facts.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let absence = Absence {
        consequence: "no request is audited".to_string(),
        note: "not set: the API server records no audit events".to_string(),
    };
    let expected = format!("an audit policy that logs {}", p.words());
    apiserver_file::evaluate(check, ctx, FLAG, &expected, &absence, &|read| {
        judge(p, read)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata_only() -> Expectation {
        Expectation {
            group: String::new(),
            resources: vec!["secrets".into()],
            verbs: vec!["get".into()],
            min: 1,
            max: 1,
        }
    }

    fn at_least_metadata() -> Expectation {
        Expectation {
            max: 3,
            ..metadata_only()
        }
    }

    fn level_of(
        rules: Value,
        group: &str,
        resource: &str,
        verb: &str,
        e: &Expectation,
    ) -> (String, Option<usize>, Vec<(usize, usize)>) {
        let rules = rules.as_array().unwrap().clone();
        let p = place(
            &rules,
            &[],
            &Request {
                group,
                resource,
                verb,
            },
            e,
        );
        (LEVELS[p.level].to_string(), p.rule, p.some)
    }

    #[test]
    fn the_first_rule_for_every_such_request_decides() {
        // The audit task page's example policy, in order.
        let rules = json!([
            {"level": "RequestResponse", "resources": [{"group": "", "resources": ["pods"]}]},
            {"level": "Metadata", "resources": [{"group": "", "resources": ["pods/log", "pods/status"]}]},
            {"level": "None", "resources": [{"group": "", "resources": ["configmaps"], "resourceNames": ["controller-leader"]}]},
            {"level": "None", "users": ["system:kube-proxy"], "verbs": ["watch"], "resources": [{"group": "", "resources": ["endpoints", "services"]}]},
            {"level": "None", "userGroups": ["system:authenticated"], "nonResourceURLs": ["/api*", "/version"]},
            {"level": "Request", "resources": [{"group": "", "resources": ["configmaps"]}], "namespaces": ["kube-system"]},
            {"level": "Metadata", "resources": [{"group": "", "resources": ["secrets", "configmaps"]}]},
            {"level": "Request", "resources": [{"group": ""}, {"group": "extensions"}]},
            {"level": "Metadata", "omitStages": ["RequestReceived"]}
        ]);
        let m = metadata_only();
        assert_eq!(
            level_of(rules.clone(), "", "secrets", "get", &m),
            ("Metadata".into(), Some(7), vec![])
        );
        // configmaps: Metadata for most, but None for one name and Request in kube-system.
        assert_eq!(
            level_of(rules.clone(), "", "configmaps", "get", &m),
            ("Metadata".into(), Some(7), vec![(0, 3), (2, 6)])
        );
        let any = at_least_metadata();
        assert_eq!(
            level_of(rules.clone(), "", "pods", "create", &any).1,
            Some(1)
        );
        // pods/exec is not `pods`: the group-wide Request rule takes it.
        assert_eq!(
            level_of(rules.clone(), "", "pods/exec", "create", &any),
            ("Request".into(), Some(8), vec![])
        );
        assert_eq!(
            level_of(rules.clone(), "apps", "deployments", "update", &any),
            ("Metadata".into(), Some(9), vec![])
        );
        assert_eq!(
            level_of(json!([]), "", "secrets", "get", &m),
            ("None".into(), None, vec![])
        );
    }

    #[test]
    fn omitted_stages_silence_a_rule_only_together() {
        let rule = json!({"level": "Metadata", "omitStages": ["RequestReceived"]});
        let req = Request {
            group: "",
            resource: "secrets",
            verb: "get",
        };
        assert!(!omits_every_event(&rule, &[], &req));
        assert!(omits_every_event(&rule, &["ResponseComplete"], &req));
        let p = place(
            std::slice::from_ref(&rule),
            &["ResponseComplete"],
            &req,
            &metadata_only(),
        );
        assert_eq!((p.level, p.silenced, p.rule), (0, true, Some(1)));
        // Long-running requests are still logged when their response starts.
        for (resource, verb) in [
            ("pods/exec", "create"),
            ("pods/log", "get"),
            ("pods", "watch"),
        ] {
            let long = Request {
                group: "",
                resource,
                verb,
            };
            assert!(
                !omits_every_event(&rule, &["ResponseComplete"], &long),
                "{resource} {verb}"
            );
            assert!(omits_every_event(
                &rule,
                &["ResponseComplete", "ResponseStarted"],
                &long
            ));
        }
    }

    #[test]
    fn the_catalog_reads_the_rules() {
        let file = apiserver_file::catalog_entry(FLAG);
        assert_eq!(file.kind.as_deref(), Some("Policy"));
        assert_eq!(file.reads, [RULES, OMIT, API_VERSION]);
    }

    #[test]
    fn resource_patterns_follow_the_policy_checker() {
        let r = |resource| Request {
            group: "",
            resource,
            verb: "get",
        };
        assert!(resource_matches("*", &r("pods/exec")));
        assert!(resource_matches("*/exec", &r("pods/exec")));
        assert!(resource_matches("pods/*", &r("pods/exec")));
        assert!(resource_matches("pods/*", &r("pods")));
        assert!(!resource_matches("pods", &r("pods/exec")));
        assert!(!resource_matches("*/log", &r("pods/exec")));
        assert_eq!(resource_name("apps", "deployments"), "deployments.apps");
        assert_eq!(resource_name("", "pods/exec"), "pods/exec");
    }

    /// What the policy loader and ValidatePolicy refuse, with the reviewer's cases (a1, a2,
    /// a3/a4, a9-a12).
    #[test]
    fn policies_the_api_server_refuses_are_refusals() {
        let v1 = json!(POLICY_VERSION);
        let why = |rules: Value, version: &Value| {
            refused(rules.as_array().unwrap(), Some(version)).unwrap_or_default()
        };
        let catch_all = json!({"level": "Metadata"});
        for (rules, expected) in [
            (json!([{"level": "metadata"}]), "level `metadata`"),
            (json!([]), "no rules"),
            (
                json!([{"level": "None", "resources": [{"group": "", "resourceNames": ["foo"]}]}, catch_all]),
                "resourceNames without resources",
            ),
            (
                json!([{"level": "Metadata", "omitStages": ["RequestRecieved"]}]),
                "stage `RequestRecieved`",
            ),
            (
                json!([{"level": "Metadata", "resources": [{"group": "rbac.authorization.k8s.io/v1"}]}, catch_all]),
                "not a valid API group name",
            ),
            (
                json!([{"level": "Metadata", "nonResourceURLs": ["/healthz*"], "resources": [{"group": ""}]}, catch_all]),
                "both resources",
            ),
            (
                json!([{"level": "None", "nonResourceURLs": ["/api*"], "namespaces": ["a"]}, catch_all]),
                "both resources",
            ),
            (
                json!([{"level": "None", "nonResourceURLs": ["healthz"]}, catch_all]),
                "does not begin with `/`",
            ),
            (
                json!([{"level": "None", "nonResourceURLs": ["/a*/b"]}, catch_all]),
                "before its end",
            ),
            (json!([{"verbs": ["get"]}, catch_all]), "has no level"),
            (
                json!([{"level": "Metadata", "verbs": "get"}]),
                "`verbs` is not a list",
            ),
            (json!(["Metadata"]), "not a mapping"),
        ] {
            let got = why(rules.clone(), &v1);
            assert!(got.contains(expected), "{rules}: {got:?}");
        }
        let got = why(json!([catch_all]), &json!("audit.k8s.io/v1beta1"));
        assert!(got.contains("audit.k8s.io/v1beta1"), "{got}");
        assert!(why(json!([catch_all]), &Value::Null).contains("not set"));
        // Accepted: the task page's example, `*` URLs, groups with dots and dashes, and
        // stages the API server knows.
        for rules in [
            json!([
                {"level": "None", "userGroups": ["system:authenticated"], "nonResourceURLs": ["/api*", "/version", "*"]},
                {"level": "Request", "resources": [{"group": ""}, {"group": "rbac.authorization.k8s.io", "resources": ["roles"], "resourceNames": ["x"]}]},
                {"level": "Metadata", "omitStages": ["RequestReceived", "Panic"], "omitManagedFields": true}
            ]),
            json!([{"level": "RequestResponse", "resources": [{"group": "cert-manager.io"}]}]),
        ] {
            assert_eq!(
                refused(rules.as_array().unwrap(), Some(&v1)),
                None,
                "{rules}"
            );
        }
        assert!(is_dns_subdomain("a.b-c.d1"));
        for bad in ["A.b", "a..b", "-a", "a/v1", ""] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
    }

    #[test]
    fn a_policy_logs_something_only_through_a_rule_it_reaches() {
        let first =
            |rules: Value, omits: &[&str]| first_logging_rule(rules.as_array().unwrap(), omits);
        assert_eq!(first(json!([{"level": "Metadata"}]), &[]), Ok((1, 1)));
        assert_eq!(
            first(
                json!([{"level": "None", "users": ["a"]}, {"level": "Request"}]),
                &[]
            ),
            Ok((2, 2))
        );
        // Every rule at None.
        let why = first(
            json!([{"level": "None", "verbs": ["get"]}, {"level": "None"}]),
            &[],
        )
        .unwrap_err();
        assert!(why.contains("rule 2 takes every request"), "{why}");
        let why = first(json!([{"level": "None", "verbs": ["get"]}]), &[]).unwrap_err();
        assert!(why.contains("every rule is at level None"), "{why}");
        // A catch-all at None hides the rules after it.
        let why = first(json!([{"level": "None"}, {"level": "Metadata"}]), &[]).unwrap_err();
        assert!(why.contains("never reached"), "{why}");
        // Omitted stages: the policy's and the rule's together.
        let why = first(
            json!([{"level": "Metadata", "omitStages": ["ResponseStarted"]}]),
            &["RequestReceived", "ResponseComplete"],
        )
        .unwrap_err();
        assert!(why.contains("omits every stage"), "{why}");
        assert_eq!(
            first(
                json!([{"level": "Metadata", "omitStages": ["RequestReceived", "ResponseComplete"]}]),
                &[]
            ),
            Ok((1, 1))
        );
    }

    /// An entry for a group without `resources` matches every resource of the group, as
    /// `ruleMatchesResource` returns before looking at names.
    #[test]
    fn a_group_entry_without_resources_matches_every_resource_of_it() {
        let rules = json!([
            {"level": "None", "resources": [{"group": "", "resourceNames": ["foo"]}]},
            {"level": "Metadata"}
        ]);
        assert_eq!(
            level_of(rules, "", "secrets", "get", &metadata_only()),
            ("None".into(), Some(1), vec![])
        );
    }
}
