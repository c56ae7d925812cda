/* A training step's loss and gradient: forward, output loss and delta, backward, finish. */
#include "bendernet.h"
#include "real.h"
#include "network/layout.h"
#include "network/phase_times.h"
#include "runtime/pool.h"

/* loss = L(g(forward(X[rows[m]])), T[rows[m]]) + 0.5 * l2 * sum(W^2) / weight_sum;
 * G[N] = its gradient, through the views of G */
int BN(bn_loss_grad_step)(double *loss, layout *views, real *G, real *workspace,
                          const real *P, const bn_net *net, const bn_rows *X, const real *T,
                          const real *sw, const int64_t *rows, int64_t m)
{
    if (m < 1 || X->n_cols != net->units[0])
        return BN_EINVAL;
    BN(bn_lay_out)(views, net, P, G, workspace, m);
    int64_t L = net->n_layers, n_out = net->units[L];
    int status = BN(bn_network_forward)(views, net, X, rows, m);
    int64_t started = bn_phase_start();
    if (!status)  /* D_{L-1}[m, n_out] = (U_{L-1} - T[rows]) * sw[rows] */
        status = BN(bn_output_loss)(loss, views->D[L - 1], views->U[L - 1], T, sw, rows, m,
                                    n_out, net->output);
    if (status)
        return status;

    double weight_sum = 0;
    for (int64_t i = 0; i < m; i++)
        weight_sum += sw ? sw[rows ? rows[i] : i] : 1;
    bn_phase_lap(BN_PHASE_LOSS, started);

    status = BN(bn_network_backward)(views, net, X, rows, m, weight_sum);
    if (status)
        return status;
    started = bn_phase_start();
    *loss += 0.5 * net->l2 * BN(bn_finish_gradients)(G, P, net, weight_sum) / weight_sum;
    bn_phase_lap(BN_PHASE_FINISH, started);
    return BN_OK;
}

/* A training step is a chain: each product reads what the last one wrote (see pool.h) */
int BN(bn_loss_grad)(double *loss, real *G, real *workspace, const real *P,
                     const bn_net *net, const bn_rows *X, const real *T, const real *sw,
                     const int64_t *rows, int64_t m)
{
    if (!BN(bn_net_valid)(net))
        return BN_EINVAL;
    layout views;
    if (BN(bn_layout_alloc)(&views, net))
        return BN_ENOMEM;
    bn_chain_begin();
    int status = BN(bn_loss_grad_step)(loss, &views, G, workspace, P, net, X, T, sw, rows, m);
    bn_chain_end();
    BN(bn_layout_free)(&views);
    return status;
}
