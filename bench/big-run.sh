#!/usr/bin/env bash
# The "larger than memory" check of `softmax run`: generates a 4 GiB float32 input (1048576 x 1024)
# with the CLI itself, runs softmax on it with a 512 MiB heap, spot-checks 2000 rows of the output
# against the CPU reference, prints time and peak RSS of the run, and deletes the files.
# Needs about 9 GB free in $WORK (default: a fresh directory under /tmp). Usage: bench/big-run.sh [ROWS] [COLS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-1048576}"
cols="${2:-1024}"
work="${WORK:-$(mktemp -d /tmp/softmax-big.XXXXXX)}"
trap 'rm -f "$work/big.npy" "$work/out.npy" "$work"/.*.tmp; rmdir "$work" 2>/dev/null || true' EXIT
jar="$here/cli/target/softmax-cl.jar"
[[ -f "$jar" ]] || (cd "$here" && mvn -q -pl cli -am -DskipTests package) >&2

echo "== generate ${rows}x${cols} float32 into $work" >&2
java -Xmx512m -jar "$jar" generate "$work/big.npy" --shape "${rows}x${cols}" --pattern random --seed 1
ls -l "$work/big.npy"

echo "== run with JAVA_OPTS=-Xmx512m" >&2
time_log="$work/time.log"
JAVA_OPTS=-Xmx512m /usr/bin/time -v "$here/softmax" run "$work/big.npy" -o "$work/out.npy" 2> >(tee "$time_log" >&2)
grep -E "Elapsed \(wall clock\)|Maximum resident set size|Exit status" "$time_log"
rm -f "$time_log"

echo "== spot-check 2000 rows of the output against the CPU reference" >&2
java -Xmx512m -jar "$jar" verify --input "$work/big.npy" --result "$work/out.npy" --rows-sample 2000
