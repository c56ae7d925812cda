/* The network's counts, which fix the layout of its flat buffers (viewed in layout.h):
 * P (and G, which shares its layout) holds W_0..W_{L-1}, then b_0..b_{L-1}, then PReLU's
 * slopes; and the per-layer arrays of those views. */
#include "bendernet.h"
#include "real.h"
#include "network/layout.h"
#include "runtime/alloc.h"

/* Counts of reals: non-negative, or -1 once a sum or product no longer fits int64_t, so
 * that a network whose buffers could not exist is refused instead of wrapping around to a
 * small count that a short buffer would then pass. */
static int64_t count_add(int64_t a, int64_t b)
{
    return a < 0 || b < 0 || a > INT64_MAX - b ? -1 : a + b;
}

/* Factors that fit 31 bits, as every real layer's do, multiply without the division's
 * check: the counts are taken every training step (issue 13) */
static int64_t count_mul(int64_t a, int64_t b)
{
    if (a >= 0 && b >= 0 && a <= INT32_MAX && b <= INT32_MAX)
        return a * b;
    return a < 0 || b < 0 || (b > 0 && a > INT64_MAX / b) ? -1 : a * b;
}

int64_t BN(bn_weight_count)(const bn_net *net)
{
    int64_t count = 0;
    for (int64_t l = 0; l < net->n_layers; l++)
        count = count_add(count, count_mul(net->units[l], net->units[l + 1]));
    return count;
}

int64_t BN(bn_unit_count)(const bn_net *net)
{
    int64_t count = 0;
    for (int64_t l = 1; l <= net->n_layers; l++)
        count = count_add(count, net->units[l]);
    return count;
}

int BN(bn_net_has_slopes)(const bn_net *net)
{
    for (int64_t l = 0; l < net->n_layers - 1; l++)
        if (net->activations[l] == BN_PRELU)
            return 1;
    return 0;
}

int BN(bn_layout_alloc)(layout *views, const bn_net *net)
{
    int64_t L = net->n_layers;
    if (L < 1)
        return BN_EINVAL;
    if ((uint64_t)L > SIZE_MAX / (LAYOUT_ARRAYS * sizeof(real *)))
        return BN_ENOMEM;
    /* each array is read and written through one pointer type only */
    void **arrays = bn_alloc_aligned(sizeof(void *),
                                     (size_t)L * LAYOUT_ARRAYS * sizeof(real *));
    if (!arrays)
        return BN_ENOMEM;
    BN(bn_layout_point)(views, net, arrays);
    views->arrays = arrays;
    return BN_OK;
}

void BN(bn_layout_point)(layout *views, const bn_net *net, void **arrays)
{
    int64_t L = net->n_layers;
    views->arrays = NULL;
    views->W = (const real **)arrays;
    views->b = (const real **)arrays + L;
    views->dW = (real **)arrays + 2 * L;
    views->db = (real **)arrays + 3 * L;
    views->U = (real **)arrays + 4 * L;
    views->D = (real **)arrays + 5 * L;
    views->V = (real **)arrays + 6 * L;
}

void BN(bn_layout_free)(layout *views)
{
    bn_free(views->arrays);
    views->arrays = NULL;
}

/* weights, biases and slopes */
static int64_t param_total(const bn_net *net)
{
    int64_t slopes = BN(bn_net_has_slopes)(net) ? net->n_layers - 1 : 0;
    return count_add(count_add(BN(bn_weight_count)(net), BN(bn_unit_count)(net)), slopes);
}

int BN(bn_net_valid)(const bn_net *net)
{
    if (!net || net->n_layers < 1 || !net->units || (net->n_layers > 1 && !net->activations))
        return 0;
    for (int64_t l = 0; l <= net->n_layers; l++)
        if (net->units[l] < 1)
            return 0;
    for (int64_t l = 0; l < net->n_layers - 1; l++)
        if (net->activations[l] < 0 || net->activations[l] >= BN_N_ACTIVATIONS)
            return 0;
    return net->output >= 0 && net->output < BN_N_OUTPUTS && net->l2 >= 0 &&
           param_total(net) >= 0;
}

int BN(bn_param_count)(int64_t *count, const bn_net *net)
{
    if (!BN(bn_net_valid)(net))
        return BN_EINVAL;
    *count = param_total(net);
    return BN_OK;
}

/* U, D (and V) of every layer: m * (units[1] + ... + units[L]) reals each */
int BN(bn_workspace_len)(int64_t *len, const bn_net *net, int64_t m)
{
    if (!BN(bn_net_valid)(net) || m < 0)
        return BN_EINVAL;
    int64_t needed = count_mul(count_mul(m, BN(bn_unit_count)(net)),
                               BN(bn_net_has_slopes)(net) ? 3 : 2);
    if (needed < 0)
        return BN_EINVAL;
    *len = needed;
    return BN_OK;
}
