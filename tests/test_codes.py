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


def test_no_depth_is_too_deep():
    # bendernet once refused more than 64 layers of weights (BN_MAX_LAYERS); scikit-learn
    # has no limit, nor now the C core
    units = np.ones(1001, dtype=np.int64)
    assert _kernels.param_count(units, _codes.RELU) == reference.param_count(units, _codes.RELU)
    assert not hasattr(_codes, "MAX_LAYERS")
    assert "max_layers" not in _kernels.compiled_codes()
    assert Network(units, "relu", "identity", np.float64).n_layers == 1000


@pytest.mark.parametrize("activation, codes", [
    ("tanh", (_codes.TANH,) * 3), (_codes.ELU, (_codes.ELU,) * 3),
    (("relu", "prelu", "step"), (_codes.RELU, _codes.PRELU, _codes.STEP)),
    (["identity", "softplus", "arctan"], (_codes.IDENTITY, _codes.SOFTPLUS, _codes.ARCTAN)),
    (np.array([0, 5, 6]), (0, 5, 6)),
])
def test_layer_codes_give_one_code_per_hidden_layer(activation, codes):
    assert _codes.layer_codes(activation, 3) == codes


@pytest.mark.parametrize("activation, message", [
    (("relu", "foo"), r"activation\[1\]='foo' is not one of identity, step"),
    ("foo", r"activation='foo' is not one of"),
    (("relu",), "1 activations for 2 hidden layers"),
    (("relu", "tanh", "relu"), "3 activations for 2 hidden layers"),
    (("relu", 5), r"activation\[1\]=5 is not one of"),
    (None, "a name or one name per hidden layer"),
])
def test_layer_codes_name_the_bad_layer(activation, message):
    with pytest.raises(ValueError, match=message):
        _codes.layer_codes(activation, 2, names_only=True)
