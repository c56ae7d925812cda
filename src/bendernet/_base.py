"""What MLPClassifier and MLPRegressor share: validation, initialisation and the solvers.

The control flow, the random draws and the messages are scikit-learn's, so that a fixed
random_state gives scikit-learn's model; each epoch (every mini-batch: gather, forward,
loss, backprop, optimizer step) is one call into the kernels, through ``_network``.
"""

import operator
import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator, _fit_context, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight

from bendernet._codes import ACTIVATIONS, PRELU
from bendernet._network import BACKENDS, Network, c_array, layer_input
from bendernet._optimizer import OPTIMIZERS
from bendernet._predict_input import validated, validated_for_predict

_STOCHASTIC_SOLVERS = tuple(OPTIMIZERS)

#: The slope every PReLU layer starts from.
PRELU_INITIAL_SLOPE = 0.25


class BaseMultilayerPerceptron(BaseEstimator, ABC):
    """Base class of the MLP estimators; use MLPClassifier or MLPRegressor."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
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
    }

    @abstractmethod
    def __init__(
        self, hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
        learning_rate_init, power_t, max_iter, loss, shuffle, random_state, tol, verbose,
        warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
        beta_1, beta_2, epsilon, n_iter_no_change, max_fun, backend,
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

    # ---- the flat parameter buffer ---------------------------------------------------------

    def _network(self, dtype):
        """The fitted network's shape and activations, as the kernels see them (cached)."""
        units = (self.coefs_[0].shape[0],) + tuple(c.shape[1] for c in self.coefs_)
        key = (units, self.activation, self.out_activation_, np.dtype(dtype), self.backend)
        cache = self.__dict__.setdefault("_networks", {})
        if key not in cache:
            cache[key] = Network(units, self.activation, self.out_activation_, dtype,
                                 self.backend)
        return cache[key]

    def _slopes(self, network):
        if network.activation != PRELU:
            return None
        slopes = getattr(self, "prelu_alpha_", None)
        if slopes is None or len(slopes) != network.n_layers - 1:
            slopes = np.full(network.n_layers - 1, PRELU_INITIAL_SLOPE)
        return slopes

    def _model_arrays(self, network):
        arrays = list(self.coefs_) + list(self.intercepts_)
        slopes = self._slopes(network)
        return arrays if slopes is None else arrays + [slopes]

    def _flat_params(self, network):
        """The parameters as one flat buffer: the one behind coefs_ and intercepts_ while
        they are the very views made of it, else a fresh packing of what was assigned."""
        flat, views = getattr(self, "_flat", None), getattr(self, "_views", ())
        if flat is not None and flat.dtype == network.dtype and flat.size == network.n_params:
            current = self._model_arrays(network)
            if len(current) == len(views) and all(map(operator.is_, current, views)):
                return flat
        return network.pack(self.coefs_, self.intercepts_, self._slopes(network))

    def _adopt_params(self, network, flat):
        """Make flat the model: coefs_, intercepts_ (and prelu_alpha_) become its views."""
        coefs, intercepts, slopes = network.unpack(flat)
        self.coefs_, self.intercepts_ = coefs, intercepts
        if slopes is not None:
            self.prelu_alpha_ = slopes
        self._flat = flat
        self._views = tuple(self._model_arrays(network))

    def _snapshot(self):
        """A copy of the parameters, for early stopping's best model."""
        slopes = getattr(self, "prelu_alpha_", None)
        return (
            [c.copy() for c in self.coefs_],
            [b.copy() for b in self.intercepts_],
            None if slopes is None else slopes.copy(),
        )

    def _restore(self, snapshot):
        self.coefs_, self.intercepts_, slopes = snapshot
        if slopes is not None:
            self.prelu_alpha_ = slopes

    # ---- prediction --------------------------------------------------------------------------

    def _forward_pass_fast(self, X, check_input=True):
        """The output layer's values for X (probabilities for a classifier)."""
        finite_unchecked = False
        if check_input:
            X, finite_unchecked = validated_for_predict(self, X)
        # as NumPy would promote X @ coefs_: ints predict in float64, float32 stays float32
        dtype = np.result_type(X.dtype, *self.coefs_, *self.intercepts_, np.float32)
        network = self._network(dtype)
        flat = self._flat_params(network)
        Y = network.predict(flat, layer_input(X, dtype), check_finite=finite_unchecked)
        if Y is None:   # a NaN or an infinity: scikit-learn's check has its say
            Y = network.predict(flat, layer_input(validated(self, X), dtype))
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
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
            coef, intercept = self._init_coef(fan_in, fan_out, dtype)
            self.coefs_.append(coef)
            self.intercepts_.append(intercept)
        if self.activation == "prelu":
            self.prelu_alpha_ = np.full(self.n_layers_ - 2, PRELU_INITIAL_SLOPE, dtype=dtype)
        self._best = self._snapshot()

        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _init_coef(self, fan_in, fan_out, dtype):
        # Glorot's uniform initialisation, drawn exactly as scikit-learn draws it
        factor = 2.0 if self.activation == "logistic" else 6.0
        bound = np.sqrt(factor / (fan_in + fan_out))
        coef = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
        intercept = self._random_state.uniform(-bound, bound, fan_out)
        return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)

    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden_layer_sizes = self.hidden_layer_sizes
        if not hasattr(hidden_layer_sizes, "__iter__"):
            hidden_layer_sizes = [hidden_layer_sizes]
        hidden_layer_sizes = list(hidden_layer_sizes)
        if np.any(np.array(hidden_layer_sizes) <= 0):
            raise ValueError(
                "hidden_layer_sizes must be > 0, got %s." % hidden_layer_sizes
            )
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        # predict fills this cache; it exists from fit on so predict leaves __dict__ alone
        self._networks = {}

        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        n_samples, n_features = X.shape
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self.n_outputs_ = y.shape[1]
        layer_units = [n_features] + hidden_layer_sizes + [self.n_outputs_]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, X.dtype)

        if self.solver in _STOCHASTIC_SOLVERS:
            self._fit_stochastic(X, y, sample_weight, layer_units, incremental)
        else:
            self._fit_lbfgs(X, y, sample_weight, layer_units)

        parameters = self.coefs_ + self.intercepts_
        if not all(np.isfinite(p).all() for p in parameters):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        return self

    def _targets(self, y, dtype):
        """y as the kernels' float matrix (a classifier's is a boolean indicator)."""
        return c_array(y, dtype)

    def _fit_lbfgs(self, X, y, sample_weight, layer_units):
        network = Network(layer_units, self.activation, self.out_activation_, X.dtype,
                          self.backend)
        X_in = layer_input(X, X.dtype)
        T = self._targets(y, X.dtype)
        sw = None if sample_weight is None else sample_weight.astype(X.dtype)
        workspace = network.workspace(X.shape[0])

        def loss_and_gradient(flat):
            # scipy evaluates in the precision of the starting point (so float32 data
            # trains in float32) but returns its float64 iterate, as below
            flat = np.ascontiguousarray(flat, dtype=X.dtype)
            self._adopt_params(network, flat)
            return network.loss_grad(flat, X_in, T, sw, self.alpha, workspace)

        iprint = 1 if self.verbose is True or self.verbose >= 1 else -1
        result = scipy.optimize.minimize(
            loss_and_gradient,
            self._flat_params(network),
            method="L-BFGS-B",
            jac=True,
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
                **_get_additional_lbfgs_options_dict("iprint", iprint),
            },
        )
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        self.loss_ = result.fun
        # scikit-learn keeps scipy's float64 result, whatever the data's precision
        final = Network(layer_units, self.activation, self.out_activation_, result.x.dtype,
                        self.backend)
        self._adopt_params(final, result.x)

    def _validation_split(self, X, y, sample_weight):
        # Not stratified for multilabel (nor, as in scikit-learn, ever for regression).
        should_stratify = is_classifier(self) and self.n_outputs_ == 1
        stratify = y if should_stratify else None
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        split = train_test_split(
            *arrays,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, y_train, y_val = split[:4]
        sw_train, sw_val = split[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        if is_classifier(self):
            y_val = self._label_binarizer.inverse_transform(y_val)
        return X_train, y_train, sw_train, X_val, y_val, sw_val

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than "
                "sample size. It is going to be clipped"
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _fit_stochastic(self, X, y, sample_weight, layer_units, incremental):
        dtype = X.dtype
        network = Network(layer_units, self.activation, self.out_activation_, dtype,
                          self.backend)
        flat = self._flat_params(network)
        self._adopt_params(network, flat)
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = OPTIMIZERS[self.solver].for_estimator(self, network.n_params,
                                                                    dtype)

        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            X_train, y_train, sw_train, X_val, y_val, sw_val = self._validation_split(
                X, y, sample_weight
            )
        else:
            X_train, y_train, sw_train = X, y, sample_weight
            X_val = y_val = sw_val = None

        n_samples = X_train.shape[0]
        sample_idx = np.arange(n_samples, dtype=np.int64)
        batch_size = self._batch_size(n_samples)
        X_in = layer_input(X_train, dtype)
        T = self._targets(y_train, dtype)
        sw = None if sw_train is None else c_array(sw_train, dtype)
        epochs = network.epochs(flat, self._optimizer, X_in, T, sw, batch_size, self.alpha,
                                np.empty_like(flat), network.workspace(batch_size))

        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if self.shuffle:
                    # scikit-learn's shuffle(sample_idx) permutes an arange with
                    # random_state.shuffle and indexes sample_idx with it; shuffling
                    # sample_idx in place makes the same draws and the same swaps
                    self._random_state.shuffle(sample_idx)
                loss_sum = epochs.run(sample_idx)
                self.n_iter_ += 1
                self.loss_ = dtype.type(loss_sum) / n_samples
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))

                self._update_no_improvement_count(early_stopping, X_val, y_val, sw_val)
                self._optimizer.iteration_ends(self.t_)

                if self._no_improvement_count > self.n_iter_no_change:
                    if early_stopping:
                        msg = (
                            "Validation score did not improve more than "
                            "tol=%f for %d consecutive epochs."
                            % (self.tol, self.n_iter_no_change)
                        )
                    else:
                        msg = (
                            "Training loss did not improve more than tol=%f"
                            " for %d consecutive epochs." % (self.tol, self.n_iter_no_change)
                        )
                    if self._optimizer.trigger_stopping(msg, self.verbose):
                        break
                    self._no_improvement_count = 0

                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) "
                        "reached and the optimization hasn't converged yet." % self.max_iter,
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")

        if early_stopping:
            # the best epoch's copies become the flat buffer again, so predict needs no
            # packing
            self._restore(self._best)
            self._adopt_params(network, self._flat_params(network))

    def _update_no_improvement_count(self, early_stopping, X_val, y_val, sw_val):
        if early_stopping:
            score = self._score(X_val, y_val, sample_weight=sw_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print("Validation score: %f" % self.validation_scores_[-1])
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best = self._snapshot()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
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

        Returns
        -------
        self : object
            The trained model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic"
                " optimizers. %s is not stochastic." % self.solver
            )
        return True

    def _score_with_function(self, X, y, sample_weight, score_function):
        """Score without input validation (which would drop feature names)."""
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

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
        state = super().__getstate__()
        for private in ("_flat", "_views", "_networks"):
            state.pop(private, None)
        return state

