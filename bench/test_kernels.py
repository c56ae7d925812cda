"""Kernels at the W1 and W2 layer shapes: bendernet.ops against NumPy, with GFLOP/s.

matmul: C = A·B. dense forward: U = relu(X·W + b). dense backward, from dZ (the gradient at
the pre-activation): dW = Xᵀ·dZ, db = column sums of dZ, dX = dZ·Wᵀ; on bendernet two
``ops.matmul`` calls on transposed views (packing absorbs the strides, so no transposed
copy is made) and NumPy's column sum.
GFLOP/s counts the products only: 2·m·k·n per product.
"""

import time

import numpy as np
import pytest

from bench import systems, workloads

# OpenBLAS's threads keep spinning for about a second after NumPy's last product, and take
# the core a second bendernet thread would use (bendernet's spin 0.2 ms). Each kernel is
# timed after the previous system's threads have gone idle, and after 50 ms of its own
# calls, so that its own threads are awake.
SETTLE_SECONDS = workloads.smoke_or(1.5, 0.0)
WARM_UP_SECONDS = workloads.smoke_or(0.05, 0.0)


def settle(kernel, args):
    time.sleep(SETTLE_SECONDS)
    end = time.perf_counter() + WARM_UP_SECONDS
    while time.perf_counter() < end:
        kernel(*args)

OPS = ["matmul", "dense forward", "dense backward"]
PRODUCTS = {"matmul": 1, "dense forward": 1, "dense backward": 2}


def bendernet_ops():
    try:
        from bendernet import ops
    except ImportError as error:
        pytest.skip(f"bendernet.ops not on this branch yet ({error})")
    return ops


def numpy_kernel(op):
    if op == "matmul":
        return lambda A, W, b, dZ: A @ W
    if op == "dense forward":
        return lambda X, W, b, dZ: np.maximum(X @ W + b, 0)
    return lambda X, W, b, dZ: (X.T @ dZ, dZ.sum(axis=0), dZ @ W.T)


def bendernet_kernel(op):
    ops = bendernet_ops()
    if op == "matmul":
        return lambda A, W, b, dZ: ops.matmul(A, W)
    if op == "dense forward":
        return lambda X, W, b, dZ: ops.dense(X, W, b, activation="relu")
    return lambda X, W, b, dZ: (ops.matmul(X.T, dZ), dZ.sum(axis=0), ops.matmul(dZ, W.T))


def operands(m, k, n, dtype):
    rng = np.random.default_rng(workloads.SEED)
    return [rng.standard_normal(shape).astype(dtype) for shape in ((m, k), (k, n), (n,), (m, n))]


@pytest.mark.parametrize("system", ["bendernet", "numpy"])
@pytest.mark.parametrize("layer", workloads.LAYERS, ids=lambda layer: layer[0].replace(" ", ""))
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.replace(" ", "-"))
def test_kernel(benchmark, record, op, layer, system):
    name, m, k, n, dtype = layer
    kernel = bendernet_kernel(op) if system == "bendernet" else numpy_kernel(op)
    args = operands(m, k, n, dtype)
    benchmark.group = f"kernel {op}, {name}: {m}x{k} · {k}x{n} {np.dtype(dtype).name}"
    settle(kernel, args)
    result = benchmark(kernel, *args)
    expected = numpy_kernel(op)(*args)
    first = result[0] if isinstance(result, tuple) else result
    first_expected = expected[0] if isinstance(expected, tuple) else expected
    scale = np.abs(first_expected).max() or 1
    record(system=system, workload=f"kernel {op} {name}", flops=2 * m * k * n * PRODUCTS[op],
           max_rel_error=float(np.abs(np.asarray(first) - first_expected).max() / scale))


# The product the peak goal is set at (issue 14): ops.matmul of two 1024x1024 matrices, in
# each precision, with the default threads, beside NumPy; the report reads the entries under
# the workload "kernel matmul 1024^3" and sets their GFLOP/s against the FMA peak for their
# dtype and threads. A smoke run keeps the entry but shrinks the size.
MATMUL_SIZE = workloads.smoke_or(1024, 64)


@pytest.mark.parametrize("system", ["bendernet", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda dtype: np.dtype(dtype).name)
def test_matmul_1024(benchmark, record, dtype, system):
    n = MATMUL_SIZE
    kernel = bendernet_kernel("matmul") if system == "bendernet" else numpy_kernel("matmul")
    args = operands(n, n, n, dtype)
    benchmark.group = f"kernel matmul {n}^3 {np.dtype(dtype).name}"
    settle(kernel, args)
    result = benchmark(kernel, *args)
    expected = numpy_kernel("matmul")(*args)
    scale = np.abs(expected).max() or 1
    record(system=system, workload="kernel matmul 1024^3", dtype=np.dtype(dtype).name,
           threads=systems.threads(system), flops=2 * n ** 3,
           max_rel_error=float(np.abs(result - expected).max() / scale))
