/* Adam, as scikit-learn: with t = *step (already counted for this step),
 *   m = b1*m + (1-b1)*G;  v = b2*v + (1-b2)*G^2;
 *   P -= lr_t * m / (sqrt(v) + eps),  lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t). */
#include <tgmath.h>
#include "bendernet.h"
#include "real.h"
#include "runtime/vector_clones.h"

/* P[i], m[i], v[i] for i in [first, end), from G[i] */
BN_VECTOR_CLONES
void BN(bn_adam_step)(real *P, const real *G, int64_t first, int64_t end,
                      const bn_adam_hyper *hyper, const BN(bn_adam_state) *state)
{
    double t = (double)*state->step;
    double lr_t = hyper->learning_rate * sqrt(1 - pow(hyper->beta2, t)) /
                  (1 - pow(hyper->beta1, t));
    /* Python forms 1 - beta in double; each scalar then meets the array in its precision */
    real b1 = (real)hyper->beta1, c1 = (real)(1 - hyper->beta1);
    real b2 = (real)hyper->beta2, c2 = (real)(1 - hyper->beta2);
    real eps = (real)hyper->epsilon;
    real *m = state->m, *v = state->v;
    for (int64_t i = first; i < end; i++) {
        m[i] = b1 * m[i] + c1 * G[i];
        v[i] = b2 * v[i] + c2 * (G[i] * G[i]);
        /* lr_t is a float64 scalar, so NumPy forms the step in double */
        double step = -lr_t * m[i] / (double)(sqrt(v[i]) + eps);
        P[i] = (real)(P[i] + step);
    }
}
