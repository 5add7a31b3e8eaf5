#!/usr/bin/env bash
# The JMH comparison of softmax-cl with ONNX Runtime and DJL/PyTorch (issue: end-to-end speed against
# the JVM peers). Builds jmh/target/benchmarks.jar (the jmh module, -Pjmh), runs it (arguments go to JMH,
# e.g. -p shape=4096x4096 -p contender=softmaxcl-array,ort-array), keeps the raw results in
# jmh/target/jmh.json and prints medians, GB/s and the ratio to the best peer per shape.
# A contender whose output misses the float32 tolerance is not timed (its trial fails in @Setup);
# SOFTMAXCL_JMH_TIME_INACCURATE=1 times it anyway and the table flags it.
# Usage: bench/jmh.sh [JMH options]; SKIP_BUILD=1 reuses an existing jar.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f jmh/target/benchmarks.jar ]]; then
    mvn -q -Pjmh -pl jmh -am -DskipTests package
fi
# The harness writes its notes under target/ of the directory it runs in.
cd jmh
rm -f target/jmh-inaccurate.txt
java -jar target/benchmarks.jar -rf json -rff target/jmh.json "$@"
python3 ../bench/jmh_table.py target/jmh.json
