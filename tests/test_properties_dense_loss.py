"""Property tests of the dense layer (csrc/network/dense.c), the output layers and the losses
with their output deltas (csrc/network/loss.c) against bendernet.reference: batch rows,
inputs and outputs either side of the product's blocks, dense and CSR input, gathered rows,
every activation, both precisions, every micro-kernel this CPU runs and 1 to 4 threads (the
layer's two backward products may run side by side: the bits must not change).

Bounds, next to each test. gamma(n) is Higham's n u / (1 - n u): a sum of n + 1 terms in any
order is off by at most gamma(n) times the sum of their magnitudes; the reference obeys the
same bound, so the two differ by at most twice it."""

import numpy as np
from hypothesis import given, settings, strategies as st

from bendernet import _kernels as K
from bendernet import reference as R
from bendernet.activations import DEFAULT_ALPHA, NAMES
from helpers import (GEMM_KERNELS_HERE, SMALL_SIZES, THREAD_COUNTS, assert_within_ulps,
                     edge_sizes, examples, gamma, gemm_kernel, input_parts, layer_input,
                     openmp_threads, size_up_to)
from test_properties_activations import FORWARD_ULPS

MAX_VOLUME = 600_000            # m k n of one layer
OUTPUTS = (R.OUT_IDENTITY, R.OUT_LOGISTIC, R.OUT_SOFTMAX, R.OUT_EXP)


def lipschitz(name, alpha):
    """How far f moves per unit of its input, at most: 1 for every activation but ELU and
    PReLU (max(1, |alpha|)); step is not continuous and is checked away from its jump."""
    return max(1.0, abs(alpha)) if name in DEFAULT_ALPHA else 1.0


@st.composite
def layers(draw):
    kernel = draw(st.sampled_from(GEMM_KERNELS_HERE))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    sides, depths = edge_sizes(kernel, np.dtype(dtype).itemsize)
    m = draw(size_up_to(sides, 400))
    k = draw(size_up_to(sides + depths, MAX_VOLUME // max(m, 1)))
    n = draw(size_up_to(sides, min(400, MAX_VOLUME // max(m * k, 1))))
    name = draw(st.sampled_from(NAMES))
    return dict(kernel=kernel, dtype=dtype, m=m, k=k, n=n, threads=draw(THREAD_COUNTS),
                sparse=draw(st.booleans()), indexed=draw(st.booleans()), name=name,
                alpha=draw(st.sampled_from([0.25, 1.0, -0.5])) if name in DEFAULT_ALPHA
                else 0.0, seed=draw(st.integers(0, 2**32 - 1)))


def layer_data(case):
    """(X, rows, W, b, dV) of a case: X dense or CSR, gathered through rows or not"""
    rng = np.random.default_rng(case["seed"])
    dtype, m, k, n = case["dtype"], case["m"], case["k"], case["n"]
    n_source = int(rng.integers(1, 2 * m + 2)) if case["indexed"] else m
    X = layer_input(rng, n_source, k, dtype, case["sparse"])
    rows = rng.integers(0, n_source, m) if case["indexed"] else None
    W = rng.uniform(-1, 1, (k, n)).astype(dtype)
    b = rng.uniform(-1, 1, n).astype(dtype)
    return X, rows, W, b, rng.uniform(-1, 1, (m, n)).astype(dtype)


def on_threads(case, run):
    """run() on the case's kernel with one thread and with the case's threads: the bits of
    every output must agree; returns the one-thread outputs"""
    results = []
    with gemm_kernel(case["kernel"]):
        for threads in (1, case["threads"]):
            with openmp_threads(threads):
                results.append(run())
    for one, many in zip(*results):
        assert one is None or np.array_equal(one, many, equal_nan=True), "threads changed bits"
    return results[0]


def magnitude(X):
    return abs(X) if hasattr(X, "indptr") else np.abs(X).astype(np.float64)


@settings(max_examples=examples(200))
@given(case=layers(), keep_pre=st.booleans())
def test_dense_forward_within_the_product_bound(case, keep_pre):
    """pre = X W + b: 2 gamma(k + 1) (|X| |W| + |b|). U = f(pre): f moves the difference by
    at most its Lipschitz constant, and adds its own FORWARD_ULPS of U."""
    X, rows, W, b, _ = layer_data(case)
    m, n, dtype, name = case["m"], case["n"], case["dtype"], case["name"]
    code, alpha = NAMES.index(name), case["alpha"]

    def run():
        U, pre = np.full((m, n), np.nan, dtype), np.full((m, n), np.nan, dtype)
        K.dense_forward(U, pre if keep_pre else None, *input_parts(X), rows, W, b, code, alpha)
        return U, pre if keep_pre else None

    U, pre = on_threads(case, run)
    U_ref, pre_ref = np.empty((m, n), dtype), np.empty((m, n), dtype)
    R.dense_forward(U_ref, pre_ref, *input_parts(X), rows, W, b, code, alpha)
    X_used = magnitude(X if rows is None else X[rows])
    pre_bound = 2 * gamma(case["k"] + 1, dtype) * (np.asarray(X_used @ np.abs(W)) + np.abs(b))
    if keep_pre:
        assert np.all(np.abs(pre.astype(np.float64) - pre_ref) <= pre_bound)
    bound = (lipschitz(name, alpha) * pre_bound +
             FORWARD_ULPS[name] * np.spacing(np.abs(U_ref)).astype(np.float64))
    # (an array either way: ~True is -2, and (x <= bound) | -2 would pass everything)
    away_from_jump = (np.abs(pre_ref) > pre_bound if name == "step"
                      else np.ones(pre_ref.shape, dtype=bool))
    assert np.all((np.abs(U.astype(np.float64) - U_ref) <= bound) | ~away_from_jump)


@settings(max_examples=examples(200))
@given(case=layers(), with_dX=st.booleans())
def test_dense_backward_within_the_product_bounds(case, with_dX):
    """dW = X^T dV: 2 gamma(m) |X|^T |dV|; db = the sum of dV's m rows: 2 gamma(m) of the
    sum of |dV|; dX = dV W^T: 2 gamma(n) |dV| |W|^T"""
    X, rows, W, _, dV = layer_data(case)
    m, k, n, dtype = case["m"], case["k"], case["n"], case["dtype"]

    def run():
        dW, db = np.full((k, n), np.nan, dtype), np.full(n, np.nan, dtype)
        dX = np.full((m, k), np.nan, dtype) if with_dX else None
        K.dense_backward(dW, db, dX, dV, *input_parts(X), rows, W)
        return dW, db, dX

    dW, db, dX = on_threads(case, run)
    dW_ref, db_ref, dX_ref = np.empty((k, n), dtype), np.empty(n, dtype), np.empty((m, k), dtype)
    R.dense_backward(dW_ref, db_ref, dX_ref, dV, *input_parts(X), rows, W)
    X_used, abs_dV = magnitude(X if rows is None else X[rows]), np.abs(dV.astype(np.float64))
    assert np.all(np.abs(dW - dW_ref.astype(np.float64)) <=
                  2 * gamma(m, dtype) * np.asarray(X_used.T @ abs_dV))
    assert np.all(np.abs(db - db_ref.astype(np.float64)) <=
                  2 * gamma(m, dtype) * abs_dV.sum(axis=0))
    if with_dX:
        assert np.all(np.abs(dX - dX_ref.astype(np.float64)) <=
                      2 * gamma(n, dtype) * abs_dV @ np.abs(W.T))


# ---- output layers and losses ------------------------------------------------------------

@st.composite
def outputs(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    m = draw(st.sampled_from(SMALL_SIZES) | st.integers(0, 70))
    n = draw(st.sampled_from(SMALL_SIZES + (8, 9, 15, 16, 17, 31, 32, 33)) | st.integers(0, 40))
    spread = draw(st.sampled_from([1.0, 10.0, 80.0]))
    return draw(st.sampled_from(OUTPUTS)), m, n, dtype, spread, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=examples(200))
@given(case=outputs())
def test_output_forward_within_its_ulps(case):
    """identity: exact. logistic: as the logistic activation, 4 ulps. exp: the C core's exp
    is within 1 ulp, NumPy's within about 2: 4 ulps. softmax: each side's e^(z - max z) is
    within 2 ulps of the same rounded argument (both subtract alike), the row sum of n
    positive terms within gamma(n - 1), the division one rounding: twice (2 + n + 1) ulps
    of the result, above the smallest normal number (below it, absolute)."""
    output, m, n, dtype, spread, seed = case
    Z = (spread * np.random.default_rng(seed).uniform(-1, 1, (m, n))).astype(dtype)
    got, expected = Z.copy(), Z.copy()
    K.output_forward(got, output)
    R.output_forward(expected, output)
    bound = {R.OUT_IDENTITY: 0, R.OUT_LOGISTIC: 4, R.OUT_EXP: 4,
             R.OUT_SOFTMAX: 2 * (n + 3)}[output]
    assert_within_ulps(got, expected, dtype, bound, floor=np.finfo(dtype).tiny)


def predictions_and_targets(rng, output, m, n, dtype):
    """P in the output's range, sometimes at its clipped edges, and targets its loss takes"""
    if output == R.OUT_IDENTITY:
        P, T = rng.standard_normal((m, n)), rng.standard_normal((m, n))
    elif output == R.OUT_LOGISTIC:
        P = np.where(rng.random((m, n)) < 0.2, rng.choice([0.0, 1.0, 1e-30], (m, n)),
                     rng.random((m, n)))
        T = rng.integers(0, 2, (m, n))
    elif output == R.OUT_SOFTMAX:
        P = rng.random((m, n)) ** 4
        P /= np.maximum(P.sum(axis=1, keepdims=True), 1e-300)
        T = np.eye(n)[rng.integers(0, n, m)] if n else np.zeros((m, n))
    else:
        P, T = np.exp(rng.uniform(-5, 5, (m, n))), rng.poisson(3, (m, n))
    return P.astype(dtype), T.astype(dtype)


@settings(max_examples=examples(200))
@given(case=outputs(), weighted=st.booleans(), indexed=st.booleans())
def test_loss_and_output_delta_within_their_bounds(case, weighted, indexed):
    """delta = (P - T) sw: the same two roundings in the same order on both sides, 0 ulps.
    The loss is formed in double from the same clipped P: each pointwise term within a few
    ulps of double (a log on each side), summed over m n terms and weighted: 2 gamma(m n + 8)
    of the sum of the weighted terms' magnitudes, over the weights' sum."""
    output, m, n, dtype, _, seed = case
    rng = np.random.default_rng(seed)
    P, T_used = predictions_and_targets(rng, output, m, n, dtype)
    rows, T = None, T_used
    if indexed:             # T holds more rows than the batch, gathered through rows
        rows = rng.permutation(m + 3)[:m]
        T = np.zeros((m + 3, n), dtype)
        T[rows] = T_used
    sw = rng.choice([0.0, 0.5, 1.0, 3.0], len(T)).astype(dtype) if weighted else None
    delta, delta_ref = np.full_like(P, np.nan), np.full_like(P, np.nan)
    loss = K.output_loss(delta, P, T, sw, rows, output)
    with np.errstate(divide="ignore"):
        loss_ref = R.output_loss(delta_ref, P, T, sw, rows, output)
    assert_within_ulps(delta, delta_ref, dtype, 0)

    w = np.ones(m) if sw is None else (sw if rows is None else sw[rows]).astype(np.float64)
    bound = 2 * gamma(m * n + 8, np.float64) * (w @ term_magnitudes(output, P, T_used))
    assert abs(loss - loss_ref) <= (bound / w.sum() if w.sum() else 0.0)


def term_magnitudes(output, P, T):
    """per row, the sum of the magnitudes of the terms each loss adds up, in double: the
    scale of its rounding error (the Poisson deviance t log(t / p) - t + p cancels)"""
    eps = np.finfo(P.dtype).eps
    P, T = P.astype(np.float64), T.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if output == R.OUT_IDENTITY:
            terms = 0.5 * (T - P) ** 2 / max(P.shape[1], 1)
        elif output == R.OUT_LOGISTIC:
            q = np.clip(P, eps, 1 - eps)
            terms = np.abs(T * np.log(q)) + np.abs((1 - T) * np.log(1 - q))
        elif output == R.OUT_SOFTMAX:
            terms = np.abs(T * np.log(np.clip(P, eps, 1 - eps)))
        else:
            terms = np.abs(np.where(T == 0, 0, T * np.log(T / P))) + T + P
    return terms.sum(axis=1)
