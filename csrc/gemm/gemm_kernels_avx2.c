/* The AVX2 + FMA micro-kernel: 6 rows x 2 vectors of C in 12 ymm registers; each step of
 * k loads one row of the B panel (2 vectors) and broadcasts 6 values of A. The narrow
 * variant keeps 1 vector per row, for a last panel of at most NR/2 columns.
 * Compiled with -mavx2 -mfma and called only when the CPU has both (gemm_select.c). */
#include <immintrin.h>
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"

#define MR AVX2_MR
#define LANES (AVX2_NR / 2)
/* fully unrolled loops over the tile, so that its sums live in registers, never memory */
#define UNROLLED _Pragma("GCC unroll 16")

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
#define vec_max _mm256_max_ps
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
#define vec_max _mm256_max_pd
#endif

/* The register tile: MR x 2 vectors of sums, one row of the B panel (2 vectors) and a
 * broadcast of A, all in the 16 ymm registers; NR is the tile's 2 vectors of LANES */
_Static_assert(MR * 2 + 2 + 1 <= 16,
               "the AVX2 tile's sums, B row and broadcast fit in 16 ymm registers");
_Static_assert(LANES * (int)sizeof(real) == (int)sizeof(vec), "NR is 2 ymm vectors");

#include "gemm_kernel_update.h"

void BN(bn_microkernel_avx2)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                               ptrdiff_t a_cs, const real *b_panel, int64_t kc, real beta,
                               const tile_epilogue *finish)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, finish, 2);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, finish, 2);
}

void BN(bn_microkernel_avx2_narrow)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                                      ptrdiff_t a_cs, const real *b_panel, int64_t kc,
                                      real beta, const tile_epilogue *finish)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, finish, 1);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, finish, 1);
}
