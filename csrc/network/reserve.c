/* An epoch allocates everything it needs before its first step changes the parameters, so
 * that running out of memory leaves the model as it was: the only memory a step allocates
 * is the matrix product's scratch, which the calling thread keeps from one product to the
 * next (gemm_scratch.c), and which is taken here for the largest product of the step. */
#include "bendernet.h"
#include "real.h"
#include "gemm/gemm_scratch.h"
#include "gemm/gemm_select.h"
#include "network/reserve.h"
#include "runtime/pool.h"

/* What fixes the bound (the layers' sizes, the batch's rows, the thread limit, the
 * micro-kernel's tile) and the bound, as this thread last worked it out for a network of
 * up to REMEMBERED_LAYERS layers: every epoch of a fit asks again, and a 4-row epoch of a
 * tiny network (W3) spent a twelfth of its instructions working the same bound out. */
#define REMEMBERED_LAYERS 8
typedef struct {
    int64_t units[REMEMBERED_LAYERS + 1];
    int64_t n_layers;           /* 0: nothing remembered (a valid network has layers) */
    int64_t m;
    int threads, isa;
    size_t most;
} reservation;

static _Thread_local reservation last;

static int same_as_last(const reservation *now)
{
    if (now->n_layers != last.n_layers || now->m != last.m || now->threads != last.threads ||
        now->isa != last.isa)
        return 0;
    for (int64_t l = 0; l <= now->n_layers; l++)
        if (now->units[l] != last.units[l])
            return 0;
    return 1;
}

/* The most scratch any product of a step of net on up to m rows takes */
static size_t step_scratch_len(const bn_net *net, int64_t m)
{
    size_t most = 0;
    for (int64_t l = 0; l < net->n_layers; l++) {
        size_t len = BN(bn_dense_scratch_len)(m, net->units[l + 1], net->units[l]);
        most = len > most ? len : most;
    }
    return most;
}

int BN(bn_reserve_step_scratch)(const bn_net *net, int64_t m)
{
    size_t most;
    if (net->n_layers > REMEMBERED_LAYERS) {
        most = step_scratch_len(net, m);
    } else {
        reservation now = {.n_layers = net->n_layers, .m = m, .threads = bn_max_threads(),
                           .isa = bn_gemm_isa_selected()};
        for (int64_t l = 0; l <= net->n_layers; l++)
            now.units[l] = net->units[l];
        if (!same_as_last(&now)) {
            now.most = step_scratch_len(net, m);
            last = now;
        }
        most = last.most;
    }
    if (most == 0)
        return BN_OK;
    /* kept by the thread for its next product: the step's products find it there */
    real *scratch = BN(bn_gemm_thread_scratch)(most);
    if (!scratch)
        return BN_ENOMEM;
    BN(bn_gemm_scratch_done)(scratch);
    return BN_OK;
}
