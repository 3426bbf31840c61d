//! Running in a cluster (issue 12): our own `deploy/` passes our own checks with the shipped
//! exceptions, real `kubectl` applies the kustomization (client dry run against the test API
//! server), the Dockerfile keeps the rules the manifests keep, the shipped configuration file
//! is valid, retention keeps exactly N runs and never removes a folder that is not ours, and a
//! scan in a pod records where it ran.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::apiserver::TestServer;
use support::clusters;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubeattest"));
    c.env_remove(kubeattest::config::ENV);
    for v in kubeattest::attribution::POD_ENV {
        c.env_remove(v);
    }
    c
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("JSON")
}

/// Every document of the `deploy/` files (the kustomization and the configuration excepted).
fn deploy_objects() -> Vec<Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo().join("deploy")).expect("deploy/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        for doc in kubeattest::yaml::parse_documents(&text).expect("YAML") {
            let v = doc.to_json();
            if v.get("kind").is_some() && v.get("apiVersion").is_some() {
                out.push(v);
            }
        }
    }
    out
}

fn object<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in deploy/"))
}

/// `kubectl kustomize deploy/` (real kustomize), with `home` as its HOME.
fn kustomize_deploy(kubectl: &Path, home: &Path) -> Vec<u8> {
    let built = Command::new(kubectl)
        .arg("kustomize")
        .arg(repo().join("deploy"))
        .env("HOME", home)
        .output()
        .expect("run kubectl kustomize");
    assert!(
        built.status.success(),
        "kubectl kustomize deploy/: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    built.stdout
}

/// What `kubectl apply -k deploy/` applies, as files to scan: the kustomization rendered by
/// real kustomize (`kubectl kustomize`), else (no kubectl) the files it lists as written.
/// The kustomization itself is never scanned as written: kubeattest refuses to judge one.
fn deploy_manifests(tmp: &Path) -> Vec<PathBuf> {
    let kubectl = Path::new("/usr/bin/kubectl");
    if kubectl.exists() {
        let rendered = tmp.join("rendered.yaml");
        std::fs::write(&rendered, kustomize_deploy(kubectl, tmp)).expect("write");
        return vec![rendered];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("deploy"))
        .expect("deploy/")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.ends_with(".yaml") && name != "kustomization.yaml" && name != "exceptions.yaml"
        })
        .collect();
    files.sort();
    files
}

/// `kubeattest scan` of what `kubectl apply -k deploy/` applies, with
/// `--exceptions deploy/exceptions.yaml`: no fail, no error, every input read, and every
/// exception used (none left over to hide a new finding).
#[test]
fn our_manifests_pass_our_checks_with_the_shipped_exceptions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("report");
    let o = bin()
        .current_dir(repo())
        .arg("scan")
        .arg("--manifests")
        .args(deploy_manifests(tmp.path()))
        .arg("--exceptions")
        .arg("deploy/exceptions.yaml")
        .args(["--format", "json", "--quiet", "--out"])
        .arg(&out)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let report = support::report_json(&out.join("report.json")).expect("report");
    let bad: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "fail" || f["status"] == "error")
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f["status"],
                f["check"],
                f["subject"],
                f["observations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|o| o["holds"] == false)
                    .map(|o| o.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "deploy/ fails our own checks:\n{}",
        bad.join("\n")
    );
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let coverage = report["coverage"].as_array().expect("coverage");
    // Every file read in full (a PersistentVolumeClaim no check reads is `not_judged`).
    assert!(
        coverage
            .iter()
            .all(|c| c["status"] == "ok" || c["status"] == "not_judged"),
        "unread input: {coverage:?}"
    );
    let exceptions = report["exceptions"].as_array().expect("exceptions");
    assert!(!exceptions.is_empty());
    // The node agent, its namespace, and the scanner's reading of Secrets: nothing else.
    let excepted = [
        ("DaemonSet", "kubeattest-agent", "kubeattest-node-agent"),
        ("Namespace", "*", "kubeattest-agent"),
        ("ServiceAccount", "kubeattest", "kubeattest"),
    ];
    for e in exceptions {
        assert_eq!(e["status"], "applied", "exception not used: {e}");
        assert!(
            excepted
                .iter()
                .any(|(k, ns, n)| e["kind"] == *k && e["namespace"] == *ns && e["name"] == *n),
            "{e}"
        );
        for field in ["justification", "approver", "ticket", "expires"] {
            assert!(
                e[field].as_str().is_some_and(|s| !s.is_empty()),
                "{field}: {e}"
            );
        }
    }
    let secrets_waived = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "waived" && f["subject"]["kind"] == "ServiceAccount")
        .count();
    assert_eq!(secrets_waived, 1, "only the scanner's secrets-readable");
}

/// The kustomization builds with real kustomize (`kubectl kustomize`) and real `kubectl apply
/// -k --dry-run=client` accepts it against the test API server; the dry run only reads.
#[test]
fn kubectl_applies_the_kustomization_in_a_client_dry_run() {
    let kubectl = Path::new("/usr/bin/kubectl");
    if !kubectl.exists() {
        eprintln!("kubectl not installed; skipping");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let built = kustomize_deploy(kubectl, tmp.path());
    let text = String::from_utf8_lossy(&built);
    let docs: Vec<Value> = kubeattest::yaml::parse_documents(&text)
        .expect("kustomize output")
        .iter()
        .map(|d| d.to_json())
        .collect();
    let cm = docs
        .iter()
        .find(|d| {
            d["kind"] == "ConfigMap"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("kubeattest-exceptions-"))
        })
        .expect("the generated exceptions ConfigMap");
    let cm_name = cm["metadata"]["name"].as_str().expect("name");
    assert!(cm["data"]["exceptions.yaml"].is_string(), "{cm}");
    let cronjob = object(&docs, "CronJob");
    let volumes = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["volumes"];
    assert!(
        volumes.to_string().contains(cm_name),
        "the CronJob mounts the generated ConfigMap: {volumes}"
    );

    let server = TestServer::start(clusters::demo(), vec![]);
    let kc = server.kubeconfig(tmp.path());
    let o = Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("--cache-dir")
        .arg(tmp.path().join("cache"))
        .args(["apply", "--dry-run=client", "--validate=false", "-k"])
        .arg(repo().join("deploy"))
        .env("HOME", tmp.path())
        .env_remove("KUBECONFIG")
        .output()
        .expect("run kubectl apply");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "kubectl apply --dry-run=client -k deploy/:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for name in [
        "namespace/kubeattest ",
        "namespace/kubeattest-agent ",
        "cronjob.batch/kubeattest ",
        "daemonset.apps/kubeattest-node-agent ",
        "persistentvolumeclaim/kubeattest-reports ",
        "clusterrole.rbac.authorization.k8s.io/kubeattest-reader ",
    ] {
        assert!(stdout.contains(name), "{name} missing:\n{stdout}");
    }
    let writes: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "a client dry run wrote: {writes:?}");
}

/// The scanner runs `restricted`, the node agent alone in its `privileged` namespace; the
/// default `--agent-namespace` is that namespace.
#[test]
fn namespaces_separate_the_scanner_from_the_node_agent() {
    let objects = deploy_objects();
    let ns = |name: &str| {
        objects
            .iter()
            .filter(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == name)
            .collect::<Vec<_>>()
    };
    let scanner = ns("kubeattest");
    let agent = ns("kubeattest-agent");
    assert_eq!(scanner.len(), 1, "one definition of Namespace kubeattest");
    assert_eq!(
        agent.len(),
        1,
        "one definition of Namespace kubeattest-agent"
    );
    let enforce = "pod-security.kubernetes.io/enforce";
    assert_eq!(scanner[0]["metadata"]["labels"][enforce], "restricted");
    assert_eq!(agent[0]["metadata"]["labels"][enforce], "privileged");
    assert_eq!(
        object(&objects, "DaemonSet")["metadata"]["namespace"],
        "kubeattest-agent"
    );
    assert_eq!(
        object(&objects, "CronJob")["metadata"]["namespace"],
        "kubeattest"
    );
    assert_eq!(
        kubeattest::collect::cluster::AGENT_NAMESPACE,
        "kubeattest-agent"
    );
    assert!(shipped_config().contains("agent-namespace: kubeattest-agent"));
    // Linux nodes only, and admitted at system-node-critical outside kube-system (GKE needs
    // a quota scoped to that class).
    let ds = &object(&objects, "DaemonSet")["spec"]["template"]["spec"];
    assert_eq!(ds["nodeSelector"]["kubernetes.io/os"], "linux");
    assert!(objects.iter().any(|o| o["kind"] == "ResourceQuota"
        && o["metadata"]["namespace"] == "kubeattest-agent"
        && o["spec"]["scopeSelector"]
            .to_string()
            .contains("system-node-critical")));
    // Both namespaces hold a LimitRange and a ResourceQuota (kubeattest-agent's quotas cap no
    // cpu or memory, which deploy/exceptions.yaml waives).
    for ns in ["kubeattest", "kubeattest-agent"] {
        for kind in ["LimitRange", "ResourceQuota"] {
            assert!(
                objects
                    .iter()
                    .any(|o| o["kind"] == kind && o["metadata"]["namespace"] == ns),
                "{kind} in {ns}"
            );
        }
    }
}

/// The CronJob: one run at a time, bounded, restricted, its options from the ConfigMap, its
/// reports on the PVC, and the downward-API variables the report reads.
#[test]
fn the_cronjob_is_bounded_and_records_its_identity() {
    let objects = deploy_objects();
    let cj = object(&objects, "CronJob");
    assert_eq!(cj["spec"]["concurrencyPolicy"], "Forbid");
    assert!(cj["spec"]["startingDeadlineSeconds"].is_u64());
    let job = &cj["spec"]["jobTemplate"]["spec"];
    assert!(job["backoffLimit"].is_u64());
    assert!(job["activeDeadlineSeconds"].is_u64());
    let pod = &job["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let c = &pod["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
    for k in ["requests", "limits"] {
        assert!(c["resources"][k]["memory"].is_string(), "{k}");
        assert!(c["resources"][k]["cpu"].is_string(), "{k}");
    }
    let env: Vec<&str> = c["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    for v in kubeattest::attribution::POD_ENV
        .iter()
        .chain([&kubeattest::config::ENV])
    {
        assert!(env.contains(v), "{v} not set by the CronJob");
    }
    let claim = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
        .expect("a PVC volume");
    let pvc = object(&objects, "PersistentVolumeClaim");
    assert_eq!(pvc["metadata"]["name"], claim);
    // The image's user is the pod's.
    let uid = pod["securityContext"]["runAsUser"]
        .as_u64()
        .expect("runAsUser");
    assert_eq!(dockerfile_user(), uid);
}

/// The UID of the Dockerfile's final stage.
fn dockerfile_user() -> u64 {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).expect("Dockerfile");
    let last = text.rsplit("\nFROM ").next().expect("a FROM");
    let user = last
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the final stage sets USER");
    user.split(':')
        .next()
        .unwrap_or("")
        .trim()
        .parse()
        .expect("a numeric UID")
}

/// Our rules where they apply to an image: a fixed non-root numeric user, a base with no
/// shell (scratch or distroless static), nothing run in the final stage, a static binary.
#[test]
fn the_dockerfile_keeps_the_rules_the_manifests_keep() {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).expect("Dockerfile");
    let stages: Vec<&str> = text.split("\nFROM ").skip(1).collect();
    assert!(stages.len() >= 2, "a multi-stage build");
    let last = stages.last().expect("final stage");
    let base = last.lines().next().unwrap_or("");
    assert!(
        base.starts_with("scratch") || base.starts_with("gcr.io/distroless/static"),
        "minimal base without a shell: {base}"
    );
    assert!(
        !last.lines().any(|l| l.starts_with("RUN ")),
        "nothing runs in the final stage (there is no shell)"
    );
    assert_ne!(dockerfile_user(), 0, "not root");
    assert!(
        text.contains("--target x86_64-unknown-linux-musl"),
        "static musl binary"
    );
    assert!(text.contains("--locked"));
    let ignore = std::fs::read_to_string(repo().join(".dockerignore")).expect(".dockerignore");
    assert!(ignore.lines().any(|l| l.trim() == "target/"));
}

/// `kubeattest.yaml` of the ConfigMap in deploy/config.yaml.
fn shipped_config() -> String {
    let objects = deploy_objects();
    objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "kubeattest-config")
        .and_then(|cm| cm["data"]["kubeattest.yaml"].as_str())
        .expect("deploy/config.yaml holds kubeattest.yaml")
        .to_string()
}

/// The shipped configuration file is valid: every key a scan flag, every value accepted.
#[test]
fn the_shipped_configuration_is_valid() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("kubeattest.yaml");
    std::fs::write(&path, shipped_config()).expect("write");
    let args = kubeattest::config::read(&path, |_| false).unwrap_or_else(|e| panic!("{e}"));
    assert!(args.iter().any(|a| a == "--out-root=/reports"), "{args:?}");
}

/// A configuration file's problems: file:line, exit 2, nothing written.
#[test]
fn a_bad_configuration_file_is_a_usage_error_with_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cfg = tmp.path().join("kubeattest.yaml");
    std::fs::write(&cfg, "demo: true\nformat: [json, docx]\n").expect("write");
    let o = bin()
        .current_dir(tmp.path())
        .args(["scan", "--quiet"])
        .env(kubeattest::config::ENV, &cfg)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:2: `format`", cfg.display())),
        "{stderr}"
    );
    assert!(!tmp.path().join("reports").exists());
}

fn fake_run(cluster_dir: &Path, name: &str, from: &Path) {
    let dir = cluster_dir.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for f in std::fs::read_dir(from).expect("run") {
        let f = f.expect("entry");
        std::fs::copy(f.path(), dir.join(f.file_name())).expect("copy");
    }
}

/// `scan --out-root DIR --keep N` (here from a configuration file, with a flag overriding
/// it): DIR/<cluster>/<time>/, `latest` names it, exactly N runs stay, and folders that are
/// not certainly ours stay too.
#[test]
fn retention_keeps_exactly_n_runs_and_never_what_is_not_ours() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("reports");
    let cfg = tmp.path().join("kubeattest.yaml");
    std::fs::write(
        &cfg,
        "demo: true\nformat: json\nout-root: reports\ncluster-name: prod-eu\nkeep: 10\nquiet: true\n",
    )
    .expect("write");
    let scan = |keep: &str| {
        let o = bin()
            .current_dir(tmp.path())
            .args(["scan", "--config"])
            .arg(&cfg)
            .args(["--keep", keep])
            .output()
            .expect("run");
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    scan("10");
    // Run folders are named to the second: the next scan must start in a later one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let cluster = root.join("prod-eu");
    let latest = std::fs::read_to_string(cluster.join("latest")).expect("latest");
    let first = cluster.join(latest.trim());
    assert!(first.join("MANIFEST.json").is_file(), "{}", first.display());
    // Older runs of ours, and things that are not.
    for day in 1..=5 {
        fake_run(&cluster, &format!("2020010{day}T000000Z"), &first);
    }
    // A run someone added a file to; a folder named like a run without our manifest (newer
    // than every run, so it would be kept anyway if it counted); a report not named like a run.
    std::fs::write(cluster.join("20200102T000000Z/extra.txt"), "added by hand").expect("w");
    std::fs::create_dir(cluster.join("20301231T000000Z")).expect("mkdir");
    std::fs::write(cluster.join("20301231T000000Z/notes.txt"), "not a report").expect("w");
    fake_run(&cluster, "archive", &first);
    let stderr = scan("3");
    let mut runs: Vec<String> = std::fs::read_dir(&cluster)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.len() == 16
                && cluster.join(n).join("MANIFEST.json").is_file()
                && n != "20200102T000000Z"
        })
        .collect();
    runs.sort();
    // Exactly 3 runs of ours: the newest fake, the first run and this one.
    assert_eq!(runs.len(), 3, "{runs:?}\n{stderr}");
    assert_eq!(runs[0], "20200105T000000Z", "{runs:?}");
    let latest = std::fs::read_to_string(cluster.join("latest")).expect("latest");
    assert_eq!(latest.trim(), runs[2]);
    // Never removed: a file the manifest does not list, no manifest, not named like a run.
    assert!(cluster.join("20200102T000000Z/extra.txt").is_file());
    assert!(cluster.join("20200102T000000Z/report.json").is_file());
    assert!(cluster.join("20301231T000000Z/notes.txt").is_file());
    assert!(cluster.join("archive/MANIFEST.json").is_file());
    assert!(stderr.contains("20200102T000000Z"), "named: {stderr}");
}

/// In a pod: namespace, pod, node, Job and CronJob from the downward-API variables land in
/// `run.attribution.pod`, valid against the schema.
#[test]
fn a_scan_in_a_pod_records_where_it_ran() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("report");
    let o = bin()
        .args([
            "scan",
            "--demo",
            "--format",
            "json,html",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .env("KUBEATTEST_POD_NAMESPACE", "kubeattest")
        .env("KUBEATTEST_POD_NAME", "kubeattest-29412345-x7k2p")
        .env("KUBEATTEST_NODE_NAME", "worker-1")
        .env("KUBEATTEST_JOB_NAME", "kubeattest-29412345")
        .env("KUBEATTEST_CRONJOB_NAME", "kubeattest")
        .output()
        .expect("run");
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = read_json(&out.join("report.json"));
    let pod = &report["run"]["attribution"]["pod"];
    assert_eq!(pod["namespace"], "kubeattest");
    assert_eq!(pod["name"], "kubeattest-29412345-x7k2p");
    assert_eq!(pod["node"], "worker-1");
    assert_eq!(pod["job"], "kubeattest-29412345");
    assert_eq!(pod["cronjob"], "kubeattest");
    let schema: Value = read_json(&repo().join("schemas/report-v2.schema.json"));
    let validator = jsonschema::draft202012::options()
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    assert!(
        html.contains("started by Job kubeattest-29412345 of CronJob kubeattest"),
        "on the cover"
    );
    // Outside a pod: nothing recorded.
    let out2 = tmp.path().join("plain");
    bin()
        .args(["scan", "--demo", "--format", "json", "--quiet", "--out"])
        .arg(&out2)
        .output()
        .expect("run");
    let report = read_json(&out2.join("report.json"));
    assert!(report["run"]["attribution"].get("pod").is_none());
}
