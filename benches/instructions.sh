#!/usr/bin/env bash
# Instructions executed by a scan, counted by valgrind (cachegrind, no cache simulation), for
# comparing two builds where wall time cannot: on a shared 2-core host the same binary's wall
# time varies by 10-30 % from one run to the next, while instruction counts repeat to within
# a fraction of a percent. One thread (RAYON_NUM_THREADS=1), so the count does not include
# idle workers spinning; this measures work, not how well it spreads over cores.
#
#   benches/instructions.sh                                  # ./target/release/kubeattest, mixed-10000
#   benches/instructions.sh /tmp/old-kubeattest ./target/release/kubeattest
#   SET=1000 FORMATS=json benches/instructions.sh
#
# Valgrind hides the CPU's SHA extensions, so SHA-256 of the bundle runs in software there
# and counts for about 40 % of all instructions (natively it is about 5 % of the time). The
# script prints the total and the total without SHA-256; compare the latter.
set -euo pipefail
cd "$(dirname "$0")/.."
SET="${SET:-10000}"
FORMATS="${FORMATS:-json,csv}"
BENCH_DIR="${BENCH_DIR:-/tmp/kubeattest-bench}"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install -y valgrind)" >&2; exit 2; }
dir="$BENCH_DIR/mixed-$SET"
if [[ ! -f "$dir/.done" ]]; then
  rm -rf "$dir"
  python3 benches/generate.py mixed "$SET" "$dir" >&2
  touch "$dir/.done"
fi
bins=("$@")
if [[ ${#bins[@]} -eq 0 ]]; then
  cargo build --release -q
  bins=(./target/release/kubeattest)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf "%-40s %16s %16s\n" binary instructions "without SHA-256"
for bin in "${bins[@]}"; do
  out="$work/cg.out"
  RAYON_NUM_THREADS=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out" \
    "$bin" scan --manifests "$dir" --format "$FORMATS" --out "$work/report" --quiet --force \
    >/dev/null 2>&1 || true # a scan with failing findings exits non-zero
  [[ -f "$work/report/MANIFEST.json" ]] || { echo "$bin: the scan wrote no report" >&2; exit 1; }
  rm -rf "$work/report"
  # awk reads to the end: leaving early would kill cg_annotate with SIGPIPE, and with
  # pipefail the script would stop without a word.
  total=$(cg_annotate "$out" | awk '/PROGRAM TOTALS/ && !t {gsub(",", "", $1); t = $1} END {print t}')
  sha=$(cg_annotate "$out" | awk '/sha2::sha256::compress/ {gsub(",", "", $1); s += $1} END {printf "%.0f\n", s}')
  printf "%-40s %16s %16s\n" "$bin" "$total" "$((total - sha))"
done
