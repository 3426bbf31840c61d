//! `ingress`: how Ingresses are exposed.
//!
//! Decides from Ingress objects, the `kubernetes.io/tls` Secrets they name (their `tls.crt`
//! only, via `checks::certificate`) and the images of ingress controller workloads:
//! - `tls_hosts`: every host of every rule is listed under `spec.tls`; a rule without a host
//!   (a catch-all) must be covered by a host-less TLS entry;
//! - `tls_secrets`: each `spec.tls[].secretName` exists in the Ingress's namespace, is of type
//!   `kubernetes.io/tls`, and its certificate's SANs cover the entry's hosts;
//! - `forbidden_annotations`: none of the listed annotations (ingress-nginx snippets,
//!   CVE-2021-25742) is set;
//! - `controller_version`: containers whose image is one of `images` (a table of every
//!   repository the project shipped under; mirrors of the same path match too) run at least the
//!   fixed release of their minor line (`fixed_versions`, see `checks::release`); lines older
//!   than every listed one fail, newer lines pass, and a tag without a version (a digest only,
//!   `latest`) is `manual`: the release must be looked up.
//!
//! Evidence names the Ingress, the host, the Secret and the certificate facts, or the
//! container and image. Secrets not collected make `tls_secrets` an `error`, never a pass.

use crate::checks::path::Lookup;
use std::collections::BTreeSet;

use crate::document::Doc;
use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::certificate;
use crate::checks::evidence;
use crate::checks::path::strings;
use crate::checks::release;
use crate::checks::{Context, Outcome};
use crate::inventory::{Inventory, KindState, Object};
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// What an `ingress` assertion requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Require {
    /// Every host is served over TLS.
    TlsHosts,
    /// Referenced TLS Secrets exist, are TLS, and cover their hosts.
    TlsSecrets,
    /// None of these annotations is set.
    ForbiddenAnnotations(Vec<String>),
    /// Controller images at or above the fixed release of their line.
    ControllerVersion {
        /// Image repositories that are the controller (mirrors of the same path match).
        images: Vec<String>,
        /// Fixed releases, one per minor line (`1.12.1`).
        fixed: Vec<release::Version>,
    },
    /// No container runs these images at all (retired projects).
    ControllerAbsent {
        /// Image repositories that are the controller (mirrors of the same path match).
        images: Vec<String>,
    },
}

/// Parameters of an `ingress` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// What is required.
    pub require: Require,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `ingress` assertion of {what}");
        r.known_keys(
            node,
            &aw,
            &["kind", "require", "annotations", "images", "fixed_versions"],
        );
        let req = r.string(node, "require", &aw)?;
        let require = match req.as_str() {
            "tls_hosts" => Require::TlsHosts,
            "tls_secrets" => Require::TlsSecrets,
            "forbidden_annotations" => {
                let a = r.string_list(node, "annotations", &aw);
                if a.is_empty() {
                    r.error(
                        node.line,
                        format!("{aw}: `annotations` must list at least one annotation"),
                    );
                    return None;
                }
                Require::ForbiddenAnnotations(a)
            }
            "controller_version" => {
                let images = r.string_list(node, "images", &aw);
                let fixed = release::read_fixed(node, r, &aw);
                if images.is_empty() || fixed.is_empty() {
                    r.error(
                        node.line,
                        format!("{aw}: `controller_version` needs `images` and `fixed_versions`"),
                    );
                    return None;
                }
                Require::ControllerVersion { images, fixed }
            }
            "controller_absent" => {
                let images = r.string_list(node, "images", &aw);
                if images.is_empty() {
                    r.error(
                        node.line,
                        format!("{aw}: `controller_absent` needs `images`"),
                    );
                    return None;
                }
                Require::ControllerAbsent { images }
            }
            other => {
                return r.unknown(
                    node,
                    "require",
                    &aw,
                    other,
                    &[
                        "tls_hosts",
                        "tls_secrets",
                        "forbidden_annotations",
                        "controller_version",
                        "controller_absent",
                    ],
                )
            }
        };
        Some(Params { require })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        match &self.require {
            Require::TlsHosts => "Requires every Ingress rule host (and any host-less catch-all rule) to be listed under spec.tls".into(),
            Require::TlsSecrets => "Requires every spec.tls secretName to name a kubernetes.io/tls Secret in the Ingress's namespace whose certificate SANs cover the entry's hosts (tls.crt only)".into(),
            Require::ForbiddenAnnotations(a) => format!("Requires Ingresses not to set {}", a.join(", ")),
            Require::ControllerVersion { images, fixed } => format!(
                "Requires containers whose image contains {} to run at least {}",
                images.join(" or "),
                fixed.iter().map(|(a, b, c)| format!("{a}.{b}.{c}")).collect::<Vec<_>>().join(" / ")
            ),
            Require::ControllerAbsent { images } => format!(
                "Requires that no container runs an image containing {}",
                images.join(" or ")
            ),
        }
    }
}

/// Rule hosts of an Ingress: `Some(host)` or `None` for a host-less (catch-all) rule, with the
/// rule index; a `defaultBackend` is one more catch-all (index `usize::MAX`): it answers every
/// request no rule matches, whatever the host, with or without rules beside it.
fn rule_hosts(ing: &Object) -> Vec<(usize, Option<String>)> {
    let mut out: Vec<(usize, Option<String>)> = ing
        .value
        .at("/spec/rules")
        .and_then(Doc::as_array)
        .map(|rules| {
            rules
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.get("host").and_then(Doc::as_str).map(str::to_string)))
                .collect()
        })
        .unwrap_or_default();
    if ing.value.at("/spec/defaultBackend").is_some() {
        out.push((usize::MAX, None));
    }
    out
}

/// Whether a TLS host entry (possibly `*.example.com`) covers a host.
fn tls_host_covers(entry: &str, host: &str) -> bool {
    entry.eq_ignore_ascii_case(host)
        || entry.strip_prefix("*.").is_some_and(|suffix| {
            host.split_once('.')
                .is_some_and(|(first, rest)| !first.is_empty() && rest.eq_ignore_ascii_case(suffix))
        })
}

fn tls_hosts(check: &Check, ing: &Object) -> (Status, String, Vec<Observation>) {
    let tls = ing.value.at("/spec/tls").and_then(Doc::as_array);
    let entries: Vec<Vec<String>> = tls
        .map(|t| t.iter().map(|e| strings(e, "hosts")).collect())
        .unwrap_or_default();
    let listed: Vec<&String> = entries.iter().flatten().collect();
    let hostless_tls = entries.iter().any(Vec::is_empty);
    let mut obs = Vec::new();
    let mut bad = Vec::new();
    for (i, host) in rule_hosts(ing) {
        let (path, covered, shown) = match &host {
            Some(h) => (
                format!("spec.rules[{i}].host"),
                listed.iter().any(|e| tls_host_covers(e, h)),
                h.clone(),
            ),
            None => (
                if i == usize::MAX {
                    "spec.defaultBackend".to_string()
                } else {
                    format!("spec.rules[{i}]")
                },
                hostless_tls,
                "(no host: catch-all for every name)".into(),
            ),
        };
        if !covered {
            bad.push(shown.clone());
        }
        obs.push(Observation {
            source: evidence::source(ing, &path),
            path,
            observed: json!({"host": host, "tls_hosts": listed}),
            expected: "host listed under spec.tls".into(),
            holds: covered,
            note: None,
        });
    }
    let _ = check;
    if obs.is_empty() {
        return (Status::NotApplicable, "no rules".into(), obs);
    }
    if bad.is_empty() {
        (Status::Pass, "every host is served over TLS".into(), obs)
    } else {
        (
            Status::Fail,
            format!("served without TLS: {}", bad.join(", ")),
            obs,
        )
    }
}

fn tls_secrets(inv: &Inventory, ing: &Object) -> (Status, String, Vec<Observation>) {
    let ns = ing.namespace.clone().unwrap_or_else(|| "default".into());
    let mut obs = Vec::new();
    let mut problems = Vec::new();
    let tls = ing
        .value
        .at("/spec/tls")
        .and_then(Doc::as_array)
        .unwrap_or_default();
    for (i, entry) in tls.iter().enumerate() {
        let hosts = strings(entry, "hosts");
        let path = format!("spec.tls[{i}].secretName");
        let Some(name) = entry.get("secretName").and_then(Doc::as_str) else {
            obs.push(Observation {
                source: evidence::source(ing, &format!("spec.tls[{i}]")),
                path,
                observed: Value::Null,
                expected: "a secretName".into(),
                holds: false,
                note: Some("no secretName: the controller's default certificate is served".into()),
            });
            problems.push(format!("tls[{i}] names no Secret"));
            continue;
        };
        let secret = inv.find("Secret", Some(ns.as_str()), name);
        let (holds, observed, why) = match secret {
            None => (
                false,
                json!({"secret": name}),
                format!("Secret {ns}/{name} does not exist"),
            ),
            Some(s) if !certificate::is_tls_secret(s) => (
                false,
                json!({"secret": name, "type": s.value.get("type")}),
                format!("Secret {ns}/{name} is not of type kubernetes.io/tls"),
            ),
            Some(s) => match certificate::secret_chain(s) {
                Err(e) => (
                    false,
                    json!({"secret": name}),
                    format!("Secret {ns}/{name}: {e}"),
                ),
                Ok((chain, _)) => {
                    let leaf = &chain[0];
                    let uncovered: Vec<&String> = hosts
                        .iter()
                        .filter(|h| !certificate::covers(leaf, h))
                        .collect();
                    let observed = json!({"secret": name, "certificate": leaf, "hosts": hosts});
                    if uncovered.is_empty() {
                        (true, observed, String::new())
                    } else {
                        (
                            false,
                            observed,
                            format!(
                                "the certificate in {ns}/{name} does not cover {} (SANs: {})",
                                uncovered
                                    .iter()
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                if leaf.sans.is_empty() {
                                    "none".to_string()
                                } else {
                                    leaf.sans.join(", ")
                                }
                            ),
                        )
                    }
                }
            },
        };
        if !holds {
            problems.push(why.clone());
        }
        obs.push(Observation {
            source: evidence::source(ing, &path),
            path,
            observed,
            expected: "an existing kubernetes.io/tls Secret whose SANs cover the hosts".into(),
            holds,
            note: (!why.is_empty()).then_some(why),
        });
    }
    if obs.is_empty() {
        return (Status::NotApplicable, "no spec.tls entries".into(), obs);
    }
    if problems.is_empty() {
        (
            Status::Pass,
            "every TLS entry has a valid Secret covering its hosts".into(),
            obs,
        )
    } else {
        (Status::Fail, problems.join("; "), obs)
    }
}

fn forbidden(ing: &Object, annotations: &[String]) -> (Status, String, Vec<Observation>) {
    let set: Vec<(String, Value)> = annotations
        .iter()
        .filter_map(|a| {
            ing.value
                .at("/metadata/annotations")
                .and_then(|m| m.get(a))
                .map(|v| (a.clone(), v.to_value()))
        })
        .collect();
    let obs: Vec<Observation> = set
        .iter()
        .map(|(a, v)| Observation {
            source: evidence::source(ing, &format!("metadata.annotations[\"{a}\"]")),
            path: format!("metadata.annotations[\"{a}\"]"),
            observed: v.clone(),
            expected: "absent".into(),
            holds: false,
            note: None,
        })
        .collect();
    if set.is_empty() {
        (Status::Pass, "no forbidden annotation".into(), obs)
    } else {
        let names: BTreeSet<&str> = set.iter().map(|(a, _)| a.as_str()).collect();
        (
            Status::Fail,
            format!("sets {}", names.into_iter().collect::<Vec<_>>().join(", ")),
            obs,
        )
    }
}

/// The repository of an image reference: without its digest (`@sha256:…`) and tag.
pub fn repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    match no_digest.rsplit_once(':') {
        // A `:` after the last `/` starts the tag; before it, it is a registry port.
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => no_digest,
    }
}

/// Whether an image is the listed repository (`registry.k8s.io/ingress-nginx/controller`),
/// under that registry or mirrored under another (`harbor.example/ingress-nginx/controller`).
pub fn image_is(image: &str, listed: &str) -> bool {
    let repo = repository(image.trim());
    if repo == listed {
        return true;
    }
    // The path below the registry host, matched whole under any other registry.
    let path = match listed.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') => rest,
        _ => listed,
    };
    repo == path
        || repo
            .strip_suffix(path)
            .is_some_and(|above| above.ends_with('/'))
}

fn controller_version(
    check: &Check,
    ctx: &Context,
    images: &[String],
    fixed: &[release::Version],
    out: &mut Outcome,
) {
    for (w, containers) in ctx.workloads() {
        let obj = w.object;
        for c in containers {
            let image = c
                .value
                .get("image")
                .and_then(Doc::as_str)
                .unwrap_or_default();
            if !images.iter().any(|i| image_is(image, i)) {
                continue;
            }
            let tag = image
                .split('@')
                .next()
                .and_then(|n| n.rsplit_once(':'))
                .map(|(_, t)| t)
                .filter(|t| !t.contains('/'));
            let version = tag.and_then(|t| release::standing_of(t, fixed));
            let (status, message) = match (fixed.is_empty(), version) {
                (true, _) => (
                    Status::Fail,
                    format!("{image}: this controller's project is retired and gets no security fixes"),
                ),
                // Unknown is never pass, and not a fail either: someone must look the
                // digest up.
                (false, None) => (
                    Status::Manual,
                    format!("{image}: the version cannot be read from the tag; look up which release the image is and compare it with {}", release::list_words(fixed)),
                ),
                (false, Some((v, standing))) => match standing {
                    release::Standing::Fixed => (
                        Status::Pass,
                        format!("{image}: {} includes the fixes", release::words(v)),
                    ),
                    release::Standing::NewerLine => (
                        Status::Pass,
                        format!("{image}: {} is newer than every listed fixed release", release::words(v)),
                    ),
                    release::Standing::PreReleaseOfFix(fix) => (
                        Status::Manual,
                        format!(
                            "{image}: {} is a pre-release of {}, the fixed release, and comes before it; whether this build already carries the fixes is for a person to check",
                            tag.unwrap_or_default(),
                            release::words(fix)
                        ),
                    ),
                    release::Standing::Predates(_) => (
                        Status::Fail,
                        format!(
                            "{image}: {} predates the fixed releases ({})",
                            release::words(v),
                            release::list_words(fixed)
                        ),
                    ),
                },
            };
            let obs = Observation {
                source: evidence::source(obj, &format!("{}.image", c.path)),
                path: format!("{}.image", c.path),
                observed: json!(image),
                expected: if fixed.is_empty() {
                    "no such image".to_string()
                } else {
                    format!(
                        "at least {}",
                        release::list_words(fixed).replace(", ", " / ")
                    )
                },
                holds: status == Status::Pass,
                note: Some(format!("{} {}", c.role, c.name)),
            };
            out.findings.push(evidence::finding(
                check,
                status,
                evidence::subject(obj),
                vec![obs],
                message,
            ));
        }
    }
    if out.findings.is_empty() {
        out.empty_reason = format!(
            "no container runs an image containing {}",
            images.join(" or ")
        );
        if !crate::checks::absence_is_known(ctx.inventory) {
            out.empty_reason.push_str(
                "; manifests show only what was given, so absence from them proves nothing",
            );
        } else if fixed.is_empty() {
            out.findings.push(evidence::about_kind(
                check,
                Status::Pass,
                "Container",
                out.empty_reason.clone(),
            ));
        }
    }
}

fn state_error(check: &Check, inv: &Inventory, kind: &str, out: &mut Outcome) -> bool {
    match inv.kind_state(kind) {
        KindState::Collected => false,
        KindState::Failed(reason) | KindState::NotServed(reason) => {
            out.findings.push(evidence::about_kind(
                check,
                Status::Error,
                kind,
                format!("could not assess ingresses: {kind} objects: {reason}"),
            ));
            true
        }
    }
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    if let Require::ControllerVersion { images, fixed } = &p.require {
        if !state_error(check, inv, "Pod", &mut out) {
            controller_version(check, ctx, images, fixed, &mut out);
        }
        return out;
    }
    if let Require::ControllerAbsent { images } = &p.require {
        if !state_error(check, inv, "Pod", &mut out) {
            controller_version(check, ctx, images, &[], &mut out);
        }
        return out;
    }
    if state_error(check, inv, "Ingress", &mut out) {
        return out;
    }
    if p.require == Require::TlsSecrets && state_error(check, inv, "Secret", &mut out) {
        return out;
    }
    for ing in inv.of_kind("Ingress") {
        let (status, message, obs) = match &p.require {
            Require::TlsHosts => tls_hosts(check, ing),
            Require::TlsSecrets => tls_secrets(inv, ing),
            Require::ForbiddenAnnotations(a) => forbidden(ing, a),
            Require::ControllerVersion { .. } | Require::ControllerAbsent { .. } => continue,
        };
        let subject = evidence::subject(ing);
        let message = format!("{}: {message}", subject.display());
        out.findings
            .push(evidence::finding(check, status, subject, obs, message));
    }
    if out.findings.is_empty() {
        out.empty_reason = "no Ingress in the inventory".into();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_match_by_repository_with_tags_digests_and_mirrors() {
        let listed = "registry.k8s.io/ingress-nginx/controller";
        for image in [
            "registry.k8s.io/ingress-nginx/controller:v1.9.4",
            "registry.k8s.io/ingress-nginx/controller:v1.9.4@sha256:5b161f051d017e55d358435f295f5e9a297e66158f136321d9b04520ec6c48a3",
            "registry.k8s.io/ingress-nginx/controller@sha256:5b161f051d017e55d358435f295f5e9a297e66158f136321d9b04520ec6c48a3",
            "harbor.example:8443/ingress-nginx/controller:v1.12.1",
        ] {
            assert!(image_is(image, listed), "{image}");
        }
        for image in [
            "registry.k8s.io/ingress-nginx/controller-chroot:v1.9.4",
            "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.4.0",
            "example/not-ingress-nginx/controller:v1",
        ] {
            assert!(!image_is(image, listed), "{image}");
        }
        assert_eq!(repository("localhost:5000/app"), "localhost:5000/app");
    }

    #[test]
    fn tls_entries_with_wildcards_cover_one_label() {
        assert!(tls_host_covers("*.example.com", "a.example.com"));
        assert!(!tls_host_covers("*.example.com", "example.com"));
        assert!(tls_host_covers("A.example.com", "a.example.com"));
    }
}
