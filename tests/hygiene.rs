//! RBAC hygiene on the demo cluster (an unused role, a permission granted twice, accounts no
//! pod uses) and the registry allow-list of `scan --registries`.

mod support;

use kubeattest::results::{Report, Status};
use support::{kubeattest, report, Dir};

fn scan(dir: &Dir, out: &str, extra: &[&str]) -> Report {
    let mut args = vec![
        "scan", "--demo", "--format", "json", "--out", out, "--quiet",
    ];
    args.extend_from_slice(extra);
    kubeattest(dir.path(), &args).assert_code(0);
    report(&dir.path().join(out))
}

fn failing<'r>(r: &'r Report, check: &str) -> Vec<&'r kubeattest::results::Finding> {
    r.findings
        .iter()
        .filter(|f| f.check == check && f.status == Status::Fail)
        .collect()
}

fn item_status(r: &Report, fw: &str, item: &str) -> Status {
    r.frameworks
        .iter()
        .find(|f| f.id == fw)
        .and_then(|f| f.items.iter().find(|i| i.id == item))
        .unwrap_or_else(|| panic!("{fw} {item}"))
        .status
}

#[test]
fn demo_shows_an_unused_role_and_a_duplicate_grant_with_their_evidence() {
    let dir = Dir::new();
    let r = scan(&dir, "out", &["--framework", "kubeattest-hygiene"]);

    let unused = failing(&r, "rbac-role-unused");
    assert_eq!(unused.len(), 1, "{unused:#?}");
    assert_eq!(unused[0].subject.display(), "Role web/release-manager");
    // Each rule of the role is named.
    assert_eq!(unused[0].observations.len(), 2);
    assert!(unused[0].observations[0]
        .path
        .contains("Role web/release-manager rules[0]"));

    let twice = failing(&r, "rbac-permission-granted-twice");
    assert_eq!(twice.len(), 1, "{twice:#?}");
    assert_eq!(twice[0].subject.display(), "User alice@example.com");
    let o = &twice[0].observations[0];
    for name in [
        "RoleBinding web/incident-debug-alice",
        "Role web/incident-debug",
        "RoleBinding web/debugger-alice",
        "Role web/debugger",
    ] {
        assert!(o.path.contains(name), "{name} not in {}", o.path);
    }
    let perms = o.observed["permissions"].as_array().expect("permissions");
    let perms: Vec<&str> = perms.iter().filter_map(|p| p.as_str()).collect();
    assert!(perms.contains(&"create pods/exec"), "{perms:?}");
    assert!(perms.contains(&"get pods"), "{perms:?}");
    // Pod logs are granted once only.
    assert!(!perms.iter().any(|p| p.contains("pods/log")), "{perms:?}");

    // Accounts holding rights that no pod of theirs uses.
    let idle: Vec<String> = failing(&r, "service-account-rights-unused")
        .iter()
        .map(|f| f.subject.display())
        .collect();
    assert!(
        idle.contains(&"ServiceAccount web/ci-deployer".to_string()),
        "{idle:?}"
    );
    // Every binding of the demo names accounts that exist.
    assert!(failing(&r, "rbac-binding-subject-missing").is_empty());
    assert_eq!(item_status(&r, "kubeattest-hygiene", "2.1"), Status::Fail);
    assert_eq!(item_status(&r, "kubeattest-hygiene", "2.3"), Status::Fail);
    assert_eq!(item_status(&r, "kubeattest-hygiene", "1.1"), Status::Fail);
}

#[test]
fn the_registry_item_is_not_assessed_without_an_allow_list_and_never_passes() {
    let dir = Dir::new();
    let r = scan(&dir, "none", &["--framework", "nsa-cisa-1.2"]);
    let check = r.check("image-registry-not-allowed").expect("check ran");
    assert_eq!(check.status, Status::Manual);
    assert!(
        check
            .message
            .starts_with("not assessed: no allow-list given"),
        "{}",
        check.message
    );
    assert_ne!(item_status(&r, "nsa-cisa-1.2", "1.3.2"), Status::Pass);

    // With a list, images outside it fail and the rest pass.
    let r = scan(
        &dir,
        "list",
        &[
            "--framework",
            "nsa-cisa-1.2",
            "--registries",
            "registry.k8s.io,ghcr.io/demo-example,registry.demo.example",
        ],
    );
    let bad: Vec<String> = failing(&r, "image-registry-not-allowed")
        .iter()
        .map(|f| f.subject.display())
        .collect();
    assert!(bad.iter().any(|s| s.contains("node-exporter")), "{bad:?}");
    let passed: Vec<String> = r
        .listed()
        .filter(|f| f.check() == "image-registry-not-allowed" && f.status() == Status::Pass)
        .map(|f| f.subject().display())
        .collect();
    assert!(
        passed.iter().any(|s| s.contains("payments-api")),
        "{passed:?}"
    );
    assert_eq!(item_status(&r, "nsa-cisa-1.2", "1.3.2"), Status::Fail);
    let f = failing(&r, "image-registry-not-allowed")[0];
    assert!(f.observations.iter().any(|o| !o.holds
        && o.expected == "from registry.k8s.io, ghcr.io/demo-example, registry.demo.example"));
}

/// A subject bound in many namespaces and by several cluster-wide bindings gets one
/// observation per binding, naming the first binding that already grants its permissions
/// and counting the others, not one observation per pair.
#[test]
fn duplicate_grants_name_one_covering_binding_and_count_the_others() {
    let dir = Dir::new();
    let mut text = String::from(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: pod-reader}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list]\n",
    );
    for i in 0..4 {
        text.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: readers-{i}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}}\nsubjects:\n- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: carol@example.com}}\n"
        ));
    }
    for ns in ["a", "b", "c"] {
        text.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: readers, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}}\nsubjects:\n- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: carol@example.com}}\n"
        ));
    }
    dir.create("rbac.yaml", &text);
    let out = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "rbac.yaml",
            "--framework",
            "kubeattest-hygiene",
            "--format",
            "json",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(
        matches!(out.code, 0 | 1),
        "exit {}: {}",
        out.code,
        out.stderr
    );
    let r = report(&dir.path().join("out"));
    let twice = failing(&r, "rbac-permission-granted-twice");
    assert_eq!(twice.len(), 1, "{twice:#?}");
    // Three namespaced bindings and three cluster-wide ones after the first: six bindings
    // whose permissions another binding already grants, one observation each.
    let obs = &twice[0].observations;
    assert_eq!(obs.len(), 6, "{obs:#?}");
    let namespaced = obs
        .iter()
        .find(|o| o.observed["granted_by"]["binding"] == "RoleBinding a/readers")
        .expect("RoleBinding a/readers");
    assert_eq!(
        namespaced.observed["also_granted_by"]["binding"],
        "ClusterRoleBinding readers-0"
    );
    assert_eq!(namespaced.observed["also_granted_by_others"], 3);
    assert!(
        namespaced
            .note
            .as_deref()
            .unwrap_or("")
            .contains("and by 3 other binding(s)"),
        "{:?}",
        namespaced.note
    );
    assert!(
        twice[0].message.contains("and 1 more binding(s)"),
        "{}",
        twice[0].message
    );
}

/// A manifest scan cannot see every binding, account or pod: the hygiene findings that rest
/// on absence are `not_applicable` and marked `unassessed`, so their items are `manual`,
/// never `pass` (session 30, pdfhtml H1: item 2.1 passed with an unbound Role not assessed).
#[test]
fn hygiene_items_are_not_passed_on_what_manifests_cannot_show() {
    let dir = Dir::new();
    dir.create(
        "m.yaml",
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: bound, namespace: a }
rules: [{ apiGroups: [""], resources: [configmaps], verbs: [get] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: unbound, namespace: a }
rules: [{ apiGroups: [""], resources: [configmaps], verbs: [get] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: b, namespace: a }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: bound }
subjects:
- { kind: User, name: alice, apiGroup: rbac.authorization.k8s.io }
- { kind: ServiceAccount, name: ghost, namespace: a }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: b2, namespace: a }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: bound }
subjects:
- { kind: ServiceAccount, name: real, namespace: a }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: real, namespace: a }
---
apiVersion: v1
kind: Pod
metadata: { name: p, namespace: a }
spec:
  serviceAccountName: real
  containers: [{ name: c, image: nginx }]
"#,
    );
    kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m.yaml",
            "--format",
            "json",
            "--out",
            "out",
            "--quiet",
            "--detail",
            "full",
        ],
    );
    let r = report(&dir.path().join("out"));
    for (check, item) in [
        ("rbac-role-unused", "2.1"),
        ("rbac-binding-subject-missing", "2.2"),
        ("service-account-rights-unused", "2.4"),
    ] {
        let na: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.check == check && f.status == Status::NotApplicable)
            .collect();
        assert!(!na.is_empty(), "{check}: no not_applicable finding");
        assert!(na.iter().all(|f| f.unassessed), "{check}: {na:?}");
        let c = r
            .checks
            .iter()
            .find(|c| c.id == check)
            .expect("check result");
        assert!(c.unassessed.is_some(), "{check}");
        assert!(
            r.findings
                .iter()
                .any(|f| f.check == check && f.status == Status::Pass),
            "{check}: no passing subject"
        );
        // A passing part beside an unassessed one: for a person, never a pass.
        assert_eq!(
            item_status(&r, "kubeattest-hygiene", item),
            Status::Manual,
            "{item}"
        );
    }
}
