"""Property tests of the optimizer steps (csrc/network/optimizers/*.c, run in chunks of
CHUNK = 32768 parameters on the threads from 4 chunks on) against bendernet.reference: every
optimizer of the C core, both precisions, lengths either side of the vector widths and of
1, 3 and 4 chunks, values from tiny to huge (G^2 may overflow), any hyper-parameters and
step count, 1 to 4 threads.

Bound: 0 ulps, bit for bit. Each C step is written as its NumPy mirror computes: the same
scalars rounded to the buffers' precision (NumPy casts a Python float to the array's type),
the same operations in the same order, Adam's step formed in double from a double lr_t (its
powers from the same libm pow), and no contraction into fused multiply-adds
(-ffp-contract=off). An element's update reads no other element, so neither chunks nor
threads change a bit either."""

import copy

import numpy as np
from hypothesis import given, settings, strategies as st

from bendernet import _kernels as K
from bendernet import reference as R
from bendernet._optimizer import OPTIMIZERS
from helpers import SMALL_SIZES, THREAD_COUNTS, around, examples, openmp_threads

CHUNK = 32768                   # csrc/tuning.h
LENGTHS = (st.sampled_from(around(CHUNK, 3 * CHUNK, 4 * CHUNK)) |
           st.sampled_from(SMALL_SIZES + tuple(around(8, 16, 32, 64))) | st.integers(0, 300))


def wide_values(rng, n, dtype, decades):
    """n values of either sign spread over 10^-decades to 10^decades, a few exactly 0"""
    values = rng.standard_normal(n) * 10.0 ** rng.uniform(-decades, decades, n)
    values[rng.random(n) < 0.05] = 0
    return values.astype(dtype)


@st.composite
def steps(draw):
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = draw(LENGTHS)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    decades = draw(st.sampled_from([1, 10, 25]))
    P, G = wide_values(rng, n, dtype, decades), wide_values(rng, n, dtype, decades)
    rate = draw(st.sampled_from([1e-3, 0.5]) | st.floats(1e-6, 10))
    options = ({"momentum": draw(st.sampled_from([0.0, 0.9]) | st.floats(0, 1)),
                "nesterov": draw(st.booleans())} if name == "sgd" else
               {"beta1": draw(st.sampled_from([0.0, 0.9]) | st.floats(0, 0.999)),
                "beta2": draw(st.sampled_from([0.0, 0.999]) | st.floats(0, 0.9999)),
                "epsilon": draw(st.sampled_from([1e-8, 1e-3]))})
    optimizer = OPTIMIZERS[name](n, dtype, rate, **options)
    for buffer in optimizer.buffers:    # a second moment is never negative
        values = wide_values(rng, n, dtype, decades)
        getattr(optimizer, buffer)[...] = np.abs(values) if buffer == "v" else values
    for counter in optimizer.counters:
        getattr(optimizer, counter)[0] = draw(st.integers(0, 10_000))
    return P, G, optimizer, draw(THREAD_COUNTS)


def state_of(P, optimizer):
    return [P] + [getattr(optimizer, f) for f in optimizer.buffers + optimizer.counters]


@settings(max_examples=examples(200))
@given(case=steps())
def test_step_is_the_references_bit_for_bit_on_any_thread_count(case):
    P, G, optimizer, threads = case
    states = []
    for run_threads in (1, threads):
        P_run, optimizer_run = P.copy(), copy.deepcopy(optimizer)
        with openmp_threads(run_threads), np.errstate(over="ignore"):
            K.optimizer_step(P_run, G, optimizer_run)
        states.append(state_of(P_run, optimizer_run))
    P_ref, reference = P.copy(), copy.deepcopy(optimizer)
    with np.errstate(over="ignore", invalid="ignore"):
        R.optimizer_step(P_ref, G, reference)
    for one, many, expected in zip(*states, state_of(P_ref, reference)):
        assert np.array_equal(one, many, equal_nan=True), "threads changed the bits"
        assert np.array_equal(one, expected, equal_nan=True), (
            f"{np.sum(one != expected)} of {one.size} values differ from the reference")
