"""A layer's backward products of reduction length one (a batch of one row: dW = x^T dv;
a layer of one unit: dX = dv w^T) run as outer products beside the matrix product
(csrc/network/dense.c). Each element is one term added to zero, as the matrix product sums
it on every kernel: the bits must be the matrix product's, signed zeros and infinities
included."""

import numpy as np
import pytest

from bendernet import _kernels


@pytest.fixture(params=_kernels.gemm_kernels_available())
def kernel(request):
    before = _kernels.gemm_kernel_name()
    _kernels.gemm_select_kernel(request.param)
    yield request.param
    _kernels.gemm_select_kernel(before)


def values(rng, shape, dtype):
    """normal values with exact zeros, infinities and tiny numbers among them: a zero
    times a negative is -0, which the matrix product's sum from zero turns into +0"""
    x = rng.standard_normal(shape)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, 1e-300, -1e-30, 3.0e38, 0.0])
    picks = rng.random(shape) < 0.25
    x[picks] = rng.choice(specials, size=int(picks.sum()))
    return x.astype(dtype)


def bits(a):
    return np.ascontiguousarray(a).view(np.uint32 if a.dtype == np.float32 else np.uint64)


def product(A, B):
    C = np.empty((A.shape[0], B.shape[1]), dtype=A.dtype)
    _kernels.gemm(C, A, B)
    return C


# (rows of X, k inputs, n units, rows index): one-row batches of the W3 (2-4-1), digits and
# mnist-sized layers, the last past the size the outer product takes; one-unit layers
@pytest.mark.parametrize("n_rows,m,k,n,indexed", [
    (4, 1, 2, 4, True), (4, 1, 4, 1, False), (1, 1, 1, 1, False), (10, 1, 64, 100, True),
    (3, 1, 784, 256, True), (2, 1, 784, 1024, False),
    (4, 4, 4, 1, True), (300, 200, 100, 1, False), (5, 3, 1, 1, True),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_backward_products_of_one_term_have_the_matrix_products_bits(kernel, n_rows, m, k, n,
                                                                      indexed, dtype):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    X = values(rng, (n_rows, k), dtype)
    rows = rng.integers(0, n_rows, m).astype(np.int64) if indexed else None
    if not indexed:
        X = X[:m].copy()
    W, dV = values(rng, (k, n), dtype), values(rng, (m, n), dtype)
    dW, db, dX = np.empty((k, n), dtype), np.empty(n, dtype), np.empty((m, k), dtype)
    _kernels.dense_backward(dW, db, dX, dV, X.reshape(-1), None, None, n_rows if indexed else m,
                            k, rows, W)
    Xb = X[rows] if indexed else X
    np.testing.assert_array_equal(bits(dW), bits(product(Xb.T, dV)))
    np.testing.assert_array_equal(bits(dX), bits(product(dV, W.T)))
