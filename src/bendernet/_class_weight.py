"""MLPClassifier's class_weight: each sample weighted by its class(es), as
``sklearn.utils.class_weight.compute_sample_weight`` weights it.

The weights are a table per output (one for a multiclass or binary target, one per label
of a multilabel target) made once from the training targets; the same tables weigh an
explicit validation set, so that its score is weighted as the training loss is.
"""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

BALANCED_IN_PARTIAL_FIT = (
    "class_weight 'balanced' is not supported for partial_fit. In order to use "
    "'balanced' weights, use compute_class_weight('balanced', classes=classes, y=y). "
    "In place of y you can use a large enough sample of the full training set target to "
    "properly estimate the class frequency distributions. Pass the resulting weights as "
    "the class_weight parameter."
)


def class_codes(estimator, Y):
    """Per output, the index of each sample's class, and the classes: Y is the label
    binarizer's indicator matrix (n_samples, n_outputs_)."""
    if estimator._label_binarizer.y_type_.startswith("multilabel"):
        binary = np.array([0, 1])
        return [(Y[:, k].astype(np.intp), binary) for k in range(Y.shape[1])]
    codes = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(np.intp)
    return [(codes, estimator.classes_)]


def _per_output(class_weight, n_outputs):
    """class_weight as one entry per output, or a ValueError naming what is wrong."""
    if class_weight == "balanced":
        return ["balanced"] * n_outputs
    if n_outputs == 1:
        if not isinstance(class_weight, dict):
            raise ValueError(
                "class_weight must be a dict, 'balanced' or None for a binary or "
                "multiclass target; a list of dicts (one per output) is for multilabel "
                f"targets. Got {class_weight!r}."
            )
        return [class_weight]
    if not isinstance(class_weight, list) or not all(isinstance(d, dict) for d in class_weight):
        raise ValueError(
            "For multi-output, class_weight should be a list of dicts, or the string "
            f"'balanced'. Got {class_weight!r}."
        )
    if len(class_weight) != n_outputs:
        raise ValueError(
            "For multi-output, number of elements in class_weight should match number of "
            f"outputs. Got {len(class_weight)} element(s) while having {n_outputs} outputs."
        )
    return class_weight


def _table(class_weight, codes, classes):
    """The weight of each class of one output (a class absent from a 'balanced' fit's
    targets weighs 1: it has no frequency)."""
    if class_weight != "balanced":
        return compute_class_weight(class_weight, classes=classes, y=classes[codes])
    table = np.ones(len(classes))
    present = np.unique(codes)
    table[present] = compute_class_weight("balanced", classes=classes[present],
                                          y=classes[codes])
    return table


class ClassWeights:
    """The weight tables of one fit; weigh(...) gives the samples' weights."""

    def __init__(self, estimator, class_weight, Y):
        per_output = _per_output(class_weight, Y.shape[1] if estimator._label_binarizer
                                 .y_type_.startswith("multilabel") else 1)
        self.estimator = estimator
        self.tables = [_table(weight, codes, classes) for weight, (codes, classes)
                       in zip(per_output, class_codes(estimator, Y))]

    def weigh(self, Y, sample_weight=None):
        """The product of each sample's class weights (compute_sample_weight's), times
        sample_weight if given."""
        factors = [table[codes] for table, (codes, _) in
                   zip(self.tables, class_codes(self.estimator, Y))]
        weights = np.prod(factors, axis=0, dtype=np.float64)
        return weights if sample_weight is None else sample_weight * weights


def class_weighted(estimator, Y, sample_weight, validation_data):
    """sample_weight (and an explicit validation set's) times estimator.class_weight's
    weights; Y is the label binarizer's indicator of the training targets."""
    weights = ClassWeights(estimator, estimator.class_weight, Y)
    sample_weight = weights.weigh(Y, sample_weight)
    if validation_data is not None:
        X_val, T_val, labels, sw_val = validation_data
        validation_data = (X_val, T_val, labels, weights.weigh(T_val, sw_val))
    return sample_weight, validation_data
