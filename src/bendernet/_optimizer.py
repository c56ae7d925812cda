"""The stochastic solvers' optimizers: one class each, registered in OPTIMIZERS.

The update itself is C (or reference) code run inside each epoch; an optimizer object
holds what survives an epoch, as attributes the kernels read by name: its hyper-parameters
(read afresh every epoch), its buffers (one value per parameter) and its counters. The
names are those of its line in csrc/network/optimizers.def, which the C core's
``_kernels.OPTIMIZER_FIELDS`` reports; a test holds the two together. The learning-rate
schedule between epochs is scikit-learn's ('invscaling', 'adaptive').
"""

import numpy as np


class StochasticOptimizer:
    """What every optimizer shares: the learning rate, its schedule and the stopping rule.

    A subclass names itself (``name``, its ``solver`` option), lists the attributes the
    kernels read (``hyper_parameters``, ``buffers``, ``counters``), says whether its rate
    follows the schedule (``scheduled``) and takes its options from an estimator
    (``estimator_options``)."""

    name = None
    hyper_parameters = ()
    buffers = ()
    counters = ()
    scheduled = False

    def __init__(self, n_params, dtype, learning_rate_init=0.001, schedule="constant",
                 power_t=0.5):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.schedule = schedule
        self.power_t = power_t
        for name in self.buffers:
            setattr(self, name, np.zeros(n_params, dtype=dtype))
        for name in self.counters:
            setattr(self, name, np.zeros(1, dtype=np.int64))

    @classmethod
    def for_estimator(cls, estimator, n_params, dtype):
        """The optimizer of a fit of estimator, for a flat buffer of n_params values."""
        return cls(n_params, dtype, estimator.learning_rate_init,
                   schedule=estimator.learning_rate, power_t=estimator.power_t,
                   **cls.estimator_options(estimator))

    @staticmethod
    def estimator_options(estimator):
        """The subclass's own constructor options, from the estimator's parameters."""
        return {}

    def iteration_ends(self, time_step):
        """Update the rate after an epoch; time_step is the number of samples seen."""
        if self.scheduled and self.schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        """True to stop; an 'adaptive' rate is divided by 5 instead, until it is tiny."""
        if not self.scheduled or self.schedule != "adaptive":
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


class SGD(StochasticOptimizer):
    """Stochastic gradient descent with (Nesterov's) momentum; the rate follows the
    schedule."""

    name = "sgd"
    hyper_parameters = ("learning_rate", "momentum", "nesterov")
    buffers = ("velocity",)
    scheduled = True

    def __init__(self, n_params, dtype, learning_rate_init=0.001, schedule="constant",
                 power_t=0.5, momentum=0.9, nesterov=True):
        super().__init__(n_params, dtype, learning_rate_init, schedule, power_t)
        self.momentum = momentum
        self.nesterov = nesterov

    @staticmethod
    def estimator_options(estimator):
        return {"momentum": estimator.momentum, "nesterov": estimator.nesterovs_momentum}


class Adam(StochasticOptimizer):
    """Adam (Kingma and Ba): moments m and v, bias-corrected by the step count."""

    name = "adam"
    hyper_parameters = ("learning_rate", "beta1", "beta2", "epsilon")
    buffers = ("m", "v")
    counters = ("step",)

    def __init__(self, n_params, dtype, learning_rate_init=0.001, schedule="constant",
                 power_t=0.5, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(n_params, dtype, learning_rate_init, schedule, power_t)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    @staticmethod
    def estimator_options(estimator):
        return {"beta1": estimator.beta_1, "beta2": estimator.beta_2,
                "epsilon": estimator.epsilon}


#: The optimizers by their `solver` name.
OPTIMIZERS = {optimizer.name: optimizer for optimizer in (SGD, Adam)}


class Optimizer:
    """The one optimizer class of models pickled before the optimizers had classes of
    their own (up to commit b2d5e66): unpickling one turns it into the class of its
    solver, its buffers renamed (first, second: velocity, or m and v)."""

    def __setstate__(self, old):
        state = {name: old[name] for name in
                 ("learning_rate_init", "learning_rate", "schedule", "power_t")}
        if old["solver"] == "sgd":
            self.__class__ = SGD
            state.update(momentum=old["momentum"], nesterov=old["nesterov"],
                         velocity=old["first"])
        else:
            # Adam stepped at learning_rate_init whatever learning_rate held
            self.__class__ = Adam
            state.update(learning_rate=float(old["learning_rate_init"]), beta1=old["beta_1"],
                         beta2=old["beta_2"], epsilon=old["epsilon"], m=old["first"],
                         v=old["second"], step=old["step"])
        self.__dict__.update(state)
