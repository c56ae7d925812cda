"""bendernet's estimators to and from scikit-learn's, with everything fitted.

A model trained here can be served where only scikit-learn is installed (or exported to
ONNX by skl2onnx, which knows scikit-learn's MLP), and a scikit-learn model can continue
here. The fitted state crosses whole: weights, the training history and the stochastic
optimizer's state, so that predict, score, partial_fit and a warm_start fit on the other
side carry on where this side stopped. Only the layout differs: scikit-learn keeps one
array per layer where bendernet keeps one flat buffer (``_layout``), for the parameters
and for the optimizer's buffers alike.
"""

import copy

import numpy as np
import sklearn.neural_network as sk
from sklearn.base import ClassifierMixin, is_classifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from bendernet._network import Network
from bendernet._optimizer import OPTIMIZERS

#: The hidden-layer activations scikit-learn's MLP has.
SKLEARN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")

# Parameters bendernet has and scikit-learn has not, which change how a model is computed
# but not what it computes: dropped on the way out, their defaults on the way in.
COMPUTATION_ONLY = ("backend",)

# bendernet's training options that scikit-learn lacks, with the default that makes each
# mean what scikit-learn does: dropped at the default, refused otherwise (a continued fit
# on the scikit-learn side would train differently)
TRAINING_ONLY = {"class_weight": None, "scoring": None}

# Fitted attributes that are bendernet's caches of the parameters (rebuilt when needed)
# or that each side keeps in its own form (the snapshot, the optimizer): never copied as is.
OWN_FORM = ("_flat", "_views", "_networks", "_best", "_best_coefs", "_best_intercepts",
            "_optimizer", "_coef_indptr", "_intercept_indptr", "coefs_", "intercepts_",
            "validation_loss_curve_")


def to_sklearn(model):
    """The scikit-learn estimator equivalent to a bendernet one, fitted as it is.

    ``sklearn.neural_network.MLPClassifier`` or ``MLPRegressor`` with the same
    parameters and the same fitted state: its predictions are bendernet's (to rounding:
    the matrix products sum in another order), and partial_fit or a warm_start fit
    continues the same training, optimizer state included. An unfitted model gives an
    unfitted estimator.

    Raises ValueError, naming it, for what scikit-learn cannot express: an activation it
    does not have ('prelu', 'arctan', 'elu', 'softplus', 'step'), per-layer activations,
    or a parameter it does not know.
    """
    sk_class = sk.MLPClassifier if is_classifier(model) else sk.MLPRegressor
    params = model.get_params(deep=False)
    _check_expressible(params, sk_class)
    for name in COMPUTATION_ONLY + tuple(TRAINING_ONLY):
        params.pop(name, None)
    sk_model = sk_class(**params)
    if hasattr(model, "coefs_"):
        _copy_fitted(sk_model, model)
        sk_model.coefs_ = [np.array(c) for c in model.coefs_]
        sk_model.intercepts_ = [np.array(b) for b in model.intercepts_]
        best = getattr(model, "_best", None)
        if best is not None:
            sk_model._best_coefs = [np.array(c) for c in best[0]]
            sk_model._best_intercepts = [np.array(b) for b in best[1]]
        if model.solver == "lbfgs":
            _set_lbfgs_index(sk_model)
        if hasattr(model, "_optimizer"):
            sk_model._optimizer = _optimizer_to_sklearn(model)
    return sk_model


def from_sklearn(cls, sk_model, **params):
    """An estimator of bendernet class cls equivalent to sk_model, fitted as it is (see
    to_sklearn); params set bendernet's own parameters (``backend``)."""
    wanted = sk.MLPClassifier if issubclass(cls, ClassifierMixin) else sk.MLPRegressor
    if not isinstance(sk_model, wanted):
        raise TypeError(
            f"{cls.__name__}.from_sklearn takes a sklearn.neural_network."
            f"{wanted.__name__}, got {type(sk_model).__name__}."
        )
    unknown = set(params) - set(COMPUTATION_ONLY)
    if unknown:
        raise TypeError(f"from_sklearn sets only {COMPUTATION_ONLY}, got {sorted(unknown)}.")
    model = cls(**sk_model.get_params(deep=False), **params)
    if not hasattr(sk_model, "coefs_"):
        return model
    _copy_fitted(model, sk_model)
    model.coefs_ = [np.array(c) for c in sk_model.coefs_]
    model.intercepts_ = [np.array(b) for b in sk_model.intercepts_]
    if hasattr(sk_model, "_best_coefs"):
        model._best = ([np.array(c) for c in sk_model._best_coefs],
                       [np.array(b) for b in sk_model._best_intercepts], None)
    model._networks = {}
    if hasattr(sk_model, "_optimizer"):
        model._optimizer = _optimizer_from_sklearn(model, sk_model._optimizer)
    scores = getattr(sk_model, "validation_scores_", None)
    if hasattr(sk_model, "loss_curve_"):
        # scikit-learn keeps no validation losses: NaN for each epoch it scored
        model.validation_loss_curve_ = None if scores is None else [np.nan] * len(scores)
    model._own_params()   # the copies become a flat buffer, so that predict is planned
    return model


def _check_expressible(params, sk_class):
    activation = params["activation"]
    if not isinstance(activation, str):
        raise ValueError(
            f"scikit-learn's {sk_class.__name__} has one activation for every hidden "
            f"layer; this model has per-layer activations {activation!r}."
        )
    if activation not in SKLEARN_ACTIVATIONS:
        raise ValueError(
            f"scikit-learn's {sk_class.__name__} has no activation {activation!r} (it has "
            f"{', '.join(SKLEARN_ACTIVATIONS)})."
        )
    for name, default in TRAINING_ONLY.items():
        if params.get(name, default) is not default:
            raise ValueError(
                f"scikit-learn's {sk_class.__name__} has no parameter {name}; this model "
                f"has {name}={params[name]!r}. It shapes training only: "
                f"model.set_params({name}=None) first to convert the fitted model."
            )
    unknown = (set(params) - set(sk_class().get_params()) - set(COMPUTATION_ONLY)
               - set(TRAINING_ONLY))
    if unknown:
        raise ValueError(
            f"scikit-learn's {sk_class.__name__} has no parameter "
            f"{', '.join(sorted(unknown))}."
        )


def _copy_fitted(target, source):
    """Copies source's fitted attributes but those kept in their own form."""
    for name, value in vars(source).items():
        fitted = name.endswith("_") or name in ("_label_binarizer", "_random_state",
                                                "_no_improvement_count")
        if fitted and name not in OWN_FORM and not name.startswith("__"):
            setattr(target, name, copy.deepcopy(value))


def _set_lbfgs_index(sk_model):
    # where scikit-learn's L-BFGS finds each layer in its packed parameters: the flat
    # layout of _layout (all coefficients, then all intercepts)
    sk_model._coef_indptr, sk_model._intercept_indptr = [], []
    start = 0
    for coef in sk_model.coefs_:
        sk_model._coef_indptr.append((start, start + coef.size, coef.shape))
        start += coef.size
    for intercept in sk_model.intercepts_:
        sk_model._intercept_indptr.append((start, start + intercept.size))
        start += intercept.size


def _network(model):
    """The network whose flat layout model's optimizer buffers follow."""
    units = (model.coefs_[0].shape[0],) + tuple(c.shape[1] for c in model.coefs_)
    return Network(units, model.activation, model.out_activation_, model.coefs_[0].dtype,
                   model.backend)


def _per_layer(network, flat):
    coefs, intercepts, _ = network.unpack(flat)
    return [np.array(a) for a in coefs + intercepts]


def _optimizer_to_sklearn(model):
    ours = model._optimizer
    network = _network(model)
    params = model.coefs_ + model.intercepts_
    if ours.name == "sgd":
        theirs = SGDOptimizer(params, ours.learning_rate_init, ours.schedule, ours.momentum,
                              ours.nesterov, ours.power_t)
        theirs.velocities = _per_layer(network, ours.velocity)
        theirs.learning_rate = ours.learning_rate
        return theirs
    theirs = AdamOptimizer(params, ours.learning_rate_init, ours.beta1, ours.beta2,
                           ours.epsilon)
    theirs.t = int(ours.step[0])
    theirs.ms = _per_layer(network, ours.m)
    theirs.vs = _per_layer(network, ours.v)
    if theirs.t:
        # scikit-learn keeps the bias-corrected rate of its last step; bendernet's C step
        # computes it afresh from the step count
        t = theirs.t
        theirs.learning_rate = (theirs.learning_rate_init * np.sqrt(1 - theirs.beta_2**t)
                                / (1 - theirs.beta_1**t))
    return theirs


def _optimizer_from_sklearn(model, theirs):
    network = _network(model)
    # the optimizer's own kind: solver may have been set to another since the fit
    solver = "sgd" if isinstance(theirs, SGDOptimizer) else "adam"
    ours = OPTIMIZERS[solver].for_estimator(model, network.n_params, network.dtype)
    # the optimizer's own settings, which the estimator's parameters may no longer match
    ours.learning_rate_init = theirs.learning_rate_init
    n_layers = len(model.coefs_)
    if ours.name == "sgd":
        ours.schedule, ours.power_t = theirs.lr_schedule, theirs.power_t
        ours.momentum, ours.nesterov = theirs.momentum, theirs.nesterov
        ours.velocity = network.pack(theirs.velocities[:n_layers], theirs.velocities[n_layers:])
        ours.learning_rate = float(theirs.learning_rate)
        return ours
    ours.beta1, ours.beta2, ours.epsilon = theirs.beta_1, theirs.beta_2, theirs.epsilon
    ours.m = network.pack(theirs.ms[:n_layers], theirs.ms[n_layers:])
    ours.v = network.pack(theirs.vs[:n_layers], theirs.vs[n_layers:])
    ours.step[0] = theirs.t
    return ours
