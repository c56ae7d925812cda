"""bendernet's threads under threadpoolctl (src/bendernet/_threadpool.py): listed as
bendernet's own library, and limited by threadpool_limits, counted in the threads the
process starts."""

import os
import subprocess
import sys

import pytest
from threadpoolctl import ThreadpoolController, threadpool_info, threadpool_limits

import bendernet
from bendernet import _kernels


def bendernet_entries():
    return [info for info in threadpool_info() if info["internal_api"] == "bendernet"]


def test_threadpool_info_lists_the_extension_as_bendernet():
    entries = bendernet_entries()
    assert len(entries) == 1
    entry = entries[0]
    assert os.path.samefile(entry["filepath"], _kernels.__file__)
    assert entry["version"] == bendernet.__version__
    assert entry["user_api"] == "openmp"
    assert entry["num_threads"] == _kernels.max_threads()


@pytest.mark.parametrize("limit", [
    lambda: threadpool_limits(limits=1),
    lambda: threadpool_limits(limits=1, user_api="openmp"),
    lambda: ThreadpoolController().select(internal_api="bendernet").limit(limits=1),
], ids=["all", "openmp", "bendernet-alone"])
def test_threadpool_limits_sets_and_restores_bendernet_s_limit(limit):
    before = _kernels.max_threads()
    with limit():
        assert _kernels.max_threads() == 1
        assert bendernet_entries()[0]["num_threads"] == 1
    assert _kernels.max_threads() == before


THREADS_STARTED = """
import os, numpy as np
from threadpoolctl import ThreadpoolController
from bendernet import _kernels
# 48 MFLOP: a product that asks for every thread it may have
A, B, C = np.ones((300, 400)), np.ones((400, 200)), np.empty((300, 200))
ours = ThreadpoolController().select(internal_api="bendernet")
before = len(os.listdir("/proc/self/task"))
with ours.limit(limits=1):
    _kernels.gemm(C, A, B)
under_limit = len(os.listdir("/proc/self/task")) - before
_kernels.gemm(C, A, B)
print(under_limit, len(os.listdir("/proc/self/task")) - before, (C == 400).all())
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_under_bendernet_s_limit_of_one_no_worker_thread_starts():
    # a fresh process: no pool thread yet; under the limit the product runs on the caller
    # alone, and once the limit is lifted (2, from OMP_NUM_THREADS) the pool starts one
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", THREADS_STARTED], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    assert out == ["0", "1", "True"]
