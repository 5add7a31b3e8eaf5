#!/usr/bin/env bash
# softmax-cl's kernel-only speed beside CPU peers, in one run: rounds in which each shape runs
# `softmax bench` (kernel-only GB/s on the default device), two hand-written C softmaxes
# (bench/peers/softmax_c.c, OpenMP over every core, -O3 -march=native -ffast-math: one the compiler
# vectorises, one in AVX-512 intrinsics where the CPU has them) and NumPy (when python3 has it),
# one after another, so a change of the machine's load or memory speed hits them
# alike. Prints, per shape, each contender's median GB/s over the rounds and the median of the
# per-round ratios softmax-cl / best peer (above 1: softmax-cl is faster). The JVM peers (ONNX
# Runtime, DJL) are in the JMH harness (bench/jmh.sh), which times end-to-end calls.
# Usage: bench/peers.sh [ROUNDS] [SHAPE ...]   (defaults: 3 rounds, bench's five default shapes)
# Env: JAR (default cli/target/softmax-cl.jar, built by ./softmax when missing), CC (default gcc),
#      OUT (default target/peers: the C binary, every round's raw output, summary.txt).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
rounds="${1:-3}"
[ $# -gt 0 ] && shift
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(1000000x10 100000x1000 4096x4096 64x262144 1x16777216)
jar="${JAR:-cli/target/softmax-cl.jar}"
out="${OUT:-target/peers}"
mkdir -p "$out"
[ -f "$jar" ] || ./softmax devices >/dev/null
"${CC:-gcc}" -O3 -march=native -ffast-math -fopenmp -o "$out/softmax_c" bench/peers/softmax_c.c -lm
avx512=0
grep -qw avx512f /proc/cpuinfo && avx512=1
numpy=0
python3 -c 'import numpy' 2>/dev/null && numpy=1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
raw="$out/raw.txt"
: > "$raw"
for ((r = 1; r <= rounds; r++)); do
  for s in "${shapes[@]}"; do
    rows="${s%x*}"; cols="${s#*x}"
    if ! java -jar "$jar" bench --no-reference --axis0 none --shape "$s" --json "$out/cl.json" \
        >"$out/cl.log" 2>&1; then
      cat "$out/cl.log" >&2
      exit 1
    fi
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))[0]
print("%s softmax-cl %.3f ms %.2f GB/s copy %.2f" % (d["shape"], d["kernel_ms"], d["kernel_gbps"], d["copy_gbps"]))' \
      "$out/cl.json" | sed "s/^/$r /" >> "$raw"
    "$out/softmax_c" "$rows" "$cols" 15 c-openmp | sed "s/^/$r /" >> "$raw"
    if [ "$avx512" = 1 ]; then
      "$out/softmax_c" "$rows" "$cols" 15 c-avx512 | sed "s/^/$r /" >> "$raw"
    fi
    if [ "$numpy" = 1 ]; then
      python3 bench/peers/softmax_numpy.py "$rows" "$cols" 7 | sed "s/^/$r /" >> "$raw"
    fi
  done
done
python3 - "$raw" <<'PY' | tee "$out/summary.txt"
import collections, statistics, sys
gbps = collections.defaultdict(lambda: collections.defaultdict(dict))
errs = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    f = line.split()
    rnd, shape, who = f[0], f[1], f[2]
    gbps[shape][who][rnd] = float(f[f.index("GB/s") - 1])
    if "max_rel_err" in f:
        errs[shape][who] = f[f.index("max_rel_err") + 1]
print(f"{'shape':<12} {'contender':<11} {'GB/s (median)':>13}  per round")
for shape, by in gbps.items():
    for who, rs in by.items():
        note = f"  max rel err {errs[shape][who]}" if who in errs[shape] else ""
        print(f"{shape:<12} {who:<11} {statistics.median(rs.values()):>13.2f}  "
              + " ".join(f"{v:.1f}" for v in rs.values()) + note)
    ratios = [by["softmax-cl"][r] / max(v[r] for w, v in by.items() if w != "softmax-cl" and r in v)
              for r in by["softmax-cl"]]
    print(f"{shape:<12} softmax-cl / best peer, median of rounds: {statistics.median(ratios):.2f} "
          f"({', '.join(f'{x:.2f}' for x in ratios)})")
PY
