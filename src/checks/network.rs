//! `network`: NetworkPolicy coverage per namespace and per workload.
//!
//! Decides from NetworkPolicies (and Cilium `CiliumNetworkPolicy` /
//! `CiliumClusterwideNetworkPolicy`, when collected) and from workloads' pod labels: whether a
//! namespace has any policy, a default-deny for ingress or egress (a policy selecting every
//! pod that lists the direction in `policyTypes` and allows nothing in it), whether each
//! workload is selected by some policy, and whether a policy allows everything (an empty
//! rule `{}`, or ingress from `0.0.0.0/0`). A Cilium policy's rule sets are `spec` and every
//! item of `specs`; a Cilium `ingressDeny`/`egressDeny` rule that denies every peer counts as
//! a default deny. The evidence names the namespace, the policies
//! seen and the policy or rule that decided. Namespaces are those of Namespace objects and of
//! workloads; a namespace without workloads is `not_applicable` for coverage questions
//! (unless `include_empty_namespaces`, for benchmarks that ask for policies everywhere), and
//! namespaces listed in `exempt_namespaces` are `not_applicable` with that reason. Never
//! passes when NetworkPolicies were not collected; when Cilium's CRDs are served but its
//! policies could not be read, a verdict an unread Cilium policy could change is `error`.
//! A manifest's policy without `metadata.namespace` lands where kubectl is pointed, which the
//! files do not say: where one would change a failing verdict of a named namespace (select
//! the workload, give the namespace a policy or a default deny, limit or open a workload's
//! egress), the verdict is `manual` and names it ([`unplaced`]). A NetworkPolicy with a key
//! kubectl refuses and drops when forced ([`unknown_key`]) is never counted: where it may
//! apply, the verdict is `manual` and names it ([`Unevaluated`]).

use crate::checks::path::Lookup;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::document::Doc;
use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::egress;
use crate::checks::evidence;
use crate::checks::selector;
use crate::checks::{Context, Outcome};
use crate::inventory::{Inventory, KindState, Object, UNSET_NAMESPACE};
use crate::results::{Observation, Status, Subject};
use crate::yaml::Node;

/// Cilium's namespaced and cluster-wide policy kinds.
pub const CILIUM_KINDS: &[&str] = &["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"];

/// What a `network` assertion requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    /// Every namespace with workloads has at least one policy.
    AnyPolicy,
    /// Every namespace with workloads has a default-deny ingress policy.
    DefaultDenyIngress,
    /// Every namespace with workloads has a default-deny egress policy.
    DefaultDenyEgress,
    /// Every workload is selected by some policy.
    PodSelected,
    /// No policy allows all traffic.
    NoAllowAll,
    /// The CNI plugin enforces NetworkPolicies.
    CniEnforces,
    /// No workload's egress policies let it reach the cloud instance metadata service.
    MetadataUnreachable,
}

impl Require {
    fn parse(s: &str) -> Option<Require> {
        Some(match s {
            "any_policy" => Require::AnyPolicy,
            "default_deny_ingress" => Require::DefaultDenyIngress,
            "default_deny_egress" => Require::DefaultDenyEgress,
            "pod_selected" => Require::PodSelected,
            "no_allow_all" => Require::NoAllowAll,
            "cni_enforces" => Require::CniEnforces,
            "metadata_unreachable" => Require::MetadataUnreachable,
            _ => None?,
        })
    }
}

/// Parameters of a `network` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// What is required.
    pub require: Require,
    /// Namespaces not assessed (system namespaces), reported `not_applicable`.
    pub exempt_namespaces: Vec<String>,
    /// Judge namespaces without workloads too (CIS asks for policies in every namespace: a
    /// workload deployed later would start unprotected).
    pub include_empty_namespaces: bool,
    /// `metadata_unreachable`: the metadata service's addresses (`addresses`).
    pub metadata_addresses: Vec<IpAddr>,
    /// `metadata_unreachable`: the TCP port it listens on (`port`).
    pub metadata_port: u16,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `network` assertion of {what}");
        r.known_keys(
            node,
            &aw,
            &[
                "kind",
                "require",
                "exempt_namespaces",
                "include_empty_namespaces",
                "addresses",
                "port",
            ],
        );
        let req = r.string(node, "require", &aw)?;
        let Some(require) = Require::parse(&req) else {
            return r.unknown(
                node,
                "require",
                &aw,
                &req,
                &[
                    "any_policy",
                    "default_deny_ingress",
                    "default_deny_egress",
                    "pod_selected",
                    "no_allow_all",
                    "cni_enforces",
                    "metadata_unreachable",
                ],
            );
        };
        let exempt_namespaces = r.string_list(node, "exempt_namespaces", &aw);
        let include_empty_namespaces = r
            .opt_bool(node, "include_empty_namespaces", &aw)
            .unwrap_or(false);
        let (metadata_addresses, metadata_port) = if require == Require::MetadataUnreachable {
            read_destinations(node, r, &aw)?
        } else {
            (Vec::new(), 0)
        };
        Some(Params {
            require,
            exempt_namespaces,
            include_empty_namespaces,
            metadata_addresses,
            metadata_port,
        })
    }

    /// `metadata_unreachable`'s addresses in words: `169.254.169.254 and fd00:ec2::254 (port 80)`.
    fn metadata_words(&self) -> String {
        let addresses: Vec<String> = self
            .metadata_addresses
            .iter()
            .map(IpAddr::to_string)
            .collect();
        format!(
            "{} (TCP port {})",
            addresses.join(" and "),
            self.metadata_port
        )
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        let what = match self.require {
            Require::AnyPolicy => "every namespace with workloads has at least one NetworkPolicy",
            Require::DefaultDenyIngress => "every namespace with workloads has a policy selecting all pods with policyType Ingress and no ingress rule",
            Require::DefaultDenyEgress => "every namespace with workloads has a policy selecting all pods with policyType Egress and no egress rule",
            Require::PodSelected => "every workload's pod labels are selected by some policy of its namespace",
            Require::NoAllowAll => "no policy has an empty rule `{}` or ingress from 0.0.0.0/0",
            Require::CniEnforces => "the cluster runs a CNI plugin known to enforce NetworkPolicies (Calico, Cilium, Antrea, Weave Net, kube-router, Azure NPM, the AWS network policy agent); Flannel alone fails; an unrecognised CNI is for a person to decide",
            Require::MetadataUnreachable => {
                return format!(
                    "Requires every workload outside the host network to be selected by an egress NetworkPolicy and no egress rule of those to allow {}",
                    self.metadata_words()
                )
            }
        };
        let mut s = format!("Requires that {what} (Cilium policies count)");
        if self.include_empty_namespaces {
            s.push_str("; namespaces without workloads are judged too");
        }
        if !self.exempt_namespaces.is_empty() {
            s.push_str(&format!(
                "; not assessed in {}",
                self.exempt_namespaces.join(", ")
            ));
        }
        s
    }
}

/// Reads `addresses` (IP addresses) and `port` of a `metadata_unreachable` assertion.
fn read_destinations(node: &Node, r: &mut Reader, what: &str) -> Option<(Vec<IpAddr>, u16)> {
    let port = node.get("port");
    let port = match port.and_then(|n| n.to_json().as_u64()).map(u16::try_from) {
        Some(Ok(p)) if p > 0 => p,
        _ => {
            r.error(
                port.map_or(node.line, |n| n.line),
                format!("{what}: `metadata_unreachable` needs `port`, a TCP port such as 80"),
            );
            return None;
        }
    };
    let line = node.get("addresses").map_or(node.line, |n| n.line);
    let mut out = Vec::new();
    for a in r.string_list(node, "addresses", what) {
        match a.parse() {
            Ok(ip) => out.push(ip),
            Err(_) => r.error(line, format!("{what}: `{a}` is not an IP address")),
        }
    }
    if out.is_empty() {
        r.error(
            line,
            format!("{what}: `metadata_unreachable` needs `addresses`, such as [169.254.169.254]"),
        );
        return None;
    }
    Some((out, port))
}

/// Which directions a policy governs, as the API server defaults `policyTypes`: when it is
/// unset or empty, Ingress, plus Egress when the policy has at least one egress rule (so
/// `egress: []` alone denies nothing).
pub fn policy_types(p: &Doc) -> (bool, bool) {
    match p.at("/spec/policyTypes").and_then(Doc::as_array) {
        Some(types) if !types.is_empty() => (
            types.iter().any(|t| t == "Ingress"),
            types.iter().any(|t| t == "Egress"),
        ),
        _ => (
            true,
            p.at("/spec/egress")
                .and_then(Doc::as_array)
                .is_some_and(|rules| !rules.is_empty()),
        ),
    }
}

fn rules<'a>(p: &'a Doc, dir: &str) -> &'a [Doc] {
    p.at(&format!("/spec/{dir}"))
        .and_then(Doc::as_array)
        .unwrap_or(&[])
}

/// The rule sets of a Cilium policy: `spec` and every item of `specs` (a policy may use
/// either or both).
fn cilium_specs(p: &Doc) -> Vec<&Doc> {
    let mut out: Vec<&Doc> = p.get("spec").into_iter().collect();
    out.extend(p.get("specs").and_then(Doc::as_array).into_iter().flatten());
    out
}

/// Whether a Cilium deny rule denies every peer (`fromEntities`/`toEntities: [all]`, or the
/// whole address space as a CIDR).
fn denies_everything(rule: &Doc, dir: &str) -> bool {
    let (entities, cidr) = if dir == "ingress" {
        ("fromEntities", "fromCIDR")
    } else {
        ("toEntities", "toCIDR")
    };
    let all_entities = crate::checks::path::strings(rule, entities)
        .iter()
        .any(|e| e == "all");
    let cidrs = crate::checks::path::strings(rule, cidr);
    let families: Vec<&str> = cidrs
        .iter()
        .filter_map(|c| egress::whole_family(c))
        .collect();
    let all_cidrs = families.contains(&"0.0.0.0/0") && families.contains(&"::/0");
    let no_ports = rule
        .get("toPorts")
        .and_then(Doc::as_array)
        .is_none_or(<[Doc]>::is_empty);
    (all_entities || all_cidrs) && no_ports
}

/// Whether one Cilium spec is a default deny for a direction: it selects every endpoint (or,
/// with `ns`, every endpoint of that namespace) and either has the direction with only empty
/// rules (Cilium's default-deny switch) and no deny rules, or has a deny rule that denies
/// every peer.
fn cilium_spec_denies(spec: &Doc, dir: &str, ns: Option<&str>) -> bool {
    let all = spec.get("endpointSelector").is_some_and(|sel| {
        selector::is_empty(sel) || ns.is_some_and(|ns| cilium_selects_namespace(sel, ns))
    });
    // "Rules with EnableDefaultDeny disabled are ignored when determining the default mode."
    let default_deny_off = spec
        .at(&format!("/enableDefaultDeny/{dir}"))
        .and_then(Doc::as_bool)
        == Some(false);
    if !all || default_deny_off {
        return false;
    }
    let deny = spec.get(format!("{dir}Deny")).and_then(Doc::as_array);
    if deny.is_some_and(|rs| rs.iter().any(|r| denies_everything(r, dir))) {
        return true;
    }
    // An empty list is no rule at all: "If omitted or empty, this rule does not apply".
    spec.get(dir).is_some_and(|v| {
        v.as_array().is_some_and(|a| {
            !a.is_empty()
                && a.iter()
                    .all(|r| r.as_object().is_some_and(crate::document::Fields::is_empty))
        })
    }) && deny.is_none()
}

/// A NetworkPolicy field written with a key its type does not have: a label selector's labels
/// without `matchLabels` (`spec.podSelector: {app: web}`), or a misspelt field (`spec.egres`,
/// `spec.podselector`, a peer's `podselector`, a port's `endport`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// The path of the mapping holding the key (`spec.podSelector`,
    /// `spec.ingress[0].from[1].namespaceSelector`, `spec`, `spec.egress[0]`).
    pub holder: String,
    /// The unknown key's path (`spec.podSelector.app`).
    pub path: String,
    /// The unknown key.
    pub key: String,
    /// The keys the mapping may hold.
    pub known: &'static [&'static str],
}

impl UnknownKey {
    /// Why the policy is not counted: what kubectl does with it, and what it may select.
    pub fn words(&self) -> String {
        let key = crate::quote::bounded(&self.key, 80);
        if !self.holder.ends_with("Selector") {
            let meant = near_key(&self.key, self.known)
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            let holder = if self.holder.is_empty() {
                "the policy".to_string()
            } else {
                format!("`{}`", self.holder)
            };
            return format!(
                "{holder} has the key `{key}`, which a NetworkPolicy does not have there{meant}: kubectl refuses the policy, and applied with --validate=false the key is dropped, so what the policy selects and allows cannot be known from the file"
            );
        }
        let lower = self.key.to_ascii_lowercase();
        let meant = if lower.contains("expression") {
            "matchExpressions"
        } else {
            "matchLabels"
        };
        let every = if self.holder.ends_with("namespaceSelector") {
            "every namespace"
        } else {
            "every pod"
        };
        format!(
            "`{}` has the key `{key}`, which a label selector does not have (did you mean {meant}?): kubectl refuses the policy, and applied with --validate=false the key is dropped and the selector selects {every}, so what it selects cannot be known from the file",
            self.holder,
        )
    }
}

/// The known key an unknown one was probably meant as: the same but for case, or at most two
/// letters apart (`egres`, `podselector`, `endport`).
fn near_key(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    known.iter().copied().find(|k| {
        let k = k.to_ascii_lowercase();
        k == key || edit_distance(&k, &key) <= 2
    })
}

/// Levenshtein distance over bytes (keys are short ASCII names).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(x != y);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The keys of a NetworkPolicy's mappings (networking.k8s.io/v1 API reference).
const TOP_KEYS: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];
const SPEC_KEYS: &[&str] = &["podSelector", "policyTypes", "ingress", "egress"];
const INGRESS_RULE_KEYS: &[&str] = &["from", "ports"];
const EGRESS_RULE_KEYS: &[&str] = &["to", "ports"];
const PEER_KEYS: &[&str] = &["podSelector", "namespaceSelector", "ipBlock"];
const IP_BLOCK_KEYS: &[&str] = &["cidr", "except"];
const PORT_KEYS: &[&str] = &["protocol", "port", "endPort"];
const SELECTOR_KEYS: &[&str] = &["matchLabels", "matchExpressions"];

/// The first key of a NetworkPolicy its type does not have: at the top, in `spec`, then
/// `spec.podSelector`, then each rule, peer (its selectors, `ipBlock`) and port, ingress
/// before egress; a label selector may hold only `matchLabels` and `matchExpressions`. Such a
/// policy is not evaluated: it may be refused, or stored selecting everything
/// ([`Unevaluated`]).
pub fn unknown_key(policy: &Doc) -> Option<UnknownKey> {
    let unknown = |map: &Doc, at: String, known: &'static [&'static str]| {
        let (key, _) = map
            .as_object()?
            .iter()
            .find(|(k, _)| !known.contains(&&**k))?;
        Some(UnknownKey {
            path: crate::checks::path::join(&at, key),
            holder: at,
            key: key.to_string(),
            known,
        })
    };
    // `Spec:` or `sepc:` leaves the policy with no spec: an empty one selects every pod.
    if let Some(m) = unknown(policy, String::new(), TOP_KEYS) {
        return Some(m);
    }
    let spec = policy.get("spec")?;
    if let Some(m) = unknown(spec, "spec".into(), SPEC_KEYS).or_else(|| {
        spec.get("podSelector")
            .and_then(|s| unknown(s, "spec.podSelector".into(), SELECTOR_KEYS))
    }) {
        return Some(m);
    }
    for (dir, peer, rule_keys) in [
        ("ingress", "from", INGRESS_RULE_KEYS),
        ("egress", "to", EGRESS_RULE_KEYS),
    ] {
        for (i, rule) in rules(policy, dir).iter().enumerate() {
            if let Some(m) = unknown(rule, format!("spec.{dir}[{i}]"), rule_keys) {
                return Some(m);
            }
            let peers = rule.get(peer).and_then(Doc::as_array).unwrap_or_default();
            for (j, item) in peers.iter().enumerate() {
                let at = format!("spec.{dir}[{i}].{peer}[{j}]");
                if let Some(m) = unknown(item, at.clone(), PEER_KEYS) {
                    return Some(m);
                }
                for key in ["podSelector", "namespaceSelector"] {
                    if let Some(m) = item
                        .get(key)
                        .and_then(|s| unknown(s, format!("{at}.{key}"), SELECTOR_KEYS))
                    {
                        return Some(m);
                    }
                }
                if let Some(m) = item
                    .get("ipBlock")
                    .and_then(|b| unknown(b, format!("{at}.ipBlock"), IP_BLOCK_KEYS))
                {
                    return Some(m);
                }
            }
            let ports = rule
                .get("ports")
                .and_then(Doc::as_array)
                .unwrap_or_default();
            for (j, port) in ports.iter().enumerate() {
                if let Some(m) = unknown(port, format!("spec.{dir}[{i}].ports[{j}]"), PORT_KEYS) {
                    return Some(m);
                }
            }
        }
    }
    None
}

/// Whether a NetworkPolicy is read as written: it has no key its type does not have
/// ([`unknown_key`]).
pub fn is_evaluated_policy(p: &Object) -> bool {
    p.kind != "NetworkPolicy" || unknown_key(&p.value).is_none()
}

/// Whether a policy is a default deny for a direction (`ingress` or `egress`).
pub fn is_default_deny(p: &Object, dir: &str) -> bool {
    default_deny_in(p, dir, None)
}

/// [`is_default_deny`], for the pods of namespace `ns`: a Cilium policy whose endpoint
/// selector names only the namespace (`k8s:io.kubernetes.pod.namespace: web`, the documented
/// way for a cluster-wide policy to target one) selects every pod there.
fn default_deny_in(p: &Object, dir: &str, ns: Option<&str>) -> bool {
    if p.kind == "NetworkPolicy" {
        let (ing, eg) = policy_types(&p.value);
        let governs = if dir == "ingress" { ing } else { eg };
        let all_pods = p
            .value
            .at("/spec/podSelector")
            .is_none_or(selector::is_empty);
        governs && all_pods && rules(&p.value, dir).is_empty()
    } else {
        // Cilium: `spec` or any item of `specs`.
        cilium_specs(&p.value)
            .iter()
            .any(|spec| cilium_spec_denies(spec, dir, ns))
    }
}

/// A Cilium selector key as the Kubernetes label it matches: without its source `k8s:` or
/// `any:` (or none); `None` for a label of another source, which is not a pod label.
fn cilium_label(key: &str) -> Option<&str> {
    match key.split_once(':') {
        Some(("k8s" | "any", rest)) => Some(rest),
        Some(_) => None,
        None => Some(key),
    }
}

/// Whether a Cilium endpoint selector constrains only the pod's namespace, to `ns`:
/// every `matchLabels` key and `matchExpressions` key is `io.kubernetes.pod.namespace`, or
/// the namespace's own name label `io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name`
/// (with the source `k8s:` or `any:`, or none), and holds for `ns`.
fn cilium_selects_namespace(sel: &Doc, ns: &str) -> bool {
    let is_ns_key = |key: &str| {
        matches!(
            cilium_label(key),
            Some(
                "io.kubernetes.pod.namespace"
                    | "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name"
            )
        )
    };
    let labels = sel.get("matchLabels").and_then(Doc::as_object);
    let expressions = sel.get("matchExpressions").and_then(Doc::as_array);
    let named = labels.is_some_and(|m| !m.is_empty()) || expressions.is_some_and(|e| !e.is_empty());
    named
        && labels
            .into_iter()
            .flat_map(|m| m.iter())
            .all(|(k, v)| is_ns_key(k) && v.as_str() == Some(ns))
        && expressions.into_iter().flatten().all(|e| {
            is_ns_key(e.get("key").and_then(Doc::as_str).unwrap_or_default())
                && selector::expression_holds(e, Some(ns))
        })
}

/// The rules of a Cilium policy that open it to everyone: an ingress rule from the entities
/// `all` or `world` or from the whole address space (`fromCIDR`, `fromCIDRSet`), and an egress
/// rule to `all` on every port. (An empty Cilium rule `{}` allows nothing: it is Cilium's
/// default-deny switch.)
fn cilium_allow_all_rules(p: &Object) -> Vec<(String, String)> {
    let whole = |c: &str| egress::whole_family(c).is_some();
    let mut out = Vec::new();
    let specs = cilium_specs(&p.value);
    for (j, spec) in specs.iter().enumerate() {
        // `spec` first, then the items of `specs`.
        let at = if j == 0 && p.value.get("spec").is_some() {
            "spec".to_string()
        } else {
            let offset = usize::from(p.value.get("spec").is_some());
            format!("specs[{}]", j - offset)
        };
        let ingress = spec.get("ingress").and_then(Doc::as_array).unwrap_or(&[]);
        for (i, r) in ingress.iter().enumerate() {
            let entities = crate::checks::path::strings(r, "fromEntities");
            let cidr_set: Vec<String> = r
                .get("fromCIDRSet")
                .and_then(Doc::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("cidr").and_then(Doc::as_str).map(str::to_string))
                .collect();
            if let Some(e) = entities
                .iter()
                .find(|e| matches!(e.as_str(), "all" | "world"))
            {
                out.push((
                    format!("{at}.ingress[{i}].fromEntities"),
                    format!("allows ingress from the entity `{e}` (any address)"),
                ));
            } else if crate::checks::path::strings(r, "fromCIDR")
                .iter()
                .chain(&cidr_set)
                .any(|c| whole(c))
            {
                out.push((
                    format!("{at}.ingress[{i}]"),
                    "allows ingress from any address (0.0.0.0/0)".into(),
                ));
            }
        }
        let egress = spec.get("egress").and_then(Doc::as_array).unwrap_or(&[]);
        for (i, r) in egress.iter().enumerate() {
            let all = crate::checks::path::strings(r, "toEntities")
                .iter()
                .any(|e| e == "all");
            let no_ports = r
                .get("toPorts")
                .and_then(Doc::as_array)
                .is_none_or(<[Doc]>::is_empty);
            if all && no_ports {
                out.push((
                    format!("{at}.egress[{i}].toEntities"),
                    "allows egress to the entity `all` on every port".into(),
                ));
            }
        }
    }
    out
}

/// The rules of a policy that allow all traffic: `(path, why)`.
pub fn allow_all_rules(p: &Object) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if p.kind != "NetworkPolicy" {
        return cilium_allow_all_rules(p);
    }
    let (ing, eg) = policy_types(&p.value);
    for (dir, peer, on) in [("ingress", "from", ing), ("egress", "to", eg)] {
        if !on {
            continue;
        }
        let who = if dir == "ingress" {
            "source"
        } else {
            "destination"
        };
        // The ports every peer may use, over all rules of the direction: rules add up, so
        // rules that each open part of the ports to everyone may open them all together.
        let mut open_ports: Vec<&Doc> = Vec::new();
        let mut open_rules = Vec::new();
        let before = out.len();
        for (i, r) in rules(&p.value, dir).iter().enumerate() {
            let peers = r.get(peer).and_then(Doc::as_array);
            let ports = r.get("ports").and_then(Doc::as_array).unwrap_or_default();
            let everyone = match peers.filter(|p| !p.is_empty()) {
                // No peers: every source (or destination), pods and addresses alike.
                None => Some(String::new()),
                Some(peers) => whole_address_space(peers),
            };
            let Some(written) = everyone else {
                continue;
            };
            open_rules.push(i);
            open_ports.extend(ports.iter());
            let Some(port_words) = every_port(ports) else {
                continue;
            };
            let way = if dir == "ingress" { "from" } else { "to" };
            out.push(match (peers.filter(|p| !p.is_empty()), ports.is_empty()) {
                (None, true) => (
                    format!("spec.{dir}[{i}]"),
                    format!("an empty {dir} rule allows all {dir} traffic on every port"),
                ),
                (None, false) => (
                    format!("spec.{dir}[{i}]"),
                    format!("the {dir} rule names no peer, so it allows every {who} {port_words}"),
                ),
                (Some(_), _) => (
                    format!("spec.{dir}[{i}].{peer}"),
                    format!("allows {dir} {way} any address ({written}) {port_words}"),
                ),
            });
        }
        // No single rule opens everything (one without `ports` would have been flagged
        // above), but together they do.
        if out.len() == before
            && open_rules.len() > 1
            && every_port_of(open_ports.iter().copied()).is_some()
        {
            let listed: Vec<String> = open_rules.iter().map(|i| format!("{dir}[{i}]")).collect();
            out.push((
                format!("spec.{dir}"),
                format!(
                    "its {dir} rules {} together allow every {who} on every TCP port",
                    listed.join(", ")
                ),
            ));
        }
    }
    out
}

/// Words for peers that together cover a whole address family (`0.0.0.0/0`, or
/// `0.0.0.0/1` and `128.0.0.0/1`), counting only `ipBlock`s without exceptions; `None` when
/// they do not.
fn whole_address_space(peers: &[Doc]) -> Option<String> {
    let mut blocks: Vec<&str> = Vec::new();
    for pe in peers {
        let except = pe
            .at("/ipBlock/except")
            .and_then(Doc::as_array)
            .is_some_and(|e| !e.is_empty());
        if let Some(cidr) = pe
            .at("/ipBlock/cidr")
            .and_then(Doc::as_str)
            .filter(|_| !except)
        {
            blocks.push(cidr);
        }
    }
    for cidr in &blocks {
        if let Some(family) = egress::whole_family(cidr) {
            return Some(if *cidr == family {
                family.to_string()
            } else {
                format!("{family}, written {cidr}")
            });
        }
    }
    for (family, top, whole) in [
        ("IPv4", u128::from(u32::MAX), "0.0.0.0/0"),
        ("IPv6", u128::MAX, "::/0"),
    ] {
        let mut ranges: Vec<(u128, u128)> = blocks
            .iter()
            .filter_map(|c| crate::cidr::interval(c))
            .filter(|(f, _, _)| *f == family)
            .map(|(_, a, b)| (a, b))
            .collect();
        ranges.sort_unstable();
        let mut next: Option<u128> = Some(0);
        for (a, b) in ranges {
            match next {
                Some(n) if a <= n => next = b.checked_add(1).map(|x| x.max(n)),
                _ => {}
            }
        }
        let covered = match next {
            None => true, // past u128::MAX
            Some(n) => n > top,
        };
        if covered {
            return Some(format!("{whole}, written {}", blocks.join(" and ")));
        }
    }
    None
}

/// Words for a rule's `ports` when they leave every port open ("on every port"; with
/// ranges, "on every TCP port"), `None` when they name some ports only. An entry without
/// `port` is every port of its protocol; `endPort` makes a range; a named port is one port.
fn every_port(ports: &[Doc]) -> Option<&'static str> {
    if ports.is_empty() {
        return Some("on every port");
    }
    every_port_of(ports.iter())
}

/// [`every_port`] over port entries of one or more rules (none: no port at all).
fn every_port_of<'a>(ports: impl Iterator<Item = &'a Doc>) -> Option<&'static str> {
    let mut tcp: Vec<(i64, i64)> = Vec::new();
    for entry in ports {
        let protocol = entry.get("protocol").and_then(Doc::as_str).unwrap_or("TCP");
        if protocol != "TCP" {
            continue;
        }
        let Some(port) = entry.get("port") else {
            return Some("on every TCP port");
        };
        let Some(first) = port.as_i64() else {
            continue; // a named port
        };
        let last = entry.get("endPort").and_then(Doc::as_i64).unwrap_or(first);
        tcp.push((first, last));
    }
    tcp.sort_unstable();
    let mut next = 1;
    for (first, last) in tcp {
        if first > next {
            return None;
        }
        next = next.max(last + 1);
    }
    (next > 65535).then_some("on every TCP port")
}

/// Whether a policy selects a pod with these labels in namespace `ns`.
pub fn selects_pod(
    p: &Object,
    ns: &str,
    labels: &std::collections::BTreeMap<String, String>,
) -> bool {
    match p.kind.as_str() {
        "NetworkPolicy" => {
            p.namespace.as_deref() == Some(ns)
                && p.value
                    .at("/spec/podSelector")
                    .is_none_or(|s| selector::selects(s, labels))
        }
        _ => cilium_selection(p, ns, labels) == Selection::Yes,
    }
}

/// Whether a policy may select a pod: it does ([`selects_pod`]), or it is a Cilium policy
/// whose selector names endpoint labels Cilium adds that are not modelled here (the service
/// account, the namespace's labels) or a label source other than `k8s`/`any`.
pub fn may_select_pod(
    p: &Object,
    ns: &str,
    labels: &std::collections::BTreeMap<String, String>,
) -> bool {
    match p.kind.as_str() {
        "NetworkPolicy" => selects_pod(p, ns, labels),
        _ => cilium_selection(p, ns, labels) != Selection::No,
    }
}

/// Whether a Cilium policy selects an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    Yes,
    No,
    Unknown,
}

/// Whether a Cilium policy (namespaced or cluster-wide) selects a pod with these labels in
/// `ns`, by any of its specs' `endpointSelector`s (a spec with only a `nodeSelector` selects
/// nodes, not pods). Cilium gives every pod label the source `k8s` (`k8s:app`); a selector key
/// without a source, or with `any:`, matches any source; the pod's namespace is the label
/// `io.kubernetes.pod.namespace`. A selector on another label Cilium adds (`io.cilium.k8s.…`,
/// other `io.kubernetes.…`) or another source is not decided here.
fn cilium_selection(
    p: &Object,
    ns: &str,
    labels: &std::collections::BTreeMap<String, String>,
) -> Selection {
    if p.kind == "CiliumNetworkPolicy" && p.namespace.as_deref() != Some(ns) {
        return Selection::No;
    }
    let mut result = Selection::No;
    for sel in cilium_specs(&p.value)
        .iter()
        .filter_map(|spec| spec.get("endpointSelector"))
    {
        match cilium_selects(sel, ns, labels) {
            Selection::Yes => return Selection::Yes,
            Selection::Unknown => result = Selection::Unknown,
            Selection::No => {}
        }
    }
    result
}

/// One Cilium endpoint selector against a pod (see [`cilium_selection`]).
fn cilium_selects(
    sel: &Doc,
    ns: &str,
    labels: &std::collections::BTreeMap<String, String>,
) -> Selection {
    // The value a selector key names, `Err` when it is not decided here.
    let value = |key: &str| -> Result<Option<&str>, ()> {
        let key = cilium_label(key).ok_or(())?;
        if key == "io.kubernetes.pod.namespace"
            || key == "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name"
        {
            Ok(Some(ns))
        } else if key.starts_with("io.cilium.k8s.") || key.starts_with("io.kubernetes.") {
            Err(())
        } else {
            Ok(labels.get(key).map(String::as_str))
        }
    };
    let mut unknown = false;
    for (k, v) in sel
        .get("matchLabels")
        .and_then(Doc::as_object)
        .map(|m| m.iter().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        match value(k) {
            Ok(have) if have != v.as_str() => return Selection::No,
            Ok(_) => {}
            Err(()) => unknown = true,
        }
    }
    for e in sel
        .get("matchExpressions")
        .and_then(Doc::as_array)
        .unwrap_or_default()
    {
        let key = e.get("key").and_then(Doc::as_str).unwrap_or_default();
        let Ok(have) = value(key) else {
            unknown = true;
            continue;
        };
        if !selector::expression_holds(e, have) {
            return Selection::No;
        }
    }
    if unknown {
        Selection::Unknown
    } else {
        Selection::Yes
    }
}

/// Why Cilium policies are unknown: a Cilium kind the source should have listed and did not
/// (a failed list, or a snapshot taken before they were listed). `None` when they were read,
/// or are not served (no Cilium CRDs: there are none).
pub fn cilium_unread(inv: &Inventory) -> Option<String> {
    CILIUM_KINDS.iter().find_map(|k| match inv.kind_state(k) {
        KindState::Failed(reason) => Some(reason),
        KindState::Collected | KindState::NotServed(_) => None,
    })
}

fn kind_error(check: &Check, inv: &Inventory, out: &mut Outcome) -> bool {
    match inv.kind_state("NetworkPolicy") {
        KindState::Collected => false,
        KindState::Failed(reason) | KindState::NotServed(reason) => {
            out.findings.push(evidence::about_kind(
                check,
                Status::Error,
                "NetworkPolicy",
                format!("could not assess network policies: {reason}"),
            ));
            true
        }
    }
}

/// The policies that can apply in a namespace: its own and the cluster-wide ones, found by a
/// lookup rather than a scan of every policy for every namespace or workload.
struct PoliciesByNamespace<'a> {
    /// Position in the policy list and policy, per namespace.
    namespaced: BTreeMap<&'a str, Vec<(usize, &'a Object)>>,
    /// `CiliumClusterwideNetworkPolicy` objects (they apply in every namespace).
    clusterwide: Vec<(usize, &'a Object)>,
}

impl<'a> PoliciesByNamespace<'a> {
    fn new(policies: &[&'a Object]) -> PoliciesByNamespace<'a> {
        let mut namespaced: BTreeMap<&str, Vec<(usize, &Object)>> = BTreeMap::new();
        let mut clusterwide = Vec::new();
        for (i, pol) in policies.iter().copied().enumerate() {
            if pol.kind == "CiliumClusterwideNetworkPolicy" {
                clusterwide.push((i, pol));
            } else if let Some(ns) = pol.namespace.as_deref() {
                namespaced.entry(ns).or_default().push((i, pol));
            }
        }
        PoliciesByNamespace {
            namespaced,
            clusterwide,
        }
    }

    /// The policies of `ns` and the cluster-wide ones, in the order of the policy list.
    fn candidates(&self, ns: &str) -> Vec<&'a Object> {
        let mut v: Vec<(usize, &Object)> = self.clusterwide.clone();
        v.extend(self.namespaced.get(ns).into_iter().flatten().copied());
        v.sort_by_key(|(i, _)| *i);
        v.into_iter().map(|(_, p)| p).collect()
    }
}

fn policy_name(p: &Object) -> String {
    evidence::subject(p).display()
}

/// Whether an object is a network policy of another engine, read but not evaluated here:
/// Calico's namespaced (`NetworkPolicy.crd.projectcalico.org`, see
/// [`evaluated_kind`](crate::collect::cluster::resources::evaluated_kind)) and global
/// policies, the AdminNetworkPolicy API, Antrea's.
fn is_unevaluated_policy(o: &Object) -> bool {
    o.kind.starts_with("NetworkPolicy.")
        || matches!(
            o.kind.as_str(),
            "GlobalNetworkPolicy"
                | "AdminNetworkPolicy"
                | "BaselineAdminNetworkPolicy"
                | "ClusterNetworkPolicy"
        )
}

/// The policies of other engines in the input, per namespace and cluster-wide, and the
/// NetworkPolicies with a key they do not have ([`unknown_key`]). They may select a
/// pod no evaluated policy selects, so where one may apply, "no policy" is a question for a
/// person (`manual`), not a `fail`.
pub struct Unevaluated<'a> {
    cluster_wide: Vec<&'a Object>,
    by_ns: BTreeMap<&'a str, Vec<&'a Object>>,
    /// NetworkPolicies with a key they do not have ([`unknown_key`]), in inventory order.
    mistyped: Vec<(&'a Object, UnknownKey)>,
}

impl<'a> Unevaluated<'a> {
    /// Those of the inventory, found in one pass (shared by the network checks through
    /// [`Context::unevaluated_policies`]).
    pub fn new(inv: &'a Inventory) -> Self {
        let mut u = Unevaluated {
            cluster_wide: Vec::new(),
            by_ns: BTreeMap::new(),
            mistyped: Vec::new(),
        };
        for o in &inv.objects {
            if o.kind == "NetworkPolicy" {
                if let Some(m) = unknown_key(&o.value) {
                    u.mistyped.push((o, m));
                }
                continue;
            }
            if !is_unevaluated_policy(o) {
                continue;
            }
            // The cluster-scoped kinds apply everywhere, even where a manifest without a
            // namespace was placed in the default one.
            let cluster_scoped = matches!(
                o.kind.as_str(),
                "GlobalNetworkPolicy"
                    | "AdminNetworkPolicy"
                    | "BaselineAdminNetworkPolicy"
                    | "ClusterNetworkPolicy"
            );
            match o.namespace.as_deref() {
                Some(ns) if !cluster_scoped => u.by_ns.entry(ns).or_default().push(o),
                _ => u.cluster_wide.push(o),
            }
        }
        u
    }

    /// Whether `o` is one of the NetworkPolicies with a key they do not have.
    fn has_unknown_key(&self, o: &Object) -> bool {
        self.mistyped.iter().any(|(m, _)| std::ptr::eq(*m, o))
    }

    /// The NetworkPolicies with a key they do not have that may apply in `ns`: its own;
    /// those written without a namespace (they may be applied in any); for `ns` itself
    /// [`UNSET_NAMESPACE`], those of every namespace (its workloads may be deployed there).
    fn mistyped_in<'s>(
        &'s self,
        ns: &'s str,
    ) -> impl Iterator<Item = &'s (&'a Object, UnknownKey)> + 's {
        self.mistyped.iter().filter(move |(o, _)| {
            ns == UNSET_NAMESPACE || matches!(o.namespace.as_deref(), Some(own) if own == ns || own == UNSET_NAMESPACE)
        })
    }

    /// Where the first NetworkPolicy with a key it does not have that may apply in `ns`
    /// has its unknown key (`file:line`).
    fn mistyped_source(&self, ns: &str) -> Option<String> {
        self.mistyped_in(ns)
            .next()
            .map(|(o, m)| evidence::source(o, &m.path))
    }

    /// What a finding says when those that may apply in `ns` leave it open; `None` when
    /// there are none.
    fn in_namespace(&self, ns: &str) -> Option<String> {
        let here = self.by_ns.get(ns).map_or(&[][..], Vec::as_slice);
        let other: Vec<String> = here
            .iter()
            .chain(&self.cluster_wide)
            .map(|o| policy_name(o))
            .collect();
        let mut parts: Vec<String> = Vec::new();
        if !other.is_empty() {
            parts.push(format!(
                "{} of another policy engine, which this check does not evaluate, may apply",
                other.join(", ")
            ));
        }
        parts.extend(
            self.mistyped_in(ns)
                .map(|(o, m)| unreadable_words(o, m, ns)),
        );
        (!parts.is_empty()).then(|| format!("{}: confirm by hand", parts.join("; ")))
    }
}

/// What a finding in namespace `ns` says of a NetworkPolicy with a key it does not have:
/// its name, where the unknown key is, and why it is not counted.
fn unreadable_words(p: &Object, m: &UnknownKey, ns: &str) -> String {
    let own = p.namespace.as_deref().unwrap_or_default();
    let placed = if own == ns {
        String::new()
    } else if own == UNSET_NAMESPACE {
        format!(" (written without a namespace: it applies here only if applied in namespace {ns})")
    } else {
        format!(
            " (of namespace {own}: it applies to these workloads only if they are deployed there)"
        )
    };
    format!(
        "{}{placed} at {} is not counted: {}",
        policy_name(p),
        evidence::source(p, &m.path),
        m.words()
    )
}

/// The namespaced policies a manifest wrote without `metadata.namespace` (kept in
/// [`UNSET_NAMESPACE`]): kubectl puts them in the namespace it is run against, which the files
/// do not say, so each may apply in any named namespace of the input.
/// The namespaced policies of named namespaces (the counterpart of [`unplaced`] for
/// workloads written without a namespace).
fn placed<'a>(policies: &[&'a Object]) -> Vec<&'a Object> {
    policies
        .iter()
        .copied()
        .filter(|p| {
            p.kind != "CiliumClusterwideNetworkPolicy"
                && p.namespace
                    .as_deref()
                    .is_some_and(|ns| ns != UNSET_NAMESPACE)
        })
        .collect()
}

fn unplaced<'a>(policies: &[&'a Object]) -> Vec<&'a Object> {
    policies
        .iter()
        .copied()
        .filter(|p| {
            p.kind != "CiliumClusterwideNetworkPolicy"
                && p.namespace.as_deref() == Some(UNSET_NAMESPACE)
        })
        .collect()
}

/// Why a verdict in namespace `ns` waits on namespace-less policies: `NetworkPolicy
/// default-deny-all has no namespace in the input: it applies here only if applied in
/// namespace default`.
fn unplaced_words(pols: &[&Object], ns: &str) -> String {
    if ns == UNSET_NAMESPACE {
        // The other way round: what names no namespace may be applied where these are.
        let names: Vec<String> = pols
            .iter()
            .map(|p| {
                format!(
                    "{} {}/{}",
                    p.kind,
                    p.namespace.as_deref().unwrap_or_default(),
                    p.name
                )
            })
            .collect();
        return format!(
            "the workloads without a namespace are deployed where they are applied, and {} would apply to them if applied in {}",
            names.join(", "),
            if pols.len() == 1 { "its namespace" } else { "their namespaces" }
        );
    }
    let names: Vec<String> = pols
        .iter()
        .map(|p| format!("{} {}", p.kind, p.name))
        .collect();
    if names.len() == 1 {
        format!(
            "{} has no namespace in the input: it applies here only if applied in namespace {ns}",
            names[0]
        )
    } else {
        format!(
            "{} have no namespace in the input: they apply here only if applied in namespace {ns}",
            names.join(", ")
        )
    }
}

/// The namespace-less policies that would select a pod with `labels` if applied in its
/// (named) namespace. For a pod that names no namespace (those policies are its own), the
/// policies of named namespaces (`named`) that would select it if it were applied in theirs.
fn unplaced_selecting<'a>(
    unplaced: &[&'a Object],
    named: &[&'a Object],
    ns: &str,
    labels: &BTreeMap<String, String>,
) -> Vec<&'a Object> {
    if ns == UNSET_NAMESPACE {
        return named
            .iter()
            .copied()
            .filter(|pol| {
                pol.namespace
                    .as_deref()
                    .is_some_and(|own| may_select_pod(pol, own, labels))
            })
            .collect();
    }
    unplaced
        .iter()
        .copied()
        .filter(|pol| may_select_pod(pol, UNSET_NAMESPACE, labels))
        .collect()
}

/// Whether a NetworkPolicy governs a direction (`ingress` or `egress`); a Cilium policy is
/// not judged so here.
fn governs(p: &Object, dir: &str) -> bool {
    let (ing, eg) = policy_types(&p.value);
    p.kind == "NetworkPolicy" && if dir == "ingress" { ing } else { eg }
}

/// The NetworkPolicy of a namespace that comes nearest to a default deny for `dir` without
/// being one, with the field that keeps it from being one and why: first one that selects
/// every pod but has rules in that direction (an empty rule `{}` allows everything), then one
/// that allows nothing in that direction but selects only some pods. `None` when no policy
/// governing the direction comes near.
fn near_default_deny<'a>(here: &[&'a Object], dir: &str) -> Option<(&'a Object, String, String)> {
    let all_pods = |p: &Object| {
        p.value
            .at("/spec/podSelector")
            .is_none_or(selector::is_empty)
    };
    let candidates = || here.iter().copied().filter(|p| governs(p, dir));
    if let Some(p) = candidates().find(|p| all_pods(p) && !rules(&p.value, dir).is_empty()) {
        let prefix = format!("spec.{dir}");
        let (path, why) = match allow_all_rules(p)
            .into_iter()
            .find(|(path, _)| path.starts_with(&prefix))
        {
            Some((path, why)) => {
                let why = format!("it selects every pod, but {why} ({path})");
                (path, why)
            }
            None => {
                let path = format!("spec.{dir}[0]");
                let why = format!(
                    "it selects every pod, but its {dir} rules allow some {dir} traffic ({prefix}); a default deny has none"
                );
                (path, why)
            }
        };
        return Some((p, path, why));
    }
    let p = candidates().find(|p| !all_pods(p) && rules(&p.value, dir).is_empty())?;
    Some((
        p,
        "spec.podSelector".into(),
        format!("it denies {dir} only for the pods its podSelector matches, not every pod (spec.podSelector)"),
    ))
}

/// Why a namespace without any policy in the given manifests is not assessed.
fn not_in_input(ns: &str) -> String {
    format!(
        "the manifests hold no network policy for namespace {ns}; whether the cluster has one is not in the input"
    )
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    if kind_error(check, inv, &mut out) {
        return out;
    }
    // Every question but allow-all policies is about workloads (the CNI's DaemonSet
    // included), and the per-namespace ones about Namespaces too: an unread list leaves
    // namespaces or workloads out, which would pass.
    if p.require != Require::NoAllowAll {
        evidence::kinds_not_collected(
            check,
            inv,
            crate::checks::workload::WORKLOAD_KINDS,
            &mut out,
        );
    }
    if matches!(
        p.require,
        Require::AnyPolicy | Require::DefaultDenyIngress | Require::DefaultDenyEgress
    ) {
        evidence::kinds_not_collected(check, inv, &["Namespace"], &mut out);
    }
    if !out.findings.is_empty() {
        return out;
    }
    let cilium_seen: Vec<&str> = CILIUM_KINDS
        .iter()
        .copied()
        .filter(|k| inv.kind_state(k) == KindState::Collected)
        .collect();
    let cilium_unread = cilium_unread(inv);
    let policies: Vec<&Object> = inv
        .objects
        .iter()
        .filter(|o| o.kind == "NetworkPolicy" || cilium_seen.contains(&o.kind.as_str()))
        .collect();
    // A NetworkPolicy with a key it does not have is left out: it may be refused, or stored
    // selecting everything ([`Unevaluated`] found them once for the run, and names each where
    // it may apply).
    let unevaluated = ctx.unevaluated_policies();
    let policies: Vec<&Object> = policies
        .into_iter()
        .filter(|o| !unevaluated.has_unknown_key(o))
        .collect();
    let unplaced = unplaced(&policies);
    let named = placed(&policies);
    if p.require == Require::CniEnforces {
        cni(check, ctx, &mut out);
        return out;
    }
    if p.require == Require::NoAllowAll {
        no_allow_all(check, &policies, &unevaluated.mistyped, p, &mut out);
        return out;
    }
    let by_ns = PoliciesByNamespace::new(&policies);
    // Manifests show the policies someone chose to give: a namespace none of them is
    // written for is not assessed (its policies may be deployed from elsewhere).
    let known = crate::checks::absence_is_known(inv);
    if p.require == Require::MetadataUnreachable {
        metadata_unreachable(
            check,
            p,
            ctx,
            &by_ns,
            cilium_unread.as_deref(),
            unevaluated,
            &mut out,
        );
        return out;
    }
    let workloads: Vec<&crate::checks::workload::Workload> =
        ctx.workloads().iter().map(|(w, _)| w).collect();
    let mut workloads_in: BTreeMap<&str, usize> = BTreeMap::new();
    for w in &workloads {
        if let Some(ns) = w.object.namespace.as_deref() {
            *workloads_in.entry(ns).or_default() += 1;
        }
    }
    let mut namespaces: BTreeSet<String> =
        inv.of_kind("Namespace").map(|n| n.name.clone()).collect();
    namespaces.extend(workloads.iter().filter_map(|w| w.object.namespace.clone()));
    if p.require == Require::PodSelected {
        for w in &workloads {
            let ns = w
                .object
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into());
            let subject = evidence::subject(w.object);
            if p.exempt_namespaces.contains(&ns) {
                out.findings
                    .push(evidence::exempt_namespace(check, subject, &ns));
                continue;
            }
            if let Some(finding) = host_network(check, w, subject.clone()) {
                out.findings.push(finding);
                continue;
            }
            let labels = selector::labels_of(w.pod_meta);
            let by: Vec<String> = by_ns
                .candidates(&ns)
                .into_iter()
                .filter(|pol| selects_pod(pol, &ns, &labels))
                .map(policy_name)
                .collect();
            // A pass's evidence is built only when the report keeps it.
            let observations = if by.is_empty() || ctx.pass_evidence() {
                vec![Observation {
                    source: evidence::source(w.object, w.pod_meta_path),
                    path: format!("{}.labels", w.pod_meta_path),
                    observed: json!({"labels": labels, "selected_by": by}),
                    expected: "selected by at least one network policy".into(),
                    holds: !by.is_empty(),
                    note: None,
                }]
            } else {
                Vec::new()
            };
            let (status, message) = if let (true, Some(why)) = (by.is_empty(), &cilium_unread) {
                (
                    Status::Error,
                    format!(
                        "{} is selected by no NetworkPolicy, and Cilium policies, which may select it, could not be read: {why}",
                        subject.display()
                    ),
                )
            } else if let (true, Some(other)) = (by.is_empty(), unevaluated.in_namespace(&ns)) {
                (
                    Status::Manual,
                    format!(
                        "{} is selected by no NetworkPolicy; {other}",
                        subject.display()
                    ),
                )
            } else if let (true, [_, ..]) = (
                by.is_empty(),
                unplaced_selecting(&unplaced, &named, &ns, &labels).as_slice(),
            ) {
                (
                    Status::Manual,
                    format!(
                        "{} is selected by no network policy of namespace {ns}; {}",
                        subject.display(),
                        unplaced_words(&unplaced_selecting(&unplaced, &named, &ns, &labels), &ns)
                    ),
                )
            } else if by.is_empty() && !known && by_ns.candidates(&ns).is_empty() {
                (Status::NotApplicable, not_in_input(&ns))
            } else if by.is_empty() {
                (
                    Status::Fail,
                    format!(
                        "{} is selected by no network policy: all its traffic is allowed",
                        subject.display()
                    ),
                )
            } else {
                (
                    Status::Pass,
                    format!("{} is selected by {}", subject.display(), by.join(", ")),
                )
            };
            // Only a namespace the manifests give no policy for is `not_applicable` here.
            out.findings.push(
                evidence::finding(check, status, subject, observations, message)
                    .not_assessed_if_not_applicable(),
            );
        }
        if workloads.is_empty() {
            out.empty_reason = "no workloads in the inventory".into();
        }
        return out;
    }
    // The pod labels of each namespace's workloads, for cluster-wide Cilium policies (when
    // there are any).
    let mut pod_labels_by_ns: BTreeMap<&str, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    if !by_ns.clusterwide.is_empty() {
        for w in &workloads {
            if let Some(ns) = w.object.namespace.as_deref() {
                pod_labels_by_ns
                    .entry(ns)
                    .or_default()
                    .push(selector::labels_of(w.pod_meta));
            }
        }
    }
    for ns in &namespaces {
        let subject = evidence::namespace(inv.find_named("Namespace", ns), ns);
        if p.exempt_namespaces.contains(ns) {
            out.findings
                .push(evidence::exempt_namespace(check, subject, ns));
            continue;
        }
        let n_workloads = workloads_in.get(ns.as_str()).copied().unwrap_or(0);
        if n_workloads == 0 && !p.include_empty_namespaces {
            out.findings.push(evidence::finding(
                check,
                Status::NotApplicable,
                subject,
                Vec::new(),
                format!("namespace {ns} has no workloads"),
            ));
            continue;
        }
        let mut here: Vec<&Object> = by_ns.candidates(ns);
        if matches!(
            p.require,
            Require::AnyPolicy | Require::DefaultDenyIngress | Require::DefaultDenyEgress
        ) {
            // A cluster-wide Cilium policy is a policy of this namespace when it selects a
            // pod of it (not when it only selects nodes, or pods elsewhere).
            let no_labels = BTreeMap::new();
            let pods = pod_labels_by_ns
                .get(ns.as_str())
                .map_or(&[][..], Vec::as_slice);
            here.retain(|pol| {
                pol.kind != "CiliumClusterwideNetworkPolicy"
                    || std::iter::once(&no_labels)
                        .chain(pods)
                        .any(|labels| cilium_selection(pol, ns, labels) == Selection::Yes)
            });
        }
        let names: Vec<String> = here.iter().map(|pol| policy_name(pol)).collect();
        // Namespace-less policies that would meet the requirement if applied here.
        // For the workloads written without a namespace, the other way round: the policies
        // of named namespaces they would get if applied there.
        let would_meet: Vec<&Object> = if ns == UNSET_NAMESPACE {
            &named
        } else {
            &unplaced
        }
        .iter()
        .copied()
        .filter(|pol| match p.require {
            Require::DefaultDenyIngress => is_default_deny(pol, "ingress"),
            Require::DefaultDenyEgress => is_default_deny(pol, "egress"),
            _ => true,
        })
        .collect();
        let (ok, expected, decided_by) = match p.require {
            Require::AnyPolicy => (!here.is_empty(), "at least one network policy", None),
            Require::DefaultDenyIngress | Require::DefaultDenyEgress => {
                let dir = if p.require == Require::DefaultDenyIngress {
                    "ingress"
                } else {
                    "egress"
                };
                let deny = here.iter().find(|pol| default_deny_in(pol, dir, Some(ns)));
                (
                    deny.is_some(),
                    if dir == "ingress" {
                        "a default-deny ingress policy"
                    } else {
                        "a default-deny egress policy"
                    },
                    deny.map(|d| policy_name(d)),
                )
            }
            Require::PodSelected
            | Require::NoAllowAll
            | Require::CniEnforces
            | Require::MetadataUnreachable => (true, "", None),
        };
        let dir = match p.require {
            Require::DefaultDenyIngress => Some("ingress"),
            Require::DefaultDenyEgress => Some("egress"),
            _ => None,
        };
        // Without a default deny: the policy that comes nearest to one, and why it is not.
        let near = dir
            .filter(|_| !ok)
            .and_then(|dir| near_default_deny(&here, dir));
        // Without what the check asks for, a policy that cannot be read and may apply here
        // decides the verdict (`manual`): its unknown key is cited.
        let mistyped_source = if ok {
            None
        } else {
            unevaluated.mistyped_source(ns)
        };
        let source = match (&near, mistyped_source) {
            (_, Some(source)) => source,
            (Some((pol, path, _)), None) => evidence::source(pol, path),
            // The deciding policy, else the first governing the direction, else the first
            // seen, else the namespace itself.
            (None, None) => here
                .iter()
                .find(|pol| decided_by.as_deref() == Some(policy_name(pol).as_str()))
                .or_else(|| dir.and_then(|dir| here.iter().find(|pol| governs(pol, dir))))
                .or(here.first())
                .map(|pol| pol.origin.describe())
                .or_else(|| inv.find_named("Namespace", ns).map(|n| n.origin.describe()))
                .unwrap_or_else(|| format!("workloads of namespace {ns}")),
        };
        let near_words = near
            .as_ref()
            .map(|(pol, _, why)| format!("; {} is not one: {why}", policy_name(pol)));
        let obs = Observation {
            source,
            path: format!("namespace {ns}: network policies"),
            observed: json!({"policies": names, "workloads": n_workloads, "decided_by": decided_by}),
            expected: expected.into(),
            holds: ok,
            note: near
                .as_ref()
                .map(|(pol, _, why)| format!("{}: {why}", policy_name(pol))),
        };
        let (status, message) = if ok {
            (
                Status::Pass,
                format!(
                    "namespace {ns} has {expected}{}",
                    decided_by.map(|d| format!(" ({d})")).unwrap_or_default()
                ),
            )
        } else if let Some(why) = &cilium_unread {
            (
                Status::Error,
                format!(
                    "namespace {ns} has no {} among its NetworkPolicies, and its Cilium policies could not be read: {why}",
                    expected.trim_start_matches("a ")
                ),
            )
        } else if let Some(other) = unevaluated.in_namespace(ns) {
            let missing = if p.require == Require::AnyPolicy {
                "NetworkPolicy".to_string()
            } else {
                format!(
                    "{} among its NetworkPolicies",
                    expected.trim_start_matches("a ")
                )
            };
            (
                Status::Manual,
                format!("namespace {ns} has no {missing}; {other}"),
            )
        } else if !would_meet.is_empty() {
            let missing = if here.is_empty() {
                "no network policy".to_string()
            } else {
                format!("no {}", expected.trim_start_matches("a "))
            };
            (
                Status::Manual,
                format!(
                    "namespace {ns} has {missing} written for it; {}",
                    unplaced_words(&would_meet, ns)
                ),
            )
        } else if here.is_empty() && !known {
            (Status::NotApplicable, not_in_input(ns))
        } else if here.is_empty() && n_workloads == 0 {
            (
                Status::Fail,
                format!(
                    "namespace {ns} has no network policy: any workload deployed there will accept and send any traffic"
                ),
            )
        } else if here.is_empty() {
            (
                Status::Fail,
                format!(
                    "namespace {ns} has {n_workloads} workload(s) and no network policy: every pod accepts and sends any traffic"
                ),
            )
        } else {
            (
                Status::Fail,
                format!(
                    "namespace {ns} has no {} (policies: {}){}",
                    expected.trim_start_matches("a "),
                    names.join(", "),
                    near_words.unwrap_or_default()
                ),
            )
        };
        // Only a namespace the manifests give no policy for is `not_applicable` here.
        out.findings.push(
            evidence::finding(check, status, subject, vec![obs], message)
                .not_assessed_if_not_applicable(),
        );
    }
    if namespaces.is_empty() {
        out.empty_reason = "no namespaces or workloads in the inventory".into();
    }
    out
}

/// Whether a workload's pods use the node's network namespace.
fn uses_host_network(w: &crate::checks::workload::Workload) -> bool {
    w.pod.get("hostNetwork").and_then(Doc::as_bool) == Some(true)
}

/// The finding of a workload in the node's network namespace, which network policies do not
/// isolate: the NetworkPolicy page leaves their behaviour for `hostNetwork` pods undefined,
/// and the most common implementations ignore such pods when matching selectors. `None` for
/// any other workload.
fn host_network(
    check: &Check,
    w: &crate::checks::workload::Workload,
    subject: std::sync::Arc<Subject>,
) -> Option<crate::results::Finding> {
    if !uses_host_network(w) {
        return None;
    }
    let path = format!("{}.hostNetwork", w.pod_path);
    let message = format!(
        "{} uses the node's network namespace: network policies do not isolate it (most network plugins ignore hostNetwork pods when matching selectors)",
        subject.display()
    );
    let observation = Observation {
        source: evidence::source(w.object, &path),
        path,
        observed: json!(true),
        expected: "pods isolated by network policies, which needs the pod's own network namespace"
            .into(),
        holds: false,
        note: None,
    };
    Some(evidence::finding(
        check,
        Status::Fail,
        subject,
        vec![observation],
        message,
    ))
}

/// `metadata_unreachable`: one finding per workload. A pod in the host's network namespace is
/// beyond NetworkPolicies and fails; one selected by a Cilium policy is `manual` (its rules
/// are not evaluated here); otherwise the NetworkPolicies of its namespace that select it and
/// govern egress decide: none, or one rule allowing a metadata address, fails.
fn metadata_unreachable(
    check: &Check,
    p: &Params,
    ctx: &Context,
    by_ns: &PoliciesByNamespace,
    cilium_unread: Option<&str>,
    unevaluated: &Unevaluated,
    out: &mut Outcome,
) {
    // The namespace-less policies (see [`unplaced`]).
    let unplaced: Vec<&Object> = by_ns
        .namespaced
        .get(UNSET_NAMESPACE)
        .map(|v| v.iter().map(|(_, p)| *p).collect())
        .unwrap_or_default();
    let named: Vec<&Object> = by_ns
        .namespaced
        .iter()
        .filter(|(ns, _)| **ns != UNSET_NAMESPACE)
        .flat_map(|(_, v)| v.iter().map(|(_, p)| *p))
        .collect();
    let target = p.metadata_words();
    let known = crate::checks::absence_is_known(ctx.inventory);
    // Messages name the first address; the expectation names them all.
    let first = p
        .metadata_addresses
        .first()
        .map(IpAddr::to_string)
        .unwrap_or_default();
    for (w, _) in ctx.workloads() {
        let ns = w.object.namespace.as_deref().unwrap_or("default");
        let subject = evidence::subject(w.object);
        let display = subject.display();
        if p.exempt_namespaces.iter().any(|e| e == ns) {
            out.findings
                .push(evidence::exempt_namespace(check, subject, ns));
            continue;
        }
        // An observation of the field at `path` of `obj`.
        let observation = |obj: &Object, path: String, observed: Value, holds: bool| Observation {
            source: evidence::source(obj, &path),
            path,
            observed,
            expected: format!("no egress allowed to {target}"),
            holds,
            note: None,
        };
        if uses_host_network(w) {
            let path = format!("{}.hostNetwork", w.pod_path);
            out.findings.push(evidence::finding(
                check,
                Status::Fail,
                subject,
                vec![observation(w.object, path, json!(true), false)],
                format!("{display}: uses the node's network, where network policies do not apply, so it reaches the metadata service ({first}) as the node does"),
            ));
            continue;
        }
        let labels = selector::labels_of(w.pod_meta);
        let candidates = by_ns.candidates(ns);
        let no_policy_here = candidates.is_empty();
        let cilium = candidates
            .iter()
            .copied()
            .find(|pol| pol.kind != "NetworkPolicy" && may_select_pod(pol, ns, &labels));
        if let Some(cilium) = cilium {
            out.findings.push(evidence::finding(
                check,
                Status::Manual,
                subject,
                Vec::new(),
                format!(
                    "{display}: {} {}, whose egress rules this check does not evaluate; confirm they do not allow {target}",
                    if selects_pod(cilium, ns, &labels) {
                        "selected by"
                    } else {
                        "may be selected by"
                    },
                    policy_name(cilium)
                ),
            ));
            continue;
        }
        // No Cilium policy selects it (that was `manual` above): its NetworkPolicies decide.
        let governing: Vec<&Object> = candidates
            .into_iter()
            .filter(|pol| selects_pod(pol, ns, &labels) && policy_types(&pol.value).1)
            .collect();
        let names: Vec<String> = governing.iter().map(|pol| policy_name(pol)).collect();
        let allowing = governing.iter().find_map(|pol| {
            rules(&pol.value, "egress")
                .iter()
                .enumerate()
                .find_map(|(i, rule)| {
                    p.metadata_addresses
                        .iter()
                        .find(|ip| egress::rule_allows(rule, **ip, p.metadata_port))
                        .map(|ip| (*pol, i, *ip))
                })
        });
        let labels_path = || format!("{}.labels", w.pod_meta_path);
        // Policies of another engine may allow what the NetworkPolicies deny (an
        // AdminNetworkPolicy `Allow`, a Calico policy of a lower order), or deny it.
        let other_engine = unevaluated.in_namespace(ns);
        // Namespace-less policies that would govern its egress if applied in its namespace:
        // they may limit it (no policy here does), or allow the address (where those here
        // do not). One of them that allows the address changes no failing verdict.
        let unplaced_here: Vec<&Object> = unplaced_selecting(&unplaced, &named, ns, &labels)
            .into_iter()
            .filter(|pol| pol.kind != "NetworkPolicy" || policy_types(&pol.value).1)
            .collect();
        let unplaced_allows = unplaced_here.iter().any(|pol| {
            pol.kind != "NetworkPolicy"
                || rules(&pol.value, "egress").iter().any(|rule| {
                    p.metadata_addresses
                        .iter()
                        .any(|ip| egress::rule_allows(rule, *ip, p.metadata_port))
                })
        });
        let (status, obs, message) = match (allowing, cilium_unread) {
            // An unread Cilium policy may limit the egress, or allow the address.
            (None, Some(why)) => (
                Status::Error,
                observation(w.object, labels_path(), json!({ "egress_policies": names }), false),
                if governing.is_empty() {
                    format!("{display}: no NetworkPolicy limits its egress, and Cilium policies, which may, could not be read: {why}")
                } else {
                    format!("{display}: its NetworkPolicies allow no egress to the metadata service ({first}), but Cilium policies, which may allow it, could not be read: {why}")
                },
            ),
            (None, None) if governing.is_empty() && other_engine.is_some() => (
                Status::Manual,
                observation(w.object, labels_path(), json!({ "egress_policies": names }), false),
                format!(
                    "{display}: no NetworkPolicy limits its egress; {}",
                    other_engine.unwrap_or_default()
                ),
            ),
            (None, None) if governing.is_empty() && !unplaced_here.is_empty() && !unplaced_allows => (
                Status::Manual,
                observation(w.object, labels_path(), json!({ "egress_policies": names }), false),
                format!(
                    "{display}: no NetworkPolicy of namespace {ns} limits its egress; {}",
                    unplaced_words(&unplaced_here, ns)
                ),
            ),
            _ if governing.is_empty() && !known && no_policy_here => (
                Status::NotApplicable,
                observation(w.object, labels_path(), json!({ "egress_policies": names }), false),
                not_in_input(ns),
            ),
            _ if governing.is_empty() => (
                Status::Fail,
                observation(w.object, labels_path(), json!({ "egress_policies": names }), false),
                format!("{display}: no network policy limits its egress, so it can reach the metadata service ({first})"),
            ),
            (Some((pol, i, ip)), _) => (
                Status::Fail,
                observation(pol, format!("spec.egress[{i}]"), json!({ "policy": policy_name(pol) }), false),
                format!(
                    "{display}: egress rule {} of {} allows the metadata service ({ip})",
                    i + 1,
                    policy_name(pol)
                ),
            ),
            (None, None) if other_engine.is_some() => (
                Status::Manual,
                observation(w.object, labels_path(), json!({ "egress_policies": names }), false),
                format!(
                    "{display}: {} {} no egress to {target}, but {}",
                    names.join(", "),
                    if names.len() == 1 { "allows" } else { "allow" },
                    other_engine.unwrap_or_default()
                ),
            ),
            (None, None) if unplaced_allows => (
                Status::Manual,
                observation(w.object, labels_path(), json!({ "egress_policies": names }), false),
                format!(
                    "{display}: {} {} no egress to {target}, but {}, and may allow it",
                    names.join(", "),
                    if names.len() == 1 { "allows" } else { "allow" },
                    unplaced_words(&unplaced_here, ns)
                ),
            ),
            (None, None) if !ctx.pass_evidence() => {
                out.findings.push(evidence::compact_pass(check, subject));
                continue;
            }
            (None, None) => (
                Status::Pass,
                observation(w.object, labels_path(), json!({ "labels": labels, "egress_policies": names }), true),
                format!("{display}: egress limited by {}, none of whose rules allows {target}", names.join(", ")),
            ),
        };
        let finding = evidence::finding(check, status, subject, vec![obs], message);
        out.findings.push(finding.not_assessed_if_not_applicable());
    }
    if out.findings.is_empty() {
        out.empty_reason = "no workloads in the inventory".into();
    }
}

/// CNI plugins that enforce NetworkPolicies, by image name fragment.
const ENFORCING_CNIS: &[(&str, &str)] = &[
    ("calico/node", "Calico"),
    ("calico-node", "Calico"),
    ("cilium/cilium", "Cilium"),
    ("antrea/antrea", "Antrea"),
    ("weaveworks/weave-npc", "Weave Net"),
    ("weave-npc", "Weave Net"),
    ("kube-router", "kube-router"),
    ("azure-npm", "Azure NPM"),
    ("aws-network-policy-agent", "AWS network policy agent"),
];

/// CNI plugins that do not enforce NetworkPolicies on their own.
const NON_ENFORCING_CNIS: &[(&str, &str)] = &[("flannel", "Flannel")];

fn cni(check: &Check, ctx: &Context, out: &mut Outcome) {
    let inv = ctx.inventory;
    if let KindState::Failed(reason) = inv.kind_state("DaemonSet") {
        out.findings.push(evidence::about_kind(
            check,
            Status::Error,
            "DaemonSet",
            format!("could not look for the CNI plugin: {reason}"),
        ));
        return;
    }
    let mut enforcing = Vec::new();
    let mut other = Vec::new();
    for (w, containers) in ctx.workloads() {
        let obj = w.object;
        for c in containers {
            let image = c.value.get("image").and_then(Doc::as_str).unwrap_or("");
            let path = || format!("{}.image", c.path);
            if let Some((_, name)) = ENFORCING_CNIS.iter().find(|(f, _)| image.contains(f)) {
                enforcing.push((obj, path(), image.to_string(), *name));
            } else if let Some((_, name)) =
                NON_ENFORCING_CNIS.iter().find(|(f, _)| image.contains(f))
            {
                other.push((obj, path(), image.to_string(), *name));
            }
        }
    }
    let obs: Vec<Observation> = enforcing
        .iter()
        .map(|x| (x, true))
        .chain(other.iter().map(|x| (x, false)))
        .map(|((obj, path, image, name), holds)| Observation {
            source: evidence::source(obj, path),
            path: format!("{} {}", evidence::subject(obj).display(), path),
            observed: json!(image),
            expected: "a CNI plugin that enforces NetworkPolicies".into(),
            holds,
            note: Some((*name).to_string()),
        })
        .collect();
    let subject = Subject {
        kind: "Cluster".into(),
        name: inv.target.name.as_str().into(),
        ..Subject::default()
    };
    let (status, message) = if let Some((_, _, _, name)) = enforcing.first() {
        (Status::Pass, format!("{name} enforces NetworkPolicies"))
    } else if let Some((_, _, _, name)) = other.first() {
        (
            Status::Fail,
            format!("{name} is the CNI plugin and does not enforce NetworkPolicies: policies are accepted but have no effect"),
        )
    } else {
        (
            Status::Manual,
            "no known CNI plugin was found among the workloads (managed or host-installed CNI?): confirm by hand that NetworkPolicies are enforced".into(),
        )
    };
    out.findings
        .push(evidence::finding(check, status, subject, obs, message));
}

fn no_allow_all(
    check: &Check,
    policies: &[&Object],
    mistyped: &[(&Object, UnknownKey)],
    p: &Params,
    out: &mut Outcome,
) {
    let exempt = |pol: &Object| {
        pol.namespace
            .as_ref()
            .is_some_and(|ns| p.exempt_namespaces.contains(ns))
    };
    // A policy with a key it does not have: refused, it allows nothing; applied without
    // validation, a peer's selector may allow more than written.
    for (pol, m) in mistyped {
        if exempt(pol) {
            continue;
        }
        let subject = evidence::subject(pol);
        let obs = vec![Observation {
            source: evidence::source(pol, &m.path),
            path: m.path.clone(),
            observed: pol
                .value
                .at(&format!(
                    "/{}",
                    m.holder.replace(['.', '['], "/").replace(']', "")
                ))
                .map(Doc::to_value)
                .unwrap_or(Value::Null),
            expected: format!("only the keys {}", m.known.join(", ")),
            holds: false,
            note: None,
        }];
        out.findings.push(evidence::finding(
            check,
            Status::Manual,
            subject.clone(),
            obs,
            format!(
                "{}: not evaluated: {}; confirm by hand what it allows",
                subject.display(),
                m.words()
            ),
        ));
    }
    for pol in policies {
        if exempt(pol) {
            continue;
        }
        let subject = evidence::subject(pol);
        let bad = allow_all_rules(pol);
        let (status, message, obs) = if bad.is_empty() {
            (
                Status::Pass,
                format!(
                    "{}: no rule allows every source or destination on every port",
                    subject.display()
                ),
                Vec::new(),
            )
        } else {
            let obs: Vec<Observation> = bad
                .iter()
                .map(|(path, why)| Observation {
                    source: evidence::source(pol, path),
                    path: path.clone(),
                    observed: pol
                        .value
                        .at(&format!(
                            "/{}",
                            path.replace(['.', '['], "/").replace(']', "")
                        ))
                        .map(Doc::to_value)
                        .unwrap_or(Value::Null),
                    expected: "rules naming peers and ports".into(),
                    holds: false,
                    note: Some(why.clone()),
                })
                .collect();
            (
                Status::Fail,
                format!("{}: {}", subject.display(), bad[0].1),
                obs,
            )
        };
        out.findings
            .push(evidence::finding(check, status, subject, obs, message));
    }
    if policies.is_empty() && mistyped.is_empty() {
        out.empty_reason = "no network policies in the inventory".into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Origin;
    use std::collections::BTreeMap;

    fn pol(spec: Value) -> Object {
        Object::from_value(
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": "p", "namespace": "ns"}, "spec": spec}),
            Origin::Snapshot { path: "t".into() },
            BTreeMap::new(),
        )
        .expect("object")
    }

    /// A selector's labels written without `matchLabels` (the API server drops the key when
    /// validation is off, leaving `{}`: every pod) are found with their path; `matchLabels`,
    /// `matchExpressions` and `null` are selectors as written.
    #[test]
    fn unknown_keys_are_found_with_their_path() {
        let found = |spec: Value| unknown_key(&pol(spec).value);
        let m = found(json!({"podSelector": {"app": "web"}})).expect("found");
        assert_eq!(m.holder, "spec.podSelector");
        assert_eq!(m.path, "spec.podSelector.app");
        assert!(
            m.words().contains("did you mean matchLabels?"),
            "{}",
            m.words()
        );
        let m = found(json!({"podSelector": {}, "egress": [{"to": [
            {"podSelector": {"matchLabels": {"a": "b"}}},
            {"namespaceSelector": {"matchExpression": [{"key": "team", "operator": "Exists"}]}}]}]}))
        .expect("found");
        assert_eq!(
            m.path,
            "spec.egress[0].to[1].namespaceSelector.matchExpression"
        );
        assert!(m.words().contains("did you mean matchExpressions?"));
        assert!(m.words().contains("every namespace"));
        let m =
            found(json!({"podSelector": {"matchLabels": {}, "k8s.io/app": "x"}})).expect("found");
        assert_eq!(m.path, "spec.podSelector[\"k8s.io/app\"]");
        // A misspelt field anywhere in the policy is found too, with the key meant.
        for (spec, path, meant) in [
            (
                json!({"podselector": {"matchLabels": {"app": "x"}}}),
                "spec.podselector",
                "podSelector",
            ),
            (
                json!({"podSelector": {}, "egres": []}),
                "spec.egres",
                "egress",
            ),
            (
                json!({"podSelector": {}, "ingress": [{"form": []}]}),
                "spec.ingress[0].form",
                "from",
            ),
            (
                json!({"podSelector": {}, "egress": [{"to": [{"ipblock": {"cidr": "10.0.0.0/8"}}]}]}),
                "spec.egress[0].to[0].ipblock",
                "ipBlock",
            ),
            (
                json!({"podSelector": {}, "egress": [{"ports": [{"port": 1, "endport": 9}]}]}),
                "spec.egress[0].ports[0].endport",
                "endPort",
            ),
        ] {
            let m = found(spec.clone()).expect("found");
            assert_eq!(m.path, path, "{spec}");
            assert!(
                m.words().contains(&format!("did you mean {meant}?")),
                "{}",
                m.words()
            );
        }
        for fine in [
            json!({"podSelector": {}}),
            json!({"podSelector": null}),
            json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}], "ports": [{"protocol": "TCP", "port": 80, "endPort": 90}]}]}),
            json!({"podSelector": {"matchLabels": {"app": "web"}, "matchExpressions": []},
                   "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"a": "b"}}}]}, {}]}),
        ] {
            assert_eq!(found(fine.clone()), None, "{fine}");
        }
    }

    #[test]
    fn default_deny_needs_all_pods_the_type_and_no_rules() {
        let p = pol(json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}));
        assert!(is_default_deny(&p, "ingress") && is_default_deny(&p, "egress"));
        let p = pol(json!({"podSelector": {}}));
        assert!(is_default_deny(&p, "ingress") && !is_default_deny(&p, "egress"));
        let p = pol(json!({"podSelector": {}, "ingress": [{}]}));
        assert!(!is_default_deny(&p, "ingress"));
        let p =
            pol(json!({"podSelector": {"matchLabels": {"a": "b"}}, "policyTypes": ["Ingress"]}));
        assert!(!is_default_deny(&p, "ingress"));
    }

    #[test]
    fn cilium_specs_lists_and_deny_rules_count() {
        let cilium = |v: Value| {
            Object::from_value(
                v,
                crate::inventory::Origin::Snapshot { path: "t".into() },
                BTreeMap::new(),
            )
            .expect("object")
        };
        let meta = json!({"name": "p", "namespace": "ns"});
        let p = cilium(
            json!({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": meta,
            "specs": [{"endpointSelector": {"matchLabels": {"a": "b"}}}, {"endpointSelector": {}, "egress": [{}]}]}),
        );
        assert!(is_default_deny(&p, "egress") && !is_default_deny(&p, "ingress"));
        let p = cilium(
            json!({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": meta,
            "spec": {"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["all"]}]}}),
        );
        assert!(is_default_deny(&p, "ingress"));
        let p = cilium(
            json!({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": meta,
            "spec": {"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["all"], "toPorts": [{"ports": [{"port": "22"}]}]}]}}),
        );
        assert!(!is_default_deny(&p, "ingress"));
        let p = cilium(
            json!({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": meta,
            "spec": {"endpointSelector": {}, "egressDeny": [{"toCIDR": ["0.0.0.0/0", "::/0"]}]}}),
        );
        assert!(is_default_deny(&p, "egress"));
    }

    #[test]
    fn allow_all_rules_are_found() {
        let p = pol(json!({"podSelector": {}, "ingress": [{}]}));
        assert_eq!(allow_all_rules(&p).len(), 1);
        let p = pol(
            json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}),
        );
        assert_eq!(allow_all_rules(&p).len(), 1);
        let p = pol(json!({"podSelector": {}, "ingress": [{"ports": [{"port": 443}]}]}));
        assert!(allow_all_rules(&p).is_empty());
        // The whole address space on one port is that port, as with no `from`.
        let p = pol(
            json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]}]}),
        );
        assert!(allow_all_rules(&p).is_empty());
        // Ranges covering every TCP port are every port.
        let p = pol(json!({"podSelector": {}, "ingress": [{"ports": [
            {"port": 1, "endPort": 30000, "protocol": "TCP"}, {"port": 30001, "endPort": 65535},
            {"port": 1, "endPort": 65535, "protocol": "UDP"}]}]}));
        assert_eq!(allow_all_rules(&p).len(), 1);
        let p = pol(
            json!({"podSelector": {}, "ingress": [{"ports": [{"port": 2, "endPort": 65535}]}]}),
        );
        assert!(allow_all_rules(&p).is_empty());
        let p = pol(json!({"podSelector": {}, "ingress": [{"ports": [{"protocol": "TCP"}]}]}));
        assert_eq!(allow_all_rules(&p).len(), 1);
        // Rules add up: two rules each opening half the ports to everyone open them all.
        let p = pol(json!({"podSelector": {}, "ingress": [
            {"ports": [{"port": 1, "endPort": 30000}]},
            {"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 30001, "endPort": 65535}]}]}));
        assert_eq!(allow_all_rules(&p).len(), 1);
        // CIDRs add up too.
        let p = pol(json!({"podSelector": {}, "ingress": [{"from": [
            {"ipBlock": {"cidr": "0.0.0.0/1"}}, {"ipBlock": {"cidr": "128.0.0.0/1"}}]}]}));
        assert_eq!(allow_all_rules(&p).len(), 1);
        let p = pol(json!({"podSelector": {}, "ingress": [{"from": [
            {"ipBlock": {"cidr": "0.0.0.0/1"}}, {"ipBlock": {"cidr": "128.0.0.0/2"}}]}]}));
        assert!(allow_all_rules(&p).is_empty());
        // Egress to the whole address space on every port.
        let p = pol(
            json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}),
        );
        assert_eq!(allow_all_rules(&p).len(), 1);
    }
}
