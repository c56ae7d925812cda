/* The matrix product C[m,n] = beta * C[m,n] + A[m,k] @ B[k,n] (see bn_api.h): the plan.
 * Each product runs as C = A B or as C^T = B^T A^T, packed (gemm_packed.c) or, when narrow,
 * unpacked (gemm_narrow.c), with A packed or read in place, whichever is estimated to cost
 * least, on as many threads as its size pays for. All plans give the same bits: every
 * element is the same sum in the same order. */
#include <stdlib.h>
#include "bendernet.h"
#include "real.h"
#include "gemm_blocking.h"
#include "tuning.h"
#include "gemm_kernels.h"
#include "gemm_select.h"
#include "gemm_product.h"
#include "gemm_scratch.h"
#include "runtime/pool.h"

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

/* Threads a product's size pays for: one per GEMM_FLOPS_PER_THREAD of work, at most
 * OpenMP's limit (OMP_NUM_THREADS, or threadpoolctl's) */
static int wanted_threads(int64_t m, int64_t n, int64_t k)
{
    double flops = 2.0 * (double)m * (double)n * (double)k;
    double wanted = flops / GEMM_FLOPS_PER_THREAD;
    int most = bn_max_threads();
    return wanted >= most ? most : wanted < 1 ? 1 : (int)wanted;
}

/* Threads worth using: those wanted, and one while the cores are far apart; one for a
 * product in lent memory (it runs as a task, and a task's products are not shared out) */
static int thread_count(const product *pr)
{
    return pr->lent ? 1 : bn_threads_worth_using(wanted_threads(pr->m, pr->n, pr->k));
}

static int64_t larger(int64_t a, int64_t b) { return a > b ? a : b; }

/* Every plan is one of the six combinations below on 1 .. wanted_threads threads. Each
 * combination's length grows with m and n at a given thread count, so the bound holds for
 * every smaller product too (an epoch's shorter last batch). */
size_t BN(bn_gemm_scratch_bound)(int64_t m, int64_t n, int64_t k, int threaded)
{
    if (m <= 0 || n <= 0 || k <= 0)
        return 0;
    int most = threaded ? wanted_threads(m, n, k) : 1;
    product plan = {.k = k, .kernel = kernels[bn_gemm_isa_selected()]};
    int64_t bound = 0;
    for (int transposed = 0; transposed < 2; transposed++) {
        plan.m = transposed ? n : m;
        plan.n = transposed ? m : n;
        /* A packed in blocks, read in place, or packed whole */
        for (int source = 0; source < 3; source++) {
            plan.a_in_place = source == 1;
            plan.a_packed_whole = source == 2;
            for (int threads = 1; threads <= most; threads++)
                bound = larger(bound, BN(bn_gemm_packed_scratch_len)(&plan, threads));
        }
    }
    return (size_t)bound;
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
        BN(bn_gemm_run_narrow)(pr, n_threads);
        return BN_OK;
    }
    return BN(bn_gemm_run_packed)(pr, n_threads);
}

/* Rough cost of packing one element of M, `elements` in all: a transposing copy of about a
 * cycle an element, or, when the panel's rows lie next to one another in memory, a straight
 * copy, plus for an M too large to stay in cache a cost for each run of a column it reads,
 * `run` elements long (see tuning.h) */
static double copy_cost(const gemm_operand *M, double elements, int64_t run)
{
    if (M->rows || llabs((long long)M->rs) >= llabs((long long)M->cs))
        return 1;
    int streams = elements * sizeof(real) > GEMM_PACK_RUN_MIN_BYTES;
    return 0.125 + (streams ? GEMM_PACK_RUN_CYCLES / (double)run : 0);
}

/* Rough cycles of a product run as pr says: one per vector multiply-add over the padded
 * tiles, plus packing, plus writing C through the scratch tile when its rows are strided.
 * A~ takes MC rows of each column at a time, B~ a whole NC-column block. */
static double estimated_cycles(const product *pr)
{
    int64_t nr = pr->kernel.nr, last = pr->n % nr;
    int64_t padded_n = pr->n - last + (last == 0 ? 0 : last <= nr / 2 ? nr / 2 : nr);
    double m = (double)pr->m, n = (double)pr->n, k = (double)pr->k;
    double multiply_adds = (double)round_up(pr->m, pr->kernel.mr) * padded_n * k / (nr / 2);
    double pack_a = pr->a_in_place ? 0 : m * k * copy_cost(&pr->A, m * k, min64(pr->m, GEMM_MC));
    double pack_b = n * k * copy_cost(&pr->Bt, n * k, min64(pr->n, GEMM_NC));
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
 * tuning.h). An index must be gathered. */
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

/* Whether A is packed whole, by each thread, so that the threads can take columns as they
 * do when it is read in place (gemm_packed.c): when it is as small as one read in place
 * and only its rows' distance, 4 KiB or more (GEMM_A_IN_PLACE_ROW_BYTES), kept it from
 * being read in place. An indexed A stays packed a block at a time: packed whole into
 * one shared A~ it made the W1 and W5 fits 3% slower (csrc/TUNING.md). */
static int packs_a_whole(const product *pr)
{
    return !pr->a_in_place && !pr->A.rows && !pr->A.cols && pr->A.cs == 1 &&
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
    pr.a_packed_whole = packs_a_whole(&pr);
    transposed.a_packed_whole = packs_a_whole(&transposed);
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

/* Whether the micro-kernels can apply the epilogue themselves: a bias (one per row or per
 * column) and ReLU or no activation, with no pre-activation to keep */
static int finishes_in_kernel(const epilogue *finish)
{
    int simple = finish->activation < 0 || finish->activation == BN_IDENTITY ||
                 finish->activation == BN_RELU;
    int per_column = finish->bias_rs == 0 && finish->bias_cs == 1;
    int per_row = finish->bias_cs == 0;
    return simple && !finish->pre && (!finish->bias || per_column || per_row);
}

/* bn_gemm, its packed blocks in lent memory when lent is not NULL */
static int plain_product(const gemm_lent_scratch *lent,
                         real *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                         const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                         const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                         int64_t m, int64_t n, int64_t k, real beta)
{
    if (m < 0 || n < 0 || k < 0)
        return BN_EINVAL;
    product pr = orient(C, c_rs, c_cs, A, a_rs, a_cs, a_rows, B, b_rs, b_cs, b_rows,
                        m, n, k, beta, NULL);
    if (lent) {
        pr.lent = lent->data;
        pr.lent_len = lent->len;
    }
    return run(&pr);
}

int BN(bn_gemm)(real *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                int64_t m, int64_t n, int64_t k, real beta)
{
    return plain_product(NULL, C, c_rs, c_cs, A, a_rs, a_cs, a_rows, B, b_rs, b_cs, b_rows,
                         m, n, k, beta);
}

int BN(bn_gemm_lent)(const gemm_lent_scratch *lent, real *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                     const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                     const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                     int64_t m, int64_t n, int64_t k, real beta)
{
    return plain_product(lent, C, c_rs, c_cs, A, a_rs, a_cs, a_rows, B, b_rs, b_cs, b_rows,
                         m, n, k, beta);
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
    pr.finish_in_kernel = finishes_in_kernel(&finish);
    return run(&pr);
}
