"""NumPy's softmax as a NumPy user writes it (max, exp, sum, divide over the last axis), float32,
timed on the same shapes and inputs as bench/peers/softmax_c.c, for bench/peers.sh.

Usage: python3 softmax_numpy.py ROWS COLS ROUNDS   prints one line in softmax_c's format."""
import sys
import time

import numpy as np


def softmax(x, out):
    m = x.max(axis=-1, keepdims=True)
    np.subtract(x, m, out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)


def main():
    rows, cols, rounds = (int(a) for a in sys.argv[1:4])
    x = np.random.default_rng(42).uniform(-8, 8, size=(rows, cols)).astype(np.float32)
    y = np.empty_like(x)
    softmax(x, y)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        softmax(x, y)
        times.append((time.perf_counter() - t0) * 1e3)
    med = sorted(times)[rounds // 2]
    xs = x[:: max(1, rows // 64)].astype(np.float64)
    ref = np.exp(xs - xs.max(axis=-1, keepdims=True))
    ref /= ref.sum(axis=-1, keepdims=True)
    got = y[:: max(1, rows // 64)]
    keep = ref >= 1e-30
    err = float(np.max(np.abs(got[keep] - ref[keep]) / ref[keep]))
    print(f"{rows}x{cols} numpy {med:.3f} ms {8.0 * rows * cols / med / 1e6:.2f} GB/s "
          f"max_rel_err {err:.2e} threads 1")


if __name__ == "__main__":
    main()
