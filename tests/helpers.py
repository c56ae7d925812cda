"""Helpers shared by the kernel tests: tolerances, comparisons and input builders."""

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st

from bendernet._network import LayerInput

DTYPES = (np.float32, np.float64)

# Rounding-level: a few hundred units in the last place of the precision.
RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}

# Sizes that catch edge handling: 0 and 1, primes, and sizes around multiples of 8 and 16
# (the vector widths a kernel might assume).
EDGE_SIZES = (0, 1, 2, 3, 5, 7, 8, 9, 13, 15, 16, 17, 31, 33)


def sizes(min_value=0, max_value=33):
    """A size from EDGE_SIZES within bounds, or any integer in them."""
    edges = [s for s in EDGE_SIZES if min_value <= s <= max_value]
    return st.sampled_from(edges) | st.integers(min_value, max_value)


def assert_close(actual, expected, dtype, scale=0.0, rtol=None):
    """|actual - expected| <= rtol * (|expected| + scale), elementwise.

    scale is the magnitude of the intermediate values the result was formed from (e.g.
    |A| @ |B| for a product): cancellation leaves a result small but its rounding error is
    relative to the terms, not to the result. Subnormal results are compared to the smallest
    normal number. NaN must match NaN, infinities must match."""
    rtol = RTOL[np.dtype(dtype)] if rtol is None else rtol
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    same_nan = np.isnan(actual) == np.isnan(expected)
    finite = np.isfinite(expected)
    same_inf = np.where(np.isinf(expected), actual == expected, True)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(actual - expected)
        # below the smallest normal number precision is absolute, not relative
        bound = rtol * (np.abs(expected) + scale + np.finfo(dtype).tiny)
        near = np.where(finite, error <= bound, True)
    good = same_nan & same_inf & near
    if not good.all():
        where = np.argwhere(~good)[:5]
        detail = [(tuple(i), actual[tuple(i)], expected[tuple(i)]) for i in where]
        raise AssertionError(f"{(~good).sum()} of {good.size} values differ: {detail}")


def rng_from(seed):
    return np.random.default_rng(seed)


def random_csr(rng, n_rows, n_cols, dtype, density=0.3):
    """A CSR matrix with int64 index arrays, as the C layer requires."""
    dense = rng.standard_normal((n_rows, n_cols)).astype(dtype)
    dense[rng.random((n_rows, n_cols)) > density] = 0
    X = sp.csr_matrix(dense)
    X.indptr = X.indptr.astype(np.int64)
    X.indices = X.indices.astype(np.int64)
    return X


def layer_input(rng, n_rows, n_cols, dtype, sparse):
    """A layer input X, dense C-contiguous or CSR."""
    if sparse:
        return random_csr(rng, n_rows, n_cols, dtype)
    return rng.standard_normal((n_rows, n_cols)).astype(dtype)


def misaligned_copy(x):
    """x's values in memory one byte off the alignment of its dtype (NumPy allows it; the
    C core must never read such an array in place)"""
    raw = np.zeros(x.nbytes + 1, np.uint8)[1:]
    out = raw.view(x.dtype).reshape(x.shape)
    out[...] = x
    assert not out.flags.aligned
    return out


def input_parts(X):
    """A layer input X (a 2-D ndarray or a CSR matrix) as the kernels take it, a LayerInput
    (values, indptr, indices, n_rows, n_cols), taken as it is: no copy of a sparse X, no
    check, so that a test can hand the kernels a malformed one."""
    if sp.issparse(X):
        return LayerInput(X.data, X.indptr, X.indices, *X.shape)
    return LayerInput(X.reshape(-1), None, None, *X.shape)
