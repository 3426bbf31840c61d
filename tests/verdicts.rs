//! Verdicts a reviewer can trust, end to end: malformed objects are reported and not judged,
//! manifests without a namespace are in `default`, and input with nothing to judge is never
//! a pass.

mod support;

use kubeattest::collect;
use kubeattest::results::Status;
use support::{kubeattest, report, Dir};

const GOOD_POD: &str = "# fine\napiVersion: v1\nkind: Pod\nmetadata:\n  name: good\n  namespace: shop\nspec:\n  containers:\n  - name: c\n    image: registry.example/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";

#[test]
fn a_malformed_pod_among_good_ones_is_named_not_judged_and_exits_3() {
    let dir = Dir::new();
    dir.create("m/good.yaml", GOOD_POD);
    dir.create(
        "m/bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n  namespace: shop\nspec:\n  containers:\n  - name: c\n    image: registry.example/app:1.0\n    securityContext:\n      capabilities:\n        add: \"SYS_ADMIN\"\n",
    );
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    run.assert_code(3);
    let field = "spec.containers[0].securityContext.capabilities.add";
    assert!(run.stderr.contains("m/bad.yaml:12"), "{}", run.stderr);
    assert!(run.stderr.contains(field), "{}", run.stderr);
    let r = report(&dir.path().join("out"));
    let entry = r
        .coverage
        .iter()
        .find(|c| c.source.contains("bad.yaml"))
        .expect("the malformed pod is listed in coverage");
    assert_eq!(entry.status, "invalid");
    assert!(entry.error.as_deref().unwrap_or("").contains(field));
    // Not judged at all: no finding names it, so nothing passes on the wrong-typed field.
    assert!(r.findings.iter().all(|f| &*f.subject.name != "bad"));
    assert!(r.findings.iter().any(|f| &*f.subject.name == "good"));
}

#[test]
fn a_null_list_item_or_nameless_object_exits_3() {
    let dir = Dir::new();
    dir.create("m/good.yaml", GOOD_POD);
    dir.create(
        "m/list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- null\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {namespace: shop}\n",
    );
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    run.assert_code(3);
    assert!(run.stderr.contains("m/list.yaml:4"), "{}", run.stderr);
    assert!(run.stderr.contains("m/list.yaml:5"), "{}", run.stderr);
}

#[test]
fn objects_without_a_namespace_are_in_default_or_the_single_dash_n() {
    let dir = Dir::new();
    let p = dir.create(
        "m.yaml",
        "# no namespaces\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: worker\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n  namespace: stray\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\nroleRef: {kind: ClusterRole, name: reader}\nsubjects:\n- {kind: ServiceAccount, name: worker}\n",
    );
    let inv = collect::manifests::collect(std::slice::from_ref(&p));
    let ns = |kind: &str| {
        inv.objects
            .iter()
            .find(|o| o.kind == kind)
            .and_then(|o| o.namespace.clone())
    };
    assert_eq!(ns("ServiceAccount").as_deref(), Some("default"));
    assert_eq!(ns("RoleBinding").as_deref(), Some("default"));
    assert_eq!(
        ns("ClusterRole"),
        None,
        "a cluster-scoped object drops a stray namespace"
    );
    let settings = kubeattest::catalog::load(None).expect("catalog").rbac;
    let rbac = kubeattest::checks::rbac::build(&inv, &settings);
    assert_eq!(rbac.bindings[0].scope_display(), "namespace default");
    assert_eq!(
        rbac.bindings[0].subjects[0].display(),
        "ServiceAccount default/worker"
    );
    let inv = collect::manifests::collect_in(std::slice::from_ref(&p), "team-a");
    assert_eq!(
        inv.objects
            .iter()
            .find(|o| o.kind == "ServiceAccount")
            .and_then(|o| o.namespace.as_deref()),
        Some("team-a")
    );
}

#[test]
fn who_can_never_answers_cluster_scoped_resources_through_a_role_binding() {
    let dir = Dir::new();
    dir.create(
        "m.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: wide}\nrules:\n- {apiGroups: [\"\"], resources: [nodes/proxy, pods/exec], verbs: [get, create]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: ops}\nroleRef: {kind: ClusterRole, name: wide}\nsubjects:\n- {kind: User, name: alice}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: c, namespace: ops}\nroleRef: {kind: ClusterRole, name: elsewhere}\nsubjects:\n- {kind: User, name: bob}\n",
    );
    let run = kubeattest(
        dir.path(),
        &["who-can", "get", "nodes/proxy", "--manifests", "m.yaml"],
    );
    assert!(run.stdout.contains("nobody"), "{}", run.stdout);
    assert!(!run.stdout.contains("alice"), "{}", run.stdout);
    let run = kubeattest(
        dir.path(),
        &["who-can", "create", "pods/exec", "--manifests", "m.yaml"],
    );
    assert!(run.stdout.contains("User alice"), "{}", run.stdout);
    assert!(
        run.stdout.contains("unknown: RoleBinding ops/c"),
        "a binding to a role not in the input is shown as unknown: {}",
        run.stdout
    );
}

#[test]
fn a_binding_to_a_role_not_in_the_input_is_an_error_not_a_pass() {
    let dir = Dir::new();
    dir.create(
        "m.yaml",
        "# bob's role is defined elsewhere\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: c, namespace: ops}\nroleRef: {kind: ClusterRole, name: elsewhere}\nsubjects:\n- {kind: User, name: bob}\n",
    );
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m.yaml",
            "--out",
            "out",
            "--framework",
            "cis-1.12",
        ],
    );
    let r = report(&dir.path().join("out"));
    let secrets = r
        .checks
        .iter()
        .find(|c| c.id == "secrets-readable")
        .expect("secrets-readable runs");
    assert_eq!(secrets.status, Status::Error, "{}", run.stderr);
    assert!(
        secrets.message.contains("not in the input"),
        "{}",
        secrets.message
    );
}

#[test]
fn a_folder_of_only_foreign_kinds_has_nothing_to_evaluate_and_exits_2() {
    let dir = Dir::new();
    dir.create(
        "m/widget.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n",
    );
    dir.create(
        "m/gadget.yaml",
        "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n",
    );
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    run.assert_code(2);
    assert!(run.stderr.contains("nothing to evaluate"), "{}", run.stderr);
    assert!(run.stderr.contains("Gadget, Widget"), "{}", run.stderr);
    assert!(
        !dir.path().join("out/report.json").exists(),
        "no report, so no pass"
    );
}

#[test]
fn absence_in_manifests_is_not_a_pass() {
    let dir = Dir::new();
    dir.create("m/good.yaml", GOOD_POD);
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    run.assert_code(0);
    let r = report(&dir.path().join("out"));
    for id in [
        "ingress-nginx-controller-end-of-life",
        "pod-policy-mechanism-missing",
    ] {
        let c = r.checks.iter().find(|c| c.id == id).expect(id);
        assert_eq!(c.status, Status::NotApplicable, "{id}: {}", c.message);
    }
}

#[test]
fn explain_prints_peers_as_lists() {
    let dir = Dir::new();
    let run = kubeattest(
        dir.path(),
        &["explain", "service-account-token-automounted"],
    );
    run.assert_code(0);
    assert!(
        run.stdout.contains("kubescape: C-0034, C-0190"),
        "{}",
        run.stdout
    );
    let run = kubeattest(
        dir.path(),
        &["explain", "service-account-token-automounted", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        v["peers"]["kubescape"],
        serde_json::json!(["C-0034", "C-0190"])
    );
}

#[test]
fn catalog_validate_warns_about_checks_no_framework_uses() {
    let dir = Dir::new();
    dir.create(
        "cat/checks/extra.yaml",
        "checks:\n  - id: orphan-check\n    title: Orphan\n    severity: low\n    description: d\n    rationale: r\n    remediation: fix\n    assert:\n      kind: fields\n      target: containers\n      expect:\n        - {path: container.image, op: exists}\n",
    );
    let run = kubeattest(dir.path(), &["catalog", "validate", "cat"]);
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("warning: check `orphan-check` is used by no framework item"),
        "{}",
        run.stderr
    );
}
