"""The benchmark workloads W1–W5: data, hyper-parameters and sizes, defined once.

Every system (bendernet C, bendernet's NumPy backend, scikit-learn, PyTorch) trains on the
same arrays with the same hyper-parameters, seed and number of epochs. Scores are measured on
the training set where the workload fixes the data (W1 digits, W3 XOR) and on a held-out set
drawn from the same generator for the synthetic workloads (W2, W5).

``BENDERNET_BENCH_SMOKE=1`` shrinks every size and epoch count so the suite runs in seconds:
it checks that the benchmarks still work, not how fast they are.
"""

import functools
import os
from dataclasses import dataclass, field

import numpy as np

from bench import flops

SMOKE = os.environ.get("BENDERNET_BENCH_SMOKE", "") not in ("", "0")
SEED = 0


def smoke_or(full, smoke):
    """``smoke`` in smoke mode, else ``full``."""
    return smoke if SMOKE else full


@dataclass(frozen=True)
class Workload:
    key: str  # "W1-f64": test id and row of the report
    group: str  # the pytest-benchmark group: what every system in it does
    task: str  # "classify" or "regress"
    data: str  # name of the data function below
    dtype: type
    hidden: tuple
    epochs: int
    batch_size: int
    solver: str = "adam"
    activation: str = "relu"
    learning_rate_init: float = 0.001
    extra: dict = field(default_factory=dict)  # further sklearn parameters

    def params(self):
        """Constructor parameters shared by scikit-learn and bendernet (and read by torch).

        ``tol=0`` and ``n_iter_no_change=epochs`` make every system run every epoch."""
        return dict(
            hidden_layer_sizes=self.hidden,
            activation=self.activation,
            solver=self.solver,
            batch_size=self.batch_size,
            learning_rate_init=self.learning_rate_init,
            max_iter=self.epochs,
            tol=0.0,
            n_iter_no_change=self.epochs,
            random_state=SEED,
            **self.extra,
        )

    def arrays(self):
        """(X, y, X_eval, y_eval) in this workload's dtype."""
        X, y, X_eval, y_eval = DATA[self.data]()
        return X.astype(self.dtype, copy=False), y, X_eval.astype(self.dtype, copy=False), y_eval

    def updates(self):
        """Optimizer steps in one fit: epochs × mini-batches per epoch."""
        n = len(self.arrays()[0])
        return self.epochs * -(-n // min(self.batch_size, n))


# ---- data ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def digits():
    """sklearn's bundled digits, 1797×64, standardized; scored on the training set."""
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, y, X, y


@functools.lru_cache(maxsize=None)
def synthetic_classes():
    """60000×784 float32 Gaussian inputs, 10 classes from a noisy random linear map."""
    n, n_eval, d, k = smoke_or(60_000, 2_000), smoke_or(10_000, 500), 784, 10
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((n + n_eval, d), dtype=np.float32)
    W = rng.standard_normal((d, k)).astype(np.float32) / np.float32(np.sqrt(d))
    y = np.argmax(X @ W + 0.3 * rng.standard_normal((n + n_eval, k), dtype=np.float32), axis=1)
    return X[:n], y[:n], X[n:], y[n:]


@functools.lru_cache(maxsize=None)
def xor():
    """The four XOR points; scored on themselves."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return X, y, X, y


@functools.lru_cache(maxsize=None)
def synthetic_regression():
    """20000×50 float64 Gaussian inputs; a smooth nonlinear target plus noise."""
    n, n_eval, d = smoke_or(20_000, 2_000), smoke_or(5_000, 500), 50
    rng = np.random.default_rng(SEED + 5)
    X = rng.standard_normal((n + n_eval, d))
    a, b, c = (rng.standard_normal(d) / np.sqrt(d) for _ in range(3))
    y = np.sin(X @ a) + np.tanh(X @ b) * (X @ c) + 0.1 * rng.standard_normal(n + n_eval)
    return X[:n], y[:n], X[n:], y[n:]


WIDTH_ROWS = smoke_or(20_000, 1_000)


@functools.lru_cache(maxsize=None)
def synthetic_classes_head():
    """The first WIDTH_ROWS rows of W2's data (``synthetic_classes``), the same held-out set."""
    X, y, X_eval, y_eval = synthetic_classes()
    return X[:WIDTH_ROWS], y[:WIDTH_ROWS], X_eval, y_eval


DATA = {
    "digits": digits,
    "synthetic_classes": synthetic_classes,
    "synthetic_classes_head": synthetic_classes_head,
    "xor": xor,
    "synthetic_regression": synthetic_regression,
}


# ---- the workloads --------------------------------------------------------------------------

W1_EPOCHS = smoke_or(200, 5)
W1_F64 = Workload("W1-f64", f"W1 digits fit f64, (100,), {W1_EPOCHS} epochs", "classify",
                  "digits", np.float64, (100,), W1_EPOCHS, 200)
W1_F32 = Workload("W1-f32", f"W1 digits fit f32, (100,), {W1_EPOCHS} epochs", "classify",
                  "digits", np.float32, (100,), W1_EPOCHS, 200)
W2_EPOCHS = smoke_or(2, 1)
W2 = Workload("W2", f"W2 synthetic {smoke_or('60000', '2000')}x784 fit f32, (256,128), "
              f"{W2_EPOCHS} epochs", "classify", "synthetic_classes", np.float32,
              (256, 128), W2_EPOCHS, 128)
W3_EPOCHS = smoke_or(2000, 50)
W3 = Workload("W3", f"W3 XOR fit, (4,) tanh sgd, batch 1, {W3_EPOCHS} epochs", "classify",
              "xor", np.float64, (4,), W3_EPOCHS, 1, solver="sgd", activation="tanh",
              learning_rate_init=0.1)
W5_EPOCHS = smoke_or(20, 2)
W5 = Workload("W5", f"W5 regression {smoke_or('20000', '2000')}x50 fit f64, (64,64), "
              f"{W5_EPOCHS} epochs", "regress", "synthetic_regression", np.float64,
              (64, 64), W5_EPOCHS, 200)
CONTENDED_EPOCHS = smoke_or(20, 3)
W1_SHORT = Workload("W1-short", f"contended W1 digits fit f64, {CONTENDED_EPOCHS} epochs, "
                    "one core kept busy", "classify", "digits", np.float64, (100,),
                    CONTENDED_EPOCHS, 200)

FIT = [W1_F64, W1_F32, W2, W3, W5]

# W4: predict_proba of the W1 (f64) model on one row and on many rows of digits.
W4_ROWS = [1, smoke_or(100_000, 1_000)]


def predict_rows(n_rows):
    """``n_rows`` rows of the standardized digits and their labels (the first row alone, or
    rows drawn with replacement under a fixed seed)."""
    X, y = digits()[:2]
    rows = [0] if n_rows == 1 else np.random.default_rng(SEED + 4).integers(0, len(X), n_rows)
    return X[rows], y[rows]


# Layer shapes (batch m, inputs k, outputs n, dtype) of W1 and W2 for the kernel groups.
LAYERS = [
    ("W1 layer 1", 200, 64, 100, np.float64),
    ("W1 layer 2", 200, 100, 10, np.float64),
    ("W2 layer 1", 128, 784, 256, np.float32),
    ("W2 layer 2", 128, 256, 128, np.float32),
    ("W2 layer 3", 128, 128, 10, np.float32),
]


# ---- the width cliff (issue 19) -------------------------------------------------------------
# Layers of 1024 or 2048 units (rows of W 4 or 8 KiB apart in float32, 512 units in float64)
# once trained at a third of the speed of their neighbours. Each power of two is timed beside
# its neighbour 8 units narrower, in the two forward products of a network: a first layer
# (batch x 784 @ 784 x h) and a hidden one (batch x h @ h x h), both precisions. A smoke run
# keeps one width and one batch.
WIDTHS = smoke_or([512, 1024, 2048], [512])
WIDTH_BATCHES = smoke_or([128, 256], [128])
WIDTH_NEIGHBOUR = 8


def width_products():
    """(width, power of two, layer, m, k, n, dtype) of every product the cliff bench times."""
    products = []
    for dtype in (np.float32, np.float64):
        for batch in WIDTH_BATCHES:
            for power in WIDTHS:
                for width in (power - WIDTH_NEIGHBOUR, power):
                    products.append((width, power, "input", batch, 784, width, dtype))
                    products.append((width, power, "hidden", batch, width, width, dtype))
    return products


def width_fit(hidden, dtype):
    name = np.dtype(dtype).name
    return Workload(f"width-{hidden}-{name}", f"width fit {name}, ({hidden},), batch 256, "
                    f"{WIDTH_ROWS}x784 of W2's data, 1 epoch", "classify",
                    "synthetic_classes_head", dtype, (hidden,), 1, 256)


# (1024,) beside its neighbour (1000,), batch 256: the fit the cliff was first seen in
WIDTH_FITS = [width_fit(hidden, dtype) for dtype in (np.float32, np.float64)
              for hidden in (1000, 1024)]


def sizes(workload):
    """The network's widths, input to output, as sklearn and bendernet build it: one output
    for a regression or two classes, one per class above two."""
    X, y = workload.arrays()[:2]
    classes = len(np.unique(y)) if workload.task == "classify" else 1
    return flops.layer_sizes(X.shape[1], workload.hidden, 1 if classes == 2 else classes)


def fit_flops(workload):
    """FLOPs of one fit's products (bench/flops.py says what is counted)."""
    return flops.fit_flops(sizes(workload), len(workload.arrays()[0]), workload.epochs)
