"""bendernet's threads on a Dask worker: each task keeps to its share of the cores.

The C core runs as many threads as OpenMP's limit allows (``bn_max_threads``,
csrc/runtime/pool.c), never more than the process's CPUs: one per CPU unless
OMP_NUM_THREADS or threadpoolctl says less. A
Dask worker runs one task per worker thread. Dask's nanny starts process workers with
OMP_NUM_THREADS=1, but a worker without a nanny (``LocalCluster(processes=False)``,
``dask worker --no-nanny``) keeps the default, so its threads_per_worker tasks would each
start a thread per core. Here a task's thread gets the cores divided by the worker threads
of its process instead.

OpenMP's limit is a per-thread setting (nthreads-var, in libgomp and LLVM's libomp alike):
set once in a worker's thread, it holds for every later task on that thread and nowhere
else.
"""

import os
import sys
import threading

# per thread: whether it has been looked at (a thread never becomes a worker's later)
_seen = threading.local()

# a Worker's status while it may run tasks (distributed.core.Status names)
RUNNING = ("init", "running", "paused", "closing_gracefully")


def keep_to_worker_share():
    """Limit the calling thread's bendernet threads to its share of the cores when it is a
    Dask worker's; nothing elsewhere. Cheap after the first call on a thread."""
    distributed = sys.modules.get("distributed")
    if distributed is None:   # not imported: no worker in this process (yet)
        return
    if getattr(_seen, "done", False):
        return
    _seen.done = True
    try:
        distributed.get_worker()
    except ValueError:
        return
    share = worker_share(distributed.Worker._instances)
    from bendernet import _kernels

    if share < _kernels.max_threads():
        import threadpoolctl

        threadpoolctl.threadpool_limits(limits=share, user_api="openmp")


def worker_share(workers):
    """Threads a task may use: this process's cores over its running workers' threads."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = sum(w.state.nthreads for w in list(workers) if w.status.name in RUNNING)
    return max(1, (cores or 1) // max(1, threads))
