"""Models pickled at commit b2d5e66 (before the house was rebuilt) load and predict the
same bits. tests/data/models_b2d5e66.{pkl,npz}: a relu/adam MLPClassifier and a float32
prelu/sgd MLPRegressor fitted on digits, with the inputs X and their outputs then."""

import pickle
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def legacy():
    if np.lib.NumpyVersion(np.__version__) < "2.0.0":
        pytest.skip("pickled under NumPy 2, whose arrays name numpy._core: NumPy 1.x "
                    "cannot load them (a NumPy limit, whatever the pickled object)")
    with open(DATA / "models_b2d5e66.pkl", "rb") as file:
        models = pickle.load(file)   # our own committed file: trusted
    with np.load(DATA / "models_b2d5e66.npz") as arrays:
        return models, dict(arrays)


def test_the_classifier_predicts_the_same_probabilities(legacy):
    models, arrays = legacy
    proba = models["classifier"].predict_proba(arrays["X"])
    assert proba.dtype == arrays["proba"].dtype
    np.testing.assert_array_equal(proba, arrays["proba"])


def test_the_float32_prelu_regressor_predicts_the_same_values(legacy):
    models, arrays = legacy
    predicted = models["regressor"].predict(arrays["X"].astype(np.float32))
    assert predicted.dtype == np.float32
    np.testing.assert_array_equal(predicted, arrays["regression"])


def test_the_loaded_classifier_trains_on(legacy):
    models, arrays = legacy
    classifier = models["classifier"]
    y = classifier.classes_[arrays["proba"].argmax(axis=1)]
    before = [W.copy() for W in classifier.coefs_]
    t_before = classifier.t_
    classifier.partial_fit(arrays["X"], y)
    assert classifier.t_ == t_before + len(y)     # one more pass, as scikit-learn counts it
    assert any(not np.array_equal(W, old) for W, old in zip(classifier.coefs_, before))
    assert np.isfinite(classifier.predict_proba(arrays["X"])).all()


def test_the_loaded_float32_regressor_trains_on(legacy):
    # its optimizer was renamed on loading (bendernet._optimizer.Optimizer): the check of
    # partial_fit finds every buffer it reads, of the parameters' length and precision
    models, arrays = legacy
    regressor = models["regressor"]
    X = arrays["X"].astype(np.float32)
    before = [W.copy() for W in regressor.coefs_]
    regressor.partial_fit(X, arrays["regression"])
    assert regressor.coefs_[0].dtype == np.float32
    assert any(not np.array_equal(W, old) for W, old in zip(regressor.coefs_, before))
