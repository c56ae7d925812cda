/* Entries of activations.c for the other kernels of the C core (not part of the API).
 * Include after real.h. */
#include <stddef.h>
#include <stdint.h>

/* One tile of the matrix product's fused epilogue, for i < rows and j < cols, with
 * o = out[i*rs + j*cs] and c = bias[i*bias_rs + j*bias_cs]:
 * v = o + c; pre[i*rs + j*cs] = v; o = f(v).
 * bias NULL adds nothing, pre NULL keeps nothing, activation < 0 applies none. */
void BN(bn_bias_activation_tile)(real *out, real *pre, ptrdiff_t rs, ptrdiff_t cs,
                                 const real *bias, ptrdiff_t bias_rs, ptrdiff_t bias_cs,
                                 int64_t rows, int64_t cols, int activation, real alpha);
