/* One epoch of mini-batch training: per batch a loss and gradient, then an optimizer step. */
#include "bendernet.h"
#include "real.h"
#include "network/layout.h"
#include "network/phase_times.h"
#include "network/reserve.h"
#include "runtime/pool.h"

/* For each batch B of order[n_order], in order: G[N] = grad L(P; X[B], T[B]), then one
 * step of opt on P[N]. The epoch is one chain (pool.h), its batches' steps links of it. */
int BN(bn_train_epoch)(double *loss_sum, real *P, real *G, real *workspace, const bn_net *net,
                       const BN(bn_optimizer) *opt, const bn_rows *X, const real *T,
                       const real *sw, const int64_t *order, int64_t n_order,
                       int64_t batch_size)
{
    if (!BN(bn_net_valid)(net) || batch_size < 1 || n_order < 0 || !order ||
        bn_index_check(order, n_order, X->n_rows) || !opt || opt->solver < 0 ||
        opt->solver >= BN_N_OPTIMIZERS)
        return BN_EINVAL;
    int64_t epoch_started = bn_phase_start();
    int64_t N;
    BN(bn_param_count)(&N, net);   /* net is valid */
    *loss_sum = 0;
    /* out of memory here leaves P and the optimizer's state untouched */
    layout views;
    if (BN(bn_layout_alloc)(&views, net))
        return BN_ENOMEM;
    if (BN(bn_reserve_step_scratch)(net, n_order < batch_size ? n_order : batch_size)) {
        BN(bn_layout_free)(&views);
        return BN_ENOMEM;
    }
    /* scikit-learn sums each batch's loss times its size in the data's precision */
    real accumulated = 0;
    int status = BN_OK;
    bn_chain_begin();
    for (int64_t start = 0; start < n_order && !status; start += batch_size) {
        int64_t m = n_order - start < batch_size ? n_order - start : batch_size;
        double batch_loss;
        status = BN(bn_loss_grad_step)(&batch_loss, &views, G, workspace, P, net, X, T, sw,
                                       order + start, m);
        if (!status) {
            accumulated += (real)batch_loss * (real)m;
            int64_t started = bn_phase_start();
            status = BN(bn_optimizer_step)(P, G, N, opt);
            bn_phase_lap(BN_PHASE_OPTIMIZER, started);
        }
    }
    bn_chain_end();
    BN(bn_layout_free)(&views);
    *loss_sum = accumulated;
    bn_phase_lap(BN_PHASE_EPOCH, epoch_started);
    return status;
}
