/* The gradient's last touches: the L2 penalty, the mean over the batch, and the weights'
 * squared norm for the loss's penalty, in one pass over the flat buffer. */
#include "bendernet.h"
#include "tuning.h"
#include "real.h"
#include "network/layout.h"
#include "runtime/vector_clones.h"
#include "runtime/pool.h"

/* sum of x[i]^2 over x[N], in SUM_LANES interleaved partial sums so that the additions
 * pipeline and vectorise instead of each waiting on the last. scikit-learn sums with BLAS's
 * dot, whose order is its own too: the penalty agrees to rounding, not bit for bit. */
#define SUM_LANES 16
static double squared_norm(const real *x, int64_t N)
{
    double lane[SUM_LANES] = {0};
    int64_t i = 0;
    for (; i + SUM_LANES <= N; i += SUM_LANES)
        for (int j = 0; j < SUM_LANES; j++)
            lane[j] += (double)x[i + j] * x[i + j];
    double sum = 0;
    for (; i < N; i++)
        sum += (double)x[i] * x[i];
    for (int j = 0; j < SUM_LANES; j++)
        sum += lane[j];
    return sum;
}

/* x[N] = (x[N] + l2 * W[N]) / weight_sum (W NULL: no penalty), the penalty and the mean of
 * scikit-learn's gradient. A divisor exact in `real` divides in `real`: a quotient
 * correctly rounded to float is the double quotient rounded to float, so both give
 * NumPy's result, and float lanes are twice as many. */
static void finish_gradient(real *x, const real *W, int64_t N, double l2, double weight_sum)
{
    real penalty = (real)l2, divisor = (real)weight_sum;
    int exact = (double)divisor == weight_sum;
    for (int64_t i = 0; i < N; i++) {
        real penalised = W ? x[i] + penalty * W[i] : x[i];
        x[i] = exact ? penalised / divisor : (real)(penalised / weight_sum);
    }
}

/* The flat buffer, weights (first n_weights) then biases, in chunks for the threads. Each
 * chunk's norm of the weights is read just before they are, so they come from cache; the
 * partial norms are summed in chunk order, so the penalty is the same on any number of
 * threads. */
typedef struct {
    real *G;
    const real *P;
    int64_t n_weights, n_biases, chunk;
    double l2, weight_sum;
    double *norm;             /* [chunks]: chunk c's sum of squared weights */
} finish_job;

/* G[first, end) finished and norm[chunk] = sum of P[first, split)^2, where
 * first = chunk * job->chunk and [first, split) are the chunk's weights */
BN_VECTOR_CLONES
static void finish_chunk(void *context, int64_t chunk, int thread)
{
    (void)thread;
    finish_job *job = context;
    int64_t first = chunk * job->chunk, total = job->n_weights + job->n_biases;
    int64_t end = first + job->chunk < total ? first + job->chunk : total;
    /* weights in [first, split), biases in [split, end) */
    int64_t split = job->n_weights < first ? first
                  : job->n_weights < end ? job->n_weights : end;
    job->norm[chunk] = squared_norm(job->P + first, split - first);
    finish_gradient(job->G + first, job->P + first, split - first, job->l2, job->weight_sum);
    finish_gradient(job->G + split, NULL, end - split, 0, job->weight_sum);
}

/* PReLU's slopes, after the biases, are left alone: backward.c finishes them as it forms
 * them. */
double BN(bn_finish_gradients)(real *G, const real *P, const bn_net *net, double weight_sum)
{
    double norm[MAX_FINISH_CHUNKS];
    finish_job job = {G, P, BN(bn_weight_count)(net), BN(bn_unit_count)(net), CHUNK, net->l2,
                      weight_sum, norm};
    int64_t total = job.n_weights + job.n_biases;
    if (total > (int64_t)MAX_FINISH_CHUNKS * CHUNK)
        job.chunk = (total + MAX_FINISH_CHUNKS - 1) / MAX_FINISH_CHUNKS;
    int64_t chunks = (total + job.chunk - 1) / job.chunk;
    bn_parallel_for(chunks, chunks >= 4 ? bn_threads_worth_using(bn_max_threads()) : 1,
                    finish_chunk, &job);
    double sum = 0;
    for (int64_t c = 0; c < chunks; c++)
        sum += norm[c];
    return sum;
}
