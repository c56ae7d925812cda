/* Hidden-layer activations: forward, derivative at the pre-activation, and the backprop
 * form written from the output. Every formula is arranged so that no intermediate
 * overflows: |x| up to the largest finite value gives finite results. */
#include <tgmath.h>
#include "bendernet.h"
#include "real.h"
#include "activations.h"
#include "logistic.h"
#include "runtime/vector_clones.h"

static real softplus(real x)
{
    /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|) */
    return (x > 0 ? x : 0) + log1p(exp(-fabs(x)));
}

/* Each activation is its own loop (rather than a switch per element) so that the
 * compiler vectorises the ones that need no libm call. */

/* Every switch lists every code, so that -Wswitch-enum names one an activation added to
 * enum bn_activation lacks; BN_N_ACTIVATIONS is no activation (the callers refuse it). */

/* out[i*stride] = f(in[i*stride]) for i < N */
static void forward_strided(real *out, const real *in, ptrdiff_t stride, int64_t N,
                            int activation, real alpha)
{
    switch ((enum bn_activation)activation) {
    case BN_IDENTITY:
        for (int64_t i = 0; i < N; i++) out[i * stride] = in[i * stride];
        break;
    case BN_STEP:
        for (int64_t i = 0; i < N; i++) out[i * stride] = in[i * stride] >= 0 ? 1 : 0;
        break;
    case BN_LOGISTIC:
        for (int64_t i = 0; i < N; i++) out[i * stride] = logistic(in[i * stride]);
        break;
    case BN_TANH:
        for (int64_t i = 0; i < N; i++) out[i * stride] = tanh(in[i * stride]);
        break;
    case BN_ARCTAN:
        for (int64_t i = 0; i < N; i++) out[i * stride] = atan(in[i * stride]);
        break;
    case BN_RELU:
        /* x < 0, not x > 0, so that NaN passes through as np.maximum lets it: a diverged
         * network must not look finite behind a ReLU */
        for (int64_t i = 0; i < N; i++) {
            real x = in[i * stride];
            out[i * stride] = x < 0 ? 0 : x;
        }
        break;
    case BN_PRELU:
        for (int64_t i = 0; i < N; i++) {
            real x = in[i * stride];
            out[i * stride] = x >= 0 ? x : alpha * x;
        }
        break;
    case BN_ELU:
        for (int64_t i = 0; i < N; i++) {
            real x = in[i * stride];
            out[i * stride] = x >= 0 ? x : alpha * expm1(x);
        }
        break;
    case BN_SOFTPLUS:
        for (int64_t i = 0; i < N; i++) out[i * stride] = softplus(in[i * stride]);
        break;
    case BN_N_ACTIVATIONS:
        break;
    }
}

static void forward(real *out, const real *in, int64_t N, int activation, real alpha)
{
    /* a literal stride of 1 lets the contiguous case vectorise */
    forward_strided(out, in, 1, N, activation, alpha);
}

/* out[i] = f'(in[i]), at the pre-activation */
static void derivative(real *out, const real *in, int64_t N, int activation, real alpha)
{
    switch ((enum bn_activation)activation) {
    case BN_IDENTITY:
        for (int64_t i = 0; i < N; i++) out[i] = 1;
        break;
    case BN_STEP:
        for (int64_t i = 0; i < N; i++) out[i] = 0;
        break;
    case BN_LOGISTIC:
        for (int64_t i = 0; i < N; i++) {
            real f = logistic(in[i]);
            out[i] = f * (1 - f);
        }
        break;
    case BN_TANH:
        for (int64_t i = 0; i < N; i++) {
            real f = tanh(in[i]);
            out[i] = 1 - f * f;
        }
        break;
    case BN_ARCTAN:
        for (int64_t i = 0; i < N; i++) out[i] = 1 / (in[i] * in[i] + 1);
        break;
    case BN_RELU:
        for (int64_t i = 0; i < N; i++) out[i] = in[i] < 0 ? 0 : 1;
        break;
    case BN_PRELU:
        for (int64_t i = 0; i < N; i++) out[i] = in[i] < 0 ? alpha : 1;
        break;
    case BN_ELU:
        for (int64_t i = 0; i < N; i++) out[i] = in[i] < 0 ? alpha * expm1(in[i]) + alpha : 1;
        break;
    case BN_SOFTPLUS:
        for (int64_t i = 0; i < N; i++) out[i] = logistic(in[i]);
        break;
    case BN_N_ACTIVATIONS:
        break;
    }
}

/* delta[i] *= f'(z_i), from the output u = f(z) (and z itself, pre, where kept) */
static void backward(real *delta, const real *u, const real *pre, int64_t N, int activation,
                     real alpha)
{
    switch ((enum bn_activation)activation) {
    case BN_IDENTITY:
        break;
    case BN_STEP:
        /* flat: scikit-learn assigns 0 rather than multiplying, so not even inf or NaN
         * passes through */
        for (int64_t i = 0; i < N; i++) delta[i] = 0;
        break;
    case BN_LOGISTIC:
        for (int64_t i = 0; i < N; i++) delta[i] *= u[i] * (1 - u[i]);
        break;
    case BN_TANH:
        for (int64_t i = 0; i < N; i++) delta[i] *= 1 - u[i] * u[i];
        break;
    case BN_ARCTAN:
        for (int64_t i = 0; i < N; i++) {
            real c = cos(u[i]);
            delta[i] *= c * c;
        }
        break;
    case BN_RELU:
        /* scikit-learn zeroes the gradient where the output is 0 (z <= 0), by assignment */
        for (int64_t i = 0; i < N; i++) delta[i] = u[i] == 0 ? 0 : delta[i];
        break;
    case BN_PRELU:
        for (int64_t i = 0; i < N; i++) delta[i] *= pre[i] < 0 ? alpha : 1;
        break;
    case BN_ELU:
        /* u < 0 says z < 0 only when alpha > 0; the caller gives z otherwise */
        if (pre)
            for (int64_t i = 0; i < N; i++) delta[i] *= pre[i] < 0 ? u[i] + alpha : 1;
        else
            for (int64_t i = 0; i < N; i++) delta[i] *= u[i] < 0 ? u[i] + alpha : 1;
        break;
    case BN_SOFTPLUS:   /* 1 - e^-u */
        for (int64_t i = 0; i < N; i++) delta[i] *= -expm1(-u[i]);
        break;
    case BN_N_ACTIVATIONS:
        break;
    }
}

static int valid(int64_t N, int activation)
{
    return N >= 0 && activation >= 0 && activation < BN_N_ACTIVATIONS;
}

BN_VECTOR_CLONES
int BN(bn_activation_forward)(real *out, const real *in, int64_t N, int activation, real alpha)
{
    if (!valid(N, activation))
        return BN_EINVAL;
    forward(out, in, N, activation, alpha);
    return BN_OK;
}

BN_VECTOR_CLONES
int BN(bn_activation_derivative)(real *out, const real *in, int64_t N, int activation,
                                 real alpha)
{
    if (!valid(N, activation))
        return BN_EINVAL;
    derivative(out, in, N, activation, alpha);
    return BN_OK;
}

BN_VECTOR_CLONES
int BN(bn_activation_backward)(real *delta, const real *out, const real *pre, int64_t N,
                               int activation, real alpha)
{
    /* where the output does not say the sign of z, z must be given */
    int needs_pre = activation == BN_PRELU || (activation == BN_ELU && !(alpha > 0));
    if (!valid(N, activation) || (needs_pre && !pre))
        return BN_EINVAL;
    backward(delta, out, pre, N, activation, alpha);
    return BN_OK;
}

/* out[j] (+)= bias[j], pre[j] = out[j], out[j] = max(out[j], 0) if relu: one pass over a
 * contiguous row instead of three. Each flag a constant where it is called, so every
 * combination compiles to its own vector loop; without a bias nothing is added (x + 0
 * would turn -0 into +0). */
static inline void bias_relu_row(real *out, real *pre, const real *bias, int64_t N,
                                 int has_bias, int keep_pre, int relu)
{
    for (int64_t j = 0; j < N; j++) {
        real v = has_bias ? out[j] + bias[j] : out[j];
        if (keep_pre)
            pre[j] = v;
        out[j] = relu && v < 0 ? 0 : v;
    }
}

/* one row of bn_bias_activation_tile: out[j*stride] = f(out[j*stride] + bias[j*bias_stride]) */
static void bias_activation_row(real *out, real *pre, ptrdiff_t stride, const real *bias,
                                ptrdiff_t bias_stride, int64_t N, int activation, real alpha)
{
    int relu = activation == BN_RELU;
    if (stride == 1 && (!bias || bias_stride == 1) &&
        (relu || activation < 0 || activation == BN_IDENTITY)) {
        if (bias && pre && relu)
            bias_relu_row(out, pre, bias, N, 1, 1, 1);
        else if (bias && pre)
            bias_relu_row(out, pre, bias, N, 1, 1, 0);
        else if (bias && relu)
            bias_relu_row(out, NULL, bias, N, 1, 0, 1);
        else if (bias)
            bias_relu_row(out, NULL, bias, N, 1, 0, 0);
        else if (pre && relu)
            bias_relu_row(out, pre, NULL, N, 0, 1, 1);
        else if (pre)
            bias_relu_row(out, pre, NULL, N, 0, 1, 0);
        else if (relu)
            bias_relu_row(out, NULL, NULL, N, 0, 0, 1);
        return;
    }
    if (bias)
        for (int64_t j = 0; j < N; j++)
            out[j * stride] += bias[j * bias_stride];
    if (pre)
        for (int64_t j = 0; j < N; j++)
            pre[j * stride] = out[j * stride];
    if (activation < 0 || activation == BN_IDENTITY)
        return;
    if (stride == 1)
        forward(out, out, N, activation, alpha);
    else
        forward_strided(out, out, stride, N, activation, alpha);
}

/* One call per tile, not per row: a tile's rows are a register block's 16 or 32 columns,
 * too short to pay for a call each (W1's first layer made 1,400 calls a batch). */
BN_VECTOR_CLONES
void BN(bn_bias_activation_tile)(real *out, real *pre, ptrdiff_t rs, ptrdiff_t cs,
                                 const real *bias, ptrdiff_t bias_rs, ptrdiff_t bias_cs,
                                 int64_t rows, int64_t cols, int activation, real alpha)
{
    for (int64_t i = 0; i < rows; i++)
        bias_activation_row(out + i * rs, pre ? pre + i * rs : NULL, cs,
                            bias ? bias + i * bias_rs : NULL, bias_cs, cols, activation, alpha);
}

/* Each product of two floats is exact in double, so a float fit's sum rounds once per
 * term at double's precision instead of float's (N is a batch's rows times a layer's
 * units: hundreds of thousands of terms). */
double BN(bn_prelu_slope_grad)(const real *dU, const real *V, int64_t N)
{
    double sum = 0;
    for (int64_t i = 0; i < N; i++)
        sum += V[i] < 0 ? (double)dU[i] * V[i] : 0;
    return sum;
}
