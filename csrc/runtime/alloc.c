/* Every allocation of the C core comes through here, so that running out of memory can be
 * tested: the test-only switch BENDERNET_FAIL_ALLOC_AT=N (or bn_alloc_fail_at(N)) makes the
 * N-th allocation fail as if memory had run out, and bn_alloc_live counts the allocations
 * not yet freed, so a test sees that a failure leaks nothing.
 *
 * Always compiled in, so that the tests exercise the very library users run (and the
 * sanitizer build CI runs): the variable is read once, when the library is loaded, and the
 * switch then costs an atomic add per allocation, of which a fit makes a handful (each
 * thread keeps its scratch, gemm_scratch.c). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include "bendernet.h"
#include "alloc.h"

static _Atomic int64_t allocations_made;   /* since the switch was last set */
static _Atomic int64_t fail_at;            /* 0: never fail */
static _Atomic int64_t allocations_live;

/* Whether this allocation is the one the switch fails */
static int injected_failure(void)
{
    int64_t n = atomic_fetch_add_explicit(&allocations_made, 1, memory_order_relaxed) + 1;
    return n == atomic_load_explicit(&fail_at, memory_order_relaxed);
}

static void *counted(void *memory)
{
    if (memory)
        atomic_fetch_add_explicit(&allocations_live, 1, memory_order_relaxed);
    return memory;
}

void *bn_alloc_aligned(size_t alignment, size_t bytes)
{
    if (bytes > SIZE_MAX - (alignment - 1) || injected_failure())
        return NULL;
    return counted(aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment));
}

void *bn_alloc_zeroed(size_t bytes)
{
    return injected_failure() ? NULL : counted(calloc(1, bytes));
}

void bn_free(void *memory)
{
    if (memory)
        atomic_fetch_sub_explicit(&allocations_live, 1, memory_order_relaxed);
    free(memory);
}

void bn_alloc_fail_at(int64_t n)
{
    atomic_store(&fail_at, n > 0 ? n : 0);
    atomic_store(&allocations_made, 0);
}

int64_t bn_alloc_made(void)
{
    return atomic_load(&allocations_made);
}

int64_t bn_alloc_live(void)
{
    return atomic_load(&allocations_live);
}

__attribute__((constructor)) static void read_switch(void)
{
    const char *n = getenv("BENDERNET_FAIL_ALLOC_AT");
    if (n)
        bn_alloc_fail_at(strtoll(n, NULL, 10));
}
