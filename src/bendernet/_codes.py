"""Every name and code the C core and Python share, written once for Python.

The C enums in ``csrc/bendernet.h`` number activations and outputs in the order of these
tuples; ``tests/test_codes.py`` checks them against the compiled values, name by name. (The
optimizers have a list of their own, csrc/network/optimizers.def, which
``bendernet._optimizer.OPTIMIZERS`` follows.) Pure Python, so that ``bendernet.reference`` runs without the extension.
"""

from numbers import Integral

#: Hidden-layer activations, in the order of the C enum ``bn_activation``.
ACTIVATIONS = ("identity", "step", "logistic", "tanh", "arctan", "relu", "prelu", "elu",
               "softplus")

#: Output layers (each paired with its loss), in the order of the C enum ``bn_output``.
OUTPUTS = ("identity", "logistic", "softmax", "exp")

IDENTITY, STEP, LOGISTIC, TANH, ARCTAN, RELU, PRELU, ELU, SOFTPLUS = range(len(ACTIVATIONS))
OUT_IDENTITY, OUT_LOGISTIC, OUT_SOFTMAX, OUT_EXP = range(len(OUTPUTS))


def _layer_code(activation, where, names_only):
    # a code passes as it is (the C core checks its range); a name must be one we have
    if isinstance(activation, Integral) and not names_only:
        return int(activation)
    if activation not in ACTIVATIONS:
        raise ValueError(f"{where}={activation!r} is not one of {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS.index(activation)


def layer_codes(activation, n_hidden, names_only=False):
    """The code of each hidden layer's activation, as a tuple of n_hidden ints.

    activation is one name (or code, unless names_only) for every hidden layer, or a tuple
    or list (or 1-D array) of one per hidden layer. ValueError names the entry that is no
    activation, or says how many were given for how many layers."""
    if isinstance(activation, (str, Integral)):
        return (_layer_code(activation, "activation", names_only),) * n_hidden
    if not hasattr(activation, "__len__"):
        raise ValueError(f"activation must be a name or one name per hidden layer, got "
                         f"{activation!r}.")
    if len(activation) != n_hidden:
        raise ValueError(f"activation gives {len(activation)} activations for {n_hidden} "
                         f"hidden layers: give one per hidden layer, or a single name for "
                         f"all of them.")
    return tuple(_layer_code(a, f"activation[{l}]", names_only)
                 for l, a in enumerate(activation))
