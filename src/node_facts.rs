//! Node facts: what `kubeattest node` saw on one node, as one versioned JSON document.
//!
//! This is the node part of the inventory: running components and their arguments, static
//! pod manifests, the kubelet's effective configuration with the source of every value, and
//! the mode and owner of every file the benchmark names. A file or component that is not
//! there is recorded as such (`state: absent`), so that checks can say `not_applicable` or
//! `error` with the reason instead of guessing. Only data lives here: collection is in
//! `collect::node`, judging in `checks::{file, flag, kubelet_config}`.
//!
//! Format (`facts_version` 1):
//! ```json
//! { "kind": "KubeattestNodeFacts", "facts_version": 1, "node": "cp-1",
//!   "collected_at": "…", "root": "/host", "proc": "/proc", "roles": ["control-plane"],
//!   "components": [{ "component": "kube-apiserver", "source": "process", "pid": 812,
//!                    "location": "/proc/812/cmdline", "args": ["--profiling=false"],
//!                    "config_files": [{ "flag": "--authorization-config", "path": "/etc/…",
//!                                       "state": "present", "kind": "AuthorizationConfiguration",
//!                                       "values": { "authorizers[].type": ["Node", "RBAC"] } }] }],
//!   "kubelet": { "config_file": …, "drop_ins": […], "values": { "readOnlyPort": {…} } },
//!   "files": [{ "role": "apiserver-manifest", "path": "/etc/…", "state": "present",
//!               "mode": "0600", "owner": "root", "group": "root", "from": "default path" }],
//!   "errors": ["…"] }
//! ```
//!
//! Fields added since the first release are optional, so older facts stay readable and what
//! they lack is never taken as compliant: a component's `exe` (what the process runs), a
//! kubelet value's `note` and `invalid` (a value the kubelet refuses), a file's `unlocated`
//! (not found where looked for, though its component runs). More than one process running a
//! component is read from `components` itself, in older facts too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Current node-facts format version.
pub const FACTS_VERSION: u32 = 1;

/// The `kind` of a node-facts document.
pub const FACTS_KIND: &str = "KubeattestNodeFacts";

/// Everything collected on one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeFacts {
    /// Always [`FACTS_KIND`].
    pub kind: String,
    /// Format version ([`FACTS_VERSION`]).
    pub facts_version: u32,
    /// Node name (`--node-name`, `$NODE_NAME`, or the root's `/etc/hostname`).
    pub node: String,
    /// UTC time of collection, RFC 3339.
    pub collected_at: String,
    /// The directory that stood for the node's `/`.
    pub root: String,
    /// The directory that stood for the node's `/proc`.
    pub proc: String,
    /// `control-plane` and/or `worker` (from what runs and which manifests exist).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Components found: running processes and static-pod manifests.
    #[serde(default)]
    pub components: Vec<ComponentFact>,
    /// The kubelet's effective configuration, when a kubelet was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubelet: Option<KubeletFacts>,
    /// Every file and directory the benchmark names, present or not.
    #[serde(default)]
    pub files: Vec<FileFact>,
    /// Problems met while collecting (unreadable files, unparsable configs).
    #[serde(default)]
    pub errors: Vec<String>,
}

impl NodeFacts {
    /// The role used to compare nodes: `control-plane` when it has that role, else `worker`.
    pub fn primary_role(&self) -> &str {
        if self.roles.iter().any(|r| r == "control-plane") {
            "control-plane"
        } else {
            "worker"
        }
    }

    /// The instance of a component that decides its flags on this node: the running
    /// process when there is one, else the static-pod manifest. More than one process
    /// running it (a stray or a decoy beside the real one, or nested clusters seen from the
    /// host) is [`Ambiguous`]: which one is this node's cannot be told, and none is picked.
    pub fn component(&self, name: &str) -> Result<Option<&ComponentFact>, Ambiguous> {
        instance_of(&self.components, name)
    }

    /// Every file fact with a role.
    pub fn files_with_role<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a FileFact> {
        self.files.iter().filter(move |f| f.role == role)
    }
}

/// The instance of component `name` among `components` that decides on its node: the
/// running process when there is one, else the first static-pod manifest; more than one
/// process (distinct pids) is [`Ambiguous`].
pub fn instance_of<'a>(
    components: &'a [ComponentFact],
    name: &str,
) -> Result<Option<&'a ComponentFact>, Ambiguous> {
    let mut pids: Vec<u32> = components
        .iter()
        .filter(|c| c.component == name && c.source == ComponentSource::Process)
        .filter_map(|c| c.pid)
        .collect();
    pids.sort_unstable();
    pids.dedup();
    if pids.len() > 1 {
        return Err(Ambiguous {
            component: name.to_string(),
            pids,
        });
    }
    // Stable: the first manifest in name order when no process runs it.
    Ok(components
        .iter()
        .filter(|c| c.component == name)
        .min_by_key(|c| c.source != ComponentSource::Process))
}

/// More than one process runs the same component on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguous {
    /// The component (`kubelet`).
    pub component: String,
    /// The processes running it, lowest first.
    pub pids: Vec<u32>,
}

impl std::fmt::Display for Ambiguous {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pids: Vec<String> = self.pids.iter().map(u32::to_string).collect();
        write!(
            f,
            "{} {} processes run (pids {}): which one is this node's cannot be told, so none is judged; find out why more than one runs (a stray copy, or other clusters' nodes seen from this host) and collect where only one does",
            self.pids.len(),
            self.component,
            pids.join(", ")
        )
    }
}

/// How a component was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentSource {
    /// A running process (`/proc/<pid>/cmdline`).
    Process,
    /// A static-pod manifest on disk.
    StaticPod,
}

/// One component instance and its command-line arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentFact {
    /// Component name as in `components.yaml` (`kube-apiserver`, `kubelet`, …).
    pub component: String,
    /// Process or static pod.
    pub source: ComponentSource,
    /// Process id, for processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Where the arguments were read: `/proc/812/cmdline` or the manifest's path on the node.
    pub location: String,
    /// The executable as started (`/usr/bin/kubelet`, `k3s`): `argv[0]`.
    pub executable: String,
    /// What the process really runs (`/proc/<pid>/exe`, as the process's own filesystem
    /// names it), when it could be read; the component is recognised by its basename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    /// The arguments after the executable, as given.
    pub args: Vec<String>,
    /// `$(VAR)` references in a static pod's command line that its manifest does not resolve
    /// (the value comes from a Secret, a field, …): variable → why. They stay as written in
    /// `args`, and the flags that use them are unknown.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unresolved: BTreeMap<String, String>,
    /// How the arguments were derived, when not read directly (k3s/rke2 embedding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Settings given as environment variables instead of flags (etcd's `ETCD_*`, only the
    /// names in [`ETCD_ENV`]: never the whole environment, which may hold secrets).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Configuration files named on its command line that take over flags (kube-scheduler
    /// `--config`, etcd `--config-file`, …), with only the settings the catalog reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_files: Vec<ConfigFileFact>,
    /// Files the process embedding it (k3s) gives it from its own layout without showing
    /// them on any command line, keyed by the flag they stand for (`--kubeconfig`), or by
    /// `admin-kubeconfig…` for an admin kubeconfig: judged where found there, unknown when
    /// not there.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub layout: BTreeMap<String, String>,
}

/// A component's configuration file and the settings read from it. Only the keys the catalog
/// names (`keys` in `components.yaml`) are recorded, never the whole file: an authentication
/// configuration may name identity providers, and nothing else is needed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigFileFact {
    /// The flag naming the file (`--config`).
    pub flag: String,
    /// The path as given on the command line (as the component sees it).
    pub path: String,
    /// Where it was read on the node: the same path, the process's root
    /// (`/proc/812/root/…`), or the static pod's hostPath volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_from: Option<String>,
    /// Present (read and parsed); absent (not on the node's filesystem: missing, inside the
    /// container image, on a volume that is not a hostPath); or error (unreadable, not YAML,
    /// not the kind expected).
    pub state: FileState,
    /// The `kind` the file declares, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Every key looked for: its value, or null when the file does not set it.
    #[serde(default)]
    pub values: BTreeMap<String, Value>,
    /// Why it could not be read or used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ConfigFileFact {
    /// `/etc/kubernetes/scheduler.yaml` or `/etc/k/s.yaml (read at /srv/k/s.yaml)`.
    pub fn describe(&self) -> String {
        match &self.read_from {
            Some(at) if *at != self.path => format!("{} (read at {at})", self.path),
            _ => self.path.clone(),
        }
    }
}

/// etcd environment variables recorded (each stands for the flag of the same name:
/// `ETCD_CERT_FILE` → `--cert-file`).
pub const ETCD_ENV: &[&str] = &[
    "ETCD_CERT_FILE",
    "ETCD_KEY_FILE",
    "ETCD_CLIENT_CERT_AUTH",
    "ETCD_AUTO_TLS",
    "ETCD_PEER_CERT_FILE",
    "ETCD_PEER_KEY_FILE",
    "ETCD_PEER_CLIENT_CERT_AUTH",
    "ETCD_PEER_AUTO_TLS",
    "ETCD_TRUSTED_CA_FILE",
    "ETCD_PEER_TRUSTED_CA_FILE",
    "ETCD_DATA_DIR",
    "ETCD_CONFIG_FILE",
    "ETCD_NAME",
];

/// The flag an environment variable stands for (`ETCD_CERT_FILE` → `--cert-file`).
pub fn env_flag(name: &str) -> Option<String> {
    name.strip_prefix("ETCD_")
        .map(|rest| format!("--{}", rest.to_ascii_lowercase().replace('_', "-")))
}

impl ComponentFact {
    /// `process kube-apiserver pid 812 (/proc/812/cmdline)` or `static pod /etc/…`.
    pub fn describe(&self) -> String {
        let base = match (self.source, self.pid) {
            (ComponentSource::Process, Some(pid)) => {
                format!("process {} pid {pid} ({})", self.executable, self.location)
            }
            (ComponentSource::Process, None) => format!("process ({})", self.location),
            (ComponentSource::StaticPod, _) => format!("static pod {}", self.location),
        };
        match &self.via {
            Some(v) => format!("{base}, {v}"),
            None => base,
        }
    }
}

/// Where one kubelet configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ValueSource {
    /// The file named by `--config`.
    ConfigFile {
        /// Its path on the node.
        path: String,
    },
    /// A drop-in under `--config-dir`.
    DropIn {
        /// Its path on the node.
        path: String,
    },
    /// A command-line flag.
    Flag {
        /// The flag as given (`--read-only-port`).
        flag: String,
        /// Where the command line was read.
        location: String,
    },
}

impl ValueSource {
    /// `config file /var/lib/kubelet/config.yaml`, `flag --x (process …)`.
    pub fn describe(&self) -> String {
        match self {
            ValueSource::ConfigFile { path } => format!("config file {path}"),
            ValueSource::DropIn { path } => format!("config drop-in {path}"),
            ValueSource::Flag { flag, location } => {
                format!("command-line flag {flag} ({location})")
            }
        }
    }
}

/// One effective kubelet configuration value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigValue {
    /// The value in effect.
    pub value: Value,
    /// Where it came from.
    pub source: ValueSource,
    /// Values it replaced, earliest first (config file value overridden by a drop-in or flag).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Overridden>,
    /// How the value was read, when not as written (`--read-only-port=0x0` reads as 0; a
    /// boolean flag followed by a separate word).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why the kubelet refuses this value and does not start (`--anonymous-auth=` is no
    /// boolean): such a value decides nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
    /// Why this value, from a file, may not be the one in effect: a drop-in the kubelet
    /// reads after that file could not be read (or the drop-in directory could not be
    /// walked), and it may set the key too. Such a value decides nothing; a flag, which wins
    /// over every file, is never shadowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadowed: Option<String>,
}

/// A value that a later source replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overridden {
    /// The replaced value.
    pub value: Value,
    /// Where it had come from.
    pub source: ValueSource,
}

/// The kubelet's effective configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubeletFacts {
    /// Where the command line was read (`process kubelet pid 1 (/proc/1/cmdline)`).
    pub command_line: String,
    /// The file named by `--config` (path on the node), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_file: Option<String>,
    /// The directory named by `--config-dir` (path on the node), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_dir: Option<String>,
    /// Drop-ins read from `--config-dir`, in the order applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop_ins: Vec<String>,
    /// Effective values by KubeletConfiguration key path (`authentication.anonymous.enabled`);
    /// flag-only settings use the flag name (`--hostname-override`).
    #[serde(default)]
    pub values: BTreeMap<String, ConfigValue>,
    /// Why the configuration may be incomplete (config file missing or unparsable).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Files the kubelet refuses, and why (empty, or not a `kubelet.config.k8s.io/v1beta1`
    /// KubeletConfiguration): it does not start with this configuration, so none of its
    /// values decides anything. A refused file is never merged into `values`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
    /// For a kubelet embedded in another process (k3s): how its arguments were found. Its
    /// settings not seen anywhere may be ones that process makes itself, so no default is
    /// assumed for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded: Option<String>,
}

impl KubeletFacts {
    /// Whether a config file is in use (so KubeletConfiguration defaults apply, not flag
    /// defaults).
    pub fn uses_config_file(&self) -> bool {
        self.config_file.is_some()
    }
}

/// Whether a file is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// It exists; mode and owner were read.
    Present,
    /// It does not exist.
    Absent,
    /// It could not be read (permission, I/O); see `error`.
    Error,
}

/// Mode and owner of one benchmark file or directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileFact {
    /// What the file is for the benchmark (`apiserver-manifest`, `kubelet-config`, …).
    pub role: String,
    /// Path on the node (as the node sees it, not under `--root`).
    pub path: String,
    /// Present, absent or error.
    pub state: FileState,
    /// `file`, `dir` or `symlink`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// Permission bits, 4 octal digits (`0600`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Owner name (from the root's `/etc/passwd`; when not listed there, `root` for uid 0,
    /// else the number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Group name (from the root's `/etc/group`; when not listed there, `root` for gid 0,
    /// else the number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Numeric owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// Numeric group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// Why the path was looked at: `default path`, `kubelet --kubeconfig (process …)`.
    pub from: String,
    /// Why it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Set on an absent file that must be somewhere else: it was not at any place looked
    /// at, yet the component it belongs to runs (a kubelet started by a unit file nowhere
    /// systemd's usual directories hold). Says where it was looked for; judged `manual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlocated: Option<String>,
}

/// File roles the collector records and `file` checks may name, with what each is.
pub const FILE_ROLES: &[(&str, &str)] = &[
    ("apiserver-manifest", "kube-apiserver static pod manifest"),
    (
        "controller-manager-manifest",
        "kube-controller-manager static pod manifest",
    ),
    ("scheduler-manifest", "kube-scheduler static pod manifest"),
    ("etcd-manifest", "etcd static pod manifest"),
    ("cni-file", "CNI configuration and IPAM state files"),
    ("etcd-data-dir", "etcd data directory (--data-dir)"),
    ("admin-kubeconfig", "admin.conf and super-admin.conf"),
    ("scheduler-kubeconfig", "kube-scheduler kubeconfig"),
    (
        "controller-manager-kubeconfig",
        "kube-controller-manager kubeconfig",
    ),
    ("pki-dir", "the Kubernetes PKI directory"),
    (
        "pki-subdir",
        "directories under the PKI directory (pki/etcd)",
    ),
    ("pki-file", "every file under the PKI directory"),
    ("pki-cert", "certificates (*.crt) under the PKI directory"),
    ("pki-key", "private keys (*.key) under the PKI directory"),
    (
        "kubelet-service",
        "kubelet systemd unit file (kubelet.service) and its drop-ins",
    ),
    ("proxy-kubeconfig", "kube-proxy kubeconfig"),
    ("kubelet-kubeconfig", "kubelet kubeconfig (--kubeconfig)"),
    (
        "kubelet-client-ca",
        "kubelet client CA (--client-ca-file / authentication.x509.clientCAFile)",
    ),
    ("kubelet-config", "kubelet config file (--config)"),
    (
        "kubelet-config-drop-in",
        "kubelet config drop-ins (*.conf under --config-dir, subdirectories included)",
    ),
    (
        "kubelet-config-dir",
        "kubelet config drop-in directory (--config-dir) and its subdirectories",
    ),
];

/// File roles that name directories; every other role names a regular file.
pub const DIRECTORY_ROLES: &[&str] = &[
    "etcd-data-dir",
    "pki-dir",
    "pki-subdir",
    "kubelet-config-dir",
];

/// The components that make a node a control-plane node (role `control-plane`).
pub const CONTROL_PLANE_COMPONENTS: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
];

/// File roles found on control-plane nodes only (the benchmark's control-plane section);
/// every other role is a file of any node (the kubelet's, kube-proxy's, the CNI's).
pub const CONTROL_PLANE_FILE_ROLES: &[&str] = &[
    "apiserver-manifest",
    "controller-manager-manifest",
    "scheduler-manifest",
    "etcd-manifest",
    "etcd-data-dir",
    "admin-kubeconfig",
    "scheduler-kubeconfig",
    "controller-manager-kubeconfig",
    "pki-dir",
    "pki-subdir",
    "pki-file",
    "pki-cert",
    "pki-key",
];

/// Whether `role` is a known file role.
pub fn is_file_role(role: &str) -> bool {
    FILE_ROLES.iter().any(|(r, _)| *r == role)
}
