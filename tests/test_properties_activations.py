"""Property tests of the activation kernels (csrc/network/activations.c) through
bendernet.activations and bendernet._kernels against bendernet.reference: every activation,
forward, derivative and the backward form written from the output, both precisions, any
float (signed zeros, subnormals, huge values, infinities, NaN), lengths either side of the
vector widths the loops are compiled for (4 to 64 lanes: SSE2 to AVX-512, unrolled), and
arrays in C, Fortran, strided and reversed layouts. These kernels run on one thread.

Bounds, in units in the last place (ulps) of the precision, next to each table below."""

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from bendernet import _kernels as K
from bendernet import activations
from bendernet import reference as R
from helpers import (LAYOUTS_2D, SMALL_SIZES, around, assert_within_ulps, examples, gamma,
                     laid_out)

# Forward. A comparison, a copy or the one rounding of alpha * x is the same in C and NumPy:
# 0 ulps. The rest call a math library on each side (glibc's tanh, atan, exp, expm1, log1p;
# NumPy's own vectorised ones), each documented within 1 to 2 ulps of the exact value
# (NumPy's float32 SIMD functions up to about 2), so the two may differ by twice that, 4.
# Measured on this machine over 2e5 values per precision: at most 3 in both.
FORWARD_ULPS = {"identity": 0, "step": 0, "relu": 0, "prelu": 0,
                "logistic": 4, "tanh": 4, "arctan": 4, "elu": 4, "softplus": 4}
# Derivative, in ulps of max(|f'|, 1 + |alpha|): 1 - f^2, f (1 - f) and alpha expm1(x) +
# alpha cancel, so their rounding error is relative to 1 (or alpha), not to the small
# result; f and e^x come from the math libraries as above: 4. 1 / (x^2 + 1), the constant
# and piecewise ones are the same few roundings on both sides: 0. Measured: at most 2.
DERIVATIVE_ULPS = {"identity": 0, "step": 0, "relu": 0, "prelu": 0, "arctan": 0,
                   "logistic": 4, "tanh": 4, "elu": 4, "softplus": 4}
# Backward, delta *= g(u) from the output u, in ulps of max(|result|, |delta| (1 + |alpha|)):
# g is at most 1 + |alpha| and u + alpha (ELU) cancels, so the error is relative to |delta|
# times that. cos(u)^2 (arctan) and -expm1(-u) (softplus) call the math libraries: 4; the
# rest are the same roundings on both sides: 0. Measured: at most 2 in those units.
BACKWARD_ULPS = {"identity": 0, "step": 0, "relu": 0, "prelu": 0, "logistic": 0, "tanh": 0,
                 "elu": 0, "arctan": 4, "softplus": 4}

# Lengths either side of 4 to 64 lanes (one xmm of float32 to four zmm unrolled)
LENGTHS = st.sampled_from(around(4, 8, 16, 32, 64)) | st.sampled_from(SMALL_SIZES)
alphas = st.sampled_from([0.25, 1.0, 0.0, -0.5]) | st.floats(-3, 3)


@st.composite
def inputs(draw, finite=False):
    """(name, alpha, x): an activation, its alpha (None for those without one), and a 2-D
    array of any floats of one precision in one of the layouts"""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    name = draw(st.sampled_from(activations.NAMES))
    alpha = draw(alphas) if name in activations.DEFAULT_ALPHA else None
    rows, cols = draw(st.sampled_from([(1, None), (None, 1), (2, None), (None, 3)]))
    length = draw(LENGTHS)
    shape = (rows or length, cols or length)
    width = np.dtype(dtype).itemsize * 8
    values = draw(hnp.arrays(dtype, shape, elements=st.floats(
        width=width, allow_nan=not finite, allow_infinity=not finite)))
    return name, alpha, laid_out(values, draw(st.sampled_from(LAYOUTS_2D)))[0]


def alpha_used(name, alpha):
    return activations.DEFAULT_ALPHA.get(name, 0.0) if alpha is None else alpha


def reference(function, name, x, alpha):
    expected = np.empty(x.shape, x.dtype)
    with np.errstate(all="ignore"):
        function(expected, np.ascontiguousarray(x), activations.code(name), alpha)
    return expected


@settings(max_examples=examples(300))
@given(case=inputs())
def test_forward_within_its_ulps_of_the_reference(case):
    name, alpha, x = case
    before = x.copy()
    got = activations.forward(name, x, alpha)
    expected = reference(R.activation_forward, name, x, alpha_used(name, alpha))
    assert got.shape == x.shape and got.dtype == x.dtype
    assert np.array_equal(x, before, equal_nan=True)
    assert_within_ulps(got, expected, x.dtype, FORWARD_ULPS[name])


@settings(max_examples=examples(300))
@given(case=inputs())
def test_derivative_within_its_ulps_of_the_reference(case):
    name, alpha, x = case
    alpha = alpha_used(name, alpha) if name in activations.DEFAULT_ALPHA else None
    got = activations.derivative(name, x, alpha)
    expected = reference(R.activation_derivative, name, x, alpha_used(name, alpha))
    assert_within_ulps(got, expected, x.dtype, DERIVATIVE_ULPS[name],
                       floor=1 + abs(alpha_used(name, alpha)))


@settings(max_examples=examples(300))
@given(case=inputs(), data=st.data())
def test_backward_from_the_output_within_its_ulps_of_the_reference(case, data):
    name, alpha, z = case
    alpha = alpha_used(name, alpha)
    z = np.ascontiguousarray(z).reshape(-1)
    u = reference(R.activation_forward, name, z, alpha)
    delta = data.draw(hnp.arrays(z.dtype, z.shape, elements=st.floats(
        -2.0**100, 2.0**100, width=z.dtype.itemsize * 8)))
    expected = delta.copy()
    with np.errstate(all="ignore"):
        R.activation_backward(expected, u, z, activations.code(name), alpha)
    got = delta.copy()
    K.activation_backward(got, u, z, activations.code(name), alpha)
    floor = np.abs(delta.astype(np.float64)) * (1 + abs(alpha))
    assert_within_ulps(got, expected, z.dtype, BACKWARD_ULPS[name], floor=floor)


@settings(max_examples=examples(100))
@given(n=st.sampled_from(around(4, 8, 16, 32, 64, 256)) | st.integers(0, 300),
       double=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_prelu_slope_grad_within_the_sum_bound(n, double, seed):
    """sum of dU V over V < 0, in double: each product of two floats is exact in double
    (of two doubles, one rounding), and a sum of n terms in any order is off by gamma_{n}
    of the sum of their magnitudes; the reference obeys the same, so twice gamma_{n+1}."""
    dtype = np.float64 if double else np.float32
    rng = np.random.default_rng(seed)
    dU, V = (rng.standard_normal(n).astype(dtype) for _ in range(2))
    V[rng.random(n) < 0.2] = 0
    got, expected = K.prelu_slope_grad(dU, V), R.prelu_slope_grad(dU, V)
    magnitude = float(np.sum(np.abs(np.where(V < 0, dU.astype(np.float64) * V, 0.0))))
    assert abs(got - expected) <= 2 * gamma(n + 1, np.float64) * magnitude
