"""The loss and its gradient at a fitted model's parameters: what one training step sees.

The talk's backpropagation, exposed so that it can be checked (against finite differences,
or between backends) without training: the same kernels and the same loss as ``fit``.
"""

from typing import NamedTuple

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from bendernet._predict_input import validated


class LossGradient(NamedTuple):
    """The mean loss over the N samples (with the L2 penalty ``alpha``) and its gradient,
    shaped as the model's parameters."""

    loss: float
    coefs: list
    intercepts: list
    prelu_alpha: np.ndarray | None


def loss_gradient(model, X, y, sample_weight=None):
    """The loss ``model`` minimises, and its gradient, at its current parameters.

    Parameters
    ----------
    model : fitted MLPClassifier or MLPRegressor
        Its ``coefs_``, ``intercepts_`` (and ``prelu_alpha_``) are read, never changed; its
        ``backend`` computes (the C kernels, or the NumPy reference).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Class labels the model knows (classifier) or targets (regressor).
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    LossGradient
        ``loss`` as ``fit`` computes it (the mean over samples plus
        ``alpha / (2 N) * sum(W**2)``), and ``coefs``, ``intercepts``, ``prelu_alpha``:
        its derivatives with respect to each parameter, in the parameters' shapes.
    """
    check_is_fitted(model, "coefs_")
    X = validated(model, X)
    if is_classifier(model):
        unknown = np.setdiff1d(unique_labels(y), model.classes_)
        if len(unknown):
            raise ValueError(f"y has classes the model does not know: {unknown}; "
                             f"model.classes_ is {model.classes_}.")
        T = model._label_binarizer.transform(np.asarray(y))
    else:
        T = np.asarray(y, dtype=np.float64)
    T = T.reshape(len(T), -1)
    if T.shape != (X.shape[0], model.n_outputs_):
        raise ValueError(
            f"y holds {T.shape[1]} output(s) for {T.shape[0]} sample(s); the model has "
            f"{model.n_outputs_} output(s) and X {X.shape[0]} sample(s)."
        )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X)
    dtype = np.result_type(X.dtype, *model.coefs_, *model.intercepts_, np.float32)
    network = model._network(dtype)
    evaluate = network.loss_and_gradient(X, T, sample_weight, model.alpha)
    loss, G = evaluate(model._flat_params(network))
    coefs, intercepts, slopes = network.unpack(G)
    return LossGradient(float(loss), list(coefs), list(intercepts), slopes)
