"""The input check of predict: scikit-learn's, minus its per-call cost when it can only
pass the input through unchanged."""

import math

import numpy as np
from sklearn.utils.validation import validate_data

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def all_finite(X):
    """True when X is known to hold only finite values: checked element by element when X
    is small (cheapest there), else through its sum, which is finite only then (a sum that
    overflows says nothing, and sends X to the full validation)."""
    if X.size <= 65536:
        return bool(np.isfinite(X).all())
    with np.errstate(over="ignore", invalid="ignore"):
        return math.isfinite(X.sum())


def validated_for_predict(estimator, X):
    """validate_data(reset=False), skipped for an input it would pass through unchanged:
    a C-contiguous float ndarray of the right width with finite values (and no feature
    names to compare). Anything else, errors included, takes scikit-learn's path."""
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in FLOAT_DTYPES
        and X.flags.c_contiguous
        and X.shape[0] > 0
        and X.shape[1] == estimator.n_features_in_
        and not hasattr(estimator, "feature_names_in_")
        and all_finite(X)
    ):
        return X
    return validate_data(estimator, X, accept_sparse=["csr", "csc"], reset=False)
