"""Networks of any depth (issue 18, item 5): the C core once refused more than 64 layers of
weights; scikit-learn trains any depth, and so does bendernet now. Also the size arithmetic
of deep and wide networks, fed sizes whose counts overflow int64."""

import os
import warnings

import numpy as np
import pytest
import sklearn.neural_network as sk
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import bendernet as bn
from bendernet import _kernels as C
from bendernet import reference as R
from bendernet._network import Network

INT64_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X)[:300], y[:300]


def fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


DEEP = dict(hidden_layer_sizes=(8,) * 100, solver="sgd", max_iter=3, random_state=0,
            batch_size=50, learning_rate_init=0.05)


def test_a_hundred_hidden_layers_train_as_scikit_learn_does(digits):
    X, y = digits
    ours = fit_quietly(bn.MLPClassifier(**DEEP), X, y)
    theirs = fit_quietly(sk.MLPClassifier(**DEEP), X, y)
    assert len(ours.coefs_) == 101 and ours.n_layers_ == 102
    assert len(ours.loss_curve_) == 3
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_allclose(a, b, rtol=1e-6, atol=1e-6 * np.abs(b).max())
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-12)


def test_the_gradient_reaches_the_first_of_a_hundred_layers(digits):
    # a learning rate so small that each step rounds away leaves the initial weights: the
    # trained first layer differs from them, so backpropagation went all the way down
    X, y = digits
    untrained = fit_quietly(bn.MLPClassifier(**{**DEEP, "learning_rate_init": 1e-300}), X, y)
    trained = fit_quietly(bn.MLPClassifier(**DEEP), X, y)
    assert not np.array_equal(untrained.coefs_[0], trained.coefs_[0])


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_deep_network_of_mixed_activations_agrees_on_both_backends(digits, solver):
    X, y = digits
    activation = ("relu", "prelu", "tanh", "elu") * 20
    params = dict(hidden_layer_sizes=(6,) * 80, activation=activation, solver=solver,
                  max_iter=3, random_state=1, batch_size=100)
    c = fit_quietly(bn.MLPClassifier(**params), X, y)
    numpy = fit_quietly(bn.MLPClassifier(backend="numpy", **params), X, y)
    assert_allclose(c.loss_, numpy.loss_, rtol=1e-9)
    for a, b in zip(c.coefs_ + [c.prelu_alpha_], numpy.coefs_ + [numpy.prelu_alpha_]):
        assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    assert np.isnan(c.prelu_alpha_[0::2]).all() and np.isfinite(c.prelu_alpha_[1::4]).all()


def test_twenty_thousand_layers_predict_through_the_c_core():
    # the per-layer views are allocated per network: 20,000 layers of one unit each
    units = np.ones(20_001, dtype=np.int64)
    network = Network(units, "identity", "identity", np.float64)
    flat = np.zeros(network.n_params)
    network.unpack(flat)[0][0][...] = 1.0        # W_0 = 1, everything else 0
    network.unpack(flat)[1][-1][...] = 3.0       # the output layer's bias
    assert_allclose(network.predict(flat, np.ones((2, 1))), [[3.0], [3.0]])
    G = np.empty_like(flat)
    T = np.full((1, 1), 5.0)
    loss = C.loss_grad(G, network.workspace(1), flat, units, network.activation, 0, 0.0,
                       np.ones(1), None, None, 1, 1, T, None)
    assert loss == pytest.approx(0.5 * (3.0 - 5.0) ** 2)
    assert G[-1] == pytest.approx(-2.0)        # d loss / d b_out = y - t


# ---- size arithmetic fed sizes past int64 ----------------------------------------------------

@pytest.mark.parametrize("activation", [R.RELU, R.PRELU])
def test_weights_whose_count_overflows_only_in_the_sum_are_refused(activation):
    # each product (2**31 - 1)**2 fits int64; three of them summed do not: the count must
    # not wrap to a small number a short buffer would pass
    units = np.full(4, 2**31 - 1, dtype=np.int64)
    assert 3 * (2**31 - 1) ** 2 > INT64_MAX > (2**31 - 1) ** 2
    with pytest.raises(ValueError):
        C.param_count(units, activation)
    with pytest.raises(ValueError):
        C.workspace_len(units, activation, 1)


@pytest.mark.parametrize("activation", [R.TANH, R.PRELU])
def test_a_deep_workspace_whose_length_overflows_is_refused(activation):
    # 100,000 layers of 8 units are 800,000 units; m rows of them, two or three buffers
    # each, pass int64 at m = 2**44 (2 * 8e5 * 2**44 > 2**63)
    units = np.full(100_001, 8, dtype=np.int64)
    per_row = C.workspace_len(units, activation, 1)
    assert per_row == R.workspace_len(units, activation, 1)
    assert C.workspace_len(units, activation, 2**40) == per_row * 2**40
    with pytest.raises(ValueError, match="would not fit"):
        C.workspace_len(units, activation, 2**44)


def test_a_layer_past_2_to_the_31_units_is_counted_in_int64():
    units = np.array([2**31 + 5, 3, 2**33], dtype=np.int64)
    expected = (2**31 + 5) * 3 + 3 * 2**33 + 3 + 2**33
    assert C.param_count(units, R.RELU) == expected == R.param_count(units, R.RELU)
    assert C.workspace_len(units, R.RELU, 7) == 7 * (3 + 2**33) * 2


# ---- opt-in: a real network past 2**31 elements (several GiB) -------------------------------

@pytest.mark.skipif(not os.environ.get("BENDERNET_MULTI_GIB_TESTS"),
                    reason="needs ~9 GiB; set BENDERNET_MULTI_GIB_TESTS=1 to run")
def test_a_weight_matrix_past_2_to_the_31_elements_predicts():
    # W_0 is 46,341 x 46,341 = 2**31 + 84,997 float32 values (8 GiB): every index into it
    # past 2**31 must be formed in 64 bits
    k = 46_341
    units = np.array([k, k, 1], dtype=np.int64)
    network = Network(units, "identity", "identity", np.float32)
    flat = np.zeros(network.n_params, dtype=np.float32)
    W0, W1 = network.unpack(flat)[0]
    W0[-1, -1] = 2.0                              # the very last element of W_0
    W1[-1, 0] = 1.0
    X = np.zeros((1, k), dtype=np.float32)
    X[0, -1] = 1.5
    assert_allclose(network.predict(flat, X), [[3.0]])
