"""W1 (short) with one core kept busy by a spinning process, against the same fit quiet.

Both conditions share one group; the report divides contended by quiet per system. A
library that splits work evenly across all cores waits for the thread that shares its core
with the spinner; one that adapts (or does not start threads) loses far less.
"""

import pytest

from bench import systems, workloads
from bench.test_fit import run_fit


# condition varies fastest: each system's quiet and contended fits run back to back
@pytest.mark.parametrize("condition", ["quiet", "contended"])
@pytest.mark.parametrize("system", systems.SYSTEMS)
def test_contended(benchmark, record, request, condition, system):
    systems.require(system)  # before starting a spinner for nothing
    spinner = request.getfixturevalue("busy_core") if condition == "contended" else None
    run_fit(benchmark, record, workloads.W1_SHORT, system)
    record(condition=condition,
           spinner_alive_at_end=None if spinner is None else spinner.poll() is None)
