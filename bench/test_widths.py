"""The width cliff (issue 19): layers of 1024 and 2048 units beside neighbours 8 narrower.

Products: ``ops.matmul`` against NumPy at each of ``workloads.width_products()``, GFLOP/s
2·m·k·n. All bendernet entries run first, then all NumPy ones, so OpenBLAS's threads (which
spin for about a second after NumPy's last product) never hold the core bendernet's second
thread wants, and only the first entry waits for them. Each entry times a fixed number of
rounds of about 10 ms (median reported). Fits: one epoch of (1000,) and (1024,) at batch
256, GFLOP/s of the epoch's products (``workloads.fit_flops``). The report sets each width
against its neighbour (bench/widths.py).
"""

import time

import numpy as np
import pytest

from bench import systems, workloads
from bench.test_fit import run_fit

ROUNDS = workloads.smoke_or(7, 1)
ROUND_SECONDS = 0.01
ASSUMED_FLOPS_PER_SECOND = 100e9   # only to size a round
SETTLE_SECONDS = workloads.smoke_or(1.5, 0.0)

_last_system = [None]


def settle(system):
    """Before the first bendernet entry after anything else: OpenBLAS's threads go idle."""
    if system == "bendernet" and _last_system[0] != "bendernet":
        time.sleep(SETTLE_SECONDS)
    _last_system[0] = system


def operands(m, k, n, dtype):
    """A[m,k] and B[k,n], standard normal, drawn in dtype"""
    rng = np.random.default_rng(workloads.SEED)
    return rng.standard_normal((m, k), dtype=dtype), rng.standard_normal((k, n), dtype=dtype)


def product_id(product):
    _, _, layer, m, k, n, dtype = product
    return f"{layer}-{m}x{k}x{n}-{np.dtype(dtype).name}"


@pytest.mark.parametrize("product", workloads.width_products(), ids=product_id)
@pytest.mark.parametrize("system", ["bendernet", "numpy"])
def test_width_product(benchmark, record, system, product):
    width, power, layer, m, k, n, dtype = product
    if system == "bendernet":
        from bendernet import ops

        kernel = ops.matmul
    else:
        kernel = np.matmul
    A, B = operands(m, k, n, dtype)
    flops = 2 * m * k * n
    benchmark.group = f"width {layer} {m}x{k} · {k}x{n} {np.dtype(dtype).name}"
    settle(system)
    iterations = max(1, round(ROUND_SECONDS * ASSUMED_FLOPS_PER_SECOND / flops))
    C = benchmark.pedantic(kernel, args=(A, B), rounds=ROUNDS, iterations=iterations,
                           warmup_rounds=1)
    expected = A @ B
    record(system=system, workload=f"width {layer}", width=width, power=power, layer=layer,
           batch=m, dtype=np.dtype(dtype).name, flops=flops,
           max_rel_error=float(np.abs(C - expected).max() / (np.abs(expected).max() or 1)))


@pytest.mark.parametrize("workload", workloads.WIDTH_FITS, ids=lambda w: w.key)
def test_width_fit(benchmark, record, workload):
    systems.require("bendernet")
    settle("bendernet")
    run_fit(benchmark, record, workload, "bendernet", rounds=workloads.smoke_or(3, 1), warmup=1)
    record(flops=workloads.fit_flops(workload), hidden=workload.hidden[0])
