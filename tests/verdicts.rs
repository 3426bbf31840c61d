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

/// A Namespace manifest whose Pod Security label is not a level (`Restricted`, left empty)
/// cannot be applied: Pod Security Admission refuses to create it (`ValidateNamespace`). It
/// is an input error like any object the API server refuses (named, not judged, exit 3), not
/// a failing namespace; the same label stored in a cluster is read as restricted (fixture
/// `namespace-without-pod-security-enforcement/pass/unparseable-level-stored-is-restricted`).
#[test]
fn a_namespace_manifest_with_a_pod_security_label_admission_refuses_is_not_judged() {
    let dir = Dir::new();
    dir.create(
        "m/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: Restricted\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n  labels:\n    pod-security.kubernetes.io/enforce:\n",
    );
    dir.create("m/pod.yaml", GOOD_POD);
    dir.create(
        "m/pod2.yaml",
        &GOOD_POD.replace("namespace: shop", "namespace: app"),
    );
    let check = "namespace-without-pod-security-enforcement";
    let run = kubeattest(
        dir.path(),
        &["scan", "--manifests", "m", "--check", check, "--out", "out"],
    );
    run.assert_code(3);
    for at in ["m/ns.yaml:6", "m/ns.yaml:13"] {
        assert!(run.stderr.contains(at), "{at}: {}", run.stderr);
    }
    assert!(
        run.stderr.contains("Pod Security Admission refuses"),
        "{}",
        run.stderr
    );
    let r = report(&dir.path().join("out"));
    let entry = r
        .coverage
        .iter()
        .find(|c| c.source.ends_with("ns.yaml"))
        .expect("the namespaces' file is in coverage");
    assert_eq!(entry.status, "invalid");
    let why = entry.error.as_deref().unwrap_or_default();
    assert!(
        why.contains("`Restricted`") && why.contains("is empty"),
        "{why}"
    );
    // Neither namespace reads as one that enforces nothing.
    let findings: Vec<_> = r.findings.iter().filter(|f| f.check == check).collect();
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f.status != Status::Fail && f.status != Status::Pass),
        "{:?}",
        findings
            .iter()
            .map(|f| (&f.subject.name, f.status))
            .collect::<Vec<_>>()
    );
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
fn objects_without_a_namespace_are_in_their_own_or_the_single_dash_n() {
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
    // Deployed together into a namespace the files do not name: related to each other, never
    // to objects that name `default`.
    assert_eq!(ns("ServiceAccount").as_deref(), Some("(unset)"));
    assert_eq!(ns("RoleBinding").as_deref(), Some("(unset)"));
    assert_eq!(
        ns("ClusterRole"),
        None,
        "a cluster-scoped object drops a stray namespace"
    );
    let settings = kubeattest::catalog::load(None).expect("catalog").rbac;
    let rbac = kubeattest::checks::rbac::build(&inv, &settings);
    assert_eq!(rbac.bindings[0].scope_display(), "namespace (unset)");
    assert_eq!(
        rbac.bindings[0].subjects[0].display(),
        "ServiceAccount (unset)/worker"
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
    assert!(
        run.stdout
            .contains("(cluster-scoped: only cluster-wide bindings grant it)")
            && !run.stdout.contains("in any namespace"),
        "{}",
        run.stdout
    );
    let run = kubeattest(
        dir.path(),
        &["who-can", "create", "pods/exec", "--manifests", "m.yaml"],
    );
    assert!(run.stdout.contains("User alice"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "unknown: ClusterRole elsewhere is not in the input (bound by RoleBinding ops/c)"
        ),
        "a binding to a role not in the input is shown as unknown: {}",
        run.stdout
    );
}

/// Asked about a named namespace, `who-can` shows the grants of roles and bindings written
/// without a namespace as what holds if they are applied there: never "nobody".
#[test]
fn who_can_in_a_namespace_shows_namespace_less_grants_apart() {
    let dir = Dir::new();
    dir.create(
        "m.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: reader}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: secret-reader}\nrules:\n- {apiGroups: [\"\"], resources: [secrets], verbs: [get]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: secret-reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}\nsubjects:\n- {kind: ServiceAccount, name: reader}\n",
    );
    let run = kubeattest(
        dir.path(),
        &[
            "who-can",
            "get",
            "secrets",
            "-n",
            "app",
            "--manifests",
            "m.yaml",
        ],
    );
    run.assert_code(0);
    assert!(!run.stdout.contains("nobody"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "if the roles and bindings written without a namespace are applied in namespace app:"
        ) && run.stdout.contains("ServiceAccount (unset)/reader"),
        "{}",
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

/// The status, message and audit of a framework item in a report.
fn item<'r>(
    r: &'r kubeattest::results::Report,
    framework: &str,
    id: &str,
) -> &'r kubeattest::results::ItemResult {
    r.frameworks
        .iter()
        .find(|f| f.id == framework)
        .and_then(|f| f.items.iter().find(|i| i.id == id))
        .unwrap_or_else(|| panic!("no item {framework} {id}"))
}

const ANON_BINDING: &str = "# a RoleBinding for a user\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: app}\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: reader, namespace: app}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects:\n- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}\n";

#[test]
fn a_passing_part_beside_one_not_in_the_input_is_manual_not_pass() {
    // NSA/CISA 3.1.1: no anonymous binding passes, but the manifests hold no kube-apiserver,
    // whose --anonymous-auth defaults to true: the item is not assessed, so it is manual.
    let dir = Dir::new();
    dir.create("m/rbac.yaml", ANON_BINDING);
    kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]).assert_code(0);
    let r = report(&dir.path().join("out"));
    let anon = item(&r, "nsa-cisa-1.2", "3.1.1");
    assert_eq!(anon.status, Status::Manual, "{}", anon.message);
    assert!(
        anon.message
            .contains("apiserver-anonymous-auth-enabled: not assessed: no container in the given manifests runs `kube-apiserver`"),
        "{}",
        anon.message
    );
    assert!(anon.audit.is_some());
    let flag = r.check("apiserver-anonymous-auth-enabled").unwrap();
    assert!(flag.unassessed.is_some());
    // Parts that do not apply (no Windows pod) do not stop a pass.
    dir.create("p/pod.yaml", GOOD_POD);
    kubeattest(dir.path(), &["scan", "--manifests", "p", "--out", "out2"]).assert_code(0);
    let r = report(&dir.path().join("out2"));
    assert_eq!(
        item(&r, "pss-baseline", "baseline.host-namespaces").status,
        Status::Pass
    );
    // Every part not applicable stays not applicable.
    assert_eq!(
        item(&r, "nsa-cisa-1.2", "3.1.1").status,
        Status::NotApplicable
    );
    // A part that looked at every workload and found its own condition (hostNetwork) met by
    // none decided "not applicable": Host Ports passes on the other part, as PSA admits the
    // pod, whatever else the input holds.
    let host_ports = item(&r, "pss-baseline", "baseline.host-ports");
    assert_eq!(host_ports.status, Status::Pass, "{}", host_ports.message);
    assert!(r
        .check("host-network-container-port")
        .unwrap()
        .unassessed
        .is_none());
    // Left out because a field is absent (no `metadata.namespace`: where it lands is decided
    // at deploy time) is not decided: not assessed.
    dir.create("q/pod.yaml", &GOOD_POD.replace("  namespace: shop\n", ""));
    kubeattest(dir.path(), &["scan", "--manifests", "q", "--out", "out3"]).assert_code(0);
    let r = report(&dir.path().join("out3"));
    assert!(r
        .check("workload-in-default-namespace")
        .unwrap()
        .unassessed
        .is_some());
}

#[test]
fn a_waived_part_does_not_hide_one_still_to_assess() {
    let dir = Dir::new();
    dir.create(
        "m/pod.yaml",
        "# a pod on a mutable tag\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: app\nspec:\n  containers:\n  - name: c\n    image: nginx:latest\n",
    );
    dir.create(
        "exc.yaml",
        "exceptions:\n  - check: image-tag-mutable\n    subject: { kind: Pod, namespace: app, name: web }\n    justification: test\n    approver: a@example.com\n    expires: 2099-01-01\n  - check: image-not-pinned-by-digest\n    subject: { kind: Pod, namespace: app, name: web }\n    justification: test\n    approver: a@example.com\n    expires: 2099-01-01\n",
    );
    kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m",
            "--exceptions",
            "exc.yaml",
            "--framework",
            "nsa",
            "--out",
            "out",
        ],
    )
    .assert_code(0);
    let r = report(&dir.path().join("out"));
    // No registry allow-list: image-registry-not-allowed is manual; the item stays manual
    // (and unscored) whatever was waived.
    let registries = item(&r, "nsa-cisa-1.2", "1.3.2");
    assert_eq!(registries.status, Status::Manual, "{}", registries.message);
    assert!(registries.message.contains("image-registry-not-allowed"));
}

#[test]
fn items_the_benchmark_leaves_to_a_person_are_manual_unless_a_check_fails() {
    let dir = Dir::new();
    let etcd = |ca: &str| {
        format!("# etcd and the API server\napiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd-cp1\n  namespace: kube-system\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:3.5.21-0\n    command: [etcd, --client-cert-auth=true, --trusted-ca-file={ca}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver-cp1\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.33.0\n    command: [kube-apiserver, --client-ca-file=/etc/kubernetes/pki/ca.crt]\n")
    };
    dir.create("shared/cp.yaml", &etcd("/etc/kubernetes/pki/ca.crt"));
    dir.create("own/cp.yaml", &etcd("/etc/kubernetes/pki/etcd/ca.crt"));
    dir.create("rbac/rbac.yaml", ANON_BINDING);
    for (input, out) in [("shared", "o1"), ("own", "o2"), ("rbac", "o3")] {
        kubeattest(dir.path(), &["scan", "--manifests", input, "--out", out]).assert_code(0);
    }
    // CIS 2.7 (Manual): the CIS audit compares the two files; the same file fails.
    let shared = report(&dir.path().join("o1"));
    let unique_ca = item(&shared, "cis-1.12", "2.7");
    assert_eq!(unique_ca.status, Status::Fail, "{}", unique_ca.message);
    assert!(unique_ca.audit.is_none());
    // Different files: still for a person (the files may hold the same CA), with the audit
    // instructions and the checks' results as evidence.
    let own = report(&dir.path().join("o2"));
    let unique_ca = item(&own, "cis-1.12", "2.7");
    assert_eq!(unique_ca.status, Status::Manual);
    assert!(unique_ca
        .audit
        .as_deref()
        .unwrap_or("")
        .contains("--client-ca-file"));
    assert!(
        unique_ca.message.contains("as evidence: pass"),
        "{}",
        unique_ca.message
    );
    // NSA/CISA 3.2.4 (judgement): passing RBAC checks are evidence, not a pass; with no RBAC
    // in the input it is still manual, with its audit instructions.
    let rbac = report(&dir.path().join("o3"));
    for r in [&rbac, &own] {
        let least = item(r, "nsa-cisa-1.2", "3.2.4");
        assert_eq!(least.status, Status::Manual, "{}", least.message);
        assert!(least.audit.is_some());
    }
    assert_eq!(item(&own, "nsa-cisa-1.2", "2.6.1").status, Status::Manual);
}

#[test]
fn an_item_only_partly_run_never_passes_and_lists_what_did_not_run() {
    let dir = Dir::new();
    dir.create(
        "m/pod.yaml",
        "# shares the host IPC namespace\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: app\nspec:\n  hostIPC: true\n  containers:\n  - name: c\n    image: nginx:1.27\n",
    );
    for (flag, id, out) in [
        ("--check", "host-pid-namespace", "o1"),
        ("--skip", "host-ipc-namespace", "o2"),
        ("--check", "host-ipc-namespace", "o3"),
    ] {
        kubeattest(
            dir.path(),
            &["scan", "--manifests", "m", flag, id, "--out", out],
        )
        .assert_code(0);
    }
    for out in ["o1", "o2"] {
        let r = report(&dir.path().join(out));
        let ns = item(&r, "pss-baseline", "baseline.host-namespaces");
        assert_eq!(ns.status, Status::Manual, "{out}: {}", ns.message);
        assert!(ns.message.contains("partly assessed"), "{}", ns.message);
        assert!(ns.message.contains("host-ipc-namespace"), "{}", ns.message);
        assert_eq!(ns.checks.len(), 3, "every check is listed: {:?}", ns.checks);
        assert_eq!(item(&r, "nsa-cisa-1.2", "1.4.4").status, Status::Manual);
        let pss = r
            .frameworks
            .iter()
            .find(|f| f.id == "pss-baseline")
            .unwrap();
        if out == "o1" {
            assert_eq!(pss.summary.score, None, "nothing decided, nothing scored");
        }
    }
    // A failure in what ran still fails.
    let r = report(&dir.path().join("o3"));
    assert_eq!(
        item(&r, "pss-baseline", "baseline.host-namespaces").status,
        Status::Fail
    );
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m",
            "--check",
            "host-pid-namespace",
            "-o",
            "wide",
            "--framework",
            "nsa",
        ],
    );
    assert!(
        run.stdout.contains("NOT RUN host-ipc-namespace"),
        "{}",
        run.stdout
    );
}

#[test]
fn node_facts_alone_know_nothing_about_objects() {
    let dir = Dir::new();
    dir.create(
        "facts.json",
        r#"{"kind": "KubeattestNodeFacts", "facts_version": 1, "node": "w1", "collected_at": "2026-01-01T00:00:00Z", "root": "/", "proc": "/proc", "roles": ["worker"], "components": [{"component": "kubelet", "source": "process", "pid": 100, "location": "/proc/100/cmdline", "executable": "/usr/bin/kubelet", "args": ["--anonymous-auth=false"]}]}"#,
    );
    let run = kubeattest(
        dir.path(),
        &["scan", "--node-facts", "facts.json", "--out", "out"],
    );
    assert!(matches!(run.code, 0 | 3), "{}", run.stderr);
    let r = report(&dir.path().join("out"));
    // No object was read: neither "no ingress-nginx" (a pass) nor "no namespace enforces"
    // (a failure) can be said.
    for id in [
        "ingress-nginx-controller-end-of-life",
        "pod-policy-mechanism-missing",
        "namespace-without-pod-security-enforcement",
    ] {
        let c = r.check(id).expect(id);
        assert_eq!(c.status, Status::NotApplicable, "{id}: {}", c.message);
        assert!(c.unassessed.is_some(), "{id}");
    }
    assert_eq!(
        item(&r, "nsa-cisa-1.2", "5.4").status,
        Status::NotApplicable
    );
    assert_eq!(item(&r, "cis-1.12", "5.2.1").status, Status::Manual);
}

#[test]
fn an_attestation_by_check_decides_only_items_waiting_on_that_check_alone() {
    let dir = Dir::new();
    dir.create("m/rbac.yaml", ANON_BINDING);
    dir.create(
        "att.yaml",
        "attestations:\n  - check: apiserver-anonymous-auth-enabled\n    result: pass\n    statement: --anonymous-auth=false on every control plane node.\n    evidence: { url: \"https://tickets.example/AUD-9\" }\n    assessor: sam.assessor@example.com\n    date: 2026-01-10\n    expires: 2099-01-10\n",
    );
    kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m",
            "--attestations",
            "att.yaml",
            "--out",
            "out",
        ],
    )
    .assert_code(0);
    let r = report(&dir.path().join("out"));
    // NSA/CISA 3.1.1 waited on that check alone: attested.
    let anon = item(&r, "nsa-cisa-1.2", "3.1.1");
    assert_eq!(anon.status, Status::Pass, "{}", anon.message);
    assert!(anon.attestation.is_some());
    // CIS 1.2.1 is left to a person by the benchmark: it needs an attestation of the item.
    let cis = item(&r, "cis-1.12", "1.2.1");
    assert_eq!(cis.status, Status::Manual);
    assert!(cis.attestation.is_none());
    assert_eq!(r.attestations[0].status, "applied");
    assert_eq!(r.attestations[0].items, ["nsa-cisa-1.2 3.1.1"]);
}

#[test]
fn a_file_that_cannot_be_read_keeps_every_check_from_passing() {
    let dir = Dir::new();
    dir.create("m/good.yaml", GOOD_POD);
    // A privileged Deployment the reader stops at: it cannot count as "nothing privileged".
    dir.create(
        "m/broken.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n         image: nginx\n        securityContext: {privileged: true}\n",
    );
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    run.assert_code(3);
    let r = report(&dir.path().join("out"));
    let privileged = r
        .checks
        .iter()
        .find(|c| c.id == "privileged-container")
        .expect("privileged-container ran");
    assert_eq!(privileged.status, Status::Error);
    let unread = r
        .findings
        .iter()
        .find(|f| f.check == "privileged-container" && f.status == Status::Error)
        .expect("an error finding names the unread file");
    assert!(unread.subject.name.ends_with("broken.yaml"), "{unread:?}");
    assert!(
        unread.message.contains("were not judged"),
        "{}",
        unread.message
    );
    // No check or framework item passes, and the good Pod is still judged.
    assert!(r.checks.iter().all(|c| c.status != Status::Pass));
    for fw in &r.frameworks {
        assert!(
            fw.items.iter().all(|i| i.status != Status::Pass),
            "{} has a passing item",
            fw.id
        );
    }
    assert!(r.subjects.iter().any(|s| &*s.name == "good"));
}

/// Objects of kinds no selected check reads (a custom resource beside judged objects) are
/// counted in one note, not dropped without a word (kubescape review D3, session 32).
#[test]
fn objects_no_check_reads_are_named_in_a_note() {
    let dir = Dir::new();
    dir.create("m/good.yaml", GOOD_POD);
    dir.create(
        "m/info.yaml",
        "apiVersion: example.io/v1\nkind: ControlPlaneInfo\nmetadata:\n  name: cp\n---\napiVersion: example.io/v1\nkind: ControlPlaneInfo\nmetadata:\n  name: cp2\n",
    );
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    assert!(
        run.stderr.contains(
            "note: 2 object(s) of kinds no selected check reads were read and not judged: ControlPlaneInfo (2)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_built_in_kind_under_the_wrong_api_group_is_refused_by_name() {
    let dir = Dir::new();
    dir.create("m/good.yaml", GOOD_POD);
    dir.create(
        "m/wrong.yaml",
        "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n",
    );
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    run.assert_code(3);
    assert!(
        run.stderr
            .contains("m/wrong.yaml:1: Deployment web: apiVersion v1 does not serve Deployment (it is apps/v1)"),
        "{}",
        run.stderr
    );
    let r = report(&dir.path().join("out"));
    assert!(r.findings.iter().all(|f| &*f.subject.name != "web"));

    // Kinds are case-sensitive: a `pod` or a `ClusterRolebinding` is refused by name, not
    // dropped without a word beside the objects that are judged.
    dir.create(
        "m/wrong.yaml",
        "apiVersion: v1\nkind: pod\nmetadata:\n  name: lower\n  namespace: shop\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext: {privileged: true}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRolebinding\nmetadata:\n  name: anon\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: User, name: system:anonymous}\n",
    );
    let run = kubeattest(
        dir.path(),
        &["scan", "--manifests", "m", "--out", "out", "--force"],
    );
    run.assert_code(3);
    for line in [
        "m/wrong.yaml:1: pod lower: kind pod is not served: kinds are case-sensitive (did you mean Pod?)",
        "m/wrong.yaml:12: ClusterRolebinding anon: kind ClusterRolebinding is not served: kinds are case-sensitive (did you mean ClusterRoleBinding?)",
    ] {
        assert!(run.stderr.contains(line), "{line}\n{}", run.stderr);
    }
}

/// The review's EG-1 and EG-2 reproducers (session 28, reviewer "egress"): NetworkPolicies the
/// API server rejects, for a wrong type below `spec` (a selector that would have selected
/// every pod, an `ipBlock` that would have held no address) or a value it refuses (a CIDR it
/// cannot parse, an `except` outside its `cidr`, a quoted port number, a protocol in lower
/// case). Each used to make the workload look isolated: metadata unreachable, selected by a
/// policy. Each is now named with its file, line and field and not judged, and the workload
/// is judged without it: in manifests, with no other policy written for its namespace, both
/// checks leave it not assessed (never `pass`: the refused policies isolate nothing).
#[test]
fn network_policies_the_api_server_rejects_are_not_judged() {
    let dir = Dir::new();
    dir.create(
        "m/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: web}\nspec:\n  selector: {matchLabels: {app: app}}\n  template:\n    metadata: {labels: {app: app}}\n    spec:\n      containers: [{name: c, image: \"nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000\"}]\n",
    );
    let policy = |spec: &str| {
        format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: web}}\nspec:\n{spec}")
    };
    let egress = |rule: &str| {
        policy(&format!(
            "  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n{rule}"
        ))
    };
    // (case, policy, line of the field, field)
    let cases = [
        (
            "f1e",
            policy("  podSelector:\n    matchExpressions: {key: app, operator: In, values: [nothing-has-this]}\n  policyTypes: [Egress]\n"),
            6,
            "spec.podSelector.matchExpressions",
        ),
        (
            "f2b",
            policy("  podSelector:\n    matchLabels: [other]\n  policyTypes: [Egress]\n"),
            6,
            "spec.podSelector.matchLabels",
        ),
        (
            "f2c",
            egress("  - to:\n    - ipBlock: [{cidr: 0.0.0.0/0}]\n"),
            9,
            "spec.egress[0].to[0].ipBlock",
        ),
        (
            "f2d",
            egress("  - to:\n    - ipBlock: {cidr: [0.0.0.0/0]}\n"),
            9,
            "spec.egress[0].to[0].ipBlock.cidr",
        ),
        (
            "c4",
            egress("  - to: [{ipBlock: {cidr: \"169.254.0.0/33\"}}]\n"),
            8,
            "spec.egress[0].to[0].ipBlock.cidr",
        ),
        (
            "f1f",
            egress("  - to: [{ipBlock: {cidr: \"169.254.0.0/l6\"}}]\n"),
            8,
            "spec.egress[0].to[0].ipBlock.cidr",
        ),
        (
            "f1b",
            egress("  - to:\n    - ipBlock:\n        cidr: 169.254.169.254/32\n        except: [169.254.0.0/16]\n"),
            11,
            "spec.egress[0].to[0].ipBlock.except[0]",
        ),
        (
            "f1c",
            egress("  - ports:\n    - port: \"80\"\n      protocol: TCP\n"),
            9,
            "spec.egress[0].ports[0].port",
        ),
        (
            "f1d",
            egress("  - ports:\n    - port: 80\n      protocol: tcp\n"),
            10,
            "spec.egress[0].ports[0].protocol",
        ),
    ];
    for (case, text, _, _) in &cases {
        dir.create(&format!("m/{case}.yaml"), text);
    }
    let checks = "workload-can-reach-instance-metadata,workload-not-selected-by-network-policy";
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m",
            "--check",
            checks,
            "--out",
            "out",
        ],
    );
    run.assert_code(3);
    for (case, _, line, field) in &cases {
        let said = format!("m/{case}.yaml:{line}: NetworkPolicy p: `{field}`");
        assert!(run.stderr.contains(&said), "{said}\n{}", run.stderr);
    }
    assert_eq!(
        run.stderr
            .matches("the object is not judged (fix the manifest: the API server would reject it)")
            .count(),
        cases.len(),
        "{}",
        run.stderr
    );
    let r = report(&dir.path().join("out"));
    let verdicts: Vec<_> = r
        .findings
        .iter()
        .filter(|f| &*f.subject.name == "app")
        .map(|f| (f.check.to_string(), f.status))
        .collect();
    assert_eq!(verdicts.len(), 2, "{verdicts:?}");
    assert!(
        verdicts.iter().all(|(_, s)| *s == Status::NotApplicable),
        "{verdicts:?}"
    );
    assert!(r
        .findings
        .iter()
        .filter(|f| &*f.subject.name == "app")
        .all(|f| f.unassessed
            && f.message
                .contains("the manifests hold no network policy for namespace")));
}

/// A NetworkPolicy whose selector's labels are written without `matchLabels`
/// (`podSelector: {app: web}`, a peer's `namespaceSelector: {team: ops}`) was read as `{}`,
/// every pod: the namespace passed its default-deny and coverage checks and every pod counted
/// as selected. kubectl refuses such a policy (unknown field), and forced through with
/// `--validate=false` the key is dropped and the selector selects everything, so what it does
/// cannot be known from the file. It now makes nothing pass: the network checks are `manual`,
/// naming the policy, the file and line of the key, and what was meant; stderr warns too.
/// See: /tmp/review/session31/linters/own/netpol-selector-typo.yaml (session 31 review).
#[test]
fn a_network_policy_with_a_mistyped_selector_makes_nothing_pass() {
    let dir = Dir::new();
    dir.create(
        "m/np.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-web\n  namespace: shop\nspec:\n  podSelector:\n    app: web\n  policyTypes: [Ingress, Egress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: from-ops\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels: {app: web}\n  ingress:\n  - from:\n    - namespaceSelector:\n        team: ops\n",
    );
    dir.create("m/pod.yaml", GOOD_POD);
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m",
            "--format",
            "json",
            "--detail",
            "full",
            "--out",
            "out",
        ],
    );
    run.assert_code(0);
    for said in [
        "m/np.yaml:8: NetworkPolicy deny-web: `spec.podSelector` has the key `app`, which a label selector does not have (did you mean matchLabels?)",
        "m/np.yaml:22: NetworkPolicy from-ops: `spec.ingress[0].from[0].namespaceSelector` has the key `team`",
    ] {
        assert!(run.stderr.contains(said), "{said}\n{}", run.stderr);
    }
    let r = report(&dir.path().join("out"));
    let network = [
        "namespace-without-network-policy",
        "namespace-without-default-deny-ingress",
        "namespace-without-default-deny-egress",
        "workload-not-selected-by-network-policy",
        "workload-can-reach-instance-metadata",
        "network-policy-allows-all",
    ];
    for check in network {
        let found: Vec<_> = r.findings.iter().filter(|f| f.check == check).collect();
        assert!(!found.is_empty(), "{check}: no finding");
        for f in found {
            assert_eq!(f.status, Status::Manual, "{check}: {f:?}");
            assert!(
                f.message.contains("did you mean matchLabels?"),
                "{check}: {f:?}"
            );
        }
    }
    let ns = r
        .findings
        .iter()
        .find(|f| f.check == "namespace-without-default-deny-ingress")
        .expect("the namespace is judged");
    assert_eq!(ns.observations[0].source, "m/np.yaml:8", "{ns:?}");
}

/// A namespace with a deny-all-egress policy and a "deny-all-ingress" policy carrying
/// `ingress: [{}]` (which allows all ingress) has no default deny for ingress; the failure
/// cited the egress policy's line. It now cites the rule that keeps deny-all-ingress from
/// being one and says why; the same for egress.
/// See: /tmp/review/session31/nsa/REPORT.md, D7 (session 31 review).
#[test]
fn a_missing_default_deny_cites_the_policy_that_comes_nearest() {
    let dir = Dir::new();
    let policy = |name: &str, types: &str, rules: &str| {
        format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  podSelector: {{}}\n  policyTypes: [{types}]\n{rules}")
    };
    // Lines 1–6 and 8–15: the empty rule is on line 15.
    dir.create(
        "in/np.yaml",
        &format!(
            "{}---\n{}",
            policy("deny-all-egress", "Egress", ""),
            policy("deny-all-ingress", "Ingress", "  ingress:\n  - {}\n")
        ),
    );
    dir.create(
        "eg/np.yaml",
        &format!(
            "{}---\n{}",
            policy("deny-all-ingress", "Ingress", ""),
            policy("deny-all-egress", "Egress", "  egress:\n  - {}\n")
        ),
    );
    for (folder, check, name, dir_word) in [
        (
            "in",
            "namespace-without-default-deny-ingress",
            "deny-all-ingress",
            "ingress",
        ),
        (
            "eg",
            "namespace-without-default-deny-egress",
            "deny-all-egress",
            "egress",
        ),
    ] {
        dir.create(&format!("{folder}/pod.yaml"), GOOD_POD);
        let out = format!("out-{folder}");
        kubeattest(
            dir.path(),
            &[
                "scan",
                "--manifests",
                folder,
                "--check",
                check,
                "--format",
                "json",
                "--out",
                &out,
            ],
        )
        .assert_code(0);
        let r = report(&dir.path().join(&out));
        let f = r
            .findings
            .iter()
            .find(|f| f.check == check)
            .expect("the namespace is judged");
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert_eq!(
            f.observations[0].source,
            format!("{folder}/np.yaml:15"),
            "{f:?}"
        );
        let why = format!(
            "NetworkPolicy shop/{name} is not one: it selects every pod, but an empty {dir_word} rule allows all {dir_word} traffic on every port (spec.{dir_word}[0])"
        );
        assert!(f.message.contains(&why), "{why}\n{f:?}");
    }
}

/// Evidence points where the value is written: a limit a LimitRange gives is cited at the
/// LimitRange's line, not at the Pod's first line; a TLS Secret whose certificate is not
/// base64 is an `error` cited at its `tls.crt` field.
#[test]
fn evidence_cites_the_file_and_line_that_hold_the_value() {
    let dir = Dir::new();
    dir.create(
        "m/limits.yaml",
        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\n  namespace: shop\nspec:\n  limits:\n  - type: Container\n    default:\n      cpu: 500m\n      memory: 256Mi\n",
    );
    dir.create("m/pod.yaml", GOOD_POD);
    dir.create(
        "m/tls.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\n  namespace: shop\ntype: kubernetes.io/tls\ndata:\n  tls.crt: REPLACE_WITH_BASE64_CERT\n  tls.key: REPLACE_WITH_BASE64_KEY\n",
    );
    kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m",
            "--format",
            "json",
            "--detail",
            "full",
            "--out",
            "out",
        ],
    )
    .assert_code(0);
    let r = report(&dir.path().join("out"));
    for (check, line) in [("cpu-limit-missing", 10), ("memory-limit-missing", 11)] {
        let f = r
            .findings
            .iter()
            .find(|f| f.check == check && &*f.subject.name == "good")
            .expect("the pod is judged");
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert_eq!(
            f.observations[0].source,
            format!("m/limits.yaml:{line}"),
            "{f:?}"
        );
    }
    let expired = r
        .findings
        .iter()
        .find(|f| f.check == "tls-certificate-expired")
        .expect("the secret is judged");
    assert_eq!(expired.status, Status::Error);
    assert_eq!(expired.observations[0].source, "m/tls.yaml:8");
    assert_eq!(expired.observations[0].path, "data[\"tls.crt\"]");
}

/// A binding naming `ServiceAccount default/x` beside an account and a Deployment written
/// without a namespace: both may be that account once applied, so the hygiene findings say
/// so instead of calling the account missing or unused.
#[test]
fn namespace_less_accounts_are_named_where_a_binding_may_mean_them() {
    let dir = Dir::new();
    dir.create(
        "m.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: dns}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: dns}\nspec:\n  selector: {matchLabels: {app: dns}}\n  template:\n    metadata: {labels: {app: dns}}\n    spec:\n      serviceAccountName: dns\n      containers: [{name: c, image: registry.example/dns:1}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: dns-viewer}\nrules:\n- {apiGroups: [\"\"], resources: [services], verbs: [list]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: dns-viewer}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: dns-viewer}\nsubjects:\n- {kind: ServiceAccount, name: dns, namespace: default}\n",
    );
    kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m.yaml",
            "--framework",
            "hygiene",
            "--format",
            "json",
            "--out",
            "out",
        ],
    )
    .assert_code(0);
    let r = report(&dir.path().join("out"));
    for check in [
        "rbac-binding-subject-missing",
        "service-account-rights-unused",
    ] {
        let f = r
            .findings
            .iter()
            .find(|f| f.check == check)
            .unwrap_or_else(|| panic!("{check} judged"));
        assert_eq!(f.status, Status::NotApplicable, "{f:?}");
        assert!(
            f.message.contains("without a namespace") && f.message.contains("namespace default"),
            "{check}: {}",
            f.message
        );
    }
}

/// A self-hosted control plane runs kube-apiserver from a Deployment or DaemonSet (session 32,
/// peers D2): its pod template is judged like a static pod, once (the Deployment's
/// ReplicaSet, in the input too, is judged through it), and the evidence names the object
/// and its file:line. One without a namespace is `manual`, never "no static pod".
#[test]
fn a_self_hosted_api_server_is_judged_from_its_pod_template() {
    let template = "  template:\n    metadata:\n      labels: {app: apiserver}\n    spec:\n      containers:\n      - name: kube-apiserver\n        image: registry.k8s.io/kube-apiserver:v1.33.1\n        command: [kube-apiserver, --authorization-mode=AlwaysAllow]\n";
    let dir = Dir::new();
    dir.create(
        "m/apiserver.yaml",
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n  uid: d-1\nspec:\n  selector: {{matchLabels: {{app: apiserver}}}}\n{template}---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: kube-apiserver-5d8f\n  namespace: kube-system\n  ownerReferences:\n  - {{apiVersion: apps/v1, kind: Deployment, name: kube-apiserver, uid: d-1, controller: true}}\nspec:\n  selector: {{matchLabels: {{app: apiserver}}}}\n{template}"
        ),
    );
    let check = "apiserver-authorization-always-allow";
    let run = kubeattest(
        dir.path(),
        &["scan", "--manifests", "m", "--check", check, "--out", "out"],
    );
    run.assert_code(0);
    let r = report(&dir.path().join("out"));
    let found: Vec<_> = r.findings.iter().filter(|f| f.check == check).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].status, Status::Fail);
    assert_eq!(&*found[0].subject.kind, "Deployment");
    let source = &found[0].observations[0].source;
    assert!(
        source.contains("m/apiserver.yaml:") && source.contains("spec.template.spec.containers[0]"),
        "{source}"
    );

    let dir = Dir::new();
    dir.create(
        "m/apiserver.yaml",
        &format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kube-apiserver\nspec:\n  selector: {{matchLabels: {{app: apiserver}}}}\n{template}"),
    );
    let run = kubeattest(
        dir.path(),
        &["scan", "--manifests", "m", "--check", check, "--out", "out"],
    );
    run.assert_code(0);
    let r = report(&dir.path().join("out"));
    let found: Vec<_> = r.findings.iter().filter(|f| f.check == check).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].status, Status::Manual);
    assert!(
        found[0].message.contains("Deployment kube-apiserver")
            && found[0].message.contains("cannot be told from the input")
            && !found[0].message.contains("static pod"),
        "{}",
        found[0].message
    );
}

/// Trivy review D4 (session 33): a volume mount the API server refuses (no `mountPath`, a
/// volume the pod does not define) is named with file:line, not judged; an API version
/// Kubernetes no longer serves is judged as written, with a warning naming its replacement.
#[test]
fn refused_mounts_and_removed_api_versions_are_named() {
    let dir = Dir::new();
    dir.create("m/good.yaml", GOOD_POD);
    dir.create(
        "m/mounts.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: nopath\n  namespace: shop\nspec:\n  volumes:\n  - name: data\n    emptyDir: {}\n  containers:\n  - name: c\n    image: nginx\n    volumeMounts:\n    - name: data\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: novolume\n  namespace: shop\nspec:\n  containers:\n  - name: c\n    image: nginx\n    volumeMounts:\n    - name: token\n      mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n",
    );
    dir.create(
        "m/old.yaml",
        "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: nightly\n  namespace: shop\nspec:\n  schedule: '0 1 * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: c\n            image: busybox\n            securityContext: {privileged: true}\n",
    );
    // A StatefulSet's pods mount its claim templates by name.
    dir.create(
        "m/sts.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: shop\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers:\n      - name: c\n        image: postgres\n        volumeMounts:\n        - {name: data, mountPath: /var/lib/postgresql}\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
    );
    let run = kubeattest(dir.path(), &["scan", "--manifests", "m", "--out", "out"]);
    run.assert_code(3);
    assert!(!run.stderr.contains("sts.yaml"), "{}", run.stderr);
    for line in [
        "m/mounts.yaml:14: Pod nopath: `spec.containers[0].volumeMounts[0].mountPath` is required",
        "m/mounts.yaml:26: Pod novolume: `spec.containers[0].volumeMounts[0].name` is token, which no volume of the pod is called",
        "m/old.yaml:1: CronJob nightly: apiVersion batch/v1beta1 is no longer served (removed in Kubernetes 1.25; use batch/v1); judged as written",
    ] {
        assert!(run.stderr.contains(line), "{line}\n{}", run.stderr);
    }
    let r = report(&dir.path().join("out"));
    assert!(r.findings.iter().any(|f| f.check == "privileged-container"
        && &*f.subject.name == "nightly"
        && f.status == Status::Fail));
}

/// CIS 5.1.1 asks for every binding to cluster-admin to be justified. The stock ones
/// (`cluster-admin` → system:masters, kubeadm's `kubeadm:cluster-admins`) pass, but the
/// summary said only "no subject outside the built-in list is bound", hiding that a
/// cluster-admin grant exists. It now names them.
/// See: /tmp/review/session34/kubebench/REPORT.md, D5 (session 34 review).
#[test]
fn the_cluster_admin_summary_names_the_stock_bindings_it_passes() {
    let dir = Dir::new();
    dir.create(
        "m/rbac.yaml",
        &std::fs::read_to_string(
            "tests/fixtures/checks/cluster-admin-bound/pass/only-built-in-system-masters.yaml",
        )
        .expect("fixture"),
    );
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m",
            "--format",
            "json",
            "--detail",
            "full",
            "--out",
            "out",
        ],
    );
    run.assert_code(0);
    let r = report(&dir.path().join("out"));
    let summary = r
        .findings
        .iter()
        .find(|f| f.check == "cluster-admin-bound" && f.subject.kind == "RBAC".into())
        .expect("the summary finding");
    assert_eq!(summary.status, Status::Pass, "{summary:?}");
    assert!(
        summary.message.ends_with(
            "stock binding(s) to it: ClusterRoleBinding cluster-admin (Group system:masters), ClusterRoleBinding kubeadm:cluster-admins (Group kubeadm:cluster-admins)"
        ),
        "{summary:?}"
    );
}
