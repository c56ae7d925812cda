/* Optimizer steps: one fused pass over the flat parameter buffer, with scikit-learn's
 * formulas and its rounding (each scalar rounded to the buffer's precision as NumPy does
 * when it multiplies an array by a Python float). */
#include <tgmath.h>
#include "bendernet.h"
#include "real.h"
#include "runtime/vector_clones.h"

BN_VECTOR_CLONES
void BN(bn_sgd_step)(real *P, real *V, const real *G, int64_t N,
                     real learning_rate, real momentum, int nesterov)
{
    for (int64_t i = 0; i < N; i++) {
        V[i] = momentum * V[i] - learning_rate * G[i];
        P[i] += nesterov ? momentum * V[i] - learning_rate * G[i] : V[i];
    }
}

BN_VECTOR_CLONES
void BN(bn_adam_step)(real *P, real *M, real *V, const real *G, int64_t N,
                      double lr_t, double beta1, double beta2, double epsilon)
{
    /* Python forms 1 - beta in double; each scalar then meets the array in its precision */
    real b1 = (real)beta1, c1 = (real)(1 - beta1);
    real b2 = (real)beta2, c2 = (real)(1 - beta2);
    real eps = (real)epsilon;
    for (int64_t i = 0; i < N; i++) {
        M[i] = b1 * M[i] + c1 * G[i];
        V[i] = b2 * V[i] + c2 * (G[i] * G[i]);
        /* lr_t is a float64 scalar, so NumPy forms the step in double */
        double step = -lr_t * M[i] / (double)(sqrt(V[i]) + eps);
        P[i] = (real)(P[i] + step);
    }
}
