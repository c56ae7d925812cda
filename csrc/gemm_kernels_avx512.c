/* The AVX-512 micro-kernel: 12 rows x 2 vectors of C in 24 zmm registers; each step of
 * k loads one row of the B panel (2 vectors) and broadcasts 12 values of A. The narrow
 * variant keeps 1 vector per row, for a last panel of at most NR/2 columns.
 * Compiled with -mavx512f and called only when the CPU has AVX-512F (gemm_select.c). */
#include <immintrin.h>
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"

#define MR AVX512_MR
#define LANES (AVX512_NR / 2)
/* fully unrolled loops over the tile, so that its sums live in registers, never memory */
#define UNROLLED _Pragma("GCC unroll 16")

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

/* C[MR, n_vectors*LANES] = beta*C + A[MR,kc] @ b_panel[kc, n_vectors*LANES]; inlined into
 * each caller with constant n_vectors (and strides, for packed A) so that sum stays in
 * registers */
static inline __attribute__((always_inline)) void
update(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
       const real *b_panel, int64_t kc, real beta, const int n_vectors)
{
    vec sum[MR][2];
    UNROLLED for (int i = 0; i < MR; i++)
        UNROLLED for (int v = 0; v < n_vectors; v++)
            sum[i][v] = vec_zero();
    for (int64_t p = 0; p < kc; p++) {
        vec b[2];
        UNROLLED for (int v = 0; v < n_vectors; v++)
            b[v] = vec_load_aligned(b_panel + (p * n_vectors + v) * LANES);
        UNROLLED for (int i = 0; i < MR; i++) {
            vec a = vec_broadcast(A[i * a_rs + p * a_cs]);
            UNROLLED for (int v = 0; v < n_vectors; v++)
                sum[i][v] = vec_fmadd(a, b[v], sum[i][v]);
        }
    }
    if (beta == 0) {
        UNROLLED for (int i = 0; i < MR; i++)
            UNROLLED for (int v = 0; v < n_vectors; v++)
                vec_store(C + i * c_rs + v * LANES, sum[i][v]);
        return;
    }
    vec scale = vec_broadcast(beta);
    UNROLLED for (int i = 0; i < MR; i++)
        UNROLLED for (int v = 0; v < n_vectors; v++) {
            real *c = C + i * c_rs + v * LANES;
            vec_store(c, vec_add(vec_mul(scale, vec_load(c)), sum[i][v]));
        }
}

void BN(bn_microkernel_avx512)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                               ptrdiff_t a_cs, const real *b_panel, int64_t kc, real beta)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, 2);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, 2);
}

void BN(bn_microkernel_avx512_narrow)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                                      ptrdiff_t a_cs, const real *b_panel, int64_t kc,
                                      real beta)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, 1);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, 1);
}
