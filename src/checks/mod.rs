//! The check registry: one module per assertion kind, one match that dispatches to them.
//!
//! Each kind parses and validates its parameters at catalog load (errors with file and line)
//! and evaluates purely over the inventory, returning findings with evidence.

pub mod admission;
pub mod apiserver_file;
pub mod audit_policy;
pub mod certificate;
pub mod command_line;
pub mod condition;
pub mod credentials;
pub mod egress;
pub mod encryption;
pub mod evidence;
pub mod exposure;
pub mod fields;
pub mod file;
pub mod flag;
pub mod flags_differ;
pub mod images;
pub mod ingress;
pub mod kubelet_config;
pub mod kubelet_version;
pub mod mounted_file;
pub mod namespace_limits;
pub mod network;
pub mod node_scope;
pub mod path;
pub mod policy_engine;
pub mod rbac;
pub mod rbac_hygiene;
pub mod release;
pub mod selector;
pub mod tls;
pub mod vulnerability;
pub mod workload;

use std::sync::{Arc, OnceLock};

use crate::catalog::reader::Reader;
use crate::catalog::{Catalog, Check};
use crate::inventory::Inventory;
use crate::results::{Finding, Status};
use crate::yaml::Node;

/// Assertion kinds known to this build.
pub const KINDS: &[&str] = &[
    "fields",
    "flag",
    "file",
    "kubelet_config",
    "rbac",
    "network",
    "tls",
    "ingress",
    "credentials",
    "images",
    "admission",
    "vulnerabilities",
    "exposure",
    "encryption",
    "namespace_limits",
    "audit_policy",
    "kubelet_version",
    "flags_differ",
];

/// A check's assertion: which module decides it, with its validated parameters.
#[derive(Debug, Clone)]
pub enum Assertion {
    /// Path + operator conditions over objects.
    Fields(fields::Params),
    /// Component flags.
    Flag(flag::Params),
    /// Mode and owner of node files.
    File(file::Params),
    /// The kubelet's effective configuration.
    KubeletConfig(kubelet_config::Params),
    /// Effective RBAC permissions.
    Rbac(rbac::Params),
    /// NetworkPolicy coverage.
    Network(network::Params),
    /// X.509 certificates of TLS Secrets.
    Tls(tls::Params),
    /// How Ingresses are exposed.
    Ingress(ingress::Params),
    /// Secrets and credentials handed to workloads.
    Credentials(credentials::Params),
    /// Where container images come from and how they are pinned.
    Images(images::Params),
    /// What admission control enforces on pods.
    Admission(admission::Params),
    /// What vulnerability scanners found in workload images, and how recently.
    Vulnerabilities(vulnerability::Params),
    /// Services exposed in production namespaces.
    Exposure(exposure::Params),
    /// Which provider the API server encrypts a resource with at rest.
    Encryption(encryption::Params),
    /// LimitRange and ResourceQuota objects in namespaces that run workloads.
    NamespaceLimits(namespace_limits::Params),
    /// What the API server's audit policy records.
    AuditPolicy(audit_policy::Params),
    /// The kubelet release each Node reports, against the releases with a fix.
    KubeletVersion(kubelet_version::Params),
    /// Two components' flags that must name different files.
    FlagsDiffer(flags_differ::Params),
}

/// A workload with its containers.
pub type WorkloadEntry<'a> = (workload::Workload<'a>, Vec<workload::Container<'a>>);

/// A TLS Secret and its certificate chain with the field it came from, or why it could not
/// be read.
pub type TlsSecret<'a> = (
    &'a crate::inventory::Object,
    Result<(Vec<certificate::CertInfo>, &'static str), String>,
);

/// What evaluation has to hand: the inventory, the catalog, and what several checks derive
/// from the inventory, built once per run on first use (checks run in parallel and share it).
pub struct Context<'a> {
    /// The collected state.
    pub inventory: &'a Inventory,
    /// The catalog (component defaults, other checks).
    pub catalog: &'a Catalog,
    /// What the checks share, built on first use; shared by [`Context::with_pass_evidence`].
    shared: Arc<Shared<'a>>,
    /// Whether passing findings keep their observations and message (`--detail full`);
    /// otherwise checks that can tell a pass cheaply skip building evidence and words
    /// nobody will read.
    pass_evidence: bool,
}

/// What the checks of one run share, each found on the first call that needs it.
#[derive(Default)]
struct Shared<'a> {
    /// Every binding with its resolved role and rules, for the `rbac` checks.
    rbac: OnceLock<rbac::Rbac<'a>>,
    /// Every workload with its containers, in inventory order.
    workloads: OnceLock<Vec<WorkloadEntry<'a>>>,
    /// Every pod container that names an executable, in inventory order.
    executables: OnceLock<Vec<flag::Executable<'a>>>,
    /// Every other pod container that names an executable (an application's namespace).
    other_executables: OnceLock<Vec<flag::Executable<'a>>>,
    /// Every `kubernetes.io/tls` Secret with its certificate chain, in inventory order.
    tls_secrets: OnceLock<Vec<TlsSecret<'a>>>,
    /// The default container limits of each namespace's LimitRanges (`fields` root
    /// `limit_range`).
    limit_ranges: OnceLock<fields::LimitRangeDefaults>,
    /// Network policies of other engines, per namespace, for the `network` checks.
    unevaluated_policies: OnceLock<network::Unevaluated<'a>>,
    /// The nodes without facts, for the checks that read node facts.
    unseen_nodes: OnceLock<Vec<node_scope::UnseenNode>>,
}

impl<'a> Context<'a> {
    /// A context for evaluating checks of `catalog` over `inventory`.
    pub fn new(inventory: &'a Inventory, catalog: &'a Catalog) -> Context<'a> {
        Context {
            inventory,
            catalog,
            shared: Arc::default(),
            pass_evidence: true,
        }
    }

    /// The same context for a report that drops the observations of passes.
    pub fn without_pass_evidence(mut self) -> Context<'a> {
        self.pass_evidence = false;
        self
    }

    /// The same context, sharing what was already found, with passes in full (for the one
    /// pass whose message a report shows).
    pub fn with_pass_evidence(&self) -> Context<'a> {
        Context {
            inventory: self.inventory,
            catalog: self.catalog,
            shared: self.shared.clone(),
            pass_evidence: true,
        }
    }

    /// Whether passing findings keep their observations.
    pub fn pass_evidence(&self) -> bool {
        self.pass_evidence
    }

    /// A pass's message: `words()` when passes are kept in full, else empty (nobody reads
    /// it; the one pass a report shows is asked for again, see `evaluate`).
    pub fn pass_message(&self, words: impl FnOnce() -> String) -> String {
        if self.pass_evidence {
            words()
        } else {
            String::new()
        }
    }

    /// Every `kubernetes.io/tls` Secret of the inventory with its certificate chain as
    /// [`certificate::secret_chain`] reads it, in inventory order, parsed on the first call:
    /// the TLS checks share one parse of each certificate.
    pub fn tls_secrets(&self) -> &[TlsSecret<'a>] {
        self.shared.tls_secrets.get_or_init(|| {
            self.inventory
                .objects
                .iter()
                .filter(|o| certificate::is_tls_secret(o))
                .map(|o| (o, certificate::secret_chain(o)))
                .collect()
        })
    }

    /// Every workload of the inventory ([`workload::workload`]) with its containers
    /// ([`workload::Workload::containers`]), in inventory order, found on the first call:
    /// the many checks over pod specs then share one pass over the objects.
    pub fn workloads(&self) -> &[WorkloadEntry<'a>] {
        self.shared.workloads.get_or_init(|| {
            self.inventory
                .objects
                .iter()
                .filter_map(|o| workload::workload(o, self.inventory))
                .map(|w| {
                    let containers = w.containers();
                    (w, containers)
                })
                .collect()
        })
    }

    /// How many workloads run in each namespace (`default` for one without a namespace).
    pub fn workloads_per_namespace(&self) -> std::collections::BTreeMap<&'a str, usize> {
        let mut per = std::collections::BTreeMap::new();
        for (w, _) in self.workloads() {
            *per.entry(w.object.namespace.as_deref().unwrap_or("default"))
                .or_default() += 1;
        }
        per
    }

    /// Every container with a `command` of a pod or workload template that can be the
    /// control plane's ([`flag::executables`]), found on the first call: the control-plane
    /// flag checks (one per flag, dozens of them) then look only at these.
    pub fn executables(&self) -> &[flag::Executable<'a>] {
        self.shared
            .executables
            .get_or_init(|| flag::executables(self.inventory))
    }

    /// Every container with a `command` that [`Context::executables`] leaves out (an
    /// application's namespace), found on the first call: a component no control-plane
    /// container runs is looked for there once, not once per flag check.
    pub fn other_executables(&self) -> &[flag::Executable<'a>] {
        self.shared
            .other_executables
            .get_or_init(|| flag::other_executables(self.inventory))
    }

    /// The default container limits of each namespace's LimitRanges, found on the first call.
    pub fn limit_range_defaults(&self) -> &fields::LimitRangeDefaults {
        self.shared
            .limit_ranges
            .get_or_init(|| fields::LimitRangeDefaults::new(self.inventory))
    }

    /// The network policies of other engines in the inventory, found on the first call.
    pub fn unevaluated_policies(&self) -> &network::Unevaluated<'a> {
        self.shared
            .unevaluated_policies
            .get_or_init(|| network::Unevaluated::new(self.inventory))
    }

    /// The nodes whose facts are missing while others' were read
    /// ([`node_scope::unseen_nodes`]), found on the first call.
    pub fn unseen_nodes(&self) -> &[node_scope::UnseenNode] {
        self.shared
            .unseen_nodes
            .get_or_init(|| node_scope::unseen_nodes(self.inventory))
    }

    /// The RBAC state of the inventory ([`rbac::build`]), built on the first call.
    pub fn rbac(&self) -> &rbac::Rbac<'a> {
        self.shared
            .rbac
            .get_or_init(|| rbac::build(self.inventory, &self.catalog.rbac))
    }
}

/// What a check found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One finding per subject (plus error/not_applicable findings for kinds not collected).
    pub findings: Vec<Finding>,
    /// Why there are no findings, if there are none.
    pub empty_reason: String,
    /// No findings, yet nothing left unknown: subjects were in the input and the check's own
    /// conditions (`when`) left every one out, so "not applicable" was decided, not caused
    /// by input that was not given.
    pub decided_empty: bool,
}

/// Whether "no object of this kind" can be read as "the cluster has none": true only where
/// objects were listed from the cluster (a live cluster, a snapshot of one, the demo);
/// false for manifests, which show only what someone chose to give, for node facts alone
/// (`scan --node-facts`), which read no object at all, and for an inventory that does not
/// say where it came from. A verdict that rests on absence is `not_applicable` (not
/// assessed) when this is false. Kinds a cluster scan could not list are told apart by
/// [`Inventory::kind_state`].
pub fn absence_is_known(inv: &Inventory) -> bool {
    use crate::inventory::SourceKind;
    matches!(
        inv.target.source,
        Some(SourceKind::Cluster | SourceKind::Snapshot | SourceKind::Demo)
    )
}

/// Reads the optional `on_fail` of an assertion: `fail` (the default) or `warn`.
pub fn read_on_fail(node: &Node, r: &mut Reader, what: &str) -> Option<Status> {
    match r.opt_string(node, "on_fail", what).as_deref() {
        None | Some("fail") => Some(Status::Fail),
        Some("warn") => Some(Status::Warn),
        Some(other) => {
            r.error(
                node.get("on_fail").map_or(node.line, |n| n.line),
                format!("{what}: `on_fail` must be fail or warn, found `{other}`"),
            );
            None
        }
    }
}

/// Reads an `assert` block; unknown kinds are load errors at the line of `kind`.
pub fn parse(node: &Node, r: &mut Reader, what: &str) -> Option<Assertion> {
    let kind_node = node.get("kind");
    let Some(kind) = kind_node.and_then(Node::as_str) else {
        r.error(
            kind_node.map_or(node.line, |n| n.line),
            format!(
                "the `assert` block of {what} needs `kind`: one of {}",
                KINDS.join(", ")
            ),
        );
        return None;
    };
    match kind {
        "fields" => fields::Params::read(node, r, what).map(Assertion::Fields),
        "flag" => flag::Params::read(node, r, what).map(Assertion::Flag),
        "file" => file::Params::read(node, r, what).map(Assertion::File),
        "kubelet_config" => {
            kubelet_config::Params::read(node, r, what).map(Assertion::KubeletConfig)
        }
        "rbac" => rbac::Params::read(node, r, what).map(Assertion::Rbac),
        "network" => network::Params::read(node, r, what).map(Assertion::Network),
        "tls" => tls::Params::read(node, r, what).map(Assertion::Tls),
        "ingress" => ingress::Params::read(node, r, what).map(Assertion::Ingress),
        "credentials" => credentials::Params::read(node, r, what).map(Assertion::Credentials),
        "images" => images::Params::read(node, r, what).map(Assertion::Images),
        "admission" => admission::Params::read(node, r, what).map(Assertion::Admission),
        "vulnerabilities" => {
            vulnerability::Params::read(node, r, what).map(Assertion::Vulnerabilities)
        }
        "exposure" => exposure::Params::read(node, r, what).map(Assertion::Exposure),
        "encryption" => encryption::Params::read(node, r, what).map(Assertion::Encryption),
        "namespace_limits" => {
            namespace_limits::Params::read(node, r, what).map(Assertion::NamespaceLimits)
        }
        "audit_policy" => audit_policy::Params::read(node, r, what).map(Assertion::AuditPolicy),
        "kubelet_version" => {
            kubelet_version::Params::read(node, r, what).map(Assertion::KubeletVersion)
        }
        "flags_differ" => flags_differ::Params::read(node, r, what).map(Assertion::FlagsDiffer),
        other => {
            r.error(
                kind_node.map_or(node.line, |n| n.line),
                format!(
                    "unknown assertion kind `{other}` in {what}; expected one of: {}",
                    KINDS.join(", ")
                ),
            );
            None
        }
    }
}

impl Assertion {
    /// The kind's name.
    pub fn kind(&self) -> &'static str {
        match self {
            Assertion::Fields(_) => "fields",
            Assertion::Flag(_) => "flag",
            Assertion::File(_) => "file",
            Assertion::KubeletConfig(_) => "kubelet_config",
            Assertion::Rbac(_) => "rbac",
            Assertion::Network(_) => "network",
            Assertion::Tls(_) => "tls",
            Assertion::Ingress(_) => "ingress",
            Assertion::Credentials(_) => "credentials",
            Assertion::Images(_) => "images",
            Assertion::Admission(_) => "admission",
            Assertion::Vulnerabilities(_) => "vulnerabilities",
            Assertion::Exposure(_) => "exposure",
            Assertion::Encryption(_) => "encryption",
            Assertion::NamespaceLimits(_) => "namespace_limits",
            Assertion::AuditPolicy(_) => "audit_policy",
            Assertion::KubeletVersion(_) => "kubelet_version",
            Assertion::FlagsDiffer(_) => "flags_differ",
        }
    }

    /// How the check decides, in one paragraph (for `explain`).
    pub fn describe(&self) -> String {
        match self {
            Assertion::Fields(p) => p.describe(),
            Assertion::Flag(p) => p.describe(),
            Assertion::File(p) => p.describe(),
            Assertion::KubeletConfig(p) => p.describe(),
            Assertion::Rbac(p) => p.describe(),
            Assertion::Network(p) => p.describe(),
            Assertion::Tls(p) => p.describe(),
            Assertion::Ingress(p) => p.describe(),
            Assertion::Credentials(p) => p.describe(),
            Assertion::Images(p) => p.describe(),
            Assertion::Admission(p) => p.describe(),
            Assertion::Vulnerabilities(p) => p.describe(),
            Assertion::Exposure(p) => p.describe(),
            Assertion::Encryption(p) => p.describe(),
            Assertion::NamespaceLimits(p) => p.describe(),
            Assertion::AuditPolicy(p) => p.describe(),
            Assertion::KubeletVersion(p) => p.describe(),
            Assertion::FlagsDiffer(p) => p.describe(),
        }
    }

    /// Evaluates the check over the inventory.
    pub fn evaluate(&self, check: &Check, ctx: &Context) -> Outcome {
        match self {
            Assertion::Fields(p) => fields::evaluate(check, p, ctx),
            Assertion::Flag(p) => flag::evaluate(check, p, ctx),
            Assertion::File(p) => file::evaluate(check, p, ctx),
            Assertion::KubeletConfig(p) => kubelet_config::evaluate(check, p, ctx),
            Assertion::Rbac(p) => rbac::evaluate(check, p, ctx),
            Assertion::Network(p) => network::evaluate(check, p, ctx),
            Assertion::Tls(p) => tls::evaluate(check, p, ctx),
            Assertion::Ingress(p) => ingress::evaluate(check, p, ctx),
            Assertion::Credentials(p) => credentials::evaluate(check, p, ctx),
            Assertion::Images(p) => images::evaluate(check, p, ctx),
            Assertion::Admission(p) => admission::evaluate(check, p, ctx),
            Assertion::Vulnerabilities(p) => vulnerability::evaluate(check, p, ctx),
            Assertion::Exposure(p) => exposure::evaluate(check, p, ctx),
            Assertion::Encryption(p) => encryption::evaluate(check, p, ctx),
            Assertion::NamespaceLimits(p) => namespace_limits::evaluate(check, p, ctx),
            Assertion::AuditPolicy(p) => audit_policy::evaluate(check, p, ctx),
            Assertion::KubeletVersion(p) => kubelet_version::evaluate(check, p, ctx),
            Assertion::FlagsDiffer(p) => flags_differ::evaluate(check, p, ctx),
        }
    }
}
