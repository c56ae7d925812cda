"""The solvers' loops, with scikit-learn's control flow, draws and messages.

L-BFGS hands the network's loss and gradient to SciPy; the stochastic solvers run their
epochs, each one call into the kernels, and keep scikit-learn's per-epoch logic here:
shuffles, the loss curve, early stopping, the learning-rate schedule and convergence.
"""

import warnings

import numpy as np
import scipy.optimize
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
from sklearn.utils.optimize import _check_optimize_result
from threadpoolctl import threadpool_limits

from bendernet._network import Network
from bendernet._optimizer import OPTIMIZERS


class Solvers:
    """The training loops of BaseMultilayerPerceptron (one of its bases)."""

    def _fit_lbfgs(self, X, y, sample_weight, layer_units):
        network = Network(layer_units, self.activation, self.out_activation_, X.dtype,
                          self.backend)
        evaluate = network.loss_and_gradient(X, y, sample_weight, self.alpha)

        def loss_and_gradient(flat):
            # scipy evaluates in the precision of the starting point (so float32 data
            # trains in float32) but returns its float64 iterate, as below
            flat = np.ascontiguousarray(flat, dtype=X.dtype)
            self._adopt_params(network, flat)
            return evaluate(flat)

        iprint = 1 if self.verbose is True or self.verbose >= 1 else -1
        # L-BFGS-B's own vector products run on BLAS, whose threads split (so round) a
        # dot product differently for each thread count: on one thread, a fit is the same
        # whatever the machine's threads. (The C kernels it calls run on OpenMP's, which
        # keep their count.)
        with threadpool_limits(limits=1, user_api="blas"):
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
        epochs = network.epochs(flat, self._optimizer, X_train, y_train, sw_train, batch_size,
                                self.alpha)

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
