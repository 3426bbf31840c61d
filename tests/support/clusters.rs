//! Clusters the test API server serves: the demo cluster (read from the same YAML files the
//! binary embeds, canary secrets included), and for scale tests synthetic controller-owned
//! pods ([`synthetic_pod`], with the ReplicaSets that own them) or a synthetic cluster of
//! mixed kinds ([`Cluster::synthetic_objects`]:
//! workloads of every kind, bare and owned pods, RBAC, network policies, ingresses, TLS
//! secrets, config maps over up to 500 namespaces, about a third of them with a flaw).
//! Synthetic objects are made when listed, so a 100,000-object cluster costs the server
//! no memory.

use base64::Engine as _;
use serde_json::{json, Value};

/// A recorded cluster.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    /// Full objects (`apiVersion`, `kind`, metadata…), as stored by the API server.
    pub objects: Vec<Value>,
    /// `/version` body.
    pub version: Value,
    /// Extra generated Pods (see [`synthetic_pod`]).
    pub synthetic_pods: usize,
    /// Extra generated objects of mixed kinds, about this many in all (see [`MIX`]).
    pub synthetic_objects: usize,
    /// API groups not to serve (e.g. `networking.k8s.io`).
    pub unserved_groups: Vec<String>,
    /// Pod logs by `namespace/name` (`GET …/pods/NAME/log`).
    pub pod_logs: std::collections::BTreeMap<String, String>,
}

/// The demo cluster's files, unredacted (they hold the canary secrets).
pub fn demo() -> Cluster {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/collect/demo");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("demo dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    let mut objects = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path).expect("demo file");
        for doc in kubeattest::yaml::parse_documents(&text).expect("demo yaml") {
            let v = doc.to_json();
            if v.get("kind").is_some() {
                objects.push(v);
            }
        }
    }
    Cluster {
        objects,
        version: version("v1.33.4"),
        ..Cluster::default()
    }
}

/// A `/version` document.
pub fn version(git: &str) -> Value {
    let minor = git.split('.').nth(1).unwrap_or("33").to_string();
    json!({
        "major": "1", "minor": minor, "gitVersion": git,
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24.0", "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// Shares (per mille) of the kinds of the synthetic mixed objects, Namespaces aside.
pub const MIX: &[(&str, usize)] = &[
    ("Pod", 400),
    ("Deployment", 50),
    ("ReplicaSet", 50),
    ("StatefulSet", 15),
    ("DaemonSet", 5),
    ("Job", 15),
    ("CronJob", 10),
    ("Service", 80),
    ("ConfigMap", 115),
    ("Secret", 50),
    ("ServiceAccount", 60),
    ("Role", 30),
    ("RoleBinding", 50),
    ("NetworkPolicy", 30),
    ("Ingress", 30),
    ("ClusterRole", 5),
    ("ClusterRoleBinding", 5),
];

/// A fixed test certificate (public part only) for synthetic TLS Secrets.
const BENCH_CERT: &str = include_str!("../../benches/certs/good.pem");

impl Cluster {
    /// Namespaces of the synthetic mixed objects: 500, or fewer for small clusters.
    pub fn mixed_namespaces(&self) -> usize {
        (self.synthetic_objects / 20).clamp(1, 500)
    }

    /// How many ReplicaSets own the synthetic pods: one per app (see [`synthetic_pod`]).
    fn load_owners(&self) -> usize {
        self.synthetic_pods.min(SYNTHETIC_APPS)
    }

    /// How many ReplicaSets own the mixed objects' owned pods: one per mixed namespace.
    fn mixed_owners(&self) -> usize {
        if self.synthetic_objects == 0 {
            0
        } else {
            self.mixed_namespaces()
        }
    }

    /// How many synthetic objects of `kind` come before the mixed ones: the synthetic pods,
    /// and the ReplicaSets that own them and the mixed owned pods.
    fn leading(&self, kind: &str) -> usize {
        match kind {
            "Pod" => self.synthetic_pods,
            "ReplicaSet" => self.load_owners() + self.mixed_owners(),
            _ => 0,
        }
    }

    /// How many synthetic objects of `kind` the server lists after the recorded ones.
    pub fn synthetic_count(&self, kind: &str) -> usize {
        if self.synthetic_objects == 0 {
            return self.leading(kind);
        }
        let rest = self
            .synthetic_objects
            .saturating_sub(self.mixed_namespaces());
        let mixed = match kind {
            "Namespace" => self.mixed_namespaces(),
            _ => MIX
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(0, |(_, share)| rest * share / 1000),
        };
        mixed + self.leading(kind)
    }

    /// Synthetic object `n` of `kind`, if it lies in `namespace` (`None`: any).
    pub fn synthetic_object(&self, kind: &str, n: usize, namespace: Option<&str>) -> Option<Value> {
        let within = |ns: &str| namespace.is_none_or(|want| want == ns);
        if kind == "Pod" && n < self.synthetic_pods {
            let ns = format!("load-{}", n % SYNTHETIC_NAMESPACES);
            return within(&ns).then(|| synthetic_pod(n));
        }
        if kind == "ReplicaSet" && n < self.load_owners() {
            let ns = format!("load-{}", n % SYNTHETIC_NAMESPACES);
            return within(&ns).then(|| owner_replicaset(n, &ns, &load_owner_uid(n)));
        }
        if kind == "ReplicaSet" && n < self.leading(kind) {
            let j = n - self.load_owners();
            let ns = format!("bench-{j:03}");
            return within(&ns)
                .then(|| owner_replicaset(j % SYNTHETIC_APPS, &ns, &mixed_owner_uid(j)));
        }
        let n = n - self.leading(kind);
        let namespaces = self.mixed_namespaces();
        let ns = format!("bench-{:03}", n % namespaces);
        let cluster_scoped = matches!(kind, "Namespace" | "ClusterRole" | "ClusterRoleBinding");
        if !cluster_scoped && namespace.is_some_and(|want| want != ns) {
            return None;
        }
        if cluster_scoped && namespace.is_some() {
            return None;
        }
        Some(mixed_object(kind, n, n % namespaces, n / namespaces))
    }
}

/// Mixed object `n` of `kind` in namespace `bench-{j}`, the `local`-th of its kind there;
/// names are unique per kind and namespace and references point within the namespace.
fn mixed_object(kind: &str, n: usize, j: usize, local: usize) -> Value {
    let ns = &format!("bench-{j:03}");
    let name = format!("{}-{local}", kind.to_ascii_lowercase());
    let app = format!("app-{}", local % 40);
    let flawed = n % 3 == 0;
    let meta = json!({"name": name, "namespace": ns, "uid": format!("10000000-0000-4000-8000-{n:012}"),
        "labels": {"app": app, "team": format!("team-{}", n % 17)},
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\"}"}});
    let container = |c: &str| {
        let sc = if flawed {
            json!({"privileged": n % 2 == 0, "runAsUser": 0})
        } else {
            json!({"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
                   "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}})
        };
        let mut env = vec![json!({"name": "LOG_LEVEL", "value": "info"})];
        if n % 7 == 0 {
            env.push(json!({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": format!("{app}-db"), "key": "password"}}}));
        }
        json!({"name": c, "image": format!("registry.example.com/{app}:{}", if n % 5 == 0 { "latest" } else { "1.4.2" }),
               "ports": [{"containerPort": 8080}], "env": env, "securityContext": sc,
               "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}})
    };
    let pod_spec = json!({
        "serviceAccountName": format!("serviceaccount-{}", local % 10),
        "automountServiceAccountToken": n % 2 == 0,
        "hostNetwork": flawed && n % 4 == 0,
        "containers": [container("main"), container("sidecar")],
    });
    let template = json!({"metadata": {"labels": {"app": app}}, "spec": pod_spec});
    let rbac = "rbac.authorization.k8s.io/v1";
    match kind {
        "Namespace" => {
            let labels = if n % 5 < 3 {
                json!({"pod-security.kubernetes.io/enforce": "restricted"})
            } else {
                json!({})
            };
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": format!("bench-{n:03}"), "labels": labels}})
        }
        "Pod" if n % 5 < 2 => {
            // Bare: judged on its own.
            let mut meta = meta;
            meta["labels"]["app"] = json!(app);
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec,
                   "status": {"phase": "Running", "podIP": "10.0.0.1", "conditions": [{"type": "Ready", "status": "True"}]}})
        }
        "Pod" => {
            // Owned by the namespace's ReplicaSet, whose template it runs.
            let mut pod = owned_pod(n, j % SYNTHETIC_APPS, ns, &mixed_owner_uid(j));
            pod["metadata"]["name"] = json!(format!("owned-{local}"));
            pod
        }
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => json!({
            "apiVersion": "apps/v1", "kind": kind, "metadata": meta,
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": app}}, "template": template}}),
        "Job" => {
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": {"template": template}})
        }
        "CronJob" => json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
            "spec": {"schedule": "*/15 * * * *", "jobTemplate": {"spec": {"template": template}}}}),
        "Service" => json!({"apiVersion": "v1", "kind": "Service", "metadata": meta,
            "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]}}),
        "ConfigMap" => {
            let mut data = json!({"LOG_LEVEL": "info", "app.properties": "port=8080\nmode=prod\n"});
            if n % 10 == 0 {
                data["db_password"] = json!("hunter2-not-a-real-one");
            }
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})
        }
        "Secret" if n % 2 == 0 => {
            let mut meta = meta;
            meta["name"] = json!(format!("tls-{}", local / 2));
            json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": meta,
                   "data": {"tls.crt": base64::engine::general_purpose::STANDARD.encode(BENCH_CERT),
                            "tls.key": "cGxhY2Vob2xkZXI="}})
        }
        "Secret" => {
            let mut meta = meta;
            meta["name"] = json!(format!("{app}-db"));
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": meta,
                   "data": {"password": "cGxhY2Vob2xkZXI="}})
        }
        "ServiceAccount" => json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta,
            "automountServiceAccountToken": n % 3 != 0}),
        "Role" => {
            let mut rules = vec![
                json!({"apiGroups": [""], "resources": ["configmaps", "pods"], "verbs": ["get", "list"]}),
            ];
            if n % 6 == 0 {
                rules.push(json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}));
            } else if n % 6 == 1 {
                rules.push(
                    json!({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}),
                );
            }
            json!({"apiVersion": rbac, "kind": "Role", "metadata": meta, "rules": rules})
        }
        "RoleBinding" => {
            let role = if n % 4 == 0 {
                let name = ["admin", "edit", "view", "cluster-admin"][n / 4 % 4];
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name})
            } else {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("role-{}", local % 12)})
            };
            let subject = match n % 3 {
                0 => {
                    json!({"kind": "ServiceAccount", "name": format!("serviceaccount-{}", local % 10), "namespace": ns})
                }
                1 => {
                    json!({"kind": "Group", "name": format!("team-{}", n % 17), "apiGroup": "rbac.authorization.k8s.io"})
                }
                _ => {
                    json!({"kind": "User", "name": format!("user-{}@example.com", n % 97), "apiGroup": "rbac.authorization.k8s.io"})
                }
            };
            json!({"apiVersion": rbac, "kind": "RoleBinding", "metadata": meta, "roleRef": role, "subjects": [subject]})
        }
        "NetworkPolicy" => {
            let spec = match n % 3 {
                0 => json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
                1 => json!({"podSelector": {}, "ingress": [{}]}),
                _ => json!({"podSelector": {"matchLabels": {"app": app}},
                            "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "web"}}}]}]}),
            };
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec})
        }
        "Ingress" => {
            let host = format!("{app}.bench.example.com");
            let mut spec = json!({"ingressClassName": "nginx", "rules": [{"host": host, "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": app, "port": {"number": 80}}}}]}}]});
            if n % 4 != 0 {
                spec["tls"] =
                    json!([{"hosts": [host], "secretName": format!("tls-{}", local % 15)}]);
            }
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec})
        }
        "ClusterRole" => {
            let mut rules =
                vec![json!({"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]})];
            if n % 5 == 0 {
                rules.push(json!({"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}));
            }
            json!({"apiVersion": rbac, "kind": "ClusterRole",
                   "metadata": {"name": format!("bench-role-{n}")}, "rules": rules})
        }
        "ClusterRoleBinding" => {
            let role = if n % 5 == 0 {
                "cluster-admin".to_string()
            } else {
                format!("bench-role-{n}")
            };
            json!({"apiVersion": rbac, "kind": "ClusterRoleBinding",
                   "metadata": {"name": format!("bench-binding-{n}")},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                   "subjects": [{"kind": "ServiceAccount", "name": "controller", "namespace": ns}]})
        }
        other => json!({"apiVersion": "v1", "kind": other, "metadata": meta}),
    }
}

/// Namespaces synthetic pods are spread over.
pub const SYNTHETIC_NAMESPACES: usize = 100;

/// Apps the synthetic pods belong to, one ReplicaSet each.
const SYNTHETIC_APPS: usize = 1000;

/// The uid of the ReplicaSet of synthetic app `k`.
fn load_owner_uid(k: usize) -> String {
    format!("11111111-2222-4333-8444-{k:012}")
}

/// The uid of the ReplicaSet of the owned pods of mixed namespace `bench-{j}`.
fn mixed_owner_uid(j: usize) -> String {
    format!("12222222-2222-4333-8444-{j:012}")
}

/// Synthetic pod `i`: a realistic ReplicaSet-owned pod (~3 KB of JSON) with status, of app
/// `i % 1000` in namespace `load-{i % 100}`, owned by that app's ReplicaSet (listed too), whose
/// template it runs.
pub fn synthetic_pod(i: usize) -> Value {
    let ns = format!("load-{}", i % SYNTHETIC_NAMESPACES);
    let k = i % SYNTHETIC_APPS;
    owned_pod(i, k, &ns, &load_owner_uid(k))
}

/// The pod spec of app `k`'s pods (the same for all of them but the node).
fn app_pod_spec(k: usize) -> Value {
    let app = format!("app-{k}");
    json!({
            "serviceAccountName": "default",
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "app", "image": format!("registry.example.com/team/{app}:1.2.{}", k % 10),
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"
            }, {
                "name": "sidecar", "image": "registry.example.com/mesh/proxy:2.1.0",
                "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}
            }],
            "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}}]}}],
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]
    })
}

/// The ReplicaSet of app `k` in `ns`, whose pods are [`owned_pod`]s.
fn owner_replicaset(k: usize, ns: &str, uid: &str) -> Value {
    let app = format!("app-{k}");
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": format!("{app}-7c9d8f6b5d"), "namespace": ns, "uid": uid,
            "labels": {"app.kubernetes.io/name": app, "pod-template-hash": "7c9d8f6b5d"}},
        "spec": {"replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": app, "pod-template-hash": "7c9d8f6b5d"}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": app, "pod-template-hash": "7c9d8f6b5d", "tier": "backend"},
                             "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}},
                "spec": app_pod_spec(k)}},
        "status": {"replicas": 2, "readyReplicas": 2}
    })
}

/// Pod `i` of app `k` in `ns`, owned by the ReplicaSet `owner_uid` of [`owner_replicaset`].
fn owned_pod(i: usize, k: usize, ns: &str, owner_uid: &str) -> Value {
    let app = format!("app-{k}");
    let mut spec = app_pod_spec(k);
    spec["nodeName"] = json!(format!("node-{}", i % 200));
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("{app}-7c9d8f6b5d-{i:06}"), "namespace": ns,
            "uid": format!("00000000-0000-4000-8000-{i:012}"),
            "resourceVersion": format!("{}", 100000 + i),
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "generateName": format!("{app}-7c9d8f6b5d-"),
            "labels": {"app.kubernetes.io/name": app, "pod-template-hash": "7c9d8f6b5d", "tier": "backend"},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-7c9d8f6b5d"),
                "uid": owner_uid, "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app.kubernetes.io/name": {}}},
                             "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}}}}}}]
        },
        "spec": spec,
        "status": {
            "phase": "Running", "hostIP": "10.1.0.1", "podIP": format!("10.244.{}.{}", (i / 250) % 250, i % 250),
            "startTime": "2026-01-01T00:00:01Z", "qosClass": "Burstable",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:05Z"},
                           {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2026-01-01T00:00:05Z"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "x", "imageID": "docker-pullable://x@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "containerID": "containerd://0000000000000000000000000000000000000000000000000000000000000000", "started": true,
                "state": {"running": {"startedAt": "2026-01-01T00:00:03Z"}}}]
        }
    })
}
