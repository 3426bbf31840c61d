//! `images`: where container images come from and how they are pinned.
//!
//! Decides from the `image` of every container, init container and ephemeral container of a
//! workload:
//! - `digest`: the reference carries `@sha256:…`;
//! - `tag_pinned`: the reference has a tag other than `latest`, or a digest;
//! - `registry_allowed`: the registry (the first path segment when it has a `.` or `:` or is
//!   `localhost`, else `docker.io`), or the registry and a repository prefix, is one of
//!   `registries`. The list comes from `scan --registries` ([`apply_allow_list`]) or from a
//!   catalog overlay. With no list the check is `manual` ("not assessed: no allow-list
//!   given"), never a pass, so a framework item that uses it cannot pass without one.
//!
//! Evidence is the container and its image reference.

use crate::document::Doc;
use serde_json::json;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::evidence;
use crate::checks::workload::{Container, WORKLOAD_KINDS};
use crate::checks::{Context, Outcome};
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// What an `images` assertion requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    /// Pinned by digest.
    Digest,
    /// A tag other than `latest` (or a digest).
    TagPinned,
    /// From an allowed registry.
    RegistryAllowed,
}

/// Parameters of an `images` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// What is required.
    pub require: Require,
    /// Allowed registries (`registry.example.com`, `ghcr.io/org`), for `registry_allowed`.
    pub registries: Vec<String>,
    /// Status of a failing container: `fail` (default) or `warn`.
    pub on_fail: Status,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `images` assertion of {what}");
        r.known_keys(node, &aw, &["kind", "require", "registries", "on_fail"]);
        let req = r.string(node, "require", &aw)?;
        let require = match req.as_str() {
            "digest" => Require::Digest,
            "tag_pinned" => Require::TagPinned,
            "registry_allowed" => Require::RegistryAllowed,
            other => {
                return r.unknown(
                    node,
                    "require",
                    &aw,
                    other,
                    &["digest", "tag_pinned", "registry_allowed"],
                )
            }
        };
        let on_fail = crate::checks::read_on_fail(node, r, &aw)?;
        Some(Params {
            require,
            registries: r.string_list(node, "registries", &aw),
            on_fail,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        match self.require {
            Require::Digest => "Requires every container image to be pinned by digest (@sha256:…)".into(),
            Require::TagPinned => "Requires every container image to name a tag other than `latest` (or a digest)".into(),
            Require::RegistryAllowed if self.registries.is_empty() => "Requires images from an allow-list of registries; no list is given, so nothing is assessed and the check is manual (pass `scan --registries LIST`, or set `registries` in a catalog overlay)".into(),
            Require::RegistryAllowed => format!("Requires every image to come from {}", self.registries.join(", ")),
        }
    }
}

/// The parts of an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (`docker.io` when none is named, or for Docker Hub's other names).
    pub registry: String,
    /// Repository path without the registry (`library/nginx` for Docker Hub's `nginx`).
    pub repository: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// Digest, if any and well formed (`sha256:` and hex digits).
    pub digest: Option<String>,
}

/// Whether a digest has the OCI form `algorithm:encoded` with hex digits after the colon.
/// The digits are not counted (`sha256:` needs 64): a short digest is rarely a real mistake
/// but often a placeholder, while an empty or missing one (`nginx@sha256:`) pins nothing.
fn well_formed_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses `[registry/]repo[:tag][@digest]` as container runtimes do: no registry, or
/// `index.docker.io` / `registry-1.docker.io`, is Docker Hub (`docker.io`), whose one-part
/// names live under `library/`. A malformed digest (`nginx@sha256:`) is no digest.
pub fn parse_image(image: &str) -> ImageRef {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, well_formed_digest(d).then(|| d.to_string())),
        None => (image, None),
    };
    let (name, tag) = match name.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, Some(t.to_string())),
        _ => (name, None),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    let registry = match registry.as_str() {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        _ => registry,
    };
    let repository = if registry == "docker.io" && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    ImageRef {
        registry,
        repository,
        tag,
        digest,
    }
}

/// Gives every `registry_allowed` check of the catalog this allow-list (`scan --registries`),
/// replacing the one the catalog sets. Entries are trimmed; empty ones are dropped. An empty
/// list leaves the catalog as it is.
pub fn apply_allow_list(catalog: &mut crate::catalog::Catalog, registries: &[String]) {
    let list: Vec<String> = registries
        .iter()
        .map(|r| docker_hub_named_once(r.trim().trim_end_matches('/')))
        .filter(|r| !r.is_empty())
        .collect();
    if list.is_empty() {
        return;
    }
    for check in &mut catalog.checks {
        if let crate::checks::Assertion::Images(p) = &mut check.assertion {
            if p.require == Require::RegistryAllowed {
                p.registries = list.clone();
            }
        }
    }
}

/// An allow-list entry with Docker Hub's other host names written `docker.io`, as
/// [`parse_image`] writes image references.
fn docker_hub_named_once(entry: &str) -> String {
    for alias in ["index.docker.io", "registry-1.docker.io"] {
        if entry == alias {
            return "docker.io".into();
        }
        if let Some(rest) = entry.strip_prefix(alias).and_then(|r| r.strip_prefix('/')) {
            return format!("docker.io/{rest}");
        }
    }
    entry.to_string()
}

fn allowed(r: &ImageRef, registries: &[String]) -> bool {
    let full = format!("{}/{}", r.registry, r.repository);
    registries.iter().any(|a| {
        let a = a.trim_end_matches('/');
        r.registry == a || full.starts_with(&format!("{a}/"))
    })
}

impl Params {
    /// Whether an image meets the requirement.
    fn holds(&self, r: &ImageRef) -> bool {
        match self.require {
            Require::Digest => r.digest.is_some(),
            Require::TagPinned => {
                r.digest.is_some() || r.tag.as_deref().is_some_and(|t| t != "latest")
            }
            Require::RegistryAllowed => allowed(r, &self.registries),
        }
    }
}

/// A container's image reference as written (empty when it names none).
fn image_of<'a>(c: &Container<'a>) -> &'a str {
    c.value.get("image").and_then(Doc::as_str).unwrap_or("")
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    if p.require == Require::RegistryAllowed && p.registries.is_empty() {
        out.findings.push(evidence::about_kind(
            check,
            Status::Manual,
            "Container",
            "not assessed: no allow-list given; pass `--registries` with the trusted registry prefixes (e.g. `registry.example.com,ghcr.io/acme`) to assess where images come from, or review the image list by hand".into(),
        ));
        return out;
    }
    evidence::kinds_not_collected(check, inv, WORKLOAD_KINDS, &mut out);
    let expected = match p.require {
        Require::Digest => "pinned by digest (@sha256:…)".to_string(),
        Require::TagPinned => "a tag other than latest, or a digest".to_string(),
        Require::RegistryAllowed => format!("from {}", p.registries.join(", ")),
    };
    for (w, containers) in ctx.workloads() {
        let obj = w.object;
        // A pass whose evidence nobody reads is recorded without it.
        if !ctx.pass_evidence()
            && containers
                .iter()
                .all(|c| p.holds(&parse_image(image_of(c))))
        {
            out.findings
                .push(evidence::compact_pass(check, evidence::subject(obj)));
            continue;
        }
        let mut obs = Vec::new();
        let mut bad = Vec::new();
        for c in containers {
            let image = image_of(c);
            let r = parse_image(image);
            let holds = p.holds(&r);
            let expected = expected.clone();
            if !holds {
                bad.push(format!("{} {} ({image})", c.role, c.name));
            }
            let path = format!("{}.image", c.path);
            obs.push(Observation {
                source: evidence::source(obj, &path),
                path,
                observed: json!(image),
                expected,
                holds,
                note: Some(format!("{} {}; registry {}", c.role, c.name, r.registry)),
            });
        }
        let subject = evidence::subject(obj);
        let (status, message) = if bad.is_empty() {
            (
                Status::Pass,
                format!("{}: every image complies", subject.display()),
            )
        } else {
            (
                p.on_fail,
                format!("{}: {}", subject.display(), bad.join(", ")),
            )
        };
        out.findings
            .push(evidence::finding(check, status, subject, obs, message));
    }
    if out.findings.is_empty() {
        out.empty_reason = "no workloads in the inventory".into();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = parse_image("nginx");
        assert_eq!((r.registry.as_str(), r.tag.clone()), ("docker.io", None));
        assert_eq!(r.repository, "library/nginx");
        let digest = format!("sha256:{}", "ab".repeat(32));
        let r = parse_image(&format!(
            "registry.k8s.io/ingress-nginx/controller:v1.9.4@{digest}"
        ));
        assert_eq!(r.registry, "registry.k8s.io");
        assert_eq!(r.tag.as_deref(), Some("v1.9.4"));
        assert_eq!(r.digest.as_deref(), Some(digest.as_str()));
        for malformed in ["nginx@sha256:", "nginx@sha256:xyz", "nginx@latest"] {
            assert_eq!(parse_image(malformed).digest, None, "{malformed}");
        }
        for hub in [
            "nginx:1.27",
            "index.docker.io/library/nginx:1.27",
            "docker.io/nginx:1.27",
        ] {
            let r = parse_image(hub);
            assert_eq!(
                (r.registry.as_str(), r.repository.as_str()),
                ("docker.io", "library/nginx"),
                "{hub}"
            );
        }
        let r = parse_image("localhost:5000/app");
        assert_eq!((r.registry.as_str(), r.tag), ("localhost:5000", None));
    }

    #[test]
    fn no_allow_list_is_manual_never_pass() {
        let mut catalog = crate::catalog::load(None).expect("catalog");
        let check = catalog
            .check("image-registry-not-allowed")
            .expect("check")
            .clone();
        let inv = crate::inventory::Inventory::new(Default::default(), true);
        let ctx = Context::new(&inv, &catalog);
        let out = check.assertion.evaluate(&check, &ctx);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].status, Status::Manual);
        assert!(out.findings[0]
            .message
            .starts_with("not assessed: no allow-list given"));
        apply_allow_list(&mut catalog, &[" ghcr.io/acme/ ".into(), String::new()]);
        let crate::checks::Assertion::Images(p) = &catalog
            .check("image-registry-not-allowed")
            .expect("check")
            .assertion
        else {
            panic!("images assertion");
        };
        assert_eq!(p.registries, vec!["ghcr.io/acme".to_string()]);
    }

    #[test]
    fn allow_list_by_registry_or_prefix() {
        let regs = vec!["ghcr.io/acme".to_string(), "registry.example".to_string()];
        assert!(allowed(&parse_image("ghcr.io/acme/app:1"), &regs));
        assert!(!allowed(&parse_image("ghcr.io/other/app:1"), &regs));
        assert!(allowed(&parse_image("registry.example/x:1"), &regs));
        assert!(!allowed(&parse_image("nginx:1"), &regs));
        let hub = vec![docker_hub_named_once("index.docker.io/library")];
        assert!(allowed(&parse_image("nginx:1.27"), &hub));
        assert!(allowed(&parse_image("docker.io/library/nginx:1.27"), &hub));
        assert!(!allowed(&parse_image("bitnami/nginx:1.27"), &hub));
    }
}
