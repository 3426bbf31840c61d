#!/usr/bin/env python3
"""Writes controls/checks/node.yaml and the node-facts fixtures of its checks
(tests/fixtures/checks/<id>/{pass,fail}/*.snapshot.json). Run from the repository root;
review the diff. The checks are data: edit the tables below, not the output."""
import json, os, shutil

FILES = [
    # id, items, roles, op, value, what (noun phrase), default path, who needs it, when_absent
    ("apiserver-manifest-permissive", "1.1.1", ["apiserver-manifest"], "mode_at_most", "600",
     "the kube-apiserver static pod manifest", "/etc/kubernetes/manifests/kube-apiserver.yaml"),
    ("apiserver-manifest-not-root-owned", "1.1.2", ["apiserver-manifest"], "owner", "root:root",
     "the kube-apiserver static pod manifest", "/etc/kubernetes/manifests/kube-apiserver.yaml"),
    ("controller-manager-manifest-permissive", "1.1.3", ["controller-manager-manifest"], "mode_at_most", "600",
     "the kube-controller-manager static pod manifest", "/etc/kubernetes/manifests/kube-controller-manager.yaml"),
    ("controller-manager-manifest-not-root-owned", "1.1.4", ["controller-manager-manifest"], "owner", "root:root",
     "the kube-controller-manager static pod manifest", "/etc/kubernetes/manifests/kube-controller-manager.yaml"),
    ("scheduler-manifest-permissive", "1.1.5", ["scheduler-manifest"], "mode_at_most", "600",
     "the kube-scheduler static pod manifest", "/etc/kubernetes/manifests/kube-scheduler.yaml"),
    ("scheduler-manifest-not-root-owned", "1.1.6", ["scheduler-manifest"], "owner", "root:root",
     "the kube-scheduler static pod manifest", "/etc/kubernetes/manifests/kube-scheduler.yaml"),
    ("etcd-manifest-permissive", "1.1.7", ["etcd-manifest"], "mode_at_most", "600",
     "the etcd static pod manifest", "/etc/kubernetes/manifests/etcd.yaml"),
    ("etcd-manifest-not-root-owned", "1.1.8", ["etcd-manifest"], "owner", "root:root",
     "the etcd static pod manifest", "/etc/kubernetes/manifests/etcd.yaml"),
    ("cni-files-permissive", "1.1.9", ["cni-file"], "mode_at_most", "600",
     "CNI configuration and IPAM files (kubelet --cni-conf-dir or /etc/cni/net.d, and /var/lib/cni/networks)", "/etc/cni/net.d/10-calico.conflist"),
    ("cni-files-not-root-owned", "1.1.10", ["cni-file"], "owner", "root:root",
     "CNI configuration and IPAM files (kubelet --cni-conf-dir or /etc/cni/net.d, and /var/lib/cni/networks)", "/etc/cni/net.d/10-calico.conflist"),
    ("etcd-data-dir-permissive", "1.1.11", ["etcd-data-dir"], "mode_at_most", "700",
     "the etcd data directory (etcd --data-dir, default /var/lib/etcd)", "/var/lib/etcd"),
    ("etcd-data-dir-not-etcd-owned", "1.1.12", ["etcd-data-dir"], "owner", "etcd:etcd",
     "the etcd data directory (etcd --data-dir, default /var/lib/etcd)", "/var/lib/etcd"),
    ("admin-kubeconfig-permissive", "1.1.13", ["admin-kubeconfig"], "mode_at_most", "600",
     "admin.conf and super-admin.conf", "/etc/kubernetes/admin.conf"),
    ("admin-kubeconfig-not-root-owned", "1.1.14", ["admin-kubeconfig"], "owner", "root:root",
     "admin.conf and super-admin.conf", "/etc/kubernetes/admin.conf"),
    ("scheduler-kubeconfig-permissive", "1.1.15", ["scheduler-kubeconfig"], "mode_at_most", "600",
     "the kube-scheduler kubeconfig (--kubeconfig, default /etc/kubernetes/scheduler.conf)", "/etc/kubernetes/scheduler.conf"),
    ("scheduler-kubeconfig-not-root-owned", "1.1.16", ["scheduler-kubeconfig"], "owner", "root:root",
     "the kube-scheduler kubeconfig (--kubeconfig, default /etc/kubernetes/scheduler.conf)", "/etc/kubernetes/scheduler.conf"),
    ("controller-manager-kubeconfig-permissive", "1.1.17", ["controller-manager-kubeconfig"], "mode_at_most", "600",
     "the kube-controller-manager kubeconfig (--kubeconfig, default /etc/kubernetes/controller-manager.conf)", "/etc/kubernetes/controller-manager.conf"),
    ("controller-manager-kubeconfig-not-root-owned", "1.1.18", ["controller-manager-kubeconfig"], "owner", "root:root",
     "the kube-controller-manager kubeconfig (--kubeconfig, default /etc/kubernetes/controller-manager.conf)", "/etc/kubernetes/controller-manager.conf"),
    ("pki-not-root-owned", "1.1.19", ["pki-dir", "pki-file", "pki-cert", "pki-key"], "owner", "root:root",
     "the PKI directory (the directory of kube-apiserver --client-ca-file, default /etc/kubernetes/pki) and every file under it", "/etc/kubernetes/pki/ca.crt"),
    ("pki-certificate-permissive", "1.1.20", ["pki-cert"], "mode_at_most", "644",
     "certificates (*.crt) under the PKI directory", "/etc/kubernetes/pki/ca.crt"),
    ("pki-key-permissive", "1.1.21", ["pki-key"], "mode_at_most", "600",
     "private keys (*.key) under the PKI directory", "/etc/kubernetes/pki/ca.key"),
    ("kubelet-service-file-permissive", "4.1.1", ["kubelet-service"], "mode_at_most", "600",
     "the kubelet systemd drop-in 10-kubeadm.conf (under /etc/systemd/system or /usr/lib/systemd/system)", "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"),
    ("kubelet-service-file-not-root-owned", "4.1.2", ["kubelet-service"], "owner", "root:root",
     "the kubelet systemd drop-in 10-kubeadm.conf (under /etc/systemd/system or /usr/lib/systemd/system)", "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"),
    ("proxy-kubeconfig-permissive", "4.1.3", ["proxy-kubeconfig"], "mode_at_most", "600",
     "the kube-proxy kubeconfig (--kubeconfig, default /etc/kubernetes/proxy.conf) when it is a file on the node", "/etc/kubernetes/proxy.conf"),
    ("proxy-kubeconfig-not-root-owned", "4.1.4", ["proxy-kubeconfig"], "owner", "root:root",
     "the kube-proxy kubeconfig (--kubeconfig, default /etc/kubernetes/proxy.conf) when it is a file on the node", "/etc/kubernetes/proxy.conf"),
    ("kubelet-kubeconfig-permissive", "4.1.5", ["kubelet-kubeconfig"], "mode_at_most", "600",
     "the kubelet kubeconfig (kubelet --kubeconfig, default /etc/kubernetes/kubelet.conf)", "/etc/kubernetes/kubelet.conf"),
    ("kubelet-kubeconfig-not-root-owned", "4.1.6", ["kubelet-kubeconfig"], "owner", "root:root",
     "the kubelet kubeconfig (kubelet --kubeconfig, default /etc/kubernetes/kubelet.conf)", "/etc/kubernetes/kubelet.conf"),
    ("kubelet-client-ca-permissive", "4.1.7", ["kubelet-client-ca"], "mode_at_most", "644",
     "the kubelet client CA file (effective clientCAFile, default /etc/kubernetes/pki/ca.crt)", "/etc/kubernetes/pki/ca.crt"),
    ("kubelet-client-ca-not-root-owned", "4.1.8", ["kubelet-client-ca"], "owner", "root:root",
     "the kubelet client CA file (effective clientCAFile, default /etc/kubernetes/pki/ca.crt)", "/etc/kubernetes/pki/ca.crt"),
    ("kubelet-config-file-permissive", "4.1.9", ["kubelet-config"], "mode_at_most", "600",
     "the kubelet config file (the file kubelet --config names; none when the kubelet runs on flags)", "/var/lib/kubelet/config.yaml"),
    ("kubelet-config-file-not-root-owned", "4.1.10", ["kubelet-config"], "owner", "root:root",
     "the kubelet config file (the file kubelet --config names; none when the kubelet runs on flags)", "/var/lib/kubelet/config.yaml"),
]

CIPHERS = ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
           "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
           "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]

# id, item, severity, title, conditions, rationale, remediation (bad, good), pass values, fail values
KUBELET = [
    ("kubelet-anonymous-auth-enabled", "4.2.1", "high", "Kubelet accepts anonymous requests",
     [dict(key="authentication.anonymous.enabled", op="eq", value=False, default=False, flag_default=True)],
     "With anonymous authentication on, anyone who reaches the kubelet port (10250) is served as system:anonymous; with a permissive authorization mode that means reading pod logs, exec into containers and node-level secrets.",
     ("authentication: {anonymous: {enabled: true}}   or   kubelet --anonymous-auth=true",
      "authentication: {anonymous: {enabled: false}}  and no --anonymous-auth=true flag"),
     {"authentication.anonymous.enabled": False}, {"authentication.anonymous.enabled": True}),
    ("kubelet-authorization-always-allow", "4.2.2", "critical", "Kubelet authorizes every request",
     [dict(key="authorization.mode", op="not_in", value=["AlwaysAllow"], default="Webhook", flag_default="AlwaysAllow")],
     "AlwaysAllow lets every caller that authenticates (or every anonymous caller) use the whole kubelet API: exec, attach, port-forward and logs of every pod on the node.",
     ("authorization: {mode: AlwaysAllow}   or   kubelet --authorization-mode=AlwaysAllow",
      "authorization: {mode: Webhook}"),
     {"authorization.mode": "Webhook"}, {"authorization.mode": "AlwaysAllow"}),
    ("kubelet-client-ca-file-missing", "4.2.3", "high", "Kubelet has no client CA",
     [dict(key="authentication.x509.clientCAFile", op="exists")],
     "Without a client CA the kubelet cannot authenticate the API server and other clients by certificate, so callers fall back to tokens or anonymous access.",
     ("authentication: {x509: {}}", "authentication: {x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}}"),
     {"authentication.x509.clientCAFile": "/etc/kubernetes/pki/ca.crt"}, {}),
    ("kubelet-read-only-port-open", "4.2.4", "medium", "Kubelet read-only port open",
     [dict(key="readOnlyPort", op="eq", value=0, default=0, flag_default=10255)],
     "The read-only port (10255) serves pod specs, node metrics and other details without any authentication or authorization.",
     ("readOnlyPort: 10255   or   kubelet --read-only-port=10255", "readOnlyPort: 0"),
     {"readOnlyPort": 0}, {"readOnlyPort": 10255}),
    ("kubelet-streaming-idle-timeout-disabled", "4.2.5", "low", "Kubelet streaming connections never time out",
     [dict(key="streamingConnectionIdleTimeout", op="gte", value="1s", default="4h0m0s", zero_is_default=True)],
     "A timeout of 0 keeps idle exec, attach and port-forward sessions open forever, which exhausts resources and leaves forgotten sessions usable.",
     ("kubelet --streaming-connection-idle-timeout=0 (in the config file, 0s means the 4h default)", "streamingConnectionIdleTimeout: 5m0s"),
     {"streamingConnectionIdleTimeout": "5m0s"}, {"streamingConnectionIdleTimeout": "0s"}),
    ("kubelet-iptables-util-chains-disabled", "4.2.6", "low", "Kubelet does not manage its iptables chains",
     [dict(key="makeIPTablesUtilChains", op="eq", value=True, default=True)],
     "When the kubelet does not keep its iptables utility chains, networking rules can drift from what the kubelet and kube-proxy expect.",
     ("makeIPTablesUtilChains: false", "makeIPTablesUtilChains: true (or unset)"),
     {"makeIPTablesUtilChains": True}, {"makeIPTablesUtilChains": False}),
    ("kubelet-event-qps-negative", "4.2.8", "low", "Kubelet event rate limit misconfigured",
     [dict(key="eventRecordQPS", op="gte", value=0, default=50)],
     "eventRecordQPS bounds how many events the kubelet records; an invalid (negative) value makes event capture unpredictable, and events are audit evidence of what happened on the node.",
     ("eventRecordQPS: -1", "eventRecordQPS: 50 (or 0 for unlimited, after review)"),
     {"eventRecordQPS": 50}, {"eventRecordQPS": -1}),
    ("kubelet-tls-cert-missing", "4.2.9", "medium", "Kubelet serves without a configured certificate",
     [dict(key="tlsCertFile", op="exists"), dict(key="tlsPrivateKeyFile", op="exists")],
     "Without a configured serving certificate the kubelet generates a self-signed one, which the API server cannot verify, so connections to the kubelet can be intercepted.",
     ("(no tlsCertFile / tlsPrivateKeyFile)", "tlsCertFile: /var/lib/kubelet/pki/kubelet.crt\ntlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key"),
     {"tlsCertFile": "/var/lib/kubelet/pki/kubelet.crt", "tlsPrivateKeyFile": "/var/lib/kubelet/pki/kubelet.key"}, {"tlsCertFile": "/var/lib/kubelet/pki/kubelet.crt"}),
    ("kubelet-certificate-rotation-disabled", "4.2.10", "medium", "Kubelet client certificate rotation off",
     [dict(key="rotateCertificates", op="eq", value=True, default=False)],
     "Without rotation the kubelet keeps using its client certificate until it expires, and then the node drops out of the cluster; long-lived certificates also widen the window for a stolen one.",
     ("rotateCertificates: false (or unset: the default is false)", "rotateCertificates: true"),
     {"rotateCertificates": True}, {"rotateCertificates": False}),
    ("kubelet-server-cert-rotation-disabled", "4.2.11", "medium", "Kubelet serving certificate rotation disabled",
     [dict(key="featureGates.RotateKubeletServerCertificate", op="ne", value=False, default=True)],
     "With the RotateKubeletServerCertificate feature gate off the kubelet cannot renew its serving certificate through the API server.",
     ("featureGates: {RotateKubeletServerCertificate: false}", "(gate unset, or true)"),
     {"featureGates.RotateKubeletServerCertificate": True}, {"featureGates.RotateKubeletServerCertificate": False}),
    ("kubelet-weak-tls-cipher-suites", "4.2.12", "medium", "Kubelet allows weak TLS cipher suites",
     [dict(key="tlsCipherSuites", op="subset_of", value=CIPHERS)],
     "Unset, the kubelet accepts Go's default suites, which include CBC-mode and non-forward-secret suites; an explicit list of ECDHE AEAD suites removes them.",
     ("(tlsCipherSuites unset) or a list with TLS_RSA_WITH_AES_128_CBC_SHA", "tlsCipherSuites: [" + ", ".join(CIPHERS[:2]) + ", ...]"),
     {"tlsCipherSuites": CIPHERS[:2]}, {"tlsCipherSuites": ["TLS_RSA_WITH_AES_128_CBC_SHA"]}),
    ("kubelet-pod-pids-unlimited", "4.2.13", "low", "No limit on pod PIDs",
     [dict(key="podPidsLimit", op="gte", value=1, default=-1)],
     "Without a PID limit one pod can fork until the node runs out of process ids, starving the kubelet and every other pod (a fork bomb is a denial of service on the node).",
     ("podPidsLimit: -1 (or unset)", "podPidsLimit: 4096"),
     {"podPidsLimit": 4096}, {"podPidsLimit": -1}),
    ("kubelet-seccomp-default-disabled", "4.2.14", "medium", "Kubelet does not apply RuntimeDefault seccomp",
     [dict(key="seccompDefault", op="eq", value=True, default=False)],
     "Without seccompDefault, containers that do not ask for a seccomp profile run unconfined, with every system call available to an attacker who gets code execution.",
     ("seccompDefault: false (or unset)", "seccompDefault: true"),
     {"seccompDefault": True}, {"seccompDefault": False}),
]

def yq(v):
    return json.dumps(v)

def block(text, indent):
    pad = " " * indent
    return "\n".join(pad + l if l else "" for l in text.splitlines())

def node(name, files=(), kubelet=None, components=(), role="worker"):
    d = {"kind": "KubeattestNodeFacts", "facts_version": 1, "node": name,
         "collected_at": "2026-11-24T12:00:00Z", "root": "/host", "proc": "/proc",
         "roles": [role], "components": list(components), "files": list(files), "errors": []}
    if kubelet is not None:
        d["kubelet"] = kubelet
    return d

def snapshot(comment, nodes):
    return {"comment": comment, "kind": "KubeattestSnapshot", "snapshot_version": 1,
            "created_at": "2026-11-24T12:00:00Z", "target": {"name": "fixture", "source": "nodes"},
            "complete": True, "objects": [], "node_facts": nodes}

def ff(role, path, mode, owner, group, uid, gid, typ="file"):
    return {"role": role, "path": path, "state": "present", "file_type": typ, "mode": mode,
            "owner": owner, "group": group, "uid": uid, "gid": gid, "from": "default path"}

def write(check, status, case, doc):
    d = os.path.join("tests/fixtures/checks", check, status)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, case + ".snapshot.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

def kubelet_facts(values, config="/var/lib/kubelet/config.yaml"):
    return {"command_line": "process /usr/bin/kubelet pid 100 (/proc/100/cmdline)",
            "config_file": config,
            "values": {k: {"value": v, "source": {"type": "config_file", "path": config}} for k, v in values.items()}}

out = ["# Node checks: mode and owner of the files the CIS benchmark names, and the kubelet's",
       "# effective configuration. All decide from node facts written by `kubeattest node`",
       "# (scan them with `kubeattest scan --node-facts`). Generated by scripts/gen-node-checks.py.",
       "checks:"]
for cid, item, roles, op, value, what, path in FILES:
    is_mode = op == "mode_at_most"
    short = what.split(" (")[0]
    short = short[4:] if short.startswith("the ") else short
    dirlike = "dir" in roles[0] and roles[0] != "pki-dir" or roles[0] == "etcd-data-dir"
    if is_mode:
        title = f"Permissions on {short} wider than {value}"
        desc = f"Reads the mode of {what} on every scanned node and requires that it grant no permission bit beyond {value}."
        rat = ("Whoever can write this file changes what the cluster runs or trusts; whoever can read it may "
               "learn credentials or configuration meant for administrators only.")
        rem = f"Bad:   stat -c %a {path}  →  644\nGood:  chmod {value} {path}"
    else:
        title = f"{short[0].upper() + short[1:]} not owned by {value}"
        desc = f"Reads the owner and group of {what} on every scanned node (names from the node's /etc/passwd and /etc/group) and requires {value}."
        rat = ("A file owned by another account can be rewritten by that account, or by anyone who compromises it, "
               "without root privileges on the node.")
        rem = f"Bad:   stat -c %U:%G {path}  →  kube:kube\nGood:  chown {value} {path}"
    sev = "high" if roles[0] in ("apiserver-manifest", "etcd-manifest", "admin-kubeconfig", "pki-key", "etcd-data-dir") else "medium"
    out += [f"  - id: {cid}", f"    title: {yq(title)}", f"    severity: {sev}",
            f"    description: >-\n{block(desc, 6)}", f"    rationale: >-\n{block(rat, 6)}",
            f"    remediation: |\n{block(rem, 6)}",
            "    limits: >-\n      A file that does not exist on a node is not_applicable there (the node does not run that\n      component, or keeps it elsewhere); the path comes from the component's flag when it gives one.",
            "    references:", f"      - CIS Kubernetes Benchmark v1.12 {item}",
            "    assert:", "      kind: file", f"      files: [{', '.join(roles)}]", "      expect:",
            f"        - {{ op: {op}, value: {yq(value)} }}", ""]
    # fixtures
    bad_mode = "0644" if value != "644" else "0666"
    good_mode = "0600" if value in ("600", "644") else "0700"
    good_owner = value.split(":")
    good_id = 990 if good_owner[0] == "etcd" else 0
    typ = "dir" if roles[0] in ("etcd-data-dir", "pki-dir") else "file"
    r = roles[-1] if roles[0] == "pki-dir" else roles[0]
    p_ = path
    if is_mode:
        write(cid, "pass", f"mode-{good_mode}", snapshot(f"pass: mode {good_mode} grants nothing beyond {value}",
              [node("cp-1", [ff(r, p_, good_mode, "root", "root", 0, 0, typ)], role="control-plane")]))
        write(cid, "fail", f"mode-{bad_mode}", snapshot(f"fail: mode {bad_mode} grants more than {value}",
              [node("cp-1", [ff(r, p_, bad_mode, "root", "root", 0, 0, typ)], role="control-plane")]))
    else:
        write(cid, "pass", "owned-as-expected", snapshot(f"pass: owned by {value}",
              [node("cp-1", [ff(r, p_, good_mode, good_owner[0], good_owner[1], good_id, good_id, typ)], role="control-plane")]))
        write(cid, "fail", "owned-by-other-user", snapshot(f"fail: owned by kube:kube (uid 1000), not {value}",
              [node("cp-1", [ff(r, p_, good_mode, "kube", "kube", 1000, 1000, typ)], role="control-plane")]))
    absent = {"role": r, "path": p_, "state": "absent", "from": "default path"}
    write(cid, "not_applicable", "file-absent", snapshot("not_applicable: the file does not exist on the node",
          [node("w-1", [absent])]))

for cid, item, sev, title, conds, rat, (bad, good), pv, fv in KUBELET:
    keys = ", ".join(f"`{c['key']}`" for c in conds)
    desc = (f"Reads {keys} from the kubelet's effective configuration on every scanned node (the --config file, "
            f"then --config-dir drop-ins, then command-line flags, which win) and requires " +
            "; ".join(f"{c['op']} {json.dumps(c['value']) if 'value' in c else ''}".strip() for c in conds) + ".")
    out += [f"  - id: {cid}", f"    title: {yq(title)}", f"    severity: {sev}",
            f"    description: >-\n{block(desc, 6)}", f"    rationale: >-\n{block(rat, 6)}",
            f"    remediation: |\n      In the kubelet config file (KubeletConfiguration), and remove any flag that overrides it:\n      Bad:   {bad}\n{block('Good:  ' + good, 6)}",
            "    limits: >-\n      A kubelet the collector could not see (no host PID namespace) is an error, not a pass.",
            "    references:", f"      - CIS Kubernetes Benchmark v1.12 {item}",
            "      - https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
            "    assert:", "      kind: kubelet_config", "      expect:"]
    for c in conds:
        parts = [f"key: {c['key']}", f"op: {c['op']}"]
        if "value" in c: parts.append(f"value: {yq(c['value'])}")
        if "default" in c: parts.append(f"default: {yq(c['default'])}")
        if "flag_default" in c: parts.append(f"flag_default: {yq(c['flag_default'])}")
        if c.get("zero_is_default"): parts.append("zero_is_default: true")
        out.append("        - { " + ", ".join(parts) + " }")
    out.append("")
    write(cid, "pass", "config-file-complies", snapshot("pass: the config file sets a compliant value",
          [node("w-1", kubelet=kubelet_facts(pv))]))
    write(cid, "fail", "config-file-value", snapshot("fail: the config file sets a non-compliant (or no) value",
          [node("w-1", kubelet=kubelet_facts(fv))]))
    write(cid, "error", "no-kubelet-seen", snapshot("error: no kubelet process was seen on the node",
          [node("w-1")]))

FLAG_CHECKS = """  - id: kubelet-hostname-override-set
    title: Kubelet overrides its node name
    severity: low
    description: >-
      Flags a kubelet started with `--hostname-override`, read from the kubelet's command line in
      node facts. The setting exists only as a flag.
    rationale: >-
      A node name that differs from the host name breaks the link between the TLS serving
      certificate, the Node object and the machine, which can make certificate checks between
      the API server and kubelets fail or be switched off.
    remediation: |
      Bad:   kubelet --hostname-override=worker-a ...
      Good:  kubelet ... (no --hostname-override; set the host name itself)
    limits: >-
      Some cloud providers require the flag; record an exception naming the provider.
    references:
      - CIS Kubernetes Benchmark v1.12 4.2.7
    assert:
      kind: flag
      component: kubelet
      expect:
        - { flag: --hostname-override, op: absent }

  - id: kube-proxy-metrics-exposed
    title: kube-proxy serves metrics beyond localhost
    severity: low
    description: >-
      Reads `--metrics-bind-address` of kube-proxy (node facts: the kube-proxy process, or its
      pod) and requires a loopback address. Unset, kube-proxy binds 127.0.0.1:10249.
    rationale: >-
      The metrics endpoint is unauthenticated; bound to all interfaces it tells anyone on the
      network about the node's services and endpoints.
    remediation: |
      Bad:   kube-proxy --metrics-bind-address=0.0.0.0:10249
      Good:  kube-proxy --metrics-bind-address=127.0.0.1:10249 (or unset)
    limits: >-
      kube-proxy usually reads a KubeProxyConfiguration (metricsBindAddress) from a ConfigMap
      mounted in its pod; that file is not visible from the node, only flags are.
    references:
      - CIS Kubernetes Benchmark v1.12 4.3.1
    assert:
      kind: flag
      component: kube-proxy
      expect:
        - { flag: --metrics-bind-address, op: matches, value: '^(127\\.0\\.0\\.1|localhost|\\[::1\\]):', default: "127.0.0.1:10249" }
"""
out.append(FLAG_CHECKS)

# streamingConnectionIdleTimeout: 0s in the file means the default (4h): that passes; only a
# flag of 0 disables the timeout.
sk = kubelet_facts({"streamingConnectionIdleTimeout": "0s"})
write("kubelet-streaming-idle-timeout-disabled", "pass", "config-file-0s-means-default",
      snapshot("pass: 0s in the config file is replaced by the kubelet default (4h)", [node("w-1", kubelet=sk)]))
fk = kubelet_facts({})
fk["values"]["streamingConnectionIdleTimeout"] = {"value": 0, "source": {"type": "flag", "flag": "--streaming-connection-idle-timeout", "location": "process /usr/bin/kubelet pid 100 (/proc/100/cmdline)"},
    "overrides": [{"value": "5m0s", "source": {"type": "config_file", "path": "/var/lib/kubelet/config.yaml"}}]}
os.remove("tests/fixtures/checks/kubelet-streaming-idle-timeout-disabled/fail/config-file-value.snapshot.json")
write("kubelet-streaming-idle-timeout-disabled", "fail", "flag-zero-overrides-file",
      snapshot("fail: --streaming-connection-idle-timeout=0 on the command line overrides 5m0s from the config file", [node("w-1", kubelet=fk)]))

def proc(component, args, exe=None):
    return {"component": component, "source": "process", "pid": 100,
            "location": "/proc/100/cmdline", "executable": exe or "/usr/bin/" + component, "args": args}

write("kubelet-hostname-override-set", "pass", "no-flag", snapshot("pass: kubelet runs without --hostname-override",
      [node("w-1", components=[proc("kubelet", ["--config=/var/lib/kubelet/config.yaml"])])]))
write("kubelet-hostname-override-set", "fail", "flag-set", snapshot("fail: kubelet --hostname-override=worker-a",
      [node("w-1", components=[proc("kubelet", ["--hostname-override=worker-a"])])]))
write("kube-proxy-metrics-exposed", "pass", "flag-unset-default-loopback", snapshot("pass: unset, kube-proxy binds 127.0.0.1:10249",
      [node("w-1", components=[proc("kube-proxy", ["--config=/var/lib/kube-proxy/config.conf"])])]))
write("kube-proxy-metrics-exposed", "fail", "all-interfaces", snapshot("fail: --metrics-bind-address=0.0.0.0:10249",
      [node("w-1", components=[proc("kube-proxy", ["--metrics-bind-address=0.0.0.0:10249"])])]))
write("kube-proxy-metrics-exposed", "not_applicable", "no-kube-proxy", snapshot("not_applicable: no node runs kube-proxy (e.g. Cilium kube-proxy replacement)",
      [node("w-1", components=[proc("kubelet", [])])]))

open("controls/checks/node.yaml", "w").write("\n".join(out))
