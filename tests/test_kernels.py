"""The elementwise and matrix kernels of bendernet._kernels against bendernet.reference.

Each C kernel and its NumPy mirror get identical inputs (copies, as both work in place);
results must agree to rounding over many shapes, strides and both precisions."""

import decimal
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from bendernet import _kernels as C
from bendernet import reference as R
from bendernet.activations import NAMES
from helpers import DTYPES, RTOL, assert_close, rng_from, sizes

ACTIVATIONS = range(len(NAMES))
OUTPUTS = (R.OUT_IDENTITY, R.OUT_LOGISTIC, R.OUT_SOFTMAX, R.OUT_EXP)
seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from(DTYPES)


# ---- gemm ------------------------------------------------------------------------------

LAYOUTS = ("C", "F", "step", "transposed", "reversed")


def strided(rng, shape, dtype, layout):
    """(view, base): a view of the given shape and memory layout into a larger base array."""
    r, c = shape
    if layout == "C":
        base = rng.standard_normal((r, c)).astype(dtype)
        return base, base
    if layout == "F":
        base = np.asfortranarray(rng.standard_normal((r, c)).astype(dtype))
        return base, base
    if layout == "step":
        base = rng.standard_normal((2 * r + 1, 3 * c + 2)).astype(dtype)
        return base[1::2, 2::3][:r, :c], base
    if layout == "transposed":
        base = rng.standard_normal((c, r)).astype(dtype)
        return base.T, base
    base = rng.standard_normal((r, c)).astype(dtype)
    return base[::-1, ::-1], base


@given(m=sizes(), n=sizes(), k=sizes(), dtype=dtypes, beta=st.sampled_from([0.0, 1.0, 2.0]),
       layouts=st.tuples(*[st.sampled_from(LAYOUTS)] * 3), a_indexed=st.booleans(),
       b_indexed=st.booleans(), seed=seeds)
def test_gemm_matches_reference(m, n, k, dtype, beta, layouts, a_indexed, b_indexed, seed):
    rng = rng_from(seed)
    a_source_rows = int(rng.integers(1, 9)) if a_indexed else m
    b_source_rows = int(rng.integers(1, 9)) if b_indexed else k
    A, _ = strided(rng, (a_source_rows, k), dtype, layouts[0])
    B, _ = strided(rng, (b_source_rows, n), dtype, layouts[1])
    # repeated indices on purpose: a mini-batch index may hold a row twice
    a_rows = rng.integers(0, a_source_rows, m) if a_indexed else None
    b_rows = rng.integers(0, b_source_rows, k) if b_indexed else None
    out, out_base = strided(rng, (m, n), dtype, layouts[2])
    if beta == 0:
        out[...] = np.nan        # beta == 0 must never read C
    before = out_base.copy()
    scale = beta * np.abs(out.astype(np.float64)) if beta else 0.0
    expected = out.copy()
    R.gemm(expected, A, B, beta, a_rows, b_rows)
    C.gemm(out, A, B, beta, a_rows, b_rows)

    A_used = A if a_rows is None else A[a_rows]
    B_used = B if b_rows is None else B[b_rows]
    scale = scale + np.abs(A_used).astype(np.float64) @ np.abs(B_used)
    assert_close(out, expected, dtype, scale=scale)
    if layouts[2] == "step":    # only the view is written, never the base array around it
        outside = np.ones(out_base.shape, bool)
        outside[1::2, 2::3][:m, :n] = False
        np.testing.assert_array_equal(out_base[outside], before[outside])


# ---- activations -----------------------------------------------------------------------

def float_arrays(dtype, finite=False, bound=None):
    """1-D arrays of any length with every kind of value (signed zeros, denormals, huge
    values, and unless finite, infinities and NaN) of one precision."""
    width = np.dtype(dtype).itemsize * 8
    elements = st.floats(width=width, allow_nan=not finite, allow_infinity=not finite,
                         min_value=None if bound is None else -bound,
                         max_value=bound)
    return hnp.arrays(dtype, sizes(), elements=elements)


alphas = st.sampled_from([0.0, 0.25, 1.0]) | st.floats(-3, 3)


@st.composite
def activation_inputs(draw, finite=False):
    dtype = draw(dtypes)
    return draw(st.sampled_from(ACTIVATIONS)), draw(float_arrays(dtype, finite)), draw(alphas)


@given(activation_inputs())
def test_activation_forward_matches_reference(case):
    activation, x, alpha = case
    x_before = x.copy()
    out, expected = np.empty_like(x), np.empty_like(x)
    with np.errstate(all="ignore"):
        R.activation_forward(expected, x, activation, alpha)
    C.activation_forward(out, x, activation, alpha)
    assert_close(out, expected, x.dtype)
    np.testing.assert_array_equal(x, x_before)


@given(activation_inputs())
def test_activation_forward_in_place(case):
    # out may alias the input: the network applies f to its pre-activation in place
    activation, x, alpha = case
    expected = np.empty_like(x)
    with np.errstate(all="ignore"):
        R.activation_forward(expected, x, activation, alpha)
    C.activation_forward(x, x, activation, alpha)
    assert_close(x, expected, x.dtype)


@given(activation_inputs())
def test_activation_derivative_matches_reference(case):
    activation, x, alpha = case
    out, expected = np.empty_like(x), np.empty_like(x)
    with np.errstate(all="ignore"):
        R.activation_derivative(expected, x, activation, alpha)
    C.activation_derivative(out, x, activation, alpha)
    # 1 - f^2 and f(1 - f) cancel: their error is relative to 1 (and to alpha for elu)
    assert_close(out, expected, x.dtype, scale=1 + abs(alpha))


@given(activation_inputs(), st.data())
def test_activation_backward_matches_reference(case, data):
    activation, pre, alpha = case
    delta = data.draw(hnp.arrays(pre.dtype, pre.shape, elements=st.floats(
        width=pre.dtype.itemsize * 8)))
    out = np.empty_like(pre)
    with np.errstate(all="ignore"):
        R.activation_forward(out, pre, activation, alpha)
    expected = delta.copy()
    with np.errstate(all="ignore"):
        R.activation_backward(expected, out, pre, activation, alpha)
    C.activation_backward(delta, out, pre, activation, alpha)
    with np.errstate(all="ignore"):
        scale = np.abs(delta.astype(np.float64)) * (1 + abs(alpha))
    assert_close(delta, expected, pre.dtype, scale=np.nan_to_num(scale))


# Random search rarely lands on these; each is a place where two correct-looking formulas
# part ways (NaN propagation, inf * 0, overflow in exp or x*x, denormals).
def special_values(dtype):
    info = np.finfo(dtype)
    values = [0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30, info.smallest_subnormal,
              -info.smallest_subnormal, info.tiny, 1e4, -1e4, 88.0, -88.0, 710.0, -710.0,
              info.max, -info.max, np.inf, -np.inf, np.nan]
    with np.errstate(over="ignore"):
        return np.array(values, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("alpha", [0.0, 0.25, 1.0, -0.5])
def test_activation_kernels_agree_on_special_values(activation, dtype, alpha):
    x = special_values(dtype)
    for name in ("activation_forward", "activation_derivative"):
        out, expected = np.empty_like(x), np.empty_like(x)
        with np.errstate(all="ignore"):
            getattr(R, name)(expected, x, activation, alpha)
        getattr(C, name)(out, x, activation, alpha)
        assert_close(out, expected, dtype, scale=1 + abs(alpha)), name
    # backward: every special gradient against every special pre-activation
    pre = np.repeat(x, len(x))
    delta = np.tile(x, len(x))
    out = np.empty_like(pre)
    with np.errstate(all="ignore"):
        R.activation_forward(out, pre, activation, alpha)
        expected = delta.copy()
        R.activation_backward(expected, out, pre, activation, alpha)
    C.activation_backward(delta, out, pre, activation, alpha)
    with np.errstate(all="ignore"):
        scale = np.nan_to_num(np.abs(np.tile(x, len(x)).astype(np.float64)) * (1 + abs(alpha)))
    assert_close(delta, expected, dtype, scale=scale)


@given(activation_inputs(finite=True), st.data())
def test_activation_backward_without_pre(case, data):
    # every activation but PReLU reads only the output
    activation, pre, alpha = case
    out = np.empty_like(pre)
    with np.errstate(over="ignore"):    # PReLU's alpha > 1 takes -max to -inf, as C does
        R.activation_forward(out, pre, activation, alpha)
    delta, expected = np.ones_like(pre), np.ones_like(pre)
    # (alpha as the kernel sees it: 1e-200 is 0 in float32)
    if activation == R.PRELU or (activation == R.ELU and pre.dtype.type(alpha) <= 0):
        for kernels in (C, R):      # the output does not say the sign of z: refused
            with pytest.raises(ValueError):
                kernels.activation_backward(delta, out, None, activation, alpha)
        return
    with np.errstate(all="ignore"):
        R.activation_backward(expected, out, None, activation, alpha)
    C.activation_backward(delta, out, None, activation, alpha)
    assert_close(delta, expected, pre.dtype, scale=1 + abs(alpha))


@given(activation_inputs(finite=True))
def test_activation_backward_is_the_derivative(case):
    # backpropagating 1 through f from its output must give f' at the pre-activation
    activation, pre, alpha = case
    out, slope = np.empty_like(pre), np.empty_like(pre)
    C.activation_forward(out, pre, activation, alpha)
    C.activation_derivative(slope, pre, activation, alpha)
    delta = np.ones_like(pre)
    C.activation_backward(delta, out, pre, activation, alpha)
    if activation == R.RELU:    # scikit-learn's rule: no gradient where the output is 0
        slope[out == 0] = 0
    # the derivative from the output rounds the output first, then e.g. 1 - u^2
    assert_close(delta, slope, pre.dtype, scale=1 + abs(alpha), rtol=10 * RTOL[pre.dtype])


@given(dtype=dtypes, seed=seeds, n=sizes(0, 300))
def test_prelu_slope_grad_matches_reference(dtype, seed, n):
    rng = rng_from(seed)
    dU = rng.standard_normal(n).astype(dtype)
    V = rng.standard_normal(n).astype(dtype)
    V[rng.random(n) < 0.1] = 0
    expected = R.prelu_slope_grad(dU, V)
    # a sum's rounding is relative to the sum of its terms' magnitudes
    scale = np.sum(np.abs(dU.astype(np.float64) * V))
    assert_close(C.prelu_slope_grad(dU, V), expected, dtype, scale=scale)


@pytest.mark.parametrize("kernels", [C, R], ids=["c", "reference"])
def test_prelu_slope_grad_of_floats_is_summed_in_double(kernels):
    # 200,000 terms, as a batch of 200 rows through 1,000 PReLU units: summed in float the
    # error grows to ~1e-4 of the terms' magnitudes; each product of two floats is exact in
    # double, so a double sum is off by no more than N * 2^-53 of them
    rng = rng_from(5)
    dU, V = (rng.standard_normal(200_000).astype(np.float32) for _ in range(2))
    terms = np.where(V < 0, dU.astype(np.float64) * V, 0.0)
    exact = math.fsum(terms)
    got = kernels.prelu_slope_grad(dU, V)
    assert type(got) is float
    assert abs(got - exact) <= 200_000 * 2.0**-53 * np.sum(np.abs(terms))


# ---- output layers and losses ----------------------------------------------------------

@given(output=st.sampled_from(OUTPUTS), m=sizes(), n=sizes(), dtype=dtypes, seed=seeds,
       spread=st.sampled_from([1.0, 10.0, 80.0]))
def test_output_forward_matches_reference(output, m, n, dtype, seed, spread):
    rng = rng_from(seed)
    Z = (spread * rng.uniform(-1, 1, (m, n))).astype(dtype)
    expected = Z.copy()
    R.output_forward(expected, output)
    C.output_forward(Z, output)
    assert_close(Z, expected, dtype)
    if output == R.OUT_SOFTMAX and n > 0:
        assert_close(Z.sum(axis=1), np.ones(m), dtype, scale=n)


def ulps_from_exact_exp(got, x):
    """|got - e^x| in units of the last place of e^x, e^x from Python's decimal module
    (correctly rounded at 40 digits, on any platform)"""
    with decimal.localcontext() as context:
        context.prec = 40
        errors = []
        for value, point in zip(got.tolist(), x.tolist()):
            exact = decimal.Decimal(point).exp()
            ulp = decimal.Decimal(float(np.spacing(np.abs(np.asarray(float(exact), got.dtype)))))
            errors.append(float(abs(decimal.Decimal(value) - exact) / ulp))
    return np.array(errors)


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_output_is_within_an_ulp(dtype):
    # The exponentials of the softmax and exp outputs are the C core's own (csrc/network/exp_lanes.h):
    # within 1 ulp in float64 and correctly rounded in float32 (double, then rounded once),
    # from the subnormal results to overflow, and exact at the edges.
    rng = np.random.default_rng(6)
    largest = 709.7 if dtype == np.float64 else 88.7
    x = np.concatenate([rng.uniform(-745, largest, 6000), rng.uniform(-0.4, 0.4, 2000),
                        rng.uniform(-745.1, -700, 1000) if dtype == np.float64 else
                        rng.uniform(-103, -87, 1000)]).astype(dtype)
    Z = x.reshape(-1, 1).copy()
    C.output_forward(Z, R.OUT_EXP)
    assert ulps_from_exact_exp(Z.ravel(), x).max() <= (1.0 if dtype == np.float64 else 0.5001)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 5e-300], dtype)
    Z = special.reshape(-1, 1).copy()
    C.output_forward(Z, R.OUT_EXP)
    assert np.array_equal(Z.ravel(), np.array([1, 1, np.inf, 0, np.nan, np.inf, 0, 1], dtype),
                          equal_nan=True)


def predictions_and_targets(rng, output, shape, dtype):
    """P in the output's range (clipping edges included) and targets its loss accepts."""
    if output == R.OUT_IDENTITY:
        P, T = rng.standard_normal(shape), rng.standard_normal(shape)
    elif output == R.OUT_LOGISTIC:
        P = rng.choice([0.0, 1.0, 0.5, 1e-30], shape) * (rng.random(shape) < 0.2) \
            + rng.random(shape) * (rng.random(shape) >= 0.2)
        P = np.clip(P, 0, 1)
        T = rng.integers(0, 2, shape).astype(float)
    elif output == R.OUT_SOFTMAX:
        P = rng.random(shape) ** 4
        P[rng.random(shape) < 0.1] = 0
        P /= np.maximum(P.sum(axis=1, keepdims=True), 1e-300)
        T = np.eye(shape[1])[rng.integers(0, max(shape[1], 1), shape[0])] if shape[1] \
            else np.zeros(shape)
    else:
        P = np.exp(rng.uniform(-5, 5, shape))
        T = rng.poisson(3, shape).astype(float)
    return P.astype(dtype), T.astype(dtype)


@given(output=st.sampled_from(OUTPUTS), m=sizes(), n=sizes(0, 9), dtype=dtypes, seed=seeds,
       weighted=st.booleans(), indexed=st.booleans())
def test_output_loss_matches_reference(output, m, n, dtype, seed, weighted, indexed):
    rng = rng_from(seed)
    P, T_used = predictions_and_targets(rng, output, (m, n), dtype)
    if indexed:             # T holds more rows than the batch, picked through rows
        n_source = m + int(rng.integers(1, 5))
        rows = rng.permutation(n_source)[:m]
        T = np.zeros((n_source, n), dtype)
        T[rows] = T_used
    else:
        rows, T = None, T_used
    sw = None
    if weighted:
        sw = rng.choice([0.0, 0.5, 1.0, 3.0], len(T)).astype(dtype)
    delta, expected_delta = np.full_like(P, np.nan), np.full_like(P, np.nan)
    with np.errstate(divide="ignore"):
        expected = R.output_loss(expected_delta, P, T, sw, rows, output)
    loss = C.output_loss(delta, P, T, sw, rows, output)
    assert_close(delta, expected_delta, dtype)
    assert np.isfinite(loss)
    assert_close(loss, expected, dtype)


# ---- input checks ----------------------------------------------------------------------

# huge and subnormal values exact in float32 too: hypothesis checks that an element survives
# the array's dtype, and NumPy 1.x compares float32(3e38) with 3e38 in float64 (unequal)
HUGE, SUBNORMAL = float(np.float32(3e38)), float(np.float32(1e-40))


@given(values=hnp.arrays(st.sampled_from(DTYPES), st.integers(0, 300),
                         elements=st.sampled_from([0.0, -0.0, 1.5, -HUGE, HUGE, SUBNORMAL,
                                                   np.nan, np.inf, -np.inf])))
def test_all_finite_matches_reference(values):
    before = values.copy()
    assert C.all_finite(values) == R.all_finite(values)
    assert np.array_equal(values, before, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_all_finite_finds_one_bad_value_anywhere(dtype, bad):
    # every position of every vector width, tails included
    for n in (1, 7, 8, 9, 16, 17, 33, 100):
        for at in range(n):
            values = np.ones(n, dtype)
            values[at] = bad
            assert not C.all_finite(values)
        assert C.all_finite(np.full(n, np.finfo(dtype).max, dtype))
