//! The catalog: checks, frameworks and component defaults, loaded from `controls/` and
//! validated before anything runs.
//!
//! The default catalog is embedded in the binary (see `build.rs`). `--catalog DIR` overlays a
//! directory laid out the same way: a file with the same relative path replaces the embedded
//! one, other files are added. Loading never stops at the first problem: every problem is
//! returned with file and line.

pub mod reader;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::checks::Assertion;
use crate::yaml::{self, Node, NodeValue};
use reader::Reader;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The catalog's own version (bumped when checks change meaning).
pub const CATALOG_VERSION: &str = "2026.11.0";

/// Check id prefixes that describe an action instead of the condition flagged.
pub const BANNED_ID_PREFIXES: &[&str] = &["ensure-", "check-", "avoid-", "use-", "prefer-"];

/// One problem in the catalog, at its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct LoadError {
    /// Catalog file (relative to the catalog root, or as given).
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// What is wrong and what is expected.
    pub message: String,
}

/// Every problem found while loading a catalog.
#[derive(Debug, Clone, thiserror::Error)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the catalog has {} problem(s):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        write!(
            f,
            "fix them, then run `kubeattest catalog validate DIR` again"
        )
    }
}

/// Writes the problems of an input file (exceptions, attestations, configuration): how many,
/// what to do, then one per line with its file and line.
pub fn write_file_problems(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    errors: &[LoadError],
) -> fmt::Result {
    writeln!(
        f,
        "the {what} file has {} problem(s); fix them and run again:",
        errors.len()
    )?;
    for e in errors {
        writeln!(f, "  {e}")?;
    }
    Ok(())
}

/// How bad a failing check is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational or hygiene.
    Low,
    /// Weakens a defence.
    Medium,
    /// Opens a path to compromise.
    High,
    /// Directly exploitable or cluster-wide.
    Critical,
}

impl Severity {
    fn parse(s: &str) -> Option<Severity> {
        match s {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// One check: documentation plus exactly one assertion.
#[derive(Debug, Clone)]
pub struct Check {
    /// Stable kebab-case id naming the condition flagged.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Severity of a failure.
    pub severity: Severity,
    /// What the check looks at.
    pub description: String,
    /// Why the condition matters.
    pub rationale: String,
    /// How to fix it.
    pub remediation: String,
    /// What the check cannot see.
    pub limits: Option<String>,
    /// Benchmarks and documentation.
    pub references: Vec<String>,
    /// Equivalent ids in other tools, several per tool where the tool splits the condition
    /// (`kubescape: [C-0034, C-0190]`).
    pub peers: BTreeMap<String, Vec<String>>,
    /// How it decides.
    pub assertion: Assertion,
    /// Catalog file and line where it is defined.
    pub file: String,
    /// 1-based line of its `id`.
    pub line: u32,
}

/// One benchmark item.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// The benchmark's id (`5.2.2`).
    pub id: String,
    /// The benchmark's short title.
    pub title: String,
    /// Id of the section holding it.
    pub section: String,
    /// The benchmark's own automated/manual label.
    pub automated: bool,
    /// Profile / level, when the benchmark has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Checks deciding it (none: the item is manual).
    pub checks: Vec<String>,
    /// What an auditor does to assess it by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    /// Line of the item in its framework file.
    #[serde(skip)]
    pub line: u32,
    /// Line of each entry of `checks`.
    #[serde(skip)]
    pub check_lines: Vec<u32>,
    /// Checks of the item that `--check`/`--skip` left out of this run (in catalog order):
    /// the item is judged without them, so it cannot pass, and the report still lists
    /// them. Empty in a catalog as loaded.
    #[serde(skip)]
    pub not_run: Vec<String>,
}

/// A section of a framework.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Section id (`5.2`).
    pub id: String,
    /// Section title.
    pub title: String,
    /// Id of the enclosing section, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// A benchmark: its sections and items in the benchmark's order.
#[derive(Debug, Clone)]
pub struct Framework {
    /// Id used on the command line (`cis-1.12`).
    pub id: String,
    /// Title.
    pub title: String,
    /// The benchmark's version.
    pub version: String,
    /// Who publishes it.
    pub publisher: Option<String>,
    /// Where to read it.
    pub url: Option<String>,
    /// Sections, depth-first.
    pub sections: Vec<Section>,
    /// Items, depth-first in benchmark order.
    pub items: Vec<Item>,
    /// The framework file.
    pub file: String,
}

/// A control-plane or node component.
#[derive(Debug, Clone, Default)]
pub struct Component {
    /// Component name (`kube-apiserver`).
    pub name: String,
    /// Executable basenames that run it.
    pub binaries: Vec<String>,
    /// Documented defaults of its flags, used when a flag is absent.
    pub defaults: BTreeMap<String, String>,
    /// Flags that take a value (a path, a list, a number): given bare or empty, they are
    /// "set without a value", which satisfies no condition but `absent`'s opposite.
    pub value_flags: BTreeSet<String>,
    /// Numeric flags whose values at or below a bound have a special meaning (usually "off").
    pub numeric_flags: BTreeMap<String, NumericMeaning>,
    /// Flags whose empty value (`--f=`) is valid and means something of its own (nothing
    /// disabled, a server off): flag → that meaning, in words. Given empty, such a flag is
    /// judged on its empty value, not as "set without a value".
    pub empty_means: BTreeMap<String, String>,
    /// Flags holding `key=bool` pairs (`--feature-gates`): given more than once they merge
    /// per key, the later value winning, and each value is read as Go's `strconv.ParseBool`
    /// reads it (`0`, `False` → `false`).
    pub bool_map_flags: BTreeSet<String>,
    /// Boolean flags (pflag `Bool`): they never take the next argument as their value, so
    /// `--anonymous-auth false` is `--anonymous-auth` (true) and a stray `false`.
    pub bool_flags: BTreeSet<String>,
    /// Integer flags (pflag `Int`): read as Go's `strconv.ParseInt(s, 0, 64)` reads them
    /// (`030` is octal 24, `0xa` is 10, `1_00` is 100).
    pub int_flags: BTreeSet<String>,
    /// Flags holding one IP address (pflag `IP`): given more than once the last wins, and the
    /// address is compared as an address (`0:0:0:0:0:0:0:1` is `::1`).
    pub ip_flags: BTreeSet<String>,
    /// Deprecated list flags that, given with items, set two list flags at once
    /// (kube-apiserver `--admission-control`).
    pub exclusive_lists: Vec<ExclusiveList>,
    /// Flags naming a configuration file that takes over other flags.
    pub config_files: Vec<ConfigFile>,
    /// The component runs as a DaemonSet (kube-proxy): DaemonSet pod templates are searched
    /// too, as its pods listed from a cluster keep no containers.
    pub daemonset: bool,
    /// Flags whose empty value (`--f=`) is the same as not giving the flag (the component
    /// tests the value's length): flag → what the component then does, in words.
    pub empty_is_unset: BTreeMap<String, String>,
    /// The component runs on every node (the kubelet): node facts in which it is not found
    /// are an `error` (the collector could not see it), never `not_applicable`.
    pub every_node: bool,
    /// The component parses its flags with Go's flag package (etcd), not pflag: `_` in a
    /// flag name is not read as `-`.
    pub go_flag_package: bool,
    /// `bool_flags` lists every boolean flag of the component (the kubelet's): every other
    /// flag takes a value.
    pub all_bool_flags: bool,
    /// Flags whose values the component checks at start against a fixed set (TLS cipher
    /// suite names, TLS versions): another value makes it refuse to start.
    pub accepted_values: BTreeMap<String, AcceptedValues>,
}

/// The values a flag accepts (`value_sets` of components.yaml).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcceptedValues {
    /// What the values are, in words ("a TLS cipher suite name Go knows").
    pub what: String,
    /// The flag holds a comma-separated list and every occurrence adds items (pflag
    /// `StringSlice`): every item must be accepted. Otherwise the last occurrence decides.
    pub list: bool,
    /// The accepted values, exact (case-sensitive).
    pub values: BTreeSet<String>,
}

/// A deprecated list flag that, given with at least one item, enables exactly its items and
/// disables every other item of `all` (kube-apiserver `--admission-control`, per
/// `computePluginNames`); the component refuses to start when it is combined with a non-empty
/// `enables` or `disables` flag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExclusiveList {
    /// The deprecated flag (`--admission-control`).
    pub flag: String,
    /// The list flag it stands for the items of (`--enable-admission-plugins`).
    pub enables: String,
    /// The list flag every other item goes to (`--disable-admission-plugins`).
    pub disables: String,
    /// Every item the component knows, in its order.
    pub all: Vec<String>,
    /// Items the component registers only in other releases than the catalog's, with when
    /// (`PodSecurityPolicy: removed in 1.25`): given one, a release without it refuses to
    /// start, so a condition on the lists is `manual`. Any other item not in `all` makes the
    /// component refuse to start, and a condition on the lists is `error`.
    pub other_releases: BTreeMap<String, String>,
}

/// A flag that names a configuration file which takes over other flags (kube-proxy and
/// kube-scheduler `--config`, etcd `--config-file`, kube-apiserver `--authorization-config`).
/// When it is on the command line, the flags it takes over no longer say what the component
/// runs with: a condition on them is decided by the file's setting when `keys` names that
/// setting and the file can be seen (mounted from a ConfigMap in the input, or read on the
/// node by `kubeattest node`), else left to be confirmed by hand.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    /// The flag that names the file (`--config`).
    pub flag: String,
    /// Flags the file decides whether or not they are given (the component ignores them):
    /// flag → the setting in the file that decides, in words.
    pub replaces: BTreeMap<String, String>,
    /// When set, the file decides every other flag (etcd): where in the file, in words.
    pub replaces_all: Option<String>,
    /// Flags the file may set when they are not on the command line (given, the flag
    /// decides): flag → the setting in the file, in words.
    pub may_set: BTreeMap<String, String>,
    /// The `kind` the file declares (`KubeProxyConfiguration`), when `keys` can be read.
    pub kind: Option<String>,
    /// Settings read from the file (from a ConfigMap in the input, or on the node): flag →
    /// the file's key and the value it takes when absent or empty.
    pub keys: BTreeMap<String, FileKey>,
    /// Further keys read on the node for checks of the file itself, not of a flag (the
    /// resources and provider types of an EncryptionConfiguration). Each is a [`FileKey`]
    /// path; only what it names is recorded, so a key never reaches key material.
    pub reads: Vec<String>,
}

/// A setting of a configuration file that stands for a flag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileKey {
    /// Dotted path of the key in the file (`metricsBindAddress`); `list[].field` takes the
    /// field of every item (`authorizers[].type`).
    pub key: String,
    /// The value the component uses when the key is absent or empty.
    pub default: Option<String>,
}

impl ConfigFile {
    /// The setting in the file that decides `flag`, when the file decides it; `given` says
    /// whether `flag` is on the command line.
    pub fn decides(&self, flag: &str, given: bool) -> Option<&str> {
        if flag == self.flag {
            return None;
        }
        if let Some(s) = self.replaces.get(flag) {
            return Some(s);
        }
        if let Some(s) = self.may_set.get(flag).filter(|_| !given) {
            return Some(s);
        }
        self.replaces_all.as_deref()
    }
}

/// What a numeric flag's value at or below `at_or_below` means (`0` switches the
/// terminated-pod garbage collector off).
#[derive(Debug, Clone, PartialEq)]
pub struct NumericMeaning {
    /// Values at or below this bound have the meaning.
    pub at_or_below: f64,
    /// The meaning, in words, for evidence.
    pub means: String,
}

/// The loaded, validated catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Catalog version.
    pub version: String,
    /// SHA-256 over every catalog file (path and contents, in path order).
    pub digest: String,
    /// Checks in file order.
    pub checks: Vec<Check>,
    /// Frameworks, sorted by id.
    pub frameworks: Vec<Framework>,
    /// Components by name.
    pub components: BTreeMap<String, Component>,
    /// Built-in RBAC subjects, roles and bindings (`rbac.yaml`).
    pub rbac: crate::checks::rbac::Settings,
    /// Credentials recognised by value (`credentials.yaml`).
    pub credentials: crate::checks::credentials::Settings,
    /// The `--catalog` overlay, when one was applied.
    pub overlay: Option<crate::results::CatalogOverlay>,
    /// YAML files of the overlay that no part of the catalog reads (for a warning).
    pub overlay_unread: Vec<String>,
}

/// Catalog files: relative path → text (the built-in ones borrowed from the binary, not
/// copied: every scan starts by reading them).
pub type Files = BTreeMap<String, Cow<'static, str>>;

/// The catalog compiled into the binary.
pub fn embedded_files() -> Files {
    embedded::CATALOG_FILES
        .iter()
        .map(|(p, t)| (p.to_string(), Cow::Borrowed(*t)))
        .collect()
}

/// The components of the embedded catalog (`components.yaml` alone): what `kubeattest node`
/// needs, without reading the checks and frameworks.
pub fn embedded_components() -> Result<BTreeMap<String, Component>, LoadErrors> {
    let text = embedded::CATALOG_FILES
        .iter()
        .find(|(path, _)| *path == "components.yaml")
        .map_or("", |(_, text)| *text);
    let mut errors = Vec::new();
    match read_file("components.yaml", text, &mut errors) {
        Part::Components(c) if errors.is_empty() => Ok(c),
        _ => Err(LoadErrors(errors)),
    }
}

/// The credential value patterns of the embedded catalog (`credentials.yaml` alone): what
/// redaction applies when no catalog was loaded (see
/// [`crate::checks::credentials::redaction_patterns`]).
pub(crate) fn embedded_credentials() -> crate::checks::credentials::Settings {
    let text = embedded::CATALOG_FILES
        .iter()
        .find(|(path, _)| *path == "credentials.yaml")
        .map_or("", |(_, text)| *text);
    match read_file("credentials.yaml", text, &mut Vec::new()) {
        Part::Credentials(s) => s,
        _ => crate::checks::credentials::Settings::default(),
    }
}

/// The demo cluster compiled into the binary (used by `collect::demo`).
pub(crate) fn demo_files() -> &'static [(&'static str, &'static str)] {
    embedded::DEMO_FILES
}

/// Reads every `.yaml`/`.yml` file under `dir` (relative paths as keys). Unreadable files
/// are load errors.
pub fn read_dir(dir: &Path) -> Result<Files, LoadErrors> {
    let mut files = Files::new();
    let mut errors = Vec::new();
    if !dir.is_dir() {
        return Err(LoadErrors(vec![LoadError {
            file: dir.display().to_string(),
            line: 0,
            message:
                "not a directory; pass a folder laid out like `controls/` (checks/, frameworks/)"
                    .into(),
        }]));
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(LoadError {
                    file: dir.display().to_string(),
                    line: 0,
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        let path = entry.path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if !entry.file_type().is_file() || !is_yaml {
            continue;
        }
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        match std::fs::read_to_string(path) {
            Ok(text) => {
                files.insert(rel, Cow::Owned(text));
            }
            Err(e) => errors.push(LoadError {
                file: path.display().to_string(),
                line: 0,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(LoadErrors(errors))
    }
}

/// Loads the embedded catalog, overlaid with `overlay` when given.
pub fn load(overlay: Option<&Path>) -> Result<Catalog, LoadErrors> {
    let mut files = embedded_files();
    let mut applied = None;
    let mut unread = Vec::new();
    if let Some(dir) = overlay {
        // Recorded in every report, so an auditor sees the catalog was not the stock one
        // (changed severities move `--fail-on` gates) and can compare with the stock digest.
        let builtin_digest = digest(&files);
        let extra = read_dir(dir)?;
        applied = Some(crate::results::CatalogOverlay {
            path: dir.display().to_string(),
            // Files the catalog does not read (notes) are warned about, not listed.
            files: extra
                .keys()
                .filter(|name| is_read(name))
                .map(|name| {
                    let replaces = files.contains_key(name);
                    crate::results::OverlayFile {
                        name: name.clone(),
                        replaces,
                    }
                })
                .collect(),
            builtin_digest,
        });
        unread = extra.keys().filter(|n| !is_read(n)).cloned().collect();
        files.extend(extra);
    }
    let mut catalog = from_files(&files)?;
    catalog.overlay = applied;
    catalog.overlay_unread = unread;
    crate::checks::credentials::register_for_redaction(&catalog.credentials);
    Ok(catalog)
}

fn digest(files: &Files) -> String {
    let mut h = Sha256::new();
    for (path, text) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    format!("sha256:{:x}", h.finalize())
}

/// Whether a catalog file (path relative to the catalog folder) is read: checks and
/// frameworks in their folders, and the three settings files at the top. Any other YAML file
/// is ignored, so the folder can hold notes.
pub fn is_read(path: &str) -> bool {
    path.starts_with("checks/")
        || path.starts_with("frameworks/")
        || matches!(path, "components.yaml" | "rbac.yaml" | "credentials.yaml")
}

/// What one catalog file contributes.
enum Part {
    Checks(Vec<Check>),
    Framework(Framework),
    Components(BTreeMap<String, Component>),
    Rbac(crate::checks::rbac::Settings),
    Credentials(crate::checks::credentials::Settings),
    /// Other YAML files (none today) are ignored so the folder can hold notes.
    Nothing,
}

/// Parses and reads one catalog file; its problems go to `errors`.
fn read_file(path: &str, text: &str, errors: &mut Vec<LoadError>) -> Part {
    let doc = match yaml::parse_document(text) {
        Ok(d) => d,
        Err(e) => {
            errors.push(LoadError {
                file: path.to_string(),
                line: e.line,
                message: format!("invalid YAML: {}", e.message),
            });
            return Part::Nothing;
        }
    };
    let mut r = Reader {
        file: path.to_string(),
        errors,
    };
    if path.starts_with("checks/") {
        let mut checks = Vec::new();
        read_checks(&doc, &mut r, &mut checks);
        Part::Checks(checks)
    } else if path.starts_with("frameworks/") {
        read_framework(&doc, &mut r).map_or(Part::Nothing, Part::Framework)
    } else if path == "components.yaml" {
        let mut components = BTreeMap::new();
        read_components(&doc, &mut r, &mut components);
        Part::Components(components)
    } else if path == "rbac.yaml" {
        Part::Rbac(crate::checks::rbac::Settings::read(&doc, &mut r))
    } else if path == "credentials.yaml" {
        Part::Credentials(crate::checks::credentials::Settings::read(&doc, &mut r))
    } else {
        Part::Nothing
    }
}

/// Parses and validates a set of catalog files.
pub fn from_files(files: &Files) -> Result<Catalog, LoadErrors> {
    use rayon::prelude::*;
    // Every scan starts here: the files are read on all cores, the digest alongside.
    let (parts, digest) = rayon::join(
        || {
            files
                .par_iter()
                .map(|(path, text)| {
                    let mut errors = Vec::new();
                    let part = read_file(path, text, &mut errors);
                    (part, errors)
                })
                .collect::<Vec<_>>()
        },
        || digest(files),
    );
    let mut errors = Vec::new();
    let mut checks = Vec::new();
    let mut frameworks = Vec::new();
    let mut components = BTreeMap::new();
    let mut rbac = crate::checks::rbac::Settings::default();
    let mut credentials = crate::checks::credentials::Settings::default();
    // Merged in path order, as a sequential read would have.
    for (part, mut file_errors) in parts {
        errors.append(&mut file_errors);
        match part {
            Part::Checks(mut c) => checks.append(&mut c),
            Part::Framework(fw) => frameworks.push(fw),
            Part::Components(mut c) => components.append(&mut c),
            Part::Rbac(s) => rbac = s,
            Part::Credentials(s) => credentials = s,
            Part::Nothing => {}
        }
    }
    cross_validate(&checks, &frameworks, &mut errors);
    frameworks.sort_by(|a, b| a.id.cmp(&b.id));
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(LoadErrors(errors));
    }
    Ok(Catalog {
        version: CATALOG_VERSION.into(),
        digest,
        checks,
        frameworks,
        components,
        rbac,
        credentials,
        overlay: None,
        overlay_unread: Vec::new(),
    })
}

fn read_checks(doc: &Node, r: &mut Reader, out: &mut Vec<Check>) {
    r.known_keys(doc, "a checks file", &["checks"]);
    for node in r.seq(doc, "checks", "a checks file") {
        if let Some(c) = read_check(node, r) {
            out.push(c);
        }
    }
}

const CHECK_KEYS: &[&str] = &[
    "id",
    "title",
    "severity",
    "description",
    "rationale",
    "remediation",
    "limits",
    "references",
    "peers",
    "assert",
];

fn read_check(node: &Node, r: &mut Reader) -> Option<Check> {
    let id = r.string(node, "id", "a check");
    let what = format!("check `{}`", id.as_deref().unwrap_or("?"));
    r.known_keys(node, &what, CHECK_KEYS);
    let id_line = node.get("id").map_or(node.line, |n| n.line);
    if let Some(id) = &id {
        let kebab = id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !id.starts_with('-')
            && !id.ends_with('-');
        if !kebab {
            r.error(
                id_line,
                format!("check id `{id}` must be kebab-case (a-z, 0-9, -)"),
            );
        }
        if let Some(p) = BANNED_ID_PREFIXES.iter().find(|p| id.starts_with(**p)) {
            r.error(
                id_line,
                format!("check id `{id}` starts with `{p}`: name the condition flagged instead (e.g. `privileged-container`)"),
            );
        }
    }
    let title = r.string(node, "title", &what);
    let severity = r.string(node, "severity", &what).and_then(|s| {
        let sev = Severity::parse(&s);
        if sev.is_none() {
            let line = node.get("severity").map_or(node.line, |n| n.line);
            r.error(
                line,
                format!("unknown severity `{s}` in {what}; expected low, medium, high or critical"),
            );
        }
        sev
    });
    let description = r.string(node, "description", &what);
    let rationale = r.string(node, "rationale", &what);
    let remediation = r.string(node, "remediation", &what);
    let limits = r.opt_string(node, "limits", &what);
    let references = r.string_list(node, "references", &what);
    let peers = read_peers(node, r, &what);
    let assertion = match node.get("assert") {
        None => {
            r.error(node.line, format!("{what} has no `assert` block"));
            None
        }
        Some(a) => crate::checks::parse(a, r, &what),
    };
    Some(Check {
        id: id?,
        title: title?,
        severity: severity?,
        description: description?,
        rationale: rationale?,
        remediation: remediation?,
        limits,
        references,
        peers,
        assertion: assertion?,
        file: r.file.clone(),
        line: id_line,
    })
}

fn read_framework(doc: &Node, r: &mut Reader) -> Option<Framework> {
    r.known_keys(
        doc,
        "a framework",
        &[
            "id",
            "title",
            "version",
            "publisher",
            "url",
            "sections",
            "items",
        ],
    );
    let id = r.string(doc, "id", "a framework");
    let what = format!("framework `{}`", id.as_deref().unwrap_or("?"));
    let title = r.string(doc, "title", &what);
    let version = r.string(doc, "version", &what);
    let publisher = r.opt_string(doc, "publisher", &what);
    let url = r.opt_string(doc, "url", &what);
    let mut fw = Framework {
        id: id.clone().unwrap_or_default(),
        title: title.clone().unwrap_or_default(),
        version: version.clone().unwrap_or_default(),
        publisher,
        url,
        sections: Vec::new(),
        items: Vec::new(),
        file: r.file.clone(),
    };
    read_section_body(doc, None, r, &mut fw, &what);
    id?;
    title?;
    version?;
    Some(fw)
}

fn read_section_body(
    node: &Node,
    parent: Option<&str>,
    r: &mut Reader,
    fw: &mut Framework,
    what: &str,
) {
    for s in r.opt_seq(node, "sections", what) {
        r.known_keys(s, "a section", &["id", "title", "sections", "items"]);
        let id = r.string(s, "id", "a section").unwrap_or_default();
        let title = r
            .string(s, "title", &format!("section `{id}`"))
            .unwrap_or_default();
        fw.sections.push(Section {
            id: id.clone(),
            title,
            parent: parent.map(str::to_string),
        });
        read_section_body(s, Some(&id), r, fw, &format!("section `{id}`"));
    }
    for i in r.opt_seq(node, "items", what) {
        r.known_keys(
            i,
            "an item",
            &["id", "title", "automated", "profile", "checks", "audit"],
        );
        let id = r.string(i, "id", "an item").unwrap_or_default();
        let iw = format!("item `{id}`");
        let title = r.string(i, "title", &iw).unwrap_or_default();
        let automated = r.opt_bool(i, "automated", &iw).unwrap_or(false);
        let profile = r.opt_string(i, "profile", &iw);
        let checks = r.string_list(i, "checks", &iw);
        let check_lines = match i.get("checks").map(|n| &n.value) {
            Some(crate::yaml::NodeValue::Seq(items)) => items.iter().map(|n| n.line).collect(),
            _ => Vec::new(),
        };
        let audit = r.opt_string(i, "audit", &iw);
        if checks.is_empty() && audit.is_none() {
            r.error(
                i.line,
                format!("{iw} has no checks and no `audit` instructions; a manual item must tell the auditor what to do"),
            );
        }
        fw.items.push(Item {
            id,
            title,
            section: parent.unwrap_or("").to_string(),
            automated,
            profile,
            checks,
            audit,
            line: i.line,
            check_lines,
            not_run: Vec::new(),
        });
    }
}

/// `peers`: tool → one id or a list of ids.
fn read_peers(node: &Node, r: &mut Reader, what: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let Some(n) = node.get("peers").filter(|n| n.value != NodeValue::Null) else {
        return out;
    };
    for (tool, _) in r.map(n, &format!("`peers` of {what}")) {
        let ids = r.string_list(n, tool, &format!("`peers.{tool}` of {what}"));
        if ids.is_empty() {
            r.error(n.line, format!("`peers.{tool}` of {what} names no id"));
            continue;
        }
        out.insert(tool.to_string(), ids);
    }
    out
}

fn read_components(doc: &Node, r: &mut Reader, out: &mut BTreeMap<String, Component>) {
    r.known_keys(doc, "components.yaml", &["components", "value_sets"]);
    let value_sets = read_value_sets(doc, r);
    for c in r.seq(doc, "components", "components.yaml") {
        r.known_keys(
            c,
            "a component",
            &[
                "name",
                "binaries",
                "defaults",
                "value_flags",
                "numeric_flags",
                "empty_means",
                "bool_map_flags",
                "bool_flags",
                "int_flags",
                "ip_flags",
                "exclusive_lists",
                "config_files",
                "daemonset",
                "empty_is_unset",
                "every_node",
                "go_flag_package",
                "all_bool_flags",
                "accepted_values",
            ],
        );
        let Some(name) = r.string(c, "name", "a component") else {
            continue;
        };
        let what = format!("component `{name}`");
        let mut binaries = r.string_list(c, "binaries", &what);
        if binaries.is_empty() {
            binaries.push(name.clone());
        }
        let defaults = r.string_map(c, "defaults", &what);
        for flag in defaults.keys() {
            if !flag.starts_with("--") {
                r.error(
                    c.line,
                    format!("{what}: default `{flag}` must be written as `--flag`"),
                );
            }
        }
        let value_flags: BTreeSet<String> =
            r.string_list(c, "value_flags", &what).into_iter().collect();
        let mut numeric_flags = BTreeMap::new();
        if let Some(n) = c
            .get("numeric_flags")
            .filter(|n| n.value != NodeValue::Null)
        {
            for (flag, spec) in r.map(n, &format!("`numeric_flags` of {what}")) {
                let fw = format!("{what}, numeric flag `{flag}`");
                r.known_keys(spec, &fw, &["at_or_below", "means"]);
                let bound = spec.get("at_or_below").and_then(|b| match &b.value {
                    NodeValue::Number(x) => x.as_f64(),
                    _ => None,
                });
                let means = r.string(spec, "means", &fw);
                match (bound, means) {
                    (Some(at_or_below), Some(means)) => {
                        numeric_flags
                            .insert(flag.to_string(), NumericMeaning { at_or_below, means });
                    }
                    (None, _) => {
                        r.error(spec.line, format!("{fw}: `at_or_below` must be a number"))
                    }
                    _ => {}
                }
            }
        }
        let empty_means = r.string_map(c, "empty_means", &what);
        let empty_is_unset = r.string_map(c, "empty_is_unset", &what);
        let bool_map_flags: BTreeSet<String> = r
            .string_list(c, "bool_map_flags", &what)
            .into_iter()
            .collect();
        let bool_flags: BTreeSet<String> =
            r.string_list(c, "bool_flags", &what).into_iter().collect();
        let int_flags: BTreeSet<String> =
            r.string_list(c, "int_flags", &what).into_iter().collect();
        let ip_flags: BTreeSet<String> = r.string_list(c, "ip_flags", &what).into_iter().collect();
        let mut exclusive_lists = Vec::new();
        for e in r.opt_seq(c, "exclusive_lists", &what) {
            let ew = format!("{what}, an `exclusive_lists` entry");
            r.known_keys(
                e,
                &ew,
                &["flag", "enables", "disables", "all", "other_releases"],
            );
            let all = r.string_list(e, "all", &ew);
            let other_releases = r.string_map(e, "other_releases", &ew);
            if let (Some(flag), Some(enables), Some(disables)) = (
                r.string(e, "flag", &ew),
                r.string(e, "enables", &ew),
                r.string(e, "disables", &ew),
            ) {
                exclusive_lists.push(ExclusiveList {
                    flag,
                    enables,
                    disables,
                    all,
                    other_releases,
                });
            }
        }
        let config_files = read_config_files(c, r, &what);
        let mut accepted_values = BTreeMap::new();
        for (flag, set) in r.string_map(c, "accepted_values", &what) {
            match value_sets.get(&set) {
                Some(values) => {
                    accepted_values.insert(flag, values.clone());
                }
                None => r.error(
                    c.line,
                    format!(
                        "{what}: `accepted_values` names `{set}` for {flag}, which `value_sets` does not define"
                    ),
                ),
            }
        }
        let listed = exclusive_lists
            .iter()
            .flat_map(|e| [&e.flag, &e.enables, &e.disables]);
        let named = config_files.iter().flat_map(|f| {
            std::iter::once(&f.flag)
                .chain(f.replaces.keys())
                .chain(f.may_set.keys())
        });
        for flag in value_flags
            .iter()
            .chain(numeric_flags.keys())
            .chain(empty_means.keys())
            .chain(empty_is_unset.keys())
            .chain(&bool_map_flags)
            .chain(&bool_flags)
            .chain(&int_flags)
            .chain(&ip_flags)
            .chain(accepted_values.keys())
            .chain(listed)
            .chain(named)
        {
            if !flag.starts_with("--") {
                r.error(
                    c.line,
                    format!("{what}: flag `{flag}` must be written as `--flag`"),
                );
            }
        }
        out.insert(
            name.clone(),
            Component {
                name,
                binaries,
                defaults,
                value_flags,
                numeric_flags,
                empty_means,
                bool_map_flags,
                bool_flags,
                int_flags,
                ip_flags,
                exclusive_lists,
                config_files,
                daemonset: r.opt_bool(c, "daemonset", &what).unwrap_or(false),
                empty_is_unset,
                every_node: r.opt_bool(c, "every_node", &what).unwrap_or(false),
                go_flag_package: r.opt_bool(c, "go_flag_package", &what).unwrap_or(false),
                all_bool_flags: r.opt_bool(c, "all_bool_flags", &what).unwrap_or(false),
                accepted_values,
            },
        );
    }
}

/// The `value_sets` of components.yaml: name → the values a flag naming it accepts.
fn read_value_sets(doc: &Node, r: &mut Reader) -> BTreeMap<String, AcceptedValues> {
    let mut out = BTreeMap::new();
    let Some(sets) = doc.get("value_sets").filter(|n| n.value != NodeValue::Null) else {
        return out;
    };
    for (name, set) in r.map(sets, "`value_sets` of components.yaml") {
        let what = format!("value set `{name}`");
        r.known_keys(set, &what, &["what", "list", "values"]);
        let values: BTreeSet<String> = r.string_list(set, "values", &what).into_iter().collect();
        if values.is_empty() {
            r.error(set.line, format!("{what} has no `values`"));
        }
        if let Some(words) = r.string(set, "what", &what) {
            out.insert(
                name.to_string(),
                AcceptedValues {
                    what: words,
                    list: r.opt_bool(set, "list", &what).unwrap_or(false),
                    values,
                },
            );
        }
    }
    out
}

/// The `config_files` of a component.
fn read_config_files(c: &Node, r: &mut Reader, what: &str) -> Vec<ConfigFile> {
    let mut out = Vec::new();
    for f in r.opt_seq(c, "config_files", what) {
        let fw = format!("{what}, a `config_files` entry");
        r.known_keys(
            f,
            &fw,
            &[
                "flag",
                "replaces",
                "replaces_all",
                "may_set",
                "kind",
                "keys",
                "reads",
            ],
        );
        let Some(flag) = r.string(f, "flag", &fw) else {
            continue;
        };
        let mut keys = BTreeMap::new();
        if let Some(n) = f.get("keys").filter(|n| n.value != NodeValue::Null) {
            for (k, spec) in r.map(n, &format!("`keys` of {fw}")) {
                let kw = format!("{fw}, key for `{k}`");
                r.known_keys(spec, &kw, &["key", "default"]);
                if let Some(key) = r.string(spec, "key", &kw) {
                    let default = r.opt_string(spec, "default", &kw);
                    keys.insert(k.to_string(), FileKey { key, default });
                }
            }
        }
        let file = ConfigFile {
            replaces: r.string_map(f, "replaces", &fw),
            replaces_all: r.opt_string(f, "replaces_all", &fw),
            may_set: r.string_map(f, "may_set", &fw),
            kind: r.opt_string(f, "kind", &fw),
            keys,
            reads: r.string_list(f, "reads", &fw),
            flag,
        };
        for k in file.keys.keys() {
            if file.decides(k, false).is_none() {
                r.error(
                    f.line,
                    format!("{fw}: `keys` names {k}, which the file does not take over"),
                );
            }
        }
        if file.replaces.is_empty()
            && file.replaces_all.is_none()
            && file.may_set.is_empty()
            && file.reads.is_empty()
        {
            r.error(
                f.line,
                format!(
                    "{fw}: name what the file takes over (`replaces`, `replaces_all` or `may_set`) or what is read from it (`reads`)"
                ),
            );
        }
        if !file.reads.is_empty() && file.kind.is_none() {
            r.error(
                f.line,
                format!("{fw}: `reads` needs the `kind` the file must declare"),
            );
        }
        out.push(file);
    }
    out
}

/// Checks that need the whole catalog: unique ids, framework items naming real checks.
fn cross_validate(checks: &[Check], frameworks: &[Framework], errors: &mut Vec<LoadError>) {
    let mut seen: BTreeMap<&str, &Check> = BTreeMap::new();
    for c in checks {
        if let Some(first) = seen.get(c.id.as_str()) {
            errors.push(LoadError {
                file: c.file.clone(),
                line: c.line,
                message: format!(
                    "duplicate check id `{}` (first defined at {}:{})",
                    c.id, first.file, first.line
                ),
            });
        } else {
            seen.insert(&c.id, c);
        }
    }
    let mut fw_ids = BTreeSet::new();
    for fw in frameworks {
        if !fw_ids.insert(fw.id.clone()) {
            errors.push(LoadError {
                file: fw.file.clone(),
                line: 1,
                message: format!("duplicate framework id `{}`", fw.id),
            });
        }
        let mut item_ids = BTreeSet::new();
        for item in &fw.items {
            if !item_ids.insert(item.id.as_str()) {
                errors.push(LoadError {
                    file: fw.file.clone(),
                    line: item.line,
                    message: format!("duplicate item id `{}` in framework `{}`", item.id, fw.id),
                });
            }
            for (n, cid) in item.checks.iter().enumerate() {
                if !seen.contains_key(cid.as_str()) {
                    errors.push(LoadError {
                        file: fw.file.clone(),
                        line: item.check_lines.get(n).copied().unwrap_or(item.line),
                        message: format!(
                            "item `{}` of framework `{}` names check `{cid}`, which does not exist; define it under checks/ or fix the id",
                            item.id, fw.id
                        ),
                    });
                }
            }
        }
    }
}

impl Catalog {
    /// Checks no framework item uses: they never run in a scan (a warning for
    /// `catalog validate`, with the file and line of each).
    pub fn unused_checks(&self) -> Vec<&Check> {
        let used: BTreeSet<&str> = self
            .frameworks
            .iter()
            .flat_map(|f| f.items.iter())
            .flat_map(|i| i.checks.iter().map(String::as_str))
            .collect();
        self.checks
            .iter()
            .filter(|c| !used.contains(c.id.as_str()))
            .collect()
    }

    /// A check by id.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// A framework by id.
    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// A component by name.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.get(name)
    }

    /// Framework items that use a check: (framework id, item id).
    pub fn items_using(&self, check: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for fw in &self.frameworks {
            for item in &fw.items {
                if item.checks.iter().any(|c| c == check) {
                    out.push((fw.id.clone(), item.id.clone()));
                }
            }
        }
        out
    }
}

/// Whether a framework id answers to `name`: its id, an alias that is its id's first
/// dash-separated part (`cis` → `cis-1.12`, `nsa` → `nsa-cisa-1.2`, `pss` → `pss-baseline`
/// and `pss-restricted`), or its last parts when they start with a letter (`hygiene` →
/// `kubeattest-hygiene`, `baseline` → `pss-baseline`).
pub fn framework_matches(framework_id: &str, name: &str) -> bool {
    let id = framework_id.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    id == name
        || id.starts_with(&format!("{name}-"))
        // `hygiene` for kubeattest-hygiene (a version is never an alias).
        || (id.ends_with(&format!("-{name}")) && name.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Test support: the catalog's load errors (`file:line: message`) once a check `id` whose
/// `assert:` block is `assert` (indented lines) is added to the embedded catalog, as
/// `checks/zz-test.yaml`.
#[cfg(test)]
pub(crate) fn load_errors_with_assert(id: &str, assert: &str) -> Vec<String> {
    let mut files = embedded_files();
    files.insert(
        "checks/zz-test.yaml".into(),
        format!(
            "checks:\n  - id: {id}\n    title: t\n    severity: low\n    description: d\n    rationale: r\n    remediation: x\n    assert:\n{assert}"
        )
        .into(),
    );
    match from_files(&files) {
        Ok(_) => Vec::new(),
        Err(e) => {
            e.0.iter()
                .map(|e| format!("{}:{}: {}", e.file, e.line, e.message))
                .collect()
        }
    }
}
