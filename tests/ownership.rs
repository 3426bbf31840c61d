//! Issue 13 item 3: results grouped by owner, namespace and node in every format; the owner
//! resolved at scan time from labels and recorded only on findings that did not pass.

mod support;

use std::path::Path;

use kubeattest::results::{Report, Status};
use support::{kubeattest, report, Dir};

fn demo(dir: &Dir, extra: &[&str]) -> Report {
    let out = dir.path().join("out");
    let out_s = out.to_string_lossy().into_owned();
    let mut args = vec![
        "scan", "--demo", "--quiet", "--format", "all", "--out", &out_s,
    ];
    args.extend_from_slice(extra);
    let run = kubeattest(dir.path(), &args);
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
    report(&out)
}

#[test]
fn demo_report_counts_every_finding_per_owner_namespace_and_node() {
    let dir = Dir::new();
    let r = demo(&dir, &[]);
    let b = &r.breakdown;
    assert_eq!(
        b.owner_labels,
        ["app.kubernetes.io/part-of", "team", "owner"]
    );
    let owners: Vec<&str> = b.owners.iter().map(|g| g.name.as_str()).collect();
    for want in ["payments", "web", "monitoring", "(no owner)"] {
        assert!(owners.contains(&want), "{want} missing from {owners:?}");
    }
    // Every finding counted once in each grouping (passes included; nodes only hold node facts).
    let total: usize = r.checks.iter().map(|c| c.counts.total()).sum();
    let sum =
        |gs: &[kubeattest::ownership::Group]| gs.iter().map(|g| g.counts.total()).sum::<usize>();
    assert_eq!(sum(&b.owners), total);
    assert_eq!(sum(&b.namespaces), total);
    assert!(!b.nodes.is_empty(), "the demo's node facts group by node");
    assert!(b
        .nodes
        .iter()
        .any(|g| g.name == "worker-2" && g.counts.fail > 0));
    let fails: usize = r.checks.iter().map(|c| c.counts.fail).sum();
    assert_eq!(b.owners.iter().map(|g| g.counts.fail).sum::<usize>(), fails);
    // Most failures first; a score beside the counts.
    assert!(b
        .owners
        .windows(2)
        .all(|w| w[0].counts.fail >= w[1].counts.fail));
    assert!(b
        .owners
        .iter()
        .all(|g| g.score.is_some() || g.counts.not_passing() == g.counts.manual));
    // Recorded on what did not pass, never on passes (cost follows failures).
    for f in &r.findings {
        if f.status == Status::Pass {
            assert!(
                f.subject.owner.is_none(),
                "{} {}",
                f.check,
                f.subject.display()
            );
        } else {
            // "(no owner)" is not spelled out on every failure: absent means none found.
            assert_ne!(f.subject.owner.as_deref(), Some("(no owner)"));
        }
    }
    let storefront = r
        .findings
        .iter()
        .find(|f| &*f.subject.name == "storefront" && f.status == Status::Fail)
        .expect("a failing storefront finding");
    assert_eq!(storefront.subject.owner.as_deref(), Some("web"));
}

#[test]
fn csv_html_and_pdf_group_by_owner() {
    let dir = Dir::new();
    let r = demo(&dir, &[]);
    let out = dir.path().join("out");
    let mut csv = csv::Reader::from_path(out.join("findings.csv")).expect("csv");
    let header = csv.headers().expect("header").clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    let (ns, node, owner, name, status) = (
        col("subject_namespace"),
        col("subject_node"),
        col("owner"),
        col("subject_name"),
        col("status"),
    );
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("row")).collect();
    // Node facts carry no owner label: their failing rows say so; passes leave it empty.
    assert!(rows
        .iter()
        .any(|r| &r[node] == "worker-2" && &r[status] == "fail" && &r[owner] == "(no owner)"));
    assert!(rows
        .iter()
        .filter(|r| &r[status] == "pass")
        .all(|r| r[owner].is_empty()));
    assert!(rows.iter().any(|r| &r[name] == "storefront"
        && &r[status] == "fail"
        && &r[owner] == "web"
        && &r[ns] == "web"));
    assert!(rows
        .iter()
        .any(|r| &r[node] == "worker-2" && &r[status] == "fail"));
    let html = std::fs::read_to_string(out.join("report.html")).expect("html");
    assert!(html.contains("<h3>By owner</h3>") && html.contains("<h3>By namespace</h3>"));
    assert!(html.contains("<h3>By node</h3>"));
    let top = &r.breakdown.owners[0];
    assert!(html.contains(&format!("<td class=\"mono\">{}</td>", top.name)));
    if let Some(text) = pdf_text(&out.join("report.pdf")) {
        assert!(
            text.contains("By owner") && text.contains("By namespace"),
            "PDF lacks the tables"
        );
        assert!(text.contains("Results by owner, namespace and node"));
    }
}

fn pdf_text(pdf: &Path) -> Option<String> {
    let out = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

const MANIFESTS: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: platform
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: labelled
  namespace: shop
  labels:
    team: checkout
spec:
  selector: {matchLabels: {app: labelled}}
  template:
    metadata:
      labels: {app: labelled, app.kubernetes.io/part-of: storefront}
    spec:
      containers:
        - name: app
          image: nginx:latest
          securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bare
  namespace: shop
spec:
  selector: {matchLabels: {app: bare}}
  template:
    metadata:
      labels: {app: bare}
    spec:
      containers:
        - name: app
          image: nginx:latest
          securityContext: {privileged: true}
"#;

fn owners_of(r: &Report, name: &str) -> Vec<String> {
    let mut v: Vec<String> = r
        .findings
        .iter()
        .filter(|f| &*f.subject.name == name && f.status != Status::Pass)
        .filter_map(|f| f.subject.owner.as_deref().map(str::to_string))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn owner_label_order_template_labels_and_namespace_fallback() {
    let dir = Dir::new();
    dir.create("app.yaml", MANIFESTS);
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "app.yaml",
            "--quiet",
            "--format",
            "json",
            "--out",
            "d",
        ],
    );
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
    let r = report(&dir.path().join("d"));
    // Default order: part-of (found on the pod template) before team (on the Deployment).
    assert_eq!(owners_of(&r, "labelled"), ["storefront"]);
    // Nothing on the object: the namespace's labels.
    assert_eq!(owners_of(&r, "bare"), ["platform"]);

    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "app.yaml",
            "--quiet",
            "--format",
            "json",
            "--out",
            "t",
            "--owner-label",
            "team",
        ],
    );
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
    let r = report(&dir.path().join("t"));
    assert_eq!(r.breakdown.owner_labels, ["team"]);
    assert_eq!(owners_of(&r, "labelled"), ["checkout"]);
    assert_eq!(owners_of(&r, "bare"), ["platform"]);
    assert!(r
        .breakdown
        .owners
        .iter()
        .any(|g| g.name == "checkout" && g.fail.critical + g.fail.high > 0));

    // A label nobody carries: "(no owner)".
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "app.yaml",
            "--quiet",
            "--format",
            "json",
            "--out",
            "n",
            "--owner-label",
            "cost-centre",
        ],
    );
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
    let r = report(&dir.path().join("n"));
    assert!(owners_of(&r, "labelled").is_empty());
    assert!(r.breakdown.owners.iter().all(|g| g.name == "(no owner)"));

    // render: the same keys re-render; other keys are refused with the next step.
    let ok = kubeattest(
        dir.path(),
        &[
            "render",
            "t/report.json",
            "--format",
            "html",
            "--owner-label",
            "team",
        ],
    );
    ok.assert_code(0);
    let refused = kubeattest(
        dir.path(),
        &[
            "render",
            "t/report.json",
            "--format",
            "html",
            "--owner-label",
            "owner",
        ],
    );
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("scanned with owner labels [team]")
            && refused.stderr.contains("scan --owner-label owner"),
        "{}",
        refused.stderr
    );
}

#[test]
fn summary_detail_keeps_per_owner_pass_counts() {
    let dir = Dir::new();
    let full = demo(&dir, &[]);
    let dir2 = Dir::new();
    let summary = demo(&dir2, &["--detail", "summary"]);
    let key = |r: &Report| {
        r.breakdown
            .owners
            .iter()
            .map(|g| (g.name.clone(), g.counts.pass, g.counts.fail))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&full), key(&summary));
}

#[test]
fn owner_names_from_labels_are_escaped_and_neutralised() {
    let dir = Dir::new();
    dir.create(
        "app.yaml",
        &MANIFESTS
            .replace("team: checkout", "team: \"<script>alert(1)</script>\"")
            .replace("team: platform", "team: \"=HYPERLINK(1)\""),
    );
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "app.yaml",
            "--quiet",
            "--format",
            "html,csv",
            "--out",
            "d",
            "--owner-label",
            "team",
        ],
    );
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
    let html = std::fs::read_to_string(dir.path().join("d/report.html")).expect("html");
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
    let csv = std::fs::read_to_string(dir.path().join("d/findings.csv")).expect("csv");
    assert!(csv.contains(",'=HYPERLINK(1)") && !csv.contains(",=HYPERLINK(1)"));
}
