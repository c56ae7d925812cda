/* The AVX-512 micro-kernel for narrow products, which reads both operands where they lie:
 * a C with at most NR columns (the output layer of a classifier: C[200,10] = A[200,100] @
 * B[100,10]) or at most MR rows (its transposed gradient, dW^T[10,100] = dZ^T @ X). There
 * each operand is read about once, so packing would only add a copy, and a 10-column edge
 * padded to NR wastes up to 60% of the multiply-adds. Instead the tile takes exactly the
 * rows it has (1..MR, each count compiled on its own so the sums stay in registers) and
 * its columns as whole zmm vectors plus, for a tail of at most LANES/4 columns, one masked
 * xmm vector, which costs half a zmm multiply-add on Zen 4.
 * Compiled with -mavx512f -mavx512vl -mfma and called only when the CPU has all three. */
#include <immintrin.h>
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"

#define MR AVX512_MR
#define LANES (AVX512_NR / 2)
#define TAIL_LANES (LANES / 4)   /* the columns one xmm vector holds */
/* fully unrolled loops over the tile, so that its sums live in registers, never memory */
#define UNROLLED _Pragma("GCC unroll 16")

#ifdef BN_FLOAT
typedef __m512 vec;
typedef __m128 tail_vec;
typedef __mmask16 vec_mask;
#define vec_zero _mm512_setzero_ps
#define vec_broadcast _mm512_set1_ps
#define vec_load_masked _mm512_maskz_loadu_ps
#define vec_store_masked _mm512_mask_storeu_ps
#define vec_fmadd _mm512_fmadd_ps
#define vec_mul _mm512_mul_ps
#define vec_add _mm512_add_ps
#define tail_zero _mm_setzero_ps
#define tail_broadcast _mm_set1_ps
#define tail_load_masked _mm_maskz_loadu_ps
#define tail_store_masked _mm_mask_storeu_ps
#define tail_fmadd _mm_fmadd_ps
#define tail_mul _mm_mul_ps
#define tail_add _mm_add_ps
#else
typedef __m512d vec;
typedef __m128d tail_vec;
typedef __mmask8 vec_mask;
#define vec_zero _mm512_setzero_pd
#define vec_broadcast _mm512_set1_pd
#define vec_load_masked _mm512_maskz_loadu_pd
#define vec_store_masked _mm512_mask_storeu_pd
#define vec_fmadd _mm512_fmadd_pd
#define vec_mul _mm512_mul_pd
#define vec_add _mm512_add_pd
#define tail_zero _mm_setzero_pd
#define tail_broadcast _mm_set1_pd
#define tail_load_masked _mm_maskz_loadu_pd
#define tail_store_masked _mm_mask_storeu_pd
#define tail_fmadd _mm_fmadd_pd
#define tail_mul _mm_mul_pd
#define tail_add _mm_add_pd
#endif

_Static_assert(LANES * (int)sizeof(real) == (int)sizeof(vec) &&
               TAIL_LANES * (int)sizeof(real) == (int)sizeof(tail_vec),
               "a tile is 2 zmm vectors wide (NR), its tail one xmm vector");
_Static_assert(LANES <= 8 * (int)sizeof(vec_mask), "a mask has a bit for every lane");

/* the first `count` lanes of a vector */
static vec_mask first_lanes(int64_t count)
{
    return (vec_mask)((1u << count) - 1);
}

/* C[rows, cols] = beta*C + A[rows,kc] @ B[kc,cols], cols held in n_vectors zmm vectors
 * and, with tail, one xmm vector after them; the last vector is masked to the columns
 * left. Inlined into each caller with constant rows, n_vectors and tail. */
static inline __attribute__((always_inline)) void
update(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
       const real *B, ptrdiff_t b_rs, int64_t cols, int64_t kc, real beta,
       const int rows, const int n_vectors, const int tail)
{
    vec_mask masks[2];
    UNROLLED for (int v = 0; v < n_vectors; v++)
        masks[v] = !tail && v == n_vectors - 1 ? first_lanes(cols - v * LANES)
                                               : first_lanes(LANES);
    __mmask8 tail_mask = tail ? (__mmask8)first_lanes(cols - n_vectors * LANES) : 0;
    /* rows i of A addressed from every fourth, at offsets 0, a_rs, 2 a_rs, 3 a_rs: few
     * enough registers that none of the addresses is kept in memory. Only rows the tile
     * has: a pointer past the end of A is undefined even if never read. */
    const real *a_quad[(MR + 3) / 4];
    UNROLLED for (int q = 0; q < (rows + 3) / 4; q++)
        a_quad[q] = A + 4 * q * a_rs;
    vec sum[MR][2];
    tail_vec tail_sum[MR];
    UNROLLED for (int i = 0; i < rows; i++) {
        UNROLLED for (int v = 0; v < n_vectors; v++)
            sum[i][v] = vec_zero();
        tail_sum[i] = tail_zero();
    }
    for (int64_t p = 0; p < kc; p++) {
        const real *b_row = B + p * b_rs;
        vec b[2];
        UNROLLED for (int v = 0; v < n_vectors; v++)
            b[v] = vec_load_masked(masks[v], b_row + v * LANES);
        tail_vec b_tail = tail ? tail_load_masked(tail_mask, b_row + n_vectors * LANES)
                               : tail_zero();
        UNROLLED for (int i = 0; i < rows; i++) {
            real a = a_quad[i / 4][i % 4 * a_rs + p * a_cs];
            vec a_wide = vec_broadcast(a);
            UNROLLED for (int v = 0; v < n_vectors; v++)
                sum[i][v] = vec_fmadd(a_wide, b[v], sum[i][v]);
            if (tail)
                tail_sum[i] = tail_fmadd(tail_broadcast(a), b_tail, tail_sum[i]);
        }
    }
    UNROLLED for (int i = 0; i < rows; i++) {
        real *c = C + i * c_rs;
        UNROLLED for (int v = 0; v < n_vectors; v++) {
            vec out = sum[i][v];
            if (beta != 0)
                out = vec_add(vec_mul(vec_broadcast(beta),
                                      vec_load_masked(masks[v], c + v * LANES)), out);
            vec_store_masked(c + v * LANES, masks[v], out);
        }
        if (tail) {
            real *c_tail = c + n_vectors * LANES;
            tail_vec out = tail_sum[i];
            if (beta != 0)
                out = tail_add(tail_mul(tail_broadcast(beta),
                                        tail_load_masked(tail_mask, c_tail)), out);
            tail_store_masked(c_tail, tail_mask, out);
        }
    }
}

/* one case per row count, so each tile's sums live in registers: 1 to 11 and MR */
_Static_assert(MR == 12, "EACH_ROW_COUNT has a case for every row count up to MR");
#define EACH_ROW_COUNT(n_vectors, tail)                                                   \
    switch (rows) {                                                                       \
    case 1: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 1, n_vectors, tail); \
        break;                                                                            \
    case 2: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 2, n_vectors, tail); \
        break;                                                                            \
    case 3: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 3, n_vectors, tail); \
        break;                                                                            \
    case 4: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 4, n_vectors, tail); \
        break;                                                                            \
    case 5: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 5, n_vectors, tail); \
        break;                                                                            \
    case 6: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 6, n_vectors, tail); \
        break;                                                                            \
    case 7: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 7, n_vectors, tail); \
        break;                                                                            \
    case 8: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 8, n_vectors, tail); \
        break;                                                                            \
    case 9: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 9, n_vectors, tail); \
        break;                                                                            \
    case 10: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 10, n_vectors, tail); \
        break;                                                                            \
    case 11: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, 11, n_vectors, tail); \
        break;                                                                            \
    default: update(C, c_rs, A, a_rs, a_cs, B, b_rs, cols, kc, beta, MR, n_vectors, tail); \
    }

void BN(bn_microkernel_avx512_unpacked)(real *C, ptrdiff_t c_rs, const real *A,
                                        ptrdiff_t a_rs, ptrdiff_t a_cs, const real *B,
                                        ptrdiff_t b_rs, int64_t rows, int64_t cols,
                                        int64_t kc, real beta)
{
    if (cols <= TAIL_LANES)
        EACH_ROW_COUNT(0, 1)
    else if (cols <= LANES)
        EACH_ROW_COUNT(1, 0)
    else if (cols <= LANES + TAIL_LANES)
        EACH_ROW_COUNT(1, 1)
    else
        EACH_ROW_COUNT(2, 0)
}
