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
    let o = run(&[
        os("scan"),
        os("--quiet"),
        os("--format"),
        os("json"),
        os("--manifests"),
        dir.as_os_str(),
        os("--out"),
        out.as_os_str(),
    ]);
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
    assert_eq!(fixed.len(), 1, "{changes:#?}");
    assert_eq!(fixed[0]["check"], "privileged-container");
    assert_eq!(fixed[0]["subject"]["name"], "node-agent");
    assert!(changes.iter().all(|f| f["change"] != "new"), "{changes:#?}");
    assert!(stdout(&o).contains("1 fixed"), "{}", stdout(&o));
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
