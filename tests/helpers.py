"""Helpers shared by the kernel tests: tolerances, comparisons and input builders."""

import contextlib
import warnings

import numpy as np
import scipy.sparse as sp
from hypothesis import settings, strategies as st
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from bendernet import MLPClassifier, _kernels
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


# ---- property tests (tests/test_properties_*.py) ------------------------------------------
# Their example counts scale with the loaded hypothesis profile (conftest.py), so that
# HYPOTHESIS_PROFILE=thorough searches five times longer; threads and micro-kernels are set
# as every test here sets them: threadpoolctl's OpenMP limit, _kernels.gemm_select_kernel.

def examples(default):
    """max_examples of a property test: `default` under the default profile (100 examples),
    scaled with the loaded profile's (thorough 500: five times; smoke 5: at least one)"""
    return max(1, default * settings.default.max_examples // 100)


SMALL_SIZES = (0, 1, 2, 3, 5, 7, 11, 13)    # empty, one, and primes: no block divides them


def around(*edges):
    """edge - 1, edge and edge + 1 of every edge, the sizes where blocking goes wrong"""
    return sorted({s for e in edges for s in (e - 1, e, e + 1) if s >= 0})


THREAD_COUNTS = st.integers(1, 4)
GEMM_KERNELS_HERE = tuple(_kernels.gemm_kernels_available())
_threadpools = ThreadpoolController()


def openmp_threads(n):
    """A context in which the C core may use n threads (bn_max_threads reads OpenMP's limit)"""
    return _threadpools.limit(limits=n, user_api="openmp")


@contextlib.contextmanager
def gemm_kernel(name):
    """A context in which every product runs on micro-kernel `name`"""
    _kernels.gemm_select_kernel(name)
    try:
        yield
    finally:
        _kernels.gemm_select_kernel(None)


# The blocking, from csrc/gemm/gemm_blocking.h and csrc/tuning.h (x86: PORTABLE_MR is 8 on
# aarch64). NR is a number of bytes there: two vectors of the kernel's width.
MR = {"portable": 4, "avx2": 6, "avx512": 12}
NR_BYTES = {"portable": 32, "avx2": 64, "avx512": 128}
KC = {4: 384, 8: 256}           # by the size of a real, float32 or float64
MC = {4: 192, 8: 144}
NC = 3072
PACK_A_MIN_PANELS = 3


def edge_sizes(kernel, itemsize):
    """(rows or columns, depth): the sizes either side of every block of the kernel. Rows
    and columns share a list because a product may run transposed, C^T = B^T A^T."""
    mr, nr = MR[kernel], NR_BYTES[kernel] // itemsize
    lanes = nr // 2     # the narrow panel's width, and a vector of the unpacked kernel
    tail = lanes // 4   # its masked xmm tail (gemm_kernels_avx512_unpacked.c)
    sides = around(mr, 2 * mr, nr, lanes, tail, lanes + tail, PACK_A_MIN_PANELS * nr,
                   MC[itemsize], NC)
    return sides, around(KC[itemsize], 2 * KC[itemsize])


def size_up_to(edges, cap):
    """a size no larger than cap: a block edge, a small or prime size, or any small one"""
    return (st.sampled_from([s for s in edges if s <= cap] or [0]) |
            st.sampled_from([s for s in SMALL_SIZES if s <= cap]) |
            st.integers(0, min(40, cap)))


LAYOUTS_2D = ("C", "F", "strided", "reversed")
SENTINEL = 7.0


def _base_and_view(shape, layout, fill, dtype):
    r, c = shape
    if layout == "strided":
        base = np.full((2 * r + 1, 3 * c + 2), fill, dtype)
        return base, base[1::2, 2::3]
    if layout == "reversed":
        base = np.full((r, c), fill, dtype)
        return base, base[::-1, ::-1]
    base = np.full((r, c), fill, dtype, order=layout)
    return base, base


def laid_out(values, layout):
    """(view, base): a copy of the 2-D values in the given memory layout (C, F, strided:
    steps of 2 and 3 inside a larger array, reversed: negative steps), a view into base,
    whose other elements hold SENTINEL"""
    base, view = _base_and_view(values.shape, layout, SENTINEL, values.dtype)
    view[...] = values
    return view, base


def outside_is_untouched(base, shape, layout):
    """True when every element of base (from laid_out) outside its view holds SENTINEL"""
    inside, view = _base_and_view(shape, layout, False, bool)
    view[...] = True
    return bool(np.all(base[~inside] == SENTINEL))


def ulps(actual, expected, dtype, floor=0.0):
    """|actual - expected| in units in the last place (of dtype) of max(|expected|, floor),
    elementwise; a floor states that an error is relative to a larger intermediate than the
    result (e.g. 1 in 1 - f^2). NaN against NaN and equal infinities are 0, a NaN or an
    infinity against anything else is infinite."""
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        unit = np.spacing(np.maximum(np.abs(expected), floor).astype(dtype)).astype(np.float64)
        distance = np.abs(actual - expected) / unit
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    return np.where(same, 0.0, np.where(np.isfinite(distance), distance, np.inf))


def assert_within_ulps(actual, expected, dtype, bound, floor=0.0):
    distance = ulps(actual, expected, dtype, floor)
    if distance.size and distance.max() > bound:
        where = np.unravel_index(np.argmax(distance), distance.shape)
        raise AssertionError(
            f"{(distance > bound).sum()} of {distance.size} values beyond {bound} ulps; worst "
            f"{distance[where]:.3g} ulps at {where}: {np.asarray(actual)[where]!r} against "
            f"{np.asarray(expected)[where]!r}")


def gamma(n, dtype):
    """Higham's gamma_n = n u / (1 - n u), u the unit roundoff of dtype: a sum of n + 1
    terms, or a dot product of length n, computed in any order is off by at most
    gamma_n times the sum of the terms' magnitudes"""
    u = np.finfo(dtype).eps / 2
    return n * u / (1 - n * u)


def quiet_fit(estimator, X, y, **fit_params):
    """estimator.fit(X, y), a ConvergenceWarning (a short fit on purpose) silenced"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def assert_backends_agree(X, y, dtype, **params):
    """The C kernels and the NumPy reference train the same classifier on X in dtype (to
    rounding: 1e-9 relative in float64, 1e-4 in float32): epochs, loss, parameters, slopes
    and probabilities."""
    params = dict(max_iter=8, random_state=0, batch_size=32, learning_rate_init=0.01,
                  **params)
    c = quiet_fit(MLPClassifier(**params), X.astype(dtype), y)
    numpy = quiet_fit(MLPClassifier(backend="numpy", **params), X.astype(dtype), y)
    rtol = 1e-9 if dtype == np.float64 else 1e-4
    assert c.n_iter_ == numpy.n_iter_
    np.testing.assert_allclose(c.loss_, numpy.loss_, rtol=rtol)
    for a, b in zip(c.coefs_ + c.intercepts_, numpy.coefs_ + numpy.intercepts_):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(c.predict_proba(X), numpy.predict_proba(X), rtol=rtol,
                               atol=rtol)
    if hasattr(c, "prelu_alpha_"):
        np.testing.assert_allclose(c.prelu_alpha_, numpy.prelu_alpha_, rtol=rtol, atol=rtol)
