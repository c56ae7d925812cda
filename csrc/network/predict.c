/* predict: the forward pass over every row of X, a chunk of rows at a time, chunks on
 * threads that each own a workspace. */
#include <stdatomic.h>
#include <string.h>
#include "bendernet.h"
#include "real.h"
#include "tuning.h"
#include "network/layout.h"
#include "runtime/pool.h"

typedef struct {
    real *Y, *workspace;
    int64_t workspace_len, chunk_rows;
    const real *P;
    const bn_net *net;
    const bn_rows *X;
    int check_finite;
    _Atomic int status;      /* the last failure, BN_OK if none */
} predict_job;

/* whether the first m rows of a dense X[m, k] are all finite: in one pass when they are
 * contiguous */
static int rows_finite(const bn_rows *X, int64_t m)
{
    const real *values = X->values;
    if (X->row_stride == X->n_cols)
        return BN(bn_all_finite)(values, m * X->n_cols);
    for (int64_t i = 0; i < m; i++)
        if (!BN(bn_all_finite)(values + i * X->row_stride, X->n_cols))
            return 0;
    return 1;
}

/* Y[start : start+m, n_out] = the network's output for X[start : start+m, k], where
 * start = chunk * chunk_rows */
static void predict_chunk(void *context, int64_t chunk, int thread)
{
    predict_job *job = context;
    const bn_net *net = job->net;
    int64_t start = chunk * job->chunk_rows, n_out = net->units[net->n_layers];
    int64_t m = job->X->n_rows - start < job->chunk_rows ? job->X->n_rows - start
                                                         : job->chunk_rows;
    bn_rows rows = *job->X;
    rows.n_rows = m;
    if (rows.indptr)
        rows.indptr += start;
    else
        rows.values = (const real *)rows.values + start * rows.row_stride;
    if (job->check_finite && !rows.indptr && !rows_finite(&rows, m)) {
        atomic_store(&job->status, BN_ENONFINITE);
        return;
    }
    /* a network of up to PREDICT_STACK_LAYERS layers keeps its views' arrays on the stack:
     * an allocation per chunk costs a one-row predict a few percent */
    void *stack_arrays[PREDICT_STACK_LAYERS * LAYOUT_ARRAYS];
    layout views;
    if (net->n_layers <= PREDICT_STACK_LAYERS) {
        BN(bn_layout_point)(&views, net, stack_arrays);
    } else if (BN(bn_layout_alloc)(&views, net)) {
        atomic_store(&job->status, BN_ENOMEM);
        return;
    }
    BN(bn_lay_out)(&views, net, job->P, NULL, job->workspace + thread * job->workspace_len, m);
    int status = BN(bn_network_forward)(&views, net, &rows, NULL, m);
    if (status)
        atomic_store(&job->status, status);
    else
        memcpy(job->Y + start * n_out, views.U[net->n_layers - 1],
               (size_t)(m * n_out) * sizeof(real));
    BN(bn_layout_free)(&views);
}

int BN(bn_predict)(real *Y, real *workspace, int64_t n_workspaces, const real *P,
                   const bn_net *net, const bn_rows *X, int64_t chunk_rows, int check_finite)
{
    if (!BN(bn_net_valid)(net) || chunk_rows < 1 || n_workspaces < 1 ||
        X->n_cols != net->units[0] || X->n_rows < 0)
        return BN_EINVAL;
    int64_t workspace_len;
    if (BN(bn_workspace_len)(&workspace_len, net, chunk_rows))
        return BN_EINVAL;
    predict_job job = {Y, workspace, workspace_len, chunk_rows, P, net, X, check_finite,
                       BN_OK};
    int threads = bn_max_threads();
    int64_t n_chunks = (X->n_rows + chunk_rows - 1) / chunk_rows;
    bn_parallel_for(n_chunks, n_workspaces < threads ? (int)n_workspaces : threads,
                    predict_chunk, &job);
    return job.status;
}
