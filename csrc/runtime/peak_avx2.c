/* The peak's FMA loop on 256-bit vectors (peak.h); this file alone is compiled for AVX2
 * and FMA, and peak.c calls it only on a CPU that runs them. */
#include <immintrin.h>
#include "runtime/peak.h"

static double sum_f32(__m256 v)
{
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    double sum = 0;
    for (int i = 0; i < 8; i++)
        sum += lanes[i];
    return sum;
}

static double sum_f64(__m256d v)
{
    double lanes[4];
    _mm256_storeu_pd(lanes, v);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

/* The chains converge on 1 (x -> 0.5 x + 0.5) and never leave the normal numbers. The
 * constants come in through volatile so the compiler cannot fold the loop away. */
double bn_peak_rounds_avx2_f32(int64_t rounds)
{
    volatile float half = 0.5f;
    __m256 scale = _mm256_set1_ps(half), shift = _mm256_set1_ps(half);
    __m256 chain[BN_PEAK_CHAINS];
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        chain[c] = _mm256_set1_ps((float)c);
    for (int64_t r = 0; r < rounds; r++)
        for (int c = 0; c < BN_PEAK_CHAINS; c++)
            chain[c] = _mm256_fmadd_ps(chain[c], scale, shift);
    double sum = 0;
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        sum += sum_f32(chain[c]);
    return sum;
}

double bn_peak_rounds_avx2_f64(int64_t rounds)
{
    volatile double half = 0.5;
    __m256d scale = _mm256_set1_pd(half), shift = _mm256_set1_pd(half);
    __m256d chain[BN_PEAK_CHAINS];
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        chain[c] = _mm256_set1_pd((double)c);
    for (int64_t r = 0; r < rounds; r++)
        for (int c = 0; c < BN_PEAK_CHAINS; c++)
            chain[c] = _mm256_fmadd_pd(chain[c], scale, shift);
    double sum = 0;
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        sum += sum_f64(chain[c]);
    return sum;
}
