//! Clusters the test API server serves: the demo cluster (read from the same YAML files the
//! binary embeds, canary secrets included) and synthetic pods for scale tests.

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

/// Namespaces synthetic pods are spread over.
pub const SYNTHETIC_NAMESPACES: usize = 100;

/// Synthetic pod `i`: a realistic ReplicaSet-owned pod (~3 KB of JSON) with status.
pub fn synthetic_pod(i: usize) -> Value {
    let ns = format!("load-{}", i % SYNTHETIC_NAMESPACES);
    let app = format!("app-{}", i % 1000);
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
                "uid": "11111111-2222-4333-8444-555555555555", "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app.kubernetes.io/name": {}}},
                             "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}}}}}}]
        },
        "spec": {
            "serviceAccountName": "default", "nodeName": format!("node-{}", i % 200),
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "app", "image": format!("registry.example.com/team/{app}:1.2.{}", i % 10),
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
        },
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
