/* The AVX-512 micro-kernel: 12 rows x 2 vectors of C in 24 zmm registers; each step of
 * k loads one row of the B panel (2 vectors) and broadcasts 12 values of A.
 * Compiled with -mavx512f and called only when the CPU has AVX-512F (gemm_select.c). */
#include <immintrin.h>
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"

#define MR AVX512_MR
#define NR AVX512_NR
#define LANES (NR / 2)

#ifdef BN_FLOAT
typedef __m512 vec;
#define vec_zero _mm512_setzero_ps
#define vec_broadcast _mm512_set1_ps
#define vec_load_aligned _mm512_load_ps
#define vec_load _mm512_loadu_ps
#define vec_store _mm512_storeu_ps
#define vec_fmadd _mm512_fmadd_ps
#define vec_mul _mm512_mul_ps
#define vec_add _mm512_add_ps
#else
typedef __m512d vec;
#define vec_zero _mm512_setzero_pd
#define vec_broadcast _mm512_set1_pd
#define vec_load_aligned _mm512_load_pd
#define vec_load _mm512_loadu_pd
#define vec_store _mm512_storeu_pd
#define vec_fmadd _mm512_fmadd_pd
#define vec_mul _mm512_mul_pd
#define vec_add _mm512_add_pd
#endif

void BN(bn_microkernel_avx512)(real *C, ptrdiff_t c_rs, const real *a_panel,
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
