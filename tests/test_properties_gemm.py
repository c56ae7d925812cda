"""Property tests of the matrix product (csrc/gemm/) against bendernet.reference: sizes on
either side of every register tile, narrow panel and cache block of the micro-kernel and
precision in use, operands and output in C, Fortran, strided and reversed layouts, gathered
rows, beta, every micro-kernel this CPU runs and 1 to 4 threads.

Bound: C[i,j] = beta C0[i,j] + sum_p A[i,p] B[p,j] is a sum of k + 1 terms (k products, one
scaled C0), so computed in any order, with or without fused multiply-adds, in any blocking
of the k loop, it is off the exact value by at most gamma_{k+2} (|A| |B| + |beta C0|)[i,j]
(Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5, with one more
rounding for beta C0). The reference (NumPy's BLAS) obeys the same bound, so the two differ
by at most twice it: |C - C_ref| <= 2 gamma_{k+2} (|A| |B| + |beta C0|), elementwise. The
inputs are uniform in [-1, 1], so nothing underflows and the bound needs no absolute term.

Threads split output tiles, never the k loop, so every thread count gives the same bits."""

import numpy as np
from hypothesis import given, settings, strategies as st

from bendernet import _kernels as K
from bendernet import reference as R
from bendernet.activations import NAMES
from helpers import (GEMM_KERNELS_HERE, LAYOUTS_2D, THREAD_COUNTS, edge_sizes, examples,
                     gamma, gemm_kernel, laid_out, openmp_threads, outside_is_untouched,
                     size_up_to)

# A product uses a thread per 2 m n k / 500,000 FLOPs (GEMM_FLOPS_PER_THREAD): m n k up to
# 1.2e6 lets the largest products here take all four threads, while each stays quick.
MAX_VOLUME = 1_200_000
MAX_AREA = 200_000              # m n, so that an output's strided base stays small


@st.composite
def products(draw, epilogue=False):
    kernel = draw(st.sampled_from(GEMM_KERNELS_HERE))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    sides, depths = edge_sizes(kernel, np.dtype(dtype).itemsize)
    m = draw(size_up_to(sides, MAX_AREA))
    n = draw(size_up_to(sides, MAX_AREA // max(m, 1)))
    k = draw(size_up_to(depths, MAX_VOLUME // max(m * n, 1)))
    return dict(
        kernel=kernel, dtype=dtype, m=m, n=n, k=k, threads=draw(THREAD_COUNTS),
        layouts=draw(st.tuples(*[st.sampled_from(LAYOUTS_2D)] * 3)),
        a_indexed=draw(st.booleans()), b_indexed=draw(st.booleans()),
        beta=0.0 if epilogue else draw(st.sampled_from([0.0, 1.0, -0.5, 2.0])),
        seed=draw(st.integers(0, 2**32 - 1)))


def operands(case):
    """(A, a_rows, B, b_rows, C0) for a case: A and B in their layouts, each gathered through
    a row index (repeats allowed, as in a bootstrap batch) or not, C0 uniform"""
    rng = np.random.default_rng(case["seed"])
    dtype, m, n, k = case["dtype"], case["m"], case["n"], case["k"]

    def operand(rows, cols, layout, indexed):
        source_rows = int(rng.integers(1, 2 * rows + 2)) if indexed else rows
        values = rng.uniform(-1, 1, (source_rows, cols)).astype(dtype)
        index = rng.integers(0, source_rows, rows) if indexed else None
        return laid_out(values, layout)[0], index

    A, a_rows = operand(m, k, case["layouts"][0], case["a_indexed"])
    B, b_rows = operand(k, n, case["layouts"][1], case["b_indexed"])
    return A, a_rows, B, b_rows, rng.uniform(-1, 1, (m, n)).astype(dtype)


def used(M, rows):
    return np.ascontiguousarray(M if rows is None else M[rows])


@settings(max_examples=examples(400))
@given(case=products())
def test_product_within_twice_the_dot_product_bound(case):
    A, a_rows, B, b_rows, C0 = operands(case)
    beta, layout, dtype = case["beta"], case["layouts"][2], case["dtype"]
    results = []
    with gemm_kernel(case["kernel"]):
        for threads in (1, case["threads"]):
            # beta == 0 never reads C: NaN there would show
            C, base = laid_out(np.full_like(C0, np.nan) if beta == 0 else C0, layout)
            with openmp_threads(threads):
                K.gemm(C, A, B, beta=beta, a_rows=a_rows, b_rows=b_rows)
            assert outside_is_untouched(base, C0.shape, layout)
            results.append(C)
    assert np.array_equal(results[0], results[1]), "threads changed the bits"

    expected = C0.copy()
    R.gemm(expected, used(A, a_rows), used(B, b_rows), beta)
    magnitude = (np.abs(used(A, a_rows)).astype(np.float64) @ np.abs(used(B, b_rows)) +
                 np.abs(beta * C0.astype(np.float64)))
    bound = 2 * gamma(case["k"] + 2, dtype) * magnitude
    error = np.abs(results[0].astype(np.float64) - expected)
    assert np.all(error <= bound), f"worst {np.max(error - bound, initial=0):.3g} past the bound"


@settings(max_examples=examples(100))
@given(case=products(epilogue=True), activation=st.sampled_from(range(-1, len(NAMES))),
       alpha=st.sampled_from([0.25, 1.0, -0.5]), with_bias=st.booleans())
def test_fused_bias_and_activation_give_the_bits_of_their_kernels(case, activation, alpha,
                                                                  with_bias):
    """C = f(A @ B + bias) with the fused epilogue, in registers (ReLU, identity, no
    pre-activation kept) or in a pass over C: pre is the product plus bias, within the
    product's bound plus one rounding for the bias; C is bit for bit the activation kernel
    applied to pre, on any kernel and thread count."""
    A, a_rows, B, b_rows, _ = operands(case)
    dtype, layout, m, n = case["dtype"], case["layouts"][2], case["m"], case["n"]
    bias = np.random.default_rng(case["seed"] + 1).uniform(-1, 1, n).astype(dtype)
    bias = bias if with_bias else None
    outputs = []
    with gemm_kernel(case["kernel"]):
        for threads, keep_pre in [(1, True), (case["threads"], True), (case["threads"], False)]:
            U, _ = laid_out(np.full((m, n), np.nan, dtype), layout)
            pre = laid_out(np.full((m, n), np.nan, dtype), layout)[0] if keep_pre else None
            with openmp_threads(threads):
                K.gemm_bias_activation(U, pre, A, B, bias, activation, alpha, a_rows, b_rows)
            outputs.append((U, pre))
    (U, pre), (U_threads, pre_threads), (U_in_registers, _) = outputs
    assert np.array_equal(pre, pre_threads) and np.array_equal(U, U_threads)
    assert np.array_equal(U_in_registers, U, equal_nan=True)

    if activation >= 0:
        flat_pre = np.ascontiguousarray(pre).reshape(-1)
        applied = np.empty_like(flat_pre)
        K.activation_forward(applied, flat_pre, activation, alpha)
        assert np.array_equal(np.ascontiguousarray(U).reshape(-1), applied, equal_nan=True)
    else:
        assert np.array_equal(U, pre)
    expected = np.zeros((m, n), dtype)
    R.gemm(expected, used(A, a_rows), used(B, b_rows))
    magnitude = np.abs(used(A, a_rows)).astype(np.float64) @ np.abs(used(B, b_rows))
    if bias is not None:
        expected = expected + bias
        magnitude = magnitude + np.abs(bias)
    bound = 2 * gamma(case["k"] + 2, dtype) * magnitude
    assert np.all(np.abs(pre.astype(np.float64) - expected) <= bound)


@settings(max_examples=examples(100))
@given(case=products(), specials=st.lists(st.sampled_from([np.nan, np.inf, -np.inf]),
                                          min_size=1, max_size=4), data=st.data())
def test_nan_and_infinity_land_where_the_sum_puts_them(case, specials, data):
    """A few NaN and infinities in A and B: C[i,j] is NaN exactly where a term of its sum
    is NaN (0 times infinity included) or where +inf meets -inf, and +-inf where only one
    infinity's sign appears. No order of summation changes that (the finite terms are at
    most k in size), so this holds exactly, whatever the tiles, padding and threads."""
    A, a_rows, B, b_rows, C0 = operands(case)
    if A.size == 0 or B.size == 0 or case["m"] * case["n"] * case["k"] > 200_000:
        return
    for M in (A, B):
        for value in specials:
            i = data.draw(st.integers(0, M.shape[0] - 1))
            j = data.draw(st.integers(0, M.shape[1] - 1))
            M[i, j] = value
    results = []
    with gemm_kernel(case["kernel"]):
        for threads in (1, case["threads"]):
            C = laid_out(C0, case["layouts"][2])[0]
            with openmp_threads(threads):
                K.gemm(C, A, B, beta=case["beta"], a_rows=a_rows, b_rows=b_rows)
            results.append(C)
    assert np.array_equal(results[0], results[1], equal_nan=True)
    A_used, B_used = used(A, a_rows).astype(np.float64), used(B, b_rows).astype(np.float64)
    with np.errstate(invalid="ignore"):
        terms = A_used[:, :, None] * B_used[None, :, :]
        expected = terms.sum(axis=1) + case["beta"] * C0
    got = results[0]
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert np.array_equal(np.isposinf(got), np.isposinf(expected))
    assert np.array_equal(np.isneginf(got), np.isneginf(expected))
