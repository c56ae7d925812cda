/* The CPUs this process may run on, and the cap they put on its threads (see pool.h).
 *
 * OpenMP's limit (OMP_NUM_THREADS, threadpoolctl) may ask for more threads than the process
 * has CPUs: OMP_NUM_THREADS=16 on a 2-CPU machine, or a process that taskset, a container
 * or a job scheduler pinned to fewer CPUs than the machine has (sched_getaffinity). Threads
 * beyond the CPUs only take turns on them: each piece of a product waits for a time slice,
 * and a fit runs slower than on one thread per CPU. So bendernet never uses more threads
 * than CPUs, whatever the limit says; a lower limit is always honoured.
 *
 * The count is read once, when first asked (a syscall costs more than a tiny network's
 * product), and again in a forked child, which may be pinned apart from its parent. A
 * change to the affinity later in the life of the process is not seen. A CPU quota of a
 * cgroup (docker --cpus) is not an affinity and is not counted either. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include "pool.h"

/* CPUs a set of this many may hold at most: a process on a larger machine may use them all
 * anyway, as far as bendernet's thread counts go (pool.c starts at most 63 threads) */
#define MOST_CPUS_COUNTED 65536

/* The CPUs in the calling thread's affinity mask; 0 when the system cannot say */
static int count_affinity(void)
{
#ifdef CPU_ALLOC
    /* a machine may have more CPUs than a cpu_set_t holds (1024): the set grows until the
     * kernel's mask fits in it */
    for (int cpus = CPU_SETSIZE; cpus <= MOST_CPUS_COUNTED; cpus *= 2) {
        cpu_set_t *set = CPU_ALLOC(cpus);
        if (!set)
            return 0;
        size_t size = CPU_ALLOC_SIZE(cpus);
        int count = sched_getaffinity(0, size, set) == 0 ? CPU_COUNT_S(size, set) : 0;
        CPU_FREE(set);
        if (count > 0)
            return count;
    }
#endif
    return 0;
}

static _Atomic int usable_cpus;     /* 0: not counted yet */

int bn_usable_cpus(void)
{
    int count = atomic_load_explicit(&usable_cpus, memory_order_relaxed);
    if (count > 0)
        return count;
    count = count_affinity();
    if (count < 1) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        count = online >= 1 && online <= MOST_CPUS_COUNTED ? (int)online : 1;
    }
    atomic_store_explicit(&usable_cpus, count, memory_order_relaxed);
    return count;
}

int bn_threads_within(int limit, int usable)
{
    return usable >= 1 && limit > usable ? usable : limit;
}

void bn_usable_cpus_reset_in_child(void)
{
    atomic_store(&usable_cpus, 0);
}
