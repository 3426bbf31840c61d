//! `exposure`: Services exposed outside the cluster.
//!
//! Decides `require: load_balancer_open`: every Service of type LoadBalancer names source
//! ranges, none of which holds every address. The ranges are read as Kubernetes reads them
//! ([`crate::exposure::source_ranges`]: the field, else the annotation, else `0.0.0.0/0`) and
//! compared as networks, not as text (`10.0.0.0/0` and `::ffff:0:0/96` are every address);
//! an entry that is not a CIDR is an `error` (the API server refuses such a Service).
//!
//! Decides `require: node_port_in_production`: no Service of a production namespace opens a
//! node port: type NodePort, or type LoadBalancer unless `allocateLoadBalancerNodePorts:
//! false` and no port names a `nodePort` ([`crate::exposure::node_ports`]). A namespace is production when its name matches the `names`
//! pattern, or when its Namespace object carries one of the `labels` (key → accepted
//! values). Services outside production namespaces are counted, not listed (the check is
//! `not_applicable` with the rule applied when no Service is in one); when the name does not decide and the Namespace's labels are not in the
//! input, the Service is `not_applicable` with that reason (never a pass). Evidence names
//! the Service's type and the name or label that made the namespace production.

use crate::checks::path::Lookup;
use std::collections::BTreeMap;

use crate::document::Doc;
use serde_json::json;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::{evidence, selector, Context, Outcome};
use crate::exposure::{node_port_text, node_ports, source_ranges, RangesFrom};
use crate::inventory::KindState;
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// What an `exposure` assertion requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    /// No NodePort Service in a production namespace.
    NodePortInProduction,
    /// No LoadBalancer Service open to every address.
    LoadBalancerOpen,
}

/// Parameters of an `exposure` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// What is required.
    pub require: Require,
    /// Namespace names that are production (a regular expression, matched whole).
    pub names: Option<regex::Regex>,
    /// Namespace names that `names` matches but that are not production (`non-prod`,
    /// `pre-prod`), matched whole.
    pub not_names: Option<regex::Regex>,
    /// Namespace labels that make it production: key → accepted values.
    pub labels: BTreeMap<String, Vec<String>>,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `exposure` assertion of {what}");
        r.known_keys(node, &aw, &["kind", "require", "production"]);
        let req = r.string(node, "require", &aw)?;
        let require = match req.as_str() {
            "node_port_in_production" => Require::NodePortInProduction,
            "load_balancer_open" => {
                if node.get("production").is_some() {
                    r.error(
                        node.line,
                        format!("{aw}: `production` applies to node_port_in_production only"),
                    );
                    return None;
                }
                return Some(Params {
                    require: Require::LoadBalancerOpen,
                    names: None,
                    not_names: None,
                    labels: BTreeMap::new(),
                });
            }
            other => {
                return r.unknown(
                    node,
                    "require",
                    &aw,
                    other,
                    &["node_port_in_production", "load_balancer_open"],
                )
            }
        };
        let Some(prod) = node.get("production") else {
            r.error(
                node.line,
                format!("{aw} needs `production` (`names` and/or `labels`)"),
            );
            return None;
        };
        let pw = format!("`production` of {aw}");
        r.known_keys(prod, &pw, &["names", "not_names", "labels"]);
        let mut pattern = |key: &str| match r.opt_string(prod, key, &pw) {
            None => Ok(None),
            Some(p) => match regex::Regex::new(&format!("^(?:{p})$")) {
                Ok(re) => Ok(Some(re)),
                Err(e) => {
                    r.error(
                        prod.get(key).map_or(prod.line, |n| n.line),
                        format!("{pw}: `{key}` is not a valid regular expression: {e}"),
                    );
                    Err(())
                }
            },
        };
        let (Ok(names), Ok(not_names)) = (pattern("names"), pattern("not_names")) else {
            return None;
        };
        let mut labels = BTreeMap::new();
        if let Some(l) = prod.get("labels") {
            for (key, _) in r.map(l, &format!("`labels` of {pw}")) {
                let values = r.string_list(l, key, &pw);
                labels.insert(key.to_string(), values);
            }
        }
        if names.is_none() && labels.is_empty() {
            r.error(prod.line, format!("{pw} needs `names` or `labels`"));
            return None;
        }
        Some(Params {
            require,
            names,
            not_names,
            labels,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        if self.require == Require::LoadBalancerOpen {
            return "Flags LoadBalancer Services whose source ranges (spec.loadBalancerSourceRanges, else the load-balancer-source-ranges annotation, else 0.0.0.0/0) include a network holding every address".into();
        }
        format!(
            "Flags Services that open a node port (type NodePort, or LoadBalancer unless allocateLoadBalancerNodePorts is false and no nodePort is asked for) in production namespaces; a namespace is production when {}",
            self.describe_rule()
        )
    }

    /// The production rule in words.
    fn describe_rule(&self) -> String {
        let mut rule = Vec::new();
        if let Some(re) = &self.names {
            let unless = self
                .not_names
                .as_ref()
                .map(|n| format!(" (but not `{}`)", shown(n)))
                .unwrap_or_default();
            rule.push(format!("its name matches `{}`{unless}", shown(re)));
        }
        for (k, vs) in &self.labels {
            rule.push(format!("it is labelled {k}={}", vs.join("|")));
        }
        rule.join(" or ")
    }

    /// Whether a namespace is production (and why), is not, or cannot be told.
    /// A label the rule names decides over the name: `env: dev` on a namespace called
    /// `shop-prod` says it is not production.
    fn production(&self, ns: &str, labels: Option<&BTreeMap<String, String>>) -> Verdict {
        let set: Vec<(&String, &String, bool)> = self
            .labels
            .iter()
            .filter_map(|(k, vs)| {
                let v = labels?.get(k)?;
                Some((k, v, vs.contains(v)))
            })
            .collect();
        if let Some((k, v, _)) = set.iter().find(|(_, _, production)| *production) {
            return Verdict::Yes(format!("it is labelled {k}={v}"));
        }
        if !set.is_empty() {
            return Verdict::No;
        }
        if let Some(re) = &self.names {
            let excluded = self.not_names.as_ref().is_some_and(|n| n.is_match(ns));
            if re.is_match(ns) && !excluded {
                return Verdict::Yes(format!("its name matches `{}`", shown(re)));
            }
        }
        if self.labels.is_empty() || labels.is_some() {
            return Verdict::No;
        }
        Verdict::Unknown
    }
}

/// The pattern as written in the catalog (without the anchors added when compiling it).
fn shown(re: &regex::Regex) -> &str {
    let s = re.as_str();
    s.strip_prefix("^(?:")
        .and_then(|s| s.strip_suffix(")$"))
        .unwrap_or(s)
}

enum Verdict {
    Yes(String),
    No,
    Unknown,
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    if let KindState::Failed(reason) | KindState::NotServed(reason) = inv.kind_state("Service") {
        out.findings.push(evidence::about_kind(
            check,
            Status::Error,
            "Service",
            format!("could not assess Services: {reason}"),
        ));
        return out;
    }
    if p.require == Require::LoadBalancerOpen {
        load_balancer_open(check, ctx, &mut out);
        return out;
    }
    let namespaces_read = inv.kind_state("Namespace") == KindState::Collected;
    let mut outside = 0;
    for svc in inv.of_kind("Service") {
        let ns = svc.namespace.clone().unwrap_or_else(|| "default".into());
        let labels = inv
            .find("Namespace", None, &ns)
            .map(|n| selector::labels_of(&n.value["metadata"]));
        let subject = evidence::subject(svc);
        let ty = svc
            .value
            .at("/spec/type")
            .and_then(Doc::as_str)
            .unwrap_or("ClusterIP");
        let why = match p.production(&ns, labels.as_ref()) {
            Verdict::Yes(why) => why,
            Verdict::No => {
                // Counted, not listed: most Services of a cluster are not in production
                // namespaces, and saying so per Service costs without telling anything.
                outside += 1;
                continue;
            }
            // A Service that opens no node port needs no answer about its namespace.
            Verdict::Unknown if node_ports(svc).is_empty() => {
                outside += 1;
                continue;
            }
            Verdict::Unknown => {
                let reason = if namespaces_read {
                    format!("Namespace {ns} is not in the input")
                } else {
                    "Namespaces were not read".to_string()
                };
                out.findings.push(evidence::finding(
                    check,
                    Status::NotApplicable,
                    subject,
                    Vec::new(),
                    format!(
                        "whether namespace {ns} is production cannot be told: its name does not say so and its labels are unknown ({reason})"
                    ),
                ));
                continue;
            }
        };
        let opened = node_ports(svc);
        let ports: Vec<String> = opened.iter().map(|(_, p)| node_port_text(p)).collect();
        let note = Some(format!("namespace {ns} is production: {why}"));
        let expected = "no node port in a production namespace".to_string();
        let obs = if ty == "LoadBalancer" {
            let allocate = svc.value.at("/spec/allocateLoadBalancerNodePorts");
            match (allocate.and_then(Doc::as_bool), opened.first()) {
                // Node ports asked for by number are opened whatever the field says.
                (Some(false), Some((i, p))) => Observation {
                    source: evidence::source(svc, &format!("spec.ports[{i}].nodePort")),
                    path: format!("spec.ports[{i}].nodePort"),
                    observed: p.get("nodePort").map_or(json!(null), Doc::to_value),
                    expected,
                    holds: false,
                    note,
                },
                (value, _) => Observation {
                    source: evidence::source(svc, "spec.allocateLoadBalancerNodePorts"),
                    path: "spec.allocateLoadBalancerNodePorts".into(),
                    observed: value.map_or(json!("not set (default true)"), |v| json!(v)),
                    expected,
                    holds: opened.is_empty(),
                    note,
                },
            }
        } else {
            Observation {
                source: evidence::source(svc, "spec.type"),
                path: "spec.type".into(),
                observed: json!(ty),
                expected,
                holds: opened.is_empty(),
                note,
            }
        };
        let (status, message) = if opened.is_empty() {
            let what = if ty == "LoadBalancer" {
                "of type LoadBalancer with allocateLoadBalancerNodePorts: false and no nodePort asked for: it opens no node port".to_string()
            } else {
                format!("of type {ty}")
            };
            (Status::Pass, format!("{} is {what}", subject.display()))
        } else if ty == "NodePort" {
            (
                Status::Fail,
                format!(
                    "{} is a NodePort Service in production namespace {ns} ({why}): every node's address exposes it",
                    subject.display()
                ),
            )
        } else {
            (
                Status::Fail,
                format!(
                    "{} is a LoadBalancer Service in production namespace {ns} ({why}) that opens node ports on every node ({}): every node's address exposes it, and its source ranges do not apply there",
                    subject.display(),
                    ports.join(", ")
                ),
            )
        };
        out.findings.push(evidence::finding(
            check,
            status,
            subject,
            vec![obs],
            message,
        ));
    }
    if out.findings.is_empty() {
        out.empty_reason = if outside == 0 {
            "no Service in the inventory".into()
        } else {
            format!(
                "none of the {outside} Service(s) opens a node port in a production namespace ({})",
                p.describe_rule()
            )
        };
    }
    out
}

/// `load_balancer_open`: one finding per LoadBalancer Service.
/// A Service's `spec.ipFamilies` as written.
fn ip_families(svc: &crate::inventory::Object) -> Vec<String> {
    svc.value
        .get("spec")
        .map(|spec| crate::checks::path::strings(spec, "ipFamilies"))
        .unwrap_or_default()
}

/// An IP family the Service has (or, `false`, may have) that none of its source ranges is
/// of: listed in `spec.ipFamilies`, or both families under `ipFamilyPolicy:
/// RequireDualStack` (sure); under `PreferDualStack` with no family listed (only on a
/// dual-stack cluster), or IPv4 when no family is written and every range is IPv6 (the
/// cluster's primary family, IPv4 on most clusters).
fn unfiltered_family(
    svc: &crate::inventory::Object,
    ranged: &std::collections::BTreeSet<&'static str>,
) -> Option<(&'static str, bool)> {
    let listed = ip_families(svc);
    let policy = svc.value.at("/spec/ipFamilyPolicy").and_then(Doc::as_str);
    ["IPv4", "IPv6"]
        .into_iter()
        .filter(|f| !ranged.contains(f))
        .find_map(|f| {
            if listed.iter().any(|l| l == f) || policy == Some("RequireDualStack") {
                Some((f, true))
            } else if policy == Some("PreferDualStack") && listed.is_empty() {
                Some((f, false))
            } else if listed.is_empty() && f == "IPv4" && !ranged.is_empty() {
                // No family written: the cluster's primary one (IPv4 on most clusters),
                // which the ranges, all IPv6, may not limit.
                Some((f, false))
            } else {
                None
            }
        })
}

/// Cloud annotations that make a LoadBalancer Service's load balancer internal (reachable
/// from the cloud's private network only): annotation → the values that do.
const INTERNAL_LOAD_BALANCER: &[(&str, &[&str])] = &[
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        &["internal"],
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        &["true", "0.0.0.0/0"],
    ),
    ("networking.gke.io/load-balancer-type", &["Internal"]),
    ("cloud.google.com/load-balancer-type", &["Internal"]),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        &["true"],
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        &["true"],
    ),
];

/// The annotation (`name: value`) that makes a Service's load balancer internal, if any.
fn internal_load_balancer(svc: &crate::inventory::Object) -> Option<String> {
    let annotations = svc.value.at("/metadata/annotations")?;
    INTERNAL_LOAD_BALANCER.iter().find_map(|(name, values)| {
        let v = annotations.get(name)?.as_str()?;
        values
            .iter()
            .any(|x| x.eq_ignore_ascii_case(v.trim()))
            .then(|| format!("{name}: {v}"))
    })
}

fn load_balancer_open(check: &Check, ctx: &Context, out: &mut Outcome) {
    let mut others = 0;
    for svc in ctx.inventory.of_kind("Service") {
        let ty = svc
            .value
            .at("/spec/type")
            .and_then(Doc::as_str)
            .unwrap_or("ClusterIP");
        if ty != "LoadBalancer" {
            others += 1;
            continue;
        }
        let subject = evidence::subject(svc);
        let ranges = source_ranges(svc);
        let path = ranges.from.path();
        let listed: Vec<&str> = ranges.ranges.iter().map(|r| r.text.as_str()).collect();
        let whole: Vec<&str> = ranges
            .ranges
            .iter()
            .filter(|r| r.whole)
            .map(|r| r.text.as_str())
            .collect();
        let (status, message, observed) = if !ranges.invalid.is_empty() {
            (
                Status::Error,
                format!(
                    "{}: {path} holds {}, which is not an IP range (CIDR); the API server refuses such a Service, so it is reported, not judged",
                    subject.display(),
                    ranges.invalid.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
                ),
                json!({"ranges": listed, "invalid": ranges.invalid}),
            )
        } else if ranges.from == RangesFrom::Unset {
            let reach = match internal_load_balancer(svc) {
                Some(annotation) => format!(
                    "so every address that reaches the internal load balancer ({annotation}: the cloud's private network, peered networks and VPNs included) may connect"
                ),
                None => "so every address may connect".to_string(),
            };
            (
                Status::Fail,
                format!(
                    "{}: no source ranges (field and annotation unset or empty), {reach}",
                    subject.display()
                ),
                json!({"ranges": []}),
            )
        } else if !whole.is_empty() {
            (
                Status::Fail,
                format!(
                    "{}: source range {} holds every address (a /0 network, whatever address is written before the prefix)",
                    subject.display(),
                    whole.join(", ")
                ),
                json!({"ranges": listed}),
            )
        } else if let Some(family) = ranges.whole_families().first() {
            (
                Status::Fail,
                format!(
                    "{}: source ranges {} together hold every {family} address",
                    subject.display(),
                    listed.join(", ")
                ),
                json!({"ranges": listed}),
            )
        } else if let Some((family, sure)) = unfiltered_family(svc, &ranges.families()) {
            // kube-proxy splits the ranges by family and filters a family only when it has
            // ranges of its own (pkg/proxy/serviceport.go).
            let (status, how) = if sure {
                (Status::Fail, "the Service has")
            } else {
                (
                    Status::Manual,
                    "the Service names no family (it gets the cluster's primary one) or prefers dual-stack, so it may have",
                )
            };
            (
                status,
                format!(
                    "{}: source ranges {} name no {family} range, and {how} {family} addresses: Kubernetes applies the ranges per IP family, so every {family} address may connect",
                    subject.display(),
                    listed.join(", ")
                ),
                json!({"ranges": listed, "ip_families": ip_families(svc)}),
            )
        } else {
            let opened: Vec<String> = node_ports(svc)
                .into_iter()
                .map(|(_, p)| node_port_text(p))
                .collect();
            let message = if opened.is_empty() {
                format!(
                    "{}: connections limited to {}",
                    subject.display(),
                    listed.join(", ")
                )
            } else {
                format!(
                    "{}: connections through the load balancer limited to {}; the node ports it opens on every node ({}) are not covered by the source ranges (see node-port-in-production-namespace)",
                    subject.display(),
                    listed.join(", "),
                    opened.join(", ")
                )
            };
            (Status::Pass, message, json!({"ranges": listed}))
        };
        let obs = Observation {
            source: evidence::source(svc, &path),
            path,
            observed,
            expected: "source ranges, none holding every address".into(),
            holds: status == Status::Pass,
            note: (ranges.from == RangesFrom::Annotation)
                .then(|| "read from the annotation: the field lists no range".to_string()),
        };
        out.findings.push(evidence::finding(
            check,
            status,
            subject,
            vec![obs],
            message,
        ));
    }
    if out.findings.is_empty() {
        out.empty_reason = if others == 0 {
            "no Service in the inventory".into()
        } else {
            format!("none of the {others} Service(s) is of type LoadBalancer")
        };
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog;

    fn load(assert: &str) -> Result<catalog::Catalog, catalog::LoadErrors> {
        let mut files = catalog::embedded_files();
        files.insert(
            "checks/zz-test.yaml".into(),
            format!(
                "checks:\n  - id: test-exposure\n    title: t\n    severity: low\n    description: d\n    rationale: r\n    remediation: m\n    assert:\n{assert}"
            )
            .into(),
        );
        catalog::from_files(&files)
    }

    #[test]
    fn bad_parameters_are_load_errors_with_lines() {
        let e = load("      kind: exposure\n      require: node_port_in_production\n      production:\n        names: \"(prod\"\n")
            .expect_err("bad regex");
        assert!(e.0.iter().any(|e| e.file == "checks/zz-test.yaml"
            && e.line == 12
            && e.message.contains("not a valid regular expression")));
        let e = load("      kind: exposure\n      require: node_port_in_production\n")
            .expect_err("no production rule");
        assert!(e.0.iter().any(|e| e.message.contains("needs `production`")));
        assert!(load("      kind: exposure\n      require: node_port_in_production\n      production: {labels: {env: [prod]}}\n").is_ok());
    }
}
