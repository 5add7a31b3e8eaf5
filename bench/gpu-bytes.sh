#!/usr/bin/env bash
# Global-memory bytes per element of the plan a GPU gets, counted by the Oclgrind simulator: for each
# shape, `softmax generate` writes seeded logits and `softmax run --device oclgrind` runs them with
# OCLGRIND_INST_COUNTS=1, whose instruction counter reports every kernel's global load and store
# bytes exactly. The table sums them over every kernel the call enqueued (both stages of SPLIT) and
# divides by the element count: 8 is one read and one write of each float32 element. Oclgrind counts
# plain loads and stores only: a kernel moving data through vloadN / vstoreN (the CPU kernels, and
# float16 storage) gets a warning, since those builtin calls are not in its byte counts.
#
# Usage: bench/gpu-bytes.sh [ROWSxCOLS ...]   (default: a sweep of row lengths, 10 to 1048576)
# Environment: DTYPE (float32 or float64, default float32), AXIS (the softmax axis, default -1: rows;
# 0 runs the any-axis kernel down the columns of each shape), OCLGRIND_ICD (the Oclgrind ICD library,
# default /usr/lib/oclgrind/liboclgrind-rt-icd.so), SOFTMAX (the launcher, default ./softmax).
# Needs Oclgrind (Debian package `oclgrind`). Runs with an empty tuning cache, so the shipped plan is
# what is counted. Prints a Markdown table; about 1 to 5 s per shape.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
softmax="${SOFTMAX:-$root/softmax}"
dtype="${DTYPE:-float32}"
axis="${AXIS:--1}"
icd="${OCLGRIND_ICD:-/usr/lib/oclgrind/liboclgrind-rt-icd.so}"
if [ ! -f "$icd" ]; then
  echo "gpu-bytes.sh: Oclgrind's ICD library $icd is missing (apt-get install oclgrind, or set OCLGRIND_ICD)" >&2
  exit 1
fi
shapes=("$@")
if [ ${#shapes[@]} -eq 0 ]; then
  shapes=(8192x10 4096x32 2048x33 1024x100 1024x256 256x1000 256x1024 64x4096 64x4097 32x8192 16x16384
    16x16385 4x65536 2x262144 1x1048576)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/icd" "$work/cache"
echo "$icd" > "$work/icd/oclgrind.icd"
export OCL_ICD_VENDORS="$work/icd" SOFTMAX_CL_CACHE="$work/cache"

echo "| shape | $dtype axis $axis kernels | build options | load B/elem | store B/elem | total B/elem |"
echo "|---|---|---|---:|---:|---:|"
for shape in "${shapes[@]}"; do
  if ! [[ "$shape" =~ ^([0-9]+)x([0-9]+)$ ]]; then
    echo "gpu-bytes.sh: shape must be ROWSxCOLS, got '$shape'" >&2
    exit 2
  fi
  n=$((BASH_REMATCH[1] * BASH_REMATCH[2]))
  "$softmax" generate --dtype "$dtype" --shape "$shape" "$work/x.npy" >/dev/null
  OCLGRIND_INST_COUNTS=1 "$softmax" run -v -d oclgrind --axis="$axis" -o "$work/y.npy" "$work/x.npy" > "$work/log" 2>&1 || {
    cat "$work/log" >&2
    echo "gpu-bytes.sh: run failed for $shape" >&2
    exit 1
  }
  awk -v shape="$shape" -v n="$n" '
    /Instructions executed for kernel/ { k = $0; sub(/.*kernel \047/, "", k); sub(/\047.*/, "", k); if (!(k in seen)) { seen[k] = 1; kernels = kernels (kernels ? ", " : "") k } }
    /built .*\.cl \[/ { o = $0; sub(/.*\[/, "", o); sub(/\].*/, "", o); opts = o }
    / - load global \(/ { b = $0; sub(/.*\(/, "", b); sub(/ bytes.*/, "", b); load += b }
    / - store global \(/ { b = $0; sub(/.*\(/, "", b); sub(/ bytes.*/, "", b); store += b }
    / - call _Z[0-9]+v(load|store)[a-z_0-9]*[^ ]*AS1/ { vec = 1 }
    END {
      if (kernels == "") { print "gpu-bytes.sh: no instruction counts for " shape > "/dev/stderr"; exit 1 }
      if (vec) { print "gpu-bytes.sh: " shape ": vload/vstore calls on global memory are not in the counts" > "/dev/stderr" }
      printf "| %s | %s | %s | %.2f | %.2f | %.2f |\n", shape, kernels, opts, load / n, store / n, (load + store) / n
    }' "$work/log"
done
