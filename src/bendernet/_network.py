"""The bridge between an estimator and a kernel backend.

A network's parameters live in one flat buffer (coefficients, then intercepts, then the
PReLU slopes), as the C core wants them; the estimator's ``coefs_`` and ``intercepts_`` are
views into it. Everything here calls the backend once per epoch or once per predict.
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from bendernet import _kernels, reference
from bendernet._codes import OUTPUTS, PRELU, layer_codes
from bendernet._layout import Layout, param_count

BACKENDS = {"c": _kernels, "numpy": reference}

# Rows predicted per pass of the network. Chunks run on threads of their own, one
# workspace each; a lone chunk (a predict of up to this many rows) gets the threads inside
# its products instead, which pays for large enough products. predict_proba of 100,000
# rows through the W1 model took 28.5, 28.1 and 28.5 ms in chunks of 512, 1024 and 2048.
PREDICT_CHUNK_ROWS = 2048


def c_array(x, dtype):
    """x as the kernels read an array: C-contiguous, of dtype, in aligned memory; x itself
    when it is one already. (NumPy passes a misaligned array through, and the C core may
    not read a double from an address that is not a multiple of 8.)"""
    x = np.ascontiguousarray(x, dtype=dtype)
    return x if x.flags.aligned else x.copy()


class LayerInput(NamedTuple):
    """A network's input as both backends take it (spread as five arguments): dense, the
    row-major values with indptr and indices None; CSR, its nonzeros, indptr and indices
    (int64)."""

    values: np.ndarray
    indptr: np.ndarray | None
    indices: np.ndarray | None
    n_rows: int
    n_cols: int


def layer_input(X, dtype):
    """X as the kernels read it (a LayerInput): a dense X as a C-contiguous array (see
    c_array), a sparse one in CSR with int64 indices.

    Never the caller's arrays when sparse: its nonzeros are copied (not densified)."""
    # (an ndarray skips the sparse test, and the shape is passed unspread: each costs a
    # one-row predict a few percent)
    if type(X) is not np.ndarray and sp.issparse(X):
        csr = X.tocsr(copy=True)
        return LayerInput(csr.data.astype(dtype, copy=False), csr.indptr.astype(np.int64),
                          csr.indices.astype(np.int64), *csr.shape)
    X = c_array(X, dtype)
    if X.ndim != 2:
        raise ValueError(f"a layer input must be 2-D, got an array of {X.ndim} dimension(s).")
    n_rows, n_cols = X.shape
    return LayerInput(X.reshape(-1), None, None, n_rows, n_cols)


class Network:
    """Shape, activations and backend of an MLP; packs and unpacks its flat parameters.

    activation is one name for every hidden layer or a tuple or list of one per hidden
    layer (ValueError naming a bad one); self.activation holds the code of each, as the C
    core reads them."""

    def __init__(self, units, activation, output, dtype, backend="c"):
        self.units = np.asarray(units, dtype=np.int64)
        codes = layer_codes(activation, max(len(self.units) - 2, 0), names_only=True)
        self.activation = np.array(codes, dtype=np.intc)
        self.output = OUTPUTS.index(output)
        self.dtype = np.dtype(dtype)
        self.kernels = BACKENDS[backend]
        self.n_params = param_count(self.units, self.activation)
        # a plain int: a NumPy one in the output's shape costs a one-row predict 0.1 us
        self.n_outputs = int(self.units[-1])
        # a boolean per hidden layer: whether it is PReLU (its slope learned); and whether
        # the flat buffer holds a slope per hidden layer (one is). Read on every predict.
        self.prelu_layers = self.activation == PRELU
        self.has_slopes = bool(self.prelu_layers.any())
        self._workspace_lengths = {}

    @property
    def n_layers(self):
        return len(self.units) - 1

    def pack(self, coefs, intercepts, slopes=None):
        """A new flat buffer holding coefs, intercepts and (PReLU) slopes."""
        parts = [np.ravel(c) for c in coefs] + [np.ravel(b) for b in intercepts]
        if self.has_slopes:
            parts.append(np.ravel(slopes))
        flat = np.concatenate(parts).astype(self.dtype, copy=False)
        if flat.shape != (self.n_params,):
            raise ValueError(
                f"coefs_ and intercepts_ hold {flat.size} values; a network with layer "
                f"sizes {self.units.tolist()} needs {self.n_params}."
            )
        return flat

    def _unused_slopes(self):
        """which slope slots belong to hidden layers that are not PReLU (never read)"""
        return ~self.prelu_layers if self.has_slopes else self.prelu_layers[:0]

    def without_nan_slopes(self, flat):
        """flat with 0 in the unused slope slots, as a copy (flat itself if it has none):
        the start SciPy's L-BFGS needs, which a NaN would stop"""
        unused = self._unused_slopes()
        if not unused.any():
            return flat
        flat = flat.copy()
        self.unpack(flat)[2][unused] = 0
        return flat

    def with_nan_slopes(self, flat):
        """flat, its unused slope slots set to NaN in place (as prelu_alpha_ shows them)"""
        unused = self._unused_slopes()
        if unused.any():
            self.unpack(flat)[2][unused] = np.nan
        return flat

    def unpack(self, flat):
        """Views of flat as (coefs, intercepts, slopes or None)."""
        layout = Layout(flat, self.units, self.activation)
        return layout.W, layout.b, layout.slope

    def workspace(self, rows, copies=1):
        lengths = self._workspace_lengths   # (asked on every predict; never changes)
        if rows not in lengths:
            lengths[rows] = self.kernels.workspace_len(self.units, self.activation, rows)
        return np.empty(copies * lengths[rows], dtype=self.dtype)

    def predict(self, flat, X, check_finite=False):
        """The network's output for every row of X (validated, dense or sparse); with
        check_finite, None if a dense X holds a NaN or an infinity."""
        X = layer_input(X, self.dtype)
        Y = np.empty((X.n_rows, self.n_outputs), dtype=self.dtype)
        chunk = max(1, min(PREDICT_CHUNK_ROWS, X.n_rows))
        # one workspace per thread that may run chunks at once
        threads = 1 if X.n_rows <= chunk else min(-(-X.n_rows // chunk),
                                                  self.kernels.max_threads())
        finite = self.kernels.predict(Y, self.workspace(chunk, threads), flat, self.units,
                                      self.activation, self.output, *X, chunk, check_finite)
        return Y if finite else None

    def loss_and_gradient(self, X, y, sample_weight, l2):
        """f(flat) = (loss, gradient as a new flat array) over all rows of X against y, with
        X, y and the workspace made ready once, for an optimizer that calls f many times."""
        X, T, sw = self._training_data(X, y, sample_weight)
        workspace = self.workspace(X.n_rows)

        def evaluate(flat):
            G = np.empty_like(flat)
            loss = self.kernels.loss_grad(G, workspace, flat, self.units, self.activation,
                                          self.output, l2, *X, T, sw)
            return loss, G

        return evaluate

    def epochs(self, flat, optimizer, X, y, sample_weight, batch_size, l2):
        """The kernels' Epochs for one fit of flat on X and y: run(order) is one epoch, at
        the optimizer's hyper-parameters of the moment."""
        X, T, sw = self._training_data(X, y, sample_weight)
        return self.kernels.Epochs(self, optimizer, P=flat, G=np.empty_like(flat),
                                   workspace=self.workspace(batch_size), X=X, T=T, sw=sw,
                                   l2=l2, batch_size=batch_size)

    def _training_data(self, X, y, sample_weight):
        """X, the targets y (a classifier's as a 0/1 indicator) and the sample weights as
        the kernels read them, in the network's precision"""
        sw = None if sample_weight is None else c_array(sample_weight, self.dtype)
        return layer_input(X, self.dtype), c_array(y, self.dtype), sw
