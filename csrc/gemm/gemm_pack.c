/* Packing for the matrix product (see gemm_pack.h). Strides and row indices are absorbed
 * here, so the micro-kernels only ever see contiguous panels. */
#include <stdlib.h>
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_pack.h"
#include "gemm_select.h"

static int64_t row_of(const gemm_operand *M, int64_t i)
{
    return M->rows ? M->rows[i] : i;
}

static int64_t col_of(const gemm_operand *M, int64_t p)
{
    return M->cols ? M->cols[p] : p;
}

/* panel[kc, width] from rows whose elements are contiguous (a transposing copy). It walks
 * the panel in order, reading the rows side by side: many streams of reads are cheaper
 * than stores scattered over many cache lines. */
static void pack_by_rows(real *panel, const gemm_operand *M, int64_t i0, int64_t valid,
                         int64_t width, int64_t p0, int64_t kc)
{
    const real *rows[MAX_PANEL_WIDTH];
    for (int64_t i = 0; i < valid; i++)
        rows[i] = M->base + row_of(M, i0 + i) * M->rs;
    int64_t p = 0;
#ifdef BN_X86_KERNELS
    if (!M->cols && M->cs == 1 && bn_gemm_isa_selected() == BN_GEMM_AVX512) {
        const real *from[MAX_PANEL_WIDTH];
        for (int64_t i = 0; i < valid; i++)
            from[i] = rows[i] + p0;
        p = BN(bn_pack_rows_avx512)(panel, from, valid, width, kc);
    }
#endif
    for (; p < kc; p++) {
        real *out = panel + p * width;
        ptrdiff_t at = col_of(M, p0 + p) * M->cs;
        for (int64_t i = 0; i < valid; i++)
            out[i] = rows[i][at];
    }
}

/* panel[kc, width], one matrix column at a time: for columns whose elements are contiguous */
static void pack_by_columns(real *panel, const gemm_operand *M, int64_t i0, int64_t valid,
                            int64_t width, int64_t p0, int64_t kc)
{
#ifdef BN_X86_KERNELS
    if (!M->rows && M->rs == 1 && bn_gemm_isa_selected() == BN_GEMM_AVX512) {
        BN(bn_pack_columns_avx512)(panel, M->base + i0, M->cs, M->cols, p0, valid, width, kc);
        return;
    }
#endif
    for (int64_t p = 0; p < kc; p++) {
        const real *column = M->base + col_of(M, p0 + p) * M->cs;
        real *out = panel + p * width;
        if (!M->rows && M->rs == 1)
            for (int64_t i = 0; i < valid; i++)
                out[i] = column[i0 + i];
        else
            for (int64_t i = 0; i < valid; i++)
                out[i] = column[row_of(M, i0 + i) * M->rs];
    }
}

void BN(bn_pack_panel)(real *panel, const gemm_operand *M, int64_t i0, int64_t valid,
                       int64_t width, int64_t p0, int64_t kc)
{
    /* read along whichever dimension is closer together in memory */
    if (llabs((long long)M->rs) < llabs((long long)M->cs))
        pack_by_columns(panel, M, i0, valid, width, p0, kc);
    else
        pack_by_rows(panel, M, i0, valid, width, p0, kc);
    if (valid < width)
        for (int64_t p = 0; p < kc; p++)
            for (int64_t i = valid; i < width; i++)
                panel[p * width + i] = 0;
}

void BN(bn_pack_a_block)(real *block, const gemm_operand *A, int64_t i0, int64_t mc,
                         int64_t mr, int64_t p0, int64_t kc)
{
    for (int64_t ir = 0; ir < mc; ir += mr) {
        int64_t valid = mc - ir < mr ? mc - ir : mr;
        BN(bn_pack_panel)(block + ir * kc, A, i0 + ir, valid, mr, p0, kc);
    }
}
