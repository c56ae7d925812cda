"""bendernet: a compact multi-layer perceptron with C kernels under scikit-learn's API.

>>> from bendernet import MLPClassifier   # instead of sklearn.neural_network's
"""

from bendernet import activations, ops, reference
from bendernet._estimators import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "activations", "ops", "reference"]
__version__ = "0.1.0"
