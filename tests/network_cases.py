"""Random networks, data and targets for the layer and network kernel tests."""

import numpy as np

from bendernet import _kernels as C
from bendernet import reference as R
from bendernet._layout import Layout, param_count
from helpers import input_parts, layer_input


def targets(rng, output, n_rows, n_out, dtype):
    """Targets the output's loss accepts: real, 0/1, one-hot rows or counts."""
    if output == R.OUT_IDENTITY:
        T = rng.standard_normal((n_rows, n_out))
    elif output == R.OUT_LOGISTIC:
        T = rng.integers(0, 2, (n_rows, n_out))
    elif output == R.OUT_SOFTMAX:
        T = np.eye(n_out)[rng.integers(0, n_out, n_rows)]
    else:
        T = rng.poisson(2.0, (n_rows, n_out))
    return np.ascontiguousarray(T, dtype=dtype)


def parameters(rng, units, activation, dtype):
    """A flat parameter buffer, weights scaled by fan-in as an initialiser would, PReLU
    slopes spread over both signs."""
    P = np.empty(param_count(units, activation), dtype=dtype)
    layout = Layout(P, units, activation)
    for W in layout.W:
        W[...] = rng.standard_normal(W.shape) / np.sqrt(W.shape[0])
    for b in layout.b:
        b[...] = 0.5 * rng.standard_normal(b.shape)
    if layout.slope is not None:
        layout.slope[...] = rng.uniform(-0.5, 1.0, layout.slope.shape)
    return P


class Problem:
    """One network (units, activation, output, l2) with data X, T, sample weights sw."""

    def __init__(self, rng, units, activation, output, dtype, n_rows, sparse=False,
                 weighted=False, l2=0.0):
        self.units = np.asarray(units, dtype=np.int64)
        self.activation, self.output, self.l2, self.dtype = activation, output, l2, dtype
        self.X = layer_input(rng, n_rows, units[0], dtype, sparse)
        self.parts = input_parts(self.X)
        self.T = targets(rng, output, n_rows, units[-1], dtype)
        self.sw = rng.uniform(0.1, 3.0, n_rows).astype(dtype) if weighted else None
        self.P = parameters(rng, units, activation, dtype)

    def __repr__(self):     # what hypothesis prints for a failing example
        sparse = hasattr(self.X, "indptr")
        return (f"Problem(units={self.units.tolist()}, activation={self.activation}, "
                f"output={self.output}, dtype={np.dtype(self.dtype).name}, "
                f"n_rows={self.X.shape[0]}, sparse={sparse}, weighted={self.sw is not None}, "
                f"l2={self.l2})")

    def workspace(self, m, copies=1):
        return np.empty(copies * C.workspace_len(self.units, self.activation, m),
                        dtype=self.dtype)

    def loss_grad(self, kernels, P=None):
        """(loss, G) at P (default: the problem's parameters) through one backend."""
        P = self.P if P is None else P
        G = np.full_like(P, np.nan)
        loss = kernels.loss_grad(G, self.workspace(self.X.shape[0]), P, self.units,
                                 self.activation, self.output, self.l2, *self.parts,
                                 self.T, self.sw)
        return loss, G
