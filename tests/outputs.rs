//! Rule 8 for every command that writes: output goes only where the user pointed it and
//! replaces only a previous output of ours; inputs are never touched; a manifest lists only
//! files kubeattest wrote, and `verify` sees every file added.

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubeattest"))
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run kubeattest")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn demo(dir: &Path, out: &str, formats: &str) {
    let o = run(
        dir,
        &[
            "scan", "--demo", "--quiet", "--format", formats, "--out", out,
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

fn listed(dir: &Path) -> Vec<String> {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("MANIFEST.json")).expect("manifest"))
            .expect("json");
    m["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_string())
        .collect()
}

/// `render` beside a saved report in a folder of the user's: the manifest lists only what
/// kubeattest wrote, so a later scan into that folder refuses to delete the user's file.
#[test]
fn render_lists_only_its_own_files_and_never_certifies_others() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    demo(dir, "r", "json");
    std::fs::create_dir(dir.join("loose")).expect("mkdir");
    std::fs::copy(dir.join("r/report.json"), dir.join("loose/report.json")).expect("copy");
    std::fs::write(dir.join("loose/notes.txt"), "mine").expect("notes");
    let o = run(dir, &["render", "loose/report.json", "--format", "csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let names = listed(&dir.join("loose"));
    assert!(names.contains(&"findings.csv".to_string()), "{names:?}");
    assert!(names.contains(&"report.json".to_string()), "{names:?}");
    assert!(!names.contains(&"notes.txt".to_string()), "{names:?}");
    let o = run(dir, &["scan", "--demo", "--quiet", "--out", "loose"]);
    assert_eq!(code(&o), 2, "the user's file is foreign: {}", stderr(&o));
    assert!(dir.join("loose/notes.txt").exists());

    // A report folder with a changed file or an added one: render refuses, verify still says
    // so afterwards.
    demo(dir, "s", "json,html");
    let html = dir.join("s/report.html");
    let mut bytes = std::fs::read(&html).expect("html");
    bytes[100] ^= 1;
    std::fs::write(&html, bytes).expect("tamper");
    let o = run(dir, &["render", "s/report.json", "--format", "csv"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("report.html"), "{}", stderr(&o));
    assert_ne!(code(&run(dir, &["verify", "s"])), 0);
    demo(dir, "t", "json");
    std::fs::write(dir.join("t/extra.txt"), "x").expect("extra");
    let o = run(dir, &["render", "t/report.json", "--format", "csv"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("extra.txt"), "{}", stderr(&o));

    // Into our own report folder: rebuilt and swapped whole, still intact.
    demo(dir, "u", "json");
    let o = run(dir, &["render", "u/report.json", "--format", "csv,html"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(code(&run(dir, &["verify", "u"])), 0);
    assert_eq!(listed(&dir.join("u")).len(), 3);
}

/// `verify` counts a hidden file as a file added.
#[test]
fn verify_sees_hidden_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    demo(dir, "r", "json");
    assert_eq!(code(&run(dir, &["verify", "r"])), 0);
    std::fs::write(dir.join("r/.index.html"), "<script>").expect("dotfile");
    let o = run(dir, &["verify", "r"]);
    assert_ne!(code(&o), 0);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(".index.html"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// `diff --out` stays out of the runs it compares and never replaces a file of the user's.
#[test]
fn diff_writes_only_its_own_folder() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    demo(dir, "a", "json");
    demo(dir, "b", "json");
    let o = run(dir, &["diff", "a", "b", "--format", "json", "--out", "b"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(code(&run(dir, &["verify", "b"])), 0, "the input is intact");
    std::fs::create_dir(dir.join("mine")).expect("mkdir");
    std::fs::write(dir.join("mine/drift.csv"), "user data").expect("write");
    let o = run(dir, &["diff", "a", "b", "--format", "csv", "--out", "mine"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("mine/drift.csv")).expect("read"),
        "user data"
    );
    // Its own previous drift folder is replaced.
    for _ in 0..2 {
        let o = run(
            dir,
            &[
                "diff",
                "a",
                "b",
                "--format",
                "json,csv,html",
                "--out",
                "drift",
            ],
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
}

/// `snapshot --out` refuses the kubeconfig it reads and any file that is not a snapshot.
#[test]
fn snapshot_never_replaces_its_kubeconfig_or_a_file_of_the_user() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    std::fs::write(dir.join("kc"), "apiVersion: v1\nkind: Config\n").expect("kubeconfig");
    let o = run(
        dir,
        &[
            "snapshot",
            "--kubeconfig",
            "kc",
            "--out",
            "kc",
            "--agent-namespace",
            "none",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("kc")).expect("kc"),
        "apiVersion: v1\nkind: Config\n"
    );
    std::fs::write(dir.join("notes.txt"), "mine").expect("notes");
    let o = run(
        dir,
        &[
            "snapshot",
            "--kubeconfig",
            "kc",
            "--out",
            "notes.txt",
            "--agent-namespace",
            "none",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a kubeattest snapshot"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).expect("notes"),
        "mine"
    );
}

/// `scan --out … --force` never replaces the kubeconfig, configuration file or catalog
/// overlay it reads.
#[test]
fn scan_force_never_replaces_the_files_it_reads() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    std::fs::create_dir(dir.join("cfg")).expect("mkdir");
    std::fs::write(dir.join("cfg/k.yaml"), "quiet: true\n").expect("config");
    let o = run(
        dir,
        &[
            "scan",
            "--demo",
            "--quiet",
            "--config",
            "cfg/k.yaml",
            "--out",
            "cfg",
            "--force",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(dir.join("cfg/k.yaml").exists());
    std::fs::create_dir_all(dir.join("cat/checks")).expect("mkdir");
    std::fs::write(dir.join("cat/notes.yaml"), "# notes\n").expect("overlay");
    let o = run(
        dir,
        &[
            "--catalog",
            "cat",
            "scan",
            "--demo",
            "--quiet",
            "--out",
            "cat",
            "--force",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(dir.join("cat/notes.yaml").exists());
}

/// A folder or file reached through a symbolic link inside a `--manifests` folder is an input
/// too: `--out` there is refused with or without `--force`, and the manifest stays (it was
/// deleted by `--force`, and written into without it).
#[test]
fn scan_never_writes_into_what_a_link_in_the_manifests_leads_to() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    for sub in ["in", "shared", "files"] {
        std::fs::create_dir(dir.join(sub)).expect("mkdir");
    }
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: web\n";
    std::fs::write(dir.join("shared/app.yaml"), manifest).expect("manifest");
    std::fs::write(dir.join("files/one.yaml"), manifest).expect("manifest");
    std::os::unix::fs::symlink("../shared", dir.join("in/shared")).expect("link");
    std::os::unix::fs::symlink("../files/one.yaml", dir.join("in/one.yaml")).expect("link");
    for (out, force) in [
        ("shared", true),
        ("shared", false),
        ("shared/report", false),
        ("files", true),
    ] {
        let mut args = vec!["scan", "--manifests", "in", "--quiet", "--format", "json"];
        args.extend(["--out", out]);
        if force {
            args.push("--force");
        }
        let o = run(dir, &args);
        assert_eq!(code(&o), 2, "{out} {force}: {}", stderr(&o));
        assert!(stderr(&o).contains("overlaps the input"), "{}", stderr(&o));
    }
    assert!(dir.join("shared/app.yaml").is_file() && dir.join("files/one.yaml").is_file());
    assert!(!dir.join("shared/report").exists());
}

/// A FIFO (or a device such as /dev/null) is never replaced by a report folder, even with
/// `--force`.
#[test]
fn special_files_are_never_replaced() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        return;
    }
    let o = run(
        dir,
        &["scan", "--demo", "--quiet", "--out", "pipe", "--force"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    use std::os::unix::fs::FileTypeExt as _;
    assert!(std::fs::symlink_metadata(dir.join("pipe"))
        .expect("still there")
        .file_type()
        .is_fifo());
}
