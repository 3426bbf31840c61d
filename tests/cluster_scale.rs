//! Memory on a large cluster: the demo cluster plus synthetic Pods (default 50,000; set
//! `KUBEATTEST_SYNTHETIC_PODS`) scanned through the test API server; the scanner's peak RSS
//! is measured with `/usr/bin/time -v` and must stay under 1 GB.
//!
//! Ignored by default (a minute or more); run it with
//! `cargo test --release --test cluster_scale -- --ignored --nocapture`.

mod support;

use std::process::Command;

use support::apiserver::TestServer;
use support::clusters::{self, Cluster};

#[test]
#[ignore = "slow: run explicitly to measure peak RSS"]
fn large_cluster_scan_has_bounded_memory() {
    let pods: usize = std::env::var("KUBEATTEST_SYNTHETIC_PODS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    measure(pods);
}

/// A few thousand pods on every test run: paging through a larger list end to end.
#[test]
fn a_few_thousand_pods_are_all_listed() {
    measure(3_000);
}

fn measure(pods: usize) {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        eprintln!("needs /usr/bin/time (GNU time) to measure peak RSS; skipping");
        return;
    }
    let cluster = Cluster {
        synthetic_pods: pods,
        ..clusters::demo()
    };
    let server = TestServer::start(cluster, vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = server.kubeconfig(tmp.path());
    let out = tmp.path().join("report");
    let started = std::time::Instant::now();
    let o = Command::new(time)
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_kubeattest"))
        .args(["scan", "--quiet", "--format", "json", "--kubeconfig"])
        .arg(&kc)
        .arg("--out")
        .arg(&out)
        .env_remove("KUBECONFIG")
        .output()
        .expect("run");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code().is_some_and(|c| c == 0 || c == 3),
        "{stderr}"
    );
    let kb = peak_kb(&stderr);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report"))
            .expect("json");
    let listed: u64 = report["coverage"]
        .as_array()
        .expect("coverage")
        .iter()
        .filter(|c| c["source"] == "/api/v1/pods")
        .map(|c| c["items"].as_u64().unwrap_or(0))
        .sum();
    println!(
        "synthetic pods: {pods}; pods listed: {listed}; peak RSS: {:.1} MB; wall time: {:.1}s",
        kb as f64 / 1024.0,
        elapsed.as_secs_f64()
    );
    assert!(listed as usize >= pods, "all pods listed");
    assert!(kb < 1024 * 1024, "scan: peak RSS {kb} kB is over 1 GB");

    let snap = tmp.path().join("snap.json");
    let o = Command::new(time)
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_kubeattest"))
        .args(["snapshot", "--quiet", "--kubeconfig"])
        .arg(&kc)
        .arg("--out")
        .arg(&snap)
        .env_remove("KUBECONFIG")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let kb = peak_kb(&stderr);
    let size = std::fs::metadata(&snap).map(|m| m.len()).unwrap_or(0);
    println!(
        "snapshot: peak RSS {:.1} MB; file {:.1} MB",
        kb as f64 / 1024.0,
        size as f64 / 1e6
    );
    assert!(kb < 1024 * 1024, "snapshot: peak RSS {kb} kB is over 1 GB");
}

fn peak_kb(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .expect("peak RSS in /usr/bin/time output")
}
