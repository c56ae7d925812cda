"""bendernet's threads are capped at the CPUs the process may run on (csrc/runtime/
usable_cpus.c): OMP_NUM_THREADS or threadpool_limits above them give the CPUs, below them
their own count. The cap is tested over CPU counts fed to it, and through processes pinned
to fewer CPUs (their affinity mask is the count), never by timing."""

import os
import subprocess
import sys

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from bendernet import _kernels

HAS_AFFINITY = hasattr(os, "sched_getaffinity") and hasattr(os, "sched_setaffinity")


@pytest.mark.parametrize("limit,usable,threads", [
    (16, 2, 2),          # OMP_NUM_THREADS=16 on this project's 2-CPU machine
    (8, 2, 2),
    (3, 2, 2),
    (2, 2, 2),           # the limit at the CPUs, or under them, is the limit
    (1, 2, 1),
    (1, 1, 1),
    (16, 1, 1),          # a process pinned to one CPU
    (4, 64, 4),          # a large machine: the limit
    (64, 64, 64),
    (4, 0, 4),           # the CPUs unknown: no cap
    (4, -1, 4),
])
def test_threads_are_the_limit_but_never_more_than_the_cpus(limit, usable, threads):
    assert _kernels.threads_within(limit, usable) == threads


@pytest.mark.skipif(not HAS_AFFINITY, reason="counts the affinity mask")
def test_the_usable_cpus_are_the_affinity_mask():
    assert _kernels.usable_cpus() == len(os.sched_getaffinity(0))
    assert 1 <= _kernels.max_threads() <= _kernels.usable_cpus()


def bendernet_threads():
    return [info["num_threads"] for info in threadpool_info()
            if info["internal_api"] == "bendernet"]


def test_threadpool_limits_above_the_cpus_gives_the_cpus_and_restores():
    # threadpool_limits(n) sets OpenMP's limit; bendernet uses at most the CPUs under it,
    # and reports that count to threadpoolctl
    before = _kernels.max_threads()
    usable = _kernels.usable_cpus()
    with threadpool_limits(limits=8 * usable):
        assert _kernels.max_threads() == usable
        assert bendernet_threads() == [usable]
    with threadpool_limits(limits=1):
        assert _kernels.max_threads() == 1
        assert bendernet_threads() == [1]
    assert _kernels.max_threads() == before


# A fresh process under OMP_NUM_THREADS=16 (an affinity given in argv[1], if any, set before
# bendernet is imported): bendernet's limit and the CPUs it counted, the threads a
# 48-MFLOP product (which asks for every thread it may have) starts, whether the product
# is right, the limit under threadpool_limits(8), and a forked child's count after it
# pins itself to one CPU.
FRESH_PROCESS = """
import os, sys
if len(sys.argv) > 1:
    os.sched_setaffinity(0, {int(sys.argv[1])})
import numpy as np
from threadpoolctl import threadpool_limits
from bendernet import _kernels
A, B, C = np.ones((300, 400)), np.ones((400, 200)), np.empty((300, 200))
before = len(os.listdir("/proc/self/task"))
_kernels.gemm(C, A, B)
started = len(os.listdir("/proc/self/task")) - before
with threadpool_limits(limits=8):
    under_eight = _kernels.max_threads()
read_end, write_end = os.pipe()
child = os.fork()
if child == 0:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    os.write(write_end, str(_kernels.max_threads()).encode())
    os._exit(0)
os.waitpid(child, 0)
in_child = int(os.read(read_end, 16))
print(_kernels.max_threads(), _kernels.usable_cpus(), started, bool((C == 400).all()),
      under_eight, in_child)
"""


def run_fresh(*argv):
    env = {**os.environ, "OMP_NUM_THREADS": "16"}
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS, *map(str, argv)], env=env,
                         check=True, capture_output=True, text=True, timeout=120).stdout
    return [int(word) if word.isdigit() else word for word in out.split()]


@pytest.mark.skipif(not HAS_AFFINITY or not os.path.isdir("/proc/self/task"),
                    reason="pins processes and counts their threads in /proc")
def test_omp_num_threads_above_the_cpus_starts_a_thread_per_cpu_at_most():
    usable = len(os.sched_getaffinity(0))
    threads, counted, started, right, under_eight, in_child = run_fresh()
    assert counted == usable
    assert threads == min(16, usable)
    assert started <= usable - 1         # pool threads beside the caller
    assert right == "True"
    assert under_eight == min(8, usable)
    assert in_child == 1                 # a forked child counts its own CPUs


@pytest.mark.skipif(not HAS_AFFINITY or not os.path.isdir("/proc/self/task"),
                    reason="pins processes and counts their threads in /proc")
def test_a_process_pinned_to_one_cpu_runs_on_one_thread_under_omp_num_threads_16():
    cpu = min(os.sched_getaffinity(0))
    threads, counted, started, right, under_eight, in_child = run_fresh(cpu)
    assert (threads, counted, started, right, under_eight, in_child) == (1, 1, 0, "True", 1, 1)
