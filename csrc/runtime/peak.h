/* The FMA loops that measure the machine's peak (peak.c), one per instruction set, each in
 * its own file compiled for that set. Internal. */
#ifndef BN_PEAK_H
#define BN_PEAK_H
#include <stdint.h>

/* Independent chains of fused multiply-adds each loop keeps in flight: enough to cover the
 * FMA latency (4 cycles) on two pipes (8 chains), with room to spare. */
#define BN_PEAK_CHAINS 12

/* Each runs `rounds` rounds of BN_PEAK_CHAINS vector FMAs, one per chain, and returns a sum
 * of the chains (so the compiler keeps them). The FLOPs done: rounds * BN_PEAK_CHAINS *
 * (lanes of the loop's vector) * 2; lanes as bn_peak_lanes says. */
double bn_peak_rounds_portable_f32(int64_t rounds);
double bn_peak_rounds_portable_f64(int64_t rounds);
double bn_peak_rounds_avx2_f32(int64_t rounds);
double bn_peak_rounds_avx2_f64(int64_t rounds);
double bn_peak_rounds_avx512_f32(int64_t rounds);
double bn_peak_rounds_avx512_f64(int64_t rounds);

#endif
