//! Exceptions are explicit (issue 14, item 6): blanket waivers must say so, and unknown
//! checks or kinds are errors with file:line that are not called catalog errors.

use crate::support::{kubeattest, Dir};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext: {privileged: true}\n";

fn exception(check: &str, extra: &str) -> String {
    format!("exceptions:\n  - check: '{check}'\n{extra}    justification: accepted\n    approver: a@example.com\n    expires: 2999-12-31\n")
}

fn scan(dir: &Dir) -> crate::support::Run {
    dir.create("in/pod.yaml", POD);
    kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "in",
            "--exceptions",
            "ex.yaml",
            "--format",
            "json",
            "--out",
            "out",
        ],
    )
}

#[test]
fn a_blanket_waiver_must_say_so_and_is_marked() {
    let dir = Dir::new();
    for pattern in ["*", "host-*"] {
        dir.create("ex.yaml", &exception(pattern, ""));
        let run = scan(&dir);
        run.assert_code(2);
        assert!(run.stderr.contains("ex.yaml:2:"), "{}", run.stderr);
        assert!(run.stderr.contains("scope: all-checks"), "{}", run.stderr);
        assert!(run.stderr.contains("exceptions file"), "{}", run.stderr);
        assert!(!run.stderr.contains("catalog"), "{}", run.stderr);
    }
    dir.create("ex.yaml", &exception("*", "    scope: all-checks\n"));
    scan(&dir).assert_code(0);
    let report = crate::support::report(&dir.path().join("out"));
    assert!(report.exceptions.iter().all(|e| e.exception.blanket));
    assert!(report
        .findings
        .iter()
        .any(|f| f.status == kubeattest::results::Status::Waived));
}

#[test]
fn unknown_checks_scopes_and_kinds_are_errors_with_lines() {
    let dir = Dir::new();
    dir.create("ex.yaml", &exception("privileged-contianer", ""));
    let run = scan(&dir);
    run.assert_code(2);
    assert!(run.stderr.contains("ex.yaml:2:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("names no known check"),
        "{}",
        run.stderr
    );
    dir.create("ex.yaml", &exception("*", "    scope: everything\n"));
    let run = scan(&dir);
    run.assert_code(2);
    assert!(run.stderr.contains("ex.yaml:3:"), "{}", run.stderr);
    dir.create(
        "ex.yaml",
        &exception("privileged-container", "    subject: {kind: deployment}\n"),
    );
    let run = scan(&dir);
    run.assert_code(2);
    assert!(
        run.stderr.contains("not a Kubernetes kind"),
        "{}",
        run.stderr
    );
    // A long pattern is quoted, not echoed whole.
    dir.create("ex.yaml", &exception(&"x".repeat(100_000), ""));
    let run = scan(&dir);
    run.assert_code(2);
    assert!(run.stderr.len() < 5_000, "{}", run.stderr.len());
}
