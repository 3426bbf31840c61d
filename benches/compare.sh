#!/usr/bin/env bash
# Side-by-side benchmark: kubeattest (json, json+csv, all formats) and, when installed,
# checkov on the same generated manifests; prints wall time, peak RSS, output size, the
# CPU time, the checkov/kubeattest ratio, and the scaling exponent fitted over the mixed sets.
#
#   benches/compare.sh                 # sets 1000 10000 100000 (+ the 10,000-Deployment shape)
#   SETS="1000 10000" benches/compare.sh
#   CHECKOV_SETS="1000 10000" benches/compare.sh   # checkov on more sets (default: 1000)
#   CHECKOV=/path/to/checkov KUBEATTEST=/path/to/kubeattest benches/compare.sh
#   REPEAT=15 benches/compare.sh       # kubeattest runs per case on sets up to 10k (median kept)
#
# Inputs come from benches/generate.py (deterministic) and are cached under $BENCH_DIR
# (default /tmp/kubeattest-bench). Needs GNU time at /usr/bin/time and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SETS="${SETS:-1000 10000 100000}"
CHECKOV_SETS="${CHECKOV_SETS:-1000}"
REPEAT="${REPEAT:-9}"
BENCH_DIR="${BENCH_DIR:-/tmp/kubeattest-bench}"
KUBEATTEST="${KUBEATTEST:-./target/release/kubeattest}"
CHECKOV="${CHECKOV:-$(command -v checkov || true)}"
if [[ "$KUBEATTEST" == ./target/release/kubeattest ]]; then
  cargo build --release -q
fi
mkdir -p "$BENCH_DIR"
results="$BENCH_DIR/results.tsv"
: >"$results"

gen() { # shape n -> dir
  local dir="$BENCH_DIR/$1-$2"
  if [[ ! -f "$dir/.done" ]]; then
    rm -rf "$dir"
    python3 benches/generate.py "$1" "$2" "$dir" >&2
    touch "$dir/.done"
  fi
  echo "$dir"
}

# measure NAME SET OUT RUNS -- command…: runs the command RUNS times (OUT removed before each
# run), records the median wall time (ms resolution) and CPU time, the largest peak RSS, the
# highest exit status and the output bytes. A single short run says little on a shared
# host: at 1k objects the scan takes tens of milliseconds, the size of the host's jitter.
measure() {
  local name="$1" set="$2" out="$3" repeat="$4"
  shift 5
  local tfile="$BENCH_DIR/time.txt" runs="$BENCH_DIR/runs.txt" rc=0
  : >"$runs"
  for ((i = 0; i < repeat; i++)); do
    rm -rf "$out"
    set +e
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f "%M %U %S" -o "$tfile" "$@" >/dev/null 2>"$BENCH_DIR/stderr.txt"
    local r=$?
    t1=$(date +%s%N)
    ((r > rc)) && rc=$r # the worst exit of the runs, not only the last one's
    set -e
    # GNU time puts "Command exited with non-zero status N" first when the tool fails.
    read -r kib usr sys < <(tail -n 1 "$tfile")
    echo "$(( (t1 - t0) / 1000 )) $kib $(echo "$usr + $sys" | bc -l)" >>"$runs"
  done
  local wall kib cpu
  read -r wall kib cpu < <(python3 -c '
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(int(r[0]) for r in rows) / 1e6,
      max(int(r[1]) for r in rows),
      statistics.median(float(r[2]) for r in rows))' "$runs")
  local bytes=0
  [[ -e "$out" ]] && bytes=$(du -sb "$out" | cut -f1)
  printf "%-22s %-16s %8.3f s %8.2f s %8.0f MiB %10.1f MB  exit %s  (median of %s)\n" \
    "$name" "$set" "$wall" "$cpu" "$((kib / 1024))" "$(echo "$bytes / 1000000" | bc -l)" "$rc" "$repeat"
  printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$name" "$set" "$wall" "$kib" "$bytes" "$cpu" >>"$results"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
echo "kubeattest: $("$KUBEATTEST" --version) ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
[[ -n "$CHECKOV" ]] && echo "checkov: $("$CHECKOV" --version 2>/dev/null)"
printf "%-22s %-16s %10s %10s %12s %13s\n" tool set wall "CPU" "peak RSS" output
for n in $SETS; do
  dir=$(gen mixed "$n")
  objs="mixed-$n"
  # Runs under a second are repeated (REPEAT, default 9) and their median is kept.
  reps=$(( n <= 10000 ? REPEAT : 1 ))
  measure kubeattest-json "$objs" "$BENCH_DIR/out" "$reps" -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format json --quiet
  measure kubeattest-json+csv "$objs" "$BENCH_DIR/out" "$reps" -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format json,csv --quiet
  measure kubeattest-all "$objs" "$BENCH_DIR/out" "$reps" -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format all --quiet
  if [[ -n "$CHECKOV" && " $CHECKOV_SETS " == *" $n "* ]]; then
    measure checkov "$objs" "$BENCH_DIR/checkov.json" 1 -- sh -c \
      "'$CHECKOV' -d '$dir' --framework kubernetes --quiet --compact -o json > '$BENCH_DIR/checkov.json'"
  fi
done
if [[ "${DEPLOYMENTS:-10000}" != 0 ]]; then
  dir=$(gen deployments "${DEPLOYMENTS:-10000}")
  objs="deployments-${DEPLOYMENTS:-10000}"
  measure kubeattest-json+csv "$objs" "$BENCH_DIR/out" 1 -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format json,csv --quiet
  measure kubeattest-all "$objs" "$BENCH_DIR/out" 1 -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format all --quiet
fi
rm -rf "$BENCH_DIR/out"

python3 - "$results" <<'PY'
import math, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for tool, s, wall, kib, size, cpu in rows:
    by.setdefault(tool, {})[s] = (float(wall), int(kib), int(size), float(cpu))
k = by.get("kubeattest-json", {})
c = by.get("checkov", {})
for s in sorted(c):
    if s in k:
        print(f"ratio checkov / kubeattest-json on {s}: {c[s][0] / max(k[s][0], 0.005):.0f}x wall, "
              f"{c[s][3] / max(k[s][3], 0.005):.0f}x CPU")
def fit(points):
    # least-squares slope of log(y) over log(n)
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(y, 1e-3)) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float("nan")
for tool, sets in sorted(by.items()):
    pts = [(int(s.split("-")[1]), v) for s, v in sets.items() if s.startswith("mixed-")]
    if len(pts) >= 2:
        t = fit([(n, v[0]) for n, v in pts])
        m = fit([(n, v[1]) for n, v in pts])
        print(f"scaling exponent {tool}: time n^{t:.2f}, peak RSS n^{m:.2f} "
              f"(over {', '.join(str(n) for n, _ in sorted(pts))} objects)")
PY
