//! `scan --snapshot`: a snapshot is read as strictly as it was written. A key the reader does
//! not know, a snapshot with no `objects` that says kinds were collected, and a coverage
//! failure `kinds` contradicts are errors (rule 1: unknown is never pass); errors name the
//! file and the line or key once (rule 5), and a newer format says so.

mod support;

use std::path::{Path, PathBuf};

use kubeattest::collect::snapshot::SNAPSHOT_VERSION;
use kubeattest::results::Status;
use support::{kubeattest, report, Dir};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/snapshots")
        .join(name)
}

/// `scan --snapshot FILE --check CHECK --out o` in a fresh folder.
fn scan(dir: &Dir, snapshot: &Path, extra: &[&str]) -> support::Run {
    let mut args = vec![
        "scan",
        "--snapshot",
        snapshot.to_str().expect("utf-8 path"),
        "--out",
        "o",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    kubeattest(dir.path(), &args)
}

/// A snapshot as `kubeattest snapshot` writes it, with `objects` and the rest given.
fn written(version: u32, rest: &str) -> String {
    format!(
        "{{\n  \"kind\": \"KubeattestSnapshot\",\n  \"snapshot_version\": {version},\n  \"created_at\": \"2026-01-01T00:00:00Z\",\n  \"target\": {{\"name\": \"x\", \"source\": \"cluster\"}},\n  \"complete\": true,\n  \"kinds\": {{}},\n  \"coverage\": []{rest}\n}}\n"
    )
}

/// Writes `text` as `name`, scans it and asserts the scan was refused (exit 2) with `want`
/// on standard error, which it returns.
fn refused(dir: &Dir, name: &str, text: &str, want: &str) -> String {
    let path = dir.create(name, text);
    let run = scan(dir, &path, &["--check", "privileged-container"]);
    run.assert_code(2);
    assert!(run.stderr.contains(want), "{}", run.stderr);
    run.stderr
}

const PRIVILEGED_POD: &str = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": true}}]}}"#;

#[test]
fn a_misspelt_objects_key_is_an_error_naming_file_key_and_line_not_a_pass() {
    let dir = Dir::new();
    let eol = ["--check", "ingress-nginx-controller-end-of-life"];
    // Spelt right, the end-of-life controller fails 5.4 ...
    scan(&dir, &fixture("objects-key.snapshot.json"), &eol).assert_code(0);
    let r = report(&dir.path().join("o"));
    assert!(r
        .findings
        .iter()
        .any(|f| f.check == "ingress-nginx-controller-end-of-life" && f.status == Status::Fail));

    // ... spelt `Objects`, it used to pass: now the file is refused, nothing is written.
    let dir = Dir::new();
    let run = scan(&dir, &fixture("objects-key-misspelt.snapshot.json"), &eol);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("objects-key-misspelt.snapshot.json: line ")
            && run
                .stderr
                .contains("unknown field `Objects`, expected one of"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("line").count(), 1, "{}", run.stderr);
    assert!(!dir.path().join("o").exists());

    // A complete snapshot with a privileged Pod under `object`: refused, not "no Pods".
    let run = scan(
        &dir,
        &fixture("object-key-complete.snapshot.json"),
        &["--framework", "pss-baseline"],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("unknown field `object`"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("o").exists());
}

#[test]
fn a_comment_key_is_read_and_any_other_unknown_key_refused() {
    let dir = Dir::new();
    let commented = written(1, &format!(",\n  \"objects\": [{PRIVILEGED_POD}]")).replacen(
        '{',
        "{\n  \"comment\": \"why this file exists\",",
        1,
    );
    let path = dir.create("commented.json", &commented);
    scan(&dir, &path, &["--check", "privileged-container"]).assert_code(0);
    let r = report(&dir.path().join("o"));
    assert!(r
        .findings
        .iter()
        .any(|f| f.check == "privileged-container" && f.status == Status::Fail));

    let extra = written(1, ",\n  \"objects\": [],\n  \"nodeFacts\": []");
    refused(
        &dir,
        "extra.json",
        &extra,
        "extra.json: line 10, column 13: unknown field `nodeFacts`",
    );
}

#[test]
fn no_objects_key_is_an_error_when_kinds_are_said_collected() {
    let dir = Dir::new();
    // `complete: true` says every kind was collected.
    refused(
        &dir,
        "complete.json",
        &written(1, ""),
        "complete.json: no `objects` key, yet `complete` is true (every kind collected)",
    );
    // So does `kinds`.
    let text = written(1, "")
        .replace("\"complete\": true", "\"complete\": false")
        .replace(
            "\"kinds\": {}",
            "\"kinds\": {\"Pod\": {\"state\": \"collected\"}, \"Secret\": {\"state\": \"failed\", \"reason\": \"403\"}}",
        );
    refused(
        &dir,
        "kinds.json",
        &text,
        "kinds.json: no `objects` key, yet `kinds` says Pod was collected",
    );
    // Nothing said collected and no objects: nothing can be evaluated (with objects, see
    // `a_snapshot_recording_no_kind_as_collected_is_incomplete_not_a_clean_run`).
    let text = written(1, "").replace("\"complete\": true", "\"complete\": false");
    refused(&dir, "nothing.json", &text, "records no kind as collected");
}

#[test]
fn a_list_the_coverage_records_as_forbidden_is_failed_whatever_kinds_says() {
    let dir = Dir::new();
    let run = scan(
        &dir,
        &fixture("pod-list-forbidden-kinds-collected.snapshot.json"),
        &["--framework", "pss-baseline"],
    );
    run.assert_code(3);
    let r = report(&dir.path().join("o"));
    let fw = r
        .frameworks
        .iter()
        .find(|f| f.id == "pss-baseline")
        .expect("pss-baseline");
    assert!(!fw.items.is_empty());
    for item in &fw.items {
        assert_ne!(item.status, Status::Pass, "{} passes", item.id);
    }
    let privileged = r
        .findings
        .iter()
        .find(|f| f.check == "privileged-container")
        .expect("privileged-container finding");
    assert_eq!(privileged.status, Status::Error);
    assert!(
        privileged
            .message
            .contains("its coverage records /api/v1/pods as forbidden: 403"),
        "{}",
        privileged.message
    );
}

#[test]
fn a_snapshot_of_a_newer_kubeattest_says_so() {
    let dir = Dir::new();
    let newer = SNAPSHOT_VERSION + 1;
    let want = format!(
        "was written by a newer kubeattest: snapshot_version {newer}, this build reads up to {SNAPSHOT_VERSION}; upgrade kubeattest"
    );
    // As this build would write it, and with a key a newer format may add.
    for (name, rest) in [
        ("same-keys.json", ",\n  \"objects\": []".to_string()),
        (
            "new-key.json",
            ",\n  \"objects\": [],\n  \"images\": {}".to_string(),
        ),
    ] {
        let stderr = refused(
            &dir,
            name,
            &written(newer, &rest),
            &format!("{name} {want}"),
        );
        assert!(!stderr.contains("not a kubeattest snapshot"), "{stderr}");
    }
}

#[test]
fn snapshot_version_zero_is_refused() {
    let dir = Dir::new();
    refused(
        &dir,
        "v0.json",
        &written(0, ",\n  \"objects\": []"),
        "v0.json: snapshot_version 0 was never written by kubeattest (versions start at 1",
    );
}

#[test]
fn a_snapshot_cut_short_names_its_line_once() {
    let dir = Dir::new();
    let whole = written(1, &format!(",\n  \"objects\": [{PRIVILEGED_POD}]"));
    let cut = &whole[..whole.find("\"nginx\"").expect("image") + 4];
    let stderr = refused(&dir, "cut.json", cut, "cut.json: not valid JSON (line 9, column 152: EOF while parsing a string); was the file cut short or edited?");
    assert_eq!(stderr.matches("line").count(), 1, "{stderr}");
}

#[test]
fn an_object_that_cannot_be_read_is_named_by_kind_namespace_and_name() {
    let dir = Dir::new();
    let text = written(
        1,
        &format!(
            ",\n  \"objects\": [{}]",
            PRIVILEGED_POD.replace("\"privileged\": true", "\"privileged\": \"true\"")
        ),
    );
    // Its only object unreadable, the snapshot gave no input at all.
    refused(
        &dir,
        "bad-object.json",
        &text,
        "bad-object.json objects[0] (Pod default/p): spec.containers[0].securityContext.privileged",
    );
}

#[test]
fn a_snapshot_recording_no_kind_as_collected_is_incomplete_not_a_clean_run() {
    let dir = Dir::new();
    let path = dir.path().join("nothing.json");
    let text = written(
        SNAPSHOT_VERSION,
        &format!(",\n  \"objects\": [{PRIVILEGED_POD}]"),
    )
    .replace("\"complete\": true", "\"complete\": false");
    std::fs::write(&path, text).expect("write snapshot");
    let run = scan(&dir, &path, &["--check", "privileged-container"]);
    // Every object check is error; the run says some input was not read (exit 3).
    run.assert_code(3);
    let r = report(&dir.path().join("o"));
    assert!(r.findings.iter().all(|f| f.status != Status::Pass));
    assert!(
        r.coverage.iter().any(|c| c.is_failure()
            && c.error
                .as_deref()
                .is_some_and(|m| m.contains("records no kind as collected"))),
        "{:?}",
        r.coverage
    );
}
