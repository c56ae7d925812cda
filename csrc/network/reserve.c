/* An epoch allocates everything it needs before its first step changes the parameters, so
 * that running out of memory leaves the model as it was: the only memory a step allocates
 * is the matrix product's scratch, which the calling thread keeps from one product to the
 * next (gemm_scratch.c), and which is taken here for the largest product of the step. */
#include "bendernet.h"
#include "real.h"
#include "gemm/gemm_scratch.h"
#include "network/reserve.h"

int BN(bn_reserve_step_scratch)(const bn_net *net, int64_t m)
{
    size_t most = 0;
    for (int64_t l = 0; l < net->n_layers; l++) {
        size_t len = BN(bn_dense_scratch_len)(m, net->units[l + 1], net->units[l]);
        most = len > most ? len : most;
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
