/* The forward pass: each layer's U_l = f(U_{l-1} @ W_l + b_l), then the output layer's g. */
#include "bendernet.h"
#include "real.h"
#include "network/layout.h"
#include "network/phase_times.h"

/* For l < L-1:  U_l[m, n_l] = f_l(U_{l-1}[m, k_l] @ W_l[k_l, n_l] + b_l[n_l]),
 *               f_l = activations[l], V_l = the pre-activation (PReLU layers),
 *               U_{-1} = X[rows[m], units[0]];
 * then          U_{L-1}[m, n_out] = g(U_{L-2} @ W_{L-1} + b_{L-1}), g the output's. */
int BN(bn_network_forward)(const layout *views, const bn_net *net, const bn_rows *X,
                           const int64_t *rows, int64_t m)
{
    int64_t L = net->n_layers;
    int64_t started = bn_phase_start();
    for (int64_t l = 0; l < L; l++) {
        bn_rows input = BN(bn_layer_input)(views, net, X, l, m);
        int hidden = l < L - 1;
        real slope = hidden ? BN(bn_hidden_alpha)(views, net, l) : 0;
        int status = BN(bn_dense_forward)(views->U[l], views->V[l], &input,
                                          l == 0 ? rows : NULL, views->W[l], views->b[l], m,
                                          net->units[l + 1], hidden ? net->activations[l] : -1,
                                          slope);
        if (status)
            return status;
        bn_phase_layer(l);
        started = bn_phase_lap(BN_PHASE_FORWARD, started);
    }
    int status = BN(bn_output_forward)(views->U[L - 1], m, net->units[L], net->output);
    bn_phase_lap(BN_PHASE_OUTPUT, started);
    return status;
}
