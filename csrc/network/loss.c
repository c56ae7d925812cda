/* Output layers and the losses paired with them. Each pair is canonical (the output is the
 * loss's inverse link), so the gradient at the output's pre-activation is P - T. */
#include <float.h>
#include <tgmath.h>
#include "bendernet.h"
#include "real.h"
#include "exp_lanes.h"
#include "logistic.h"
#include "runtime/vector_clones.h"

#ifdef BN_FLOAT
#define REAL_EPSILON FLT_EPSILON
#else
#define REAL_EPSILON DBL_EPSILON
#endif

/* y * log(q), 0 where y == 0 (scipy's xlogy) */
static double xlogy(double y, double q)
{
    return y == 0 ? 0 : y * log(q);
}

static real clip_probability(real p)
{
    /* scikit-learn clips to [eps, 1 - eps] so log never sees 0 */
    return p < REAL_EPSILON ? REAL_EPSILON : p > 1 - REAL_EPSILON ? 1 - REAL_EPSILON : p;
}

/* Z[N] = e^Z, computed in double, through a buffer of doubles: one loop mixing float
 * lanes with 64-bit ones is not vectorised by GCC */
#define EXP_BLOCK 64
BN_VECTOR_CLONES
static void exp_block(real *Z, int64_t N)
{
    double e[EXP_BLOCK];
    for (int64_t first = 0; first < N; first += EXP_BLOCK) {
        int64_t count = N - first < EXP_BLOCK ? N - first : EXP_BLOCK;
        for (int64_t i = 0; i < count; i++)
            e[i] = Z[first + i];
        for (int64_t i = 0; i < count; i++)
            e[i] = exp_lane(e[i]);
        for (int64_t i = 0; i < count; i++)
            Z[first + i] = (real)e[i];
    }
}

/* Z[m,n] = softmax of each row, shifted by the row maximum so exp cannot overflow. The
 * exponentials run over the whole block, where a row of 10 outputs would leave most of a
 * vector idle. */
BN_VECTOR_CLONES
static void softmax_rows(real *Z, int64_t m, int64_t n)
{
    for (int64_t i = 0; i < m; i++) {
        real *z = Z + i * n;
        real top = z[0];
        for (int64_t j = 1; j < n; j++)
            top = z[j] > top ? z[j] : top;
        for (int64_t j = 0; j < n; j++)
            z[j] = z[j] - top;
    }
    exp_block(Z, m * n);
    for (int64_t i = 0; i < m; i++) {
        real *z = Z + i * n;
        real sum = 0;
        for (int64_t j = 0; j < n; j++)
            sum += z[j];
        for (int64_t j = 0; j < n; j++)
            z[j] /= sum;
    }
}

int BN(bn_output_forward)(real *Z, int64_t m, int64_t n, int output)
{
    if (m < 0 || n < 0 || output < 0 || output >= BN_N_OUTPUTS)
        return BN_EINVAL;
    if (output == BN_OUT_SOFTMAX && n > 0)
        softmax_rows(Z, m, n);
    else if (output == BN_OUT_LOGISTIC)
        for (int64_t i = 0; i < m * n; i++)
            Z[i] = logistic(Z[i]);
    else if (output == BN_OUT_EXP)
        exp_block(Z, m * n);
    return BN_OK;
}

/* the loss of one prediction p against its target t, before weighting and averaging;
 * every output listed, so that -Wswitch-enum names one added to enum bn_output without a
 * loss (BN_N_OUTPUTS is none: bn_output_loss refuses it) */
static double pointwise_loss(real p, real t, int output)
{
    switch ((enum bn_output)output) {
    case BN_OUT_IDENTITY: return 0.5 * ((double)t - p) * ((double)t - p);
    case BN_OUT_LOGISTIC: {
        real q = clip_probability(p);
        return -(xlogy(t, q) + xlogy(1 - (double)t, 1 - (double)q));
    }
    case BN_OUT_SOFTMAX:  return -xlogy(t, clip_probability(p));
    case BN_OUT_EXP:      return xlogy(t, (double)t / p) - t + p;   /* Poisson deviance / 2 */
    case BN_N_OUTPUTS:    break;
    }
    return 0;
}

/* delta[n] = (p[n] - t[n]) * w: apart from the loss, so that it vectorises */
static void output_delta(real *restrict delta, const real *restrict p, const real *restrict t,
                         real w, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        delta[j] = (p[j] - t[j]) * w;
}

/* the sum of one row's pointwise losses, in column order. Softmax's term is -0 where the
 * target is 0 (a one-hot row's every other column), and adding -0 changes no sum: only the
 * columns with a target pay for a log. */
static double row_loss(const real *p, const real *t, int64_t n, int output)
{
    double sum = 0;
    if (output == BN_OUT_SOFTMAX) {
        for (int64_t j = 0; j < n; j++)
            if (t[j] != 0)
                sum += -xlogy(t[j], clip_probability(p[j]));
        return sum;
    }
    for (int64_t j = 0; j < n; j++)
        sum += pointwise_loss(p[j], t[j], output);
    return sum;
}

BN_VECTOR_CLONES
int BN(bn_output_loss)(double *loss, real *delta, const real *P, const real *T,
                       const real *sw, const int64_t *rows, int64_t m, int64_t n, int output)
{
    if (m < 0 || n < 0 || output < 0 || output >= BN_N_OUTPUTS)
        return BN_EINVAL;
    double total = 0, weight_sum = 0;
    for (int64_t i = 0; i < m; i++) {
        int64_t row = rows ? rows[i] : i;
        const real *t = T + row * n;
        real w = sw ? sw[row] : 1;
        output_delta(delta + i * n, P + i * n, t, w, n);
        total += w * row_loss(P + i * n, t, n, output);
        weight_sum += w;
    }
    double mean = weight_sum != 0 ? total / weight_sum : 0;
    /* squared error is averaged over outputs, the log-losses and Poisson summed over them */
    *loss = output == BN_OUT_IDENTITY && n > 0 ? mean / (double)n : mean;
    return BN_OK;
}
