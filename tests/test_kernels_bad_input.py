"""Bad input to the Cython layer is a ValueError, never a crash or a silent wrong result:
wrong buffer lengths, out-of-range row indices, mismatched shapes, malformed CSR, options
out of range. (Run under AddressSanitizer and valgrind, these also prove nothing is read
before it is rejected.)"""

import numpy as np
import pytest
import scipy.sparse as sp

from bendernet import _kernels as C
from bendernet import reference as R
from bendernet._layout import param_count
from bendernet._network import layer_input
from bendernet._optimizer import SGD, Adam
from helpers import input_parts, random_csr, rng_from
from network_cases import Problem

F8 = np.float64


def ones(*shape):
    return np.ones(shape, dtype=F8)


# ---- elementwise kernels: buffer lengths and codes -------------------------------------

@pytest.mark.parametrize("call", [
    lambda: C.activation_forward(ones(3), ones(4), 0, 0.0),
    lambda: C.activation_derivative(ones(5), ones(4), 0, 0.0),
    lambda: C.activation_backward(ones(4), ones(3), None, 2, 0.0),
    lambda: C.activation_backward(ones(4), ones(4), ones(3), R.PRELU, 0.1),
    lambda: C.prelu_slope_grad(ones(4), ones(5)),
    lambda: C.output_loss(ones(3, 2), ones(3, 3), ones(3, 3), None, None, 0),
    lambda: C.output_loss(ones(3, 3), ones(3, 3), ones(3, 2), None, None, 0),
    lambda: C.output_loss(ones(3, 2), ones(3, 2), ones(4, 2), None, None, 0),
    lambda: C.output_loss(ones(3, 2), ones(3, 2), ones(3, 2), ones(2), None, 0),
], ids=lambda _: "")
def test_wrong_buffer_lengths(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("call", [
    lambda: C.activation_forward(ones(3), ones(3), 9, 0.0),
    lambda: C.activation_derivative(ones(3), ones(3), -1, 0.0),
    lambda: C.activation_backward(ones(3), ones(3), None, 99, 0.0),
    lambda: C.output_forward(ones(2, 2), 4),
    lambda: C.output_forward(ones(2, 2), -1),
    lambda: C.output_loss(ones(2, 2), ones(2, 2), ones(2, 2), None, None, 7),
    lambda: C.dense_forward(ones(2, 2), None, ones(6), None, None, 2, 3, None, ones(3, 2),
                            ones(2), 9, 0.0),
])
def test_unknown_activation_or_output_code(call):
    with pytest.raises(ValueError):
        call()


def test_mixed_precisions_are_refused():
    with pytest.raises((ValueError, TypeError)):
        C.activation_forward(np.ones(3, np.float32), ones(3), 0, 0.0)
    with pytest.raises((ValueError, TypeError)):
        C.gemm(ones(2, 2), np.ones((2, 2), np.float32), ones(2, 2))


def test_missing_buffers_are_refused():
    # a None memoryview has length 0, so it fails the length checks before any use
    with pytest.raises(ValueError):
        C.optimizer_step(ones(3), None, SGD(3, F8))
    with pytest.raises(ValueError):
        C.gemm(ones(2, 2), None, ones(2, 2))
    with pytest.raises(ValueError):          # a layer input without its values
        C.dense_forward(ones(2, 2), None, None, None, None, 2, 2, None, ones(2, 2), ones(2),
                        -1, 0.0)
    with pytest.raises(ValueError):          # a CSR input without its indices
        C.dense_forward(ones(2, 2), None, ones(2), np.array([0, 1, 2]), None, 2, 2, None,
                        ones(2, 2), ones(2), -1, 0.0)


# ---- gemm ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: C.gemm(ones(2, 3), ones(2, 4), ones(4, 2)),                  # B's columns
    lambda: C.gemm(ones(2, 3), ones(2, 4), ones(5, 3)),                  # B's rows
    lambda: C.gemm(ones(2, 3), ones(3, 4), ones(4, 3)),                  # A's rows
    lambda: C.gemm(ones(2, 3), ones(5, 4), ones(4, 3), a_rows=np.array([0, 5])),
    lambda: C.gemm(ones(2, 3), ones(5, 4), ones(4, 3), a_rows=np.array([-1, 0])),
    lambda: C.gemm(ones(2, 3), ones(5, 4), ones(4, 3), a_rows=np.array([0, 1, 2])),
    lambda: C.gemm(ones(2, 3), ones(2, 4), ones(4, 3), b_rows=np.array([0, 1, 2, 4])),
    lambda: C.gemm(ones(2, 3), ones(2, 4), ones(4, 3), b_rows=np.array([0, 1, 2])),
], ids=lambda _: "")
def test_gemm_shapes_and_indices(call):
    with pytest.raises(ValueError):
        call()


def test_gemm_refuses_strides_that_are_not_whole_elements():
    # NumPy allows a float64 view stepping 12 bytes; dividing that stride by 8 would read
    # the wrong numbers without a word
    buffer = np.arange(16, dtype=F8).view(np.uint8)
    A = np.ndarray((2, 2), dtype=F8, buffer=buffer, strides=(12, 4))
    with pytest.raises(ValueError):
        C.gemm(np.zeros((2, 2)), A, np.eye(2))


def test_index_check():
    C.index_check(np.array([0, 3, 3], dtype=np.int64), 4)
    for rows in ([4], [-1], [0, 1, 2**40]):
        with pytest.raises(ValueError):
            C.index_check(np.array(rows, dtype=np.int64), 4)


# ---- dense layer ----------------------------------------------------------------------------

def dense_forward(X, rows=None, W=None, b=None, U=None, pre=None, values=None):
    W = ones(X.shape[1], 2) if W is None else W
    b = ones(W.shape[1]) if b is None else b
    m = X.shape[0] if rows is None else len(rows)
    U = ones(m, W.shape[1]) if U is None else U
    parts = input_parts(X)
    values = parts[0] if values is None else values
    C.dense_forward(U, pre, values, *parts[1:], rows, W, b, 5, 0.0)


def dense_backward(X, rows=None, W=None, dV=None, dX=None):
    W = ones(X.shape[1], 2) if W is None else W
    m = X.shape[0] if rows is None else len(rows)
    dV = ones(m, W.shape[1]) if dV is None else dV
    C.dense_backward(ones(*W.shape), ones(W.shape[1]), dX, dV, *input_parts(X), rows, W)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("call", [
    lambda X: dense_forward(X, rows=np.array([0, 4])),
    lambda X: dense_forward(X, rows=np.array([-1])),
    lambda X: dense_backward(X, rows=np.array([4, 0])),
    lambda X: dense_forward(X, W=ones(2, 2)),                   # X's columns differ from W's rows
    lambda X: dense_forward(X, b=ones(3)),
    lambda X: dense_forward(X, U=ones(3, 2)),
    lambda X: dense_forward(X, pre=ones(4, 3)),
    lambda X: dense_backward(X, W=ones(2, 2)),
    lambda X: dense_backward(X, dV=ones(3, 2)),
    lambda X: dense_backward(X, dX=ones(4, 2)),
], ids=lambda _: "")
def test_dense_layer_shapes_and_indices(call, sparse):
    rng = rng_from(0)
    X = random_csr(rng, 4, 3, F8) if sparse else rng.standard_normal((4, 3))
    with pytest.raises(ValueError):
        call(X)


def test_dense_values_must_fill_the_input():
    X = ones(4, 3)
    with pytest.raises(ValueError):
        dense_forward(X, values=ones(11))
    with pytest.raises(ValueError):
        dense_forward(X, values=ones(24)[::2])                # values must be contiguous


# ---- malformed CSR --------------------------------------------------------------------------

def malformed(change):
    X = random_csr(rng_from(1), 5, 4, F8, density=0.6)
    change(X)
    return X


MALFORMED = {
    "index past the columns": lambda X: X.indices.__setitem__(0, 4),
    "negative index": lambda X: X.indices.__setitem__(-1, -1),
    "decreasing indptr": lambda X: X.indptr.__setitem__(2, X.indptr[3] + 1),
    "indptr not starting at 0": lambda X: X.indptr.__setitem__(0, 1),
    "indptr past the nonzeros": lambda X: X.indptr.__setitem__(-1, X.indptr[-1] + 3),
    "indptr too short": lambda X: setattr(X, "indptr", X.indptr[:-1].copy()),
    "fewer values than indices": lambda X: setattr(X, "data", X.data[:-1].copy()),
    "int32 indices": lambda X: setattr(X, "indices", X.indices.astype(np.int32)),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_csr_is_refused_everywhere(change):
    X = malformed(change)
    with pytest.raises(ValueError):
        dense_forward(X)
    with pytest.raises(ValueError):
        dense_backward(X)
    problem = Problem(rng_from(2), [4, 3, 2], 3, R.OUT_IDENTITY, F8, n_rows=5)
    problem.X, problem.parts = X, input_parts(X)
    with pytest.raises(ValueError):
        problem.loss_grad(C)
    with pytest.raises(ValueError):
        C.predict(ones(5, 2), problem.workspace(2), problem.P, problem.units, 3,
                  R.OUT_IDENTITY, *input_parts(X), 2)


@pytest.mark.parametrize("form", ["csc", "bsr", "coo"])
def test_other_sparse_formats_enter_as_csr(form):
    # a square CSC matrix has an indptr of the right length: read as CSR it would be the
    # transpose, a wrong answer with no error
    dense = np.triu(np.arange(1.0, 17.0).reshape(4, 4))
    X = layer_input(sp.csr_matrix(dense).asformat(form), F8)
    assert X.indptr.dtype == X.indices.dtype == np.int64
    np.testing.assert_array_equal(
        sp.csr_matrix((X.values, X.indices, X.indptr), shape=(X.n_rows, X.n_cols)).toarray(),
        dense)


# ---- the network ----------------------------------------------------------------------------

def parts_of(X):
    """The kernels' five arguments for a layer input X, by name."""
    return dict(zip(("values", "indptr", "indices", "n_rows", "n_cols"), input_parts(X)))


def network_problem():
    return Problem(rng_from(3), [3, 4, 2], 6, R.OUT_LOGISTIC, F8, n_rows=6, weighted=True)


def loss_grad(problem, **change):
    args = dict(G=np.empty_like(problem.P), workspace=problem.workspace(6), P=problem.P,
                units=problem.units, activation=problem.activation, output=problem.output,
                l2=problem.l2, **parts_of(problem.X), T=problem.T, sw=problem.sw)
    args.update(change)
    return C.loss_grad(*args.values())


@pytest.mark.parametrize("change", [
    dict(P=ones(5)), dict(G=ones(5)), dict(workspace=ones(10)),
    dict(T=ones(6, 3)), dict(T=ones(5, 2)), dict(sw=ones(5)),
    dict(units=np.array([3, 4, 0, 2])), dict(units=np.array([3])),
    dict(units=np.array([2, 4, 2])),                          # X has 3 columns
    dict(activation=9), dict(activation=-1), dict(output=4), dict(l2=-1.0), dict(l2=np.nan),
    dict(**parts_of(ones(0, 3)), T=ones(0, 2), sw=ones(0)),   # no rows to average
    dict(n_cols=2),                                   # the values are 6 rows of 3 columns
    dict(indices=np.arange(18)),                      # indices of a dense input
], ids=lambda change: ",".join(change))
def test_loss_grad_refuses(change):
    problem = network_problem()
    if "units" in change:
        change.setdefault("P", np.ones(max(param_count(change["units"], 6), 1)))
        change.setdefault("G", np.ones_like(change["P"]))
    with pytest.raises(ValueError):
        loss_grad(problem, **change)


def train_epoch(problem, network=None, optimizer=None, order=None, **change):
    P = problem.P.copy()
    data = dict(P=P, G=np.empty_like(P), workspace=problem.workspace(4), X=problem.parts,
                T=problem.T, sw=problem.sw, l2=0.0, batch_size=4)
    data.update(change)
    return C.train_epoch(problem if network is None else network,
                         Adam(P.size, P.dtype) if optimizer is None else optimizer,
                         np.arange(6, dtype=np.int64) if order is None else order, **data)


class Network:
    def __init__(self, units, activation, output):
        self.units, self.activation, self.output = units, activation, output


class Unknown(SGD):
    name = "no such optimizer"


def adam_with(n_params, **change):
    optimizer = Adam(n_params, F8)
    optimizer.__dict__.update(change)
    return optimizer


P_LENGTH = network_problem().P.size


@pytest.mark.parametrize("change", [
    dict(order=np.array([0, 6])), dict(order=np.array([-1, 2])),
    dict(batch_size=0), dict(batch_size=5),                 # workspace holds 4 rows only
    dict(G=ones(3)), dict(T=ones(6, 3)), dict(sw=ones(7)),
    dict(network=Network(np.array([3, 4, 2]), 9, R.OUT_LOGISTIC)),
    dict(optimizer=Unknown(P_LENGTH, F8)),
    dict(optimizer=adam_with(P_LENGTH, step=np.zeros(2, np.int64))),
    dict(optimizer=adam_with(P_LENGTH, v=ones(3))),
    dict(optimizer=adam_with(P_LENGTH, m=np.ones(P_LENGTH, np.float32))),
    dict(optimizer=adam_with(P_LENGTH, step=np.zeros(1, np.int32))),
], ids=lambda change: ",".join(change))
def test_train_epoch_refuses(change):
    with pytest.raises(ValueError):
        train_epoch(network_problem(), **change)


@pytest.mark.parametrize("call", [
    lambda: C.optimizer_step(ones(4), ones(4), SGD(3, F8)),
    lambda: C.optimizer_step(ones(4), ones(5), Adam(4, F8)),
    lambda: C.optimizer_step(ones(4), ones(4), adam_with(4, step=np.zeros(0, np.int64))),
    lambda: C.optimizer_step(ones(4), ones(4), adam_with(4, v=np.ones((4,), np.float32))),
    lambda: C.optimizer_step(ones(4), ones(4), Unknown(4, F8)),
], ids=lambda _: "")
def test_optimizer_step_refuses(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("chunk_rows, Y_shape, workspace_rows",
                         [(0, (6, 2), 2), (3, (6, 2), 2), (2, (5, 2), 2), (2, (6, 3), 2)])
def test_predict_refuses(chunk_rows, Y_shape, workspace_rows):
    problem = network_problem()
    with pytest.raises(ValueError):
        C.predict(ones(*Y_shape), problem.workspace(workspace_rows), problem.P, problem.units,
                  problem.activation, problem.output, *problem.parts, chunk_rows)


def test_input_shape_that_overflows_is_refused():
    # 2**62 rows of 4 columns is 2**64 values, 0 in int64: an empty values buffer matched,
    # and row 2**62 - 1 of it was read
    with pytest.raises(ValueError):
        C.dense_forward(ones(1, 1), None, np.empty(0), None, None, 2**62, 4,
                        np.array([2**62 - 1]), ones(4, 1), ones(1), -1, 0.0)


def test_network_sizes_that_overflow_are_refused():
    # (2**61 + 1) * 8 weights wrap around int64 to 8: without a checked count, a 16-value
    # buffer passed as the parameters of this network and the C core indexed past it
    units = np.array([2**61 + 1, 8], dtype=np.int64)
    with pytest.raises(ValueError):
        C.param_count(units, 0)
    with pytest.raises(ValueError):
        C.workspace_len(np.array([3, 2**62, 2**62], dtype=np.int64), 0, 1)
    with pytest.raises(ValueError):
        C.workspace_len(np.array([3, 2**61, 2], dtype=np.int64), 0, 8)
    X = sp.csr_matrix((ones(1), np.array([2**61 - 1]), np.array([0, 1])),
                      shape=(1, 2**61 + 1))
    X.indptr, X.indices = X.indptr.astype(np.int64), X.indices.astype(np.int64)
    with pytest.raises(ValueError):
        C.predict(ones(1, 8), ones(64), ones(16), units, 0, R.OUT_IDENTITY, *input_parts(X), 1)
