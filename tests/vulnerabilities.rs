//! Issue 13 item 5: Trivy and Grype JSON as vulnerability evidence, matched to workload
//! images by digest or reference; unscanned images are never a pass.

mod support;

use std::path::{Path, PathBuf};

use kubeattest::results::{Report, Status};
use kubeattest::vulnerabilities::{self, normalise};
use support::{kubeattest, report, Dir};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vulnerabilities")
        .join(name)
}

fn parse(name: &str) -> Vec<vulnerabilities::ImageScan> {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    vulnerabilities::parse(name, &text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn trivy_image_report() {
    let scans = parse("trivy-image.json");
    assert_eq!(scans.len(), 1);
    let s = &scans[0];
    assert_eq!(s.scanner, "trivy");
    assert_eq!(s.references, ["docker.io/library/nginx:1.25.3"]);
    assert_eq!(s.digests.len(), 1);
    assert!(s.scanned_at.is_some());
    let fixable: Vec<&str> = s
        .vulnerabilities
        .iter()
        .filter(|v| v.fixable)
        .map(|v| v.id.as_str())
        .collect();
    assert_eq!(fixable, ["CVE-2023-44487", "CVE-2024-5535"]);
    assert_eq!(s.vulnerabilities.len(), 4);
}

#[test]
fn trivy_k8s_report() {
    let scans = parse("trivy-k8s.json");
    assert_eq!(scans.len(), 2);
    let api = &scans[0];
    // The Go binary's result belongs to the image listed before it.
    assert_eq!(api.vulnerabilities.len(), 2);
    assert_eq!(api.digests.len(), 1);
    assert!(api.scanned_at.is_none(), "no CreatedAt in this report");
    assert_eq!(scans[1].references, ["docker.io/library/redis:7.2.4"]);
    assert!(scans[1].vulnerabilities.is_empty());
}

#[test]
fn grype_report() {
    let scans = parse("grype.json");
    assert_eq!(scans.len(), 1);
    let s = &scans[0];
    assert_eq!(s.scanner, "grype");
    assert!(s
        .references
        .contains(&"docker.io/library/redis:7.2.4".to_string()));
    assert_eq!(s.digests.len(), 2, "repoDigests and manifestDigest");
    // The same id in two packages is two entries (each judged on its own fix and severity);
    // `wont-fix` is not fixable.
    assert_eq!(s.vulnerabilities.len(), 3);
    let of = |id: &str, package: &str| {
        s.vulnerabilities
            .iter()
            .find(|v| v.id == id && v.package == package)
            .unwrap_or_else(|| panic!("{id} in {package}"))
    };
    for package in ["redis", "redis-server"] {
        assert!(of("CVE-2024-31449", package).fixable);
        assert_eq!(of("CVE-2024-31449", package).severity, "HIGH");
    }
    assert!(!of("CVE-2023-45853", "zlib1g").fixable);
    assert!(s.vulnerability_results);
    assert_eq!(
        s.scanned_at.map(|t| t.to_rfc3339()),
        Some("2026-10-10T12:00:00+00:00".to_string())
    );
}

#[test]
fn matching_prefers_digest_and_normalises_references() {
    let mut ev = vulnerabilities::Evidence {
        scans: parse("trivy-image.json"),
        ..Default::default()
    };
    ev.scans.extend(parse("grype.json"));
    assert!(ev.find("nginx:1.25.3").is_some());
    assert!(ev.find("docker.io/library/nginx:1.25.3").is_some());
    assert!(ev.find("index.docker.io/library/nginx:1.25.3").is_some());
    assert!(ev.find("nginx:1.25.4").is_none());
    assert!(ev.find("nginx").is_none(), "nginx means nginx:latest");
    let digest = ev.scans[0].digests[0].clone();
    assert!(ev.find(&format!("nginx:1.25.3@{digest}")).is_some());
    // Pinned to other content than was scanned: not the same image, whatever the tag.
    let other = format!("sha256:{}", "0".repeat(64));
    assert!(ev.find(&format!("nginx:1.25.3@{other}")).is_none());
    assert_eq!(
        normalise("library/nginx:1").expect("reference").0,
        "docker.io/library/nginx:1"
    );
    // A pinned image is matched only by its digest: a scan of its tag that records no
    // digest may be of other content.
    let mut tag_only = ev.scans[0].clone();
    tag_only.digests.clear();
    let ev = vulnerabilities::Evidence {
        scans: vec![tag_only],
        ..Default::default()
    };
    assert!(ev.find("nginx:1.25.3").is_some());
    assert!(ev.find(&format!("nginx:1.25.3@{digest}")).is_none());
    assert!(ev.find("nginx@sha256:abc").is_none(), "not a reference");
}

const WORKLOADS: &str = r#"# two workloads: one scanned by its tag, one never scanned
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: "nginx:1.25.3"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: unscanned, namespace: shop}
spec:
  selector: {matchLabels: {app: unscanned}}
  template:
    metadata: {labels: {app: unscanned}}
    spec:
      containers:
        - {name: app, image: "ghcr.io/example/never-scanned:1.0.0"}
"#;

fn scan(dir: &Dir, out: &str, extra: &[&str]) -> (support::Run, Option<Report>) {
    dir.create("app.yaml", WORKLOADS);
    let mut args = vec![
        "scan",
        "--manifests",
        "app.yaml",
        "--framework",
        "nsa-cisa-1.2",
        "--quiet",
        "--format",
        "json",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let run = kubeattest(dir.path(), &args);
    let r = dir
        .path()
        .join(out)
        .join("report.json")
        .exists()
        .then(|| report(&dir.path().join(out)));
    (run, r)
}

/// A check's finding on a subject, a compact pass of the pass lists included.
fn finding(r: &Report, check: &str, name: &str) -> kubeattest::results::Finding {
    r.listed()
        .find(|f| f.check() == check && &*f.subject().name == name)
        .map(|f| f.to_finding().into_owned())
        .unwrap_or_else(|| panic!("no {check} finding on {name}"))
}

#[test]
fn scan_reports_fixable_vulnerabilities_with_counts_and_ids() {
    let dir = Dir::new();
    let trivy = fixture("trivy-image.json");
    let (run, r) = scan(&dir, "d", &["--vulnerabilities", &trivy.to_string_lossy()]);
    assert!(matches!(run.code, 0), "{}", run.stderr);
    let r = r.expect("report");
    let f = finding(&r, "image-fixable-vulnerabilities", "web");
    assert_eq!(f.status, Status::Fail);
    assert!(
        f.message
            .contains("1 critical, 1 high fixable (CVE-2024-5535, CVE-2023-44487)"),
        "{}",
        f.message
    );
    let o = &f.observations[0];
    assert_eq!(o.observed["fixable"]["critical"], 1);
    assert_eq!(o.observed["top"][0], "CVE-2024-5535");
    assert!(
        o.source.contains("trivy-image.json") && o.source.contains("trivy scan of nginx:1.25.3")
    );
    // Never scanned: not assessed, never a pass.
    let u = finding(&r, "image-fixable-vulnerabilities", "unscanned");
    assert_eq!(u.status, Status::Manual);
    assert!(u
        .message
        .contains("no scan result for image ghcr.io/example/never-scanned:1.0.0"));
    // The NSA item that asks for scanning rolls up from both checks.
    let item = r.frameworks[0]
        .items
        .iter()
        .find(|i| i.id == "1.3.1")
        .expect("NSA 1.3.1");
    assert_eq!(
        item.checks,
        ["image-fixable-vulnerabilities", "image-scan-stale"]
    );
    assert_eq!(item.status, Status::Fail);
    assert!(r
        .coverage
        .iter()
        .any(|c| c.source.ends_with("trivy-image.json") && c.items == 1));
}

#[test]
fn scan_age_uses_the_scans_own_timestamp() {
    let dir = Dir::new();
    let grype = fixture("grype.json");
    let trivy = fixture("trivy-image.json");
    // Scanned 2026-11-14; the run is later than 2026-11-21, so older than 7 days.
    let (_, r) = scan(
        &dir,
        "d",
        &[
            "--vulnerabilities",
            &trivy.to_string_lossy(),
            &grype.to_string_lossy(),
        ],
    );
    let r = r.expect("report");
    let f = finding(&r, "image-scan-stale", "web");
    assert_eq!(f.status, Status::Fail, "{}", f.message);
    assert_eq!(f.observations[0].observed, "2026-11-14T08:00:00Z");
    assert!(f.observations[0]
        .expected
        .starts_with("scanned within 7 days before"));
    // A generous limit passes it.
    let (_, r) = scan(
        &dir,
        "e",
        &[
            "--vulnerabilities",
            &trivy.to_string_lossy(),
            "--max-scan-age",
            "520w",
        ],
    );
    let r = r.expect("report");
    assert_eq!(finding(&r, "image-scan-stale", "web").status, Status::Pass);
    assert_eq!(
        finding(&r, "image-scan-stale", "unscanned").status,
        Status::Manual
    );
    let bad = kubeattest(
        dir.path(),
        &["scan", "--manifests", "app.yaml", "--max-scan-age", "7m"],
    );
    bad.assert_code(2);
    assert!(bad.stderr.contains("units are h, d, w"), "{}", bad.stderr);
}

#[test]
fn unreadable_scan_file_is_named_with_its_line_and_the_rest_is_read() {
    let dir = Dir::new();
    let broken = fixture("broken.json");
    let trivy = fixture("trivy-image.json");
    let (run, r) = scan(
        &dir,
        "d",
        &[
            "--vulnerabilities",
            &broken.to_string_lossy(),
            &trivy.to_string_lossy(),
        ],
    );
    run.assert_code(3);
    let r = r.expect("report");
    let bad = r
        .coverage
        .iter()
        .find(|c| c.source.ends_with("broken.json"))
        .expect("coverage entry for broken.json");
    let err = bad.error.as_deref().unwrap_or_default();
    assert!(err.contains("broken.json:5:"), "{err}");
    assert_eq!(
        finding(&r, "image-fixable-vulnerabilities", "web").status,
        Status::Fail
    );
    // Only unreadable files: the check errs, it does not pass.
    let (_, r) = scan(&dir, "e", &["--vulnerabilities", &broken.to_string_lossy()]);
    let r = r.expect("report");
    let c = r.check("image-fixable-vulnerabilities").expect("check");
    assert_eq!(c.status, Status::Error, "{}", c.message);
}

#[test]
fn without_scan_results_nothing_is_assessed() {
    let dir = Dir::new();
    let (run, r) = scan(&dir, "d", &[]);
    assert!(matches!(run.code, 0), "{}", run.stderr);
    let r = r.expect("report");
    for id in ["image-fixable-vulnerabilities", "image-scan-stale"] {
        let c = r.check(id).expect("check");
        assert_eq!(c.status, Status::Manual, "{id}");
        assert!(c.message.contains("--vulnerabilities"), "{}", c.message);
    }
}

#[test]
fn demo_ships_a_sample_scan_and_shows_vulnerability_findings() {
    let dir = Dir::new();
    let run = kubeattest(
        dir.path(),
        &[
            "scan", "--demo", "--quiet", "--format", "json", "--out", "d",
        ],
    );
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
    let r = report(&dir.path().join("d"));
    assert!(r
        .coverage
        .iter()
        .any(|c| c.source == "vulnerabilities demo/scans/trivy-k8s.json" && c.items == 4));
    let status = |name: &str| finding(&r, "image-fixable-vulnerabilities", name).status;
    assert_eq!(status("storefront"), Status::Fail);
    assert_eq!(status("ledger-db"), Status::Fail);
    assert_eq!(status("node-exporter"), Status::Fail);
    // Matched by digest through RepoDigests; only a low fixable.
    assert_eq!(status("payments-api"), Status::Pass);
    // Not in the sample scan.
    assert_eq!(status("legacy-admin"), Status::Manual);
    let ledger = finding(&r, "image-fixable-vulnerabilities", "ledger-db");
    assert!(
        ledger.message.contains("2 critical, 1 high fixable"),
        "{}",
        ledger.message
    );
    // The demo dates its sample scan at midnight 12 days before the run's day: older than
    // the default 7 days, and said the same way on every run of a day.
    let stale = finding(&r, "image-scan-stale", "storefront");
    assert_eq!(stale.status, Status::Fail);
    let started = chrono::DateTime::parse_from_rfc3339(&r.run.started_at).expect("started_at");
    let scanned = (started - chrono::Duration::days(12)).format("%Y-%m-%d");
    assert!(
        stale
            .message
            .contains(&format!("scanned 12 days ago ({scanned})")),
        "{}",
        stale.message
    );
}
