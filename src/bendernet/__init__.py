"""bendernet: a compact multi-layer perceptron with C kernels under scikit-learn's API."""

from bendernet import activations, ops, reference

__all__ = ["activations", "ops", "reference"]
__version__ = "0.1.0"
