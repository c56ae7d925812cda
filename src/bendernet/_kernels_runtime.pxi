# Included into _kernels.pyx: the C core's thread-placement decision (csrc/runtime/pool.h,
# core_distance.c) and its cap at the usable CPUs (usable_cpus.c), exposed so that tests feed
# them measurements instead of timing the live machine (tests/test_pool.py,
# tests/test_usable_cpus.py); and the switch that makes an allocation fail
# (csrc/runtime/alloc.c), for the out-of-memory tests (tests/test_out_of_memory.py); and the
# machine's measured FMA peak (csrc/runtime/peak.c), which the benchmark reports against.

# ---- the thread-placement decision -------------------------------------------------------

def far_apart_after(bint was_far_apart, int64_t round_trip, int64_t limit):
    """Whether the pool's cores count as far apart after a round trip measured in
    nanoseconds: far above limit; -1 (no answer) keeps was_far_apart."""
    return bn_far_apart_after(was_far_apart, round_trip, limit)


def threads_for_product(int wanted, bint in_chain, bint far_apart):
    """Threads the C core gives a product that wants `wanted`: 1 inside a chain of steps
    (a fit's) while the cores are far apart, else wanted."""
    return bn_threads_for_product(wanted, in_chain, far_apart)


def threads_within(int limit, int usable_cpus):
    """Threads the C core uses under OpenMP's limit on a process that may run on
    usable_cpus CPUs: the limit, never more than the CPUs (below 1: unknown, no cap)."""
    return bn_threads_within(limit, usable_cpus)


def usable_cpus():
    """The CPUs the C core counted for this process: its affinity mask, counted once when
    first asked (again in a forked child)."""
    return bn_usable_cpus()


# ---- tasks dealt in shares ----------------------------------------------------------------

cdef struct dealt_record:
    int64_t *runs          # per task: how many times it ran
    int64_t *worker        # per task: the worker that ran it (the last, if more)
    int64_t *position      # per task: how many tasks its worker had run before it
    int64_t *run_by        # per worker: tasks run so far
    int64_t spin           # busy iterations per task, so that the pool's threads join in
    double sink


cdef void record_task(void *context, int64_t task, int worker) noexcept nogil:
    cdef dealt_record *rec = <dealt_record *>context
    cdef int64_t i
    cdef double x = 0
    for i in range(rec.spin):
        x = x * 0.5 + 1.0
    rec.sink += x
    rec.runs[task] += 1
    rec.worker[task] = worker
    rec.position[task] = rec.run_by[worker]
    rec.run_by[worker] += 1


def deal_by_shares(int64_t n_tasks, int n_workers, int64_t spin=0):
    """Runs n_tasks recording tasks through bn_parallel_for_by_shares on up to n_workers
    workers; returns (runs, worker, position) per task: how many times it ran, the worker
    that ran it, and how many tasks that worker had run before it."""
    if n_tasks < 0 or n_workers < 0 or spin < 0:
        raise ValueError("n_tasks, n_workers and spin must be >= 0")
    runs = numpy.zeros(n_tasks, numpy.int64)
    worker = numpy.full(n_tasks, -1, numpy.int64)
    position = numpy.full(n_tasks, -1, numpy.int64)
    run_by = numpy.zeros(64, numpy.int64)
    cdef int64_t[::1] runs_v = runs, worker_v = worker, position_v = position
    cdef int64_t[::1] run_by_v = run_by
    cdef int64_t unused = 0
    cdef dealt_record rec
    rec.runs = &runs_v[0] if n_tasks else &unused
    rec.worker = &worker_v[0] if n_tasks else &unused
    rec.position = &position_v[0] if n_tasks else &unused
    rec.run_by = &run_by_v[0]
    rec.spin = spin
    rec.sink = 0
    with nogil:
        bn_parallel_for_by_shares(n_tasks, n_workers, record_task, &rec)
    return runs, worker, position


# ---- the machine's peak ------------------------------------------------------------------

def fma_peak(dtype, threads, seconds):
    """FLOP/s of fused multiply-adds (2 FLOPs each) in dtype (float32 or float64) on the
    widest vectors this CPU runs, measured now: `threads` threads of bendernet's pool (1 to
    1024) each run independent FMA chains for `seconds` (above 0, at most 60); the FLOPs
    done over the wall time of the whole. Timing, so it varies from call to call."""
    kind = numpy.dtype(dtype)
    require(kind == _float32 or kind == _float64,
            f"fma_peak measures float32 or float64, not {kind}")
    require(isinstance(threads, int) and not isinstance(threads, bool) and
            1 <= threads <= 1024, f"threads must be an int from 1 to 1024, not {threads!r}")
    require(isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and
            0 < seconds <= 60, f"seconds must be above 0 and at most 60, not {seconds!r}")
    cdef double flops_per_second = 0
    cdef bint is_double = kind == _float64
    cdef int n_threads = threads, status
    cdef double duration = seconds
    with nogil:
        status = bn_fma_peak(&flops_per_second, is_double, n_threads, duration)
    check(status)
    return flops_per_second


# ---- out of memory, on purpose ---------------------------------------------------------------

def fail_alloc_at(int64_t n):
    """From now on the n-th allocation of the C core fails as if memory had run out (n <= 0:
    none does); the count starts again. BENDERNET_FAIL_ALLOC_AT=n does the same at import."""
    bn_alloc_fail_at(n)


def alloc_counts():
    """(allocations made since fail_alloc_at was last called, allocations not freed yet)"""
    return bn_alloc_made(), bn_alloc_live()


def release_scratch():
    """Free the calling thread's kept matrix-product scratch (both precisions), so that
    alloc_counts()[1] counts only what is not meant to outlive a call."""
    with nogil:
        bn_gemm_release_scratch_f32()
        bn_gemm_release_scratch_f64()
