"""The PyTorch and ONNX Runtime peers do the work scikit-learn does, no less.

PyTorch (eager and ``torch.compile``) is handed scikit-learn's initial weights and its
sample order of every epoch, drawn from ``RandomState(seed)`` in scikit-learn's order
(Glorot-uniform coefficients then intercepts, layer by layer; then one in-place shuffle of
the running order per epoch). From there both run the same mini-batch Adam steps, so the
trained models agree closely, not bitwise. What differs, measured on W1 f64 after 3 epochs
(largest probability difference, relative difference of the final training loss): torch
adds Adam's epsilon to the bias-corrected sqrt(v) where scikit-learn adds it to the raw one
(1.9e-4, 5e-6; with epsilon=1e-16 on both sides 5.6e-9, 4.3e-10); torch's L2 term divides
by the batch size where scikit-learn divides by the last, smaller batch's (alpha=0 as well:
1.3e-12, 4.3e-14, the sums' order). W5's predictions differ by 2.7e-3, its loss by 7.7e-6.
The tolerances, 1e-2 and 1e-4, sit well above these and far below what a peer doing less
work shows: one epoch fewer differs by 0.7 and 31%.

ONNX Runtime runs scikit-learn's own fitted model: labels equal, probabilities equal to
float64 rounding (the export keeps float64).

Each workload is trained for at most ``EPOCHS`` epochs on at most ``ROWS`` rows here, in a
smoke run and a full one alike (the same batch shapes as its bench entry, so torch.compile
reuses the graphs the bench compiled): the differences above grow with the steps taken, and
W5's full 20,000 rows took its predictions 2.7e-2 apart. Skips, with the reason, when
torch or ONNX Runtime is not installed.
"""

import dataclasses
import warnings

import numpy as np
import pytest
from sklearn.metrics import log_loss

from bench import systems, workloads

EPOCHS = 3
ROWS = 2_000
# the largest difference of the probabilities (or predictions), and the final training
# loss's relative difference, both precisions (float32's rounding is far below these)
OUTPUT_TOLERANCE, LOSS_TOLERANCE = 1e-2, 1e-4


def short(workload):
    return dataclasses.replace(workload, epochs=min(workload.epochs, EPOCHS))


def sklearn_draws(workload, n_samples):
    """((coefs, intercepts) before training, [order of each epoch]) as scikit-learn draws
    them for ``workload`` (shuffle on, no early stopping)."""
    random_state = np.random.RandomState(workloads.SEED)
    sizes = workloads.sizes(workload)
    factor = 2 if workload.activation == "logistic" else 6
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(random_state.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(random_state.uniform(-bound, bound, fan_out))
    order, orders = np.arange(n_samples), []
    for _ in range(workload.epochs):
        random_state.shuffle(order)
        orders.append(order.copy())
    return (coefs, intercepts), orders


def fit_sklearn(workload, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 with a bounded max_iter: by design
        return systems.make("sklearn", workload)().fit(X, y)


def outputs_and_loss(model, task, X, y):
    if task == "regress":
        predictions = model.predict(X)
        return predictions, 0.5 * np.mean((predictions - y) ** 2)
    proba = model.predict_proba(X)
    return proba, log_loss(y, proba, labels=model.classes_)


@pytest.mark.parametrize("system", ["torch", "torch-compile"])
@pytest.mark.parametrize("workload", [workloads.W1_F64, workloads.W1_F32, workloads.W5],
                         ids=lambda w: w.key)
def test_torch_trains_as_sklearn(system, workload):
    systems.require(system)
    workload = short(workload)
    X, y = (array[:ROWS] for array in workload.arrays()[:2])
    reference = fit_sklearn(workload, X, y)
    initial, orders = sklearn_draws(workload, len(X))
    peer = systems.make(system, workload)().fit(X, y, initial=initial, orders=orders)

    expected, expected_loss = outputs_and_loss(reference, workload.task, X, y)
    got, loss = outputs_and_loss(peer, workload.task, X, y)
    assert np.max(np.abs(got - expected)) <= OUTPUT_TOLERANCE
    assert abs(loss - expected_loss) <= LOSS_TOLERANCE * expected_loss
    if workload.task == "classify":
        assert np.mean(peer.predict(X) == reference.predict(X)) >= 0.999
    # and without the hand-over: the peer's own draws train as well (accuracy or R²)
    own = systems.make(system, workload)().fit(X, y)
    assert own.score(X, y) >= reference.score(X, y) - 0.05


def test_torch_compile_compiles_once_per_configuration():
    systems.require("torch-compile")
    workload = short(workloads.W1_F64)
    X, y, _, _ = workload.arrays()
    make = systems.make("torch-compile", workload)
    first, again = make().fit(X, y), make().fit(X, y)
    assert again.compiled_graphs_ == 0, "a second fit of the same shapes compiled again"
    assert again.compile_seconds_ == first.compile_seconds_ > 0


@pytest.mark.parametrize("n_rows", workloads.W4_ROWS, ids=lambda n: f"{n}rows")
def test_onnxruntime_predicts_as_sklearn(n_rows):
    systems.require("onnxruntime")
    workload = short(workloads.W1_F64)
    X, y, _, _ = workload.arrays()
    reference = fit_sklearn(workload, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = systems.make("onnxruntime", workload)().fit(X, y)
    assert peer.session_.get_inputs()[0].type == "tensor(double)"
    rows, _ = workloads.predict_rows(n_rows)
    np.testing.assert_array_equal(peer.predict(rows), reference.predict(rows))
    np.testing.assert_allclose(peer.predict_proba(rows), reference.predict_proba(rows),
                               rtol=0, atol=1e-13)
