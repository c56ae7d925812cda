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
from sklearn.utils.optimize import _check_optimize_result
from threadpoolctl import threadpool_limits

try:    # scikit-learn 1.7.1 and newer: iprint only to a SciPy older than 1.15, which takes it
    from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
except ImportError:    # 1.7.0 passes it to every SciPy: so does bendernet beside it
    def _get_additional_lbfgs_options_dict(key, value):
        return {key: value}

from bendernet._callbacks import LbfgsTasks, epoch_tasks
from bendernet._network import Network
from bendernet._optimizer import OPTIMIZERS
from bendernet._validation import ValidationSet


class Solvers:
    """The training loops of BaseMultilayerPerceptron (one of its bases)."""

    def _fit_lbfgs(self, X, y, sample_weight, layer_units):
        def network_of(dtype):
            return Network(layer_units, self.activation, self.out_activation_, dtype,
                           self.backend)

        start = network_of(X.dtype)
        evaluators = {}
        # as LogisticRegression counts them: the iterations, and the one scipy never runs
        tasks = epoch_tasks(self, X, y, sample_weight, self.max_iter + 1)
        iterations = None if tasks is None else LbfgsTasks(tasks, start,
                                                           self._flat_params(start))

        def loss_and_gradient(flat):
            # scikit-learn evaluates in the precision of scipy's iterate, which has the
            # starting point's in newer SciPy (float32 data trains in float32) and is
            # float64 in SciPy 1.9 (float32 data trains in float64); scipy returns its
            # float64 iterate in both (below)
            dtype = X.dtype if flat.dtype == X.dtype else np.dtype(np.float64)
            if dtype not in evaluators:
                network = start if dtype == X.dtype else network_of(dtype)
                evaluators[dtype] = (network, network.loss_and_gradient(
                    X, y, sample_weight, self.alpha))
            network, evaluate = evaluators[dtype]
            flat = np.ascontiguousarray(flat, dtype=dtype)
            self._adopt_params(network, flat)
            loss, gradient = evaluate(flat)
            # a float64 gradient, as scikit-learn's: SciPy 1.9's L-BFGS-B takes no other
            # (float32 widens exactly, so newer SciPy, which converts it, sees the same)
            return loss, gradient.astype(np.float64, copy=False)

        iprint = 1 if self.verbose is True or self.verbose >= 1 else -1
        # L-BFGS-B's own vector products run on BLAS, whose threads split (so round) a
        # dot product differently for each thread count: on one thread, a fit is the same
        # whatever the machine's threads. (The C kernels it calls run on OpenMP's, which
        # keep their count.)
        with threadpool_limits(limits=1, user_api="blas"):
            result = scipy.optimize.minimize(
                loss_and_gradient,
                start.without_nan_slopes(self._flat_params(start)),
                method="L-BFGS-B",
                jac=True,
                options={
                    "maxfun": self.max_fun,
                    "maxiter": self.max_iter,
                    "gtol": self.tol,
                    **_get_additional_lbfgs_options_dict("iprint", iprint),
                },
                callback=iterations,
            )
        if iterations is not None:
            iterations.close()
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        self.loss_ = result.fun
        # scikit-learn keeps scipy's float64 result, whatever the data's precision
        final = network_of(result.x.dtype)
        self._adopt_params(final, final.with_nan_slopes(result.x))
        if tasks is not None:
            tasks.finish()

    def _validation_split(self, X, y, sample_weight, scorer):
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
        labels = self._label_binarizer.inverse_transform(y_val) if is_classifier(self) else y_val
        return X_train, y_train, sw_train, ValidationSet(X_val, y_val, labels, sw_val, scorer)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than "
                "sample size. It is going to be clipped"
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _fit_stochastic(self, X, y, sample_weight, layer_units, incremental, scorer=None,
                        validation=None):
        dtype = X.dtype
        network = Network(layer_units, self.activation, self.out_activation_, dtype,
                          self.backend)
        flat = self._flat_params(network)
        if not incremental and flat is getattr(self, "_flat", None):
            # a warm start of many epochs trains a copy, so that running out of memory
            # between epochs (early stopping's scoring) leaves the model as it was
            flat = flat.copy()
        self._adopt_params(network, flat)
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = OPTIMIZERS[self.solver].for_estimator(self, network.n_params,
                                                                    dtype)

        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping and validation is None:
            X_train, y_train, sw_train, validation = self._validation_split(
                X, y, sample_weight, scorer
            )
        else:
            X_train, y_train, sw_train = X, y, sample_weight

        n_samples = X_train.shape[0]
        sample_idx = np.arange(n_samples, dtype=np.int64)
        batch_size = self._batch_size(n_samples)
        epochs = network.epochs(flat, self._optimizer, X_train, y_train, sw_train, batch_size,
                                self.alpha)
        tasks = epoch_tasks(self, X_train, y_train, sw_train, 1 if incremental else self.max_iter)

        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if tasks is not None:
                    tasks.begin()
                if self.shuffle:
                    # scikit-learn's shuffle(sample_idx) permutes an arange with
                    # random_state.shuffle and indexes sample_idx with it; shuffling
                    # sample_idx in place makes the same draws and the same swaps
                    self._random_state.shuffle(sample_idx)
                self._record_epoch(epochs.run(sample_idx), n_samples, dtype)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))

                self._update_no_improvement_count(early_stopping, validation)
                self._optimizer.iteration_ends(self.t_)
                stop = tasks is not None and tasks.end()

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

                if incremental or stop:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) "
                        "reached and the optimization hasn't converged yet." % self.max_iter,
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
            if epochs.finished > self.n_iter_:
                # the epoch's one call into the kernels ran to its end (Ctrl-C was seen
                # as it returned): its weights are the model's, so it counts
                self._record_epoch(epochs.last_loss_sum, n_samples, dtype)
            if tasks is not None:
                tasks.abandon()

        if early_stopping:
            # the best epoch's copies become the flat buffer again, so predict needs no
            # packing
            self._restore(self._best)
            self._adopt_params(network, self._flat_params(network))
        if tasks is not None:
            tasks.finish()

    def _record_epoch(self, loss_sum, n_samples, dtype):
        self.n_iter_ += 1
        self.loss_ = dtype.type(loss_sum) / n_samples
        self.t_ += n_samples
        self.loss_curve_.append(self.loss_)

    def _update_no_improvement_count(self, early_stopping, validation):
        if early_stopping:
            score, loss = validation.judge(self)
            self.validation_scores_.append(score)
            self.validation_loss_curve_.append(loss)
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
