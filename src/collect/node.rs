//! `kubeattest node`: collects [`NodeFacts`] on one node, reading a root directory (the
//! node's `/`, possibly mounted read-only in a container) and a proc directory.
//!
//! - Components are found in `<proc>/*` by the **exact basename** of the executable the
//!   process runs (`/proc/<pid>/exe`; `argv[0]` only when that link cannot be read):
//!   `kube-apiserver`, never `kube-apiserver-proxy`, a shell whose arguments mention it, or a
//!   process that only calls itself `kubelet`. `k3s server|agent` yields the components it
//!   embeds, with only the arguments passed through `--kube-apiserver-arg` & co. visible
//!   (said in `via`). Every process found is recorded; when more than one runs the same
//!   component, none of them is taken for the node's (see [`NodeFacts::component`]).
//! - Static-pod manifests are read from the kubelet's effective `staticPodPath` (default
//!   `/etc/kubernetes/manifests`, plus rke2's `pod-manifests`, only when the kubelet's
//!   configuration is known not to set one), as the kubelet reads it: every regular file
//!   whose name does not start with a dot (`kube-apiserver.manifest` too), or the one file
//!   the path names. When a file of the kubelet's configuration could not be read, or the
//!   kubelet refuses one, where the manifests are is unknown: the manifest facts are errors
//!   saying so, never "absent" at a default path.
//! - The kubelet's effective configuration is the file named by `--config`, then the
//!   `--config-dir` drop-ins (`*.conf`, walked as `filepath.WalkDir` does: name order,
//!   subdirectories included), then command-line flags, which win; every value keeps its
//!   source and what it replaced. A file that is not a `kubelet.config.k8s.io/v1beta1`
//!   KubeletConfiguration, or is empty, is refused as the kubelet refuses it and never
//!   merged. Flags are read with the kubelet's flag types from the catalog (`bool_flags`,
//!   `int_flags` in `components.yaml`): a boolean never takes the next argument, an integer
//!   is read in Go's syntax, and a value the kubelet would refuse is recorded as such.
//!   Default paths are never guessed when the kubelet says where its config is. The config
//!   file, every drop-in and the directories holding them are stat'ed like the other files.
//! - Every file the benchmark names is stat'ed (mode, owner and group, names from the root's
//!   `/etc/passwd` and `/etc/group`), including paths taken from flags, where the component
//!   sees them: a process's file in its own root (`/proc/<pid>/root`), a static pod's through
//!   its hostPath volumes, a relative path from the working directory. A file that cannot be
//!   placed on the node is an `error` fact with the reason; a missing file is `absent`.
//! - Every path is resolved inside its root as `chroot` would ([`rooted`]): an absolute link
//!   target is the node's path, never the collector's.
//!
//! Nothing is written to the node; nothing is judged here.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::catalog::{Component, ConfigFile};
use crate::checks::flag::parse_command;
use crate::collect::kubelet_config::{apply_flags, merge, shadow};
use crate::collect::rooted;
use crate::document::Doc;
use crate::inventory::Coverage;
use crate::node_facts::{
    Ambiguous, ComponentFact, ComponentSource, ConfigFileFact, FileFact, FileState, KubeletFacts,
    NodeFacts, ValueSource, CONTROL_PLANE_COMPONENTS, ETCD_ENV, FACTS_KIND, FACTS_VERSION,
};

/// Control-plane and node components and the executable basenames that run them.
pub const COMPONENTS: &[(&str, &[&str])] = &[
    ("kube-apiserver", &["kube-apiserver"]),
    ("kube-controller-manager", &["kube-controller-manager"]),
    ("kube-scheduler", &["kube-scheduler"]),
    ("etcd", &["etcd"]),
    ("kubelet", &["kubelet"]),
    ("kube-proxy", &["kube-proxy"]),
];

/// The only apiVersion of a KubeletConfiguration the kubelet reads.
const KUBELET_CONFIG_API: &str = "kubelet.config.k8s.io/v1beta1";

/// Directory levels below `--config-dir` read for drop-ins.
const DROP_IN_DEPTH: usize = 16;

/// Default static pod directories (kubeadm, rke2).
const STATIC_POD_DIRS: &[&str] = &[
    "/etc/kubernetes/manifests",
    "/var/lib/rancher/rke2/agent/pod-manifests",
];

/// Directories systemd loads system unit files from, highest precedence first
/// (`/lib/systemd/system` where /usr is not merged).
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// CNI configuration directories of distributions whose container runtime is not configured
/// with `/etc/cni/net.d` (k3s and RKE2's embedded containerd, MicroK8s, OpenShift's CRI-O and
/// Multus), as kube-bench's platform configurations audit them.
const CNI_PLATFORM_DIRS: &[(&str, &str)] = &[
    ("/var/lib/rancher/k3s/agent/etc/cni/net.d", "k3s"),
    ("/var/snap/microk8s/current/args/cni-network", "MicroK8s"),
    ("/etc/kubernetes/cni/net.d", "OpenShift"),
    ("/run/multus/cni/net.d", "OpenShift (Multus)"),
];

/// Units that run a kubelet: distribution packages and kubeadm (`kubelet.service`), the
/// kubelet snap and MicroK8s (the names kube-bench's `svc` list has).
const KUBELET_UNITS: &[&str] = &[
    "kubelet.service",
    "snap.kubelet.daemon.service",
    "snap.microk8s.daemon-kubelet.service",
    "snap.microk8s.daemon-kubelite.service",
];

/// What to collect from.
#[derive(Debug, Clone)]
pub struct Options {
    /// The node's `/`.
    pub root: PathBuf,
    /// The node's `/proc` (default `<root>/proc`).
    pub proc_dir: PathBuf,
    /// Node name; default `$NODE_NAME`, then the root's `/etc/hostname`.
    pub node_name: Option<String>,
    /// The catalog's components (`components.yaml`): the configuration files each may be
    /// given and the settings to read from them, and the types of their flags.
    pub components: BTreeMap<String, Component>,
}

/// The catalog's configuration files that name settings to read (`keys`), by component.
pub fn config_files_of(
    components: &BTreeMap<String, Component>,
) -> BTreeMap<String, Vec<ConfigFile>> {
    components
        .iter()
        .map(|(name, c)| {
            let read: Vec<ConfigFile> = c
                .config_files
                .iter()
                .filter(|f| !f.keys.is_empty() || !f.reads.is_empty())
                .cloned()
                .collect();
            (name.clone(), read)
        })
        .filter(|(_, read)| !read.is_empty())
        .collect()
}

/// Collects the facts of one node. Never fails: what cannot be read is recorded.
pub fn collect(opts: &Options) -> NodeFacts {
    let mut c = Collector {
        root: opts.root.clone(),
        proc_dir: opts.proc_dir.clone(),
        errors: Vec::new(),
        users: read_ids(&opts.root, "/etc/passwd"),
        groups: read_ids(&opts.root, "/etc/group"),
        components: &opts.components,
        config_files: config_files_of(&opts.components),
        pods: BTreeMap::new(),
        pod_facts: Vec::new(),
        kubelet_view: View {
            dir: opts.root.clone(),
            process: None,
        },
        drop_in_walk: DropIns::default(),
    };
    let mut components = processes(&opts.root, &opts.proc_dir, &mut c.errors);
    let kubelet = match pick(&components, "kubelet") {
        Ok(Some(k)) => {
            let k = k.clone();
            c.kubelet_view = c.own_view(&k);
            Some(c.kubelet(&k))
        }
        Ok(None) => None,
        Err(many) => {
            c.errors.push(many.to_string());
            None
        }
    };
    let static_dirs = static_pod_dirs(kubelet.as_ref());
    let mut manifests: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pods = Vec::new();
    for (dir, _) in static_dirs.iter().flatten() {
        for fact in c.static_pods(dir) {
            let held = manifests.entry(fact.component.clone()).or_default();
            if !held.contains(&fact.location) {
                held.push(fact.location.clone());
            }
            pods.push(fact);
        }
    }
    // Processes' configuration files, once static pods are known: a process whose own root
    // cannot be opened may be a static pod's container, whose volumes say where its files are.
    let files: Vec<Vec<ConfigFileFact>> = components
        .iter()
        .map(|fact| c.config_files(fact, &|path| c.locate(Some(fact), path)))
        .collect();
    for (fact, files) in components.iter_mut().zip(files) {
        fact.config_files = files;
    }
    components.extend(pods);
    let mut roles = Vec::new();
    if components
        .iter()
        .any(|c| CONTROL_PLANE_COMPONENTS.contains(&c.component.as_str()))
    {
        roles.push("control-plane".to_string());
    } else if components.iter().any(|c| c.component == "kubelet") {
        roles.push("worker".to_string());
    }
    let files = c.files(&components, kubelet.as_ref(), &static_dirs, &manifests);
    NodeFacts {
        kind: FACTS_KIND.into(),
        facts_version: FACTS_VERSION,
        node: node_name(opts),
        collected_at: crate::evaluate::now(),
        root: opts.root.display().to_string(),
        proc: opts.proc_dir.display().to_string(),
        roles,
        components,
        kubelet,
        files,
        errors: c.errors,
    }
}

/// Where the kubelet reads static pods: its effective `staticPodPath`; the default
/// directories only when its configuration is known not to set one (no kubelet seen, or
/// every file of its configuration read). `Err`: unknown, and why (a file of its
/// configuration could not be read, or the kubelet refuses one), unless the
/// `--pod-manifest-path` flag, which wins over every file, sets it.
fn static_pod_dirs(kubelet: Option<&KubeletFacts>) -> Result<Vec<(String, String)>, String> {
    let set = kubelet.and_then(|k| k.values.get("staticPodPath"));
    let by_flag = set.is_some_and(|v| matches!(v.source, ValueSource::Flag { .. }));
    if let Some(k) = kubelet.filter(|_| !by_flag) {
        let why: Vec<&str> = k
            .refused
            .iter()
            .chain(&k.errors)
            .map(String::as_str)
            .collect();
        if !why.is_empty() {
            return Err(format!(
                "where the kubelet reads static pod manifests is unknown: its staticPodPath could not be read ({}), so the manifests were not looked for",
                why.join("; ")
            ));
        }
    }
    let dir = set.and_then(|v| {
        v.value
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|s| (s.to_string(), v.source.describe()))
    });
    Ok(match dir {
        Some((dir, source)) => vec![(dir, format!("kubelet staticPodPath ({source})"))],
        None => STATIC_POD_DIRS
            .iter()
            .map(|d| (d.to_string(), "default path".to_string()))
            .collect(),
    })
}

fn node_name(opts: &Options) -> String {
    if let Some(n) = opts.node_name.as_ref().filter(|n| !n.is_empty()) {
        return n.clone();
    }
    if let Ok(n) = std::env::var("NODE_NAME") {
        if !n.trim().is_empty() {
            return n.trim().to_string();
        }
    }
    rooted::read_to_string(&opts.root, "/etc/hostname")
        .ok()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// `id → name` from the root's passwd or group file (`name:x:id:…`).
fn read_ids(root: &Path, path: &str) -> BTreeMap<u32, String> {
    parse_ids(
        &rooted::read_to_string(root, path)
            .ok()
            .flatten()
            .unwrap_or_default(),
    )
}

/// `id → name` from the text of a passwd or group file.
fn parse_ids(text: &str) -> BTreeMap<u32, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split(':');
            let name = parts.next()?;
            let id = parts.nth(1)?.parse().ok()?;
            Some((id, name.to_string()))
        })
        // The first entry for an id wins, as in getpwuid.
        .fold(BTreeMap::new(), |mut m, (id, name)| {
            m.entry(id).or_insert(name);
            m
        })
}

/// The last component of a path.
fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The component an executable's basename runs, if any.
fn component_of(base: &str) -> Option<&'static str> {
    COMPONENTS
        .iter()
        .find(|(_, bins)| bins.contains(&base))
        .map(|(name, _)| *name)
}

/// What a static pod's container runs: a component, and what it is started with.
struct PodCommand {
    component: &'static str,
    /// The executable as written (or the shell running the script).
    executable: String,
    args: Vec<String>,
    /// Why its arguments are not known, when they are not.
    via: Option<String>,
}

/// The admin kubeconfig RKE2 writes for users unless `--write-kubeconfig` names another.
const RKE2_WRITTEN_KUBECONFIG: &str = "/etc/rancher/rke2/rke2.yaml";

/// How a file of an embedding process's layout was found, for the facts.
fn layout_from(component: &str, flag: &str, inst: &ComponentFact) -> String {
    let program = basename(&inst.executable);
    format!(
        "{program}'s own layout: {program} gives {component} {flag} itself, and it is not shown ({})",
        inst.describe()
    )
}

/// The component a static pod's `command` + `args` run, read as the flag checks read
/// manifests: through wrappers (`dumb-init --`), and through a shell's script (`sh -c "exec
/// kube-proxy … 1>>/var/log/kube-proxy.log 2>&1"`, GKE's form), read word by word. A script
/// that cannot be read so but names a component's binary still yields the component, with
/// no arguments and why: its checks then cannot pass on a default.
fn static_pod_command(argv: &[String]) -> Option<PodCommand> {
    use crate::checks::command_line::{script_names, shell_script, shell_words, without_wrappers};
    let argv = without_wrappers(argv);
    // The command's words, or why a script's cannot be read, with the script.
    let words = match shell_script(argv) {
        None => Ok(argv.to_vec()),
        Some(script) => shell_words(script)
            .and_then(|words| {
                let words = without_wrappers(&words).to_vec();
                match words.first() {
                    Some(first) if component_of(basename(first)).is_some() => Ok(words),
                    // `exec ionice -c2 kube-apiserver …`: a program in front that is not followed.
                    _ => Err(format!(
                        "the script runs {}, not the component itself",
                        words.first().map_or("nothing", String::as_str)
                    )),
                }
            })
            .map_err(|why| (why, script)),
    };
    match words {
        Ok(words) => {
            let (first, rest) = words.split_first()?;
            Some(PodCommand {
                component: component_of(basename(first))?,
                executable: first.clone(),
                args: rest.to_vec(),
                via: None,
            })
        }
        Err((why, script)) => {
            let component = COMPONENTS.iter().find(|(_, bins)| {
                let bins: Vec<String> = bins.iter().map(|b| b.to_string()).collect();
                script_names(script, &bins)
            })?;
            Some(PodCommand {
                component: component.0,
                executable: argv.first()?.clone(),
                args: Vec::new(),
                via: Some(format!(
                    "started by a shell script whose words cannot be read reliably ({why}): its flags are not visible"
                )),
            })
        }
    }
}

/// Every process whose executable's basename names a component (`root`: the node's
/// filesystem, where k3s's configuration and MicroK8s' arguments files are read). The executable is what
/// `/proc/<pid>/exe` points to (what the process really runs); `argv[0]`, which a process
/// sets as it likes (`exec -a kubelet bash`), decides only when that link cannot be read
/// (another user's process without CAP_SYS_PTRACE, a fixture). A process that calls itself
/// a component but runs something else is not taken for it, and `errors` says so.
pub fn processes(root: &Path, proc_dir: &Path, errors: &mut Vec<String>) -> Vec<ComponentFact> {
    let entries = match std::fs::read_dir(proc_dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!(
                "cannot list processes in {}: {e}",
                proc_dir.display()
            ));
            return Vec::new();
        }
    };
    let mut pids: Vec<u32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    pids.sort_unstable();
    let mut out = Vec::new();
    for pid in pids {
        let dir = proc_dir.join(pid.to_string());
        let path = dir.join("cmdline");
        // Processes come and go; an unreadable or empty cmdline (kernel thread) is skipped.
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let argv: Vec<String> = bytes
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>();
        let argv: Vec<String> = match argv.iter().rposition(|a| !a.is_empty()) {
            Some(last) => argv[..=last].to_vec(),
            None => continue,
        };
        let exe = &argv[0];
        // The kernel appends " (deleted)" when the binary was replaced since it started.
        let runs: Option<String> = std::fs::read_link(dir.join("exe")).ok().map(|p| {
            let s = p.to_string_lossy().into_owned();
            s.strip_suffix(" (deleted)")
                .map(str::to_string)
                .unwrap_or(s)
        });
        let base = runs.as_deref().map_or(basename(exe), basename);
        let called = basename(exe);
        if let Some(runs) = &runs {
            if base != called
                && (component_of(called).is_some() || matches!(called, "k3s" | "kubelite"))
            {
                errors.push(format!(
                    "process {pid} calls itself {} (argv[0]) but runs {}: not taken for {called}",
                    crate::quote::quote(exe),
                    crate::quote::quote(runs)
                ));
            }
        }
        let location = path.display().to_string();
        let fact = |component: &str, args: Vec<String>, via: Option<String>| ComponentFact {
            component: component.to_string(),
            source: ComponentSource::Process,
            pid: Some(pid),
            location: location.clone(),
            executable: exe.clone(),
            exe: runs.clone(),
            args: crate::secrets::redact_process_args(component, args),
            unresolved: BTreeMap::new(),
            via,
            env: BTreeMap::new(),
            config_files: Vec::new(),
            layout: BTreeMap::new(),
        };
        if let Some(name) = component_of(base) {
            let mut f = fact(name, argv[1..].to_vec(), None);
            if name == "etcd" {
                f.env = environ(&dir, ETCD_ENV);
            }
            out.push(f);
        } else if base == "kubelite" {
            // MicroK8s: each component's whole command line is in its arguments file.
            out.extend(
                crate::collect::microk8s::components(root, &argv[1..])
                    .into_iter()
                    .map(|e| ComponentFact {
                        location: e.file,
                        via: e.unread.map(|why| {
                            format!(
                                "run by MicroK8s kubelite; {why}: its arguments are not visible"
                            )
                        }),
                        ..fact(e.component, e.args, None)
                    }),
            );
        } else if base == "k3s" {
            out.extend(
                crate::collect::k3s::components(
                    root,
                    &argv[1..],
                    &environ(&dir, crate::collect::k3s::ENV),
                    errors,
                )
                .into_iter()
                .map(|e| ComponentFact {
                    layout: e.layout,
                    ..fact(e.component, e.args, Some(e.via))
                }),
            );
        }
    }
    out
}
/// The kube-apiserver flags naming its CA and key files, whose directories are the PKI
/// (CIS 1.1.19–1.1.21), the client CA first.
const PKI_FLAGS: &[&str] = &[
    "--client-ca-file",
    "--tls-private-key-file",
    "--service-account-signing-key-file",
    "--service-account-key-file",
    "--kubelet-client-key",
    "--proxy-client-key-file",
    "--etcd-keyfile",
];

/// Directories a key flag may point into that are not a Kubernetes PKI (the system's own
/// files and keys live there): never walked as the PKI (CIS 1.1.19–1.1.21 audit the
/// Kubernetes PKI directory).
const SHARED_DIRS: &[&str] = &[
    "",
    "/etc",
    "/var",
    "/var/lib",
    "/usr",
    "/usr/local",
    "/opt",
    "/srv",
    "/root",
    "/home",
    "/tmp",
    "/run",
    "/etc/ssl",
    "/etc/ssl/certs",
    "/etc/ssl/private",
    "/etc/pki",
    "/etc/pki/tls",
    "/etc/pki/tls/certs",
    "/etc/pki/tls/private",
];

/// How deep a walk of a node directory (the PKI, CNI configuration) goes.
const WALK_DEPTH: usize = 4;

/// How many entries a walk of a node directory looks at.
const WALK_ENTRIES: usize = 5000;

/// Whether a flag carries a secret inline (`--token`, `--bootstrap-token`, `--…-password`,
/// `--…-secret`, and the kubelet's `--manifest-url-header`, whose headers carry
/// `Authorization` values: `datapolicy:"token"` upstream): its value never enters the facts.
/// Flags naming a file keep their value.
pub(crate) fn secret_flag(name: &str) -> bool {
    let n = name.trim_start_matches('-').to_ascii_lowercase();
    // A file, or a switch to read the secret from standard input (`--password-stdin`).
    if n.ends_with("-file") || n.ends_with("-path") || n.ends_with("-dir") || n.ends_with("-stdin")
    {
        return false;
    }
    // The name of a Secret object, of where one is, or of the variable that holds it
    // (`--secret-name=tls`, `--tls-secret-namespace`, `--client-secret-env OIDC_SECRET`),
    // or a rule on passwords (`--password-min-length`), not a secret.
    if ["-name", "-namespace", "-ref", "-env", "-length"]
        .iter()
        .any(|s| n.ends_with(s))
    {
        return false;
    }
    n == "token"
        // etcd's discovery URL: its path is the cluster's discovery token.
        || n == "discovery"
        || n.ends_with("-token")
        || n.contains("password")
        || n.contains("secret")
        || n.ends_with("url-header")
}

/// Whether a secret flag's value is no secret: only a container's `$(VAR)` reference,
/// which the kubelet fills in when it starts the container, or a shell's `${VAR}` (the
/// manifest holds the name, not the value); a boolean, which switches how a credential is
/// checked (`--enable-password-auth=false`). A number stays hidden: it may be a password.
pub(crate) fn not_a_secret(v: &str) -> bool {
    let name = |r: Option<&str>| {
        r.is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    name(v.strip_prefix("$(").and_then(|r| r.strip_suffix(')')))
        || name(v.strip_prefix("${").and_then(|r| r.strip_suffix('}')))
        || matches!(v.to_ascii_lowercase().as_str(), "true" | "false")
}

/// Arguments with inline secret values replaced by `<redacted>` (a `$(VAR)` reference or a
/// boolean is kept: see [`not_a_secret`]).
pub fn redact_args(args: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut redact_next = false;
    for a in args {
        // pflag and Go's flag take the next argument as the value whatever it starts with.
        if redact_next {
            out.push(if not_a_secret(&a) {
                a
            } else {
                "<redacted>".to_string()
            });
            redact_next = false;
            continue;
        }
        redact_next = false;
        if a.starts_with('-') {
            match a.split_once('=') {
                Some((name, v)) if secret_flag(name) && !not_a_secret(v) => {
                    out.push(format!("{name}=<redacted>"));
                    continue;
                }
                None if secret_flag(&a) => redact_next = true,
                _ => {}
            }
        }
        out.push(a);
    }
    out
}

/// The variables named in `allowed` of a process's environment (`<proc>/<pid>/environ`,
/// readable only with the process's uid or CAP_SYS_PTRACE: empty otherwise); nothing else
/// of it is kept, as it may hold secrets (`K3S_TOKEN`).
fn environ(dir: &Path, allowed: &[&str]) -> BTreeMap<String, String> {
    let bytes = std::fs::read(dir.join("environ")).unwrap_or_default();
    allowed_env(
        bytes
            .split(|b| *b == 0)
            .map(|kv| String::from_utf8_lossy(kv).into_owned())
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            }),
        allowed,
    )
}

/// The variables named in `allowed` among `vars`.
fn allowed_env(
    vars: impl Iterator<Item = (String, String)>,
    allowed: &[&str],
) -> BTreeMap<String, String> {
    vars.filter(|(k, _)| allowed.contains(&k.as_str()))
        .collect()
}

struct Collector<'o> {
    root: PathBuf,
    proc_dir: PathBuf,
    errors: Vec<String>,
    users: BTreeMap<u32, String>,
    groups: BTreeMap<u32, String>,
    components: &'o BTreeMap<String, Component>,
    config_files: BTreeMap<String, Vec<ConfigFile>>,
    /// Static pods read: (manifest path, component) → its container, for its volumes and
    /// working directory.
    pods: BTreeMap<(String, String), StaticPod>,
    /// The static pods' component facts, in the order read.
    pod_facts: Vec<ComponentFact>,
    /// The kubelet's filesystem (its own root, else the node's): static pods and their
    /// hostPath volumes are there.
    kubelet_view: View,
    /// The kubelet's `--config-dir` drop-ins as read: the directories walked (the top one
    /// first) and, when the walk could not be completed, why.
    drop_in_walk: DropIns,
}

/// What the walk of the kubelet's `--config-dir` found.
#[derive(Debug, Clone, Default)]
struct DropIns {
    /// Drop-in files the kubelet reads, in the order it applies them.
    files: Vec<String>,
    /// The directory and its subdirectories, in the order walked.
    dirs: Vec<String>,
    /// Why the walk stopped short, when it did: what it holds beyond is unknown.
    unread: Option<String>,
}

/// Why a kubelet configuration file gave no values.
#[derive(Debug, Clone)]
enum Unread {
    /// It could not be read or parsed here: what it holds is unknown.
    Failed(String),
    /// The kubelet refuses it and does not start (empty, not a
    /// `kubelet.config.k8s.io/v1beta1` KubeletConfiguration, a `--config-dir` that is not
    /// there).
    Refused(String),
}

/// A static pod's container, as its manifest gives it.
struct StaticPod {
    /// The pod spec (its volumes).
    spec: Doc,
    /// The container (its mounts and working directory).
    container: Doc,
    /// Its command line after the executable, as recorded (secrets redacted).
    args: Vec<String>,
}

/// A filesystem paths are resolved in: the node's root, or a process's own root.
#[derive(Debug, Clone)]
struct View {
    /// The directory standing for `/`.
    dir: PathBuf,
    /// For a process's own root, how to name it in evidence (`/proc/812/root`).
    process: Option<String>,
}

/// Where a file a component names is, or why it cannot be placed on the node.
type Located = Result<Location, String>;

/// A file a component names, placed on the node.
#[derive(Debug, Clone)]
struct Location {
    /// The filesystem to resolve `path` in.
    view: View,
    /// The path there (absolute): as given, through a hostPath volume, or from the
    /// working directory.
    path: String,
    /// How the facts say where it was read (`None`: the same path as given, on the node).
    shown: Option<String>,
    /// Said when the file is not there: what else could have shown it.
    if_absent: Option<String>,
}

/// Where a component's file is, by what the component runs with.
enum Named<'a> {
    /// The component does not run on this node.
    NotRunning,
    /// More than one process runs it.
    Ambiguous(Ambiguous),
    /// A path it names (its flag, environment variable or configuration file), with why.
    Path {
        path: String,
        from: String,
        inst: &'a ComponentFact,
    },
    /// It names none: its default applies (`why`: a configuration file took the flag over
    /// and leaves the setting out).
    Unset {
        inst: &'a ComponentFact,
        why: Option<String>,
    },
    /// Not passed visibly: the file the process embedding it (k3s) gives it from its own
    /// layout ([`ComponentFact::layout`]), judged where found and unknown when not there.
    Layout {
        path: String,
        from: String,
        inst: &'a ComponentFact,
    },
    /// A configuration file it is given decides, and could not be read.
    Unknown(String),
}

impl Collector<'_> {
    /// The node's own root.
    fn node_view(&self) -> View {
        View {
            dir: self.root.clone(),
            process: None,
        }
    }

    /// A process's own root (`<proc>/<pid>/root`) when it can be opened, else the node's.
    fn own_view(&self, fact: &ComponentFact) -> View {
        match self.proc_root(fact) {
            Some(r) if std::fs::read_dir(&r).is_ok() => View {
                process: Some(r.display().to_string()),
                dir: r,
            },
            _ => self.node_view(),
        }
    }

    /// `<proc>/<pid>/root` of a process.
    fn proc_root(&self, fact: &ComponentFact) -> Option<PathBuf> {
        (fact.source == ComponentSource::Process)
            .then_some(fact.pid)
            .flatten()
            .map(|pid| self.proc_dir.join(pid.to_string()).join("root"))
    }

    /// The one static pod whose container runs exactly `inst`'s command line, if `inst` is a
    /// process.
    fn pod_running(&self, inst: &ComponentFact) -> Option<&ComponentFact> {
        if inst.source != ComponentSource::Process || inst.via.is_some() {
            return None;
        }
        let mut same = self.pod_facts.iter().filter(|p| {
            p.component == inst.component
                && self
                    .pods
                    .get(&(p.location.clone(), p.component.clone()))
                    .is_some_and(|pod| pod.args == inst.args)
        });
        match (same.next(), same.next()) {
            (Some(p), None) => Some(p),
            _ => None,
        }
    }

    /// A component's command line as its flag parser reads it
    /// ([`parse_component_command`](crate::checks::flag::parse_component_command)).
    fn command(&self, fact: &ComponentFact) -> crate::checks::flag::CommandLine {
        match self.components.get(&fact.component) {
            Some(c) => crate::checks::flag::parse_component_command(&fact.args, c),
            None => parse_command(&fact.args, &BTreeSet::new()),
        }
    }

    /// Where the file at `path`, named by `inst` (or by nothing: a default path), is: for a
    /// process, in its own root when that can be opened (a file inside a container is only
    /// there), else at the same path on the node; for a static pod, through the hostPath
    /// volume mounted there; a relative path from the working directory.
    fn locate(&self, inst: Option<&ComponentFact>, path: &str) -> Located {
        let Some(inst) = inst else {
            return Ok(Location {
                view: self.node_view(),
                path: absolute(path),
                shown: None,
                if_absent: None,
            });
        };
        let path = self.absolute_for(inst, path)?;
        match inst.source {
            ComponentSource::Process => {
                let view = self.own_view(inst);
                match &view.process {
                    Some(r) => Ok(Location {
                        shown: Some(format!("{r}{path}")),
                        view,
                        path,
                        if_absent: None,
                    }),
                    // Without its own root, the static pod that runs exactly this command
                    // line says where the file is (kubeadm's etcd, seen from the host).
                    None if self.pod_running(inst).is_some() => {
                        let pod = self.pod_running(inst).unwrap_or(inst);
                        let mut at = self.locate(Some(pod), &path)?;
                        at.shown = Some(format!(
                            "{} (through the hostPath volumes of static pod {}, whose command line {} runs)",
                            at.path,
                            pod.location,
                            inst.describe()
                        ));
                        Ok(at)
                    }
                    // A process in a pod's container reads its own filesystem (a ConfigMap
                    // volume for kubeadm's kube-proxy): the node's file at that path may be
                    // another one, so it decides nothing.
                    None if self.container_of(inst).is_some() => Err(format!(
                        "{} runs in a container ({}) whose own root cannot be opened, so the file it reads at {path} is not known (the node's file at that path may be another one); run the collector with CAP_SYS_PTRACE to read it inside the container",
                        inst.describe(),
                        self.container_of(inst).unwrap_or_default()
                    )),
                    None => Ok(Location {
                        view,
                        path,
                        shown: None,
                        if_absent: self.proc_root(inst).map(|r| {
                            format!(
                                "the process's own root {} cannot be opened (a file inside a container is read there, which needs CAP_SYS_PTRACE)",
                                r.display()
                            )
                        }),
                    }),
                }
            }
            ComponentSource::StaticPod => {
                let key = (inst.location.clone(), inst.component.clone());
                let Some(StaticPod {
                    spec, container, ..
                }) = self.pods.get(&key)
                else {
                    return Ok(Location {
                        view: self.kubelet_view.clone(),
                        path,
                        shown: None,
                        if_absent: None,
                    });
                };
                let on_host = crate::checks::mounted_file::on_host(spec, container, &path)?;
                Ok(Location {
                    view: self.kubelet_view.clone(),
                    shown: Some(on_host.clone()),
                    path: on_host,
                    if_absent: None,
                })
            }
        }
    }

    /// `path` made absolute as `inst` sees it: a relative path starts at its working
    /// directory (`/proc/<pid>/cwd`, or the static pod container's `workingDir`).
    fn absolute_for(&self, inst: &ComponentFact, path: &str) -> Result<String, String> {
        if path.starts_with('/') {
            return Ok(path.to_string());
        }
        let q = crate::quote::quote;
        match inst.source {
            ComponentSource::Process => {
                let cwd = inst
                    .pid
                    .map(|pid| self.proc_dir.join(pid.to_string()).join("cwd"));
                match cwd.as_ref().map(std::fs::read_link) {
                    Some(Ok(dir)) => Ok(format!(
                        "{}/{path}",
                        dir.to_string_lossy().trim_end_matches('/')
                    )),
                    _ => Err(format!(
                        "{} is relative to the working directory of {}, which {} does not show (reading it needs CAP_SYS_PTRACE)",
                        q(path),
                        inst.describe(),
                        cwd.map_or_else(|| "its command line".to_string(), |c| c.display().to_string())
                    )),
                }
            }
            ComponentSource::StaticPod => {
                let key = (inst.location.clone(), inst.component.clone());
                let dir = self
                    .pods
                    .get(&key)
                    .and_then(|p| p.container.get("workingDir").and_then(Doc::as_str))
                    .filter(|d| d.starts_with('/'));
                match dir {
                    Some(d) => Ok(format!("{}/{path}", d.trim_end_matches('/'))),
                    None => Err(format!(
                        "{} is relative to the working directory of the container in {}, which its image sets (the manifest gives no workingDir)",
                        q(path),
                        inst.location
                    )),
                }
            }
        }
    }

    fn kubelet(&mut self, k: &ComponentFact) -> KubeletFacts {
        let cmd = self.command(k);
        let flags = &cmd.flags;
        let mut facts = KubeletFacts {
            command_line: k.describe(),
            embedded: k.via.clone(),
            ..KubeletFacts::default()
        };
        // An empty --config or --config-dir names nothing: the kubelet checks the length.
        let given = |flag: &str| {
            flags
                .get(flag)
                .and_then(|v| v.last())
                .filter(|v| !v.is_empty())
        };
        // A file the kubelet refuses is never merged: it does not start with it.
        let unread = |facts: &mut KubeletFacts, why: Unread| match why {
            Unread::Failed(e) => facts.errors.push(e),
            Unread::Refused(e) => facts.refused.push(e),
        };
        if let Some(path) = given("--config") {
            facts.config_file = Some(path.clone());
            let source = ValueSource::ConfigFile { path: path.clone() };
            match self.read_kubelet_yaml(k, path) {
                Ok(mut v) => {
                    resolve_relative_paths(&mut v, path);
                    merge(&mut facts.values, &v, source, None);
                }
                Err(why) => unread(&mut facts, why),
            }
        }
        if let Some(dir) = given("--config-dir") {
            facts.config_dir = Some(dir.clone());
            let mut walk = DropIns::default();
            let top = dir.trim_end_matches('/');
            let walked = self.drop_ins(k, if top.is_empty() { "/" } else { top }, 0, &mut walk);
            // What the --config file set: a `null` in a drop-in falls back to it.
            let base = facts.values.clone();
            for path in &walk.files {
                match self.read_kubelet_yaml(k, path) {
                    Ok(v) => merge(
                        &mut facts.values,
                        &v,
                        ValueSource::DropIn { path: path.clone() },
                        Some(&base),
                    ),
                    // What an unread drop-in sets would replace what the files before it set.
                    Err(Unread::Failed(e)) => {
                        shadow(
                            &mut facts.values,
                            &format!("{path}, a drop-in read after it, could not be read ({e})"),
                        );
                        facts.errors.push(e);
                    }
                    Err(why) => unread(&mut facts, why),
                }
                facts.drop_ins.push(path.clone());
            }
            if let Err(why) = walked {
                let text = match &why {
                    Unread::Failed(e) | Unread::Refused(e) => e.clone(),
                };
                // Drop-ins never seen may come anywhere in the order.
                if matches!(why, Unread::Failed(_)) {
                    shadow(
                        &mut facts.values,
                        &format!(
                            "drop-ins under --config-dir {dir} could not all be read ({text})"
                        ),
                    );
                }
                walk.unread = Some(text);
                unread(&mut facts, why);
            }
            self.drop_in_walk = walk;
        }
        apply_flags(
            &mut facts.values,
            &cmd,
            self.components.get("kubelet"),
            &k.describe(),
        );
        for e in facts.refused.iter().chain(&facts.errors) {
            self.errors.push(format!("kubelet: {e}"));
        }
        facts
    }

    /// The kubelet's drop-in files under `dir`, as its `mergeKubeletConfigurations`
    /// (cmd/kubelet/app/server.go) walks them with `filepath.WalkDir`: lexical order,
    /// subdirectories included where they come, every file whose name ends in `.conf`
    /// (`filepath.Ext`), dot-files too. A `--config-dir` that is not there fails the walk,
    /// and the kubelet does not start. What the walk could not look at (a directory that
    /// cannot be listed, or deeper than [`DROP_IN_DEPTH`]) stops it: the drop-ins beyond
    /// are unknown.
    fn drop_ins(
        &self,
        k: &ComponentFact,
        dir: &str,
        depth: usize,
        walk: &mut DropIns,
    ) -> Result<(), Unread> {
        let at = self.locate(Some(k), dir).map_err(Unread::Failed)?;
        let Some(r) = rooted::resolve(&at.view.dir, &at.path).map_err(Unread::Failed)? else {
            return Err(match (depth, &at.if_absent) {
                (0, None) => Unread::Refused(format!(
                    "the kubelet's --config-dir {dir} does not exist: the kubelet fails to walk it and does not start"
                )),
                (0, Some(why)) => Unread::Failed(format!(
                    "cannot list the kubelet's --config-dir {dir}: it does not exist on the node, and {why}"
                )),
                _ => Unread::Failed(format!("cannot list {dir}: it vanished during the walk")),
            });
        };
        walk.dirs.push(dir.to_string());
        if depth > DROP_IN_DEPTH {
            return Err(Unread::Failed(format!(
                "{dir} is more than {DROP_IN_DEPTH} levels below the kubelet's --config-dir; the drop-ins there were not read"
            )));
        }
        let rd = std::fs::read_dir(&r.host)
            .map_err(|e| Unread::Failed(format!("cannot list {dir}: {e}")))?;
        let mut entries: Vec<(String, bool)> = Vec::new();
        for e in rd {
            let e = e.map_err(|e| Unread::Failed(format!("cannot list {dir}: {e}")))?;
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            // Links are not followed into directories (`WalkDir`); a linked file is read.
            entries.push((name, e.file_type().is_ok_and(|t| t.is_dir())));
        }
        entries.sort();
        for (name, is_dir) in entries {
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            if is_dir {
                self.drop_ins(k, &path, depth + 1, walk)?;
            } else if name.ends_with(".conf") {
                walk.files.push(path);
            }
        }
        Ok(())
    }

    /// Reads the configuration files `fact` is given that the catalog reads settings from,
    /// recording only those settings.
    fn config_files(
        &self,
        fact: &ComponentFact,
        locate: &dyn Fn(&str) -> Located,
    ) -> Vec<ConfigFileFact> {
        let Some(specs) = self.config_files.get(&fact.component) else {
            return Vec::new();
        };
        let flags = self.command(fact).flags;
        specs
            .iter()
            .filter_map(|spec| {
                let path = flags.get(&spec.flag)?.last()?;
                Some(read_config_file(spec, path, locate(path)))
            })
            .collect()
    }

    /// Where `component`'s `flag` names a file: the configuration file that takes the flag
    /// over (etcd's `data-dir` under `--config-file`, kube-proxy's
    /// `clientConnection.kubeconfig` under `--config`), else the flag, else an environment
    /// variable standing for it (etcd's `ETCD_*`).
    fn named<'a>(&self, components: &'a [ComponentFact], component: &str, flag: &str) -> Named<'a> {
        let inst = match pick(components, component) {
            Err(many) => return Named::Ambiguous(many),
            Ok(None) => return Named::NotRunning,
            Ok(Some(i)) => i,
        };
        let flags = self.command(inst).flags;
        for spec in self.config_files.get(component).into_iter().flatten() {
            let Some(file) = flags.get(&spec.flag).and_then(|v| v.last()) else {
                continue;
            };
            if file.is_empty() || spec.decides(flag, flags.contains_key(flag)).is_none() {
                continue;
            }
            let read = inst.config_files.iter().find(|f| f.flag == spec.flag);
            let which = format!(
                "{} {} ({})",
                spec.flag,
                read.map_or_else(|| file.clone(), ConfigFileFact::describe),
                inst.describe()
            );
            let Some(key) = spec.keys.get(flag) else {
                return Named::Unknown(format!(
                    "{component} ignores {flag} when given {which}, and the setting that replaces it is not read"
                ));
            };
            return match read {
                Some(f) if f.state == FileState::Present => {
                    match f
                        .values
                        .get(&key.key)
                        .and_then(crate::checks::mounted_file::flag_text)
                    {
                        Some(v) => Named::Path {
                            path: v,
                            from: format!("{component} `{}` in {which}", key.key),
                            inst,
                        },
                        None => Named::Unset {
                            inst,
                            why: Some(format!(
                                "{component} ignores {flag} when given {which}, which sets no `{}`",
                                key.key
                            )),
                        },
                    }
                }
                Some(f) => Named::Unknown(format!(
                    "{component} takes {flag} from `{}` in {which}, which could not be read: {}",
                    key.key,
                    f.error.as_deref().unwrap_or("unreadable")
                )),
                None => Named::Unknown(format!(
                    "{component} takes {flag} from `{}` in {which}, which was not read",
                    key.key
                )),
            };
        }
        if let Some(v) = flags.get(flag).and_then(|v| v.last()) {
            // An empty value names no file.
            if v.is_empty() {
                return Named::Unset { inst, why: None };
            }
            return Named::Path {
                path: v.clone(),
                from: format!("{component} {flag} ({})", inst.describe()),
                inst,
            };
        }
        if let Some((k, v)) = inst
            .env
            .iter()
            .find(|(k, _)| crate::node_facts::env_flag(k).as_deref() == Some(flag))
        {
            return Named::Path {
                path: v.clone(),
                from: format!("{component} environment {k} ({})", inst.describe()),
                inst,
            };
        }
        // An embedded component (k3s) is given the files of its embedding process's own
        // layout, not the default path.
        if let Some(path) = inst.layout.get(flag) {
            return Named::Layout {
                path: path.clone(),
                from: layout_from(component, flag, inst),
                inst,
            };
        }
        if let Some(via) = &inst.via {
            return Named::Unknown(format!(
                "{component} is not passed {flag} visibly ({via}), so which file it uses is not known"
            ));
        }
        Named::Unset { inst, why: None }
    }

    /// A kubelet configuration file or drop-in, read where the kubelet reads it, as it reads
    /// it: YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2), where a plain `off` or `no` is
    /// `false`.
    ///
    /// The kubelet reads only `kubelet.config.k8s.io/v1beta1` KubeletConfiguration: its
    /// config-file scheme registers that version alone (pkg/kubelet/apis/config/scheme;
    /// `kubelet.config.k8s.io/v1` and `v1alpha1` hold only CredentialProviderConfig), and
    /// `mergeKubeletConfigurations` (cmd/kubelet/app/server.go) refuses a drop-in of any
    /// other apiVersion/kind. An empty file is refused too (configfiles.go).
    fn read_kubelet_yaml(&self, k: &ComponentFact, path: &str) -> Result<Value, Unread> {
        let at = self.locate(Some(k), path).map_err(Unread::Failed)?;
        let text = match rooted::read_to_string(&at.view.dir, &at.path).map_err(Unread::Failed)? {
            Some(t) => t,
            None => {
                return Err(Unread::Failed(match (&at.shown, &at.if_absent) {
                    (_, Some(why)) => {
                        format!("cannot read {path}: it does not exist on the node, and {why}")
                    }
                    (Some(s), None) => format!("cannot read {path}: {s} does not exist"),
                    (None, None) => format!("cannot read {path}: it does not exist"),
                }))
            }
        };
        if text.trim().is_empty() {
            return Err(Unread::Refused(format!(
                "{path} is empty: the kubelet refuses an empty configuration file and does not start"
            )));
        }
        let v = crate::yaml::parse_document_yaml11(&text)
            .map(|n| n.to_json())
            .map_err(|e| Unread::Failed(format!("cannot parse {path}: {e}")))?;
        let kind = v.get("kind").and_then(Value::as_str);
        let api = v.get("apiVersion").and_then(Value::as_str);
        if kind != Some("KubeletConfiguration") || api != Some(KUBELET_CONFIG_API) {
            let q = |v: Option<&str>| v.map_or_else(|| "none".to_string(), crate::quote::quote);
            return Err(Unread::Refused(format!(
                "{path} has apiVersion {} and kind {}: the kubelet reads only {KUBELET_CONFIG_API} KubeletConfiguration files, so it refuses this one and does not start",
                q(api),
                q(kind)
            )));
        }
        Ok(v)
    }

    /// The static pods in the kubelet's `staticPodPath` (`dir`, seen in `view`, the kubelet's
    /// filesystem): as the kubelet reads it (pkg/kubelet/config/file.go), every regular file
    /// in the directory whose name does not start with a dot, in name order, or the one file
    /// the path names.
    fn static_pods(&mut self, dir: &str) -> Vec<ComponentFact> {
        let view = self.kubelet_view.clone();
        let Ok(Some((resolved, meta))) = rooted::metadata(&view.dir, dir) else {
            return Vec::new();
        };
        let files: Vec<String> = if meta.is_dir() {
            let mut names: Vec<String> = std::fs::read_dir(&resolved.host)
                .map(|rd| {
                    rd.flatten()
                        .filter_map(|e| e.file_name().to_str().map(str::to_string))
                        .filter(|n| !n.starts_with('.'))
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
                .into_iter()
                .map(|n| format!("{}/{n}", dir.trim_end_matches('/')))
                // Regular files only, links followed (subdirectories are not recursed into).
                .filter(
                    |p| matches!(rooted::metadata(&view.dir, p), Ok(Some((_, m))) if m.is_file()),
                )
                .collect()
        } else if meta.is_file() {
            vec![dir.to_string()]
        } else {
            Vec::new()
        };
        let mut out = Vec::new();
        for path in files {
            let pod = match rooted::read_to_string(&view.dir, &path)
                .and_then(|t| t.ok_or_else(|| "it does not exist".to_string()))
                .and_then(|t| {
                    crate::yaml::parse_document(&t)
                        .map(|n| n.to_json())
                        .map_err(|e| format!("cannot parse {path}: {e}"))
                }) {
                Ok(v) => v,
                Err(e) => {
                    self.errors.push(format!("static pod {path}: {e}"));
                    continue;
                }
            };
            let spec = Doc::from(pod.get("spec").cloned().unwrap_or(Value::Null));
            let containers = pod
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for c in containers {
                let c = Doc::from(c);
                let strings = |key: &str| crate::checks::path::strings(&c, key);
                // The kubelet expands `$(VAR)` from the container's environment, as for any
                // pod (the manifest and cluster paths do the same, in `checks::flag`).
                let env = crate::checks::command_line::ContainerEnv::of(&c);
                let mut unresolved = BTreeMap::new();
                let argv: Vec<String> = strings("command")
                    .into_iter()
                    .chain(strings("args"))
                    .map(|a| {
                        let (text, refs) = crate::checks::command_line::expand(&a, &env);
                        unresolved.extend(refs);
                        text
                    })
                    .collect();
                let Some(run) = static_pod_command(&argv) else {
                    continue;
                };
                let mut fact = ComponentFact {
                    component: run.component.to_string(),
                    source: ComponentSource::StaticPod,
                    pid: None,
                    location: path.clone(),
                    executable: run.executable,
                    exe: None,
                    args: crate::secrets::redact_process_args(run.component, run.args),
                    unresolved,
                    via: run.via,
                    env: allowed_env(
                        c.get("env")
                            .and_then(Doc::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|e| {
                                Some((
                                    e.get("name")?.as_str()?.to_string(),
                                    e.get("value")?.as_str()?.to_string(),
                                ))
                            }),
                        ETCD_ENV,
                    ),
                    config_files: Vec::new(),
                    layout: BTreeMap::new(),
                };
                self.pods.insert(
                    (path.clone(), run.component.to_string()),
                    StaticPod {
                        spec: spec.clone(),
                        container: c.clone(),
                        args: fact.args.clone(),
                    },
                );
                self.pod_facts.push(fact.clone());
                // The path is the container's: its hostPath volume says where it is.
                let files = self.config_files(&fact, &|p| self.locate(Some(&fact), p));
                fact.config_files = files;
                out.push(fact);
            }
        }
        out
    }

    /// The fact for `role` at `path` (as a component names it), placed by `located`.
    fn stat_at(&self, role: &str, path: &str, from: &str, located: Located) -> FileFact {
        let mut fact = FileFact {
            role: role.to_string(),
            path: path.to_string(),
            state: FileState::Absent,
            file_type: None,
            mode: None,
            owner: None,
            group: None,
            uid: None,
            gid: None,
            from: from.to_string(),
            error: None,
            unlocated: None,
        };
        let at = match located {
            Ok(at) => at,
            Err(why) => {
                // Not on the node's filesystem where it could be looked at.
                fact.state = FileState::Error;
                fact.error = Some(format!(
                    "{} cannot be placed on the node: {why}",
                    crate::quote::quote(path)
                ));
                return fact;
            }
        };
        let mut notes = Vec::new();
        if at.path != path {
            notes.push(format!("{path} is {} on the node", at.path));
            fact.path = at.path.clone();
        }
        if let Some(r) = &at.view.process {
            notes.push(format!("seen in the process's own root {r}"));
        }
        match rooted::metadata(&at.view.dir, &at.path) {
            Ok(Some((r, m))) => {
                if r.canonical != at.path {
                    notes.push(format!("links resolved to {}", r.canonical));
                }
                fact.state = FileState::Present;
                fact.file_type = Some(if m.is_dir() { "dir" } else { "file" }.into());
                fact.mode = Some(format!("{:04o}", m.permissions().mode() & 0o7777));
                fact.uid = Some(m.uid());
                fact.gid = Some(m.gid());
                fact.owner = Some(name_of(&self.users, m.uid()));
                fact.group = Some(name_of(&self.groups, m.gid()));
            }
            Ok(None) => {
                if let Some(why) = &at.if_absent {
                    // Perhaps only inside the container: cannot tell.
                    fact.state = FileState::Error;
                    fact.error = Some(format!("{} does not exist on the node, and {why}", at.path));
                }
            }
            Err(e) => {
                fact.state = FileState::Error;
                fact.error = Some(e);
            }
        }
        if !notes.is_empty() {
            fact.from = format!("{}; {}", fact.from, notes.join(", "));
        }
        fact
    }

    /// The fact for `role` at a node path.
    fn stat(&self, role: &str, path: &str, from: &str) -> FileFact {
        self.stat_at(role, path, from, self.locate(None, path))
    }

    /// A fact for `role` that could not be looked for, and why.
    fn failed(&self, role: &str, path: &str, from: &str, why: String) -> FileFact {
        let mut f = self.stat_at(role, path, from, Err(String::new()));
        f.error = Some(why);
        f
    }

    /// The fact for `role` at the path `named` gives, or at `default` on the node.
    fn stat_named(&self, role: &str, named: Named, default: &str) -> FileFact {
        match named {
            Named::NotRunning | Named::Unset { why: None, .. } => {
                self.stat(role, default, "default path")
            }
            Named::Unset { why: Some(why), .. } => {
                self.stat(role, default, &format!("default path ({why})"))
            }
            // Which file is in use is not known: the fact must not name the default as if it
            // were the one.
            Named::Ambiguous(many) => self.failed(
                role,
                &unknown_path(default),
                "default path",
                many.to_string(),
            ),
            Named::Unknown(why) => self.failed(role, &unknown_path(default), "default path", why),
            Named::Path { path, from, inst } => {
                let at = self.locate(Some(inst), &path);
                self.stat_at(role, &path, &from, at)
            }
            Named::Layout { path, from, inst } => {
                self.stat_at(role, &path, &from, self.locate_layout(inst, &path))
            }
        }
    }

    /// RKE2's data directory, when the API server's `--client-ca-file` sits where RKE2 keeps
    /// it (`<data-dir>/server/tls/client-ca.crt`, under a `rancher/rke2` directory).
    fn rke2_data_dir(&self, api: &ComponentFact) -> Option<String> {
        let flags = self.command(api).flags;
        let ca = flags.get("--client-ca-file")?.last()?;
        let data_dir = ca.strip_suffix("/server/tls/client-ca.crt")?;
        data_dir
            .contains("/rancher/rke2")
            .then(|| data_dir.to_string())
    }

    /// Where a file of an embedding process's layout is: as any file of the component, and
    /// unknown, not absent, when it is not there.
    fn locate_layout(&self, inst: &ComponentFact, path: &str) -> Located {
        let mut at = self.locate(Some(inst), path)?;
        if at.if_absent.is_none() {
            at.if_absent = Some(format!(
                "{} releases may keep it elsewhere (the path it is given is not visible)",
                basename(&inst.executable)
            ));
        }
        Ok(at)
    }

    /// Files under a directory (recursively, bounded), each with a role from its name, and
    /// each directory below it with `dir_role` when one is given. `at` places the directory.
    /// What the walk could not look at (an unreadable entry, a directory deeper than
    /// [`WALK_DEPTH`], a link to a directory, entries past [`WALK_ENTRIES`]) is recorded as
    /// an error under every role the walk gives, so no check passes on files it never saw.
    fn walk(
        &self,
        dir: &str,
        from: &str,
        at: &Location,
        role_of: &dyn Fn(&str) -> &'static str,
        dir_role: Option<&str>,
    ) -> Vec<FileFact> {
        let Ok(Some(resolved)) = rooted::resolve(&at.view.dir, &at.path) else {
            return Vec::new();
        };
        let mut roles: Vec<&str> = vec![role_of("x.crt"), role_of("x.key"), role_of("x")];
        roles.extend(dir_role);
        roles.sort_unstable();
        roles.dedup();
        let unread = |path: String, why: String| -> Vec<FileFact> {
            roles
                .iter()
                .map(|role| self.failed(role, &path, from, why.clone()))
                .collect()
        };
        let mut out = Vec::new();
        let walker = walkdir::WalkDir::new(&resolved.host)
            .min_depth(1)
            .max_depth(WALK_DEPTH)
            .sort_by_file_name();
        for (seen, entry) in walker.into_iter().enumerate() {
            if seen == WALK_ENTRIES {
                out.extend(unread(
                    dir.to_string(),
                    format!(
                        "{dir} holds more than {WALK_ENTRIES} entries; the rest were not looked at"
                    ),
                ));
                break;
            }
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let at = e
                        .path()
                        .and_then(|p| p.strip_prefix(&resolved.host).ok())
                        .map_or_else(
                            || dir.to_string(),
                            |rel| format!("{}/{}", dir.trim_end_matches('/'), rel.display()),
                        );
                    out.extend(unread(at.clone(), format!("{at} could not be read: {e}")));
                    continue;
                }
            };
            let is_dir = entry.file_type().is_dir();
            let Ok(rel) = entry.path().strip_prefix(&resolved.host) else {
                continue;
            };
            let name = rel.display().to_string();
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            if is_dir && entry.depth() == WALK_DEPTH {
                out.extend(unread(
                    path.clone(),
                    format!("{path} is more than {WALK_DEPTH} levels below {dir}; what it holds was not looked at"),
                ));
            }
            if is_dir && dir_role.is_none() {
                continue;
            }
            let role = match dir_role {
                Some(r) if is_dir => r,
                _ => role_of(&name),
            };
            let inner = Location {
                path: format!("{}/{name}", at.path.trim_end_matches('/')),
                ..at.clone()
            };
            let fact = self.stat_at(role, &path, from, Ok(inner));
            // A link to a directory is not walked (like `find` in the benchmark's audit);
            // its files are unknown, not absent.
            if entry.path_is_symlink() && fact.file_type.as_deref() == Some("dir") {
                out.extend(unread(
                    path.clone(),
                    format!("{path} is a link to a directory; the files there were not looked at"),
                ));
            }
            out.push(fact);
        }
        out
    }

    /// A directory's files (and the directory itself when `include_top`; only the
    /// directory when it is missing or cannot be placed).
    #[allow(clippy::too_many_arguments)]
    fn walk_or_stat(
        &self,
        role: &str,
        dir: &str,
        from: &str,
        located: Located,
        include_top: bool,
        role_of: &dyn Fn(&str) -> &'static str,
        dir_role: Option<&str>,
    ) -> Vec<FileFact> {
        let top = self.stat_at(role, dir, from, located.clone());
        match located {
            Ok(at) if top.state == FileState::Present => {
                let mut out = Vec::new();
                if include_top {
                    out.push(top);
                }
                out.extend(self.walk(dir, from, &at, role_of, dir_role));
                out
            }
            _ => vec![top],
        }
    }

    fn files(
        &self,
        components: &[ComponentFact],
        kubelet: Option<&KubeletFacts>,
        static_dirs: &Result<Vec<(String, String)>, String>,
        manifests: &BTreeMap<String, Vec<String>>,
    ) -> Vec<FileFact> {
        let mut out = Vec::new();
        // Static pods and their manifests are on the kubelet's filesystem.
        let in_kubelet = |path: &str| -> Located {
            Ok(Location {
                view: self.kubelet_view.clone(),
                path: absolute(path),
                shown: None,
                if_absent: None,
            })
        };
        // 1.1.1–1.1.8: static pod manifests: every file that holds the component; unknown
        // when where the kubelet reads them is.
        let (dir, dir_from) = static_dirs
            .as_ref()
            .ok()
            .and_then(|d| d.first().cloned())
            .unwrap_or_else(|| (STATIC_POD_DIRS[0].to_string(), "default path".into()));
        for (component, role) in [
            ("kube-apiserver", "apiserver-manifest"),
            ("kube-controller-manager", "controller-manager-manifest"),
            ("kube-scheduler", "scheduler-manifest"),
            ("etcd", "etcd-manifest"),
        ] {
            match manifests.get(component) {
                Some(paths) => {
                    for path in paths {
                        out.push(self.stat_at(
                            role,
                            path,
                            "static pod manifest that runs it",
                            in_kubelet(path),
                        ))
                    }
                }
                None => {
                    let path = format!("{}/{component}.yaml", dir.trim_end_matches('/'));
                    if let Err(why) = static_dirs {
                        out.push(self.failed(
                            role,
                            &path,
                            "static pod directory (unknown; the default path is shown)",
                            why.clone(),
                        ));
                        continue;
                    }
                    out.push(self.stat_at(
                        role,
                        &path,
                        &format!("static pod directory ({dir_from})"),
                        in_kubelet(&path),
                    ))
                }
            }
        }
        // 1.1.9–1.1.10: CNI (the container runtime's configuration, on the node).
        let cni = match self.named(components, "kubelet", "--cni-conf-dir") {
            Named::Path { path, from, inst } => {
                Some((path.clone(), from, self.locate(Some(inst), &path)))
            }
            _ => None,
        };
        let named = cni.is_some();
        let (cni_dir, cni_from, cni_at) = cni.unwrap_or_else(|| {
            (
                "/etc/cni/net.d".to_string(),
                "default path".to_string(),
                self.locate(None, "/etc/cni/net.d"),
            )
        });
        let mut cni_files = self.walk_or_stat(
            "cni-file",
            &cni_dir,
            &cni_from,
            cni_at,
            false,
            &|_| "cni-file",
            None,
        );
        // Distributions whose container runtime reads CNI configuration elsewhere: their
        // directories count where they exist, and then an absent default path says nothing.
        if !named {
            let mut elsewhere = Vec::new();
            for (dir, whose) in CNI_PLATFORM_DIRS {
                let facts = self.walk_or_stat(
                    "cni-file",
                    dir,
                    &format!("CNI configuration directory of {whose}"),
                    self.locate(None, dir),
                    false,
                    &|_| "cni-file",
                    None,
                );
                if facts.iter().any(|f| f.state != FileState::Absent) {
                    elsewhere.extend(facts);
                }
            }
            if !elsewhere.is_empty() && cni_files.iter().all(|f| f.state == FileState::Absent) {
                cni_files.clear();
            }
            cni_files.extend(elsewhere);
        }
        out.extend(cni_files);
        let networks = "/var/lib/cni/networks";
        out.extend(self.walk_or_stat(
            "cni-file",
            networks,
            "default path",
            self.locate(None, networks),
            false,
            &|_| "cni-file",
            None,
        ));
        // 1.1.11–1.1.12: etcd data dir.
        out.push(self.etcd_data_dir(components));
        // 1.1.13–1.1.18: kubeconfigs.
        for p in [
            "/etc/kubernetes/admin.conf",
            "/etc/kubernetes/super-admin.conf",
        ] {
            out.push(self.stat("admin-kubeconfig", p, "default path"));
        }
        // k3s's admin kubeconfigs: the one in its data directory and the one written for users.
        if let Ok(Some(api)) = pick(components, "kube-apiserver") {
            for (key, path) in api.layout.range("admin-kubeconfig".to_string()..) {
                if !key.starts_with("admin-kubeconfig") {
                    break;
                }
                let from = basename(&api.executable);
                let from = format!(
                    "{from}'s own layout: the admin kubeconfig {from} writes ({})",
                    api.describe()
                );
                out.push(self.stat_at(
                    "admin-kubeconfig",
                    path,
                    &from,
                    self.locate_layout(api, path),
                ));
            }
            // RKE2 runs the API server as a static pod whose PKI is in its data directory
            // (`<data-dir>/server/tls/client-ca.crt`): its admin kubeconfigs are that
            // directory's `server/cred/admin.kubeconfig` and the one it writes for users.
            if let Some(data_dir) = self.rke2_data_dir(api) {
                for path in [
                    format!("{data_dir}/server/cred/admin.kubeconfig"),
                    RKE2_WRITTEN_KUBECONFIG.to_string(),
                ] {
                    let from = format!(
                        "RKE2's own layout: an admin kubeconfig RKE2 writes (data directory {data_dir}, from the API server's --client-ca-file, {})",
                        api.describe()
                    );
                    let at = Ok(Location {
                        view: self.node_view(),
                        path: path.clone(),
                        shown: None,
                        if_absent: Some(
                            "RKE2 releases, or --write-kubeconfig, may keep it elsewhere".into(),
                        ),
                    });
                    out.push(self.stat_at("admin-kubeconfig", &path, &from, at));
                }
            }
        }
        out.push(self.stat_named(
            "scheduler-kubeconfig",
            self.named(components, "kube-scheduler", "--kubeconfig"),
            "/etc/kubernetes/scheduler.conf",
        ));
        out.push(self.stat_named(
            "controller-manager-kubeconfig",
            self.named(components, "kube-controller-manager", "--kubeconfig"),
            "/etc/kubernetes/controller-manager.conf",
        ));
        // 1.1.19–1.1.21: PKI. CIS 1.1.19 audits `find /etc/kubernetes/pki/ | xargs stat -c
        // %U:%G`: directories below it (pki/etcd) too. The PKI is where the API server keeps
        // its CA and keys: the directories of the files its flags name (the outermost ones:
        // a client CA in pki/client-ca leaves pki/ itself, where the keys are, in), else the
        // default.
        let mut pki_dirs: Vec<(String, String, Located)> = Vec::new();
        let mut unknown = None;
        for flag in PKI_FLAGS {
            let (path, from, inst, layout) = match self.named(components, "kube-apiserver", flag) {
                Named::Path { path, from, inst } => (path, from, inst, false),
                Named::Layout { path, from, inst } => (path, from, inst, true),
                Named::Unknown(why) => {
                    unknown.get_or_insert(why);
                    continue;
                }
                _ => continue,
            };
            let Some(d) = Path::new(&path)
                .parent()
                .map(|d| d.display().to_string())
                .filter(|d| !SHARED_DIRS.contains(&d.trim_end_matches('/')))
            else {
                continue;
            };
            // Path::starts_with compares whole components: pki/client-ca is inside pki.
            if pki_dirs.iter().any(|(o, ..)| Path::new(&d).starts_with(o)) {
                continue;
            }
            pki_dirs.retain(|(o, ..)| !Path::new(o).starts_with(&d));
            let at = if layout {
                self.locate_layout(inst, &d)
            } else {
                self.locate(Some(inst), &d)
            };
            pki_dirs.push((d, format!("directory of {from}"), at));
        }
        // An embedded API server (k3s) keeps its PKI where its process puts it: unknown, not
        // the default path.
        if let (true, Some(why)) = (pki_dirs.is_empty(), unknown) {
            for role in ["pki-dir", "pki-cert", "pki-key"] {
                out.push(self.failed(role, "/etc/kubernetes/pki", "default path", why.clone()));
            }
        } else if pki_dirs.is_empty() {
            pki_dirs.push((
                "/etc/kubernetes/pki".to_string(),
                "default path".to_string(),
                self.locate(None, "/etc/kubernetes/pki"),
            ));
        }
        for (pki, pki_from, pki_at) in pki_dirs {
            let pki_files = self.walk_or_stat(
                "pki-dir",
                &pki,
                &pki_from,
                pki_at,
                true,
                &|name| {
                    if name.ends_with(".crt") {
                        "pki-cert"
                    } else if name.ends_with(".key") {
                        "pki-key"
                    } else {
                        "pki-file"
                    }
                },
                Some("pki-subdir"),
            );
            // A directory that could not be looked into: its certificates and keys are
            // unknown too, not absent.
            if let [dir] = &pki_files[..] {
                if dir.state == FileState::Error {
                    for role in ["pki-cert", "pki-key"] {
                        out.push(FileFact {
                            role: role.to_string(),
                            ..dir.clone()
                        });
                    }
                }
            }
            out.extend(pki_files);
        }
        // 4.1.1–4.1.2: the kubelet's systemd unit and drop-ins.
        out.extend(self.kubelet_units(components));
        // 4.1.3–4.1.4: kube-proxy kubeconfig.
        out.push(self.stat_named(
            "proxy-kubeconfig",
            self.named(components, "kube-proxy", "--kubeconfig"),
            "/etc/kubernetes/proxy.conf",
        ));
        // 4.1.5–4.1.10: kubelet kubeconfig, client CA, config file.
        out.push(self.stat_named(
            "kubelet-kubeconfig",
            self.named(components, "kubelet", "--kubeconfig"),
            "/etc/kubernetes/kubelet.conf",
        ));
        let running = pick(components, "kubelet");
        let ca_default = "/etc/kubernetes/pki/ca.crt";
        let ca = kubelet.and_then(|k| k.values.get("authentication.x509.clientCAFile"));
        out.push(match (&running, ca) {
            (Err(many), _) => self.failed(
                "kubelet-client-ca",
                ca_default,
                "default path",
                many.to_string(),
            ),
            (Ok(Some(inst)), Some(v)) if v.value.as_str().is_some_and(|s| !s.is_empty()) => {
                let path = v.value.as_str().unwrap_or_default();
                self.stat_at(
                    "kubelet-client-ca",
                    path,
                    &format!("kubelet clientCAFile ({})", v.source.describe()),
                    self.locate(Some(inst), path),
                )
            }
            // An embedded kubelet (k3s) whose client CA is not visible: the one k3s's layout
            // gives it.
            (Ok(Some(inst)), _) if inst.via.is_some() => self.stat_named(
                "kubelet-client-ca",
                self.named(components, "kubelet", "--client-ca-file"),
                ca_default,
            ),
            // A configuration file that could not be read may name another client CA file:
            // the default path would be a guess.
            (Ok(Some(_)), None)
                if kubelet.is_some_and(|k| !k.errors.is_empty() || !k.refused.is_empty()) =>
            {
                let why = kubelet
                    .map(|k| k.errors.iter().chain(&k.refused).cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
                    .join("; ");
                self.failed(
                    "kubelet-client-ca",
                    ca_default,
                    "default path",
                    format!(
                        "the kubelet's configuration, which names its client CA file (authentication.x509.clientCAFile), could not be read: {why}"
                    ),
                )
            }
            _ => self.stat("kubelet-client-ca", ca_default, "default path"),
        });
        let config_default = "/var/lib/kubelet/config.yaml";
        match (&running, kubelet) {
            (Err(many), _) => out.push(self.failed(
                "kubelet-config",
                config_default,
                "default path",
                many.to_string(),
            )),
            (Ok(Some(inst)), Some(k)) => {
                if let Some(p) = &k.config_file {
                    out.push(self.stat_at(
                        "kubelet-config",
                        p,
                        &format!("kubelet --config ({})", k.command_line),
                        self.locate(Some(inst), p),
                    ));
                }
                // A kubelet without --config uses no config file: nothing to stat.
                // Its --config-dir drop-ins set its configuration as the file does: each one
                // it reads, and the directories that hold them.
                if let Some(top) = &k.config_dir {
                    let from = format!("kubelet --config-dir {top} ({})", k.command_line);
                    let walk = &self.drop_in_walk;
                    let dirs = if walk.dirs.is_empty() {
                        std::slice::from_ref(top)
                    } else {
                        &walk.dirs[..]
                    };
                    for d in dirs {
                        out.push(self.stat_at(
                            "kubelet-config-dir",
                            d,
                            &from,
                            self.locate(Some(inst), d),
                        ));
                    }
                    for f in &walk.files {
                        out.push(self.stat_at(
                            "kubelet-config-drop-in",
                            f,
                            &from,
                            self.locate(Some(inst), f),
                        ));
                    }
                    // Drop-ins the walk could not reach are unknown, not absent.
                    if let Some(why) = &walk.unread {
                        let rest = format!("{}/*.conf", top.trim_end_matches('/'));
                        out.push(self.failed("kubelet-config-drop-in", &rest, &from, why.clone()));
                    }
                }
            }
            _ => out.push(self.stat(
                "kubelet-config",
                config_default,
                "default path (no kubelet process found)",
            )),
        }
        out
    }

    /// etcd's data directory: its `--data-dir` (flag, `ETCD_DATA_DIR`, or `data-dir` in its
    /// `--config-file`); without one, etcd keeps its data in `<name>.etcd` in its working
    /// directory (`--name` defaults to `default`).
    fn etcd_data_dir(&self, components: &[ComponentFact]) -> FileFact {
        let role = "etcd-data-dir";
        match self.named(components, "etcd", "--data-dir") {
            Named::Unset { inst, why } => {
                let name = match self.named(components, "etcd", "--name") {
                    Named::Path { path, .. } => path,
                    _ => "default".to_string(),
                };
                let rel = format!("{name}.etcd");
                let from = format!(
                    "etcd runs without a data directory{}, so it keeps its data in {rel} in its working directory ({})",
                    why.map(|w| format!(" ({w})")).unwrap_or_default(),
                    inst.describe()
                );
                self.stat_at(role, &rel, &from, self.locate(Some(inst), &rel))
            }
            other => self.stat_named(role, other, "/var/lib/etcd"),
        }
    }

    /// The kubelet's systemd unit files and drop-ins (CIS 4.1.1–4.1.2 "the kubelet service
    /// file", whose location depends on the system): `kubelet.service` (and the kubelet
    /// snap's units), plus the unit the kubelet's cgroup names, in every directory systemd
    /// loads units from, with their `.d/*.conf` drop-ins, on the kubelet's own filesystem.
    /// None found while a kubelet runs: one absent fact marked `unlocated`.
    fn kubelet_units(&self, components: &[ComponentFact]) -> Vec<FileFact> {
        let role = "kubelet-service";
        let running = pick(components, "kubelet");
        let inst = running.as_ref().ok().copied().flatten();
        let view = match inst {
            Some(k) if k.via.is_none() => self.own_view(k),
            _ => self.node_view(),
        };
        let mut units: Vec<(String, &str)> = KUBELET_UNITS
            .iter()
            .map(|u| (u.to_string(), "systemd unit"))
            .collect();
        if let Some(u) = inst.and_then(|k| self.cgroup_unit(k)) {
            if !units.iter().any(|(n, _)| *n == u) {
                units.push((u, "systemd unit named by the kubelet's cgroup"));
            }
        }
        let in_view = |path: &str| -> Located {
            Ok(Location {
                view: view.clone(),
                path: path.to_string(),
                shown: None,
                if_absent: None,
            })
        };
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let mut consider = |path: String, from: String, out: &mut Vec<FileFact>| {
            match rooted::metadata(&view.dir, &path) {
                // A unit linked to /dev/null is masked: no unit file.
                Ok(Some((r, m))) if m.is_file() && r.canonical != "/dev/null" => {
                    if seen.insert(r.canonical) {
                        out.push(self.stat_at(role, &path, &from, in_view(&path)));
                    }
                }
                Ok(_) => {}
                Err(e) => out.push(self.failed(role, &path, &from, e)),
            }
        };
        for dir in UNIT_DIRS {
            for (unit, what) in &units {
                consider(
                    format!("{dir}/{unit}"),
                    format!("kubelet {what} {unit}"),
                    &mut out,
                );
                let dropins = format!("{dir}/{unit}.d");
                let names = rooted::resolve(&view.dir, &dropins)
                    .ok()
                    .flatten()
                    .and_then(|r| std::fs::read_dir(r.host).ok())
                    .map(|rd| {
                        let mut v: Vec<String> = rd
                            .flatten()
                            .filter_map(|e| e.file_name().to_str().map(str::to_string))
                            .filter(|n| n.ends_with(".conf"))
                            .collect();
                        v.sort();
                        v
                    })
                    .unwrap_or_default();
                for n in names {
                    consider(
                        format!("{dropins}/{n}"),
                        format!("drop-in of the kubelet {what} {unit}"),
                        &mut out,
                    );
                }
            }
        }
        if out.is_empty() {
            let first = format!("{}/{}", UNIT_DIRS[0], KUBELET_UNITS[0]);
            let mut f = self.stat_at(role, &first, "default path", in_view(&first));
            let names: Vec<&str> = units.iter().map(|(u, _)| u.as_str()).collect();
            match (&running, inst) {
                (Err(many), _) => {
                    f.state = FileState::Error;
                    f.error = Some(many.to_string());
                }
                (Ok(_), Some(k)) => {
                    f.unlocated = Some(format!(
                        "no {} unit file or drop-in in {}, yet the kubelet runs ({}): its service file, if it has one, is elsewhere (`systemctl cat kubelet` shows where), or something other than systemd starts it",
                        names.join(" or "),
                        UNIT_DIRS.join(", "),
                        k.describe()
                    ));
                }
                _ => {}
            }
            out.push(f);
        }
        out
    }

    /// The container a process runs in, from `/proc/<pid>/cgroup`: a path under a kubelet's
    /// `kubepods` cgroup or a container runtime's scope (`cri-containerd-…`, `crio-…`,
    /// `docker-…`, `libpod-…`), as its last component.
    fn container_of(&self, k: &ComponentFact) -> Option<String> {
        let pid = k.pid?;
        let text =
            std::fs::read_to_string(self.proc_dir.join(pid.to_string()).join("cgroup")).ok()?;
        text.lines()
            .filter_map(|l| l.splitn(3, ':').nth(2))
            .find(|path| {
                path.split('/').any(|c| {
                    c.starts_with("kubepods")
                        || ["cri-containerd-", "crio-", "docker-", "libpod-"]
                            .iter()
                            .any(|p| c.starts_with(p) && c.ends_with(".scope"))
                })
            })
            .and_then(|path| path.rsplit('/').find(|c| !c.is_empty()))
            .map(|c| format!("cgroup {c}"))
    }

    /// The systemd service a process runs in, from `/proc/<pid>/cgroup` (the last
    /// `*.service` of its path in the unified or the `name=systemd` hierarchy).
    fn cgroup_unit(&self, k: &ComponentFact) -> Option<String> {
        let pid = k.pid?;
        let text =
            std::fs::read_to_string(self.proc_dir.join(pid.to_string()).join("cgroup")).ok()?;
        text.lines()
            .filter_map(|l| {
                let mut parts = l.splitn(3, ':');
                let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                (controllers.is_empty() || controllers == "name=systemd").then_some(path)
            })
            .flat_map(|path| path.split('/'))
            .rfind(|c| c.ends_with(".service") && !c.contains(char::is_whitespace))
            .map(str::to_string)
    }
}

/// A name for an id from passwd or group: as listed; when not listed, `root` for 0 (root by
/// definition), else the number.
fn name_of(names: &BTreeMap<u32, String>, id: u32) -> String {
    match names.get(&id) {
        Some(n) => n.clone(),
        None if id == 0 => "root".to_string(),
        None => id.to_string(),
    }
}

/// `path` with a leading `/`.
fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// Reads one configuration file at the place `located` gives, recording the settings `spec`
/// names (each key: its value, or null when the file leaves it out) and the declared kind.
fn read_config_file(spec: &ConfigFile, path: &str, located: Located) -> ConfigFileFact {
    let mut fact = ConfigFileFact {
        flag: spec.flag.clone(),
        path: path.to_string(),
        read_from: None,
        state: FileState::Error,
        kind: None,
        values: BTreeMap::new(),
        error: None,
    };
    let q = crate::quote::quote;
    let Location {
        view,
        path: open,
        shown: read_from,
        if_absent,
    } = match located {
        Ok(l) => l,
        Err(why) => {
            // Not on the node's filesystem at all (inside the image, on another volume).
            fact.state = FileState::Absent;
            fact.error = Some(why);
            return fact;
        }
    };
    fact.read_from = read_from;
    let shown = fact.describe();
    let text = match rooted::read_to_string(&view.dir, &open) {
        Ok(Some(t)) => t,
        Ok(None) => {
            fact.state = FileState::Absent;
            let missing = match &fact.read_from {
                Some(at) if *at != fact.path => format!(
                    "{}, where {} is on the node, does not exist",
                    q(at),
                    q(&fact.path)
                ),
                _ => format!("{} does not exist on the node", q(&fact.path)),
            };
            fact.error = Some(match if_absent {
                Some(why) => format!("{missing}, and {why}"),
                None => missing,
            });
            return fact;
        }
        Err(e) => {
            fact.error = Some(format!("cannot read {}: {e}", q(&shown)));
            return fact;
        }
    };
    let content = match crate::yaml::parse_document(&text) {
        Ok(node) => node.to_json(),
        Err(e) => {
            fact.error = Some(format!("{} is not valid YAML: {e}", q(&shown)));
            return fact;
        }
    };
    if !content.is_object() {
        fact.error = Some(format!("{} is not a mapping of settings", q(&shown)));
        return fact;
    }
    fact.kind = content
        .get("kind")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(kind) = &spec.kind {
        if fact.kind.as_deref() != Some(kind.as_str()) {
            fact.error = Some(format!(
                "{} declares kind `{}`, not {kind}",
                q(&shown),
                q(fact.kind.as_deref().unwrap_or(""))
            ));
            return fact;
        }
    }
    for key in spec.keys.values().map(|k| &k.key).chain(&spec.reads) {
        let v = crate::checks::mounted_file::lookup(&content, key).unwrap_or(Value::Null);
        fact.values.insert(key.clone(), v);
    }
    fact.state = FileState::Present;
    fact
}

/// The instance of a component that decides (see [`crate::node_facts::instance_of`]).
fn pick<'a>(
    components: &'a [ComponentFact],
    name: &str,
) -> Result<Option<&'a ComponentFact>, Ambiguous> {
    crate::node_facts::instance_of(components, name)
}

/// Parses node facts from text: one document, a list of documents, or one document per line
/// (the agent's log, where other lines are ignored).
pub fn parse_facts_text(text: &str) -> Result<Vec<NodeFacts>, String> {
    match serde_json::from_str::<NodeFacts>(text) {
        Ok(d) => Ok(vec![d]),
        Err(whole) => {
            if let Ok(list) = serde_json::from_str::<Vec<NodeFacts>>(text) {
                return Ok(list);
            }
            let lines: Vec<NodeFacts> = text
                .lines()
                .filter(|l| l.trim_start().starts_with('{'))
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            if lines.is_empty() && !text.trim().is_empty() {
                Err(whole.to_string())
            } else {
                Ok(lines)
            }
        }
    }
}

/// Reads node-facts files or directories of them (`*.json`, `*.jsonl`, `*.log`). A file holds
/// one document, or one document per line (the agent's log). The newest facts of a node win
/// (by `collected_at`; the later in reading order when equal), and facts set aside from
/// another file get a coverage warning. Returns the facts (one per node, sorted by name) and
/// a coverage entry per file.
pub fn read_facts(paths: &[PathBuf]) -> (Vec<NodeFacts>, Vec<Coverage>) {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inner: Vec<PathBuf> = walkdir::WalkDir::new(p)
                .max_depth(2)
                .into_iter()
                .flatten()
                .map(|e| e.into_path())
                .filter(|f| {
                    f.is_file()
                        && f.extension()
                            .is_some_and(|e| e == "json" || e == "jsonl" || e == "log")
                })
                .collect();
            inner.sort();
            files.extend(inner);
        } else {
            files.push(p.clone());
        }
    }
    // Node → its newest facts and the file they came from.
    let mut by_node: BTreeMap<String, (NodeFacts, PathBuf)> = BTreeMap::new();
    let mut coverage = Vec::new();
    for f in files {
        let shown = format!("node facts {}", f.display());
        let text = match crate::collect::read_input(&f)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
        {
            Ok(t) => t,
            Err(e) => {
                coverage.push(Coverage::failed(
                    shown,
                    "error",
                    format!("cannot read {}: {e}", f.display()),
                ));
                continue;
            }
        };
        let docs: Vec<NodeFacts> = match parse_facts_text(&text) {
            Ok(d) if !d.is_empty() => d,
            Ok(_) | Err(_) => {
                let why = parse_facts_text(&text)
                    .err()
                    .unwrap_or_else(|| "empty".into());
                coverage.push(Coverage::failed(
                    shown,
                    "error",
                    format!(
                        "{} holds no node facts written by `kubeattest node`: {why}",
                        f.display()
                    ),
                ));
                continue;
            }
        };
        let mut n = 0;
        for d in docs {
            if d.kind != FACTS_KIND || d.facts_version > FACTS_VERSION {
                coverage.push(Coverage::failed(
                    shown.clone(),
                    "error",
                    format!(
                        "{}: kind `{}` version {} is not node facts this kubeattest understands (version {FACTS_VERSION})",
                        f.display(), d.kind, d.facts_version
                    ),
                ));
                continue;
            }
            n += 1;
            // The newest collection of a node is judged; an older one from another file is
            // said to be set aside (a log's earlier lines are its history, not a conflict).
            let node = d.node.clone();
            let newer = by_node
                .get(&node)
                .is_none_or(|(kept, _)| collected(&d) >= collected(kept));
            if newer {
                let replaced = by_node.insert(node.clone(), (d, f.clone()));
                if let (Some((older, older_file)), Some((kept, _))) = (replaced, by_node.get(&node))
                {
                    if older_file != f {
                        coverage.push(set_aside(&older, &older_file, kept, &f));
                    }
                }
            } else if let Some((kept, kept_file)) = by_node.get(&node) {
                if *kept_file != f {
                    coverage.push(set_aside(&d, &f, kept, kept_file));
                }
            }
        }
        if n > 0 {
            coverage.push(Coverage::ok(shown, n));
        }
    }
    // What a node could not collect is coverage too: the report says what is missing.
    let by_node: BTreeMap<String, NodeFacts> =
        by_node.into_iter().map(|(k, (nf, _))| (k, nf)).collect();
    for nf in by_node.values() {
        for e in &nf.errors {
            coverage.push(Coverage::failed(
                format!("node {}", nf.node),
                "error",
                format!("node {}: {e}", nf.node),
            ));
        }
    }
    (by_node.into_values().collect(), coverage)
}

/// The coverage warning for a node's facts set aside for newer ones from another file.
fn set_aside(older: &NodeFacts, older_file: &Path, kept: &NodeFacts, kept_file: &Path) -> Coverage {
    Coverage::failed(
        format!("node facts {}", older_file.display()),
        "warning",
        format!(
            "node {}: the facts collected at {} are set aside for newer ones collected at {} ({}); remove the older file if it is not meant to be read",
            older.node,
            older.collected_at,
            kept.collected_at,
            kept_file.display()
        ),
    )
}

/// When facts were collected, for ordering: the parsed time, else none (an unreadable time
/// is older than any readable one).
fn collected(nf: &NodeFacts) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(&nf.collected_at).ok()
}

/// The paths of a kubelet configuration file that the kubelet resolves against the file's
/// own directory when they are relative (configfiles.go `resolveRelativePaths` over
/// `KubeletConfigurationPathRefs`).
const RELATIVE_TO_FILE: &[&str] = &[
    "/staticPodPath",
    "/authentication/x509/clientCAFile",
    "/tlsCertFile",
    "/tlsPrivateKeyFile",
];

/// Makes the relative paths of the configuration file `file` ([`RELATIVE_TO_FILE`]) relative
/// to its directory, as the kubelet reads them.
fn resolve_relative_paths(v: &mut Value, file: &str) {
    let dir = match file.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((d, _)) => d,
        None => ".",
    };
    for pointer in RELATIVE_TO_FILE {
        if let Some(Value::String(p)) = v.pointer_mut(pointer) {
            if !p.is_empty() && !p.starts_with('/') {
                *p = joined(dir, p);
            }
        }
    }
}

/// What a file fact names when the component's file is not known: not the default path
/// itself, which an auditor would then look at.
fn unknown_path(default: &str) -> String {
    format!("path not known (default {default})")
}

/// `dir/rel` cleaned lexically as Go's `filepath.Join` does (the kubelet joins with it):
/// `.` segments and empty ones go, `..` takes back the segment before it (never above `/`).
fn joined(dir: &str, rel: &str) -> String {
    let absolute = dir.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in dir.split('/').chain(rel.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (absolute, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_config_paths_are_joined_and_cleaned_as_the_kubelet_does() {
        assert_eq!(
            joined("/var/lib/kubelet", "./pki/ca.crt"),
            "/var/lib/kubelet/pki/ca.crt"
        );
        assert_eq!(
            joined("/var/lib/kubelet", "pki/ca.crt"),
            "/var/lib/kubelet/pki/ca.crt"
        );
        assert_eq!(
            joined("/var/lib/kubelet", "../../etc/ca.crt"),
            "/var/etc/ca.crt"
        );
        assert_eq!(joined("/var/lib", "../../../etc/ca.crt"), "/etc/ca.crt");
        assert_eq!(joined("/", "../../ca.crt"), "/ca.crt");
        assert_eq!(joined(".", "pki//ca.crt"), "pki/ca.crt");
        assert_eq!(joined("conf", "../../ca.crt"), "../ca.crt");
    }

    #[test]
    fn a_configuration_file_gives_only_the_settings_the_catalog_reads() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sched.yaml");
        let spec = ConfigFile {
            flag: "--config".into(),
            kind: Some("KubeSchedulerConfiguration".into()),
            keys: [(
                "--profiling".to_string(),
                crate::catalog::FileKey {
                    key: "enableProfiling".into(),
                    default: Some("true".into()),
                },
            )]
            .into(),
            ..ConfigFile::default()
        };
        let at = |open: &Path| -> Located {
            Ok(Location {
                view: View {
                    dir: PathBuf::from("/"),
                    process: None,
                },
                path: open.display().to_string(),
                shown: None,
                if_absent: None,
            })
        };
        std::fs::write(
            &file,
            "kind: KubeSchedulerConfiguration\nclientConnection: {kubeconfig: /k}\n",
        )
        .unwrap();
        let f = read_config_file(&spec, "/etc/s.yaml", at(&file));
        assert_eq!(f.state, FileState::Present);
        // Looked for and not set: null; nothing else recorded.
        assert_eq!(
            f.values,
            BTreeMap::from([("enableProfiling".to_string(), Value::Null)])
        );
        std::fs::write(
            &file,
            "kind: KubeProxyConfiguration\nenableProfiling: false\n",
        )
        .unwrap();
        let f = read_config_file(&spec, "/etc/s.yaml", at(&file));
        assert_eq!(f.state, FileState::Error);
        assert!(f.values.is_empty());
        assert!(f.error.unwrap().contains("not KubeSchedulerConfiguration"));
        std::fs::write(&file, "kind: [unclosed\n").unwrap();
        assert_eq!(
            read_config_file(&spec, "/etc/s.yaml", at(&file)).state,
            FileState::Error
        );
        let gone = read_config_file(&spec, "/etc/s.yaml", at(&dir.path().join("none")));
        assert_eq!(gone.state, FileState::Absent);
        let rel = read_config_file(
            &spec,
            "s.yaml",
            Err("s.yaml is relative to the working directory".into()),
        );
        assert_eq!(rel.state, FileState::Absent);
        assert!(rel.error.unwrap().contains("working directory"));
    }

    #[test]
    fn inline_secrets_are_redacted_file_flags_kept() {
        let args: Vec<String> = [
            "--token=K10abc",
            "--bootstrap-token",
            "abc.def",
            "--token-auth-file=/etc/tokens.csv",
            "--enable-bootstrap-token-auth=true",
            "--oidc-client-secret=s3cr3t",
            "--manifest-url-header=Authorization:Bearer CANARY",
            "--token",
            "-starts-with-a-dash",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            redact_args(args),
            vec![
                "--token=<redacted>",
                "--bootstrap-token",
                "<redacted>",
                "--token-auth-file=/etc/tokens.csv",
                "--enable-bootstrap-token-auth=true",
                "--oidc-client-secret=<redacted>",
                "--manifest-url-header=<redacted>",
                "--token",
                "<redacted>",
            ]
        );
    }

    #[test]
    fn ids_first_entry_wins() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("passwd");
        std::fs::write(
            &p,
            "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\netcd:x:1001:1001::/:/sbin/nologin\n",
        )
        .unwrap();
        let ids = read_ids(dir.path(), "/passwd");
        assert_eq!(ids[&0], "root");
        assert_eq!(ids[&1001], "etcd");
    }
}
