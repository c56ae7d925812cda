"""Matrix products on bendernet's C kernels, for use outside the estimators.

>>> import numpy as np
>>> from bendernet import ops
>>> ops.matmul([[1, 2], [3, 4]], np.eye(2))
array([[1., 2.],
       [3., 4.]])
>>> ops.dense([[1.0, -2.0]], [[1.0], [1.0]], [0.5], activation="relu")
array([[0.]])

Both accept arrays of any memory layout (transposes, Fortran order, slices with steps) and
read them in place, through the strides: no operand is copied to be made contiguous.
"""

import numpy as np

from bendernet import _kernels, activations

__all__ = ["matmul", "dense"]


def _matrix(x, name):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got an array of {x.ndim} dimension(s).")
    return x


def _common_dtype(*arrays):
    """NumPy's promotion of the operands, with integers and booleans computed in float64
    and float16 in float32 (the kernels exist in float32 and float64 only)."""
    dtype = np.result_type(*arrays)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype == np.float16:
        return np.dtype(np.float32)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"bendernet.ops works on real numbers; got an array of dtype {dtype}.")
    return dtype


def _operand(x, dtype):
    """x in dtype, as it is when the kernels can read it through its strides, else a copy
    (a new array is aligned, its strides whole elements)."""
    x = x.astype(dtype, copy=False)
    if not x.flags.aligned or any(stride % x.itemsize for stride in x.strides):
        x = x.copy()
    return x


def _check_inner(A, B):
    if A.shape[1] != B.shape[0]:
        raise ValueError(
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
            f"signature (n?,k),(k,m?)->(n?,m?) (size {B.shape[0]} is different from "
            f"{A.shape[1]})")


def matmul(A, B):
    """The matrix product A @ B of two 2-D arrays, as a new C-contiguous array.

    Parameters
    ----------
    A : array_like of shape (m, k)
    B : array_like of shape (k, n)
        Real numbers in any memory layout. The result's dtype is NumPy's promotion of
        the two, except that integers and booleans give float64 (and float16 float32).

    Returns
    -------
    ndarray of shape (m, n)
        Equal to ``numpy.matmul(A, B)`` up to rounding; the inputs are not modified.

    Raises
    ------
    ValueError
        If an operand is not 2-D or the inner dimensions differ.
    TypeError
        If an operand is not real (complex, object, ...).
    """
    C = _kernels.ready_product(A, B)
    if C is not None:
        return C
    A = _matrix(A, "A")
    B = _matrix(B, "B")
    _check_inner(A, B)
    dtype = _common_dtype(A, B)
    C = np.empty((A.shape[0], B.shape[1]), dtype=dtype)
    _kernels.gemm(C, _operand(A, dtype), _operand(B, dtype))
    return C


def dense(X, W, b, activation="identity", alpha=None):
    """A fully connected layer, ``f(X @ W + b)``, with the bias and the activation fused
    into the product (applied to each tile of the result while it is in cache).

    Parameters
    ----------
    X : array_like of shape (m, k)
        The layer's input, one sample per row.
    W : array_like of shape (k, n)
        The weights.
    b : array_like of shape (n,), or None
        The bias added to every row (None: no bias).
    activation : str, default="identity"
        One of :data:`bendernet.activations.NAMES`.
    alpha : float, optional
        PReLU's slope for negative inputs (default 0.25) or ELU's scale (default 1.0);
        other activations take none.

    Returns
    -------
    ndarray of shape (m, n)
        A new C-contiguous array in the promoted dtype of X, W and b (as :func:`matmul`);
        the inputs are not modified.

    Raises
    ------
    ValueError
        On operands of the wrong shape, an unknown activation or a misplaced alpha.
    """
    code = activations.code(activation)
    alpha = activations._alpha(activation, alpha)
    U = _kernels.ready_product(X, W, b, code, alpha)
    if U is not None:
        return U
    X = _matrix(X, "X")
    W = _matrix(W, "W")
    _check_inner(X, W)
    n = W.shape[1]
    operands = [X, W]
    if b is not None:
        b = np.asarray(b)
        if b.shape != (n,):
            raise ValueError(f"b must have shape ({n},) to match W's columns, got {b.shape}.")
        operands.append(b)
    dtype = _common_dtype(*operands)
    bias = None if b is None else _operand(np.ascontiguousarray(b), dtype)
    U = np.empty((X.shape[0], n), dtype=dtype)
    _kernels.gemm_bias_activation(U, None, _operand(X, dtype), _operand(W, dtype), bias,
                                  code, alpha)
    return U
