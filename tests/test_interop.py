"""bendernet.to_sklearn and from_sklearn: the same model on both sides, fitted state and all,
and its ONNX export through skl2onnx."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn.neural_network as sk
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import bendernet as bn

# Predictions agree to rounding (the matrix products sum in another order than NumPy's);
# parameters after more training drift by a few ulps of the layer's scale (see
# test_against_sklearn.py).
PREDICT_RTOL = {np.float64: 1e-12, np.float32: 1e-5}
TRAIN_RTOL = {np.float64: 1e-9, np.float32: 1e-4}
# bendernet's caches of its parameters: made on demand, not fitted state
CACHES = {"_flat", "_views", "_networks"}


def problem(kind, dtype):
    if kind == "regressor":
        X, y = make_regression(300, 12, n_targets=2, noise=1.0, random_state=0)
        y = y / y.std()
    elif kind == "multilabel":
        X, y = make_multilabel_classification(300, 12, n_classes=4, random_state=0)
    else:
        X, y = load_digits(return_X_y=True)
        X, y = X[:300], y[:300]
        if kind == "binary":
            y = np.where(y % 2, "odd", "even")
    return StandardScaler().fit_transform(X).astype(dtype), y


def train(estimator, X, y, solver):
    """A fit and, for a stochastic solver, two partial_fit calls after it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X[:200], y[:200])
        if solver != "lbfgs":
            estimator.partial_fit(X[100:250], y[100:250])
            estimator.partial_fit(X[:200], y[:200])
    return estimator


def params(kind, solver):
    common = dict(hidden_layer_sizes=(16, 8), activation="tanh", solver=solver, max_iter=8,
                  batch_size=50, random_state=1, learning_rate_init=0.01)
    if solver == "sgd":
        common.update(learning_rate="invscaling", learning_rate_init=0.1)
    return common


def classes(kind):
    return "MLPRegressor" if kind == "regressor" else "MLPClassifier"


def kind_of(value):
    return "float" if isinstance(value, (float, np.floating)) else type(value)


def assert_same_predictions(ours, theirs, X, dtype):
    if hasattr(ours, "predict_proba"):
        assert_allclose(ours.predict_proba(X), theirs.predict_proba(X),
                        rtol=PREDICT_RTOL[dtype], atol=PREDICT_RTOL[dtype])
        assert_array_equal(ours.predict(X), theirs.predict(X))
    else:
        assert_allclose(ours.predict(X), theirs.predict(X), rtol=PREDICT_RTOL[dtype],
                        atol=PREDICT_RTOL[dtype])


def assert_same_parameters(ours, theirs, dtype):
    rtol = TRAIN_RTOL[dtype]
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.dtype == b.dtype
        assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_


def continue_both(ours, theirs, X, y, dtype):
    """More training on each side: partial_fit, then a warm_start fit; the same model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in (ours, theirs):
            if model.solver != "lbfgs":
                model.partial_fit(X[50:], y[50:])
        assert_same_parameters(ours, theirs, dtype)
        for model in (ours, theirs):
            model.set_params(warm_start=True, max_iter=3).fit(X, y)
    assert_same_parameters(ours, theirs, dtype)


CASES = [("binary", "adam"), ("multiclass", "sgd"), ("multiclass", "lbfgs"),
         ("multilabel", "adam"), ("regressor", "adam"), ("regressor", "sgd")]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind, solver", CASES)
def test_to_sklearn_is_the_same_model(kind, solver, dtype):
    X, y = problem(kind, dtype)
    ours = train(getattr(bn, classes(kind))(**params(kind, solver)), X, y, solver)
    theirs = bn.to_sklearn(ours)
    assert type(theirs) is getattr(sk, classes(kind))
    # every attribute a scikit-learn model trained the same way has, of the same types
    native = train(getattr(sk, classes(kind))(**params(kind, solver)), X, y, solver)
    assert set(vars(theirs)) == set(vars(native))
    for name, value in vars(native).items():
        # (bendernet keeps a float32 fit's losses in float32, scikit-learn in float64)
        assert kind_of(getattr(theirs, name)) == kind_of(value), name
    if solver != "lbfgs":
        assert type(theirs._optimizer) is type(native._optimizer)
    assert_same_predictions(ours, theirs, X[200:], dtype)
    assert ours.score(X[200:], y[200:]) == pytest.approx(theirs.score(X[200:], y[200:]),
                                                         rel=PREDICT_RTOL[dtype])
    # the optimizer state crosses too: without it, the next step would differ
    continue_both(ours, theirs, X, y, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind, solver", CASES)
def test_from_sklearn_is_the_same_model(kind, solver, dtype):
    X, y = problem(kind, dtype)
    theirs = train(getattr(sk, classes(kind))(**params(kind, solver)), X, y, solver)
    ours = getattr(bn, classes(kind)).from_sklearn(theirs)
    assert type(ours) is getattr(bn, classes(kind))
    native = train(getattr(bn, classes(kind))(**params(kind, solver)), X, y, solver)
    assert set(vars(ours)) - CACHES == set(vars(native)) - CACHES
    assert_same_predictions(ours, theirs, X[200:], dtype)
    continue_both(ours, theirs, X, y, dtype)


@pytest.mark.parametrize("kind, solver", CASES)
def test_round_trip_is_bitwise(kind, solver):
    X, y = problem(kind, np.float32)
    model = train(getattr(bn, classes(kind))(**params(kind, solver)), X, y, solver)
    back = type(model).from_sklearn(bn.to_sklearn(model))
    for a, b in zip(model.coefs_ + model.intercepts_, back.coefs_ + back.intercepts_):
        assert_array_equal(a, b)
        assert a.dtype == b.dtype
    assert_array_equal(model.predict(X), back.predict(X))
    if solver != "lbfgs":
        for name in model._optimizer.buffers + model._optimizer.counters:
            assert_array_equal(getattr(model._optimizer, name), getattr(back._optimizer, name))
        # the same continued training, bit for bit
        model.partial_fit(X, y)
        back.partial_fit(X, y)
        assert_array_equal(model._flat, back._flat)


def test_optimizer_keeps_its_kind_when_solver_changed_after_fit():
    X, y = problem("multiclass", np.float64)
    theirs = train(sk.MLPClassifier(**params("multiclass", "sgd")), X, y, "sgd")
    theirs.set_params(solver="adam")
    ours = bn.MLPClassifier.from_sklearn(theirs)
    assert ours._optimizer.name == "sgd"
    assert_allclose(ours._optimizer.velocity[:theirs.coefs_[0].size],
                    theirs._optimizer.velocities[0].ravel())


def test_sklearn_model_needs_no_bendernet():
    X, y = problem("multiclass", np.float64)
    model = train(bn.MLPClassifier(**params("multiclass", "adam")), X, y, "adam")
    assert b"bendernet" not in pickle.dumps(bn.to_sklearn(model))


def test_unfitted_models_cross_with_their_parameters():
    model = bn.MLPRegressor(loss="poisson", hidden_layer_sizes=(7,), alpha=0.5,
                            backend="numpy")
    theirs = bn.to_sklearn(model)
    assert not hasattr(theirs, "coefs_")
    # bendernet's own parameters stay behind: backend, and training options at their
    # defaults (scikit-learn's behaviour)
    assert theirs.get_params() == {k: v for k, v in model.get_params().items()
                                   if k not in ("backend", "class_weight", "scoring")}
    back = bn.MLPRegressor.from_sklearn(theirs, backend="numpy")
    assert back.get_params() == model.get_params()


@pytest.mark.parametrize("option", [{"class_weight": "balanced"}, {"scoring": "loss"}])
def test_training_options_sklearn_lacks_are_refused_unless_at_their_default(option):
    X, y = problem("binary", np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = bn.MLPClassifier(max_iter=5, early_stopping=True, random_state=0,
                                 **option).fit(X, y)
    name = next(iter(option))
    with pytest.raises(ValueError, match=f"no parameter {name}.*set_params"):
        bn.to_sklearn(model)
    model.set_params(**{name: None})
    np.testing.assert_allclose(bn.to_sklearn(model).predict_proba(X),
                               model.predict_proba(X), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ["prelu", "arctan", "elu", "softplus", "step"])
def test_activation_sklearn_lacks_is_refused(activation):
    X, y = problem("binary", np.float64)
    model = bn.MLPClassifier(hidden_layer_sizes=(4,), activation=activation, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    with pytest.raises(ValueError, match=f"no activation '{activation}'"):
        bn.to_sklearn(model)


def test_per_layer_activations_are_refused():
    model = bn.MLPClassifier(hidden_layer_sizes=(4, 4), activation=("relu", "tanh"))
    with pytest.raises(ValueError, match="per-layer activations"):
        bn.to_sklearn(model)


def test_from_sklearn_takes_its_own_kind():
    with pytest.raises(TypeError, match="takes a sklearn.neural_network.MLPClassifier"):
        bn.MLPClassifier.from_sklearn(sk.MLPRegressor())
    with pytest.raises(TypeError, match="backend"):
        bn.MLPRegressor.from_sklearn(sk.MLPRegressor(), random_state=0)


@pytest.mark.parametrize("kind", ["multiclass", "binary", "regressor"])
def test_onnx_export_predicts_the_same(kind):
    skl2onnx = pytest.importorskip("skl2onnx", reason="ONNX export needs skl2onnx")
    onnxruntime = pytest.importorskip("onnxruntime", reason="ONNX check needs onnxruntime")
    from skl2onnx.common.data_types import FloatTensorType

    X, y = problem(kind, np.float32)
    model = train(getattr(bn, classes(kind))(**params(kind, "adam")), X, y, "adam")
    onx = skl2onnx.convert_sklearn(bn.to_sklearn(model),
                                   initial_types=[("X", FloatTensorType([None, X.shape[1]]))],
                                   options={"zipmap": False} if kind != "regressor" else None)
    session = onnxruntime.InferenceSession(onx.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"X": X})
    if kind == "regressor":
        # skl2onnx 1.20 hands a multi-output regressor's predictions back as one column,
        # row after row
        expected = model.predict(X)
        assert outputs[0].size == expected.size
        assert_allclose(outputs[0].reshape(expected.shape), expected, rtol=1e-5, atol=1e-5)
        return
    labels, probabilities = outputs
    expected = model.predict_proba(X)
    assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    # labels agree wherever the two best classes are not tied to float32 rounding
    top_two = np.sort(expected, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 1e-5
    assert clear.mean() > 0.9
    assert_array_equal(labels[clear], model.predict(X)[clear])


def test_a_model_from_sklearn_with_early_stopping_trains_on():
    # scikit-learn keeps no validation losses: bendernet's curve holds NaN for its epochs
    X, y = problem("multiclass", np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = sk.MLPClassifier(max_iter=4, early_stopping=True, warm_start=True,
                                  random_state=0).fit(X, y)
        ours = bn.MLPClassifier.from_sklearn(theirs)
        assert np.isnan(ours.validation_loss_curve_).all()
        assert len(ours.validation_loss_curve_) == len(theirs.validation_scores_) == 4
        ours.fit(X, y)
    assert len(ours.validation_loss_curve_) == len(ours.validation_scores_) == 8
    assert np.isfinite(ours.validation_loss_curve_[4:]).all()
