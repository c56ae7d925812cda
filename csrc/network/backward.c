/* Backpropagation: from the output delta down to every layer's gradients. */
#include "bendernet.h"
#include "real.h"
#include "network/layout.h"
#include "network/phase_times.h"

/* For l = L-1 down to 0, with D_l[m, n_l] = dL/dV_l:
 *   dW_l[k_l, n_l] = U_{l-1}[m, k_l]^T @ D_l;   db_l[n_l] = sum_m D_l;
 *   D_{l-1}[m, k_l] = D_l @ W_l^T (= dL/dU_{l-1}), then *= f_{l-1}'(V_{l-1});
 *   dslope_{l-1} = sum(D_{l-1} * min(V_{l-1}, 0)) / weight_sum (a PReLU layer, before the
 *   *= f'), 0 for a layer that is not PReLU, whose slope slot is never read. */
int BN(bn_network_backward)(const layout *views, const bn_net *net, const bn_rows *X,
                            const int64_t *rows, int64_t m, double weight_sum)
{
    for (int64_t l = net->n_layers - 1; l >= 0; l--) {
        int64_t k = net->units[l], n = net->units[l + 1];
        bn_rows input = BN(bn_layer_input)(views, net, X, l, m);
        bn_phase_layer(l);
        int64_t started = bn_phase_start();
        int status = BN(bn_dense_backward)(views->dW[l], views->db[l],
                                           l > 0 ? views->D[l - 1] : NULL, views->D[l], &input,
                                           l == 0 ? rows : NULL, views->W[l], m, n);
        if (status)
            return status;
        started = bn_phase_lap(BN_PHASE_BACKWARD, started);
        if (l == 0)
            continue;
        /* D_{l-1} holds dL/dU_{l-1}; turn it into dL/dV_{l-1} */
        real slope = BN(bn_hidden_alpha)(views, net, l - 1);
        int activation = net->activations[l - 1];
        if (views->dslope)
            views->dslope[l - 1] = activation != BN_PRELU ? 0
                                 : (real)(BN(bn_prelu_slope_grad)(views->D[l - 1],
                                                                  views->V[l - 1], m * k) /
                                          weight_sum);
        status = BN(bn_activation_backward)(views->D[l - 1], views->U[l - 1], views->V[l - 1],
                                            m * k, activation, slope);
        bn_phase_lap(BN_PHASE_ACTIVATION, started);
        if (status)
            return status;
    }
    return BN_OK;
}
