#!/usr/bin/env python3
# Turns JMH's JSON (from bench/jmh.sh) into the comparison table: per shape and contender, the
# median time of one call, the bandwidth that implies (2 x rows x cols x 4 bytes: read once,
# written once), and the time relative to the fastest JVM peer (ONNX Runtime or DJL) on that shape:
# once against peers with the same kind of I/O (float[] in/out, or direct buffers), once against all.
# Usage: python3 bench/jmh_table.py jmh/target/jmh.json
import json
import os
import sys

PEERS = ("ort-array", "ort-direct", "djl-pytorch")
# float[] in, float[] out versus data already in direct buffers: like is compared with like first.
IO = {"softmaxcl-array": "array", "ort-array": "array", "djl-pytorch": "array", "java-reference-f64": "array",
      "softmaxcl-direct": "direct", "ort-direct": "direct",
      # data already in device tensors: on a CPU device, memory the kernels read and write in place, as
      # the peers' direct buffers are; this is the kernel-only figure of `softmax bench`.
      "softmaxcl-device": "direct"}
ORDER = ("softmaxcl-array", "softmaxcl-direct", "softmaxcl-device", "ort-array", "ort-direct", "djl-pytorch", "java-reference-f64")


def to_ms(value, unit):
    # SampleTime reports in the benchmark's @OutputTimeUnit; convert anything else a -tu flag chose.
    scale = {"s/op": 1e3, "ms/op": 1.0, "us/op": 1e-3, "ns/op": 1e-6}
    if unit not in scale:
        sys.exit(f"unsupported score unit {unit!r}: run in SampleTime or AverageTime mode")
    return value * scale[unit]


def main(path):
    with open(path) as f:
        runs = json.load(f)
    # Written by the benchmark's setup when SOFTMAXCL_JMH_TIME_INACCURATE=1 let a wrong result be timed.
    inaccurate = {}
    flagged = os.path.join(os.path.dirname(path) or ".", "jmh-inaccurate.txt")
    if os.path.exists(flagged):
        with open(flagged) as f:
            for line in f:
                name, shape, summary = line.rstrip("\n").split("\t", 2)
                inaccurate[(name, shape)] = summary
    rows = {}
    for run in runs:
        metric = run["primaryMetric"]
        pct = metric.get("scorePercentiles") or {}
        # SampleTime has a real median; AverageTime only a mean, and the table says which it shows.
        if "50.0" in pct and run.get("mode") == "sample":
            value, kind = pct["50.0"], "median"
        else:
            value, kind = metric["score"], "mean"
        shape = run["params"]["shape"]
        r, c = (int(v) for v in shape.lower().split("x"))
        ms = to_ms(value, metric["scoreUnit"])
        samples = metric.get("scoreCount", 0) if "scoreCount" in metric else sum(
            n for fork in metric.get("rawDataHistogram", []) for it in fork for _, n in it)
        rows.setdefault(shape, {})[run["params"]["contender"]] = (ms, kind, 2 * r * c * 4 / (ms * 1e-3) / 1e9, samples)

    print(f"{'shape':>12}  {'contender':<19} {'stat':<6} {'ms':>10} {'GB/s':>7} {'n':>5}"
          f"  {'vs same-I/O peer':>16}  {'vs best peer':>12}")
    for shape in sorted(rows, key=lambda s: [int(v) for v in s.split("x")]):
        results = rows[shape]

        def best_of(names):
            found = [(k, v[0]) for k, v in results.items() if k in names]
            return min(found, key=lambda kv: kv[1]) if found else None

        best = best_of(PEERS)
        names = [n for n in ORDER if n in results] + sorted(n for n in results if n not in ORDER)
        for name in names:
            ms, kind, gbs, n = results[name]
            same = best_of([p for p in PEERS if IO.get(p) == IO.get(name)])
            same_txt = f"{ms / same[1]:.2f}x {same[0]}" if same else "-"
            best_txt = f"{ms / best[1]:.2f}x" if best else "-"
            flag = "  INACCURATE" if (name, shape) in inaccurate else ""
            print(f"{shape:>12}  {name:<19} {kind:<6} {ms:>10.2f} {gbs:>7.2f} {n:>5}  {same_txt:>16}  {best_txt:>12}{flag}")
        for name in ORDER:
            if name not in results and any(name in other for other in rows.values()):
                print(f"{shape:>12}  {name:<19} not timed: its trial failed (see the JMH log)")
        if best:
            print(f"{'':>12}  best peer: {best[0]}; ratios are time / peer's time, below 1 is faster")
    for (name, shape), summary in sorted(inaccurate.items()):
        print(f"INACCURATE: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "jmh/target/jmh.json"))
