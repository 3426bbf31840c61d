#!/usr/bin/env bash
# Peak memory of a live scan and a snapshot of a large synthetic cluster (default 50,000 Pods,
# or the number given), served by the in-process test API server; prints peak RSS and time.
# Needs GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBEATTEST_SYNTHETIC_PODS="${1:-50000}" \
  cargo test --release --test cluster_scale -- --ignored --nocapture 2>&1 |
  grep -E "synthetic pods|snapshot:|test result|panicked"
