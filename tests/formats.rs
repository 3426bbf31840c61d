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

#[allow(dead_code)]
fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run kubeattest")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read output")).expect("JSON")
}

#[allow(dead_code)]
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
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().expect("ruleIndex") as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());
    }
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

#[test]
fn waived_findings_are_sarif_results_with_a_suppression() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let exceptions = tmp.path().join("exceptions.yaml");
    std::fs::write(
        &exceptions,
        "exceptions:\n  - check: privileged-container\n    subject: {kind: DaemonSet, namespace: apps, name: node-agent}\n    justification: the node agent needs host access\n    approver: security@example.com\n    expires: 2999-12-31\n",
    )
    .expect("write exceptions");
    let out = tmp.path().join("bundle");
    let status = bin()
        .args([
            "scan",
            "--manifests",
            PRIVILEGED,
            "--format",
            "sarif",
            "--quiet",
        ])
        .arg("--exceptions")
        .arg(&exceptions)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("run");
    assert!(status.code().is_some_and(|c| c == 0 || c == 3), "{status}");
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
}
