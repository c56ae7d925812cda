"""Watching the validation set: the scoring parameter (None, 'loss', a scorer name or
callable) drives early stopping and best_validation_score_; validation_loss_curve_ is the
validation loss of each epoch; fit(X_val=, y_val=, sample_weight_val=) gives the validation
set explicitly. Defaults unchanged, bad input named, clone/pickle/warm_start/partial_fit and
both backends."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_iris, make_multilabel_classification, make_regression
from sklearn.metrics import get_scorer, log_loss, mean_squared_error
from sklearn.preprocessing import StandardScaler

from bendernet import MLPClassifier, MLPRegressor
from helpers import quiet_fit as fit


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    order = np.random.default_rng(0).permutation(len(y))
    return X[order[:100]], y[order[:100]], X[order[100:]], y[order[100:]]


def watched(Estimator=MLPClassifier, **params):
    defaults = dict(hidden_layer_sizes=(6,), max_iter=15, random_state=0, batch_size=20,
                    learning_rate_init=0.01, early_stopping=True, n_iter_no_change=100)
    return Estimator(**{**defaults, **params})


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_default_scoring_is_the_score_of_each_epoch(iris, backend):
    X, y, X_val, y_val = iris
    default = fit(watched(backend=backend), X, y, X_val=X_val, y_val=y_val)
    accuracy = fit(watched(backend=backend, scoring="accuracy"), X, y, X_val=X_val,
                   y_val=y_val)
    assert default.validation_scores_ == accuracy.validation_scores_
    best = int(np.argmax(default.validation_scores_))
    assert default.best_validation_score_ == default.validation_scores_[best]
    assert default.score(X_val, y_val) == default.best_validation_score_


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_loss_scoring_stops_on_the_negated_validation_loss(iris, backend):
    X, y, X_val, y_val = iris
    model = fit(watched(backend=backend, scoring="loss"), X, y, X_val=X_val, y_val=y_val)
    assert len(model.validation_loss_curve_) == model.n_iter_ == 15
    assert model.validation_scores_ == [-loss for loss in model.validation_loss_curve_]
    assert model.best_validation_score_ == max(model.validation_scores_)
    # the best epoch's model is kept: its log-loss on X_val is the best score, negated
    assert_allclose(log_loss(y_val, model.predict_proba(X_val)), -model.best_validation_score_,
                    rtol=1e-12)


def test_the_validation_loss_of_a_regressor_is_half_the_squared_error():
    X, y = make_regression(150, 5, noise=5.0, random_state=0)
    y = y / y.std()
    model = fit(watched(MLPRegressor, scoring="loss"), X[:100], y[:100], X_val=X[100:],
                y_val=y[100:])
    assert_allclose(0.5 * mean_squared_error(y[100:], model.predict(X[100:])),
                    min(model.validation_loss_curve_), rtol=1e-12)


def test_c_and_numpy_validation_losses_agree(iris):
    X, y, X_val, y_val = iris
    c = fit(watched(scoring="loss"), X, y)
    numpy = fit(watched(scoring="loss", backend="numpy"), X, y)
    assert_allclose(c.validation_loss_curve_, numpy.validation_loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("scoring", ["neg_log_loss", "balanced_accuracy", "f1_macro"])
def test_a_scorer_name_scores_each_epoch(iris, scoring):
    X, y, X_val, y_val = iris
    model = fit(watched(scoring=scoring), X, y, X_val=X_val, y_val=y_val)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert_allclose(get_scorer(scoring)(model, X_val, y_val), model.best_validation_score_,
                    rtol=1e-12)


def test_the_stopping_rule_follows_a_callable_scorer(iris):
    X, y, X_val, y_val = iris

    def never_improves(estimator, X, y):
        return 0.5

    model = fit(watched(scoring=never_improves, n_iter_no_change=3, max_iter=50), X, y,
                X_val=X_val, y_val=y_val)
    assert model.n_iter_ == 5          # the first epoch, then 4 without improvement
    assert model.validation_scores_ == [0.5] * 5
    first_epoch = fit(watched(max_iter=1), X, y, X_val=X_val, y_val=y_val)
    assert_array_equal(model.predict_proba(X), first_epoch.predict_proba(X))


def test_a_scorer_gets_the_validation_sample_weights(iris):
    X, y, X_val, y_val = iris
    weights = np.where(y_val == 2, 5.0, 1.0)
    seen = []

    def weighted_accuracy(estimator, X, y, sample_weight=None):
        seen.append(sample_weight)
        return np.average(estimator.predict(X) == y, weights=sample_weight)

    fit(watched(scoring=weighted_accuracy, max_iter=2), X, y, X_val=X_val, y_val=y_val,
        sample_weight_val=weights)
    assert len(seen) == 2 and all(np.array_equal(w, weights) for w in seen)


def test_an_explicit_validation_set_replaces_the_split(iris):
    X, y, X_val, y_val = iris
    explicit = fit(watched(max_iter=6), X, y, X_val=X_val, y_val=y_val)
    # every sample trains, and no draw goes to a split: the shuffles are the plain fit's
    plain = fit(watched(max_iter=6, early_stopping=False), X, y)
    assert explicit.t_ == 6 * len(y)
    assert explicit.loss_curve_ == plain.loss_curve_
    split = fit(watched(max_iter=6), X, y)
    assert split.t_ == 6 * 90


def test_multilabel_and_sparse_validation_sets():
    import scipy.sparse as sp

    X, Y = make_multilabel_classification(160, 8, n_classes=3, random_state=0)
    dense = fit(watched(scoring="loss"), X[:120], Y[:120], X_val=X[120:], y_val=Y[120:])
    sparse = fit(watched(scoring="loss"), X[:120], Y[:120], X_val=sp.csr_matrix(X[120:]),
                 y_val=Y[120:])
    assert_allclose(dense.validation_loss_curve_, sparse.validation_loss_curve_, rtol=1e-12)
    # the logistic outputs' log-losses, summed over the labels, averaged over the samples
    P, T = dense.predict_proba(X[120:]), Y[120:]
    by_hand = -np.mean(np.sum(T * np.log(P) + (1 - T) * np.log(1 - P), axis=1))
    assert_allclose(by_hand, min(dense.validation_loss_curve_), rtol=1e-12)


def test_no_validation_set_no_validation_curve(iris):
    X, y, _, _ = iris
    model = fit(watched(early_stopping=False, scoring="loss", max_iter=3), X, y)
    assert model.validation_loss_curve_ is None and model.validation_scores_ is None


def test_warm_start_continues_the_curves_and_partial_fit_ignores_scoring(iris):
    X, y, X_val, y_val = iris
    model = fit(watched(scoring="loss", warm_start=True, max_iter=4), X, y, X_val=X_val,
                y_val=y_val)
    fit(model, X, y, X_val=X_val, y_val=y_val)
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 8
    online = watched(early_stopping=False, scoring="loss")
    online.partial_fit(X, y, classes=[0, 1, 2])
    plain = watched(early_stopping=False)
    plain.partial_fit(X, y, classes=[0, 1, 2])
    assert_array_equal(online.coefs_[0], plain.coefs_[0])


def test_clone_and_pickle_keep_scoring_and_the_curves(iris):
    X, y, X_val, y_val = iris
    model = fit(watched(scoring="loss", max_iter=4), X, y, X_val=X_val, y_val=y_val)
    assert clone(model).scoring == "loss"
    restored = pickle.loads(pickle.dumps(model))
    assert restored.validation_loss_curve_ == model.validation_loss_curve_
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    fit(restored, X, y, X_val=X_val, y_val=y_val)
    assert restored.validation_loss_curve_ == fit(clone(model), X, y, X_val=X_val,
                                                  y_val=y_val).validation_loss_curve_


def fitted_state(model):
    return pickle.dumps({k: v for k, v in vars(model).items() if k.endswith("_")})


@pytest.mark.parametrize("params, fit_params, error, message", [
    (dict(scoring="no_such_scorer"), {}, ValueError, "scoring='no_such_scorer'"),
    (dict(scoring=3), {}, ValueError, "scoring"),
    ({}, dict(X_val="val"), ValueError, "X_val is provided, but y_val was not"),
    ({}, dict(y_val="val"), ValueError, "y_val is provided, but X_val was not"),
    (dict(early_stopping=False), dict(X_val="val", y_val="val"), ValueError,
     "early_stopping is False"),
    (dict(solver="lbfgs"), dict(X_val="val", y_val="val"), ValueError, "lbfgs"),
    ({}, dict(X_val="wide", y_val="val"), ValueError, "features"),
    ({}, dict(X_val="val", y_val="unknown"), ValueError, r"y_val has classes not in"),
    ({}, dict(X_val="val", y_val="short"), ValueError, "inconsistent numbers of samples"),
    ({}, dict(X_val="val", y_val="val", sample_weight_val="short"), ValueError,
     "sample_weight"),
])
def test_bad_scoring_and_validation_sets_are_named_and_change_nothing(
        iris, params, fit_params, error, message):
    X, y, X_val, y_val = iris
    arguments = {}
    for name, key in fit_params.items():
        if name == "X_val":
            arguments[name] = {"val": X_val, "wide": np.hstack([X_val, X_val])}[key]
        elif name == "y_val":
            arguments[name] = {"val": y_val, "unknown": y_val + 5, "short": y_val[:-1]}[key]
        else:
            arguments[name] = np.ones(len(y_val) - 1)
    model = fit(watched(max_iter=2), X, y)
    before, proba = fitted_state(model), model.predict_proba(X)
    with pytest.raises(error, match=message):
        model.set_params(**params).fit(X, y, **arguments)
    assert fitted_state(model) == before
    assert_array_equal(model.predict_proba(X), proba)


def test_bad_validation_targets_of_multilabel_and_regression():
    X, Y = make_multilabel_classification(60, 8, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="y_val must be a multilabel indicator of 3"):
        fit(watched(), X, Y, X_val=X, y_val=Y[:, :2])
    Xr, yr = make_regression(60, 4, random_state=0)
    with pytest.raises(ValueError, match=r"y_val must have 1 output\(s\)"):
        fit(watched(MLPRegressor), Xr, yr, X_val=Xr, y_val=np.c_[yr, yr])
