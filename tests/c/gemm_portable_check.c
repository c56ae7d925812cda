/* The matrix product's portable path, built without the x86-64 kernels and run as a plain
 * program: tests/test_portable_build.py compiles it with the C core for this machine and,
 * when a cross compiler and qemu are there, for aarch64, where the portable kernel is the
 * only one and fuses its multiply-adds (NEON). Prints "ok" and exits 0 when every check
 * passes; else says which failed.
 *
 * For each shape and precision: bn_gemm within the usual bound of a k-term dot product
 * (2 (k + 2) eps |A| @ |B|) of the exact product; for k within one KC slice, the same bits
 * as summing the products in order (fused on aarch64); and bias + ReLU in the kernel's
 * epilogue the same bits as applied afterwards. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bendernet.h"

static int failures;

/* in [-1, 1), with all 53 bits random: products and sums of short values would be exact,
 * and a fused and an unfused multiply-add would agree */
static double uniform(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (double)(*state >> 11) * 0x1p-52 - 1.0;
}

static void fail(const char *what, const char *precision, int m, int n, int k)
{
    if (failures++ < 20)
        printf("FAILED %s: %s %dx%dx%d\n", what, precision, m, n, k);
}

/* one precision's checks, for real = float or double */
#define DEFINE_CHECK(real, suffix, fused_step, epsilon, one_slice)                          \
    static void check_##suffix(int m, int n, int k, uint64_t seed)                          \
    {                                                                                       \
        real *A = malloc(sizeof(real) * (size_t)(m * k + 1));                               \
        real *B = malloc(sizeof(real) * (size_t)(k * n + 1));                               \
        real *bias = malloc(sizeof(real) * (size_t)n);                                      \
        real *C = malloc(sizeof(real) * (size_t)(m * n));                                   \
        real *F = malloc(sizeof(real) * (size_t)(m * n));                                   \
        for (int i = 0; i < m * k; i++) A[i] = (real)uniform(&seed);                        \
        for (int i = 0; i < k * n; i++) B[i] = (real)uniform(&seed);                        \
        for (int j = 0; j < n; j++) bias[j] = (real)uniform(&seed);                         \
        if (bn_gemm_##suffix(C, n, 1, A, k, 1, NULL, B, n, 1, NULL, m, n, k, 0) ||          \
            bn_gemm_bias_activation_##suffix(F, NULL, n, 1, A, k, 1, NULL, B, n, 1, NULL,   \
                                             bias, m, n, k, BN_RELU, 0))                    \
            fail("status", #real, m, n, k);                                                 \
        for (int i = 0; i < m; i++)                                                         \
            for (int j = 0; j < n; j++) {                                                   \
                double exact = 0, magnitude = 0;                                            \
                real in_order = 0;                                                          \
                for (int p = 0; p < k; p++) {                                               \
                    exact += (double)A[i * k + p] * B[p * n + j];                           \
                    magnitude += fabs((double)A[i * k + p] * B[p * n + j]);                 \
                    in_order = fused_step(A[i * k + p], B[p * n + j], in_order);            \
                }                                                                           \
                real c = C[i * n + j], v = c + bias[j];                                     \
                if (fabs(c - exact) > 2.0 * (k + 2) * (epsilon) * magnitude)                \
                    fail("error bound", #real, m, n, k);                                    \
                if (k <= (one_slice) && memcmp(&c, &in_order, sizeof c))                    \
                    fail("bits of the in-order sum", #real, m, n, k);                       \
                real relu = v < 0 ? 0 : v;                                                  \
                if (memcmp(&F[i * n + j], &relu, sizeof relu))                              \
                    fail("epilogue bits", #real, m, n, k);                                  \
            }                                                                               \
        free(A), free(B), free(bias), free(C), free(F);                                     \
    }

#if defined(__aarch64__)   /* the portable kernel fuses where every CPU of the target does */
#define STEP_DOUBLE(a, b, sum) fma(a, b, sum)
#define STEP_FLOAT(a, b, sum) fmaf(a, b, sum)
#else
#define STEP_DOUBLE(a, b, sum) ((sum) + (a) * (b))
#define STEP_FLOAT(a, b, sum) ((sum) + (a) * (b))
#endif

/* KC is 256 in double and 384 in float (csrc/gemm/gemm_blocking.h) */
DEFINE_CHECK(double, f64, STEP_DOUBLE, 0x1p-52, 256)
DEFINE_CHECK(float, f32, STEP_FLOAT, 0x1p-23f, 384)

int main(void)
{
    /* both sides of the portable tiles (4 or 8 rows, 2 or 4 columns a vector), the packs'
     * edges, and reductions of one and several KC slices */
    static const int shapes[][3] = {
        {1, 1, 1}, {3, 2, 5}, {4, 4, 4}, {7, 11, 13}, {8, 8, 8}, {9, 5, 17}, {16, 3, 2},
        {17, 9, 100}, {33, 65, 200}, {100, 37, 300}, {150, 20, 400}, {5, 300, 7},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        check_f64(shapes[s][0], shapes[s][1], shapes[s][2], 0x9e3779b97f4a7c15u + s);
        check_f32(shapes[s][0], shapes[s][1], shapes[s][2], 0x2545f4914f6cdd1du + s);
    }
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
