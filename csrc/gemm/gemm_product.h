/* A matrix product as gemm.c plans it, for the two ways of running it: the packed loops
 * (gemm_packed.c) and the narrow, unpacked tiles (gemm_narrow.c). Internal; include after
 * real.h (a source file is compiled for one precision). */
#ifndef BN_GEMM_PRODUCT_H
#define BN_GEMM_PRODUCT_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "network/activations.h"
#include "gemm_kernels.h"
#include "gemm_pack.h"

typedef void (*microkernel)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                            ptrdiff_t a_cs, const real *b_panel, int64_t kc, real beta,
                            const tile_epilogue *finish);

typedef void (*unpacked_microkernel)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                                    ptrdiff_t a_cs, const real *B, ptrdiff_t b_rs,
                                    int64_t rows, int64_t cols, int64_t kc, real beta);

typedef struct {
    int64_t mr, nr;
    microkernel run, run_narrow;   /* NR columns, and NR/2 for a narrow last panel */
    unpacked_microkernel run_unpacked;  /* any tile up to MR x NR, B in place; or NULL */
} kernel_shape;

/* What happens to an output tile after its last slice: C = f(C + bias) */
typedef struct {
    real *pre;            /* receives C + bias (strides of C); NULL: not kept */
    const real *bias;     /* element (i, j) adds bias[i * bias_rs + j * bias_cs]; NULL: none */
    ptrdiff_t bias_rs, bias_cs;
    int activation;       /* enum bn_activation; < 0: none */
    real alpha;
} epilogue;

/* One product as the loops see it, possibly the transposed problem C^T = B^T A^T */
typedef struct {
    real *C;                  /* C[m,n]: element (i, j) at C[i * c_rs + j * c_cs] */
    ptrdiff_t c_rs, c_cs;
    gemm_operand A, Bt;       /* A[m,k] and B^T[n,k] */
    int64_t m, n, k;
    real beta;
    const epilogue *finish;   /* NULL: a plain product */
    kernel_shape kernel;
    int a_in_place;           /* the kernel reads whole MR-row tiles of A where they are */
    int a_packed_whole;       /* A, small, is packed once, all of it, and the threads take
                                 columns (gemm_packed.c) */
    int finish_in_kernel;     /* the epilogue is a bias and ReLU (or none): the packed
                                 micro-kernel applies it to whole tiles in registers */
    int unpacked;             /* a narrow product: run_unpacked reads A and B in place */
    real *lent;               /* memory lent for the packed blocks (lent_len reals), or
                                 NULL: the calling thread's scratch (gemm_scratch.c) */
    size_t lent_len;
} product;

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

/* Whether C's columns lie closer together in memory than its rows, as when a product runs
 * transposed (C^T = B^T A^T, gemm.c) into a row-major C. Such a C's tiles are copied and
 * finished along its rows, a contiguous run each, not down its columns: down a column of
 * a C whose rows are 4 KiB apart (1024 floats, 512 doubles), each element was a cache line
 * of its own, all in one L1 set, and each load shared its low 12 address bits with the
 * store before it (4K aliasing): a 1024-unit layer trained at a third of the speed of a
 * 1000-unit one (issue 19). */
static inline int columns_closer(const product *pr)
{
    return llabs((long long)pr->c_cs) > llabs((long long)pr->c_rs);
}

/* The epilogue on rows [i0, i0+rows) x columns [j0, j0+cols) of C, walked along C's
 * memory (each element's operations are the same either way) */
static inline void finish_tile(const product *pr, int64_t i0, int64_t rows, int64_t j0,
                               int64_t cols)
{
    const epilogue *e = pr->finish;
    ptrdiff_t at = i0 * pr->c_rs + j0 * pr->c_cs;
    real *pre = e->pre ? e->pre + at : NULL;
    const real *bias = e->bias ? e->bias + i0 * e->bias_rs + j0 * e->bias_cs : NULL;
    if (columns_closer(pr))
        BN(bn_bias_activation_tile)(pr->C + at, pre, pr->c_cs, pr->c_rs, bias, e->bias_cs,
                                    e->bias_rs, cols, rows, e->activation, e->alpha);
    else
        BN(bn_bias_activation_tile)(pr->C + at, pre, pr->c_rs, pr->c_cs, bias, e->bias_rs,
                                    e->bias_cs, rows, cols, e->activation, e->alpha);
}

/* *cij = beta * *cij + value; beta == 0 never reads C */
static inline void put(real *cij, real value, real beta)
{
    *cij = beta == 0 ? value : beta * *cij + value;
}

/* C[rows, cols] = beta * C + tile[rows, cols], where C's element (i, j) is at
 * c[i * c_rs + j * c_cs] and the tile's at tile[i * width + j]: a tile the micro-kernel
 * could not write in place (an edge, or a strided C), copied in the order of C's memory */
static inline void store_tile(const product *pr, real *c, const real *tile, int64_t width,
                              int64_t rows, int64_t cols, real beta)
{
    if (columns_closer(pr)) {
        for (int64_t j = 0; j < cols; j++)
            for (int64_t i = 0; i < rows; i++)
                put(c + i * pr->c_rs + j * pr->c_cs, tile[i * width + j], beta);
        return;
    }
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            put(c + i * pr->c_rs + j * pr->c_cs, tile[i * width + j], beta);
}

/* C = beta * C + A @ B through packed blocks (gemm_packed.c); BN_ENOMEM without memory
 * for them */
int BN(bn_gemm_run_packed)(const product *pr, int n_threads);
/* The reals of packed blocks bn_gemm_run_packed takes for pr on n_threads threads */
int64_t BN(bn_gemm_packed_scratch_len)(const product *pr, int n_threads);

/* C = beta * C + A @ B for a C of at most MR rows or NR columns, reading both operands in
 * place (gemm_narrow.c) */
void BN(bn_gemm_run_narrow)(const product *pr, int n_threads);

#endif
