/* Entries of activations.c for the other kernels of the C core (not part of the API).
 * Include after real.h. */
#include <stddef.h>
#include <stdint.h>

/* One row of the matrix product's fused epilogue, for j < N:
 * v = out[j*stride] + bias[j*bias_stride]; pre[j*stride] = v; out[j*stride] = f(v).
 * bias NULL adds nothing, pre NULL keeps nothing, activation < 0 applies none. */
void BN(bn_bias_activation_row)(real *out, real *pre, ptrdiff_t stride, const real *bias,
                                ptrdiff_t bias_stride, int64_t N, int activation, real alpha);
