//! `admission`: what admission control enforces on pods.
//!
//! Decides from Namespace labels, ValidatingAdmissionPolicy(Binding)s and admission webhook
//! configurations:
//! - `psa_enforce`: every namespace with workloads carries
//!   `pod-security.kubernetes.io/enforce` at `min_level` or stricter (`privileged` <
//!   `baseline` < `restricted`; a stored value that is no level is read as `restricted`, as
//!   Pod Security Admission reads it, while a manifest with one never reaches the checks: the
//!   collector refuses it as the API server would); namespaces in `exempt_namespaces` are
//!   `not_applicable`, and
//!   so are namespaces manifests name without their Namespace object. The API server's
//!   admission configuration, as node facts read it, counts too: a namespace its PodSecurity
//!   `exemptions.namespaces` lists fails whatever its label, and so does one whose workloads'
//!   pods are created by a controller service account `exemptions.usernames` lists, or name
//!   a runtime class `exemptions.runtimeClasses` lists; one
//!   without the label is held to its `defaults.enforce` (privileged when not set). Without those facts, a namespace
//!   without the label is `manual` when a kube-apiserver of the input reads an admission
//!   configuration file, else it fails;
//! - `policy_mechanism`: the cluster has at least one active pod policy mechanism: a namespace
//!   enforcing Pod Security Admission at baseline or stricter (and not exempt), PodSecurity
//!   defaults enforcing baseline or stricter, a ValidatingAdmissionPolicyBinding whose policy
//!   exists, or a validating/mutating webhook configuration of a known policy engine
//!   (`policy_engines`, matched against the configuration's name) with a rule for pods or the
//!   workloads that create them, unless the engine's policies in the input can refuse no pod
//!   (see `policy_engine`).
//!
//! Evidence is the namespace and its label, or the objects that make up the mechanism.

use crate::checks::path::Lookup;
use std::collections::BTreeSet;

use crate::document::Doc;
use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::evidence;
use crate::checks::policy_engine::Engines;
use crate::checks::selector;
use crate::checks::{Context, Outcome};
use crate::inventory::KindState;
use crate::results::{Observation, Status, Subject};
use crate::yaml::Node;

/// The Pod Security Admission enforce label.
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

/// What an `admission` assertion requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Require {
    /// PSA enforce label at `min_level` or stricter.
    PsaEnforce {
        /// `baseline` or `restricted`.
        min_level: String,
        /// Name fragments of policy engines' webhook configurations: with one for pods in
        /// the input, a namespace Pod Security Admission does not hold is `manual`, not
        /// `fail` (the engine's policies may hold it; they are not read).
        engines: Vec<String>,
    },
    /// At least one active pod policy mechanism.
    PolicyMechanism {
        /// Name fragments of policy engines' webhook configurations.
        engines: Vec<String>,
    },
}

/// Parameters of an `admission` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// What is required.
    pub require: Require,
    /// Namespaces not assessed.
    pub exempt_namespaces: Vec<String>,
}

fn level_rank(l: &str) -> Option<u8> {
    match l {
        "privileged" => Some(0),
        "baseline" => Some(1),
        "restricted" => Some(2),
        _ => None,
    }
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `admission` assertion of {what}");
        r.known_keys(
            node,
            &aw,
            &[
                "kind",
                "require",
                "min_level",
                "policy_engines",
                "exempt_namespaces",
            ],
        );
        let req = r.string(node, "require", &aw)?;
        let require = match req.as_str() {
            "psa_enforce" => {
                let min_level = r
                    .opt_string(node, "min_level", &aw)
                    .unwrap_or_else(|| "baseline".into());
                if level_rank(&min_level).is_none() {
                    r.error(
                        node.get("min_level").map_or(node.line, |n| n.line),
                        format!("{aw}: min_level `{min_level}` must be privileged, baseline or restricted"),
                    );
                    return None;
                }
                Require::PsaEnforce {
                    min_level,
                    engines: r.string_list(node, "policy_engines", &aw),
                }
            }
            "policy_mechanism" => Require::PolicyMechanism {
                engines: r.string_list(node, "policy_engines", &aw),
            },
            other => {
                return r.unknown(
                    node,
                    "require",
                    &aw,
                    other,
                    &["psa_enforce", "policy_mechanism"],
                )
            }
        };
        Some(Params {
            require,
            exempt_namespaces: r.string_list(node, "exempt_namespaces", &aw),
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        match &self.require {
            Require::PsaEnforce { min_level, .. } => format!(
                "Requires every namespace with workloads to carry {ENFORCE_LABEL} at {min_level} or stricter{}",
                if self.exempt_namespaces.is_empty() { String::new() } else { format!(" (not assessed: {})", self.exempt_namespaces.join(", ")) }
            ),
            Require::PolicyMechanism { engines } => format!(
                "Requires at least one namespace enforcing Pod Security Admission at baseline or stricter, a ValidatingAdmissionPolicyBinding, or a webhook configuration of a policy engine ({})",
                engines.join(", ")
            ),
        }
    }
}

fn enforce_of(ns: &crate::inventory::Object) -> Option<&str> {
    ns.value
        .at("/metadata/labels")
        .and_then(|l| l.get(ENFORCE_LABEL))
        .and_then(Doc::as_str)
}

/// The level a label value enforces, as Pod Security Admission reads it: a value that is not
/// a level is read as `restricted` ("If labels cannot be parsed correctly, the values of
/// "restricted" and "latest" are used"). The flag says whether the value was one.
fn enforced_rank(label: &str) -> (u8, bool) {
    match level_rank(label) {
        Some(r) => (r, true),
        None => (2, false),
    }
}

/// The kube-apiservers of the input, each with its flags as kube-apiserver parses them.
fn apiservers<'c, 'a>(
    ctx: &'c Context<'a>,
) -> impl Iterator<
    Item = (
        &'c crate::checks::flag::Executable<'a>,
        crate::checks::flag::Flags,
    ),
> + 'c {
    ctx.executables()
        .iter()
        .filter(|e| e.name == "kube-apiserver")
        .map(|e| (e, crate::checks::flag::parse_flags(&e.args)))
}

/// The admission configuration file a kube-apiserver of the input is started with
/// (`--admission-control-config-file`): its PodSecurity `defaults` may enforce a level on
/// namespaces that carry no label, so their absence proves nothing.
fn admission_config_file(ctx: &Context) -> Option<String> {
    apiservers(ctx)
        .find_map(|(_, flags)| {
            flags
                .get("--admission-control-config-file")
                .and_then(|v| v.last())
                .cloned()
        })
        .filter(|f| !f.is_empty())
}

/// The flag that names kube-apiserver's admission configuration file.
const ADMISSION_CONFIG_FLAG: &str = "--admission-control-config-file";

/// What the PodSecurity plugin is configured with on every API server the node facts show:
/// the level it enforces on namespaces without a label (`defaults.enforce`; privileged when
/// not set) and the namespaces it never checks (`exemptions.namespaces`).
#[derive(Debug, Default)]
struct PsaConfig {
    /// The weakest `defaults.enforce` of the API servers (a namespace without a label is held
    /// only to that), as written.
    enforce: String,
    /// Namespaces any API server exempts (a request reaching that server is not checked).
    exempt: BTreeSet<String>,
    /// Usernames any API server exempts: requests they make are not checked.
    exempt_users: BTreeSet<String>,
    /// Runtime classes any API server exempts: pods (and pod templates) naming one in
    /// `runtimeClassName` are not checked.
    exempt_runtime_classes: BTreeSet<String>,
    /// Where this was read, for evidence: `node cp-1: /etc/kubernetes/admission.yaml`.
    sources: Vec<String>,
}

/// The PodSecurity configuration of the input's API servers, read from node facts: `None`
/// when no node fact shows an API server given an admission configuration file; an error,
/// in words, when one of them could not be read or keeps the PodSecurity settings in a file
/// of their own (`path`), which `kubeattest node` does not follow.
fn psa_config(ctx: &Context) -> Option<Result<PsaConfig, String>> {
    let mut config = PsaConfig::default();
    let mut weakest: Option<u8> = None;
    // API servers started without a configuration: PodSecurity runs on its built-in
    // defaults there (enforce privileged, nothing exempt).
    let mut without = Vec::new();
    for nf in &ctx.inventory.node_facts {
        let Ok(Some(inst)) = nf.component("kube-apiserver") else {
            continue;
        };
        let flags = crate::checks::flag::parse_flags(&inst.args);
        let Some(path) = flags
            .get(ADMISSION_CONFIG_FLAG)
            .and_then(|v| v.last())
            .filter(|p| !p.is_empty())
        else {
            without.push(nf.node.as_str());
            continue;
        };
        let Some(file) = inst
            .config_files
            .iter()
            .find(|f| f.flag == ADMISSION_CONFIG_FLAG)
        else {
            return Some(Err(format!(
                "node {}: the admission configuration {path} was not read (node facts from an older kubeattest)",
                nf.node
            )));
        };
        if file.state != crate::node_facts::FileState::Present {
            return Some(Err(format!(
                "node {}: the admission configuration {} could not be read: {}",
                nf.node,
                file.describe(),
                file.error.as_deref().unwrap_or("not on the node")
            )));
        }
        let value = |key: &str| file.values.get(key).filter(|v| !v.is_null());
        let embedded = value(&format!("{PSA_PLUGIN}.configuration.kind"));
        // The API server takes an embedded configuration before a `path`.
        if let (None, Some(elsewhere)) = (embedded, value(&format!("{PSA_PLUGIN}.path"))) {
            return Some(Err(format!(
                "node {}: the admission configuration {} keeps the PodSecurity settings in {}, which is not read",
                nf.node,
                file.describe(),
                crate::quote::quote(&crate::checks::mounted_file::flag_text(elsewhere).unwrap_or_default())
            )));
        }
        let defaults = value(&format!("{PSA_PLUGIN}.configuration.defaults"));
        let version = value(&format!("{PSA_PLUGIN}.configuration.apiVersion"));
        let fields = value(&format!("{PSA_PLUGIN}.configuration.@keys"));
        if let Some(why) = refused(embedded, version, fields, defaults) {
            return Some(Err(format!(
                "node {}: the admission configuration {} {why}, which the API server refuses",
                nf.node,
                file.describe()
            )));
        }
        // Without `defaults.enforce` (or with an empty one) the plugin enforces privileged:
        // nothing.
        let enforce = defaults
            .and_then(|d| d.get("enforce"))
            .and_then(serde_json::Value::as_str)
            .filter(|l| !l.is_empty())
            .unwrap_or("privileged");
        // `refused` has checked that it is a level; anything else would count as privileged.
        let rank = level_rank(enforce).unwrap_or(0);
        if weakest.is_none_or(|w| rank < w) {
            weakest = Some(rank);
            config.enforce = enforce.to_string();
        }
        let exempt = |list: &str| {
            value(&format!("{PSA_PLUGIN}.configuration.exemptions.{list}"))
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_string)
        };
        config.exempt.extend(exempt("namespaces"));
        config.exempt_users.extend(exempt("usernames"));
        config
            .exempt_runtime_classes
            .extend(exempt("runtimeClasses"));
        config
            .sources
            .push(format!("node {}: {}", nf.node, file.describe()));
    }
    weakest?;
    if !without.is_empty() {
        config.enforce = "privileged".into();
        config.sources.push(format!(
            "node(s) {}: no admission configuration, so PodSecurity's built-in defaults (enforce privileged)",
            without.join(", ")
        ));
    }
    Some(Ok(config))
}

/// Why the API server would refuse a PodSecurity configuration embedded in its admission
/// configuration (decoded strictly, then validated: pod-security-admission
/// `admission/api/{scheme,validation}`): another kind or API version, an unknown field in
/// `defaults` or at the top, a level or version it does not know. `None` when there is
/// nothing to refuse. `fields` are the embedded configuration's keys.
fn refused(
    kind: Option<&serde_json::Value>,
    api_version: Option<&serde_json::Value>,
    fields: Option<&serde_json::Value>,
    defaults: Option<&serde_json::Value>,
) -> Option<String> {
    const TOP: &[&str] = &["apiVersion", "kind", "defaults", "exemptions"];
    let top: Vec<&str> = fields
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str())
        .collect();
    if let Some(unknown) = top.iter().find(|k| !TOP.contains(k)) {
        return Some(format!(
            "sets an unknown PodSecurity configuration field {}",
            crate::quote::quote(unknown)
        ));
    }
    if kind.is_none() && !top.is_empty() {
        return Some("embeds a PodSecurity configuration without apiVersion and kind".into());
    }
    const VERSIONS: &[&str] = &[
        "pod-security.admission.config.k8s.io/v1",
        "pod-security.admission.config.k8s.io/v1beta1",
        "pod-security.admission.config.k8s.io/v1alpha1",
    ];
    const FIELDS: &[&str] = &[
        "enforce",
        "enforce-version",
        "audit",
        "audit-version",
        "warn",
        "warn-version",
    ];
    let q = |v: &serde_json::Value| crate::quote::quote(&v.to_string());
    if let Some(kind) = kind.filter(|k| k.as_str() != Some("PodSecurityConfiguration")) {
        return Some(format!(
            "embeds a PodSecurity configuration of kind {}",
            q(kind)
        ));
    }
    if kind.is_some()
        && !api_version
            .and_then(|v| v.as_str())
            .is_some_and(|v| VERSIONS.contains(&v))
    {
        return Some(format!(
            "embeds a PodSecurity configuration of apiVersion {}",
            api_version.map_or_else(|| "(none)".to_string(), q)
        ));
    }
    let fields = defaults?.as_object()?;
    if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Some(format!(
            "sets an unknown PodSecurity field defaults.{}",
            crate::quote::quote(unknown)
        ));
    }
    for (key, v) in fields {
        let text = v.as_str().unwrap_or("?");
        let known = if key.ends_with("-version") {
            text.is_empty()
                || text == "latest"
                || text
                    .strip_prefix("v1.")
                    .is_some_and(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()))
        } else {
            text.is_empty() || level_rank(text).is_some()
        };
        if !known {
            return Some(format!("sets PodSecurity defaults.{key} to {}", q(v)));
        }
    }
    None
}

/// The identity that creates the pods of a workload kind, as kube-controller-manager runs
/// its controllers with their own service accounts (`--use-service-account-credentials`).
fn pod_creator(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Deployment" | "ReplicaSet" => "replicaset-controller",
        "DaemonSet" => "daemon-set-controller",
        "StatefulSet" => "statefulset-controller",
        "Job" | "CronJob" => "job-controller",
        "ReplicationController" => "replication-controller",
        _ => return None,
    })
}

impl PsaConfig {
    /// The exempt username under which the pods of a `kind` are created, if any: the
    /// controller's service account. "Controller service accounts … should generally not be
    /// exempted, as doing so would implicitly exempt any user that can create the
    /// corresponding workload resource" (Pod Security Admission, Exemptions). The user
    /// `system:kube-controller-manager` creates them only when the controllers do not run
    /// with their own accounts, which the API server's configuration does not tell: not
    /// counted.
    fn exempt_creator(&self, kind: &str) -> Option<&str> {
        let controller = pod_creator(kind)?;
        self.exempt_users
            .iter()
            .find(|u| u.strip_prefix("system:serviceaccount:kube-system:") == Some(controller))
            .map(String::as_str)
    }
}

/// Evidence read from the PodSecurity configuration: `path` is the setting
/// (`defaults.enforce`), `source` where the files were read.
fn config_observation(
    source: &str,
    path: &str,
    observed: Value,
    expected: String,
    holds: bool,
) -> Observation {
    Observation {
        source: source.to_string(),
        path: format!("admission configuration: PodSecurity {path}"),
        observed,
        expected,
        holds,
        note: None,
    }
}

/// The PodSecurity plugin's entry of an admission configuration, as the catalog's `reads`
/// name it (`controls/components.yaml`).
const PSA_PLUGIN: &str = "plugins[name=PodSecurity]";

/// The kube-apiserver of the input that turns the PodSecurity admission plugin off
/// (`--disable-admission-plugins` naming it), as words: namespace labels then enforce
/// nothing ("Once the feature is enabled or the webhook is installed, you can configure
/// namespaces…").
fn pod_security_disabled(ctx: &Context) -> Option<String> {
    apiservers(ctx)
        .find(|(_, flags)| {
            flags
                .get("--disable-admission-plugins")
                .into_iter()
                .flatten()
                .flat_map(|v| crate::checks::flag::list_items(v))
                .any(|item| item == "PodSecurity")
        })
        .map(|(e, _)| {
            format!(
                "the kube-apiserver ({}) is started with --disable-admission-plugins naming PodSecurity, so Pod Security Admission labels enforce nothing",
                evidence::subject(e.object).display()
            )
        })
}

fn psa(
    check: &Check,
    p: &Params,
    min_level: &str,
    engines: &[String],
    ctx: &Context,
    out: &mut Outcome,
) {
    let inv = ctx.inventory;
    if let KindState::Failed(reason) | KindState::NotServed(reason) = inv.kind_state("Namespace") {
        out.findings.push(evidence::about_kind(
            check,
            Status::Error,
            "Namespace",
            format!("could not assess namespaces: {reason}"),
        ));
        return;
    }
    // Namespaces without workloads are not judged: that needs every workload list.
    evidence::kinds_not_collected(check, inv, crate::checks::workload::WORKLOAD_KINDS, out);
    if !out.findings.is_empty() {
        return;
    }
    let min = level_rank(min_level).unwrap_or(1);
    let policy_engines = Engines::read(inv, engines);
    let used = ctx.workloads_per_namespace();
    let defaults_file = admission_config_file(ctx);
    let config = psa_config(ctx);
    let known = config.as_ref().and_then(|c| c.as_ref().ok());
    let disabled = pod_security_disabled(ctx);
    // In one pass over the workloads, when the configuration exempts users or runtime
    // classes: the kinds of workloads of each namespace (a controller's identity may be
    // exempt), and the first workload (by kind and name) of each namespace whose pods name
    // an exempt runtime class.
    let mut kinds: std::collections::BTreeMap<&str, BTreeSet<&str>> = Default::default();
    let mut exempt_class: std::collections::BTreeMap<&str, (&str, &str, &str)> = Default::default();
    if let Some(c) =
        known.filter(|c| !c.exempt_users.is_empty() || !c.exempt_runtime_classes.is_empty())
    {
        for (w, _) in ctx.workloads() {
            let o = w.object;
            let ns = o.namespace.as_deref().unwrap_or("default");
            if !c.exempt_users.is_empty() {
                kinds.entry(ns).or_default().insert(o.kind.as_str());
            }
            let class = w.pod.get("runtimeClassName").and_then(Doc::as_str);
            if let Some(class) = class.filter(|cl| c.exempt_runtime_classes.contains(*cl)) {
                let entry = (o.kind.as_str(), o.name.as_str(), class);
                exempt_class
                    .entry(ns)
                    .and_modify(|e| *e = (*e).min(entry))
                    .or_insert(entry);
            }
        }
    }
    let absence_known = crate::checks::absence_is_known(inv);
    let mut names: BTreeSet<&str> = inv.of_kind("Namespace").map(|n| n.name.as_str()).collect();
    names.extend(used.keys().copied());
    for name in names {
        let obj = inv.find_named("Namespace", name);
        let subject = evidence::namespace(obj, name);
        if p.exempt_namespaces.iter().any(|e| e == name) {
            out.findings
                .push(evidence::exempt_namespace(check, subject, name));
            continue;
        }
        if !used.contains_key(&name) {
            out.findings.push(evidence::finding(
                check,
                Status::NotApplicable,
                subject,
                Vec::new(),
                format!("namespace {name} has no workloads"),
            ));
            continue;
        }
        if obj.is_none() && !absence_known {
            out.findings.push(evidence::finding(
                check,
                Status::NotApplicable,
                subject,
                Vec::new(),
                format!("namespace {name} is only known from its workloads: its Namespace object, and so its labels, is not in the input"),
            ).not_assessed());
            continue;
        }
        let level = obj.and_then(enforce_of);
        let path = format!("metadata.labels[\"{ENFORCE_LABEL}\"]");
        let (rank, is_level) = level.map_or((0, true), enforced_rank);
        let exempted = known.filter(|c| c.exempt.contains(name));
        // A workload whose pods are made under an exempt identity.
        let bypass = known.and_then(|c| {
            let kinds = kinds.get(name)?;
            kinds.iter().find_map(|kind| {
                c.exempt_creator(kind)
                    .map(|user| (*kind, user, c.sources.join("; ")))
            })
        });
        let by_class = exempt_class.get(name).copied();
        // A label that is no level reaches here only from a cluster (stored before Pod
        // Security Admission checked it): manifests with one are refused as input
        // (`collect::shape::pod_security_labels_problem`), as the API server would refuse them.
        let holds = level.is_some()
            && rank >= min
            && disabled.is_none()
            && exempted.is_none()
            && bypass.is_none()
            && by_class.is_none();
        let obs = Observation {
            source: obj.map_or_else(
                || "no Namespace object in the inventory".to_string(),
                |o| evidence::source(o, &path),
            ),
            path,
            observed: json!(level),
            expected: format!("{min_level} or stricter"),
            holds,
            note: disabled.clone().or_else(|| {
                obj.is_none().then(|| {
                    "the namespace is only known from its workloads; its labels were not seen"
                        .into()
                })
            }),
        };
        let mut observations = vec![obs];
        let (status, message) = match (level, holds, known) {
            (_, _, _) if disabled.is_some() => (
                Status::Fail,
                format!(
                    "namespace {name}: {}: any pod is admitted",
                    disabled.as_deref().unwrap_or_default()
                ),
            ),
            (_, _, _) if exempted.is_some() => {
                let c = exempted.map(|c| c.sources.join("; ")).unwrap_or_default();
                observations.push(config_observation(
                    &c,
                    "exemptions.namespaces",
                    json!(name),
                    "not listed".into(),
                    false,
                ));
                (
                    Status::Fail,
                    format!("namespace {name} is exempt from Pod Security Admission in the API server's admission configuration ({c}): its pods are never checked, whatever its label"),
                )
            }
            (_, _, _) if bypass.is_some() => {
                let (kind, user, from) = bypass.unwrap_or_default();
                observations.push(config_observation(
                    &from,
                    "exemptions.usernames",
                    json!(user),
                    "no identity that creates pods for workloads".into(),
                    false,
                ));
                (
                    Status::Fail,
                    format!("namespace {name}: the API server's admission configuration ({from}) exempts {user}, under which the pods of its {kind}s are created: those pods are never checked, whatever the namespace's label"),
                )
            }
            (_, _, Some(c)) if by_class.is_some() => {
                let (kind, workload, class) = by_class.unwrap_or_default();
                let from = c.sources.join("; ");
                observations.push(config_observation(
                    &from,
                    "exemptions.runtimeClasses",
                    json!(class),
                    "no runtime class that workloads use".into(),
                    false,
                ));
                (
                    Status::Fail,
                    format!("namespace {name}: the API server's admission configuration ({from}) exempts the runtime class {class}, which its {kind} {workload} runs with: those pods are never checked, whatever the namespace's label"),
                )
            }
            (Some(l), true, _) if !is_level => (
                Status::Pass,
                format!(
                    "namespace {name} enforces restricted: its stored label value `{}` is not a level, which Pod Security Admission reads as restricted (api.PolicyToEvaluate)",
                    crate::quote::bounded(l, 80)
                ),
            ),
            (Some(l), true, _) => (Status::Pass, format!("namespace {name} enforces {l}")),
            (Some(l), false, _) => (
                Status::Fail,
                format!("namespace {name} enforces only {l}; {min_level} or stricter expected"),
            ),
            (None, _, Some(c)) => {
                let strong = level_rank(&c.enforce).is_some_and(|r| r >= min);
                let from = c.sources.join("; ");
                observations.push(config_observation(
                    &from,
                    "defaults.enforce",
                    json!(c.enforce),
                    format!("{min_level} or stricter"),
                    strong,
                ));
                if strong {
                    (
                        Status::Pass,
                        format!("namespace {name} has no enforce label; the API server's admission configuration ({from}) enforces {} on such namespaces", c.enforce),
                    )
                } else {
                    (
                        Status::Fail,
                        format!("namespace {name} has no enforce label, and the API server's admission configuration ({from}) enforces only {} on such namespaces: any pod {} allows is admitted", c.enforce, c.enforce),
                    )
                }
            }
            (None, _, None) => match (&config, &defaults_file) {
                (Some(Err(why)), _) => (
                    Status::Manual,
                    format!(
                        "namespace {name} has no Pod Security Admission enforce label, and the PodSecurity defaults that apply to it are not known: {why}"
                    ),
                ),
                (_, Some(file)) => (
                    Status::Manual,
                    format!("namespace {name} has no Pod Security Admission enforce label; the API server reads the admission configuration {file}, whose PodSecurity defaults.enforce applies to it: confirm that level is {min_level} or stricter"),
                ),
                (_, None) => (
                    Status::Fail,
                    format!("namespace {name} has no Pod Security Admission enforce label: any pod is admitted"),
                ),
            },
        };
        // A policy engine admitting this namespace's pods may hold it where Pod Security
        // Admission does not; what its policies enforce is not read.
        let engine_hooks = match status {
            Status::Fail => policy_engines.hooks_for_namespace(
                name,
                &selector::namespace_labels(obj.and_then(|o| o.value.get("metadata")), name),
            ),
            _ => Vec::new(),
        };
        let (status, message) = match status {
            Status::Fail if !engine_hooks.is_empty() => {
                let hooks: Vec<&str> = engine_hooks
                    .iter()
                    .map(|h| h.observation.path.as_str())
                    .collect();
                observations.extend(engine_hooks.iter().map(|h| h.observation.clone()));
                (
                    Status::Manual,
                    format!(
                        "{}; the policy engine webhook {} intercepts pods: confirm its policies hold this namespace to {min_level} or stricter (they are not read)",
                        message.trim_end_matches(": any pod is admitted"),
                        hooks.join(", ")
                    ),
                )
            }
            other => (other, message),
        };
        out.findings.push(evidence::finding(
            check,
            status,
            subject,
            observations,
            message,
        ));
    }
    if out.findings.is_empty() {
        out.empty_reason = "no namespaces or workloads in the inventory".into();
    }
}

/// Whether any of `rules` (webhook `rules`, or a ValidatingAdmissionPolicy's
/// `matchConstraints.resourceRules`) can refuse a pod being made: it names pods or a workload
/// that makes them (`*` included) in that resource's API group, for CREATE (or `*`, or with
/// no operations listed). A rule on ConfigMaps, on `apps` pods (there are none) or on DELETE
/// only enforces nothing on pods.
pub(crate) fn rules_cover_pods<'d>(rules: impl IntoIterator<Item = &'d Doc>) -> bool {
    // (resource, its group, the old group it was also served under)
    const POD_MAKERS: &[(&str, &str, &str)] = &[
        ("pods", "", ""),
        ("replicationcontrollers", "", ""),
        ("deployments", "apps", "extensions"),
        ("statefulsets", "apps", "apps"),
        ("daemonsets", "apps", "extensions"),
        ("replicasets", "apps", "extensions"),
        ("jobs", "batch", "batch"),
        ("cronjobs", "batch", "batch"),
    ];
    rules.into_iter().any(|rule| {
        let strings = |key| crate::checks::path::strings(rule, key);
        let (groups, resources, operations) = (
            strings("apiGroups"),
            strings("resources"),
            strings("operations"),
        );
        let creates = rule.get("operations").is_none()
            || operations.iter().any(|o| o == "*" || o == "CREATE");
        let group_ok = |g: &str, old: &str| {
            rule.get("apiGroups").is_none() || groups.iter().any(|x| x == "*" || x == g || x == old)
        };
        creates
            && resources.iter().any(|r| {
                matches!(r.as_str(), "*" | "*/*")
                    || POD_MAKERS
                        .iter()
                        .any(|(name, g, old)| r == name && group_ok(g, old))
            })
    })
}

fn mechanism(check: &Check, p: &Params, engines: &[String], ctx: &Context, out: &mut Outcome) {
    let inv = ctx.inventory;
    let mut obs = Vec::new();
    // Bindings whose policy is not in the input: what they enforce cannot be seen.
    let mut unseen = Vec::new();
    // Labels enforce nothing with the PodSecurity plugin turned off.
    let psa_disabled = pod_security_disabled(ctx);
    let config = psa_config(ctx);
    let known = config.as_ref().and_then(|c| c.as_ref().ok());
    for ns in inv.of_kind("Namespace") {
        if p.exempt_namespaces.contains(&ns.name)
            || psa_disabled.is_some()
            || known.is_some_and(|c| c.exempt.contains(&ns.name))
        {
            continue;
        }
        if let Some(l) = enforce_of(ns).filter(|l| enforced_rank(l).0 >= 1) {
            let path = format!("metadata.labels[\"{ENFORCE_LABEL}\"]");
            obs.push(Observation {
                source: evidence::source(ns, &path),
                path: format!("Namespace {}: {path}", ns.name),
                observed: json!(l),
                expected: "an active policy mechanism".into(),
                holds: true,
                note: Some("Pod Security Admission".into()),
            });
        }
    }
    // The admission configuration's defaults enforce a level on every unlabelled namespace.
    if let Some(c) = known.filter(|c| psa_disabled.is_none() && level_rank(&c.enforce) >= Some(1)) {
        obs.push(config_observation(
            &c.sources.join("; "),
            "defaults.enforce",
            json!(c.enforce),
            "an active policy mechanism".into(),
            true,
        ));
    }
    for b in inv.of_kind("ValidatingAdmissionPolicyBinding") {
        // "If the referenced resource does not exist, this binding is considered invalid and
        // will be ignored."
        let policy = b.value.at("/spec/policyName").and_then(Doc::as_str);
        let policy_object =
            policy.and_then(|name| inv.find_named("ValidatingAdmissionPolicy", name));
        if policy_object.is_none() {
            if !crate::checks::absence_is_known(inv) {
                unseen.push(format!(
                    "ValidatingAdmissionPolicyBinding {} names policy {}, which is not in the input",
                    b.name,
                    policy.unwrap_or("(none)")
                ));
            }
            continue;
        }
        // Only `Deny` refuses a request: a binding that audits or warns limits nothing.
        let denies = b
            .value
            .at("/spec/validationActions")
            .and_then(Doc::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("Deny")));
        // "MatchConstraints specifies what resources this policy is designed to validate":
        // a policy on ConfigMaps only limits no pod.
        let on_pods = policy_object.is_some_and(|o| {
            rules_cover_pods(
                o.value
                    .at("/spec/matchConstraints/resourceRules")
                    .and_then(Doc::as_array)
                    .into_iter()
                    .flatten(),
            )
        });
        if !denies || !on_pods {
            continue;
        }
        // A policy on pods that checks replicas or labels limits no privilege: only one whose
        // validations read a pod security field is a pod security mechanism.
        if !policy_object.is_some_and(reads_pod_security_fields) {
            unseen.push(format!(
                "ValidatingAdmissionPolicy {} denies on pods, but its validations read no pod security field (securityContext, privileged, host namespaces, hostPath, capabilities, seccomp, AppArmor, SELinux, sysctls): confirm it enforces the Pod Security requirements",
                policy.unwrap_or("(none)")
            ));
            continue;
        }
        obs.push(Observation {
            source: b.origin.describe(),
            path: format!("ValidatingAdmissionPolicyBinding {}", b.name),
            observed: b
                .value
                .at("/spec/policyName")
                .map(Doc::to_value)
                .unwrap_or(Value::Null),
            expected: "an active policy mechanism".into(),
            holds: true,
            note: Some("ValidatingAdmissionPolicy".into()),
        });
    }
    // Read once: they leave webhooks out and are named when nothing else enforces.
    let policy_engines = Engines::read(inv, engines);
    obs.extend(policy_engines.hooks().map(|h| h.observation.clone()));
    // An engine's webhook alone shows no enforcement: its policies decide (Kyverno
    // registers its webhooks for audit-only policies too).
    for h in policy_engines.unread_hooks() {
        unseen.push(format!(
            "the policy engine webhook {} intercepts pods, and none of the engine's policies are in the input (a cluster scan does not list policy objects), so whether one enforces is not known",
            h.observation.path
        ));
    }
    let unknown: Vec<String> = [
        "Namespace",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ]
    .iter()
    .filter_map(|k| match inv.kind_state(k) {
        KindState::Failed(r) => Some(format!("{k}: {r}")),
        _ => None,
    })
    .collect();
    let subject = Subject {
        kind: "Cluster".into(),
        name: inv.target.name.as_str().into(),
        ..Subject::default()
    };
    let (status, message) = if !obs.is_empty() {
        (
            Status::Pass,
            format!("{} policy mechanism(s) found", obs.len()),
        )
    } else if !unknown.is_empty() {
        (
            Status::Error,
            format!(
                "no policy mechanism seen, but not everything could be listed: {}",
                unknown.join("; ")
            ),
        )
    } else if !unseen.is_empty() {
        (
            Status::Manual,
            format!(
                "no policy mechanism seen in the input, but {}: confirm the policy exists and governs pods",
                unseen.join("; ")
            ),
        )
    } else if let Some(Err(why)) = config.as_ref().filter(|_| psa_disabled.is_none()) {
        (
            Status::Manual,
            format!(
                "no namespace is labelled to enforce Pod Security Admission and no policy engine was seen, and the PodSecurity defaults of the admission configuration are not known: {why}"
            ),
        )
    } else if let Some(file) =
        admission_config_file(ctx).filter(|_| psa_disabled.is_none() && known.is_none())
    {
        (
            Status::Manual,
            format!(
                "no namespace is labelled to enforce Pod Security Admission and no policy engine was seen, but the API server reads the admission configuration {file}: confirm its PodSecurity defaults.enforce is baseline or stricter"
            ),
        )
    } else if !crate::checks::absence_is_known(inv) && inv.of_kind("Namespace").next().is_none() {
        // Manifests without a Namespace: their Pod Security labels cannot be seen.
        (
            Status::NotApplicable,
            "the input holds no Namespace object, so whether namespaces enforce Pod Security Admission cannot be seen; include the Namespace objects".into(),
        )
    } else if let Some(undeclared) = undeclared_workload_namespaces(ctx, p) {
        // Manifests: a namespace that runs workloads but whose Namespace object is not given
        // may well enforce Pod Security; one unrelated Namespace object says nothing of it.
        (
            Status::NotApplicable,
            format!(
                "no policy mechanism seen in the input, but namespace(s) {} run workloads and are not in the input: whether they enforce Pod Security Admission cannot be seen; include their Namespace objects",
                undeclared.join(", ")
            ),
        )
    } else {
        let psa = match &psa_disabled {
            Some(why) => why.clone(),
            None => "no namespace enforces Pod Security Admission (baseline or stricter)".into(),
        };
        let auditing: String = policy_engines
            .refusing_nothing()
            .iter()
            .map(|why| format!("; {why}"))
            .collect();
        (
            Status::Fail,
            format!("{psa}, and no ValidatingAdmissionPolicyBinding that denies (validationActions with Deny) on pods or policy-engine webhook for pods exists{auditing}"),
        )
    };
    let finding = evidence::finding(check, status, subject, obs, message);
    // Not applicable here only ever means the input could not show it.
    out.findings.push(finding.not_assessed_if_not_applicable());
}

/// Pod spec fields the Pod Security Standards restrict, as they appear in CEL.
const POD_SECURITY_FIELDS: &[&str] = &[
    "securityContext",
    "privileged",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostPath",
    "hostPort",
    "capabilities",
    "allowPrivilegeEscalation",
    "runAsNonRoot",
    "runAsUser",
    "seccompProfile",
    "appArmorProfile",
    "seLinuxOptions",
    "procMount",
    "sysctls",
    "windowsOptions",
];

/// Whether a ValidatingAdmissionPolicy's validations (or match conditions) read a pod
/// security field.
fn reads_pod_security_fields(policy: &crate::inventory::Object) -> bool {
    ["/spec/validations", "/spec/matchConditions"]
        .iter()
        .filter_map(|p| policy.value.at(p).and_then(Doc::as_array))
        .flatten()
        .filter_map(|v| v.get("expression").and_then(Doc::as_str))
        .any(|e| POD_SECURITY_FIELDS.iter().any(|f| e.contains(f)))
}

/// With input where absence is not known (manifests), the namespaces that run workloads
/// (exempt ones aside) but whose Namespace object is not in the input; `None` when there is
/// none or absence is known.
fn undeclared_workload_namespaces(ctx: &Context, p: &Params) -> Option<Vec<String>> {
    let inv = ctx.inventory;
    if crate::checks::absence_is_known(inv) {
        return None;
    }
    let undeclared: Vec<String> = ctx
        .workloads_per_namespace()
        .keys()
        .filter(|ns| !p.exempt_namespaces.iter().any(|e| e == *ns))
        .filter(|ns| inv.find_named("Namespace", ns).is_none())
        .map(|ns| ns.to_string())
        .collect();
    (!undeclared.is_empty()).then_some(undeclared)
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    match &p.require {
        Require::PsaEnforce { min_level, engines } => {
            psa(check, p, min_level, engines, ctx, &mut out)
        }
        Require::PolicyMechanism { engines } => mechanism(check, p, engines, ctx, &mut out),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered() {
        assert!(level_rank("restricted") > level_rank("baseline"));
        assert!(level_rank("baseline") > level_rank("privileged"));
        assert_eq!(level_rank("bogus"), None);
    }
}
