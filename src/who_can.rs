//! `kubeattest who-can VERB RESOURCE`: every subject granted a permission, with the binding,
//! role and rule that grant it, answered by the same engine as the `rbac` checks
//! (`checks::rbac`). Grants through stock bindings (`controls/rbac.yaml`) are marked
//! `[built-in]`, not hidden;
//! bindings whose role is not in the input (and not a built-in ClusterRole) are listed as
//! unknown, never left out silently. Names from the input are written with their control
//! characters escaped.

use std::fmt::Write as _;

use crate::checks::rbac::{self, Settings};
use crate::inventory::{Inventory, UNSET_NAMESPACE};
use crate::quote::escape_controls as esc;

/// A parsed `RESOURCE` argument: `secrets`, `deployments.apps`, `pods/exec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceArg {
    /// `resource` or `resource/subresource`.
    pub resource: String,
    /// API group when given as `resource.group` (`None`: any group).
    pub group: Option<String>,
}

/// The API group `kubectl auth can-i` resolves a built-in resource named without one to
/// (the preferred group of a stock cluster's discovery): `pods` is core `pods`, not
/// `pods.metrics.k8s.io`; `deployments` is `deployments.apps`.
const BUILT_IN_GROUPS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "bindings",
            "componentstatuses",
            "configmaps",
            "endpoints",
            "events",
            "limitranges",
            "namespaces",
            "nodes",
            "persistentvolumeclaims",
            "persistentvolumes",
            "pods",
            "podtemplates",
            "replicationcontrollers",
            "resourcequotas",
            "secrets",
            "serviceaccounts",
            "services",
        ],
    ),
    (
        "apps",
        &[
            "controllerrevisions",
            "daemonsets",
            "deployments",
            "replicasets",
            "statefulsets",
        ],
    ),
    ("batch", &["cronjobs", "jobs"]),
    ("autoscaling", &["horizontalpodautoscalers"]),
    ("policy", &["poddisruptionbudgets"]),
    (
        "networking.k8s.io",
        &["ingressclasses", "ingresses", "networkpolicies"],
    ),
    (
        "rbac.authorization.k8s.io",
        &[
            "clusterrolebindings",
            "clusterroles",
            "rolebindings",
            "roles",
        ],
    ),
    (
        "admissionregistration.k8s.io",
        &[
            "mutatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
            "validatingwebhookconfigurations",
        ],
    ),
    ("apiextensions.k8s.io", &["customresourcedefinitions"]),
    ("certificates.k8s.io", &["certificatesigningrequests"]),
    ("coordination.k8s.io", &["leases"]),
    ("discovery.k8s.io", &["endpointslices"]),
    ("node.k8s.io", &["runtimeclasses"]),
    ("scheduling.k8s.io", &["priorityclasses"]),
    (
        "storage.k8s.io",
        &[
            "csidrivers",
            "csinodes",
            "csistoragecapacities",
            "storageclasses",
            "volumeattachments",
        ],
    ),
    ("authentication.k8s.io", &["tokenreviews"]),
    (
        "authorization.k8s.io",
        &[
            "localsubjectaccessreviews",
            "selfsubjectaccessreviews",
            "selfsubjectrulesreviews",
            "subjectaccessreviews",
        ],
    ),
];

/// Parses `resource[.group][/subresource]`. A built-in resource named without a group is in
/// its own group ([`BUILT_IN_GROUPS`]); any other resource without one matches every group.
pub fn parse_resource(arg: &str) -> ResourceArg {
    let (main, sub) = match arg.split_once('/') {
        Some((m, s)) => (m, Some(s)),
        None => (arg, None),
    };
    let (res, group) = match main.split_once('.') {
        Some((r, g)) => (r, Some(g.to_string())),
        None => (
            main,
            BUILT_IN_GROUPS
                .iter()
                .find(|(_, resources)| resources.contains(&main))
                .map(|(g, _)| g.to_string()),
        ),
    };
    ResourceArg {
        resource: match sub {
            Some(s) => format!("{res}/{s}"),
            None => res.to_string(),
        },
        group,
    }
}

/// The answer as text: one block per subject, one line per chain.
pub fn render(
    inv: &Inventory,
    settings: &Settings,
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
) -> String {
    let url = resource.starts_with('/');
    let r = parse_resource(resource);
    let state = rbac::build(inv, settings);
    let answer = |namespace: Option<&str>| -> (Vec<rbac::Chain<'_>>, Vec<&rbac::Binding<'_>>) {
        let mut chains = if url {
            rbac::who_can_url(&state, settings, verb, resource)
        } else {
            rbac::who_can(
                &state,
                settings,
                verb,
                &r.resource,
                r.group.as_deref(),
                namespace,
            )
        };
        chains.sort_by_key(|c| c.subject.clone());
        let unknown: Vec<&rbac::Binding> = if url {
            // Only cluster-wide bindings grant non-resource URLs.
            state
                .bindings
                .iter()
                .filter(|b| b.scope.is_none() && settings.is_unresolved(b))
                .collect()
        } else {
            rbac::unresolved(&state, settings, &[(verb, r.resource.as_str())], namespace)
        };
        (chains, unknown)
    };
    let (chains, unknown) = answer(namespace);
    let mut out = String::new();
    let scope = match namespace {
        _ if url => "(a non-resource URL: only cluster-wide bindings grant it)".to_string(),
        // A cluster-scoped resource is in no namespace: only cluster-wide bindings grant it.
        _ if !settings.is_namespaced_request(verb, &r.resource) => {
            "(cluster-scoped: only cluster-wide bindings grant it)".to_string()
        }
        Some(ns) => format!("in namespace {}", esc(ns)),
        None => "in any namespace".to_string(),
    };
    let _ = writeln!(out, "who can {} {} {scope}:", esc(verb), esc(resource));
    for kind in rbac::RBAC_KINDS {
        if let crate::inventory::KindState::Failed(why) = inv.kind_state(kind) {
            let _ = writeln!(
                out,
                "  warning: {kind} not collected ({}); the answer is incomplete",
                esc(&why)
            );
        }
    }
    // Roles and bindings written without a namespace land in the namespace they are applied
    // to (`kubectl apply -n NS`): asked about a named namespace, their grants are shown
    // apart, as what holds if they are applied there, never left out.
    let unplaced = match namespace {
        Some(ns) if ns != UNSET_NAMESPACE && !url => {
            let (c, u) = answer(Some(UNSET_NAMESPACE));
            let placed = |b: &rbac::Binding| b.scope.as_deref() == Some(UNSET_NAMESPACE);
            let c: Vec<_> = c.into_iter().filter(|c| placed(c.binding)).collect();
            let u: Vec<_> = u.into_iter().filter(|b| placed(b)).collect();
            Some((ns, c, u))
        }
        _ => None,
    };
    write_unknown(&mut out, &unknown, "  ");
    let unplaced_grants = unplaced
        .as_ref()
        .is_some_and(|(_, c, u)| !c.is_empty() || !u.is_empty());
    if chains.is_empty() {
        match (unknown.is_empty(), unplaced_grants) {
            (true, false) => {
                let _ = writeln!(out, "  nobody (no binding grants it)");
            }
            (false, false) => {
                let _ = writeln!(out, "  nobody else (no other binding grants it)");
            }
            (_, true) => {
                let _ = writeln!(out, "  no binding with a namespace grants it");
            }
        }
    }
    write_chains(&mut out, &chains, settings, &r, url, "  ");
    if let Some((ns, c, u)) = unplaced.filter(|_| unplaced_grants) {
        let _ = writeln!(
            out,
            "  if the roles and bindings written without a namespace are applied in namespace {}:",
            esc(ns)
        );
        write_unknown(&mut out, &u, "    ");
        write_chains(&mut out, &c, settings, &r, url, "    ");
    }
    out
}

/// Bindings whose role is unknown, one line each, indented by `indent`.
fn write_unknown(out: &mut String, unknown: &[&rbac::Binding], indent: &str) {
    for b in unknown {
        let subjects: Vec<String> = b.subjects.iter().map(|s| s.display()).collect();
        let _ = writeln!(
            out,
            "{indent}unknown: {}; {} may or may not be granted this",
            esc(&b.unknown_reason()),
            if subjects.is_empty() {
                "no subject".to_string()
            } else {
                esc(&subjects.join(", ")).into_owned()
            }
        );
    }
}

/// One block per subject, one `via` line per chain, indented by `indent`.
fn write_chains(
    out: &mut String,
    chains: &[rbac::Chain],
    settings: &Settings,
    r: &ResourceArg,
    url: bool,
    indent: &str,
) {
    let mut last = String::new();
    for c in chains {
        let who = c.subject.display();
        if who != last {
            let _ = writeln!(out, "{indent}{}", esc(&who));
            last = who;
        }
        let tag = if settings.is_stock_chain(c.binding, &c.subject, c.rule.as_ref()) {
            "  [built-in]"
        } else {
            ""
        };
        let names = c
            .names
            .as_ref()
            .map(|n| format!(" (only {})", n.join(", ")))
            .unwrap_or_default();
        // Asked without a group for a resource that is not built in: say which group the
        // rule is for.
        let groups = match (&r.group, &c.rule) {
            (None, Some(rule)) if !url => {
                let g: Vec<String> = crate::checks::path::strings(rule.rule, "apiGroups")
                    .into_iter()
                    .map(|g| if g.is_empty() { "core".into() } else { g })
                    .collect();
                format!(" (apiGroups {})", g.join(", "))
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{indent}  via {}, {}{}{}{tag}",
            esc(&c.via()),
            esc(&c.binding.scope_display()),
            esc(&groups),
            esc(&names)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resource_forms() {
        assert_eq!(
            parse_resource("deployments.apps/scale"),
            ResourceArg {
                resource: "deployments/scale".into(),
                group: Some("apps".into())
            }
        );
        assert_eq!(parse_resource("secrets").group.as_deref(), Some(""));
        assert_eq!(parse_resource("deployments").group.as_deref(), Some("apps"));
        assert_eq!(
            parse_resource("pods.metrics.k8s.io").group.as_deref(),
            Some("metrics.k8s.io")
        );
        assert_eq!(parse_resource("widgets").group, None);
    }
}
