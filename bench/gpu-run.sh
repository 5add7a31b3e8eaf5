#!/usr/bin/env bash
# Runs softmax-cl's `verify` and `bench --json` on any NVIDIA machine: one with the GPU and its
# driver and nothing else (no Java, no network, maybe no OpenCL ICD loader and no ICD registration)
# will do. It uses only what bench/gpu-bundle.sh put in .device/ (a jlink'd JRE, the shaded jar, the
# ocl-icd libOpenCL.so.1): never a system `java`. Run it from anywhere; it works in the repository root.
#
# Usage: run `bench/gpu-bundle.sh` on this machine, copy `.device/` into the repository root of a
# checkout on the NVIDIA machine, then there:
#   bash bench/gpu-run.sh
#
# What it does, each step under `timeout`, all of it within SOFTMAX_GPU_BUDGET_S (default 510 s: a
# run ends on time even if every step hangs):
#   1. checks the bundle, prints the host, glibc, `nvidia-smi` (if present) and the bundled `java -version`;
#   2. finds libnvidia-opencl.so.1 (ldconfig cache, LD_LIBRARY_PATH, the usual driver directories,
#      then a bounded `find`) and, if /etc/OpenCL/vendors/nvidia.icd is absent, writes it with the
#      library's full path. That file is read by every ICD loader (ours, or any other libOpenCL a
#      library path might put first), while OCL_ICD_VENDORS is only the fallback for when /etc is not
#      writable. The library's directory is also added to LD_LIBRARY_PATH, for the driver's own
#      dependencies (libcuda.so.1) in containers whose driver directory is not in the ldconfig cache;
#   3. `devices`, with LD_DEBUG=libs to show which libOpenCL.so.1 and which ICD were loaded;
#   4. `verify --quick --json $OUT/verify.json`, `bench --json $OUT/bench.json` (default shapes),
#      the full `verify --json $OUT/verify-full.json`, `bench --dtype float64 --json
#      $OUT/bench-float64.json`, in that order, each skipped when the budget left is too small.
# The whole log goes to $OUT/gpu-run.log, a short report to $OUT/summary.txt (6 files in all).
# Exit status: 0 all passed; 1 a verify failed or timed out; 2 a bench failed or timed out;
# 3 the bundle, the JRE or the device is not usable.
# Time on PoCL with 2 shared CPU cores (SOFTMAX_GPU_SPEC=cpu): quick verify 2-4 s, float32 bench
# 18-37 s, full verify 10-15 s, float64 bench 30-54 s, 61-112 s in all. On the GPU the kernels get
# faster but the bench's CPU-reference timing (seconds per shape) and input generation do not.
# Environment: OUT (default ./gpu-out), SOFTMAX_GPU_SPEC (device spec, default gpu; `cpu` to try
# the script on PoCL), SOFTMAX_GPU_BUDGET_S, SOFTMAX_GPU_STEPS (default "verify-quick bench
# verify-full bench-f64"), SOFTMAX_GPU_BENCH_ARGS (extra bench options), JAVA_OPTS.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
t0=$(date +%s)
budget="${SOFTMAX_GPU_BUDGET_S:-510}"
deadline=$((t0 + budget))
spec="${SOFTMAX_GPU_SPEC:-gpu}"
steps="${SOFTMAX_GPU_STEPS:-verify-quick bench verify-full bench-f64}"
read -r -a bench_args <<< "${SOFTMAX_GPU_BENCH_ARGS:-}"
OUT="${OUT:-$root/gpu-out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
dev="$root/.device"
JAVA="$dev/jre/bin/java"
JAR="$dev/softmax-cl.jar"
run="$dev/run"            # scratch: per-step output, LD_DEBUG files, java.io.tmpdir (not returned)
rm -rf "$run"
mkdir -p "$run/tmp" "$run/lib"

exec > >(tee "$OUT/gpu-run.log") 2>&1
tee_pid=$!

summary=()
note() { summary+=("$*"); printf -- '-- %s\n' "$*"; }
status=0
finish() {
  local rc=$?
  [ "$status" = 0 ] && [ "$rc" != 0 ] && status=3
  note "exit status $status after $(( $(date +%s) - t0 ))s (budget ${budget}s)"
  printf '%s\n' "${summary[@]}" > "$OUT/summary.txt"
  printf '\n== summary (%s)\n' "$OUT/summary.txt"
  cat "$OUT/summary.txt"
  exec >&- 2>&-
  wait "$tee_pid" 2>/dev/null || true
  exit "$status"
}
trap finish EXIT
trap 'note "stopped by a signal"; status=3; exit 3' TERM INT HUP
fail() { note "FATAL: $*"; status=3; exit 3; }

ldcache() { { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null || true; }
has_lib() { ldcache | awk -v n="$1" '$1 == n && /x86-64/ {f = 1} END {exit !f}'; }

echo "== softmax-cl gpu-run $(date -u +%Y-%m-%dT%H:%M:%SZ), device spec '$spec', budget ${budget}s, OUT=$OUT"
note "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); host: $(uname -n) $(uname -m); $(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-?}"); $(nproc) CPUs"

# 1. Bundle and runtime.
[ -x "$JAVA" ] && [ -f "$JAR" ] && [ -f "$dev/lib/libOpenCL.so.1" ] \
  || fail "incomplete bundle in $dev: run bench/gpu-bundle.sh on a development machine and copy .device/ here"
[ -f "$dev/MANIFEST.txt" ] && sed 's/^/  /' "$dev/MANIFEST.txt"
glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null || ldd --version 2>/dev/null | head -1 || echo '?')"
note "glibc: $glibc (the bundle needs >= 2.34)"
# The JVM and JOCL need libz, libstdc++ and libgcc_s; copy the bundle's only for those missing here.
for so in libz.so.1 libstdc++.so.6 libgcc_s.so.1; do
  if ! has_lib "$so" && [ -f "$dev/lib/fallback/$so" ]; then
    cp "$dev/lib/fallback/$so" "$run/lib/"
    note "using the bundle's $so (none in the ldconfig cache)"
  fi
done
export LD_LIBRARY_PATH="$dev/lib:$run/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# shellcheck disable=SC2206 # JAVA_OPTS is a list of JVM options
jvm=(-Djava.io.tmpdir="$run/tmp" ${JAVA_OPTS:-})
echo "== $JAVA -version"
timeout 60 "$JAVA" -version || fail "the bundled JRE does not start here (glibc $glibc; see the error above)"

# 2. The GPU and its OpenCL driver.
if command -v nvidia-smi >/dev/null 2>&1; then
  echo "== nvidia-smi"
  timeout 60 nvidia-smi || true
  gpu="$(timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true)"
  note "nvidia-smi: ${gpu:-no answer}"
else
  note "nvidia-smi: not present"
fi

find_nvidia_ocl() {
  local p d
  p="$(ldcache | awk '$1 == "libnvidia-opencl.so.1" && /x86-64/ {print $NF; exit}')"
  [ -n "$p" ] && [ -e "$p" ] && { echo "$p"; return; }
  local IFS=:
  # shellcheck disable=SC2086 # split LD_LIBRARY_PATH on ':'
  for d in ${LD_LIBRARY_PATH:-} /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib \
           /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/compat /usr/local/cuda/lib64 \
           /usr/lib/x86_64-linux-gnu/nvidia/current /run/nvidia/driver/usr/lib/x86_64-linux-gnu; do
    [ -n "$d" ] && [ -e "$d/libnvidia-opencl.so.1" ] && { echo "$d/libnvidia-opencl.so.1"; return; }
  done
  unset IFS
  for d in /usr /lib /lib64 /opt /run/nvidia; do
    [ -d "$d" ] || continue
    p="$(timeout 30 find "$d" -xdev -maxdepth 7 -name 'libnvidia-opencl.so.1*' 2>/dev/null | sort | head -1 || true)"
    [ -n "$p" ] && { echo "$p"; return; }
  done
  return 0
}
nv="$(find_nvidia_ocl)"
icd=/etc/OpenCL/vendors/nvidia.icd
if [ -z "$nv" ]; then
  note "libnvidia-opencl.so.1: NOT FOUND (no NVIDIA OpenCL driver; only other ICDs can appear)"
else
  note "libnvidia-opencl: $nv"
  export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$(dirname "$nv")"
  if [ -f "$icd" ]; then
    note "ICD: $icd already present: $(tr -d '\n' < "$icd")"
  elif mkdir -p /etc/OpenCL/vendors 2>/dev/null && echo "$nv" > "$icd" 2>/dev/null; then
    note "ICD: wrote $icd -> $nv"
  else
    # Not root, or a read-only /etc: point ocl-icd at a vendors directory of our own instead.
    mkdir -p "$run/vendors"
    echo "$nv" > "$run/vendors/nvidia.icd"
    cp /etc/OpenCL/vendors/*.icd "$run/vendors/" 2>/dev/null || true
    export OCL_ICD_VENDORS="$run/vendors"
    note "ICD: $icd not writable; OCL_ICD_VENDORS=$OCL_ICD_VENDORS"
  fi
fi
ls -l /etc/OpenCL/vendors/ 2>/dev/null || echo "(no /etc/OpenCL/vendors)"

# 3. Devices, showing which loader and which ICDs the JVM loaded.
echo "== java -jar .device/softmax-cl.jar devices"
rc=0
LD_DEBUG=libs LD_DEBUG_OUTPUT="$run/ld" timeout 60 "$JAVA" "${jvm[@]}" -jar "$JAR" devices 2>&1 \
  | tee "$run/devices.out" || rc=${PIPESTATUS[0]}
loaded="$(cat "$run"/ld.* 2>/dev/null | grep -oE 'calling init: [^ ]*(OpenCL|opencl|pocl|libcuda)[^ ]*' | sed 's/calling init: //' | sort -u | tr '\n' ' ')"
note "libraries loaded for OpenCL: ${loaded:-none seen}"
case "$loaded" in
  *"$dev/lib/libOpenCL.so.1"*) note "OpenCL loader: the bundle's ($dev/lib/libOpenCL.so.1)" ;;
  *) note "OpenCL loader: NOT the bundle's" ;;
esac
[ "$rc" = 0 ] || fail "devices failed (exit $rc): no OpenCL platform"
while IFS= read -r l; do summary+=("     $l"); done < <(grep -E '^platform|^[* ] *[0-9]+:[0-9]+ ' "$run/devices.out" || true)
if [ "$spec" = gpu ] && ! grep -qE '^[* ] *[0-9]+:[0-9]+ +gpu ' "$run/devices.out"; then
  fail "no OpenCL device of type gpu (see the devices table); no GPU number can come from this run"
fi

# 4. The checks and the benchmarks.
step() { # NAME CAP_S MIN_S KIND COMMAND... ; KIND verify|bench decides which exit status a failure sets
  local name=$1 cap=$2 min=$3 kind=$4 left t s rc el l
  shift 4
  left=$((deadline - $(date +%s)))
  t=$((cap < left ? cap : left))
  if [ "$t" -lt "$min" ]; then
    note "$name: SKIPPED (${left}s of the budget left, needs ${min}s)"
    return 0
  fi
  echo
  echo "== $name (timeout ${t}s): ${*//$root\//}"
  s=$(date +%s)
  set +e
  timeout -k 10 "$t" "$@" 2>&1 | tee "$run/$name.out"
  rc=${PIPESTATUS[0]}
  set -e
  el=$(( $(date +%s) - s ))
  case "$rc" in
    0) note "$name: ok in ${el}s" ;;
    124|137) note "$name: TIMED OUT after ${el}s" ;;
    *) note "$name: FAILED (exit $rc) in ${el}s" ;;
  esac
  if [ "$rc" != 0 ]; then
    if [ "$kind" = verify ]; then status=1; elif [ "$status" = 0 ]; then status=2; fi
  fi
  local pat='^device: |^shape |^[0-9]+x[0-9]+ '
  [ "$kind" = verify ] && pat='^device |passed, [0-9]+ failed|^verification '
  while IFS= read -r l; do summary+=("     $l"); done < <(grep -E "$pat" "$run/$name.out" || true)
}

cli=("$JAVA" "${jvm[@]}" -jar "$JAR")
for st in $steps; do
  case "$st" in
    verify-quick) step verify-quick 150 20 verify "${cli[@]}" verify --device "$spec" --quick --json "$OUT/verify.json" ;;
    bench)        step bench 300 60 bench "${cli[@]}" bench --device "$spec" --json "$OUT/bench.json" "${bench_args[@]}" ;;
    verify-full)  step verify-full 180 30 verify "${cli[@]}" verify --device "$spec" --json "$OUT/verify-full.json" ;;
    bench-f64)    step bench-f64 300 60 bench "${cli[@]}" bench --device "$spec" --dtype float64 --json "$OUT/bench-float64.json" "${bench_args[@]}" ;;
    *) note "unknown step '$st' ignored" ;;
  esac
done
