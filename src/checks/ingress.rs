//! `ingress`: how Ingresses are exposed.
//!
//! Decides from Ingress objects, the `kubernetes.io/tls` Secrets they name (their `tls.crt`
//! only, via `checks::certificate`) and the images of ingress controller workloads:
//! - `tls_hosts`: every host of every rule is listed under `spec.tls`; a rule without a host
//!   (a catch-all) must be covered by a host-less TLS entry; a named host only a host-less
//!   entry may cover (the controller's wildcard host) is `manual`;
//! - `tls_secrets`: each `spec.tls[].secretName` exists in the Ingress's namespace, is of type
//!   `kubernetes.io/tls`, and its certificate's SANs cover the entry's hosts;
//! - `forbidden_annotations`: none of the listed annotations (ingress-nginx snippets,
//!   CVE-2021-25742) is set; the evidence names the annotation, never its value (snippets
//!   carry credentials such as `proxy_set_header Authorization`);
//! - `snippets_allowed`: the ingress-nginx controller refuses snippet annotations, from its
//!   release and the ConfigMap its `--configmap` flag names (see [`snippets`]);
//! - `controller_version`: containers whose image is one of `images` (a table of every
//!   repository the project shipped under; mirrors of the same path match too) run at least the
//!   fixed release of their minor line (`fixed_versions`, see `checks::release`); lines older
//!   than every listed one fail, newer lines pass, and a tag without a full version (a digest
//!   only, `latest`, `v1.12`) is `manual`: the release must be looked up.
//!
//! Evidence names the Ingress, the host, the Secret and the certificate facts, or the
//! container and image. Secrets not collected make `tls_secrets` an `error`, never a pass; a
//! Secret missing from manifests is `not_applicable` (it may be kept elsewhere or created by
//! cert-manager), while a cluster or snapshot without it fails.

pub mod snippets;

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
    /// The ingress-nginx controller refuses snippet annotations.
    SnippetsAllowed(snippets::Releases),
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
            &[
                "kind",
                "require",
                "annotations",
                "images",
                "fixed_versions",
                "option_since",
                "off_by_default_since",
                "risk_level_since",
                "risk_level_high_since",
            ],
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
            "snippets_allowed" => Require::SnippetsAllowed(snippets::Releases::read(node, r, &aw)?),
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
                        "snippets_allowed",
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
            Require::SnippetsAllowed(r) => r.describe(),
        }
    }
}

/// Rule hosts of an Ingress: `Some(host)` or `None` for a host-less (catch-all) rule, with the
/// rule index; a `defaultBackend` is one more catch-all (index `usize::MAX`): it answers every
/// request no rule matches, whatever the host, with or without rules beside it. `host: ""` is
/// no host: the field is `omitempty`, so the API cannot tell it from an unset one.
fn rule_hosts(ing: &Object) -> Vec<(usize, Option<String>)> {
    let mut out: Vec<(usize, Option<String>)> = ing
        .value
        .at("/spec/rules")
        .and_then(Doc::as_array)
        .map(|rules| {
            rules
                .iter()
                .enumerate()
                .map(|(i, r)| (i, rule_host(r)))
                .collect()
        })
        .unwrap_or_default();
    if default_backend(ing).is_some() {
        out.push((usize::MAX, None));
    }
    out
}

/// An Ingress's default backend and the field that holds it: `spec.defaultBackend`, or
/// `spec.backend` in the `v1beta1` versions (`extensions/v1beta1`,
/// `networking.k8s.io/v1beta1`), which named it so.
pub fn default_backend(ing: &Object) -> Option<(&Doc, &'static str)> {
    if let Some(b) = ing.value.at("/spec/defaultBackend") {
        return Some((b, "spec.defaultBackend"));
    }
    let v1beta1 = ing
        .value
        .get("apiVersion")
        .and_then(Doc::as_str)
        .is_some_and(|v| v.ends_with("/v1beta1"));
    ing.value
        .at("/spec/backend")
        .filter(|_| v1beta1)
        .map(|b| (b, "spec.backend"))
}

/// The host of an Ingress rule; `None` when unset or empty (a catch-all).
pub fn rule_host(rule: &Doc) -> Option<String> {
    rule.get("host")
        .and_then(Doc::as_str)
        .filter(|h| !h.is_empty())
        .map(str::to_string)
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
    // Named hosts only a host-less TLS entry may cover: "Defaults to the wildcard host
    // setting for the loadbalancer controller" (IngressTLS.hosts), which the input does not
    // show.
    let mut undecided = Vec::new();
    for (i, host) in rule_hosts(ing) {
        let (path, covered, shown) = match &host {
            Some(h) => (
                format!("spec.rules[{i}].host"),
                listed.iter().any(|e| tls_host_covers(e, h)),
                h.clone(),
            ),
            None if i == usize::MAX => (
                default_backend(ing)
                    .map_or("spec.defaultBackend", |(_, field)| field)
                    .to_string(),
                hostless_tls,
                "the default backend (catch-all for every name)".into(),
            ),
            None => (
                format!("spec.rules[{i}]"),
                hostless_tls,
                format!("rule {} (no host: catch-all for every name)", i + 1),
            ),
        };
        let maybe = !covered && host.is_some() && hostless_tls;
        if maybe {
            undecided.push(shown.clone());
        } else if !covered {
            bad.push(shown.clone());
        }
        obs.push(Observation {
            source: evidence::source(ing, &path),
            path,
            observed: json!({"host": host, "tls_hosts": listed}),
            expected: "host listed under spec.tls".into(),
            holds: covered,
            note: maybe.then(|| {
                "not listed, but a spec.tls entry without hosts applies to the ingress controller's wildcard host, which the input does not show".into()
            }),
        });
    }
    let _ = check;
    if obs.is_empty() {
        return (Status::NotApplicable, "no rules".into(), obs);
    }
    if bad.is_empty() && !undecided.is_empty() {
        (
            Status::Manual,
            format!(
                "not listed under spec.tls: {}; a TLS entry without hosts covers the ingress controller's wildcard host: confirm the controller serves these hosts over TLS",
                undecided.join(", ")
            ),
            obs,
        )
    } else if bad.is_empty() {
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
    // Secrets the input does not hold where their absence proves nothing (manifests).
    let mut unseen = Vec::new();
    let absence_known = crate::checks::absence_is_known(inv);
    // An entry without a Secret: its certificate is for a person to check.
    let mut manual = false;
    let tls = ing
        .value
        .at("/spec/tls")
        .and_then(Doc::as_array)
        .unwrap_or_default();
    for (i, entry) in tls.iter().enumerate() {
        let hosts = strings(entry, "hosts");
        let path = format!("spec.tls[{i}].secretName");
        // `secretName: ""` is no name: the field is `omitempty`.
        let Some(name) = entry
            .get("secretName")
            .and_then(Doc::as_str)
            .filter(|n| !n.is_empty())
        else {
            // The API leaves it optional: the controller then picks the certificate (its
            // default one, or one kept outside the cluster, as AWS's controller finds in ACM).
            let why = "no secretName: the Ingress controller picks the certificate (its default certificate, or one kept outside the cluster such as an AWS ACM certificate), which the input does not show";
            unseen.push(format!("tls[{i}] (no secretName)"));
            obs.push(Observation {
                source: evidence::source(ing, &format!("spec.tls[{i}]")),
                path,
                observed: Value::Null,
                expected: "a secretName".into(),
                // Not seen to hold: nothing was judged.
                holds: false,
                note: Some(why.into()),
            });
            manual = true;
            continue;
        };
        let secret = inv.find("Secret", Some(ns.as_str()), name);
        if secret.is_none() && !absence_known {
            let why = format!(
                "Secret {ns}/{name} is not in the given files; manifests show only what was given (it may be kept elsewhere or created by cert-manager), so its absence proves nothing"
            );
            unseen.push(format!("Secret {ns}/{name}"));
            obs.push(Observation {
                source: evidence::source(ing, &path),
                path,
                observed: json!({"secret": name}),
                expected: "an existing kubernetes.io/tls Secret whose SANs cover the hosts".into(),
                holds: false,
                note: Some(why),
            });
            continue;
        }
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
    if !problems.is_empty() {
        (Status::Fail, problems.join("; "), obs)
    } else if manual {
        (
            Status::Manual,
            format!(
                "{}: the Ingress controller picks the certificate (its default one, or one kept outside the cluster such as an AWS ACM certificate); check that it covers the hosts",
                unseen.join(", ")
            ),
            obs,
        )
    } else if !unseen.is_empty() {
        (
            Status::NotApplicable,
            format!(
                "{} not in the given files, and manifests show only what was given: the certificate cannot be judged here",
                unseen.join(", ")
            ),
            obs,
        )
    } else {
        (
            Status::Pass,
            "every TLS entry has a valid Secret covering its hosts".into(),
            obs,
        )
    }
}

/// What the evidence shows in place of an annotation's value.
const NOT_SHOWN: &str = "<not shown>";

fn forbidden(ing: &Object, annotations: &[String]) -> (Status, String, Vec<Observation>) {
    // Names only: a snippet's value is raw nginx configuration and often holds credentials
    // (`proxy_set_header Authorization "Bearer …"`), so it never reaches the evidence.
    let set: Vec<&String> = annotations
        .iter()
        .filter(|a| {
            ing.value
                .at("/metadata/annotations")
                .and_then(|m| m.get(a.as_str()))
                .is_some()
        })
        .collect();
    let obs: Vec<Observation> = set
        .iter()
        .map(|a| Observation {
            source: evidence::source(ing, &format!("metadata.annotations[\"{a}\"]")),
            path: format!("metadata.annotations[\"{a}\"]"),
            observed: json!(NOT_SHOWN),
            expected: "absent".into(),
            holds: false,
            note: None,
        })
        .collect();
    if set.is_empty() {
        (Status::Pass, "no forbidden annotation".into(), obs)
    } else {
        let names: BTreeSet<&str> = set.iter().map(|a| a.as_str()).collect();
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

/// The tag of an image when it names one release (`v1.12.1`, `1.12.1`, `v1.12.1-rc.0`,
/// `nginx-1.11.2-rancher1`):
/// `None` for a digest only, `latest`, or a tag without a patch number (`v1.12`, which is
/// moved from release to release and names none of them).
pub fn release_tag(image: &str) -> Option<&str> {
    let tag = image
        .split('@')
        .next()
        .and_then(|n| n.rsplit_once(':'))
        .map(|(_, t)| t)
        .filter(|t| !t.contains('/'))?;
    // Rancher's rebuilds name their releases `nginx-1.11.2-rancher1`.
    let tag = tag.strip_prefix("nginx-").unwrap_or(tag);
    let core = tag.trim_start_matches('v').split(['-', '+']).next()?;
    let parts: Vec<&str> = core.split('.').collect();
    (parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
    .then_some(tag)
}

/// Words on why a tag that looks like a version is not read as one (`v1.12`).
fn partial_tag_note(image: &str) -> &'static str {
    let tag = image
        .split('@')
        .next()
        .and_then(|n| n.rsplit_once(':'))
        .map(|(_, t)| t)
        .filter(|t| !t.contains('/'));
    if tag.is_some_and(|t| release::parse(t).is_some()) {
        " (it names no patch release, so it may be any release of its line)"
    } else {
        ""
    }
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
            let tag = release_tag(image);
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
                    format!("{image}: the version cannot be read from the tag{}; look up which release the image is and compare it with {}", partial_tag_note(image), release::list_words(fixed)),
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
    if let Require::SnippetsAllowed(releases) = &p.require {
        if !state_error(check, inv, "Pod", &mut out) {
            snippets::evaluate(check, ctx, releases, &mut out);
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
            Require::ControllerVersion { .. }
            | Require::ControllerAbsent { .. }
            | Require::SnippetsAllowed(_) => continue,
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
    fn only_tags_naming_one_release_are_read() {
        let tag = |t: &str| {
            release_tag(&format!("registry.k8s.io/ingress-nginx/controller{t}")).map(str::to_string)
        };
        assert_eq!(tag(":v1.12.1"), Some("v1.12.1".to_string()));
        assert_eq!(
            tag(":1.12.1-rc.0@sha256:ab"),
            Some("1.12.1-rc.0".to_string())
        );
        assert_eq!(tag(":v1.12"), None);
        assert_eq!(tag(":latest"), None);
        assert_eq!(tag("@sha256:ab"), None);
        assert_eq!(tag(":v1.12.1.4"), None);
    }

    #[test]
    fn an_empty_host_is_no_host() {
        let rule = |v: serde_json::Value| rule_host(&Doc::from(v));
        assert_eq!(rule(json!({"host": ""})), None);
        assert_eq!(rule(json!({})), None);
        assert_eq!(rule(json!({"host": "a.example"})), Some("a.example".into()));
    }

    #[test]
    fn forbidden_annotations_are_named_never_shown() {
        let ing = Object::from_value(
            json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": {"name": "i", "namespace": "shop", "annotations": {
                    "nginx.ingress.kubernetes.io/configuration-snippet": "proxy_set_header Authorization \"Bearer SECRET\";"}},
            }),
            crate::inventory::Origin::Snapshot { path: "t".into() },
            std::collections::BTreeMap::new(),
        )
        .expect("an Ingress");
        let (status, message, obs) = forbidden(
            &ing,
            &["nginx.ingress.kubernetes.io/configuration-snippet".to_string()],
        );
        assert_eq!(status, Status::Fail);
        let shown = format!(
            "{message} {}",
            serde_json::to_string(&obs[0].observed).unwrap_or_default()
        );
        assert!(!shown.contains("SECRET"), "{shown}");
        assert_eq!(obs[0].observed, json!(NOT_SHOWN));
    }

    #[test]
    fn tls_entries_with_wildcards_cover_one_label() {
        assert!(tls_host_covers("*.example.com", "a.example.com"));
        assert!(!tls_host_covers("*.example.com", "example.com"));
        assert!(tls_host_covers("A.example.com", "a.example.com"));
    }
}
