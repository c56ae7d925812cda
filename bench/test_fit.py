"""Training: W1 (f64 and f32), W2, W3 and W5, each system on the same work in one group."""

import pytest

from bench import systems, workloads


def run_fit(benchmark, record, workload, system, rounds=None, warmup=None):
    """Time ``rounds`` fits of ``system`` on ``workload``; record its score beside the time."""
    make = systems.make(system, workload)
    X, y, X_eval, y_eval = workload.arrays()
    benchmark.group = workload.group
    model = benchmark.pedantic(lambda model: model.fit(X, y), setup=lambda: ((make(),), {}),
                               rounds=rounds or systems.ROUNDS[system],
                               warmup_rounds=systems.WARMUP[system] if warmup is None else warmup)
    metric = "r2" if workload.task == "regress" else "accuracy"
    # a compiling system's compile, measured once per workload and kept out of the fit's time
    compiled = {"compile_s": model.compile_seconds_} if hasattr(model, "compile_seconds_") \
        else {}
    record(system=system, workload=workload.key, epochs=workload.epochs,
           updates=workload.updates(), dtype=workload.dtype.__name__, metric=metric,
           flops=workloads.fit_flops(workload), threads=systems.threads(system),
           score=float(model.score(X_eval, y_eval)), **compiled)
    return model


@pytest.mark.parametrize("system", systems.FIT_SYSTEMS)
@pytest.mark.parametrize("workload", workloads.FIT, ids=lambda w: w.key)
def test_fit(benchmark, record, workload, system):
    if workload is workloads.W2:  # the one heavy workload: fewer rounds, no warm-up but to compile
        run_fit(benchmark, record, workload, system, rounds=1 if system == "bendernet-numpy"
                else 3, warmup=1 if system in systems.COMPILED else 0)
    else:
        run_fit(benchmark, record, workload, system)
