#!/usr/bin/env bash
# Benchmark: scan N synthetic workloads from manifest files and report wall time and peak RSS.
#
#   benches/manifests-scale.sh [N]      (default N=10000; builds the release binary first)
#
# The workloads are Deployments with two containers each, half of them with typical flaws,
# spread over 100 files; every check of every framework runs over them.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
cargo build --release -q
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$N" "$work/manifests" <<'PY'
import os, sys
n, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out)
per_file = max(1, n // 100)
for f in range(0, n, per_file):
    with open(f"{out}/apps-{f // per_file:03}.yaml", "w") as fh:
        for i in range(f, min(n, f + per_file)):
            bad = i % 2 == 0
            sc = "privileged: true" if bad else "allowPrivilegeEscalation: false\n              readOnlyRootFilesystem: true\n              runAsNonRoot: true\n              capabilities: {drop: [ALL]}"
            fh.write(f"""---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: ns-{i % 50}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}}}}}
    spec:
      hostNetwork: {str(bad).lower()}
      containers:
        - name: main
          image: registry.example.com/app:{'latest' if bad else '1.2.3'}
          securityContext:
              {sc}
          resources: {{limits: {{cpu: 500m, memory: 256Mi}}}}
        - name: sidecar
          image: registry.example.com/proxy@sha256:0123
""")
PY
echo "workloads: $N ($(du -sh "$work/manifests" | cut -f1) of YAML)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" ./target/release/kubeattest scan \
  --manifests "$work/manifests" --out "$work/report" --quiet
ls -l "$work/report" | awk 'NR>1 {print "  " $9 ": " $5 " bytes"}'
