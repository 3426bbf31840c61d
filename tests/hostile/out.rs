//! `--out` never destroys what kubeattest did not write (issue 14, item 1).

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{kubeattest, Dir};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n";

/// Every file under `dir` (relative path → bytes), to compare before and after.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.expect("walk");
        let rel = e
            .path()
            .strip_prefix(dir)
            .expect("below")
            .display()
            .to_string();
        let bytes = if e.file_type().is_file() {
            std::fs::read(e.path()).expect("read")
        } else {
            Vec::new()
        };
        out.insert(rel, bytes);
    }
    out
}

fn scan(dir: &Dir, out: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec![
        "scan",
        "--manifests",
        "in",
        "--format",
        "json",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    kubeattest(dir.path(), &args)
}

#[test]
fn a_folder_that_is_not_a_report_is_refused_and_left_byte_identical() {
    let dir = Dir::new();
    dir.create("in/pod.yaml", POD);
    dir.create("myproject/src/main.rs", "fn main() {}\n");
    dir.create("myproject/.git/HEAD", "ref: refs/heads/main\n");
    let before = tree(&dir.path().join("myproject"));
    let run = scan(&dir, "myproject", &[]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("not a kubeattest report"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(tree(&dir.path().join("myproject")), before);
}

#[test]
fn a_file_at_out_is_refused_unless_forced() {
    let dir = Dir::new();
    dir.create("in/pod.yaml", POD);
    dir.create("notes.txt", "mine\n");
    scan(&dir, "notes.txt", &[]).assert_code(2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).expect("kept"),
        "mine\n"
    );
    scan(&dir, "notes.txt", &["--force"]).assert_code(0);
    assert!(dir.path().join("notes.txt/report.json").is_file());
}

#[test]
fn out_equal_to_or_inside_an_input_is_refused_even_when_forced() {
    let dir = Dir::new();
    dir.create("in/pod.yaml", POD);
    let before = tree(&dir.path().join("in"));
    for out in ["in", "in/report", "."] {
        let run = scan(&dir, out, &["--force"]);
        run.assert_code(2);
        assert!(run.stderr.contains("overlaps the input"), "{}", run.stderr);
    }
    assert_eq!(tree(&dir.path().join("in")), before);
}

#[test]
fn a_previous_report_is_replaced_but_not_with_foreign_files_in_it() {
    let dir = Dir::new();
    dir.create("in/pod.yaml", POD);
    scan(&dir, "out", &[]).assert_code(0);
    scan(&dir, "out", &[]).assert_code(0);
    dir.create("out/auditor-notes.txt", "keep me\n");
    let before = tree(&dir.path().join("out"));
    let run = scan(&dir, "out", &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("auditor-notes.txt"), "{}", run.stderr);
    assert_eq!(tree(&dir.path().join("out")), before);
    // Nothing is left beside it.
    let hidden: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn leftovers_of_a_killed_run_are_cleaned_and_a_report_moved_aside_is_put_back() {
    let dir = Dir::new();
    dir.create("in/pod.yaml", POD);
    scan(&dir, "out", &[]).assert_code(0);
    // A run killed after moving the old report aside, before renaming the new one in.
    std::fs::rename(
        dir.path().join("out"),
        dir.path().join(".out.old-999999999"),
    )
    .expect("mv");
    dir.create(".out.tmp-999999998/report.json", "{\"partial\":");
    let run = scan(&dir, "other", &[]);
    run.assert_code(0);
    // The next run beside them cleans up and puts the report back.
    assert!(!dir.path().join(".out.tmp-999999998").exists());
    assert!(dir.path().join("out/MANIFEST.json").is_file(), "put back");
}

#[test]
fn render_does_not_overwrite_files_of_a_folder_that_is_not_a_report() {
    let dir = Dir::new();
    dir.create("in/pod.yaml", POD);
    scan(&dir, "out", &[]).assert_code(0);
    dir.create("site/report.html", "<p>my page</p>\n");
    let before = tree(&dir.path().join("site"));
    let run = kubeattest(
        dir.path(),
        &[
            "render",
            "out/report.json",
            "--format",
            "html",
            "--out",
            "site",
        ],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("report.html"), "{}", run.stderr);
    assert_eq!(tree(&dir.path().join("site")), before);
    // Into its own report folder, it adds the format.
    kubeattest(
        dir.path(),
        &["render", "out/report.json", "--format", "html"],
    )
    .assert_code(0);
    assert!(dir.path().join("out/report.html").is_file());
}
