#!/usr/bin/env bash
# Side-by-side benchmark: kubeattest (json, json+csv, all formats) and, when installed,
# checkov on the same generated manifests; prints wall time, peak RSS, output size, the
# CPU time, the checkov/kubeattest ratio, and the scaling exponent fitted over the mixed sets.
#
#   benches/compare.sh                 # sets 1000 10000 100000 (+ the 10,000-Deployment shape)
#   SETS="1000 10000" benches/compare.sh
#   CHECKOV_SETS="1000 10000" benches/compare.sh   # checkov on more sets (default: 1000)
#   CHECKOV=/path/to/checkov KUBEATTEST=/path/to/kubeattest benches/compare.sh
#
# Inputs come from benches/generate.py (deterministic) and are cached under $BENCH_DIR
# (default /tmp/kubeattest-bench). Needs GNU time at /usr/bin/time and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SETS="${SETS:-1000 10000 100000}"
CHECKOV_SETS="${CHECKOV_SETS:-1000}"
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

# measure NAME SET -- command…: runs once, records wall s, peak RSS MiB, output bytes.
measure() {
  local name="$1" set="$2" out="$3"
  shift 4
  local tfile="$BENCH_DIR/time.txt"
  rm -rf "$out"
  set +e
  /usr/bin/time -f "%e %M %U %S" -o "$tfile" "$@" >/dev/null 2>"$BENCH_DIR/stderr.txt"
  local rc=$?
  set -e
  # GNU time puts "Command exited with non-zero status N" first when the tool fails.
  read -r wall kib usr sys < <(tail -n 1 "$tfile")
  local cpu
  cpu=$(echo "$usr + $sys" | bc -l)
  local bytes=0
  [[ -e "$out" ]] && bytes=$(du -sb "$out" | cut -f1)
  printf "%-22s %-16s %8.2f s %8.2f s %8.0f MiB %10.1f MB  exit %s\n" \
    "$name" "$set" "$wall" "$cpu" "$((kib / 1024))" "$(echo "$bytes / 1000000" | bc -l)" "$rc"
  printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$name" "$set" "$wall" "$kib" "$bytes" "$cpu" >>"$results"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
echo "kubeattest: $("$KUBEATTEST" --version) ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
[[ -n "$CHECKOV" ]] && echo "checkov: $("$CHECKOV" --version 2>/dev/null)"
printf "%-22s %-16s %10s %10s %12s %13s\n" tool set wall "CPU" "peak RSS" output
for n in $SETS; do
  dir=$(gen mixed "$n")
  objs="mixed-$n"
  measure kubeattest-json "$objs" "$BENCH_DIR/out" -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format json --quiet
  measure kubeattest-json+csv "$objs" "$BENCH_DIR/out" -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format json,csv --quiet
  measure kubeattest-all "$objs" "$BENCH_DIR/out" -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format all --quiet
  if [[ -n "$CHECKOV" && " $CHECKOV_SETS " == *" $n "* ]]; then
    measure checkov "$objs" "$BENCH_DIR/checkov.json" -- sh -c \
      "'$CHECKOV' -d '$dir' --framework kubernetes --quiet --compact -o json > '$BENCH_DIR/checkov.json'"
  fi
done
if [[ "${DEPLOYMENTS:-10000}" != 0 ]]; then
  dir=$(gen deployments "${DEPLOYMENTS:-10000}")
  objs="deployments-${DEPLOYMENTS:-10000}"
  measure kubeattest-json+csv "$objs" "$BENCH_DIR/out" -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format json,csv --quiet
  measure kubeattest-all "$objs" "$BENCH_DIR/out" -- "$KUBEATTEST" scan --manifests "$dir" --out "$BENCH_DIR/out" --format all --quiet
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
