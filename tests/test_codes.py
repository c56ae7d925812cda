"""bendernet._codes (what Python knows) against the enums compiled into the C core."""

import numpy as np
import pytest

from bendernet import _codes, _kernels, reference
from bendernet._network import Network


def test_every_name_has_the_code_the_c_core_compiled():
    compiled = _kernels.compiled_codes()
    for kind, names in (("activations", _codes.ACTIVATIONS), ("outputs", _codes.OUTPUTS)):
        assert set(compiled[kind]) == set(names), kind
        for code, name in enumerate(names):
            assert compiled[kind][name] == code, (kind, name)
    assert compiled["n_activations"] == len(_codes.ACTIVATIONS)
    assert compiled["n_outputs"] == len(_codes.OUTPUTS)
    assert compiled["max_layers"] == _codes.MAX_LAYERS


def test_named_codes_follow_the_name_tuples():
    assert _codes.ACTIVATIONS[_codes.PRELU] == "prelu"
    assert _codes.ACTIVATIONS[_codes.SOFTPLUS] == "softplus"
    assert _codes.OUTPUTS[_codes.OUT_SOFTMAX] == "softmax"


@pytest.mark.parametrize("activation", [_codes.RELU, _codes.PRELU])
def test_both_backends_count_parameters_and_workspace_as_the_layout(activation):
    units = np.array([5, 4, 3, 2], dtype=np.int64)
    assert _kernels.param_count(units, activation) == reference.param_count(units, activation)
    assert (_kernels.workspace_len(units, activation, 7)
            == reference.workspace_len(units, activation, 7))


def test_the_deepest_network_the_c_core_takes_is_the_limit():
    units = np.ones(_codes.MAX_LAYERS + 1, dtype=np.int64)
    assert _kernels.param_count(units, _codes.RELU) > 0
    with pytest.raises(ValueError):
        _kernels.param_count(np.ones(_codes.MAX_LAYERS + 2, dtype=np.int64), _codes.RELU)
    with pytest.raises(ValueError, match="at most 64 layers"):
        Network(np.ones(_codes.MAX_LAYERS + 2, dtype=np.int64), "relu", "identity", np.float64)
