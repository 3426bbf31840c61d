//! The formats other tools consume (SARIF, JUnit, OSCAL, OpenReports), stdout output with
//! `-o`, gates and work selection.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubeattest"));
    c.current_dir(repo()).env_remove("NO_COLOR");
    c
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const PRIVILEGED: &str =
    "tests/fixtures/checks/privileged-container/fail/daemonset-privileged.yaml";

/// Runs `scan` with `args` into a fresh folder (exit 0 or 3 expected).
fn scan(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("bundle");
    let status = bin()
        .arg("scan")
        .args(args)
        .args(["--quiet", "--out"])
        .arg(&out)
        .status()
        .expect("run kubeattest");
    assert!(
        status.code().is_some_and(|c| c == 0 || c == 3),
        "scan {args:?} failed: {status}"
    );
    (tmp, out)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run kubeattest")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read output")).expect("JSON")
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

// ---------------------------------------------------------------------------------------
// SARIF

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas/vendor/sarif-2.1.0.json"))
        .expect("schemas/vendor/sarif-2.1.0.json");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles")
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: invalid:\n{}", errors.join("\n"));
}

/// A real consumer: Microsoft's `sarif-tools` (PyPI `sarif-tools`) must read the file.
/// Skipped when it is not installed.
fn sarif_tools_read(path: &Path) {
    let Ok(out) = Command::new("sarif").arg("summary").arg(path).output() else {
        eprintln!("sarif-tools not installed; skipping its check");
        return;
    };
    assert!(
        out.status.success(),
        "sarif summary failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn demo_sarif_validates_and_has_rules_results_and_levels() {
    let (_tmp, out) = scan(&["--demo", "--format", "sarif"]);
    let path = out.join("report.sarif");
    let doc = read_json(&path);
    assert_valid(&sarif_validator(), &doc, "demo report.sarif");
    sarif_tools_read(&path);
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(!rules.is_empty());
    for r in rules {
        assert!(r["id"].is_string() && r["name"].is_string());
        assert!(r["shortDescription"]["text"].is_string());
        assert!(r["help"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Remediation")));
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("security-severity");
        assert!((0.0..=10.0).contains(&sev));
    }
    assert!(rules.iter().any(|r| r["helpUri"].is_string()));
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty(), "the demo fails some checks");
    let mut fingerprints = std::collections::BTreeSet::new();
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().expect("ruleIndex") as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());
        // GitHub code scanning refuses the whole file when one result has no artifact URI.
        let phys = &r["locations"][0]["physicalLocation"];
        assert!(phys["artifactLocation"]["uri"].is_string(), "{r}");
        assert!(
            phys["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
            "{r}"
        );
        // Distinct results, distinct fingerprints (the same file on three nodes included).
        let fp = r["partialFingerprints"]["kubeattestFinding/v2"].to_string();
        assert!(fingerprints.insert(fp), "fingerprint shared: {r}");
    }
    let node_file = results
        .iter()
        .find(|r| r["ruleId"] == "cni-files-permissive")
        .expect("a node file result");
    assert!(
        node_file["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("kubernetes/node/"))
    );
}

#[test]
fn manifest_sarif_points_at_the_offending_field_line() {
    let (_tmp, out) = scan(&["--manifests", PRIVILEGED, "--format", "sarif"]);
    let path = out.join("report.sarif");
    let doc = read_json(&path);
    assert_valid(&sarif_validator(), &doc, "manifest report.sarif");
    sarif_tools_read(&path);
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "privileged-container")
        .expect("a privileged-container result");
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], PRIVILEGED);
    // `privileged: true` is on line 19 of the fixture; the object starts on line 2.
    assert_eq!(phys["region"]["startLine"], 19, "{r}");
    assert_eq!(r["level"], "error");
}

/// `scan --manifests PRIVILEGED --format FORMATS` with the privileged node-agent DaemonSet
/// waived by an exception (RISK-42), into `tmp/bundle`; returns that folder.
fn scan_with_node_agent_waived(tmp: &Path, formats: &str) -> PathBuf {
    let exceptions = tmp.join("exceptions.yaml");
    std::fs::write(
        &exceptions,
        "exceptions:\n  - check: privileged-container\n    subject: {kind: DaemonSet, namespace: apps, name: node-agent}\n    justification: the node agent needs host access\n    approver: security@example.com\n    ticket: RISK-42\n    expires: 2999-12-31\n",
    )
    .expect("write exceptions");
    let out = tmp.join("bundle");
    let status = bin()
        .args([
            "scan",
            "--manifests",
            PRIVILEGED,
            "--format",
            formats,
            "--quiet",
        ])
        .arg("--exceptions")
        .arg(&exceptions)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("run");
    assert!(status.code().is_some_and(|c| c == 0 || c == 3), "{status}");
    out
}

#[test]
fn waived_findings_are_sarif_results_with_a_suppression() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = scan_with_node_agent_waived(tmp.path(), "sarif");
    let doc = read_json(&out.join("report.sarif"));
    assert_valid(&sarif_validator(), &doc, "waived report.sarif");
    let r = doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "privileged-container")
        .expect("the waived finding is still a result");
    assert_eq!(r["suppressions"][0]["kind"], "external");
    assert_eq!(
        r["suppressions"][0]["justification"],
        "the node agent needs host access"
    );
    assert_eq!(r["suppressions"][0]["properties"]["ticket"], "RISK-42");
}

// ---------------------------------------------------------------------------------------
// JUnit

/// A waiver shows in junit.xml also when another subject's failure decides the item: the
/// failing case carries the waiver (justification, approver, ticket) in its `system-out`.
#[test]
fn junit_names_waivers_beside_failures_of_the_same_item() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let manifests = tmp.path().join("m.yaml");
    let pod = |name: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: apps\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: busybox:1.36\n")
    };
    std::fs::write(&manifests, format!("{}---\n{}", pod("agent"), pod("debug"))).expect("write");
    let exceptions = tmp.path().join("exceptions.yaml");
    std::fs::write(
        &exceptions,
        "exceptions:\n  - check: host-pid-namespace\n    subject: {kind: Pod, namespace: apps, name: agent}\n    justification: the agent reads process tables\n    approver: security@example.com\n    ticket: RISK-42\n    expires: 2999-12-31\n",
    )
    .expect("write exceptions");
    let o = bin()
        .args([
            "scan",
            "--quiet",
            "--check",
            "host-pid-namespace",
            "-o",
            "junit",
            "--manifests",
        ])
        .arg(&manifests)
        .arg("--exceptions")
        .arg(&exceptions)
        .output()
        .expect("run");
    let xml = String::from_utf8_lossy(&o.stdout);
    let case = xml
        .split("<testcase ")
        .find(|c| c.contains("<failure") && c.contains("debug"))
        .unwrap_or_else(|| panic!("a failing case naming the other pod: {xml}"));
    assert!(
        case.contains("<system-out>") && case.contains("RISK-42") && case.contains("agent"),
        "{case}"
    );
}

/// Reads junit.xml with `junitparser` (PyPI) and prints `suite|case|classname|result` lines.
const JUNITPARSER: &str = r#"
import sys
from junitparser import JUnitXml, TestSuite
xml = JUnitXml.fromfile(sys.argv[1])
suites = [xml] if isinstance(xml, TestSuite) else list(xml)
for s in suites:
    print("SUITE|%s|%d|%d|%d|%d" % (s.name, s.tests, s.failures, s.errors, s.skipped))
    for c in s:
        kinds = ",".join(type(r).__name__ for r in c.result) or "pass"
        print("CASE|%s|%s|%s" % (c.classname, c.name, kinds))
"#;

#[test]
fn demo_junit_has_a_suite_per_framework_and_a_case_per_item() {
    let (_tmp, out) = scan(&["--demo", "--format", "json,junit"]);
    let xml = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    let report = read_json(&out.join("report.json"));
    assert!(xml.starts_with("<?xml"));
    let frameworks = report["frameworks"].as_array().expect("frameworks");
    assert_eq!(
        xml.matches("<testsuite ").count(),
        frameworks.len(),
        "one testsuite per framework"
    );
    let items: usize = frameworks
        .iter()
        .map(|f| f["items"].as_array().expect("items").len())
        .sum();
    assert_eq!(xml.matches("<testcase ").count(), items);
    if !python_has("junitparser") {
        eprintln!("junitparser not installed; skipping the parser check");
        return;
    }
    let parsed = Command::new("python3")
        .args(["-c", JUNITPARSER])
        .arg(out.join("junit.xml"))
        .output()
        .expect("python3");
    assert!(
        parsed.status.success(),
        "junitparser rejected junit.xml: {}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let text = String::from_utf8_lossy(&parsed.stdout);
    let cases: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with("CASE|"))
        .map(|l| l.split('|').collect())
        .collect();
    assert_eq!(cases.len(), items);
    // Each item's status shows as the JUnit result a CI tab understands.
    let mut by_status = std::collections::HashMap::new();
    for fw in frameworks {
        for item in fw["items"].as_array().expect("items") {
            let name = format!(
                "{} {}",
                item["id"].as_str().unwrap_or(""),
                item["title"].as_str().unwrap_or("")
            );
            by_status.insert(name, item["status"].as_str().unwrap_or("").to_string());
        }
    }
    let mut seen_failure = false;
    for c in &cases {
        let status = by_status.get(c[2]).expect("case names an item");
        let want = match status.as_str() {
            "pass" | "waived" => "pass",
            "fail" => "Failure",
            "error" => "Error",
            _ => "Skipped",
        };
        assert_eq!(c[3], want, "item {} ({status})", c[2]);
        seen_failure |= want == "Failure";
    }
    assert!(seen_failure, "the demo fails some items");
}

// ---------------------------------------------------------------------------------------
// -o: one format on standard output, no folder

#[test]
fn output_table_lists_every_item_on_stdout_and_writes_no_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = bin()
        .current_dir(tmp.path())
        .args(["scan", "--demo", "-o", "table"])
        .output()
        .expect("run");
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 3),
        "{out:?}"
    );
    assert!(
        std::fs::read_dir(tmp.path()).expect("dir").next().is_none(),
        "-o without --out writes no folder"
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    // Every item of every framework, with its full title.
    let (_t, bundle) = scan(&["--demo", "--format", "json"]);
    let report = read_json(&bundle.join("report.json"));
    for fw in report["frameworks"].as_array().expect("frameworks") {
        assert!(text.contains(&format!("== {} ", fw["id"].as_str().unwrap_or(""))));
        assert!(text.contains(&format!(
            "== Summary {} ==",
            fw["id"].as_str().unwrap_or("")
        )));
        for item in fw["items"].as_array().expect("items") {
            let label = match item["status"].as_str().unwrap_or("") {
                "pass" => "PASS",
                "fail" => "FAIL",
                "warn" => "WARN",
                "manual" => "MANUAL",
                "not_applicable" => "N/A",
                "error" => "ERROR",
                _ => "WAIVED",
            };
            let line = format!(
                "[{label}] {} {}",
                item["id"].as_str().unwrap_or(""),
                item["title"].as_str().unwrap_or("")
            );
            assert!(text.lines().any(|l| l == line), "missing line: {line}");
        }
    }
}

#[test]
fn output_formats_print_parseable_documents() {
    let json = run(&["scan", "--demo", "-o", "json"]);
    let v: Value = serde_json::from_slice(&json.stdout).expect("-o json is JSON");
    assert_eq!(v["schema_version"], "2.2");
    let sarif = run(&["scan", "--demo", "-o", "sarif"]);
    let v: Value = serde_json::from_slice(&sarif.stdout).expect("-o sarif is JSON");
    assert_valid(&sarif_validator(), &v, "-o sarif");
    let yaml = run(&["scan", "--demo", "-o", "yaml"]);
    let text = String::from_utf8(yaml.stdout).expect("UTF-8");
    assert!(
        text.contains("schema_version:"),
        "{}",
        &text[..text.len().min(200)]
    );
    let junit = run(&["scan", "--demo", "-o", "junit"]);
    assert!(String::from_utf8_lossy(&junit.stdout).contains("<testsuites"));
    let wide = run(&["scan", "--demo", "-o", "wide"]);
    assert!(String::from_utf8_lossy(&wide.stdout).contains("privileged-container (high):"));
}

#[test]
fn output_with_out_also_writes_the_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("b");
    let out = bin()
        .args(["scan", "--demo", "-o", "table", "--format", "json", "--out"])
        .arg(&dir)
        .output()
        .expect("run");
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 3));
    assert!(dir.join("report.json").is_file());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("== "));
}

// ---------------------------------------------------------------------------------------
// Gates

#[test]
fn min_score_gates_per_framework_and_with_aliases() {
    let low = run(&["scan", "--demo", "-o", "json", "--min-score", "0"]);
    assert_ne!(low.status.code(), Some(1), "score ≥ 0 always holds");
    let high = run(&["scan", "--demo", "-o", "json", "--min-score", "100"]);
    assert_eq!(high.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&high.stderr).contains("--min-score: cis-1.12 scored"));
    let one = run(&["scan", "--demo", "-o", "json", "--min-score", "0,cis=100"]);
    assert_eq!(one.status.code(), Some(1));
    let err = String::from_utf8_lossy(&one.stderr);
    assert!(
        err.contains("cis-1.12") && !err.contains("nsa-cisa-1.2 scored"),
        "{err}"
    );
    let unknown = run(&["scan", "--demo", "-o", "json", "--min-score", "nope=50"]);
    assert_eq!(unknown.status.code(), Some(2));
    let bad = run(&["scan", "--demo", "-o", "json", "--min-score", "150"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn fail_on_prints_the_findings_that_tripped_it() {
    let out = run(&[
        "scan",
        "--manifests",
        PRIVILEGED,
        "-o",
        "json",
        "--fail-on",
        "high",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--fail-on high"), "{err}");
    assert!(
        err.contains("fail privileged-container DaemonSet apps/node-agent (high)"),
        "{err}"
    );
}

#[test]
fn fail_on_status_error_trips_on_unreadable_input() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let broken = tmp.path().join("broken.yaml");
    std::fs::write(&broken, "kind: [unclosed\n").expect("write");
    let out = bin()
        .args([
            "scan",
            "-o",
            "json",
            "--fail-on-status",
            "error",
            "--manifests",
            PRIVILEGED,
        ])
        .arg(&broken)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fail-on-status error"));
    // Without the gate, the same scan exits 3 (report written, input incomplete).
    let out = bin()
        .args(["scan", "-o", "json", "--manifests", PRIVILEGED])
        .arg(&broken)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
}

/// A Deployment whose name and owner label carry a carriage return and terminal sequences
/// (erase line, clear screen), with a LoadBalancer Service of the same kind of name.
const HOSTILE_NAMES: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: \"web\\r\\e[2Kkubeattest: all gates passed\\e[8m\"
  namespace: shop
  labels:
    team: \"payments\\e[2J\\r\"
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: nginx:1.25
        securityContext: {privileged: true}
---
apiVersion: v1
kind: Service
metadata:
  name: \"lb\\e[2Khidden\\r\"
  namespace: shop
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
";

/// Text from manifests reaches the terminal with its control characters escaped: gate
/// lines, the summary (owners), `-o table`, `-o wide` and `exposure`.
#[test]
fn names_from_manifests_cannot_drive_the_terminal() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let manifest = tmp.path().join("d.yaml");
    std::fs::write(&manifest, HOSTILE_NAMES).expect("write");
    let raw = |what: &str, text: &str| {
        assert!(
            !text.contains(['\u{1b}', '\r']),
            "{what}: raw ESC or CR: {text:?}"
        );
    };
    let m = manifest.to_str().expect("utf-8");
    for format in ["table", "wide"] {
        let out = run(&["scan", "--manifests", m, "--fail-on", "high", "-o", format]);
        assert_eq!(out.status.code(), Some(1));
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        raw(format, &stdout);
        raw("gate lines", &stderr);
        assert!(
            stderr.contains("kubeattest: gate:   fail privileged-container Deployment shop/web\\u{d}\\u{1b}[2Kkubeattest: all gates passed\\u{1b}[8m (high)"),
            "{stderr}"
        );
        if format == "wide" {
            assert!(stdout.contains("shop/web\\u{d}\\u{1b}[2K"), "{stdout}");
        }
    }
    let out = bin()
        .args(["scan", "--manifests", m, "--owner-label", "team", "--out"])
        .arg(tmp.path().join("bundle"))
        .output()
        .expect("run");
    let summary = String::from_utf8_lossy(&out.stdout);
    raw("summary", &summary);
    raw("summary stderr", &String::from_utf8_lossy(&out.stderr));
    assert!(
        summary.contains("failing findings by owner: payments\\u{1b}[2J\\u{d} "),
        "{summary}"
    );
    let out = run(&["exposure", "--manifests", m]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    raw("exposure", &stdout);
    raw("exposure stderr", &stderr);
    assert!(
        stdout.contains("Service lb\\u{1b}[2Khidden\\u{d}:"),
        "{stdout}"
    );
}

/// `-o table` sends people to report.json's `coverage` only when one is written.
#[test]
fn table_names_report_json_only_when_it_is_written() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let broken = tmp.path().join("broken.yaml");
    std::fs::write(&broken, "kind: [unclosed\n").expect("write");
    let last_line = |extra: &[&str]| {
        let out = bin()
            .current_dir(tmp.path())
            .args(["scan", "-o", "table", "--manifests"])
            .arg(repo().join(PRIVILEGED))
            .arg(&broken)
            .args(extra)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(3));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines().last().unwrap_or("").to_string()
    };
    let alone = last_line(&[]);
    assert!(alone.starts_with("coverage: 1 source(s) could not be read"));
    assert!(!alone.contains("report.json"), "{alone}");
    assert!(alone.contains("-o json"), "{alone}");
    let csv_only = last_line(&["--out", "csv-only", "--format", "csv"]);
    assert!(!csv_only.contains("report.json"), "{csv_only}");
    let written = last_line(&["--out", "bundle"]);
    assert!(
        written.contains("see `coverage` in report.json"),
        "{written}"
    );
    assert!(tmp.path().join("bundle/report.json").is_file());
}

// ---------------------------------------------------------------------------------------
// Selecting work

fn checks_of(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn check_and_skip_accept_check_item_and_peer_ids() {
    let by_peer = run(&["scan", "--demo", "-o", "json", "--check", "C-0057"]);
    let v: Value = serde_json::from_slice(&by_peer.stdout).expect("JSON");
    assert_eq!(checks_of(&v), vec!["privileged-container"]);
    let by_checkov = run(&["scan", "--demo", "-o", "json", "--check", "CKV_K8S_16"]);
    let v2: Value = serde_json::from_slice(&by_checkov.stdout).expect("JSON");
    assert_eq!(checks_of(&v2), vec!["privileged-container"]);
    // Every item left is one the selected check decides (beside checks left out).
    for fw in v["frameworks"].as_array().expect("frameworks") {
        for item in fw["items"].as_array().expect("items") {
            let checks = item["checks"].as_array().expect("checks");
            assert!(
                checks.contains(&serde_json::json!("privileged-container")),
                "{item}"
            );
        }
    }
    let by_item = run(&[
        "scan",
        "--demo",
        "-o",
        "json",
        "--framework",
        "cis",
        "--check",
        "5.2.2",
    ]);
    let v: Value = serde_json::from_slice(&by_item.stdout).expect("JSON");
    let fws = v["frameworks"].as_array().expect("frameworks");
    assert_eq!(fws.len(), 1);
    assert_eq!(fws[0]["id"], "cis-1.12");
    let ids: Vec<&str> = fws[0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert!(ids.contains(&"5.2.2"), "{ids:?}");
    let skipped = run(&[
        "scan",
        "--demo",
        "-o",
        "json",
        "--skip",
        "privileged-container",
    ]);
    let v: Value = serde_json::from_slice(&skipped.stdout).expect("JSON");
    assert!(!checks_of(&v).iter().any(|c| c == "privileged-container"));
    assert!(!checks_of(&v).is_empty());
    let unknown = run(&["scan", "--demo", "-o", "json", "--check", "no-such-thing"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no-such-thing"));
}

#[test]
fn framework_aliases_select_frameworks() {
    let out = run(&["scan", "--demo", "-o", "json", "--framework", "pss"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ids: Vec<&str> = v["frameworks"]
        .as_array()
        .expect("frameworks")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["pss-baseline", "pss-restricted"]);
    let out = run(&["scan", "--demo", "-o", "json", "--framework", "nsa"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["frameworks"][0]["id"], "nsa-cisa-1.2");
}

#[test]
fn explain_accepts_item_and_peer_ids() {
    let peer = run(&["explain", "C-0057"]);
    assert!(peer.status.success());
    assert!(String::from_utf8_lossy(&peer.stdout).starts_with("privileged-container"));
    let item = run(&["explain", "cis-1.12/5.2.2"]);
    assert!(item.status.success());
    let text = String::from_utf8_lossy(&item.stdout);
    assert!(text.starts_with("cis-1.12 5.2.2"), "{text}");
    assert!(text.contains("decided by:"));
}

#[test]
fn cluster_flags_are_refused_with_other_sources() {
    for args in [
        &["scan", "--demo", "-n", "web"][..],
        &["scan", "--manifests", PRIVILEGED, "--context", "prod"][..],
        &["scan", "--demo", "--kubeconfig", "kc"][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("only apply to a cluster scan"),
            "{args:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// kubectl habits

#[test]
fn timeout_flags_take_durations_and_refuse_nonsense() {
    for good in ["30s", "2m", "1m30s", "500ms", "45"] {
        let out = run(&["scan", "--demo", "-o", "json", "--request-timeout", good]);
        assert!(
            out.status.code().is_some_and(|c| c == 0 || c == 3),
            "{good}"
        );
    }
    for bad in [
        "0",
        "-1s",
        "inf",
        "NaN",
        "1e400",
        "10x",
        "s",
        "99999999999999999999h",
    ] {
        let flag = format!("--list-deadline={bad}");
        let out = run(&["scan", "--demo", "-o", "json", &flag]);
        assert_eq!(out.status.code(), Some(2), "{bad} should be refused");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("invalid duration"),
            "{bad}"
        );
    }
}

#[test]
fn an_unreachable_api_server_fails_within_seconds_with_the_reason() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let kc = tmp.path().join("kubeconfig");
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: not-a-secret}\n",
    )
    .expect("write kubeconfig");
    let started = std::time::Instant::now();
    let out = bin()
        .args(["scan", "-o", "json", "--quiet", "--kubeconfig"])
        .arg(&kc)
        .output()
        .expect("run");
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach the API server"), "{err}");
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
}

#[test]
fn who_can_exits_2_when_its_input_cannot_be_read() {
    let out = run(&[
        "who-can",
        "get",
        "secrets",
        "--manifests",
        "does/not/exist.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stdout)
        .to_lowercase()
        .contains("nobody"));
}

// ---------------------------------------------------------------------------------------
// OpenReports

/// The `openAPIV3Schema` of a vendored OpenReports CRD, as a JSON Schema validator.
fn crd_validator(file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas/vendor/openreports").join(file))
        .expect("vendored CRD");
    let crd: Value = serde_saphyr::from_str(&text).expect("CRD is YAML");
    let schema = crd["spec"]["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|v| v["name"] == "v1alpha1")
        .expect("v1alpha1")["schema"]["openAPIV3Schema"]
        .clone();
    jsonschema::draft4::options()
        .build(&schema)
        .expect("CRD schema compiles")
}

#[test]
fn openreports_stream_has_a_report_per_namespace_and_validates_against_the_crds() {
    let (_tmp, out) = scan(&["--demo", "--format", "openreports"]);
    let path = out.join("openreports.yaml");
    let text = std::fs::read_to_string(&path).expect("openreports.yaml");
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).expect("a YAML stream");
    let reports = crd_validator("openreports.io_reports.yaml");
    let cluster = crd_validator("openreports.io_clusterreports.yaml");
    let mut namespaces = Vec::new();
    for d in &docs {
        assert_eq!(d["apiVersion"], "openreports.io/v1alpha1");
        match d["kind"].as_str() {
            Some("Report") => {
                assert_valid(&reports, d, "Report");
                namespaces.push(d["metadata"]["namespace"].as_str().expect("ns").to_string());
            }
            Some("ClusterReport") => assert_valid(&cluster, d, "ClusterReport"),
            other => panic!("unexpected kind {other:?}"),
        }
        let results = d["results"].as_array().expect("results");
        let summed: u64 = ["pass", "fail", "warn", "error", "skip"]
            .iter()
            .map(|k| d["summary"][k].as_u64().expect("count"))
            .sum();
        assert_eq!(summed as usize, results.len());
        for r in results {
            assert!(r["policy"].is_string() && r["result"].is_string());
        }
    }
    assert_eq!(
        docs.iter().filter(|d| d["kind"] == "ClusterReport").count(),
        1
    );
    let mut sorted = namespaces.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), namespaces.len(), "one Report per namespace");
    assert!(namespaces.len() > 1, "the demo spans namespaces");
    let priv_fail = docs
        .iter()
        .flat_map(|d| d["results"].as_array().expect("results"))
        .find(|r| r["policy"] == "privileged-container" && r["result"] == "fail")
        .expect("a failing privileged-container result");
    assert!(priv_fail["rule"].is_string() && priv_fail["severity"] == "high");
    // kubectl parses the stream (offline: `apply --dry-run=client` needs a server for the
    // kind's REST mapping; `label --local` decodes every document without one).
    match Command::new("kubectl")
        .args(["label", "--local", "-o", "name", "-f"])
        .arg(&path)
        .arg("kubeattest.io/checked=true")
        .env("KUBECONFIG", "/dev/null")
        .output()
    {
        Ok(o) => {
            assert!(
                o.status.success(),
                "kubectl could not read the stream: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&o.stdout).lines().count(),
                docs.len()
            );
        }
        Err(_) => eprintln!("kubectl not installed; skipping its check"),
    }
}

// ---------------------------------------------------------------------------------------
// OSCAL

/// Reads an OSCAL assessment-results file with compliance-trestle (PyPI), whose models are
/// generated from NIST's OSCAL JSON schema and reject unknown fields, bad UUIDs and bad
/// enum values. Prints `findings observations`.
const TRESTLE: &str = r#"
import pathlib, sys
from trestle.oscal.assessment_results import AssessmentResults
ar = AssessmentResults.oscal_read(pathlib.Path(sys.argv[1]))
r = ar.results[0]
print(len(r.findings or []), len(r.observations or []))
"#;

fn oscal_checked(path: &Path) {
    let doc = read_json(path);
    let ar = &doc["assessment-results"];
    assert_eq!(ar["metadata"]["oscal-version"], "1.1.2");
    let uuid = regex_uuid();
    let mut all = Vec::new();
    collect_uuids(&doc, &mut all);
    assert!(!all.is_empty());
    for u in &all {
        assert!(uuid(u), "not an OSCAL UUID: {u}");
    }
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), all.len(), "UUIDs are unique");
    if !python_has("trestle") {
        eprintln!("compliance-trestle not installed; skipping its check");
        return;
    }
    let out = Command::new("python3")
        .args(["-c", TRESTLE])
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "trestle rejected {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn regex_uuid() -> impl Fn(&str) -> bool {
    |u: &str| {
        let b = u.as_bytes();
        u.len() == 36
            && [8, 13, 18, 23].iter().all(|i| b[*i] == b'-')
            && b[14] == b'5'
            && matches!(b[19], b'8' | b'9' | b'a' | b'b')
            && u.chars()
                .filter(|c| *c != '-')
                .all(|c| c.is_ascii_hexdigit())
    }
}

fn collect_uuids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "uuid" {
                    out.push(x.as_str().unwrap_or("").to_string());
                } else {
                    collect_uuids(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_uuids(x, out)),
        _ => {}
    }
}

#[test]
fn oscal_assessment_results_of_demo_and_manifests_are_read_by_trestle() {
    let (_tmp, out) = scan(&["--demo", "--format", "json,csv,oscal"]);
    let path = out.join("oscal-assessment-results.json");
    oscal_checked(&path);
    let doc = read_json(&path);
    let ar = &doc["assessment-results"];
    // Bundle files written before it are back-matter resources with their SHA-256.
    let resources = ar["back-matter"]["resources"]
        .as_array()
        .expect("resources");
    let manifest = read_json(&out.join("MANIFEST.json"));
    for name in ["report.json", "findings.csv"] {
        let r = resources
            .iter()
            .find(|r| r["title"] == name)
            .expect("resource");
        let listed = manifest["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["name"] == name)
            .expect("in MANIFEST");
        assert_eq!(r["rlinks"][0]["hashes"][0]["value"], listed["sha256"]);
    }
    // One finding per framework item, satisfied only when it passed.
    let report = read_json(&out.join("report.json"));
    let items: Vec<&Value> = report["frameworks"]
        .as_array()
        .expect("frameworks")
        .iter()
        .flat_map(|f| f["items"].as_array().expect("items"))
        .collect();
    let findings = ar["results"][0]["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), items.len());
    for (f, i) in findings.iter().zip(&items) {
        let satisfied = i["status"] == "pass";
        assert_eq!(
            f["target"]["status"]["state"],
            if satisfied {
                "satisfied"
            } else {
                "not-satisfied"
            }
        );
    }
    let (_tmp2, out2) = scan(&["--manifests", PRIVILEGED, "--format", "oscal"]);
    oscal_checked(&out2.join("oscal-assessment-results.json"));
}

/// The vendored NIST OSCAL 1.1.2 assessment-results JSON Schema (draft-07), byte-identical
/// to the release asset named in `schemas/vendor/README.md`.
const OSCAL_SCHEMA: &str = "schemas/vendor/oscal-1.1.2/oscal_assessment-results_schema.json";
const OSCAL_SCHEMA_SHA256: &str =
    "d033da70154cf6625ae46a746199e88e58f2928b1387dfac051d381b92f41b0d";

/// NIST's schema as a validator: draft-07, formats checked, patterns (which use `\p{L}` and
/// `\p{N}` classes) compiled by the crate's default engine, fancy-regex.
fn oscal_validator() -> jsonschema::Validator {
    use sha2::Digest;
    let bytes = std::fs::read(repo().join(OSCAL_SCHEMA)).expect("vendored OSCAL schema");
    let sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        sha, OSCAL_SCHEMA_SHA256,
        "{OSCAL_SCHEMA} is not the NIST v1.1.2 release asset; replace it, do not edit it"
    );
    let schema: Value = serde_json::from_slice(&bytes).expect("schema is JSON");
    assert_eq!(
        schema["$id"],
        "http://csrc.nist.gov/ns/oscal/1.1.2/oscal-ar-schema.json"
    );
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("OSCAL schema compiles")
}

#[test]
fn oscal_assessment_results_validate_against_the_nist_1_1_2_schema() {
    let v = oscal_validator();
    let (_tmp, out) = scan(&["--demo", "--format", "json,csv,oscal"]);
    let demo = read_json(&out.join("oscal-assessment-results.json"));
    assert_valid(&v, &demo, "demo OSCAL");
    let (_tmp2, out2) = scan(&["--manifests", PRIVILEGED, "--format", "oscal"]);
    let manifests = read_json(&out2.join("oscal-assessment-results.json"));
    assert_valid(&v, &manifests, "manifest-scan OSCAL");
    // The schema really bites: its UUID and date-time patterns, token pattern and enums.
    let broken: [(&str, Value); 4] = [
        ("/assessment-results/uuid", Value::from("not-a-uuid")),
        (
            "/assessment-results/metadata/last-modified",
            Value::from("today"),
        ),
        (
            "/assessment-results/results/0/findings/0/target/target-id",
            Value::from("5.2.2"),
        ),
        (
            "/assessment-results/results/0/findings/0/target/status/state",
            Value::from("fine"),
        ),
    ];
    for (pointer, value) in broken {
        let mut doc = demo.clone();
        *doc.pointer_mut(pointer).expect(pointer) = value;
        assert!(
            v.iter_errors(&doc)
                .any(|e| e.instance_path().to_string() == pointer),
            "the schema did not reject {pointer}"
        );
    }
}

/// The same object in two files (overlays): two subjects, every observation its own UUID,
/// no observation listed twice by a finding; and `import-ap` names a resource that exists.
#[test]
fn oscal_keeps_the_same_object_in_two_files_apart() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let fixture = std::fs::read_to_string(repo().join(PRIVILEGED)).expect("fixture");
    for overlay in ["a", "b"] {
        std::fs::create_dir_all(tmp.path().join(overlay)).expect("mkdir");
        std::fs::write(tmp.path().join(overlay).join("d.yaml"), &fixture).expect("write");
    }
    let (_t, out) = scan(&[
        "--manifests",
        tmp.path().to_str().expect("utf-8"),
        "--format",
        "oscal",
    ]);
    let path = out.join("oscal-assessment-results.json");
    oscal_checked(&path);
    let doc = read_json(&path);
    assert_valid(&oscal_validator(), &doc, "overlay OSCAL");
    let ar = &doc["assessment-results"];
    let result = &ar["results"][0];
    let items: Vec<&Value> = result["local-definitions"]["inventory-items"]
        .as_array()
        .expect("inventory items")
        .iter()
        .filter(|i| {
            i["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("DaemonSet apps/node-agent "))
        })
        .collect();
    assert_eq!(items.len(), 2, "one inventory item per file: {items:?}");
    let privileged: Vec<&Value> = result["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .filter(|o| o["title"] == "fail privileged-container DaemonSet apps/node-agent")
        .collect();
    assert_eq!(privileged.len(), 2, "one observation per file");
    assert_ne!(
        privileged[0]["subjects"][0]["subject-uuid"],
        privileged[1]["subjects"][0]["subject-uuid"]
    );
    for f in result["findings"].as_array().expect("findings") {
        let related: Vec<&Value> = f["related-observations"]
            .as_array()
            .map(|a| a.iter().map(|r| &r["observation-uuid"]).collect())
            .unwrap_or_default();
        let mut unique = related.clone();
        unique.sort_by_key(|u| u.as_str().unwrap_or("").to_string());
        unique.dedup();
        assert_eq!(unique.len(), related.len(), "{}", f["title"]);
    }
    // No report.json was written: import-ap points at a resource of this document.
    let href = ar["import-ap"]["href"].as_str().expect("import-ap");
    let target = href.strip_prefix('#').expect("a fragment");
    assert!(ar["back-matter"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .any(|r| r["uuid"] == target && r["props"].to_string().contains("catalog-digest")));
}

/// A waived item is not satisfied: its finding names a `deviation-approved` risk carrying
/// the exception, due when the exception ends.
#[test]
fn oscal_records_a_waiver_as_an_approved_deviation() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = scan_with_node_agent_waived(tmp.path(), "json,oscal");
    let path = out.join("oscal-assessment-results.json");
    oscal_checked(&path);
    let doc = read_json(&path);
    assert_valid(&oscal_validator(), &doc, "waived OSCAL");
    let result = &doc["assessment-results"]["results"][0];
    let risks = result["risks"].as_array().expect("risks");
    assert_eq!(
        risks.len(),
        1,
        "one risk per exception that waived findings"
    );
    let risk = &risks[0];
    assert_eq!(risk["status"], "deviation-approved");
    assert_eq!(risk["deadline"], "2999-12-31T23:59:59Z");
    let description = risk["description"].as_str().expect("description");
    for s in [
        "the node agent needs host access",
        "security@example.com",
        "2999-12-31",
        "RISK-42",
    ] {
        assert!(description.contains(s), "{description}");
    }
    let waived: Vec<&Value> = result["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["props"].to_string().contains("\"waived\""))
        .collect();
    assert!(!waived.is_empty(), "some item is waived");
    for f in waived {
        assert_eq!(f["target"]["status"]["state"], "not-satisfied");
        assert_eq!(f["related-risks"][0]["risk-uuid"], risk["uuid"]);
    }
}

#[test]
fn oscal_output_is_reproducible_from_a_saved_report() {
    let (tmp, out) = scan(&["--demo", "--format", "json"]);
    let render = |dir: &str| {
        let target = tmp.path().join(dir);
        let status = bin()
            .arg("render")
            .arg(out.join("report.json"))
            .args(["--format", "oscal", "--out"])
            .arg(&target)
            .status()
            .expect("render");
        assert!(status.success());
        std::fs::read(target.join("oscal-assessment-results.json")).expect("oscal")
    };
    assert_eq!(render("a"), render("b"), "same report, same OSCAL bytes");
}
