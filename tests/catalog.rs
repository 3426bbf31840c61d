//! The catalog tests itself: every check has documentation, a well-formed id, and fixtures
//! that prove it can pass *and* fail; every fixture gives the verdict its folder names.
//!
//! Fixtures live in `tests/fixtures/checks/<check-id>/<status>/<case>.(yaml|json)`, where
//! `<status>` is `pass`, `fail`, `warn`, `not_applicable` or `error`. A fixture is a manifest
//! stream (or a `*.snapshot.json` snapshot) evaluated alone for its check. The first line of
//! a YAML fixture is a comment that says the verdict and why.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kubeattest::catalog::{self, BANNED_ID_PREFIXES};
use kubeattest::checks::Context;
use kubeattest::collect;
use kubeattest::evaluate::run_check;
use kubeattest::inventory::Inventory;

const STATUSES: &[&str] = &["pass", "fail", "warn", "not_applicable", "error"];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn load_fixture(path: &Path) -> Inventory {
    let name = path.to_string_lossy();
    if name.ends_with(".snapshot.json") {
        collect::snapshot::read(path).unwrap_or_else(|e| panic!("{name}: {e}"))
    } else {
        collect::manifests::collect(&[path.to_path_buf()])
    }
}

#[test]
fn every_check_has_fixtures_that_give_their_verdict() {
    let catalog = catalog::load(None).expect("the built-in catalog loads");
    let root = fixtures_root();
    let mut problems = Vec::new();
    for check in &catalog.checks {
        let dir = root.join(&check.id);
        for required in ["pass", "fail"] {
            if files_in(&dir.join(required)).is_empty() {
                problems.push(format!(
                    "{}: no `{required}` fixture (add tests/fixtures/checks/{}/{required}/<case>.yaml)",
                    check.id, check.id
                ));
            }
        }
        for status in STATUSES {
            for file in files_in(&dir.join(status)) {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                let is_yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
                if is_yaml && !text.starts_with('#') {
                    problems.push(format!(
                        "{}: first line must be a comment saying the verdict and why",
                        file.display()
                    ));
                }
                let inv = load_fixture(&file);
                if let Some(bad) = inv.coverage.iter().find(|c| c.status != "ok") {
                    problems.push(format!(
                        "{}: fixture not fully read: {:?}",
                        file.display(),
                        bad.error
                    ));
                }
                let ctx = Context::new(&inv, &catalog);
                let (got, outcome) = run_check(check, &ctx);
                if got.as_str() != *status {
                    let msgs: Vec<String> = outcome
                        .findings
                        .iter()
                        .map(|f| {
                            format!(
                                "{} {}: {}",
                                f.status.as_str(),
                                f.subject.display(),
                                f.message
                            )
                        })
                        .collect();
                    problems.push(format!(
                        "{}: expected {status}, got {} ({})",
                        file.display(),
                        got.as_str(),
                        if msgs.is_empty() {
                            outcome.empty_reason.clone()
                        } else {
                            msgs.join(" | ")
                        }
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} fixture problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn no_fixture_folder_without_a_check() {
    let catalog = catalog::load(None).expect("the built-in catalog loads");
    let ids: BTreeSet<&str> = catalog.checks.iter().map(|c| c.id.as_str()).collect();
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(fixtures_root())
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !ids.contains(name.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "fixture folders for unknown checks: {stale:?}"
    );
}

#[test]
fn every_check_is_documented_and_well_named() {
    let catalog = catalog::load(None).expect("the built-in catalog loads");
    for c in &catalog.checks {
        assert!(
            !c.description.trim().is_empty(),
            "{}: empty description",
            c.id
        );
        assert!(!c.rationale.trim().is_empty(), "{}: empty rationale", c.id);
        assert!(
            !c.remediation.trim().is_empty(),
            "{}: empty remediation",
            c.id
        );
        assert!(
            !BANNED_ID_PREFIXES.iter().any(|p| c.id.starts_with(p)),
            "{}: id names an action, not the condition flagged",
            c.id
        );
    }
}

#[test]
fn every_framework_item_is_decidable_or_has_audit_instructions() {
    let catalog = catalog::load(None).expect("the built-in catalog loads");
    for fw in &catalog.frameworks {
        for item in &fw.items {
            assert!(
                !item.checks.is_empty()
                    || item.audit.as_deref().is_some_and(|a| !a.trim().is_empty()),
                "{} {}: manual item without audit instructions",
                fw.id,
                item.id
            );
        }
    }
}

#[test]
fn cis_1_12_has_every_benchmark_item() {
    let catalog = catalog::load(None).expect("the built-in catalog loads");
    let cis = catalog.framework("cis-1.12").expect("cis-1.12 exists");
    assert_eq!(
        cis.items.len(),
        131,
        "CIS Kubernetes Benchmark v1.12 has 131 items"
    );
}
