"""The input check of predict: scikit-learn's, minus its per-call cost when it can only
pass the input through unchanged."""

import numpy as np
from sklearn.utils.validation import validate_data

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def validated_for_predict(estimator, X):
    """(X, finite_unchecked): validate_data(reset=False), skipped for an input it would pass
    through unchanged if its values are finite: a C-contiguous, aligned float ndarray of
    the right width (and no feature names to compare). Its values are left to the C
    predict, which checks each chunk as it reads it (finite_unchecked True): X then comes
    from memory once, not twice. Anything else takes scikit-learn's path."""
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in FLOAT_DTYPES
        and X.flags.c_contiguous
        and X.flags.aligned
        and X.shape[0] > 0
        and X.shape[1] == estimator.n_features_in_
        and not hasattr(estimator, "feature_names_in_")
    ):
        return X, True
    return validated(estimator, X), False


def validated(estimator, X):
    """scikit-learn's check of predict's input: it raises on a NaN or an infinity (unless
    its configuration says assume_finite)"""
    return validate_data(estimator, X, accept_sparse=["csr", "csc"], reset=False)
