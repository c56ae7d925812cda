"""The deck's perceptron by name: hidden_layer_sizes=() is y = F(W·x + b) with F the
binary step, class 1 where v = W·x + b > 0 and class 0 otherwise, computed here by hand
from coefs_ and intercepts_."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from bendernet import MLPClassifier

GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def step(v):
    return np.where(v > 0, 1, 0)


def perceptron(**params):
    model = MLPClassifier(hidden_layer_sizes=(), max_iter=1, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(GATE_X, [0, 0, 0, 1])


@pytest.mark.parametrize("backend", ["c", "numpy"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_trained_perceptron_predicts_the_step_of_w_x_plus_b(backend, dtype):
    X, y = make_classification(300, 6, random_state=0)
    X = X.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(), max_iter=50, random_state=0,
                              learning_rate_init=0.05,
                              backend=backend).fit(X, y)
    assert model.n_layers_ == 2 and len(model.coefs_) == 1
    (W,), (b,) = model.coefs_, model.intercepts_
    assert W.shape == (6, 1) and b.shape == (1,)
    v = (X.astype(np.float64) @ W.astype(np.float64) + b).ravel()
    assert_array_equal(model.predict(X), step(v))
    assert_array_equal(model.predict(sp.csr_matrix(X)), step(v))
    # F's smooth twin is the logistic output that training uses
    assert_allclose(model.predict_proba(X)[:, 1], 1 / (1 + np.exp(-v)),
                    rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert (model.predict(X) == y).mean() > 0.8


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_the_decks_and_gate_with_hand_set_weights(backend):
    # W = (1, 1), b = -1.5: v > 0 only for (1, 1)
    model = perceptron(backend=backend)
    model.coefs_ = [np.array([[1.0], [1.0]])]
    model.intercepts_ = [np.array([-1.5])]
    assert_array_equal(model.predict(GATE_X), [0, 0, 0, 1])
    # OR with b = -0.5
    model.intercepts_ = [np.array([-0.5])]
    assert_array_equal(model.predict(GATE_X), [0, 1, 1, 1])


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_v_equal_to_zero_is_class_zero(backend):
    # W = (1, 1), b = -1: v = 0 at (0, 1) and (1, 0), the step's "otherwise"
    model = perceptron(backend=backend)
    model.coefs_ = [np.array([[1.0], [1.0]])]
    model.intercepts_ = [np.array([-1.0])]
    assert_array_equal(model.predict(GATE_X), [0, 0, 0, 1])
    assert_array_equal(model.predict_proba(GATE_X)[1:3, 1], [0.5, 0.5])


def test_labels_map_the_step_onto_classes_():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(), max_iter=1, random_state=0).fit(
            GATE_X, ["off", "off", "off", "on"])
    model.coefs_ = [np.array([[2.0], [-1.0]])]
    model.intercepts_ = [np.array([-0.5])]
    v = GATE_X @ model.coefs_[0] + model.intercepts_[0]
    assert_array_equal(model.predict(GATE_X), model.classes_[step(v.ravel())])
