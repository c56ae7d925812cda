"""The input check of predict: scikit-learn's, minus its per-call cost when it can only
pass the input through unchanged."""

import numpy as np
from sklearn.utils.validation import validate_data

from bendernet import _kernels

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def validated_for_predict(estimator, X):
    """validate_data(reset=False), skipped for an input it would pass through unchanged:
    a C-contiguous, aligned float ndarray of the right width with finite values (and no
    feature names to compare). Anything else, errors included, takes scikit-learn's path."""
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in FLOAT_DTYPES
        and X.flags.c_contiguous
        and X.flags.aligned
        and X.shape[0] > 0
        and X.shape[1] == estimator.n_features_in_
        and not hasattr(estimator, "feature_names_in_")
        and _kernels.all_finite(X.reshape(-1))
    ):
        return X
    return validate_data(estimator, X, accept_sparse=["csr", "csc"], reset=False)
