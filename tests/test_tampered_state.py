"""A fitted attribute set to something the kernels cannot run (by a user, or an old pickle)
makes predict, predict_proba, score, partial_fit and a warm-started fit raise an error
that names it (a TypeError for the wrong kind of object, a ValueError for wrong contents),
and the failed call leaves the model as it was."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from bendernet import MLPClassifier, MLPRegressor

RNG = np.random.RandomState(0)
X = RNG.uniform(-1, 1, (40, 5))
Y_CLASSES = np.digitize(X[:, 0], [-0.3, 0.3])   # three classes
Y_REAL = X[:, 0] - 2 * X[:, 1]


def fitted(kind):
    """A small fitted model (warm_start on, so that fit continues from it): "classifier"
    (three classes, adam), "prelu" (a PReLU regressor, sgd)."""
    if kind == "classifier":
        model = MLPClassifier((4, 3), max_iter=3, warm_start=True, random_state=0)
        y = Y_CLASSES
    else:
        model = MLPRegressor(hidden_layer_sizes=(4, 3), activation="prelu", solver="sgd",
                             max_iter=3, warm_start=True, random_state=0)
        y = Y_REAL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y), y


def set_item(name, index, value):
    def tamper(model):
        getattr(model, name)[index] = value(getattr(model, name)[index])
    return tamper


def set_attr(name, value):
    def tamper(model):
        setattr(model, name, value(getattr(model, name, None)))
    return tamper


def set_optimizer(name, value):
    def tamper(model):
        setattr(model._optimizer, name, value(getattr(model._optimizer, name, None)))
    return tamper


def read_only(array):
    array = array.copy()
    array.flags.writeable = False
    return array


def with_nan(array):
    array = array.copy()
    array.flat[1] = np.nan
    return array


# (id, model, tamper, error, message); every one of them breaks predict and training
STATE = [
    ("coefs_ None", "classifier", set_attr("coefs_", lambda _: None), TypeError,
     r"coefs_ must be a list"),
    ("coefs_ empty", "classifier", set_attr("coefs_", lambda _: []), ValueError,
     r"coefs_ is empty"),
    ("coefs_ one short", "classifier", set_attr("coefs_", lambda c: c[:-1]), ValueError,
     r"intercepts_ holds 3 arrays and coefs_ 2"),
    ("coefs_[0] a list", "classifier", set_item("coefs_", 0, lambda W: W.tolist()),
     TypeError, r"coefs_\[0\] must be a NumPy array, got list"),
    ("coefs_[0] 1-D", "classifier", set_item("coefs_", 0, np.ravel), ValueError,
     r"coefs_\[0\] has shape \(20,\); it must be 2-D"),
    ("coefs_[0] transposed", "classifier", set_item("coefs_", 0, np.transpose),
     ValueError, r"coefs_\[1\] has shape \(4, 3\), but coefs_\[0\] has 5 columns"),
    ("coefs_[0] a row short", "classifier", set_item("coefs_", 0, lambda W: W[:-1]),
     ValueError, r"n_features_in_ is 5, but the row count of coefs_\[0\] is 4"),
    ("coefs_[1] a row more", "prelu",
     set_item("coefs_", 1, lambda W: np.vstack([W, W[:1]])), ValueError,
     r"coefs_\[1\] has shape \(5, 3\), but coefs_\[0\] has 4 columns"),
    ("coefs_[-1] a column short", "classifier", set_item("coefs_", -1, lambda W: W[:, :2]),
     ValueError, r"n_outputs_ is 3, but the column count of coefs_\[-1\] is 2"),
    ("coefs_[0] complex", "classifier", set_item("coefs_", 0, lambda W: W + 0j),
     ValueError, r"coefs_\[0\] has dtype complex128; it must hold real numbers"),
    ("coefs_[0] object", "prelu", set_item("coefs_", 0, lambda W: W.astype(object)),
     ValueError, r"coefs_\[0\] has dtype object"),
    ("coefs_[0] long double", "prelu", set_item("coefs_", 0, lambda W: W.astype(np.longdouble)),
     ValueError, r"coefs_\[0\] has dtype float128|coefs_\[0\] has dtype longdouble"),
    ("intercepts_ a string", "classifier", set_attr("intercepts_", lambda _: "0"), TypeError,
     r"intercepts_ must be a list"),
    ("intercepts_ one short", "prelu", set_attr("intercepts_", lambda b: b[:-1]), ValueError,
     r"intercepts_ holds 2 arrays and coefs_ 3"),
    ("intercepts_[0] a row", "classifier", set_item("intercepts_", 0, lambda b: b[None]),
     ValueError, r"intercepts_\[0\] has shape \(1, 4\); it must be 1-D"),
    ("intercepts_[1] too long", "prelu", set_item("intercepts_", 1, lambda b: np.r_[b, 0]),
     ValueError, r"intercepts_\[1\] has shape \(4,\); coefs_\[1\] has 3 columns"),
    ("intercepts_[0] text", "classifier", set_item("intercepts_", 0, lambda b: b.astype(str)),
     ValueError, r"intercepts_\[0\] has dtype <U"),
    ("out_activation_ unknown", "classifier", set_attr("out_activation_", lambda _: "bogus"),
     ValueError, r"out_activation_ is 'bogus'; bendernet's output layers are identity, "),
    ("out_activation_ a code", "prelu", set_attr("out_activation_", lambda _: 0), TypeError,
     r"out_activation_ must be a string, got int"),
    ("out_activation_ of a regressor", "classifier",
     set_attr("out_activation_", lambda _: "identity"), ValueError,
     r"out_activation_ is 'identity'; a classifier of a multiclass target has 'softmax'"),
    ("n_outputs_ wrong", "prelu", set_attr("n_outputs_", lambda _: 2), ValueError,
     r"n_outputs_ is 2, but the column count of coefs_\[-1\] is 1"),
    ("n_outputs_ text", "classifier", set_attr("n_outputs_", lambda _: "3"), TypeError,
     r"n_outputs_ must be an integer, got str"),
    ("n_features_in_ wrong", "prelu", set_attr("n_features_in_", lambda _: 6), ValueError,
     r"n_features_in_ is 6, but the row count of coefs_\[0\] is 5"),
    ("classes_ one short", "classifier", set_attr("classes_", lambda c: c[:2]), ValueError,
     r"classes_ is array\(\[0, 1\]\), but the model was fitted to the classes"),
    ("classes_ None", "classifier", set_attr("classes_", lambda _: None), ValueError,
     r"a fitted classifier has classes_; this one has none"),
    ("_label_binarizer None", "classifier", set_attr("_label_binarizer", lambda _: None),
     ValueError, r"a fitted classifier has _label_binarizer; this one has none"),
    ("prelu_alpha_ one short", "prelu", set_attr("prelu_alpha_", lambda a: a[:1]), ValueError,
     r"prelu_alpha_ has shape \(1,\); the network has 2 PReLU layers, so it needs \(2,\)"),
    ("prelu_alpha_ 2-D", "prelu", set_attr("prelu_alpha_", lambda a: a[None]), ValueError,
     r"prelu_alpha_ has shape \(1, 2\); it must be 1-D"),
    ("prelu_alpha_ a list", "prelu", set_attr("prelu_alpha_", lambda a: a.tolist()),
     TypeError, r"prelu_alpha_ must be a NumPy array, got list"),
    ("prelu_alpha_ complex", "prelu", set_attr("prelu_alpha_", lambda a: a + 0j), ValueError,
     r"prelu_alpha_ has dtype complex"),
]

# what only training refuses: predict computes with a NaN or an infinity as NumPy does
NOT_FINITE = [
    ("coefs_[1] NaN", "classifier", set_item("coefs_", 1, with_nan), ValueError,
     r"coefs_\[1\] holds NaN or infinite values"),
    ("intercepts_[2] infinite", "prelu", set_item("intercepts_", 2, lambda b: b + np.inf),
     ValueError, r"intercepts_\[2\] holds NaN or infinite values"),
    # (a NaN slope starts afresh: test_per_layer_activations)
    ("prelu_alpha_ infinite", "prelu", set_attr("prelu_alpha_", lambda a: a - np.inf),
     ValueError, r"prelu_alpha_ holds NaN or infinite values"),
]

# what only partial_fit reads (a warm fit starts a new optimizer): predict still works
OPTIMIZER_STATE = [
    ("_optimizer None", "classifier", set_attr("_optimizer", lambda _: None), TypeError,
     r"_optimizer must be one of bendernet's optimizers \(SGD, Adam\), got NoneType"),
    ("_optimizer.m one short", "classifier", set_optimizer("m", lambda m: m[:-1]), ValueError,
     r"_optimizer.m is an array of shape \(50,\) and dtype float64; it needs shape \(51,\)"),
    ("_optimizer.v float32", "classifier",
     set_optimizer("v", lambda v: v.astype(np.float32)), ValueError,
     r"_optimizer.v .* dtype float32; it needs shape \(51,\) and dtype float64 \(one "
     r"value per parameter, in the precision of X\)"),
    ("_optimizer.v missing", "classifier", set_optimizer("v", lambda _: None), TypeError,
     r"_optimizer.v must be a NumPy array, got NoneType"),
    ("_optimizer.step float", "classifier", set_optimizer("step", lambda s: s * 1.0),
     ValueError, r"_optimizer.step .* dtype float64; it needs shape \(1,\) and dtype int64 "
     r"\(a counter\)"),
    ("_optimizer.step two", "classifier", set_optimizer("step", lambda s: np.r_[s, s]),
     ValueError, r"_optimizer.step is an array of shape \(2,\)"),
    ("_optimizer.m read-only", "classifier", set_optimizer("m", read_only), ValueError,
     r"_optimizer.m must be a contiguous, writeable array"),
    ("_optimizer.m strided", "classifier", set_optimizer("m", lambda m: np.repeat(m, 2)[::2]),
     ValueError, r"_optimizer.m must be a contiguous, writeable array"),
    ("_optimizer.velocity one more", "prelu", set_optimizer("velocity", lambda v: np.r_[v, 0]),
     ValueError, r"_optimizer.velocity is an array of shape \(46,\)"),
    ("_optimizer.momentum text", "prelu", set_optimizer("momentum", lambda _: "0.9"),
     TypeError, r"_optimizer.momentum must be a real number, got str"),
]

PREDICTING = {
    "predict": lambda model, y: model.predict(X),
    "predict_proba": lambda model, y: model.predict_proba(X),
    "score": lambda model, y: model.score(X, y),
}
TRAINING = {
    "partial_fit": lambda model, y: model.partial_fit(X, y),
    "warm fit": lambda model, y: model.fit(X, y),
}


def calls(kind, names):
    return [name for name in names if kind == "classifier" or name != "predict_proba"]


# classes_ None is how partial_fit knows its first call: scikit-learn's check asks for the
# classes then (test_partial_fit_asks_for_the_classes_when_classes_is_none)
SCIKIT_LEARNS = {("classes_ None", "partial_fit")}


def cases(table, call_names):
    return [pytest.param(kind, tamper, error, message, call, id=f"{case_id}-{call}")
            for case_id, kind, tamper, error, message in table
            for call in calls(kind, call_names) if (case_id, call) not in SCIKIT_LEARNS]


def assert_call_fails_and_changes_nothing(model, call, y, error, message):
    before = pickle.dumps(model)
    X_before = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(error, match=message):
            call(model, y)
    assert pickle.dumps(model) == before
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize("predicted_before", [False, True])
@pytest.mark.parametrize(("kind", "tamper", "error", "message", "call"),
                         cases(STATE, [*PREDICTING, *TRAINING]))
def test_tampered_state_is_named(kind, tamper, error, message, call, predicted_before):
    model, y = fitted(kind)
    if predicted_before:   # the state found good then must not pass unchecked now
        model.predict(X)
    tamper(model)
    assert_call_fails_and_changes_nothing(model, {**PREDICTING, **TRAINING}[call], y, error,
                                          message)


@pytest.mark.parametrize(("kind", "tamper", "error", "message", "call"),
                         cases(NOT_FINITE, TRAINING))
def test_training_from_parameters_not_finite_is_refused(kind, tamper, error, message, call):
    model, y = fitted(kind)
    tamper(model)
    assert_call_fails_and_changes_nothing(model, TRAINING[call], y, error, message)


@pytest.mark.parametrize(("kind", "tamper"), [(kind, tamper) for _, kind, tamper, _, _ in
                                              NOT_FINITE])
def test_parameters_not_finite_predict_not_finite_values(kind, tamper):
    model, y = fitted(kind)
    tamper(model)
    values = model.predict_proba(X) if kind == "classifier" else model.predict(X)
    assert not np.isfinite(values).all()


@pytest.mark.parametrize(("kind", "tamper", "error", "message", "call"),
                         cases(OPTIMIZER_STATE, ["partial_fit"]))
def test_tampered_optimizer_is_named_by_partial_fit(kind, tamper, error, message, call):
    model, y = fitted(kind)
    tamper(model)
    assert_call_fails_and_changes_nothing(model, TRAINING[call], y, error, message)


@pytest.mark.parametrize(("kind", "tamper"), [(kind, tamper) for _, kind, tamper, _, _ in
                                              OPTIMIZER_STATE])
def test_the_optimizer_is_not_read_by_predict_nor_a_warm_fit(kind, tamper):
    model, y = fitted(kind)
    expected = model.predict(X)
    tamper(model)
    np.testing.assert_array_equal(model.predict(X), expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)     # a warm fit starts an optimizer of its own
    assert model._optimizer.name in ("adam", "sgd")


def test_partial_fit_asks_for_the_classes_when_classes_is_none():
    model, y = fitted("classifier")
    model.classes_ = None
    assert_call_fails_and_changes_nothing(model, TRAINING["partial_fit"], y, ValueError,
                                          "classes must be passed on the first call")


def test_a_warm_fit_of_another_architecture_is_refused():
    model, y = fitted("classifier")
    model.set_params(hidden_layer_sizes=(4, 4))
    assert_call_fails_and_changes_nothing(
        model, TRAINING["warm fit"], y, ValueError,
        r"coefs_ has layer sizes \[5, 4, 3, 3\], but hidden_layer_sizes=\(4, 4\) and this "
        r"data need \[5, 4, 4, 3\]")


def test_partial_fit_in_another_precision_names_the_optimizer():
    # the parameters would be packed in float32 while the optimizer holds float64
    model, y = fitted("classifier")
    assert_call_fails_and_changes_nothing(
        model, lambda model, y: model.partial_fit(X.astype(np.float32), y), y, ValueError,
        r"_optimizer.m .* dtype float64; it needs shape \(51,\) and dtype float32 \(one "
        r"value per parameter, in the precision of X\)")


@pytest.mark.parametrize("kind", ["classifier", "prelu"])
def test_what_assigned_arrays_may_be(kind):
    """Not tampering: a tuple of arrays, other real dtypes, a model switched to PReLU
    without slopes of its own predict as NumPy would compute them."""
    model, y = fitted(kind)
    expected = model.predict(X)
    model.coefs_ = tuple(W.astype(np.float32).astype(np.float64) for W in model.coefs_)
    rounded = model.predict(X)
    model.coefs_ = tuple(model.coefs_[:-1]) + (model.coefs_[-1].astype(np.float32),)
    np.testing.assert_array_equal(model.predict(X), rounded)
    model.coefs_ = [W.round().astype(np.int64) for W in model.coefs_]
    assert model.predict(X).shape == expected.shape


def test_a_model_switched_to_prelu_starts_from_the_initial_slopes():
    model, y = fitted("classifier")
    model.set_params(activation="prelu")
    assert not hasattr(model, "prelu_alpha_")
    proba = model.predict_proba(X)
    model.prelu_alpha_ = np.full(2, 0.25)
    np.testing.assert_array_equal(model.predict_proba(X), proba)
