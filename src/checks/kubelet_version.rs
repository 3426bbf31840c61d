//! `kubelet_version`: the kubelet release every Node reports, against the releases that fixed
//! a vulnerability (`fixed_versions`, one per minor line; see `checks::release`).
//!
//! One subject per Node, judged from `status.nodeInfo.kubeletVersion`:
//! - at or after the fix of its line, or a line newer than every listed one: `pass`;
//! - before the fix of its line, or a line older than every listed one: `fail`;
//! - a vendor or pre-release build (`v1.21.4-eks-…`, `+k3s1`, `-rc.1`) before the upstream
//!   fix: `manual`, since vendors backport fixes without raising the number; a pre-release of
//!   the fixed release itself (`v1.21.5-rc.0`) comes before it in semver order and is
//!   `manual` too (vendor builds `v1.21.5-eks-…` are releases and pass);
//! - no version: `not_applicable` for manifests (a Node manifest rarely carries `status`),
//!   `error` for a cluster or snapshot; a version that is not one is an `error`.
//!
//! Nodes that could not be listed make the check an `error`, never a pass.

use serde_json::json;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::release::{self, Standing, Version};
use crate::checks::{absence_is_known, evidence, Context, Outcome};
use crate::document::Doc;
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// Where a Node reports its kubelet's version.
const PATH: &str = "status.nodeInfo.kubeletVersion";

/// Parameters of a `kubelet_version` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// The releases with the fix, one per minor line, sorted.
    pub fixed: Vec<Version>,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `kubelet_version` assertion of {what}");
        r.known_keys(node, &aw, &["kind", "fixed_versions"]);
        let fixed = release::read_fixed(node, r, &aw);
        if fixed.is_empty() {
            r.error(
                node.line,
                format!("{aw}: `fixed_versions` must list at least one release, such as 1.21.5"),
            );
            return None;
        }
        Some(Params { fixed })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        format!(
            "Requires every Node's kubelet ({PATH}) to be at least the fixed release of its minor line ({}), or of a newer line",
            release::list_words(&self.fixed)
        )
    }

    /// The expected value, in words.
    fn expected(&self) -> String {
        let newest = self.fixed.last().map_or(String::new(), |v| {
            format!(", or {}.{} and later", v.0, v.1 + 1)
        });
        format!(
            "at least the release of its line with the fix ({}){newest}",
            release::list_words(&self.fixed)
        )
    }
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    evidence::kinds_not_collected(check, inv, &["Node"], &mut out);
    if !out.findings.is_empty() {
        return out;
    }
    let known = absence_is_known(inv);
    for node in inv.of_kind("Node") {
        let name = &node.name;
        let reported = node
            .value
            .get("status")
            .and_then(|s| s.get("nodeInfo"))
            .and_then(|i| i.get("kubeletVersion"))
            .and_then(Doc::as_str);
        let Some(text) = reported else {
            let (status, message) = if known {
                (
                    Status::Error,
                    format!("node {name} reports no kubelet version ({PATH} is not set), so it cannot be judged"),
                )
            } else {
                (
                    Status::NotApplicable,
                    format!("the manifest of node {name} carries no status, so it does not say which kubelet runs there"),
                )
            };
            out.findings.push(evidence::finding(
                check,
                status,
                evidence::subject(node),
                Vec::new(),
                message,
            ));
            continue;
        };
        let (status, message) = match release::standing_of(text, &p.fixed) {
            // A kubelet reports all three numbers; `v1.22` could be any patch of the line.
            Some(_) if !release::has_patch(text) => (
                Status::Error,
                format!("node {name} reports kubelet version `{text}` without a patch number, so where it stands against the fix cannot be told"),
            ),
            None => (
                Status::Error,
                format!("node {name} reports kubelet version `{text}`, which is not a version like v1.21.5"),
            ),
            Some((v, standing)) => match (standing, release::build_suffix(text)) {
                (Standing::Fixed | Standing::NewerLine, _) if !ctx.pass_evidence() => {
                    out.findings
                        .push(evidence::compact_pass(check, evidence::subject(node)));
                    continue;
                }
                (Standing::Fixed, _) => (
                    Status::Pass,
                    format!("node {name}: kubelet {text} includes the fix of its line"),
                ),
                (Standing::NewerLine, _) => (
                    Status::Pass,
                    format!("node {name}: kubelet {text} is from a line released with the fix"),
                ),
                (Standing::PreReleaseOfFix(fix), _) => (
                    Status::Manual,
                    format!(
                        "node {name}: kubelet {text} is a pre-release of {}, the first {}.{} release with the fix, and comes before it; whether this build already carries the fix is for a person to check",
                        release::words(fix),
                        fix.0,
                        fix.1
                    ),
                ),
                (Standing::Predates(fix), Some(_)) => (
                    Status::Manual,
                    format!(
                        "node {name}: kubelet {text} is a vendor or pre-release build numbered before the upstream fix{}; vendors often backport fixes without raising the number, so check the vendor's security bulletin",
                        fix.map(|f| format!(" ({})", release::words(f))).unwrap_or_default()
                    ),
                ),
                (Standing::Predates(Some(fix)), None) => (
                    Status::Fail,
                    format!(
                        "node {name}: kubelet {text} predates {}, the first {}.{} release with the fix",
                        release::words(fix),
                        fix.0,
                        fix.1
                    ),
                ),
                (Standing::Predates(None), None) => (
                    Status::Fail,
                    format!(
                        "node {name}: kubelet {text} is from the {}.{} line, which never got the fix",
                        v.0, v.1
                    ),
                ),
            },
        };
        let observation = Observation {
            source: evidence::source(node, PATH),
            path: PATH.into(),
            observed: json!(text),
            expected: p.expected(),
            holds: status == Status::Pass,
            note: None,
        };
        out.findings.push(evidence::finding(
            check,
            status,
            evidence::subject(node),
            vec![observation],
            message,
        ));
    }
    if out.findings.is_empty() {
        out.empty_reason = if known {
            "no Node objects in the input".into()
        } else {
            "the input holds no Node objects (from a cluster or a snapshot), so the kubelets' versions are not in it"
                .into()
        };
    }
    out
}
