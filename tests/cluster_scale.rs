//! Memory on large clusters, served by the test API server.
//!
//! - On every run: a 5,000-object cluster (controller-owned pods plus mixed kinds, bare pods
//!   included) is scanned in this process, end to end, and the process's peak RSS (`VmHWM`
//!   in `/proc/self/status`) must stay under a generous bound. No wall time is asserted.
//! - Ignored by default (a minute or more): 50,000 synthetic Pods
//!   (`KUBEATTEST_SYNTHETIC_PODS`), and a 100,000-object mixed cluster
//!   (`KUBEATTEST_SYNTHETIC_OBJECTS`) scanned with json, json+csv and all formats; the scanner
//!   runs as its own process under `/usr/bin/time -v`. `benches/large-cluster.sh` runs them:
//!   `cargo test --release --test cluster_scale -- --ignored --nocapture`.

mod support;

/// The test API server builds each synthetic object as a `serde_json::Value` (on its first
/// cluster-wide listing, then keeps its text); with the system allocator that took more of
/// the two cores than the scanner it serves.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::process::Command;

use clap::Parser as _;
use support::apiserver::TestServer;
use support::clusters::{self, Cluster};

/// Peak RSS allowed for the in-process 5,000-object scan, test API server and test harness
/// included (debug build). Generous on purpose: it is there to catch a return of per-object
/// costs that grow with the cluster (a quadratic index, a copy per finding), not to race.
const CI_PEAK_BOUND_KB: u64 = 768 * 1024;

#[test]
fn a_five_thousand_object_cluster_scans_in_bounded_memory() {
    let cluster = Cluster {
        synthetic_pods: 1_000,
        synthetic_objects: 4_000,
        ..clusters::demo()
    };
    let expected: usize = ["Pod", "Namespace", "Deployment", "RoleBinding", "Secret"]
        .iter()
        .map(|k| cluster.synthetic_count(k))
        .sum();
    let server = TestServer::start(cluster, vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = server.kubeconfig(tmp.path());
    let out = tmp.path().join("report");
    let cli = kubeattest::cli::Cli::try_parse_from([
        "kubeattest".as_ref(),
        "scan".as_ref(),
        "--quiet".as_ref(),
        "--format".as_ref(),
        "json,csv".as_ref(),
        "--kubeconfig".as_ref(),
        kc.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .expect("arguments");
    kubeattest::collect::cluster::install_crypto_provider();
    let code = kubeattest::cli::run(cli).expect("scan");
    assert!(code == 0 || code == 3, "exit code {code}");
    let peak = vm_hwm_kb().expect("VmHWM in /proc/self/status");
    let report = support::report(&out);
    let listed: usize = report
        .coverage
        .iter()
        .filter(|c| {
            [
                "/api/v1/pods",
                "/api/v1/namespaces",
                "/apis/apps/v1/deployments",
                "/apis/rbac.authorization.k8s.io/v1/rolebindings",
                "/api/v1/secrets",
            ]
            .contains(&c.source.as_str())
        })
        .map(|c| c.items)
        .sum();
    println!(
        "5,000-object cluster: {listed} listed of the kinds counted; peak RSS (VmHWM) {:.1} MB",
        peak as f64 / 1024.0
    );
    assert!(listed >= expected, "{listed} listed, {expected} served");
    // Bare pods are judged on their own; controller-owned ones through their controller.
    let bare_pod_findings = report
        .findings
        .iter()
        .filter(|f| &*f.subject.kind == "Pod" && f.subject.name.starts_with("pod-"))
        .count();
    assert!(bare_pod_findings > 0, "bare pods are evaluated");
    assert!(
        !report
            .findings
            .iter()
            .any(|f| &*f.subject.kind == "Pod" && f.subject.name.starts_with("owned-")),
        "controller-owned pods are judged through their controller"
    );
    assert!(
        peak < CI_PEAK_BOUND_KB,
        "peak RSS {peak} kB is over the {CI_PEAK_BOUND_KB} kB bound"
    );
}

/// `VmHWM` (peak resident set) of this process, in kB.
fn vm_hwm_kb() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
#[ignore = "slow: run explicitly to measure peak RSS"]
fn large_cluster_scan_has_bounded_memory() {
    let pods: usize = env_count("KUBEATTEST_SYNTHETIC_PODS", 50_000);
    let cluster = Cluster {
        synthetic_pods: pods,
        ..clusters::demo()
    };
    let server = TestServer::start(cluster, vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = server.kubeconfig(tmp.path());
    let (kb, secs, out) = scan(&kc, tmp.path(), "json");
    let listed = listed(&out, &["/api/v1/pods"]);
    println!(
        "synthetic pods: {pods}; pods listed: {listed}; peak RSS: {:.1} MB; wall time: {secs:.1}s",
        kb as f64 / 1024.0,
    );
    assert!(listed as usize >= pods, "all pods listed");
    assert!(kb < 1024 * 1024, "scan: peak RSS {kb} kB is over 1 GB");

    let snap = tmp.path().join("snap.json");
    let o = Command::new("/usr/bin/time")
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

/// A mixed cluster (default 100,000 objects), scanned with json (twice: the first scan also
/// waits for the server to build its objects), json+csv and all formats: prints time, peak
/// RSS and report sizes. Asserts only that everything was listed: the figures are the point.
#[test]
#[ignore = "slow: run explicitly to measure time and peak RSS"]
fn large_mixed_cluster_scan() {
    let objects = env_count("KUBEATTEST_SYNTHETIC_OBJECTS", 100_000);
    let cluster = Cluster {
        synthetic_objects: objects,
        ..clusters::demo()
    };
    let served: usize = clusters::MIX
        .iter()
        .map(|(k, _)| cluster.synthetic_count(k))
        .sum::<usize>()
        + cluster.synthetic_count("Namespace");
    let server = TestServer::start(cluster, vec![]);
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = server.kubeconfig(tmp.path());
    // The first scan also waits for the server to build every object (it keeps them for
    // the scans after): reported, but apart.
    for (n, formats) in ["json", "json", "json,csv", "all"].into_iter().enumerate() {
        let (kb, secs, out) = scan(&kc, tmp.path(), formats);
        let listed = listed(&out, &[]);
        let size: u64 = std::fs::read_dir(&out)
            .expect("report dir")
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        let server = if n == 0 {
            " (server building its objects)"
        } else {
            ""
        };
        println!(
            "mixed cluster: {served} synthetic objects served, {listed} listed; --format {formats}{server}: wall {secs:.1} s, peak RSS {:.1} MB, report {:.1} MB",
            kb as f64 / 1024.0,
            size as f64 / 1e6
        );
        assert!(listed as usize >= served, "all objects listed");
        std::fs::remove_dir_all(&out).expect("clean");
    }
}

fn env_count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `kubeattest scan` under `/usr/bin/time -v`: (peak RSS kB, wall seconds, report dir).
fn scan(kc: &Path, tmp: &Path, formats: &str) -> (u64, f64, std::path::PathBuf) {
    let out = tmp.join("report");
    let started = std::time::Instant::now();
    let o = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_kubeattest"))
        .args(["scan", "--quiet", "--format", formats, "--kubeconfig"])
        .arg(kc)
        .arg("--out")
        .arg(&out)
        .env_remove("KUBECONFIG")
        .output()
        .expect("run /usr/bin/time (GNU time)");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code().is_some_and(|c| c == 0 || c == 3),
        "{stderr}"
    );
    (peak_kb(&stderr), elapsed.as_secs_f64(), out)
}

/// Objects listed from these API paths (all when empty), from the report's coverage.
fn listed(out: &Path, sources: &[&str]) -> u64 {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report"))
            .expect("json");
    report["coverage"]
        .as_array()
        .expect("coverage")
        .iter()
        .filter(|c| sources.is_empty() || sources.iter().any(|s| c["source"] == *s))
        .map(|c| c["items"].as_u64().unwrap_or(0))
        .sum()
}

fn peak_kb(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .expect("peak RSS in /usr/bin/time output")
}
