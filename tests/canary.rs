//! No report of the demo cluster contains a Secret value or a plain-text credential value:
//! the canaries placed in the demo (`src/collect/demo/README.md`) never come out.

use kubeattest::catalog;
use kubeattest::collect;
use kubeattest::evaluate::{evaluate, RunInfo};

#[test]
fn demo_report_contains_no_canary_or_credential_value() {
    let catalog = catalog::load(None).expect("catalog");
    let inv = collect::demo::collect().expect("demo");
    let frameworks: Vec<_> = catalog.frameworks.iter().collect();
    let report = evaluate(&catalog, &inv, &frameworks, RunInfo::default());
    let json = serde_json::to_string(&report).expect("json");
    for canary in [
        "KUBEATTEST-CANARY",
        "S1VCRUFUVEVTVC1DQU5BUlkt",
        "demo-not-a-real-password",
        "demo-token-in-configmap",
    ] {
        assert!(!json.contains(canary), "report contains {canary}");
    }
    // The findings that name those credentials are there, by name only.
    for check in [
        "credential-in-environment-variable",
        "credential-in-configmap",
    ] {
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.check == check && f.status == kubeattest::results::Status::Fail),
            "{check} should fail on the demo"
        );
    }
}
