"""The estimators beyond scikit-learn: backends, the talk's activations, the XOR network,
bad input, the caller's arrays, pickling."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from bendernet import MLPClassifier, MLPRegressor, activations
from bendernet._network import c_array, layer_input
from helpers import assert_backends_agree, misaligned_copy, quiet_fit

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def trained_activations():
    return [name for name in activations.NAMES if name != "step"]


@pytest.mark.parametrize("activation", trained_activations())
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_c_and_numpy_backends_agree(iris, activation, solver, dtype):
    X, y = iris
    assert_backends_agree(X, y, dtype, hidden_layer_sizes=(7, 5), activation=activation,
                          solver=solver)


def test_the_talks_xor_network_with_hand_set_weights():
    # W = [[1,1],[1,1]], b = [0,-1], U = [[1],[-2]], c = [0]: relu hidden units give
    # h = (x1+x2, x1+x2-1), output h1 - 2*h2 = XOR, as a logistic probability.
    model = MLPClassifier(hidden_layer_sizes=(2,), max_iter=1)
    quiet_fit(model, XOR_X, XOR_Y)
    model.coefs_ = [np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([[1.0], [-2.0]])]
    model.intercepts_ = [np.array([0.0, -1.0]), np.array([0.0])]
    assert_array_equal(model.predict(XOR_X), [0, 1, 1, 0])
    logits = np.array([0.0, 1.0, 1.0, 0.0])
    assert_allclose(model.predict_proba(XOR_X)[:, 1], 1 / (1 + np.exp(-logits)))


def test_xor_is_learned_with_tanh_and_sgd():
    model = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", solver="sgd",
                          learning_rate_init=0.1, batch_size=1, max_iter=2000, tol=0,
                          n_iter_no_change=2000, random_state=1)
    quiet_fit(model, XOR_X, XOR_Y)
    assert_array_equal(model.predict(XOR_X), XOR_Y)


def test_prelu_slopes_are_learned_by_backprop(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(6, 4), activation="prelu",
                                    learning_rate_init=0.05, max_iter=50, random_state=0),
                      X, y)
    assert model.prelu_alpha_.shape == (2,)
    assert np.all(model.prelu_alpha_ != 0.25)
    assert model.score(X, y) > 0.9
    # the learned slopes are part of the model: changing them changes the predictions
    before = model.predict_proba(X)
    model.prelu_alpha_ = model.prelu_alpha_ * 0 + 3.0
    assert not np.allclose(model.predict_proba(X), before)


def test_step_units_predict_after_set_params(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
                      X, y)
    model.set_params(activation="step")
    hidden = (X @ model.coefs_[0] + model.intercepts_[0] >= 0).astype(float)
    logits = hidden @ model.coefs_[1] + model.intercepts_[1]
    assert_array_equal(model.predict(X), model.classes_[np.argmax(logits, axis=1)])


@pytest.mark.parametrize("activation", ["arctan", "elu", "softplus"])
def test_extra_activations_learn(iris, activation):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(10,), activation=activation,
                                    learning_rate_init=0.02, max_iter=100, random_state=0),
                      X, y)
    assert model.score(X, y) > 0.9


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(activation="swish"), "'activation' parameter"),
        (dict(solver="newton"), "'solver' parameter"),
        (dict(backend="cuda"), "'backend' parameter"),
        (dict(hidden_layer_sizes=(3, 0)), "hidden_layer_sizes must be > 0"),
        (dict(hidden_layer_sizes=(4, 3), activation=("relu",)),
         "1 activations for 2 hidden layers"),
        (dict(hidden_layer_sizes=(4, 3), activation=("relu", "swish")),
         r"activation\[1\]='swish' is not one of"),
    ],
)
def test_bad_parameters_are_named(iris, params, message):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X, y)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]]), "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0]]), "infinity"),
        (np.array([1.0, 2.0]), "Expected 2D array"),
        (np.empty((0, 2)), "0 sample"),
        (np.array([["a", "b"], ["c", "d"]]), "could not convert|dtype"),
    ],
)
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_bad_input_raises_clear_errors(Estimator, X, message):
    with pytest.raises(ValueError, match=message):
        Estimator(max_iter=1).fit(X, np.arange(len(X)) % 2)


def test_wrong_feature_count_at_predict(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(max_iter=2), X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.where(X > 1, np.nan, X))


def test_assigned_coefs_of_the_wrong_size_are_rejected(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=2), X, y)
    model.intercepts_ = [np.zeros(4), model.intercepts_[1]]
    with pytest.raises(ValueError, match="intercepts_"):
        model.predict(X)


def test_misaligned_arrays_reach_the_kernels_aligned():
    # NumPy passes a misaligned C-contiguous array through ascontiguousarray unchanged;
    # the C core must not be handed one (UBSan flags every such load)
    X = misaligned_copy(np.arange(12.0).reshape(4, 3))
    for dtype in (np.float64, np.float32):
        dense = layer_input(X, dtype)
        assert dense.indptr is None and (dense.n_rows, dense.n_cols) == X.shape
        for converted in (c_array(X, dtype), dense.values.reshape(X.shape)):
            assert converted.flags.aligned and converted.flags.c_contiguous
            assert_array_equal(converted, X)


@pytest.mark.parametrize("layout", ["fortran", "strided", "readonly", "sparse", "misaligned"])
def test_layouts_train_the_same_and_inputs_are_left_alone(iris, layout):
    X, y = iris
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    expected = quiet_fit(MLPClassifier(**params), X, y)
    if layout == "misaligned":
        X_in = misaligned_copy(X)
    elif layout == "fortran":
        X_in = np.asfortranarray(X)
    elif layout == "strided":
        X_in = np.repeat(X, 2, axis=1)[:, ::2]
    elif layout == "readonly":
        X_in = X.copy()
        X_in.setflags(write=False)
    else:
        X_in = sp.csr_matrix(X)
    y_in = y.copy()
    weights = np.linspace(0.5, 1.5, len(y))
    snapshot = (X_in.copy(), y_in.copy(), weights.copy())
    model = quiet_fit(MLPClassifier(**params), X_in, y_in)
    assert_allclose(model.loss_curve_, expected.loss_curve_, rtol=1e-12)
    quiet_fit(MLPClassifier(**params), X_in, y_in, sample_weight=weights)
    model.predict_proba(X_in)
    for before, after in zip(snapshot, (X_in, y_in, weights)):
        if sp.issparse(after):
            assert after.indices.dtype == before.indices.dtype
            before, after = before.toarray(), after.toarray()
        assert_array_equal(before, after)


def test_pickle_round_trip_predicts_the_same(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(6,), activation="prelu",
                                    max_iter=5, random_state=0), X, y)
    clone = pickle.loads(pickle.dumps(model))
    assert_array_equal(clone.predict_proba(X), model.predict_proba(X))
    # the clone is independent of the original's buffers, and its coefs_ are its model
    clone.coefs_[0][...] = 0
    assert not np.allclose(clone.predict_proba(X), model.predict_proba(X))
    quiet_fit(clone.set_params(warm_start=True), X, y)


def test_regressor_predicts_one_dimensional_for_one_target():
    X = np.linspace(-1, 1, 40).reshape(-1, 1)
    model = quiet_fit(MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0),
                      X, X.ravel() ** 2)
    assert model.predict(X).shape == (40,)
    assert model.score(X, X.ravel() ** 2) > 0.9


def test_predict_fast_path_keeps_sklearn_validation(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0),
                      frame, y)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.predict(np.ascontiguousarray(X))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"a": "z"}))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_predict_finds_a_bad_value_in_any_chunk_and_gives_sklearns_error(iris, dtype, bad):
    # A fast-path input's values are checked by the C predict, a chunk at a time on the
    # threads; what it finds, scikit-learn's check then reports in its own words, and
    # under assume_finite lets through, as scikit-learn's own predict does.
    import sklearn

    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0),
                      X, y)
    many = np.tile(X, (40, 1)).astype(dtype)       # 6000 rows: several chunks
    for row in (0, 2500, len(many) - 1):
        spoiled = many.copy()
        spoiled[row, 2] = bad
        with pytest.raises(ValueError, match="NaN" if np.isnan(bad) else "infinity"):
            model.predict_proba(spoiled)
        with sklearn.config_context(assume_finite=True):
            proba = model.predict_proba(spoiled)
        assert np.isnan(proba[row]).all() or np.isinf(bad)
        assert_allclose(np.delete(proba, row, axis=0), model.predict_proba(np.delete(many, row, axis=0)))


def test_predict_sees_in_place_changes_to_assigned_arrays(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0),
                      X, y)
    model.coefs_ = [c.copy() for c in model.coefs_]
    before = model.predict_proba(X)
    model.coefs_[1] *= 3
    assert not np.allclose(model.predict_proba(X), before)
    model.coefs_[1] /= 3
    assert_allclose(model.predict_proba(X), before)
    # finite values whose sum overflows are valid input: no "contains infinity" error
    huge = np.full((2, 4), np.finfo(np.float64).max)
    assert model.predict_proba(huge).shape == (2, 3)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_concurrent_fits_from_python_threads_match_a_lone_fit():
    # the C core releases the GIL: fits running at once in threads (a threading-backend
    # grid search) must not share scratch or state; products here are large enough
    # (600 x 64 x 300) for the matrix product's own threads too
    import threading

    X, y = load_iris(return_X_y=True)
    X = np.tile(StandardScaler().fit_transform(X), (150, 16))
    y = np.tile(y, 150)
    params = dict(hidden_layer_sizes=(300,), max_iter=3, batch_size=600, random_state=0)
    alone = quiet_fit(MLPClassifier(**params), X, y)
    fitted = [None] * 3

    def fit(i):
        fitted[i] = quiet_fit(MLPClassifier(**params), X, y)

    threads = [threading.Thread(target=fit, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for model in fitted:
        for a, b in zip(model.coefs_, alone.coefs_):
            assert_array_equal(a, b)


def test_keyboard_interrupt_keeps_the_model_trained_so_far(iris, monkeypatch):
    # as scikit-learn: warn, stop, and keep the epochs that finished
    from bendernet import _network

    X, y = iris
    make_epochs = _network.Network.epochs

    def epochs_interrupted_at_the_third(self, *args):
        epochs = make_epochs(self, *args)

        class Interrupting:
            calls = 0
            finished = property(lambda self: epochs.finished)

            def run(self, order):
                Interrupting.calls += 1
                if Interrupting.calls == 3:
                    raise KeyboardInterrupt
                return epochs.run(order)

        return Interrupting()

    monkeypatch.setattr(_network.Network, "epochs", epochs_interrupted_at_the_third)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=50, random_state=0).fit(X, y)
    monkeypatch.undo()
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    two_epochs = quiet_fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0),
                           X, y)
    for a, b in zip(model.coefs_, two_epochs.coefs_):
        assert_array_equal(a, b)


def test_early_stopped_model_predicts_from_its_best_epoch(iris):
    X, y = iris
    model = quiet_fit(MLPClassifier(hidden_layer_sizes=(8,), early_stopping=True,
                                    max_iter=60, n_iter_no_change=3, random_state=0), X, y)
    best = int(np.argmax(model.validation_scores_))
    replay = quiet_fit(MLPClassifier(hidden_layer_sizes=(8,), max_iter=best + 1,
                                     early_stopping=True, n_iter_no_change=1000,
                                     random_state=0), X, y)
    assert_array_equal(model.predict_proba(X), replay.predict_proba(X))


def test_pickling_leaves_the_model_as_it_was():
    # the copy packs a flat buffer of its own, with caches of its own; the original keeps its
    X, y = np.random.RandomState(0).rand(30, 4), np.arange(30) % 3
    model = MLPClassifier((5,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.predict(X)
    before = dict(vars(model))
    copy = pickle.loads(pickle.dumps(model))
    assert vars(model).keys() == before.keys()
    assert all(vars(model)[k] is v for k, v in before.items())
    assert copy._networks is not model._networks
    assert not np.shares_memory(copy._flat, model._flat)
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
