"""Dense layers and the network kernels (loss_grad, train_epoch, predict) of the C core
against the NumPy reference, dense and CSR input, both precisions."""

import copy

import numpy as np
import pytest
from hypothesis import given, strategies as st
from threadpoolctl import threadpool_limits

from bendernet import _kernels as C
from bendernet import reference as R
from bendernet._optimizer import OPTIMIZERS
from bendernet.activations import NAMES
from helpers import DTYPES, RTOL, assert_close, input_parts, layer_input, rng_from, sizes
from network_cases import Problem

seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from(DTYPES)
activations = st.sampled_from(range(len(NAMES)))
outputs = st.sampled_from([R.OUT_IDENTITY, R.OUT_LOGISTIC, R.OUT_SOFTMAX, R.OUT_EXP])
# Through several layers, rounding compounds: compare against the largest entry of the
# result (a norm-wise bound), a little looser than a single kernel.
NETWORK_RTOL = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-11}


def assert_close_normwise(actual, expected, dtype):
    # over finite entries: a diverged run must still match NaN for NaN, inf for inf
    magnitudes = np.abs(expected)
    scale = float(np.max(magnitudes[np.isfinite(magnitudes)], initial=0.0))
    assert_close(actual, expected, dtype, scale=scale, rtol=NETWORK_RTOL[np.dtype(dtype)])


def magnitude(X):
    return abs(X) if hasattr(X, "indptr") else np.abs(X)


# ---- dense layer -------------------------------------------------------------------------

@given(m=sizes(0, 17), k=sizes(0, 17), n=sizes(0, 17), dtype=dtypes, seed=seeds,
       sparse=st.booleans(), indexed=st.booleans(), with_pre=st.booleans(),
       activation=st.sampled_from([-1]) | activations, alpha=st.floats(-1, 2))
def test_dense_forward_matches_reference(m, k, n, dtype, seed, sparse, indexed, with_pre,
                                         activation, alpha):
    rng = rng_from(seed)
    n_source = m + int(rng.integers(0, 4)) if indexed else m
    if indexed and n_source == 0:
        n_source = 1
    X = layer_input(rng, n_source, k, dtype, sparse)
    rows = rng.integers(0, n_source, m) if indexed else None
    W = rng.standard_normal((k, n)).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    U, U_ref = np.full((m, n), np.nan, dtype), np.full((m, n), np.nan, dtype)
    pre = np.full((m, n), np.nan, dtype) if with_pre else None
    pre_ref = None if pre is None else pre.copy()
    R.dense_forward(U_ref, pre_ref, *input_parts(X), rows, W, b, activation, alpha)
    C.dense_forward(U, pre, *input_parts(X), rows, W, b, activation, alpha)

    X_used = magnitude(X if rows is None else X[rows])
    scale = np.asarray(X_used @ np.abs(W.astype(np.float64))) + np.abs(b)
    assert_close(U, U_ref, dtype, scale=scale * (1 + abs(alpha)))
    if with_pre:
        assert_close(pre, pre_ref, dtype, scale=scale)


@given(m=sizes(0, 17), k=sizes(0, 17), n=sizes(0, 17), dtype=dtypes, seed=seeds,
       sparse=st.booleans(), indexed=st.booleans(), with_dX=st.booleans())
def test_dense_backward_matches_reference(m, k, n, dtype, seed, sparse, indexed, with_dX):
    rng = rng_from(seed)
    n_source = max(m + int(rng.integers(0, 4)), 1) if indexed else m
    X = layer_input(rng, n_source, k, dtype, sparse)
    rows = rng.integers(0, n_source, m) if indexed else None
    W = rng.standard_normal((k, n)).astype(dtype)
    dV = rng.standard_normal((m, n)).astype(dtype)
    dW, db = np.full((k, n), np.nan, dtype), np.full(n, np.nan, dtype)
    dX = np.full((m, k), np.nan, dtype) if with_dX else None
    dW_ref, db_ref = dW.copy(), db.copy()
    dX_ref = None if dX is None else dX.copy()
    R.dense_backward(dW_ref, db_ref, dX_ref, dV, *input_parts(X), rows, W)
    C.dense_backward(dW, db, dX, dV, *input_parts(X), rows, W)

    X_used = magnitude(X if rows is None else X[rows])
    abs_dV = np.abs(dV.astype(np.float64))
    assert_close(dW, dW_ref, dtype, scale=np.asarray(X_used.T @ abs_dV))
    assert_close(db, db_ref, dtype, scale=abs_dV.sum(axis=0))
    if with_dX:
        assert_close(dX, dX_ref, dtype, scale=abs_dV @ np.abs(W.T))


# ---- the network -------------------------------------------------------------------------

hidden_layers = st.lists(st.integers(1, 9), min_size=0, max_size=3)


@st.composite
def problems(draw, n_rows=sizes(1, 33)):
    rng = rng_from(draw(seeds))
    units = [draw(sizes(1, 17))] + draw(hidden_layers) + [draw(st.integers(1, 5))]
    return Problem(rng, units, draw(activations), draw(outputs), draw(dtypes), draw(n_rows),
                   sparse=draw(st.booleans()), weighted=draw(st.booleans()),
                   l2=draw(st.sampled_from([0.0, 1e-4, 0.5])))


@given(problems(), st.integers(0, 40))
def test_counts_match_reference(problem, m):
    units, activation = problem.units, problem.activation
    assert C.param_count(units, activation) == R.param_count(units, activation)
    assert C.workspace_len(units, activation, m) == R.workspace_len(units, activation, m)


@pytest.mark.parametrize("units", [
    [3, 0, 2], [0, 2], [3],
], ids=["an empty hidden layer", "no inputs", "no outputs"])
def test_counts_of_networks_the_c_core_does_not_train_are_refused(units):
    units = np.array(units, dtype=np.int64)
    with pytest.raises(ValueError):
        C.param_count(units, R.RELU)
    with pytest.raises(ValueError):
        C.workspace_len(units, R.RELU, 4)


def test_a_network_deeper_than_the_old_limit_of_64_layers_is_counted():
    units = np.full(130, 3, dtype=np.int64)
    assert C.param_count(units, R.PRELU) == R.param_count(units, R.PRELU)


@given(problems())
def test_loss_grad_matches_reference(problem):
    loss, G = problem.loss_grad(C)
    loss_ref, G_ref = problem.loss_grad(R)
    assert np.isfinite(loss) and np.all(np.isfinite(G))
    # a loss near zero sums differences of near-equal outputs and targets: its rounding
    # error is relative to their size, about sqrt(loss) |T|, not to the loss itself
    scale = np.sqrt(loss_ref) * np.abs(problem.T).max()
    assert_close(loss, loss_ref, problem.dtype, scale=scale,
                 rtol=NETWORK_RTOL[np.dtype(problem.dtype)])
    assert_close_normwise(G, G_ref, problem.dtype)


@pytest.mark.parametrize("units", [[600, 256, 4], [2900, 2900, 3]])
def test_loss_grad_of_many_chunks_is_the_same_on_one_and_two_threads(units):
    # The gradient's last pass (penalty, mean, the weights' norm) runs in chunks of 32768
    # on the threads, at most 256 of them: 154k parameters are 5 chunks, 8.4M are past the
    # cap, where the chunks grow. Each chunk's norm is summed in chunk order.
    problem = Problem(rng_from(3), units, R.RELU, R.OUT_SOFTMAX, np.float32, 16, l2=0.5)
    fits = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            fits.append(problem.loss_grad(C))
    (loss, G), (loss_two, G_two) = fits
    assert loss == loss_two and np.array_equal(G, G_two)
    loss_ref, G_ref = problem.loss_grad(R)
    assert_close(loss, loss_ref, problem.dtype, rtol=NETWORK_RTOL[np.dtype(problem.dtype)])
    assert_close_normwise(G, G_ref, problem.dtype)


def run_epoch(kernels, problem, optimizer, order, batch_size):
    """One epoch from a copy of the problem's parameters and of optimizer; returns the new
    parameters, the optimizer and the loss sum. The rate is small enough that no run
    diverges: a diverging run amplifies rounding differences without bound, which would test
    chaos, not the kernels."""
    P, optimizer = problem.P.copy(), copy.deepcopy(optimizer)
    loss_sum = kernels.train_epoch(
        problem, optimizer, order, P=P, G=np.empty_like(P),
        workspace=problem.workspace(min(batch_size, len(order))), X=problem.parts, T=problem.T,
        sw=problem.sw, l2=problem.l2, batch_size=batch_size)
    return P, optimizer, loss_sum


def optimizer_of(name, nesterov, rng, P, step):
    """optimizer `name` for P, at rate 1e-3, its buffers random (a second moment >= 0)"""
    options = {"nesterov": nesterov} if name == "sgd" else {}
    optimizer = OPTIMIZERS[name](P.size, P.dtype, 1e-3, **options)
    for buffer in optimizer.buffers:
        getattr(optimizer, buffer)[...] = (rng.random(P.size) if buffer == "v" else
                                           0.1 * rng.standard_normal(P.size))
    for counter in optimizer.counters:
        getattr(optimizer, counter)[0] = step
    return optimizer


@given(problems(), st.sampled_from([("sgd", False), ("sgd", True), ("adam", False)]),
       st.data())
def test_train_epoch_matches_reference(problem, solver, data):
    n = problem.X.shape[0]
    rng = rng_from(data.draw(seeds))
    # a shuffled order, sometimes a subset or with repeats (bootstrap-like)
    order = data.draw(st.sampled_from([rng.permutation(n), rng.integers(0, n, n + 3),
                                       rng.permutation(n)[: max(n // 2, 1)]]))
    batch_size = data.draw(st.integers(1, len(order) + 2))
    start = data.draw(st.integers(0, 5))
    optimizer = optimizer_of(*solver, rng, problem.P, start)
    P, got, loss_sum = run_epoch(C, problem, optimizer, order, batch_size)
    P_ref, want, loss_sum_ref = run_epoch(R, problem, optimizer, order, batch_size)
    assert_close_normwise(P, P_ref, problem.dtype)
    for buffer in optimizer.buffers:
        assert_close_normwise(getattr(got, buffer), getattr(want, buffer), problem.dtype), buffer
    n_batches = -(-len(order) // batch_size)
    for counter in optimizer.counters:
        assert getattr(got, counter)[0] == getattr(want, counter)[0] == start + n_batches
    assert_close(loss_sum, loss_sum_ref, problem.dtype,
                 rtol=NETWORK_RTOL[np.dtype(problem.dtype)])


@given(problems(n_rows=sizes(0, 33)), st.data())
def test_predict_matches_reference(problem, data):
    n = problem.X.shape[0]
    chunk_rows = data.draw(st.integers(1, n + 2))
    n_out = problem.units[-1]
    Y = np.full((n, n_out), np.nan, problem.dtype)
    Y_ref = Y.copy()
    R.predict(Y_ref, None, problem.P, problem.units, problem.activation, problem.output,
              *problem.parts, chunk_rows)
    C.predict(Y, problem.workspace(chunk_rows), problem.P, problem.units, problem.activation,
              problem.output, *problem.parts, chunk_rows)
    assert_close_normwise(Y, Y_ref, problem.dtype)
    # with a workspace per thread the chunks run on threads, to the same bits
    Y_threads = np.full_like(Y, np.nan)
    C.predict(Y_threads, problem.workspace(chunk_rows, data.draw(st.integers(2, 3))),
              problem.P, problem.units, problem.activation, problem.output, *problem.parts,
              chunk_rows)
    assert np.array_equal(Y_threads, Y)


@given(problems(n_rows=sizes(2, 33)), st.data())
def test_predict_checking_finite_values_finds_one_in_any_chunk(problem, data):
    n = problem.X.shape[0]
    chunk_rows = data.draw(st.integers(1, n))
    n_out = problem.units[-1]
    workspace = problem.workspace(chunk_rows, 2)
    for kernels in (C, R):
        Y = np.empty((n, n_out), problem.dtype)
        assert kernels.predict(Y, workspace, problem.P, problem.units, problem.activation,
                               problem.output, *problem.parts, chunk_rows, True)
    if hasattr(problem.X, "indptr"):
        return      # CSR input is checked by scikit-learn's validation, not here
    X = problem.X.copy()
    X[data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, X.shape[1] - 1))] = \
        data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    for kernels in (C, R):
        Y = np.empty((n, n_out), problem.dtype)
        assert not kernels.predict(Y, workspace, problem.P, problem.units, problem.activation,
                                   problem.output, *input_parts(X), chunk_rows, True)
