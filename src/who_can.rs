//! `kubeattest who-can VERB RESOURCE`: every subject granted a permission, with the binding,
//! role and rule that grant it, answered by the same engine as the `rbac` checks
//! (`checks::rbac`). Grants through stock bindings (`controls/rbac.yaml`) are marked
//! `[built-in]`, not hidden;
//! bindings whose role is not in the input (and not a built-in ClusterRole) are listed as
//! unknown, never left out silently.

use std::fmt::Write as _;

use crate::checks::rbac::{self, Settings};
use crate::inventory::Inventory;

/// A parsed `RESOURCE` argument: `secrets`, `deployments.apps`, `pods/exec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceArg {
    /// `resource` or `resource/subresource`.
    pub resource: String,
    /// API group when given as `resource.group` (`None`: any group).
    pub group: Option<String>,
}

/// Parses `resource[.group][/subresource]`.
pub fn parse_resource(arg: &str) -> ResourceArg {
    let (main, sub) = match arg.split_once('/') {
        Some((m, s)) => (m, Some(s)),
        None => (arg, None),
    };
    let (res, group) = match main.split_once('.') {
        Some((r, g)) => (r, Some(g.to_string())),
        None => (main, None),
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
    let r = parse_resource(resource);
    let state = rbac::build(inv, settings);
    let mut chains = rbac::who_can(
        &state,
        settings,
        verb,
        &r.resource,
        r.group.as_deref(),
        namespace,
    );
    chains.sort_by_key(|c| c.subject.clone());
    let mut out = String::new();
    let scope = namespace.map_or("in any namespace".to_string(), |ns| {
        format!("in namespace {ns}")
    });
    let _ = writeln!(out, "who can {verb} {resource} {scope}:");
    for kind in rbac::RBAC_KINDS {
        if let crate::inventory::KindState::Failed(why) = inv.kind_state(kind) {
            let _ = writeln!(
                out,
                "  warning: {kind} not collected ({why}); the answer is incomplete"
            );
        }
    }
    let unknown = rbac::unresolved(&state, settings, &[(verb, r.resource.as_str())], namespace);
    for b in &unknown {
        let subjects: Vec<String> = b.subjects.iter().map(|s| s.display()).collect();
        let _ = writeln!(
            out,
            "  unknown: {} → {}: {}; {} may or may not be granted this",
            b.display(),
            b.role_display(),
            b.unknown_reason(),
            if subjects.is_empty() {
                "no subject".to_string()
            } else {
                subjects.join(", ")
            }
        );
    }
    if chains.is_empty() {
        if unknown.is_empty() {
            let _ = writeln!(out, "  nobody (no binding grants it)");
        } else {
            let _ = writeln!(out, "  nobody else (no other binding grants it)");
        }
        return out;
    }
    let mut last = String::new();
    for c in &chains {
        let who = c.subject.display();
        if who != last {
            let _ = writeln!(out, "  {who}");
            last = who;
        }
        let tag = if settings.is_stock_grant(c.binding, &c.subject) {
            "  [built-in]"
        } else {
            ""
        };
        let names = c
            .names
            .as_ref()
            .map(|n| format!(" (only {})", n.join(", ")))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    via {}, {}{names}{tag}",
            c.via(),
            c.binding.scope_display()
        );
    }
    out
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
        assert_eq!(parse_resource("secrets").group, None);
    }
}
