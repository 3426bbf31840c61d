//! The exposure inventory: every way into the cluster from outside it, per namespace.
//!
//! Built from the inventory alone, whatever the source (cluster, snapshot, manifests, demo):
//! Services of type LoadBalancer and NodePort (and the node ports a LoadBalancer opens on
//! every node, [`node_ports`], which its source ranges do not filter), every Service
//! `externalIPs` address, every
//! Ingress host and Gateway API HTTPRoute hostname, and every workload on the host network
//! or with a `hostPort`. Each entry says whether traffic is encrypted (TLS) and whether a
//! NetworkPolicy restricts ingress to the pods behind it, each as yes / no / unknown with
//! the reason: unknown is never written as yes.
//!
//! - TLS: an Ingress host is covered when a `spec.tls` entry lists it (a `*.example` entry
//!   covers one label), and a rule without `host` (or `host: ""`) when an entry lists no
//!   hosts; an HTTPRoute hostname when every Gateway listener it attaches to is HTTPS (a
//!   listener attaches when the parentRef names it, it takes HTTPRoutes from the route's
//!   namespace, `Same` by default, and its hostname intersects the route's, `*.example.com`
//!   matching any depth below); a Service when its ports declare HTTPS/TLS (`appProtocol`, or
//!   a port name starting with `https`/`tls`) and not when one declares plain HTTP; otherwise
//!   unknown (TLS inside the application is not visible).
//! - NetworkPolicy: the pods behind an entry are the workloads its Service selector (or the
//!   Services an Ingress or HTTPRoute sends to) selects; ingress is restricted when every
//!   one of them is selected by a policy governing ingress (the rules of
//!   [`crate::checks::network`]) and no such policy admits every source (a rule without
//!   `from`, whatever its ports, or an `ipBlock` holding every address). Host-network pods are
//!   never restricted (NetworkPolicies do not apply to them).
//! - Ports: a LoadBalancer's source ranges as Kubernetes reads them ([`source_ranges`]); host
//!   ports of regular containers only (the kubelet maps no other), and for host-network pods
//!   the declared ports of regular and sidecar containers.
//!
//! The data goes into `report.json` (`exposure`); [`view`] bounds it for the HTML and PDF
//! documents, and [`text`] prints it for `kubeattest exposure`.

use crate::checks::path::Lookup;
use crate::cidr;
use std::collections::{BTreeMap, BTreeSet};

use crate::document::Doc;
use serde::{Deserialize, Serialize};

use crate::checks::workload::{workload, WORKLOAD_KINDS};
use crate::checks::{network, selector};
use crate::inventory::{Inventory, KindState, Object};

/// Entries listed in the HTML and PDF documents; the rest are counted (all are in
/// report.json and in `kubeattest exposure`).
pub const ENTRY_LIMIT: usize = 60;
/// Namespaces listed in the per-namespace table of the documents; the rest are counted.
pub const NAMESPACE_LIMIT: usize = 40;

/// Kinds the exposure inventory reads (besides the workload kinds).
pub const KINDS: &[&str] = &[
    "Service",
    "Ingress",
    "Gateway",
    "HTTPRoute",
    "NetworkPolicy",
    "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
];

/// How an entry lets traffic in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Way {
    /// A Service of type LoadBalancer.
    LoadBalancer,
    /// A Service of type NodePort.
    NodePort,
    /// A Service's `externalIPs`.
    ExternalIp,
    /// An Ingress host.
    Ingress,
    /// A Gateway API HTTPRoute hostname.
    HttpRoute,
    /// A workload on the host network.
    HostNetwork,
    /// A container port bound to the node (`hostPort`).
    HostPort,
}

impl Way {
    /// Every way, in report order.
    pub const ALL: [Way; 7] = [
        Way::LoadBalancer,
        Way::NodePort,
        Way::ExternalIp,
        Way::Ingress,
        Way::HttpRoute,
        Way::HostNetwork,
        Way::HostPort,
    ];

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Way::LoadBalancer => "LoadBalancer Service",
            Way::NodePort => "NodePort Service",
            Way::ExternalIp => "Service external IP",
            Way::Ingress => "Ingress host",
            Way::HttpRoute => "HTTPRoute host",
            Way::HostNetwork => "Host network",
            Way::HostPort => "Host port",
        }
    }

    /// `n` of them, in words (`2 Ingress hosts`, `1 host-network workload`).
    pub fn counted(self, n: usize) -> String {
        let one = match self {
            Way::LoadBalancer => "LoadBalancer Service",
            Way::NodePort => "NodePort Service",
            Way::ExternalIp => "Service external IP",
            Way::Ingress => "Ingress host",
            Way::HttpRoute => "HTTPRoute host",
            Way::HostNetwork => "host-network workload",
            Way::HostPort => "host port",
        };
        format!("{n} {one}{}", if n == 1 { "" } else { "s" })
    }
}

/// One way in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// How traffic gets in.
    pub way: Way,
    /// Namespace of the object.
    pub namespace: String,
    /// Object kind (`Service`, `Ingress`, `HTTPRoute`, `Deployment`, …).
    pub kind: String,
    /// Object name.
    pub name: String,
    /// What is reachable: host name, addresses and ports.
    pub address: String,
    /// Whether the traffic is encrypted; `null` when it cannot be told.
    pub tls: Option<bool>,
    /// Why `tls` is what it is.
    pub tls_reason: String,
    /// Whether a NetworkPolicy restricts ingress to every pod behind it; `null` when it
    /// cannot be told.
    pub ingress_restricted: Option<bool>,
    /// Why `ingress_restricted` is what it is.
    pub ingress_reason: String,
    /// The workloads behind it (`Deployment web/storefront`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<String>,
    /// Where the object was read (`file:line`, API path, demo file).
    pub source: String,
}

/// A kind the inventory needed and could not read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotRead {
    /// The kind.
    pub kind: String,
    /// Why.
    pub reason: String,
}

/// The exposure inventory of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    /// Every way in, by namespace, way, object and address.
    pub entries: Vec<Entry>,
    /// Kinds that could not be read: the inventory may miss entries of these kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_read: Vec<NotRead>,
}

/// A workload, as far as exposure cares.
struct Pods<'a> {
    object: &'a Object,
    namespace: String,
    labels: BTreeMap<String, String>,
    host_network: bool,
    pod: &'a Doc,
}

impl Pods<'_> {
    fn display(&self) -> String {
        format!(
            "{} {}/{}",
            self.object.kind, self.namespace, self.object.name
        )
    }
}

/// Policies by namespace, or why they are unknown.
struct Policies<'a> {
    unknown: Option<String>,
    absence_known: bool,
    /// Why Cilium policies, served by the cluster, were not read.
    cilium_unread: Option<String>,
    by_ns: BTreeMap<String, Vec<&'a Object>>,
}

impl Policies<'_> {
    /// Whether ingress to every one of `pods` is restricted, with the reason.
    fn judge(&self, pods: &[&Pods]) -> (Option<bool>, String) {
        if pods.is_empty() {
            return (
                None,
                "no workload in the input backs it, so no policy can be related to it".into(),
            );
        }
        if let Some(h) = pods.iter().find(|p| p.host_network) {
            return (
                Some(false),
                format!(
                    "{} is on the host network: NetworkPolicies do not apply",
                    h.display()
                ),
            );
        }
        if let Some(why) = &self.unknown {
            return (None, format!("NetworkPolicies were not read: {why}"));
        }
        let mut by = BTreeSet::new();
        for p in pods {
            let here = self.by_ns.get(&p.namespace).map_or(&[][..], Vec::as_slice);
            let selecting: Vec<&&Object> = here
                .iter()
                .filter(|pol| network::selects_pod(pol, &p.namespace, &p.labels))
                .filter(|pol| governs_ingress(pol))
                .collect();
            if selecting.is_empty() {
                if let Some(why) = &self.cilium_unread {
                    return (
                        None,
                        format!(
                            "no NetworkPolicy selects {}, and Cilium policies could not be read: {why}",
                            p.display()
                        ),
                    );
                }
                if !self.absence_known {
                    return (
                        None,
                        format!(
                            "no NetworkPolicy in the given files selects {}; policies kept elsewhere are not visible",
                            p.display()
                        ),
                    );
                }
                return (
                    Some(false),
                    format!(
                        "{} is selected by no NetworkPolicy governing ingress",
                        p.display()
                    ),
                );
            }
            for pol in &selecting {
                if let Some((path, why)) = open_ingress_rule(pol) {
                    return (
                        Some(false),
                        format!(
                            "{} {}/{}: {why} ({path})",
                            pol.kind,
                            pol.namespace.as_deref().unwrap_or_default(),
                            pol.name
                        ),
                    );
                }
                by.insert(format!(
                    "{}/{}",
                    pol.namespace.as_deref().unwrap_or_default(),
                    pol.name
                ));
            }
        }
        (
            Some(true),
            format!(
                "restricted by NetworkPolicy {}",
                by.into_iter().collect::<Vec<_>>().join(", ")
            ),
        )
    }
}

/// The first ingress rule of a policy that admits every source, with why: a rule without
/// `from` ("If this field is empty or missing, this rule matches all sources"), on every
/// port or on the ports it lists, or one whose `ipBlock` holds every address (any `/0`,
/// compared as a network) and excepts nothing. Cilium policies: [`network::allow_all_rules`].
fn open_ingress_rule(p: &Object) -> Option<(String, String)> {
    if p.kind != "NetworkPolicy" {
        return network::allow_all_rules(p)
            .into_iter()
            .find(|(path, _)| path.contains("ingress["));
    }
    if !network::policy_types(&p.value).0 {
        return None;
    }
    let rules = p
        .value
        .at("/spec/ingress")
        .and_then(Doc::as_array)
        .unwrap_or(&[]);
    for (i, r) in rules.iter().enumerate() {
        let peers = array(r, "from");
        let ports = array(r, "ports");
        if peers.is_empty() {
            let on = if ports.is_empty() {
                "on every port".to_string()
            } else {
                let listed: Vec<String> = ports
                    .iter()
                    .map(|port| {
                        let proto = port.get("protocol").and_then(Doc::as_str).unwrap_or("TCP");
                        let n = match (port.get("port"), port.get("endPort").and_then(Doc::as_u64))
                        {
                            (Some(p), Some(end)) => format!("{}-{end}", scalar(p)),
                            (Some(p), None) => scalar(p),
                            (None, _) => "every port".into(),
                        };
                        format!("{n}/{proto}")
                    })
                    .collect();
                format!("on {}", listed.join(", "))
            };
            return Some((
                format!("spec.ingress[{i}]"),
                format!("an ingress rule without `from` admits every source {on}"),
            ));
        }
        for (j, peer) in peers.iter().enumerate() {
            let cidr = peer.at("/ipBlock/cidr").and_then(Doc::as_str);
            let excepts = !array(peer.get("ipBlock").unwrap_or(&Doc::Null), "except").is_empty();
            if let Some(c) = cidr.filter(|c| !excepts && crate::cidr::is_whole(c) == Some(true)) {
                return Some((
                    format!("spec.ingress[{i}].from[{j}]"),
                    format!("admits any address ({c})"),
                ));
            }
        }
    }
    None
}

/// A port number or name as text.
fn scalar(v: &Doc) -> String {
    match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_value().to_string(),
    }
}

fn governs_ingress(p: &Object) -> bool {
    if p.kind == "NetworkPolicy" {
        network::policy_types(&p.value).0
    } else {
        // Cilium: a rule set with ingress or ingressDeny rules.
        p.value
            .get("spec")
            .into_iter()
            .chain(
                p.value
                    .get("specs")
                    .and_then(Doc::as_array)
                    .into_iter()
                    .flatten(),
            )
            .any(|s| s.get("ingress").is_some() || s.get("ingressDeny").is_some())
    }
}

fn str_at<'a>(v: &'a Doc, ptr: &str) -> Option<&'a str> {
    v.at(ptr).and_then(Doc::as_str)
}

fn array<'a>(v: &'a Doc, key: &str) -> &'a [Doc] {
    v.get(key).and_then(Doc::as_array).unwrap_or(&[])
}

fn namespace_of(o: &Object) -> String {
    o.namespace.clone().unwrap_or_else(|| "default".into())
}

/// Builds the exposure inventory.
pub fn inventory(inv: &Inventory) -> Exposure {
    let mut not_read = Vec::new();
    for kind in KINDS.iter().chain(WORKLOAD_KINDS) {
        if let KindState::Failed(reason) | KindState::NotServed(reason) = inv.kind_state(kind) {
            // Gateway API and Cilium kinds are optional: a cluster without the CRDs has none.
            let optional = (matches!(*kind, "Gateway" | "HTTPRoute")
                || network::CILIUM_KINDS.contains(kind))
                && matches!(inv.kind_state(kind), KindState::NotServed(_));
            if !optional {
                not_read.push(NotRead {
                    kind: kind.to_string(),
                    reason,
                });
            }
        }
    }
    let cilium: Vec<&str> = network::CILIUM_KINDS
        .iter()
        .copied()
        .filter(|k| inv.kind_state(k) == KindState::Collected)
        .collect();
    let mut by_ns: BTreeMap<String, Vec<&Object>> = BTreeMap::new();
    for p in inv
        .objects
        .iter()
        .filter(|o| o.kind == "NetworkPolicy" || cilium.contains(&o.kind.as_str()))
        // A NetworkPolicy with a key it does not have restricts nothing known.
        .filter(|o| network::is_evaluated_policy(o))
    {
        by_ns.entry(namespace_of(p)).or_default().push(p);
    }
    let policies = Policies {
        unknown: match inv.kind_state("NetworkPolicy") {
            KindState::Collected => None,
            KindState::Failed(r) | KindState::NotServed(r) => Some(r),
        },
        absence_known: crate::checks::absence_is_known(inv),
        cilium_unread: network::cilium_unread(inv),
        by_ns,
    };
    let mut pods: Vec<Pods> = inv
        .objects
        .iter()
        .filter_map(|o| workload(o, inv))
        .map(|w| Pods {
            object: w.object,
            namespace: namespace_of(w.object),
            labels: selector::labels_of(w.pod_meta),
            host_network: w.pod.get("hostNetwork").and_then(Doc::as_bool) == Some(true),
            pod: w.pod,
        })
        .collect();
    // By namespace (stable: inventory order within one), so a Service finds its pods
    // without scanning every workload.
    pods.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    let mut entries = Vec::new();
    services(inv, &pods, &policies, &mut entries);
    ingresses(inv, &pods, &policies, &mut entries);
    routes(inv, &pods, &policies, &mut entries);
    host_workloads(&pods, &policies, &mut entries);
    entries.sort_by(|a, b| {
        (&a.namespace, a.way, &a.kind, &a.name, &a.address).cmp(&(
            &b.namespace,
            b.way,
            &b.kind,
            &b.name,
            &b.address,
        ))
    });
    Exposure { entries, not_read }
}

/// The workloads a Service's selector selects (none for a Service without a selector);
/// `pods` is sorted by namespace.
fn backing<'a, 'p>(svc: &Object, pods: &'p [Pods<'a>]) -> Vec<&'p Pods<'a>> {
    let Some(sel) = svc
        .value
        .at("/spec/selector")
        .and_then(Doc::as_object)
        .filter(|m| !m.is_empty())
    else {
        return Vec::new();
    };
    let ns = namespace_of(svc);
    let start = pods.partition_point(|p| p.namespace < ns);
    let end = pods.partition_point(|p| p.namespace <= ns);
    pods[start..end]
        .iter()
        .filter(|p| {
            sel.iter()
                .all(|(k, v)| p.labels.get(k).map(String::as_str) == v.as_str())
        })
        .collect()
}

fn backends_of(list: &[&Pods]) -> Vec<String> {
    let set: BTreeSet<String> = list.iter().map(|p| p.display()).collect();
    set.into_iter().collect()
}

fn port_text(p: &Doc, node: bool) -> String {
    let proto = p.get("protocol").and_then(Doc::as_str).unwrap_or("TCP");
    let port = if node {
        p.get("nodePort")
    } else {
        p.get("port")
    };
    match port.and_then(Doc::as_u64) {
        Some(n) => format!("{n}/{proto}"),
        None if node => "node port not yet allocated".into(),
        None => format!("?/{proto}"),
    }
}

/// TLS of a Service, from what its ports declare.
fn service_tls(svc: &Object) -> (Option<bool>, String) {
    let ports = svc.value.at("/spec/ports").and_then(Doc::as_array);
    let ports = ports.unwrap_or(&[]);
    let declared = |p: &Doc| -> Option<bool> {
        let app = p.get("appProtocol").and_then(Doc::as_str).unwrap_or("");
        let name = p.get("name").and_then(Doc::as_str).unwrap_or("");
        let app = app.to_ascii_lowercase();
        if matches!(app.as_str(), "https" | "tls" | "kubernetes.io/wss")
            || name.starts_with("https")
            || name.starts_with("tls")
        {
            Some(true)
        } else if matches!(
            app.as_str(),
            "http" | "kubernetes.io/h2c" | "kubernetes.io/ws"
        ) || name == "http"
            || name.starts_with("http-")
        {
            Some(false)
        } else {
            None
        }
    };
    if let Some(p) = ports.iter().find(|p| declared(p) == Some(false)) {
        return (
            Some(false),
            format!(
                "port {} ({}) is declared plain HTTP",
                p.get("name").and_then(Doc::as_str).unwrap_or("unnamed"),
                port_text(p, false)
            ),
        );
    }
    if !ports.is_empty() && ports.iter().all(|p| declared(p) == Some(true)) {
        return (
            Some(true),
            "every port is declared HTTPS/TLS (appProtocol or port name); the certificate is the application's".into(),
        );
    }
    (
        None,
        "TCP/UDP Service: TLS inside the application is not visible".into(),
    )
}

fn services(inv: &Inventory, pods: &[Pods], policies: &Policies, out: &mut Vec<Entry>) {
    for svc in inv.of_kind("Service") {
        let spec = svc.value.get("spec").unwrap_or(&Doc::Null);
        let ty = spec
            .get("type")
            .and_then(Doc::as_str)
            .unwrap_or("ClusterIP");
        let ports = array(spec, "ports");
        let external: Vec<&str> = array(spec, "externalIPs")
            .iter()
            .filter_map(Doc::as_str)
            .collect();
        if !matches!(ty, "LoadBalancer" | "NodePort") && external.is_empty() {
            continue;
        }
        let behind = backing(svc, pods);
        let (restricted, ingress_reason) = if spec.get("selector").is_none() {
            (
                None,
                "the Service has no selector: its endpoints are managed by hand and not related to workloads".into(),
            )
        } else {
            policies.judge(&behind)
        };
        let (tls, tls_reason) = service_tls(svc);
        let service_ports: Vec<String> = ports.iter().map(|p| port_text(p, false)).collect();
        let entry = |way: Way, address: String| Entry {
            way,
            namespace: namespace_of(svc),
            kind: svc.kind.clone(),
            name: svc.name.clone(),
            address,
            tls,
            tls_reason: tls_reason.clone(),
            ingress_restricted: restricted,
            ingress_reason: ingress_reason.clone(),
            backends: backends_of(&behind),
            source: svc.origin.describe(),
        };
        match ty {
            "LoadBalancer" => {
                let mut addrs: Vec<String> = svc
                    .value
                    .at("/status/loadBalancer/ingress")
                    .and_then(Doc::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|i| {
                        i.get("ip")
                            .or_else(|| i.get("hostname"))
                            .and_then(Doc::as_str)
                            .map(str::to_string)
                    })
                    .collect();
                if addrs.is_empty() {
                    addrs.push("address not yet assigned".into());
                }
                let ranges = source_ranges(svc).words();
                out.push(entry(
                    Way::LoadBalancer,
                    format!(
                        "{} ports {}; sources {ranges}",
                        addrs.join(", "),
                        service_ports.join(", ")
                    ),
                ));
                // The node ports a LoadBalancer opens take any source: its source ranges
                // filter only what comes through the load balancer.
                let node: Vec<String> = node_ports(svc)
                    .into_iter()
                    .map(|(_, p)| node_port_text(p))
                    .collect();
                if !node.is_empty() {
                    out.push(entry(
                        Way::NodePort,
                        format!(
                            "every node, ports {} (node ports of this LoadBalancer Service: its source ranges do not apply to them)",
                            node.join(", ")
                        ),
                    ));
                }
            }
            // The API server refuses a NodePort Service without ports: nothing is opened.
            "NodePort" if !ports.is_empty() => {
                let node_ports: Vec<String> = ports.iter().map(node_port_text).collect();
                out.push(entry(
                    Way::NodePort,
                    format!("every node, ports {}", node_ports.join(", ")),
                ));
            }
            _ => {}
        }
        if !external.is_empty() {
            out.push(entry(
                Way::ExternalIp,
                format!("{} ports {}", external.join(", "), service_ports.join(", ")),
            ));
        }
    }
}

/// The ports of a Service that open a node port on every node, with their index in
/// `spec.ports`: every port of a NodePort Service; every port of a LoadBalancer Service unless
/// `spec.allocateLoadBalancerNodePorts` is `false`, and then those that name a `nodePort`
/// ("if the caller requests specific NodePorts (by specifying a value), those requests will
/// be respected, regardless of this field"); none for other types. A LoadBalancer's
/// `loadBalancerSourceRanges` do not filter traffic sent to its node ports.
pub fn node_ports(svc: &Object) -> Vec<(usize, &Doc)> {
    let spec = svc.value.get("spec").unwrap_or(&Doc::Null);
    let ty = spec
        .get("type")
        .and_then(Doc::as_str)
        .unwrap_or("ClusterIP");
    let all = match ty {
        "NodePort" => true,
        "LoadBalancer" => {
            spec.get("allocateLoadBalancerNodePorts")
                .and_then(Doc::as_bool)
                != Some(false)
        }
        _ => return Vec::new(),
    };
    array(spec, "ports")
        .iter()
        .enumerate()
        .filter(|(_, p)| all || p.get("nodePort").and_then(Doc::as_u64).is_some())
        .collect()
}

/// A node port in words: `30443/TCP (→ 443/TCP)`, `node port for 443/TCP not yet allocated`.
pub fn node_port_text(p: &Doc) -> String {
    let service = port_text(p, false);
    match p.get("nodePort").and_then(Doc::as_u64) {
        Some(_) => format!("{} (→ {service})", port_text(p, true)),
        None => format!("node port for {service} not yet allocated"),
    }
}

/// The annotation older clients use for a LoadBalancer's source ranges.
pub const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

/// Where a LoadBalancer Service's source ranges come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangesFrom {
    /// `spec.loadBalancerSourceRanges` (when it lists any).
    Field,
    /// The `service.beta.kubernetes.io/load-balancer-source-ranges` annotation.
    Annotation,
    /// Neither (or both empty): Kubernetes allows `0.0.0.0/0`.
    Unset,
}

impl RangesFrom {
    /// The path read, for evidence.
    pub fn path(self) -> String {
        match self {
            RangesFrom::Annotation => {
                format!("metadata.annotations[\"{SOURCE_RANGES_ANNOTATION}\"]")
            }
            RangesFrom::Field | RangesFrom::Unset => "spec.loadBalancerSourceRanges".into(),
        }
    }
}

/// One source range as Kubernetes parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRange {
    /// The range as written (trimmed).
    pub text: String,
    /// Whether it holds every address of its family: any `/0`, and an IPv4-mapped `/96`,
    /// which Go's `IPNet.String()` writes `0.0.0.0/0`.
    pub whole: bool,
}

/// A LoadBalancer Service's source ranges, read as Kubernetes reads them
/// (`GetLoadBalancerSourceRanges`: the field when it lists any, else the annotation, a
/// comma-separated list whose empty value means `0.0.0.0/0`; each range parsed as a CIDR by
/// `ParseCIDRSloppy`, IPv4 octets with leading zeros accepted, and judged as the network it
/// names, not as text: `10.0.0.0/0` is every address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRanges {
    /// Where they come from.
    pub from: RangesFrom,
    /// The ranges; one `0.0.0.0/0` when nothing is set.
    pub ranges: Vec<SourceRange>,
    /// Entries that are not CIDR ranges (the API server refuses such a Service).
    pub invalid: Vec<String>,
}

impl SourceRanges {
    /// Whether every address (of a family) may connect: one range holds them all, or the
    /// ranges together do (`0.0.0.0/1` and `128.0.0.0/1`).
    pub fn allows_all(&self) -> bool {
        self.ranges.iter().any(|r| r.whole) || !self.whole_families().is_empty()
    }

    /// The IP families (`IPv4`, `IPv6`) whose every address the ranges hold together.
    pub fn whole_families(&self) -> Vec<&'static str> {
        let mut by_family: BTreeMap<&'static str, Vec<(u128, u128)>> = BTreeMap::new();
        for r in &self.ranges {
            if let Some((family, first, last)) = cidr::interval(&r.text) {
                by_family.entry(family).or_default().push((first, last));
            }
        }
        by_family
            .into_iter()
            .filter(|(family, spans)| {
                let max = if *family == "IPv4" {
                    u128::from(u32::MAX)
                } else {
                    u128::MAX
                };
                let mut spans = spans.clone();
                spans.sort_unstable();
                // Walk up from address 0: `need` is the lowest address not yet held.
                let mut need = 0u128;
                for (first, last) in spans {
                    if first > need {
                        return false;
                    }
                    if last == max {
                        return true;
                    }
                    need = need.max(last + 1);
                }
                false
            })
            .map(|(f, _)| f)
            .collect()
    }

    /// The IP families any range is of.
    pub fn families(&self) -> BTreeSet<&'static str> {
        self.ranges
            .iter()
            .filter_map(|r| cidr::interval(&r.text).map(|(f, ..)| f))
            .collect()
    }

    /// The ranges in words (`any address` when nothing limits them).
    pub fn words(&self) -> String {
        if self.from == RangesFrom::Unset {
            return "any address".into();
        }
        let listed: Vec<&str> = self.ranges.iter().map(|r| r.text.as_str()).collect();
        let mut s = listed.join(", ");
        if self.allows_all() {
            s.push_str(" (any address)");
        }
        if !self.invalid.is_empty() {
            if !s.is_empty() {
                s.push_str("; ");
            }
            s.push_str(&format!(
                "not IP ranges: {} (the API server refuses such a Service)",
                self.invalid
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        s
    }
}

/// Reads the source ranges of a Service (whatever its type).
pub fn source_ranges(svc: &Object) -> SourceRanges {
    let field: Vec<&str> = svc
        .value
        .at("/spec/loadBalancerSourceRanges")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .filter_map(Doc::as_str)
        .collect();
    let annotation = svc
        .value
        .at("/metadata/annotations")
        .and_then(|a| a.get(SOURCE_RANGES_ANNOTATION))
        .and_then(Doc::as_str)
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let (from, specs): (RangesFrom, Vec<&str>) = if !field.is_empty() {
        (RangesFrom::Field, field)
    } else if let Some(a) = annotation {
        (RangesFrom::Annotation, a.split(',').collect())
    } else {
        (RangesFrom::Unset, vec!["0.0.0.0/0"])
    };
    let mut ranges = Vec::new();
    let mut invalid = Vec::new();
    for spec in specs {
        let text = spec.trim();
        match cidr::is_whole(text) {
            Some(whole) => ranges.push(SourceRange {
                text: text.to_string(),
                whole,
            }),
            None => invalid.push(text.to_string()),
        }
    }
    SourceRanges {
        from,
        ranges,
        invalid,
    }
}

/// Whether a TLS host entry (`*.example.com` or exact) covers a host.
fn host_covered(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
        None => pattern == host,
    }
}

/// The workloads behind named Services of a namespace.
fn behind_services<'a, 'p>(
    inv: &Inventory,
    ns: &str,
    names: &BTreeSet<(String, String)>,
    pods: &'p [Pods<'a>],
) -> (Vec<&'p Pods<'a>>, Vec<String>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (svc_ns, name) in names {
        let svc_ns = if svc_ns.is_empty() { ns } else { svc_ns };
        match inv.find("Service", Some(svc_ns), name) {
            Some(svc) => out.extend(backing(svc, pods)),
            None => missing.push(format!("Service {svc_ns}/{name}")),
        }
    }
    (out, missing)
}

fn judge_routes(
    policies: &Policies,
    behind: &[&Pods],
    missing: &[String],
) -> (Option<bool>, String) {
    let (r, why) = policies.judge(behind);
    if r == Some(true) && !missing.is_empty() {
        return (
            None,
            format!("{why}, but {} is not in the input", missing.join(", ")),
        );
    }
    if behind.is_empty() && !missing.is_empty() {
        return (None, format!("{} is not in the input", missing.join(", ")));
    }
    (r, why)
}

/// The Service an Ingress backend sends to: `service.name`, or `serviceName` in the
/// `v1beta1` versions.
fn backend_service(backend: &Doc) -> Option<&str> {
    str_at(backend, "/service/name").or_else(|| str_at(backend, "/serviceName"))
}

fn ingresses(inv: &Inventory, pods: &[Pods], policies: &Policies, out: &mut Vec<Entry>) {
    for ing in inv.of_kind("Ingress") {
        let ns = namespace_of(ing);
        let spec = ing.value.get("spec").unwrap_or(&Doc::Null);
        let tls_entries = array(spec, "tls");
        let tls_hosts: Vec<&str> = tls_entries
            .iter()
            .flat_map(|t| array(t, "hosts"))
            .filter_map(Doc::as_str)
            .collect();
        // Host → the Services its paths send to.
        let mut hosts: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
        // A TLS entry without hosts covers the catch-all: `hosts` "defaults to the wildcard
        // host setting for the loadbalancer controller fulfilling this Ingress".
        let hostless_tls = tls_entries.iter().any(|t| array(t, "hosts").is_empty());
        for rule in array(spec, "rules") {
            // `host: ""` is no host (omitempty): a catch-all.
            let host = crate::checks::ingress::rule_host(rule).unwrap_or_else(|| "*".into());
            let e = hosts.entry(host).or_default();
            for path in rule
                .at("/http/paths")
                .and_then(Doc::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = path.get("backend").and_then(backend_service) {
                    e.insert((String::new(), name.to_string()));
                }
            }
        }
        // A default backend (a Service or another resource) answers every name.
        if let Some((backend, _)) = crate::checks::ingress::default_backend(ing) {
            let e = hosts.entry("*".into()).or_default();
            if let Some(name) = backend_service(backend) {
                e.insert((String::new(), name.to_string()));
            }
        }
        for (host, svcs) in hosts {
            let (tls, tls_reason) = if host == "*" && hostless_tls {
                (
                    Some(true),
                    "a spec.tls entry without hosts covers the rule without `host` (the controller's wildcard host)"
                        .to_string(),
                )
            } else if host == "*" {
                (
                    Some(false),
                    "a rule without `host` answers any host name, and no spec.tls entry without hosts covers it"
                        .to_string(),
                )
            } else if let Some(t) = tls_hosts.iter().find(|t| host_covered(t, &host)) {
                (Some(true), format!("spec.tls lists {t}"))
            } else {
                (
                    Some(false),
                    format!("no spec.tls entry lists {host}: served over plain HTTP"),
                )
            };
            let (behind, missing) = behind_services(inv, &ns, &svcs, pods);
            let (restricted, ingress_reason) = judge_routes(policies, &behind, &missing);
            out.push(Entry {
                way: Way::Ingress,
                namespace: ns.clone(),
                kind: ing.kind.clone(),
                name: ing.name.clone(),
                address: host,
                tls,
                tls_reason,
                ingress_restricted: restricted,
                ingress_reason,
                backends: backends_of(&behind),
                source: ing.origin.describe(),
            });
        }
    }
}

/// Whether a Gateway listener's hostname and an HTTPRoute hostname intersect (Gateway API:
/// a hostname starting with `*.` is a suffix match, so `*.example.com` matches
/// `test.example.com` and `foo.test.example.com`, not `example.com`; a listener without a
/// hostname, or a route without hostnames (`*` here), matches every name).
fn hostnames_intersect(listener: Option<&str>, route: &str) -> bool {
    let Some(l) = listener else {
        return true;
    };
    if route == "*" {
        return true;
    }
    let (l, r) = (l.to_ascii_lowercase(), route.to_ascii_lowercase());
    let under = |host: &str, suffix: &str| {
        host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}"))
    };
    match (l.strip_prefix("*."), r.strip_prefix("*.")) {
        (None, None) => l == r,
        (Some(s), None) => under(&r, s),
        (None, Some(t)) => under(&l, t),
        (Some(s), Some(t)) => s == t || under(t, s) || under(s, t),
    }
}

/// Whether a listener takes routes from the route's namespace: `allowedRoutes.namespaces.from`
/// defaults to `Same`; `Selector` needs the route's Namespace labels.
fn listener_admits_namespace(
    inv: &Inventory,
    gw: &Object,
    listener: &Doc,
    route_ns: &str,
) -> Result<bool, String> {
    let gw_ns = namespace_of(gw);
    let from = listener
        .at("/allowedRoutes/namespaces/from")
        .and_then(Doc::as_str)
        .unwrap_or("Same");
    match from {
        "Same" => Ok(gw_ns == route_ns),
        "All" => Ok(true),
        "Selector" => {
            let Some(sel) = listener.at("/allowedRoutes/namespaces/selector") else {
                return Ok(false);
            };
            let Some(ns) = inv.find("Namespace", None, route_ns) else {
                return Err(format!(
                    "Gateway {gw_ns}/{} selects route namespaces by label, and Namespace {route_ns} is not in the input",
                    gw.name
                ));
            };
            let labels = selector::namespace_labels(ns.value.get("metadata"), route_ns);
            Ok(selector::selects(sel, &labels))
        }
        "None" => Ok(false),
        other => Err(format!(
            "Gateway {gw_ns}/{} has allowedRoutes.namespaces.from {other}, which is not known",
            gw.name
        )),
    }
}

/// Whether a listener takes HTTPRoutes: `allowedRoutes.kinds` when it lists any, else its
/// protocol (HTTP and HTTPS take HTTPRoutes; TLS, TCP and UDP take their own route kinds);
/// `Err` for a protocol of an implementation.
fn listener_takes_http_routes(listener: &Doc) -> Result<bool, String> {
    let kinds = array(listener.get("allowedRoutes").unwrap_or(&Doc::Null), "kinds");
    let proto = listener
        .get("protocol")
        .and_then(Doc::as_str)
        .unwrap_or_default();
    let by_protocol = match proto {
        "HTTP" | "HTTPS" => Ok(true),
        "TLS" | "TCP" | "UDP" => Ok(false),
        other => Err(format!(
            "listener protocol {other} is an implementation's own"
        )),
    };
    if kinds.is_empty() {
        return by_protocol;
    }
    let listed = kinds.iter().any(|k| {
        k.get("kind").and_then(Doc::as_str) == Some("HTTPRoute")
            && k.get("group")
                .and_then(Doc::as_str)
                .is_none_or(|g| g == "gateway.networking.k8s.io")
    });
    Ok(listed && by_protocol.unwrap_or(true))
}

/// TLS of an HTTPRoute hostname, from the Gateway listeners it attaches to: those its
/// `parentRefs` name (`sectionName`, `port`) that take HTTPRoutes from its namespace and
/// whose hostname intersects this one.
fn route_tls(inv: &Inventory, route: &Object, host: &str) -> (Option<bool>, String) {
    if let KindState::Failed(r) | KindState::NotServed(r) = inv.kind_state("Gateway") {
        return (None, format!("Gateways were not read: {r}"));
    }
    let ns = namespace_of(route);
    let parents = route.value.at("/spec/parentRefs").and_then(Doc::as_array);
    let mut secure = Vec::new();
    let mut plain = Vec::new();
    let mut unknown = Vec::new();
    let mut refused = Vec::new();
    for parent in parents.into_iter().flatten() {
        if parent
            .get("kind")
            .and_then(Doc::as_str)
            .unwrap_or("Gateway")
            != "Gateway"
        {
            continue;
        }
        let name = parent.get("name").and_then(Doc::as_str).unwrap_or_default();
        let gw_ns = parent.get("namespace").and_then(Doc::as_str).unwrap_or(&ns);
        let Some(gw) = inv.find("Gateway", Some(gw_ns), name) else {
            return (
                None,
                format!("Gateway {gw_ns}/{name} is not in the input, so its listeners are unknown"),
            );
        };
        let section = parent.get("sectionName").and_then(Doc::as_str);
        let port = parent.get("port").and_then(Doc::as_u64);
        for l in gw
            .value
            .at("/spec/listeners")
            .and_then(Doc::as_array)
            .into_iter()
            .flatten()
        {
            let lname = l.get("name").and_then(Doc::as_str).unwrap_or_default();
            if section.is_some_and(|s| s != lname)
                || port.is_some_and(|p| l.get("port").and_then(Doc::as_u64) != Some(p))
                || !hostnames_intersect(l.get("hostname").and_then(Doc::as_str), host)
            {
                continue;
            }
            let what = format!("Gateway {gw_ns}/{name} listener {lname}");
            match (
                listener_admits_namespace(inv, gw, l, &ns),
                listener_takes_http_routes(l),
            ) {
                (Ok(false), _) => {
                    refused.push(format!(
                        "{what} takes no routes from namespace {ns} (allowedRoutes.namespaces.from: {})",
                        l.at("/allowedRoutes/namespaces/from")
                            .and_then(Doc::as_str)
                            .unwrap_or("Same, the default")
                    ));
                    continue;
                }
                (_, Ok(false)) => {
                    refused.push(format!("{what} takes no HTTPRoutes"));
                    continue;
                }
                (Err(why), _) | (_, Err(why)) => {
                    unknown.push(format!("{what}: {why}"));
                    continue;
                }
                (Ok(true), Ok(true)) => {}
            }
            match l.get("protocol").and_then(Doc::as_str) {
                Some("HTTPS") => secure.push(what),
                _ => plain.push(what),
            }
        }
    }
    if !plain.is_empty() {
        (
            Some(false),
            format!("served over plain HTTP by {}", plain.join(", ")),
        )
    } else if !unknown.is_empty() {
        (
            None,
            format!("whether it attaches cannot be told: {}", unknown.join("; ")),
        )
    } else if !secure.is_empty() {
        (Some(true), format!("terminated by {}", secure.join(", ")))
    } else if !refused.is_empty() {
        (
            None,
            format!(
                "it attaches to no listener, so no Gateway serves it: {}",
                refused.join("; ")
            ),
        )
    } else {
        (
            None,
            "no Gateway listener in the input accepts its hostname".into(),
        )
    }
}

fn routes(inv: &Inventory, pods: &[Pods], policies: &Policies, out: &mut Vec<Entry>) {
    for route in inv.of_kind("HTTPRoute") {
        let ns = namespace_of(route);
        let spec = route.value.get("spec").unwrap_or(&Doc::Null);
        let mut hosts: Vec<String> = array(spec, "hostnames")
            .iter()
            .filter_map(Doc::as_str)
            .map(str::to_string)
            .collect();
        if hosts.is_empty() {
            hosts.push("*".into());
        }
        let mut svcs = BTreeSet::new();
        for rule in array(spec, "rules") {
            for b in array(rule, "backendRefs") {
                let kind = b.get("kind").and_then(Doc::as_str).unwrap_or("Service");
                if kind != "Service" {
                    continue;
                }
                if let Some(name) = b.get("name").and_then(Doc::as_str) {
                    let bns = b.get("namespace").and_then(Doc::as_str).unwrap_or("");
                    svcs.insert((bns.to_string(), name.to_string()));
                }
            }
        }
        let (behind, missing) = behind_services(inv, &ns, &svcs, pods);
        let (restricted, ingress_reason) = judge_routes(policies, &behind, &missing);
        for host in hosts {
            let (tls, tls_reason) = route_tls(inv, route, &host);
            out.push(Entry {
                way: Way::HttpRoute,
                namespace: ns.clone(),
                kind: route.kind.clone(),
                name: route.name.clone(),
                address: host,
                tls,
                tls_reason,
                ingress_restricted: restricted,
                ingress_reason: ingress_reason.clone(),
                backends: backends_of(&behind),
                source: route.origin.describe(),
            });
        }
    }
}

/// The ports of the containers that run beside the app: regular containers, and init
/// containers with `restartPolicy: Always` (sidecars, which run as long as the pod); a plain
/// init container runs to completion before them.
fn container_ports(pod: &Doc) -> Vec<&Doc> {
    array(pod, "containers")
        .iter()
        .chain(
            array(pod, "initContainers")
                .iter()
                .filter(|c| c.get("restartPolicy").and_then(Doc::as_str) == Some("Always")),
        )
        .flat_map(|c| array(c, "ports"))
        .collect()
}

/// The ports bound on the node by `hostPort`: the kubelet maps those of `spec.containers`
/// only (`generatePodSandboxConfig` builds the sandbox's port mappings from them; init
/// containers, sidecars included, get none).
fn host_mapped_ports(pod: &Doc) -> Vec<&Doc> {
    array(pod, "containers")
        .iter()
        .flat_map(|c| array(c, "ports"))
        .collect()
}

fn host_workloads(pods: &[Pods], policies: &Policies, out: &mut Vec<Entry>) {
    for p in pods {
        let ports = container_ports(p.pod);
        let entry = |way: Way, address: String, restricted: (Option<bool>, String)| Entry {
            way,
            namespace: p.namespace.clone(),
            kind: p.object.kind.clone(),
            name: p.object.name.clone(),
            address,
            tls: None,
            tls_reason: "the process decides: TLS is not visible".into(),
            ingress_restricted: restricted.0,
            ingress_reason: restricted.1,
            backends: Vec::new(),
            source: p.object.origin.describe(),
        };
        if p.host_network {
            let listed: Vec<String> = ports
                .iter()
                .filter_map(|port| {
                    let n = port.get("containerPort").and_then(Doc::as_u64)?;
                    let proto = port.get("protocol").and_then(Doc::as_str).unwrap_or("TCP");
                    Some(format!("{n}/{proto}"))
                })
                .collect();
            let address = if listed.is_empty() {
                "node addresses: any port the pod opens (none declared)".to_string()
            } else {
                format!(
                    "node addresses: {} and any port the pod opens",
                    listed.join(", ")
                )
            };
            out.push(entry(Way::HostNetwork, address, policies.judge(&[p])));
            continue;
        }
        let host_ports: Vec<String> = host_mapped_ports(p.pod)
            .iter()
            .filter_map(|port| {
                let h = port.get("hostPort").and_then(Doc::as_u64)?;
                let proto = port.get("protocol").and_then(Doc::as_str).unwrap_or("TCP");
                let c = port.get("containerPort").and_then(Doc::as_u64).unwrap_or(h);
                Some(format!("{h}/{proto} → container port {c}"))
            })
            .collect();
        if !host_ports.is_empty() {
            out.push(entry(
                Way::HostPort,
                format!("node addresses: {}", host_ports.join(", ")),
                policies.judge(&[p]),
            ));
        }
    }
}

/// Words for a yes / no / unknown.
pub fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// One namespace of the summary table.
#[derive(Debug, Clone, Serialize)]
pub struct NamespaceRow {
    /// Namespace.
    pub namespace: String,
    /// Ways in, per way label, in words (`2 Ingress hosts, 1 NodePort Service`).
    pub ways: String,
    /// Entries.
    pub total: usize,
    /// Entries without TLS (`tls: false`).
    pub without_tls: usize,
    /// Entries whose pods no NetworkPolicy restricts (`ingress_restricted: false`).
    pub unrestricted: usize,
    /// Entries where either is unknown.
    pub unknown: usize,
}

/// One entry, in words.
#[derive(Debug, Clone, Serialize)]
pub struct EntryRow {
    /// Namespace.
    pub namespace: String,
    /// Way, in words.
    pub way: String,
    /// `Service storefront`.
    pub object: String,
    /// What is reachable.
    pub address: String,
    /// `yes`, `no`, `unknown`.
    pub tls: String,
    /// Why.
    pub tls_reason: String,
    /// `yes`, `no`, `unknown`.
    pub restricted: String,
    /// Why.
    pub restricted_reason: String,
    /// Workloads behind it.
    pub backends: String,
    /// Where it was read.
    pub source: String,
}

/// The exposure section as people read it, bounded.
#[derive(Debug, Clone, Serialize)]
pub struct ExposureView {
    /// Every entry.
    pub total: usize,
    /// Per namespace, in name order: at most [`NAMESPACE_LIMIT`], those with the most
    /// entries without TLS or a restricting policy chosen first.
    pub namespaces: Vec<NamespaceRow>,
    /// Namespaces not listed.
    pub more_namespaces: usize,
    /// Entries listed, in namespace order: at most [`ENTRY_LIMIT`], chosen among those
    /// without TLS or without a restricting policy first.
    pub entries: Vec<EntryRow>,
    /// Entries not listed (all are in report.json).
    pub more: usize,
    /// Kinds not read, in words.
    pub not_read: Vec<String>,
}

/// The bounded view of a report's exposure inventory (`None` when the report has none).
pub fn view(exposure: Option<&Exposure>) -> Option<ExposureView> {
    let e = exposure?;
    let mut per: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for x in &e.entries {
        per.entry(&x.namespace).or_default().push(x);
    }
    let mut namespaces: Vec<NamespaceRow> = per
        .iter()
        .map(|(ns, xs)| {
            let ways: Vec<String> = Way::ALL
                .iter()
                .filter_map(|w| {
                    let n = xs.iter().filter(|x| x.way == *w).count();
                    (n > 0).then(|| w.counted(n))
                })
                .collect();
            NamespaceRow {
                namespace: ns.to_string(),
                ways: ways.join(", "),
                total: xs.len(),
                without_tls: xs.iter().filter(|x| x.tls == Some(false)).count(),
                unrestricted: xs
                    .iter()
                    .filter(|x| x.ingress_restricted == Some(false))
                    .count(),
                unknown: xs
                    .iter()
                    .filter(|x| x.tls.is_none() || x.ingress_restricted.is_none())
                    .count(),
            }
        })
        .collect();
    let more_namespaces = namespaces.len().saturating_sub(NAMESPACE_LIMIT);
    if more_namespaces > 0 {
        namespaces.sort_by_key(|n| std::cmp::Reverse(n.without_tls + n.unrestricted));
        namespaces.truncate(NAMESPACE_LIMIT);
        namespaces.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    }
    // Which entries are listed: those without TLS or a restricting policy first; listed in
    // namespace order.
    let risky = |x: &Entry| x.tls == Some(false) || x.ingress_restricted == Some(false);
    let mut shown: Vec<usize> = (0..e.entries.len())
        .filter(|i| risky(&e.entries[*i]))
        .chain((0..e.entries.len()).filter(|i| !risky(&e.entries[*i])))
        .take(ENTRY_LIMIT)
        .collect();
    shown.sort_unstable();
    let entries = shown
        .into_iter()
        .map(|i| &e.entries[i])
        .map(|x| EntryRow {
            namespace: x.namespace.clone(),
            way: x.way.label().into(),
            object: format!("{} {}", x.kind, x.name),
            address: x.address.clone(),
            tls: yes_no(x.tls).into(),
            tls_reason: x.tls_reason.clone(),
            restricted: yes_no(x.ingress_restricted).into(),
            restricted_reason: x.ingress_reason.clone(),
            backends: x.backends.join(", "),
            source: x.source.clone(),
        })
        .collect();
    Some(ExposureView {
        total: e.entries.len(),
        namespaces,
        more_namespaces,
        entries,
        more: e.entries.len().saturating_sub(ENTRY_LIMIT),
        not_read: e
            .not_read
            .iter()
            .map(|n| format!("{}: {}", n.kind, n.reason))
            .collect(),
    })
}

/// The inventory as text for a terminal (`kubeattest exposure`): every entry, per namespace.
pub fn text(e: &Exposure, target: &str) -> String {
    // Names and reasons come from the input: no terminal sequences.
    use crate::quote::escape_controls as esc;
    let mut s = String::new();
    let namespaces: BTreeSet<&str> = e.entries.iter().map(|x| x.namespace.as_str()).collect();
    s.push_str(&format!(
        "Exposure of {}: {} way(s) in, in {} namespace(s)\n",
        esc(target),
        e.entries.len(),
        namespaces.len()
    ));
    for n in &e.not_read {
        s.push_str(&format!(
            "  not read: {} ({}); entries of this kind may be missing\n",
            esc(&n.kind),
            esc(&n.reason)
        ));
    }
    let mut current = None;
    for x in &e.entries {
        if current != Some(x.namespace.as_str()) {
            current = Some(x.namespace.as_str());
            s.push_str(&format!("\nnamespace {}\n", esc(&x.namespace)));
        }
        s.push_str(&format!(
            "  {:<21} {} {}: {}\n",
            x.way.label(),
            esc(&x.kind),
            esc(&x.name),
            crate::quote::bounded(&x.address, 300)
        ));
        s.push_str(&format!(
            "      TLS: {} ({})\n      NetworkPolicy restricts ingress: {} ({})\n",
            yes_no(x.tls),
            esc(&x.tls_reason),
            yes_no(x.ingress_restricted),
            esc(&x.ingress_reason)
        ));
        if !x.backends.is_empty() {
            s.push_str(&format!(
                "      backed by {}\n",
                esc(&x.backends.join(", "))
            ));
        }
    }
    if e.entries.is_empty() {
        s.push_str("\nNo LoadBalancer or NodePort Service, external IP, Ingress, HTTPRoute, host-network pod or host port was found.\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_list_a_bounded_number_risky_first_in_namespace_order() {
        let entry = |i: usize, risky: bool| Entry {
            way: Way::Ingress,
            namespace: format!("ns-{:03}", i),
            kind: "Ingress".into(),
            name: format!("i{i}"),
            address: "h".into(),
            tls: Some(!risky),
            tls_reason: String::new(),
            ingress_restricted: Some(true),
            ingress_reason: String::new(),
            backends: Vec::new(),
            source: String::new(),
        };
        let e = Exposure {
            entries: (0..100).map(|i| entry(i, i % 2 == 1)).collect(),
            not_read: Vec::new(),
        };
        let v = view(Some(&e)).expect("view");
        assert_eq!(
            (v.total, v.entries.len(), v.more),
            (100, ENTRY_LIMIT, 100 - ENTRY_LIMIT)
        );
        assert_eq!(v.entries.iter().filter(|r| r.tls == "no").count(), 50);
        assert!(v
            .entries
            .windows(2)
            .all(|w| w[0].namespace < w[1].namespace));
        assert_eq!(
            (v.namespaces.len(), v.more_namespaces),
            (NAMESPACE_LIMIT, 60)
        );
        assert!(v.namespaces.iter().all(|n| n.without_tls == 1));
    }

    #[test]
    fn source_ranges_are_compared_as_networks() {
        for whole in [
            "0.0.0.0/0",
            "10.0.0.0/0",
            "192.168.1.1/0",
            "0.0.0.0/00",
            "::/0",
            "0:0:0:0:0:0:0:0/0",
            "::ffff:0.0.0.0/96",
        ] {
            assert_eq!(cidr::is_whole(whole), Some(true), "{whole}");
        }
        for narrow in [
            "10.0.0.0/8",
            "0.0.0.0/1",
            "2001:db8::/32",
            "::ffff:10.0.0.0/104",
        ] {
            assert_eq!(cidr::is_whole(narrow), Some(false), "{narrow}");
        }
        let ranges = |list: &[&str]| SourceRanges {
            from: RangesFrom::Field,
            ranges: list
                .iter()
                .map(|t| SourceRange {
                    text: t.to_string(),
                    whole: cidr::is_whole(t) == Some(true),
                })
                .collect(),
            invalid: Vec::new(),
        };
        assert_eq!(
            ranges(&["0.0.0.0/1", "128.0.0.0/1"]).whole_families(),
            ["IPv4"]
        );
        assert_eq!(
            ranges(&["128.0.0.0/1", "10.0.0.0/8", "0.0.0.0/1"]).whole_families(),
            ["IPv4"]
        );
        assert!(ranges(&["0.0.0.0/1", "128.0.0.0/2"])
            .whole_families()
            .is_empty());
        assert_eq!(ranges(&["::/1", "8000::/1"]).whole_families(), ["IPv6"]);
        assert_eq!(
            ranges(&["::ffff:0.0.0.0/97", "128.0.0.0/1"]).whole_families(),
            ["IPv4"]
        );
        assert_eq!(
            ranges(&["10.0.0.0/8", "2001:db8::/32"])
                .families()
                .into_iter()
                .collect::<Vec<_>>(),
            ["IPv4", "IPv6"]
        );
        for invalid in [
            "10.0.0.0",
            "",
            "10.0.0.0/33",
            "a.b.c.d/8",
            "10.0.0/8",
            "::/129",
        ] {
            assert_eq!(cidr::is_whole(invalid), None, "{invalid}");
        }
    }

    fn service(v: serde_json::Value) -> Object {
        Object::from_value(
            v,
            crate::inventory::Origin::Snapshot { path: "t".into() },
            BTreeMap::new(),
        )
        .expect("a Service")
    }

    #[test]
    fn source_ranges_are_read_as_kubernetes_reads_them() {
        let ann = |a: &str| {
            service(serde_json::json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "s", "namespace": "n",
                    "annotations": {SOURCE_RANGES_ANNOTATION: a}},
                "spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": []}}))
        };
        let empty = source_ranges(&ann("  "));
        assert_eq!(empty.from, RangesFrom::Unset);
        assert!(empty.allows_all());
        assert_eq!(empty.words(), "any address");
        let listed = source_ranges(&ann("10.0.0.0/8, 192.168.1.1/0"));
        assert_eq!(listed.from, RangesFrom::Annotation);
        assert!(listed.allows_all());
        let field = service(serde_json::json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "namespace": "n",
                "annotations": {SOURCE_RANGES_ANNOTATION: "0.0.0.0/0"}},
            "spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": ["10.0.0.0/8"]}}));
        let r = source_ranges(&field);
        assert_eq!((r.from, r.allows_all()), (RangesFrom::Field, false));
    }

    #[test]
    fn gateway_hostnames_intersect_as_the_gateway_api_says() {
        assert!(hostnames_intersect(
            Some("*.example.com"),
            "test.example.com"
        ));
        assert!(hostnames_intersect(
            Some("*.example.com"),
            "foo.test.example.com"
        ));
        assert!(!hostnames_intersect(Some("*.example.com"), "example.com"));
        assert!(!hostnames_intersect(
            Some("*.example.com"),
            "test.example.net"
        ));
        assert!(hostnames_intersect(
            Some("test.example.com"),
            "*.example.com"
        ));
        assert!(hostnames_intersect(
            Some("*.example.com"),
            "*.test.example.com"
        ));
        assert!(hostnames_intersect(None, "a.example.com"));
        assert!(hostnames_intersect(Some("a.example.com"), "*"));
        assert!(!hostnames_intersect(Some("a.example.com"), "b.example.com"));
    }

    #[test]
    fn host_ports_are_those_of_regular_containers() {
        let pod = Doc::from(serde_json::json!({
            "initContainers": [
                {"name": "init", "ports": [{"containerPort": 9000, "hostPort": 9000}]},
                {"name": "sidecar", "restartPolicy": "Always", "ports": [{"containerPort": 9001, "hostPort": 9001}]}
            ],
            "containers": [{"name": "c", "ports": [{"containerPort": 8080, "hostPort": 80}]}]
        }));
        let host: Vec<u64> = host_mapped_ports(&pod)
            .iter()
            .filter_map(|p| p.get("hostPort").and_then(Doc::as_u64))
            .collect();
        assert_eq!(host, vec![80]);
        let declared: Vec<u64> = container_ports(&pod)
            .iter()
            .filter_map(|p| p.get("containerPort").and_then(Doc::as_u64))
            .collect();
        assert_eq!(declared, vec![8080, 9001]);
    }

    #[test]
    fn a_rule_without_from_admits_every_source() {
        let pol = service(serde_json::json!({"apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "n"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                "ingress": [{"ports": [{"port": 8080}]}]}}));
        let (path, why) = open_ingress_rule(&pol).expect("open");
        assert_eq!(path, "spec.ingress[0]");
        assert!(why.contains("8080/TCP"), "{why}");
        let narrow = service(serde_json::json!({"apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "n"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]},
                            {"from": [{"ipBlock": {"cidr": "10.0.0.0/0", "except": ["10.1.0.0/16"]}}]}]}}));
        assert_eq!(open_ingress_rule(&narrow), None);
        let world = service(serde_json::json!({"apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "n"},
            "spec": {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/0"}}]}]}}));
        assert!(open_ingress_rule(&world).is_some());
    }

    #[test]
    fn tls_hosts_match_one_wildcard_label() {
        assert!(host_covered("*.example.com", "shop.example.com"));
        assert!(!host_covered("*.example.com", "a.b.example.com"));
        assert!(!host_covered("*.example.com", "example.com"));
        assert!(host_covered("shop.example.com", "shop.example.com"));
    }
}
