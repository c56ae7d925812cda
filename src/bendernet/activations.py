"""The activation functions of the talk, forward and derivative, on the C kernels.

>>> from bendernet import activations
>>> activations.forward("relu", [-1.0, 2.0])
array([0., 2.])
>>> activations.derivative("tanh", 0.0)
array(1.)
"""

import numbers

import numpy as np

from bendernet import _kernels
from bendernet._codes import ACTIVATIONS

#: Every activation, in the order of the C enum ``bn_activation``.
NAMES = ACTIVATIONS

#: The alpha each parametrised activation uses when none is given.
DEFAULT_ALPHA = {"prelu": 0.25, "elu": 1.0}


def code(name):
    """The C enum value of an activation name; ValueError naming the valid ones otherwise."""
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(f"Unknown activation {name!r}; expected one of {', '.join(NAMES)}.")
    return NAMES.index(name)


def _alpha(name, alpha):
    if alpha is None:
        return DEFAULT_ALPHA.get(name, 0.0)
    if name not in DEFAULT_ALPHA:
        raise ValueError(f"alpha applies to prelu and elu only, not to {name!r}.")
    # numbers.Real first: np.isfinite raises a TypeError of its own on a string or complex
    if not isinstance(alpha, numbers.Real) or not np.isfinite(alpha):
        raise ValueError(f"alpha must be a finite number, got {alpha!r}.")
    return float(alpha)


def _as_float_array(x):
    x = np.asarray(x)
    if x.dtype in (np.float32, np.float64):
        return x
    if x.dtype.kind in "biu":
        return x.astype(np.float64)
    raise TypeError(f"activations take real numbers; got an array of dtype {x.dtype}.")


def _apply(kernel, name, x, alpha):
    act = code(name)
    alpha = _alpha(name, alpha)
    x = _as_float_array(x)
    flat_in = np.ascontiguousarray(x).reshape(-1)
    flat_out = np.empty_like(flat_in)
    kernel(flat_out, flat_in, act, alpha)
    return flat_out.reshape(x.shape)


def forward(name, x, alpha=None):
    """f(x) elementwise: a new array of x's shape and float dtype (x is never modified).

    ``alpha`` is PReLU's slope for x < 0 (default 0.25) and ELU's scale (default 1.0).
    """
    return _apply(_kernels.activation_forward, name, x, alpha)


def derivative(name, x, alpha=None):
    """f'(x) elementwise at the pre-activation x, as a new array of x's shape and dtype.

    identity 1; step 0; logistic f(1-f); tanh 1-f^2; arctan 1/(x^2+1); relu 0 for x<0 else 1;
    prelu alpha for x<0 else 1; elu f+alpha for x<0 else 1; softplus 1/(1+e^-x).
    """
    return _apply(_kernels.activation_derivative, name, x, alpha)
