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
#define vec_max _mm512_max_ps
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
#define vec_max _mm512_max_pd
#endif

/* The register tile: MR x 2 vectors of sums, one row of the B panel (2 vectors) and a
 * broadcast of A, all in the 32 zmm registers; NR is the tile's 2 vectors of LANES */
_Static_assert(MR * 2 + 2 + 1 <= 32,
               "the AVX-512 tile's sums, B row and broadcast fit in 32 zmm registers");
_Static_assert(LANES * (int)sizeof(real) == (int)sizeof(vec), "NR is 2 zmm vectors");

#include "gemm_kernel_update.h"

void BN(bn_microkernel_avx512)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                               ptrdiff_t a_cs, const real *b_panel, int64_t kc, real beta,
                               const tile_epilogue *finish)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, finish, 2);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, finish, 2);
}

void BN(bn_microkernel_avx512_narrow)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                                      ptrdiff_t a_cs, const real *b_panel, int64_t kc,
                                      real beta, const tile_epilogue *finish)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, finish, 1);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, finish, 1);
}
