//! Node scanning end to end: fixture roots (tests/fixtures/nodes/) collected with
//! `kubeattest node`, evaluated with `scan --node-facts`; plus real processes read from the
//! real /proc.
//!
//! Git keeps neither file modes nor owners, so [`materialize`] copies a root to a temp dir
//! and applies `<root>.modes` (`path mode uid:gid`). Tests run as root (chown).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use kubeattest::catalog;
use kubeattest::collect::node::{self, Options};
use kubeattest::evaluate::{self, RunInfo};
use kubeattest::inventory::{Inventory, SourceKind, Target};
use kubeattest::node_facts::{NodeFacts, ValueSource};
use kubeattest::results::{Report, Status};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nodes")
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        std::os::unix::fs::chown(&to, Some(0), Some(0)).unwrap();
    }
}

/// A copy of a fixture root with the modes and owners of `<name>.modes` applied.
fn materialize(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join(name), tmp.path());
    let modes = std::fs::read_to_string(fixtures().join(format!("{name}.modes"))).unwrap();
    for line in modes
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [path, mode, owner] = parts[..] else {
            panic!("bad modes line: {line}");
        };
        let target = tmp.path().join(path.trim_start_matches('/'));
        let mode = u32::from_str_radix(mode, 8).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode)).unwrap();
        let (u, g) = owner.split_once(':').unwrap();
        std::os::unix::fs::chown(&target, Some(u.parse().unwrap()), Some(g.parse().unwrap()))
            .unwrap();
    }
    tmp
}

fn collect(root: &Path) -> NodeFacts {
    node::collect(&Options {
        root: root.to_path_buf(),
        proc_dir: root.join("proc"),
        node_name: None,
        components: catalog::embedded_components().unwrap(),
    })
}

fn evaluate(facts: Vec<NodeFacts>) -> Report {
    evaluate_with(facts, RunInfo::default())
}

/// The CIS 1.12 report on node facts alone, for a run described by `run`.
fn evaluate_with(facts: Vec<NodeFacts>, run: RunInfo) -> Report {
    evaluate_framework(facts, run, "cis-1.12")
}

/// The report of `framework` on node facts alone.
fn evaluate_framework(facts: Vec<NodeFacts>, run: RunInfo, framework: &str) -> Report {
    let catalog = catalog::load(None).unwrap();
    let mut inv = Inventory::new(
        Target {
            name: "nodes".into(),
            source: Some(SourceKind::Nodes),
            ..Target::default()
        },
        true,
    );
    inv.node_facts = facts;
    let fw = catalog.framework(framework).unwrap();
    evaluate::evaluate(&catalog, &inv, &[fw], run)
}

fn item_status(report: &Value, id: &str) -> String {
    report["frameworks"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .map(|i| i["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no item {id}"))
}

/// What an item's checks decided: its status, except for an item the benchmark leaves to a
/// person (`automated: false`), which is `manual` unless a check fails, and whose message
/// then gives the checks' verdict as evidence (`… as evidence: pass: …`).
fn checks_decided(report: &Value, id: &str) -> String {
    let item = report["frameworks"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"));
    let status = item["status"].as_str().unwrap();
    let message = item["message"].as_str().unwrap_or("");
    match message.split_once("as evidence: ") {
        Some((_, rest)) if status == "manual" && item["automated"] == false => {
            rest.split(':').next().unwrap().to_string()
        }
        _ => status.to_string(),
    }
}

/// Runs `kubeattest node` then `scan --node-facts` like a user would; returns report.json.
fn cli_scan(root: &Path) -> Value {
    let bin = env!("CARGO_BIN_EXE_kubeattest");
    let work = tempfile::tempdir().unwrap();
    let facts = work.path().join("facts/node.json");
    let st = Command::new(bin)
        .args(["node", "--root"])
        .arg(root)
        .arg("--out")
        .arg(&facts)
        .status()
        .unwrap();
    assert!(st.success());
    let out = work.path().join("report");
    let st = Command::new(bin)
        .args(["scan", "-q", "--framework", "cis-1.12", "--format", "json"])
        .arg("--node-facts")
        .arg(facts.parent().unwrap())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    // Read into the model and written out whole: the file names subjects by index.
    let report = kubeattest::render::json::parse(&std::fs::read(out.join("report.json")).unwrap());
    serde_json::to_value(report.unwrap()).unwrap()
}

const EXPECTED_FAILS: &[&str] = &[
    "1.1.1", "1.1.3", "1.1.5", "1.1.7", "1.1.9", "1.1.11", "1.1.12", "1.1.13", "1.1.14", "1.1.15",
    "1.1.17", "1.1.21", "1.2.1", "1.2.15", "1.2.16", "4.1.1", "4.1.5", "4.1.9", "4.2.1", "4.2.2",
    "4.2.4",
];

#[test]
fn bad_control_plane_fails_expected_items_with_evidence() {
    let root = materialize("kubeadm-cp-bad");
    let report = cli_scan(root.path());
    for id in EXPECTED_FAILS {
        assert_eq!(item_status(&report, id), "fail", "item {id}");
    }
    // Ownership that is right stays right.
    for id in ["1.1.2", "1.1.19", "1.2.6", "1.2.8"] {
        assert_eq!(item_status(&report, id), "pass", "item {id}");
    }
    let findings = report["findings"].as_array().unwrap();
    let anon = findings
        .iter()
        .find(|f| f["check"] == "kubelet-anonymous-auth-enabled" && f["status"] == "fail")
        .unwrap();
    let obs = &anon["observations"][0];
    assert_eq!(anon["subject"]["node"], "kubeadm-cp-bad");
    assert!(obs["source"]
        .as_str()
        .unwrap()
        .contains("command-line flag --anonymous-auth"));
    assert!(obs["note"]
        .as_str()
        .unwrap()
        .contains("overrides authentication.anonymous.enabled=false from config file /var/lib/kubelet/config.yaml"));
    let mode = findings
        .iter()
        .find(|f| f["check"] == "apiserver-manifest-permissive")
        .unwrap();
    assert_eq!(mode["observations"][0]["observed"], "0644");
    assert!(mode["observations"][0]["source"]
        .as_str()
        .unwrap()
        .contains("/etc/kubernetes/manifests/kube-apiserver.yaml"));
    let profiling = findings
        .iter()
        .find(|f| f["check"] == "apiserver-profiling-enabled")
        .unwrap();
    assert!(profiling["observations"][0]["source"]
        .as_str()
        .unwrap()
        .contains("process kube-apiserver pid 200"));
}

#[test]
fn good_control_plane_passes_the_same_items() {
    let root = materialize("kubeadm-cp-good");
    let report = cli_scan(root.path());
    for id in EXPECTED_FAILS
        .iter()
        .chain(&["1.1.2", "1.1.19", "1.1.20", "4.2.3", "4.2.6"])
    {
        assert_eq!(checks_decided(&report, id), "pass", "item {id}");
    }
    // Items the benchmark leaves to a person are manual even when their checks pass.
    for id in ["1.1.9", "1.1.20", "1.1.21", "1.2.1", "4.2.4"] {
        assert_eq!(item_status(&report, id), "manual", "item {id}");
    }
    // No kube-proxy on this node: not applicable, never pass.
    assert_eq!(item_status(&report, "4.3.1"), "not_applicable");
}

#[test]
fn exact_basename_ignores_decoys_and_names_come_from_the_root() {
    let root = materialize("kubeadm-cp-good");
    let facts = collect(root.path());
    assert_eq!(facts.node, "kubeadm-cp-good");
    assert_eq!(facts.roles, vec!["control-plane"]);
    let pids: Vec<Option<u32>> = facts
        .components
        .iter()
        .filter(|c| c.component == "kube-apiserver")
        .map(|c| c.pid)
        .collect();
    // pid 200 is kube-apiserver; 300 (`sh -c kube-apiserver`) and 301 (kube-apiserver-proxy) are not.
    assert_eq!(pids, vec![Some(200), None]);
    let etcd_dir = facts
        .files
        .iter()
        .find(|f| f.role == "etcd-data-dir")
        .unwrap();
    assert_eq!(etcd_dir.owner.as_deref(), Some("etcd"));
    assert_eq!(etcd_dir.uid, Some(990));
    assert!(etcd_dir.from.contains("etcd --data-dir"));
}

#[test]
fn kubelet_config_at_a_non_default_path_is_read_from_there() {
    let root = materialize("kubelet-custom-config");
    let facts = collect(root.path());
    let k = facts.kubelet.as_ref().unwrap();
    assert_eq!(
        k.config_file.as_deref(),
        Some("/etc/kubelet/custom-config.yaml")
    );
    assert_eq!(k.drop_ins, vec!["/etc/kubelet/config.d/10-seccomp.conf"]);
    // The decoy /var/lib/kubelet/config.yaml (anonymous on) is never read.
    let anon = &k.values["authentication.anonymous.enabled"];
    assert_eq!(anon.value, Value::Bool(false));
    assert_eq!(
        anon.source,
        ValueSource::ConfigFile {
            path: "/etc/kubelet/custom-config.yaml".into()
        }
    );
    // Drop-in over file, flag over file.
    let seccomp = &k.values["seccompDefault"];
    assert_eq!(seccomp.value, Value::Bool(true));
    assert!(matches!(seccomp.source, ValueSource::DropIn { .. }));
    assert_eq!(seccomp.overrides[0].value, Value::Bool(false));
    let port = &k.values["readOnlyPort"];
    assert_eq!(port.value, Value::from(10255));
    assert!(matches!(port.source, ValueSource::Flag { .. }));
    let cfg = facts
        .files
        .iter()
        .find(|f| f.role == "kubelet-config")
        .unwrap();
    assert_eq!(cfg.path, "/etc/kubelet/custom-config.yaml");
    assert_eq!(cfg.mode.as_deref(), Some("0600"));
    // Its drop-in and their directory are judged with it (CIS 4.1.9/4.1.10); the README
    // beside them is not read by the kubelet.
    let roles: Vec<(&str, &str)> = facts
        .files
        .iter()
        .filter(|f| f.role.starts_with("kubelet-config-"))
        .map(|f| (f.role.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("kubelet-config-dir", "/etc/kubelet/config.d"),
            (
                "kubelet-config-drop-in",
                "/etc/kubelet/config.d/10-seccomp.conf"
            ),
        ]
    );

    let report = evaluate(vec![facts]);
    let status = |check: &str| {
        report
            .checks
            .iter()
            .find(|c| c.id == check)
            .map(|c| c.status)
            .unwrap()
    };
    assert_eq!(status("kubelet-anonymous-auth-enabled"), Status::Pass);
    assert_eq!(status("kubelet-seccomp-default-disabled"), Status::Pass);
    assert_eq!(status("kubelet-read-only-port-open"), Status::Fail);
    assert_eq!(status("kubelet-config-file-permissive"), Status::Pass);
}

#[test]
fn kubelet_configured_by_flags_only_uses_flag_defaults() {
    let root = materialize("kubelet-flags-only");
    let facts = collect(root.path());
    let k = facts.kubelet.as_ref().unwrap();
    assert_eq!(k.config_file, None);
    assert!(!facts.files.iter().any(|f| f.role == "kubelet-config"));
    assert_eq!(facts.roles, vec!["worker"]);
    let report = evaluate(vec![facts]);
    let check = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().clone();
    assert_eq!(check("kubelet-anonymous-auth-enabled").status, Status::Pass);
    assert_eq!(check("kubelet-read-only-port-open").status, Status::Pass);
    // No config file in use: 4.1.9 has nothing to judge on this node.
    assert_eq!(
        check("kubelet-config-file-permissive").status,
        Status::NotApplicable
    );
    // seccompDefault is unset: the flag default (false) applies, and the evidence says so.
    let f = report
        .findings
        .iter()
        .find(|f| f.check == "kubelet-seccomp-default-disabled")
        .unwrap();
    assert_eq!(f.status, Status::Fail);
    assert!(f.observations[0]
        .note
        .as_deref()
        .unwrap()
        .contains("runs without --config"));
    // Control-plane items are not applicable on a worker, never pass.
    assert_eq!(
        check("apiserver-manifest-permissive").status,
        Status::NotApplicable
    );
    assert_eq!(
        check("apiserver-profiling-enabled").status,
        Status::NotApplicable
    );
}

#[test]
fn nodes_of_the_same_role_that_differ_are_flagged_inconsistent() {
    let a = materialize("worker");
    let b = materialize("worker");
    std::fs::set_permissions(
        b.path().join("etc/kubernetes/kubelet.conf"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let mut fa = collect(a.path());
    fa.node = "worker-a".into();
    let mut fb = collect(b.path());
    fb.node = "worker-b".into();
    let report = evaluate(vec![fa, fb]);
    let per_node: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.check == "kubelet-kubeconfig-permissive")
        .collect();
    assert!(per_node
        .iter()
        .any(|f| f.subject.node.as_deref() == Some("worker-b") && f.status == Status::Fail));
    let inconsistent = per_node
        .iter()
        .find(|f| &*f.subject.kind == "Inconsistent")
        .expect("an inconsistency finding");
    assert!(inconsistent.message.contains("worker-a pass"));
    assert!(inconsistent.message.contains("worker-b fail"));
}

#[test]
fn collection_on_a_fixture_root_is_fast() {
    let root = materialize("kubeadm-cp-good");
    let start = Instant::now();
    let facts = collect(root.path());
    let took = start.elapsed();
    assert!(!facts.files.is_empty());
    eprintln!("node collection on kubeadm-cp-good took {took:?}");
    assert!(took.as_secs_f64() < 0.5, "took {took:?}");
}

/// Statuses of the items about settings that components' configuration files take over.
fn config_file_items(report: &Value) -> Vec<(&'static str, String)> {
    [
        "1.2.1", "1.2.6", "1.2.7", "1.2.8", "1.2.28", "1.4.1", "2.1", "2.2", "2.3", "2.4", "2.5",
        "2.6", "2.7", "3.2.2", "4.3.1",
    ]
    .into_iter()
    .map(|id| (id, checks_decided(report, id)))
    .collect()
}

fn with(items: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    items.iter().map(|(i, s)| (*i, s.to_string())).collect()
}

/// Settings a configuration file takes over are read from that file on the node (kube-apiserver
/// `--authorization-config` and `--authentication-config`, etcd `--config-file`, kube-scheduler
/// `--config` through its static pod's hostPath volume), as the components' references say; a
/// file that is not there stays `manual`, one that is not the kind expected is an `error`.
#[test]
fn configuration_files_named_on_the_command_line_are_read_on_the_node() {
    let root = materialize("config-files");
    let facts = collect(root.path());
    // Only the settings the catalog reads are recorded: the authentication file's issuer
    // and audience, the encryption keys' names and material and the KMS endpoint (canaries)
    // never enter the facts.
    let text = serde_json::to_string(&facts).unwrap();
    assert!(!text.contains("canary"), "{text}");
    let apiserver = facts.component("kube-apiserver").unwrap().unwrap();
    let encryption = apiserver
        .config_files
        .iter()
        .find(|f| f.flag == "--encryption-provider-config")
        .unwrap();
    assert_eq!(
        encryption.values["resources[].providers[].@keys"],
        serde_json::json!([
            [["identity"]],
            [["aescbc"], ["kms"], ["identity"]],
            [["secretbox"]]
        ])
    );
    // What the API server checks of the providers, without a key or the endpoint: each key's
    // decoded length, the KMS provider's apiVersion and endpoint scheme.
    assert_eq!(
        encryption.values["resources[].providers[].@provider"],
        serde_json::json!([
            [{"identity": {}}],
            [
                {"aescbc": {"keys": [{"named": true, "secret": 32}]}},
                {"kms": {"apiVersion": "v2", "cachesize": null, "endpoint": {"scheme": "unix"}}},
                {"identity": {}}
            ],
            [{"secretbox": {"keys": [{"named": true, "secret": 32}]}}]
        ])
    );
    // Of the admission configuration, only the PodSecurity entry's defaults and exemptions
    // (the image policy webhook's settings, with a canary path, are not read).
    let admission = apiserver
        .config_files
        .iter()
        .find(|f| f.flag == "--admission-control-config-file")
        .unwrap();
    let podsecurity = |key: &str| &admission.values[&format!("plugins[name=PodSecurity].{key}")];
    assert_eq!(
        podsecurity("configuration.defaults")["enforce"],
        serde_json::json!("baseline")
    );
    assert_eq!(
        podsecurity("configuration.exemptions.namespaces"),
        &serde_json::json!(["kube-system"])
    );
    assert_eq!(
        podsecurity("configuration.exemptions.runtimeClasses"),
        &serde_json::json!(["kata-unchecked"])
    );
    assert_eq!(podsecurity("path"), &Value::Null);
    assert_eq!(
        podsecurity("configuration.kind"),
        &serde_json::json!("PodSecurityConfiguration")
    );
    let scheduler = facts.component("kube-scheduler").unwrap().unwrap();
    let file = &scheduler.config_files[0];
    assert_eq!(file.path, "/etc/kubernetes/scheduler-config.yaml");
    assert_eq!(
        file.read_from.as_deref(),
        Some("/etc/kubernetes/custom/scheduler.yaml")
    );
    assert_eq!(file.values["enableProfiling"], Value::Bool(false));
    // etcd ignores its flags once given a file: the data directory is the file's.
    let data_dir = facts.files_with_role("etcd-data-dir").next().unwrap();
    assert_eq!(data_dir.path, "/var/lib/etcd-data");
    assert!(data_dir.from.contains("--config-file"), "{}", data_dir.from);

    let report = cli_scan(root.path());
    assert!(!report.to_string().contains("canary"));
    // etcd's --client-cert-auth=false on the command line is ignored; its file enables
    // peer auto-TLS. kube-proxy's file (inside its container) is not on the node.
    let expected = with(&[
        ("1.2.1", "pass"),
        ("1.2.6", "pass"),
        ("1.2.7", "pass"),
        ("1.2.8", "pass"),
        ("1.2.28", "pass"),
        ("1.4.1", "pass"),
        ("2.1", "pass"),
        ("2.2", "pass"),
        ("2.3", "pass"),
        ("2.4", "pass"),
        ("2.5", "pass"),
        ("2.6", "fail"),
        ("2.7", "pass"),
        ("3.2.2", "pass"),
        ("4.3.1", "manual"),
    ]);
    assert_eq!(config_file_items(&report), expected);
    let auto_tls = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "etcd-peer-auto-tls-enabled")
        .unwrap();
    let obs = &auto_tls["observations"][0];
    assert_eq!(obs["path"], "peer-transport-security.auto-tls");
    assert!(obs["source"]
        .as_str()
        .unwrap()
        .contains("file /etc/etcd/etcd.conf.yml, given by --config-file"));
    assert!(auto_tls["message"]
        .as_str()
        .unwrap()
        .contains("read from --config-file=/etc/etcd/etcd.conf.yml"));

    // The same files, saying the opposite.
    let write = |path: &str, text: &str| std::fs::write(root.path().join(path), text).unwrap();
    write(
        "etc/kubernetes/authz.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n  - {type: AlwaysAllow, name: all}\n",
    );
    // Without an `anonymous` section, the flag's default (enabled) applies.
    write(
        "etc/kubernetes/authn.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\n",
    );
    // enableProfiling defaults to true.
    write(
        "etc/kubernetes/custom/scheduler.yaml",
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n",
    );
    write(
        "etc/etcd/etcd.conf.yml",
        "data-dir: /var/lib/etcd-data\nclient-transport-security:\n  auto-tls: true\n",
    );
    // Every request with its payload, secrets included.
    write(
        "etc/kubernetes/audit/policy.yaml",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n",
    );
    // Secrets in an entry before the wildcard, identity first: written in clear text.
    write(
        "etc/kubernetes/enc/encryption.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - identity: {}\n      - aescbc: {keys: [{name: k, secret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=}]}\n  - resources: ['*.*']\n    providers:\n      - aescbc: {keys: [{name: k, secret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=}]}\n",
    );
    let report = cli_scan(root.path());
    let expected = with(&[
        ("1.2.1", "fail"),
        ("1.2.6", "fail"),
        ("1.2.7", "fail"),
        ("1.2.8", "fail"),
        ("1.2.28", "fail"),
        ("1.4.1", "fail"),
        ("2.1", "fail"),
        ("2.2", "fail"),
        ("2.3", "fail"),
        ("2.4", "fail"),
        ("2.5", "fail"),
        ("2.6", "pass"),
        ("2.7", "fail"),
        ("3.2.2", "fail"),
        ("4.3.1", "manual"),
    ]);
    assert_eq!(config_file_items(&report), expected);

    // A file that is not what the flag names is an error; one that is gone, manual.
    write(
        "etc/kubernetes/authz.yaml",
        "kind: KubeSchedulerConfiguration\n",
    );
    std::fs::remove_file(root.path().join("etc/kubernetes/custom/scheduler.yaml")).unwrap();
    std::fs::remove_file(root.path().join("etc/kubernetes/enc/encryption.yaml")).unwrap();
    std::fs::remove_file(root.path().join("etc/kubernetes/audit/policy.yaml")).unwrap();
    let report = cli_scan(root.path());
    assert_eq!(item_status(&report, "1.2.6"), "error");
    assert_eq!(item_status(&report, "1.4.1"), "manual");
    assert_eq!(item_status(&report, "1.2.28"), "manual");
    assert_eq!(item_status(&report, "3.2.2"), "manual");
    let profiling = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "scheduler-profiling-enabled")
        .unwrap();
    assert!(profiling["message"]
        .as_str()
        .unwrap()
        .contains("/etc/kubernetes/custom/scheduler.yaml, where /etc/kubernetes/scheduler-config.yaml is on the node, does not exist"),
        "{}",
        profiling["message"]
    );
}

/// A real process's configuration file is read through the process's own root
/// (`/proc/<pid>/root`), as a file inside a container must be.
#[test]
fn a_real_process_file_is_read_through_its_own_root() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("scheduler.yaml");
    std::fs::write(
        &config,
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nenableProfiling: false\n",
    )
    .unwrap();
    let exe = dir.path().join("kube-scheduler");
    std::fs::copy("/bin/bash", &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let scheduler = spawn_copied(
        Command::new(&exe)
            .args(["-c", "read -t 60", "kube-scheduler"])
            .arg(format!("--config={}", config.display()))
            .stdin(Stdio::piped()),
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    let facts = node::collect(&Options {
        root: PathBuf::from("/"),
        proc_dir: PathBuf::from("/proc"),
        node_name: Some("this-host".into()),
        components: catalog::embedded_components().unwrap(),
    });
    let pid = scheduler.0.id();
    let fact = facts
        .components
        .iter()
        .find(|c| c.pid == Some(pid))
        .expect("kube-scheduler found");
    let file = &fact.config_files[0];
    assert_eq!(
        file.read_from.as_deref(),
        Some(format!("/proc/{pid}/root{}", config.display()).as_str())
    );
    assert_eq!(file.values["enableProfiling"], Value::Bool(false));
}

/// Kills the child on drop, so a failing assertion does not leave processes behind.
struct Child(std::process::Child);

/// Spawns an executable this test process has just written. Another test's fork may still
/// hold the file open for writing (the descriptor closes only at that child's exec), so
/// the kernel refuses to run it for a moment ("Text file busy"): try again then.
fn spawn_copied(command: &mut Command) -> Child {
    for _ in 0..100 {
        match command.spawn() {
            Ok(child) => return Child(child),
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("spawn: {e}"),
        }
    }
    panic!("spawn: the executable stayed busy");
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn real_processes_are_found_in_the_real_proc_by_exact_basename() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &str, name: &str| {
        let to = dir.path().join(name);
        std::fs::copy(from, &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
        to
    };
    let apiserver = spawn_copied(Command::new(copy("/bin/sleep", "kube-apiserver")).arg("60"));
    let decoy = spawn_copied(Command::new(copy("/bin/sleep", "kube-apiserver-proxy")).arg("60"));
    // bash ignores the arguments after `-c CMD NAME`, so the kubelet "runs" with real flags;
    // `read` waits on the open pipe without forking.
    let kubelet = spawn_copied(
        Command::new(copy("/bin/bash", "kubelet"))
            .args([
                "-c",
                "read -t 60",
                "kubelet",
                "--anonymous-auth=false",
                "--config=/nonexistent/kubelet.yaml",
            ])
            .stdin(Stdio::piped()),
    );
    // Give the kernel a moment to publish the cmdlines.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut errors = Vec::new();
    let found = node::processes(Path::new("/"), Path::new("/proc"), &mut errors);
    let by_pid = |pid: u32| found.iter().find(|c| c.pid == Some(pid));
    let a = by_pid(apiserver.0.id()).expect("kube-apiserver found");
    assert_eq!(a.component, "kube-apiserver");
    assert_eq!(a.args, vec!["60"]);
    assert!(
        by_pid(decoy.0.id()).is_none(),
        "kube-apiserver-proxy must not match"
    );
    let k = by_pid(kubelet.0.id()).expect("kubelet found");
    assert_eq!(k.component, "kubelet");
    assert!(k.args.contains(&"--anonymous-auth=false".to_string()));

    // The kubelet's --config does not exist: the configuration is incomplete, and unset keys
    // are errors, not defaults.
    let facts = node::collect(&Options {
        root: PathBuf::from("/"),
        proc_dir: PathBuf::from("/proc"),
        node_name: Some("this-host".into()),
        components: catalog::embedded_components().unwrap(),
    });
    // Other test runs on this machine may run a "kubelet" too: then none is taken for the
    // node's, and the facts say which processes ran.
    match facts.kubelet.as_ref() {
        Some(kf) => {
            assert!(kf
                .command_line
                .contains(&format!("pid {} ", kubelet.0.id())));
            assert!(!kf.errors.is_empty());
            assert_eq!(kf.config_file.as_deref(), Some("/nonexistent/kubelet.yaml"));
        }
        None => assert!(
            facts
                .errors
                .iter()
                .any(|e| e.contains("kubelet processes run")
                    && e.contains(&kubelet.0.id().to_string())),
            "{:?}",
            facts.errors
        ),
    }
}

#[test]
fn a_root_that_is_not_a_directory_is_a_usage_error() {
    let st = Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .args(["node", "--root", "/nonexistent/kubeattest-root"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(2));
}

#[test]
fn agent_logs_keep_the_latest_facts_per_node() {
    let root = materialize("worker");
    let mut old = collect(root.path());
    old.collected_at = "2026-01-01T00:00:00Z".into();
    let new = collect(root.path());
    let mut other = collect(root.path());
    other.node = "worker-2".into();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("agents.log");
    let lines: Vec<String> = [&old, &other, &new]
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .chain(["not json: a log line from the runtime".to_string()])
        .collect();
    std::fs::write(&log, lines.join("\n")).unwrap();
    let (facts, coverage) = node::read_facts(&[log]);
    assert_eq!(facts.len(), 2);
    assert_eq!(facts[0].node, "worker");
    assert_eq!(facts[0].collected_at, new.collected_at);
    assert_eq!(coverage[0].status, "ok");
    assert_eq!(coverage[0].items, 3);
}

/// Two facts files for one node: the newer collection is judged whatever the reading order
/// (a stale pass hid a current failure), and the one set aside is said so in coverage.
#[test]
fn the_newest_facts_of_a_node_win_across_files_and_the_older_are_reported() {
    let root = materialize("worker");
    let new = collect(root.path());
    let mut old = new.clone();
    old.collected_at = "2025-01-01T00:00:00Z".into();
    let dir = tempfile::tempdir().unwrap();
    // The older file comes last in reading order.
    let (a, b) = (dir.path().join("a-new.json"), dir.path().join("b-old.json"));
    std::fs::write(&a, serde_json::to_string(&new).unwrap()).unwrap();
    std::fs::write(&b, serde_json::to_string(&old).unwrap()).unwrap();
    for paths in [vec![dir.path().to_path_buf()], vec![b.clone(), a.clone()]] {
        let (facts, coverage) = node::read_facts(&paths);
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].collected_at, new.collected_at);
        let warned: Vec<_> = coverage.iter().filter(|c| c.status == "warning").collect();
        assert_eq!(warned.len(), 1, "{coverage:?}");
        assert!(warned[0].source.contains("b-old.json"), "{warned:?}");
        assert!(
            warned[0]
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("set aside"),
            "{warned:?}"
        );
    }
}

/// File facts are judged from what was observed: a present file whose facts have no mode or
/// owner (edited by hand, damaged) is an error, not a failing "mode is null"; an owner the
/// node's /etc/passwd calls root but whose id is not 0 is not root.
#[test]
fn file_facts_without_a_mode_or_with_a_false_root_are_not_judged_as_root_owned() {
    let root = materialize("worker");
    let good = collect(root.path());
    let report = serde_json::to_value(evaluate(vec![good.clone()])).unwrap();
    assert_eq!(item_status(&report, "4.1.9"), "pass");
    assert_eq!(item_status(&report, "4.1.10"), "pass");

    let mut damaged = good.clone();
    let i = damaged
        .files
        .iter()
        .position(|f| f.role == "kubelet-config")
        .unwrap();
    damaged.files[i].mode = None;
    damaged.files[i].owner = None;
    damaged.files[i].group = None;
    damaged.files[i].uid = None;
    damaged.files[i].gid = None;
    let report = serde_json::to_value(evaluate(vec![damaged.clone()])).unwrap();
    assert_eq!(item_status(&report, "4.1.9"), "error");
    assert_eq!(item_status(&report, "4.1.10"), "error");
    damaged.files[i].mode = Some("100600".into());
    let report = serde_json::to_value(evaluate(vec![damaged])).unwrap();
    assert_eq!(item_status(&report, "4.1.9"), "error");

    let mut renamed = good;
    renamed.files[i].owner = Some("root".into());
    renamed.files[i].group = Some("root".into());
    renamed.files[i].uid = Some(1001);
    renamed.files[i].gid = Some(1001);
    let report = serde_json::to_value(evaluate(vec![renamed])).unwrap();
    assert_eq!(item_status(&report, "4.1.10"), "fail");
}

#[test]
fn k3s_embedded_components_show_only_passed_arguments_and_never_guess() {
    let root = tempfile::tempdir().unwrap();
    let pid_dir = root.path().join("proc/42");
    std::fs::create_dir_all(&pid_dir).unwrap();
    let argv = [
        "/usr/local/bin/k3s",
        "server",
        "--token=K10-secret-token",
        "--kube-apiserver-arg=profiling=false",
        "--kube-apiserver-arg",
        "audit-log-path=/var/log/audit.log",
    ];
    std::fs::write(pid_dir.join("cmdline"), argv.join("\0") + "\0").unwrap();
    let facts = collect(root.path());
    let api = facts
        .component("kube-apiserver")
        .unwrap()
        .expect("embedded apiserver");
    assert_eq!(
        api.args,
        vec!["--profiling=false", "--audit-log-path=/var/log/audit.log"]
    );
    assert!(api.via.as_deref().unwrap().contains("k3s server"));
    let text = serde_json::to_string(&facts).unwrap();
    assert!(
        !text.contains("K10-secret-token"),
        "k3s's own token never enters the facts"
    );
    let report = evaluate(vec![facts]);
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(status("apiserver-profiling-enabled"), Status::Pass);
    assert_eq!(status("apiserver-audit-log-path-missing"), Status::Pass);
    // Not passed through: k3s may set it itself, so the verdict is error, not fail or pass,
    // whether the upstream default would fail (anonymous auth) or pass (admission plugins).
    assert_eq!(status("apiserver-anonymous-auth-enabled"), Status::Error);
    assert_eq!(status("apiserver-always-admit-enabled"), Status::Error);
    // SQLite, k3s's default datastore: no etcd runs.
    assert_eq!(status("etcd-auto-tls-enabled"), Status::NotApplicable);

    // Arguments in k3s's configuration file are read as k3s reads them (the command line's
    // come after them and win); the file's other settings (the token) never enter the facts.
    let etc = root.path().join("etc/rancher/k3s");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(
        etc.join("config.yaml"),
        "token: K10-file-token
cluster-init: true
kube-apiserver-arg:
  - enable-admission-plugins=AlwaysAdmit
  - profiling=true
",
    )
    .unwrap();
    let facts = collect(root.path());
    assert!(!serde_json::to_string(&facts)
        .unwrap()
        .contains("K10-file-token"));
    let report = evaluate(vec![facts]);
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(status("apiserver-always-admit-enabled"), Status::Fail);
    assert_eq!(status("apiserver-profiling-enabled"), Status::Pass);
    // `cluster-init`: embedded etcd runs, with settings k3s makes itself.
    assert_eq!(status("etcd-auto-tls-enabled"), Status::Error);
}

/// A node root written here: files (content, or `None` for a directory) and one kubelet.
fn root_with(files: &[(&str, Option<&str>)], kubelet: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let at = |p: &str| tmp.path().join(p.trim_start_matches('/'));
    std::fs::create_dir_all(at("/etc")).unwrap();
    std::fs::write(
        at("/etc/passwd"),
        "root:x:0:0::/root:/bin/sh\netcd:x:1001:1001::/:/sbin/nologin\n",
    )
    .unwrap();
    std::fs::write(at("/etc/group"), "root:x:0:\netcd:x:1001:\n").unwrap();
    for (path, content) in files {
        match content {
            Some(text) => {
                std::fs::create_dir_all(at(path).parent().unwrap()).unwrap();
                std::fs::write(at(path), text).unwrap();
            }
            None => std::fs::create_dir_all(at(path)).unwrap(),
        }
    }
    std::fs::create_dir_all(at("/proc/100")).unwrap();
    let mut cmdline = Vec::new();
    for a in std::iter::once("/usr/bin/kubelet").chain(kubelet.iter().copied()) {
        cmdline.extend_from_slice(a.as_bytes());
        cmdline.push(0);
    }
    std::fs::write(at("/proc/100/cmdline"), cmdline).unwrap();
    tmp
}

#[test]
fn kubelet_values_are_read_as_the_kubelet_reads_them() {
    let config = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
                  authentication:\n  anonymous:\n    enabled: no\n  x509:\n    clientCAFile: \"\"\n\
                  featureGates:\n  RotateKubeletServerCertificate: off\n  Quoted: \"no\"\n\
                  streamingConnectionIdleTimeout: 5m\ntlsCipherSuites: []\n";
    let root = root_with(
        &[
            ("/var/lib/kubelet/config.yaml", Some(config)),
            ("/etc/kubernetes/pki/ca.crt", Some("x")),
            ("/etc/kubernetes/pki/etcd/ca.key", Some("x")),
        ],
        &[
            "--config=/var/lib/kubelet/config.yaml",
            "--rotate-certificates=0",
            "--seccomp-default=T",
            "--feature-gates=SomeGate=True",
            "--feature-gates=SomeGate=F",
            "--read-only-port=1",
        ],
    );
    std::os::unix::fs::chown(
        root.path().join("etc/kubernetes/pki/etcd"),
        Some(1001),
        Some(1001),
    )
    .unwrap();
    std::fs::set_permissions(
        root.path().join("etc/kubernetes/pki/etcd/ca.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let facts = collect(root.path());
    let k = facts.kubelet.as_ref().unwrap();
    let v = |key: &str| k.values[key].value.clone();
    // YAML 1.1 in the config file (go-yaml v2 under sigs.k8s.io/yaml): plain off/no are
    // false, a quoted "no" stays a string.
    assert_eq!(v("authentication.anonymous.enabled"), Value::Bool(false));
    assert_eq!(
        v("featureGates.RotateKubeletServerCertificate"),
        Value::Bool(false)
    );
    assert_eq!(v("featureGates.Quoted"), Value::String("no".into()));
    // Boolean flags and gates by Go's strconv.ParseBool; a port of 1 stays a number.
    assert_eq!(v("rotateCertificates"), Value::Bool(false));
    assert_eq!(v("seccompDefault"), Value::Bool(true));
    assert_eq!(v("featureGates.SomeGate"), Value::Bool(false));
    assert_eq!(v("readOnlyPort"), Value::from(1));
    // The PKI directory's subdirectories are judged for ownership (CIS 1.1.19), not for the
    // certificate and key permission items.
    let sub = facts
        .files
        .iter()
        .find(|f| f.path == "/etc/kubernetes/pki/etcd")
        .unwrap();
    assert_eq!(sub.role, "pki-subdir");
    assert_eq!(sub.owner.as_deref(), Some("etcd"));

    let report = evaluate(vec![facts]);
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(status("kubelet-anonymous-auth-enabled"), Status::Pass);
    // A feature gate that is not a boolean (`Quoted: "no"`): the kubelet cannot decode
    // `featureGates` (a map[string]bool) and does not start, so no gate decides.
    assert_eq!(
        status("kubelet-server-cert-rotation-disabled"),
        Status::Error
    );
    let without_quoted = root_with(
        &[(
            "/var/lib/kubelet/config.yaml",
            Some(&config.replace("  Quoted: \"no\"\n", "")),
        )],
        &["--config=/var/lib/kubelet/config.yaml"],
    );
    let report = evaluate(vec![collect(without_quoted.path())]);
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(
        status("kubelet-server-cert-rotation-disabled"),
        Status::Fail
    );
    let report = evaluate(vec![collect(root.path())]);
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(
        status("kubelet-certificate-rotation-disabled"),
        Status::Fail
    );
    assert_eq!(
        status("kubelet-streaming-idle-timeout-disabled"),
        Status::Pass
    );
    assert_eq!(status("kubelet-weak-tls-cipher-suites"), Status::Fail);
    assert_eq!(status("kubelet-client-ca-file-missing"), Status::Fail);
    assert_eq!(status("pki-not-root-owned"), Status::Fail);
    assert_eq!(status("pki-key-permissive"), Status::Pass);
}

/// [`evaluate`] keeping every finding, passes included, with its message.
fn evaluate_full(facts: Vec<NodeFacts>) -> Report {
    evaluate_with(
        facts,
        RunInfo {
            detail: kubeattest::results::Detail::Full,
            ..RunInfo::default()
        },
    )
}

/// A node root written here: files (content, or `None` for a directory), processes (pid,
/// argv) with `/etc/passwd` and `/etc/group` naming root and etcd.
struct Root {
    dir: tempfile::TempDir,
}

impl Root {
    fn new(files: &[(&str, Option<&str>)], procs: &[(u32, &[&str])]) -> Root {
        let root = Root {
            dir: tempfile::tempdir().unwrap(),
        };
        root.write(
            "/etc/passwd",
            "root:x:0:0::/root:/bin/sh\netcd:x:1001:1001::/:/sbin/nologin\n",
        );
        root.write("/etc/group", "root:x:0:\netcd:x:1001:\n");
        for (path, content) in files {
            match content {
                Some(text) => root.write(path, text),
                None => std::fs::create_dir_all(root.at(path)).unwrap(),
            }
        }
        for (pid, argv) in procs {
            root.process(*pid, argv);
        }
        root
    }

    fn at(&self, path: &str) -> PathBuf {
        self.dir.path().join(path.trim_start_matches('/'))
    }

    fn write(&self, path: &str, text: &str) {
        std::fs::create_dir_all(self.at(path).parent().unwrap()).unwrap();
        std::fs::write(self.at(path), text).unwrap();
    }

    fn process(&self, pid: u32, argv: &[&str]) {
        let mut cmdline = Vec::new();
        for a in argv {
            cmdline.extend_from_slice(a.as_bytes());
            cmdline.push(0);
        }
        self.write(&format!("/proc/{pid}/cmdline"), "");
        std::fs::write(self.at(&format!("/proc/{pid}/cmdline")), cmdline).unwrap();
    }

    fn link(&self, path: &str, target: &str) {
        std::fs::create_dir_all(self.at(path).parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, self.at(path)).unwrap();
    }

    fn mode(&self, path: &str, mode: u32, uid: u32, gid: u32) {
        std::fs::set_permissions(self.at(path), std::fs::Permissions::from_mode(mode)).unwrap();
        std::os::unix::fs::chown(self.at(path), Some(uid), Some(gid)).unwrap();
    }

    fn facts(&self) -> NodeFacts {
        collect(self.dir.path())
    }
}

/// The findings of one check, as (status, message).
fn findings_of(report: &Report, check: &str) -> Vec<(Status, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.check == check && &*f.subject.kind != "Inconsistent")
        .map(|f| (f.status, f.message.clone()))
        .collect()
}

/// The one finding of a check (panics when there is not exactly one).
fn only(report: &Report, check: &str) -> (Status, String) {
    let all = findings_of(report, check);
    assert_eq!(all.len(), 1, "{check}: {all:?}");
    all.into_iter().next().unwrap()
}

const KUBELET_CONFIG: &str =
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
    authentication:\n  anonymous: {enabled: false}\n  webhook: {enabled: true}\n\
    authorization: {mode: Webhook}\nreadOnlyPort: 0\nrotateCertificates: true\n";

/// A worker with the kubelet config above and the kubelet started with `flags`.
fn kubelet_with(config: &str, flags: &[&str]) -> Root {
    let argv: Vec<&str> = ["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"]
        .into_iter()
        .chain(flags.iter().copied())
        .collect();
    Root::new(
        &[("/var/lib/kubelet/config.yaml", Some(config))],
        &[(100, &argv)],
    )
}

/// Kubelet flags are read as the kubelet's pflag reads them (cmd/kubelet/app/options): a
/// boolean never takes the next argument (the kubelet then refuses the stray word:
/// "unknown command"), an empty boolean or integer is refused (strconv fails, the kubelet
/// does not start), and integers take Go's syntax (`strconv.ParseInt(s, 0, 32)`).
#[test]
fn kubelet_flags_are_read_with_the_kubelets_flag_types() {
    // `--anonymous-auth false`: true, and a stray `false`.
    let root = kubelet_with(KUBELET_CONFIG, &["--anonymous-auth", "false"]);
    let facts = root.facts();
    let v = &facts.kubelet.as_ref().unwrap().values["authentication.anonymous.enabled"];
    assert_eq!(v.value, Value::Bool(true));
    assert!(v.note.as_deref().unwrap().contains("unknown command"));
    let report = evaluate_full(vec![facts]);
    let (status, message) = only(&report, "kubelet-anonymous-auth-enabled");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(
        message.contains("does not take the next argument"),
        "{message}"
    );

    // Empty booleans and integers: the kubelet does not start; the config file's value is
    // not silently replaced by a default.
    let enabled = KUBELET_CONFIG.replace("enabled: false", "enabled: true");
    let open = KUBELET_CONFIG.replace("readOnlyPort: 0", "readOnlyPort: 10255");
    for (config, flag, check) in [
        (
            enabled.as_str(),
            "--anonymous-auth=",
            "kubelet-anonymous-auth-enabled",
        ),
        (
            open.as_str(),
            "--read-only-port=",
            "kubelet-read-only-port-open",
        ),
        (
            KUBELET_CONFIG,
            "--read-only-port=abc",
            "kubelet-read-only-port-open",
        ),
        (
            KUBELET_CONFIG,
            "--make-iptables-util-chains=maybe",
            "kubelet-iptables-util-chains-disabled",
        ),
    ] {
        let report = evaluate_full(vec![kubelet_with(config, &[flag]).facts()]);
        let (status, message) = only(&report, check);
        assert_eq!(status, Status::Error, "{flag}: {message}");
        assert!(message.contains("does not start"), "{flag}: {message}");
    }
    // An empty text flag is unset (Go cannot tell): the config file's value stands.
    let report = evaluate_full(vec![kubelet_with(
        KUBELET_CONFIG,
        &["--authorization-mode="],
    )
    .facts()]);
    assert_eq!(
        only(&report, "kubelet-authorization-always-allow").0,
        Status::Pass
    );

    // Go integer syntax: 0x0 is 0, 010 is 8.
    let facts = kubelet_with(KUBELET_CONFIG, &["--read-only-port=0x0"]).facts();
    let v = &facts.kubelet.as_ref().unwrap().values["readOnlyPort"];
    assert_eq!(v.value, Value::from(0));
    assert!(v.note.as_deref().unwrap().contains("reads as 0"));
    let report = evaluate_full(vec![facts]);
    assert_eq!(only(&report, "kubelet-read-only-port-open").0, Status::Pass);
    let report = evaluate_full(vec![kubelet_with(
        KUBELET_CONFIG,
        &["--read-only-port=010"],
    )
    .facts()]);
    let (status, message) = only(&report, "kubelet-read-only-port-open");
    assert_eq!(status, Status::Fail);
    assert!(message.contains("readOnlyPort is 8"), "{message}");
}

/// A component is what its process runs (`/proc/<pid>/exe`), not what it calls itself; two
/// kubelets on one node decide nothing.
#[test]
fn a_process_is_what_it_runs_and_two_kubelets_are_an_error() {
    let root = kubelet_with(KUBELET_CONFIG, &[]);
    // pid 42 calls itself kubelet and says anonymous-auth is off; it runs bash.
    root.process(42, &["kubelet", "--anonymous-auth=false"]);
    root.link("/proc/42/exe", "/usr/bin/bash");
    root.link("/proc/100/exe", "/usr/bin/kubelet (deleted)");
    let facts = root.facts();
    let kubelets: Vec<Option<u32>> = facts
        .components
        .iter()
        .filter(|c| c.component == "kubelet")
        .map(|c| c.pid)
        .collect();
    assert_eq!(kubelets, vec![Some(100)]);
    assert!(
        facts
            .errors
            .iter()
            .any(|e| e.contains("process 42") && e.contains("not taken for kubelet")),
        "{:?}",
        facts.errors
    );
    assert_eq!(
        facts.component("kubelet").unwrap().unwrap().exe.as_deref(),
        Some("/usr/bin/kubelet")
    );

    // Both run a kubelet: which one is the node's cannot be told.
    std::fs::remove_file(root.at("/proc/42/exe")).unwrap();
    root.link("/proc/42/exe", "/usr/local/bin/kubelet");
    let facts = root.facts();
    assert!(facts.kubelet.is_none());
    let report = evaluate_full(vec![facts]);
    for check in [
        "kubelet-anonymous-auth-enabled",
        "kubelet-hostname-override-set",
        "kubelet-kubeconfig-permissive",
        "kubelet-config-file-permissive",
    ] {
        let (status, message) = only(&report, check);
        assert_eq!(status, Status::Error, "{check}: {message}");
        assert!(message.contains("pids 42, 100"), "{check}: {message}");
    }
}

/// A real process that calls itself kubelet (`exec -a`) but runs something else is not
/// taken for the kubelet.
#[test]
fn a_real_process_calling_itself_kubelet_is_not_the_kubelet() {
    use std::os::unix::process::CommandExt;
    let decoy = Child(
        Command::new("/bin/sleep")
            .arg0("/usr/bin/kubelet")
            .arg("60")
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut errors = Vec::new();
    let found = node::processes(Path::new("/"), Path::new("/proc"), &mut errors);
    let pid = decoy.0.id();
    assert!(!found.iter().any(|c| c.pid == Some(pid)), "{found:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains(&format!("process {pid} ")) && e.contains("sleep")),
        "{errors:?}"
    );
}

/// The kubelet runs every file in its static pod directory whose name does not start with a
/// dot (pkg/kubelet/config/file.go): kops names them `kube-apiserver.manifest`.
#[test]
fn static_pods_are_every_file_the_kubelet_reads() {
    let pod = |c: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {c}}}\nspec:\n  containers:\n  - name: {c}\n    command: [/usr/local/bin/{c}, --profiling=false]\n")
    };
    let root = kubelet_with(KUBELET_CONFIG, &[]);
    root.write(
        "/etc/kubernetes/manifests/kube-apiserver.manifest",
        &pod("kube-apiserver"),
    );
    root.write("/etc/kubernetes/manifests/etcd.manifest", &pod("etcd"));
    // A dot file (an editor's swap file) and a directory are not read.
    root.write(
        "/etc/kubernetes/manifests/.kube-scheduler.yaml.swp",
        &pod("kube-scheduler"),
    );
    root.write(
        "/etc/kubernetes/manifests/old/kube-scheduler.yaml",
        &pod("kube-scheduler"),
    );
    root.mode(
        "/etc/kubernetes/manifests/kube-apiserver.manifest",
        0o644,
        0,
        0,
    );
    root.mode("/etc/kubernetes/manifests/etcd.manifest", 0o600, 0, 0);
    let facts = root.facts();
    assert_eq!(facts.roles, vec!["control-plane"]);
    assert!(facts.component("kube-scheduler").unwrap().is_none());
    let report = evaluate_full(vec![facts]);
    let (status, message) = only(&report, "apiserver-manifest-permissive");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(message.contains("kube-apiserver.manifest"), "{message}");
    assert_eq!(only(&report, "etcd-manifest-permissive").0, Status::Pass);
    assert_eq!(only(&report, "apiserver-profiling-enabled").0, Status::Pass);
    assert_eq!(
        only(&report, "scheduler-manifest-permissive").0,
        Status::NotApplicable
    );
}

/// CIS 4.1.1/4.1.2 judge the kubelet's service file "based on the file location on your
/// system": kubelet.service and its drop-ins wherever systemd loads units, the unit the
/// kubelet's cgroup names; none found while a kubelet runs is manual.
#[test]
fn the_kubelet_service_file_is_looked_for_where_systemd_loads_units() {
    // A unit file alone, world-writable and owned by another user (no kubeadm drop-in).
    let root = kubelet_with(KUBELET_CONFIG, &[]);
    root.write(
        "/etc/passwd",
        "root:x:0:0::/root:/bin/sh\nkube:x:1002:1002::/:/sbin/nologin\n",
    );
    root.write("/etc/group", "root:x:0:\nkube:x:1002:\n");
    root.write(
        "/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet\n",
    );
    root.mode("/etc/systemd/system/kubelet.service", 0o666, 1002, 1002);
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "kubelet-service-file-permissive");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(
        message.contains("/etc/systemd/system/kubelet.service"),
        "{message}"
    );
    let (status, message) = only(&report, "kubelet-service-file-not-root-owned");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(message.contains("kube:kube"), "{message}");

    // The package's unit in /lib/systemd/system and a drop-in: both judged.
    let root = kubelet_with(KUBELET_CONFIG, &[]);
    root.write("/lib/systemd/system/kubelet.service", "[Service]\n");
    root.write(
        "/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\n",
    );
    root.mode("/lib/systemd/system/kubelet.service", 0o644, 0, 0);
    root.mode(
        "/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        0o600,
        0,
        0,
    );
    let report = evaluate_full(vec![root.facts()]);
    let all = findings_of(&report, "kubelet-service-file-permissive");
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all
        .iter()
        .any(|(s, m)| *s == Status::Fail && m.contains("/lib/systemd/system/kubelet.service ")));
    assert!(all.iter().any(|(s, _)| *s == Status::Pass));

    // The unit the kubelet's cgroup names.
    let root = kubelet_with(KUBELET_CONFIG, &[]);
    root.write("/proc/100/cgroup", "0::/system.slice/node-agent.service\n");
    root.write("/etc/systemd/system/node-agent.service", "[Service]\n");
    root.mode("/etc/systemd/system/node-agent.service", 0o600, 0, 0);
    let report = evaluate_full(vec![root.facts()]);
    assert_eq!(
        only(&report, "kubelet-service-file-permissive").0,
        Status::Pass
    );

    // None anywhere, and a kubelet runs: somewhere else, to be confirmed by hand.
    let report = evaluate_full(vec![kubelet_with(KUBELET_CONFIG, &[]).facts()]);
    let (status, message) = only(&report, "kubelet-service-file-permissive");
    assert_eq!(status, Status::Manual, "{message}");
    assert!(message.contains("systemctl cat kubelet"), "{message}");
    // None, and no kubelet: not applicable.
    let root = Root::new(&[("/etc/kubernetes/kubelet.conf", Some("x"))], &[]);
    let report = evaluate_full(vec![root.facts()]);
    assert_eq!(
        only(&report, "kubelet-service-file-permissive").0,
        Status::NotApplicable
    );
}

/// A file a containerised component names is where the component sees it: a static pod's
/// through its hostPath volume, a process's in its own root (`/proc/<pid>/root`), kube-proxy's
/// kubeconfig from its `--config` file (which takes `--kubeconfig` over); a path that cannot be
/// placed on the node is an error, not a missing file.
#[test]
fn container_paths_are_looked_up_where_the_component_sees_them() {
    let etcd = "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd}\nspec:\n  containers:\n  - name: etcd\n    command: [etcd, --data-dir=/var/lib/etcd]\n    volumeMounts:\n    - {name: etcd-data, mountPath: /var/lib/etcd}\n  volumes:\n  - name: etcd-data\n    hostPath: {path: /data/etcd, type: DirectoryOrCreate}\n";
    let scheduler = "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-scheduler}\nspec:\n  containers:\n  - name: kube-scheduler\n    command: [kube-scheduler, --kubeconfig=/etc/kubernetes/scheduler.conf]\n";
    let root = kubelet_with(KUBELET_CONFIG, &[]);
    root.write("/etc/kubernetes/manifests/etcd.yaml", etcd);
    root.write("/etc/kubernetes/manifests/kube-scheduler.yaml", scheduler);
    std::fs::create_dir_all(root.at("/data/etcd/member")).unwrap();
    root.mode("/data/etcd", 0o700, 1001, 1001);
    // The same path on the node is someone else's, and must not be judged.
    std::fs::create_dir_all(root.at("/var/lib/etcd")).unwrap();
    root.mode("/var/lib/etcd", 0o755, 0, 0);
    root.write("/etc/kubernetes/scheduler.conf", "x");
    // kube-proxy (a DaemonSet's container): its kubeconfig only inside its own root.
    root.process(
        150,
        &[
            "/usr/local/bin/kube-proxy",
            "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
        ],
    );
    root.write(
        "/proc/150/root/var/lib/kube-proxy/kubeconfig.conf",
        "apiVersion: v1\n",
    );
    root.mode(
        "/proc/150/root/var/lib/kube-proxy/kubeconfig.conf",
        0o644,
        0,
        0,
    );
    let facts = root.facts();
    let data = facts.files_with_role("etcd-data-dir").next().unwrap();
    assert_eq!(data.path, "/data/etcd");
    // The same etcd seen as a process (host PID namespace) whose own root cannot be opened:
    // the static pod running its command line says where its files are.
    root.process(300, &["etcd", "--data-dir=/var/lib/etcd"]);
    let seen = root.facts();
    let data = seen.files_with_role("etcd-data-dir").next().unwrap();
    assert_eq!(data.path, "/data/etcd", "{data:?}");
    assert!(data.from.contains("process etcd pid 300"), "{}", data.from);
    std::fs::remove_dir_all(root.at("/proc/300")).unwrap();
    let report = evaluate_full(vec![facts]);
    assert_eq!(only(&report, "etcd-data-dir-permissive").0, Status::Pass);
    assert_eq!(
        only(&report, "etcd-data-dir-not-etcd-owned").0,
        Status::Pass
    );
    // The scheduler's kubeconfig is on no volume: inside its image.
    let (status, message) = only(&report, "scheduler-kubeconfig-permissive");
    assert_eq!(status, Status::Error, "{message}");
    assert!(message.contains("inside the image"), "{message}");
    let (status, message) = only(&report, "proxy-kubeconfig-permissive");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(
        message.contains("/var/lib/kube-proxy/kubeconfig.conf"),
        "{message}"
    );

    // kubeadm's kube-proxy: --config names a KubeProxyConfiguration whose
    // clientConnection.kubeconfig is the kubeconfig; --kubeconfig is then ignored.
    std::fs::remove_dir_all(root.at("/proc/150")).unwrap();
    root.process(
        150,
        &[
            "/usr/local/bin/kube-proxy",
            "--config=/var/lib/kube-proxy/config.conf",
            "--kubeconfig=/etc/kubernetes/proxy.conf",
        ],
    );
    root.write(
        "/proc/150/root/var/lib/kube-proxy/config.conf",
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclientConnection:\n  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\n",
    );
    root.write(
        "/proc/150/root/var/lib/kube-proxy/kubeconfig.conf",
        "apiVersion: v1\n",
    );
    root.mode(
        "/proc/150/root/var/lib/kube-proxy/kubeconfig.conf",
        0o600,
        0,
        0,
    );
    root.write("/etc/kubernetes/proxy.conf", "x");
    root.mode("/etc/kubernetes/proxy.conf", 0o666, 0, 0);
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "proxy-kubeconfig-permissive");
    assert_eq!(status, Status::Pass, "{message}");

    // A process's file that is not on the node, whose own root cannot be opened: unknown.
    std::fs::remove_dir_all(root.at("/proc/150")).unwrap();
    root.process(
        150,
        &[
            "/usr/local/bin/kube-proxy",
            "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
        ],
    );
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "proxy-kubeconfig-permissive");
    assert_eq!(status, Status::Error, "{message}");
    assert!(message.contains("cannot be opened"), "{message}");

    // The same file on the node, for a process whose cgroup puts it in a pod's container
    // (kubeadm's kube-proxy reads a ConfigMap volume there): the node's file may be another
    // one, so it decides nothing.
    root.write("/var/lib/kube-proxy/kubeconfig.conf", "apiVersion: v1\n");
    root.mode("/var/lib/kube-proxy/kubeconfig.conf", 0o600, 0, 0);
    let report = evaluate_full(vec![root.facts()]);
    assert_eq!(only(&report, "proxy-kubeconfig-permissive").0, Status::Pass);
    root.write(
        "/proc/150/cgroup",
        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-0a1b.scope\n",
    );
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "proxy-kubeconfig-permissive");
    assert_eq!(status, Status::Error, "{message}");
    assert!(message.contains("runs in a container"), "{message}");
}

/// What the kubelet does with its configuration files, beyond reading them: a `null` in a
/// `--config-dir` drop-in unsets nothing (the kubelet merges drop-ins as JSON merge patches
/// and decodes the result over the `--config` file's values, cmd/kubelet/app/server.go), a
/// TLS value its validation does not know stops it, and a client CA file named in a file that
/// could not be read is not looked for at the default path.
#[test]
fn kubelet_configuration_is_judged_as_the_kubelet_validates_it() {
    let open = format!(
        "{}makeIPTablesUtilChains: false\n",
        KUBELET_CONFIG.replace("anonymous: {enabled: false}", "anonymous: {enabled: true}")
    );
    let nulls = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
                 authentication:\n  anonymous: {enabled: null}\nmakeIPTablesUtilChains: null\n";
    let root = Root::new(
        &[
            ("/var/lib/kubelet/config.yaml", Some(&open)),
            ("/etc/kubernetes/kubelet.conf.d/90-null.conf", Some(nulls)),
        ],
        &[(
            100,
            &[
                "/usr/bin/kubelet",
                "--config=/var/lib/kubelet/config.yaml",
                "--config-dir=/etc/kubernetes/kubelet.conf.d",
            ],
        )],
    );
    let report = evaluate_full(vec![root.facts()]);
    for check in [
        "kubelet-anonymous-auth-enabled",
        "kubelet-iptables-util-chains-disabled",
    ] {
        let (status, message) = only(&report, check);
        assert_eq!(status, Status::Fail, "{check}: {message}");
    }

    for (flags, config) in [
        (
            &["--tls-cipher-suites=TLS_AES_128_GCM_SHA256,0x0005"][..],
            "",
        ),
        (&[], "tlsMinVersion: TLS1.2\n"),
        (
            &[],
            "tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls_rsa_with_rc4_128_sha]\n",
        ),
    ] {
        let root = kubelet_with(&format!("{KUBELET_CONFIG}{config}"), flags);
        let report = evaluate_framework(vec![root.facts()], RunInfo::default(), "nsa-cisa-1.2");
        let (status, message) = only(&report, "kubelet-tls-weakened");
        assert_eq!(status, Status::Error, "{flags:?} {config:?}: {message}");
        assert!(message.contains("refuses"), "{message}");
    }
    let root = kubelet_with(
        KUBELET_CONFIG,
        &["--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA"],
    );
    let report = evaluate_framework(vec![root.facts()], RunInfo::default(), "nsa-cisa-1.2");
    assert_eq!(only(&report, "kubelet-tls-weakened").0, Status::Fail);

    // --config relative to a working directory the collector cannot see.
    let root = Root::new(
        &[("/etc/kubernetes/pki/ca.crt", Some("x"))],
        &[(100, &["/usr/bin/kubelet", "--config=config.yaml"])],
    );
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "kubelet-client-ca-permissive");
    assert_eq!(status, Status::Error, "{message}");
    assert!(message.contains("clientCAFile"), "{message}");
}

/// etcd started without a data directory keeps `<name>.etcd` in its working directory
/// (etcdmain: `cfg.ec.Dir = fmt.Sprintf("%v.etcd", cfg.ec.Name)`, name `default`).
#[test]
fn etcd_without_a_data_dir_uses_its_working_directory() {
    let root = Root::new(
        &[("/srv/etcd-run/default.etcd/member", None)],
        &[(
            300,
            &[
                "/usr/local/bin/etcd",
                "--listen-client-urls=https://127.0.0.1:2379",
            ],
        )],
    );
    root.link("/proc/300/cwd", "/srv/etcd-run");
    root.mode("/srv/etcd-run/default.etcd", 0o755, 1001, 1001);
    let facts = root.facts();
    let data = facts.files_with_role("etcd-data-dir").next().unwrap();
    assert_eq!(data.path, "/srv/etcd-run/default.etcd");
    assert!(data.from.contains("working directory"), "{}", data.from);
    let report = evaluate_full(vec![facts]);
    assert_eq!(only(&report, "etcd-data-dir-permissive").0, Status::Fail);
    // `--name` (here from ETCD_NAME's flag) names the directory; without a readable working
    // directory the path cannot be placed.
    std::fs::remove_dir_all(root.at("/proc/300")).unwrap();
    root.process(300, &["/usr/local/bin/etcd", "--name=cp-1"]);
    let facts = root.facts();
    let data = facts.files_with_role("etcd-data-dir").next().unwrap();
    assert_eq!(data.state, kubeattest::node_facts::FileState::Error);
    assert!(
        data.error.as_deref().unwrap().contains("cp-1.etcd"),
        "{data:?}"
    );
}

/// Symbolic links in the node's root resolve inside it, as chroot would: an absolute target
/// is the node's path, never the collector's.
#[test]
fn symbolic_links_resolve_inside_the_root() {
    let root = Root::new(
        &[
            ("/srv/k8s/kubelet.conf", Some("apiVersion: v1\n")),
            ("/srv/k8s/pki/ca.crt", Some("CA")),
            ("/etc/kubelet/config.yaml", Some(KUBELET_CONFIG)),
        ],
        &[(
            100,
            &[
                "/usr/bin/kubelet",
                "--kubeconfig=/etc/kubernetes/kubelet.conf",
                "--config=/var/lib/kubelet/config.yaml",
            ],
        )],
    );
    root.link("/etc/kubernetes", "/srv/k8s");
    root.link("/var/lib/kubelet/config.yaml", "/etc/kubelet/config.yaml");
    root.mode("/srv/k8s/kubelet.conf", 0o644, 0, 0);
    // A link to a path only the collector has: nothing on the node.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("admin.conf"), "x").unwrap();
    root.link(
        "/srv/k8s/admin.conf",
        &outside.path().join("admin.conf").display().to_string(),
    );
    let facts = root.facts();
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);
    let report = evaluate_full(vec![facts]);
    let (status, message) = only(&report, "kubelet-kubeconfig-permissive");
    assert_eq!(status, Status::Fail, "{message}");
    assert_eq!(
        only(&report, "kubelet-anonymous-auth-enabled").0,
        Status::Pass
    );
    assert_eq!(only(&report, "kubelet-read-only-port-open").0, Status::Pass);
    assert_eq!(
        only(&report, "kubelet-client-ca-not-root-owned").0,
        Status::Pass
    );
    let admin: Vec<_> = findings_of(&report, "admin-kubeconfig-permissive");
    assert!(
        admin.iter().all(|(s, _)| *s == Status::NotApplicable),
        "{admin:?}"
    );
}

/// uid and gid 0 are root whatever the node's passwd and group files say (or lack); another
/// id they do not name cannot be compared with a name.
#[test]
fn owners_without_passwd_entries() {
    let root = kubelet_with(
        KUBELET_CONFIG,
        &["--kubeconfig=/etc/kubernetes/kubelet.conf"],
    );
    std::fs::remove_file(root.at("/etc/passwd")).unwrap();
    std::fs::remove_file(root.at("/etc/group")).unwrap();
    root.write("/etc/kubernetes/kubelet.conf", "x");
    root.mode("/etc/kubernetes/kubelet.conf", 0o600, 0, 0);
    root.write("/var/lib/etcd/member/x", "x");
    root.mode("/var/lib/etcd", 0o700, 1001, 1001);
    let report = evaluate_full(vec![root.facts()]);
    assert_eq!(
        only(&report, "kubelet-kubeconfig-not-root-owned").0,
        Status::Pass
    );
    let (status, message) = only(&report, "etcd-data-dir-not-etcd-owned");
    assert_eq!(status, Status::Error, "{message}");
    assert!(message.contains("uid 1001 has no name"), "{message}");
    // Not uid 0, so not root, named or not.
    root.mode("/etc/kubernetes/kubelet.conf", 0o600, 1001, 0);
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "kubelet-kubeconfig-not-root-owned");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(message.contains("1001:root"), "{message}");
}

/// Every node runs a kubelet: one that was not seen is an error for its flag checks as for
/// its configuration checks; an empty `--hostname-override=` is no override (GetHostname
/// falls back to the host's name).
#[test]
fn the_kubelets_flags_unseen_or_empty() {
    let root = Root::new(
        &[("/var/lib/kubelet/config.yaml", Some(KUBELET_CONFIG))],
        &[],
    );
    let report = evaluate_full(vec![root.facts()]);
    for check in [
        "kubelet-hostname-override-set",
        "kubelet-anonymous-auth-enabled",
    ] {
        let (status, message) = only(&report, check);
        assert_eq!(status, Status::Error, "{check}: {message}");
        assert!(
            message.contains("host's PID namespace"),
            "{check}: {message}"
        );
    }
    let report = evaluate_full(vec![kubelet_with(
        KUBELET_CONFIG,
        &["--hostname-override="],
    )
    .facts()]);
    assert_eq!(
        only(&report, "kubelet-hostname-override-set").0,
        Status::Pass
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.check == "kubelet-hostname-override-set")
        .unwrap();
    assert!(f.observations[0]
        .note
        .as_deref()
        .unwrap()
        .contains("host's own name"));
    let report = evaluate_full(vec![kubelet_with(
        KUBELET_CONFIG,
        &["--hostname-override=n9"],
    )
    .facts()]);
    assert_eq!(
        only(&report, "kubelet-hostname-override-set").0,
        Status::Fail
    );
}

/// The kubelet's configuration files as the kubelet loads them (cmd/kubelet/app/server.go,
/// pkg/kubelet/kubeletconfig/configfiles): drop-ins in subdirectories of `--config-dir`
/// count, relative paths in the config file are relative to its directory, and a file the
/// kubelet refuses (empty, or not a KubeletConfiguration) decides nothing.
#[test]
fn kubelet_files_are_loaded_as_the_kubelet_loads_them() {
    let open = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
                authentication:\n  anonymous: {enabled: true}\nreadOnlyPort: 10255\n";
    let config = format!(
        "{KUBELET_CONFIG}authentication:\n  anonymous: {{enabled: false}}\n  x509: {{clientCAFile: pki/ca.crt}}\n"
    );
    let config = config.replacen(
        "authentication:\n  anonymous: {enabled: false}\n  webhook: {enabled: true}\n",
        "",
        1,
    );
    let root = Root::new(
        &[
            ("/var/lib/kubelet/config.yaml", Some(&config)),
            ("/var/lib/kubelet/pki/ca.crt", Some("x")),
            (
                "/etc/kubernetes/kubelet.conf.d/site/50-open.conf",
                Some(open),
            ),
        ],
        &[(
            100,
            &[
                "/usr/bin/kubelet",
                "--config=/var/lib/kubelet/config.yaml",
                "--config-dir=/etc/kubernetes/kubelet.conf.d",
            ],
        )],
    );
    let facts = root.facts();
    let k = facts.kubelet.as_ref().expect("kubelet");
    assert_eq!(
        k.drop_ins,
        vec!["/etc/kubernetes/kubelet.conf.d/site/50-open.conf"]
    );
    assert_eq!(
        k.values["authentication.x509.clientCAFile"].value,
        Value::from("/var/lib/kubelet/pki/ca.crt")
    );
    let report = evaluate_full(vec![facts]);
    assert_eq!(
        only(&report, "kubelet-anonymous-auth-enabled").0,
        Status::Fail
    );
    assert_eq!(only(&report, "kubelet-read-only-port-open").0, Status::Fail);

    for refused in [
        "",
        "authentication:\n  anonymous: {enabled: false}\nreadOnlyPort: 0\n",
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nreadOnlyPort: 0\n",
    ] {
        let report = evaluate_full(vec![kubelet_with(refused, &[]).facts()]);
        let (status, message) = only(&report, "kubelet-read-only-port-open");
        assert_eq!(status, Status::Error, "{refused:?}: {message}");
    }
}

/// The kubelet's static-pod URL headers carry credentials (`Authorization`; upstream marks
/// the field `datapolicy:"token"`): neither `staticPodURLHeader` in the config file nor
/// `--manifest-url-header` on the command line reaches the facts.
#[test]
fn kubelet_url_headers_never_reach_the_facts() {
    let config = format!(
        "{KUBELET_CONFIG}staticPodURL: https://config.example/pods\nstaticPodURLHeader:\n  Authorization: [\"Bearer KUBEATTEST-CANARY-CONFIG-HEADER\"]\n"
    );
    let root = Root::new(
        &[("/var/lib/kubelet/config.yaml", Some(&config))],
        &[(
            100,
            &[
                "/usr/bin/kubelet",
                "--config=/var/lib/kubelet/config.yaml",
                "--manifest-url-header=Authorization:Bearer KUBEATTEST-CANARY-FLAG-HEADER",
                "--token",
                "-KUBEATTEST-CANARY-DASHED",
            ],
        )],
    );
    let facts = serde_json::to_string(&root.facts()).expect("facts serialize");
    assert!(!facts.contains("KUBEATTEST-CANARY"), "{facts}");
    assert!(
        facts.contains("staticPodURL"),
        "other keys are kept: {facts}"
    );
}

/// The paths of the PKI directories the facts record.
fn pki_dirs(facts: &NodeFacts) -> Vec<&str> {
    facts
        .files
        .iter()
        .filter(|f| f.role == "pki-dir")
        .map(|f| f.path.as_str())
        .collect()
}

/// The PKI is every directory the API server's CA and key flags name (the outermost), so a
/// client CA in a subdirectory leaves the keys beside it judged (CIS 1.1.21 audits
/// `find /etc/kubernetes/pki/ -name '*.key'`); what the walk cannot look at (a link to a
/// directory, a directory too deep) is an error, never a pass; a directory where a file
/// belongs is an error too.
#[test]
fn the_pki_is_found_from_the_api_servers_flags_and_nothing_is_skipped_silently() {
    let files: Vec<(String, Option<&str>)> = vec![
        ("/etc/kubernetes/pki/client-ca/ca.crt".into(), Some("CA")),
        ("/etc/kubernetes/pki/apiserver.crt".into(), Some("CERT")),
        ("/etc/kubernetes/pki/apiserver.key".into(), Some("KEY")),
        ("/etc/kubernetes/pki/sa.key".into(), Some("KEY")),
        ("/srv/etcd-pki/ca.key".into(), Some("KEY")),
        ("/etc/kubernetes/admin.conf".into(), None),
    ];
    let files: Vec<(&str, Option<&str>)> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let root = Root::new(
        &files,
        &[(
            200,
            &[
                "kube-apiserver",
                "--client-ca-file=/etc/kubernetes/pki/client-ca/ca.crt",
                "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
                "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
                "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
            ],
        )],
    );
    for (path, mode) in [
        ("/etc/kubernetes/pki/client-ca/ca.crt", 0o644),
        ("/etc/kubernetes/pki/apiserver.crt", 0o644),
        ("/etc/kubernetes/pki/apiserver.key", 0o644),
        ("/etc/kubernetes/pki/sa.key", 0o600),
    ] {
        root.mode(path, mode, 0, 0);
    }
    let facts = root.facts();
    assert_eq!(pki_dirs(&facts), ["/etc/kubernetes/pki"]);
    let report = evaluate_full(vec![facts]);
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(
        status("pki-key-permissive"),
        Status::Fail,
        "apiserver.key is 0644"
    );
    assert_eq!(
        status("admin-kubeconfig-permissive"),
        Status::Error,
        "a directory"
    );

    // A link to a directory and a directory five levels down: their keys were not seen.
    root.link("/etc/kubernetes/pki/etcd", "/srv/etcd-pki");
    root.mode("/etc/kubernetes/pki/apiserver.key", 0o600, 0, 0);
    root.write("/etc/kubernetes/pki/a/b/c/d/deep.key", "KEY");
    let facts = root.facts();
    let unread: Vec<&str> = facts
        .files
        .iter()
        .filter(|f| f.role == "pki-key" && f.state == kubeattest::node_facts::FileState::Error)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        unread,
        ["/etc/kubernetes/pki/a/b/c/d", "/etc/kubernetes/pki/etcd"],
        "{:#?}",
        facts.files
    );
    let report = evaluate_full(vec![facts]);
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(status("pki-key-permissive"), Status::Error);

    // A key flag into a directory the system shares (/etc) makes no PKI of it.
    let root = Root::new(
        &[
            ("/etc/apiserver.key", Some("KEY")),
            ("/etc/ssl/private/other.key", Some("KEY")),
            ("/etc/kubernetes/pki/ca.crt", Some("CA")),
        ],
        &[(
            200,
            &[
                "kube-apiserver",
                "--client-ca-file=/etc/kubernetes/pki/ca.crt",
                "--tls-private-key-file=/etc/apiserver.key",
            ],
        )],
    );
    let facts = root.facts();
    assert_eq!(pki_dirs(&facts), ["/etc/kubernetes/pki"]);
}

/// kube-scheduler with `--config` takes its kubeconfig from the file's
/// `clientConnection.kubeconfig`; `--kubeconfig` is then ignored (the reference: "This
/// parameter is ignored if a config file is specified in --config"), so CIS 1.1.15 judges the
/// file the scheduler loads.
#[test]
fn the_scheduler_kubeconfig_comes_from_its_config_file() {
    let root = Root::new(
        &[
            (
                "/etc/kubernetes/sched.yaml",
                Some("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection:\n  kubeconfig: /etc/kubernetes/sched-kc.conf\n"),
            ),
            ("/etc/kubernetes/sched-kc.conf", Some("apiVersion: v1\n")),
            ("/etc/kubernetes/scheduler.conf", Some("apiVersion: v1\n")),
        ],
        &[(
            400,
            &[
                "/usr/local/bin/kube-scheduler",
                "--config=/etc/kubernetes/sched.yaml",
                "--kubeconfig=/etc/kubernetes/scheduler.conf",
            ],
        )],
    );
    root.mode("/etc/kubernetes/sched-kc.conf", 0o644, 0, 0);
    root.mode("/etc/kubernetes/scheduler.conf", 0o600, 0, 0);
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "scheduler-kubeconfig-permissive");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(
        message.contains("/etc/kubernetes/sched-kc.conf"),
        "{message}"
    );
}

/// A static pod whose container starts its component through a shell script (GKE's
/// kube-proxy manifest: `sh -c "exec kube-proxy … 1>>/var/log/kube-proxy.log 2>&1"`) is read
/// word by word; one whose script cannot be read still yields the component, whose flags are
/// then unknown instead of defaulted.
#[test]
fn static_pods_started_through_a_shell_are_recognised() {
    let pod = |script: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-proxy, namespace: kube-system}}\nspec:\n  hostNetwork: true\n  containers:\n  - name: kube-proxy\n    image: registry.k8s.io/kube-proxy:v1.33.4\n    command:\n    - /bin/sh\n    - -c\n    - {script:?}\n"
        )
    };
    let root = kubelet_with(KUBELET_CONFIG, &[]);
    root.write(
        "/etc/kubernetes/manifests/kube-proxy.manifest",
        &pod("exec kube-proxy --master=https://10.0.0.2 --metrics-bind-address=0.0.0.0 1>>/var/log/kube-proxy.log 2>&1"),
    );
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "kube-proxy-metrics-exposed");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(message.contains("0.0.0.0"), "{message}");

    root.write(
        "/etc/kubernetes/manifests/kube-proxy.manifest",
        &pod("exec kube-proxy $(cat /etc/kube-proxy/flags)"),
    );
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "kube-proxy-metrics-exposed");
    assert_eq!(status, Status::Error, "{message}");
    assert!(message.contains("shell script"), "{message}");
    // A program in front that is not looked through: the component is still there.
    root.write(
        "/etc/kubernetes/manifests/kube-proxy.manifest",
        &pod("exec ionice -c2 kube-proxy --metrics-bind-address=0.0.0.0"),
    );
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "kube-proxy-metrics-exposed");
    assert_eq!(status, Status::Error, "{message}");
}

/// MicroK8s runs its components inside `kubelite`, each with the arguments of its file under
/// `/var/snap/microk8s/current/args/`: those are judged, not "no kube-apiserver".
#[test]
fn microk8s_kubelite_components_are_read_from_their_arguments_files() {
    let root = Root::new(
        &[
            (
                "/var/snap/microk8s/current/args/kube-apiserver",
                Some("--anonymous-auth=true\n--authorization-mode=RBAC,Node\n"),
            ),
            (
                "/var/snap/microk8s/current/args/kubelet",
                Some("--read-only-port=0\n"),
            ),
        ],
        &[(
            2116,
            &[
                "/snap/microk8s/7229/kubelite",
                "--apiserver-args-file=${SNAP_DATA}/args/kube-apiserver",
                "--kubelet-args-file=${SNAP_DATA}/args/kubelet",
                "--start-control-plane=true",
            ],
        )],
    );
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "apiserver-anonymous-auth-enabled");
    assert_eq!(status, Status::Fail, "{message}");
    assert!(
        message.contains("/var/snap/microk8s/current/args/kube-apiserver"),
        "{message}"
    );
    assert_eq!(only(&report, "kubelet-read-only-port-open").0, Status::Pass);
    // dqlite, not etcd.
    assert_eq!(
        only(&report, "etcd-auto-tls-enabled").0,
        Status::NotApplicable
    );
}

/// k3s passes its components the kubeconfigs, PKI and etcd data directory of its own data
/// directory without showing them (k3s `pkg/daemons/control/deps`, kube-bench's k3s
/// configuration): they are judged where k3s keeps them, and unknown when not there.
#[test]
fn k3s_files_are_judged_where_k3s_keeps_them() {
    let dd = "/srv/k3s";
    let files: Vec<(String, Option<&str>)> = [
        "server/cred/scheduler.kubeconfig",
        "server/cred/controller.kubeconfig",
        "server/cred/admin.kubeconfig",
        "server/tls/client-ca.crt",
        "server/tls/serving-kube-apiserver.key",
        "agent/kubelet.kubeconfig",
        "agent/client-ca.crt",
    ]
    .iter()
    .map(|p| (format!("{dd}/{p}"), Some("x")))
    .chain([
        (format!("{dd}/server/db/etcd"), None),
        ("/root/.kube/k3s.yaml".to_string(), Some("x")),
    ])
    .collect();
    let files: Vec<(&str, Option<&str>)> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let root = Root::new(
        &files,
        &[(
            42,
            &[
                "/usr/local/bin/k3s",
                "server",
                "--data-dir",
                dd,
                "-o",
                "/root/.kube/k3s.yaml",
            ],
        )],
    );
    let cred = |f: &str| format!("{dd}/server/cred/{f}");
    root.mode(&cred("scheduler.kubeconfig"), 0o644, 0, 0);
    root.mode(&cred("controller.kubeconfig"), 0o600, 0, 0);
    root.mode(&cred("admin.kubeconfig"), 0o600, 0, 0);
    root.mode("/root/.kube/k3s.yaml", 0o644, 0, 0);
    root.mode(
        &format!("{dd}/server/tls/serving-kube-apiserver.key"),
        0o600,
        0,
        0,
    );
    root.mode(&format!("{dd}/server/tls/client-ca.crt"), 0o644, 0, 0);
    root.mode(&format!("{dd}/server/db/etcd"), 0o700, 1001, 1001);
    root.mode(&format!("{dd}/agent/kubelet.kubeconfig"), 0o600, 0, 0);
    root.mode(&format!("{dd}/agent/client-ca.crt"), 0o644, 0, 0);
    let report = evaluate_full(vec![root.facts()]);
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(status("scheduler-kubeconfig-permissive"), Status::Fail);
    assert_eq!(
        status("controller-manager-kubeconfig-permissive"),
        Status::Pass
    );
    // The data directory's admin kubeconfig passes, the one written for users (-o) fails.
    let admin = findings_of(&report, "admin-kubeconfig-permissive");
    assert!(
        admin
            .iter()
            .any(|(s, m)| *s == Status::Fail && m.contains("/root/.kube/k3s.yaml")),
        "{admin:?}"
    );
    assert_eq!(status("pki-key-permissive"), Status::Pass);
    assert_eq!(status("pki-certificate-permissive"), Status::Pass);
    assert_eq!(status("kubelet-kubeconfig-permissive"), Status::Pass);
    assert_eq!(status("kubelet-client-ca-permissive"), Status::Pass);
    // No etcd runs (SQLite, no --cluster-init) until its data directory holds one; it does.
    assert_eq!(status("etcd-data-dir-permissive"), Status::Pass);
    assert_eq!(status("etcd-data-dir-not-etcd-owned"), Status::Pass);
    // kube-proxy's kubeconfig is not where k3s keeps it: unknown, not absent.
    let (st, msg) = only(&report, "proxy-kubeconfig-permissive");
    assert_eq!(st, Status::Error, "{msg}");
    assert!(msg.contains("kubeproxy.kubeconfig"), "{msg}");
}

/// Credentials inside flag values and configuration values (a URL's `user:password@`, a
/// registry login in an image, etcd's discovery token) never enter the facts.
#[test]
fn credentials_inside_values_never_enter_node_facts() {
    let root = Root::new(
        &[(
            "/var/lib/kubelet/config.yaml",
            Some("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodURL: https://u:CANARY-1@pods.example.com/list\n"),
        )],
        &[
            (
                100,
                &[
                    "/usr/local/bin/kube-apiserver",
                    "--etcd-servers=https://root:CANARY-2@etcd:2379",
                    "--oidc-issuer-url",
                    "https://u:CANARY-3@issuer.example.com",
                ],
            ),
            (
                101,
                &[
                    "/usr/bin/kubelet",
                    "--config=/var/lib/kubelet/config.yaml",
                    "--pod-infra-container-image=user:CANARY-4@registry.example.com/pause:3.9",
                ],
            ),
            (
                102,
                &[
                    "/usr/local/bin/etcd",
                    "--discovery=https://discovery.etcd.io/CANARY-5",
                    "--initial-cluster=e1=https://u:CANARY-6@10.0.0.1:2380",
                ],
            ),
        ],
    );
    let text = serde_json::to_string(&root.facts()).unwrap();
    assert!(!text.contains("CANARY"), "{text}");
    // The flags stay, so the checks still see them.
    assert!(text.contains("--etcd-servers="), "{text}");
}

/// RKE2 runs the API server as a static pod with its PKI in RKE2's data directory; its admin
/// kubeconfigs (`server/cred/admin.kubeconfig` there, and `/etc/rancher/rke2/rke2.yaml`) are
/// judged, not left not applicable at kubeadm's paths.
#[test]
fn rke2_admin_kubeconfigs_are_judged() {
    let api = "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n  - name: kube-apiserver\n    command: [kube-apiserver, --client-ca-file=/var/lib/rancher/rke2/server/tls/client-ca.crt]\n    volumeMounts:\n    - {name: dir0, mountPath: /var/lib/rancher/rke2/server/tls}\n  volumes:\n  - name: dir0\n    hostPath: {path: /var/lib/rancher/rke2/server/tls, type: DirectoryOrCreate}\n";
    let root = kubelet_with(KUBELET_CONFIG, &[]);
    root.write("/etc/kubernetes/manifests/kube-apiserver.yaml", api);
    root.write("/var/lib/rancher/rke2/server/tls/client-ca.crt", "x");
    root.write("/var/lib/rancher/rke2/server/cred/admin.kubeconfig", "x");
    root.mode(
        "/var/lib/rancher/rke2/server/cred/admin.kubeconfig",
        0o600,
        0,
        0,
    );
    root.write("/etc/rancher/rke2/rke2.yaml", "x");
    root.mode("/etc/rancher/rke2/rke2.yaml", 0o644, 0, 0);
    let report = evaluate_full(vec![root.facts()]);
    let admin = findings_of(&report, "admin-kubeconfig-permissive");
    assert!(
        admin
            .iter()
            .any(|(s, m)| *s == Status::Fail && m.contains("/etc/rancher/rke2/rke2.yaml")),
        "{admin:?}"
    );
    assert!(
        admin
            .iter()
            .any(|(s, m)| *s == Status::Pass && m.contains("server/cred/admin.kubeconfig")),
        "{admin:?}"
    );
}

/// The kubelet expands `$(VAR)` in a static pod's command from the container's environment,
/// so the node collector reads the flags as the component gets them: `--authorization-mode=$(MODE)`
/// with `MODE=AlwaysAllow` fails CIS 1.2.6 (the literal `$(MODE)` passed it).
#[test]
fn static_pod_flags_are_read_with_their_variables_expanded() {
    let root = materialize("kubeadm-cp-good");
    // The API server's process is gone: its static pod decides.
    std::fs::remove_dir_all(root.path().join("proc/200")).unwrap();
    let manifest = root
        .path()
        .join("etc/kubernetes/manifests/kube-apiserver.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("    - --authorization-mode=Node,RBAC\n"));
    let text = text
        .replace(
            "    - --authorization-mode=Node,RBAC\n",
            "    - --authorization-mode=$(MODE)\n",
        )
        .replace(
            "    image: registry.k8s.io/kube-apiserver:v1.33.4\n",
            "    image: registry.k8s.io/kube-apiserver:v1.33.4\n    env:\n    - name: MODE\n      value: AlwaysAllow\n",
        );
    std::fs::write(&manifest, text).unwrap();
    let facts = collect(root.path());
    let apiserver = facts
        .components
        .iter()
        .find(|c| c.component == "kube-apiserver")
        .expect("the static pod is read");
    assert!(
        apiserver
            .args
            .contains(&"--authorization-mode=AlwaysAllow".to_string()),
        "{:?}",
        apiserver.args
    );
    let report = serde_json::to_value(evaluate(vec![facts])).unwrap();
    assert_eq!(item_status(&report, "1.2.6"), "fail");
}

/// A `$(VAR)` reference the static pod's manifest does not resolve (a Secret's value, a
/// variable `envFrom` may define) hides the flag that uses it: its checks are manual with the
/// reason, never judged on the literal `$(VAR)` (which passed "not AlwaysAllow"), and a
/// reference standing for a whole argument leaves every flag of the component unknown.
#[test]
fn static_pod_flags_behind_unresolved_variables_are_manual() {
    let cases = [
        (
            "    - --authorization-mode=$(MODE)\n",
            "    env:\n    - name: MODE\n      valueFrom:\n        secretKeyRef: {name: modes, key: mode}\n",
            "1.2.6",
        ),
        (
            "    - $(EXTRA)\n    - --authorization-mode=Node,RBAC\n",
            "    envFrom:\n    - configMapRef: {name: apiserver-flags}\n",
            "1.2.6",
        ),
        (
            "    - --authorization-mode=Node,RBAC\n    - --encryption-provider-config=$(ENC)\n",
            "    env:\n    - name: ENC\n      valueFrom:\n        fieldRef: {fieldPath: metadata.annotations['enc']}\n",
            "1.2.28",
        ),
    ];
    for (line, env, item) in cases {
        let root = materialize("kubeadm-cp-good");
        std::fs::remove_dir_all(root.path().join("proc/200")).unwrap();
        let manifest = root
            .path()
            .join("etc/kubernetes/manifests/kube-apiserver.yaml");
        let text = std::fs::read_to_string(&manifest)
            .unwrap()
            .replace("    - --authorization-mode=Node,RBAC\n", line)
            .replace(
                "    - --encryption-provider-config=/etc/kubernetes/enc/encryption.yaml\n",
                "",
            )
            .replace(
                "    image: registry.k8s.io/kube-apiserver:v1.33.4\n",
                &format!("    image: registry.k8s.io/kube-apiserver:v1.33.4\n{env}"),
            );
        std::fs::write(&manifest, text).unwrap();
        let facts = collect(root.path());
        let report = serde_json::to_value(evaluate(vec![facts])).unwrap();
        assert_eq!(item_status(&report, item), "manual", "{line}");
    }
}

/// The finding of `check` on `facts`, as (status, message), with every observation's note.
fn judged(facts: NodeFacts, check: &str) -> (Status, String) {
    let report = evaluate_full(vec![facts]);
    let f = report
        .findings
        .iter()
        .find(|f| f.check == check)
        .unwrap_or_else(|| panic!("no finding of {check}"));
    let notes: Vec<String> = f
        .observations
        .iter()
        .filter_map(|o| o.note.clone())
        .collect();
    (f.status, format!("{} [{}]", f.message, notes.join(" | ")))
}

/// Feature gates as component-base's featuregate sets them (feature_gate.go,
/// `setUnsetBetaGates`): `AllBeta=false`, on the command line or in `featureGates`, turns off
/// every Beta gate not set explicitly, and `AllAlpha` every Alpha one. The kubelet applies the
/// merged gates (config file, drop-ins, then `--feature-gates`, per gate) at once
/// (cmd/kubelet/app/server.go). RotateKubeletServerCertificate is Beta
/// (pkg/features/kube_features.go), and the kubelet starts its serving-certificate manager
/// only with the gate on (pkg/kubelet/kubelet.go), so serverTLSBootstrap alone does not
/// give rotated serving certificates either.
#[test]
fn all_beta_false_turns_off_the_beta_gates_not_set_explicitly() {
    let gates = |g: &str| format!("{KUBELET_CONFIG}featureGates:\n{g}");
    let check = "kubelet-server-cert-rotation-disabled";
    for (config, flags, want) in [
        (
            KUBELET_CONFIG.to_string(),
            &["--feature-gates=AllBeta=false"][..],
            Status::Fail,
        ),
        (gates("  AllBeta: false\n"), &[][..], Status::Fail),
        (
            gates("  AllBeta: false\n  RotateKubeletServerCertificate: true\n"),
            &[][..],
            Status::Pass,
        ),
        (
            KUBELET_CONFIG.to_string(),
            &["--feature-gates=AllBeta=false,RotateKubeletServerCertificate=true"][..],
            Status::Pass,
        ),
        (
            gates("  RotateKubeletServerCertificate: true\n"),
            &["--feature-gates=AllBeta=false"][..],
            Status::Pass,
        ),
        (
            gates("  AllBeta: false\n"),
            &["--feature-gates=AllBeta=true"][..],
            Status::Pass,
        ),
        // AllAlpha leaves a Beta gate alone.
        (
            KUBELET_CONFIG.to_string(),
            &["--feature-gates=AllAlpha=false"][..],
            Status::Pass,
        ),
        (KUBELET_CONFIG.to_string(), &[][..], Status::Pass),
    ] {
        let (status, message) = judged(kubelet_with(&config, flags).facts(), check);
        assert_eq!(status, want, "{config:?} {flags:?}: {message}");
        if want == Status::Fail {
            assert!(message.contains("AllBeta"), "{message}");
            assert!(message.contains("Beta"), "{message}");
            assert!(!message.contains("default true applies"), "{message}");
        }
    }
    // CIS 4.2.9's rotation alternative: serverTLSBootstrap with the gate off is no serving
    // certificate.
    let bootstrap = format!("{KUBELET_CONFIG}serverTLSBootstrap: true\n");
    let (status, message) = judged(
        kubelet_with(&bootstrap, &[]).facts(),
        "kubelet-tls-cert-missing",
    );
    assert_eq!(status, Status::Pass, "{message}");
    let (status, message) = judged(
        kubelet_with(&bootstrap, &["--feature-gates=AllBeta=false"]).facts(),
        "kubelet-tls-cert-missing",
    );
    assert_eq!(status, Status::Fail, "{message}");
    assert!(message.contains("AllBeta"), "{message}");
}

/// The kubelet decodes its config file with Go's JSON decoding into KubeletConfiguration's
/// typed fields (after sigs.k8s.io/yaml turns the YAML into JSON;
/// pkg/kubelet/kubeletconfig/util/codec): a number where a boolean belongs, a boolean where
/// a number or text belongs, a fraction where an integer belongs, a non-boolean feature gate
/// or a number where a duration belongs is a type error, so the kubelet refuses the file and
/// does not start, whatever a flag says over it. Such a value decides nothing.
#[test]
fn values_the_kubelet_cannot_decode_are_errors() {
    let base = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
                authentication:\n  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}\n";
    for (line, check, flags) in [
        (
            "authentication:\n  anonymous: {enabled: 0}\n",
            "kubelet-anonymous-auth-enabled",
            &[][..],
        ),
        (
            "rotateCertificates: 0\n",
            "kubelet-certificate-rotation-disabled",
            &[][..],
        ),
        (
            "seccompDefault: 1\n",
            "kubelet-seccomp-default-disabled",
            &[][..],
        ),
        (
            "makeIPTablesUtilChains: 1\n",
            "kubelet-iptables-util-chains-disabled",
            &[][..],
        ),
        (
            "featureGates:\n  RotateKubeletServerCertificate: 0\n",
            "kubelet-server-cert-rotation-disabled",
            &[][..],
        ),
        (
            "featureGates:\n  SomeOtherGate: \"yes\"\n",
            "kubelet-server-cert-rotation-disabled",
            &[][..],
        ),
        (
            "readOnlyPort: false\n",
            "kubelet-read-only-port-open",
            &[][..],
        ),
        (
            "readOnlyPort: false\n",
            "kubelet-read-only-port-open",
            &["--read-only-port=0"][..],
        ),
        (
            "eventRecordQPS: 2.5\n",
            "kubelet-event-qps-negative",
            &[][..],
        ),
        (
            "podPidsLimit: true\n",
            "kubelet-pod-pids-unlimited",
            &[][..],
        ),
        (
            "authorization: {mode: true}\n",
            "kubelet-authorization-always-allow",
            &[][..],
        ),
        (
            "streamingConnectionIdleTimeout: 300\n",
            "kubelet-streaming-idle-timeout-disabled",
            &[][..],
        ),
        (
            "tlsCipherSuites: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n",
            "kubelet-weak-tls-cipher-suites",
            &[][..],
        ),
    ] {
        let config = format!("{base}{line}");
        let config = config.replacen(
            "authentication:\n  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}\nauthentication:\n  anonymous: {enabled: 0}\n",
            "authentication:\n  anonymous: {enabled: 0}\n  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}\n",
            1,
        );
        let (status, message) = judged(kubelet_with(&config, flags).facts(), check);
        assert_eq!(status, Status::Error, "{line:?} {flags:?}: {message}");
        assert!(
            message.contains("cannot decode") && message.contains("does not start"),
            "{line:?}: {message}"
        );
    }
    // A whole number written as a float is a number to the kubelet (sigs.k8s.io/yaml writes
    // 0.0 as 0).
    let config = format!("{base}readOnlyPort: 0.0\n");
    let (status, message) = judged(
        kubelet_with(&config, &[]).facts(),
        "kubelet-read-only-port-open",
    );
    assert_eq!(status, Status::Pass, "{message}");
}

/// Only `kubelet.config.k8s.io/v1beta1` KubeletConfiguration is registered in the kubelet's
/// scheme for its config file (pkg/kubelet/apis/config/scheme; `kubelet.config.k8s.io/v1`
/// holds only CredentialProviderConfig), and a drop-in of any other apiVersion/kind is
/// refused (cmd/kubelet/app/server.go, mergeKubeletConfigurations): the kubelet does not
/// start, so nothing in that configuration decides, and the refused file is never merged.
#[test]
fn a_file_of_another_api_version_is_refused_not_merged() {
    let drop_in = "apiVersion: kubelet.config.k8s.io/v1alpha1\nkind: KubeletConfiguration\n\
                   readOnlyPort: 0\nrotateCertificates: true\n";
    let config = KUBELET_CONFIG.replace("readOnlyPort: 0", "readOnlyPort: 10255");
    let root = Root::new(
        &[
            ("/var/lib/kubelet/config.yaml", Some(&config)),
            ("/etc/kubernetes/kubelet.conf.d/99-x.conf", Some(drop_in)),
        ],
        &[(
            100,
            &[
                "/usr/bin/kubelet",
                "--config=/var/lib/kubelet/config.yaml",
                "--config-dir=/etc/kubernetes/kubelet.conf.d",
            ],
        )],
    );
    let facts = root.facts();
    let k = facts.kubelet.as_ref().unwrap();
    assert_eq!(k.values["readOnlyPort"].value, Value::from(10255));
    let (status, message) = judged(facts, "kubelet-read-only-port-open");
    assert_eq!(status, Status::Error, "{message}");
    assert!(
        message.contains("99-x.conf") && message.contains("v1beta1"),
        "{message}"
    );
    // A --config-dir that is not there fails the kubelet's walk of it: it does not start.
    let (status, message) = judged(
        kubelet_with(KUBELET_CONFIG, &["--config-dir=/etc/kubernetes/nowhere.d"]).facts(),
        "kubelet-anonymous-auth-enabled",
    );
    assert_eq!(status, Status::Error, "{message}");
    assert!(message.contains("does not exist"), "{message}");
    for api in ["kubelet.config.k8s.io/v1", "kubelet.config.k8s.io/v1alpha1"] {
        let config = KUBELET_CONFIG.replace("kubelet.config.k8s.io/v1beta1", api);
        let (status, message) = judged(
            kubelet_with(&config, &[]).facts(),
            "kubelet-anonymous-auth-enabled",
        );
        assert_eq!(status, Status::Error, "{api}: {message}");
        assert!(message.contains(api), "{message}");
    }
}

/// When the kubelet's configuration cannot be read, its staticPodPath is unknown: the
/// static pod manifests (CIS 1.1.1–1.1.8) are an error saying so, never "does not exist" at
/// a default path. Only a configuration known not to set staticPodPath falls back to the
/// default directories; a `--pod-manifest-path` flag decides whatever the files say.
#[test]
fn static_pod_manifests_are_unknown_when_the_kubelet_config_is_unreadable() {
    let root = materialize("kubeadm-cp-good");
    let from = root.path().join("etc/kubernetes/manifests");
    let to = root.path().join("srv/static");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::rename(&from, &to).unwrap();
    std::fs::set_permissions(
        to.join("kube-apiserver.yaml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let config = root.path().join("var/lib/kubelet/config.yaml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("/etc/kubernetes/manifests", "/srv/static");
    std::fs::write(&config, &text).unwrap();
    let (status, message) = judged(collect(root.path()), "apiserver-manifest-permissive");
    assert_eq!(status, Status::Fail, "{message}");

    std::fs::write(&config, format!("{text}---\nkind: Other\n")).unwrap();
    for check in [
        "apiserver-manifest-permissive",
        "controller-manager-manifest-not-root-owned",
        "etcd-manifest-permissive",
    ] {
        let (status, message) = judged(collect(root.path()), check);
        assert_eq!(status, Status::Error, "{check}: {message}");
        assert!(
            message.contains("staticPodPath") && message.contains("cannot parse"),
            "{check}: {message}"
        );
    }
}

/// The kubelet's `--config-dir` drop-ins set its configuration as its `--config` file does:
/// CIS 4.1.9/4.1.10 judge every drop-in it reads (`*.conf`, subdirectories too) and the
/// directories that hold them, with or without `--config`.
#[test]
fn kubelet_config_drop_ins_are_judged_for_mode_and_owner() {
    let drop_in = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
                   readOnlyPort: 0\n";
    let files = [
        ("/var/lib/kubelet/config.yaml", Some(KUBELET_CONFIG)),
        ("/etc/kubernetes/kubelet.conf.d/10-a.conf", Some(drop_in)),
        (
            "/etc/kubernetes/kubelet.conf.d/sub/20-b.conf",
            Some(drop_in),
        ),
        ("/etc/kubernetes/kubelet.conf.d/README", Some("not read")),
    ];
    let with_config = [
        "/usr/bin/kubelet",
        "--config=/var/lib/kubelet/config.yaml",
        "--config-dir=/etc/kubernetes/kubelet.conf.d",
    ];
    let dir_only = [
        "/usr/bin/kubelet",
        "--config-dir=/etc/kubernetes/kubelet.conf.d",
    ];
    for argv in [&with_config[..], &dir_only[..]] {
        let root = Root::new(&files, &[(100, argv)]);
        root.mode("/var/lib/kubelet/config.yaml", 0o600, 0, 0);
        root.mode("/etc/kubernetes/kubelet.conf.d", 0o755, 0, 0);
        root.mode("/etc/kubernetes/kubelet.conf.d/sub", 0o755, 0, 0);
        root.mode("/etc/kubernetes/kubelet.conf.d/10-a.conf", 0o600, 0, 0);
        root.mode("/etc/kubernetes/kubelet.conf.d/sub/20-b.conf", 0o600, 0, 0);
        root.mode("/etc/kubernetes/kubelet.conf.d/README", 0o666, 1001, 1001);
        let report = evaluate_full(vec![root.facts()]);
        for check in [
            "kubelet-config-file-permissive",
            "kubelet-config-file-not-root-owned",
            "kubelet-config-dir-permissive",
        ] {
            let all = findings_of(&report, check);
            assert!(!all.is_empty(), "{check}");
            assert!(
                all.iter().all(|(s, _)| *s == Status::Pass),
                "{argv:?} {check}: {all:?}"
            );
        }
        let judged_paths = findings_of(&report, "kubelet-config-file-not-root-owned");
        assert!(
            judged_paths
                .iter()
                .any(|(_, m)| m.contains("sub/20-b.conf")),
            "{judged_paths:?}"
        );

        root.mode(
            "/etc/kubernetes/kubelet.conf.d/sub/20-b.conf",
            0o666,
            1001,
            1001,
        );
        root.mode("/etc/kubernetes/kubelet.conf.d/sub", 0o777, 0, 0);
        let report = evaluate_full(vec![root.facts()]);
        for check in [
            "kubelet-config-file-permissive",
            "kubelet-config-file-not-root-owned",
            "kubelet-config-dir-permissive",
        ] {
            let all = findings_of(&report, check);
            let failing: Vec<&String> = all
                .iter()
                .filter(|(s, _)| *s == Status::Fail)
                .map(|(_, m)| m)
                .collect();
            assert_eq!(failing.len(), 1, "{argv:?} {check}: {all:?}");
            assert!(failing[0].contains("kubelet.conf.d/sub"), "{failing:?}");
        }
    }
}

/// When the config file cannot be parsed, a key it might set is said to be unreadable
/// because the file failed to parse, not "not set".
#[test]
fn a_key_in_an_unparsable_config_file_could_not_be_read() {
    let config = format!("{KUBELET_CONFIG}seccompDefault: true\n---\nkind: Other\n");
    let (status, message) = judged(
        kubelet_with(&config, &[]).facts(),
        "kubelet-seccomp-default-disabled",
    );
    assert_eq!(status, Status::Error, "{message}");
    assert!(
        message.contains("could not be read") && message.contains("cannot parse"),
        "{message}"
    );
    assert!(!message.contains("not set in"), "{message}");
}

/// Drop-ins override the config file and the drop-ins before them: one that cannot be read
/// (or parsed) may set any key, so what the files before it set is unknown, while a later
/// drop-in, or a flag, still decides.
#[test]
fn a_drop_in_that_cannot_be_read_leaves_what_it_may_override_unknown() {
    let broken =
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n---\nx: 1\n";
    let later = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
                 readOnlyPort: 0\n";
    let root = Root::new(
        &[
            ("/var/lib/kubelet/config.yaml", Some(KUBELET_CONFIG)),
            (
                "/etc/kubernetes/kubelet.conf.d/10-broken.conf",
                Some(broken),
            ),
            ("/etc/kubernetes/kubelet.conf.d/20-later.conf", Some(later)),
        ],
        &[(
            100,
            &[
                "/usr/bin/kubelet",
                "--config=/var/lib/kubelet/config.yaml",
                "--config-dir=/etc/kubernetes/kubelet.conf.d",
                "--anonymous-auth=false",
            ],
        )],
    );
    let report = evaluate_full(vec![root.facts()]);
    let (status, message) = only(&report, "kubelet-authorization-always-allow");
    assert_eq!(status, Status::Error, "{message}");
    assert!(
        message.contains("10-broken.conf") && message.contains("may not be"),
        "{message}"
    );
    // Set by a later drop-in, or by a flag: known.
    assert_eq!(only(&report, "kubelet-read-only-port-open").0, Status::Pass);
    assert_eq!(
        only(&report, "kubelet-anonymous-auth-enabled").0,
        Status::Pass
    );
}

/// CNI configuration where a distribution's container runtime reads it (k3s's embedded
/// containerd, MicroK8s, OpenShift), as kube-bench's platform configurations audit it: judged
/// there, and an absent `/etc/cni/net.d` then says nothing (CIS 1.1.9-1.1.10).
#[test]
fn cni_files_of_distributions_are_judged_where_their_runtime_reads_them() {
    let root = Root::new(
        &[
            (
                "/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist",
                Some("{}"),
            ),
            ("/var/lib/kubelet/config.yaml", Some(KUBELET_CONFIG)),
        ],
        &[(
            100,
            &["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"],
        )],
    );
    root.mode(
        "/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist",
        0o644,
        0,
        0,
    );
    let report = evaluate_full(vec![root.facts()]);
    let findings = findings_of(&report, "cni-files-permissive");
    assert!(
        findings.iter().any(|(s, m)| *s == Status::Fail
            && m.contains("/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist")),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .all(|(_, m)| !m.contains("/etc/cni/net.d does not exist")),
        "{findings:?}"
    );
}
