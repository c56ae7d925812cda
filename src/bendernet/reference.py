"""The C core in pure NumPy, kernel for kernel.

Each function here has the name, argument order and in-place behaviour of its counterpart
in ``bendernet._kernels`` (and so of the C function ``bn_<name>``), written as the math.
It is the oracle the C kernels are tested against, the baseline the benchmarks compare
with, and what ``backend="numpy"`` trains through. A layer input ``X`` arrives as
``_kernels`` takes it, in five arguments (``values, indptr, indices, n_rows, n_cols``: see
``bendernet._network.LayerInput``), and is read here as a 2-D ndarray or a CSR matrix.
"""

import numpy as np
import scipy.sparse as sp

from bendernet._codes import (  # noqa: F401  (the codes are part of the reference's API)
    ARCTAN, ELU, IDENTITY, LOGISTIC, OUT_EXP, OUT_IDENTITY, OUT_LOGISTIC, OUT_SOFTMAX,
    PRELU, RELU, SOFTPLUS, STEP, TANH, layer_codes,
)
from bendernet._layout import Layout, param_count, workspace_len  # noqa: F401  (as _kernels)


def _matrix(values, indptr, indices, n_rows, n_cols):
    """The layer input described by its five arguments, as a matrix NumPy multiplies."""
    if indptr is None:
        return values.reshape(n_rows, n_cols)
    return sp.csr_matrix((values, indices, indptr), shape=(n_rows, n_cols))


def all_finite(values):
    """True when no value is NaN or infinite."""
    return bool(np.isfinite(values).all())


def index_check(rows, n_rows):
    """Raise ValueError unless every index lies in [0, n_rows)."""
    if len(rows) and (rows.min() < 0 or rows.max() >= n_rows):
        raise ValueError("bendernet: the C core rejected a size, index or option")


# ---- gemm ------------------------------------------------------------------------------

def gemm(C, A, B, beta=0.0, a_rows=None, b_rows=None):
    """C = beta*C + A[a_rows] @ B[b_rows]; beta == 0 never reads C."""
    A = A if a_rows is None else A[a_rows]
    B = B if b_rows is None else B[b_rows]
    product = A @ B
    C[...] = product if beta == 0 else beta * C + product


# ---- activations ---------------------------------------------------------------------------

def _logistic(x):
    # exp of a non-positive number only, as the C kernel
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _forward(x, activation, alpha):
    if activation == IDENTITY:
        return x
    if activation == STEP:
        return np.where(x >= 0, 1, 0)
    if activation == LOGISTIC:
        return _logistic(x)
    if activation == TANH:
        return np.tanh(x)
    if activation == ARCTAN:
        return np.arctan(x)
    if activation == RELU:
        return np.maximum(x, 0)
    if activation == PRELU:
        return np.where(x >= 0, x, alpha * np.minimum(x, 0))   # no overflow where unused
    if activation == ELU:
        return np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))          # softplus


def activation_forward(out, x, activation, alpha):
    """out = f(x)"""
    out[...] = _forward(x, activation, x.dtype.type(alpha))


def activation_derivative(out, x, activation, alpha):
    """out = f'(x) at the pre-activation x"""
    alpha = x.dtype.type(alpha)
    if activation == LOGISTIC:
        f = _logistic(x)
        out[...] = f * (1 - f)
    elif activation == TANH:
        out[...] = 1 - np.tanh(x) ** 2
    elif activation == ARCTAN:
        out[...] = 1 / (x * x + 1)
    elif activation == RELU:
        out[...] = np.where(x < 0, 0, 1)
    elif activation == PRELU:
        out[...] = np.where(x < 0, alpha, 1)
    elif activation == ELU:
        out[...] = np.where(x < 0, alpha * np.expm1(np.minimum(x, 0)) + alpha, 1)
    elif activation == SOFTPLUS:
        out[...] = _logistic(x)
    else:
        out[...] = 1 if activation == IDENTITY else 0


def activation_backward(delta, out, pre, activation, alpha):
    """delta *= f'(z), written from the output out = f(z) (and z, pre, for PReLU)"""
    alpha = out.dtype.type(alpha)
    u = out
    # where the output does not say the sign of z, z must be given (as the C kernel)
    if pre is None and (activation == PRELU or (activation == ELU and not alpha > 0)):
        raise ValueError("bendernet: the C core rejected a size, index or option")
    if activation == LOGISTIC:
        delta *= u * (1 - u)
    elif activation == TANH:
        delta *= 1 - u * u
    elif activation == ARCTAN:
        delta *= np.cos(u) ** 2
    elif activation == RELU:
        delta[u == 0] = 0          # scikit-learn's rule: z == 0 gets no gradient
    elif activation == PRELU:
        delta *= np.where(pre < 0, alpha, 1)
    elif activation == ELU:
        delta *= np.where(u < 0 if pre is None else pre < 0, u + alpha, 1)
    elif activation == SOFTPLUS:
        delta *= -np.expm1(-u)
    elif activation == STEP:
        delta[...] = 0


def prelu_slope_grad(dU, V):
    """sum of dU * min(V, 0): the gradient of a PReLU layer's slope, formed in double"""
    return float(np.sum(np.where(V < 0, dU.astype(np.float64) * V, 0.0)))


# ---- output layers and losses --------------------------------------------------------------

def output_forward(Z, output):
    """Z = g(Z) in place, g the output activation"""
    if output == OUT_LOGISTIC:
        Z[...] = _logistic(Z)
    elif output == OUT_SOFTMAX and Z.size:
        # a row of no outputs has no maximum to shift by, and nothing to normalise
        np.exp(Z - Z.max(axis=1, keepdims=True), out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
    elif output == OUT_EXP:
        np.exp(Z, out=Z)


def _xlogy(y, q):
    return np.where(y == 0, 0, y * np.log(np.where(y == 0, 1, q)))


def output_loss(delta, P, T, sw, rows, output):
    """delta = (P - T[rows]) * sw[rows]; returns the loss paired with the output"""
    T = T if rows is None else T[rows]
    w = np.ones(len(P)) if sw is None else (sw if rows is None else sw[rows])
    delta[...] = (P - T) * w[:, None]
    P, T = P.astype(np.float64), T.astype(np.float64)
    eps = np.finfo(delta.dtype).eps
    if output == OUT_IDENTITY:
        pointwise = 0.5 * (T - P) ** 2 / P.shape[1]
    elif output == OUT_LOGISTIC:
        q = np.clip(P, eps, 1 - eps)
        pointwise = -(_xlogy(T, q) + _xlogy(1 - T, 1 - q))
    elif output == OUT_SOFTMAX:
        pointwise = -_xlogy(T, np.clip(P, eps, 1 - eps))
    else:
        pointwise = _xlogy(T, T / P) - T + P
    total = w.sum()
    return float(w @ pointwise.sum(axis=1) / total) if total != 0 else 0.0


# ---- optimizers ------------------------------------------------------------------------------
# An optimizer's hyper-parameters (hyper) and state are attributes of the names its line in
# csrc/network/optimizers.def gives them; bendernet._optimizer's classes hold both.

def sgd_step(P, G, hyper, state):
    """one SGD-with-momentum step on P (velocity)"""
    learning_rate, momentum = P.dtype.type(hyper.learning_rate), P.dtype.type(hyper.momentum)
    V = state.velocity
    V[...] = momentum * V - learning_rate * G
    P += momentum * V - learning_rate * G if hyper.nesterov else V


def adam_step(P, G, hyper, state):
    """one Adam step on P (moments m, v), bias-corrected for the step count t"""
    t = float(state.step[0])
    beta1, beta2, epsilon = float(hyper.beta1), float(hyper.beta2), float(hyper.epsilon)
    lr_t = float(hyper.learning_rate) * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    M, V = state.m, state.v
    M[...] = beta1 * M + (1 - beta1) * G
    V[...] = beta2 * V + (1 - beta2) * (G * G)
    # the step in float64 over a denominator in P's precision, as NumPy 2 promotes
    # scikit-learn's (NEP 50) and the C core computes it; spelled out, so that NumPy 1.x's
    # value-based casting (all float32) gives the same
    denominator = np.sqrt(V) + V.dtype.type(epsilon)
    P += -np.float64(lr_t) * M.astype(np.float64) / denominator.astype(np.float64)


def optimizer_step(P, G, optimizer):
    """One step of optimizer on P from G: its counters += 1, then its step, <name>_step"""
    for counter in optimizer.counters:
        getattr(optimizer, counter)[0] += 1
    globals()[f"{optimizer.name}_step"](P, G, optimizer, optimizer)


# ---- dense layer ---------------------------------------------------------------------------

def dense_forward(U, pre, values, indptr, indices, n_rows, n_cols, rows, W, b, activation,
                  alpha):
    """U = f(X[rows] @ W + b), pre = X[rows] @ W + b when given (activation < 0: none)"""
    _dense_forward(U, pre, _matrix(values, indptr, indices, n_rows, n_cols), rows, W, b,
                   activation, alpha)


def _dense_forward(U, pre, X, rows, W, b, activation, alpha):
    X = X if rows is None else X[rows]
    V = X @ W + b
    if pre is not None:
        pre[...] = V
    U[...] = V if activation < 0 else _forward(V, activation, U.dtype.type(alpha))


def dense_backward(dW, db, dX, dV, values, indptr, indices, n_rows, n_cols, rows, W):
    """dW = X[rows]^T dV, db = sum of dV's rows, dX = dV W^T when given"""
    _dense_backward(dW, db, dX, dV, _matrix(values, indptr, indices, n_rows, n_cols), rows, W)


def _dense_backward(dW, db, dX, dV, X, rows, W):
    X = X if rows is None else X[rows]
    dW[...] = X.T @ dV
    db[...] = dV.sum(axis=0)
    if dX is not None:
        dX[...] = dV @ W.T


# ---- the network ---------------------------------------------------------------------------

def _hidden_alpha(layout, codes, l):
    if codes[l] == PRELU:
        return layout.slope[l]
    return 1.0 if codes[l] == ELU else 0.0


def _forward_pass(P, units, activation, output, X, rows):
    """outputs U_l and pre-activations V_l (PReLU layers) of every layer for X[rows]"""
    layout = Layout(P, units, activation)
    L = len(units) - 1
    codes = layer_codes(activation, L - 1)
    m = X.shape[0] if rows is None else len(rows)
    U, V, layer_input = [], [], X
    for l in range(L):
        hidden = l < L - 1
        u = np.empty((m, units[l + 1]), dtype=P.dtype)
        v = np.empty_like(u) if hidden and codes[l] == PRELU else None
        _dense_forward(u, v, layer_input, rows if l == 0 else None, layout.W[l],
                      layout.b[l], codes[l] if hidden else -1,
                      _hidden_alpha(layout, codes, l) if hidden else 0.0)
        U.append(u)
        V.append(v)
        layer_input = u
    output_forward(U[-1], output)
    return layout, U, V


def _loss_grad(G, P, units, activation, output, l2, X, T, sw, rows):
    layout, U, V = _forward_pass(P, units, activation, output, X, rows)
    grads = Layout(G, units, activation)
    L = len(units) - 1
    codes = layer_codes(activation, L - 1)
    delta = np.empty_like(U[-1])
    loss = output_loss(delta, U[-1], T, sw, rows, output)
    w = None if sw is None else (sw if rows is None else sw[rows])
    weight_sum = len(U[-1]) if w is None else float(np.sum(w, dtype=np.float64))
    loss += 0.5 * l2 * sum(float(np.sum(W.astype(np.float64) ** 2)) for W in layout.W) / weight_sum
    for l in range(L - 1, -1, -1):
        layer_input = X if l == 0 else U[l - 1]
        dX = np.empty_like(U[l - 1]) if l > 0 else None
        _dense_backward(grads.W[l], grads.b[l], dX, delta, layer_input,
                        rows if l == 0 else None, layout.W[l])
        grads.W[l][...] = (grads.W[l] + P.dtype.type(l2) * layout.W[l]) / weight_sum
        grads.b[l][...] = grads.b[l] / weight_sum
        if l == 0:
            break
        if grads.slope is not None:     # a layer that is not PReLU: its slot's gradient is 0
            grads.slope[l - 1] = (prelu_slope_grad(dX, V[l - 1]) / weight_sum
                                  if codes[l - 1] == PRELU else 0)
        activation_backward(dX, U[l - 1], V[l - 1], codes[l - 1],
                            _hidden_alpha(layout, codes, l - 1))
        delta = dX
    return loss


def loss_grad(G, workspace, P, units, activation, output, l2, values, indptr, indices,
              n_rows, n_cols, T, sw):
    """loss and gradient G of every row of X at parameters P"""
    X = _matrix(values, indptr, indices, n_rows, n_cols)
    return _loss_grad(G, P, units, activation, output, l2, X, T, sw, None)


def train_epoch(network, optimizer, order, *, P, G, workspace, X, T, sw, l2, batch_size):
    """One epoch of mini-batch training in place on P (and the optimizer's state); returns
    the size-weighted loss sum."""
    X = _matrix(*X)
    index_check(order, X.shape[0])
    accumulated = P.dtype.type(0)
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        batch_loss = _loss_grad(G, P, network.units, network.activation, network.output, l2,
                                X, T, sw, rows)
        accumulated += P.dtype.type(batch_loss) * P.dtype.type(len(rows))
        optimizer_step(P, G, optimizer)
    return float(accumulated)


class Epochs:
    """The epochs of one fit with their buffers bound once, as the C core's Epochs;
    run(order) is one epoch, at the optimizer's hyper-parameters of the moment."""

    def __init__(self, network, optimizer, *, P, G, workspace, X, T, sw, l2, batch_size):
        self.network, self.optimizer = network, optimizer
        self.data = dict(P=P, G=G, workspace=workspace, X=X, T=T, sw=sw, l2=l2,
                         batch_size=batch_size)
        self.finished, self.last_loss_sum = 0, 0.0

    def run(self, order):
        """One epoch over the rows in order, in place; returns the size-weighted loss sum."""
        loss_sum = train_epoch(self.network, self.optimizer, order, **self.data)
        self.finished, self.last_loss_sum = self.finished + 1, loss_sum
        return loss_sum


def max_threads():
    """The NumPy backend runs chunks one after another (NumPy's BLAS threads its products)."""
    return 1


def predict(Y, workspace, P, units, activation, output, values, indptr, indices, n_rows,
            n_cols, chunk_rows, check_finite=False):
    """Y = the network's output for every row of X; with check_finite, False (Y untouched)
    if a dense X holds a NaN or an infinity, else True"""
    if check_finite and indptr is None and not all_finite(values):
        return False
    X = _matrix(values, indptr, indices, n_rows, n_cols)
    _, U, _ = _forward_pass(P, units, activation, output, X, None)
    Y[...] = U[-1]
    return True
