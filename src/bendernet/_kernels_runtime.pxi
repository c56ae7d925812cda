# Included into _kernels.pyx: the C core's thread-placement decision (csrc/runtime/pool.h,
# core_distance.c), exposed so that tests feed it measurements instead of timing the live
# machine (tests/test_pool.py).

# ---- the thread-placement decision -------------------------------------------------------

def far_apart_after(bint was_far_apart, int64_t round_trip, int64_t limit):
    """Whether the pool's cores count as far apart after a round trip measured in
    nanoseconds: far above limit; -1 (no answer) keeps was_far_apart."""
    return bn_far_apart_after(was_far_apart, round_trip, limit)


def threads_for_product(int wanted, bint in_chain, bint far_apart):
    """Threads the C core gives a product that wants `wanted`: 1 inside a chain of steps
    (a fit's) while the cores are far apart, else wanted."""
    return bn_threads_for_product(wanted, in_chain, far_apart)
