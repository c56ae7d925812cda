"""The planned predict (_kernels.planned_output) runs a repeated predict of a plain array
in one call; everything else it must leave to the general path, so that bendernet answers
as scikit-learn does: the same errors and warnings, word for word, and for input that
scikit-learn converts, the output of the converted array."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_array_equal
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from bendernet import MLPClassifier, MLPRegressor
from bendernet._kernels import planned_output
from helpers import misaligned_copy, quiet_fit

PARAMS = dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0)


@pytest.fixture(scope="module")
def models(iris):
    """(bendernet's, scikit-learn's) classifiers fitted to iris, and a plain row, which
    bendernet has predicted once (so it has a plan)"""
    X, y = iris
    ours = quiet_fit(MLPClassifier(**PARAMS), X, y)
    theirs = quiet_fit(SklearnMLPClassifier(**PARAMS), X, y)
    row = np.ascontiguousarray(X[[3]])
    ours.predict_proba(row)
    assert planned_output(ours, row) is not None
    return ours, theirs, row


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def outcome(model, X):
    """What model.predict_proba(X) does: ('raised', type, message) or ('returned', proba),
    with the messages of the warnings it gave"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("returned", model.predict_proba(X))
        except Exception as error:  # noqa: BLE001 - any error, compared with scikit-learn's
            result = ("raised", type(error), str(error))
    return result, [str(w.message) for w in caught]


def spoiled(row, value):
    out = row.copy()
    out[0, 2] = value
    return out


# inputs scikit-learn refuses: bendernet's plan must refuse them too, and the general path
# then raises scikit-learn's error
REFUSED = {
    "1-D": lambda row: row[0],
    "3-D": lambda row: row[None],
    "too narrow": lambda row: row[:, :3],
    "too wide": lambda row: np.hstack([row, row]),
    "no rows": lambda row: row[:0],
    "NaN": lambda row: spoiled(row, np.nan),
    "infinity": lambda row: spoiled(row, np.inf),
    "minus infinity": lambda row: spoiled(row, -np.inf),
    "complex": lambda row: row.astype(complex),
    "text": lambda row: row.astype(str),
    "np.matrix": lambda row: np.asmatrix(row),
}


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("case", REFUSED)
def test_input_scikit_learn_refuses_gets_its_error(models, case):
    ours, theirs, row = models
    X = REFUSED[case](row)
    assert planned_output(ours, X) is None
    expected, expected_warnings = outcome(theirs, X)
    got, got_warnings = outcome(ours, X)
    assert expected[0] == "raised"
    assert got == expected and got_warnings == expected_warnings
    assert planned_output(ours, row) is not None     # the plan outlives a refused input


# inputs scikit-learn converts: bendernet predicts what it predicts for the converted array
CONVERTED = {
    "list": lambda row: row.tolist(),
    "object dtype": lambda row: row.astype(object),
    "int dtype": lambda row: np.rint(row * 3).astype(np.int64),
    "float32": lambda row: row.astype(np.float32),
    "big-endian": lambda row: row.astype(">f8"),
    "Fortran-ordered": lambda row: np.asfortranarray(np.vstack([row, row])),
    "strided": lambda row: np.repeat(row, 2, axis=1)[:, ::2],
    "misaligned": misaligned_copy,
    "sparse CSR": sp.csr_matrix,
    "sparse CSC": sp.csc_matrix,
}


@pytest.mark.parametrize("case", CONVERTED)
def test_input_scikit_learn_converts_predicts_the_converted_array(models, case):
    ours, theirs, row = models
    X = CONVERTED[case](row)
    converted = sklearn.utils.check_array(X, accept_sparse=["csr", "csc"])
    if sp.issparse(converted):
        converted = converted.toarray()
    expected = MLPClassifier(**PARAMS)   # a model without a plan: the general path alone
    expected.__dict__.update({k: v for k, v in ours.__dict__.items() if k != "_networks"})
    got, got_warnings = outcome(ours, X)
    assert got[0] == "returned" and got_warnings == outcome(theirs, X)[1]
    assert_array_equal(got[1], expected.predict_proba(np.ascontiguousarray(converted)))


def test_readonly_input_takes_the_plan(models):
    ours, _, row = models
    frozen = row.copy()
    frozen.setflags(write=False)
    assert_array_equal(planned_output(ours, frozen), planned_output(ours, row))


def test_each_call_returns_a_new_array(models):
    ours, _, row = models
    first, second = ours.predict_proba(row), ours.predict_proba(row)
    assert first is not second and not np.shares_memory(first, second)
    assert_array_equal(first, second)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")   # scikit-learn's
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_assume_finite_lets_a_bad_value_through_as_scikit_learn_does(models, bad):
    ours, theirs, row = models
    with sklearn.config_context(assume_finite=True):
        got, expected = ours.predict_proba(spoiled(row, bad)), theirs.predict_proba(
            spoiled(row, bad))
    assert_array_equal(np.isnan(got), np.isnan(expected))
    assert np.isnan(got).all()


def test_feature_names_are_compared_as_scikit_learn_does(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    ours = quiet_fit(MLPClassifier(**PARAMS), frame, y)
    theirs = quiet_fit(SklearnMLPClassifier(**PARAMS), frame, y)
    row = np.ascontiguousarray(X[[3]])
    for X_in in (row, row, frame.iloc[[3]], frame.iloc[[3]].rename(columns={"a": "z"}),
                 pd.DataFrame(row)):
        assert planned_output(ours, X_in) is None
        expected, expected_warnings = outcome(theirs, X_in)
        got, got_warnings = outcome(ours, X_in)
        assert got[0] == expected[0] and got_warnings == expected_warnings
        if got[0] == "raised":
            assert got == expected


def test_a_frame_without_names_predicts_as_its_array(models):
    pd = pytest.importorskip("pandas")
    ours, theirs, row = models
    got, got_warnings = outcome(ours, pd.DataFrame(row))
    assert got_warnings == outcome(theirs, pd.DataFrame(row))[1]
    assert_array_equal(got[1], ours.predict_proba(row))


def test_more_rows_than_one_chunk_take_the_general_path(iris):
    X, y = iris
    model = quiet_fit(MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0),
                      X, y)
    many = np.ascontiguousarray(np.tile(X, (20, 1)))      # 3000 rows: two chunks
    model.predict(many[:10])
    assert planned_output(model, many[:10]) is not None
    assert planned_output(model, many) is None
    assert_array_equal(model.predict(many)[:150], model.predict(many[:150]))


def test_any_change_to_the_fitted_state_retires_the_plan(models):
    ours, _, row = models
    model = MLPClassifier(**PARAMS)
    model.__dict__.update({k: v for k, v in ours.__dict__.items() if k != "_networks"})
    changes = [
        lambda m: setattr(m, "coefs_", list(m.coefs_)),                 # an equal list
        lambda m: m.coefs_.__setitem__(1, m.coefs_[1].copy()),           # an item
        lambda m: m.intercepts_.append(m.intercepts_[-1]),               # a longer list
        lambda m: setattr(m, "out_activation_", "logistic"),
        lambda m: setattr(m, "activation", "tanh"),
        lambda m: setattr(m, "backend", "numpy"),
        lambda m: setattr(m, "feature_names_in_", np.array(list("abcd"), dtype=object)),
    ]
    for change in changes:
        model.predict_proba(row)
        assert planned_output(model, row) is not None
        saved = dict(model.__dict__)
        items = {name: list(saved[name]) for name in ("coefs_", "intercepts_")}
        change(model)
        assert planned_output(model, row) is None
        # the very objects again, lists holding the very items: the plan serves again
        model.__dict__.clear()
        model.__dict__.update(saved)
        for name, layers in items.items():
            saved[name][:] = layers
        assert planned_output(model, row) is not None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", [
    dict(hidden_layer_sizes=(7, 6), activation="prelu"),
    dict(hidden_layer_sizes=(4,), activation=["tanh"]),
    dict(hidden_layer_sizes=(3, 3, 3, 3, 3, 3, 3, 3, 3)),     # deeper than the C stack's views
])
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_the_plan_computes_what_the_general_path_does_bit_for_bit(iris, Estimator, params,
                                                                   dtype):
    X, y = iris
    X = X.astype(dtype)
    target = y if Estimator is MLPClassifier else X[:, 0] - X[:, 1]
    model = quiet_fit(Estimator(max_iter=5, random_state=0, **params), X, target)
    for rows in (X[:1], X[:7], X):
        rows = np.ascontiguousarray(rows)
        strided = np.repeat(rows, 2, axis=1)[:, ::2]    # the same values, not served
        assert planned_output(model, strided) is None
        general = model._forward_pass_fast(strided)
        planned = planned_output(model, rows)
        assert planned is not None and planned.dtype == dtype
        assert_array_equal(planned, general)


@pytest.mark.parametrize("activation", ["relu", "prelu"])
def test_an_unpickled_model_owns_its_parameters_and_is_planned(iris, activation):
    import pickle

    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(5, 4), activation=activation,
                                    max_iter=5, random_state=0), X, y)
    loaded = pickle.loads(pickle.dumps(model))
    # coefs_, intercepts_ (and prelu_alpha_) are views of the copy's own flat buffer
    for name in ("coefs_", "intercepts_"):
        for mine, theirs in zip(getattr(loaded, name), getattr(model, name)):
            assert np.shares_memory(mine, loaded._flat)
            assert_array_equal(mine, theirs)
    if activation == "prelu":
        assert np.shares_memory(loaded.prelu_alpha_, loaded._flat)
    row = np.ascontiguousarray(X[[0]])
    assert_array_equal(loaded.predict_proba(row), model.predict_proba(row))
    assert planned_output(loaded, row) is not None


def test_an_unpickled_model_the_checks_refuse_is_left_for_predict_to_name(iris):
    import pickle

    X, y = iris
    model = quiet_fit(MLPClassifier(**PARAMS), X, y)
    model.intercepts_ = [np.zeros(4), model.intercepts_[1]]     # 5 hidden units
    loaded = pickle.loads(pickle.dumps(model))
    assert "_flat" not in vars(loaded) and loaded.intercepts_[0].shape == (4,)
    with pytest.raises(ValueError, match=r"intercepts_\[0\] has shape \(4,\)"):
        loaded.predict(X)


def test_a_model_from_sklearn_is_planned(models):
    ours, theirs, row = models
    converted = MLPClassifier.from_sklearn(theirs)
    assert_array_equal(converted.coefs_[0], theirs.coefs_[0])
    assert not np.shares_memory(converted.coefs_[0], theirs.coefs_[0])
    converted.predict_proba(row)
    assert planned_output(converted, row) is not None


def test_a_named_frame_for_a_model_fitted_without_names_warns_as_scikit_learn(models):
    pd = pytest.importorskip("pandas")
    ours, theirs, row = models
    frame = pd.DataFrame(row, columns=["a", "b", "c", "d"])
    assert planned_output(ours, frame) is None
    got, got_warnings = outcome(ours, frame)
    expected_warnings = outcome(theirs, frame)[1]
    assert got_warnings == expected_warnings and "feature names" in expected_warnings[0]
    assert_array_equal(got[1], ours.predict_proba(row))
