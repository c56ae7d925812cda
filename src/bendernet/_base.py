"""What MLPClassifier and MLPRegressor share: parameters, validation, initialisation.

The estimator validates and decides, with scikit-learn's semantics: the control flow, the
random draws and the messages are scikit-learn's, so that a fixed random_state gives
scikit-learn's model. The network (``_network``) owns the layout, the workspaces and the
epochs; the parameters' flat buffer is ``_parameters``'s and the training loops
``_solvers``'s.
"""

import functools
import inspect
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight

from bendernet._callbacks import CallbackSupportMixin
from bendernet._class_weight import class_weighted
from bendernet._codes import ACTIVATIONS, PRELU, layer_codes
from bendernet._fitted_state import check_fitted, check_trainable
from bendernet._kernels import planned_output
from bendernet._network import BACKENDS
from bendernet._optimizer import OPTIMIZERS
from bendernet._parameters import PRELU_INITIAL_SLOPE, FlatParameters
from bendernet._predict_input import validated, validated_for_predict
from bendernet._solvers import Solvers
from bendernet._validation import ValidationSet, checked_validation_data, scorer_of
from bendernet._worker_threads import keep_to_worker_share


def unchanged_on_memory_error(method):
    """method (a fit), leaving the estimator as it was if memory runs out.

    Putting the attributes back (and the lists a fit appends to) undoes it all, because a
    fit allocates before it changes anything in place: the C core's epoch takes its memory
    before its first step, and a fit of many epochs trains a copy of the parameters."""

    @functools.wraps(method)
    def fit_or_leave_unchanged(self, *args, **kwargs):
        attributes = dict(self.__dict__)
        lists = {name: value[:] for name, value in attributes.items()
                 if isinstance(value, list)}
        try:
            return method(self, *args, **kwargs)
        except MemoryError:
            self.__dict__.clear()
            self.__dict__.update(attributes)
            for name, items in lists.items():
                attributes[name][:] = items
            raise

    return fit_or_leave_unchanged


class BaseMultilayerPerceptron(CallbackSupportMixin, FlatParameters, Solvers, BaseEstimator,
                               ABC):
    """Base class of the MLP estimators; use MLPClassifier or MLPRegressor."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        # or one name per hidden layer, checked against hidden_layer_sizes in fit
        "activation": [StrOptions(set(ACTIVATIONS)), tuple, list],
        "solver": [StrOptions({"lbfgs", *OPTIMIZERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "backend": [StrOptions(set(BACKENDS))],
        "scoring": [None, str, callable],
    }

    @abstractmethod
    def __init__(
        self, hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
        learning_rate_init, power_t, max_iter, loss, shuffle, random_state, tol, verbose,
        warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
        beta_1, beta_2, epsilon, n_iter_no_change, max_fun, backend, scoring,
    ):
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.backend = backend
        self.scoring = scoring

    # ---- prediction --------------------------------------------------------------------------

    def _forward_pass_fast(self, X, check_input=True):
        """The output layer's values for X (probabilities for a classifier)."""
        keep_to_worker_share()
        finite_unchecked, checked = False, None
        if check_input:   # (not the early-stopping score of a fit, on the fit's own model)
            Y = planned_output(self, X)    # a repeated predict of a plain array, in one call
            if Y is not None:
                return Y
            checked = check_fitted(self)
            X, finite_unchecked = validated_for_predict(self, X)
        network, flat = self._predict_network(X.dtype, checked)
        Y = network.predict(flat, X, check_finite=finite_unchecked)
        if Y is None:   # a NaN or an infinity: scikit-learn's check has its say
            Y = network.predict(flat, validated(self, X))
        return Y

    # ---- fitting -----------------------------------------------------------------------------

    def _initialize(self, y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        if not is_classifier(self):
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif self._label_binarizer.y_type_ == "multiclass":
            self.out_activation_ = "softmax"
        else:
            self.out_activation_ = "logistic"

        self.coefs_, self.intercepts_ = [], []
        # each layer of weights is drawn for the activation it feeds, the output layer's
        # for the last hidden one (as scikit-learn's, for its single activation)
        feeds = self.activation
        feeds = ([feeds] * (len(layer_units) - 1) if isinstance(feeds, str)
                 else list(feeds) + list(feeds[-1:]))
        for l, (fan_in, fan_out) in enumerate(zip(layer_units[:-1], layer_units[1:])):
            activation = feeds[l] if l < len(feeds) else None
            coef, intercept = self._init_coef(fan_in, fan_out, dtype, activation)
            self.coefs_.append(coef)
            self.intercepts_.append(intercept)
        prelu = np.array(layer_codes(self.activation, self.n_layers_ - 2)) == PRELU
        if prelu.any():     # NaN: the slot of a layer that is not PReLU
            self.prelu_alpha_ = np.where(prelu, PRELU_INITIAL_SLOPE, np.nan).astype(dtype)
        self._best = self._snapshot()

        if self.solver in OPTIMIZERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.validation_loss_curve_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.validation_loss_curve_ = None
                self.best_validation_score_ = None

    def _init_coef(self, fan_in, fan_out, dtype, activation):
        # Glorot's uniform initialisation, drawn exactly as scikit-learn draws it
        factor = 2.0 if activation == "logistic" else 6.0
        bound = np.sqrt(factor / (fan_in + fan_out))
        coef = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
        intercept = self._random_state.uniform(-bound, bound, fan_out)
        return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)

    def _fit(self, X, y, sample_weight=None, incremental=False, validation_data=None):
        keep_to_worker_share()
        hidden_layer_sizes = self.hidden_layer_sizes
        if not hasattr(hidden_layer_sizes, "__iter__"):
            hidden_layer_sizes = [hidden_layer_sizes]
        hidden_layer_sizes = list(hidden_layer_sizes)
        if np.any(np.array(hidden_layer_sizes) <= 0):
            raise ValueError(
                "hidden_layer_sizes must be > 0, got %s." % hidden_layer_sizes
            )
        layer_codes(self.activation, len(hidden_layer_sizes), names_only=True)
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        if not first_pass:
            # before anything changes: a call that fails changes nothing
            check_fitted(self, remember=False)
        # predict fills this cache; it exists from fit on so predict leaves __dict__ alone
        self._networks = {}

        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        n_samples, n_features = X.shape
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        layer_units = [n_features] + hidden_layer_sizes + [y.shape[1]]
        if not first_pass:
            check_trainable(self, layer_units, X.dtype, incremental)
        self.n_outputs_ = y.shape[1]
        # the extras are checked before anything fitted changes
        scorer = scorer_of(self)
        if validation_data is not None:
            validation_data = checked_validation_data(self, *validation_data, X.dtype)
        if getattr(self, "class_weight", None) is not None:
            sample_weight, validation_data = class_weighted(self, y, sample_weight,
                                                            validation_data)
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, X.dtype)

        if self.solver in OPTIMIZERS:
            validation = None if validation_data is None else ValidationSet(
                *validation_data, scorer)
            self._fit_stochastic(X, y, sample_weight, layer_units, incremental, scorer,
                                 validation)
        else:
            self._fit_lbfgs(X, y, sample_weight, layer_units)

        parameters = self.coefs_ + self.intercepts_
        if not all(np.isfinite(p).all() for p in parameters):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @unchanged_on_memory_error
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set for early stopping, used in place of splitting off
            validation_fraction of X (needs early_stopping=True and a stochastic solver).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            The targets of X_val.
        sample_weight_val : array-like of shape (n_val,), default=None
            The weights of X_val's samples.

        Returns
        -------
        self : object
            The trained model.
        """
        validation_data = None
        if X_val is not None or y_val is not None:
            validation_data = (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight=sample_weight, incremental=False,
                         validation_data=validation_data)

    def _check_solver(self):
        if self.solver not in OPTIMIZERS:
            raise AttributeError(
                "partial_fit is only available for stochastic"
                " optimizers. %s is not stochastic." % self.solver
            )
        return True

    def _predict(self, X, check_input=True):
        return self._prediction_of(self._forward_pass_fast(X, check_input=check_input))

    def _score(self, X, y, sample_weight=None):
        """Score without input validation (which would drop feature names)."""
        return self._score_output(self._forward_pass_fast(X, check_input=False), y,
                                  sample_weight)

    def _score_output(self, Y, y, sample_weight=None):
        """The default score (accuracy, R²) of the network's outputs Y."""
        y_pred = self._prediction_of(Y)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    @classmethod
    def from_sklearn(cls, sk_model, **params):
        """The bendernet estimator equivalent to a scikit-learn one, fitted as it is.

        sk_model is a ``sklearn.neural_network`` MLPClassifier (for MLPClassifier) or
        MLPRegressor (for MLPRegressor), fitted or not; params set bendernet's own
        parameters (``backend``). Weights, training history and optimizer state come
        across, so predict gives scikit-learn's predictions (to rounding) and partial_fit
        continues the same training. ``bendernet.to_sklearn`` is the way back.
        """
        from bendernet._interop import from_sklearn   # sklearn.neural_network on demand

        return from_sklearn(cls, sk_model, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __sklearn_is_fitted__(self):
        # what check_is_fitted would conclude from the fitted attributes, without scanning
        # every attribute on each predict
        return hasattr(self, "coefs_")

    def __getstate__(self):
        # the flat buffer and its views are rebuilt from coefs_ and intercepts_ when next
        # needed: a copy must not mistake its own arrays for views of the original's buffer
        # (a copy: object.__getstate__ gives the instance's own __dict__, and pickling must
        # not take the caches from the model being pickled)
        state = dict(super().__getstate__())
        for private in ("_flat", "_views", "_networks"):
            state.pop(private, None)
        return state

    def __setstate__(self, state):
        # a model pickled before a parameter existed was fitted with its default
        for name, parameter in inspect.signature(type(self).__init__).parameters.items():
            if parameter.default is not inspect.Parameter.empty:
                state.setdefault(name, parameter.default)
        super().__setstate__(state)
        self._own_params()
