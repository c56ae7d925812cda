"""bendernet: a compact multi-layer perceptron with C kernels under scikit-learn's API.

>>> from bendernet import MLPClassifier   # instead of sklearn.neural_network's
"""

import importlib

__all__ = [
    "MLPClassifier", "MLPRegressor", "activations", "loss_gradient", "ops", "reference",
    "to_sklearn",
]
__version__ = "0.1.0"

# Where each public name lives. Imported on first use (PEP 562), so that importing
# bendernet.reference, the pure-NumPy oracle, never loads the compiled extension.
_HOMES = {
    "MLPClassifier": ("bendernet._estimators", "MLPClassifier"),
    "MLPRegressor": ("bendernet._estimators", "MLPRegressor"),
    "activations": ("bendernet.activations", None),
    "loss_gradient": ("bendernet._gradient", "loss_gradient"),
    "ops": ("bendernet.ops", None),
    "reference": ("bendernet.reference", None),
    "to_sklearn": ("bendernet._interop", "to_sklearn"),
}


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module 'bendernet' has no attribute {name!r}")
    module_name, attribute = _HOMES[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
