"""The public activations module: names, the talk's formulas, array handling, stability and
errors. Expected values are computed here, independently of the C kernels."""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from bendernet import _kernels, activations
from helpers import DTYPES, assert_close

TALK_NAMES = {"identity", "step", "logistic", "tanh", "arctan", "relu", "prelu", "elu",
              "softplus"}
PARAMETRISED = {"prelu": 0.25, "elu": 1.0}   # the talk's default alphas


# ---- the talk's formulas, written independently in float64 ------------------------------

def expected_forward(name, x, alpha):
    x = x.astype(np.float64)
    with np.errstate(over="ignore"):
        return {
            "identity": lambda: x,
            "step": lambda: np.where(x >= 0, 1.0, 0.0),
            "logistic": lambda: 0.5 * (1 + np.tanh(x / 2)),    # an identity, not 1/(1+e^-x)
            "tanh": lambda: np.tanh(x),
            "arctan": lambda: np.arctan(x),
            "relu": lambda: np.where(x < 0, 0.0, x),
            "prelu": lambda: np.where(x < 0, alpha * x, x),
            "elu": lambda: np.where(x < 0, alpha * np.expm1(np.minimum(x, 0)), x),
            "softplus": lambda: np.logaddexp(0, x),
        }[name]()


def expected_derivative(name, x, alpha):
    f = expected_forward(name, x, alpha)
    x = x.astype(np.float64)
    with np.errstate(over="ignore"):
        return {
            "identity": lambda: np.ones_like(x),
            "step": lambda: np.zeros_like(x),
            "logistic": lambda: f * (1 - f),
            "tanh": lambda: 1 - f**2,
            "arctan": lambda: 1 / (x**2 + 1),
            "relu": lambda: np.where(x < 0, 0.0, 1.0),
            "prelu": lambda: np.where(x < 0, alpha, 1.0),
            "elu": lambda: np.where(x < 0, f + alpha, 1.0),
            "softplus": lambda: 1 / (1 + np.exp(-x)),
        }[name]()


def test_names_are_the_nine_of_the_talk():
    assert len(activations.NAMES) == 9
    assert set(activations.NAMES) == TALK_NAMES


# ---- any shape and layout ---------------------------------------------------------------

def layouts(x):
    """The same values in several memory layouts."""
    yield "C", x
    frozen = x.copy()
    frozen.flags.writeable = False
    yield "read-only", frozen
    if x.ndim:                  # (asfortranarray would make a 0-d array 1-d)
        yield "Fortran", np.asfortranarray(x)
        yield "strided", np.repeat(x, 2, axis=-1)[..., ::2]
        yield "reversed", x[::-1].copy()[::-1]
        yield "transposed", np.ascontiguousarray(x.T).T


@st.composite
def arrays_and_alpha(draw):
    dtype = draw(st.sampled_from(DTYPES))
    x = draw(hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                max_side=6),
                        elements=st.floats(-50, 50, width=np.dtype(dtype).itemsize * 8)))
    name = draw(st.sampled_from(activations.NAMES))
    alpha = draw(st.none() | st.floats(-2, 2)) if name in PARAMETRISED else None
    return name, x, alpha


@pytest.mark.parametrize("function, formula", [(activations.forward, expected_forward),
                                               (activations.derivative, expected_derivative)],
                         ids=["forward", "derivative"])
@given(case=arrays_and_alpha())
def test_any_layout_gives_a_new_array_of_the_talks_values(function, formula, case):
    name, values, alpha = case
    used_alpha = PARAMETRISED.get(name) if alpha is None else alpha
    expected = formula(name, values, used_alpha)
    for layout, x in layouts(values):
        before = x.copy()
        result = function(name, x, alpha=alpha)
        assert isinstance(result, np.ndarray), layout
        assert result.shape == x.shape and result.dtype == x.dtype, layout
        assert not np.shares_memory(result, x), layout
        np.testing.assert_array_equal(x, before, err_msg=layout)
        # derivatives like 1 - f^2 cancel: their rounding is relative to 1 (and alpha)
        assert_close(result, expected, x.dtype, scale=1 + abs(used_alpha or 0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(TALK_NAMES))
def test_zero_d_and_empty_inputs_keep_their_shape(name, dtype):
    for shape in [(), (0,), (3, 0), (0, 4, 2)]:
        x = np.full(shape, -0.5, dtype=dtype)
        for function in (activations.forward, activations.derivative):
            result = function(name, x)
            assert isinstance(result, np.ndarray) and result.shape == shape
            assert result.dtype == dtype


@pytest.mark.parametrize("name", sorted(TALK_NAMES))
def test_python_numbers_lists_and_integers_give_float64(name):
    for x in [3, -2.5, [1, -2, 0], np.arange(-3, 3, dtype=np.int32), np.array([True, False]),
              np.arange(4, dtype=np.uint8)]:
        expected = expected_forward(name, np.asarray(x, dtype=np.float64),
                                    PARAMETRISED.get(name))
        result = activations.forward(name, x)
        assert result.dtype == np.float64
        assert_close(result, expected, np.float64, scale=1)
        assert activations.derivative(name, x).dtype == np.float64


# ---- the derivative is the forward's slope ------------------------------------------------

KINKED = {"step", "relu", "prelu", "elu"}


@pytest.mark.parametrize("name", sorted(TALK_NAMES))
@given(x=hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-20, 20)),
       alpha=st.floats(-2, 2))
def test_derivative_matches_central_differences(name, x, alpha):
    alpha = alpha if name in PARAMETRISED else None
    if name in KINKED:              # stay away from the kink at 0
        x = np.where(np.abs(x) < 1e-3, 1e-3 + x, x)
    h = 1e-6 * np.maximum(1, np.abs(x))
    numeric = (activations.forward(name, x + h, alpha) -
               activations.forward(name, x - h, alpha)) / (2 * h)
    np.testing.assert_allclose(activations.derivative(name, x, alpha), numeric,
                               rtol=1e-6, atol=1e-7)


# ---- stability ----------------------------------------------------------------------------

def extreme_values(dtype):
    tiny = np.finfo(dtype).smallest_subnormal
    return np.array([1e4, -1e4, 1e-30, -1e-30, tiny, -tiny, 0.0, -0.0], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(TALK_NAMES))
def test_extremes_give_finite_values(name, dtype):
    x = extreme_values(dtype)
    with np.errstate(all="raise"):          # no overflow or invalid operation either
        f = activations.forward(name, x)
        d = activations.derivative(name, x)
    assert np.all(np.isfinite(f)) and np.all(np.isfinite(d))
    # the derivative written from the output, as backpropagation uses it
    code = activations.NAMES.index(name)
    delta = np.ones_like(x)
    _kernels.activation_backward(delta, f, x, code, PARAMETRISED.get(name, 0.0))
    assert np.all(np.isfinite(delta))
    expected = expected_derivative(name, x, PARAMETRISED.get(name))
    if name == "relu":          # scikit-learn's rule: no gradient where the output is 0
        expected[x == 0] = 0
    assert_close(delta, expected, dtype, scale=1)


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["Relu", "sigmoid", "", None, 3])
def test_unknown_name_lists_the_valid_ones(bad):
    for function in (activations.forward, activations.derivative):
        with pytest.raises(ValueError) as error:
            function(bad, [1.0])
        assert all(name in str(error.value) for name in TALK_NAMES)


@pytest.mark.parametrize("name, alpha", [
    ("relu", 0.1), ("identity", 1.0), ("softplus", 0.0),    # alpha where none applies
    ("prelu", np.nan), ("elu", np.inf), ("prelu", -np.inf),  # not finite
    ("prelu", [0.1, 0.2]), ("elu", np.array(0.5)),           # not a number
    ("prelu", "0.1"), ("elu", 1j),
])
def test_wrong_alpha_is_a_value_error(name, alpha):
    for function in (activations.forward, activations.derivative):
        with pytest.raises(ValueError):
            function(name, [1.0, -1.0], alpha=alpha)


@pytest.mark.parametrize("x", [["a", "b"], "1.0", np.array([1 + 2j]), [1j],
                               np.array(["x"], dtype=object)])
def test_non_real_input_is_a_type_error(x):
    for function in (activations.forward, activations.derivative):
        with pytest.raises(TypeError):
            function("relu", x)
