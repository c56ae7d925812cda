"""Where `bendernet.ops.matmul` stands against its goals (issue 14): its share of the FMA
peak at 1024^3 and its speed against NumPy at every layer shape (workloads.LAYERS, in both
precisions) and every width product (workloads.width_products()). Not a test: a tuning aid.

Each shape alternates batches of calls of the two systems, ROUNDS rounds, and reports the
best batch of each and the median of the per-round ratios, so that the machine's drift
falls on both. The FMA peak is measured in the same process, before and after the 1024^3
products; the load (CPUs other processes kept busy) and the cores' round trip are printed
with each block, as both change what two threads achieve. One thread is timed on the
thread's own CPU clock (the peak too), which other programs sharing the core do not
inflate; two threads on the wall clock, which they do.

    python -m bench.matmul_goals [--threads 1 2] [--only peak|layers|widths|shapes] [--rounds 21]
"""

import argparse
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from bench import workloads
from bendernet import _kernels, ops

DTYPES = (np.float32, np.float64)


def busy_cpu_seconds():
    with open("/proc/stat") as stat:
        ticks = [int(field) for field in stat.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class Load:
    """CPUs other processes kept busy between start() and now"""

    def __init__(self):
        self.start = (time.monotonic(), busy_cpu_seconds(), sum(os.times()[:2]))

    def others(self):
        wall = time.monotonic() - self.start[0]
        own = sum(os.times()[:2]) - self.start[2]
        return max(busy_cpu_seconds() - self.start[1] - own, 0.0) / wall


def batch_seconds(call, calls, clock):
    start = clock()
    for _ in range(calls):
        call()
    return (clock() - start) / calls


def compare(A, B, rounds, budget, clock):
    """(best seconds of ours, of NumPy's, median of the rounds' ratios NumPy/ours): short
    batches, many rounds, so that a round another program interrupted shows as an outlier"""
    ours = lambda: ops.matmul(A, B)
    theirs = lambda: A @ B
    for _ in range(3):
        ours(), theirs()
    one = min(batch_seconds(theirs, 1, time.perf_counter) for _ in range(3))
    calls = max(1, int(budget / max(one, 1e-7)))
    t_ours, t_numpy, ratios = [], [], []
    for _ in range(rounds):
        t_ours.append(batch_seconds(ours, calls, clock))
        t_numpy.append(batch_seconds(theirs, calls, clock))
        ratios.append(t_numpy[-1] / t_ours[-1])
    return min(t_ours), min(t_numpy), statistics.median(ratios)


def clock(threads):
    """one thread's own CPU time, which other programs do not inflate; wall time for more"""
    return time.thread_time if threads == 1 else time.perf_counter


def operands(m, k, n, dtype):
    rng = np.random.default_rng(0)
    return rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)


def round_trip():
    trips = [_kernels.core_round_trip() for _ in range(3)]
    return max(trips)


def peak(dtype, threads):
    """GFLOP/s of fma_peak; with one thread (it runs on the caller) per second of the thread's
    CPU time, the clock the products are timed with then"""
    wall, cpu = time.perf_counter(), time.thread_time()
    rate = _kernels.fma_peak(np.dtype(dtype).name, threads, 0.25)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    return (rate * wall / cpu if threads == 1 else rate) / 1e9


def peaks(dtype, threads):
    return max(peak(dtype, threads) for _ in range(3))


def peak_block(threads, rounds):
    n = 1024
    for dtype in DTYPES:
        load = Load()
        before = peaks(dtype, threads)
        A, B = operands(n, n, n, dtype)
        ours, theirs, ratio = compare(A, B, rounds, 0.03, clock(threads))
        after = peaks(dtype, threads)
        peak, flops = max(before, after), 2.0 * n ** 3
        print(f"1024^3 {np.dtype(dtype).name} thr {threads}: peak {before:.1f}/{after:.1f} "
              f"GFLOP/s; ours {flops / ours / 1e9:.1f} ({flops / ours / 1e9 / peak:.1%}), "
              f"numpy {flops / theirs / 1e9:.1f} ({flops / theirs / 1e9 / peak:.1%}); "
              f"ours/numpy speed {ratio:.3f} (best/best {theirs / ours:.3f}); "
              f"load {load.others():.2f} CPUs, round trip {round_trip()} ns", flush=True)


def shape_rows(which):
    rows = []
    if which in ("all", "layers"):
        for name, m, k, n, _ in workloads.LAYERS:
            for dtype in DTYPES:
                rows.append((name, m, k, n, dtype))
    if which in ("all", "widths"):
        for width, power, layer, m, k, n, dtype in workloads.width_products():
            rows.append((f"width {layer} {width}", m, k, n, dtype))
    return rows


def shape_block(threads, rounds, which):
    load, worst = Load(), []
    for name, m, k, n, dtype in shape_rows(which):
        A, B = operands(m, k, n, dtype)
        ours, theirs, ratio = compare(A, B, rounds, 0.002, clock(threads))
        worst.append((ratio, name, m, k, n, np.dtype(dtype).name))
        flops = 2.0 * m * n * k
        flag = "  <-- below 0.95" if ratio < 0.95 else ""
        print(f"{name:<18} {m:>4}x{k:<4} @ {k:>4}x{n:<4} {np.dtype(dtype).name:>7} thr "
              f"{threads}: ours {ours * 1e6:9.1f} us {flops / ours / 1e9:6.1f} GFLOP/s, numpy "
              f"{theirs * 1e6:9.1f} us; ratio {ratio:.3f} (best/best {theirs / ours:.3f}){flag}",
              flush=True)
    print(f"thr {threads}: load {load.others():.2f} CPUs, round trip {round_trip()} ns; "
          f"worst {sorted(worst)[:3]}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--only", choices=["peak", "layers", "widths", "shapes"], default=None)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    for threads in args.threads:
        with threadpool_limits(limits=threads):
            if args.only in (None, "peak"):
                peak_block(threads, args.rounds)
            if args.only != "peak":
                which = {"layers": "layers", "widths": "widths"}.get(args.only, "all")
                shape_block(threads, args.rounds, which)


if __name__ == "__main__":
    main()
