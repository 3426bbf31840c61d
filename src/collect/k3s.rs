//! k3s: one `k3s server|agent` process runs the control-plane components, etcd, the kubelet
//! and kube-proxy inside itself. What each embedded component is started with is visible
//! only in part: the arguments passed with `--<component>-arg`, on the command line or in
//! k3s's configuration file and its drop-ins, read here as k3s reads them. Settings k3s
//! makes itself (they vary between releases) are not visible, and the checks say so instead
//! of judging a flag's upstream default.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::checks::condition::parse_bool;
use crate::checks::flag::parse_command;
use crate::collect::rooted;

/// The configuration file k3s reads unless `--config` names another (docs.k3s.io,
/// Configuration: "By default, configuration is loaded from `/etc/rancher/k3s/config.yaml`,
/// and drop-in files are loaded from `/etc/rancher/k3s/config.yaml.d/*.yaml`").
const CONFIG: &str = "/etc/rancher/k3s/config.yaml";

/// k3s's data directory unless `--data-dir` names another.
const DATA_DIR: &str = "/var/lib/rancher/k3s";

/// The options read from the configuration file: those that say which components run and
/// with which arguments. Nothing else is read: the file also holds the cluster token and
/// the datastore's credentials.
const READ: &[&str] = &[
    "kube-apiserver-arg",
    "kube-controller-manager-arg",
    "kube-scheduler-arg",
    "etcd-arg",
    "kubelet-arg",
    "kube-proxy-arg",
    "disable-apiserver",
    "disable-controller-manager",
    "disable-scheduler",
    "disable-etcd",
    "disable-kube-proxy",
    "disable-agent",
    "cluster-init",
    "datastore-endpoint",
    "server",
    "data-dir",
    "write-kubeconfig",
];

/// The environment variables k3s reads in place of an option (`[$K3S_URL]` in its help),
/// and the option: used when neither the command line nor the configuration file gives the
/// option, except `K3S_CONFIG_FILE`, which wins over `--config`.
const ENV_OPTIONS: &[(&str, &str)] = &[
    ("K3S_CONFIG_FILE", "--config"),
    ("K3S_URL", "--server"),
    ("K3S_CLUSTER_INIT", "--cluster-init"),
    ("K3S_DATASTORE_ENDPOINT", "--datastore-endpoint"),
    ("K3S_DATA_DIR", "--data-dir"),
    ("K3S_KUBECONFIG_OUTPUT", "--write-kubeconfig"),
];

/// The names of [`ENV_OPTIONS`]: the only variables read from a k3s process's environment,
/// which also holds `K3S_TOKEN`.
pub const ENV: &[&str] = &[
    "K3S_CONFIG_FILE",
    "K3S_URL",
    "K3S_CLUSTER_INIT",
    "K3S_DATASTORE_ENDPOINT",
    "K3S_DATA_DIR",
    "K3S_KUBECONFIG_OUTPUT",
];

/// Short names of k3s's options, as the flag parser records them (`-s` as `--s`).
const ALIASES: &[(&str, &str)] = &[
    ("--c", "--config"),
    ("--s", "--server"),
    ("--d", "--data-dir"),
    ("--o", "--write-kubeconfig"),
];

/// k3s's switches among them: they never take the next argument.
const SWITCHES: &[&str] = &[
    "--disable-apiserver",
    "--disable-controller-manager",
    "--disable-scheduler",
    "--disable-etcd",
    "--disable-kube-proxy",
    "--disable-agent",
    "--cluster-init",
];

/// One component a k3s process runs.
pub struct Embedded {
    /// The component (`kube-apiserver`, `kubelet`, …).
    pub component: &'static str,
    /// The arguments it is known to be started with.
    pub args: Vec<String>,
    /// How they were found, and what is not visible.
    pub via: String,
    /// The files k3s gives it from its own layout without showing them (see [`layout`]).
    pub layout: BTreeMap<String, String>,
}

/// The admin kubeconfig k3s writes for users unless `--write-kubeconfig` names another.
const WRITTEN_KUBECONFIG: &str = "/etc/rancher/k3s/k3s.yaml";

/// The files k3s passes `component` itself, under `data_dir` (its `cred/`, `tls/` and
/// `db/` folders: k3s's `pkg/daemons/control/deps` and agent config), keyed by the flag
/// they are given with; an admin kubeconfig, which no flag names, under
/// `admin-kubeconfig…`. The checks judge a file found there, and treat one that is not
/// there as unknown: the layout is k3s's, and a release may change it.
fn layout(component: &str, data_dir: &str, written: &str) -> BTreeMap<String, String> {
    let server = format!("{data_dir}/server");
    let agent = format!("{data_dir}/agent");
    let files: Vec<(&str, String)> = match component {
        "kube-apiserver" => vec![
            ("--client-ca-file", format!("{server}/tls/client-ca.crt")),
            (
                "--tls-private-key-file",
                format!("{server}/tls/serving-kube-apiserver.key"),
            ),
            (
                "--kubelet-client-key",
                format!("{server}/tls/client-kube-apiserver.key"),
            ),
            (
                "--proxy-client-key-file",
                format!("{server}/tls/client-auth-proxy.key"),
            ),
            (
                "--service-account-key-file",
                format!("{server}/tls/service.key"),
            ),
            (
                "admin-kubeconfig",
                format!("{server}/cred/admin.kubeconfig"),
            ),
            ("admin-kubeconfig-written", written.to_string()),
        ],
        "kube-scheduler" => vec![(
            "--kubeconfig",
            format!("{server}/cred/scheduler.kubeconfig"),
        )],
        "kube-controller-manager" => {
            vec![(
                "--kubeconfig",
                format!("{server}/cred/controller.kubeconfig"),
            )]
        }
        "etcd" => vec![("--data-dir", format!("{server}/db/etcd"))],
        "kubelet" => vec![
            ("--kubeconfig", format!("{agent}/kubelet.kubeconfig")),
            ("--client-ca-file", format!("{agent}/client-ca.crt")),
        ],
        "kube-proxy" => vec![("--kubeconfig", format!("{agent}/kubeproxy.kubeconfig"))],
        _ => Vec::new(),
    };
    files.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The components a `k3s server|agent` process (its arguments after the executable, and
/// the [`ENV`] variables of its environment) runs, with the arguments passed to each;
/// `root` is the node's filesystem, where the configuration file and the data directory
/// are.
pub fn components(
    root: &Path,
    args: &[String],
    env: &BTreeMap<String, String>,
    errors: &mut Vec<String>,
) -> Vec<Embedded> {
    let Some(mode) = args.first().map(String::as_str) else {
        return Vec::new();
    };
    if !matches!(mode, "server" | "agent") {
        return Vec::new();
    }
    let switches: BTreeSet<String> = SWITCHES.iter().map(|s| s.to_string()).collect();
    // The environment first: the configuration file and the command line come later and win
    // (k3s: "findConfigFileFlag" takes K3S_CONFIG_FILE over --config).
    let from_env: Vec<String> = ENV_OPTIONS
        .iter()
        .filter_map(|(var, option)| Some(format!("{option}={}", env.get(*var)?)))
        .collect();
    let command = long_names(parse_command(&args[1..], &switches).flags);
    let config = env
        .get("K3S_CONFIG_FILE")
        .filter(|v| !v.is_empty())
        .or_else(|| command.get("--config").and_then(|v| v.first()))
        .cloned()
        .unwrap_or_else(|| CONFIG.to_string());
    let (from_files, read, problem) = config_args(root, &config);
    if let Some(p) = &problem {
        errors.push(format!("k3s: {p}"));
    }
    // k3s inserts the file's options right after the subcommand: those given on the command
    // line come later and win.
    let all: Vec<String> = from_env
        .into_iter()
        .chain(from_files)
        .chain(args[1..].to_vec())
        .collect();
    let flags = long_names(parse_command(&all, &switches).flags);
    let on = |flag: &str| {
        flags
            .get(flag)
            .and_then(|v| v.last())
            .is_some_and(|v| parse_bool(v) != Some(false))
    };
    let given = |flag: &str| {
        flags
            .get(flag)
            .and_then(|v| v.last())
            .is_some_and(|v| !v.is_empty())
    };
    let server = mode == "server";
    let agent = !(server && on("--disable-agent"));
    // Embedded etcd runs on a server that starts a cluster (`--cluster-init`) or joins one
    // (`--server`) without an external datastore; the default datastore is SQLite.
    let data_dir = flags
        .get("--data-dir")
        .and_then(|v| v.last())
        .cloned()
        .unwrap_or_else(|| DATA_DIR.to_string());
    let data_dir = data_dir.trim_end_matches('/');
    let written = flags
        .get("--write-kubeconfig")
        .and_then(|v| v.last())
        .filter(|v| !v.is_empty())
        .map_or(WRITTEN_KUBECONFIG, String::as_str);
    // After its first start a server keeps running the etcd its data directory holds.
    let etcd_data = format!("{data_dir}/server/db/etcd");
    let etcd = server
        && !on("--disable-etcd")
        && !given("--datastore-endpoint")
        && (on("--cluster-init")
            || given("--server")
            || matches!(rooted::resolve(root, &etcd_data), Ok(Some(_))));
    let runs: [(&'static str, &str, bool); 6] = [
        (
            "kube-apiserver",
            "--kube-apiserver-arg",
            server && !on("--disable-apiserver"),
        ),
        (
            "kube-controller-manager",
            "--kube-controller-manager-arg",
            server && !on("--disable-controller-manager"),
        ),
        (
            "kube-scheduler",
            "--kube-scheduler-arg",
            server && !on("--disable-scheduler"),
        ),
        ("etcd", "--etcd-arg", etcd),
        ("kubelet", "--kubelet-arg", agent),
        (
            "kube-proxy",
            "--kube-proxy-arg",
            agent && !on("--disable-kube-proxy"),
        ),
    ];
    let where_ = if read.is_empty() {
        "on its command line".to_string()
    } else {
        format!("on its command line or in {}", read.join(", "))
    };
    let unread = problem
        .map(|p| format!(" ({p}: arguments given there are not visible)"))
        .unwrap_or_default();
    runs.into_iter()
        .filter(|(_, _, running)| *running)
        .map(|(component, pass, _)| {
            let mut args: Vec<String> = flags
                .get(pass)
                .into_iter()
                .flatten()
                .map(|v| format!("--{}", v.trim_start_matches('-')))
                .collect();
            let mut own = String::new();
            // Releases that keep the kubelet's configuration in drop-ins pass their
            // directory (`"config-dir": cfg.KubeletConfigDir`), before the user's arguments.
            let drop_ins = format!("{data_dir}/agent/etc/kubelet.conf.d");
            if component == "kubelet" && matches!(rooted::resolve(root, &drop_ins), Ok(Some(_))) {
                args.insert(0, format!("--config-dir={drop_ins}"));
                own = format!("; k3s passes --config-dir={drop_ins}");
            }
            Embedded {
                component,
                args,
                layout: layout(component, data_dir, written),
                via: format!(
                    "embedded in `k3s {mode}`: only arguments passed with {pass} {where_} are visible{own}; settings k3s makes itself are not{unread} (k3s logs the arguments it starts each component with: journalctl -u k3s | grep 'Running {component}')"
                ),
            }
        })
        .collect()
}

/// Flags under their long names (`-s` is `--server`), values in the order given.
fn long_names(flags: crate::checks::flag::Flags) -> crate::checks::flag::Flags {
    let mut out = crate::checks::flag::Flags::new();
    for (name, values) in flags {
        let long = ALIASES
            .iter()
            .find(|(short, _)| *short == name)
            .map_or(name.as_str(), |(_, long)| long);
        out.entry(long.to_string()).or_default().extend(values);
    }
    out
}

/// The options of k3s's configuration file `path` and its drop-ins (`path.d/*.yaml`, in
/// name order) that [`READ`] names, as command-line arguments; the files read; and why a
/// file that is there could not be read. A drop-in's `key+` appends to the value so far,
/// `key` replaces it (k3s's configfilearg).
fn config_args(root: &Path, path: &str) -> (Vec<String>, Vec<String>, Option<String>) {
    let mut files = vec![path.to_string()];
    let dir = format!("{path}.d");
    if let Ok(Some(r)) = rooted::resolve(root, &dir) {
        if let Ok(entries) = std::fs::read_dir(&r.host) {
            let mut names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| {
                    let n = n.to_ascii_lowercase();
                    n.ends_with(".yaml") || n.ends_with(".yml")
                })
                .collect();
            names.sort();
            files.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
        }
    }
    let mut values: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut read = Vec::new();
    let mut problem = None;
    for file in files {
        // A file that cannot be read ends the reading: what the files before it give stays.
        let text = match rooted::read_to_string(root, &file) {
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(e) => {
                problem = Some(format!("cannot read {file}: {e}"));
                break;
            }
        };
        let doc = match crate::yaml::parse_document_yaml11(&text) {
            Ok(n) => n.to_json(),
            Err(e) => {
                problem = Some(format!("cannot parse {file}: {e}"));
                break;
            }
        };
        read.push(file);
        let Some(map) = doc.as_object() else {
            continue;
        };
        for (key, v) in map {
            let (name, append) = match key.strip_suffix('+') {
                Some(n) => (n, true),
                None => (key.as_str(), false),
            };
            let Some(name) = READ.iter().find(|r| **r == name) else {
                continue;
            };
            let items: Vec<String> = match v {
                Value::Array(a) => a.iter().filter_map(scalar).collect(),
                other => scalar(other).into_iter().collect(),
            };
            let slot = values.entry(name).or_default();
            if !append {
                slot.clear();
            }
            slot.extend(items);
            if !order.contains(name) {
                order.push(name);
            }
        }
    }
    let args = order
        .iter()
        .flat_map(|name| {
            values[name]
                .iter()
                .map(move |v| format!("--{name}={v}"))
                .collect::<Vec<_>>()
        })
        .collect();
    (args, read, problem)
}

/// A configuration value as the command line would give it.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn find<'a>(c: &'a [Embedded], name: &str) -> Option<&'a Embedded> {
        c.iter().find(|e| e.component == name)
    }

    #[test]
    fn arguments_come_from_the_command_line_and_the_configuration_file() {
        let root = tempfile::tempdir().unwrap();
        let etc = root.path().join("etc/rancher/k3s");
        std::fs::create_dir_all(etc.join("config.yaml.d")).unwrap();
        std::fs::write(
            etc.join("config.yaml"),
            "token: K10-secret\nkube-apiserver-arg:\n  - anonymous-auth=true\n  - profiling=true\nkubelet-arg: make-iptables-util-chains=false\n",
        )
        .unwrap();
        std::fs::write(
            etc.join("config.yaml.d/10-more.yaml"),
            "kube-apiserver-arg+: [enable-admission-plugins=AlwaysAdmit]\n",
        )
        .unwrap();
        let mut errors = Vec::new();
        let c = components(
            root.path(),
            &strings(&["server", "--kube-apiserver-arg=profiling=false"]),
            &BTreeMap::new(),
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        let api = find(&c, "kube-apiserver").unwrap();
        // The command line's comes last, and wins.
        assert_eq!(
            api.args,
            strings(&[
                "--anonymous-auth=true",
                "--profiling=true",
                "--enable-admission-plugins=AlwaysAdmit",
                "--profiling=false"
            ])
        );
        assert!(
            api.via
                .contains("/etc/rancher/k3s/config.yaml.d/10-more.yaml"),
            "{}",
            api.via
        );
        assert_eq!(
            find(&c, "kubelet").unwrap().args,
            strings(&["--make-iptables-util-chains=false"])
        );
        // The default datastore is SQLite: no etcd.
        assert!(find(&c, "etcd").is_none());
        assert!(c.iter().all(|e| !e.args.concat().contains("K10-secret")));
    }

    #[test]
    fn disabled_components_and_the_datastore_decide_what_runs() {
        let root = tempfile::tempdir().unwrap();
        let mut errors = Vec::new();
        let names = |args: &[&str], errors: &mut Vec<String>| -> Vec<&'static str> {
            components(root.path(), &strings(args), &BTreeMap::new(), errors)
                .iter()
                .map(|e| e.component)
                .collect()
        };
        assert_eq!(
            names(
                &[
                    "server",
                    "--cluster-init",
                    "--disable-apiserver",
                    "--disable-controller-manager",
                    "--disable-scheduler",
                    "--disable-kube-proxy"
                ],
                &mut errors
            ),
            ["etcd", "kubelet"]
        );
        assert_eq!(
            names(
                &["server", "--disable-etcd", "--disable-agent"],
                &mut errors
            ),
            [
                "kube-apiserver",
                "kube-controller-manager",
                "kube-scheduler"
            ]
        );
        assert_eq!(
            names(
                &[
                    "server",
                    "--server",
                    "https://a:6443",
                    "--datastore-endpoint=postgres://x"
                ],
                &mut errors
            ),
            [
                "kube-apiserver",
                "kube-controller-manager",
                "kube-scheduler",
                "kubelet",
                "kube-proxy"
            ]
        );
        assert_eq!(
            names(&["agent", "--disable-kube-proxy=true"], &mut errors),
            ["kubelet"]
        );
        // Joining a cluster through K3S_URL or `-s`: embedded etcd runs.
        let env = BTreeMap::from([("K3S_URL".to_string(), "https://a:6443".to_string())]);
        assert!(
            components(root.path(), &strings(&["server"]), &env, &mut errors)
                .iter()
                .any(|e| e.component == "etcd")
        );
        assert!(names(&["server", "-s", "https://a:6443"], &mut errors).contains(&"etcd"));
        assert_eq!(
            names(&["server", "--server=https://a:6443"], &mut errors).len(),
            6
        );
        // An unparsable configuration file is reported, not guessed at.
        let etc = root.path().join("etc/rancher/k3s");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(etc.join("config.yaml"), "kube-apiserver-arg: [unclosed\n").unwrap();
        let c = components(
            root.path(),
            &strings(&["server"]),
            &BTreeMap::new(),
            &mut errors,
        );
        assert!(
            errors.iter().any(|e| e.contains("cannot parse")),
            "{errors:?}"
        );
        assert!(c[0].via.contains("not visible"), "{}", c[0].via);
    }
}
