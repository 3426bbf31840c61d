//! A fault-injecting API server: list bodies that are not lists, and endless or looping
//! `continue` paging, are collection errors for that resource, never an empty list
//! (issue 14, item 3).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::apiserver::{Fault, TestServer};
use crate::support::{clusters, kubeattest, Dir};

/// Scans the demo cluster with `fault` on `pods`; returns the exit code, report and stderr.
fn scan_with(fault: Fault, extra: &[&str]) -> (i32, Value, String, Duration) {
    let server = TestServer::start(clusters::demo(), vec![("pods", fault)]);
    let dir = Dir::new();
    let kc = server.kubeconfig(dir.path());
    let mut args = vec![
        "scan",
        "--kubeconfig",
        kc.to_str().expect("utf-8"),
        "--format",
        "json",
        "--out",
        "out",
    ];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let run = kubeattest(dir.path(), &args);
    let took = started.elapsed();
    for r in server.requests() {
        assert_eq!(r.method, "GET", "{r:?}");
    }
    let report =
        crate::support::report_json(&dir.path().join("out/report.json")).unwrap_or(Value::Null);
    (run.code, report, run.stderr, took)
}

fn assert_pods_failed(report: &Value, stderr: &str, words: &str) {
    let pods = report["coverage"]
        .as_array()
        .expect("coverage")
        .iter()
        .find(|c| {
            c["source"]
                .as_str()
                .is_some_and(|s| s.contains("/api/v1/pods"))
        })
        .unwrap_or_else(|| panic!("no coverage for pods: {stderr}"));
    assert_eq!(pods["status"], "error", "{pods}");
    let why = pods["error"].as_str().unwrap_or("");
    assert!(why.contains("/api/v1/pods"), "names the API path: {why}");
    assert!(why.contains(words), "{why}");
    // Checks that read pods are unknown, never passed on an "empty" list.
    let unknown = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| {
            f["check"] == "privileged-container"
                && f["status"] == "error"
                && f["subject"]["kind"] == "Pod"
        });
    assert!(
        unknown,
        "privileged-container says Pods could not be assessed"
    );
    // The other inputs are still judged.
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["subject"]["kind"] == "Deployment"));
}

#[test]
fn list_bodies_that_are_not_lists_are_errors() {
    let cases = [
        (
            json!({"kind": "Status", "apiVersion": "v1", "status": "Success"}),
            "is a `Status`, not a list",
        ),
        (json!({"kind": "PodList", "metadata": {}}), "has no `items`"),
        (
            json!({"kind": "PodList", "metadata": {}, "items": "none"}),
            "is a string, not an array",
        ),
        (json!({"kind": "PodList", "items": null}), "is null"),
        (json!({"metadata": {}, "items": []}), "has no `kind`"),
        (json!([]), "not a JSON object"),
    ];
    for (body, words) in cases {
        let (code, report, stderr, _) = scan_with(Fault::Body(body), &[]);
        assert_eq!(code, 3, "{stderr}");
        assert_pods_failed(&report, &stderr, words);
    }
}

#[test]
fn a_redirect_with_a_json_body_is_an_error() {
    let (code, report, stderr, _) =
        scan_with(Fault::Redirect(json!({"kind": "Status", "items": []})), &[]);
    assert_eq!(code, 3, "{stderr}");
    assert_pods_failed(&report, &stderr, "not a list");
}

#[test]
fn endless_and_repeated_continue_tokens_end_in_bounded_time() {
    let (code, report, stderr, took) = scan_with(Fault::EndlessContinue, &["--list-deadline", "2"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert_pods_failed(&report, &stderr, "still paging");
    let (code, report, stderr, _) = scan_with(Fault::SameContinue, &[]);
    assert_eq!(code, 3, "{stderr}");
    assert_pods_failed(&report, &stderr, "same `continue` token twice");
}

#[test]
fn deadlines_must_be_finite() {
    let dir = Dir::new();
    for bad in ["inf", "NaN", "-1", "0", "1e300"] {
        for flag in ["--list-deadline", "--request-timeout"] {
            let run = kubeattest(dir.path(), &["scan", "--demo", flag, bad]);
            run.assert_code(2);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
    }
}
