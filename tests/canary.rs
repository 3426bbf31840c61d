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

/// Credentials recognised by their value (controls/credentials.yaml): every output file of a
/// scan names the variable or key and the pattern, and holds no part of the value.
#[test]
fn credentials_found_by_value_never_appear_in_any_output() {
    let dir = std::env::temp_dir().join(format!("kubeattest-canary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let canaries = [
        "postgres://app:KubeattestCanaryPw1@db/app",
        "ghp_KUBEATTESTCANARY0123456789abcdefghijklmn",
        "eyJKUBEATTESTCANARYhdr.eyJpYXlsb2FkY2FuYXJ5.c2lnbmF0dXJlY2FuYXJ5",
        "Bearer KubeattestCanaryBearer01",
        "AKIAKUBEATTESTCANARY",
        "xoxb-KubeattestCanarySlack-01",
    ];
    let mut env = String::new();
    for (i, c) in canaries.iter().enumerate() {
        env.push_str(&format!("    - name: V{i}\n      value: \"{c}\"\n"));
    }
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1.0\n    env:\n{env}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: shop\ndata:\n  conf: |\n    key: |\n      -----BEGIN PRIVATE KEY-----\n      KUBEATTESTCANARYPEMBODY\n      -----END PRIVATE KEY-----\n  dsn: \"{}\"\n",
        canaries[0]
    );
    std::fs::write(dir.join("m.yaml"), manifest).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .current_dir(&dir)
        .args(["scan", "--manifests", "m.yaml", "--out", "out", "--quiet"])
        .output()
        .expect("runs");
    let mut texts = vec![
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ];
    for entry in std::fs::read_dir(dir.join("out"))
        .expect("report written")
        .flatten()
    {
        texts.push(
            String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap_or_default()).into_owned(),
        );
    }
    let report = std::fs::read_to_string(dir.join("out/report.json")).expect("report.json");
    for text in &texts {
        for c in canaries {
            // Not the value, and not even its first characters.
            let prefix: String = c.chars().take(12).collect();
            assert!(!text.contains(&prefix), "output holds {prefix}…");
        }
        assert!(!text.contains("KUBEATTESTCANARY"), "output holds a canary");
        assert!(!text.contains("KubeattestCanary"), "output holds a canary");
    }
    for pattern in [
        "url-with-password",
        "github-token",
        "jwt",
        "authorization-header-value",
        "aws-access-key-id",
        "slack-token",
        "pem-private-key",
    ] {
        assert!(
            report.contains(pattern),
            "the evidence names the pattern {pattern}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
