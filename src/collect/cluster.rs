//! A live cluster through its API server (kube-rs): discovery first, then paginated lists of
//! the kinds the selected checks read, with bounded concurrency and retries within a deadline.
//!
//! Only `GET` requests are sent. Faults are evidence, not crashes: a list that is forbidden,
//! or keeps failing until its deadline, becomes a coverage entry and a
//! [`KindState::Failed`] with the reason, and the checks that need the kind say `error`. A
//! kind the server does not serve is [`KindState::NotServed`]. Secret values are dropped as
//! each page arrives ([`Object::from_value`]), and large kinds are trimmed ([`trim`]).

pub mod agent;
pub mod platform;
pub mod progress;
pub mod resources;
pub mod trim;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::document::Doc;
use kube::api::ListParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::collect::CollectError;
use crate::inventory::{Coverage, Inventory, KindState, Object, Origin, SourceKind, Target};
use crate::secrets::without_url_credentials;
use progress::Progress;

/// The namespace of the node agents by default (`deploy/node-agent.yaml`): their own, apart
/// from the scanner's, because they need the `privileged` Pod Security level.
pub const AGENT_NAMESPACE: &str = "kubeattest-agent";

/// How to reach the cluster and what to list.
#[derive(Debug, Clone)]
pub struct Options {
    /// A kubeconfig file (default: `KUBECONFIG`, then `~/.kube/config`, then in-cluster).
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (default: the current context).
    pub context: Option<String>,
    /// Only these namespaces (empty: all).
    pub namespaces: Vec<String>,
    /// Skip these namespaces.
    pub exclude_namespaces: Vec<String>,
    /// Kinds to list (see [`resources::needed_kinds`]).
    pub kinds: BTreeSet<String>,
    /// Objects per page (`limit`).
    pub page_size: u32,
    /// Lists in flight at once.
    pub concurrency: usize,
    /// Time allowed for one request.
    pub request_timeout: Duration,
    /// Time allowed for one list, retries included.
    pub deadline: Duration,
    /// Show a progress line on stderr.
    pub progress: bool,
    /// Namespace of the node agents whose logs hold node facts (`None`: do not read them).
    pub agent_namespace: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            kubeconfig: None,
            context: None,
            namespaces: Vec::new(),
            exclude_namespaces: Vec::new(),
            kinds: resources::needed_kinds(None::<std::iter::Empty<&crate::catalog::Check>>),
            page_size: 500,
            concurrency: 4,
            request_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
            progress: false,
            agent_namespace: Some(AGENT_NAMESPACE.into()),
        }
    }
}

/// The rustls crypto provider (ring): installed once, before any TLS connection.
pub fn install_crypto_provider() {
    // Err means a provider is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Scans the cluster: blocks on its own runtime.
pub fn collect(opts: &Options) -> Result<Inventory, CollectError> {
    install_crypto_provider();
    // One thread: the work is waiting on the network, and one allocator arena keeps memory
    // from fragmenting across threads on large clusters.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CollectError::Cluster {
            message: format!("cannot start the async runtime: {e}"),
        })?;
    rt.block_on(collect_async(opts))
}

/// A resource as the server serves it.
#[derive(Debug, Clone)]
struct Served {
    kind: String,
    group: String,
    /// `v1` or `apps/v1`.
    api_version: String,
    plural: String,
    namespaced: bool,
}

impl Served {
    fn base_path(&self, namespace: Option<&str>) -> String {
        let root = if self.group.is_empty() {
            format!("/api/{}", self.api_version)
        } else {
            format!("/apis/{}", self.api_version)
        };
        match namespace {
            Some(ns) => format!("{root}/namespaces/{ns}/{}", self.plural),
            None => format!("{root}/{}", self.plural),
        }
    }
}

/// Why a request finally failed.
#[derive(Debug, Clone)]
struct Failure {
    /// Coverage status: `forbidden`, `unauthorized`, `not_found`, `expired`, `error`.
    status: &'static str,
    /// What happened (server message or transport error; never a secret value).
    message: String,
}

/// How one error is handled.
enum Class {
    Retry,
    /// A 404 for a resource discovery listed: retried briefly (a CRD just created is served
    /// a moment later), not until the list deadline.
    NotFound,
    Expired,
    Fatal(&'static str),
}

/// Attempts at a resource answering 404 before it is an error.
const NOT_FOUND_ATTEMPTS: u32 = 3;

fn classify(e: &kube::Error) -> (Class, String) {
    match e {
        kube::Error::Api(s) => {
            let msg = format!("{} {} {}", s.code, s.reason, s.message);
            let class = match s.code {
                401 => Class::Fatal("unauthorized"),
                403 => Class::Fatal("forbidden"),
                410 => Class::Expired,
                404 => Class::NotFound,
                408 | 429 | 500 | 502 | 503 | 504 => Class::Retry,
                _ => Class::Fatal("error"),
            };
            (class, msg)
        }
        kube::Error::BuildRequest(_) | kube::Error::SerdeError(_) => {
            (Class::Fatal("error"), e.to_string())
        }
        // A transport failure: retried only when it is a timeout (the server may be slow);
        // connection refused, DNS and TLS failures will not heal within the deadline, so
        // they end the request at once with the whole cause chain.
        other => {
            let text = cause_chain(other);
            let lower = text.to_ascii_lowercase();
            if lower.contains("timed out") || lower.contains("timeout") {
                (Class::Retry, text)
            } else {
                (
                    Class::Fatal("error"),
                    format!("API server unreachable: {text}"),
                )
            }
        }
    }
}

/// Runs `f` until it succeeds, fails for good, or the deadline passes (backoff 100 ms
/// doubling to 2 s). A 410 is handed back at once (the caller restarts its list).
async fn retrying<T, F, Fut>(opts: &Options, deadline: Instant, mut f: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut backoff = Duration::from_millis(100);
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let (class, message) = match tokio::time::timeout(opts.request_timeout, f()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => classify(&e),
            Err(_) => (
                Class::Retry,
                format!("no answer within {}s", opts.request_timeout.as_secs_f32()),
            ),
        };
        match class {
            Class::Fatal(status) => return Err(Failure { status, message }),
            Class::Expired => {
                return Err(Failure {
                    status: "expired",
                    message,
                })
            }
            Class::Retry | Class::NotFound => {
                let gave_up = matches!(class, Class::NotFound) && attempts >= NOT_FOUND_ATTEMPTS;
                if gave_up || Instant::now() + backoff > deadline {
                    return Err(Failure {
                        status: "error",
                        message: format!("{message} (gave up after {attempts} attempt(s))"),
                    });
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
}

async fn client(opts: &Options) -> Result<(Client, Option<String>, String), CollectError> {
    let kopts = KubeConfigOptions {
        context: opts.context.clone(),
        ..KubeConfigOptions::default()
    };
    let from_file = match &opts.kubeconfig {
        Some(path) => Some(
            Kubeconfig::read_from(path).map_err(|e| CollectError::Cluster {
                message: format!(
                    "cannot read kubeconfig {}: {}",
                    path.display(),
                    without_values(&e.to_string())
                ),
            })?,
        ),
        None => Kubeconfig::read().ok(),
    };
    let (mut config, context) = match from_file {
        Some(kc) => {
            let context = opts.context.clone().or_else(|| kc.current_context.clone());
            let config = Config::from_custom_kubeconfig(kc, &kopts)
                .await
                .map_err(|e| CollectError::Cluster {
                    message: format!(
                        "cannot use the kubeconfig: {}",
                        without_values(&e.to_string())
                    ),
                })?;
            (config, context)
        }
        None if opts.context.is_some() => {
            return Err(CollectError::Cluster {
                message: "--context given but no kubeconfig found (KUBECONFIG, ~/.kube/config)"
                    .into(),
            })
        }
        None => {
            let config = Config::incluster().map_err(|e| CollectError::Cluster {
                message: format!(
                    "no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod ({e}); to scan without a cluster, give --demo, --manifests PATH… or --snapshot FILE"
                ),
            })?;
            (config, None)
        }
    };
    // Retries are ours (within a deadline, reported); the client's would hide them.
    config.default_retry = false;
    config.connect_timeout = Some(opts.request_timeout);
    let url = without_url_credentials(config.cluster_url.to_string().trim_end_matches('/'));
    // The client's error may carry an exec plugin's environment and output, or a proxy URL
    // with its password: only what failed is said.
    let client = Client::try_from(config).map_err(|e| CollectError::Cluster {
        message: format!(
            "cannot build the API client: {} (check the kubeconfig's user credentials: exec plugin, token, certificates, and its proxy-url)",
            error_kind(&e.to_string())
        ),
    })?;
    Ok((client, context, url))
}

/// An error message as it may be shown: its first line (a YAML parser's source excerpt
/// follows it), quoted text (a value the parser quotes) left out, URLs without their
/// `user:password@`.
fn without_values(message: &str) -> String {
    static QUOTED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = QUOTED.get_or_init(|| {
        regex::Regex::new(r#""(?:[^"\\]|\\.)*"|'[^']*'|`[^`]*`"#)
            .unwrap_or_else(|e| panic!("quoted-text pattern: {e}"))
    });
    let first = message.lines().next().unwrap_or_default();
    without_url_credentials(&re.replace_all(first, "…"))
}

/// What kind of error a message reports: the text before its first `": "` (an exec plugin's
/// failure goes on with its environment and output), URLs without `user:password@`.
fn error_kind(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    let kind = first.split_once(": ").map_or(first, |(kind, _)| kind);
    without_values(kind)
}

/// Discovery: which of the wanted kinds are served, where, and which groups exist.
struct Discovery {
    served: Vec<Served>,
    groups: Vec<String>,
    states: BTreeMap<String, KindState>,
    coverage: Vec<Coverage>,
}

async fn discover(client: &Client, opts: &Options) -> Result<Discovery, CollectError> {
    let deadline = Instant::now() + opts.deadline;
    let mut d = Discovery {
        served: Vec::new(),
        groups: Vec::new(),
        states: BTreeMap::new(),
        coverage: Vec::new(),
    };
    let mut wanted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for kind in &opts.kinds {
        match resources::known(kind) {
            Some(k) => wanted.entry(k.group).or_default().push(k.kind),
            None => {
                d.states.insert(
                    kind.clone(),
                    KindState::Failed(format!(
                        "kubeattest does not know which API group serves {kind}"
                    )),
                );
            }
        }
    }
    let groups = retrying(opts, deadline, || client.list_api_groups())
        .await
        .map_err(|f| CollectError::Cluster {
            message: format!("API discovery failed (GET /apis): {}", f.message),
        })?;
    d.groups = groups.groups.iter().map(|g| g.name.clone()).collect();
    d.coverage.push(Coverage::ok("/apis", groups.groups.len()));
    for (group, kinds) in &wanted {
        // Versions to try: preferred first.
        let versions: Vec<String> = if group.is_empty() {
            vec!["v1".into()]
        } else {
            match groups.groups.iter().find(|g| g.name == *group) {
                None => {
                    for kind in kinds {
                        let why = format!("the API group {group} is not served");
                        d.coverage.push(Coverage {
                            source: format!("{kind} ({group})"),
                            status: "not_applicable".into(),
                            items: 0,
                            error: Some(why.clone()),
                        });
                        d.states.insert(kind.to_string(), KindState::NotServed(why));
                    }
                    continue;
                }
                Some(g) => {
                    let mut v: Vec<String> = g
                        .preferred_version
                        .iter()
                        .map(|p| p.group_version.clone())
                        .collect();
                    for x in &g.versions {
                        if !v.contains(&x.group_version) {
                            v.push(x.group_version.clone());
                        }
                    }
                    v
                }
            }
        };
        let mut missing: Vec<&str> = kinds.clone();
        for gv in &versions {
            if missing.is_empty() {
                break;
            }
            let path = if group.is_empty() {
                format!("/api/{gv}")
            } else {
                format!("/apis/{gv}")
            };
            let listed = if group.is_empty() {
                retrying(opts, deadline, || client.list_core_api_resources(gv)).await
            } else {
                retrying(opts, deadline, || client.list_api_group_resources(gv)).await
            };
            let list = match listed {
                Ok(l) => l,
                Err(f) => {
                    d.coverage
                        .push(Coverage::failed(&path, f.status, f.message.clone()));
                    for kind in missing.drain(..) {
                        d.states.insert(
                            kind.to_string(),
                            KindState::Failed(format!(
                                "{}: discovery of {path} failed: {}",
                                f.status, f.message
                            )),
                        );
                    }
                    break;
                }
            };
            d.coverage.push(Coverage::ok(&path, list.resources.len()));
            missing.retain(|kind| {
                let Some(r) = list
                    .resources
                    .iter()
                    .find(|r| r.kind == *kind && !r.name.contains('/'))
                else {
                    return true;
                };
                d.served.push(Served {
                    kind: kind.to_string(),
                    group: group.to_string(),
                    api_version: gv.clone(),
                    plural: r.name.clone(),
                    namespaced: r.namespaced,
                });
                false
            });
        }
        for kind in missing {
            let why = format!(
                "{kind} is not served in {}",
                if group.is_empty() {
                    "the core API group"
                } else {
                    group
                }
            );
            d.coverage.push(Coverage {
                source: format!("{kind} ({})", if group.is_empty() { "core" } else { group }),
                status: "not_applicable".into(),
                items: 0,
                error: Some(why.clone()),
            });
            d.states.insert(kind.to_string(), KindState::NotServed(why));
        }
    }
    Ok(d)
}

/// The reason recorded on a kind whose list failed.
fn kind_reason(res: &Served, f: &Failure, namespace: Option<&str>) -> String {
    let scope = namespace.map_or(String::new(), |ns| format!(" in namespace {ns}"));
    match f.status {
        "forbidden" | "unauthorized" => format!(
            "{}: the scanning identity cannot list {}{scope}; grant list on {}{}, see deploy/",
            f.status,
            res.plural,
            res.plural,
            if res.group.is_empty() {
                String::new()
            } else {
                format!(" (API group {})", res.group)
            }
        ),
        _ => format!("cannot list {}{scope}: {}", res.plural, f.message),
    }
}

/// The kinds whose objects create Pods (their controllers).
const POD_CONTROLLERS: &[&str] = &[
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "ReplicationController",
];

/// The uids of the Pod controllers listed.
type Owners = foldhash::HashSet<String>;

/// One list job's outcome: its position, resource, namespace, and objects or failure.
type Listed = (
    usize,
    Served,
    Option<String>,
    Result<(Vec<Object>, Vec<String>), Failure>,
);

/// The uids of the Pod controllers ([`POD_CONTROLLERS`]) among the lists done.
fn listed_controllers(done: &[Listed]) -> Owners {
    done.iter()
        .filter(|(_, res, ..)| POD_CONTROLLERS.contains(&res.kind.as_str()))
        .filter_map(|(.., result)| result.as_ref().ok())
        .flat_map(|(objects, _)| objects)
        .filter_map(|o| o.value.pointer("/metadata/uid").and_then(Doc::as_str))
        .map(str::to_string)
        .collect()
}

/// Lists one resource (in one namespace or cluster-wide), page by page, converting each page
/// into inventory objects before asking for the next. Restarts on 410 Expired. `owners`: the
/// Pod controllers listed; a Pod is trimmed only when its controller is one of them.
async fn list(
    client: &Client,
    opts: &Options,
    res: &Served,
    namespace: Option<&str>,
    owners: &Owners,
    progress: &Progress,
) -> Result<(Vec<Object>, Vec<String>), Failure> {
    let path = res.base_path(namespace);
    let deadline = Instant::now() + opts.deadline;
    let request = kube::core::Request::new(&path);
    let mut restarts = 0;
    'restart: loop {
        let mut objects = Vec::new();
        let mut skipped = Vec::new();
        let mut token: Option<String> = None;
        let mut tokens = foldhash::HashSet::default();
        let mut variants = foldhash::HashSet::default();
        let mut pages = 0usize;
        loop {
            let mut lp = ListParams::default().limit(opts.page_size);
            lp.continue_token = token.clone();
            // Read straight into a document: a page never becomes a `serde_json::Value`.
            let page: Doc = match retrying(opts, deadline, || {
                let req = request.list(&lp);
                async move {
                    let req = req.map_err(kube::Error::BuildRequest)?;
                    client.request::<Doc>(req).await
                }
            })
            .await
            {
                Ok(p) => p,
                Err(f) if f.status == "expired" && restarts < 5 && Instant::now() < deadline => {
                    restarts += 1;
                    progress.add_objects_dropped(objects.len());
                    continue 'restart;
                }
                Err(f) => return Err(f),
            };
            pages += 1;
            let mut page = page;
            let items = list_items(&mut page).map_err(|why| Failure {
                status: "error",
                message: format!("GET {path}: {why}; the server or a proxy in between did not answer with a list"),
            })?;
            let next = page
                .pointer("/metadata/continue")
                .and_then(Doc::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            // "The number of subsequent items in the list which are not included in this list
            // response": items left with no token to fetch them is a cut list, not a whole one.
            let remaining = page
                .pointer("/metadata/remainingItemCount")
                .and_then(Doc::as_i64)
                .filter(|n| *n > 0);
            if let (None, Some(n)) = (&next, remaining) {
                return Err(Failure {
                    status: "error",
                    message: format!("GET {path}: page {pages} says {n} more item(s) remain but gives no `continue` token to fetch them; the list is incomplete (a proxy in between may have cut it)"),
                });
            }
            let before = objects.len();
            for mut item in items {
                if let Some(obj) = item.as_object_mut() {
                    // Everything listed from a resource is of its kind, whatever the item
                    // says: a `secrets` item claiming to be a ConfigMap is still redacted.
                    obj.insert("kind", Doc::String(res.kind.as_str().into()));
                    obj.insert("apiVersion", Doc::String(res.api_version.as_str().into()));
                }
                let ns = item
                    .pointer("/metadata/namespace")
                    .and_then(Doc::as_str)
                    .map(str::to_string);
                if !in_scope(opts, &res.kind, &item, ns.as_deref()) {
                    continue;
                }
                // Of the Pods of one listed controller that run alike, the first is kept
                // whole; a Pod whose controller was not listed is judged itself, whole.
                let whole = res.kind == "Pod"
                    && crate::checks::workload::owned_pod_variant(&item).is_some_and(|variant| {
                        !crate::checks::workload::controller_uid(&item)
                            .is_some_and(|uid| owners.contains(uid))
                            || variants.insert(variant)
                    });
                // What a conforming API server never serves (a ConfigMap value that is a
                // list, an env value that is a mapping) is judged by nobody, as from a
                // snapshot or manifests: its fields would escape redaction and read as unset.
                if let Some(why) = refused(&res.kind, &res.api_version, &item) {
                    skipped.push(why);
                    continue;
                }
                // `from_listed` drops managedFields, redacts and trims it.
                match Object::from_listed(item, Origin::Api { path: path.clone() }, whole) {
                    Ok(o) => objects.push(o),
                    Err(why) => skipped.push(why),
                }
            }
            progress.add_objects(objects.len() - before);
            drop(page);
            let Some(t) = next else {
                return Ok((objects, skipped));
            };
            if !tokens.insert(t.clone()) {
                return Err(Failure {
                    status: "error",
                    message: format!("GET {path}: the server sent the same `continue` token twice (page {pages}); the list would never end"),
                });
            }
            if pages >= MAX_PAGES || Instant::now() >= deadline {
                return Err(Failure {
                    status: "error",
                    message: format!(
                        "GET {path}: still paging after {pages} pages and {:.0}s; raise --list-deadline or --page-size if the list is really that large",
                        opts.deadline.as_secs_f64()
                    ),
                });
            }
            token = Some(t);
        }
    }
}

/// Why a listed item cannot be judged, naming it: the shape the API server's validation
/// would have refused (`collect::shape`). Values are never quoted.
fn refused(kind: &str, api_version: &str, item: &Doc) -> Option<String> {
    let evaluated = resources::served_kind(kind, api_version).ok()?;
    let problem = crate::collect::shape::problem(&evaluated, item)?;
    let text = |pointer: &str| item.pointer(pointer).and_then(Doc::as_str);
    let name = match (text("/metadata/namespace"), text("/metadata/name")) {
        (Some(ns), Some(n)) => format!("{ns}/{n}"),
        (None, Some(n)) => n.to_string(),
        _ => "(unnamed)".to_string(),
    };
    Some(format!(
        "{kind} {}: {} (a conforming API server refuses this shape; the object is not judged)",
        crate::quote::bounded(&name, 120),
        problem.message
    ))
}

/// Most pages one list may take (each of `--page-size` objects); the list deadline bounds
/// time as well.
const MAX_PAGES: usize = 100_000;

/// The items of a list response, which must be a `*List` with an `items` array: anything
/// else (a `Status`, an object, a redirect's body, `items` missing or not an array) is not
/// an empty list but an answer we cannot use.
fn list_items(page: &mut Doc) -> Result<Vec<Doc>, String> {
    let kind = page
        .get("kind")
        .and_then(Doc::as_str)
        .map(|k| crate::quote::bounded(k, 80));
    let Some(kind) = kind.filter(|k| k.ends_with("List")) else {
        return Err(match page.get("kind").and_then(Doc::as_str) {
            Some(k) => format!(
                "the response is a `{}`, not a list",
                crate::quote::bounded(k, 80)
            ),
            None if page.as_object().is_some() => {
                "the response has no `kind`; expected a list".into()
            }
            None => "the response is not a JSON object; expected a list".into(),
        });
    };
    match page.get_mut("items").map(std::mem::take) {
        Some(Doc::Array(items)) => Ok(items.into_vec()),
        None => Err(format!("the `{kind}` response has no `items`")),
        Some(other) => Err(format!(
            "`items` of the `{kind}` response is {}, not an array",
            type_name(&other)
        )),
    }
}

/// A JSON value's type, for messages.
fn type_name(v: &Doc) -> &'static str {
    match v {
        Doc::Null => "null",
        Doc::Bool(_) => "a boolean",
        Doc::Number(_) => "a number",
        Doc::String(_) => "a string",
        Doc::Array(_) => "an array",
        Doc::Object(_) => "an object",
    }
}

/// A coverage warning for each namespace `-n` names that the cluster does not have: the
/// Namespaces were listed (cluster-wide, whatever `-n`) and it is not among them, so nothing
/// was scanned in it (a misspelt name lists nothing, with no error from the server).
fn absent_namespaces(
    opts: &Options,
    states: &BTreeMap<String, KindState>,
    objects: &[Object],
) -> Vec<Coverage> {
    if states.get("Namespace") != Some(&KindState::Collected) {
        return Vec::new();
    }
    let existing: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o.kind == "Namespace")
        .map(|o| o.name.as_str())
        .collect();
    opts.namespaces
        .iter()
        .filter(|ns| !existing.contains(ns.as_str()) && !opts.exclude_namespaces.contains(ns))
        .map(|ns| {
            let ns = crate::quote::quote(ns);
            Coverage::failed(
                format!("namespace {ns}"),
                "warning",
                format!(
                    "namespace {ns} given with -n/--namespace does not exist: it is not among the cluster's Namespaces, so nothing was scanned in it (check its spelling)"
                ),
            )
        })
        .collect()
}

/// Whether an object is inside the namespace scope.
fn in_scope(opts: &Options, kind: &str, item: &Doc, ns: Option<&str>) -> bool {
    let ns = if kind == "Namespace" {
        item.pointer("/metadata/name").and_then(Doc::as_str)
    } else {
        ns
    };
    let Some(ns) = ns else {
        return true;
    };
    if opts.exclude_namespaces.iter().any(|x| x == ns) {
        return false;
    }
    kind != "Namespace" || opts.namespaces.is_empty() || opts.namespaces.iter().any(|x| x == ns)
}

async fn collect_async(opts: &Options) -> Result<Inventory, CollectError> {
    let (client, context, url) = client(opts).await?;
    let progress = Arc::new(Progress::new(opts.progress));
    let ticker = progress.clone().spawn_ticker();
    let deadline = Instant::now() + opts.deadline;
    let version = retrying(opts, deadline, || client.apiserver_version()).await;
    let mut coverage = Vec::new();
    let git_version = match &version {
        Ok(v) => {
            coverage.push(Coverage::ok("/version", 1));
            Some(v.git_version.clone())
        }
        Err(f) if f.status == "error" => {
            // Nothing answers: there is no cluster to report on.
            return Err(CollectError::Cluster {
                message: format!("cannot reach the API server at {}: {}", url, f.message),
            });
        }
        Err(f) => {
            coverage.push(Coverage::failed("/version", f.status, f.message.clone()));
            None
        }
    };
    let discovery = discover(&client, opts).await?;
    coverage.extend(discovery.coverage);
    let mut states = discovery.states;

    // One job per (resource, namespace).
    let mut jobs: Vec<(Served, Option<String>)> = Vec::new();
    for res in &discovery.served {
        if res.namespaced && !opts.namespaces.is_empty() {
            for ns in &opts.namespaces {
                jobs.push((res.clone(), Some(ns.clone())));
            }
        } else {
            jobs.push((res.clone(), None));
        }
    }
    progress.set_lists(jobs.len());
    let sem = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let mut set: tokio::task::JoinSet<Listed> = tokio::task::JoinSet::new();
    let spawn = |set: &mut tokio::task::JoinSet<Listed>,
                 i: usize,
                 res: Served,
                 ns: Option<String>,
                 owners: Arc<Owners>| {
        let client = client.clone();
        let opts = opts.clone();
        let sem = sem.clone();
        let progress = progress.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let result = list(&client, &opts, &res, ns.as_deref(), &owners, &progress).await;
            progress.list_done();
            (i, res, ns, result)
        });
    };
    // Pods are listed once the controllers that create them are, so that only the Pods of a
    // listed controller are trimmed (see `trim`): the others are judged themselves, whole.
    let (pod_jobs, other_jobs): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .enumerate()
        .partition(|(_, (res, _))| res.kind == "Pod");
    let mut controllers_left = other_jobs
        .iter()
        .filter(|(_, (res, _))| POD_CONTROLLERS.contains(&res.kind.as_str()))
        .count();
    let no_owners = Arc::new(Owners::default());
    for (i, (res, ns)) in other_jobs {
        spawn(&mut set, i, res, ns, no_owners.clone());
    }
    let mut pod_jobs = Some(pod_jobs);
    let mut done = Vec::new();
    loop {
        if controllers_left == 0 {
            if let Some(jobs) = pod_jobs.take() {
                let owners = Arc::new(listed_controllers(&done));
                for (i, (res, ns)) in jobs {
                    spawn(&mut set, i, res, ns, owners.clone());
                }
            }
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        match joined {
            Ok(r) => {
                if POD_CONTROLLERS.contains(&r.1.kind.as_str()) {
                    controllers_left = controllers_left.saturating_sub(1);
                }
                done.push(r);
            }
            Err(e) => {
                return Err(CollectError::Cluster {
                    message: format!("a list task failed: {e}"),
                })
            }
        }
    }
    done.sort_by_key(|(i, ..)| *i);
    let mut objects = Vec::new();
    for (_, res, ns, result) in done {
        let path = res.base_path(ns.as_deref());
        match result {
            Ok((objs, skipped)) => {
                coverage.push(Coverage::ok(&path, objs.len()));
                if let Some(first) = skipped.first() {
                    let reason = format!("{} listed item(s) skipped: {first}", skipped.len());
                    // An object lost is input lost: checks that believe absence of this kind
                    // say error, not pass.
                    states.insert(
                        res.kind.clone(),
                        KindState::Failed(format!("GET {path}: {reason}")),
                    );
                    coverage.push(Coverage::failed(&path, "skipped", reason));
                }
                states
                    .entry(res.kind.clone())
                    .or_insert(KindState::Collected);
                objects.extend(objs);
            }
            Err(f) => {
                let reason = kind_reason(&res, &f, ns.as_deref());
                coverage.push(Coverage::failed(
                    &path,
                    f.status,
                    format!("{reason} (server said: {})", f.message),
                ));
                states.insert(res.kind.clone(), KindState::Failed(reason));
            }
        }
    }
    progress.finish();
    if let Some(t) = ticker {
        let _ = t.await;
    }
    coverage.extend(absent_namespaces(opts, &states, &objects));

    let nodes: Vec<&Doc> = objects
        .iter()
        .filter(|o| o.kind == "Node")
        .map(|o| &o.value)
        .collect();
    let kubeadm = objects.iter().any(|o| {
        o.kind == "ConfigMap"
            && o.namespace.as_deref() == Some("kube-system")
            && o.name == "kubeadm-config"
            || o.kind == "Pod"
                && o.value
                    .pointer("/metadata/annotations")
                    .and_then(Doc::as_object)
                    .is_some_and(|a| a.keys().any(|k| k.starts_with("kubeadm.kubernetes.io/")))
    });
    let detected = platform::detect(&platform::Clues {
        git_version: git_version.as_deref().unwrap_or(""),
        nodes,
        groups: discovery.groups.iter().map(String::as_str).collect(),
        kubeadm_config: kubeadm,
    });
    let target = Target {
        name: context.clone().unwrap_or_else(|| "cluster".into()),
        server: Some(url),
        kubernetes_version: git_version,
        platform: detected.map(|(p, _)| p.to_string()),
        context,
        source: Some(SourceKind::Cluster),
    };
    let mut inv = Inventory::new(target, false);
    if let Some(ns) = &opts.agent_namespace {
        let fetched = agent::fetch(&client, ns, &objects, opts.request_timeout).await;
        // The agents' pods were listed: one missing from the list is missing from the cluster.
        let agents_listed = states.get("Pod") == Some(&KindState::Collected)
            && (opts.namespaces.is_empty() || opts.namespaces.contains(ns))
            && !opts.exclude_namespaces.contains(ns);
        inv.node_facts_missing = agent::missing_nodes(ns, &objects, &fetched, agents_listed);
        coverage.extend(fetched.coverage);
        // A node no agent's log covers is input not read, as an unreadable log is (those
        // have their entry already).
        for (node, why) in &inv.node_facts_missing {
            if !fetched.unread.contains_key(node) {
                coverage.push(Coverage::failed(
                    format!("node {node}"),
                    "error",
                    format!("node {node}: no node facts: {why}"),
                ));
            }
        }
        inv.node_facts = fetched.facts;
    }
    inv.objects = objects;
    inv.coverage = coverage;
    inv.kinds = states;
    inv.namespaces = opts.namespaces.clone();
    inv.excluded_namespaces = opts.exclude_namespaces.clone();
    inv.finish();
    Ok(inv)
}

/// An error and its causes, each once, joined with `: ` (kube's own message often repeats
/// its cause's).
pub(crate) fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            reason: "R".into(),
            message: "m".into(),
            ..kube::core::Status::default()
        }))
    }

    #[test]
    fn addresses_and_errors_are_shown_without_credentials() {
        assert_eq!(
            without_url_credentials("https://admin:CANARY@10.0.0.1:6443"),
            "https://10.0.0.1:6443"
        );
        assert_eq!(
            without_url_credentials("https://10.0.0.1:6443"),
            "https://10.0.0.1:6443"
        );
        assert_eq!(
            without_url_credentials(
                "at https://u:CANARY@10.0.0.1:6443/k8s/?token=CANARY#CANARY: refused"
            ),
            "at https://10.0.0.1:6443/k8s/ refused"
        );
        let parse = "failed to parse kubeconfig YAML: invalid value: string \"CANARY\", expected u16\n  6 |     token: \"CANARY";
        let shown = without_values(parse);
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(
            shown.starts_with("failed to parse kubeconfig YAML"),
            "{shown}"
        );
        let exec = "auth exec command 'get-token' failed with status 1: Output { stdout: \"{\\\"token\\\":\\\"CANARY\\\"}\" }";
        let kind = error_kind(exec);
        assert!(
            !kind.contains("CANARY") && !kind.contains("get-token"),
            "{kind}"
        );
    }

    #[test]
    fn forbidden_is_final_transient_codes_retry_expired_restarts() {
        assert!(matches!(
            classify(&api_error(403)).0,
            Class::Fatal("forbidden")
        ));
        assert!(matches!(
            classify(&api_error(401)).0,
            Class::Fatal("unauthorized")
        ));
        assert!(matches!(classify(&api_error(410)).0, Class::Expired));
        for code in [429, 500, 503] {
            assert!(
                matches!(classify(&api_error(code)).0, Class::Retry),
                "{code}"
            );
        }
        assert!(matches!(classify(&api_error(404)).0, Class::NotFound));
        assert!(matches!(classify(&api_error(400)).0, Class::Fatal("error")));
    }

    #[test]
    fn forbidden_secrets_reason_says_what_to_grant() {
        let res = Served {
            kind: "Secret".into(),
            group: String::new(),
            api_version: "v1".into(),
            plural: "secrets".into(),
            namespaced: true,
        };
        let f = Failure {
            status: "forbidden",
            message: "403".into(),
        };
        assert_eq!(
            kind_reason(&res, &f, None),
            "forbidden: the scanning identity cannot list secrets; grant list on secrets, see deploy/"
        );
        assert_eq!(res.base_path(Some("a")), "/api/v1/namespaces/a/secrets");
    }
}
