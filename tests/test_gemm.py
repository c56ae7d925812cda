"""The matrix product (csrc/gemm/) against NumPy: awkward shapes around every block
size, strides, transposes, row indices, beta, every micro-kernel this CPU runs, bitwise
equality across thread counts, the fused epilogue, and bad input."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from threadpoolctl import threadpool_info, threadpool_limits

from bendernet import _kernels, reference
from bendernet._network import layer_input
from bendernet.activations import DEFAULT_ALPHA, NAMES

DTYPES = (np.float32, np.float64)

# Sizes either side of every block in csrc/gemm/gemm_blocking.h: register tiles MR (4, 6, 8, 12)
# and NR (4, 8, 16, 32), and the cache blocks KC (256, 384) and MC (144, 192).
EDGE_SHAPES = [
    (0, 0, 0), (0, 5, 3), (4, 0, 3), (3, 4, 0), (1, 1, 1), (2, 3, 5), (7, 11, 13),
    (3, 7, 1), (5, 9, 2), (11, 31, 17), (13, 33, 4), (12, 32, 6), (6, 16, 9), (4, 8, 10),
    (5, 15, 3), (25, 65, 7), (23, 17, 255), (9, 10, 257), (14, 30, 383), (3, 9, 385),
    (143, 7, 12), (145, 20, 5), (191, 3, 9), (193, 41, 31), (37, 10, 100), (10, 37, 100),
    (1, 300, 20), (300, 1, 20), (97, 89, 521),
]


def available_kernels():
    return _kernels.gemm_kernels_available()


@pytest.fixture(params=_kernels.GEMM_KERNELS)
def kernel(request):
    """Runs the test once per micro-kernel, skipping those this CPU cannot run."""
    if request.param not in available_kernels():
        pytest.skip(f"this CPU does not run the {request.param} kernel")
    _kernels.gemm_select_kernel(request.param)
    yield request.param
    _kernels.gemm_select_kernel(None)


def random_matrix(rng, shape, dtype):
    return rng.uniform(-1, 1, shape).astype(dtype)


def product_error_bound(A, B, dtype):
    """The usual bound on a computed dot product, |error| <= k eps |A| @ |B|, with room."""
    k = A.shape[1]
    eps = np.finfo(dtype).eps
    return 2 * (k + 2) * eps * (np.abs(A).astype(np.float64) @ np.abs(B).astype(np.float64))


def assert_product(C, A, B, beta=0.0, C0=None):
    exact = A.astype(np.float64) @ B.astype(np.float64)
    bound = product_error_bound(A, B, C.dtype)
    if beta != 0:
        exact = exact + beta * C0.astype(np.float64)
        bound = bound + 2 * np.finfo(C.dtype).eps * np.abs(beta * C0.astype(np.float64))
    assert C.shape == exact.shape
    assert np.all(np.abs(C - exact) <= bound + np.finfo(C.dtype).tiny)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", EDGE_SHAPES)
def test_matches_numpy_at_block_edges(kernel, dtype, m, n, k):
    rng = np.random.default_rng(m * 10007 + n * 101 + k)
    A, B = random_matrix(rng, (m, k), dtype), random_matrix(rng, (k, n), dtype)
    C = np.full((m, n), np.nan, dtype)
    _kernels.gemm(C, A, B)
    assert_product(C, A, B)


def layouts(rng, shape, dtype):
    """The same matrix in several memory layouts: C order, Fortran order, a transposed
    copy, a slice with steps out of a larger array, and one with negative steps."""
    base = random_matrix(rng, shape, dtype)
    big = random_matrix(rng, (2 * shape[0] + 1, 3 * shape[1] + 2), dtype)
    big[1::2, 2::3] = base
    return {
        "C": base,
        "F": np.asfortranarray(base),
        "T": np.ascontiguousarray(base.T).T,
        "steps": big[1::2, 2::3],
        "reversed": base[::-1, ::-1].copy()[::-1, ::-1],
    }


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("a_layout", ["C", "F", "T", "steps", "reversed"])
@pytest.mark.parametrize("b_layout", ["C", "F", "steps"])
def test_operand_layouts(kernel, dtype, a_layout, b_layout):
    rng = np.random.default_rng(1)
    m, n, k = 29, 35, 41
    A = layouts(rng, (m, k), dtype)[a_layout]
    B = layouts(rng, (k, n), dtype)[b_layout]
    C = np.empty((m, n), dtype)
    _kernels.gemm(C, A, B)
    assert_product(C, A, B)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c_layout", ["F", "T", "steps", "reversed"])
def test_output_layouts_leave_neighbours_alone(kernel, dtype, c_layout):
    rng = np.random.default_rng(2)
    m, n, k = 27, 13, 19
    A, B = random_matrix(rng, (m, k), dtype), random_matrix(rng, (k, n), dtype)
    big = np.full((2 * m + 1, 3 * n + 2), 7.0, dtype)
    view = {"F": lambda x: x[:m, :n].copy(order="F"),
            "T": lambda x: x[:n, :m].copy().T,
            "steps": lambda x: x[1::2, 2::3],
            "reversed": lambda x: x[-2::-2, -1::-3][:m, :n]}[c_layout]
    C = view(big)
    _kernels.gemm(C, A, B)
    assert_product(C, A, B)
    inside = np.zeros(big.shape, bool)
    if np.shares_memory(C, big):
        view(inside)[...] = True
    assert np.all(big[~inside] == 7.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_layout_gives_the_same_bits(kernel, dtype):
    """Each element is the same sum in the same order whichever way C is laid out (the
    product may be computed transposed) and whichever tile or thread computes it."""
    rng = np.random.default_rng(3)
    m, n, k = 53, 10, 700
    A, B = random_matrix(rng, (m, k), dtype), random_matrix(rng, (k, n), dtype)
    results = []
    for order in "CF":
        C = np.empty((m, n), dtype, order=order)
        _kernels.gemm(C, A, B)
        results.append(C)
    Ct = np.empty((n, m), dtype)
    _kernels.gemm(Ct, np.ascontiguousarray(B.T), np.ascontiguousarray(A.T))
    results.append(Ct.T)
    for C in results[1:]:
        assert np.array_equal(C, results[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_read_in_place_or_packed_gives_the_same_bits(kernel, dtype):
    """A small A with short contiguous rows is read where it lies, a small A in a wide
    array or an indexed one is packed whole, a large A is packed a block at a time: the
    kernel sums the same values alike."""
    rng = np.random.default_rng(11)
    m, n, k = 37, 70, 50
    wide = random_matrix(rng, (m, 4096 // np.dtype(dtype).itemsize + k), dtype)
    large = random_matrix(rng, (600 * 1024 // (k * np.dtype(dtype).itemsize), k), dtype)
    large[:m] = wide[:, :k]
    B = random_matrix(rng, (k, n), dtype)
    results = []
    for A, rows in [(np.ascontiguousarray(wide[:, :k]), None), (wide[:, :k], None),
                    (large, None), (large, np.arange(m, dtype=np.int64))]:
        C = np.empty((m if rows is not None else A.shape[0], n), dtype)
        _kernels.gemm(C, A, B, a_rows=rows)
        results.append(C[:m])
    assert_product(results[0], wide[:, :k], B)
    for C in results[1:]:
        assert np.array_equal(C, results[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_row_indices_gather_while_packing(kernel, dtype):
    rng = np.random.default_rng(4)
    X = random_matrix(rng, (50, 23), dtype)
    W = random_matrix(rng, (60, 31), dtype)
    a_rows = rng.integers(0, 50, 37)                 # a shuffled batch, repeats allowed
    b_rows = rng.permutation(60)[:23]
    C = np.empty((37, 31), dtype)
    _kernels.gemm(C, X, W, a_rows=a_rows, b_rows=b_rows)
    assert_product(C, X[a_rows], W[b_rows])
    # X^T dZ with the batch index on B's rows, read through a transposed view
    dZ = random_matrix(rng, (37, 9), dtype)
    dW = np.empty((23, 9), dtype)
    _kernels.gemm(dW.T, dZ.T, X, b_rows=a_rows)
    assert_product(dW.T, dZ.T, X[a_rows])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [0.0, 1.0, 0.5, -2.0])
@pytest.mark.parametrize("k", [0, 3, 400])
def test_beta(kernel, dtype, beta, k):
    rng = np.random.default_rng(5)
    m, n = 17, 45
    A, B = random_matrix(rng, (m, k), dtype), random_matrix(rng, (k, n), dtype)
    C0 = random_matrix(rng, (m, n), dtype)
    C = C0.copy()
    _kernels.gemm(C, A, B, beta=beta)
    assert_product(C, A, B, beta, C0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [0, 5])
def test_beta_zero_never_reads_c(kernel, dtype, k):
    rng = np.random.default_rng(6)
    A, B = random_matrix(rng, (14, k), dtype), random_matrix(rng, (k, 33), dtype)
    for order in "CF":
        C = np.full((14, 33), np.nan, dtype, order=order)
        _kernels.gemm(C, A, B, beta=0.0)
        assert np.all(np.isfinite(C))
        assert_product(C, A, B)


def assert_same_bits_on_one_and_two_threads(A, B, a_rows=None):
    """A[a_rows] @ B through the kernels with one thread, then two: the same bits, and the
    product."""
    results = []
    for threads in (1, 2):
        C = np.empty((A.shape[0] if a_rows is None else len(a_rows), B.shape[1]), A.dtype)
        with threadpool_limits(limits=threads, user_api="openmp"):
            _kernels.gemm(C, A, B, a_rows=a_rows)
        results.append(C)
    assert np.array_equal(results[0], results[1])
    assert_product(results[0], A if a_rows is None else A[a_rows], B)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(300, 200, 400), (12, 700, 300), (700, 9, 300),
                                   (200, 64, 100), (128, 784, 256)])
def test_bitwise_equal_with_one_and_two_threads(kernel, dtype, m, n, k):
    rng = np.random.default_rng(7)
    A, B = random_matrix(rng, (m, k), dtype), random_matrix(rng, (k, n), dtype)
    assert_same_bits_on_one_and_two_threads(A, B)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["C", "F", "rows 4 KiB apart", "indexed"])
@pytest.mark.parametrize("m,n,k", [(400, 100, 50), (20, 3100, 30), (30, 200, 700)])
def test_small_a_bitwise_equal_with_one_and_two_threads(kernel, dtype, layout, m, n, k):
    # A small, so the threads take groups of columns, with A read in place (C and F) or
    # packed whole first (rows a multiple of 4 KiB apart, or indexed): more rows than MC,
    # more columns than NC, a reduction of several KC slices
    rng = np.random.default_rng(8)
    B, rows = random_matrix(rng, (k, n), dtype), None
    if layout == "rows 4 KiB apart":
        A = random_matrix(rng, (m, 2 * 4096 // np.dtype(dtype).itemsize), dtype)[:, :k]
    elif layout == "indexed":
        A, rows = random_matrix(rng, (m + 5, k), dtype), rng.permutation(m + 5)[:m]
    else:
        A = np.asarray(random_matrix(rng, (m, k), dtype), order=layout)
    assert_same_bits_on_one_and_two_threads(A, B, rows)


# Narrow products, which the AVX-512 kernel runs unpacked: every row count of a tile
# (1..12), columns as an xmm tail only, one zmm, a zmm and an xmm tail, two zmm (float64
# lanes 8, float32 16), k across the KC slices, and the transposed orientation (m <= 12,
# C written through a scratch tile).
NARROW_SHAPES = [(m, n, k) for m in (1, 5, 12, 13, 200) for n in (2, 3, 8, 10, 12, 16, 20, 31)
                 for k in (1, 100, 700)] + [(10, 100, 200), (3, 45, 300), (11, 77, 9)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_narrow_products(kernel, dtype):
    rng = np.random.default_rng(11)
    for m, n, k in NARROW_SHAPES:
        A, B = random_matrix(rng, (m, k), dtype), random_matrix(rng, (k, n), dtype)
        X = random_matrix(rng, (k, m), dtype)            # A = X^T, as in dW = X^T dZ
        C0 = random_matrix(rng, (m, n), dtype)
        for a in (A, X.T):
            for order in "CF":
                C = np.array(C0, order=order)
                _kernels.gemm(C, a, B, beta=0.5)
                assert_product(C, a, B, 0.5, C0)
                same = np.empty((m, n), dtype, order="F" if order == "C" else "C")
                _kernels.gemm(same, a, B)
                other = np.empty((m, n), dtype, order=order)
                _kernels.gemm(other, a, B)
                assert np.array_equal(same, other)       # both orientations, same bits


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n", [(200, 10), (10, 100)])
def test_narrow_bias_activation(kernel, dtype, m, n):
    rng = np.random.default_rng(12)
    A, B = random_matrix(rng, (m, 300), dtype), random_matrix(rng, (300, n), dtype)
    bias = random_matrix(rng, (n,), dtype)
    U, pre = np.empty((m, n), dtype), np.empty((m, n), dtype)
    _kernels.gemm_bias_activation(U, pre, A, B, bias, NAMES.index("tanh"), 0.0)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pre, A @ B + bias, **tol)
    np.testing.assert_allclose(U, np.tanh(A @ B + bias), **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k,transpose_a", [(6000, 10, 800, False), (10, 6000, 800, True)])
def test_narrow_bitwise_equal_with_one_and_two_threads(kernel, dtype, m, n, k, transpose_a):
    rng = np.random.default_rng(13)
    A = random_matrix(rng, (k, m), dtype).T if transpose_a else random_matrix(rng, (m, k), dtype)
    B = random_matrix(rng, (k, n), dtype)
    assert_same_bits_on_one_and_two_threads(A, B)


def test_threadpoolctl_sees_the_openmp_runtime():
    apis = {info["user_api"] for info in threadpool_info()}
    assert "openmp" in apis


def run_python(code, **env):
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                          capture_output=True, text=True, check=True).stdout.strip()


def test_environment_variable_forces_a_kernel():
    code = "from bendernet import _kernels; print(_kernels.gemm_kernel_name())"
    assert run_python(code, BENDERNET_GEMM_KERNEL="portable") == "portable"
    # a kernel that does not exist (or that this CPU cannot run) falls back to the best one
    assert run_python(code, BENDERNET_GEMM_KERNEL="nonsense") == available_kernels()[-1]


def test_omp_num_threads_gives_the_same_bits():
    code = ("import hashlib, numpy as np; from bendernet import _kernels;"
            "rng = np.random.default_rng(0); A = rng.random((300, 500)); B = rng.random((500, 70));"
            "C = np.empty((300, 70)); _kernels.gemm(C, A, B);"
            "print(hashlib.sha256(C.tobytes()).hexdigest())")
    assert run_python(code, OMP_NUM_THREADS="1") == run_python(code, OMP_NUM_THREADS="2")


def test_select_kernel():
    before = _kernels.gemm_kernel_name()
    for name in available_kernels():
        _kernels.gemm_select_kernel(name)
        assert _kernels.gemm_kernel_name() == name
    _kernels.gemm_select_kernel(None)
    assert _kernels.gemm_kernel_name() == before
    with pytest.raises(ValueError, match="no gemm micro-kernel 'sse9'"):
        _kernels.gemm_select_kernel("sse9")
    assert _kernels.gemm_kernel_name() == before


def test_bad_input():
    A, B, C = np.ones((3, 4)), np.ones((4, 5)), np.empty((3, 5))
    with pytest.raises(ValueError):
        _kernels.gemm(C, A, np.ones((5, 5)))
    with pytest.raises(ValueError):
        _kernels.gemm(np.empty((3, 6)), A, B)
    with pytest.raises(ValueError):
        _kernels.gemm(C, A, B, a_rows=np.array([0, 1, 3]))        # row 3 of 3
    with pytest.raises(ValueError):
        _kernels.gemm(C, A, B, b_rows=np.array([0, 1, 2, -1]))
    with pytest.raises(ValueError):
        _kernels.gemm(C, A, B, a_rows=np.array([0, 1]))            # too few rows
    with pytest.raises(ValueError):
        _kernels.gemm_bias_activation(C, None, A, B, np.ones(5), len(NAMES), 0.0)
    with pytest.raises(ValueError):
        _kernels.gemm_bias_activation(C, None, A, B, np.ones(4), 0, 0.0)


@given(m=st.integers(0, 40), n=st.integers(0, 40), k=st.integers(0, 40),
       transpose_a=st.booleans(), transpose_b=st.booleans(), fortran_c=st.booleans(),
       beta=st.sampled_from([0.0, 1.0, -0.5]), double=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_random_products(m, n, k, transpose_a, transpose_b, fortran_c, beta, double, seed):
    dtype = np.float64 if double else np.float32
    rng = np.random.default_rng(seed)
    A = random_matrix(rng, (k, m), dtype).T if transpose_a else random_matrix(rng, (m, k), dtype)
    B = random_matrix(rng, (n, k), dtype).T if transpose_b else random_matrix(rng, (k, n), dtype)
    C0 = random_matrix(rng, (m, n), dtype)
    C = np.array(C0, order="F" if fortran_c else "C")
    _kernels.gemm(C, A, B, beta=beta)
    assert_product(C, A, B, beta, C0)


# ---- the fused epilogue ----------------------------------------------------------------

def alpha_of(name):
    return DEFAULT_ALPHA.get(name, 0.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", range(-1, len(NAMES)))
@pytest.mark.parametrize("c_order", "CF")
def test_bias_activation_matches_reference(kernel, dtype, activation, c_order):
    rng = np.random.default_rng(8)
    m, n, k = 37, 21, 45
    A, B = random_matrix(rng, (m, k), dtype), random_matrix(rng, (k, n), dtype)
    bias = random_matrix(rng, (n,), dtype)
    alpha = alpha_of(NAMES[activation]) if activation >= 0 else 0.0
    U = np.full((m, n), np.nan, dtype, order=c_order)
    pre = np.full((m, n), np.nan, dtype, order=c_order)
    _kernels.gemm_bias_activation(U, pre, A, B, bias, activation, alpha)
    expected_pre = A @ B + bias
    expected = np.empty_like(expected_pre)
    if activation < 0:
        expected[...] = expected_pre
    else:
        reference.activation_forward(expected, expected_pre, activation, alpha)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pre, expected_pre, **tol)
    np.testing.assert_allclose(U, expected, **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", [-1, NAMES.index("identity"), NAMES.index("relu")])
@pytest.mark.parametrize("c_order", "CF")
@pytest.mark.parametrize("m,n,k", [(50, 70, 40), (30, 100, 700)])
def test_epilogue_in_registers_gives_the_bits_of_the_epilogue_pass(kernel, dtype, activation,
                                                                   c_order, m, n, k):
    # Without a pre-activation to keep, whole tiles add the bias and apply ReLU in the
    # micro-kernel's registers; with one, every tile takes the pass over C. Both, and NumPy
    # on the plain product, must give the same bits, NaN included. Fortran order runs the
    # transposed product, whose bias is one per row of its tiles; k = 700 has several
    # slices, of which only the last may finish.
    rng = np.random.default_rng(14)
    A, B = random_matrix(rng, (m, k), dtype), random_matrix(rng, (k, n), dtype)
    A[3, 5] = np.nan
    bias = random_matrix(rng, (n,), dtype)
    in_registers = np.full((m, n), np.nan, dtype, order=c_order)
    _kernels.gemm_bias_activation(in_registers, None, A, B, bias, activation, 0.0)
    in_pass, pre = (np.full((m, n), np.nan, dtype, order=c_order) for _ in range(2))
    _kernels.gemm_bias_activation(in_pass, pre, A, B, bias, activation, 0.0)
    plain = np.full((m, n), np.nan, dtype, order=c_order)
    _kernels.gemm(plain, A, B)
    expected = plain + bias
    if activation == NAMES.index("relu"):
        expected = np.where(expected < 0, dtype(0), expected)
    assert np.array_equal(in_registers, expected, equal_nan=True)
    assert np.array_equal(in_pass, expected, equal_nan=True)
    assert np.isnan(in_registers[3]).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_activation_without_bias_or_depth(dtype):
    rng = np.random.default_rng(9)
    A, B = random_matrix(rng, (5, 3), dtype), random_matrix(rng, (3, 4), dtype)
    U = np.empty((5, 4), dtype)
    _kernels.gemm_bias_activation(U, None, A, B, None, NAMES.index("relu"), 0.0)
    np.testing.assert_allclose(U, np.maximum(A @ B, 0), rtol=1e-5)
    bias = np.array([-1, 0, 1, 2], dtype)
    _kernels.gemm_bias_activation(U, None, A[:, :0], B[:0], bias, NAMES.index("relu"), 0.0)
    assert np.array_equal(U, np.broadcast_to(np.maximum(bias, 0), U.shape))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_rows", [False, True])
@pytest.mark.parametrize("activation", NAMES)
def test_dense_forward_matches_reference(dtype, with_rows, activation):
    rng = np.random.default_rng(10)
    X = random_matrix(rng, (60, 24), dtype)
    W, b = random_matrix(rng, (24, 17), dtype), random_matrix(rng, (17,), dtype)
    rows = rng.permutation(60)[:41] if with_rows else None
    m = 41 if with_rows else 60
    act, alpha = NAMES.index(activation), alpha_of(activation)
    results = []
    for backend in (_kernels, reference):
        U, pre = np.empty((m, 17), dtype), np.empty((m, 17), dtype)
        backend.dense_forward(U, pre, *layer_input(X, dtype), rows, W, b, act, alpha)
        results.append((U, pre))
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(results[0][1], results[1][1], **tol)
    np.testing.assert_allclose(results[0][0], results[1][0], **tol)
