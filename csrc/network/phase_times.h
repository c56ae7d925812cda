/* Where a training step's time goes, for bench/phases.py: nanoseconds and calls per phase
 * and layer, added up across a process's fits. Compiled in only when the build defines
 * BN_PHASE_TIMES (CMake option of that name, off by default); otherwise every function
 * here is an empty inline one and the timed code is exactly the untimed. Internal. */
#ifndef BN_PHASE_TIMES_H
#define BN_PHASE_TIMES_H
#include <stdint.h>

/* What the step spends time on; a layer index l picks the product shape (m x k_l x n_l).
 * BN_PHASE_BACKWARD is a layer's whole bn_dense_backward on the caller's clock; its parts
 * (dW product, bias sums, delta product) are timed on whichever thread ran them, so on two
 * threads they may add up to more than it. */
enum bn_phase {
    BN_PHASE_FORWARD,          /* U_l = f(U_{l-1} @ W_l + b_l): product, gather, bias, f */
    BN_PHASE_OUTPUT,           /* the output activation (softmax, logistic, ...) */
    BN_PHASE_LOSS,             /* the loss and the output delta, the batch's weight sum */
    BN_PHASE_BACKWARD,         /* layer l's gradients: the three below and their hand-over */
    BN_PHASE_WEIGHT_PRODUCT,   /* dW_l = U_{l-1}^T @ D_l (layer 0: X gathered by rows) */
    BN_PHASE_BIAS_SUMS,        /* db_l = the column sums of D_l */
    BN_PHASE_DELTA_PRODUCT,    /* D_{l-1} = D_l @ W_l^T */
    BN_PHASE_ACTIVATION,       /* D_{l-1} *= f'(V_{l-1}) (l the layer below's index + 1) */
    BN_PHASE_FINISH,           /* penalty, mean and the weights' norm over G */
    BN_PHASE_OPTIMIZER,        /* the optimizer's step over P */
    BN_PHASE_EPOCH,            /* a whole bn_train_epoch */
    BN_N_PHASES
};
#define BN_PHASE_LAYERS 8      /* deeper layers count as the last */

#ifdef BN_PHASE_TIMES
#include "runtime/clock.h"
/* the clock, to start a phase */
static inline int64_t bn_phase_start(void) { return bn_now_nanoseconds(); }
/* phase (of the current layer) += now - since, one call; returns now (the next start) */
int64_t bn_phase_lap(int phase, int64_t since);
/* the layer later laps count for; set by the caller thread between a layer's tasks */
void bn_phase_layer(int64_t layer);
#else
static inline int64_t bn_phase_start(void) { return 0; }
static inline int64_t bn_phase_lap(int phase, int64_t since)
{
    (void)phase;
    return since;
}
static inline void bn_phase_layer(int64_t layer) { (void)layer; }
#endif

#endif
