/* The peak's FMA loop in plain C (peak.h), for CPUs without AVX2 and FMA: as wide as the
 * compiler makes fma() on arrays of 4, which it may or may not turn into vectors. */
#include <math.h>
#include "runtime/peak.h"

#define LANES 4

/* The chains converge on 1 (x -> 0.5 x + 0.5) and never leave the normal numbers. The
 * constants come in through volatile so the compiler cannot fold the loop away. */
double bn_peak_rounds_portable_f32(int64_t rounds)
{
    volatile float half = 0.5f;
    float scale = half, shift = half, chain[BN_PEAK_CHAINS][LANES];
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        for (int l = 0; l < LANES; l++)
            chain[c][l] = (float)(c + l);
    for (int64_t r = 0; r < rounds; r++)
        for (int c = 0; c < BN_PEAK_CHAINS; c++)
            for (int l = 0; l < LANES; l++)
                chain[c][l] = fmaf(chain[c][l], scale, shift);
    double sum = 0;
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        for (int l = 0; l < LANES; l++)
            sum += chain[c][l];
    return sum;
}

double bn_peak_rounds_portable_f64(int64_t rounds)
{
    volatile double half = 0.5;
    double scale = half, shift = half, chain[BN_PEAK_CHAINS][LANES];
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        for (int l = 0; l < LANES; l++)
            chain[c][l] = (double)(c + l);
    for (int64_t r = 0; r < rounds; r++)
        for (int c = 0; c < BN_PEAK_CHAINS; c++)
            for (int l = 0; l < LANES; l++)
                chain[c][l] = fma(chain[c][l], scale, shift);
    double sum = 0;
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        for (int l = 0; l < LANES; l++)
            sum += chain[c][l];
    return sum;
}
