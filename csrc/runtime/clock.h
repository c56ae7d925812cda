/* The runtime's clock (pool.c, core_distance.c). Internal. */
#ifndef BN_CLOCK_H
#define BN_CLOCK_H
#include <stdint.h>
#include <time.h>

/* nanoseconds on CLOCK_MONOTONIC: for intervals, never for the time of day */
static inline int64_t bn_now_nanoseconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
