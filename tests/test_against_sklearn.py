"""bendernet's estimators against scikit-learn's, same seed: the same model, epoch by epoch."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.neural_network as sk
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import bendernet as bn

# rtol for loss curves and parameters: float64 agrees to ~1e-15 (the order of the sums in
# the matrix products differs from OpenBLAS's); float32 to ~1e-7 relative, but a
# parameter near zero may differ by a few float32 ulps of the layer's scale.
RTOL = {np.float64: 1e-6, np.float32: 1e-4}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X)[:600], y[:600]


def fit_both(estimator, X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = getattr(bn, estimator)(**params).fit(X, y)
        theirs = getattr(sk, estimator)(**params).fit(X, y)
    return ours, theirs


def assert_same_model(ours, theirs, dtype):
    rtol = RTOL[dtype]
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.dtype == b.dtype
        # relative to the layer's scale, so near-zero weights do not demand exact zeros
        assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "solver_params",
    [
        dict(solver="adam"),
        dict(solver="sgd", learning_rate_init=0.05),
        dict(solver="sgd", learning_rate_init=0.05, nesterovs_momentum=False),
        dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5),
        dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.05, tol=0.5,
             n_iter_no_change=2),
    ],
    ids=["adam", "sgd-nesterov", "sgd-momentum", "sgd-invscaling", "sgd-adaptive"],
)
def test_classifier_epochs_match(digits, dtype, solver_params):
    X, y = digits
    params = dict(hidden_layer_sizes=(32, 16), max_iter=30, random_state=3, batch_size=64,
                  **solver_params)
    ours, theirs = fit_both("MLPClassifier", X.astype(dtype), y, **params)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=RTOL[dtype] / 10)
    assert_same_model(ours, theirs, dtype)
    assert_array_equal(ours.predict(X.astype(dtype)), theirs.predict(X.astype(dtype)))
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=RTOL[dtype],
                    atol=RTOL[dtype] / 10)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_every_sklearn_activation_matches(digits, activation):
    X, y = digits
    ours, theirs = fit_both("MLPClassifier", X, y, hidden_layer_sizes=(20,), max_iter=15,
                            activation=activation, random_state=1)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    assert_same_model(ours, theirs, np.float64)


def test_early_stopping_matches(digits):
    X, y = digits
    ours, theirs = fit_both("MLPClassifier", X, y, hidden_layer_sizes=(20,), max_iter=60,
                            early_stopping=True, random_state=2, n_iter_no_change=3)
    assert ours.n_iter_ == theirs.n_iter_ < 60
    assert_allclose(ours.validation_scores_, theirs.validation_scores_)
    assert ours.best_validation_score_ == theirs.best_validation_score_
    assert_same_model(ours, theirs, np.float64)


def test_lbfgs_matches(digits):
    X, y = digits
    ours, theirs = fit_both("MLPClassifier", X.astype(np.float32), y, solver="lbfgs",
                            hidden_layer_sizes=(15,), max_iter=40, random_state=0)
    assert_allclose(ours.loss_, theirs.loss_, rtol=RTOL[np.float32])
    # scikit-learn's lbfgs ends with float64 parameters even for float32 data; so do we.
    # They went through float32 evaluations, hence float32's tolerance.
    assert_same_model(ours, theirs, np.float32)


def test_multilabel_matches():
    X, Y = make_multilabel_classification(n_samples=150, n_classes=4, random_state=0)
    ours, theirs = fit_both("MLPClassifier", X, Y, hidden_layer_sizes=(10,), max_iter=20,
                            random_state=0)
    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressor_matches(dtype, n_targets):
    X, y = make_regression(n_samples=300, n_features=12, n_targets=n_targets, noise=1.0,
                           random_state=0)
    y = (y / y.std()).astype(dtype)
    ours, theirs = fit_both("MLPRegressor", X.astype(dtype), y, hidden_layer_sizes=(16, 8),
                            max_iter=25, random_state=0, batch_size=50)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=RTOL[dtype] / 10)
    assert_same_model(ours, theirs, dtype)


def test_poisson_and_sample_weight_match():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    y = rng.poisson(np.exp(X[:, 0] / 2))
    weights = rng.uniform(0.5, 2, size=200)
    params = dict(loss="poisson", hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = bn.MLPRegressor(**params).fit(X, y, sample_weight=weights)
        theirs = sk.MLPRegressor(**params).fit(X, y, sample_weight=weights)
    assert ours.out_activation_ == "exp"
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    assert_same_model(ours, theirs, np.float64)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix])
def test_sparse_input_matches_without_densifying(digits, container):
    X, y = digits
    X_sparse = container(np.where(np.abs(X) > 1, X, 0))
    ours, theirs = fit_both("MLPClassifier", X_sparse, y, hidden_layer_sizes=(12,),
                            max_iter=10, random_state=0)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    assert_allclose(ours.predict_proba(X_sparse), theirs.predict_proba(X_sparse), rtol=1e-6)


def test_partial_fit_and_warm_start_match(digits):
    X, y = digits
    ours = bn.MLPClassifier(hidden_layer_sizes=(10,), random_state=0)
    theirs = sk.MLPClassifier(hidden_layer_sizes=(10,), random_state=0)
    for _ in range(3):
        ours.partial_fit(X, y, classes=np.unique(y))
        theirs.partial_fit(X, y, classes=np.unique(y))
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    params = dict(hidden_layer_sizes=(10,), random_state=0, warm_start=True, max_iter=5)
    ours, theirs = fit_both("MLPClassifier", X, y, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
    assert len(ours.loss_curve_) == 10
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)


def test_same_messages(digits, capsys):
    X, y = digits
    params = dict(hidden_layer_sizes=(5,), max_iter=3, verbose=True, random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        bn.MLPClassifier(**params).fit(X, y)
    ours = capsys.readouterr().out
    with pytest.warns(ConvergenceWarning):
        sk.MLPClassifier(**params).fit(X, y)
    assert ours == capsys.readouterr().out
    assert ours.count("Iteration") == 3


def test_grid_search_over_a_pipeline_matches(digits):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    X, y = digits
    grid = {"mlp__alpha": [1e-4, 1e-1], "mlp__activation": ["relu", "tanh"]}
    results = []
    for module in (bn, sk):
        pipeline = make_pipeline(StandardScaler(), module.MLPClassifier(
            hidden_layer_sizes=(10,), max_iter=8, random_state=0))
        pipeline.steps[-1] = ("mlp", pipeline.steps[-1][1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            search = GridSearchCV(pipeline, grid, cv=3).fit(X, y)
        results.append(search)
    ours, theirs = results
    assert ours.best_params_ == theirs.best_params_
    assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])
