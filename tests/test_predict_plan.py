"""A repeated predict reuses the network and flat buffer it found for the same state and
input dtype (FlatParameters._predict_network); whatever a user changes between two
predicts must still be what the second one computes with."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from bendernet import MLPClassifier, MLPRegressor

RNG = np.random.RandomState(1)
X = RNG.uniform(-1, 1, (30, 4))
Y = X[:, 0] - X[:, 1] + 0.5 * X[:, 2]


def fitted(dtype=np.float64, **params):
    model = MLPRegressor(hidden_layer_sizes=(5, 3), max_iter=5, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X.astype(dtype), Y)


def numpy_predict(model, X):
    """The regressor's output computed here, for a relu or identity network"""
    activation = {"relu": lambda z: np.maximum(z, 0), "identity": lambda z: z}
    names = model.activation
    names = [names] * (len(model.coefs_) - 1) if isinstance(names, str) else names
    a = X
    for layer, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        a = a @ W + b
        if layer < len(names):
            a = activation[names[layer]](a)
    return a.ravel()


def test_a_parameter_changed_in_place_after_a_predict_is_read():
    model = fitted()
    model.predict(X)
    model.coefs_[0][0, :] += 1.0          # a view of the model's own flat buffer
    np.testing.assert_allclose(model.predict(X), numpy_predict(model, X), rtol=1e-12)


def test_an_assigned_array_changed_in_place_after_a_predict_is_read():
    model = fitted()
    model.coefs_ = [W.copy() for W in model.coefs_]   # no longer the flat buffer's views
    model.predict(X)
    model.coefs_[1][:] = 0.5
    np.testing.assert_allclose(model.predict(X), numpy_predict(model, X), rtol=1e-12)


def test_an_activation_list_changed_in_place_after_a_predict_is_read():
    model = fitted(activation=["relu", "relu"])
    model.predict(X)
    model.activation[1] = "identity"
    np.testing.assert_allclose(model.predict(X), numpy_predict(model, X), rtol=1e-12)


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_a_change_of_backend_or_input_dtype_after_a_predict_is_followed(backend):
    model = fitted(np.float32)     # predicts float32 X in float32, float64 X in float64
    model.predict(X)
    model.set_params(backend=backend)
    assert model.predict(X.astype(np.float32)).dtype == np.float32
    assert model.predict(X).dtype == np.float64
    assert model._predict_network(np.dtype(np.float64))[0].kernels.__name__.endswith(
        "_kernels" if backend == "c" else "reference")


def test_a_classifier_refitted_predicts_its_new_classes():
    model = MLPClassifier((3,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X[:, 0] > 0)
        model.predict(X)
        model.fit(X, np.digitize(X[:, 0], [-0.3, 0.3]))
    assert model.predict_proba(X).shape == (30, 3)
