/* The narrow matrix product (planned in gemm.c): a C of at most MR rows or NR columns,
 * where each operand is read about once, so neither is packed and no cache blocking is
 * needed. The KC slices are kept all the same, so each element is the very sum the packed
 * loops would form. */
#include "real.h"
#include "gemm_blocking.h"
#include "tuning.h"
#include "gemm_product.h"
#include "runtime/pool.h"

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
        store_tile(pr, c, tile, cols, rows, cols, beta);
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
void BN(bn_gemm_run_narrow)(const product *pr, int n_threads)
{
    int64_t n_tiles = ceil_div(pr->m, pr->kernel.mr) * ceil_div(pr->n, pr->kernel.nr);
    tile_runs runs = {pr, n_tiles, min64(n_tiles, (int64_t)PIECES_PER_THREAD * n_threads)};
    bn_parallel_for(runs.n_tasks, n_threads, unpacked_tile_run, &runs);
}

