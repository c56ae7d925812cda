/* The register micro-kernels of the matrix product, in the precision real.h chose (so no
 * include guard). Internal to the C core; MR and NR of each are in gemm_blocking.h.
 *
 * C[MR,NR] = beta * C[MR,NR] + A[MR,kc] @ b_panel[kc,NR], where row i of C starts at
 * C + i * c_rs and its elements are contiguous, and A[i,p] is A[i * a_rs + p * a_cs]:
 * a packed panel (a_rs = 1, a_cs = MR, the fast case) or, when packing would not pay, the
 * matrix itself. b_panel is packed (gemm_pack.c): NR values for each p, 64-byte aligned.
 * The _narrow variants do the same for a last panel of NR/2 columns (NR/2 values per p).
 *
 * Every element sums its kc products in the order p = 0, 1, ... from zero, then takes
 * beta * C + sum, multiplying and adding separately; beta == 0 never reads C. So an
 * element's value does not depend on which tile, variant or thread computes it.
 *
 * With a tile_epilogue (else NULL), the tile then adds the bias and applies ReLU in
 * registers before its one store: the same two operations, in the same order, as the
 * epilogue pass over C (activations.c), without reading the tile back. */
#include <stddef.h>
#include <stdint.h>

#ifndef BN_TILE_EPILOGUE
#define BN_TILE_EPILOGUE
/* C[i,j] += bias[i * bias_rs + j * bias_cs], then C = max(C, 0) if relu */
typedef struct {
    const real *bias;        /* at the tile's first element; NULL: none */
    ptrdiff_t bias_rs;       /* one bias per column (bias_rs 0, bias_cs 1), or one per */
    ptrdiff_t bias_cs;       /* row (bias_rs apart, bias_cs 0) */
    int relu;
} tile_epilogue;
#endif

#define BN_MICROKERNEL(name)                                                              \
    void BN(name)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, \
                  const real *b_panel, int64_t kc, real beta, const tile_epilogue *finish)
BN_MICROKERNEL(bn_microkernel_portable);
BN_MICROKERNEL(bn_microkernel_portable_narrow);
BN_MICROKERNEL(bn_microkernel_avx2);
BN_MICROKERNEL(bn_microkernel_avx2_narrow);
BN_MICROKERNEL(bn_microkernel_avx512);
BN_MICROKERNEL(bn_microkernel_avx512_narrow);

/* C[rows, cols] = beta * C + A[rows,kc] @ B[kc,cols] for rows <= MR and cols <= NR,
 * reading B in place: B[p,j] is B[p * b_rs + j] (gemm_kernels_avx512_unpacked.c). The
 * columns of C are contiguous, its rows c_rs apart. Same sums in the same order as above. */
void BN(bn_microkernel_avx512_unpacked)(real *C, ptrdiff_t c_rs, const real *A,
                                        ptrdiff_t a_rs, ptrdiff_t a_cs, const real *B,
                                        ptrdiff_t b_rs, int64_t rows, int64_t cols,
                                        int64_t kc, real beta);
