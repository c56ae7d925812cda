"""The JAX peers do scikit-learn's work, not less: every fit workload, same seed, checked.

Smoke sizes only (BENDERNET_BENCH_SMOKE=1): a check of what the timed entries compute, not a
benchmark. Each fit goes through test_fit.run_fit, the bench entry's own path, so the check
also covers what the entry records (the model's score, the compile seconds).
"""

import functools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from bench import systems, workloads
from bench.test_fit import run_fit

if not workloads.SMOKE:
    pytest.skip("the JAX peers are checked at smoke sizes: run with BENDERNET_BENCH_SMOKE=1",
                allow_module_level=True)
if systems.missing("jax"):
    pytest.skip(f"JAX peers not checked: {systems.missing('jax')}", allow_module_level=True)

# Loss curves against scikit-learn's. float64: measured up to 3e-15 relative (the order of
# the sums in XLA's products and reductions, and its own exp/log/tanh, differ from
# NumPy/OpenBLAS/libm by an ulp here and there). float32: up to 2e-7.
RTOL = {np.float64: 1e-14, np.float32: 1e-6}


class Entry:
    """Stands in for pytest-benchmark's fixture: runs the warm-up and one round, untimed, and
    keeps what run_fit records."""

    group, stats = None, None

    def __init__(self):
        self.extra_info = {}

    def pedantic(self, target, setup, rounds, warmup_rounds):
        for _ in range(warmup_rounds + 1):
            args, kwargs = setup()
            result = target(*args, **kwargs)
        return result


@functools.lru_cache(maxsize=None)
def sklearn_fit(key):
    workload = next(workload for workload in workloads.FIT if workload.key == key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 warns by design
        X, y = workload.arrays()[:2]
        return systems.make("sklearn", workload)().fit(X, y)


@pytest.mark.parametrize("system", systems.JAX_SYSTEMS)
@pytest.mark.parametrize("workload", workloads.FIT, ids=lambda w: w.key)
def test_jax_fit_is_sklearns(workload, system):
    entry = Entry()
    model = run_fit(entry, entry.extra_info.update, workload, system)
    theirs = sklearn_fit(workload.key)
    assert len(model.loss_curve_) == len(theirs.loss_curve_) == workload.epochs
    rtol = RTOL[workload.dtype]
    if system == "jax":
        assert_allclose(model.loss_curve_, theirs.loss_curve_, rtol=rtol)
    else:
        assert_allclose(model.loss_, theirs.loss_, rtol=rtol)
    X_eval, y_eval = workload.arrays()[2:]
    info = entry.extra_info
    assert info["system"] == system and info["workload"] == workload.key
    assert info["score"] == model.score(X_eval, y_eval)
    assert info["score"] == pytest.approx(theirs.score(X_eval, y_eval), rel=1e-6)
    assert info["compile_s"] == model.compile_seconds_ > 0
