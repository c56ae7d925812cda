"""Quick GFLOP/s of bendernet's matrix product against numpy.matmul (OpenBLAS here) at the
MLP layer shapes, both dtypes, 1 and 2 threads. Not a test, not the benchmark suite: a
tuning aid. Each row alternates batches of calls of the two and keeps the best batch of
each, so the ratio is measured in one run under the same conditions. With one thread the
clock is the thread's CPU time, which other programs sharing the machine do not inflate;
with more it is wall time (run it on an idle machine).

    python bench/bench_gemm_quick.py [--threads 1 2] [--kernel avx2] [--quick]
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from bendernet import _kernels

# (name, m, k, n, how A and B are laid out): "NN" plain, "TN" A = X.T (dW = X^T dZ),
# "NT" B = W.T (dX = dZ W^T), as the backward pass reads them.
SHAPES = [
    ("W1 fwd h", 200, 64, 100, "NN"), ("W1 fwd out", 200, 100, 10, "NN"),
    ("W1 dW out", 100, 200, 10, "TN"), ("W1 dX out", 200, 10, 100, "NT"),
    ("W1 dW h", 64, 200, 100, "TN"),
    ("W2 fwd h1", 128, 784, 256, "NN"), ("W2 fwd h2", 128, 256, 128, "NN"),
    ("W2 fwd out", 128, 128, 10, "NN"),
    ("W2 dW out", 128, 128, 10, "TN"), ("W2 dX out", 128, 10, 128, "NT"),
    ("W2 dW h2", 256, 128, 128, "TN"), ("W2 dX h2", 128, 128, 256, "NT"),
    ("W2 dW h1", 784, 128, 256, "TN"),
    ("1024^3", 1024, 1024, 1024, "NN"),
]


def operands(m, k, n, layout, dtype, rng):
    A = rng.standard_normal((k, m) if layout == "TN" else (m, k)).astype(dtype)
    B = rng.standard_normal((n, k) if layout == "NT" else (k, n)).astype(dtype)
    return (A.T if layout == "TN" else A), (B.T if layout == "NT" else B)


def best_batch(call, calls, repeats, clock):
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        for _ in range(calls):
            call()
        best = min(best, (clock() - start) / calls)
    return best


def compare(m, k, n, layout, dtype, rng, budget, clock):
    A, B = operands(m, k, n, layout, dtype, rng)
    C_ours = np.empty((m, n), dtype)
    C_numpy = np.empty((m, n), dtype)
    ours = lambda: _kernels.gemm(C_ours, A, B)
    theirs = lambda: np.matmul(A, B, out=C_numpy)
    ours(), theirs()
    one = best_batch(theirs, 1, 3, time.perf_counter)
    calls = max(1, int(budget / 10 / one))
    t_ours = t_numpy = float("inf")
    for _ in range(5):
        t_ours = min(t_ours, best_batch(ours, calls, 1, clock))
        t_numpy = min(t_numpy, best_batch(theirs, calls, 1, clock))
    flops = 2.0 * m * n * k
    return flops / t_ours / 1e9, flops / t_numpy / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--kernel", default=None, help="portable, avx2 or avx512")
    parser.add_argument("--quick", action="store_true", help="shorter timing")
    args = parser.parse_args()
    _kernels.gemm_select_kernel(args.kernel)
    budget = 0.05 if args.quick else 0.2
    rng = np.random.default_rng(0)
    print(f"kernel {_kernels.gemm_kernel_name()}; GFLOP/s, best batch of calls")
    print(f"{'shape':<11} {'m x k @ k x n':>18} {'dtype':>7} {'thr':>3} "
          f"{'bendernet':>9} {'numpy':>7} {'ratio':>6}")
    for threads in args.threads:
        clock = time.thread_time if threads == 1 else time.perf_counter
        with threadpool_limits(limits=threads):
            for dtype in (np.float32, np.float64):
                for name, m, k, n, layout in SHAPES:
                    ours, theirs = compare(m, k, n, layout, dtype, rng, budget, clock)
                    dims = f"{m}x{k} @ {k}x{n}"
                    print(f"{name:<11} {dims:>18} {np.dtype(dtype).name:>7} {threads:>3} "
                          f"{ours:9.1f} {theirs:7.1f} {ours / theirs:6.2f}", flush=True)


if __name__ == "__main__":
    main()
