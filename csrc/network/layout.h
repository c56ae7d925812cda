/* The network's shape and counts (layout.c), its views (here, inline), and its steps
 * (forward.c, backward.c, finish_gradients.c, loss_grad.c) for the other files of the
 * network. Internal; include after real.h.
 *
 * Layer l (0 <= l < L) maps units[l] inputs to units[l+1] outputs. For a batch of m rows
 * the workspace holds, per layer, its output U_l[m, units[l+1]], the gradient D_l at its
 * pre-activation (at its output while it is being formed), and, once any hidden layer is
 * PReLU, room for the pre-activation V_l[m, units[l+1]] (used by the PReLU layers). */
#include <stdint.h>

/* Per-layer arrays of L entries each, allocated for the network at hand (bn_layout_alloc):
 * depth has no fixed limit. */
typedef struct {
    const real **W, **b;     /* W_l[k,n], b_l[n]: views into P */
    real **dW, **db;         /* their gradients: into G, or NULL */
    const real *slope;       /* one slot per hidden layer when one is PReLU, else NULL */
    real *dslope;
    real **U, **D, **V;      /* workspace, m rows; V_l NULL unless layer l is PReLU */
    void *arrays;            /* the one allocation behind the arrays above */
} layout;

/* ---- layout.c ---------------------------------------------------------------------------- */

/* 1 when net is a network the C core trains: at least one layer, no empty one, known
 * activations and output, l2 >= 0, and buffers whose lengths fit int64_t */
int BN(bn_net_valid)(const bn_net *net);
/* 1 when a hidden layer of net is PReLU: P then holds a slope slot per hidden layer */
int BN(bn_net_has_slopes)(const bn_net *net);
/* the seven per-layer arrays of a layout */
#define LAYOUT_ARRAYS 7
/* views' per-layer arrays for net's L layers, in one allocation: BN_OK, or BN_ENOMEM (and
 * nothing to free); BN_EINVAL for L < 1 */
int BN(bn_layout_alloc)(layout *views, const bn_net *net);
/* views' per-layer arrays in storage the caller owns, arrays[L * LAYOUT_ARRAYS] (L >= 1);
 * bn_layout_free then frees nothing */
void BN(bn_layout_point)(layout *views, const bn_net *net, void **arrays);
void BN(bn_layout_free)(layout *views);
/* sum over l of units[l] * units[l+1]: the weights, first in P */
int64_t BN(bn_weight_count)(const bn_net *net);
/* sum over l >= 1 of units[l]: the biases, after the weights in P */
int64_t BN(bn_unit_count)(const bn_net *net);
/* The helpers below run per layer of every batch: inline, so that a tiny network's step
 * is not a chain of calls between files (each through the PLT). */

/* Points views (allocated for net) at P's W_l, b_l and slopes, G's (G may be NULL) and a
 * workspace of m rows */
static inline void BN(bn_lay_out)(layout *views, const bn_net *net, const real *P, real *G,
                                  real *workspace, int64_t m)
{
    int64_t L = net->n_layers, offset = 0;
    int has_slopes = BN(bn_net_has_slopes)(net);
    for (int64_t l = 0; l < L; l++) {
        views->W[l] = P + offset;
        views->dW[l] = G ? G + offset : NULL;
        offset += net->units[l] * net->units[l + 1];
    }
    for (int64_t l = 0; l < L; l++) {
        views->b[l] = P + offset;
        views->db[l] = G ? G + offset : NULL;
        offset += net->units[l + 1];
    }
    views->slope = has_slopes ? P + offset : NULL;
    views->dslope = has_slopes && G ? G + offset : NULL;

    real *next = workspace;
    for (int64_t l = 0; l < L; l++) {
        int64_t size = m * net->units[l + 1];
        views->U[l] = next;
        views->D[l] = next + size;
        int prelu = l < L - 1 && net->activations[l] == BN_PRELU;
        views->V[l] = prelu ? next + 2 * size : NULL;
        next += size * (has_slopes ? 3 : 2);
    }
}

/* the input of layer l: X itself (rows picked by the batch) or U_{l-1}[m, units[l]] */
static inline bn_rows BN(bn_layer_input)(const layout *views, const bn_net *net,
                                         const bn_rows *X, int64_t l, int64_t m)
{
    if (l == 0)
        return *X;
    bn_rows hidden = {views->U[l - 1], net->units[l], NULL, NULL, m, net->units[l]};
    return hidden;
}

/* the alpha of hidden layer l: PReLU's learned slope, ELU's scale (fixed at 1) */
static inline real BN(bn_hidden_alpha)(const layout *views, const bn_net *net, int64_t l)
{
    int activation = net->activations[l];
    if (activation == BN_PRELU)
        return views->slope[l];
    return activation == BN_ELU ? 1 : 0;
}

/* ---- the steps of a training step, in order ------------------------------------------- */

/* forward.c: U_{L-1}[m, n_out] = the network's output for X[rows[m]] */
int BN(bn_network_forward)(const layout *views, const bn_net *net, const bn_rows *X,
                           const int64_t *rows, int64_t m);
/* backward.c: from D_{L-1}[m, n_out] = dL/dV_{L-1}, the gradients dW_l, db_l (and dslope)
 * of every layer, summed over the batch, not yet penalised or averaged */
int BN(bn_network_backward)(const layout *views, const bn_net *net, const bn_rows *X,
                            const int64_t *rows, int64_t m, double weight_sum);
/* finish_gradients.c: G[N] = (G + l2 * W) / weight_sum over weights, G / weight_sum over
 * biases; returns sum(W^2) */
double BN(bn_finish_gradients)(real *G, const real *P, const bn_net *net, double weight_sum);
/* loss_grad.c: bn_loss_grad outside a chain, for a caller that already is one (the epoch)
 * and has checked net (bn_net_valid) and allocated views for it, once rather than every
 * batch */
int BN(bn_loss_grad_step)(double *loss, layout *views, real *G, real *workspace, const real *P,
                          const bn_net *net, const bn_rows *X, const real *T, const real *sw,
                          const int64_t *rows, int64_t m);
