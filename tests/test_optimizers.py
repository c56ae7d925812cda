"""The optimizers: the C core's list of them (csrc/network/optimizers.def) against the
Python classes and the estimators' `solver` options, each step against its NumPy mirror,
and optimizers pickled before they had classes of their own."""

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st
from threadpoolctl import threadpool_limits

from bendernet import _kernels as C
from bendernet import reference as R
from bendernet._base import BaseMultilayerPerceptron
from bendernet._optimizer import OPTIMIZERS, SGD, Adam, Optimizer
from helpers import DTYPES, assert_close, rng_from, sizes

seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from(DTYPES)


# ---- one list of optimizers ------------------------------------------------------------

def test_the_python_classes_are_the_c_cores_optimizers():
    assert sorted(OPTIMIZERS) == sorted(C.OPTIMIZER_NAMES)
    for name, optimizer in OPTIMIZERS.items():
        fields = C.OPTIMIZER_FIELDS[name]
        assert optimizer.name == name
        assert optimizer.hyper_parameters == fields["hyper_parameters"]
        assert optimizer.buffers == fields["buffers"]
        assert optimizer.counters == fields["counters"]
        assert callable(getattr(R, f"{name}_step"))     # the reference mirrors each step


def test_solver_offers_lbfgs_and_every_optimizer():
    (options,) = BaseMultilayerPerceptron._parameter_constraints["solver"]
    assert options.options == {"lbfgs", *C.OPTIMIZER_NAMES}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_an_optimizer_holds_every_field_the_c_core_reads(name, dtype):
    optimizer = OPTIMIZERS[name](7, dtype)
    for field in optimizer.hyper_parameters:
        float(getattr(optimizer, field))
    for field in optimizer.buffers:
        buffer = getattr(optimizer, field)
        assert buffer.shape == (7,) and buffer.dtype == dtype and not buffer.any()
    for field in optimizer.counters:
        counter = getattr(optimizer, field)
        assert counter.shape == (1,) and counter.dtype == np.int64 and counter[0] == 0


# ---- each step against the reference -----------------------------------------------------

def twin_steps(P, G, optimizer):
    """(P, optimizer) after one step of the C core and after one of the reference"""
    P_ref, reference = P.copy(), copy.deepcopy(optimizer)
    C.optimizer_step(P, G, optimizer)
    R.optimizer_step(P_ref, G, reference)
    return (P, optimizer), (P_ref, reference)


@given(N=sizes(0, 100), dtype=dtypes, seed=seeds, nesterov=st.booleans(),
       learning_rate=st.floats(1e-4, 1.0), momentum=st.sampled_from([0.0, 0.9]) |
       st.floats(0, 0.999))
def test_sgd_step_matches_reference(N, dtype, seed, nesterov, learning_rate, momentum):
    rng = rng_from(seed)
    P, G = (rng.standard_normal(N).astype(dtype) for _ in range(2))
    optimizer = SGD(N, dtype, learning_rate, momentum=momentum, nesterov=nesterov)
    optimizer.velocity[...] = rng.standard_normal(N)
    (P, got), (P_ref, want) = twin_steps(P, G, optimizer)
    scale = np.abs(P_ref) + 2 * (np.abs(want.velocity) + learning_rate * np.abs(G))
    assert_close(got.velocity, want.velocity, dtype, scale=scale)
    assert_close(P, P_ref, dtype, scale=scale)


@given(N=sizes(0, 100), dtype=dtypes, seed=seeds, learning_rate=st.floats(1e-5, 1.0),
       beta1=st.sampled_from([0.0, 0.9]) | st.floats(0, 0.999),
       beta2=st.sampled_from([0.0, 0.999]) | st.floats(0, 0.9999),
       epsilon=st.sampled_from([1e-8, 1e-3]), step=st.integers(0, 1000))
def test_adam_step_matches_reference(N, dtype, seed, learning_rate, beta1, beta2, epsilon,
                                     step):
    rng = rng_from(seed)
    P, G = (rng.standard_normal(N).astype(dtype) for _ in range(2))
    optimizer = Adam(N, dtype, learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon)
    optimizer.m[...] = rng.standard_normal(N)
    optimizer.v[...] = rng.random(N)
    optimizer.step[0] = step
    (P, got), (P_ref, want) = twin_steps(P, G, optimizer)
    assert got.step[0] == want.step[0] == step + 1       # counted before the step
    assert_close(got.m, want.m, dtype, scale=np.abs(want.m) + np.abs(G))
    assert_close(got.v, want.v, dtype, scale=np.abs(want.v) + G * G)
    t = step + 1
    lr_t = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    moved = lr_t * np.abs(want.m.astype(np.float64)) / (np.sqrt(want.v) + epsilon)
    assert_close(P, P_ref, dtype, scale=np.abs(P_ref) + moved)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_step_on_threads_is_the_step_on_one(name):
    # 5 chunks of 32768 parameters and a bit: shared out to the threads, element by element
    rng = rng_from(7)
    N = 5 * 32768 + 7
    P, G = (rng.standard_normal(N).astype(np.float32) for _ in range(2))
    optimizer = OPTIMIZERS[name](N, np.float32, 0.01)
    for buffer in optimizer.buffers:
        getattr(optimizer, buffer)[...] = rng.random(N)
    steps = []
    for threads in (1, 2):
        P_copy, copied = P.copy(), copy.deepcopy(optimizer)
        with threadpool_limits(limits=threads, user_api="openmp"):
            C.optimizer_step(P_copy, G, copied)
        steps.append((P_copy, *(getattr(copied, b) for b in optimizer.buffers)))
    for one, two in zip(*steps):
        assert np.array_equal(one, two)


# ---- optimizers pickled before the classes -------------------------------------------------

def pickled_before_the_classes(solver, rng, n_params, dtype):
    """An optimizer as models up to commit b2d5e66 pickled it: one class for both solvers,
    its buffers first and second."""
    old = Optimizer.__new__(Optimizer)
    old.__dict__.update(
        solver=solver, learning_rate_init=0.02, learning_rate=0.004, schedule="invscaling",
        power_t=0.25, momentum=0.8, nesterov=False, beta_1=0.85, beta_2=0.99, epsilon=1e-6,
        first=rng.standard_normal(n_params).astype(dtype),
        second=(rng.random(n_params) if solver == "adam" else np.zeros(1)).astype(dtype),
        step=np.array([4], dtype=np.int64))
    return pickle.dumps(old)


@pytest.mark.parametrize("dtype", DTYPES)
def test_an_old_sgd_optimizer_loads_as_sgd_and_steps_the_same(dtype):
    rng = rng_from(11)
    loaded = pickle.loads(pickled_before_the_classes("sgd", rng, 9, dtype))
    assert type(loaded) is SGD
    expected = SGD(9, dtype, 0.02, schedule="invscaling", power_t=0.25, momentum=0.8,
                   nesterov=False)
    expected.learning_rate = 0.004
    rng = rng_from(11)
    expected.velocity[...] = rng.standard_normal(9).astype(dtype)
    assert vars(loaded).keys() == vars(expected).keys()
    P, G = rng.standard_normal(9).astype(dtype), rng.standard_normal(9).astype(dtype)
    P_expected = P.copy()
    C.optimizer_step(P, G, loaded)
    C.optimizer_step(P_expected, G, expected)
    assert np.array_equal(P, P_expected) and np.array_equal(loaded.velocity, expected.velocity)
    loaded.iteration_ends(99)           # the schedule carries on from the old rate's rules
    assert loaded.learning_rate == 0.02 / 100**0.25


@pytest.mark.parametrize("dtype", DTYPES)
def test_an_old_adam_optimizer_loads_as_adam_and_steps_the_same(dtype):
    rng = rng_from(12)
    loaded = pickle.loads(pickled_before_the_classes("adam", rng, 9, dtype))
    assert type(loaded) is Adam
    expected = Adam(9, dtype, 0.02, schedule="invscaling", power_t=0.25, beta1=0.85,
                    beta2=0.99, epsilon=1e-6)    # stepping at learning_rate_init, as it did
    rng = rng_from(12)
    expected.m[...] = rng.standard_normal(9).astype(dtype)
    expected.v[...] = rng.random(9).astype(dtype)
    expected.step[0] = 4
    assert vars(loaded).keys() == vars(expected).keys()
    P, G = rng.standard_normal(9).astype(dtype), rng.standard_normal(9).astype(dtype)
    P_expected = P.copy()
    C.optimizer_step(P, G, loaded)
    C.optimizer_step(P_expected, G, expected)
    assert np.array_equal(P, P_expected) and loaded.step[0] == expected.step[0] == 5
    assert np.array_equal(loaded.m, expected.m) and np.array_equal(loaded.v, expected.v)
