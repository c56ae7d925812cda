/* Packing for the matrix product: copying blocks of its operands into the contiguous,
 * zero-padded micro-panels the micro-kernels read. Internal; include after real.h. */
#include <stddef.h>
#include <stdint.h>

/* An operand seen as rows of the reduction dimension: element (i, p) is
 * base[row(i) * rs + col(p) * cs], with row(i) = rows ? rows[i] : i and col(p) likewise.
 * A[m,k] is read as it is; B[k,n] as its transpose, B^T[n,k]. An index is how a shuffled
 * mini-batch is gathered while packing. */
typedef struct {
    const real *base;
    ptrdiff_t rs, cs;
    const int64_t *rows, *cols;
} gemm_operand;

/* panel[kc, width] = M[i0 : i0+width, p0 : p0+kc]^T: for each p, width values of
 * consecutive rows, the rows from `valid` on zero (the edge of the matrix). The layout both
 * micro-kernel operands use: an MR-row panel of A, or an NR-column panel of B (from B^T). */
void BN(bn_pack_panel)(real *panel, const gemm_operand *M, int64_t i0, int64_t valid,
                       int64_t width, int64_t p0, int64_t kc);

#ifdef BN_X86_KERNELS
/* panel[p, i] = rows[i][p] for i < width (zero from valid on) and p up to the last whole
 * vector of kc, which it returns (gemm_pack_avx512.c; needs AVX-512F) */
int64_t BN(bn_pack_rows_avx512)(real *panel, const real *const *rows, int64_t valid,
                                int64_t width, int64_t kc);
/* panel[p, i] = first[c(p) * cs + i] for p < kc and i < width (zero from valid on), with
 * c(p) = cols ? cols[p0 + p] : p0 + p: contiguous columns, a masked vector copy each */
void BN(bn_pack_columns_avx512)(real *panel, const real *first, ptrdiff_t cs,
                                const int64_t *cols, int64_t p0, int64_t valid,
                                int64_t width, int64_t kc);
#endif

/* M[i0 : i0+rows, p0 : p0+kc] as consecutive panels of bn_pack_panel, panel j (rows
 * i0 + j * width on) at panels + j * width * kc: each width wide, the last last_width wide
 * (at least the rows it holds), zero-padded. An A~ block is MR-row panels (last_width MR);
 * a B~ block NR-column panels of B^T, the matrix's last perhaps NR/2. */
void BN(bn_pack_panels)(real *panels, const gemm_operand *M, int64_t i0, int64_t rows,
                        int64_t width, int64_t last_width, int64_t p0, int64_t kc);
