#!/usr/bin/env python3
"""Writes the node fixture roots under tests/fixtures/nodes/ (run from the repository root).

Each root is a node's `/` with a fake `proc/<pid>/cmdline` (NUL-separated, as the kernel
writes it). Git keeps neither modes nor owners, so `<root>.modes` lists them
(`path mode uid:gid`); tests/node.rs copies a root to a temp dir and applies them.
Unlisted files get 0644 0:0, directories 0755 0:0."""
import os, shutil

BASE = "tests/fixtures/nodes"
APISERVER_GOOD = [
    "--advertise-address=10.0.0.10", "--allow-privileged=true", "--anonymous-auth=false",
    "--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/ca.crt",
    "--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs",
    "--admission-control-config-file=/etc/kubernetes/admission.yaml",
    "--enable-bootstrap-token-auth=true", "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
    "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
    "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
    "--etcd-servers=https://127.0.0.1:2379",
    "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
    "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
    "--profiling=false", "--audit-log-path=/var/log/kubernetes/audit.log", "--audit-log-maxage=30",
    "--audit-log-maxbackup=10", "--audit-log-maxsize=100",
    "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
    "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
    "--service-account-lookup=true", "--service-account-extend-token-expiration=false",
    "--service-cluster-ip-range=10.96.0.0/12",
    "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
    "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
    "--encryption-provider-config=/etc/kubernetes/enc/encryption.yaml",
    "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
]
APISERVER_BAD = [a for a in APISERVER_GOOD if not a.startswith(("--anonymous-auth", "--profiling", "--audit-log-path"))]
CM = ["--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
      "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--bind-address=127.0.0.1",
      "--profiling=false", "--use-service-account-credentials=true", "--terminated-pod-gc-threshold=10",
      "--root-ca-file=/etc/kubernetes/pki/ca.crt", "--service-account-private-key-file=/etc/kubernetes/pki/sa.key"]
SCHED = ["--kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1", "--profiling=false"]
ETCD = ["--data-dir=/var/lib/etcd", "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
        "--key-file=/etc/kubernetes/pki/etcd/server.key", "--client-cert-auth=true",
        "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt", "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
        "--peer-client-cert-auth=true", "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"]

KUBELET_GOOD = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
readOnlyPort: 0
streamingConnectionIdleTimeout: 5m0s
makeIPTablesUtilChains: true
eventRecordQPS: 50
tlsCertFile: /var/lib/kubelet/pki/kubelet.crt
tlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key
rotateCertificates: true
featureGates:
  RotateKubeletServerCertificate: true
tlsCipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
podPidsLimit: 4096
seccompDefault: true
staticPodPath: /etc/kubernetes/manifests
"""
KUBELET_BAD = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: AlwaysAllow
readOnlyPort: 10255
staticPodPath: /etc/kubernetes/manifests
"""
DECOY = """# Not the config the kubelet uses on this node: a tool that reads this default path is wrong.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true
authorization:
  mode: AlwaysAllow
"""

def pod(name, binary, args):
    lines = ["apiVersion: v1", "kind: Pod", "metadata:", f"  name: {name}", "  namespace: kube-system",
             "spec:", "  hostNetwork: true", "  containers:", f"  - name: {name}",
             f"    image: registry.k8s.io/{name}:v1.33.4", "    command:", f"    - {binary}"]
    lines += [f"    - {a}" for a in args]
    return "\n".join(lines) + "\n"

def put(root, path, text):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)

def proc(root, pid, argv):
    full = os.path.join(root, "proc", str(pid), "cmdline")
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(b"\0".join(a.encode() for a in argv) + b"\0")

def common(root, host):
    put(root, "/etc/hostname", host + "\n")
    put(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\netcd:x:990:990:etcd user:/var/lib/etcd:/usr/sbin/nologin\nkube:x:1000:1000::/home/kube:/bin/bash\n")
    put(root, "/etc/group", "root:x:0:\netcd:x:990:\nkube:x:1000:\n")
    proc(root, 1, ["/usr/lib/systemd/systemd", "--system"])
    put(root, "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS\n")
    put(root, "/etc/kubernetes/kubelet.conf", "apiVersion: v1\nkind: Config\n")
    put(root, "/etc/kubernetes/pki/ca.crt", "-----BEGIN CERTIFICATE-----\nfixture\n-----END CERTIFICATE-----\n")
    put(root, "/etc/cni/net.d/10-calico.conflist", '{"name": "k8s-pod-network", "plugins": []}\n')

def control_plane(name, good):
    root = os.path.join(BASE, name)
    shutil.rmtree(root, ignore_errors=True)
    common(root, name)
    api = APISERVER_GOOD if good else APISERVER_BAD
    put(root, "/etc/kubernetes/manifests/kube-apiserver.yaml", pod("kube-apiserver", "kube-apiserver", api))
    put(root, "/etc/kubernetes/manifests/kube-controller-manager.yaml", pod("kube-controller-manager", "kube-controller-manager", CM))
    put(root, "/etc/kubernetes/manifests/kube-scheduler.yaml", pod("kube-scheduler", "kube-scheduler", SCHED))
    put(root, "/etc/kubernetes/manifests/etcd.yaml", pod("etcd", "etcd", ETCD))
    for f in ["admin.conf", "super-admin.conf", "scheduler.conf", "controller-manager.conf"]:
        put(root, "/etc/kubernetes/" + f, "apiVersion: v1\nkind: Config\n")
    for f in ["ca.key", "apiserver.crt", "apiserver.key", "sa.key", "sa.pub", "etcd/ca.crt", "etcd/ca.key"]:
        put(root, "/etc/kubernetes/pki/" + f, "fixture\n")
    put(root, "/var/lib/etcd/member/snap/db", "fixture\n")
    put(root, "/var/lib/kubelet/config.yaml", KUBELET_GOOD if good else KUBELET_BAD)
    kubelet = ["/usr/bin/kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf",
               "--config=/var/lib/kubelet/config.yaml",
               "--container-runtime-endpoint=unix:///run/containerd/containerd.sock"]
    if not good:
        kubelet.append("--anonymous-auth=true")
    proc(root, 100, kubelet)
    proc(root, 200, ["kube-apiserver"] + api)
    # Decoys: neither is kube-apiserver.
    proc(root, 300, ["/bin/sh", "-c", "kube-apiserver --profiling=true"])
    proc(root, 301, ["/usr/local/bin/kube-apiserver-proxy", "--profiling=true"])
    secret = "0600 0:0"
    modes = ["/etc/kubernetes/manifests/kube-apiserver.yaml", "/etc/kubernetes/manifests/kube-controller-manager.yaml",
             "/etc/kubernetes/manifests/kube-scheduler.yaml", "/etc/kubernetes/manifests/etcd.yaml",
             "/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf", "/etc/kubernetes/scheduler.conf",
             "/etc/kubernetes/controller-manager.conf", "/etc/kubernetes/kubelet.conf",
             "/etc/kubernetes/pki/ca.key", "/etc/kubernetes/pki/apiserver.key", "/etc/kubernetes/pki/sa.key",
             "/etc/kubernetes/pki/etcd/ca.key", "/var/lib/kubelet/config.yaml",
             "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "/etc/cni/net.d/10-calico.conflist"]
    lines = [f"{p} {secret}" for p in modes]
    lines += ["/var/lib/etcd 0700 990:990", "/var/lib/etcd/member 0700 990:990"]
    if not good:
        lines = [l.replace(" 0600 ", " 0644 ") for l in lines]
        lines += ["/etc/kubernetes/admin.conf 0644 1000:1000", "/var/lib/etcd 0755 0:0"]
    write_modes(name, lines)

def write_modes(name, lines):
    with open(os.path.join(BASE, name + ".modes"), "w") as f:
        f.write("# path mode uid:gid — applied by tests/node.rs after copying the root (git keeps neither).\n")
        f.write("\n".join(lines) + "\n")

def worker(name, kubelet_argv, files, modes):
    root = os.path.join(BASE, name)
    shutil.rmtree(root, ignore_errors=True)
    common(root, name)
    for p, t in files.items():
        put(root, p, t)
    proc(root, 100, kubelet_argv)
    proc(root, 150, ["/usr/local/bin/kube-proxy", "--kubeconfig=/etc/kubernetes/proxy.conf",
                     "--metrics-bind-address=127.0.0.1:10249"])
    put(root, "/etc/kubernetes/proxy.conf", "apiVersion: v1\nkind: Config\n")
    write_modes(name, modes)

os.makedirs(BASE, exist_ok=True)
control_plane("kubeadm-cp-good", True)
control_plane("kubeadm-cp-bad", False)
worker("worker", ["/usr/bin/kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml"],
       {"/var/lib/kubelet/config.yaml": KUBELET_GOOD.replace("staticPodPath: /etc/kubernetes/manifests\n", "")},
       ["/etc/kubernetes/kubelet.conf 0600 0:0", "/var/lib/kubelet/config.yaml 0600 0:0",
        "/etc/kubernetes/proxy.conf 0600 0:0", "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf 0600 0:0",
        "/etc/cni/net.d/10-calico.conflist 0600 0:0"])
worker("kubelet-flags-only", ["/usr/bin/kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf",
        "--anonymous-auth=false", "--authorization-mode=Webhook", "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        "--read-only-port=0", "--rotate-certificates=true"],
       {"/var/lib/kubelet/config.yaml": DECOY},
       ["/etc/kubernetes/kubelet.conf 0600 0:0", "/etc/kubernetes/proxy.conf 0600 0:0"])
worker("kubelet-custom-config", ["/opt/k8s/bin/kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf",
        "--config=/etc/kubelet/custom-config.yaml", "--config-dir=/etc/kubelet/config.d", "--read-only-port=10255"],
       {"/var/lib/kubelet/config.yaml": DECOY,
        "/etc/kubelet/custom-config.yaml": KUBELET_GOOD.replace("seccompDefault: true\n", "seccompDefault: false\n"),
        "/etc/kubelet/config.d/10-seccomp.conf": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nseccompDefault: true\n",
        "/etc/kubelet/config.d/README": "not a .conf file: ignored\n"},
       ["/etc/kubernetes/kubelet.conf 0600 0:0", "/etc/kubelet/custom-config.yaml 0600 0:0",
        "/var/lib/kubelet/config.yaml 0644 1000:1000"])
