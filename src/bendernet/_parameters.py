"""An estimator's parameters as one flat buffer, laid out as the C core trains them.

After a fit, ``coefs_``, ``intercepts_`` (and ``prelu_alpha_``) are views into the flat
buffer that the kernels update in place, so predict and the next partial_fit pack nothing.
A user may assign new arrays to them: they are packed afresh when next needed.
"""

import operator

import numpy as np

from bendernet import _kernels
from bendernet._fitted_state import check_fitted
from bendernet._kernels import PREDICT_PLAN
from bendernet._network import PREDICT_CHUNK_ROWS, Network

#: The slope every PReLU layer starts from.
PRELU_INITIAL_SLOPE = 0.25


class FlatParameters:
    """The estimators' side of the flat parameter buffer (a base of BaseMultilayerPerceptron)."""

    def _network(self, dtype):
        """The fitted network's shape and activations, as the kernels see them (cached)."""
        units = (self.coefs_[0].shape[0],) + tuple(c.shape[1] for c in self.coefs_)
        activation = self.activation
        if not isinstance(activation, str):     # a list of names cannot be a key
            activation = tuple(activation)
        key = (units, activation, self.out_activation_, np.dtype(dtype), self.backend)
        cache = self.__dict__.setdefault("_networks", {})
        if key not in cache:
            cache[key] = Network(units, self.activation, self.out_activation_, dtype,
                                 self.backend)
        return cache[key]

    def _predict_network(self, x_dtype, checked=None):
        """(network, flat parameters) that predict runs an X of x_dtype through. checked is
        what check_fitted returned: while the state is that same one, a repeated predict
        finds both in its plan (_kernels.PredictPlan), without the dtype promotion, the
        network's key and the views' identity check (together a fifth of a one-row
        predict); and a repeated predict of a plain array runs by the plan alone
        (_kernels.planned_output)."""
        cache = self.__dict__.get("_networks")
        plan = None if checked is None else cache.get(PREDICT_PLAN)
        if plan is not None and plan.record is checked and plan.x_dtype is x_dtype:
            return plan.network, plan.flat
        # as NumPy would promote X @ coefs_: ints predict in float64, float32 stays float32
        dtype = np.result_type(x_dtype, *self.coefs_, *self.intercepts_, np.float32)
        network = self._network(dtype)
        flat = self._flat_params(network)
        # only the model's own buffer, whose views are coefs_ and intercepts_: a packing
        # of assigned arrays is redone each time, as they may have changed in place
        if checked is not None and flat is self.__dict__.get("_flat"):
            direct = (network.kernels is _kernels and x_dtype == network.dtype
                      and "feature_names_in_" not in self.__dict__)
            cache[PREDICT_PLAN] = _kernels.PredictPlan(checked, x_dtype, network, flat,
                                                       direct, PREDICT_CHUNK_ROWS)
        return network, flat

    def _slopes(self, network):
        """prelu_alpha_ as network reads it: a slope per hidden layer, NaN where the layer
        is not PReLU; a new array where a layer became PReLU (its slope starts afresh) or
        stopped being one since prelu_alpha_ was made."""
        if not network.has_slopes:
            return None
        # a model without slopes of its own (set_params(activation="prelu") after a fit)
        # starts from the initial ones; a prelu_alpha_ of the wrong length never gets
        # here (bendernet._fitted_state)
        slopes = getattr(self, "prelu_alpha_", None)
        if slopes is None:
            slopes = np.full(network.n_layers - 1, PRELU_INITIAL_SLOPE)
        slopes = np.asarray(slopes)
        prelu = network.prelu_layers
        fresh = np.isnan(slopes) & prelu
        if fresh.any() or not np.isnan(slopes[~prelu]).all():
            slopes = np.where(prelu, np.where(fresh, PRELU_INITIAL_SLOPE, slopes), np.nan)
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

    def _own_params(self):
        """Make a packing of coefs_ and intercepts_ (and prelu_alpha_) the model's flat buffer,
        as after a fit, when they are a model predict runs: an unpickled model's arrays are
        its own, and while they are not its buffer's views every predict packs them afresh
        and none is planned (a loaded W1 model predicted one row in 10 us instead of 2).
        A state predict refuses is left as it is, for predict to name what is wrong; so are
        slopes that predict would read otherwise than prelu_alpha_ shows them."""
        if "coefs_" not in self.__dict__:
            return
        try:
            check_fitted(self, remember=False)
            network = self._network(np.result_type(*self.coefs_, *self.intercepts_,
                                                   np.float32))
        except (TypeError, ValueError, AttributeError):
            return
        slopes = self._slopes(network)
        if slopes is None or slopes is self.__dict__.get("prelu_alpha_"):
            self._adopt_params(network, network.pack(self.coefs_, self.intercepts_, slopes))

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
