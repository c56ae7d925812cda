"""bendernet.loss_gradient: the loss a fit minimises and its gradient, by either backend."""

import copy
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from bendernet import MLPClassifier, MLPRegressor, loss_gradient

X, Y_CLASS = make_classification(n_samples=40, n_features=5, n_informative=3, n_classes=3,
                                 random_state=0)
_, Y_REG = make_regression(n_samples=40, n_features=5, random_state=0)


def fitted(estimator, y, X=X, **params):
    model = estimator(hidden_layer_sizes=(4, 3), max_iter=2, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def central_differences(model, y, step=1e-6):
    """The gradient by (L(p + h) - L(p - h)) / 2h, every parameter in turn."""
    grads = []
    for p in model.coefs_ + model.intercepts_:
        g = np.empty_like(p)
        for i in np.ndindex(p.shape):
            kept = p[i]
            p[i] = kept + step
            up = loss_gradient(model, X, y).loss
            p[i] = kept - step
            down = loss_gradient(model, X, y).loss
            p[i] = kept
            g[i] = (up - down) / (2 * step)
        grads.append(g)
    return grads


@pytest.mark.parametrize("estimator, y, activation", [
    (MLPClassifier, Y_CLASS, "tanh"), (MLPClassifier, Y_CLASS == 1, "logistic"),
    (MLPRegressor, Y_REG / 100, "softplus"),
])
def test_gradient_matches_central_differences(estimator, y, activation):
    model = fitted(estimator, y, activation=activation, alpha=0.01)
    exact = loss_gradient(model, X, y)
    numeric = central_differences(model, y)
    for g, g_fd in zip(exact.coefs + exact.intercepts, numeric):
        # float64: the differences' error is about eps * |L| / h + h^2, near 1e-9
        assert np.linalg.norm(g - g_fd) <= 1e-6 * np.linalg.norm(g_fd)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_both_backends_agree(dtype):
    Xd = X.astype(dtype)   # a float32 fit keeps float32 parameters and gradients
    c = fitted(MLPClassifier, Y_CLASS, Xd, activation="prelu")
    numpy = copy.deepcopy(c).set_params(backend="numpy")
    ours, theirs = loss_gradient(c, Xd, Y_CLASS), loss_gradient(numpy, Xd, Y_CLASS)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert ours.loss == pytest.approx(theirs.loss, rel=tol)
    for a, b in zip(ours.coefs + ours.intercepts + [ours.prelu_alpha],
                    theirs.coefs + theirs.intercepts + [theirs.prelu_alpha]):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_shapes_follow_the_parameters_and_nothing_is_modified():
    model = fitted(MLPClassifier, Y_CLASS)
    before = copy.deepcopy(model.__dict__)
    X_in, y_in = X.copy(), Y_CLASS.copy()
    result = loss_gradient(model, X_in, y_in)
    assert [g.shape for g in result.coefs] == [c.shape for c in model.coefs_]
    assert [g.shape for g in result.intercepts] == [b.shape for b in model.intercepts_]
    assert result.prelu_alpha is None
    for a, b in zip(model.coefs_ + model.intercepts_, before["coefs_"] + before["intercepts_"]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(X_in, X)
    np.testing.assert_array_equal(y_in, Y_CLASS)


def test_unit_sample_weight_is_no_weight():
    model = fitted(MLPRegressor, Y_REG / 100)
    plain = loss_gradient(model, X, Y_REG / 100)
    weighted = loss_gradient(model, X, Y_REG / 100, sample_weight=np.ones(len(X)))
    assert weighted.loss == plain.loss
    for a, b in zip(plain.coefs, weighted.coefs):
        np.testing.assert_array_equal(a, b)


def test_bad_input_is_named():
    with pytest.raises(NotFittedError):
        loss_gradient(MLPClassifier(), X, Y_CLASS)
    model = fitted(MLPClassifier, Y_CLASS)
    with pytest.raises(ValueError, match="classes the model does not know"):
        loss_gradient(model, X, Y_CLASS + 10)
    with pytest.raises(ValueError, match="features"):
        loss_gradient(model, X[:, :3], Y_CLASS)
    regressor = fitted(MLPRegressor, Y_REG)
    with pytest.raises(ValueError, match=r"y holds 2 output\(s\)"):
        loss_gradient(regressor, X, np.column_stack([Y_REG, Y_REG]))
