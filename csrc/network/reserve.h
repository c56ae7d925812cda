/* The scratch a training step's matrix products take, reserved before an epoch changes
 * anything (reserve.c, dense.c). Internal; include after real.h. */
#include <stddef.h>
#include <stdint.h>
#include "bendernet.h"

/* The most reals of the calling thread's scratch (gemm_scratch.c) the products of one dense
 * layer's forward and backward take, k inputs to n outputs, for a batch of up to m rows */
size_t BN(bn_dense_scratch_len)(int64_t m, int64_t n, int64_t k);

/* Takes now, on the calling thread, the scratch every product of a training step of net
 * on up to m rows may take, so that the step allocates nothing; BN_ENOMEM without it */
int BN(bn_reserve_step_scratch)(const bn_net *net, int64_t m);
