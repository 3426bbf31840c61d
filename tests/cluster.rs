//! Live-cluster scans, end to end: the `kubeattest` binary against the in-process test API
//! server (`tests/support/`) through a generated kubeconfig, and the real `kubectl` against
//! the same server.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use serde_json::Value;
use support::apiserver::{Fault, TestServer};
use support::clusters::{self, Cluster};

const TEST_CATALOG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/cluster-catalog"
);
const CANARIES: &[&str] = &[
    "KUBEATTEST-CANARY-TLS-KEY-DO-NOT-LEAK",
    "KUBEATTEST-CANARY-SECRET-VALUE",
];

struct Run {
    output: Output,
    dir: PathBuf,
    report: Value,
}

impl Run {
    fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

fn kubeattest(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("run kubeattest")
}

/// `kubeattest --catalog TEST scan --kubeconfig K --out DIR/report <extra>`.
fn scan(server: &TestServer, tmp: &Path, name: &str, extra: &[&str]) -> Run {
    let kc = server.kubeconfig(tmp);
    let out = tmp.join(name);
    let mut args = vec![
        "--catalog",
        TEST_CATALOG,
        "scan",
        "--kubeconfig",
        kc.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let output = kubeattest(&args);
    let report = support::report_json(&out.join("report.json")).unwrap_or(Value::Null);
    Run {
        output,
        dir: out,
        report,
    }
}

/// The findings, and the compact passes of the pass lists (schema 2.1) as findings of status
/// pass (check and subject).
fn entries(report: &Value) -> Vec<Value> {
    let mut v: Vec<Value> = report["findings"].as_array().expect("findings").clone();
    let subjects = report["subjects"].as_array().cloned().unwrap_or_default();
    for p in report["passed"].as_array().into_iter().flatten() {
        for i in p["subjects"].as_array().expect("indexes") {
            let subject = subjects[i.as_u64().expect("index") as usize].clone();
            v.push(serde_json::json!({"check": p["check"], "status": "pass", "subject": subject}));
        }
    }
    v
}

/// Findings (passes included) as comparable tuples: check, status, subject, message.
fn findings(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = entries(report)
        .iter()
        .map(|f| {
            format!(
                "{} {} {}/{}/{} — {}",
                f["check"].as_str().unwrap_or(""),
                f["status"].as_str().unwrap_or(""),
                f["subject"]["kind"].as_str().unwrap_or(""),
                f["subject"]["namespace"].as_str().unwrap_or(""),
                f["subject"]["name"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    v.sort();
    v
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("check {id} not in report"))
}

fn coverage<'a>(report: &'a Value, source: &str) -> &'a Value {
    report["coverage"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["source"] == source))
        .unwrap_or_else(|| panic!("no coverage entry {source}: {}", report["coverage"]))
}

/// `kubeattest snapshot <snapshot_args>` of the server's cluster, then `kubeattest --catalog
/// TEST scan --snapshot … <scan_args>`; both must exit 0. Returns the scan's report.json.
fn snapshot_then_scan(
    server: &TestServer,
    tmp: &Path,
    name: &str,
    snapshot_args: &[&str],
    scan_args: &[&str],
) -> Value {
    snapshot_then_scan_exiting(server, tmp, name, snapshot_args, scan_args, 0)
}

/// `kubeattest snapshot <args>` of the server's cluster into `tmp/NAME.json`, which must exit
/// `code`. Returns the file and what it holds.
fn take_snapshot(
    server: &TestServer,
    tmp: &Path,
    name: &str,
    args: &[&str],
    code: i32,
) -> (PathBuf, Value) {
    let kc = server.kubeconfig(tmp);
    let snap = tmp.join(format!("{name}.json"));
    let mut all = vec!["snapshot"];
    all.extend_from_slice(args);
    all.extend([
        "--kubeconfig",
        kc.to_str().expect("path"),
        "--out",
        snap.to_str().expect("path"),
    ]);
    let o = kubeattest(&all);
    assert_eq!(o.status.code(), Some(code), "{o:?}");
    let s = serde_json::from_str(&std::fs::read_to_string(&snap).expect("snapshot")).expect("json");
    (snap, s)
}

/// [`snapshot_then_scan`] where both commands must exit `code`.
fn snapshot_then_scan_exiting(
    server: &TestServer,
    tmp: &Path,
    name: &str,
    snapshot_args: &[&str],
    scan_args: &[&str],
    code: i32,
) -> Value {
    let (snap, _) = take_snapshot(server, tmp, name, snapshot_args, code);
    let out = tmp.join(format!("{name}-offline"));
    let mut args = vec![
        "--catalog",
        TEST_CATALOG,
        "scan",
        "--snapshot",
        snap.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ];
    args.extend_from_slice(scan_args);
    let o = kubeattest(&args);
    assert_eq!(o.status.code(), Some(code), "{o:?}");
    support::report_json(&out.join("report.json")).expect("offline report")
}

fn assert_only_gets(server: &TestServer) {
    let requests = server.requests();
    assert!(!requests.is_empty());
    for r in requests {
        assert_eq!(r.method, "GET", "{}", r.path);
    }
}

#[test]
fn scan_equals_snapshot_of_the_same_cluster_and_sends_only_gets() {
    let server = TestServer::start(clusters::demo(), vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let live = scan(&server, tmp.path(), "live", &[]);
    assert_eq!(live.code(), 0, "{}", live.stderr());
    let target = &live.report["run"]["target"];
    assert_eq!(target["server"], server.url());
    assert_eq!(target["kubernetes_version"], "v1.33.4");
    assert_eq!(target["platform"], "kubeadm");
    assert_eq!(target["context"], "test-ctx");
    assert_eq!(target["source"], "cluster");

    let offline = snapshot_then_scan(&server, tmp.path(), "snap", &[], &[]);
    assert_eq!(findings(&live.report), findings(&offline));
    assert_eq!(offline["run"]["target"]["platform"], "kubeadm");
    assert!(!findings(&live.report).is_empty());

    // And the live scan of the recorded demo cluster says what `--demo` says.
    let demo_out = tmp.path().join("demo");
    let o = kubeattest(&[
        "--catalog",
        TEST_CATALOG,
        "scan",
        "--demo",
        "--out",
        demo_out.to_str().expect("path"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let demo = support::report_json(&demo_out.join("report.json")).expect("demo report");
    // The demo also carries node facts (`kubeattest node` output), which an API scan cannot
    // see, and which decide the node and flag checks per node: compare everything else.
    let findings_of_demo = entries(&demo);
    let node_checks: Vec<String> = demo["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| {
            findings_of_demo.iter().any(|f| {
                f["check"] == c["id"]
                    && (!f["subject"]["node"].is_null()
                        || f["message"].as_str().unwrap_or("").contains("scanned node"))
            })
        })
        .map(|c| format!("{} ", c["id"].as_str().unwrap_or("")))
        // The demo also ships a sample vulnerability scan (`--vulnerabilities` evidence from
        // outside the cluster), which an API scan does not have either.
        .chain([
            "image-fixable-vulnerabilities ".to_string(),
            "image-scan-stale ".to_string(),
        ])
        .collect();
    let api_only = |r: &Value| -> Vec<String> {
        // Cluster-level subjects are named after the target (context vs demo name).
        let target = r["run"]["target"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        findings(r)
            .into_iter()
            .filter(|f| !node_checks.iter().any(|c| f.starts_with(c.as_str())))
            .map(|f| f.replace(&format!("Cluster//{target} "), "Cluster//<target> "))
            .collect()
    };
    let (a, b) = (api_only(&live.report), api_only(&demo));
    let only_live: Vec<&String> = a.iter().filter(|f| !b.contains(f)).collect();
    let only_demo: Vec<&String> = b.iter().filter(|f| !a.contains(f)).collect();
    assert!(
        only_live.is_empty() && only_demo.is_empty(),
        "only in the live scan: {only_live:#?}\nonly in the demo scan: {only_demo:#?}"
    );
    assert_only_gets(&server);
}

#[test]
fn forbidden_secrets_make_secret_checks_error_and_the_rest_complete() {
    let tmp = tempfile::tempdir().expect("tmp");
    let baseline_server = TestServer::start(clusters::demo(), vec![]);
    let baseline = scan(&baseline_server, tmp.path(), "baseline", &[]);
    let server = TestServer::start(clusters::demo(), vec![("secrets", Fault::Always(403))]);
    let run = scan(&server, tmp.path(), "forbidden", &[]);
    assert_eq!(
        run.code(),
        3,
        "incomplete coverage exits 3: {}",
        run.stderr()
    );
    let c = check(&run.report, "tls-secret-without-certificate");
    assert_eq!(c["status"], "error");
    let msg = c["message"].as_str().unwrap_or("");
    assert!(
        msg.contains(
            "forbidden: the scanning identity cannot list secrets; grant list on secrets, see deploy/"
        ),
        "{msg}"
    );
    let cov = coverage(&run.report, "/api/v1/secrets");
    assert_eq!(cov["status"], "forbidden");
    assert!(cov["error"]
        .as_str()
        .unwrap_or("")
        .contains("cannot list resource"));
    // The real TLS checks need secrets too and say why they could not look.
    let tls = check(&run.report, "tls-certificate-expired");
    assert_eq!(tls["status"], "error");
    assert!(
        tls["message"]
            .as_str()
            .unwrap_or("")
            .contains("cannot list secrets"),
        "{tls}"
    );
    // Everything that does not read secrets is as complete as without the fault.
    let needs_secrets: Vec<String> = run.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["status"] == "error"
                && f["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("cannot list secrets")
        })
        .map(|f| f["check"].as_str().unwrap_or("").to_string())
        .collect();
    let others = |r: &Value| -> Vec<String> {
        findings(r)
            .into_iter()
            .filter(|f| {
                !needs_secrets
                    .iter()
                    .any(|c| f.starts_with(&format!("{c} ")))
            })
            .collect()
    };
    assert_eq!(others(&run.report), others(&baseline.report));
    assert_eq!(check(&run.report, "privileged-container")["status"], "fail");
    assert!(
        run.stderr().contains("cannot list secrets"),
        "{}",
        run.stderr()
    );
    assert_only_gets(&server);
}

#[test]
fn transient_faults_are_retried_and_expired_lists_restart() {
    let tmp = tempfile::tempdir().expect("tmp");
    let baseline_server = TestServer::start(clusters::demo(), vec![]);
    let baseline = scan(&baseline_server, tmp.path(), "baseline", &[]);
    let server = TestServer::start(
        clusters::demo(),
        vec![
            ("deployments", Fault::Times(500, 2)),
            ("configmaps", Fault::Times(429, 2)),
            ("nodes", Fault::Times(404, 1)),
            ("serviceaccounts", Fault::Times(503, 1)),
            ("pods", Fault::ExpireContinue(1)),
            ("roles", Fault::Slow(std::time::Duration::from_millis(300))),
        ],
    );
    let run = scan(&server, tmp.path(), "faulty", &["--page-size", "3"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(findings(&run.report), findings(&baseline.report));
    let pods_requests = server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/pods?"))
        .count();
    let demo_pods = clusters::demo()
        .objects
        .iter()
        .filter(|o| o["kind"] == "Pod")
        .count();
    // Paged by 3, plus the pages read again after the restart.
    assert!(pods_requests > demo_pods.div_ceil(3), "{pods_requests}");
    assert_only_gets(&server);
}

#[test]
fn persistent_faults_and_timeouts_are_reported_not_crashes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = TestServer::start(
        clusters::demo(),
        vec![
            ("pods", Fault::Always(500)),
            (
                "deployments",
                Fault::Slow(std::time::Duration::from_secs(5)),
            ),
        ],
    );
    let run = scan(
        &server,
        tmp.path(),
        "broken",
        &["--request-timeout", "0.3", "--list-deadline", "1"],
    );
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let pods = coverage(&run.report, "/api/v1/pods");
    assert_eq!(pods["status"], "error");
    assert!(
        pods["error"].as_str().unwrap_or("").contains("500"),
        "{pods}"
    );
    let deploys = coverage(&run.report, "/apis/apps/v1/deployments");
    assert!(
        deploys["error"]
            .as_str()
            .unwrap_or("")
            .contains("no answer within"),
        "{deploys}"
    );
    // Control-plane flags come from pods: unknown, so error — never pass.
    let flag = check(&run.report, "apiserver-profiling-enabled");
    assert_eq!(flag["status"], "error", "{flag}");
    assert_ne!(check(&run.report, "privileged-container")["status"], "pass");
}

#[test]
fn unserved_groups_are_not_applicable() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cluster = Cluster {
        unserved_groups: vec!["networking.k8s.io".into()],
        ..clusters::demo()
    };
    let server = TestServer::start(cluster, vec![]);
    let (_, s) = take_snapshot(&server, tmp.path(), "snap", &["--quiet"], 0);
    assert_eq!(s["kinds"]["NetworkPolicy"]["state"], "not_served");
    assert!(s["kinds"]["NetworkPolicy"]["reason"]
        .as_str()
        .unwrap_or("")
        .contains("networking.k8s.io is not served"));
    assert_eq!(s["kinds"]["Pod"]["state"], "collected");
    assert!(!server
        .requests()
        .iter()
        .any(|r| r.path.contains("/networking.k8s.io/v1/")));
}

#[test]
fn namespace_scope_is_applied_and_recorded() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = TestServer::start(clusters::demo(), vec![]);
    let run = scan(&server, tmp.path(), "payments", &["-n", "payments"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(
        run.report["run"]["scope"]["namespaces"],
        serde_json::json!(["payments"])
    );
    let requests = server.requests();
    assert!(requests
        .iter()
        .any(|r| r.path.starts_with("/api/v1/namespaces/payments/pods?")));
    assert!(!requests.iter().any(|r| r.path.starts_with("/api/v1/pods?")));
    for f in &entries(&run.report) {
        let ns = &f["subject"]["namespace"];
        assert!(ns.is_null() || ns == "payments", "{f}");
    }

    // A snapshot keeps the scope, and a scan of it reports it.
    let offline = snapshot_then_scan(&server, tmp.path(), "payments", &["-n", "payments"], &[]);
    assert_eq!(
        offline["run"]["scope"]["namespaces"],
        serde_json::json!(["payments"])
    );
    assert_eq!(findings(&offline), findings(&run.report));

    let run = scan(
        &server,
        tmp.path(),
        "no-kube-system",
        &["--exclude-namespace", "kube-system"],
    );
    assert_eq!(
        run.report["run"]["scope"]["excluded_namespaces"],
        serde_json::json!(["kube-system"])
    );
    for f in &entries(&run.report) {
        assert_ne!(f["subject"]["namespace"], "kube-system", "{f}");
    }
}

#[test]
fn canary_secret_values_appear_nowhere() {
    let cluster = clusters::demo();
    let served = serde_json::to_string(&cluster.objects).expect("json");
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let needles: Vec<String> = CANARIES
        .iter()
        .flat_map(|c| [c.to_string(), b64(c)])
        .collect();
    assert!(
        needles
            .iter()
            .skip(1)
            .step_by(2)
            .all(|n| served.contains(n.as_str())),
        "the test cluster must serve the canaries"
    );
    let tmp = tempfile::tempdir().expect("tmp");
    // A fault too, so error paths are exercised.
    let server = TestServer::start(cluster, vec![("configmaps", Fault::Always(403))]);
    let run = scan(&server, tmp.path(), "report", &["--format", "json,csv"]);
    let (snap, snap_run) = snapshot(&server, tmp.path());
    let offline = kubeattest(&[
        "scan",
        "--snapshot",
        snap.to_str().expect("path"),
        "--out",
        tmp.path().join("offline").to_str().expect("path"),
    ]);
    let mut texts: Vec<(String, String)> = Vec::new();
    for o in [&run.output, &snap_run, &offline] {
        texts.push((
            "stdout".into(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        ));
        texts.push((
            "stderr".into(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ));
    }
    let mut files = 0;
    for entry in walk(tmp.path()) {
        if entry.file_name().is_some_and(|n| n == "kubeconfig") {
            continue;
        }
        texts.push((
            entry.display().to_string(),
            String::from_utf8_lossy(&std::fs::read(&entry).expect("read")).into_owned(),
        ));
        files += 1;
    }
    assert!(files >= 4, "report files and snapshot written ({files})");
    assert!(run.dir.join("report.json").exists());
    for (name, text) in &texts {
        for n in &needles {
            assert!(!text.contains(n.as_str()), "{n} leaked into {name}");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn unusable_kubeconfig_is_a_usage_error() {
    let o = kubeattest(&["scan", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read kubeconfig"));
}

#[test]
fn wrong_token_is_reported_without_the_token() {
    let server = TestServer::start(clusters::demo(), vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = server.kubeconfig(tmp.path());
    let text = std::fs::read_to_string(&kc)
        .expect("kc")
        .replace(support::apiserver::TOKEN, "wrong-token-value");
    std::fs::write(&kc, text).expect("write");
    let o = kubeattest(&["scan", "--kubeconfig", kc.to_str().expect("path")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("401"), "{err}");
    assert!(!err.contains("wrong-token-value"), "{err}");
}

/// The real `kubectl` against the test server: proves the server speaks Kubernetes as real
/// clients expect, not only as kube-rs does.
#[test]
fn kubectl_works_against_the_test_server() {
    let kubectl = Path::new("/usr/bin/kubectl");
    if !kubectl.exists() {
        eprintln!("kubectl not installed; skipping");
        return;
    }
    let cluster = clusters::demo();
    let mut want: Vec<String> = cluster
        .objects
        .iter()
        .filter(|o| o["kind"] == "Pod")
        .map(|o| {
            format!(
                "{}/{}",
                o["metadata"]["namespace"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    want.sort();
    let server = TestServer::start(cluster, vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = server.kubeconfig(tmp.path());
    let run = |args: &[&str]| {
        Command::new(kubectl)
            .arg("--kubeconfig")
            .arg(&kc)
            .arg("--cache-dir")
            .arg(tmp.path().join("cache"))
            .args(args)
            .env("HOME", tmp.path())
            .env_remove("KUBECONFIG")
            .output()
            .expect("run kubectl")
    };
    let o = run(&["get", "pods", "-A", "-o", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list: Value = serde_json::from_slice(&o.stdout).expect("kubectl json");
    let mut got: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["metadata"]["namespace"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, want);

    let o = run(&["api-resources"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for needle in [
        "deployments",
        "networkpolicies",
        "clusterrolebindings",
        "secrets",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let names = |o: &Output| -> Vec<String> {
        let v: Value = serde_json::from_slice(&o.stdout).expect("kubectl json");
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let o = run(&["get", "pods", "-A", "-l", "app=debug-shell", "-o", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(names(&o), vec!["debug-shell".to_string()]);
    let o = run(&[
        "get",
        "pods",
        "-A",
        "--field-selector",
        "metadata.namespace=kube-system",
        "-o",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(names(&o).iter().any(|n| n == "kube-apiserver-cp-1"));
    assert!(!names(&o).iter().any(|n| n == "debug-shell"));
    let o = run(&["get", "pods", "-A", "--chunk-size", "2", "-o", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(names(&o).len(), want.len());
    let o = run(&["get", "namespace", "payments", "-o", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_only_gets(&server);
}

#[test]
fn managed_platforms_make_control_plane_checks_not_applicable() {
    let mut cluster = clusters::demo();
    // An EKS cluster: no control-plane mirror pods, no kubeadm-config.
    cluster.objects.retain(|o| {
        let name = o["metadata"]["name"].as_str().unwrap_or("");
        !(o["kind"] == "Pod"
            && [
                "kube-apiserver",
                "kube-controller-manager",
                "kube-scheduler",
                "etcd",
            ]
            .iter()
            .any(|c| name.starts_with(c))
            || o["kind"] == "ConfigMap" && name == "kubeadm-config")
    });
    cluster.version = clusters::version("v1.30.2-eks-1552ad0");
    let server = TestServer::start(cluster, vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let run = scan(&server, tmp.path(), "eks", &[]);
    assert_eq!(
        run.report["run"]["target"]["platform"],
        "eks",
        "{}",
        run.stderr()
    );
    let c = check(&run.report, "apiserver-profiling-enabled");
    assert_eq!(c["status"], "not_applicable", "{c}");
    assert!(c["message"]
        .as_str()
        .unwrap_or("")
        .contains("managed control plane"));
}

/// `deploy/rbac.yaml` grants `list` on every resource the scanner may list.
#[test]
fn deploy_cluster_role_covers_every_listed_resource() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/rbac.yaml"))
        .expect("deploy/rbac.yaml");
    let docs = kubeattest::yaml::parse_documents(&text).expect("yaml");
    let role = docs
        .iter()
        .map(|d| d.to_json())
        .find(|d| d["kind"] == "ClusterRole")
        .expect("ClusterRole");
    let rules = role["rules"].as_array().expect("rules");
    for known in kubeattest::collect::cluster::resources::KNOWN {
        let res = support::apiserver::RESOURCES
            .iter()
            .find(|r| r.kind == known.kind)
            .unwrap_or_else(|| panic!("test server lacks {}", known.kind));
        let granted = rules.iter().any(|r| {
            r["apiGroups"]
                .as_array()
                .is_some_and(|g| g.iter().any(|g| g == res.group))
                && r["resources"]
                    .as_array()
                    .is_some_and(|x| x.iter().any(|x| x == res.plural))
                && r["verbs"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|v| v == "list"))
                && r["verbs"]
                    .as_array()
                    .is_some_and(|v| !v.iter().any(|v| v != "get" && v != "list"))
        });
        assert!(
            granted,
            "deploy/rbac.yaml does not grant list on {} ({})",
            res.plural, res.group
        );
    }
}

#[test]
fn kubeconfig_from_a_kubeconfig_list_and_a_named_context() {
    let server = TestServer::start(clusters::demo(), vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let real = server.kubeconfig(tmp.path());
    let other_dir = tmp.path().join("other");
    std::fs::create_dir_all(&other_dir).expect("dir");
    let other = other_dir.join("config");
    std::fs::write(
        &other,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: elsewhere\n  cluster:\n    server: https://127.0.0.1:1\nusers:\n- name: nobody\n  user: {}\ncontexts:\n- name: elsewhere\n  context:\n    cluster: elsewhere\n    user: nobody\ncurrent-context: elsewhere\n",
    )
    .expect("write");
    let list = std::env::join_paths([&other, &real]).expect("join");
    let out = tmp.path().join("report");
    let o = Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .args(["scan", "--quiet", "--context", "test-ctx", "--out"])
        .arg(&out)
        .env("KUBECONFIG", list)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = support::report_json(&out.join("report.json")).expect("report");
    assert_eq!(report["run"]["target"]["context"], "test-ctx");
    assert_eq!(report["run"]["target"]["server"], server.url());
}

/// The progress line shows on a terminal (run under `script` for a pty) and not otherwise.
#[test]
fn progress_shows_on_a_terminal_only() {
    let script = Path::new("/usr/bin/script");
    if !script.exists() {
        eprintln!("script(1) not installed; skipping");
        return;
    }
    let server = TestServer::start(clusters::demo(), vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = server.kubeconfig(tmp.path());
    let cmd = format!(
        "{} scan --kubeconfig {} --out {}",
        env!("CARGO_BIN_EXE_kubeattest"),
        kc.display(),
        tmp.path().join("tty").display()
    );
    let o = Command::new(script)
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("KUBECONFIG")
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("resources,"), "{text}");
    assert!(text.contains("objects"), "{text}");
    // Not a terminal: no progress line.
    let run = scan(&server, tmp.path(), "pipe", &[]);
    assert!(!run.stderr().contains("resources,"), "{}", run.stderr());
}

#[test]
fn forbidden_discovery_of_a_group_fails_only_its_kinds() {
    let server = TestServer::start(
        clusters::demo(),
        vec![("rbac.authorization.k8s.io/v1", Fault::Always(403))],
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, s) = take_snapshot(&server, tmp.path(), "snap", &[], 3);
    assert_eq!(s["kinds"]["ClusterRole"]["state"], "failed");
    assert!(s["kinds"]["ClusterRole"]["reason"]
        .as_str()
        .unwrap_or("")
        .starts_with("forbidden: discovery of /apis/rbac.authorization.k8s.io/v1 failed"));
    assert_eq!(s["kinds"]["Pod"]["state"], "collected");
    assert_eq!(s["kinds"]["Deployment"]["state"], "collected");
}

/// The coverage a snapshot records is the evidence: a list or a discovery document that
/// failed keeps its kinds failed when the file is read, even if `kinds` was edited to say
/// they were collected (the paths are the ones the collector writes).
#[test]
fn a_snapshot_whose_kinds_were_edited_to_collected_keeps_its_failed_lists_failed() {
    let server = TestServer::start(
        clusters::demo(),
        vec![
            ("pods", Fault::Always(403)),
            ("rbac.authorization.k8s.io/v1", Fault::Always(403)),
        ],
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, mut s) = take_snapshot(&server, tmp.path(), "snap", &[], 3);
    assert_eq!(s["kinds"]["Pod"]["state"], "failed");
    for state in s["kinds"].as_object_mut().expect("kinds").values_mut() {
        *state = serde_json::json!({"state": "collected"});
    }
    let edited = tmp.path().join("edited.json");
    std::fs::write(&edited, serde_json::to_vec_pretty(&s).expect("json")).expect("write");
    let inv = kubeattest::collect::snapshot::read(&edited).expect("read");
    use kubeattest::inventory::KindState;
    for kind in ["Pod", "ClusterRole", "RoleBinding"] {
        match inv.kind_state(kind) {
            KindState::Failed(why) => assert!(why.contains("its coverage records /ap"), "{why}"),
            other => panic!("{kind}: {other:?}"),
        }
    }
    assert_eq!(inv.kind_state("Deployment"), KindState::Collected);
    assert_eq!(inv.kind_state("Namespace"), KindState::Collected);
}

#[test]
fn who_can_answers_for_the_current_cluster_with_gets_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = TestServer::start(clusters::demo(), vec![]);
    let kc = server.kubeconfig(tmp.path());
    let live = kubeattest(&[
        "who-can",
        "get",
        "secrets",
        "--kubeconfig",
        kc.to_str().expect("path"),
        "--quiet",
    ]);
    assert_eq!(live.status.code(), Some(0), "{live:?}");
    let demo = kubeattest(&["who-can", "get", "secrets", "--demo"]);
    let text = String::from_utf8_lossy(&live.stdout);
    assert!(text.contains("ServiceAccount web/ci-deployer"), "{text}");
    assert!(
        text.contains("ClusterRoleBinding ci-deployer-admin"),
        "{text}"
    );
    assert_eq!(
        text,
        String::from_utf8_lossy(&demo.stdout),
        "same engine, same answer"
    );
    assert_only_gets(&server);
}

#[test]
fn node_facts_are_read_from_the_node_agents_logs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut cluster = clusters::demo();
    // Two agent pods whose logs hold the demo's node facts, one JSON document per line (older
    // lines first, as `kubeattest node --every` prints them).
    let facts: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/collect/demo/node-facts.json"
        ))
        .expect("demo node facts"),
    )
    .expect("json");
    for (i, pod) in ["agent-a", "agent-b"].iter().enumerate() {
        cluster.objects.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod, "namespace": "kubeattest-agent",
                "labels": {"app.kubernetes.io/name": "kubeattest-node-agent"}},
            "spec": {"containers": [{"name": "agent", "image": "kubeattest"}]}
        }));
        let mine: Vec<String> = facts
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 2 == i)
            .map(|(_, f)| f.to_string())
            .collect();
        cluster.pod_logs.insert(
            format!("kubeattest-agent/{pod}"),
            format!("starting\n{}", mine.join("\n")),
        );
    }
    let server = TestServer::start(cluster, vec![]);
    let run = scan(&server, tmp.path(), "with-agents", &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let cov = coverage(
        &run.report,
        "/api/v1/namespaces/kubeattest-agent/pods/agent-a/log",
    );
    assert_eq!(cov["status"], "ok", "{cov}");
    let entries = entries(&run.report);
    let nodes: std::collections::BTreeSet<&str> = entries
        .iter()
        .filter_map(|f| f["subject"]["node"].as_str())
        .collect();
    assert_eq!(
        nodes.into_iter().collect::<Vec<_>>(),
        vec!["cp-1", "worker-1", "worker-2"]
    );
    assert_ne!(
        check(&run.report, "kubelet-anonymous-auth-enabled")["status"],
        "error"
    );
    assert_only_gets(&server);
}

/// A cluster where only a `CiliumNetworkPolicy` selects the workload `mesh/api`.
fn cilium_cluster() -> Cluster {
    let mut cluster = clusters::demo();
    cluster.objects.extend([
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "mesh", "labels": {"kubernetes.io/metadata.name": "mesh"}}}),
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "mesh"},
            "spec": {"selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [{"name": "api", "image": "registry.example.com/api:1.0"}]}}}}),
        serde_json::json!({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
            "metadata": {"name": "api-ingress", "namespace": "mesh"},
            "spec": {"endpointSelector": {"matchLabels": {"app": "api"}},
                "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "web"}}]}]}}),
    ]);
    cluster
}

/// The finding of a check about `mesh/api` (or namespace `mesh`), as `status — message`.
fn mesh_api(run: &Run, check: &str) -> String {
    let found: Vec<String> = entries(&run.report)
        .iter()
        .filter(|f| {
            f["check"] == check
                && (f["subject"]["namespace"] == "mesh"
                    || (f["subject"]["kind"] == "Namespace" && f["subject"]["name"] == "mesh"))
        })
        .map(|f| {
            format!(
                "{} — {}",
                f["status"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(found.len(), 1, "{check}: {found:?}\n{}", run.stderr());
    found[0].clone()
}

/// Cilium's policies are listed where its CRDs are served, so a workload only a
/// CiliumNetworkPolicy selects passes. Where they are served but cannot be read (403), "no
/// policy selects it" is `error` with the reason, never `fail`; where they are not served,
/// NetworkPolicies alone decide.
#[test]
fn cilium_policies_are_listed_and_unread_ones_never_fail_a_workload() {
    let tmp = tempfile::tempdir().expect("tmp");
    let checks = [
        "--check",
        "workload-not-selected-by-network-policy,namespace-without-network-policy",
    ];

    let server = TestServer::start(cilium_cluster(), vec![]);
    let run = scan(&server, tmp.path(), "read", &checks);
    let selected = mesh_api(&run, "workload-not-selected-by-network-policy");
    assert!(selected.starts_with("pass"), "{selected}");
    assert!(mesh_api(&run, "namespace-without-network-policy").starts_with("pass"));
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path.contains("/apis/cilium.io/v2/ciliumnetworkpolicies")));
    assert_only_gets(&server);

    let server = TestServer::start(
        cilium_cluster(),
        vec![("ciliumnetworkpolicies", Fault::Always(403))],
    );
    let run = scan(&server, tmp.path(), "forbidden", &checks);
    for check in [
        "workload-not-selected-by-network-policy",
        "namespace-without-network-policy",
    ] {
        let got = mesh_api(&run, check);
        assert!(
            got.starts_with("error")
                && got.contains("Cilium policies")
                && got.contains("forbidden"),
            "{check}: {got}"
        );
    }

    let cluster = Cluster {
        unserved_groups: vec!["cilium.io".into()],
        ..cilium_cluster()
    };
    let server = TestServer::start(cluster, vec![]);
    let run = scan(&server, tmp.path(), "not-served", &checks);
    let got = mesh_api(&run, "workload-not-selected-by-network-policy");
    assert!(got.starts_with("fail"), "{got}");
}

/// Checks that decide which namespaces or workloads there are read the workload lists: a
/// Pods list that could not be read (forbidden) or that came back cut (items said to remain,
/// no `continue` token to fetch them) makes them error, never pass on fewer workloads.
#[test]
fn unread_or_cut_workload_lists_make_namespace_and_workload_checks_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cut = serde_json::json!({"kind": "PodList", "apiVersion": "v1",
        "metadata": {"resourceVersion": "1", "remainingItemCount": 3}, "items": []});
    for (name, fault) in [
        ("forbidden-pods", Fault::Always(403)),
        ("cut-pods", Fault::Body(cut)),
    ] {
        let server = TestServer::start(clusters::demo(), vec![("pods", fault)]);
        let run = scan(&server, tmp.path(), name, &[]);
        assert_eq!(
            run.code(),
            3,
            "{name}: incomplete coverage exits 3: {}",
            run.stderr()
        );
        for id in [
            "namespace-without-default-deny-ingress",
            "namespace-without-network-policy",
            "namespace-without-limit-range",
            "namespace-without-pod-security-enforcement",
            "workload-not-selected-by-network-policy",
        ] {
            assert_eq!(check(&run.report, id)["status"], "error", "{name}: {id}");
        }
        if name == "cut-pods" {
            let cov = coverage(&run.report, "/api/v1/pods");
            assert_eq!(cov["status"], "error", "{cov}");
            assert!(
                cov["error"]
                    .as_str()
                    .unwrap_or("")
                    .contains("3 more item(s) remain"),
                "{cov}"
            );
        }
        assert_only_gets(&server);
    }
}

/// A Deployment's ReplicaSet and three of its Pods as the API server stores them, the last
/// two with a privileged init container a mutating webhook injected.
fn injected_cluster() -> Cluster {
    let mut cluster = clusters::demo();
    let template = serde_json::json!({
        "metadata": {"labels": {"app": "shop"}},
        "spec": {"containers": [{"name": "shop", "image": "registry.example.com/shop:1.0"}]}});
    let pod = |name: &str, injected: bool| {
        let mut spec = serde_json::json!({
            "nodeName": "worker-1",
            "serviceAccountName": "default",
            "containers": [{"name": "shop", "image": "registry.example.com/shop:1.0",
                "volumeMounts": [{"name": format!("kube-api-access-{name}"),
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]}],
            "volumes": [{"name": format!("kube-api-access-{name}"),
                "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}]});
        if injected {
            spec["initContainers"] = serde_json::json!([{"name": "mesh-init",
                "image": "registry.example.com/mesh-init:1.22",
                "securityContext": {"privileged": true}}]);
        }
        serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("shop-5d8f-{name}"), "namespace": "shop",
                "labels": {"app": "shop"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "shop-5d8f", "uid": "0b6a8f10-0000-4000-8000-00000000aa01",
                    "controller": true}]},
            "spec": spec, "status": {"phase": "Running"}})
    };
    cluster.objects.extend([
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "shop"}}}),
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "shop", "namespace": "shop",
                "uid": "0b6a8f10-0000-4000-8000-00000000aa00"},
            "spec": {"selector": {"matchLabels": {"app": "shop"}}, "template": template}}),
        serde_json::json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "shop-5d8f", "namespace": "shop",
                "uid": "0b6a8f10-0000-4000-8000-00000000aa01",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                    "name": "shop", "uid": "0b6a8f10-0000-4000-8000-00000000aa00",
                    "controller": true}]},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "shop"}},
                "template": template}}),
        pod("a1b2c", false),
        pod("d3e4f", true),
        pod("g5h6i", true),
    ]);
    cluster
}

/// A sidecar a webhook injected into the Pods of a compliant Deployment is seen from a live
/// cluster (and its snapshot), once for the Pods that run it alike: the first such Pod is
/// kept whole and judged, the others are kept trimmed; the Pod that runs the template and
/// the Deployment itself pass.
#[test]
fn sidecars_injected_into_owned_pods_are_judged_from_a_live_cluster() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = TestServer::start(injected_cluster(), vec![]);
    let check = ["--check", "privileged-container"];
    let live = scan(&server, tmp.path(), "live", &check);
    let shop = |report: &Value| -> Vec<String> {
        entries(report)
            .iter()
            .filter(|f| f["check"] == "privileged-container" && f["subject"]["namespace"] == "shop")
            .map(|f| {
                format!(
                    "{} {}/{}",
                    f["status"].as_str().unwrap_or(""),
                    f["subject"]["kind"].as_str().unwrap_or(""),
                    f["subject"]["name"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert_eq!(
        shop(&live.report),
        ["fail Pod/shop-5d8f-d3e4f", "pass Deployment/shop"],
        "{}",
        live.stderr()
    );
    assert_only_gets(&server);

    let offline = snapshot_then_scan(&server, tmp.path(), "snap", &[], &check);
    assert_eq!(shop(&offline), shop(&live.report));
}

/// The demo's node facts, one JSON document per node.
fn demo_node_facts() -> Vec<Value> {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/collect/demo/node-facts.json"
        ))
        .expect("demo node facts"),
    )
    .expect("json")
}

/// The demo cluster with a node agent on each of `agents` (pod `agent-NODE`), whose log holds
/// the demo's facts of its node when the node is in `logs`.
fn cluster_with_agents(agents: &[&str], logs: &[&str]) -> Cluster {
    let facts = demo_node_facts();
    let mut cluster = clusters::demo();
    for node in agents {
        cluster.objects.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("agent-{node}"), "namespace": "kubeattest-agent",
                "labels": {"app.kubernetes.io/name": "kubeattest-node-agent"}},
            "spec": {"nodeName": node, "containers": [{"name": "agent", "image": "kubeattest"}]}
        }));
        if logs.contains(node) {
            let line = facts
                .iter()
                .find(|f| f["node"] == *node)
                .expect("demo facts of the node")
                .to_string();
            cluster
                .pod_logs
                .insert(format!("kubeattest-agent/agent-{node}"), line);
        }
    }
    cluster
}

/// Findings of one check about one node, as `status — message`.
fn about_node(report: &Value, check: &str, node: &str) -> Vec<String> {
    entries(report)
        .iter()
        .filter(|f| f["check"] == check && f["subject"]["node"] == node)
        .map(|f| {
            format!(
                "{} — {}",
                f["status"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// A listed Node whose facts are missing while the other nodes' were read was not looked at:
/// every check that reads node facts and is about that node gives `error` for it, with the
/// reason in words (its agent's log could not be read, no agent runs there), and never
/// passes on the other nodes' facts. Checks about control-plane nodes only are left alone by
/// a worker without facts.
#[test]
fn node_checks_error_for_a_listed_node_whose_facts_are_missing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let nodes = ["cp-1", "worker-1", "worker-2"];
    // Every agent answers: worker-2's kubelet.conf is 0644, the only failure.
    let server = TestServer::start(cluster_with_agents(&nodes, &nodes), vec![]);
    let all = scan(&server, tmp.path(), "all", &[]);
    assert_eq!(all.code(), 0, "{}", all.stderr());
    assert_eq!(
        check(&all.report, "kubelet-kubeconfig-permissive")["status"],
        "fail"
    );

    // worker-2's agent log answers 404.
    let server = TestServer::start(cluster_with_agents(&nodes, &["cp-1", "worker-1"]), vec![]);
    let unreadable = scan(&server, tmp.path(), "unreadable", &[]);
    assert_eq!(unreadable.code(), 3, "{}", unreadable.stderr());
    let c = check(&unreadable.report, "kubelet-kubeconfig-permissive");
    assert_eq!(c["status"], "error", "{c}");
    let found = about_node(
        &unreadable.report,
        "kubelet-kubeconfig-permissive",
        "worker-2",
    );
    assert_eq!(
        found,
        ["error — node worker-2 was not checked (no node facts): the log of its node agent (pod kubeattest-agent/agent-worker-2) could not be read: the API server answered HTTP 404 (NotFound): the server could not find the requested resource"],
    );
    // The reason is a sentence, in coverage and on stderr alike: no client debug dump.
    let cov = coverage(
        &unreadable.report,
        "/api/v1/namespaces/kubeattest-agent/pods/agent-worker-2/log",
    );
    assert_eq!(cov["status"], "error");
    for text in [cov["error"].to_string(), unreadable.stderr()] {
        assert!(text.contains("HTTP 404 (NotFound)"), "{text}");
        for dump in ["ApiError", "Status {", "ListMeta", "Some("] {
            assert!(!text.contains(dump), "{dump} in {text}");
        }
    }
    // Every check that changed reads node facts and is now an error, never a pass; the
    // control-plane files and flags are about cp-1 only and did not change.
    for c in unreadable.report["checks"].as_array().expect("checks") {
        let id = c["id"].as_str().expect("id");
        let before = &check(&all.report, id)["status"];
        if c["status"] != *before {
            assert_eq!(c["status"], "error", "{id}: {before} -> {}", c["status"]);
            assert!(
                !about_node(&unreadable.report, id, "worker-2").is_empty(),
                "{id} changed without a finding about worker-2"
            );
        }
        if c["status"] == "pass" {
            assert!(
                about_node(&unreadable.report, id, "worker-2").is_empty(),
                "{id}"
            );
        }
    }
    for id in [
        "apiserver-manifest-permissive",
        "pki-key-permissive",
        "apiserver-profiling-enabled",
    ] {
        assert_eq!(
            check(&unreadable.report, id)["status"],
            check(&all.report, id)["status"],
            "{id}"
        );
        assert!(
            about_node(&unreadable.report, id, "worker-2").is_empty(),
            "{id}"
        );
    }

    // worker-2 has no agent at all (pending, or a taint the DaemonSet does not tolerate).
    let server = TestServer::start(
        cluster_with_agents(&["cp-1", "worker-1"], &["cp-1", "worker-1"]),
        vec![],
    );
    let no_agent = scan(&server, tmp.path(), "no-agent", &[]);
    assert_eq!(no_agent.code(), 3, "{}", no_agent.stderr());
    assert_eq!(
        check(&no_agent.report, "kubelet-kubeconfig-permissive")["status"],
        "error"
    );
    let found = about_node(
        &no_agent.report,
        "kubelet-anonymous-auth-enabled",
        "worker-2",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("error — node worker-2 was not checked (no node facts): no node agent pod runs on it (namespace kubeattest-agent)"),
        "{found:?}"
    );
    let cov = coverage(&no_agent.report, "node worker-2");
    assert_eq!(cov["status"], "error", "{cov}");
    assert!(no_agent
        .stderr()
        .contains("node worker-2: no node facts: no node agent pod runs on it"));
    // A snapshot keeps why, and the verdict (both runs exit 3: a node's facts are missing).
    let offline = snapshot_then_scan_exiting(&server, tmp.path(), "no-agent", &[], &[], 3);
    assert_eq!(
        about_node(&offline, "kubelet-anonymous-auth-enabled", "worker-2"),
        found
    );
    assert_only_gets(&server);
}

/// A Pod is created by a built-in controller only when its owner reference says so by API
/// group and kind: the Pods of a custom resource that reuses a built-in kind's name
/// (OpenKruise's `apps.kruise.io` StatefulSet) are judged themselves, and so are the Pods of
/// a ReplicaSet missing from the lists (created after the ReplicaSets were listed): all of
/// them, with everything they run, none trimmed away.
#[test]
fn pods_whose_controller_is_not_listed_are_judged_themselves() {
    let pod = |name: &str, owner: &Value| {
        serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "payments", "uid": format!("uid-{name}"),
                         "labels": {"app": name}, "ownerReferences": [owner]},
            "spec": {"serviceAccountName": "default", "nodeName": "worker-1",
                     "containers": [{"name": "web", "image": "nginx:1.27",
                                     "securityContext": {"privileged": true}}]},
            "status": {"phase": "Running"}
        })
    };
    let kruise = serde_json::json!({"apiVersion": "apps.kruise.io/v1beta1", "kind": "StatefulSet",
        "name": "kruise-web", "uid": "11111111-2222-3333-4444-555555555555",
        "controller": true, "blockOwnerDeletion": true});
    let late = serde_json::json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "name": "late-web-5d8f", "uid": "66666666-7777-8888-9999-000000000000",
        "controller": true, "blockOwnerDeletion": true});
    let mut cluster = clusters::demo();
    for i in 0..2 {
        cluster
            .objects
            .push(pod(&format!("kruise-web-{i}"), &kruise));
    }
    for i in 0..3 {
        cluster
            .objects
            .push(pod(&format!("late-web-5d8f-{i}"), &late));
    }
    let server = TestServer::start(cluster, vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let run = scan(&server, tmp.path(), "owners", &["-n", "payments"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let mut judged: Vec<String> = entries(&run.report)
        .iter()
        .filter(|f| f["check"] == "privileged-container")
        .filter(|f| {
            let name = f["subject"]["name"].as_str().unwrap_or("");
            name.starts_with("kruise-web") || name.starts_with("late-web")
        })
        .map(|f| {
            format!(
                "{} {}",
                f["status"].as_str().unwrap_or(""),
                f["subject"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    judged.sort();
    assert_eq!(
        judged,
        [
            "fail kruise-web-0",
            "fail kruise-web-1",
            "fail late-web-5d8f-0",
            "fail late-web-5d8f-1",
            "fail late-web-5d8f-2"
        ]
    );
    // The same from a snapshot of the cluster.
    let offline = snapshot_then_scan(&server, tmp.path(), "owners", &["-n", "payments"], &[]);
    let offline_judged = entries(&offline)
        .iter()
        .filter(|f| {
            f["check"] == "privileged-container"
                && f["status"] == "fail"
                && f["subject"]["namespace"] == "payments"
                && f["subject"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("kruise-web") || n.starts_with("late-web"))
        })
        .count();
    assert_eq!(offline_judged, 5);
    assert_only_gets(&server);
}

/// EKS Distro (EKS Anywhere) is self-managed: its version `v1.27.1-eks-1-27-4` is not managed
/// EKS's `v1.29.1-eks-b9c9ed7`, and kubeadm's objects (kubeadm-config, control-plane mirror
/// pods) win over any version string. A Pod list that failed is an error for the
/// control-plane flag checks even where the platform seems managed.
#[test]
fn self_managed_control_planes_are_not_taken_for_managed_ones() {
    let tmp = tempfile::tempdir().expect("tmp");
    let platform = |run: &Run| run.report["run"]["target"]["platform"].clone();
    for (version, whole, without_kube_system) in [
        ("v1.27.1-eks-1-27-4", "kubeadm", "eks-distro"),
        // kubeadm's objects say more than a managed platform's version string.
        ("v1.29.1-eks-b9c9ed7", "kubeadm", "eks"),
    ] {
        let mut cluster = clusters::demo();
        cluster.version = clusters::version(version);
        let server = TestServer::start(cluster, vec![]);
        let run = scan(&server, tmp.path(), &format!("{version}-all"), &[]);
        assert_eq!(run.code(), 0, "{}", run.stderr());
        assert_eq!(platform(&run), whole, "{version}");
        assert_eq!(
            check(&run.report, "apiserver-profiling-enabled")["status"],
            "fail",
            "{version}"
        );
        let run = scan(
            &server,
            tmp.path(),
            &format!("{version}-without-kube-system"),
            &["--exclude-namespace", "kube-system"],
        );
        assert_eq!(platform(&run), without_kube_system, "{version}");
        if without_kube_system == "eks-distro" {
            // The control plane is the cluster owner's: not seen is an error.
            let c = check(&run.report, "apiserver-profiling-enabled");
            assert_eq!(c["status"], "error", "{c}");
            assert!(c["message"]
                .as_str()
                .unwrap_or("")
                .contains("kube-apiserver not found"));
        }
    }
    // Managed EKS whose Pods cannot be listed: the failed list decides, not the platform.
    let mut cluster = clusters::demo();
    cluster.version = clusters::version("v1.30.2-eks-1552ad0");
    cluster
        .objects
        .retain(|o| !(o["kind"] == "ConfigMap" && o["metadata"]["name"] == "kubeadm-config"));
    let server = TestServer::start(cluster, vec![("pods", Fault::Always(403))]);
    let run = scan(&server, tmp.path(), "eks-pods-forbidden", &[]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert_eq!(platform(&run), "eks");
    let c = check(&run.report, "apiserver-profiling-enabled");
    assert_eq!(c["status"], "error", "{c}");
    assert!(
        c["message"]
            .as_str()
            .unwrap_or("")
            .contains("pods could not be listed"),
        "{c}"
    );
}

/// `-n` naming a namespace the cluster does not have (the Namespaces were listed and it is
/// not among them) is said on stderr and in coverage as a warning; as for other warnings,
/// the exit code stays 0, and nothing passes for want of objects.
#[test]
fn a_namespace_scope_naming_no_namespace_is_said() {
    let server = TestServer::start(clusters::demo(), vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let good = scan(&server, tmp.path(), "payments", &["-n", "payments"]);
    assert_eq!(good.code(), 0, "{}", good.stderr());
    assert!(
        !good.stderr().contains("does not exist"),
        "{}",
        good.stderr()
    );
    let typo = scan(
        &server,
        tmp.path(),
        "typo",
        &["-n", "paymnets", "-n", "payments"],
    );
    assert_eq!(typo.code(), 0, "{}", typo.stderr());
    let said = "namespace paymnets given with -n/--namespace does not exist: it is not among the cluster's Namespaces, so nothing was scanned in it (check its spelling)";
    assert!(
        typo.stderr()
            .contains(&format!("kubeattest: warning: {said}")),
        "{}",
        typo.stderr()
    );
    assert!(!typo.stderr().contains("namespace payments given"));
    let cov = coverage(&typo.report, "namespace paymnets");
    assert_eq!(cov["status"], "warning");
    assert_eq!(cov["error"], said);
    // Only the misspelt namespace: nothing passes in it that failed in the real one.
    let alone = scan(&server, tmp.path(), "alone", &["-n", "paymnets"]);
    assert_eq!(alone.code(), 0, "{}", alone.stderr());
    for c in alone.report["checks"].as_array().expect("checks") {
        let id = c["id"].as_str().expect("id");
        if check(&good.report, id)["status"] == "fail" {
            assert_ne!(c["status"], "pass", "{id}");
        }
    }
}

/// `kubeattest snapshot` of the server's cluster into `tmp/snap.json`: its path and the run.
fn snapshot(server: &TestServer, tmp: &Path) -> (PathBuf, Output) {
    let kc = server.kubeconfig(tmp);
    let snap = tmp.join("snap.json");
    let run = kubeattest(&[
        "snapshot",
        "--kubeconfig",
        kc.to_str().expect("path"),
        "--out",
        snap.to_str().expect("path"),
    ]);
    (snap, run)
}

/// Objects a conforming API server never serves (a ConfigMap value that is a list, an env
/// value that is a mapping, a command holding a number, binaryData that is not base64) are
/// not judged from a live cluster either, as they are not from a snapshot: the list's
/// coverage says which was skipped and why, and none of their values reaches any output.
#[test]
fn malformed_served_objects_are_skipped_and_never_leak() {
    const CANARY: &str = "KUBEATTEST-CANARY-MALFORMED";
    let mut cluster = clusters::demo();
    cluster.objects.extend([
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "bad-cm", "namespace": "web"},
            "data": {"password": [CANARY], "other": {"token": CANARY}}}),
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "bad-binary", "namespace": "web"},
            "binaryData": {"blob": format!("{CANARY} is not base64")}}),
        serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "bad-env", "namespace": "web"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                "command": ["mysql", 1, format!("-p{CANARY}")],
                "env": [{"name": "DB_PASSWORD", "value": {"v": CANARY}}]}]}}),
    ]);
    let tmp = tempfile::tempdir().expect("tmp");
    let server = TestServer::start(cluster, vec![]);
    let run = scan(&server, tmp.path(), "report", &["--format", "json,csv"]);
    let (snap, snap_run) = snapshot(&server, tmp.path());
    let skipped: Vec<String> = run.report["coverage"]
        .as_array()
        .expect("coverage")
        .iter()
        .filter(|c| c["status"] == "skipped")
        .map(|c| c["error"].as_str().unwrap_or_default().to_string())
        .collect();
    let said = skipped.join("\n");
    assert!(said.contains("ConfigMap web/bad-"), "{said}");
    assert!(said.contains("Pod web/bad-env"), "{said}");
    for f in entries(&run.report) {
        let s = f["subject"].to_string();
        assert!(
            !(s.contains("bad-env") || s.contains("bad-cm") || s.contains("bad-binary")),
            "a refused object was judged: {f}"
        );
    }
    let mut texts = vec![
        String::from_utf8_lossy(&run.output.stdout).into_owned(),
        run.stderr(),
        String::from_utf8_lossy(&snap_run.stdout).into_owned(),
        String::from_utf8_lossy(&snap_run.stderr).into_owned(),
    ];
    for entry in walk(tmp.path()) {
        texts.push(String::from_utf8_lossy(&std::fs::read(&entry).expect("read")).into_owned());
    }
    assert!(
        snap.exists(),
        "{}",
        String::from_utf8_lossy(&snap_run.stderr)
    );
    for t in &texts {
        assert!(!t.contains(CANARY), "the canary leaked");
    }
    assert_only_gets(&server);
}
