//! The auditor's workflow (issue 11): signed bundles and `verify`, `diff` between runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubeattest"))
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    bin().args(args).output().expect("run kubeattest")
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// `scan --demo … <flag> <input> --out <out> --force` is refused (exit 2) because the output
/// folder holds the input.
fn refused_as_overlapping(flag: &std::ffi::OsStr, input: &std::path::Path, out: &std::path::Path) {
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--format"),
        os("json"),
        flag,
        input.as_os_str(),
        os("--out"),
        out.as_os_str(),
        os("--force"),
    ]);
    assert_eq!(code(&o), 2, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("overlaps the input"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn flip_byte(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let i = b.len() / 2;
    b[i] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

/// A demo bundle in every format, signed with a fresh key. Returns (tmp, bundle, key).
fn signed_demo() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("signing.key");
    let o = run(&[os("keygen"), os("--out"), key.as_os_str()]);
    assert_eq!(
        code(&o),
        0,
        "keygen: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = tmp.path().join("bundle");
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--format"),
        os("all"),
        os("--sign"),
        key.as_os_str(),
        os("--out"),
        out.as_os_str(),
    ]);
    assert!(
        matches!(code(&o), 0 | 3),
        "scan: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("MANIFEST.sig").is_file());
    (tmp, out, key)
}

#[test]
fn verify_passes_fresh_bundle_and_names_each_tampered_file() {
    let (tmp, bundle, key) = signed_demo();
    let public = PathBuf::from(format!("{}.pub", key.display()));
    let o = run(&[
        os("verify"),
        bundle.as_os_str(),
        os("--key"),
        public.as_os_str(),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("signature: valid"), "{}", stdout(&o));

    // The private key file never lands in the bundle.
    assert!(!bundle.join("signing.key").exists());

    for name in [
        "report.json",
        "findings.csv",
        "report.html",
        "report.pdf",
        "MANIFEST.json",
        "MANIFEST.sig",
    ] {
        let copy = tmp.path().join(format!("t-{name}"));
        copy_dir(&bundle, &copy);
        flip_byte(&copy.join(name));
        let o = run(&[
            os("verify"),
            copy.as_os_str(),
            os("--key"),
            public.as_os_str(),
        ]);
        let text = stdout(&o);
        assert_eq!(code(&o), 1, "{name}: {text}");
        let failed: Vec<&str> = text.lines().filter(|l| l.starts_with("FAILED")).collect();
        assert!(!failed.is_empty(), "{name}: {text}");
        match name {
            // A changed manifest breaks the signature (and possibly its listing).
            "MANIFEST.json" => assert!(failed.iter().any(|l| l.contains("MANIFEST.sig")), "{text}"),
            "MANIFEST.sig" => assert!(failed.iter().all(|l| l.contains("MANIFEST.sig")), "{text}"),
            _ => {
                assert_eq!(failed.len(), 1, "{name}: {text}");
                assert!(failed[0].contains(&format!("{name}: changed")), "{text}");
            }
        }
    }

    let added = tmp.path().join("added");
    copy_dir(&bundle, &added);
    std::fs::write(added.join("notes.txt"), "x").unwrap();
    let o = run(&[os("verify"), added.as_os_str()]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("FAILED notes.txt: added"),
        "{}",
        stdout(&o)
    );

    let removed = tmp.path().join("removed");
    copy_dir(&bundle, &removed);
    std::fs::remove_file(removed.join("findings.csv")).unwrap();
    let o = run(&[os("verify"), removed.as_os_str()]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("FAILED findings.csv: removed"),
        "{}",
        stdout(&o)
    );

    // Another key: the signature is valid, but not by the key asked for.
    let other = tmp.path().join("other.key");
    assert_eq!(
        code(&run(&[os("keygen"), os("--out"), other.as_os_str()])),
        0
    );
    let other_pub = PathBuf::from(format!("{}.pub", other.display()));
    let o = run(&[
        os("verify"),
        bundle.as_os_str(),
        os("--key"),
        other_pub.as_os_str(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("not with the given key"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn unsigned_bundle_verifies_without_key_and_fails_with_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--format"),
        os("json,csv"),
        os("--out"),
        out.as_os_str(),
    ]);
    assert!(matches!(code(&o), 0 | 3));
    let o = run(&[os("verify"), out.as_os_str()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("signature: none"));
    let key = tmp.path().join("k");
    assert_eq!(code(&run(&[os("keygen"), os("--out"), key.as_os_str()])), 0);
    let public = PathBuf::from(format!("{}.pub", key.display()));
    let o = run(&[
        os("verify"),
        out.as_os_str(),
        os("--key"),
        public.as_os_str(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("MANIFEST.sig: missing"),
        "{}",
        stdout(&o)
    );
}

const PRIVILEGED: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
  namespace: apps
spec:
  selector:
    matchLabels:
      app: node-agent
  template:
    metadata:
      labels:
        app: node-agent
    spec:
      containers:
      - name: agent
        image: registry.example/team/app:1.4.2
        securityContext:
          privileged: PRIV
";

fn scan_manifests(dir: &Path, out: &Path) {
    scan_manifests_with(dir, out, &[]);
}

/// A json-only scan of `dir` into `out`, with `extra` arguments.
fn scan_manifests_with(dir: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        os("scan"),
        os("--quiet"),
        os("--format"),
        os("json"),
        os("--manifests"),
        dir.as_os_str(),
        os("--out"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| os(a)));
    let o = run(&args);
    assert!(
        matches!(code(&o), 0 | 3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn diff_lists_exactly_the_fixed_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let (m1, m2) = (tmp.path().join("m1"), tmp.path().join("m2"));
    std::fs::create_dir_all(&m1).unwrap();
    std::fs::create_dir_all(&m2).unwrap();
    std::fs::write(m1.join("ds.yaml"), PRIVILEGED.replace("PRIV", "true")).unwrap();
    std::fs::write(m2.join("ds.yaml"), PRIVILEGED.replace("PRIV", "false")).unwrap();
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    scan_manifests(&m1, &old);
    scan_manifests(&m2, &new);
    let drift_dir = tmp.path().join("drift");
    let o = run(&[
        os("diff"),
        old.as_os_str(),
        new.join("report.json").as_os_str(),
        os("--format"),
        os("json,html,csv"),
        os("--out"),
        drift_dir.as_os_str(),
        os("--fail-on-new"),
        os("low"),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let drift: serde_json::Value =
        serde_json::from_slice(&std::fs::read(drift_dir.join("drift.json")).unwrap()).unwrap();
    let changes = drift["findings"].as_array().unwrap();
    let fixed: Vec<_> = changes.iter().filter(|f| f["change"] == "fixed").collect();
    // A privileged container is also given every capability: unprivileged, it adds none.
    let mut checks: Vec<&str> = fixed.iter().filter_map(|f| f["check"].as_str()).collect();
    checks.sort_unstable();
    assert_eq!(
        checks,
        ["added-capabilities", "privileged-container"],
        "{changes:#?}"
    );
    assert!(fixed.iter().all(|f| f["subject"]["name"] == "node-agent"));
    assert!(changes.iter().all(|f| f["change"] != "new"), "{changes:#?}");
    assert!(stdout(&o).contains("2 fixed"), "{}", stdout(&o));
    assert!(drift_dir.join("drift.html").is_file());
    assert!(drift_dir.join("drift.csv").is_file());

    // The other way round, the finding is new, and --fail-on-new trips.
    let o = run(&[
        os("diff"),
        new.as_os_str(),
        old.as_os_str(),
        os("--fail-on-new"),
        os("high"),
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("privileged-container on DaemonSet apps/node-agent"));
}

/// Runs of different targets are not drift of one another: the comparison says so, and
/// `--fail-on-new` refuses to gate on it; a run given newest first, or twice, is named too.
#[test]
fn diff_says_when_the_runs_are_not_one_target_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("ds.yaml"), PRIVILEGED.replace("PRIV", "true")).unwrap();
    let (manifests, demo) = (tmp.path().join("manifests"), tmp.path().join("demo"));
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--format"),
        os("json"),
        os("--out"),
        demo.as_os_str(),
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    scan_manifests(&m, &manifests);
    let drift_dir = tmp.path().join("drift");
    let o = run(&[
        os("diff"),
        demo.as_os_str(),
        manifests.as_os_str(),
        os("--format"),
        os("json"),
        os("--out"),
        drift_dir.as_os_str(),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o)
            .contains("different targets (demo-kubeadm at https://10.0.0.10:6443 and manifests)"),
        "{}",
        stdout(&o)
    );
    let drift: serde_json::Value =
        serde_json::from_slice(&std::fs::read(drift_dir.join("drift.json")).unwrap()).unwrap();
    assert_eq!(drift["same_target"], false);
    let o = run(&[
        os("diff"),
        demo.as_os_str(),
        manifests.as_os_str(),
        os("--fail-on-new"),
        os("low"),
    ]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("runs of different targets"));
    let o = run(&[os("diff"), demo.as_os_str(), demo.as_os_str()]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("nothing can have drifted"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn diff_says_which_checks_only_one_run_evaluated() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("ds.yaml"), PRIVILEGED.replace("PRIV", "true")).unwrap();
    let (all, one) = (tmp.path().join("all"), tmp.path().join("one"));
    scan_manifests(&m, &all);
    scan_manifests_with(
        &m,
        &one,
        &["--check", "privileged-container,host-pid-namespace"],
    );
    let drift_dir = tmp.path().join("drift");
    let o = run(&[
        os("diff"),
        all.as_os_str(),
        one.as_os_str(),
        os("--format"),
        os("json,html"),
        os("--out"),
        drift_dir.as_os_str(),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    // The checks the narrower run left out are named, not reported as fixed.
    assert!(
        stdout(&o).contains("ran only in the older run") && stdout(&o).contains("not compared"),
        "{}",
        stdout(&o)
    );
    let drift: serde_json::Value =
        serde_json::from_slice(&std::fs::read(drift_dir.join("drift.json")).unwrap()).unwrap();
    let only_old = drift["not_compared"]["only_old"].as_array().unwrap();
    assert!(
        only_old.iter().any(|c| c == "host-network-namespace"),
        "{only_old:?}"
    );
    assert!(
        !only_old.iter().any(|c| c == "privileged-container"),
        "{only_old:?}"
    );
    assert!(drift["not_compared"].get("only_new").is_none());
    assert_eq!(drift["findings"].as_array().unwrap().len(), 0, "{drift:#}");
    let html = std::fs::read_to_string(drift_dir.join("drift.html")).unwrap();
    assert!(html.contains("ran only in the older run"));
}

#[test]
fn diff_lists_an_exception_whose_expiry_was_moved_before_the_new_run() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("ds.yaml"), PRIVILEGED.replace("PRIV", "true")).unwrap();
    let exception = |expires: &str| {
        format!(
            "exceptions:\n  - check: privileged-container\n    subject: {{ kind: DaemonSet, namespace: apps, name: node-agent }}\n    justification: the agent reads host devices.\n    approver: jane.doe@example.com\n    expires: {expires}\n"
        )
    };
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    for (out, expires) in [(&old, "2099-06-30"), (&new, "2020-01-31")] {
        let file = tmp.path().join("exceptions.yaml");
        std::fs::write(&file, exception(expires)).unwrap();
        scan_manifests_with(&m, out, &["--exceptions", file.to_str().unwrap()]);
    }
    let drift_dir = tmp.path().join("drift");
    let o = run(&[
        os("diff"),
        old.as_os_str(),
        new.as_os_str(),
        os("--format"),
        os("json"),
        os("--out"),
        drift_dir.as_os_str(),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let drift: serde_json::Value =
        serde_json::from_slice(&std::fs::read(drift_dir.join("drift.json")).unwrap()).unwrap();
    let expired = drift["expired_exceptions"].as_array().unwrap();
    assert_eq!(expired.len(), 1, "{drift:#}");
    assert_eq!(expired[0]["check"], "privileged-container");
    assert_eq!(expired[0]["expires"], "2020-01-31");
    assert!(
        stdout(&o).contains("exceptions expired since the old run"),
        "{}",
        stdout(&o)
    );
}

const EXCEPTIONS: &str = "exceptions:
  - check: host-pid-namespace
    subject: { kind: DaemonSet, namespace: monitoring, name: node-* }
    justification: node-exporter reads host process statistics by design.
    approver: jane.doe@example.com
    ticket: RISK-1234
    expires: 2099-06-30
  - check: host-network-namespace
    subject: { kind: DaemonSet, namespace: monitoring, name: node-* }
    justification: node-exporter serves metrics on the host network.
    approver: joe.bloggs@example.com
    expires: 2020-01-31
";

fn pdftotext(pdf: &Path, args: &[&str]) -> String {
    let out = Command::new("pdftotext")
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn page_count(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Pages:")
                .map(|n| n.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

#[test]
fn who_waivers_register_and_sign_off_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let ex = tmp.path().join("exceptions.yaml");
    std::fs::write(&ex, EXCEPTIONS).unwrap();
    let out = tmp.path().join("b");
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--format"),
        os("all"),
        os("--preparer"),
        os("Ada Auditor"),
        os("--organisation"),
        os("Example Ltd"),
        os("--exceptions"),
        ex.as_os_str(),
        os("--out"),
        out.as_os_str(),
    ]);
    assert!(
        matches!(code(&o), 0 | 3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // JSON: run.attribution, waiver with ticket.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let at = &report["run"]["attribution"];
    assert_eq!(at["preparer"], "Ada Auditor");
    assert_eq!(at["organisation"], "Example Ltd");
    assert_eq!(at["identity"], "demo");
    assert!(!at["host"].as_str().unwrap().is_empty());
    let scope = at["scope_statement"].as_str().unwrap();
    assert!(
        scope.contains("demo cluster") && scope.contains("All namespaces"),
        "{scope}"
    );
    let waived: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "waived")
        .collect();
    assert!(!waived.is_empty());
    assert!(waived.iter().all(|f| f["waiver"]["ticket"] == "RISK-1234"));
    assert!(report["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["status"] == "expired"));

    // CSV: waiver columns filled on waived rows only.
    let mut csv = csv::Reader::from_path(out.join("findings.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (st, just, appr, tick, exp, src) = (
        col("status"),
        col("waiver_justification"),
        col("waiver_approver"),
        col("waiver_ticket"),
        col("waiver_expires"),
        col("waiver_source"),
    );
    let mut waived_rows = 0;
    for r in csv.records() {
        let r = r.unwrap();
        if &r[st] == "waived" {
            waived_rows += 1;
            assert!(r[just].contains("host process statistics"));
            assert_eq!(&r[appr], "jane.doe@example.com");
            assert_eq!(&r[tick], "RISK-1234");
            assert_eq!(&r[exp], "2099-06-30");
            assert!(r[src].contains("exceptions.yaml:"));
        } else {
            assert_eq!(&r[just], "");
        }
    }
    assert_eq!(waived_rows, waived.len());

    // HTML: cover facts, register, expired notice, sign-off.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for s in [
        "Prepared by",
        "Ada Auditor",
        "Example Ltd",
        "Exceptions register",
        "RISK-1234",
        "EXPIRED EXCEPTION",
        "Sign-off",
        "Reviewer name",
        "Bundle digest",
    ] {
        assert!(html.contains(s), "HTML lacks {s}");
    }

    // PDF: cover names preparer, identity and scope; register; last page is the sign-off.
    let pdf = out.join("report.pdf");
    let cover = pdftotext(&pdf, &["-f", "1", "-l", "1"]);
    for s in ["Prepared by", "Ada Auditor", "Read as", "demo", "Scope"] {
        assert!(cover.contains(s), "cover lacks {s}: {cover}");
    }
    let all = pdftotext(&pdf, &[]);
    assert!(all.contains("Exceptions register"));
    assert!(all.contains("RISK-1234"));
    assert!(all.contains("EXPIRED EXCEPTION"));
    let n = page_count(&pdf).to_string();
    let last = pdftotext(&pdf, &["-f", &n, "-l", &n]);
    for s in [
        "Sign-off",
        "Reviewer name",
        "Role",
        "Date",
        "Signature",
        "Bundle digest",
    ] {
        assert!(last.contains(s), "last page lacks {s}: {last}");
    }
    // The digest on the sign-off page is the one of the files listed before the PDF.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("MANIFEST.json")).unwrap()).unwrap();
    let entries: String = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] != "report.pdf")
        .map(|f| {
            format!(
                "{} {} {}\n",
                f["name"].as_str().unwrap(),
                f["size"],
                f["sha256"].as_str().unwrap()
            )
        })
        .collect();
    let digest = kubeattest::bundle::sha256_hex(entries.as_bytes());
    assert!(last.replace(['\n', ' '], "").contains(&digest), "{last}");
}

fn attestation(item: &str, result: &str, evidence: &str, date: &str, expires: &str) -> String {
    format!(
        "  - framework: cis-1.12\n    item: \"{item}\"\n    result: {result}\n    statement: Checked by hand on every control plane node.\n    evidence: {evidence}\n    assessor: sam.assessor@example.com\n    date: {date}\n    expires: {expires}\n"
    )
}

#[test]
fn attestations_decide_manual_items_only_and_are_marked_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    // The template lists every manual item and loads as is (todo entries are skipped).
    let o = run(&[
        os("attest"),
        os("template"),
        os("--framework"),
        os("cis-1.12"),
    ]);
    assert_eq!(code(&o), 0);
    let template = stdout(&o);
    assert!(template.contains("item: \"1.2.20\"") && template.contains("# Audit:"));
    std::fs::write(tmp.path().join("evidence.txt"), "mode 600 on all nodes\n").unwrap();
    let file = format!(
        "attestations:\n{}{}{}{}",
        attestation(
            "1.2.20",
            "pass",
            "{ url: \"https://tickets.example/AUD-1\" }",
            "2026-01-10",
            "2099-01-10"
        ),
        attestation(
            "3.1.1",
            "pass",
            "{ url: \"https://tickets.example/AUD-2\" }",
            "2024-01-10",
            "2025-01-10"
        ),
        attestation(
            "5.1.1",
            "pass",
            "{ url: \"https://tickets.example/AUD-3\" }",
            "2026-01-10",
            "2099-01-10"
        ),
        attestation(
            "5.1.1x",
            "pass",
            "{ file: evidence.txt, sha256: 0000 }",
            "2026-01-10",
            "2099-01-10"
        ),
    );
    let att = tmp.path().join("att.yaml");
    std::fs::write(&att, file).unwrap();
    let out = tmp.path().join("b");
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--framework"),
        os("cis-1.12"),
        os("--format"),
        os("all"),
        os("--attestations"),
        att.as_os_str(),
        os("--out"),
        out.as_os_str(),
    ]);
    assert!(
        matches!(code(&o), 0 | 3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let fw = &report["frameworks"][0];
    let item = |id: &str| {
        fw["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(item("1.2.20")["status"], "pass");
    assert_eq!(
        item("1.2.20")["attestation"]["assessor"],
        "sam.assessor@example.com"
    );
    assert_eq!(
        item("3.1.1")["status"],
        "manual",
        "expired leaves it manual"
    );
    assert!(item("3.1.1").get("attestation").is_none());
    assert_ne!(
        item("5.1.1")["status"],
        "pass",
        "an automated verdict is never overridden"
    );
    assert_eq!(fw["summary"]["attested"], 1);
    let statuses: Vec<(String, String)> = report["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["item"].as_str().unwrap().to_string(),
                a["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("1.2.20".to_string(), "applied".to_string()),
            ("3.1.1".into(), "expired".into()),
            ("5.1.1".into(), "unused".into()),
            ("5.1.1x".into(), "invalid".into()),
        ]
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("attested by sam.assessor@example.com on 2026-01-10"));
    assert!(html.contains("Attestations of manual items"));
    let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    assert!(csv.contains("attested by sam.assessor@example.com on 2026-01-10"));
    let pdf = pdftotext(&out.join("report.pdf"), &[]);
    assert!(pdf.contains("ATT. PASS"), "attested badge");
    assert!(pdf.contains("Attestations of manual items"));
    assert!(pdf.contains("ATTESTED"), "own count on the summary page");
    // JUnit: an attested pass names its assessor too.
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--framework"),
        os("cis-1.12"),
        os("--attestations"),
        att.as_os_str(),
        os("-o"),
        os("junit"),
    ]);
    let junit = stdout(&o);
    let case = junit
        .split("<testcase ")
        .find(|c| c.contains("name=\"1.2.20 "))
        .expect("a case for 1.2.20");
    assert!(
        case.contains("attested by sam.assessor@example.com on 2026-01-10"),
        "{case}"
    );

    // A malformed file is an error naming file and line; nothing is evaluated.
    std::fs::write(
        &att,
        "attestations:\n  - item: \"1.2.20\"\n    result: maybe\n",
    )
    .unwrap();
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--attestations"),
        att.as_os_str(),
        os("--out"),
        tmp.path().join("c").as_os_str(),
    ]);
    assert_eq!(code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("att.yaml") && err.contains(":3"), "{err}");
}

/// The attestations file and its evidence files are inputs: `--out` on or around them is
/// refused even with `--force` (nothing of them is replaced or removed).
#[test]
fn out_never_replaces_the_attestations_or_their_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("audit");
    std::fs::create_dir_all(dir.join("evidence")).unwrap();
    let evidence = dir.join("evidence/perms.txt");
    std::fs::write(&evidence, "mode 600 on all nodes\n").unwrap();
    let sha = kubeattest::bundle::sha256_hex(b"mode 600 on all nodes\n");
    let att = dir.join("attestations.yaml");
    std::fs::write(
        &att,
        format!(
            "attestations:\n{}",
            attestation(
                "1.2.20",
                "pass",
                &format!("{{ file: evidence/perms.txt, sha256: {sha} }}"),
                "2026-01-10",
                "2099-01-10"
            )
        ),
    )
    .unwrap();
    for out in [dir.clone(), dir.join("evidence")] {
        refused_as_overlapping(os("--attestations"), &att, &out);
        assert!(att.is_file() && evidence.is_file(), "inputs left alone");
    }
}

/// An attestation names one requirement: an item number two frameworks share (CIS 4.1.3 and
/// NSA/CISA 4.1.3) needs its framework, a framework alias (`cis`) names its framework, a
/// second attestation giving the same answer is unused with that reason, and two that
/// disagree leave the item manual.
#[test]
fn attestations_name_one_item_of_one_framework() {
    let tmp = tempfile::tempdir().unwrap();
    let entry = |framework: &str, item: &str, result: &str| {
        attestation(
            item,
            result,
            "{ url: \"https://tickets.example/AUD-9\" }",
            "2026-01-10",
            "2099-01-10",
        )
        .replacen(
            "  - framework: cis-1.12\n    item",
            &format!("  - {framework}item"),
            1,
        )
    };
    let file = format!(
        "attestations:\n{}{}{}{}{}",
        entry("", "4.1.3", "pass"),
        entry("framework: cis\n    ", "1.2.20", "pass"),
        entry("framework: cis-1.12\n    ", "1.2.20", "pass"),
        entry("framework: cis-1.12\n    ", "3.1.1", "pass"),
        entry("framework: cis-1.12\n    ", "3.1.1", "fail"),
    );
    let att = tmp.path().join("att.yaml");
    std::fs::write(&att, &file).unwrap();
    let out = tmp.path().join("r");
    let o = run(&[
        os("scan"),
        os("--demo"),
        os("--quiet"),
        os("--format"),
        os("json"),
        os("--attestations"),
        att.as_os_str(),
        os("--out"),
        out.as_os_str(),
    ]);
    assert!(
        matches!(code(&o), 0 | 1 | 3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let results = report["attestations"].as_array().expect("attestations");
    let status = |i: usize| {
        results[i]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let reason = |i: usize| {
        results[i]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(status(0), "invalid", "{file}\n{results:#?}");
    assert!(reason(0).contains("add `framework:`"), "{}", reason(0));
    assert_eq!(status(1), "applied", "{results:#?}");
    assert_eq!(status(2), "unused", "{results:#?}");
    assert!(reason(2).contains("earlier attestation"), "{}", reason(2));
    // Two answers that disagree are no answer: both invalid, the item manual.
    assert_eq!(
        (status(3), status(4)),
        ("invalid".into(), "invalid".into()),
        "{results:#?}"
    );
    assert!(reason(4).contains("contradicts"), "{}", reason(4));
    let item = report["frameworks"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["id"] == "cis-1.12"))
        .and_then(|f| f["items"].as_array())
        .and_then(|i| i.iter().find(|i| i["id"] == "3.1.1"))
        .expect("CIS 3.1.1");
    assert_eq!(item["status"], "manual", "{item}");
}

/// `--out --force` never replaces the folder holding the signing key: the private key exists
/// only there, and a key lost cannot be made again with the same id.
#[test]
fn out_never_replaces_the_signing_key() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let key = keys.join("sign.key");
    assert_eq!(code(&run(&[os("keygen"), os("--out"), key.as_os_str()])), 0);
    refused_as_overlapping(os("--sign"), &key, &keys);
    assert!(key.is_file() && keys.join("sign.key.pub").is_file());
}
