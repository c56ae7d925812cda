"""bendernet.ops, the public matrix product and dense layer, against NumPy and the
reference: dtypes and their promotion, layouts, untouched inputs, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from bendernet import _kernels, ops, reference
from bendernet.activations import DEFAULT_ALPHA, NAMES
from helpers import misaligned_copy


def tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("a_dtype,b_dtype,expected", [
    (np.float32, np.float32, np.float32), (np.float64, np.float64, np.float64),
    (np.float32, np.float64, np.float64), (np.float64, np.float32, np.float64),
    (np.int64, np.int64, np.float64), (np.int32, np.float32, np.float64),
    (np.int8, np.float32, np.float32), (np.bool_, np.bool_, np.float64),
    (np.float16, np.float16, np.float32),
])
def test_matmul_dtypes(a_dtype, b_dtype, expected):
    rng = np.random.default_rng(0)
    A = (rng.uniform(-3, 3, (7, 5))).astype(a_dtype)
    B = (rng.uniform(-3, 3, (5, 4))).astype(b_dtype)
    C = ops.matmul(A, B)
    assert C.dtype == expected
    assert C.flags.c_contiguous
    np.testing.assert_allclose(C, A.astype(np.float64) @ B.astype(np.float64),
                               **tolerance(expected))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_layouts_and_untouched_inputs(dtype):
    rng = np.random.default_rng(1)
    big = rng.standard_normal((40, 60)).astype(dtype)
    operands = {
        "C": big[:20, :30].copy(), "F": np.asfortranarray(big[:20, :30]),
        "T": big[:30, :20].T, "steps": big[::2, ::2], "reversed": big[19::-1, 29::-1],
    }
    for A in operands.values():
        k = A.shape[1]
        for B in (big[:k, :9], big[:9, :k].T, big[:k, 9:0:-1]):
            before = (A.copy(), B.copy())
            C = ops.matmul(A, B)
            assert C.flags.c_contiguous and not np.shares_memory(C, big)
            np.testing.assert_allclose(C, A @ B, **tolerance(dtype))
            assert np.array_equal(A, before[0]) and np.array_equal(B, before[1])


def test_matmul_lists_and_empty():
    assert np.array_equal(ops.matmul([[1, 2], [3, 4]], [[5], [6]]), [[17.0], [39.0]])
    assert ops.matmul(np.ones((0, 3)), np.ones((3, 4))).shape == (0, 4)
    assert np.array_equal(ops.matmul(np.ones((2, 0)), np.ones((0, 3))), np.zeros((2, 3)))


def unusual_operands(A):
    """A in forms the fast path (_kernels.ready_product) must leave to the general path"""
    class Tagged(np.ndarray):
        pass

    return {"list": A.tolist(), "byte-swapped": A.astype(A.dtype.newbyteorder()),
            "misaligned": misaligned_copy(A), "subclass": A.view(Tagged),
            "half-element strides": np.lib.stride_tricks.as_strided(
                np.zeros(4 * A.size, A.dtype), A.shape, (A.strides[0] + A.itemsize // 2,
                                                         A.itemsize)),
            "float16": A.astype(np.float16), "int": A.astype(np.int32),
            "complex": A.astype(complex), "object": A.astype(object),
            "datetime": np.zeros(A.shape, "datetime64[s]"), "3-D": A[None], "1-D": A[0]}


def test_matmul_unusual_arrays_take_the_general_path():
    # byte-swapped, subclassed, misaligned and read-only operands give NumPy's product too
    # (the first three by way of a converted copy)
    rng = np.random.default_rng(4)
    A, B = rng.standard_normal((7, 5)), rng.standard_normal((5, 3))
    unusual = unusual_operands(A)
    read_only = A.copy()
    read_only.flags.writeable = False
    for a in (unusual["byte-swapped"], unusual["subclass"], unusual["misaligned"], read_only):
        C = ops.matmul(a, B)
        assert type(C) is np.ndarray and C.dtype == np.float64
        np.testing.assert_allclose(C, A @ B, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_declines_what_it_cannot_read_in_place(dtype):
    rng = np.random.default_rng(5)
    A = rng.standard_normal((4, 3)).astype(dtype)
    B = rng.standard_normal((3, 2)).astype(dtype)
    b = rng.standard_normal(2).astype(dtype)
    other = np.float64 if dtype == np.float32 else np.float32
    for name, a in unusual_operands(A).items():
        assert _kernels.ready_product(a, B) is None, name
        as_second = a.T if isinstance(a, np.ndarray) and a.ndim == 2 else a
        assert _kernels.ready_product(A[:, :1].T, as_second) is None, name
    for A_, B_, b_ in [(A, B.astype(other), None), (A, B[:2], None), (A, B, b[:1]),
                       (A, B, b.astype(other)), (A, B, np.stack([b, b])[:, 0]),
                       (A, B, np.repeat(b, 2)[::2]), (A, B, b.tolist())]:
        assert _kernels.ready_product(A_, B_, b_, 0, 0.0) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_gives_the_general_paths_bits(dtype):
    # the same kernels on the same strides: the fast path changes the cost of a call only
    rng = np.random.default_rng(6)
    big = rng.standard_normal((50, 70)).astype(dtype)
    bias = rng.standard_normal(9).astype(dtype)
    for A in (big[:20, :30], big[:30, :20].T, big[::2, ::2][:20, :30], big[19::-1, 29::-1]):
        read_only = np.array(big[30:39, 40:70].T)
        read_only.flags.writeable = False
        for B in (big[:30, :9], big[:9, 40:70].T, read_only):
            C = _kernels.ready_product(A, B)
            expected = np.empty((20, 9), dtype)
            _kernels.gemm(expected, A, B)
            assert C.dtype == dtype and C.flags.c_contiguous
            assert np.array_equal(C, expected)
            np.testing.assert_array_equal(ops.matmul(A, B), C)
            U = ops.dense(A, B, bias, "tanh")
            strided_bias = np.repeat(bias, 2)[::2]      # declined: the general path's copy
            assert np.array_equal(U, ops.dense(A, B, strided_bias, "tanh"))
            assert np.array_equal(ops.dense(A, B, None, "relu"), np.maximum(C, 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_misaligned_operands_reach_the_kernels_aligned(monkeypatch, dtype):
    rng = np.random.default_rng(9)
    unusual = unusual_operands(rng.standard_normal((6, 5)).astype(dtype))
    A, b = unusual["misaligned"], unusual_operands(rng.standard_normal((1, 4)).astype(dtype))
    B = rng.standard_normal((5, 4)).astype(dtype)
    seen = []

    def spy(kernel):
        def call(C, *operands):
            seen.extend(x for x in operands if isinstance(x, np.ndarray))
            return kernel(C, *operands)
        return call

    monkeypatch.setattr(_kernels, "gemm", spy(_kernels.gemm))
    monkeypatch.setattr(_kernels, "gemm_bias_activation", spy(_kernels.gemm_bias_activation))
    np.testing.assert_allclose(ops.matmul(A, B), A @ B, **tolerance(dtype))
    bias = b["misaligned"][0]
    np.testing.assert_allclose(ops.dense(A, B, bias), A @ B + bias, **tolerance(dtype))
    assert len(seen) == 5 and all(x.flags.aligned for x in seen)


def test_matmul_bad_input():
    with pytest.raises(ValueError, match="mismatch in its core dimension 0.*size 4 is "
                                         "different from 3"):
        ops.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="2-D"):
        ops.matmul(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="2-D"):
        ops.matmul(np.ones((2, 3)), np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="real numbers"):
        ops.matmul(np.ones((2, 2), complex), np.ones((2, 2)))


@given(A=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=30),
                    elements=st.floats(-10, 10)),
       n=st.integers(0, 30), transpose=st.booleans(), single=st.booleans())
@settings(max_examples=40, deadline=None)
def test_matmul_random(A, n, transpose, single):
    dtype = np.float32 if single else np.float64
    A = A.astype(dtype)
    B = np.linspace(-1, 1, A.shape[1] * n, dtype=dtype).reshape(A.shape[1], n)
    if transpose:
        A = np.asfortranarray(A)
    C = ops.matmul(A, B)
    assert C.shape == (A.shape[0], n) and C.dtype == dtype
    scale = np.abs(A).astype(np.float64) @ np.abs(B).astype(np.float64)
    eps = np.finfo(dtype).eps
    assert np.all(np.abs(C - A.astype(np.float64) @ B) <= 2 * (A.shape[1] + 2) * eps * scale
                  + np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", NAMES)
def test_dense_matches_reference(dtype, activation):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((33, 12)).astype(dtype)
    W = rng.standard_normal((12, 7)).astype(dtype)
    b = rng.standard_normal(7).astype(dtype)
    before = (X.copy(), W.copy(), b.copy())
    U = ops.dense(X, W, b, activation=activation)
    expected = np.empty((33, 7), dtype)
    reference.activation_forward(expected, X @ W + b, NAMES.index(activation),
                                 DEFAULT_ALPHA.get(activation, 0.0))
    assert U.dtype == dtype and U.flags.c_contiguous
    np.testing.assert_allclose(U, expected, **tolerance(dtype))
    for given_, kept in zip((X, W, b), before):
        assert np.array_equal(given_, kept)


def test_dense_alpha_layouts_and_no_bias():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 20)).T                  # a Fortran-ordered 20 x 12
    W = rng.standard_normal((12, 5))[:, ::-1]
    b = rng.standard_normal(5)
    np.testing.assert_allclose(ops.dense(X, W, b, "prelu", alpha=0.1),
                               np.where(X @ W + b >= 0, X @ W + b, 0.1 * (X @ W + b)),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ops.dense(X, W, None, "tanh"), np.tanh(X @ W),
                               rtol=1e-12, atol=1e-12)
    assert ops.dense(X.astype(np.float32), W, b).dtype == np.float64
    assert ops.dense(X.astype(np.float32), W.astype(np.float32), [1, 2, 3, 4, 5]).dtype == \
        np.float64


def test_dense_bad_input():
    X, W, b = np.ones((4, 3)), np.ones((3, 2)), np.ones(2)
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        ops.dense(X, W, b, activation="swish")
    with pytest.raises(ValueError, match="alpha applies to prelu and elu only"):
        ops.dense(X, W, b, activation="relu", alpha=0.5)
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        ops.dense(X, W, np.ones(3))
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        ops.dense(X, np.ones((4, 2)), b)
