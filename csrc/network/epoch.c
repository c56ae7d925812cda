/* One epoch of mini-batch training: per batch a loss and gradient, then an optimizer step. */
#include <tgmath.h>
#include "bendernet.h"
#include "tuning.h"
#include "real.h"
#include "network/layout.h"
#include "runtime/pool.h"

/* An optimizer step, shared out to the threads in chunks of CHUNK parameters */
typedef struct {
    real *P, *state1, *state2;
    const real *G;
    int64_t N;
    const bn_optim *opt;
    double lr_t;              /* Adam's step size at this step */
} optimizer_job;

/* the step on parameters [chunk, chunk + 1) * CHUNK (the last chunk shorter) */
static void optimizer_chunk(void *context, int64_t chunk, int thread)
{
    (void)thread;
    const optimizer_job *job = context;
    int64_t first = chunk * CHUNK;
    int64_t count = job->N - first < CHUNK ? job->N - first : CHUNK;
    const bn_optim *opt = job->opt;
    if (opt->solver == BN_SGD)
        BN(bn_sgd_step)(job->P + first, job->state1 + first, job->G + first, count,
                        (real)opt->learning_rate, (real)opt->momentum, opt->nesterov);
    else
        BN(bn_adam_step)(job->P + first, job->state1 + first, job->state2 + first,
                         job->G + first, count, job->lr_t, opt->beta1, opt->beta2,
                         opt->epsilon);
}

/* One SGD or Adam step on P[N] from G[N]. Both work element by element, so running chunks
 * on threads changes no bit. Only a step of four chunks or more is shared: W2's 235k
 * parameters stream 6.6 MB through the caches per step, W1's 7.5k stay on one thread. */
static void optimizer_step(real *P, real *state1, real *state2, const real *G, int64_t N,
                           const bn_optim *opt, int64_t step)
{
    double t = (double)step;
    optimizer_job job = {P, state1, state2, G, N, opt,
                         opt->solver == BN_ADAM ? opt->learning_rate *
                                                  sqrt(1 - pow(opt->beta2, t)) /
                                                  (1 - pow(opt->beta1, t)) : 0};
    int64_t chunks = (N + CHUNK - 1) / CHUNK;
    bn_parallel_for(chunks, chunks >= 4 ? bn_threads_worth_using(bn_max_threads()) : 1,
                    optimizer_chunk, &job);
}

/* For each batch B of order[n_order], in order: G[N] = grad L(P; X[B], T[B]); P -= step(G).
 * The epoch is one chain (pool.h), its batches' steps links of it. */
int BN(bn_train_epoch)(real *P, real *state1, real *state2, int64_t *step, double *loss_sum,
                       real *G, real *workspace, const bn_net *net, const bn_optim *opt,
                       const bn_rows *X, const real *T, const real *sw,
                       const int64_t *order, int64_t n_order, int64_t batch_size)
{
    if (!BN(bn_net_valid)(net) || batch_size < 1 || n_order < 0 || !order ||
        bn_index_check(order, n_order, X->n_rows) ||
        (opt->solver != BN_SGD && opt->solver != BN_ADAM))
        return BN_EINVAL;
    int64_t N = BN(bn_param_count)(net);
    /* scikit-learn sums each batch's loss times its size in the data's precision */
    real accumulated = 0;
    bn_chain_begin();
    for (int64_t start = 0; start < n_order; start += batch_size) {
        int64_t m = n_order - start < batch_size ? n_order - start : batch_size;
        double batch_loss;
        int status = BN(bn_loss_grad_step)(&batch_loss, G, workspace, P, net, X, T, sw,
                                           order + start, m);
        if (status) {
            bn_chain_end();
            return status;
        }
        accumulated += (real)batch_loss * (real)m;
        if (opt->solver == BN_ADAM)
            *step += 1;
        optimizer_step(P, state1, state2, G, N, opt, *step);
    }
    bn_chain_end();
    *loss_sum = accumulated;
    return BN_OK;
}
