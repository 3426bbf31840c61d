#!/usr/bin/env python3
"""Deterministic synthetic Kubernetes manifests for kubeattest's benchmarks.

    benches/generate.py mixed N OUT_DIR        # N objects of mixed kinds (1000, 10000, 100000)
    benches/generate.py deployments N OUT_DIR  # N Deployments (the issue 15 shape)

`mixed` writes, per namespace (at most 500 namespaces, about 20 objects each below 10,000
objects), a Namespace and a spread of the kinds clusters hold: Deployments, StatefulSets,
DaemonSets, Jobs, CronJobs, ReplicaSets, bare Pods, Services, ConfigMaps, Opaque and TLS
Secrets, Ingresses, ServiceAccounts, Roles, RoleBindings, NetworkPolicies and
HorizontalPodAutoscalers, plus a few ClusterRoles and ClusterRoleBindings. About a third of
everything carries a realistic flaw (privileged or root containers, host namespaces, `latest`
tags, Secrets in env vars, credential-looking ConfigMap keys, wildcard roles, bindings to
cluster-admin, Ingresses without TLS or with a weak, expired or wrong-host certificate,
namespaces without network policies or Pod Security labels).

Output is one file per namespace (`ns-000.yaml`, …) plus `cluster-00.yaml`, … (cluster-scoped
objects, 500 a file); the same N always
gives byte-identical files (a fixed seed, no clock). Certificates are fixed test certificates
from `benches/certs/` (public parts only; the `tls.key` values are placeholders).
"""

import base64
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Share of objects per kind (per mille of the objects that are not Namespaces).
MIX = [
    ("Deployment", 160),
    ("StatefulSet", 30),
    ("DaemonSet", 10),
    ("Job", 20),
    ("CronJob", 20),
    ("ReplicaSet", 10),
    ("Pod", 140),
    ("Service", 100),
    ("ConfigMap", 120),
    ("SecretOpaque", 30),
    ("SecretTls", 40),
    ("Ingress", 40),
    ("ServiceAccount", 80),
    ("Role", 40),
    ("RoleBinding", 60),
    ("NetworkPolicy", 40),
    ("HorizontalPodAutoscaler", 20),
    ("ClusterRole", 10),
    ("ClusterRoleBinding", 10),
]

CERTS = ["good", "good", "good", "weak-key", "wrong-host", "expired"]


def yaml(value, indent=0):
    """Block-style YAML for dicts, lists and scalars (strings double-quoted, JSON style)."""
    pad = " " * indent
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = k if k.replace("-", "").replace(".", "").replace("/", "").isalnum() else json.dumps(k)
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{key}:")
                out.append(yaml(v, indent + 2))
            else:
                out.append(f"{pad}{key}: {scalar(v)}")
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, (dict, list)) and v:
                body = yaml(v, indent + 2)
                out.append(f"{pad}- {body.lstrip()}")
            else:
                out.append(f"{pad}- {scalar(v)}")
    else:
        out.append(pad + scalar(value))
    return "\n".join(out)


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return json.dumps(v)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.certs = {}
        for name in set(CERTS):
            with open(os.path.join(HERE, "certs", f"{name}.pem"), "rb") as fh:
                self.certs[name] = base64.b64encode(fh.read()).decode()

    def flaw(self, share=0.33):
        return self.r.random() < share

    def container(self, name, app):
        bad = self.flaw()
        c = {
            "name": name,
            "image": f"registry.example.com/{app}:{'latest' if self.flaw(0.2) else '1.4.2'}",
            "ports": [{"containerPort": 8080}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        }
        if not self.flaw(0.25):
            c["resources"]["limits"] = {"cpu": "500m", "memory": "256Mi"}
        if bad:
            c["securityContext"] = self.r.choice(
                [
                    {"privileged": True},
                    {"runAsUser": 0},
                    {"allowPrivilegeEscalation": True, "capabilities": {"add": ["NET_ADMIN", "SYS_ADMIN"]}},
                    {},
                ]
            )
        else:
            c["securityContext"] = {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "runAsNonRoot": True,
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "RuntimeDefault"},
            }
        env = [{"name": "LOG_LEVEL", "value": "info"}]
        if self.flaw(0.15):
            env.append({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"{app}-db", "key": "password"}}})
        if self.flaw(0.05):
            env.append({"name": "API_TOKEN", "value": "s3cr3t-literal-token"})
        c["env"] = env
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        return c

    def pod_spec(self, app, sa):
        spec = {
            "serviceAccountName": sa,
            "containers": [self.container("main", app)],
        }
        if self.flaw(0.3):
            spec["containers"].append(self.container("sidecar", app + "-proxy"))
        if self.flaw(0.1):
            spec[self.r.choice(["hostNetwork", "hostPID", "hostIPC"])] = True
        if self.flaw(0.1):
            spec["volumes"] = [{"name": "host", "hostPath": {"path": "/var/run"}}]
        if not self.flaw(0.5):
            spec["automountServiceAccountToken"] = False
        return spec

    def template(self, app, sa):
        return {
            "metadata": {"labels": {"app": app, "tier": self.r.choice(["web", "api", "worker"])}},
            "spec": self.pod_spec(app, sa),
        }

    def pick(self, per_ns, kind, spare=0):
        """The name index of an object of `kind` in the same namespace; `spare` > 0 lets
        some references miss (an object that does not exist)."""
        return self.r.randrange(max(1, per_ns.get(kind, 0)) + spare)

    def obj(self, kind, ns, i, per_ns):
        """The `i`-th object of `kind` in namespace `ns` (names are unique per kind and
        namespace; references point at objects of the same namespace)."""
        name = f"{kind.lower()}-{i}"
        app = f"app-{i}"
        sa = f"sa-{self.pick(per_ns, 'ServiceAccount')}" if self.r.random() < 0.7 else "default"
        meta = {"name": name, "namespace": ns, "labels": {"app": app, "team": f"team-{i % 17}"}}
        sel = {"matchLabels": {"app": app}}
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
            spec = {"selector": sel, "template": self.template(app, sa)}
            if kind != "DaemonSet":
                spec["replicas"] = self.r.choice([1, 2, 3])
            if kind == "StatefulSet":
                spec["serviceName"] = app
            api = "apps/v1"
            return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec}
        if kind == "Job":
            t = self.template(app, sa)
            t["spec"]["restartPolicy"] = "Never"
            return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": {"template": t}}
        if kind == "CronJob":
            t = self.template(app, sa)
            t["spec"]["restartPolicy"] = "OnFailure"
            return {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": meta,
                "spec": {"schedule": "*/15 * * * *", "jobTemplate": {"spec": {"template": t}}},
            }
        if kind == "Pod":
            t = self.template(app, sa)
            meta["labels"].update(t["metadata"]["labels"])
            return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": t["spec"]}
        if kind == "Service":
            spec = {"selector": {"app": f"app-{self.pick(per_ns, 'Deployment')}"}, "ports": [{"port": 80, "targetPort": 8080}]}
            if self.flaw(0.1):
                spec["type"] = "NodePort"
            return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
        if kind == "ConfigMap":
            data = {"LOG_LEVEL": "info", "FEATURE_FLAGS": "a,b,c", "app.properties": "port=8080\nmode=prod\n"}
            if self.flaw(0.1):
                data["db_password"] = "hunter2-not-a-real-one"
            return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}
        if kind == "SecretOpaque":
            meta["name"] = f"app-{i}-db"
            return {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "Opaque",
                "metadata": meta,
                "data": {"password": base64.b64encode(b"placeholder").decode()},
            }
        if kind == "SecretTls":
            meta["name"] = f"tls-{i}"
            cert = self.r.choice(CERTS)
            return {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/tls",
                "metadata": meta,
                "data": {"tls.crt": self.certs[cert], "tls.key": base64.b64encode(b"placeholder-key").decode()},
            }
        if kind == "Ingress":
            host = f"{app}.bench.example.com"
            spec = {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": host,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": app, "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ],
            }
            if not self.flaw(0.25):
                # Names a TLS Secret of this namespace (sometimes one that does not exist).
                spec["tls"] = [{"hosts": [host], "secretName": f"tls-{self.pick(per_ns, 'SecretTls', 1)}"}]
            if self.flaw(0.05):
                meta["annotations"] = {"nginx.ingress.kubernetes.io/server-snippet": "location / { }"}
            return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}
        if kind == "ServiceAccount":
            meta["name"] = f"sa-{i}"
            o = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
            if not self.flaw(0.5):
                o["automountServiceAccountToken"] = False
            return o
        if kind == "Role":
            rules = [{"apiGroups": [""], "resources": ["configmaps", "pods"], "verbs": ["get", "list", "watch"]}]
            if self.flaw(0.15):
                rules.append({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})
            elif self.flaw(0.15):
                rules.append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]})
            elif self.flaw(0.1):
                rules.append({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]})
            return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta, "rules": rules}
        if kind == "RoleBinding":
            role = (
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": self.r.choice(["admin", "edit", "view", "cluster-admin"])}
                if self.flaw(0.3)
                else {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"role-{self.pick(per_ns, 'Role', 1)}"}
            )
            subj = self.r.choice(
                [
                    {"kind": "ServiceAccount", "name": sa, "namespace": ns},
                    {"kind": "Group", "name": f"team-{i % 17}", "apiGroup": "rbac.authorization.k8s.io"},
                    {"kind": "User", "name": f"user-{i % 97}@example.com", "apiGroup": "rbac.authorization.k8s.io"},
                ]
            )
            return {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": meta,
                "roleRef": role,
                "subjects": [subj],
            }
        if kind == "NetworkPolicy":
            if self.flaw(0.5):
                spec = {"podSelector": {}, "policyTypes": ["Ingress"]}
            elif self.flaw(0.2):
                spec = {"podSelector": {}, "ingress": [{}]}
            else:
                spec = {
                    "podSelector": {"matchLabels": {"app": f"app-{self.pick(per_ns, 'Deployment')}"}},
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "web"}}}], "ports": [{"port": 8080}]}],
                }
            return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec}
        if kind == "HorizontalPodAutoscaler":
            return {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": meta,
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"deployment-{self.pick(per_ns, 'Deployment')}"},
                    "minReplicas": 1,
                    "maxReplicas": 5,
                },
            }
        raise ValueError(kind)

    def cluster_obj(self, kind, i):
        meta = {"name": f"{kind.lower()}-{i}", "labels": {"team": f"team-{i % 17}"}}
        if kind == "ClusterRole":
            rules = [{"apiGroups": [""], "resources": ["nodes", "namespaces"], "verbs": ["get", "list"]}]
            if self.flaw(0.2):
                rules.append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]})
            if i % 10 == 0:
                meta["labels"]["rbac.example.com/aggregate-to-edit"] = "true"
            return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta, "rules": rules}
        subj = (
            {"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}
            if self.flaw(0.05)
            else {"kind": "ServiceAccount", "name": "controller", "namespace": f"ns-{i % 7:03}"}
        )
        ref = "cluster-admin" if self.flaw(0.2) else f"clusterrole-{i}"
        return {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ref},
            "subjects": [subj],
        }


def mixed(n, out):
    g = Gen(15)
    namespaces = max(1, min(500, n // 20))
    rest = n - namespaces - 1
    total = sum(w for _, w in MIX)
    counts = {k: rest * w // total for k, w in MIX}
    counts["Deployment"] += rest - sum(counts.values())
    cluster_kinds = ("ClusterRole", "ClusterRoleBinding")
    files = {ns: [] for ns in range(namespaces)}
    cluster = []
    # Aggregation target and its built-in companions, as a stock cluster has them.
    cluster.append(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "bench-aggregate"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate-to-edit": "true"}}]},
            "rules": [],
        }
    )
    per_ns = {k: c // namespaces for k, c in counts.items()}
    for kind, _ in MIX:
        for j in range(counts[kind]):
            if kind in cluster_kinds:
                cluster.append(g.cluster_obj(kind, j))
                continue
            ns = j % namespaces
            files[ns].append(g.obj(kind, f"ns-{ns:03}", j // namespaces, per_ns))
    for ns in range(namespaces):
        labels = {}
        if not g.flaw(0.4):
            labels["pod-security.kubernetes.io/enforce"] = g.r.choice(["restricted", "baseline"])
        nsobj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{ns:03}", "labels": labels}}
        files[ns].insert(0, nsobj)
    # At most 500 documents a file (kubeattest caps a YAML stream at 1,024 documents).
    chunks = {f"cluster-{k // 500:02}.yaml": cluster[k : k + 500] for k in range(0, len(cluster), 500)}
    write(out, {f"ns-{ns:03}.yaml": docs for ns, docs in files.items()} | chunks)


def deployments(n, out):
    """The shape of issue 15's first measurement: N two-container Deployments, half flawed,
    over 50 namespaces and 100 files (as `benches/manifests-scale.sh` writes them)."""
    files = {}
    per_file = max(1, n // 100)
    for i in range(n):
        bad = i % 2 == 0
        sc = (
            {"privileged": True}
            if bad
            else {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "runAsNonRoot": True,
                "capabilities": {"drop": ["ALL"]},
            }
        )
        d = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": f"app-{i}", "namespace": f"ns-{i % 50}"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": f"app-{i}"}},
                "template": {
                    "metadata": {"labels": {"app": f"app-{i}"}},
                    "spec": {
                        "hostNetwork": bad,
                        "containers": [
                            {
                                "name": "main",
                                "image": f"registry.example.com/app:{'latest' if bad else '1.2.3'}",
                                "securityContext": sc,
                                "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                            },
                            {"name": "sidecar", "image": "registry.example.com/proxy@sha256:0123"},
                        ],
                    },
                },
            },
        }
        files.setdefault(f"apps-{i // per_file:03}.yaml", []).append(d)
    write(out, files)


def write(out, files):
    os.makedirs(out, exist_ok=True)
    for name, docs in sorted(files.items()):
        if not docs:
            continue
        with open(os.path.join(out, name), "w") as fh:
            for d in docs:
                fh.write("---\n")
                fh.write(yaml(d))
                fh.write("\n")


def main(argv):
    if len(argv) != 4 or argv[1] not in ("mixed", "deployments"):
        sys.exit(__doc__)
    n, out = int(argv[2]), argv[3]
    (mixed if argv[1] == "mixed" else deployments)(n, out)
    count = 0
    for name in os.listdir(out):
        with open(os.path.join(out, name)) as fh:
            count += sum(1 for line in fh if line == "---\n")
    print(f"{count} objects in {len(os.listdir(out))} files under {out}")


if __name__ == "__main__":
    main(sys.argv)
