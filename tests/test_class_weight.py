"""MLPClassifier's class_weight: the weights compute_sample_weight gives, through the
sample_weight path of the kernels, with every solver, backend, partial_fit, early stopping
(its validation score weighted too), warm_start, clone and pickle; bad values rejected
before anything fitted changes."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from bendernet import MLPClassifier
from helpers import quiet_fit as fit

WEIGHTS = {0: 3.0, 1: 0.5, 2: 1.5}


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    # unbalanced: 50, 30 and 15 samples of the three classes
    keep = np.r_[0:50, 50:80, 100:115]
    return StandardScaler().fit_transform(X)[keep], y[keep]


def assert_same_model(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_array_equal(p, q)
    assert_array_equal(getattr(a, "loss_curve_", [a.loss_]), getattr(b, "loss_curve_", [b.loss_]))


def small(**params):
    return MLPClassifier(**{**dict(hidden_layer_sizes=(6,), max_iter=6, random_state=0,
                                   batch_size=20, learning_rate_init=0.01), **params})


@pytest.mark.parametrize("backend", ["c", "numpy"])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("class_weight", [WEIGHTS, "balanced", {2: 4.0}])
def test_class_weight_is_compute_sample_weight_as_sample_weight(iris, backend, solver,
                                                                 class_weight):
    X, y = iris
    weighted = fit(small(solver=solver, backend=backend, class_weight=class_weight), X, y)
    by_hand = fit(small(solver=solver, backend=backend), X, y,
                  sample_weight=compute_sample_weight(class_weight, y))
    assert_same_model(weighted, by_hand)
    plain = fit(small(solver=solver, backend=backend), X, y)
    assert not np.array_equal(weighted.coefs_[0], plain.coefs_[0])


def test_class_weight_multiplies_sample_weight(iris):
    X, y = iris
    sample_weight = np.arange(len(y)) % 4 + 0.25
    weighted = fit(small(class_weight=WEIGHTS), X, y, sample_weight=sample_weight)
    by_hand = fit(small(), X, y,
                  sample_weight=sample_weight * compute_sample_weight(WEIGHTS, y))
    assert_same_model(weighted, by_hand)


def test_string_labels_and_binary_targets(iris):
    X, y = iris
    binary = np.where(y == 0, "setosa", "other")
    weights = {"setosa": 0.2, "other": 2.0}
    weighted = fit(small(class_weight=weights), X, binary)
    by_hand = fit(small(), X, binary, sample_weight=compute_sample_weight(weights, binary))
    assert_same_model(weighted, by_hand)


@pytest.mark.parametrize("class_weight", [
    [{0: 1.0, 1: 3.0}, {0: 2.0, 1: 0.5}, {1: 4.0}, {0: 1.0, 1: 1.0}],
    "balanced",
])
def test_multilabel_takes_a_dict_per_output_and_multiplies_them(class_weight):
    X, Y = make_multilabel_classification(120, 8, n_classes=4, random_state=0)
    weighted = fit(small(class_weight=class_weight), X, Y)
    by_hand = fit(small(), X, Y, sample_weight=compute_sample_weight(class_weight, Y))
    assert_same_model(weighted, by_hand)


def test_partial_fit_weighs_each_batch_by_the_dict(iris):
    X, y = iris
    weighted, by_hand = small(class_weight=WEIGHTS), small()
    for batch in (slice(0, 60), slice(60, None)):   # the first batch has classes 0 and 1 only
        weighted.partial_fit(X[batch], y[batch], classes=[0, 1, 2])
        weights = np.array([WEIGHTS[c] for c in y[batch]])
        by_hand.partial_fit(X[batch], y[batch], classes=[0, 1, 2], sample_weight=weights)
    assert_same_model(weighted, by_hand)


def test_partial_fit_refuses_balanced_as_sgd_classifier_does(iris):
    X, y = iris
    model = small(class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight 'balanced' is not supported for "
                                         "partial_fit"):
        model.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(model, "classes_") and not hasattr(model, "coefs_")


def test_early_stopping_weighs_the_validation_score_too(iris):
    X, y = iris
    params = dict(early_stopping=True, validation_fraction=0.3, max_iter=8)
    weighted = fit(small(class_weight=WEIGHTS, **params), X, y)
    by_hand = fit(small(**params), X, y, sample_weight=compute_sample_weight(WEIGHTS, y))
    assert_same_model(weighted, by_hand)
    assert weighted.validation_scores_ == by_hand.validation_scores_
    assert weighted.validation_loss_curve_ == by_hand.validation_loss_curve_
    unweighted = fit(small(**params), X, y)
    assert weighted.validation_loss_curve_ != unweighted.validation_loss_curve_


def test_an_explicit_validation_set_is_weighted_by_the_training_class_weights(iris):
    X, y = iris
    X_val, y_val = X[::3], y[::3]
    params = dict(early_stopping=True, max_iter=8)
    weighted = fit(small(class_weight="balanced", **params), X, y, X_val=X_val, y_val=y_val)
    train = compute_sample_weight("balanced", y)
    per_class = {c: train[y == c][0] for c in (0, 1, 2)}
    by_hand = fit(small(**params), X, y, sample_weight=train, X_val=X_val, y_val=y_val,
                  sample_weight_val=[per_class[c] for c in y_val])
    assert weighted.validation_scores_ == by_hand.validation_scores_
    assert weighted.validation_loss_curve_ == by_hand.validation_loss_curve_


def test_warm_start_clone_and_pickle_keep_the_weights(iris):
    X, y = iris
    model = fit(small(class_weight=WEIGHTS, warm_start=True), X, y)
    fit(model, X, y)
    by_hand = small(warm_start=True)
    for _ in range(2):
        fit(by_hand, X, y, sample_weight=compute_sample_weight(WEIGHTS, y))
    assert_same_model(model, by_hand)

    copy = clone(model)
    assert copy.class_weight == WEIGHTS and not hasattr(copy, "coefs_")
    assert_same_model(fit(copy.set_params(warm_start=False), X, y),
                      fit(small(class_weight=WEIGHTS), X, y))

    restored = pickle.loads(pickle.dumps(model))
    assert restored.class_weight == WEIGHTS
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))


def fitted_state(model):
    return pickle.dumps({k: v for k, v in vars(model).items() if k.endswith("_")})


@pytest.mark.parametrize("class_weight, target, message", [
    ("balance", "multiclass", "class_weight"),
    (3.0, "multiclass", "class_weight"),
    ([{0: 1.0}], "multiclass", "a list of dicts .* is for multilabel"),
    ({0: 1.0, 7: 2.0}, "multiclass", r"The classes, \[1, 2\], are not in class_weight"),
    ({0: 1.0, 1: 2.0}, "multilabel", "For multi-output, class_weight should be a list"),
    ([{0: 1.0}], "multilabel", "number of elements in class_weight should match"),
    ([{0: 1.0}, 2, {}, {}], "multilabel", "class_weight should be a list of dicts"),
])
def test_bad_class_weights_are_named_and_change_nothing(iris, class_weight, target, message):
    if target == "multiclass":
        X, y = iris
    else:
        X, y = make_multilabel_classification(60, 8, n_classes=4, random_state=0)
    model = fit(small(), X, y)
    before, proba = fitted_state(model), model.predict_proba(X)
    with pytest.raises(ValueError, match=message):
        model.set_params(class_weight=class_weight).fit(X, y)
    assert fitted_state(model) == before
    assert_array_equal(model.predict_proba(X), proba)
