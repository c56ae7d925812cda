"""The bridge between an estimator and a kernel backend.

A network's parameters live in one flat buffer (coefficients, then intercepts, then the
PReLU slopes), as the C core wants them; the estimator's ``coefs_`` and ``intercepts_`` are
views into it. Everything here calls the backend once per epoch or once per predict.
"""

import numpy as np
import scipy.sparse as sp

from bendernet import _kernels, activations, reference

BACKENDS = {"c": _kernels, "numpy": reference}
OUTPUTS = ("identity", "logistic", "softmax", "exp")

# The C core's limit on the depth of a network (MAX_LAYERS in csrc/network/mlp.c)
MAX_LAYERS = 64

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


def layer_input(X, dtype):
    """X as the kernels read it: a C-contiguous ndarray (see c_array) or a CSR matrix with
    int64 indices.

    Never the caller's object: a sparse X is copied (its nonzeros, not densified)."""
    if sp.issparse(X):
        csr = X.tocsr(copy=True)
        csr.data = csr.data.astype(dtype, copy=False)
        csr.indices = csr.indices.astype(np.int64)
        csr.indptr = csr.indptr.astype(np.int64)
        return csr
    return c_array(X, dtype)


class Network:
    """Shape, activations and backend of an MLP; packs and unpacks its flat parameters."""

    def __init__(self, units, activation, output, dtype, backend="c"):
        self.units = np.asarray(units, dtype=np.int64)
        if len(self.units) - 1 > MAX_LAYERS:
            raise ValueError(
                f"bendernet trains networks of at most {MAX_LAYERS} layers of weights; "
                f"hidden_layer_sizes asks for {len(self.units) - 1}."
            )
        self.activation = activations.code(activation)
        self.output = OUTPUTS.index(output)
        self.dtype = np.dtype(dtype)
        self.kernels = BACKENDS[backend]
        self.n_params = reference.param_count(self.units, self.activation)

    @property
    def n_layers(self):
        return len(self.units) - 1

    def pack(self, coefs, intercepts, slopes=None):
        """A new flat buffer holding coefs, intercepts and (PReLU) slopes."""
        parts = [np.ravel(c) for c in coefs] + [np.ravel(b) for b in intercepts]
        if self.activation == reference.PRELU:
            parts.append(np.ravel(slopes))
        flat = np.concatenate(parts).astype(self.dtype, copy=False)
        if flat.shape != (self.n_params,):
            raise ValueError(
                f"coefs_ and intercepts_ hold {flat.size} values; a network with layer "
                f"sizes {self.units.tolist()} needs {self.n_params}."
            )
        return flat

    def unpack(self, flat):
        """Views of flat as (coefs, intercepts, slopes or None)."""
        layout = reference._Layout(flat, self.units, self.activation)
        return layout.W, layout.b, layout.slope

    def workspace(self, rows, copies=1):
        return np.empty(copies * self.kernels.workspace_len(self.units, self.activation, rows),
                        dtype=self.dtype)

    def predict(self, flat, X, check_finite=False):
        """The network's output for every row of X (already a layer_input); with
        check_finite, None if a dense X holds a NaN or an infinity."""
        Y = np.empty((X.shape[0], self.units[-1]), dtype=self.dtype)
        chunk = max(1, min(PREDICT_CHUNK_ROWS, X.shape[0]))
        # one workspace per thread that may run chunks at once
        threads = 1 if X.shape[0] <= chunk else min(-(-X.shape[0] // chunk),
                                                      self.kernels.max_threads())
        finite = self.kernels.predict(Y, self.workspace(chunk, threads), flat, self.units,
                                      self.activation, self.output, X,
                                      self.kernels.input_values(X), chunk, check_finite)
        return Y if finite else None

    def loss_grad(self, flat, X, T, sample_weight, l2, workspace):
        """Loss and gradient (a new flat array) of all rows of X."""
        G = np.empty_like(flat)
        loss = self.kernels.loss_grad(G, workspace, flat, self.units, self.activation,
                                      self.output, l2, X, self.kernels.input_values(X), T,
                                      sample_weight)
        return loss, G

    def epochs(self, flat, optimizer, X, T, sample_weight, batch_size, l2, gradient,
               workspace):
        """The kernels' Epochs for one fit: run(order) is one epoch, at the optimizer's
        hyper-parameters of the moment."""
        return self.kernels.Epochs(self, optimizer, P=flat, G=gradient, workspace=workspace,
                                   X=X, T=T, sw=sample_weight, l2=l2, batch_size=batch_size)
