/* One fully connected layer, v = X W + b, u = f(v), and its gradients. X is dense (through
 * the matrix product) or CSR (through a sparse loop over its nonzeros, never densified). */
#include <string.h>
#include "bendernet.h"
#include "real.h"
#include "runtime/vector_clones.h"
#include "gemm/gemm_blocking.h"
#include "gemm/gemm_scratch.h"
#include "gemm/gemm_select.h"
#include "network/reserve.h"
#include "network/phase_times.h"
#include "tuning.h"
#include "runtime/pool.h"

static int valid_input(const bn_rows *X, const int64_t *rows, int64_t m, int64_t n)
{
    return X && m >= 0 && n >= 0 && X->n_cols >= 0 &&
           (rows ? bn_index_check(rows, m, X->n_rows) == BN_OK : m <= X->n_rows);
}

/* V[m,n] = X[rows[m],k] @ W[k,n] for CSR X: each row's nonzeros in order */
static void csr_times_dense(real *V, const bn_rows *X, const int64_t *rows,
                            const real *W, int64_t m, int64_t n)
{
    for (int64_t i = 0; i < m; i++) {
        int64_t row = rows ? rows[i] : i;
        real *v = V + i * n;
        memset(v, 0, (size_t)n * sizeof(real));
        for (int64_t nz = X->indptr[row]; nz < X->indptr[row + 1]; nz++) {
            real x = ((const real *)X->values)[nz];
            const real *w = W + X->indices[nz] * n;
            for (int64_t j = 0; j < n; j++)
                v[j] += x * w[j];
        }
    }
}

/* dW[k,n] = X[rows[m],k]^T @ dV[m,n] for CSR X: each nonzero scatters a row of dV */
static void csr_transpose_times_dense(real *dW, const bn_rows *X, const int64_t *rows,
                                      const real *dV, int64_t m, int64_t n)
{
    memset(dW, 0, (size_t)(X->n_cols * n) * sizeof(real));
    for (int64_t i = 0; i < m; i++) {
        int64_t row = rows ? rows[i] : i;
        const real *dv = dV + i * n;
        for (int64_t nz = X->indptr[row]; nz < X->indptr[row + 1]; nz++) {
            real x = ((const real *)X->values)[nz];
            real *dw = dW + X->indices[nz] * n;
            for (int64_t j = 0; j < n; j++)
                dw[j] += x * dv[j];
        }
    }
}

int BN(bn_dense_forward)(real *U, real *pre, const bn_rows *X, const int64_t *rows,
                         const real *W, const real *b, int64_t m, int64_t n,
                         int activation, real alpha)
{
    if (!valid_input(X, rows, m, n) || activation >= BN_N_ACTIVATIONS)
        return BN_EINVAL;
    int64_t k = X->n_cols;
    if (!X->indptr)  /* U[m,n] = f(X[rows[m],k] @ W[k,n] + b[n]), fused in the product */
        return BN(bn_gemm_bias_activation)(U, pre, n, 1, X->values, X->row_stride, 1, rows,
                                           W, n, 1, NULL, b, m, n, k, activation, alpha);
    csr_times_dense(U, X, rows, W, m, n);
    for (int64_t i = 0; i < m; i++) {
        real *u = U + i * n;
        for (int64_t j = 0; j < n; j++)
            u[j] += b[j];
        if (pre)
            memcpy(pre + i * n, u, (size_t)n * sizeof(real));
        if (activation >= 0)
            BN(bn_activation_forward)(u, u, n, activation, alpha);
    }
    return BN_OK;
}

/* db[n] = the sum of dV[m,n]'s rows, in row order */
BN_VECTOR_CLONES
static void column_sums(real *restrict db, const real *restrict dV, int64_t m, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        db[j] = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            db[j] += dV[i * n + j];
}

/* Whether a product of reduction length one (a batch of one row, a layer of one unit) is
 * run as an outer product rather than by the matrix product: when it is small enough for
 * the product to run it on one thread. Each element of it is one term added to zero, as
 * the matrix product sums it on any plan or thread count (gemm.c); what this saves is the
 * product's planning, which costs a batch-1 step's products (W3: 2x4 and 4x1 layers) more
 * than their arithmetic. */
static int runs_as_outer_product(int64_t reduction, int64_t rows, int64_t cols)
{
    return reduction == 1 && 2.0 * (double)rows * (double)cols < 2.0 * GEMM_FLOPS_PER_THREAD;
}

/* Whether the selected micro-kernel adds a b to its zero sum fused, in one rounding: a
 * product that underflows gives -0 fused and +0 rounded first. Every x86 SIMD kernel
 * fuses, the portable one only on ARMv8 (gemm_kernels_portable.c). */
static int product_fuses(void)
{
#if defined(__aarch64__)
    return 1;
#else
    return bn_gemm_isa_selected() != BN_GEMM_PORTABLE;
#endif
}

#ifdef BN_FLOAT
#define fused_multiply_add __builtin_fmaf
#else
#define fused_multiply_add __builtin_fma
#endif
/* fused multiply-adds in an instruction, not a libm call: called only when the selected
 * kernel fuses, so the CPU has FMA */
#if defined(__x86_64__) && defined(__GNUC__)
#define FMA_TARGET __attribute__((target("fma")))
#else
#define FMA_TARGET
#endif

/* C[r,c] = a[r * a_stride] * b[c] + 0 in one rounding, C[rows, cols] row-major */
FMA_TARGET static void fused_outer_product(real *restrict C, const real *restrict a,
                                           ptrdiff_t a_stride, const real *restrict b,
                                           int64_t rows, int64_t cols)
{
    for (int64_t r = 0; r < rows; r++) {
        real ar = a[r * a_stride];
        for (int64_t c = 0; c < cols; c++)
            C[r * cols + c] = fused_multiply_add(ar, b[c], (real)0);
    }
}

/* C[r,c] = 0 + a[r * a_stride] * b[c], C[rows, cols] row-major, as the selected kernel
 * computes it */
static void outer_product(real *restrict C, const real *restrict a, ptrdiff_t a_stride,
                          const real *restrict b, int64_t rows, int64_t cols)
{
    if (product_fuses()) {
        fused_outer_product(C, a, a_stride, b, rows, cols);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        real ar = a[r * a_stride];
        for (int64_t c = 0; c < cols; c++)
            C[r * cols + c] = (real)0 + ar * b[c];
    }
}

/* dW[k,n] = X[rows[m],k]^T @ dV[m,n] and db[n] = the sum of dV's rows; the product's
 * packed blocks in lent memory, or (lent NULL) the calling thread's scratch */
static int weight_gradient(real *dW, real *db, const real *dV, const bn_rows *X,
                           const int64_t *rows, int64_t m, int64_t n,
                           const gemm_lent_scratch *lent)
{
    int64_t k = X->n_cols;
    int status = BN_OK;
    int64_t started = bn_phase_start();
    if (X->indptr)
        csr_transpose_times_dense(dW, X, rows, dV, m, n);
    else if (runs_as_outer_product(m, k, n))  /* dW[k,n] = X[row, k]^T dV[1, n] */
        outer_product(dW, (const real *)X->values + (rows ? rows[0] : 0) * X->row_stride, 1,
                      dV, k, n);
    else  /* dW^T[n,k] = dV^T[n,m] @ X[rows[m],k], so the batch index stays on B's rows */
        status = BN(bn_gemm_lent)(lent, dW, 1, n, dV, 1, n, NULL, X->values, X->row_stride,
                                  1, rows, n, k, m, 0);
    started = bn_phase_lap(BN_PHASE_WEIGHT_PRODUCT, started);
    column_sums(db, dV, m, n);
    bn_phase_lap(BN_PHASE_BIAS_SUMS, started);
    return status;
}

/* dX[m,k] = dV[m,n] @ W^T[n,k], with lent memory as weight_gradient */
static int input_gradient(real *dX, const real *dV, const real *W, int64_t m, int64_t n,
                          int64_t k, const gemm_lent_scratch *lent)
{
    int64_t started = bn_phase_start();
    int status = BN_OK;
    if (runs_as_outer_product(n, m, k))  /* dX[m,k] = dV[m, 1] W[k, 1]^T */
        outer_product(dX, dV, 1, W, m, k);
    else
        status = BN(bn_gemm_lent)(lent, dX, k, 1, dV, n, 1, NULL, W, 1, n, NULL, m, k, n, 0);
    bn_phase_lap(BN_PHASE_DELTA_PRODUCT, started);
    return status;
}

/* Whether a layer's two backward products run side by side as tasks: when small (see
 * DENSE_OVERLAP_FLOPS) */
static int overlaps(int64_t m, int64_t n, int64_t k)
{
    double flops = 2.0 * (double)m * (double)n * (double)k;
    return flops >= DENSE_OVERLAP_MIN_FLOPS && flops <= DENSE_OVERLAP_FLOPS;
}

static size_t larger(size_t a, size_t b) { return a > b ? a : b; }

size_t BN(bn_dense_scratch_len)(int64_t m, int64_t n, int64_t k)
{
    /* U[m,n] = f(X[m,k] @ W[k,n] + b), dW^T[n,k] = dV^T[n,m] @ X[m,k], dX[m,k] = dV @ W^T */
    size_t most = larger(BN(bn_gemm_scratch_bound)(m, n, k, 1),
                         larger(BN(bn_gemm_scratch_bound)(n, k, m, 1),
                                BN(bn_gemm_scratch_bound)(m, k, n, 1)));
    /* the most rows (of up to m) with which the backward products run as tasks, both lent
     * from the caller's scratch at once: the bounds grow with the rows */
    double rows = DENSE_OVERLAP_FLOPS / (2.0 * (double)n * (double)k);
    int64_t overlap_rows = rows < (double)m ? (int64_t)rows : m;
    if (overlap_rows >= 1 && overlaps(overlap_rows, n, k))
        most = larger(most, BN(bn_gemm_scratch_bound)(n, k, overlap_rows, 0) +
                                BN(bn_gemm_scratch_bound)(overlap_rows, k, n, 0));
    return most;
}

/* A layer's two gradients as two tasks, one a thread, when its products are small (see
 * DENSE_OVERLAP_FLOPS); each product's packed blocks in its part of the caller's scratch,
 * so that a pool thread allocates nothing (an epoch takes all it needs before it starts) */
typedef struct {
    real *dW, *db, *dX;
    const real *dV, *W;
    const bn_rows *X;
    const int64_t *rows;
    int64_t m, n;
    gemm_lent_scratch lent[2];
    int status[2];
} backward_job;

static void backward_task(void *context, int64_t task, int worker)
{
    (void)worker;
    backward_job *job = context;
    job->status[task] = task == 0 ? weight_gradient(job->dW, job->db, job->dV, job->X,
                                                    job->rows, job->m, job->n, &job->lent[0])
                                  : input_gradient(job->dX, job->dV, job->W, job->m, job->n,
                                                   job->X->n_cols, &job->lent[1]);
}

int BN(bn_dense_backward)(real *dW, real *db, real *dX, const real *dV,
                          const bn_rows *X, const int64_t *rows, const real *W,
                          int64_t m, int64_t n)
{
    if (!valid_input(X, rows, m, n))
        return BN_EINVAL;
    int64_t k = X->n_cols;
    if (dX && overlaps(m, n, k)) {
        size_t weights = BN(bn_gemm_scratch_bound)(n, k, m, 0);
        size_t inputs = BN(bn_gemm_scratch_bound)(m, k, n, 0);
        real *scratch = BN(bn_gemm_thread_scratch)(weights + inputs);
        if (!scratch)
            return BN_ENOMEM;
        backward_job job = {dW, db, dX, dV, W, X, rows, m, n,
                            {{scratch, weights}, {scratch + weights, inputs}}, {BN_OK, BN_OK}};
        bn_parallel_for(2, bn_threads_worth_using(bn_max_threads()), backward_task, &job);
        BN(bn_gemm_scratch_done)(scratch);
        return job.status[0] ? job.status[0] : job.status[1];
    }
    int status = weight_gradient(dW, db, dV, X, rows, m, n, NULL);
    return status ? status : dX ? input_gradient(dX, dV, W, m, n, k, NULL) : BN_OK;
}

int BN(bn_rows_check)(const bn_rows *X, int64_t n_values)
{
    if (X->n_rows < 0 || X->n_cols < 0)
        return BN_EINVAL;
    if (!X->indptr)
        return BN_OK;
    if (X->indptr[0] != 0 || X->indptr[X->n_rows] > n_values)
        return BN_EINVAL;
    for (int64_t i = 0; i < X->n_rows; i++)
        if (X->indptr[i + 1] < X->indptr[i])
            return BN_EINVAL;
    for (int64_t nz = 0; nz < X->indptr[X->n_rows]; nz++)
        if (X->indices[nz] < 0 || X->indices[nz] >= X->n_cols)
            return BN_EINVAL;
    return BN_OK;
}

BN_VECTOR_CLONES
int BN(bn_all_finite)(const real *x, int64_t n)
{
    /* x - x is 0 when x is finite and NaN otherwise; AND-ing the comparisons (integers)
     * vectorises, where stopping at the first failure would not */
    int finite = 1;
    for (int64_t i = 0; i < n; i++)
        finite &= x[i] - x[i] == 0;
    return finite;
}
