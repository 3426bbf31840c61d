//! `images`: where container images come from and how they are pinned.
//!
//! Decides from the `image` of every container, init container and ephemeral container of a
//! workload, parsed as the kubelet parses it ([`parse_image`]):
//! - `digest`: the reference carries a digest (`@sha256:…`);
//! - `tag_pinned`: the reference has a tag other than `latest`, or a digest;
//! - `registry_allowed`: the registry (the first path segment when it has a `.` or `:`, is
//!   `localhost` or is not lowercase, else `docker.io`), or the registry and a repository
//!   prefix, is one of `registries`. The list comes from `scan --registries`
//!   ([`apply_allow_list`]) or from a catalog overlay. With no list the check is `manual`
//!   ("not assessed: no allow-list given"), never a pass, so a framework item that uses it
//!   cannot pass without one.
//!
//! A reference the kubelet refuses (`InvalidImageName`: a short digest, an empty tag, an
//! upper-case repository) pins nothing (`digest`, `tag_pinned` fail) and names no known
//! registry (`registry_allowed` is an error); a container without an image, or with a
//! placeholder (`ko://…`, `${IMAGE}`, `{{ .Values.image }}`: a template left for a build or
//! config management to fill in), is `manual`. None of these is ever a pass.
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
            Require::Digest => "Requires every container image to be pinned by digest (@sha256:…); a reference the kubelet refuses pins nothing, and a container without an image is left for a person".into(),
            Require::TagPinned => "Requires every container image to name a tag other than `latest` (or a digest); a reference the kubelet refuses pins nothing, and a container without an image is left for a person".into(),
            Require::RegistryAllowed if self.registries.is_empty() => "Requires images from an allow-list of registries; no list is given, so nothing is assessed and the check is manual (pass `scan --registries LIST`, or set `registries` in a catalog overlay)".into(),
            Require::RegistryAllowed => format!("Requires every image to come from {}", self.registries.join(", ")),
        }
    }
}

/// The parts of an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host as written (`docker.io` when none is named, or for Docker Hub's other
    /// names). Host names compare in any letter case.
    pub registry: String,
    /// Repository path without the registry (`library/nginx` for Docker Hub's `nginx`).
    pub repository: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// Digest, if any (`sha256:` and 64 lowercase hex digits, or `sha384:`/`sha512:`).
    pub digest: Option<String>,
}

/// Why a container's `image` names nothing the kubelet would pull.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    /// Absent or empty: a pod template may leave it to config management or a controller
    /// to fill in (the API server requires it before anything runs).
    #[error("image not set")]
    NotSet,
    /// A placeholder a build or templating step replaces (`ko://…`, `${IMAGE}`, `$(IMAGE)`,
    /// `{{ .Values.image }}`, `<image>`): the image that will run is not in the input.
    /// Holds the registry host when it is written out before the placeholder
    /// (`registry.example/app:${TAG}`): that part is known.
    #[error("a placeholder for an image filled in later (render the manifests, then scan what will be applied)")]
    Placeholder(Option<String>),
    /// Not a reference of the `distribution/reference` grammar the kubelet parses with; it
    /// refuses to start the container (`InvalidImageName`). Says what is wrong.
    #[error("not a valid image reference ({0})")]
    Invalid(String),
}

/// Docker Hub's other host names (`index.docker.io`, `registry-1.docker.io`) as `docker.io`.
fn docker_hub_as_docker_io(host: &str) -> &str {
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io",
        other => other,
    }
}

/// Whether an image field holds a placeholder rather than a reference: ko's `ko://` import
/// paths, shell or envsubst variables (`${IMAGE}`, `$(IMAGE)`), Go/Helm templates (`{{ … }}`)
/// and `<image>`-style blanks. None of these is a reference the kubelet could pull.
fn is_placeholder(image: &str) -> bool {
    let image = image.trim();
    let variable = image.as_bytes().windows(2).any(|w| {
        w[0] == b'$' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'_' | b'{' | b'('))
    });
    image.starts_with("ko://")
        || variable
        || image.contains("{{")
        || (image.starts_with('<') && image.ends_with('>'))
        || (image.len() > 4 && image.starts_with("__") && image.ends_with("__"))
}

/// The reference grammar (`distribution/reference`, the parser behind the kubelet's
/// `ParseImageName`), anchored, over `domain/remainder`: capture 1 is the name, 2 the tag,
/// 3 the digest. Tags and digests use ASCII word characters only.
const REFERENCE_GRAMMAR: &str = concat!(
    "^(",
    // domain: DNS-like components (any case) or a bracketed IPv6 address, then a port
    r"(?:(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*",
    r"|\[[a-fA-F0-9:]+\])(?::[0-9]+)?/)?",
    // path components: lowercase alphanumerics joined by `.`, `_`, `__` or dashes
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*",
    ")",
    r"(?::([0-9A-Za-z_][0-9A-Za-z_.-]{0,127}))?",
    r"(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$",
);

/// The longest repository path the grammar accepts.
const REPOSITORY_PATH_MAX: usize = 255;

fn reference_grammar() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        // The pattern is a constant, tested below.
        regex::Regex::new(REFERENCE_GRAMMAR).unwrap_or_else(|e| panic!("reference grammar: {e}"))
    })
}

/// What is wrong with a digest the grammar matched, as the kubelet's digest check sees it:
/// a known algorithm whose encoding is exactly its length in lowercase hex.
fn digest_problem(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let want = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        other => {
            return Some(format!(
                "digest algorithm `{other}` is not sha256, sha384 or sha512"
            ))
        }
    };
    if hex.len() != want {
        return Some(format!(
            "a {alg} digest has {want} hex digits, not {}",
            hex.len()
        ));
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Some("digest hex digits must be lowercase".into());
    }
    None
}

/// Which part of a reference (without its registry) breaks the grammar, in words.
fn grammar_problem(rest: &str) -> String {
    let (name, digest) = match rest.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (rest, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    let tag_ok = |t: &str| {
        let mut chars = t.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && t.len() <= 128
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    match (tag, digest) {
        (Some(t), _) if !tag_ok(t) => format!(
            "the tag `{t}` is not 1 to 128 letters, digits, `_`, `.` or `-` starting with a letter, digit or `_`"
        ),
        (_, Some(d)) => format!(
            "the digest `{d}` is not an algorithm, `:` and at least 32 hex digits (sha256: 64)"
        ),
        _ => "the repository name is not lowercase letters and digits in `/`-separated parts joined by `.`, `_`, `__` or `-`, with at most a `:tag` and an `@digest` after it".into(),
    }
}

/// Splits the registry off as the reference parser does: the first path component is a
/// registry host when it has a `.` or `:`, is `localhost`, or is not lowercase (repository
/// names are lowercase, so `Evil/app` names the host `Evil`); otherwise the image is on
/// Docker Hub (`docker.io`), whose one-part names live under `library/`.
fn split_registry(image: &str) -> (&str, String) {
    let (registry, rest) = match image.split_once('/') {
        Some((first, rest))
            if first == "localhost"
                || first.contains(['.', ':'])
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (first, rest)
        }
        _ => ("docker.io", image),
    };
    let registry = docker_hub_as_docker_io(registry);
    let rest = if registry == "docker.io" && !rest.contains('/') {
        format!("library/{rest}")
    } else {
        rest.to_string()
    };
    (registry, rest)
}

/// Parses `[registry/]repository[:tag][@digest]` as the kubelet does before it pulls
/// (`distribution/reference`'s normalised parse): no registry, or `index.docker.io` /
/// `registry-1.docker.io`, is Docker Hub (`docker.io`), whose one-part names live under
/// `library/`. A reference that does not follow the grammar (a short or empty digest, an
/// empty tag, an upper-case repository, spaces) is an error, as the kubelet refuses it; an
/// empty one is [`ImageRefError::NotSet`].
pub fn parse_image(image: &str) -> Result<ImageRef, ImageRefError> {
    let invalid = |why: &str| Err(ImageRefError::Invalid(why.to_string()));
    if image.trim().is_empty() {
        return Err(ImageRefError::NotSet);
    }
    if is_placeholder(image) {
        // The registry host, when written out before the placeholder starts.
        let host = (!image.contains("://"))
            .then(|| image.split_once('/'))
            .flatten()
            .map(|(first, _)| first)
            .filter(|h| !is_placeholder(h) && !h.contains(['<', '>']))
            .filter(|h| h.contains(['.', ':']) || *h == "localhost")
            .map(|h| docker_hub_as_docker_io(h).to_string());
        return Err(ImageRefError::Placeholder(host));
    }
    if image.len() == 64
        && image
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return invalid("a bare 64-digit hex identifier names no repository");
    }
    let (registry, rest) = split_registry(image);
    let repository_part = rest.split(':').next().unwrap_or_default();
    let repository_part = repository_part.split('@').next().unwrap_or_default();
    if repository_part.bytes().any(|b| b.is_ascii_uppercase()) {
        return invalid("the repository name must be lowercase");
    }
    let full = format!("{registry}/{rest}");
    let Some(caps) = reference_grammar().captures(&full) else {
        return Err(ImageRefError::Invalid(grammar_problem(&rest)));
    };
    let name = caps.get(1).map_or("", |m| m.as_str());
    let Some(repository) = name
        .strip_prefix(registry)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return invalid("not of the form [registry/]repository[:tag][@digest]");
    };
    if repository.len() > REPOSITORY_PATH_MAX {
        return invalid("the repository path is longer than 255 characters");
    }
    let digest = caps.get(3).map(|m| m.as_str().to_string());
    if let Some(problem) = digest.as_deref().and_then(digest_problem) {
        return Err(ImageRefError::Invalid(problem));
    }
    Ok(ImageRef {
        registry: registry.to_string(),
        repository: repository.to_string(),
        tag: caps.get(2).map(|m| m.as_str().to_string()),
        digest,
    })
}

/// Gives every `registry_allowed` check of the catalog this allow-list (`scan --registries`),
/// replacing the one the catalog sets. Entries are trimmed; empty ones are dropped. An empty
/// list leaves the catalog as it is.
pub fn apply_allow_list(
    catalog: &mut crate::catalog::Catalog,
    registries: &[String],
) -> Result<(), String> {
    let list: Vec<String> = registries
        .iter()
        .map(|r| allow_list_entry(r))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect();
    if list.is_empty() {
        return Ok(());
    }
    for check in &mut catalog.checks {
        if let crate::checks::Assertion::Images(p) = &mut check.assertion {
            if p.require == Require::RegistryAllowed {
                p.registries = list.clone();
            }
        }
    }
    Ok(())
}

/// An allow-list entry as compared with image references (trimmed, no trailing `/`, Docker
/// Hub named once), or why it can never match one: a scheme (`https://`), a wildcard, a tag
/// or digest, or spaces. Such an entry would fail every image, so it is refused.
fn allow_list_entry(raw: &str) -> Result<String, String> {
    let entry = raw.trim().trim_end_matches('/');
    let why = if entry.contains("://") {
        Some("an image reference has no scheme: write the registry host alone (`registry.example.com`)")
    } else if entry.contains('*') {
        Some("entries are prefixes already: `registry.example.com` allows everything under it, no `*` needed")
    } else if entry.contains('@')
        || entry
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':') && entry.contains('/'))
    {
        Some("an entry is a registry host or a repository path, without tag or digest")
    } else if entry.contains(char::is_whitespace) {
        Some("an entry holds no spaces (separate entries with commas)")
    } else {
        None
    };
    // The first part of an image reference is its registry only with a `.`, a `:` or a
    // capital in it, or as `localhost` (distribution/reference's splitDockerDomain); any
    // other first part is Docker Hub's (`acme/web` is docker.io/acme/web), so such an entry
    // names no registry an image can come from.
    let host = entry.split('/').next().unwrap_or_default();
    if why.is_none()
        && !host.is_empty()
        && !host.contains(['.', ':'])
        && host != "localhost"
        && !host.bytes().any(|b| b.is_ascii_uppercase())
    {
        return Err(format!(
            "--registries: `{}` can never match an image: `{host}` is no registry host (a host has a `.` or a `:`, or is localhost); images without one come from Docker Hub: write `docker.io/{entry}`",
            raw.trim()
        ));
    }
    match why {
        Some(why) => Err(format!(
            "--registries: `{}` can never match an image: {why}",
            raw.trim()
        )),
        None => Ok(docker_hub_named_once(entry)),
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

/// An allow-list entry's registry host and repository prefix (`ghcr.io/acme` → `ghcr.io`,
/// `acme`; `registry.example` → `registry.example` and no prefix).
fn allow_entry(a: &str) -> (&str, &str) {
    let a = a.trim_end_matches('/');
    a.split_once('/').unwrap_or((a, ""))
}

/// Whether an image comes from an allow-list entry: its registry host, or a repository path
/// under it that is the image's repository or one of its parents (`ghcr.io/acme` allows
/// `ghcr.io/acme/web`, `docker.io/library/nginx` allows `nginx`; `ghcr.io/acme` does not
/// allow `ghcr.io/acme-evil/web`).
fn allowed(r: &ImageRef, registries: &[String]) -> bool {
    registries.iter().any(|a| {
        let (host, prefix) = allow_entry(a);
        // Host names are case-insensitive (`REGISTRY.EXAMPLE.COM` is registry.example.com);
        // repository paths are lowercase by the grammar.
        host.eq_ignore_ascii_case(&r.registry)
            && (prefix.is_empty()
                || r.repository
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
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

    /// A container's status, and why when the reference itself decides it: a reference that
    /// does not parse pins nothing (`on_fail` for `digest` and `tag_pinned`) and comes from
    /// no known registry (`error`); an image not set, or a placeholder filled in later, is
    /// left to a person (`manual`).
    fn judge(&self, parsed: &Result<ImageRef, ImageRefError>) -> (Status, Option<String>) {
        match parsed {
            Ok(r) if self.holds(r) => (Status::Pass, None),
            Ok(_) => (self.on_fail, None),
            // A registry written out before the placeholder decides the allow-list alone
            // when no allowed entry names that host.
            Err(ImageRefError::Placeholder(Some(host)))
                if self.require == Require::RegistryAllowed
                    && !self
                        .registries
                        .iter()
                        .any(|a| allow_entry(a).0.eq_ignore_ascii_case(host)) =>
            {
                (
                    self.on_fail,
                    Some(format!(
                        "registry {host} is not allowed (the rest of the reference is a placeholder filled in later)"
                    )),
                )
            }
            Err(e @ (ImageRefError::NotSet | ImageRefError::Placeholder(_))) => {
                (Status::Manual, Some(e.to_string()))
            }
            Err(e) if self.require == Require::RegistryAllowed => (
                Status::Error,
                Some(format!("{e}, so its registry is unknown")),
            ),
            Err(e) => (self.on_fail, Some(e.to_string())),
        }
    }
}

/// A container's image reference as written (`None` when it names none).
fn image_of<'a>(c: &Container<'a>) -> Option<&'a str> {
    c.value.get("image").and_then(Doc::as_str)
}

/// A container's image, parsed; not set when absent or empty.
fn parsed(image: Option<&str>) -> Result<ImageRef, ImageRefError> {
    image.map_or(Err(ImageRefError::NotSet), parse_image)
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
                .all(|c| p.judge(&parsed(image_of(c))).0 == Status::Pass)
        {
            out.findings
                .push(evidence::compact_pass(check, evidence::subject(obj)));
            continue;
        }
        let mut obs = Vec::new();
        let mut bad = Vec::new();
        let mut statuses = Vec::new();
        for c in containers {
            let image = image_of(c);
            let r = parsed(image);
            let (status, why) = p.judge(&r);
            statuses.push(status);
            let shown = image.unwrap_or_default();
            match (&why, status) {
                (_, Status::Pass) => {}
                (Some(why), _) if shown.trim().is_empty() => {
                    bad.push(format!("{} {}: {why}", c.role, c.name));
                }
                (Some(why), _) => bad.push(format!("{} {} ({shown}): {why}", c.role, c.name)),
                (None, _) => bad.push(format!("{} {} ({shown})", c.role, c.name)),
            }
            let path = format!("{}.image", c.path);
            let note = match &r {
                Ok(r) => format!("{} {}; registry {}", c.role, c.name, r.registry),
                Err(e) => format!("{} {}; {e}", c.role, c.name),
            };
            obs.push(Observation {
                source: evidence::source(obj, &path),
                path,
                observed: json!(image),
                expected: expected.clone(),
                holds: status == Status::Pass,
                note: Some(note),
            });
        }
        let subject = evidence::subject(obj);
        let status = Status::worst(statuses).unwrap_or(Status::Pass);
        let message = if bad.is_empty() {
            format!("{}: every image complies", subject.display())
        } else {
            format!("{}: {}", subject.display(), bad.join(", "))
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

    fn ok(image: &str) -> ImageRef {
        parse_image(image).unwrap_or_else(|e| panic!("{image}: {e}"))
    }

    fn invalid(image: &str) -> String {
        match parse_image(image) {
            Err(ImageRefError::Invalid(why)) => why,
            other => panic!("{image}: expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn parses_references() {
        let r = ok("nginx");
        assert_eq!((r.registry.as_str(), r.tag.clone()), ("docker.io", None));
        assert_eq!(r.repository, "library/nginx");
        let digest = format!("sha256:{}", "ab".repeat(32));
        let r = ok(&format!(
            "registry.k8s.io/ingress-nginx/controller:v1.9.4@{digest}"
        ));
        assert_eq!(r.registry, "registry.k8s.io");
        assert_eq!(r.tag.as_deref(), Some("v1.9.4"));
        assert_eq!(r.digest.as_deref(), Some(digest.as_str()));
        for hub in [
            "nginx:1.27",
            "index.docker.io/library/nginx:1.27",
            "index.docker.io/nginx:1.27",
            "docker.io/nginx:1.27",
        ] {
            let r = ok(hub);
            assert_eq!(
                (r.registry.as_str(), r.repository.as_str()),
                ("docker.io", "library/nginx"),
                "{hub}"
            );
        }
        let r = ok("localhost:5000/app");
        assert_eq!((r.registry.as_str(), r.tag), ("localhost:5000", None));
        assert_eq!(ok("localhost/app:1.0").registry, "localhost");
        assert_eq!(ok("[::1]:5000/app:1").registry, "[::1]:5000");
        // No `/`: Docker Hub's `localhost` image, tag 5000.
        let r = ok("localhost:5000");
        assert_eq!(
            (r.repository.as_str(), r.tag.as_deref()),
            ("library/localhost", Some("5000"))
        );
        assert_eq!(
            ok(&format!("nginx@sha512:{}", "b".repeat(128)))
                .digest
                .map(|d| d.len()),
            Some(135)
        );
        assert_eq!(ok("a__b/c-d--e/f.g:V1_x.y-z").repository, "a__b/c-d--e/f.g");
    }

    #[test]
    fn a_first_component_that_is_not_lowercase_is_a_registry_host() {
        // Repository names are lowercase, so the parser takes `Evil` for a host.
        let r = ok("Evil/app:1.0");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("Evil", "app")
        );
        assert_eq!(ok("MyRegistry/team/app").registry, "MyRegistry");
        assert!(!allowed(&r, &["docker.io".to_string()]));
        // Host names compare in any case.
        let r = ok("REGISTRY.EXAMPLE.COM/x:1");
        assert!(allowed(&r, &["registry.example.com".to_string()]));
    }

    #[test]
    fn references_the_kubelet_refuses_are_invalid() {
        for (image, why) in [
            ("nginx@sha256:abc", "the digest `sha256:abc`"),
            ("nginx@sha256:", "the digest"),
            ("nginx@latest", "the digest"),
            ("nginx:", "the tag ``"),
            ("nginx:1.0 ", "the tag `1.0 `"),
            (" nginx", "the repository name"),
            ("nginx:1.0@", "the digest ``"),
            ("nginx:-x", "the tag `-x`"),
            ("nginx:1.0:2.0", "the tag `1.0:2.0`"),
            (
                &format!("nginx@sha256:{}:1.0", "a".repeat(64)),
                "the digest",
            ),
            (&format!("nginx:{}", "a".repeat(129)), "the tag"),
            ("Nginx:1.0", "lowercase"),
            ("docker.io/Library/nginx", "lowercase"),
            ("ghcr.io/Acme/app:1", "lowercase"),
            (
                &format!("nginx@sha256:{}", "a".repeat(32)),
                "64 hex digits, not 32",
            ),
            (&format!("nginx@sha256:{}", "A".repeat(64)), "lowercase"),
            (&format!("nginx@md5:{}", "a".repeat(32)), "not sha256"),
            (&"a".repeat(64), "64-digit hex identifier"),
            (&format!("x/{}", "a".repeat(255)), "longer than 255"),
        ] {
            let got = invalid(image);
            assert!(got.contains(why), "{image}: {got}");
        }
        assert_eq!(ok(&format!("x/{}", "a".repeat(253))).repository.len(), 255);
        assert_eq!(parse_image(""), Err(ImageRefError::NotSet));
        assert_eq!(parse_image("  "), Err(ImageRefError::NotSet));
    }

    #[test]
    fn unparsed_and_unset_images_are_never_a_pass() {
        let p = |require| Params {
            require,
            registries: vec!["docker.io".into()],
            on_fail: Status::Fail,
        };
        // A registry written out before the placeholder: not allowed decides a fail.
        let untrusted = parse_image("untrusted.example.org/app:${TAG}");
        let (status, why) = p(Require::RegistryAllowed).judge(&untrusted);
        assert_eq!(status, Status::Fail, "{why:?}");
        assert_eq!(p(Require::TagPinned).judge(&untrusted).0, Status::Manual);
        // Not placeholders: a `$` that starts no variable is an invalid reference.
        assert!(matches!(
            parse_image("app:v1$"),
            Err(ImageRefError::Invalid(_))
        ));
        let bad = parse_image("nginx@sha256:abc");
        assert_eq!(p(Require::Digest).judge(&bad).0, Status::Fail);
        assert_eq!(p(Require::TagPinned).judge(&bad).0, Status::Fail);
        assert_eq!(p(Require::RegistryAllowed).judge(&bad).0, Status::Error);
        for require in [
            Require::Digest,
            Require::TagPinned,
            Require::RegistryAllowed,
        ] {
            let (status, why) = p(require).judge(&Err(ImageRefError::NotSet));
            assert_eq!(
                (status, why.as_deref()),
                (Status::Manual, Some("image not set"))
            );
            for placeholder in [
                "ko://knative.dev/serving/cmd/controller",
                "${CONTROLLER_IMAGE}",
                "$IMAGE",
                "docker.io/app:$TAG",
                "__IMAGE__",
                "{{ .Values.image.repository }}:{{ .Values.image.tag }}",
                "<your-image>",
            ] {
                let (status, why) = p(require).judge(&parse_image(placeholder));
                assert_eq!(status, Status::Manual, "{placeholder}");
                assert!(
                    why.is_some_and(|w| w.contains("placeholder")),
                    "{placeholder}"
                );
            }
        }
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
        apply_allow_list(&mut catalog, &[" ghcr.io/acme/ ".into(), String::new()])
            .expect("valid entries");
        let crate::checks::Assertion::Images(p) = &catalog
            .check("image-registry-not-allowed")
            .expect("check")
            .assertion
        else {
            panic!("images assertion");
        };
        assert_eq!(p.registries, vec!["ghcr.io/acme".to_string()]);
        for bad in [
            "https://registry.example.com",
            "registry.example.com/*",
            "ghcr.io/acme/app:1.0",
            "a b",
            // No registry host: Docker Hub's `openpolicyagent/…` is docker.io/openpolicyagent.
            "openpolicyagent",
            "openpolicyagent/opa",
        ] {
            assert!(
                apply_allow_list(&mut catalog, &[bad.into()]).is_err(),
                "{bad}"
            );
        }
        // A registry port is no tag.
        assert!(apply_allow_list(&mut catalog, &["localhost:5000".into()]).is_ok());
        assert!(apply_allow_list(&mut catalog, &["localhost".into()]).is_ok());
        assert!(apply_allow_list(&mut catalog, &["docker.io/openpolicyagent".into()]).is_ok());
    }

    #[test]
    fn allow_list_by_registry_or_prefix() {
        let regs = vec!["ghcr.io/acme".to_string(), "registry.example".to_string()];
        assert!(allowed(&ok("ghcr.io/acme/app:1"), &regs));
        assert!(!allowed(&ok("ghcr.io/other/app:1"), &regs));
        assert!(!allowed(&ok("ghcr.io/acme-evil/app:1"), &regs));
        // An entry naming a whole repository allows that repository.
        assert!(allowed(&ok("ghcr.io/acme:1"), &regs));
        let repo = vec![docker_hub_named_once("docker.io/library/nginx")];
        assert!(allowed(&ok("nginx:1.27"), &repo));
        assert!(!allowed(&ok("nginx-unprivileged:1.27"), &repo));
        assert!(allowed(&ok("registry.example/x:1"), &regs));
        assert!(!allowed(&ok("registry.example.evil.io/x:1"), &regs));
        assert!(!allowed(&ok("nginx:1"), &regs));
        let hub = vec![docker_hub_named_once("index.docker.io/library")];
        assert!(allowed(&ok("nginx:1.27"), &hub));
        assert!(allowed(&ok("docker.io/library/nginx:1.27"), &hub));
        assert!(!allowed(&ok("bitnami/nginx:1.27"), &hub));
    }
}
