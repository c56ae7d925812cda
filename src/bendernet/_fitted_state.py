"""The check of a fitted model's state, before a call hands it to the kernels.

A fitted attribute may have been assigned by a user or come from an old pickle, and the
kernels take sizes and codes as given (the Cython layer checks buffer lengths, not what
they mean). So every call that reads the fitted state (predict, predict_proba, score,
partial_fit, a warm-started fit) first checks each attribute it reads and names the wrong
one: a TypeError when the attribute is not the kind of Python object it must be (a list, a
NumPy array, a string, an integer), a ValueError when its contents are wrong (shape, dtype,
values, a name the core does not know). The checks only read and run before the call
changes anything, so a call that fails leaves the model as it was.

Not checked: n_layers_, which bendernet derives (the depth comes from coefs_) and never
reads; and the record of earlier fits that only Python arithmetic reads (n_iter_, loss_,
loss_curve_, best_loss_, t_): a wrong one raises Python's own error where it is used,
which may be after an epoch has run.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from bendernet._codes import OUTPUTS
from bendernet._kernels import same_state
from bendernet._optimizer import OPTIMIZERS


# The key, in the estimator's cache of networks (which predict fills; fit empties it), of
# the record of the state last found good
CHECKED = "checked state"

# What a record of a checked state holds (state_record): the object each of these names
# stands for in the estimator's __dict__, every object check_fitted or predict's plan
# (FlatParameters._predict_network, _kernels.PredictPlan) looks at; and then, for each of
# FOLLOWED that is a list or a tuple, its items and a None (so that a list grown or
# shrunk no longer matches). The one check that a state is the recorded one, for Python
# and the planned predict alike, is _kernels.same_state.
STATE_NAMES = ("out_activation_", "n_features_in_", "n_outputs_", "prelu_alpha_", "classes_",
               "_label_binarizer", "_flat", "_views", "feature_names_in_", "backend",
               "activation", "coefs_", "intercepts_")
FOLLOWED = ("activation", "coefs_", "intercepts_")     # a name per hidden layer; the layers


def require_fitted(estimator):
    """scikit-learn's check that estimator is fitted (and its NotFittedError), skipping its
    tag lookups, a good part of a one-row predict, for a model that has coefs_"""
    if not hasattr(estimator, "coefs_"):
        check_is_fitted(estimator)


def check_fitted(estimator, remember=True):
    """Raise if the state predict reads is not a model bendernet can run; return the
    record of the state found good (state_record: a tuple that stays the same object
    while the state does, for a cache to be keyed on), or None where it is not
    remembered.

    A state checked before passes at the cost of comparing its objects (the check would
    otherwise cost a one-row predict a quarter of its time); remember False leaves the
    estimator's caches as they are (a fit, which empties them itself)."""
    state = estimator.__dict__
    cache = state.setdefault("_networks", {}) if remember else None
    record = None if cache is None else cache.get(CHECKED)
    if record is not None and same_state(state, record):
        return record
    _check_fitted(estimator)
    record = None if cache is None else state_record(state)
    if record is not None:
        cache[CHECKED] = record
    return record


def state_record(state):
    """The record of the estimator whose __dict__ is state (see STATE_NAMES), or None
    where a record could not tell a change (an attribute of FOLLOWED neither a string, a
    list nor a tuple: its contents could change unseen). Compared by identity, so a
    value reassigned, even an equal one, is checked afresh; and the record holds them,
    so none is freed while its id could be taken by a new object. An array changed in
    place keeps its identity: its values are read as they are, and the Cython layer
    checks the lengths the kernels read, so a shape or dtype set in place
    (``a.shape = ...``) gets a plainer error there or, on a view of the model's flat
    buffer, a predict of that buffer as it was laid out; never a read past it."""
    record = [STATE_NAMES, FOLLOWED]
    record += [state.get(name) for name in STATE_NAMES]
    for name in FOLLOWED:
        value = state.get(name)
        if type(value) is list or type(value) is tuple:
            record += value
            record.append(None)
        elif type(value) is not str:
            return None
    return tuple(record)


def _check_fitted(estimator):
    coefs = _layers(estimator, "coefs_")
    intercepts = _layers(estimator, "intercepts_")
    if len(intercepts) != len(coefs):
        raise ValueError(f"intercepts_ holds {len(intercepts)} arrays and coefs_ "
                         f"{len(coefs)}: one intercept vector per layer.")
    for layer, W in enumerate(coefs):
        _real_array(W, "coefs_[{}]", layer, 2)
        if layer and W.shape[0] != coefs[layer - 1].shape[1]:
            raise ValueError(f"coefs_[{layer}] has shape {W.shape}, but coefs_[{layer - 1}] "
                             f"has {coefs[layer - 1].shape[1]} columns: they must match.")
    _count(estimator, "n_features_in_", coefs[0].shape[0], "the row count of coefs_[0]")
    n_outputs = coefs[-1].shape[1]
    _count(estimator, "n_outputs_", n_outputs, "the column count of coefs_[-1]")
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        _real_array(b, "intercepts_[{}]", layer, 1)
        if b.shape != (W.shape[1],):
            raise ValueError(f"intercepts_[{layer}] has shape {b.shape}; coefs_[{layer}] "
                             f"has {W.shape[1]} columns, so it needs ({W.shape[1]},).")
    output = estimator.out_activation_
    if not isinstance(output, str):
        raise TypeError(f"out_activation_ must be a string, got {type(output).__name__}.")
    if output not in OUTPUTS:
        raise ValueError(f"out_activation_ is {output!r}; bendernet's output layers are "
                         f"{', '.join(OUTPUTS)}.")
    # (isinstance, not is_classifier: its tag lookup is a good part of a one-row predict)
    if isinstance(estimator, ClassifierMixin):
        _check_classes(estimator, n_outputs, output)
    _check_slopes(estimator, coefs, intercepts)


def check_trainable(estimator, layer_units, dtype, incremental):
    """Raise if a warm-started fit or partial_fit of layer_units (from hidden_layer_sizes
    and the data) in dtype cannot continue from the fitted state (check_fitted first).

    Only training asks for finite parameters: predict computes with a NaN or an infinity
    as NumPy and scikit-learn do (a scan of every parameter would cost a one-row predict
    of a 64-100-10 network more than the predict), but training from one would spread it
    to the whole model and then blame the data."""
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    _check_finite(coefs, intercepts, _check_slopes(estimator, coefs, intercepts))
    units = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    if units != list(layer_units):
        raise ValueError(
            f"coefs_ has layer sizes {units}, but hidden_layer_sizes="
            f"{estimator.hidden_layer_sizes!r} and this data need {list(layer_units)}: "
            "fit a new model (warm_start=False) to change the architecture."
        )
    # partial_fit of a stochastic solver goes on with the optimizer it has, if any
    if incremental and estimator.solver in OPTIMIZERS and hasattr(estimator, "_optimizer"):
        _check_optimizer(estimator._optimizer, estimator._network(dtype).n_params,
                         np.dtype(dtype))


def _layers(estimator, name):
    layers = getattr(estimator, name)
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"{name} must be a list of NumPy arrays, got "
                        f"{type(layers).__name__}.")
    if not layers:
        raise ValueError(f"{name} is empty; a network has at least one layer.")
    return layers


def _real_array(array, name, layer, ndim):
    """array is a NumPy array of ndim dimensions, of real numbers the kernels compute in;
    its name is name.format(layer) (formatted only for a message: this runs per predict)"""
    if type(array) is np.ndarray and array.ndim == ndim and array.dtype.kind in "fiub" and (
        array.dtype.itemsize <= 8
    ):
        return
    name = name.format(layer)
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {type(array).__name__}.")
    # booleans, integers and floats up to 64 bits: what NumPy computes in float64 (or
    # float32) with the kernels; not complex, object, text nor long double
    if array.dtype.kind not in "biuf" or array.dtype.itemsize > 8:
        raise ValueError(f"{name} has dtype {array.dtype}; it must hold real numbers "
                         "(float64 or float32).")
    if array.ndim != ndim:
        raise ValueError(f"{name} has shape {array.shape}; it must be {ndim}-D.")


def _count(estimator, name, expected, what):
    value = getattr(estimator, name)
    if type(value) is not int and (not isinstance(value, Integral) or isinstance(value, bool)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value != expected:
        raise ValueError(f"{name} is {value}, but {what} is {expected}.")


def _check_classes(estimator, n_outputs, output):
    """A classifier's predict decodes its outputs through its label binarizer: its
    classes must be classes_, one output per class (one for two classes), and the output
    layer the one fit chose for that kind of target."""
    for name in ("classes_", "_label_binarizer"):
        if getattr(estimator, name, None) is None:
            raise ValueError(f"a fitted classifier has {name}; this one has none.")
    classes, binarizer = estimator.classes_, estimator._label_binarizer
    if classes is not binarizer.classes_ and not (
        isinstance(classes, np.ndarray) and np.array_equal(classes, binarizer.classes_)
    ):
        raise ValueError(f"classes_ is {classes!r}, but the model was fitted to the classes "
                         f"{binarizer.classes_!r}.")
    multiclass = binarizer.y_type_ == "multiclass"
    width = len(classes) if multiclass or binarizer.y_type_.startswith("multilabel") else 1
    if n_outputs != width:
        raise ValueError(f"coefs_[-1] has {n_outputs} outputs; {len(classes)} classes of a "
                         f"{binarizer.y_type_} target need {width}.")
    expected = "softmax" if multiclass else "logistic"
    if output != expected:
        raise ValueError(f"out_activation_ is {output!r}; a classifier of a "
                         f"{binarizer.y_type_} target has {expected!r}.")


def _check_slopes(estimator, coefs, intercepts):
    """The PReLU slopes, if the network has any and the model holds its own (without
    prelu_alpha_, e.g. after set_params(activation='prelu'), every slope starts at the
    initial one)."""
    slopes = getattr(estimator, "prelu_alpha_", None)
    if slopes is None:
        return None
    views = estimator.__dict__.get("_views", ())
    if views and slopes is views[-1]:
        return slopes    # the flat buffer's own view, of the length the network laid out
    n_weights = sum(W.size for W in coefs) + sum(b.size for b in intercepts)
    n_slopes = estimator._network(np.float64).n_params - n_weights
    if n_slopes == 0:
        return None    # the activation was changed to one without slopes: not read
    _real_array(slopes, "prelu_alpha_", None, 1)
    if slopes.shape != (n_slopes,):
        raise ValueError(f"prelu_alpha_ has shape {slopes.shape}; the network has "
                         f"{n_slopes} PReLU layers, so it needs ({n_slopes},).")
    return slopes


def _check_finite(coefs, intercepts, slopes):
    named = [(f"coefs_[{layer}]", W) for layer, W in enumerate(coefs)]
    named += [(f"intercepts_[{layer}]", b) for layer, b in enumerate(intercepts)]
    # a NaN slope is not garbage: it marks a layer that is not PReLU, or one whose slope
    # starts afresh (FlatParameters._slopes); only infinities are
    named += [] if slopes is None else [("prelu_alpha_", slopes[~np.isnan(slopes)])]
    for name, array in named:
        if not np.isfinite(array).all():
            raise ValueError(f"{name} holds NaN or infinite values.")


def _check_optimizer(optimizer, n_params, dtype):
    """partial_fit steps the optimizer's buffers in place: each as long as the flat
    parameters and of their dtype, its counters one int64 each, its hyper-parameters
    numbers."""
    kind = type(optimizer)
    if kind not in OPTIMIZERS.values():
        raise TypeError(f"_optimizer must be one of bendernet's optimizers "
                        f"({', '.join(c.__name__ for c in OPTIMIZERS.values())}), got "
                        f"{kind.__name__}.")
    for name in kind.hyper_parameters:
        value = getattr(optimizer, name, None)
        if not isinstance(value, Real):
            raise TypeError(f"_optimizer.{name} must be a real number, got "
                            f"{type(value).__name__}.")
    for name in kind.buffers:
        _state_array(optimizer, name, dtype, n_params,
                     "one value per parameter, in the precision of X")
    for name in kind.counters:
        _state_array(optimizer, name, np.dtype(np.int64), 1, "a counter")


def _state_array(optimizer, name, dtype, length, what):
    """optimizer.name is a writeable, contiguous array of length values of dtype, which
    the kernels update in place"""
    array = getattr(optimizer, name, None)
    label = f"_optimizer.{name}"
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{label} must be a NumPy array, got {type(array).__name__}.")
    if array.dtype != dtype or array.shape != (length,):
        raise ValueError(f"{label} is an array of shape {array.shape} and dtype "
                         f"{array.dtype}; it needs shape ({length},) and dtype {dtype} "
                         f"({what}).")
    if not (array.flags.c_contiguous and array.flags.writeable):
        raise ValueError(f"{label} must be a contiguous, writeable array.")
