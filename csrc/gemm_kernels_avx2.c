/* The AVX2 + FMA micro-kernel: 6 rows x 2 vectors of C in 12 ymm registers; each step of
 * k loads one row of the B panel (2 vectors) and broadcasts 6 values of A.
 * Compiled with -mavx2 -mfma and called only when the CPU has both (gemm_select.c). */
#include <immintrin.h>
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"

#define MR AVX2_MR
#define NR AVX2_NR
#define LANES (NR / 2)

#ifdef BN_FLOAT
typedef __m256 vec;
#define vec_zero _mm256_setzero_ps
#define vec_broadcast _mm256_set1_ps
#define vec_load_aligned _mm256_load_ps
#define vec_load _mm256_loadu_ps
#define vec_store _mm256_storeu_ps
#define vec_fmadd _mm256_fmadd_ps
#define vec_mul _mm256_mul_ps
#define vec_add _mm256_add_ps
#else
typedef __m256d vec;
#define vec_zero _mm256_setzero_pd
#define vec_broadcast _mm256_set1_pd
#define vec_load_aligned _mm256_load_pd
#define vec_load _mm256_loadu_pd
#define vec_store _mm256_storeu_pd
#define vec_fmadd _mm256_fmadd_pd
#define vec_mul _mm256_mul_pd
#define vec_add _mm256_add_pd
#endif

void BN(bn_microkernel_avx2)(real *C, ptrdiff_t c_rs, const real *a_panel,
                             const real *b_panel, int64_t kc, real beta)
{
    /* sum[MR, 2 vectors] = a_panel[MR,kc] @ b_panel[kc,NR] */
    vec sum[MR][2];
    for (int i = 0; i < MR; i++)
        sum[i][0] = sum[i][1] = vec_zero();
    for (int64_t p = 0; p < kc; p++) {
        vec b0 = vec_load_aligned(b_panel + p * NR);
        vec b1 = vec_load_aligned(b_panel + p * NR + LANES);
        for (int i = 0; i < MR; i++) {
            vec a = vec_broadcast(a_panel[p * MR + i]);
            sum[i][0] = vec_fmadd(a, b0, sum[i][0]);
            sum[i][1] = vec_fmadd(a, b1, sum[i][1]);
        }
    }
    vec scale = vec_broadcast(beta);
    for (int i = 0; i < MR; i++) {
        real *c = C + i * c_rs;
        if (beta != 0) {
            sum[i][0] = vec_add(vec_mul(scale, vec_load(c)), sum[i][0]);
            sum[i][1] = vec_add(vec_mul(scale, vec_load(c + LANES)), sum[i][1]);
        }
        vec_store(c, sum[i][0]);
        vec_store(c + LANES, sum[i][1]);
    }
}
