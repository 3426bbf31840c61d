#!/usr/bin/env python3
"""Writes src/collect/demo/node-facts.json: node facts for the demo cluster's nodes (cp-1,
worker-1, worker-2), as `kubeattest node` would collect them. Run from the repository root
as root (it chowns) after `cargo build`. The static pods on cp-1 are the demo's mirror pods
(so node and API findings agree); the kubelet config is the demo's kubelet-config ConfigMap.
Intended flaws: admin.conf 0644, /var/lib/etcd owned by root (as kubeadm leaves it),
worker-2's kubelet.conf 0644 (inconsistent with worker-1)."""
import json, os, re, shutil, subprocess, tempfile

DEMO = "src/collect/demo"

def docs(path):
    return [d for d in open(path).read().split("\n---\n")]

cp_text = open(f"{DEMO}/control-plane.yaml").read()
pods = {}
for d in cp_text.split("\n---\n"):
    m = re.search(r"^kind: Pod$", d, re.M)
    n = re.search(r"^  name: (\S+)-cp-1$", d, re.M)
    if m and n:
        # Keep the document from `apiVersion:` on (drop the leading comments).
        pods[n.group(1)] = d[d.index("apiVersion:"):] + "\n"
cm = open(f"{DEMO}/configmaps.yaml").read()
kubelet_cfg = cm.split("name: kubelet-config", 1)[1].split("  kubelet: |\n", 1)[1].split("\n---", 1)[0]
kubelet_cfg = "\n".join(l[4:] for l in kubelet_cfg.splitlines()) + "\n"

def put(root, path, text, mode=0o600, owner=(0, 0)):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
    os.chmod(full, mode)
    os.chown(full, *owner)

def proc(root, pid, argv):
    d = os.path.join(root, "proc", str(pid))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "cmdline"), "wb") as f:
        f.write(b"\0".join(a.encode() for a in argv) + b"\0")

def base(root):
    put(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\netcd:x:990:990::/var/lib/etcd:/usr/sbin/nologin\n", 0o644)
    put(root, "/etc/group", "root:x:0:\netcd:x:990:\n", 0o644)
    put(root, "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "[Service]\n", 0o644)
    put(root, "/etc/kubernetes/kubelet.conf", "apiVersion: v1\nkind: Config\n")
    put(root, "/etc/kubernetes/pki/ca.crt", "demo\n", 0o644)
    put(root, "/var/lib/kubelet/config.yaml", kubelet_cfg, 0o644 if False else 0o600)
    put(root, "/etc/cni/net.d/10-flannel.conflist", "{}\n", 0o644)
    proc(root, 1, ["/sbin/init"])
    proc(root, 811, ["/usr/bin/kubelet", "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                     "--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml",
                     "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock",
                     "--pod-infra-container-image=registry.k8s.io/pause:3.10"])

facts = []
for name in ["cp-1", "worker-1", "worker-2"]:
    root = tempfile.mkdtemp()
    os.chmod(root, 0o755)
    base(root)
    if name == "cp-1":
        for c, text in pods.items():
            put(root, f"/etc/kubernetes/manifests/{c}.yaml", text)
        put(root, "/etc/kubernetes/admin.conf", "apiVersion: v1\nkind: Config\n", 0o644)
        put(root, "/etc/kubernetes/super-admin.conf", "apiVersion: v1\nkind: Config\n")
        put(root, "/etc/kubernetes/scheduler.conf", "apiVersion: v1\nkind: Config\n")
        put(root, "/etc/kubernetes/controller-manager.conf", "apiVersion: v1\nkind: Config\n")
        for k in ["ca.key", "apiserver.key", "sa.key", "etcd/ca.key"]:
            put(root, f"/etc/kubernetes/pki/{k}", "demo\n")
        for c in ["apiserver.crt", "etcd/ca.crt", "sa.pub"]:
            put(root, f"/etc/kubernetes/pki/{c}", "demo\n", 0o644)
        put(root, "/var/lib/etcd/member/snap/db", "demo\n")
        os.chmod(os.path.join(root, "var/lib/etcd"), 0o700)
    if name == "worker-2":
        os.chmod(os.path.join(root, "etc/kubernetes/kubelet.conf"), 0o644)
    out = subprocess.run(["./target/debug/kubeattest", "node", "--root", root, "--node-name", name, "--compact"],
                         check=True, capture_output=True, text=True).stdout
    text = out.replace(root + "/proc", "/proc").replace('"root":"' + root + '"', '"root":"/host"')
    d = json.loads(text)
    d["collected_at"] = "2026-01-20T08:00:00Z"
    facts.append(d)
    shutil.rmtree(root)
with open(f"{DEMO}/node-facts.json", "w") as f:
    json.dump(facts, f, indent=1)
    f.write("\n")
