/* The matrix product C[m,n] = beta * C[m,n] + A[m,k] @ B[k,n] (see bn_api.h), BLIS style:
 * five loops around a register micro-kernel, each loop a function below.
 *
 *   loop 5  jc  NC-column blocks of C and B
 *   loop 4  pc  KC-deep slices of the reduction: pack B~[kc,nc], shared by the threads
 *   loop 3  ic  pieces of the C block, shared out to the threads: pack A~[mc,kc]
 *   loop 2  jr  NR-column micro-panels of B~
 *   loop 1  ir  MR-row micro-panels of A~: the micro-kernel updates one MR x NR tile of C
 *
 * When A is read in place (small, not indexed: reads_a_in_place), there is no A~ to share
 * and the threads take groups of columns instead, each piece running loops 4 to 1 on its
 * own columns and packing its own B~ (in_place_piece).
 *
 * Threads (pool.c) split only the output, never the reduction: every element is summed by
 * one thread, KC products at a time in the order p = 0, 1, ..., k-1, so results are the
 * same bit for bit whatever the number of threads. The fused epilogue (+ bias, then the
 * activation) runs on each tile right after its last slice, while the tile is in L1. */
#include <stdlib.h>
#include "bendernet.h"
#include "real.h"
#include "activations.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"
#include "gemm_select.h"
#include "gemm_pack.h"
#include "gemm_scratch.h"
#include "pool.h"

/* Pieces of work loop 3 makes per thread, so that a thread slowed by other programs on its
 * core hands its share to the others. */
#define PIECES_PER_THREAD 4

typedef void (*microkernel)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                            ptrdiff_t a_cs, const real *b_panel, int64_t kc, real beta);

typedef void (*unpacked_microkernel)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                                    ptrdiff_t a_cs, const real *B, ptrdiff_t b_rs,
                                    int64_t rows, int64_t cols, int64_t kc, real beta);

typedef struct {
    int64_t mr, nr;
    microkernel run, run_narrow;   /* NR columns, and NR/2 for a narrow last panel */
    unpacked_microkernel run_unpacked;  /* any tile up to MR x NR, B in place; or NULL */
} kernel_shape;

static const kernel_shape kernels[BN_GEMM_N_ISAS] = {
    [BN_GEMM_PORTABLE] = {PORTABLE_MR, PORTABLE_NR, BN(bn_microkernel_portable),
                          BN(bn_microkernel_portable_narrow)},
#ifdef BN_X86_KERNELS
    [BN_GEMM_AVX2] = {AVX2_MR, AVX2_NR, BN(bn_microkernel_avx2),
                      BN(bn_microkernel_avx2_narrow)},
    [BN_GEMM_AVX512] = {AVX512_MR, AVX512_NR, BN(bn_microkernel_avx512),
                        BN(bn_microkernel_avx512_narrow), BN(bn_microkernel_avx512_unpacked)},
#endif
};

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
    int unpacked;             /* a narrow product: run_unpacked reads A and B in place */
} product;

/* The packed operands: B~ shared by the threads (or, when A is read in place, one B~ per
 * thread for its own columns), and one A~ per thread */
typedef struct {
    real *b_blocks;           /* [nc/NR panels][kc, NR] */
    int64_t b_block_len;      /* 0: one B~, shared */
    real *a_blocks;           /* per thread: [mc/MR panels][kc, MR] */
    int64_t a_block_len;
    int n_threads;
} scratch;

/* How loop 3 cuts an m x nc block of C: pieces of rows x cols, row-major */
typedef struct {
    int64_t rows, cols, n_row_pieces, n_col_pieces;
} partition;

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

/* The epilogue on rows [i0, i0+rows) x columns [j0, j0+cols) of C */
static void finish_tile(const product *pr, int64_t i0, int64_t rows, int64_t j0, int64_t cols)
{
    const epilogue *e = pr->finish;
    ptrdiff_t at = i0 * pr->c_rs + j0 * pr->c_cs;
    BN(bn_bias_activation_tile)(pr->C + at, e->pre ? e->pre + at : NULL, pr->c_rs, pr->c_cs,
                                e->bias ? e->bias + i0 * e->bias_rs + j0 * e->bias_cs : NULL,
                                e->bias_rs, e->bias_cs, rows, cols, e->activation, e->alpha);
}

/* Columns of the B~ panel starting at column jr of an nc-column block: NR, or NR/2 for a
 * last panel that narrow (so a layer of 10 outputs wastes less work on zero padding) */
static int64_t panel_width(const kernel_shape *kernel, int64_t jr, int64_t nc)
{
    return nc - jr <= kernel->nr / 2 ? kernel->nr / 2 : kernel->nr;
}

/* C[i0:i0+rows, j0:j0+cols] = beta * C + A[MR,kc] @ b_panel[kc,width], then the epilogue
 * after the last slice; A[i,p] is A[i * a_rs + p * a_cs]. A whole tile of a row-contiguous
 * C is updated in place; an edge tile, or a strided C, goes through a scratch tile, so the
 * kernel never sees an edge. */
static void update_tile(const product *pr, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
                        const real *b_panel, int64_t width, int64_t i0, int64_t rows,
                        int64_t j0, int64_t cols, int64_t kc, real beta, int last)
{
    microkernel run = width == pr->kernel.nr ? pr->kernel.run : pr->kernel.run_narrow;
    real *c = pr->C + i0 * pr->c_rs + j0 * pr->c_cs;
    if (rows == pr->kernel.mr && cols == width && pr->c_cs == 1) {
        run(c, pr->c_rs, A, a_rs, a_cs, b_panel, kc, beta);
    } else {
        _Alignas(64) real tile[MAX_MR * MAX_NR];
        run(tile, width, A, a_rs, a_cs, b_panel, kc, 0);
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) {
                real *cij = c + i * pr->c_rs + j * pr->c_cs;
                *cij = beta == 0 ? tile[i * width + j] : beta * *cij + tile[i * width + j];
            }
    }
    if (last && pr->finish)
        finish_tile(pr, i0, rows, j0, cols);
}

/* Loop 1: C[i0:i0+mc, j0:j0+cols] += A[i0:i0+mc, p0:p0+kc] @ b_panel[kc,width], one
 * MR-row tile at a time. A's rows come from A~ (a_block), or for whole tiles when A is read
 * in place, from A itself. */
static void loop1_tiles(const product *pr, const real *a_block, const real *b_panel,
                        int64_t width, int64_t i0, int64_t mc, int64_t j0, int64_t cols,
                        int64_t p0, int64_t kc, real beta, int last)
{
    int64_t mr = pr->kernel.mr;
    for (int64_t ir = 0; ir < mc; ir += mr) {
        int64_t rows = min64(mr, mc - ir);
        if (pr->a_in_place && rows == mr)
            update_tile(pr, pr->A.base + (i0 + ir) * pr->A.rs + p0 * pr->A.cs, pr->A.rs,
                        pr->A.cs, b_panel, width, i0 + ir, rows, j0, cols, kc, beta, last);
        else
            update_tile(pr, a_block + (pr->a_in_place ? 0 : ir * kc), 1, mr, b_panel, width,
                        i0 + ir, rows, j0, cols, kc, beta, last);
    }
}

/* Loop 2: C[i0:i0+mc, j0+jp:j0+jp+cols] += A[i0:i0+mc, p0:p0+kc] @ B~[kc, jp:jp+cols], one
 * NR-column panel at a time, b_panels the first of them; each B~ panel stays in L1 while
 * loop 1 sweeps A past it */
static void loop2_panels(const product *pr, const real *a_block, const real *b_panels,
                         int64_t i0, int64_t mc, int64_t j0, int64_t nc, int64_t jp,
                         int64_t cols, int64_t p0, int64_t kc, real beta, int last)
{
    int64_t nr = pr->kernel.nr;
    for (int64_t jr = jp; jr < jp + cols; jr += nr)
        loop1_tiles(pr, a_block, b_panels + (jr - jp) * kc, panel_width(&pr->kernel, jr, nc),
                    i0, mc, j0 + jr, min64(nr, jp + cols - jr), p0, kc, beta, last);
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
    real beta;
    int last;                 /* the slice ends the reduction: run the epilogue */
} slice;

/* B~[kc, jr:jr+NR] = B[p0:p0+kc, j0+jr:j0+jr+NR] for jr = panel * NR, the last panel
 * perhaps NR/2 wide */
static void pack_b_panel(void *context, int64_t panel, int thread)
{
    (void)thread;
    const slice *sl = context;
    int64_t nr = sl->pr->kernel.nr, jr = panel * nr;
    BN(bn_pack_panel)(sl->s->b_blocks + jr * sl->kc, &sl->pr->Bt, sl->j0 + jr,
                      min64(nr, sl->nc - jr), panel_width(&sl->pr->kernel, jr, sl->nc), sl->p0,
                      sl->kc);
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
    BN(bn_pack_a_block)(a_block, &pr->A, i0, mc, pr->kernel.mr, sl->p0, sl->kc);
    loop2_panels(pr, a_block, sl->s->b_blocks + jp * sl->kc, i0, mc, sl->j0, sl->nc, jp,
                 min64(part->cols, sl->nc - jp), sl->p0, sl->kc, sl->beta, sl->last);
}

/* Loop 4: C[:, j0:j0+nc] = beta * C + A @ B[:, j0:j0+nc], KC products of each sum at a
 * time; beta applies to the first slice only. The threads pack B~ a panel at a time, then
 * take the pieces of loop 3 as they come free. */
static void loop4_slices(const product *pr, const scratch *s, int64_t j0, int64_t nc)
{
    for (int64_t p0 = 0; p0 < pr->k; p0 += GEMM_KC) {
        int64_t kc = min64(GEMM_KC, pr->k - p0);
        slice sl = {pr, s, cut_block(pr, nc, s->n_threads), j0, nc, p0, kc,
                    p0 == 0 ? pr->beta : 1, p0 + kc == pr->k};
        bn_parallel_for(ceil_div(nc, pr->kernel.nr), s->n_threads, pack_b_panel, &sl);
        bn_parallel_for(sl.part.n_row_pieces * sl.part.n_col_pieces, s->n_threads, loop3_piece,
                        &sl);
    }
}

/* Pieces of the m x nc block when A is read in place: groups of NR-column panels, about
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

/* An NC-column block of C as the threads share it out when A is read in place */
typedef struct {
    const product *pr;
    const scratch *s;
    partition part;
    int64_t j0, nc;
} column_block;

/* One piece C[rows, cols] of the block over the whole reduction, a KC slice at a time: its
 * B~ panels packed into the thread's own B~, so no thread reads panels another packed (on
 * two cores that traffic cost 6-8% of a product), and a last tile of fewer than MR rows of
 * A into its own A~ */
static void in_place_piece(void *context, int64_t piece, int thread)
{
    const column_block *bl = context;
    const product *pr = bl->pr;
    int64_t mr = pr->kernel.mr, nr = pr->kernel.nr;
    real *a_block = bl->s->a_blocks + thread * bl->s->a_block_len;
    real *b_panels = bl->s->b_blocks + thread * bl->s->b_block_len;
    int64_t i0 = piece / bl->part.n_col_pieces * bl->part.rows;
    int64_t jp = piece % bl->part.n_col_pieces * bl->part.cols;
    int64_t mc = min64(bl->part.rows, pr->m - i0), cols = min64(bl->part.cols, bl->nc - jp);
    for (int64_t p0 = 0; p0 < pr->k; p0 += GEMM_KC) {
        int64_t kc = min64(GEMM_KC, pr->k - p0);
        for (int64_t jr = jp; jr < jp + cols; jr += nr)
            BN(bn_pack_panel)(b_panels + (jr - jp) * kc, &pr->Bt, bl->j0 + jr,
                              min64(nr, jp + cols - jr), panel_width(&pr->kernel, jr, bl->nc),
                              p0, kc);
        /* MC rows at a time, so that B~'s panels sweep a block of A that stays in L2 */
        for (int64_t ic = i0; ic < i0 + mc; ic += GEMM_MC) {
            int64_t rows = min64(GEMM_MC, i0 + mc - ic);
            if (rows % mr)
                BN(bn_pack_panel)(a_block, &pr->A, ic + rows / mr * mr, rows % mr, mr, p0, kc);
            loop2_panels(pr, a_block, b_panels, ic, rows, bl->j0, bl->nc, jp, cols, p0, kc,
                         p0 == 0 ? pr->beta : 1, p0 + kc == pr->k);
        }
    }
}

/* Loop 5: C = beta * C + A @ B, NC columns at a time */
static void loop5_column_blocks(const product *pr, const scratch *s)
{
    for (int64_t j0 = 0; j0 < pr->n; j0 += GEMM_NC) {
        int64_t nc = min64(GEMM_NC, pr->n - j0);
        if (!pr->a_in_place) {
            loop4_slices(pr, s, j0, nc);
            continue;
        }
        column_block bl = {pr, s, cut_columns(pr, nc, s->n_threads), j0, nc};
        bn_parallel_for(bl.part.n_row_pieces * bl.part.n_col_pieces, s->n_threads,
                        in_place_piece, &bl);
    }
}

/* ---- narrow products, unpacked ---------------------------------------------------------
 * A C of at most MR rows or NR columns: each operand is read about once, so neither is
 * packed and no cache blocking is needed. The KC slices are kept all the same, so each
 * element is the very sum the packed loops would form. */

/* C[i0:i0+rows, j0:j0+cols] = beta * C + A @ B over the KC slices of the reduction, then
 * the epilogue. A strided C goes through a scratch tile. */
static void unpacked_tile(const product *pr, int64_t i0, int64_t rows, int64_t j0,
                          int64_t cols)
{
    const gemm_operand *A = &pr->A, *Bt = &pr->Bt;
    real *c = pr->C + i0 * pr->c_rs + j0 * pr->c_cs;
    for (int64_t p0 = 0; p0 < pr->k; p0 += GEMM_KC) {
        int64_t kc = min64(GEMM_KC, pr->k - p0);
        real beta = p0 == 0 ? pr->beta : 1;
        const real *a = A->base + i0 * A->rs + p0 * A->cs;
        const real *b = Bt->base + j0 + p0 * Bt->cs;   /* B[p, j] at b[p * Bt->cs + j] */
        if (pr->c_cs == 1) {
            pr->kernel.run_unpacked(c, pr->c_rs, a, A->rs, A->cs, b, Bt->cs, rows, cols, kc,
                                    beta);
            continue;
        }
        real tile[MAX_MR * MAX_NR];
        pr->kernel.run_unpacked(tile, cols, a, A->rs, A->cs, b, Bt->cs, rows, cols, kc, 0);
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) {
                real *cij = c + i * pr->c_rs + j * pr->c_cs;
                *cij = beta == 0 ? tile[i * cols + j] : beta * *cij + tile[i * cols + j];
            }
    }
    if (pr->finish)
        finish_tile(pr, i0, rows, j0, cols);
}

/* A run of the narrow product's MR x NR tiles, row-major, as one task for the threads */
typedef struct {
    const product *pr;
    int64_t n_tiles, n_tasks;
} tile_runs;

/* C = beta * C + A @ B on tiles [task, task + 1) * n_tiles / n_tasks */
static void unpacked_tile_run(void *context, int64_t task, int thread)
{
    (void)thread;
    const tile_runs *runs = context;
    const product *pr = runs->pr;
    int64_t mr = pr->kernel.mr, nr = pr->kernel.nr, n_col_tiles = ceil_div(pr->n, nr);
    int64_t end = (task + 1) * runs->n_tiles / runs->n_tasks;
    for (int64_t tile = task * runs->n_tiles / runs->n_tasks; tile < end; tile++) {
        int64_t i0 = tile / n_col_tiles * mr, j0 = tile % n_col_tiles * nr;
        unpacked_tile(pr, i0, min64(mr, pr->m - i0), j0, min64(nr, pr->n - j0));
    }
}

/* C = beta * C + A @ B, one MR x NR tile at a time, runs of tiles shared out to the
 * threads */
static void unpacked_tiles(const product *pr, int n_threads)
{
    int64_t n_tiles = ceil_div(pr->m, pr->kernel.mr) * ceil_div(pr->n, pr->kernel.nr);
    tile_runs runs = {pr, n_tiles, min64(n_tiles, (int64_t)PIECES_PER_THREAD * n_threads)};
    bn_parallel_for(runs.n_tasks, n_threads, unpacked_tile_run, &runs);
}

/* C = beta * C for k == 0 (an empty sum), then the epilogue */
static void scale_output(const product *pr)
{
    for (int64_t i = 0; i < pr->m; i++) {
        for (int64_t j = 0; j < pr->n; j++) {
            real *cij = pr->C + i * pr->c_rs + j * pr->c_cs;
            *cij = pr->beta == 0 ? 0 : pr->beta * *cij;
        }
        if (pr->finish)
            finish_tile(pr, i, 1, 0, pr->n);
    }
}

/* Threads worth using: one per GEMM_FLOPS_PER_THREAD of work, at most OpenMP's limit
 * (OMP_NUM_THREADS, or threadpoolctl's) */
static int thread_count(const product *pr)
{
    double flops = 2.0 * (double)pr->m * (double)pr->n * (double)pr->k;
    double wanted = flops / GEMM_FLOPS_PER_THREAD;
    int most = bn_max_threads();
    return wanted >= most ? most : wanted < 1 ? 1 : (int)wanted;
}

static int run(const product *pr)
{
    if (pr->m == 0 || pr->n == 0)
        return BN_OK;
    if (pr->k == 0) {
        scale_output(pr);
        return BN_OK;
    }
    int n_threads = thread_count(pr);
    if (pr->unpacked) {
        unpacked_tiles(pr, n_threads);
        return BN_OK;
    }
    int64_t mr = pr->kernel.mr, nr = pr->kernel.nr, kc = min64(GEMM_KC, pr->k);
    /* whole 64-byte lines per block, so every B~ panel starts on one for aligned loads */
    int64_t line = 64 / sizeof(real);
    int64_t nc = min64(GEMM_NC, pr->n);
    int64_t b_len, b_blocks, a_len;
    if (pr->a_in_place) {
        /* a B~ per thread for the columns of its piece; an A~ for a last tile */
        b_len = round_up(cut_columns(pr, nc, n_threads).cols * kc, line);
        b_blocks = n_threads;
        a_len = round_up(mr * kc, line);
    } else {
        b_len = round_up(round_up(nc, nr) * kc, line);
        b_blocks = 1;
        a_len = round_up(min64(GEMM_MC, round_up(pr->m, mr)) * kc, line);
    }
    real *buffer = BN(bn_gemm_thread_scratch)((size_t)(b_blocks * b_len + n_threads * a_len));
    if (!buffer)
        return BN_ENOMEM;
    scratch s = {buffer, b_blocks > 1 ? b_len : 0, buffer + b_blocks * b_len, a_len,
                 n_threads};
    loop5_column_blocks(pr, &s);
    return BN_OK;
}

/* Rough cost of packing one element of M: a straight copy when the panel's rows lie next
 * to one another in memory, else a transposing copy of about a cycle an element */
static double copy_cost(const gemm_operand *M)
{
    return !M->rows && llabs((long long)M->rs) < llabs((long long)M->cs) ? 0.125 : 1;
}

/* Rough cycles of a product run as pr says: one per vector multiply-add over the padded
 * tiles, plus packing, plus writing C through the scratch tile when its rows are strided */
static double estimated_cycles(const product *pr)
{
    int64_t nr = pr->kernel.nr, last = pr->n % nr;
    int64_t padded_n = pr->n - last + (last == 0 ? 0 : last <= nr / 2 ? nr / 2 : nr);
    double m = (double)pr->m, n = (double)pr->n, k = (double)pr->k;
    double multiply_adds = (double)round_up(pr->m, pr->kernel.mr) * padded_n * k / (nr / 2);
    double pack_a = pr->a_in_place ? 0 : m * k * copy_cost(&pr->A);
    double pack_b = n * k * copy_cost(&pr->Bt);
    return multiply_adds + pack_a + pack_b + (pr->c_cs == 1 ? 0 : m * n);
}

/* Rough cycles of the product run unpacked: per row of C and step of the reduction, one
 * per zmm multiply-add across its columns and half for an xmm tail (Zen 4 runs two of those
 * a cycle), plus writing C through the scratch tile when its rows are strided */
static double estimated_unpacked_cycles(const product *pr)
{
    int64_t lanes = pr->kernel.nr / 2, tail_lanes = lanes / 4;
    int64_t last = pr->n - (ceil_div(pr->n, pr->kernel.nr) - 1) * pr->kernel.nr;
    double last_vectors = last <= tail_lanes ? 0.5 : last <= lanes ? 1
                          : last <= lanes + tail_lanes ? 1.5 : 2;
    double vectors = (double)(ceil_div(pr->n, pr->kernel.nr) - 1) * 2 + last_vectors;
    return (double)pr->m * (double)pr->k * vectors +
           (pr->c_cs == 1 ? 0 : (double)pr->m * (double)pr->n);
}

/* The unpacked kernel serves a C of at most MR rows or NR columns whose B has its columns
 * contiguous, with neither operand indexed */
static int runs_unpacked(const product *pr)
{
    return pr->kernel.run_unpacked && (pr->m <= pr->kernel.mr || pr->n <= pr->kernel.nr) &&
           pr->Bt.rs == 1 && !pr->A.rows && !pr->A.cols && !pr->Bt.rows && !pr->Bt.cols;
}

static double product_cycles(const product *pr)
{
    return pr->unpacked ? estimated_unpacked_cycles(pr) : estimated_cycles(pr);
}

/* Whether the micro-kernel reads A where it lies, unpacked: when few B panels would reuse
 * a packed copy, or when A is small with short contiguous rows or contiguous columns (see
 * gemm_blocking.h). An index must be gathered. */
static int reads_a_in_place(const product *pr)
{
    if (pr->A.rows || pr->A.cols)
        return 0;
    if (ceil_div(pr->n, pr->kernel.nr) < GEMM_PACK_A_MIN_PANELS)
        return 1;
    double row_bytes = (double)llabs((long long)pr->A.rs) * sizeof(real);
    int short_rows = pr->A.cs == 1 && row_bytes < GEMM_A_IN_PLACE_ROW_BYTES;
    int contiguous_columns = pr->A.rs == 1;
    return (short_rows || contiguous_columns) &&
           (double)pr->m * (double)pr->k * sizeof(real) <= GEMM_A_IN_PLACE_BYTES;
}

/* The product as the loops will run it: C = A B, or C^T = B^T A^T, packed or (if narrow)
 * unpacked, whichever is estimated to be cheapest (a column-major C, whose rows it writes
 * in place, or a C with few columns and many rows). All give the same result bit for bit:
 * each element is the same sum in the same order. */
static product orient(real *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                      const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                      const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                      int64_t m, int64_t n, int64_t k, real beta, epilogue *finish)
{
    product pr = {
        .C = C, .c_rs = c_rs, .c_cs = c_cs,
        .A = {A, a_rs, a_cs, a_rows, NULL},
        .Bt = {B, b_cs, b_rs, NULL, b_rows},
        .m = m, .n = n, .k = k, .beta = beta, .finish = finish,
        .kernel = kernels[bn_gemm_isa_selected()],
    };
    product transposed = pr;
    transposed.A = pr.Bt;
    transposed.Bt = pr.A;
    transposed.c_rs = c_cs;
    transposed.c_cs = c_rs;
    transposed.m = n;
    transposed.n = m;
    pr.a_in_place = reads_a_in_place(&pr);
    transposed.a_in_place = reads_a_in_place(&transposed);
    pr.unpacked = runs_unpacked(&pr) && estimated_unpacked_cycles(&pr) < estimated_cycles(&pr);
    transposed.unpacked = runs_unpacked(&transposed) &&
                          estimated_unpacked_cycles(&transposed) < estimated_cycles(&transposed);
    if (product_cycles(&transposed) >= product_cycles(&pr))
        return pr;
    if (finish) {
        ptrdiff_t bias_rs = finish->bias_rs;
        finish->bias_rs = finish->bias_cs;
        finish->bias_cs = bias_rs;
    }
    return transposed;
}

int BN(bn_gemm)(real *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                int64_t m, int64_t n, int64_t k, real beta)
{
    if (m < 0 || n < 0 || k < 0)
        return BN_EINVAL;
    product pr = orient(C, c_rs, c_cs, A, a_rs, a_cs, a_rows, B, b_rs, b_cs, b_rows,
                        m, n, k, beta, NULL);
    return run(&pr);
}

int BN(bn_gemm_bias_activation)(real *C, real *pre, ptrdiff_t c_rs, ptrdiff_t c_cs,
                                const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
                                const int64_t *a_rows,
                                const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs,
                                const int64_t *b_rows, const real *bias,
                                int64_t m, int64_t n, int64_t k, int activation, real alpha)
{
    if (m < 0 || n < 0 || k < 0 || activation >= BN_N_ACTIVATIONS)
        return BN_EINVAL;
    epilogue finish = {pre, bias, 0, 1, activation, alpha};
    product pr = orient(C, c_rs, c_cs, A, a_rs, a_cs, a_rows, B, b_rs, b_cs, b_rows,
                        m, n, k, 0, &finish);
    return run(&pr);
}
