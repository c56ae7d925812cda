"""Property tests of the network kernels as bendernet._kernels exposes them (loss_grad,
Epochs / train_epoch, predict) against bendernet.reference, and of whole fits across thread
counts: layer widths and batch sizes either side of the product's tiles, every activation
and output, dense and CSR input, sample weights, l2, both precisions, every micro-kernel
this CPU runs and 1 to 4 threads.

Bound (norm-wise): every value of a loss, gradient, output or updated parameter ends a chain
of at most R = sum(units) + m roundings (the dot products over each layer's fan-in forward,
over its fan-out and the batch's m rows backward). The weights are scaled by fan-in and
every activation here has a slope of at most 1, so the chain does not amplify an error: the
C core and the reference each land within a few R eps of the exact value, relative to the
largest value of the result plus, where terms of both signs cancel (a layer's sum, a
gradient's sum over the batch), the magnitude of those terms (magnitudes() below). We
assert |x - x_ref| <= 2 R eps (max|x_ref| + that magnitude); over 300 random networks
measured on this machine the error stayed below 0.13 R eps max|x_ref| where nothing
cancelled. A ReLU or step whose pre-activation rounds to the other side of 0 would break
this; the data are continuous random values, so that needs an exact tie.

Threads split output tiles and whole chunks, never a sum, so every thread count gives the
same bits; a whole fit therefore too."""

import copy
import warnings

import numpy as np
from hypothesis import given, settings, strategies as st
from sklearn.exceptions import ConvergenceWarning

from bendernet import MLPClassifier, MLPRegressor
from bendernet import _kernels as K
from bendernet import reference as R
from bendernet._optimizer import OPTIMIZERS
from bendernet.activations import NAMES
from helpers import (GEMM_KERNELS_HERE, THREAD_COUNTS, around, examples, gemm_kernel,
                     openmp_threads)
from network_cases import Problem

OUTPUTS = (R.OUT_IDENTITY, R.OUT_LOGISTIC, R.OUT_SOFTMAX, R.OUT_EXP)
# widths either side of the tiles (MR 4, 6, 12; NR 4 to 32) and some wide enough that a
# layer's products use the threads (2 m k n from 1e5 FLOPs for the backward pair, 1e6 for
# one product)
WIDTHS = st.sampled_from(around(4, 6, 8, 12, 16, 32) + [64, 100]) | st.integers(1, 9)
BATCHES = st.sampled_from([1, 2, 13, 33, 64, 200]) | st.integers(1, 40)


def assert_normwise(actual, expected, units, m, dtype, scale=0.0):
    """|actual - expected| <= 2 R eps (max|expected| + scale), R = sum(units) + m, over the
    finite values of expected; a run that diverged must have diverged alike (NaN for NaN,
    the same infinities)"""
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(actual), finite)
    assert np.array_equal(actual[~finite], expected[~finite], equal_nan=True)
    rounding_chain = int(np.sum(units)) + m
    largest = float(np.max(np.abs(expected[finite]), initial=0.0))
    bound = 2 * rounding_chain * np.finfo(dtype).eps * (largest + scale)
    error = float(np.max(np.abs(actual[finite] - expected[finite]), initial=0.0))
    assert error <= bound, f"{error:.3g} > {bound:.3g}"


def magnitudes(problem):
    """(E, S): the magnitudes the rounding errors of the outputs (E, per output) and of the
    gradient (S, the largest) are relative to. Forward, M_l = M_(l-1) |W_l| + |b_l| from
    M_0 = |X| bounds each layer's terms (every activation's slope is at most 1 here, and
    |f(x)| <= |x| + 1); an output's error is its last M times the output's slope (1, or
    e^z itself for exp). Backward, each row's delta is |P - T| plus that error, carried
    back through |W|^T and times 1 + M (f' moves with its pre-activation's error); a weight
    gradient term is |delta| times max(1, |input|). The l2 penalty adds l2 |W| over the
    smallest batch weight."""
    X = problem.X.toarray() if hasattr(problem.X, "indptr") else problem.X
    layout, U, _ = R._forward_pass(problem.P, problem.units, problem.activation,
                                   problem.output, problem.X, None)
    M = [np.abs(X).astype(np.float64)]
    for W, b in zip(layout.W, layout.b):
        M.append((M[-1] + (len(M) > 1)) @ np.abs(W.astype(np.float64)) + np.abs(b))
    Y = U[-1].astype(np.float64)
    output_error = M[-1] * (Y if problem.output == R.OUT_EXP else 1.0)
    delta = np.abs(Y - problem.T) + output_error
    scale = 0.0
    for l in range(len(U) - 1, -1, -1):
        row_inputs = np.maximum(1.0, np.max(M[l] + (l > 0), axis=1, initial=0.0))
        scale = max(scale, float(np.max(np.max(delta, axis=1, initial=0.0) * row_inputs,
                                        initial=0.0)))
        delta = (delta @ np.abs(layout.W[l].T.astype(np.float64))) * (1 + M[l])
    lightest = 1.0 if problem.sw is None else float(np.min(problem.sw, initial=1.0))
    heaviest_weight = max(float(np.max(np.abs(W), initial=0.0)) for W in layout.W)
    return output_error, scale + problem.l2 * heaviest_weight / lightest


@st.composite
def problems(draw):
    units = [draw(WIDTHS)] + draw(st.lists(WIDTHS, max_size=2)) + [draw(st.integers(1, 5))]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    problem = Problem(rng, units, draw(st.sampled_from(range(len(NAMES)))),
                      draw(st.sampled_from(OUTPUTS)),
                      draw(st.sampled_from([np.float32, np.float64])), draw(BATCHES),
                      sparse=draw(st.booleans()), weighted=draw(st.booleans()),
                      l2=draw(st.sampled_from([0.0, 1e-4, 0.5])))
    return problem, draw(st.sampled_from(GEMM_KERNELS_HERE)), draw(THREAD_COUNTS)


def on_threads(kernel, threads, run):
    """run() with one thread and with `threads` on micro-kernel `kernel`: the same bits"""
    results = []
    with gemm_kernel(kernel):
        for count in (1, threads):
            with openmp_threads(count):
                results.append(run())
    for one, many in zip(*results):
        assert np.array_equal(one, many, equal_nan=True), "threads changed the bits"
    return results[0]


@settings(max_examples=examples(120))
@given(case=problems())
def test_loss_grad_within_the_normwise_bound(case):
    problem, kernel, threads = case
    m = problem.X.shape[0]
    loss, G = on_threads(kernel, threads, lambda: problem.loss_grad(K))
    loss_ref, G_ref = problem.loss_grad(R)
    output_error, gradient_scale = magnitudes(problem)
    _, U, _ = R._forward_pass(problem.P, problem.units, problem.activation, problem.output,
                              problem.X, None)
    # a loss term's error: its slope, about |P - T|, times the output's error
    loss_scale = float(np.max(np.abs(U[-1] - problem.T) * output_error, initial=0.0))
    assert_normwise(loss, loss_ref, problem.units, m, problem.dtype, loss_scale)
    assert_normwise(G, G_ref, problem.units, m, problem.dtype, gradient_scale)


@settings(max_examples=examples(120))
@given(case=problems(), solver=st.sampled_from([("sgd", False), ("sgd", True), ("adam", False)]),
       data=st.data())
def test_epochs_within_the_normwise_bound(case, solver, data):
    """Epochs of small steps (rate 1e-3: a diverging run would amplify any rounding
    difference, testing chaos rather than the kernels); a shuffled order, sometimes with
    repeats or a subset, any batch size. Parameters and buffers move by the rate times
    the gradients, whose differences are within the bound with S; rate times batches
    stays below 1 here, so the same bound holds after the epochs."""
    problem, kernel, threads = case
    n = problem.X.shape[0]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    order = data.draw(st.sampled_from([rng.permutation(n), rng.integers(0, n, n + 3),
                                       rng.permutation(n)[:max(n // 2, 1)]]))
    batch_size = data.draw(st.integers(1, len(order) + 2))
    name, nesterov = solver
    optimizer = OPTIMIZERS[name](problem.P.size, problem.dtype, 1e-3,
                                 **({"nesterov": nesterov} if name == "sgd" else {}))
    for buffer in optimizer.buffers:    # v in [0.5, 1]: Adam's m / sqrt(v) amplifies little
        getattr(optimizer, buffer)[...] = (rng.uniform(0.5, 1, problem.P.size) if buffer == "v"
                                           else 0.01 * rng.standard_normal(problem.P.size))

    def run(kernels):
        """two epochs through one Epochs (its buffers bound once), the rate halved between
        them: the second must read it afresh"""
        P, run_optimizer = problem.P.copy(), copy.deepcopy(optimizer)
        epochs = kernels.Epochs(
            problem, run_optimizer, P=P, G=np.empty_like(P),
            workspace=problem.workspace(min(batch_size, len(order))), X=problem.parts,
            T=problem.T, sw=problem.sw, l2=problem.l2, batch_size=batch_size)
        loss_sums = [epochs.run(order)]
        run_optimizer.learning_rate /= 2
        loss_sums.append(epochs.run(order))
        counts = [int(getattr(run_optimizer, c)[0]) for c in optimizer.counters]
        buffers = [getattr(run_optimizer, b) for b in optimizer.buffers]
        return [P, np.array(loss_sums), *buffers, np.array(counts)]

    got = on_threads(kernel, threads, lambda: run(K))
    expected = run(R)
    assert np.array_equal(got[-1], expected[-1])          # the step counters
    batch, (_, scale) = min(batch_size, len(order)), magnitudes(problem)
    for one, reference in zip(got[:-1], expected[:-1]):
        assert_normwise(one, reference, problem.units, batch, problem.dtype, scale)


@settings(max_examples=examples(120))
@given(case=problems(), data=st.data())
def test_predict_within_the_normwise_bound(case, data):
    """in chunks of any size, on a workspace per thread (up to four)"""
    problem, kernel, threads = case
    n, n_out = problem.X.shape[0], problem.units[-1]
    chunk_rows = data.draw(st.integers(1, n + 2))

    def run():
        Y = np.full((n, n_out), np.nan, problem.dtype)
        K.predict(Y, problem.workspace(chunk_rows, threads), problem.P, problem.units,
                  problem.activation, problem.output, *problem.parts, chunk_rows)
        return (Y,)

    (Y,) = on_threads(kernel, threads, run)
    Y_ref = np.full((n, n_out), np.nan, problem.dtype)
    R.predict(Y_ref, None, problem.P, problem.units, problem.activation, problem.output,
              *problem.parts, chunk_rows)
    output_error, _ = magnitudes(problem)
    assert_normwise(Y, Y_ref, problem.units, 1, problem.dtype,
                    float(np.max(output_error, initial=0.0)))


# ---- whole fits ----------------------------------------------------------------------------

@st.composite
def fits(draw):
    regression = draw(st.booleans())
    estimator = (MLPRegressor if regression else MLPClassifier)(
        hidden_layer_sizes=tuple(draw(st.lists(WIDTHS, min_size=1, max_size=2))),
        activation=draw(st.sampled_from(NAMES)),
        solver=draw(st.sampled_from(["lbfgs", "sgd", "adam"])),
        alpha=draw(st.sampled_from([0.0, 1e-4, 0.1])),
        batch_size=draw(st.sampled_from(["auto", 1, 7, 32])),
        learning_rate_init=draw(st.sampled_from([1e-3, 1e-2])),
        early_stopping=draw(st.booleans()), max_iter=draw(st.integers(1, 8)),
        random_state=draw(st.integers(0, 1000)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_rows, n_features = draw(st.sampled_from([20, 33, 64, 150])), draw(WIDTHS)
    X = rng.standard_normal((n_rows, n_features)).astype(
        draw(st.sampled_from([np.float32, np.float64])))
    y = (X[:, 0] + rng.standard_normal(n_rows) if regression else
         rng.integers(0, draw(st.integers(2, 4)), n_rows))
    return estimator, X, y, draw(st.integers(2, 4))


@settings(max_examples=examples(60))
@given(case=fits())
def test_small_fits_are_the_same_bits_on_one_to_four_threads(case):
    estimator, X, y, threads = case
    fitted = []
    for count in (1, threads):
        with openmp_threads(count), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)     # a batch_size above the rows
            fitted.append(copy.deepcopy(estimator).fit(X, y))
    one, many = fitted
    for a, b in zip(one.coefs_ + one.intercepts_, many.coefs_ + many.intercepts_):
        assert np.array_equal(a, b, equal_nan=True)
    assert one.loss_ == many.loss_ or (np.isnan(one.loss_) and np.isnan(many.loss_))
    assert one.n_iter_ == many.n_iter_
    assert np.array_equal(one.predict(X), many.predict(X))
