//! Behaviour through the command line: the demo scan, manifests, bad input, catalog
//! validation, determinism, gates and secrets.

mod support;

use std::collections::BTreeSet;

use kubeattest::results::{Report, Status};
use support::{kubeattest, kubeattest_stdin, report, Dir};

const CANARIES: &[&str] = &[
    "KUBEATTEST-CANARY-TLS-KEY-DO-NOT-LEAK",
    "KUBEATTEST-CANARY-SECRET-VALUE",
];

fn base64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn statuses(report: &Report, framework: &str) -> BTreeSet<Status> {
    report
        .frameworks
        .iter()
        .find(|f| f.id == framework)
        .unwrap_or_else(|| panic!("framework {framework} in report"))
        .items
        .iter()
        .map(|i| i.status)
        .collect()
}

#[test]
fn demo_scan_writes_json_and_csv_with_pass_fail_and_manual_items() {
    let dir = Dir::new();
    let run = kubeattest(dir.path(), &["scan", "--demo", "--out", "out"]);
    run.assert_code(0);
    assert!(run.stdout.contains("cis-1.12"), "{}", run.stdout);
    let r = report(&dir.path().join("out"));
    assert_eq!(r.schema_version, "2.2");
    assert_eq!(r.run.target.name, "demo-kubeadm");
    for fw in ["cis-1.12", "nsa-cisa-1.2"] {
        let s = statuses(&r, fw);
        for want in [Status::Pass, Status::Fail, Status::Manual] {
            assert!(s.contains(&want), "{fw} has no {want:?} item: {s:?}");
        }
    }
    let csv = std::fs::read_to_string(dir.path().join("out/findings.csv")).expect("csv");
    assert!(csv.starts_with("status,severity,check,items,subject_kind"));
    assert!(csv.lines().count() > 100, "one row per check × subject");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("fail,") && l.contains("cis-1.12 5.")),
        "rows name the framework items of their check"
    );
    assert!(dir.path().join("out/MANIFEST.json").is_file());
    // Known flaws of the demo cluster are found with their evidence.
    let privileged = r
        .findings
        .iter()
        .find(|f| f.check == "privileged-container" && f.status == Status::Fail)
        .expect("the demo has a privileged container");
    assert!(privileged
        .subject
        .file
        .as_deref()
        .is_some_and(|f| f.starts_with("demo/")));
    let obs = &privileged.observations[0];
    assert!(obs.path.ends_with("securityContext.privileged"), "{obs:?}");
    assert!(obs.source.contains(':'), "source names file:line: {obs:?}");
    let profiling = r
        .findings
        .iter()
        .find(|f| f.check == "apiserver-profiling-enabled")
        .expect("profiling finding");
    assert_eq!(profiling.status, Status::Fail);
    assert!(profiling.observations[0]
        .note
        .as_deref()
        .unwrap_or("")
        .contains("default"));
}

#[test]
fn demo_outputs_never_contain_secret_values() {
    let dir = Dir::new();
    let run = kubeattest(dir.path(), &["scan", "--demo", "--out", "out"]);
    run.assert_code(0);
    let mut texts = vec![run.stdout.clone(), run.stderr.clone()];
    for e in std::fs::read_dir(dir.path().join("out"))
        .expect("out dir")
        .flatten()
    {
        texts.push(String::from_utf8_lossy(&std::fs::read(e.path()).expect("read")).into_owned());
    }
    for canary in CANARIES {
        for form in [canary.to_string(), base64(canary)] {
            for t in &texts {
                assert!(!t.contains(&form), "secret value {form} leaked into output");
            }
        }
    }
}

#[test]
fn same_input_gives_the_same_findings_in_the_same_order() {
    let dir = Dir::new();
    kubeattest(dir.path(), &["scan", "--demo", "--out", "a"]).assert_code(0);
    kubeattest(dir.path(), &["scan", "--demo", "--out", "b"]).assert_code(0);
    let (a, b) = (report(&dir.path().join("a")), report(&dir.path().join("b")));
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.frameworks, b.frameworks);
    let csv = |d: &str| std::fs::read(dir.path().join(d).join("findings.csv")).expect("csv");
    assert_eq!(csv("a"), csv("b"));
}

#[test]
fn real_world_corpus_never_panics_and_bad_files_are_reported() {
    let dir = Dir::new();
    let corpus = support::corpus();
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            corpus.to_str().expect("utf-8 path"),
            "--out",
            "out",
        ],
    );
    assert!(
        matches!(run.code, 0 | 3),
        "exit {}: {}",
        run.code,
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let r = report(&dir.path().join("out"));
    let ok = r.coverage.iter().filter(|c| c.status == "ok").count();
    assert!(ok > 100, "most corpus files are manifests: {ok}");
    assert!(r.findings.iter().any(|f| f.status == Status::Fail));
    // Every problem names its file (and line where there is one).
    for c in r.coverage.iter().filter(|c| c.status != "ok") {
        let e = c.error.as_deref().unwrap_or("");
        assert!(
            e.contains(c.source.split(':').next().unwrap_or("?")),
            "{c:?}"
        );
    }
}

#[test]
fn malformed_and_foreign_files_are_reported_and_the_rest_is_scanned() {
    let dir = Dir::new();
    dir.create(
        "m/good.yaml",
        "# a privileged pod\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: x\nspec:\n  containers:\n  - name: c\n    image: i@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n    securityContext:\n      privileged: true\n",
    );
    dir.create(
        "m/broken.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n",
    );
    dir.create("m/values.yaml", "replicaCount: 3\nimage:\n  tag: latest\n");
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    run.assert_code(3);
    assert!(run.stderr.contains("m/broken.yaml:"), "{}", run.stderr);
    assert!(run.stderr.contains("m/values.yaml:1"), "{}", run.stderr);
    let r = report(&dir.path().join("out"));
    let broken = r
        .coverage
        .iter()
        .find(|c| c.source.ends_with("broken.yaml"))
        .expect("listed");
    assert_eq!(broken.status, "error");
    let f = r
        .findings
        .iter()
        .find(|f| f.check == "privileged-container")
        .expect("the good file was scanned");
    assert_eq!(f.status, Status::Fail);
    assert_eq!(f.subject.file.as_deref(), Some("m/good.yaml"));
    assert_eq!(f.subject.line, Some(2));
    assert_eq!(
        f.observations[0].source, "m/good.yaml:12",
        "the offending line"
    );
}

#[test]
fn evidence_for_a_missing_or_computed_field_points_at_the_nearest_line_that_holds_it() {
    let dir = Dir::new();
    dir.create(
        "m/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  labels:\n    team: shop\n",
    );
    dir.create(
        "m/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: web}\nspec:\n  containers: [{name: c, image: i}]\n  volumes:\n  - name: host\n    hostPath: {path: /var}\n",
    );
    dir.create(
        "m/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: web}\ndata:\n  LOG_LEVEL: info\n  api_token: s3cr3t-canary\n",
    );
    let run = kubeattest(
        dir.path(),
        &["scan", "--manifests", "m", "--out", "out", "--quiet"],
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let r = report(&dir.path().join("out"));
    let source = |check: &str| {
        r.findings
            .iter()
            .find(|f| f.check == check && f.status == Status::Fail)
            .unwrap_or_else(|| panic!("{check} fails"))
            .observations[0]
            .source
            .clone()
    };
    // The enforce label is absent: the labels it belongs in.
    assert_eq!(
        source("namespace-without-pod-security-enforcement"),
        "m/ns.yaml:5"
    );
    // A volume's keys have no line of their own: the volume's.
    assert_eq!(source("pss-restricted-volume-type"), "m/pod.yaml:7");
    // A credential-looking key: its own line.
    assert_eq!(source("credential-in-configmap"), "m/cm.yaml:6");
}

#[test]
fn manifests_from_stdin() {
    let dir = Dir::new();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n  hostPID: true\n  containers: [{name: c, image: i}]\n";
    let run = kubeattest_stdin(
        dir.path(),
        &["scan", "--manifests", "-", "--out", "out", "--quiet"],
        pod,
    );
    run.assert_code(0);
    let r = report(&dir.path().join("out"));
    let f = r
        .findings
        .iter()
        .find(|f| f.check == "host-pid-namespace")
        .expect("finding");
    assert_eq!(f.status, Status::Fail);
    assert_eq!(f.subject.file.as_deref(), Some("-"));
}

#[test]
fn fail_on_gate_exits_one() {
    let dir = Dir::new();
    kubeattest(
        dir.path(),
        &[
            "scan",
            "--demo",
            "--out",
            "o",
            "--quiet",
            "--fail-on",
            "high",
        ],
    )
    .assert_code(1);
}

#[test]
fn no_source_and_no_cluster_is_a_usage_error() {
    let dir = Dir::new();
    // Without a source flag `scan` reads the current cluster; with no kubeconfig there is
    // none, and the error says what else to give.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .args(["scan", "--out", "o"])
        .current_dir(dir.path())
        .env_remove("KUBECONFIG")
        .env("HOME", dir.path())
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no kubeconfig found") && stderr.contains("--demo"),
        "{stderr}"
    );
    assert!(!dir.path().join("o").exists());
    kubeattest(dir.path(), &["scan", "--demo", "--framework", "nope"]).assert_code(2);
}

#[test]
fn catalog_validate_names_file_and_line_of_every_problem() {
    let dir = Dir::new();
    dir.create(
        "cat/checks/mine.yaml",
        "checks:\n  - id: my-check\n    title: Mine\n    severity: high\n    description: d\n    rationale: r\n    remediation: x\n    assert:\n      kind: fields\n      target: containers\n      expect:\n        - path: container.securityContext.privileged\n          op: equalz\n          value: true\n  - id: ensure-thing\n    title: T\n    severity: urgent\n    description: d\n    rationale: r\n    assert:\n      kind: magic\n",
    );
    dir.create(
        "cat/frameworks/mine.yaml",
        "id: mine\ntitle: Mine\nversion: '1'\nitems:\n  - id: '1'\n    title: One\n    checks: [no-such-check]\n",
    );
    // A pattern must say in words what it accepts: reports show the words, not the regex.
    dir.create(
        "cat/checks/pattern.yaml",
        "checks:\n  - id: my-pattern\n    title: P\n    severity: low\n    description: d\n    rationale: r\n    remediation: x\n    assert:\n      kind: fields\n      target: containers\n      expect:\n        - path: container.image\n          op: matches\n          value: '^registry[.]example/'\n",
    );
    let run = kubeattest(dir.path(), &["catalog", "validate", "cat"]);
    run.assert_code(2);
    let e = &run.stderr;
    assert!(
        e.contains("checks/pattern.yaml:13: operator `matches`") && e.contains("needs `means`"),
        "{e}"
    );
    assert!(
        e.contains("checks/mine.yaml:13: unknown operator `equalz`"),
        "{e}"
    );
    assert!(
        e.contains("checks/mine.yaml:15:") && e.contains("ensure-"),
        "{e}"
    );
    assert!(e.contains("unknown severity `urgent`"), "{e}");
    assert!(e.contains("has no `remediation`"), "{e}");
    assert!(e.contains("unknown assertion kind `magic`"), "{e}");
    assert!(
        e.contains("frameworks/mine.yaml:7:") && e.contains("no-such-check"),
        "{e}"
    );
    // The built-in catalog itself is valid.
    let ok = kubeattest(
        dir.path(),
        &[
            "catalog",
            "validate",
            concat!(env!("CARGO_MANIFEST_DIR"), "/controls"),
        ],
    );
    ok.assert_code(0);
}

/// A file of the built-in catalog (`controls/`), to copy into an overlay.
fn stock_catalog_file(path: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("controls")
            .join(path),
    )
    .expect("the built-in catalog file exists")
}

#[test]
fn an_invalid_overlay_stops_a_scan_before_anything_runs() {
    let dir = Dir::new();
    dir.create("cat/checks/x.yaml", "checks:\n  - id: x\n");
    let run = kubeattest(
        dir.path(),
        &["--catalog", "cat", "scan", "--demo", "--out", "o"],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("checks/x.yaml:2"), "{}", run.stderr);
    assert!(!dir.path().join("o").exists());
}

/// A report made with `--catalog` says so: the overlay's folder, its files (added or
/// replacing a built-in one) and the built-in digest, in report.json and on the HTML cover.
#[test]
fn an_overlay_is_recorded_in_the_report() {
    let dir = Dir::new();
    let stock = stock_catalog_file("checks/pod-security.yaml");
    dir.create(
        "cat/checks/pod-security.yaml",
        &stock.replacen("severity: high", "severity: low", 1),
    );
    kubeattest(
        dir.path(),
        &[
            "scan", "--demo", "--quiet", "--format", "json", "--out", "stock",
        ],
    )
    .assert_code(0);
    kubeattest(
        dir.path(),
        &[
            "--catalog",
            "cat",
            "scan",
            "--demo",
            "--quiet",
            "--format",
            "json,html",
            "--out",
            "o",
        ],
    )
    .assert_code(0);
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.path().join(p)).expect("report")).expect("json")
    };
    let (stock, with) = (read("stock/report.json"), read("o/report.json"));
    assert!(stock["run"]["catalog"].get("overlay").is_none());
    let overlay = &with["run"]["catalog"]["overlay"];
    assert_eq!(overlay["path"], "cat");
    assert_eq!(overlay["files"][0]["name"], "checks/pod-security.yaml");
    assert_eq!(overlay["files"][0]["replaces"], true);
    assert_eq!(overlay["builtin_digest"], stock["run"]["catalog"]["digest"]);
    assert_ne!(
        with["run"]["catalog"]["digest"],
        stock["run"]["catalog"]["digest"]
    );
    let html = std::fs::read_to_string(dir.path().join("o/report.html")).expect("html");
    assert!(html.contains("Catalog overlay"), "the cover says so");
}

/// With `--catalog`, manifests are read after the overlay is loaded, so a credential pattern
/// the overlay adds redacts what reading keeps: the finding names the pattern and no output
/// holds the value.
#[test]
fn an_overlay_credential_pattern_redacts_manifests() {
    let dir = Dir::new();
    let stock = stock_catalog_file("credentials.yaml");
    dir.create(
        "cat/credentials.yaml",
        &stock.replacen(
            "value_patterns:\n",
            "value_patterns:\n  - name: acme-deploy-key\n    description: an ACME deploy key\n    regex: '\\bacmekey_[a-z0-9]{24}\\b'\n",
            1,
        ),
    );
    let canary = "acmekey_q7w3e9r1t5y8u2i6o4p0a3s7";
    dir.create(
        "k8s/cm.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: web\ndata:\n  endpoint: \"https://deploy.example/hook {canary}\"\n"
        ),
    );
    let run = kubeattest(
        dir.path(),
        &[
            "--catalog",
            "cat",
            "scan",
            "--manifests",
            "k8s",
            "--check",
            "credential-in-configmap",
            "--format",
            "json,csv,html",
            "--detail",
            "full",
            "--out",
            "o",
        ],
    );
    run.assert_code(0);
    let findings = report(&dir.path().join("o")).findings;
    let fail = findings
        .iter()
        .find(|f| f.check == "credential-in-configmap" && f.status == Status::Fail)
        .expect("the ConfigMap fails");
    assert!(
        serde_json::to_string(fail)
            .expect("json")
            .contains("acme-deploy-key"),
        "{fail:?}"
    );
    for file in ["report.json", "findings.csv", "report.html"] {
        let text = std::fs::read_to_string(dir.path().join("o").join(file)).expect("output");
        assert!(!text.contains(canary), "{file} holds the value");
    }
    assert!(!run.stdout.contains(canary) && !run.stderr.contains(canary));
}

/// `explain` shows an overlay's text with control characters escaped.
#[test]
fn explain_escapes_control_characters_of_catalog_text() {
    let dir = Dir::new();
    let stock = stock_catalog_file("checks/pod-security.yaml");
    dir.create(
        "cat/checks/pod-security.yaml",
        &stock.replacen(
            "title: Privileged container",
            "title: \"Privileged \\e[2J container\"",
            1,
        ),
    );
    let run = kubeattest(
        dir.path(),
        &["--catalog", "cat", "explain", "privileged-container"],
    );
    run.assert_code(0);
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(
        run.stdout.contains("Privileged \\u{1b}[2J container"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_and_controls_list() {
    let dir = Dir::new();
    let run = kubeattest(dir.path(), &["explain", "privileged-container"]);
    run.assert_code(0);
    for part in [
        "privileged-container",
        "Why it matters",
        "How to fix",
        "cis-1.12 5.2.2",
        "kubescape",
    ] {
        assert!(run.stdout.contains(part), "missing {part}:\n{}", run.stdout);
    }
    let run = kubeattest(dir.path(), &["explain", "privileged"]);
    run.assert_code(2);
    assert!(run.stderr.contains("did you mean"), "{}", run.stderr);
    let run = kubeattest(dir.path(), &["controls", "list", "--framework", "cis-1.12"]);
    run.assert_code(0);
    assert!(run.stdout.contains("131 items"), "{}", run.stdout);
    assert!(run.stdout.contains("5.2.2"));
}

#[test]
fn default_out_dir_is_under_reports() {
    let dir = Dir::new();
    kubeattest(dir.path(), &["scan", "--demo", "--quiet"]).assert_code(0);
    let entries: Vec<_> = std::fs::read_dir(dir.path().join("reports"))
        .expect("reports/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].starts_with("demo-kubeadm-"), "{entries:?}");
}

/// An object of a snapshot that cannot be read is input lost (exit 3, named on stderr), and
/// its kind is no longer complete: a Namespace lost is not judged as unlabelled.
#[test]
fn a_snapshot_object_that_cannot_be_read_is_an_error_not_an_absence() {
    let dir = Dir::new();
    let inv = kubeattest::collect::demo::collect().expect("demo");
    let snap = dir.path().join("demo.snapshot.json");
    kubeattest::collect::snapshot::write(&inv, &snap).expect("write snapshot");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&snap).expect("read")).expect("json");
    let namespace = doc["objects"]
        .as_array_mut()
        .expect("objects")
        .iter_mut()
        .find(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == "web")
        .expect("namespace web");
    namespace["metadata"]["name"] = serde_json::json!(12);
    std::fs::write(&snap, serde_json::to_vec(&doc).expect("json")).expect("write");
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--snapshot",
            "demo.snapshot.json",
            "--quiet",
            "--format",
            "json",
            "--out",
            "o",
        ],
    );
    run.assert_code(3);
    assert!(run.stderr.contains("objects["), "{}", run.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("o/report.json")).expect("report"))
            .expect("json");
    let subjects = report["subjects"].as_array().expect("subjects");
    let errors: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "namespace-without-pod-security-enforcement")
        .filter(|f| f["status"] == "error")
        .collect();
    assert!(
        errors.iter().any(
            |f| subjects[f["subject"].as_u64().expect("index") as usize]["kind"] == "Namespace"
        ),
        "{errors:?}"
    );
}

#[test]
fn a_snapshot_gives_the_same_verdicts_as_the_scan_it_was_taken_from() {
    let dir = Dir::new();
    let inv = kubeattest::collect::demo::collect().expect("demo");
    let snap = dir.path().join("demo.snapshot.json");
    kubeattest::collect::snapshot::write(&inv, &snap).expect("write snapshot");
    let text = std::fs::read_to_string(&snap).expect("read snapshot");
    for canary in CANARIES {
        assert!(
            !text.contains(canary) && !text.contains(&base64(canary)),
            "snapshot leaks {canary}"
        );
    }
    kubeattest(dir.path(), &["scan", "--demo", "--out", "live", "--quiet"]).assert_code(0);
    // A snapshot holds the cluster, not other scanners' results: `--demo` adds its sample
    // vulnerability scan, so the snapshot run is given the same file.
    let scans = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/collect/demo/scans/trivy-k8s.json");
    kubeattest(
        dir.path(),
        &[
            "scan",
            "--snapshot",
            "demo.snapshot.json",
            "--vulnerabilities",
            &scans.to_string_lossy(),
            "--out",
            "snap",
            "--quiet",
        ],
    )
    .assert_code(0);
    let (a, b) = (
        report(&dir.path().join("live")),
        report(&dir.path().join("snap")),
    );
    let verdicts = |r: &Report| -> Vec<(String, Status, String)> {
        r.findings
            .iter()
            .map(|f| (f.check.clone(), f.status, f.subject.display()))
            .collect()
    };
    assert_eq!(verdicts(&a), verdicts(&b));
    assert_eq!(a.frameworks, b.frameworks);
}

#[test]
fn a_file_that_is_not_a_snapshot_is_a_clear_error() {
    let dir = Dir::new();
    dir.create("x.json", "{\"kind\": \"Pod\"}");
    let run = kubeattest(dir.path(), &["scan", "--snapshot", "x.json", "--out", "o"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("x.json is not a kubeattest snapshot"),
        "{}",
        run.stderr
    );
}

#[test]
fn exceptions_waive_matching_failures_and_are_reported() {
    let dir = Dir::new();
    dir.create(
        "exceptions.yaml",
        "exceptions:\n  - check: host-pid-namespace\n    subject: {kind: DaemonSet, namespace: monitoring, name: node-*}\n    justification: node-exporter reads host process statistics by design.\n    approver: jane.doe@example.com\n    expires: 2999-12-31\n  - check: privileged-container\n    justification: old approval\n    approver: bob@example.com\n    expires: 2001-01-01\n  - check: host-ipc-namespace\n    subject: {name: nothing-matches}\n    justification: unused\n    approver: bob@example.com\n    expires: 2999-12-31\n  - check: host-pid-namespace\n    subject: {kind: DaemonSet, namespace: monitoring, name: node-exporter}\n    justification: the narrow waiver, for when the broad one expires\n    approver: jane.doe@example.com\n    expires: 2999-12-31\n",
    );
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--demo",
            "--exceptions",
            "exceptions.yaml",
            "--out",
            "o",
            "--quiet",
        ],
    );
    run.assert_code(0);
    // An expired exception is said on stderr whatever the format (SARIF and JUnit have no
    // register).
    assert!(
        run.stderr.contains("warning: exception exceptions.yaml:")
            && run
                .stderr
                .contains("(privileged-container) expired on 2001-01-01"),
        "{}",
        run.stderr
    );
    let r = report(&dir.path().join("o"));
    let waived = r
        .findings
        .iter()
        .find(|f| f.check == "host-pid-namespace" && &*f.subject.name == "node-exporter")
        .expect("finding");
    assert_eq!(waived.status, Status::Waived);
    let w = waived.waiver.as_ref().expect("cites its exception");
    assert_eq!(w.approver, "jane.doe@example.com");
    assert_eq!(w.original_status, Status::Fail);
    assert!(w.source.starts_with("exceptions.yaml:"));
    let st: Vec<(&str, &str)> = r
        .exceptions
        .iter()
        .map(|e| (e.exception.check.as_str(), e.status.as_str()))
        .collect();
    assert_eq!(
        st,
        vec![
            ("host-pid-namespace", "applied"),
            ("privileged-container", "expired"),
            ("host-ipc-namespace", "unused"),
            ("host-pid-namespace", "covered")
        ]
    );
    // Covered, not unused: it matches, and names the exception that waived first.
    let covered = &r.exceptions[3];
    assert_eq!(covered.matched, 1);
    assert!(covered
        .covered_by
        .as_deref()
        .is_some_and(|s| s.starts_with("exceptions.yaml:")));
    // An expired exception waives nothing.
    assert!(r
        .findings
        .iter()
        .any(|f| f.check == "privileged-container" && f.status == Status::Fail));
    dir.create(
        "bad.yaml",
        "exceptions:\n  - check: x\n    expires: tomorrow\n",
    );
    let run = kubeattest(
        dir.path(),
        &["scan", "--demo", "--exceptions", "bad.yaml", "--out", "o2"],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("bad.yaml:3: `expires` must be a date"),
        "{}",
        run.stderr
    );
}

/// A check selected alone still sees the workloads it judges: a Deployment is something the
/// ingress controller's version check and the network checks look at, not "nothing to
/// evaluate".
#[test]
fn a_check_selected_alone_reads_the_workloads_it_judges() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks");
    for (check, fixture, want) in [
        (
            "ingress-nginx-controller-vulnerable",
            "ingress-nginx-controller-vulnerable/fail/v1-9-4.yaml",
            "fail",
        ),
        (
            "workload-can-reach-instance-metadata",
            "workload-can-reach-instance-metadata/fail/ingress-only-policy.yaml",
            "fail",
        ),
    ] {
        let path = fixtures.join(fixture);
        let path = path.to_str().expect("utf-8 path");
        let run = kubeattest(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
            &["scan", "--manifests", path, "--check", check, "-o", "json"],
        );
        assert!(
            !run.stderr.contains("nothing to evaluate"),
            "{check}: {}",
            run.stderr
        );
        let report: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{check}: not JSON ({e}): {}", run.stderr));
        let status = report["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == check))
            .map(|c| c["status"].clone());
        assert_eq!(status, Some(serde_json::json!(want)), "{check}");
    }
}
