/* Hidden-layer activations: forward, derivative at the pre-activation, and the backprop
 * form written from the output. Every formula is arranged so that no intermediate
 * overflows: |x| up to the largest finite value gives finite results. */
#include <tgmath.h>
#include "bendernet.h"
#include "real.h"

static real logistic(real x)
{
    /* exp of a non-positive number only, so it never overflows */
    if (x >= 0)
        return 1 / (1 + exp(-x));
    real e = exp(x);
    return e / (1 + e);
}

static real softplus(real x)
{
    /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|) */
    return (x > 0 ? x : 0) + log1p(exp(-fabs(x)));
}

static real forward_one(real x, int activation, real alpha)
{
    switch (activation) {
    case BN_IDENTITY: return x;
    case BN_STEP:     return x >= 0 ? 1 : 0;
    case BN_LOGISTIC: return logistic(x);
    case BN_TANH:     return tanh(x);
    case BN_ARCTAN:   return atan(x);
    /* x < 0, not x > 0, so that NaN passes through as np.maximum lets it: a diverged
     * network must not look finite behind a ReLU */
    case BN_RELU:     return x < 0 ? 0 : x;
    case BN_PRELU:    return x >= 0 ? x : alpha * x;
    case BN_ELU:      return x >= 0 ? x : alpha * expm1(x);
    default:          return softplus(x);
    }
}

/* f'(x) at the pre-activation x */
static real derivative_one(real x, int activation, real alpha)
{
    switch (activation) {
    case BN_IDENTITY: return 1;
    case BN_STEP:     return 0;
    case BN_LOGISTIC: { real f = logistic(x); return f * (1 - f); }
    case BN_TANH:     { real f = tanh(x); return 1 - f * f; }
    case BN_ARCTAN:   return 1 / (x * x + 1);
    case BN_RELU:     return x < 0 ? 0 : 1;
    case BN_PRELU:    return x < 0 ? alpha : 1;
    case BN_ELU:      return x < 0 ? alpha * expm1(x) + alpha : 1;
    default:          return logistic(x);
    }
}

/* f'(z) from u = f(z); z points at the pre-activation when the caller kept it, else NULL */
static real derivative_from_output(real u, const real *z, int activation, real alpha)
{
    switch (activation) {
    case BN_IDENTITY: return 1;
    case BN_STEP:     return 0;
    case BN_LOGISTIC: return u * (1 - u);
    case BN_TANH:     return 1 - u * u;
    case BN_ARCTAN:   { real c = cos(u); return c * c; }
    /* scikit-learn zeroes the gradient where the output is 0, z == 0 included */
    case BN_RELU:     return u == 0 ? 0 : 1;
    case BN_PRELU:    return *z < 0 ? alpha : 1;
    /* u < 0 says z < 0 only when alpha > 0 (for alpha <= 0 a negative z gives u >= 0) */
    case BN_ELU:      return (z ? *z < 0 : u < 0) ? u + alpha : 1;
    default:          return -expm1(-u);   /* 1 - e^-u */
    }
}

static int valid(int64_t N, int activation)
{
    return N >= 0 && activation >= 0 && activation < BN_N_ACTIVATIONS;
}

int BN(bn_activation_forward)(real *out, const real *in, int64_t N, int activation, real alpha)
{
    if (!valid(N, activation))
        return BN_EINVAL;
    for (int64_t i = 0; i < N; i++)
        out[i] = forward_one(in[i], activation, alpha);
    return BN_OK;
}

int BN(bn_activation_derivative)(real *out, const real *in, int64_t N, int activation,
                                 real alpha)
{
    if (!valid(N, activation))
        return BN_EINVAL;
    for (int64_t i = 0; i < N; i++)
        out[i] = derivative_one(in[i], activation, alpha);
    return BN_OK;
}

int BN(bn_activation_backward)(real *delta, const real *out, const real *pre, int64_t N,
                               int activation, real alpha)
{
    /* where the output does not say the sign of z, z must be given */
    int needs_pre = activation == BN_PRELU || (activation == BN_ELU && !(alpha > 0));
    if (!valid(N, activation) || (needs_pre && !pre))
        return BN_EINVAL;
    for (int64_t i = 0; i < N; i++) {
        real d = derivative_from_output(out[i], pre ? &pre[i] : NULL, activation, alpha);
        /* where ReLU and step are flat, scikit-learn assigns 0 rather than multiplying by
         * it, so not even an inf or NaN gradient passes through */
        int flat = d == 0 && (activation == BN_RELU || activation == BN_STEP);
        delta[i] = flat ? 0 : delta[i] * d;
    }
    return BN_OK;
}

real BN(bn_prelu_slope_grad)(const real *dU, const real *V, int64_t N)
{
    real sum = 0;
    for (int64_t i = 0; i < N; i++)
        sum += V[i] < 0 ? dU[i] * V[i] : 0;
    return sum;
}
