"""The state of a stochastic optimizer between epochs.

The update itself is C (or reference) code run inside each epoch; this object holds what
survives an epoch: the moment buffers, Adam's step count, and the learning-rate schedule,
with scikit-learn's rules for 'invscaling' and 'adaptive'.
"""

import numpy as np

from bendernet.reference import ADAM, SGD


class Optimizer:
    """Buffers and schedule of 'sgd' or 'adam' for a flat parameter buffer of n values."""

    def __init__(self, estimator, n_params, dtype):
        self.solver = estimator.solver
        self.learning_rate_init = estimator.learning_rate_init
        self.learning_rate = float(estimator.learning_rate_init)
        self.schedule = estimator.learning_rate
        self.power_t = estimator.power_t
        self.momentum = estimator.momentum
        self.nesterov = estimator.nesterovs_momentum
        self.beta_1, self.beta_2 = estimator.beta_1, estimator.beta_2
        self.epsilon = estimator.epsilon
        # sgd: velocity in first; adam: first and second moments
        self.first = np.zeros(n_params, dtype=dtype)
        self.second = np.zeros(n_params if self.solver == "adam" else 1, dtype=dtype)
        self.step = np.zeros(1, dtype=np.int64)

    def kernel_arguments(self):
        """The optimizer's part of an Epochs, in the kernels' argument order."""
        solver = ADAM if self.solver == "adam" else SGD
        return (solver, self.momentum, self.nesterov, self.beta_1, self.beta_2, self.epsilon)

    def epoch_learning_rate(self):
        """sgd's current rate; Adam's per-step rate is formed in C from the initial one."""
        return self.learning_rate_init if self.solver == "adam" else self.learning_rate

    def iteration_ends(self, time_step):
        """Update the rate after an epoch; time_step is the number of samples seen."""
        if self.solver == "sgd" and self.schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        """True to stop; 'adaptive' sgd divides its rate by 5 instead, until it is tiny."""
        if self.solver == "adam" or self.schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False
