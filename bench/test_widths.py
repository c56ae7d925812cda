"""The width cliff (issue 19): layers of 1024 and 2048 units beside neighbours 8 narrower.

Products: one entry per (layer, batch, power of two, dtype) times four kernels: ``ops.matmul``
at h − 8 and at h, then NumPy at h − 8 and at h, each a block of calls (about BLOCK_SECONDS)
per round over ROUNDS rounds, the two widths' order swapped every round. This VM's host
moves its two cores far apart for seconds at a time, and a two-thread product then runs at
about one thread's speed: entries timed one after the other caught that at random, h and
h − 8 alike, and their ratios measured the VM. Interleaved, the two widths meet the same
moments, and NumPy runs half a second after bendernet. Each kernel's median block (GFLOP/s,
2·m·k·n per call) is stored in the entry's ``kernels`` with its largest relative error
against A @ B.

Why bendernet's rounds all come before NumPy's: OpenBLAS's second thread keeps spinning for
about a second after NumPy's products and takes the core bendernet's second thread wants.
Measured here (128x784 · 784x1024 float32, quiet machine): with all four kernels
interleaved block by block, bendernet ran at ~200 GFLOP/s instead of ~400 when its blocks
ran together; with 0.8 s pauses after NumPy's blocks, at 250-340; after one pause of 1-1.5 s,
at ~400. A pause of a second each round would cost 15 s an entry; so each entry settles
once (SETTLE_SECONDS), then runs bendernet's rounds, then NumPy's (bendernet's pool spins
only 200 µs: NumPy's rate was the same right after it). The wait-for-the-probe idea does not
work: the probe answers while OpenBLAS's thread still yields and disturbs.

Fits: one epoch of (1000,) and (1024,) at batch 256, GFLOP/s of the epoch's products
(``workloads.fit_flops``). The report sets each width against its neighbour
(bench/widths.py).
"""

import statistics
import time

import numpy as np
import pytest

from bench import systems, workloads
from bench.test_fit import run_fit

ROUNDS = workloads.smoke_or(15, 2)
BLOCK_SECONDS = workloads.smoke_or(0.008, 0.001)
SETTLE_SECONDS = workloads.smoke_or(1.5, 0.0)

_last_system = [None]


def settle(system):
    """Before the first bendernet entry after anything else: OpenBLAS's threads go idle."""
    if system == "bendernet" and _last_system[0] != "bendernet":
        time.sleep(SETTLE_SECONDS)
    _last_system[0] = system


def core_round_trip():
    """The cores' round trip in nanoseconds, or None when the probe gets no answer"""
    from bendernet import _kernels

    nanoseconds = _kernels.core_round_trip()
    return nanoseconds if nanoseconds >= 0 else None


def operands(m, k, n, dtype):
    """A[m,k] and B[k,n], standard normal, drawn in dtype"""
    rng = np.random.default_rng(workloads.SEED)
    return rng.standard_normal((m, k), dtype=dtype), rng.standard_normal((k, n), dtype=dtype)


def width_pairs():
    """(power of two, layer, batch, dtype) of every pair of workloads.width_products()"""
    return [(power, layer, m, dtype) for width, power, layer, m, _, _, dtype
            in workloads.width_products() if width == power]


def pair_id(pair):
    power, layer, m, dtype = pair
    return f"{layer}-{m}-{power}-{np.dtype(dtype).name}"


class Kernel:
    """One product to time: a function, its operands and its calls per block"""

    def __init__(self, system, function, layer, m, width, dtype):
        k = 784 if layer == "input" else width
        self.system, self.function, self.width = system, function, width
        self.A, self.B = operands(m, k, width, dtype)
        self.flops, self.rates = 2 * m * k * width, []
        self.result = function(self.A, self.B)  # warm-up, and the call's length for a block
        start = time.perf_counter()
        function(self.A, self.B)
        self.calls = max(1, round(BLOCK_SECONDS / (time.perf_counter() - start)))

    def block(self):
        start = time.perf_counter()
        for _ in range(self.calls):
            self.result = self.function(self.A, self.B)
        self.rates.append(self.flops * self.calls / (time.perf_counter() - start) / 1e9)

    def summary(self):
        expected = self.A @ self.B
        error = np.abs(self.result - expected).max() / (np.abs(expected).max() or 1)
        return {"system": self.system, "width": self.width, "flops": self.flops,
                "calls": self.calls, "gflops": statistics.median(self.rates),
                "max_rel_error": float(error)}


def interleaved(kernels):
    """Runs bendernet's pair for ROUNDS rounds, then NumPy's, each pair's order swapped every
    round; the cores' round trips probed before each system's rounds"""
    trips = []
    for system in ("bendernet", "numpy"):
        pair = [kernel for kernel in kernels if kernel.system == system]
        trips.append(core_round_trip())
        for round_ in range(ROUNDS):
            for kernel in pair[::-1] if round_ % 2 else pair:
                kernel.block()
    return trips


@pytest.mark.parametrize("pair", width_pairs(), ids=pair_id)
def test_width_product(benchmark, record, pair):
    from bendernet import ops

    power, layer, m, dtype = pair
    name, k = np.dtype(dtype).name, 784 if layer == "input" else power
    kernels = [Kernel(system, function, layer, m, width, dtype)
               for system, function in (("bendernet", ops.matmul), ("numpy", np.matmul))
               for width in (power - workloads.WIDTH_NEIGHBOUR, power)]
    benchmark.group = f"width {layer} {m}x{k} · {k}x{power} {name}"
    time.sleep(SETTLE_SECONDS)  # the warm-ups just ran NumPy
    trips = benchmark.pedantic(interleaved, args=(kernels,), rounds=1, iterations=1)
    _last_system[0] = "numpy"
    record(system="bendernet", workload=f"width {layer}", power=power, layer=layer, batch=m,
           dtype=name, rounds_interleaved=ROUNDS,
           kernels=[kernel.summary() for kernel in kernels])
    # the probes between the halves count too: the fixture's may find OpenBLAS spinning
    trips = [trip for trip in trips + [benchmark.extra_info.get("core_round_trip_ns")]
             if trip is not None]
    if trips:
        benchmark.extra_info["core_round_trip_ns"] = max(trips)


@pytest.mark.parametrize("workload", workloads.WIDTH_FITS, ids=lambda w: w.key)
def test_width_fit(benchmark, record, workload):
    systems.require("bendernet")
    settle("bendernet")
    run_fit(benchmark, record, workload, "bendernet", rounds=workloads.smoke_or(3, 1), warmup=1)
    record(flops=workloads.fit_flops(workload), hidden=workload.hidden[0])
