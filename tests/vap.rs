//! `kubeattest export vap`: the policies parse with the real kubectl (`kubectl kustomize`,
//! which needs no server, and `kubectl apply --dry-run=client` against the test API server,
//! which sees only reads), and the CEL of every
//! exported policy, run by the `cel` crate, agrees with the check's own fixtures: each
//! object the check fails is denied, every other object admitted, so every failing fixture
//! is denied and every passing one admitted.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use kubeattest::checks::workload::judged_through_owner;
use kubeattest::checks::Context;
use kubeattest::export::vap::{self, Policy};
use kubeattest::results::Status;
use kubeattest::{catalog, collect};
use support::{kubeattest, Dir};

const FRAMEWORKS: &[&str] = &["pss-restricted", "pss-baseline", "cis-1.12", "nsa-cisa-1.2"];

fn to_cel(v: &serde_json::Value) -> cel::Value {
    use serde_json::Value as J;
    match v {
        J::Null => cel::Value::Null,
        J::Bool(b) => cel::Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => cel::Value::Int(i),
            None => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => cel::Value::String(Arc::new(s.clone())),
        J::Array(a) => cel::Value::List(Arc::new(a.iter().map(to_cel).collect())),
        J::Object(m) => {
            let map: HashMap<String, cel::Value> =
                m.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            cel::Value::from(map)
        }
    }
}

/// Runs a policy on one admitted object: its variables in order, then the validation.
/// An evaluation error denies (the policies use failurePolicy: Fail).
fn admits(policy: &Policy, object: &serde_json::Value) -> Result<bool, String> {
    let mut ctx = cel::Context::default();
    ctx.add_variable_from_value("object", to_cel(object));
    let mut variables: HashMap<String, cel::Value> = HashMap::new();
    for (name, expr) in &policy.variables {
        let program = cel::Program::compile(expr).map_err(|e| format!("{name}: {e}"))?;
        let mut c = cel::Context::default();
        c.add_variable_from_value("object", to_cel(object));
        c.add_variable_from_value("variables", cel::Value::from(variables.clone()));
        match program.execute(&c) {
            Ok(v) => {
                variables.insert(name.clone(), v);
            }
            Err(e) => return Err(format!("variable {name}: {e:?}")),
        }
    }
    ctx.add_variable_from_value("variables", cel::Value::from(variables));
    let program = cel::Program::compile(&policy.expression).map_err(|e| e.to_string())?;
    match program.execute(&ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("validation gave {other:?}, not a boolean")),
        Err(e) => Err(format!("validation failed to evaluate: {e:?}")),
    }
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

#[test]
fn every_exported_policy_agrees_with_its_fixtures() {
    // The CEL parser (ANTLR) recurses deeply on long expressions in a debug build.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(agreement)
        .expect("thread")
        .join()
        .expect("agreement");
}

fn agreement() {
    let catalog = catalog::load(None).expect("catalog");
    let frameworks: Vec<_> = FRAMEWORKS
        .iter()
        .map(|id| catalog.framework(id).expect("framework"))
        .collect();
    let export = vap::export(&catalog, &frameworks);
    assert!(
        export.policies.len() >= 20,
        "only {} exported",
        export.policies.len()
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks");
    let mut problems = Vec::new();
    let (mut evaluated, mut denied) = (0usize, 0usize);
    for policy in &export.policies {
        let check = catalog
            .checks
            .iter()
            .find(|c| c.id == policy.check)
            .expect("check");
        for verdict in ["pass", "fail"] {
            let files = files_in(&root.join(&check.id).join(verdict));
            if files.is_empty() {
                problems.push(format!("{}: no {verdict} fixture", check.id));
            }
            for file in files {
                if file.to_string_lossy().ends_with(".json") {
                    continue;
                }
                let inv = collect::manifests::collect(std::slice::from_ref(&file));
                let ctx = Context::new(&inv, &catalog);
                let (_, outcome) = kubeattest::evaluate::run_check(check, &ctx);
                let mut denied_any = false;
                // A fixture whose failing objects are all of kinds no policy matches (other
                // APIs' kinds with a pod template, an Argo Rollout) says nothing of the policy.
                let mut failing_matched = false;
                for obj in inv
                    .objects
                    .iter()
                    .filter(|o| policy.kinds.contains(&o.kind))
                    .filter(|o| !judged_through_owner(o, &inv))
                {
                    let fails = outcome.findings.iter().any(|f| {
                        matches!(f.status, Status::Fail | Status::Warn)
                            && *f.subject.kind == *obj.kind
                            && *f.subject.name == *obj.name
                            && f.subject.namespace.as_deref() == obj.namespace.as_deref()
                    });
                    let admitted = match admits(policy, &decoded(obj.value.to_value())) {
                        Ok(a) => a,
                        Err(e) => {
                            problems.push(format!(
                                "{} on {} {}: {e}",
                                check.id,
                                file.display(),
                                obj.name
                            ));
                            false
                        }
                    };
                    failing_matched |= fails;
                    evaluated += 1;
                    denied += usize::from(!admitted);
                    denied_any |= !admitted;
                    if admitted == fails {
                        problems.push(format!(
                            "{}: {} {} in {} is {} by the check but {} by the policy",
                            check.id,
                            obj.kind,
                            obj.name,
                            file.display(),
                            if fails { "failed" } else { "not failed" },
                            if admitted { "admitted" } else { "denied" }
                        ));
                    }
                }
                let about_the_policy = verdict == "pass" || failing_matched;
                if about_the_policy && (verdict == "fail") != denied_any {
                    problems.push(format!(
                        "{}: {verdict} fixture {} is {}",
                        check.id,
                        file.display(),
                        if denied_any { "denied" } else { "admitted" }
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} policies, {evaluated} objects evaluated, {denied} denied",
        export.policies.len()
    );
    // Every exported check has a failing fixture, so at least that many denials.
    assert!(denied >= export.policies.len(), "{denied} denied");
    assert!(evaluated > denied, "{evaluated} evaluated");
    assert!(
        problems.is_empty(),
        "{} disagreement(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn output_parses_with_kubectl_and_lists_what_was_skipped() {
    let t = Dir::new();
    let run = kubeattest(
        t.path(),
        &[
            "export",
            "vap",
            "--framework",
            "pss-restricted,cis-1.12",
            "--action",
            "Warn",
            "--exclude-namespace",
            "kube-system,kube-node-lease",
            "--out",
            "k/policies.yaml",
        ],
    );
    run.assert_code(0);
    assert!(run.stderr.contains("not exported"), "{}", run.stderr);
    let yaml = std::fs::read_to_string(t.path().join("k/policies.yaml")).expect("written");
    assert!(yaml.starts_with("# ValidatingAdmissionPolicies"));
    // A flag check of CIS cannot be enforced at admission: listed, with the reason.
    assert!(
        yaml.contains("#   apiserver-anonymous-auth-enabled: assertion kind `flag`"),
        "{}",
        &yaml[..2000.min(yaml.len())]
    );
    let policies = yaml.matches("\nkind: ValidatingAdmissionPolicy\n").count();
    let bindings = yaml
        .matches("\nkind: ValidatingAdmissionPolicyBinding\n")
        .count();
    assert!(policies > 0);
    assert_eq!(policies, bindings);
    assert_eq!(yaml.matches("validationActions: [Warn]").count(), bindings);
    // Every binding leaves the named namespaces out, and the file says so.
    assert_eq!(
        yaml.matches("values: [\"kube-node-lease\", \"kube-system\"]")
            .count(),
        bindings
    );
    assert!(yaml.contains("# Bindings leave out the namespaces kube-node-lease, kube-system.\n"));
    assert!(yaml.contains("kubeattest.io/items: \"pss-restricted/"));

    let kubectl = Path::new("/usr/bin/kubectl");
    if !kubectl.exists() {
        eprintln!("kubectl not installed; skipping the kubectl half");
        return;
    }
    t.create("k/kustomization.yaml", "resources:\n- policies.yaml\n");
    let out = Command::new(kubectl)
        .args(["kustomize", "k"])
        .current_dir(t.path())
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl kustomize: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("kind: ValidatingAdmissionPolicy\n").count(),
        policies
    );
    assert_eq!(
        text.matches("kind: ValidatingAdmissionPolicyBinding\n")
            .count(),
        bindings
    );
    assert!(text.contains("apiVersion: admissionregistration.k8s.io/v1"));
    assert_eq!(
        text.matches("key: kubernetes.io/metadata.name").count(),
        bindings
    );

    // `kubectl apply --dry-run=client` against the test API server (which serves the
    // admissionregistration.k8s.io/v1 discovery): every document maps to a known resource
    // and kubectl sends nothing but reads.
    let server = support::apiserver::TestServer::start(support::clusters::demo(), vec![]);
    let kc = server.kubeconfig(t.path());
    let out = Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("--cache-dir")
        .arg(t.path().join("cache"))
        .args([
            "apply",
            "--dry-run=client",
            "--validate=false",
            "-f",
            "k/policies.yaml",
        ])
        .current_dir(t.path())
        .env("HOME", t.path())
        .env_remove("KUBECONFIG")
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl apply --dry-run=client: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("(dry run)").count(),
        policies + bindings,
        "{text}"
    );
    assert!(text.contains("validatingadmissionpolicy.admissionregistration.k8s.io/kubeattest-"));
    let writes: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "kubectl wrote: {writes:?}");
}

#[test]
fn a_namespace_that_cannot_exist_is_refused() {
    let t = Dir::new();
    let run = kubeattest(
        t.path(),
        &[
            "export",
            "vap",
            "--framework",
            "pss-baseline",
            "--exclude-namespace",
            "kube-system,Kube System",
            "--out",
            "policies.yaml",
        ],
    );
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("\"Kube System\" is not a namespace name"),
        "{}",
        run.stderr
    );
    assert!(!t.path().join("policies.yaml").exists());
}

/// An object as the API server hands it to admission: decoded into its Go type, so a field
/// written `null` is absent.
fn decoded(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k, decoded(x)))
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(decoded).collect())
        }
        other => other,
    }
}
