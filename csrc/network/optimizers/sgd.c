/* SGD with momentum, as scikit-learn: V = momentum*V - lr*G;
 * P += nesterov ? momentum*V - lr*G : V. Each scalar is rounded to the buffer's precision,
 * as NumPy does when it multiplies an array by a Python float. */
#include "bendernet.h"
#include "real.h"
#include "runtime/vector_clones.h"

/* P[i], velocity[i] for i in [first, end), from G[i] */
BN_VECTOR_CLONES
void BN(bn_sgd_step)(real *P, const real *G, int64_t first, int64_t end,
                     const bn_sgd_hyper *hyper, const BN(bn_sgd_state) *state)
{
    real learning_rate = (real)hyper->learning_rate, momentum = (real)hyper->momentum;
    int nesterov = hyper->nesterov != 0;
    real *velocity = state->velocity;
    for (int64_t i = first; i < end; i++) {
        velocity[i] = momentum * velocity[i] - learning_rate * G[i];
        P[i] += nesterov ? momentum * velocity[i] - learning_rate * G[i] : velocity[i];
    }
}
