"""One activation per hidden layer (issue 15, item 1): activation=("relu", "tanh") with
hidden_layer_sizes=(64, 32). The C core reads an array of codes per layer; the NumPy
reference mirrors it; a single name means the same for every layer, bit for bit."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from bendernet import MLPClassifier, MLPRegressor
from bendernet import _kernels as C
from bendernet import reference as R
from bendernet._codes import ACTIVATIONS, PRELU, layer_codes
from bendernet._layout import Layout
from helpers import assert_backends_agree, quiet_fit, rng_from
from network_cases import Problem

# every activation appears in some layer, and in some a neighbour of every other kind
MIXES = [
    ("relu", "prelu", "tanh"),
    ("logistic", "elu", "arctan"),
    ("softplus", "identity", "prelu"),
    ("prelu", "step", "elu"),
    ["elu", "relu", "logistic"],
]


def fitted_state(model):
    """Every fitted attribute, copied, to compare before and after a call."""
    return {name: pickle.dumps(value) for name, value in vars(model).items()
            if name.endswith("_") and not name.startswith("_")}


# ---- the kernels: C against the reference, layer by layer ------------------------------------

def mixed_problem(seed, activation, output, dtype, sparse=False):
    problem = Problem(rng_from(seed), [5, 6, 4, 3, 3], activation, output, dtype, n_rows=9,
                      sparse=sparse, weighted=True, l2=1e-3)
    slopes = Layout(problem.P, problem.units, activation).slope
    if slopes is not None:      # a layer that is not PReLU: its slot is never read
        slopes[np.array(layer_codes(activation, 3)) != PRELU] = np.nan
    return problem


@pytest.mark.parametrize("activation", MIXES, ids=str)
@pytest.mark.parametrize("output", [R.OUT_SOFTMAX, R.OUT_IDENTITY])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
def test_loss_grad_and_predict_match_the_reference(activation, output, dtype, sparse):
    problem = mixed_problem(4, activation, output, dtype, sparse)
    loss, G = problem.loss_grad(C)
    loss_ref, G_ref = problem.loss_grad(R)
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    assert np.isfinite(loss) and np.isfinite(G).all()
    assert_allclose(loss, loss_ref, rtol=rtol)
    assert_allclose(G, G_ref, rtol=rtol, atol=rtol * np.abs(G_ref).max())
    slopes = Layout(G, problem.units, activation).slope
    if slopes is not None:
        assert (slopes[np.array(layer_codes(activation, 3)) != PRELU] == 0).all()
    Y, Y_ref = (np.empty((9, 3), dtype) for _ in range(2))
    C.predict(Y, problem.workspace(4), problem.P, problem.units, problem.activation,
              problem.output, *problem.parts, 4)
    R.predict(Y_ref, None, problem.P, problem.units, problem.activation, problem.output,
              *problem.parts, 4)
    assert_allclose(Y, Y_ref, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("activation", [("prelu", "tanh", "elu"), ("softplus", "prelu", "prelu")])
def test_gradient_of_a_mixed_network_matches_central_differences(activation):
    problem = mixed_problem(7, activation, R.OUT_LOGISTIC, np.float64)
    _, G = problem.loss_grad(C)
    used = ~np.isnan(problem.P)
    numeric = np.zeros_like(G)
    for i in np.flatnonzero(used):
        plus, minus = problem.P.copy(), problem.P.copy()
        plus[i] += 1e-6
        minus[i] -= 1e-6
        numeric[i] = (problem.loss_grad(C, plus)[0] - problem.loss_grad(C, minus)[0]) / 2e-6
    assert_allclose(G[used], numeric[used], rtol=1e-5, atol=1e-7)
    assert (G[~used] == 0).all()


def test_one_code_for_all_layers_and_one_per_layer_are_the_same_network():
    problem = Problem(rng_from(2), [4, 5, 5, 2], R.PRELU, R.OUT_SOFTMAX, np.float64, 8)
    loss, G = problem.loss_grad(C)
    problem.activation = (R.PRELU, R.PRELU)
    assert problem.loss_grad(C) == (loss, pytest.approx(G, rel=0, abs=0))


@pytest.mark.parametrize("activation", [(R.RELU,), (R.RELU, R.TANH, R.ELU), (R.RELU, 9),
                                        (R.RELU, -1)])
def test_the_kernels_refuse_a_wrong_count_or_code(activation):
    units = np.array([3, 4, 4, 2], dtype=np.int64)
    with pytest.raises(ValueError):
        C.param_count(units, activation)


# ---- the estimators -------------------------------------------------------------------------

@pytest.mark.parametrize("activation", MIXES, ids=str)
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_c_and_numpy_backends_agree(iris, activation, solver, dtype):
    X, y = iris
    assert_backends_agree(X, y, dtype, hidden_layer_sizes=(7, 6, 5), activation=activation,
                          solver=solver)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_a_tuple_of_one_name_is_that_name_bit_for_bit(iris, name, solver):
    X, y = iris
    params = dict(hidden_layer_sizes=(6, 5), solver=solver, max_iter=5, random_state=0)
    single = quiet_fit(MLPClassifier(activation=name, **params), X, y)
    each = quiet_fit(MLPClassifier(activation=(name, name), **params), X, y)
    assert single.loss_ == each.loss_
    for a, b in zip(single.coefs_ + single.intercepts_, each.coefs_ + each.intercepts_):
        assert_array_equal(a, b)
    assert_array_equal(single.predict_proba(X), each.predict_proba(X))


def test_each_layer_is_initialised_for_the_activation_it_feeds(iris):
    # a step too small to change a weight leaves sgd's initial draws: Glorot's factor is 2
    # for a layer feeding logistic units, 6 otherwise, the output layer's as the last
    # hidden layer's (scikit-learn's rule for its single activation)
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(5, 4), activation=("logistic", "relu"),
                                    solver="sgd", max_iter=1, learning_rate_init=1e-300,
                                    random_state=3), X, y)
    rng = np.random.RandomState(3)
    for coef, intercept, factor in zip(model.coefs_, model.intercepts_, (2.0, 6.0, 6.0)):
        bound = np.sqrt(factor / sum(coef.shape))
        assert_array_equal(coef, rng.uniform(-bound, bound, coef.shape))
        assert_array_equal(intercept, rng.uniform(-bound, bound, intercept.shape))


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_prelu_alpha_has_a_slope_per_hidden_layer_and_nan_elsewhere(iris, solver):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(6, 5, 4),
                                    activation=("prelu", "tanh", "prelu"), solver=solver,
                                    max_iter=20, random_state=0), X, y)
    slopes = model.prelu_alpha_
    assert slopes.shape == (3,) and np.isnan(slopes[1])
    # learned: no longer the 0.25 each started from (L-BFGS too, which a NaN would stop)
    assert np.isfinite(slopes[[0, 2]]).all() and (slopes[[0, 2]] != 0.25).all()
    assert not hasattr(quiet_fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=2), X, y),
                       "prelu_alpha_")


def test_set_params_switches_one_layer_to_step_for_prediction(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(6, 5), activation=("relu", "tanh"),
                                    max_iter=30, random_state=0), X, y)
    model.set_params(activation=("step", "tanh"))
    W, b = model.coefs_, model.intercepts_
    hidden = np.tanh(np.where(X @ W[0] + b[0] >= 0, 1.0, 0.0) @ W[1] + b[1])
    logits = hidden @ W[2] + b[2]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert_allclose(model.predict_proba(X), expected, rtol=1e-12)
    numpy = clone(model).set_params(backend="numpy")
    numpy.__dict__.update({k: v for k, v in vars(model).items()
                           if k.endswith("_") or k == "_label_binarizer"})
    assert_allclose(numpy.predict_proba(X), expected, rtol=1e-12)


def test_switching_a_layer_to_prelu_starts_its_slope_at_the_initial_value(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(6, 5), activation=("prelu", "relu"),
                                    max_iter=10, random_state=0), X, y)
    before = model.predict_proba(X)
    slope = model.prelu_alpha_[0]
    model.set_params(activation=("prelu", "prelu"))
    W, b = model.coefs_, model.intercepts_
    V0 = X @ W[0] + b[0]
    V1 = np.where(V0 >= 0, V0, slope * V0) @ W[1] + b[1]
    logits = np.where(V1 >= 0, V1, 0.25 * V1) @ W[2] + b[2]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    assert_allclose(model.predict_proba(X), expected / expected.sum(axis=1, keepdims=True),
                    rtol=1e-12)
    model.set_params(activation=["prelu", "relu"])     # a list, as a tuple
    assert_array_equal(model.predict_proba(X), before)


def test_get_params_clone_and_pickle_keep_the_tuple(iris):
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(5, 4), activation=("elu", "prelu"), max_iter=5,
                          random_state=0)
    assert model.get_params()["activation"] == ("elu", "prelu")
    assert clone(model).get_params()["activation"] == ("elu", "prelu")
    quiet_fit(model, X, y)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.activation == ("elu", "prelu")
    assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
    assert_array_equal(copy.prelu_alpha_, model.prelu_alpha_)


def test_a_grid_search_over_per_layer_activations(iris):
    X, y = iris
    grid = {"activation": [("relu", "tanh"), ("tanh", "relu"), "logistic"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(MLPClassifier(hidden_layer_sizes=(5, 4), max_iter=20,
                                            random_state=0), grid, cv=2).fit(X, y)
    assert list(search.cv_results_["param_activation"]) == grid["activation"]
    assert search.best_params_["activation"] in grid["activation"]
    assert search.best_estimator_.activation == search.best_params_["activation"]


def test_a_regressor_takes_per_layer_activations():
    X, y = make_regression(60, 4, random_state=0)
    y = y / y.std()
    params = dict(hidden_layer_sizes=(6, 5), activation=("tanh", "softplus"), solver="lbfgs",
                  max_iter=30, random_state=0)
    c = quiet_fit(MLPRegressor(**params), X, y)
    numpy = quiet_fit(MLPRegressor(backend="numpy", **params), X, y)
    assert_allclose(c.predict(X), numpy.predict(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("activation, message", [
    (("relu", "foo"), r"activation\[1\]='foo' is not one of identity, step, logistic"),
    (("relu",), "1 activations for 2 hidden layers"),
    (("relu", "tanh", "relu"), "3 activations for 2 hidden layers"),
    (("relu", 5), r"activation\[1\]=5 is not one of"),
    (("relu", None), r"activation\[1\]=None is not one of"),
])
@pytest.mark.parametrize("call", ["fit", "partial_fit", "warm_start"])
def test_a_bad_activation_is_refused_at_fit_and_changes_nothing(iris, activation, message,
                                                                call):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(5, 4), activation=("relu", "tanh"),
                                    max_iter=5, random_state=0), X, y)
    before, proba = fitted_state(model), model.predict_proba(X)
    model.set_params(activation=activation, warm_start=call == "warm_start")
    with pytest.raises(ValueError, match=message):
        if call == "partial_fit":
            model.partial_fit(X, y)
        else:
            model.fit(X, y)
    assert fitted_state(model) == before
    model.set_params(activation=("relu", "tanh"))
    assert_array_equal(model.predict_proba(X), proba)


def test_a_bad_activation_set_after_fit_is_named_at_predict(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(5, 4), max_iter=5), X, y)
    model.set_params(activation=("relu", "swish"))
    with pytest.raises(ValueError, match=r"activation\[1\]='swish'"):
        model.predict(X)


def test_a_mixed_network_trains_on_with_partial_fit_and_a_warm_fit(iris):
    # the NaN slots of the layers that are not PReLU are no tampering
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(6, 5), activation=("prelu", "relu"),
                          max_iter=5, warm_start=True, random_state=0)
    quiet_fit(model, X, y)
    assert np.isnan(model.prelu_alpha_[1]) and np.isfinite(model.prelu_alpha_[0])
    before = model.coefs_[0].copy()
    model.partial_fit(X, y)
    quiet_fit(model, X, y)
    assert np.isnan(model.prelu_alpha_[1]) and np.isfinite(model.prelu_alpha_[0])
    assert not np.array_equal(model.coefs_[0], before)
