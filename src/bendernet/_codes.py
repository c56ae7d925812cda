"""Every name and code the C core and Python share, written once for Python.

The C enums in ``csrc/bendernet.h`` number activations and outputs in the order of these
tuples; ``tests/test_codes.py`` checks them against the compiled values, name by name. (The
optimizers have a list of their own, csrc/network/optimizers.def, which
``bendernet._optimizer.OPTIMIZERS`` follows.) Pure Python, so that ``bendernet.reference`` runs without the extension.
"""

#: Hidden-layer activations, in the order of the C enum ``bn_activation``.
ACTIVATIONS = ("identity", "step", "logistic", "tanh", "arctan", "relu", "prelu", "elu",
               "softplus")

#: Output layers (each paired with its loss), in the order of the C enum ``bn_output``.
OUTPUTS = ("identity", "logistic", "softmax", "exp")

#: The C core's limit on the depth of a network, in layers of weights (``BN_MAX_LAYERS``).
MAX_LAYERS = 64

IDENTITY, STEP, LOGISTIC, TANH, ARCTAN, RELU, PRELU, ELU, SOFTPLUS = range(len(ACTIVATIONS))
OUT_IDENTITY, OUT_LOGISTIC, OUT_SOFTMAX, OUT_EXP = range(len(OUTPUTS))
