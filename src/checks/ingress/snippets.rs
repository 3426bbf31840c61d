//! `snippets_allowed`: whether the ingress-nginx controller accepts snippet annotations
//! (`*-snippet`: raw nginx configuration from whoever can write an Ingress, CVE-2021-25742).
//!
//! Decided per controller container (an image of `images`) from two facts, as the controller
//! itself decides:
//! - its release, read from the image tag: before `option_since` (0.49.1, 1.0.1) there is no
//!   way to refuse snippets; `allow-snippet-annotations` defaults to `"true"` before
//!   `off_by_default_since` (1.9.0) and to `"false"` from it; from `risk_level_since` (1.9.0)
//!   snippets, rated Critical, are also refused unless `annotations-risk-level` is
//!   `Critical`, its default until `risk_level_high_since` (1.12.0) and `High` from it;
//! - the controller's global ConfigMap: the one its `--configmap=NAMESPACE/NAME` flag names
//!   (after the kubelet's `$(VAR)` expansion; `$(POD_NAMESPACE)` from the downward API is the
//!   workload's namespace). Without the flag the controller reads no ConfigMap and runs on its
//!   defaults (`pkg/flags`: the flag defaults to empty), and so does it when the named
//!   ConfigMap does not exist in a cluster. Values are read as the controller reads them
//!   (`allow-snippet-annotations` with Go's `strconv.ParseBool`, an empty value being
//!   false and an unreadable one leaving the default; the risk level in any letter case, an
//!   unknown word being Low).
//!
//! Unknown is never pass: a tag that names no release (digest only, `latest`, `v1.12`), a
//! `--configmap` value the input does not show, or a named ConfigMap missing from manifests
//! leave the container `manual`, unless what is known already decides (a release before the
//! option fails whatever the ConfigMap says). No controller in the input is `not_applicable`.

use crate::checks::path::Lookup;

use serde_json::json;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::command_line::{self, ContainerEnv, EnvValue};
use crate::checks::release::{self, Standing, Version};
use crate::checks::{evidence, flag, Context, Outcome};
use crate::document::Doc;
use crate::inventory::{KindState, Object};
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// The ConfigMap key that lets Ingresses use snippet annotations.
const ALLOW_KEY: &str = "allow-snippet-annotations";
/// The ConfigMap key that sets the highest annotation risk the controller accepts.
const RISK_KEY: &str = "annotations-risk-level";

/// What the controller's releases do about snippets (catalog data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Releases {
    /// Image repositories that are the controller (mirrors of the same path match).
    pub images: Vec<String>,
    /// The releases that added `allow-snippet-annotations`, one per minor line.
    pub option_since: Vec<Version>,
    /// The release from which `allow-snippet-annotations` defaults to false.
    pub off_by_default_since: Version,
    /// The release that added `annotations-risk-level`.
    pub risk_level_since: Version,
    /// The release from which `annotations-risk-level` defaults to High.
    pub risk_level_high_since: Version,
}

fn read_versions(node: &Node, r: &mut Reader, key: &str, what: &str) -> Vec<Version> {
    let line = node.get(key).map_or(node.line, |n| n.line);
    let mut out = Vec::new();
    for v in r.string_list(node, key, what) {
        match release::parse(&v) {
            Some(x) => out.push(x),
            None => r.error(line, format!("{what}: `{v}` is not a version like 1.12.1")),
        }
    }
    out.sort_unstable();
    out
}

fn read_version(node: &Node, r: &mut Reader, key: &str, what: &str) -> Option<Version> {
    let text = r.string(node, key, what)?;
    let v = release::parse(&text);
    if v.is_none() {
        let line = node.get(key).map_or(node.line, |n| n.line);
        r.error(
            line,
            format!("{what}: `{key}` must be a version like 1.9.0, found `{text}`"),
        );
    }
    v
}

impl Releases {
    /// Reads `images`, `option_since`, `off_by_default_since`, `risk_level_since` and
    /// `risk_level_high_since`.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Releases> {
        let images = r.string_list(node, "images", what);
        let option_since = read_versions(node, r, "option_since", what);
        let off = read_version(node, r, "off_by_default_since", what);
        let risk = read_version(node, r, "risk_level_since", what);
        let high = read_version(node, r, "risk_level_high_since", what);
        if images.is_empty() || option_since.is_empty() {
            r.error(
                node.line,
                format!("{what}: `snippets_allowed` needs `images` and `option_since`"),
            );
            return None;
        }
        Some(Releases {
            images,
            option_since,
            off_by_default_since: off?,
            risk_level_since: risk?,
            risk_level_high_since: high?,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        format!(
            "Requires the ingress-nginx controller (images containing {}) to refuse snippet annotations: a release with `{ALLOW_KEY}` (from {}), and in the ConfigMap its --configmap flag names `{ALLOW_KEY}` false (the default from {}) or, from {}, `{RISK_KEY}` below Critical (High by default from {})",
            self.images.join(" or "),
            release::list_words(&self.option_since).replace(", ", " / "),
            release::words(self.off_by_default_since),
            release::words(self.risk_level_since),
            release::words(self.risk_level_high_since),
        )
    }
}

/// A setting of the controller: what the ConfigMap says, or the release's default.
#[derive(Debug, Clone, PartialEq)]
enum Setting {
    /// Written in the ConfigMap (the text as written), read as `value` (the default when the
    /// text cannot be read: `unreadable`).
    Written {
        text: String,
        value: Option<bool>,
        unreadable: bool,
    },
    /// Not written; the release's default, when the release is known.
    Default(Option<bool>),
    /// The ConfigMap cannot be seen: why.
    Unknown(String),
}

/// Where the controller's settings come from.
enum Source<'a> {
    /// No ConfigMap is read: why (no `--configmap`, an unreadable value, or it does not exist).
    Defaults(String),
    /// The ConfigMap the flag names.
    ConfigMap(&'a Object),
    /// The ConfigMap cannot be seen: why.
    Unknown(String),
}

/// References whose value the input does not show: variable → why.
type Unresolved = Vec<(String, String)>;

/// The controller container's arguments after the kubelet's `$(VAR)` expansion, with the
/// downward-API namespace filled in; `Err` when a shell script cannot be split into words.
fn arguments(container: &Doc, namespace: &str) -> Result<(Vec<String>, Unresolved), String> {
    let mut env = ContainerEnv::of(container);
    for v in container
        .get("env")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
    {
        let field = v.at("/valueFrom/fieldRef/fieldPath").and_then(Doc::as_str);
        if let (Some(name), Some("metadata.namespace")) =
            (v.get("name").and_then(Doc::as_str), field)
        {
            env.vars
                .insert(name.to_string(), EnvValue::Known(namespace.to_string()));
        }
    }
    let raw: Vec<&str> = ["command", "args"]
        .iter()
        .flat_map(|k| {
            container
                .get(k)
                .and_then(Doc::as_array)
                .into_iter()
                .flatten()
                .filter_map(Doc::as_str)
        })
        .collect();
    let mut unresolved = Vec::new();
    let mut tokens = Vec::new();
    for t in raw {
        let (text, missing) = command_line::expand(t, &env);
        unresolved.extend(missing);
        tokens.push(text);
    }
    if let Some(script) = command_line::shell_script(&tokens) {
        let words = command_line::shell_words(script).map_err(|why| {
            format!("the container runs a shell script whose words cannot be read ({why})")
        })?;
        return Ok((words, unresolved));
    }
    Ok((tokens, unresolved))
}

/// The ConfigMap the controller reads, and what the `--configmap` flag says (for the evidence).
fn source<'a>(ctx: &'a Context, container: &Doc, namespace: &str) -> (Source<'a>, Option<String>) {
    let inv = ctx.inventory;
    let (tokens, unresolved) = match arguments(container, namespace) {
        Ok(x) => x,
        Err(why) => return (Source::Unknown(why), None),
    };
    let flags = flag::parse_flags(&tokens);
    let Some(value) = flags.get("--configmap").and_then(|v| v.last()).cloned() else {
        // ConfigMaps beside it that set the keys are not read: say so, they look decisive.
        let beside: Vec<String> = inv
            .of_kind("ConfigMap")
            .filter(|cm| cm.namespace.as_deref() == Some(namespace))
            .filter(|cm| written(cm, ALLOW_KEY).is_some() || written(cm, RISK_KEY).is_some())
            .map(|cm| format!("{namespace}/{}", cm.name))
            .collect();
        let mut why = "the controller is given no --configmap flag (its default is empty), so it reads no ConfigMap and runs on its defaults".to_string();
        if !beside.is_empty() {
            why.push_str(&format!(
                "; ConfigMap {} sets snippet settings but is not read by this controller",
                beside.join(", ")
            ));
        }
        return (Source::Defaults(why), None);
    };
    if let Some((var, why)) = unresolved
        .iter()
        .find(|(var, _)| value.contains(&format!("$({var})")))
    {
        return (
            Source::Unknown(format!("--configmap={value} uses $({var}), which {why}")),
            Some(value),
        );
    }
    let parts: Vec<&str> = value.split('/').collect();
    let [ns, name] = parts.as_slice() else {
        return (
            Source::Defaults(format!(
                "--configmap={value} is not NAMESPACE/NAME, so the controller reads no ConfigMap and runs on its defaults"
            )),
            Some(value),
        );
    };
    if let Some(cm) = inv.find("ConfigMap", Some(ns), name) {
        return (Source::ConfigMap(cm), Some(value));
    }
    let not_read = !inv.namespaces.is_empty() && !inv.namespaces.iter().any(|n| n == ns)
        || inv.excluded_namespaces.iter().any(|n| n == ns);
    let why = if !crate::checks::absence_is_known(inv) {
        Some(format!(
            "ConfigMap {ns}/{name}, which --configmap names, is not in the given files; manifests show only what was given"
        ))
    } else if let KindState::Failed(r) | KindState::NotServed(r) = inv.kind_state("ConfigMap") {
        Some(format!("ConfigMap objects were not read: {r}"))
    } else if not_read {
        Some(format!(
            "namespace {ns} was not read by this scan (limited by --namespace/--exclude-namespace)"
        ))
    } else {
        None
    };
    match why {
        Some(why) => (Source::Unknown(why), Some(value)),
        None => (
            Source::Defaults(format!(
                "ConfigMap {ns}/{name}, which --configmap names, does not exist, so the controller runs on its defaults"
            )),
            Some(value),
        ),
    }
}

/// Go's `strconv.ParseBool`, as the controller's decoder reads a ConfigMap value (an empty
/// value is false; an unreadable one is `None`: the default stays).
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" | "" => Some(false),
        _ => None,
    }
}

/// Whether a risk level lets Critical annotations (snippets) through.
fn risk_allows_snippets(text: &str) -> bool {
    text.eq_ignore_ascii_case("critical")
}

fn written(cm: &Object, key: &str) -> Option<String> {
    let v = cm.value.at("/data")?.get(key)?;
    Some(match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_value().to_string(),
    })
}

/// Where a release stands, in what decides snippets.
struct Release {
    /// The version, when the tag names one release.
    version: Option<(Version, bool)>,
    /// `Some(false)`: the release predates `allow-snippet-annotations`.
    has_option: Option<bool>,
}

fn release_of(image: &str, rel: &Releases) -> Release {
    let Some(tag) = super::release_tag(image) else {
        return Release {
            version: None,
            has_option: None,
        };
    };
    match release::standing_of(tag, &rel.option_since) {
        None => Release {
            version: None,
            has_option: None,
        },
        Some((v, standing)) => Release {
            version: Some((v, release::is_prerelease(tag))),
            has_option: match standing {
                Standing::Fixed | Standing::NewerLine => Some(true),
                Standing::Predates(_) => Some(false),
                Standing::PreReleaseOfFix(_) => None,
            },
        },
    }
}

/// A default that changed at `since`: `before` for older releases, `!before` from it;
/// unknown for an unknown release or a pre-release of `since` itself.
fn default_from(version: Option<(Version, bool)>, since: Version, before: bool) -> Option<bool> {
    let (v, pre) = version?;
    if v == since && pre {
        return None;
    }
    Some(if v < since { before } else { !before })
}

/// The first word for true, the second for false.
fn pick(v: bool, of: [&str; 2]) -> &str {
    if v {
        of[0]
    } else {
        of[1]
    }
}

/// Evaluates `snippets_allowed`: one finding per controller container.
pub fn evaluate(check: &Check, ctx: &Context, rel: &Releases, out: &mut Outcome) {
    for (w, containers) in ctx.workloads() {
        let obj = w.object;
        let namespace = obj.namespace.as_deref().unwrap_or("default");
        for c in containers.iter().filter(|c| c.role == "container") {
            let image = c
                .value
                .get("image")
                .and_then(Doc::as_str)
                .unwrap_or_default();
            if !rel.images.iter().any(|i| super::image_is(image, i)) {
                continue;
            }
            out.findings
                .push(judge(check, ctx, rel, obj, c, image, namespace));
        }
    }
    if out.findings.is_empty() {
        out.empty_reason = format!(
            "no container runs the ingress-nginx controller (an image containing {})",
            rel.images.join(" or ")
        );
        if !crate::checks::absence_is_known(ctx.inventory) {
            out.empty_reason.push_str(
                "; manifests show only what was given, so absence from them proves nothing",
            );
        }
    }
}

fn judge(
    check: &Check,
    ctx: &Context,
    rel: &Releases,
    obj: &Object,
    c: &crate::checks::workload::Container,
    image: &str,
    namespace: &str,
) -> crate::results::Finding {
    let release = release_of(image, rel);
    let version_words = match release.version {
        Some((v, false)) => release::words(v),
        Some((_, true)) => super::release_tag(image).unwrap_or_default().to_string(),
        None => "an unknown release".to_string(),
    };
    let option_words = release::list_words(&rel.option_since).replace(", ", " / ");
    let mut obs = vec![Observation {
        source: evidence::source(obj, &format!("{}.image", c.path)),
        path: format!("{}.image", c.path),
        observed: json!(image),
        expected: format!("{option_words} or later"),
        holds: release.has_option == Some(true),
        note: Some(format!("{} {}", c.role, c.name)),
    }];
    let subject = evidence::subject(obj);
    // The image is in the evidence; the message names the release it was read as.
    let who = format!("{} ({version_words})", subject.display());
    if release.has_option == Some(false) {
        return evidence::finding(
            check,
            Status::Fail,
            subject,
            obs,
            format!(
                "{who} predates `{ALLOW_KEY}` ({option_words}): every Ingress may carry snippets, whatever the ConfigMap says"
            ),
        );
    }
    let (src, flag_value) = source(ctx, c.value, namespace);
    obs.push(Observation {
        source: evidence::source(obj, &format!("{}.args", c.path)),
        path: format!("{} --configmap", c.path),
        observed: json!(flag_value),
        expected: "the controller's global ConfigMap".into(),
        holds: true,
        note: match &src {
            Source::Defaults(why) | Source::Unknown(why) => Some(why.clone()),
            Source::ConfigMap(_) => None,
        },
    });
    let setting = |key: &str, default: Option<bool>, read: fn(&str) -> Option<bool>| match &src {
        Source::ConfigMap(cm) => match written(cm, key) {
            Some(text) => {
                let parsed = read(&text);
                Setting::Written {
                    unreadable: parsed.is_none(),
                    value: parsed.or(default),
                    text,
                }
            }
            None => Setting::Default(default),
        },
        Source::Defaults(_) => Setting::Default(default),
        Source::Unknown(why) => Setting::Unknown(why.clone()),
    };
    let allow = setting(
        ALLOW_KEY,
        default_from(release.version, rel.off_by_default_since, true),
        go_bool,
    );
    // Whether the risk level lets snippets through; `Some(true)` for releases without it.
    let has_risk = default_from(release.version, rel.risk_level_since, false);
    let risk = match has_risk {
        Some(false) => None,
        _ => Some(setting(
            RISK_KEY,
            default_from(release.version, rel.risk_level_high_since, true),
            |t| Some(risk_allows_snippets(t)),
        )),
    };
    let place = |s: &Setting, key: &str| -> (String, String) {
        match (&src, s) {
            (Source::ConfigMap(cm), Setting::Written { .. }) => (
                evidence::source(cm, &format!("data.{key}")),
                format!(
                    "ConfigMap {}/{} data.{key}",
                    cm.namespace.as_deref().unwrap_or_default(),
                    cm.name
                ),
            ),
            (Source::ConfigMap(cm), _) => (
                evidence::source(cm, "data"),
                format!(
                    "ConfigMap {}/{} data.{key}",
                    cm.namespace.as_deref().unwrap_or_default(),
                    cm.name
                ),
            ),
            _ => (
                evidence::source(obj, &format!("{}.args", c.path)),
                format!("{key} (controller default)"),
            ),
        }
    };
    // In words: the key and what it says (`value`: the words of true and false).
    let words = |s: &Setting, key: &str, value: [&str; 2]| -> String {
        match s {
            Setting::Written {
                text,
                value: v,
                unreadable: true,
            } => format!(
                "{key} \"{text}\" (unreadable, so {} by default in {version_words})",
                v.map_or("unknown", |v| pick(v, value))
            ),
            Setting::Written { text, .. } => format!("{key} \"{text}\""),
            Setting::Default(Some(v)) => {
                format!(
                    "{key} unset ({} by default in {version_words})",
                    pick(*v, value)
                )
            }
            Setting::Default(None) => {
                format!("{key} unset (the default of {version_words} is not known)")
            }
            Setting::Unknown(_) => format!("{key} not visible"),
        }
    };
    const ALLOW_WORDS: [&str; 2] = ["\"true\"", "\"false\""];
    const RISK_WORDS: [&str; 2] = ["Critical", "High"];
    let value_of = |s: &Setting| match s {
        Setting::Written { value, .. } => *value,
        Setting::Default(v) => *v,
        Setting::Unknown(_) => None,
    };
    let observed_of = |s: &Setting| match s {
        Setting::Written { text, .. } => json!(text),
        _ => serde_json::Value::Null,
    };
    let note_of = |s: &Setting, key: &str, value: [&str; 2]| match s {
        Setting::Written {
            unreadable: false, ..
        } => None,
        Setting::Unknown(why) => Some(why.clone()),
        _ => Some(words(s, key, value)),
    };
    let allow_value = value_of(&allow);
    let (s, p) = place(&allow, ALLOW_KEY);
    obs.push(Observation {
        source: s,
        path: p,
        observed: observed_of(&allow),
        expected: "\"false\"".into(),
        holds: allow_value == Some(false),
        note: note_of(&allow, ALLOW_KEY, ALLOW_WORDS),
    });
    let risk_value = risk.as_ref().map(value_of);
    if let Some(r) = &risk {
        let (s, p) = place(r, RISK_KEY);
        obs.push(Observation {
            source: s,
            path: p,
            observed: observed_of(r),
            expected: "below Critical (snippets are Critical)".into(),
            holds: risk_value == Some(Some(false)),
            note: note_of(r, RISK_KEY, RISK_WORDS),
        });
    }
    // Snippets get through when the option allows them and, where the release has a risk
    // level, that level is Critical.
    let risk_lets = match (has_risk, risk_value) {
        (Some(false), _) => Some(true),
        (_, Some(v)) => v,
        (_, None) => None,
    };
    let reasons = if let Source::Unknown(why) = &src {
        format!("the settings cannot be seen: {why}")
    } else {
        let mut r = vec![words(&allow, ALLOW_KEY, ALLOW_WORDS)];
        if let Some(x) = &risk {
            r.push(words(x, RISK_KEY, RISK_WORDS));
        }
        if let Source::Defaults(why) = &src {
            r.push(why.clone());
        }
        r.join("; ")
    };
    let (status, message) = match (allow_value, risk_lets) {
        (Some(true), Some(true)) => (
            Status::Fail,
            format!("{who} accepts snippet annotations: {reasons}"),
        ),
        (Some(false), _) | (_, Some(false)) if release.has_option == Some(true) => (
            Status::Pass,
            format!("{who} refuses snippet annotations: {reasons}"),
        ),
        _ => (
            Status::Manual,
            format!(
                "{who}: whether snippet annotations are refused cannot be told ({reasons}{}); check the controller's release and its ConfigMap",
                if release.version.is_none() {
                    "; the release cannot be read from the image tag"
                } else {
                    ""
                }
            ),
        ),
    };
    evidence::finding(check, status, subject, obs, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_the_controller_reads_them() {
        assert_eq!(go_bool("True"), Some(true));
        assert_eq!(go_bool("1"), Some(true));
        assert_eq!(go_bool(""), Some(false));
        assert_eq!(go_bool("yes"), None);
        assert!(risk_allows_snippets("critical"));
        assert!(!risk_allows_snippets("High"));
        assert!(!risk_allows_snippets("Bogus"));
    }

    #[test]
    fn defaults_change_at_their_release() {
        let since = (1, 9, 0);
        assert_eq!(
            default_from(Some(((1, 8, 4), false)), since, true),
            Some(true)
        );
        assert_eq!(
            default_from(Some(((1, 9, 0), false)), since, true),
            Some(false)
        );
        assert_eq!(default_from(Some(((1, 9, 0), true)), since, true), None);
        assert_eq!(default_from(None, since, true), None);
    }
}
