"""Peak memory of one fit (issue 14): each system and fit workload in a fresh process
(bench/memory.py). One entry per pair; its time is the whole process's, the MiB added by the
fit are in its record. bendernet's NumPy backend is left out: no user picks it for speed."""

import pytest

from bench import memory, systems, workloads

# every system that trains
MEASURED = [system for system in systems.FIT_SYSTEMS if system != "bendernet-numpy"]
# a smoke run checks the pipeline on one workload: each process imports everything anew
WORKLOADS = workloads.smoke_or(workloads.FIT, [workloads.W1_F64])


@pytest.mark.parametrize("system", MEASURED)
@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.key)
def test_memory(benchmark, record, workload, system):
    systems.make(system, workload)   # skips, with the reason, when the system cannot run
    benchmark.group = f"{memory.WORKLOAD_PREFIX}{workload.group}"
    result = benchmark.pedantic(memory.run_child, args=(system, workload.key), rounds=1,
                                iterations=1, warmup_rounds=0)
    assert result["mib_added"] >= 0
    record(system=system, workload=memory.WORKLOAD_PREFIX + workload.key,
           fit_workload=workload.key, **result)


def test_the_measure_sees_what_a_fit_allocates_and_frees():
    """Not a benchmark: a 'fit' that fills 64 MiB and frees it adds 64 MiB at its peak"""
    import numpy as np

    def fit():
        np.ones(64 * memory.MIB // 8).sum()

    added = memory.fit_added_mib(fit)["mib_added"]
    assert 63 <= added <= 68, added
