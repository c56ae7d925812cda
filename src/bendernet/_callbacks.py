"""scikit-learn's callback API (``sklearn.callback``, scikit-learn 1.9 and later) on the MLPs.

A fit is one task with a subtask per epoch (per iteration for lbfgs), so ProgressBar draws
a bar of epochs and ScoringMonitor logs a score per epoch; a callback whose
``on_fit_task_end`` returns True stops the fit after that epoch. Nothing here runs unless
the estimator has callbacks (or is the sub-estimator of a meta-estimator that has some):
a fit without them creates no context. With an older scikit-learn the estimators simply
have no ``set_callbacks``.
"""

import functools

import numpy as np
from sklearn.base import is_classifier

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:   # scikit-learn < 1.9: the feature is absent, nothing else changes
    class CallbackSupportMixin:
        """Stands in for sklearn.callback.CallbackSupportMixin, which this scikit-learn
        lacks: no set_callbacks."""


def epoch_tasks(estimator, X, T, sample_weight, max_tasks):
    """The EpochTasks of this fit, or None when no callback listens (the usual case)."""
    if not (hasattr(estimator, "_skl_callbacks") or hasattr(estimator, "_parent_callback_ctx")):
        return None
    return EpochTasks(estimator, X, T, sample_weight, max_tasks)


def model_attributes(estimator, network=None, flat=None):
    """Copies of the model's parameters (the estimator's, or flat's when given), for
    the callbacks' fitted_estimator: the training goes on in place."""
    if flat is None:
        coefs, intercepts = estimator.coefs_, estimator.intercepts_
        slopes = getattr(estimator, "prelu_alpha_", None)
    else:
        coefs, intercepts, slopes = network.unpack(np.asarray(flat, dtype=network.dtype))
    attributes = {"coefs_": [c.copy() for c in coefs],
                  "intercepts_": [b.copy() for b in intercepts], "_flat": None, "_views": ()}
    if slopes is not None:
        attributes["prelu_alpha_"] = slopes.copy()
    return attributes


def _labels_of(estimator, T):
    """The targets as fit took them, from the network's targets T."""
    if is_classifier(estimator):
        return estimator._label_binarizer.inverse_transform(T)
    return estimator._prediction_of(T)


class EpochTasks:
    """The callback context of one fit: the root task, and the epoch under way."""

    def __init__(self, estimator, X, T, sample_weight, max_tasks):
        self.estimator = estimator
        self.context = estimator._init_callback_context(max_subtasks=max_tasks)
        # the hooks take callables as lazy arguments: y is decoded once, if asked for
        self.data = dict(X=X, y=functools.cache(lambda: _labels_of(estimator, T)),
                         metadata=None if sample_weight is None else
                         {"sample_weight": sample_weight})
        self.context.call_on_fit_task_begin(estimator=estimator, **self.data)
        self.epoch = None

    def begin(self, model=None):
        """An epoch starts; model (a callable) gives the attributes of the model so far."""
        self.epoch = self.context.subcontext(task_name="epoch")
        self.epoch.call_on_fit_task_begin(
            estimator=self.estimator, reconstruction_attributes=model or self._model,
            **self.data)

    def end(self, model=None):
        """The epoch is over; True if a callback asks to stop."""
        epoch, self.epoch = self.epoch, None
        return epoch.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes=model or self._model,
            **self.data)

    def abandon(self):
        """An epoch that did not finish (interrupted) ends as an empty task."""
        if self.epoch is not None:
            epoch, self.epoch = self.epoch, None
            epoch.call_on_fit_task_end(estimator=self.estimator)

    def finish(self):
        self.context.call_on_fit_task_end(estimator=self.estimator,
                                          reconstruction_attributes=self._model, **self.data)

    def _model(self):
        return model_attributes(self.estimator)


class LbfgsTasks:
    """scipy's callback for L-BFGS: one task per iteration, the model at its iterate."""

    def __init__(self, tasks, network, flat):
        self.tasks, self.network = tasks, network
        self.tasks.begin(functools.partial(model_attributes, tasks.estimator, network, flat))

    def __call__(self, xk):
        model = functools.partial(model_attributes, self.tasks.estimator, self.network,
                                  xk.copy())
        if self.tasks.end(model):
            raise StopIteration   # scipy ends the minimisation at this iterate
        self.tasks.begin(model)

    def close(self):
        # scipy's last iterate opened a task for an iteration that never ran
        self.tasks.abandon()
