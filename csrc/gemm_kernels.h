/* The register micro-kernels of the matrix product, in the precision real.h chose (so no
 * include guard). Internal to the C core.
 *
 * C[MR,NR] = beta * C[MR,NR] + a_panel[MR,kc] @ b_panel[kc,NR], where row i of C starts at
 * C + i * c_rs and its elements are contiguous. The panels are packed (gemm_pack.c): A
 * column by column (MR values for each p), B row by row (NR values for each p, the panel
 * 64-byte aligned). Every element sums its kc products in order p = 0, 1, ... from zero, then
 * takes beta * C + sum, multiplying and adding separately; beta == 0 never reads C. So an
 * element's value does not depend on which tile, or which thread, computes it.
 * MR and NR of each kernel are in gemm_blocking.h. */
#include <stddef.h>
#include <stdint.h>

void BN(bn_microkernel_portable)(real *C, ptrdiff_t c_rs, const real *a_panel,
                                 const real *b_panel, int64_t kc, real beta);
void BN(bn_microkernel_avx2)(real *C, ptrdiff_t c_rs, const real *a_panel,
                             const real *b_panel, int64_t kc, real beta);
void BN(bn_microkernel_avx512)(real *C, ptrdiff_t c_rs, const real *a_panel,
                               const real *b_panel, int64_t kc, real beta);
