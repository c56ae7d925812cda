/* The peak's FMA loop on 512-bit vectors (peak.h); this file alone is compiled for
 * AVX-512F, and peak.c calls it only on a CPU that runs it. */
#include <immintrin.h>
#include "runtime/peak.h"

/* The chains converge on 1 (x -> 0.5 x + 0.5) and never leave the normal numbers. The
 * constants come in through volatile so the compiler cannot fold the loop away. */
double bn_peak_rounds_avx512_f32(int64_t rounds)
{
    volatile float half = 0.5f;
    __m512 scale = _mm512_set1_ps(half), shift = _mm512_set1_ps(half);
    __m512 chain[BN_PEAK_CHAINS];
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        chain[c] = _mm512_set1_ps((float)c);
    for (int64_t r = 0; r < rounds; r++)
        for (int c = 0; c < BN_PEAK_CHAINS; c++)
            chain[c] = _mm512_fmadd_ps(chain[c], scale, shift);
    __m512 sum = chain[0];
    for (int c = 1; c < BN_PEAK_CHAINS; c++)
        sum = _mm512_add_ps(sum, chain[c]);
    return _mm512_reduce_add_ps(sum);
}

double bn_peak_rounds_avx512_f64(int64_t rounds)
{
    volatile double half = 0.5;
    __m512d scale = _mm512_set1_pd(half), shift = _mm512_set1_pd(half);
    __m512d chain[BN_PEAK_CHAINS];
    for (int c = 0; c < BN_PEAK_CHAINS; c++)
        chain[c] = _mm512_set1_pd((double)c);
    for (int64_t r = 0; r < rounds; r++)
        for (int c = 0; c < BN_PEAK_CHAINS; c++)
            chain[c] = _mm512_fmadd_pd(chain[c], scale, shift);
    __m512d sum = chain[0];
    for (int c = 1; c < BN_PEAK_CHAINS; c++)
        sum = _mm512_add_pd(sum, chain[c]);
    return _mm512_reduce_add_pd(sum);
}
