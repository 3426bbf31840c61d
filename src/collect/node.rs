//! `kubeattest node`: collects [`NodeFacts`] on one node, reading a root directory (the
//! node's `/`, possibly mounted read-only in a container) and a proc directory.
//!
//! - Components are found in `<proc>/*/cmdline` by the **exact basename** of the executable
//!   (`kube-apiserver`, never `kube-apiserver-proxy` or a shell whose arguments mention it);
//!   `k3s server|agent` yields the components it embeds, with only the arguments passed through
//!   `--kube-apiserver-arg` & co. visible (said in `via`).
//! - Static-pod manifests are read from the kubelet's effective `staticPodPath` (default
//!   `/etc/kubernetes/manifests`, plus rke2's `pod-manifests`).
//! - The kubelet's effective configuration is the file named by `--config`, then the
//!   `--config-dir` drop-ins in name order, then command-line flags, which win; every value
//!   keeps its source and what it replaced. Default paths are never guessed when the kubelet
//!   says where its config is.
//! - Every file the benchmark names is stat'ed (mode, owner and group, names from the root's
//!   `/etc/passwd` and `/etc/group`), including paths taken from flags; a missing file is an
//!   `absent` fact, not an error.
//!
//! Nothing is written to the node; nothing is judged here.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::catalog::ConfigFile;
use crate::checks::flag::{parse_flags, Flags};
use crate::inventory::Coverage;
use crate::node_facts::{
    ComponentFact, ComponentSource, ConfigFileFact, ConfigValue, FileFact, FileState, KubeletFacts,
    NodeFacts, Overridden, ValueSource, ETCD_ENV, FACTS_KIND, FACTS_VERSION,
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

const CONTROL_PLANE: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
];

/// Default static pod directories (kubeadm, rke2).
const STATIC_POD_DIRS: &[&str] = &[
    "/etc/kubernetes/manifests",
    "/var/lib/rancher/rke2/agent/pod-manifests",
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
    /// The configuration files each component may be given and the settings to read from
    /// them (the catalog's `config_files`, by component name; see [`config_files_of`]).
    pub config_files: BTreeMap<String, Vec<ConfigFile>>,
}

/// The catalog's configuration files that name settings to read (`keys`), by component, for
/// [`Options::config_files`].
pub fn config_files_of(
    components: &BTreeMap<String, crate::catalog::Component>,
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
        errors: Vec::new(),
        users: read_ids(&opts.root.join("etc/passwd")),
        groups: read_ids(&opts.root.join("etc/group")),
        config_files: &opts.config_files,
    };
    let mut components = processes(&opts.proc_dir, &mut c.errors);
    for fact in &mut components {
        let root = fact
            .pid
            .map(|pid| opts.proc_dir.join(pid.to_string()).join("root"));
        fact.config_files = c.config_files(fact, &|path| c.process_file(root.as_deref(), path));
    }
    let kubelet = components
        .iter()
        .find(|p| p.component == "kubelet")
        .cloned()
        .map(|k| c.kubelet(&k));
    let static_dirs: Vec<(String, String)> = match kubelet
        .as_ref()
        .and_then(|k| k.values.get("staticPodPath"))
        .and_then(|v| {
            v.value
                .as_str()
                .map(|s| (s.to_string(), v.source.describe()))
        }) {
        Some((dir, source)) => vec![(dir, format!("kubelet staticPodPath ({source})"))],
        None => STATIC_POD_DIRS
            .iter()
            .map(|d| (d.to_string(), "default path".to_string()))
            .collect(),
    };
    let mut manifests: BTreeMap<String, String> = BTreeMap::new();
    for (dir, _) in &static_dirs {
        for fact in c.static_pods(dir) {
            manifests
                .entry(fact.component.clone())
                .or_insert_with(|| fact.location.clone());
            components.push(fact);
        }
    }
    let mut roles = Vec::new();
    if components
        .iter()
        .any(|c| CONTROL_PLANE.contains(&c.component.as_str()))
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

fn node_name(opts: &Options) -> String {
    if let Some(n) = opts.node_name.as_ref().filter(|n| !n.is_empty()) {
        return n.clone();
    }
    if let Ok(n) = std::env::var("NODE_NAME") {
        if !n.trim().is_empty() {
            return n.trim().to_string();
        }
    }
    std::fs::read_to_string(opts.root.join("etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// `uid → name` from a passwd or group file (`name:x:id:…`).
fn read_ids(path: &Path) -> BTreeMap<u32, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
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

/// Every process whose executable basename names a component.
pub fn processes(proc_dir: &Path, errors: &mut Vec<String>) -> Vec<ComponentFact> {
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
        let path = proc_dir.join(pid.to_string()).join("cmdline");
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
        let base = exe.rsplit('/').next().unwrap_or(exe);
        let location = path.display().to_string();
        let fact = |component: &str, args: Vec<String>, via: Option<String>| ComponentFact {
            component: component.to_string(),
            source: ComponentSource::Process,
            pid: Some(pid),
            location: location.clone(),
            executable: exe.clone(),
            args: redact_args(args),
            via,
            env: BTreeMap::new(),
            config_files: Vec::new(),
        };
        if let Some((name, _)) = COMPONENTS.iter().find(|(_, bins)| bins.contains(&base)) {
            let mut f = fact(name, argv[1..].to_vec(), None);
            if *name == "etcd" {
                // Readable only with the process's uid or CAP_SYS_PTRACE; absent otherwise.
                let environ = std::fs::read(proc_dir.join(pid.to_string()).join("environ"))
                    .unwrap_or_default();
                f.env = etcd_env(
                    environ
                        .split(|b| *b == 0)
                        .map(|kv| String::from_utf8_lossy(kv).into_owned())
                        .filter_map(|kv| {
                            kv.split_once('=')
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                        }),
                );
            }
            out.push(f);
        } else if base == "k3s" {
            out.extend(
                k3s_components(&argv[1..])
                    .into_iter()
                    .map(|(c, args, via)| fact(c, args, Some(via))),
            );
        }
    }
    out
}

/// Whether a flag carries a secret inline (`--token`, `--bootstrap-token`, `--…-password`,
/// `--…-secret`): its value never enters the facts. Flags naming a file keep their value.
fn secret_flag(name: &str) -> bool {
    let n = name.trim_start_matches('-').to_ascii_lowercase();
    if n.ends_with("-file") || n.ends_with("-path") || n.ends_with("-dir") {
        return false;
    }
    n == "token" || n.ends_with("-token") || n.contains("password") || n.contains("secret")
}

/// Arguments with inline secret values replaced by `<redacted>`.
pub fn redact_args(args: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut redact_next = false;
    for a in args {
        if redact_next && !a.starts_with('-') {
            out.push("<redacted>".to_string());
            redact_next = false;
            continue;
        }
        redact_next = false;
        if a.starts_with('-') {
            match a.split_once('=') {
                Some((name, _)) if secret_flag(name) => {
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

/// The allow-listed `ETCD_*` settings among environment variables.
fn etcd_env(vars: impl Iterator<Item = (String, String)>) -> BTreeMap<String, String> {
    vars.filter(|(k, _)| ETCD_ENV.contains(&k.as_str()))
        .collect()
}

/// The components a `k3s server|agent` process embeds, with the arguments passed to each
/// through `--<component>-arg`.
fn k3s_components(args: &[String]) -> Vec<(&'static str, Vec<String>, String)> {
    let Some(mode) = args.first().map(String::as_str) else {
        return Vec::new();
    };
    let embedded: &[(&str, &str)] = match mode {
        "server" => &[
            ("kube-apiserver", "--kube-apiserver-arg"),
            ("kube-controller-manager", "--kube-controller-manager-arg"),
            ("kube-scheduler", "--kube-scheduler-arg"),
            ("etcd", "--etcd-arg"),
            ("kubelet", "--kubelet-arg"),
            ("kube-proxy", "--kube-proxy-arg"),
        ],
        "agent" => &[
            ("kubelet", "--kubelet-arg"),
            ("kube-proxy", "--kube-proxy-arg"),
        ],
        _ => return Vec::new(),
    };
    let flags = parse_flags(&args[1..]);
    embedded
        .iter()
        .map(|(component, pass)| {
            let passed: Vec<String> = flags
                .get(*pass)
                .into_iter()
                .flatten()
                .map(|v| format!("--{}", v.trim_start_matches('-')))
                .collect();
            (
                *component,
                passed,
                format!(
                    "embedded in `k3s {mode}`: only arguments passed with {pass} are visible; settings k3s makes itself are not"
                ),
            )
        })
        .collect()
}

struct Collector<'o> {
    root: PathBuf,
    errors: Vec<String>,
    users: BTreeMap<u32, String>,
    groups: BTreeMap<u32, String>,
    config_files: &'o BTreeMap<String, Vec<ConfigFile>>,
}

/// Where a file a component names is on the node, or why it is not on the node's filesystem.
type Located = Result<Location, String>;

/// A file a component names, found on the node.
struct Location {
    /// The path to open.
    open: PathBuf,
    /// How the facts say where it was read (`None`: the same path as given).
    shown: Option<String>,
    /// Said when the file is not there: what else could have shown it.
    if_absent: Option<String>,
}

/// Kubelet flags that are booleans: their values are read as Go's `strconv.ParseBool` reads
/// them (`--anonymous-auth=0` is false).
const KUBELET_BOOL_FLAGS: &[&str] = &[
    "--anonymous-auth",
    "--authentication-token-webhook",
    "--make-iptables-util-chains",
    "--rotate-certificates",
    "--rotate-server-certificates",
    "--seccomp-default",
    "--protect-kernel-defaults",
];

/// Kubelet flags that set a KubeletConfiguration key.
const KUBELET_FLAG_KEYS: &[(&str, &str)] = &[
    ("--anonymous-auth", "authentication.anonymous.enabled"),
    (
        "--authentication-token-webhook",
        "authentication.webhook.enabled",
    ),
    ("--authorization-mode", "authorization.mode"),
    ("--client-ca-file", "authentication.x509.clientCAFile"),
    ("--read-only-port", "readOnlyPort"),
    (
        "--streaming-connection-idle-timeout",
        "streamingConnectionIdleTimeout",
    ),
    ("--make-iptables-util-chains", "makeIPTablesUtilChains"),
    ("--event-qps", "eventRecordQPS"),
    ("--tls-cert-file", "tlsCertFile"),
    ("--tls-private-key-file", "tlsPrivateKeyFile"),
    ("--tls-cipher-suites", "tlsCipherSuites"),
    ("--rotate-certificates", "rotateCertificates"),
    ("--rotate-server-certificates", "serverTLSBootstrap"),
    ("--pod-max-pids", "podPidsLimit"),
    ("--seccomp-default", "seccompDefault"),
    ("--protect-kernel-defaults", "protectKernelDefaults"),
    ("--pod-manifest-path", "staticPodPath"),
];

impl Collector<'_> {
    /// The host path `p` (absolute, as the node sees it) under the root.
    fn host(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }

    fn kubelet(&mut self, k: &ComponentFact) -> KubeletFacts {
        let flags = parse_flags(&k.args);
        let mut facts = KubeletFacts {
            command_line: k.describe(),
            ..KubeletFacts::default()
        };
        if let Some(path) = flags.get("--config").and_then(|v| v.last()) {
            facts.config_file = Some(path.clone());
            let source = ValueSource::ConfigFile { path: path.clone() };
            match self.read_kubelet_yaml(path) {
                Ok(v) => merge(&mut facts.values, &v, source),
                Err(e) => facts.errors.push(e),
            }
        }
        if let Some(dir) = flags.get("--config-dir").and_then(|v| v.last()) {
            let mut names: Vec<String> = std::fs::read_dir(self.host(dir))
                .map(|rd| {
                    rd.flatten()
                        .filter_map(|e| e.file_name().to_str().map(str::to_string))
                        .filter(|n| n.ends_with(".conf"))
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            for name in names {
                let path = format!("{}/{name}", dir.trim_end_matches('/'));
                match self.read_kubelet_yaml(&path) {
                    Ok(v) => merge(
                        &mut facts.values,
                        &v,
                        ValueSource::DropIn { path: path.clone() },
                    ),
                    Err(e) => facts.errors.push(e),
                }
                facts.drop_ins.push(path);
            }
        }
        apply_flags(&mut facts.values, &flags, &k.describe());
        for e in &facts.errors {
            self.errors.push(format!("kubelet: {e}"));
        }
        facts
    }

    /// A file named on a process's command line: through the process's root
    /// (`/proc/<pid>/root`, its own view, which a container's process needs) when that can
    /// be opened, else at the same path on the node.
    fn process_file(&self, proc_root: Option<&Path>, path: &str) -> Located {
        if !path.starts_with('/') {
            return Err(relative(path));
        }
        match proc_root {
            Some(r) if std::fs::read_dir(r).is_ok() => Ok(Location {
                open: r.join(path.trim_start_matches('/')),
                shown: Some(format!("{}{path}", r.display())),
                if_absent: None,
            }),
            _ => Ok(Location {
                open: self.host(path),
                shown: None,
                if_absent: proc_root.map(|r| {
                    format!(
                        "the process's own root {} cannot be opened (a file inside a container is read there, which needs CAP_SYS_PTRACE)",
                        r.display()
                    )
                }),
            }),
        }
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
        let flags = parse_flags(&fact.args);
        specs
            .iter()
            .filter_map(|spec| {
                let path = flags.get(&spec.flag)?.last()?;
                Some(read_config_file(spec, path, locate(path)))
            })
            .collect()
    }

    /// The value a configuration file read on the node gives `flag`, when that file takes
    /// the flag over (etcd's `data-dir` under `--config-file`), with where it was read.
    fn file_setting(
        &self,
        c: &ComponentFact,
        flag: &str,
        flags: &Flags,
    ) -> Option<(String, String)> {
        self.config_files
            .get(&c.component)?
            .iter()
            .find_map(|spec| {
                spec.decides(flag, flags.contains_key(flag))?;
                let key = spec.keys.get(flag)?;
                let file = c
                    .config_files
                    .iter()
                    .find(|f| f.flag == spec.flag && f.state == FileState::Present)?;
                let value = crate::checks::mounted_file::flag_text(file.values.get(&key.key)?)?;
                Some((
                    value,
                    format!(
                        "{} `{}` in {} {} ({})",
                        c.component,
                        key.key,
                        spec.flag,
                        file.describe(),
                        c.describe()
                    ),
                ))
            })
    }

    /// A kubelet configuration file or drop-in, read as the kubelet reads it: YAML 1.1
    /// (sigs.k8s.io/yaml over go-yaml v2), where a plain `off` or `no` is `false`.
    fn read_kubelet_yaml(&self, path: &str) -> Result<Value, String> {
        let text = std::fs::read_to_string(self.host(path))
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        crate::yaml::parse_document_yaml11(&text)
            .map(|n| n.to_json())
            .map_err(|e| format!("cannot parse {path}: {e}"))
    }

    fn read_yaml(&self, path: &str) -> Result<Value, String> {
        let text = std::fs::read_to_string(self.host(path))
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        crate::yaml::parse_document(&text)
            .map(|n| n.to_json())
            .map_err(|e| format!("cannot parse {path}: {e}"))
    }

    fn static_pods(&mut self, dir: &str) -> Vec<ComponentFact> {
        let Ok(rd) = std::fs::read_dir(self.host(dir)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = rd
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
            .collect();
        names.sort();
        let mut out = Vec::new();
        for name in names {
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            let pod = match self.read_yaml(&path) {
                Ok(v) => v,
                Err(e) => {
                    self.errors.push(format!("static pod {e}"));
                    continue;
                }
            };
            let spec = crate::document::Doc::from(pod.get("spec").cloned().unwrap_or(Value::Null));
            let containers = pod
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for c in containers {
                let c = crate::document::Doc::from(c);
                let strings = |key: &str| crate::checks::path::strings(&c, key);
                let command = strings("command");
                let Some(first) = command.first() else {
                    continue;
                };
                let base = first.rsplit('/').next().unwrap_or(first);
                if let Some((component, _)) =
                    COMPONENTS.iter().find(|(_, bins)| bins.contains(&base))
                {
                    let mut fact = ComponentFact {
                        component: component.to_string(),
                        source: ComponentSource::StaticPod,
                        pid: None,
                        location: path.clone(),
                        executable: first.clone(),
                        args: redact_args(
                            command[1..]
                                .iter()
                                .chain(&strings("args"))
                                .cloned()
                                .collect(),
                        ),
                        via: None,
                        env: etcd_env(
                            c.get("env")
                                .and_then(crate::document::Doc::as_array)
                                .into_iter()
                                .flatten()
                                .filter_map(|e| {
                                    Some((
                                        e.get("name")?.as_str()?.to_string(),
                                        e.get("value")?.as_str()?.to_string(),
                                    ))
                                }),
                        ),
                        config_files: Vec::new(),
                    };
                    // The path is the container's: its hostPath volume says where it is.
                    fact.config_files = self.config_files(&fact, &|p| {
                        if !p.starts_with('/') {
                            return Err(relative(p));
                        }
                        let on_host = crate::checks::mounted_file::on_host(&spec, &c, p)?;
                        Ok(Location {
                            open: self.host(&on_host),
                            shown: Some(on_host),
                            if_absent: None,
                        })
                    });
                    out.push(fact);
                }
            }
        }
        out
    }

    fn stat(&self, role: &str, path: &str, from: &str) -> FileFact {
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
        };
        match self.metadata(path) {
            Ok(Some(m)) => {
                fact.state = FileState::Present;
                fact.file_type = Some(if m.is_dir() { "dir" } else { "file" }.into());
                fact.mode = Some(format!("{:04o}", m.permissions().mode() & 0o7777));
                fact.uid = Some(m.uid());
                fact.gid = Some(m.gid());
                fact.owner = Some(
                    self.users
                        .get(&m.uid())
                        .cloned()
                        .unwrap_or_else(|| m.uid().to_string()),
                );
                fact.group = Some(
                    self.groups
                        .get(&m.gid())
                        .cloned()
                        .unwrap_or_else(|| m.gid().to_string()),
                );
            }
            Ok(None) => {}
            Err(e) => {
                fact.state = FileState::Error;
                fact.error = Some(e);
            }
        }
        fact
    }

    /// Metadata of a node path, following symlinks *inside the root* (an absolute link
    /// target means the node's path, not the container's).
    fn metadata(&self, path: &str) -> Result<Option<std::fs::Metadata>, String> {
        let mut current = path.to_string();
        for _ in 0..16 {
            let host = self.host(&current);
            let m = match std::fs::symlink_metadata(&host) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(format!("cannot stat {current}: {e}")),
            };
            if !m.file_type().is_symlink() {
                return Ok(Some(m));
            }
            let target = std::fs::read_link(&host)
                .map_err(|e| format!("cannot read link {current}: {e}"))?;
            let target = target.to_string_lossy().into_owned();
            current = if target.starts_with('/') {
                target
            } else {
                let parent = Path::new(&current)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                format!("{}/{target}", parent.trim_end_matches('/'))
            };
        }
        Err(format!("too many symbolic links resolving {path}"))
    }

    /// Files under a directory (recursively, bounded), each with a role from its name.
    fn walk(&self, dir: &str, from: &str, role_of: &dyn Fn(&str) -> &'static str) -> Vec<FileFact> {
        self.walk_with_dirs(dir, from, role_of, None)
    }

    /// [`Self::walk`], also giving each directory below `dir` the role `dir_role` when one
    /// is given.
    fn walk_with_dirs(
        &self,
        dir: &str,
        from: &str,
        role_of: &dyn Fn(&str) -> &'static str,
        dir_role: Option<&str>,
    ) -> Vec<FileFact> {
        let host = self.host(dir);
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&host)
            .min_depth(1)
            .max_depth(4)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .take(5000)
        {
            let is_dir = entry.file_type().is_dir();
            if is_dir && dir_role.is_none() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&host) else {
                continue;
            };
            let path = format!("{}/{}", dir.trim_end_matches('/'), rel.display());
            let name = rel.display().to_string();
            let role = match dir_role {
                Some(r) if is_dir => r,
                _ => role_of(&name),
            };
            out.push(self.stat(role, &path, from));
        }
        out
    }

    fn files(
        &self,
        components: &[ComponentFact],
        kubelet: Option<&KubeletFacts>,
        static_dirs: &[(String, String)],
        manifests: &BTreeMap<String, String>,
    ) -> Vec<FileFact> {
        let mut out = Vec::new();
        let flag_of = |component: &str, flag: &str| -> Option<(String, String)> {
            let c = pick(components, component)?;
            let flags: Flags = parse_flags(&c.args);
            self.file_setting(c, flag, &flags)
                .or_else(|| {
                    flags
                        .get(flag)
                        .and_then(|v| v.last())
                        .map(|v| (v.clone(), format!("{component} {flag} ({})", c.describe())))
                })
                .or_else(|| {
                    c.env
                        .iter()
                        .find(|(k, _)| crate::node_facts::env_flag(k).as_deref() == Some(flag))
                        .map(|(k, v)| {
                            (
                                v.clone(),
                                format!("{component} environment {k} ({})", c.describe()),
                            )
                        })
                })
        };
        let path_or = |found: Option<(String, String)>, default: &str| -> (String, String) {
            found.unwrap_or_else(|| (default.to_string(), "default path".to_string()))
        };
        // 1.1.1–1.1.8: static pod manifests.
        let (dir, dir_from) = static_dirs
            .first()
            .cloned()
            .unwrap_or_else(|| (STATIC_POD_DIRS[0].to_string(), "default path".into()));
        for (component, role) in [
            ("kube-apiserver", "apiserver-manifest"),
            ("kube-controller-manager", "controller-manager-manifest"),
            ("kube-scheduler", "scheduler-manifest"),
            ("etcd", "etcd-manifest"),
        ] {
            match manifests.get(component) {
                Some(path) => out.push(self.stat(role, path, "static pod manifest that runs it")),
                None => out.push(self.stat(
                    role,
                    &format!("{}/{component}.yaml", dir.trim_end_matches('/')),
                    &format!("static pod directory ({dir_from})"),
                )),
            }
        }
        // 1.1.9–1.1.10: CNI.
        let (cni_dir, cni_from) = path_or(flag_of("kubelet", "--cni-conf-dir"), "/etc/cni/net.d");
        for (d, from) in [
            (cni_dir, cni_from),
            (
                "/var/lib/cni/networks".to_string(),
                "default path".to_string(),
            ),
        ] {
            match self.metadata(&d) {
                Ok(Some(_)) => out.extend(self.walk(&d, &from, &|_| "cni-file")),
                _ => out.push(self.stat("cni-file", &d, &from)),
            }
        }
        // 1.1.11–1.1.12: etcd data dir.
        let (p, from) = path_or(flag_of("etcd", "--data-dir"), "/var/lib/etcd");
        out.push(self.stat("etcd-data-dir", &p, &from));
        // 1.1.13–1.1.18: kubeconfigs.
        for p in [
            "/etc/kubernetes/admin.conf",
            "/etc/kubernetes/super-admin.conf",
        ] {
            out.push(self.stat("admin-kubeconfig", p, "default path"));
        }
        let (p, from) = path_or(
            flag_of("kube-scheduler", "--kubeconfig"),
            "/etc/kubernetes/scheduler.conf",
        );
        out.push(self.stat("scheduler-kubeconfig", &p, &from));
        let (p, from) = path_or(
            flag_of("kube-controller-manager", "--kubeconfig"),
            "/etc/kubernetes/controller-manager.conf",
        );
        out.push(self.stat("controller-manager-kubeconfig", &p, &from));
        // 1.1.19–1.1.21: PKI.
        let pki = flag_of("kube-apiserver", "--client-ca-file")
            .and_then(|(ca, from)| {
                Path::new(&ca)
                    .parent()
                    .map(|d| (d.display().to_string(), from))
            })
            .filter(|(d, _)| d != "/" && !d.is_empty());
        let (pki, pki_from) = match pki {
            Some((d, from)) => (d, format!("directory of {from}")),
            None => (
                "/etc/kubernetes/pki".to_string(),
                "default path".to_string(),
            ),
        };
        out.push(self.stat("pki-dir", &pki, &pki_from));
        // CIS 1.1.19 audits `find /etc/kubernetes/pki/ | xargs stat -c %U:%G`: directories
        // below it (pki/etcd) too.
        out.extend(self.walk_with_dirs(
            &pki,
            &pki_from,
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
        ));
        // 4.1.1–4.1.2: kubelet service drop-in (both places packages put it).
        for p in [
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        ] {
            out.push(self.stat("kubelet-service", p, "default path"));
        }
        // 4.1.3–4.1.4: kube-proxy kubeconfig.
        let (p, from) = path_or(
            flag_of("kube-proxy", "--kubeconfig"),
            "/etc/kubernetes/proxy.conf",
        );
        out.push(self.stat("proxy-kubeconfig", &p, &from));
        // 4.1.5–4.1.10: kubelet kubeconfig, client CA, config file.
        let (p, from) = path_or(
            flag_of("kubelet", "--kubeconfig"),
            "/etc/kubernetes/kubelet.conf",
        );
        out.push(self.stat("kubelet-kubeconfig", &p, &from));
        let ca = kubelet
            .and_then(|k| k.values.get("authentication.x509.clientCAFile"))
            .and_then(|v| {
                v.value.as_str().map(|s| {
                    (
                        s.to_string(),
                        format!("kubelet clientCAFile ({})", v.source.describe()),
                    )
                })
            });
        let (p, from) = path_or(ca, "/etc/kubernetes/pki/ca.crt");
        out.push(self.stat("kubelet-client-ca", &p, &from));
        match kubelet {
            Some(k) => {
                if let Some(p) = &k.config_file {
                    out.push(self.stat(
                        "kubelet-config",
                        p,
                        &format!("kubelet --config ({})", k.command_line),
                    ));
                }
                // A kubelet without --config uses no config file: nothing to stat.
            }
            None => out.push(self.stat(
                "kubelet-config",
                "/var/lib/kubelet/config.yaml",
                "default path (no kubelet process found)",
            )),
        }
        out
    }
}

/// Why a relative path is not looked for: it names a file in the component's working
/// directory, which a command line does not show.
fn relative(path: &str) -> String {
    format!(
        "{} is relative to the component's working directory, which the command line does not show",
        crate::quote::quote(path)
    )
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
        open,
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
    let text = match std::fs::read_to_string(&open) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
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

/// The instance of a component that decides (process first, then static pod).
fn pick<'a>(components: &'a [ComponentFact], name: &str) -> Option<&'a ComponentFact> {
    components
        .iter()
        .filter(|c| c.component == name)
        .min_by_key(|c| c.source != ComponentSource::Process)
}

/// Flattens a config document into dotted keys and lays it over `values`.
fn merge(values: &mut BTreeMap<String, ConfigValue>, doc: &Value, source: ValueSource) {
    let mut flat = Vec::new();
    flatten("", doc, &mut flat);
    for (key, value) in flat {
        if key == "kind" || key == "apiVersion" {
            continue;
        }
        set(values, key, value, source.clone());
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, child, out);
            }
        }
        Value::Object(_) => {}
        other if !prefix.is_empty() => out.push((prefix.to_string(), other.clone())),
        _ => {}
    }
}

fn set(values: &mut BTreeMap<String, ConfigValue>, key: String, value: Value, source: ValueSource) {
    match values.remove(&key) {
        Some(old) => {
            let mut overrides = old.overrides;
            overrides.push(Overridden {
                value: old.value,
                source: old.source,
            });
            values.insert(
                key,
                ConfigValue {
                    value,
                    source,
                    overrides,
                },
            );
        }
        None => {
            values.insert(
                key,
                ConfigValue {
                    value,
                    source,
                    overrides: Vec::new(),
                },
            );
        }
    }
}

/// A flag's text as a typed value: booleans and numbers as such, text otherwise.
fn typed(s: &str) -> Value {
    match s {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => s
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(s.to_string())),
    }
}

/// A boolean flag's text as Go's `strconv.ParseBool` reads it (`0`, `f`, `False` → false);
/// anything else as [`typed`] gives it (the kubelet would not have started with it).
fn boolean(s: &str) -> Value {
    match crate::checks::condition::parse_bool(s.trim()) {
        Some(b) => Value::Bool(b),
        None => typed(s),
    }
}

/// Lays the command-line flags over the config: flags win.
fn apply_flags(values: &mut BTreeMap<String, ConfigValue>, flags: &Flags, location: &str) {
    for (flag, given) in flags {
        let Some(last) = given.last() else { continue };
        let source = ValueSource::Flag {
            flag: flag.clone(),
            location: location.to_string(),
        };
        match KUBELET_FLAG_KEYS.iter().find(|(f, _)| f == flag) {
            Some((_, "tlsCipherSuites")) => {
                let list = given
                    .iter()
                    .flat_map(|v| v.split(','))
                    .map(|s| Value::String(s.trim().to_string()))
                    .filter(|s| s.as_str() != Some(""))
                    .collect();
                set(values, "tlsCipherSuites".into(), Value::Array(list), source);
            }
            Some((_, key)) if KUBELET_BOOL_FLAGS.contains(&flag.as_str()) => {
                set(values, key.to_string(), boolean(last), source)
            }
            Some((_, key)) => set(values, key.to_string(), typed(last), source),
            // A map of gate=bool: repeated, the flag merges per gate and the later wins.
            None if flag == "--feature-gates" => {
                for gate in given.iter().flat_map(|v| v.split(',')) {
                    if let Some((name, v)) = gate.split_once('=') {
                        set(
                            values,
                            format!("featureGates.{}", name.trim()),
                            boolean(v.trim()),
                            source.clone(),
                        );
                    }
                }
            }
            None => set(values, flag.clone(), typed(last), source),
        }
    }
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
/// one document, or one document per line (the agent's log), in which case the last one per
/// node wins. Returns the facts (one per node, sorted by name) and a coverage entry per file.
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
    let mut by_node: BTreeMap<String, NodeFacts> = BTreeMap::new();
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
            by_node.insert(d.node.clone(), d);
        }
        if n > 0 {
            coverage.push(Coverage::ok(shown, n));
        }
    }
    // What a node could not collect is coverage too: the report says what is missing.
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

#[cfg(test)]
mod tests {
    use super::*;

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
                open: open.to_path_buf(),
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
        let rel = read_config_file(&spec, "s.yaml", Err(relative("s.yaml")));
        assert_eq!(rel.state, FileState::Absent);
        assert!(rel.error.unwrap().contains("working directory"));
    }

    #[test]
    fn flags_override_config_and_keep_history() {
        let mut values = BTreeMap::new();
        let doc = serde_json::json!({"kind": "KubeletConfiguration",
            "authentication": {"anonymous": {"enabled": false}}, "readOnlyPort": 0});
        merge(
            &mut values,
            &doc,
            ValueSource::ConfigFile {
                path: "/c.yaml".into(),
            },
        );
        let flags = parse_flags(&["--anonymous-auth=true".to_string()]);
        apply_flags(&mut values, &flags, "process kubelet");
        let v = &values["authentication.anonymous.enabled"];
        assert_eq!(v.value, Value::Bool(true));
        assert_eq!(v.overrides[0].value, Value::Bool(false));
        assert!(!values.contains_key("kind"));
        assert_eq!(values["readOnlyPort"].value, Value::from(0));
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
            ]
        );
    }

    #[test]
    fn k3s_args_are_passed_through() {
        let args: Vec<String> = ["server", "--kube-apiserver-arg=profiling=false"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let comps = k3s_components(&args);
        let api = comps
            .iter()
            .find(|(c, _, _)| *c == "kube-apiserver")
            .map(|(_, a, _)| a.clone());
        assert_eq!(api, Some(vec!["--profiling=false".to_string()]));
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
        let ids = read_ids(&p);
        assert_eq!(ids[&0], "root");
        assert_eq!(ids[&1001], "etcd");
    }
}
