//! MicroK8s: one `kubelite` process runs the API server, controller manager, scheduler,
//! kubelet and kube-proxy, each started with the arguments of its file under
//! `/var/snap/microk8s/current/args/` (named on kubelite's command line:
//! `--apiserver-args-file=…`). Those files are the components' whole command lines, so they
//! are read as such. The datastore is dqlite, not etcd.

use std::path::Path;

use crate::checks::flag::parse_flags;
use crate::collect::rooted;

/// kubelite's option naming each component's arguments file, the component, and the file
/// kubelite reads when the option is not given.
const ARGS_FILES: &[(&str, &str, &str)] = &[
    (
        "--apiserver-args-file",
        "kube-apiserver",
        "${SNAP_DATA}/args/kube-apiserver",
    ),
    (
        "--controller-manager-args-file",
        "kube-controller-manager",
        "${SNAP_DATA}/args/kube-controller-manager",
    ),
    (
        "--scheduler-args-file",
        "kube-scheduler",
        "${SNAP_DATA}/args/kube-scheduler",
    ),
    (
        "--kubelet-args-file",
        "kubelet",
        "${SNAP_DATA}/args/kubelet",
    ),
    (
        "--proxy-args-file",
        "kube-proxy",
        "${SNAP_DATA}/args/kube-proxy",
    ),
];

/// The control-plane components, left out with `--start-control-plane=false` (kubelite
/// starts them by default).
const CONTROL_PLANE: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
];

/// The snap's variables and where they point on the node (`${SNAP_DATA}` in the arguments
/// files); longer names first, so `$SNAP` is not taken for the start of `$SNAP_DATA`.
const SNAP_VARIABLES: &[(&str, &str)] = &[
    ("SNAP_COMMON", "/var/snap/microk8s/common"),
    ("SNAP_DATA", "/var/snap/microk8s/current"),
    ("SNAP", "/snap/microk8s/current"),
];

/// One component kubelite runs.
pub struct Embedded {
    /// The component.
    pub component: &'static str,
    /// Its arguments, from its file.
    pub args: Vec<String>,
    /// The arguments file, as the node names it.
    pub file: String,
    /// Why its arguments are not known, when the file could not be read.
    pub unread: Option<String>,
}

/// The components a `kubelite` process (its arguments after the executable) runs; `root`
/// is the node's filesystem.
pub fn components(root: &Path, args: &[String]) -> Vec<Embedded> {
    let flags = parse_flags(args);
    let last = |f: &str| flags.get(f).and_then(|v| v.last()).cloned();
    let control_plane = last("--start-control-plane")
        .is_none_or(|v| crate::checks::condition::parse_bool(&v) != Some(false));
    ARGS_FILES
        .iter()
        .filter(|(_, c, _)| control_plane || !CONTROL_PLANE.contains(c))
        .map(|(option, component, default)| {
            let file = expand(&last(option).unwrap_or_else(|| default.to_string()));
            let (args, unread) = match rooted::read_to_string(root, &file) {
                Ok(Some(text)) => (arguments(&text), None),
                Ok(None) => (Vec::new(), Some(format!("{file} does not exist"))),
                Err(e) => (Vec::new(), Some(format!("cannot read {file}: {e}"))),
            };
            Embedded {
                component,
                args,
                file,
                unread,
            }
        })
        .collect()
}

/// The snap's variables replaced by the paths they stand for on the node.
fn expand(text: &str) -> String {
    SNAP_VARIABLES
        .iter()
        .fold(text.to_string(), |t, (name, path)| {
            t.replace(&format!("${{{name}}}"), path)
                .replace(&format!("${name}"), path)
        })
}

/// The arguments of an arguments file: one or more per line, `#` comments and blank lines
/// skipped, quote characters removed (the snap's launcher reads the file through a shell).
fn arguments(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .flat_map(|l| {
            l.split_whitespace()
                .map(|w| expand(w).replace(['"', '\''], ""))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_component_is_started_with_its_arguments_file() {
        let root = tempfile::tempdir().unwrap();
        let args = root.path().join("var/snap/microk8s/current/args");
        std::fs::create_dir_all(&args).unwrap();
        std::fs::write(
            args.join("kube-apiserver"),
            "# comment\n--anonymous-auth=true\n--client-ca-file=${SNAP_DATA}/certs/ca.crt\n\n--profiling \"false\"\n",
        )
        .unwrap();
        std::fs::write(args.join("kubelet"), "--read-only-port=10255\n").unwrap();
        let argv: Vec<String> = [
            "--apiserver-args-file=${SNAP_DATA}/args/kube-apiserver",
            "--kubelet-args-file=/var/snap/microk8s/current/args/kubelet",
            "--scheduler-args-file=/var/snap/microk8s/current/args/kube-scheduler",
            "--start-control-plane=true",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let c = components(root.path(), &argv);
        let api = c.iter().find(|e| e.component == "kube-apiserver").unwrap();
        assert_eq!(
            api.args,
            [
                "--anonymous-auth=true",
                "--client-ca-file=/var/snap/microk8s/current/certs/ca.crt",
                "--profiling",
                "false"
            ]
        );
        assert_eq!(api.file, "/var/snap/microk8s/current/args/kube-apiserver");
        let scheduler = c.iter().find(|e| e.component == "kube-scheduler").unwrap();
        assert!(scheduler
            .unread
            .as_deref()
            .unwrap()
            .contains("does not exist"));
        // A worker: no control plane; the files not named are kubelite's defaults.
        let worker: Vec<String> = vec![
            "--kubelet-args-file=/var/snap/microk8s/current/args/kubelet".into(),
            "--start-control-plane=false".into(),
        ];
        let c = components(root.path(), &worker);
        assert_eq!(
            c.iter().map(|e| e.component).collect::<Vec<_>>(),
            ["kubelet", "kube-proxy"]
        );
        assert_eq!(c[1].file, "/var/snap/microk8s/current/args/kube-proxy");
        assert_eq!(
            expand("$SNAP_COMMON/x ${SNAP}/y"),
            "/var/snap/microk8s/common/x /snap/microk8s/current/y"
        );
    }
}
