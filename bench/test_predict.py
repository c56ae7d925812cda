"""W4: predict_proba of the fitted W1 (f64) model on one row and on many rows.

ONNX Runtime runs scikit-learn's fitted W1 model exported by skl2onnx in float64
(bench/onnx_mlp.py): its entry times ``session.run`` of the probabilities."""

import warnings

import numpy as np
import pytest

from bench import flops, systems, workloads

_fitted = {}


def fitted_w1(system):
    """``system``'s W1 model, fitted once per session (untimed)."""
    if system not in _fitted:
        X, y, _, _ = workloads.W1_F64.arrays()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _fitted[system] = systems.make(system, workloads.W1_F64)().fit(X, y)
    return _fitted[system]


@pytest.mark.parametrize("system", systems.PREDICTORS)
@pytest.mark.parametrize("n_rows", workloads.W4_ROWS, ids=lambda n: f"{n}rows")
def test_predict_proba(benchmark, record, n_rows, system):
    model = fitted_w1(system)
    X, y = workloads.predict_rows(n_rows)
    benchmark.group = f"W4 predict_proba of the W1 model, {n_rows} row{'s' * (n_rows > 1)}"
    proba = benchmark(model.predict_proba, X)
    # accuracy of the timed output itself, so a fast wrong answer shows
    record(system=system, workload="W4-1" if n_rows == 1 else "W4-many", rows=n_rows,
           flops=flops.predict_flops(workloads.sizes(workloads.W1_F64), n_rows),
           dtype="float64", threads=systems.threads(system), metric="accuracy",
           score=float(np.mean(model.classes_[np.argmax(proba, axis=1)] == y)))
