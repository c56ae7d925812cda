/* The packed matrix product C[m,n] = beta * C[m,n] + A[m,k] @ B[k,n] (planned in gemm.c),
 * BLIS style: five loops around a register micro-kernel, each loop a function below.
 *
 *   loop 5  jc  NC-column blocks of C and B
 *   loop 4  pc  KC-deep slices of the reduction: pack B~[kc,nc], shared by the threads
 *   loop 3  ic  pieces of the C block, shared out to the threads: pack A~[mc,kc]
 *   loop 2  jr  NR-column micro-panels of B~
 *   loop 1  ir  MR-row micro-panels of A~: the micro-kernel updates one MR x NR tile of C
 *
 * When A is small, the threads take groups of columns instead, each piece running loops 4
 * to 1 on its own columns and packing its own B~ (column_piece). A is then read in place
 * (reads_a_in_place) or, when its rows are too far apart for that, packed whole by each
 * thread into its own A~ (packs_a_whole): the shared B~ of the loops above, packed by both
 * cores and read by both, ran a 128 x 1024 by 1024 x 1024 float product at 0.76x the speed
 * of 128 x 1016 by 1016 x 1016, whose A is read in place (issue 19).
 *
 * Threads (pool.c) split only the output, never the reduction: every element is summed by
 * one thread, KC products at a time in the order p = 0, 1, ..., k-1, so results are the
 * same bit for bit whatever the number of threads. The fused epilogue (+ bias, then the
 * activation) runs on each tile right after its last slice, while the tile is in L1. */
#include "bendernet.h"
#include "real.h"
#include "gemm_blocking.h"
#include "tuning.h"
#include "gemm_product.h"
#include "gemm_scratch.h"
#include "runtime/pool.h"

/* The packed operands: B~ shared by the threads (or, when they take columns, one B~ per
 * thread for its own columns), and one A~ per thread */
typedef struct {
    real *b_blocks;           /* [nc/NR panels][kc, NR] */
    int64_t b_block_len;      /* 0: one B~, shared */
    real *a_blocks;           /* per thread: [mc/MR panels][kc, MR]; or [m/MR panels][k, MR] */
    int64_t a_block_len;
    int n_threads;
} scratch;

/* How loop 3 cuts an m x nc block of C: pieces of rows x cols, row-major */
typedef struct {
    int64_t rows, cols, n_row_pieces, n_col_pieces;
} partition;

/* Columns of the B~ panel starting at column jr of an nc-column block: NR, or NR/2 for a
 * last panel that narrow (so a layer of 10 outputs wastes less work on zero padding) */
static int64_t panel_width(const kernel_shape *kernel, int64_t jr, int64_t nc)
{
    return nc - jr <= kernel->nr / 2 ? kernel->nr / 2 : kernel->nr;
}

/* The epilogue of the tile at C[i0, j0], for the micro-kernel to apply */
static tile_epilogue tile_finish(const product *pr, int64_t i0, int64_t j0)
{
    const epilogue *e = pr->finish;
    tile_epilogue t = {e->bias ? e->bias + i0 * e->bias_rs + j0 * e->bias_cs : NULL,
                       e->bias_rs, e->bias_cs, e->activation == BN_RELU};
    return t;
}

/* C[i0:i0+rows, j0:j0+cols] = beta * C + A[MR,kc] @ b_panel[kc,width], then the epilogue
 * after the last slice; A[i,p] is A[i * a_rs + p * a_cs]. A whole tile of a row-contiguous
 * C is updated in place, its epilogue in registers when the kernel can apply it; an edge
 * tile, or a strided C, goes through a scratch tile, so the kernel never sees an edge. */
static void update_tile(const product *pr, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
                        const real *b_panel, int64_t width, int64_t i0, int64_t rows,
                        int64_t j0, int64_t cols, int64_t kc, real beta, int last)
{
    microkernel run = width == pr->kernel.nr ? pr->kernel.run : pr->kernel.run_narrow;
    real *c = pr->C + i0 * pr->c_rs + j0 * pr->c_cs;
    if (rows == pr->kernel.mr && cols == width && pr->c_cs == 1) {
        if (last && pr->finish && pr->finish_in_kernel) {
            tile_epilogue finish = tile_finish(pr, i0, j0);
            run(c, pr->c_rs, A, a_rs, a_cs, b_panel, kc, beta, &finish);
            return;
        }
        run(c, pr->c_rs, A, a_rs, a_cs, b_panel, kc, beta, NULL);
    } else {
        _Alignas(64) real tile[MAX_MR * MAX_NR];
        run(tile, width, A, a_rs, a_cs, b_panel, kc, 0, NULL);
        store_tile(pr, c, tile, width, rows, cols, beta);
    }
    if (last && pr->finish)
        finish_tile(pr, i0, rows, j0, cols);
}

/* Loop 1: C[i0:i0+mc, j0:j0+cols] += A[i0:i0+mc, p0:p0+kc] @ b_panel[kc,width], one
 * MR-row tile at a time. A's rows come from A~'s MR-row panels (a_block, the slice's first
 * panel; each panel a_depth deep: kc, or k when A is packed whole), or for whole tiles when
 * A is read in place, from A itself (a_block then holds a last tile's panel). */
static void loop1_tiles(const product *pr, const real *a_block, int64_t a_depth,
                        const real *b_panel, int64_t width, int64_t i0, int64_t mc, int64_t j0,
                        int64_t cols, int64_t p0, int64_t kc, real beta, int last)
{
    int64_t mr = pr->kernel.mr;
    for (int64_t ir = 0; ir < mc; ir += mr) {
        int64_t rows = min64(mr, mc - ir);
        if (pr->a_in_place && rows == mr)
            update_tile(pr, pr->A.base + (i0 + ir) * pr->A.rs + p0 * pr->A.cs, pr->A.rs,
                        pr->A.cs, b_panel, width, i0 + ir, rows, j0, cols, kc, beta, last);
        else
            update_tile(pr, a_block + (pr->a_in_place ? 0 : ir * a_depth), 1, mr, b_panel,
                        width, i0 + ir, rows, j0, cols, kc, beta, last);
    }
}

/* Loop 2: C[i0:i0+mc, j0+jp:j0+jp+cols] += A[i0:i0+mc, p0:p0+kc] @ B~[kc, jp:jp+cols], one
 * NR-column panel at a time, b_panels the first of them; each B~ panel stays in L1 while
 * loop 1 sweeps A past it */
static void loop2_panels(const product *pr, const real *a_block, int64_t a_depth,
                         const real *b_panels, int64_t i0, int64_t mc, int64_t j0, int64_t nc,
                         int64_t jp, int64_t cols, int64_t p0, int64_t kc, real beta, int last)
{
    int64_t nr = pr->kernel.nr;
    for (int64_t jr = jp; jr < jp + cols; jr += nr)
        loop1_tiles(pr, a_block, a_depth, b_panels + (jr - jp) * kc,
                    panel_width(&pr->kernel, jr, nc), i0, mc, j0 + jr,
                    min64(nr, jp + cols - jr), p0, kc, beta, last);
}

/* Pieces of the m x nc block for n_threads threads. One thread takes MC rows at a time,
 * all nc columns; more take smaller row pieces, about PIECES_PER_THREAD each, and split the
 * columns too when that leaves fewer than two row pieces per thread (a C with few rows). */
static partition cut_block(const product *pr, int64_t nc, int n_threads)
{
    int64_t mr = pr->kernel.mr, nr = pr->kernel.nr;
    int64_t wanted = n_threads > 1 ? (int64_t)PIECES_PER_THREAD * n_threads : 1;
    partition part;
    part.rows = min64(round_up(ceil_div(pr->m, wanted), mr), GEMM_MC);
    part.n_row_pieces = ceil_div(pr->m, part.rows);
    int64_t col_pieces = part.n_row_pieces < 2 * n_threads ? ceil_div(wanted, part.n_row_pieces)
                                                           : 1;
    part.cols = round_up(ceil_div(nc, col_pieces), nr);
    part.n_col_pieces = ceil_div(nc, part.cols);
    return part;
}

/* One KC slice of an NC-column block, as the threads share it out:
 * C[:, j0:j0+nc] (beta *)= C + A[:, p0:p0+kc] @ B[p0:p0+kc, j0:j0+nc] */
typedef struct {
    const product *pr;
    const scratch *s;
    partition part;
    int64_t j0, nc, p0, kc;
    int64_t b_group_cols;     /* columns of B~ each packing task packs: whole NR panels */
    real beta;
    int last;                 /* the slice ends the reduction: run the epilogue */
} slice;

/* B~[kc, jr:jr+cols] = B[p0:p0+kc, j0+jr:j0+jr+cols] for jr = group * b_group_cols, in
 * NR-column panels, the matrix's last perhaps NR/2 wide */
static void pack_b_group(void *context, int64_t group, int thread)
{
    (void)thread;
    const slice *sl = context;
    int64_t nr = sl->pr->kernel.nr, jr = group * sl->b_group_cols;
    int64_t cols = min64(sl->b_group_cols, sl->nc - jr);
    BN(bn_pack_panels)(sl->s->b_blocks + jr * sl->kc, &sl->pr->Bt, sl->j0 + jr, cols, nr,
                       panel_width(&sl->pr->kernel, jr + (cols - 1) / nr * nr, sl->nc),
                       sl->p0, sl->kc);
}

/* Loop 3, one piece: its rows of A packed into the thread's own A~ (L2), then its panels
 * of the shared B~ */
static void loop3_piece(void *context, int64_t piece, int thread)
{
    const slice *sl = context;
    const product *pr = sl->pr;
    const partition *part = &sl->part;
    real *a_block = sl->s->a_blocks + thread * sl->s->a_block_len;
    int64_t i0 = piece / part->n_col_pieces * part->rows;
    int64_t jp = piece % part->n_col_pieces * part->cols;
    int64_t mc = min64(part->rows, pr->m - i0);
    BN(bn_pack_panels)(a_block, &pr->A, i0, mc, pr->kernel.mr, pr->kernel.mr, sl->p0, sl->kc);
    loop2_panels(pr, a_block, sl->kc, sl->s->b_blocks + jp * sl->kc, i0, mc, sl->j0, sl->nc,
                 jp, min64(part->cols, sl->nc - jp), sl->p0, sl->kc, sl->beta, sl->last);
}

/* Loop 4: C[:, j0:j0+nc] = beta * C + A @ B[:, j0:j0+nc], KC products of each sum at a
 * time; beta applies to the first slice only. The threads pack B~ in groups of panels,
 * about PIECES_PER_THREAD each, then take the pieces of loop 3, each thread its own share
 * first, the same in every slice: a piece's rows of C then stay in one core's cache from
 * slice to slice instead of crossing to the other's (csrc/TUNING.md, "PIECES_PER_THREAD"). */
static void loop4_slices(const product *pr, const scratch *s, int64_t j0, int64_t nc)
{
    int64_t panels = ceil_div(nc, pr->kernel.nr);
    int64_t groups = s->n_threads > 1 ? (int64_t)PIECES_PER_THREAD * s->n_threads : 1;
    int64_t group_cols = ceil_div(panels, min64(panels, groups)) * pr->kernel.nr;
    for (int64_t p0 = 0; p0 < pr->k; p0 += GEMM_KC) {
        int64_t kc = min64(GEMM_KC, pr->k - p0);
        slice sl = {pr, s, cut_block(pr, nc, s->n_threads), j0, nc, p0, kc, group_cols,
                    p0 == 0 ? pr->beta : 1, p0 + kc == pr->k};
        bn_parallel_for(ceil_div(nc, group_cols), s->n_threads, pack_b_group, &sl);
        bn_parallel_for_by_shares(sl.part.n_row_pieces * sl.part.n_col_pieces, s->n_threads,
                                  loop3_piece, &sl);
    }
}

/* Pieces of the m x nc block when the threads take columns: groups of NR-column panels, about
 * PIECES_PER_THREAD per thread, each over all rows; the rows are cut too when there are
 * fewer panels than that (each row piece packs the B panels of its columns again) */
static partition cut_columns(const product *pr, int64_t nc, int n_threads)
{
    int64_t mr = pr->kernel.mr, nr = pr->kernel.nr, panels = ceil_div(nc, pr->kernel.nr);
    int64_t wanted = n_threads > 1 ? (int64_t)PIECES_PER_THREAD * n_threads : 1;
    partition part;
    part.cols = ceil_div(panels, min64(panels, wanted)) * nr;
    part.n_col_pieces = ceil_div(nc, part.cols);
    int64_t row_pieces = ceil_div(wanted, part.n_col_pieces);
    part.rows = round_up(ceil_div(pr->m, row_pieces), mr);
    part.n_row_pieces = ceil_div(pr->m, part.rows);
    return part;
}

/* An NC-column block of C as the threads share it out when they take columns */
typedef struct {
    const product *pr;
    const scratch *s;
    partition part;
    int64_t j0, nc;
    unsigned char *a_packed;  /* per thread: its A~ holds all of A (when packed whole) */
} column_block;

/* One piece C[rows, cols] of the block over the whole reduction, a KC slice at a time: its
 * B~ panels packed into the thread's own B~, so no thread reads panels another packed (that
 * traffic between the cores cost time: csrc/TUNING.md). A is read from the thread's own
 * A~ of all of A, packed on its first piece, or in place, a last tile of fewer than MR
 * rows packed into the thread's own A~. */
static void column_piece(void *context, int64_t piece, int thread)
{
    const column_block *bl = context;
    const product *pr = bl->pr;
    int64_t mr = pr->kernel.mr, nr = pr->kernel.nr;
    real *a_block = bl->s->a_blocks + thread * bl->s->a_block_len;
    real *b_panels = bl->s->b_blocks + thread * bl->s->b_block_len;
    int64_t i0 = piece / bl->part.n_col_pieces * bl->part.rows;
    int64_t jp = piece % bl->part.n_col_pieces * bl->part.cols;
    int64_t mc = min64(bl->part.rows, pr->m - i0), cols = min64(bl->part.cols, bl->nc - jp);
    if (pr->a_packed_whole && !bl->a_packed[thread]) {
        BN(bn_pack_panels)(a_block, &pr->A, 0, pr->m, mr, mr, 0, pr->k);
        bl->a_packed[thread] = 1;
    }
    for (int64_t p0 = 0; p0 < pr->k; p0 += GEMM_KC) {
        int64_t kc = min64(GEMM_KC, pr->k - p0);
        BN(bn_pack_panels)(b_panels, &pr->Bt, bl->j0 + jp, cols, nr,
                           panel_width(&pr->kernel, jp + (cols - 1) / nr * nr, bl->nc), p0, kc);
        /* MC rows at a time, so that B~'s panels sweep a block of A that stays in L2 */
        for (int64_t ic = i0; ic < i0 + mc; ic += GEMM_MC) {
            int64_t rows = min64(GEMM_MC, i0 + mc - ic);
            const real *a_panels = a_block;
            if (pr->a_packed_whole)
                a_panels = a_block + ic * pr->k + p0 * mr;
            else if (rows % mr)
                BN(bn_pack_panel)(a_block, &pr->A, ic + rows / mr * mr, rows % mr, mr, p0, kc);
            loop2_panels(pr, a_panels, pr->k, b_panels, ic, rows, bl->j0, bl->nc, jp, cols, p0,
                         kc, p0 == 0 ? pr->beta : 1, p0 + kc == pr->k);
        }
    }
}

/* Loop 5: C = beta * C + A @ B, NC columns at a time */
static void loop5_column_blocks(const product *pr, const scratch *s)
{
    unsigned char a_packed[BN_MAX_WORKERS] = {0};
    for (int64_t j0 = 0; j0 < pr->n; j0 += GEMM_NC) {
        int64_t nc = min64(GEMM_NC, pr->n - j0);
        if (!pr->a_in_place && !pr->a_packed_whole) {
            loop4_slices(pr, s, j0, nc);
            continue;
        }
        column_block bl = {pr, s, cut_columns(pr, nc, s->n_threads), j0, nc, a_packed};
        bn_parallel_for(bl.part.n_row_pieces * bl.part.n_col_pieces, s->n_threads,
                        column_piece, &bl);
    }
}

/* A~ holds min(MC, m rounded up to MR) rows: MC must be whole MR-row panels, as
 * bn_pack_panels pads the last panel to MR rows; and column_piece's MC-row blocks leave
 * a short tile only at the end of a piece */
_Static_assert(WHOLE_MR_PANELS(GEMM_MC), "GEMM_MC is a multiple of every kernel's MR");
/* an NC-column block other than the last is whole NR panels: only the matrix's last panel
 * is narrow (panel_width) or zero-padded, and B~ holds round_up(nc, NR) columns */
_Static_assert(WHOLE_NR_PANELS(GEMM_NC), "GEMM_NC is a multiple of every kernel's NR");

/* The packed blocks' lengths: B~ (b_blocks of b_len reals each) and one A~ (a_len) per
 * thread */
typedef struct {
    int64_t b_len, b_blocks, a_len;
} block_lengths;

static block_lengths packed_lengths(const product *pr, int n_threads)
{
    int64_t mr = pr->kernel.mr, nr = pr->kernel.nr, kc = min64(GEMM_KC, pr->k);
    /* whole 64-byte lines per block, so every B~ panel starts on one for aligned loads */
    int64_t line = 64 / sizeof(real);
    int64_t nc = min64(GEMM_NC, pr->n);
    block_lengths len;
    if (pr->a_in_place || pr->a_packed_whole) {
        /* a B~ per thread for the columns of its piece; an A~ for a last tile, or all of A */
        len.b_len = round_up(cut_columns(pr, nc, n_threads).cols * kc, line);
        len.b_blocks = n_threads;
        len.a_len = round_up(pr->a_in_place ? mr * kc : round_up(pr->m, mr) * pr->k, line);
    } else {
        len.b_len = round_up(round_up(nc, nr) * kc, line);
        len.b_blocks = 1;
        len.a_len = round_up(min64(GEMM_MC, round_up(pr->m, mr)) * kc, line);
    }
    return len;
}

int64_t BN(bn_gemm_packed_scratch_len)(const product *pr, int n_threads)
{
    block_lengths len = packed_lengths(pr, n_threads);
    return len.b_blocks * len.b_len + n_threads * len.a_len;
}

int BN(bn_gemm_run_packed)(const product *pr, int n_threads)
{
    block_lengths len = packed_lengths(pr, n_threads);
    size_t needed = (size_t)(len.b_blocks * len.b_len + n_threads * len.a_len);
    real *buffer = pr->lent ? (needed <= pr->lent_len ? pr->lent : NULL)
                            : BN(bn_gemm_thread_scratch)(needed);
    if (!buffer)
        return BN_ENOMEM;
    scratch s = {buffer, len.b_blocks > 1 ? len.b_len : 0, buffer + len.b_blocks * len.b_len,
                 len.a_len, n_threads};
    loop5_column_blocks(pr, &s);
    if (!pr->lent)
        BN(bn_gemm_scratch_done)(buffer);
    return BN_OK;
}
