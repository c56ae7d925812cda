"""JAX (XLA CPU) MLPs trained like scikit-learn's, for the benchmark's two JAX entries.

Both do scikit-learn's work step for step: its Glorot-uniform initial weights and its
per-epoch shuffles (drawn in NumPy from ``check_random_state(random_state)`` in the order
``_fit_stochastic`` draws them: each layer's coefficients then intercepts, then one shuffle of
the running sample order per epoch), its forward pass, loss (mean log-loss on clipped
probabilities, or half the squared error), L2 penalty, hand-written backward pass
(``delta = output - y``) and its Adam or SGD with Nesterov momentum, in ``jax.numpy``.
float64 workloads run in float64 (x64 enabled), float32 ones in float32; where NumPy forms
Adam's step in float64 for float32 weights (its ``lr_t`` is a float64 scalar), so do we.

- ``whole_fit=True`` ("jax"): one jitted call per fit, ``lax.scan`` over epochs and, inside,
  over the full mini-batches (the short last batch is one more step of its own shape).
  Compiled ahead of time once per signature; ``compile_seconds_`` is that compile.
- ``whole_fit=False`` ("jax-step"): what a JAX user usually writes, a Python loop over epochs
  and batches calling one ``jax.jit`` update step; the epoch's loss stays on the device and is
  read once per epoch. ``compile_seconds_`` is the step's first call minus its second.
"""

import os
import time

import numpy as np

# Threads: the other systems run on the BLAS's default count (systems.default_threads()).
# XLA CPU has no thread-count setting: its intra-op pool gets one thread per visible CPU (the
# old `intra_op_parallelism_threads` is no flag any more: XLA_FLAGS rejects it with dashes and
# ignores it without). So XLA matches when the BLAS uses every CPU (this machine: 2 and 2).
# When the BLAS runs one thread we turn off multi-threaded Eigen, the one switch XLA has; it
# does not hold XLA to one CPU (measured on W5: process CPU time 1.6x the wall time with it,
# and with XNNPACK and oneDNN off too). Only the process's CPU affinity would, and that would
# pin the other systems as well. XLA_FLAGS is read when jax first runs, so this comes first.
from bench.systems import default_threads  # noqa: E402

_flags = os.environ.get("XLA_FLAGS", "")
if default_threads() == 1 and "xla_cpu_multi_thread_eigen" not in _flags:
    os.environ["XLA_FLAGS"] = f"{_flags} --xla_cpu_multi_thread_eigen=false".strip()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

jax.config.update("jax_enable_x64", True)

HIDDEN = {"relu": lambda z: jnp.maximum(z, 0), "tanh": jnp.tanh,
          "logistic": lambda z: 1 / (1 + jnp.exp(-z)), "identity": lambda z: z}


# ---- one step, as scikit-learn's _backprop + optimizer.update_params ---------------------

def _forward(coefs, intercepts, X, activation, output):
    """Every layer's activation, input first (sklearn's _forward_pass)."""
    layers = [X]
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = layers[-1] @ W + b
        if i < len(coefs) - 1:
            layers.append(HIDDEN[activation](z))
        elif output == "softmax":
            e = jnp.exp(z - z.max(axis=1, keepdims=True))
            layers.append(e / e.sum(axis=1, keepdims=True))
        elif output == "logistic":
            layers.append(1 / (1 + jnp.exp(-z)))  # scipy's expit, the same formula
        else:
            layers.append(z)
    return layers


def _data_loss(P, Y, output):
    """sklearn's log_loss / binary_log_loss / squared_loss of predictions P[m,k]."""
    if output == "identity":
        return 0.5 * ((Y - P) ** 2).mean(axis=0).mean()
    eps = np.finfo(P.dtype).eps
    P = jnp.clip(P, eps, 1 - eps)
    # Y holds 0 and 1: Y * log(P) is xlogy(Y, P)
    if output == "logistic":
        return -(Y * jnp.log(P) + (1 - Y) * jnp.log(1 - P)).mean(axis=0).sum()
    return -(Y * jnp.log(P)).mean(axis=0).sum()


def _derivative(delta, Z, activation):
    """delta * f'(z), from the layer's output Z = f(z), as sklearn's inplace derivatives."""
    if activation == "relu":
        return jnp.where(Z == 0, 0, delta)
    if activation == "tanh":
        return delta * (1 - Z ** 2)
    if activation == "logistic":
        return delta * Z * (1 - Z)
    return delta


def _gradients(coefs, intercepts, X, Y, cfg):
    """(batch loss, coefficient gradients, intercept gradients) of one mini-batch X[m,d]."""
    layers = _forward(coefs, intercepts, X, cfg["activation"], cfg["output"])
    m, alpha = X.shape[0], cfg["alpha"]
    penalty = sum(jnp.vdot(W, W) for W in coefs)
    loss = _data_loss(layers[-1], Y, cfg["output"]) + (0.5 * alpha) * penalty / m
    delta = layers[-1] - Y  # the output's delta for each canonical link
    coef_grads, intercept_grads = [None] * len(coefs), [None] * len(coefs)
    for i in range(len(coefs) - 1, -1, -1):
        # dW[i] = (A[i]^T @ delta + alpha W[i]) / m ; db[i] = sum(delta) / m
        coef_grads[i] = (layers[i].T @ delta + alpha * coefs[i]) / m
        intercept_grads[i] = delta.sum(axis=0) / m
        if i > 0:
            delta = _derivative(delta @ coefs[i].T, layers[i], cfg["activation"])
    return loss, coef_grads + intercept_grads


def _update(params, state, grads, lr, cfg):
    """sklearn's AdamOptimizer / SGDOptimizer step over the list coefs + intercepts.

    Adam's lr is lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t), a float64 scalar (as in NumPy)."""
    if cfg["solver"] == "adam":
        b1, b2, eps = cfg["beta_1"], cfg["beta_2"], cfg["epsilon"]
        ms = [b1 * m + (1 - b1) * g for m, g in zip(state[0], grads)]
        vs = [b2 * v + (1 - b2) * g ** 2 for v, g in zip(state[1], grads)]
        # the float64 step, then cast back: NumPy's `param += update` on float32 weights
        params = [(p + -lr * m / (jnp.sqrt(v) + eps)).astype(p.dtype)
                  for p, m, v in zip(params, ms, vs)]
        return params, (ms, vs)
    lr = lr.astype(params[0].dtype)  # a Python float in sklearn: the weights' precision
    momentum = cfg["momentum"]
    velocities = [momentum * u - lr * g for u, g in zip(state, grads)]
    updates = [momentum * u - lr * g for u, g in zip(velocities, grads)] \
        if cfg["nesterov"] else velocities
    return [p + u for p, u in zip(params, updates)], velocities


def _step(params, state, X, Y, rows, lr, cfg):
    """One mini-batch X[rows]: (params, state, batch loss)."""
    n_layers = len(params) // 2
    loss, grads = _gradients(params[:n_layers], params[n_layers:], X[rows], Y[rows], cfg)
    params, state = _update(params, state, grads, lr, cfg)
    return params, state, loss


# ---- the whole fit in one call ----------------------------------------------------------

def _whole_fit(params, state, X, Y, orders, rates, cfg):
    """Every epoch: orders[e, n] is epoch e's sample order, rates[e, steps] its step sizes.
    Returns (params, the loss curve[epochs])."""
    n, batch = X.shape[0], cfg["batch"]
    n_full = n // batch

    def epoch(carry, xs):
        params, state = carry
        order, lrs = xs

        def full_batch(carry, xs):
            params, state, total = carry
            rows, lr = xs
            params, state, loss = _step(params, state, X, Y, rows, lr, cfg)
            return (params, state, total + loss * batch), None

        total = jnp.zeros((), X.dtype)
        (params, state, total), _ = lax.scan(
            full_batch, (params, state, total),
            (order[:n_full * batch].reshape(n_full, batch), lrs[:n_full]))
        if n % batch:
            params, state, loss = _step(params, state, X, Y, order[n_full * batch:],
                                        lrs[n_full], cfg)
            total = total + loss * (n % batch)
        return (params, state), total / n

    (params, _), curve = lax.scan(epoch, (params, state), (orders, rates))
    return params, curve


_COMPILED = {}  # signature -> (compiled whole fit, its compile seconds), shared by all fits
_STEP_COMPILE = {}  # step signature -> compile seconds, measured on its first two calls
_step_jit = jax.jit(_step, static_argnames="cfg")


def _signature(cfg, *arrays):
    return (tuple(sorted(cfg.items())),
            tuple((np.shape(a), str(a.dtype)) for a in jax.tree.leaves(arrays)))


class _Config(dict):
    """The fit's static settings: a hashable dict, so jit can take it as a static argument."""

    def __hash__(self):
        return hash(tuple(sorted(self.items())))


# ---- the estimator ------------------------------------------------------------------------

class JaxMLP:
    """fit / predict_proba / predict / score over NumPy arrays, like the sklearn estimators."""

    def __init__(self, task, hidden_layer_sizes, activation, solver, batch_size,
                 learning_rate_init, max_iter, random_state, alpha=1e-4, momentum=0.9,
                 nesterovs_momentum=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 whole_fit=True, **ignored):
        self.task, self.hidden, self.activation = task, tuple(hidden_layer_sizes), activation
        self.solver, self.batch_size, self.lr = solver, batch_size, learning_rate_init
        self.epochs, self.seed, self.alpha = max_iter, random_state, alpha
        self.momentum, self.nesterov = momentum, nesterovs_momentum
        self.betas, self.epsilon, self.whole_fit = (beta_1, beta_2), epsilon, whole_fit

    def _targets(self, y, dtype):
        if self.task == "regress":
            self.out_activation_ = "identity"
            return np.asarray(y, dtype=dtype).reshape(len(y), -1)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) == 2:
            self.out_activation_ = "logistic"
            return codes.astype(dtype).reshape(-1, 1)
        self.out_activation_ = "softmax"
        return (codes[:, None] == np.arange(len(self.classes_))).astype(dtype)

    def _initial(self, sizes, dtype, random_state):
        """sklearn's _init_coef for every layer, in its order: coefs then intercepts."""
        factor = 2.0 if self.activation == "logistic" else 6.0
        coefs, intercepts = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            coefs.append(random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
            intercepts.append(random_state.uniform(-bound, bound, fan_out).astype(dtype))
        return coefs + intercepts

    def _rates(self, epochs, steps):
        """Each step's learning rate[epochs, steps]: Adam's lr_t (t counted from 1), as NumPy
        forms it in float64, or SGD's constant rate."""
        if self.solver != "adam":
            return np.full((epochs, steps), self.lr)
        t = np.arange(1, epochs * steps + 1, dtype=np.float64)
        beta_1, beta_2 = self.betas
        return (self.lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)).reshape(epochs, steps)

    def _config(self, batch):
        return _Config(activation=self.activation, output=self.out_activation_,
                       solver=self.solver, alpha=self.alpha, batch=batch,
                       beta_1=self.betas[0], beta_2=self.betas[1], epsilon=self.epsilon,
                       momentum=self.momentum, nesterov=self.nesterov)

    def fit(self, X, y):
        from sklearn.utils import check_random_state

        X = np.ascontiguousarray(X)
        Y = self._targets(y, X.dtype)
        n, batch = len(X), min(self.batch_size, len(X))
        random_state = check_random_state(self.seed)
        params = self._initial([X.shape[1], *self.hidden, Y.shape[1]], X.dtype, random_state)
        zeros = [np.zeros_like(p) for p in params]
        state = (zeros, [np.zeros_like(p) for p in params]) if self.solver == "adam" else zeros
        cfg = self._config(batch)
        rates = self._rates(self.epochs, -(-n // batch))
        fit = self._fit_whole if self.whole_fit else self._fit_steps
        params, curve = fit(params, state, jnp.asarray(X), jnp.asarray(Y), random_state,
                            rates, cfg)
        self.params_ = jax.block_until_ready(params)
        self.loss_curve_ = [float(loss) for loss in curve]
        self.loss_ = self.loss_curve_[-1]
        return self

    def _fit_whole(self, params, state, X, Y, random_state, rates, cfg):
        n, order = len(X), np.arange(len(X), dtype=np.int32)
        orders = np.empty((self.epochs, n), dtype=np.int32)
        for epoch in range(self.epochs):  # sklearn.utils.shuffle of the running order
            permutation = np.arange(n)
            random_state.shuffle(permutation)
            order = orders[epoch] = order[permutation]
        args = (params, state, X, Y, orders, rates)
        key = _signature(cfg, *args)
        if key not in _COMPILED:
            start = time.perf_counter()
            compiled = jax.jit(_whole_fit, static_argnames="cfg").lower(*args, cfg=cfg).compile()
            _COMPILED[key] = compiled, time.perf_counter() - start
        compiled, self.compile_seconds_ = _COMPILED[key]
        params, curve = compiled(*args)
        return params, np.asarray(curve)

    def _fit_steps(self, params, state, X, Y, random_state, rates, cfg):
        n, batch = len(X), cfg["batch"]
        params = [jnp.asarray(p) for p in params]
        state = jax.tree.map(jnp.asarray, state)
        self.compile_seconds_ = self._step_compile(params, state, X, Y, rates[0, 0], cfg)
        order, curve = np.arange(n, dtype=np.int32), []
        for epoch in range(self.epochs):
            permutation = np.arange(n)
            random_state.shuffle(permutation)
            order = order[permutation]
            total = jnp.zeros((), X.dtype)
            for step, start in enumerate(range(0, n, batch)):
                rows = order[start:start + batch]
                params, state, loss = _step_jit(params, state, X, Y, rows, rates[epoch, step],
                                                cfg=cfg)
                total = total + loss * len(rows)
            curve.append(total / n)
        return params, [float(loss) for loss in curve]

    @staticmethod
    def _step_compile(params, state, X, Y, lr, cfg):
        """The step's compile seconds for each batch shape of this fit (its first call minus
        its second, results dropped: the step is pure), measured once per signature."""
        n, batch = len(X), cfg["batch"]
        seconds = 0.0
        for size in sorted({batch, n % batch} - {0}):
            rows = np.arange(size, dtype=np.int32)
            key = _signature(cfg, params, state, X, Y, rows, lr)
            if key not in _STEP_COMPILE:
                calls = []
                for _ in range(2):
                    start = time.perf_counter()
                    jax.block_until_ready(_step_jit(params, state, X, Y, rows, lr, cfg=cfg))
                    calls.append(time.perf_counter() - start)
                _STEP_COMPILE[key] = calls[0] - calls[1]
            seconds += _STEP_COMPILE[key]
        return seconds

    def _output(self, X):
        n_layers = len(self.params_) // 2
        return _predict(self.params_[:n_layers], self.params_[n_layers:], jnp.asarray(X),
                        activation=self.activation, output=self.out_activation_)

    def predict_proba(self, X):
        P = np.asarray(self._output(X))
        return np.hstack([1 - P, P]) if P.shape[1] == 1 else P

    def predict(self, X):
        if self.task == "regress":
            return np.asarray(self._output(X))[:, 0]
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y):
        from sklearn.metrics import accuracy_score, r2_score

        metric = r2_score if self.task == "regress" else accuracy_score
        return metric(y, self.predict(X))


_predict = jax.jit(lambda coefs, intercepts, X, activation, output:
                   _forward(coefs, intercepts, X, activation, output)[-1],
                   static_argnames=("activation", "output"))
