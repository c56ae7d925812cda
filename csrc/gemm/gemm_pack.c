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

/* The panels of bn_pack_panels from contiguous columns, one step of the reduction at a time
 * across all of them, so that each column's values are read in one run. Panel by panel,
 * each step read a few values of a column far from the last one (a row of the weights,
 * 8 KiB away at 1024 doubles), a cache line no prefetcher had fetched: packing the 784 x
 * 1024 doubles of a layer's weights took 3.8-4.0 Mcycles that way, 0.8-2.0 now (one thread,
 * TSC; the more of each column a block takes, the faster). */
static void pack_panels_by_columns(real *panels, const gemm_operand *M, int64_t i0,
                                   int64_t rows, int64_t width, int64_t last_width,
                                   int64_t p0, int64_t kc)
{
    for (int64_t p = 0; p < kc; p++) {
        const real *column = M->base + col_of(M, p0 + p) * M->cs + i0;
        for (int64_t ir = 0; ir < rows; ir += width) {
            int64_t valid = rows - ir < width ? rows - ir : width;
            int64_t w = rows - ir <= width ? last_width : width;
            real *out = panels + ir * kc + p * w;
            for (int64_t i = 0; i < valid; i++)
                out[i] = column[ir + i];
            for (int64_t i = valid; i < w; i++)
                out[i] = 0;
        }
    }
}

void BN(bn_pack_panels)(real *panels, const gemm_operand *M, int64_t i0, int64_t rows,
                        int64_t width, int64_t last_width, int64_t p0, int64_t kc)
{
    if (!M->rows && M->rs == 1 && llabs((long long)M->cs) > 1) {
        pack_panels_by_columns(panels, M, i0, rows, width, last_width, p0, kc);
        return;
    }
    for (int64_t ir = 0; ir < rows; ir += width) {
        int64_t valid = rows - ir < width ? rows - ir : width;
        BN(bn_pack_panel)(panels + ir * kc, M, i0 + ir, valid,
                          rows - ir <= width ? last_width : width, p0, kc);
    }
}
