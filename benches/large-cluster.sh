#!/usr/bin/env bash
# Live clusters at scale, served by the in-process test API server (tests/support/):
#
#   benches/large-cluster.sh                 # 100,000 mixed objects (bare pods included),
#                                            # json, json+csv and all formats; then 50,000
#                                            # controller-owned Pods (scan json + snapshot)
#
# The server builds each synthetic object on its first listing and keeps its JSON text, so
# the mixed cluster's first scan (marked) also measures the server; the scans after it
# measure the scanner, TLS and HTTP.
#   benches/large-cluster.sh 20000 10000     # mixed objects, synthetic Pods
#
# Prints wall time, peak RSS (GNU time at /usr/bin/time) and report size per run.
set -euo pipefail
cd "$(dirname "$0")/.."
OBJECTS="${1:-100000}"
PODS="${2:-50000}"
KUBEATTEST_SYNTHETIC_OBJECTS="$OBJECTS" KUBEATTEST_SYNTHETIC_PODS="$PODS" \
  cargo test --release --test cluster_scale -- --ignored --nocapture --test-threads 1 2>&1 |
  grep -E "mixed cluster:|synthetic pods|snapshot:|test result|panicked"
