"""The validation set of early stopping, and how each epoch's model is judged on it.

The set is either split off the training data (validation_fraction, scikit-learn's draws)
or given to fit (X_val, y_val, sample_weight_val, checked as HistGradientBoosting checks
them). Each epoch it gets one pass of the network: the validation loss (the loss the
network trains on, without the L2 term, from the kernels' output_loss) and, from the same
outputs, scikit-learn's default score; a scorer named by ``scoring`` predicts on its own.
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from bendernet._network import c_array


def scorer_of(estimator):
    """The scorer ``scoring`` names (None for the default score and for 'loss'), or a
    ValueError naming the parameter."""
    scoring = estimator.scoring
    if scoring is None or (isinstance(scoring, str) and scoring == "loss"):
        return None
    try:
        return check_scoring(estimator, scoring)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"scoring={scoring!r} is not a valid scoring: {exc}") from exc


def checked_validation_data(estimator, X_val, y_val, sample_weight_val, dtype):
    """X_val, its targets (as the network's outputs: T) and labels, and its sample
    weights, validated against the model fit has just checked X and y for."""
    if y_val is None:
        raise ValueError("X_val is provided, but y_val was not provided.")
    if X_val is None:
        raise ValueError("y_val is provided, but X_val was not provided.")
    if not estimator.early_stopping:
        raise ValueError(
            "X_val and y_val are passed to fit while at the same time early_stopping is "
            "False. When passing X_val and y_val to fit, early_stopping should be True."
        )
    if estimator.solver == "lbfgs":
        raise ValueError(
            "X_val and y_val are used by early stopping, which solver='lbfgs' does not "
            "do; use solver='sgd' or 'adam'."
        )
    X_val = validate_data(estimator, X_val, reset=False, accept_sparse=["csr", "csc"],
                          dtype=dtype)
    targets = _classifier_targets if is_classifier(estimator) else _regressor_targets
    T_val, labels = targets(estimator, y_val)
    check_consistent_length(X_val, labels)
    if sample_weight_val is not None:
        sample_weight_val = _check_sample_weight(sample_weight_val, X_val)
    return X_val, T_val, labels, sample_weight_val


def _classifier_targets(estimator, y_val):
    """y_val as the network's targets (an indicator) and as labels, checked against the
    classes of the fit."""
    y_val = check_array(y_val, ensure_2d=False, dtype=None, input_name="y_val")
    if y_val.ndim == 2 and y_val.shape[1] == 1:
        y_val = column_or_1d(y_val, warn=True)
    if estimator._label_binarizer.y_type_.startswith("multilabel"):
        if y_val.ndim != 2 or y_val.shape[1] != estimator.n_outputs_:
            raise ValueError(
                f"y_val must be a multilabel indicator of {estimator.n_outputs_} columns, "
                f"as y is; got an array of shape {y_val.shape}."
            )
    else:
        unknown = np.setdiff1d(unique_labels(y_val), estimator.classes_)
        if len(unknown):
            raise ValueError(
                f"y_val has classes not in the training classes {estimator.classes_}: "
                f"{unknown}."
            )
    return estimator._label_binarizer.transform(y_val).astype(bool), y_val


def _regressor_targets(estimator, y_val):
    """y_val as the network's targets (2-D) and as given, checked against y's outputs."""
    y_val = check_array(y_val, ensure_2d=False, dtype=(np.float64, np.float32),
                        input_name="y_val")
    T_val = y_val.reshape(-1, 1) if y_val.ndim == 1 else y_val
    if T_val.ndim != 2 or T_val.shape[1] != estimator.n_outputs_:
        raise ValueError(
            f"y_val must have {estimator.n_outputs_} output(s), as y has; got an array of "
            f"shape {y_val.shape}."
        )
    return T_val, y_val


class ValidationSet:
    """The held-out data: X, the targets T as the network outputs them, the labels y that
    scores compare predictions with, and the sample weights (or None)."""

    def __init__(self, X, T, y, sample_weight, scorer):
        self.X, self.y, self.sample_weight, self.scorer = X, y, sample_weight, scorer
        self.T = T
        self._delta = self._loss_weight = None

    def loss(self, estimator, Y):
        """The mean (weighted) loss of the outputs Y against T, by the kernels."""
        network = estimator._network(Y.dtype)
        if self._delta is None or self._delta.dtype != Y.dtype:
            self._delta = np.empty_like(Y)
            self.T = c_array(self.T, Y.dtype)
            if self.sample_weight is not None:
                self._loss_weight = c_array(self.sample_weight, Y.dtype)
        return network.kernels.output_loss(self._delta, Y, self.T, self._loss_weight, None,
                                           network.output)

    def judge(self, estimator):
        """(score, loss) of the estimator's current model; greater scores are better."""
        Y = estimator._forward_pass_fast(self.X, check_input=False)
        loss = self.loss(estimator, Y)
        if estimator.scoring is None:
            score = estimator._score_output(Y, self.y, self.sample_weight)
        elif self.scorer is None:   # 'loss'
            score = -loss
        elif self.sample_weight is None:
            score = self.scorer(estimator, self.X, self.y)
        else:
            score = self.scorer(estimator, self.X, self.y, sample_weight=self.sample_weight)
        return score, loss
