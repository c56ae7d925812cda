/* The portable micro-kernel, in GCC's vector extensions with 16-byte vectors, which every
 * SIMD target has (SSE2 on x86-64, NEON on ARM): MR rows x 2 vectors of C, so the sums
 * stay in registers (8 of SSE2's 16, 16 of NEON's 32). Plain scalar C here was not
 * vectorised for ARM, and spilled its sums to the stack on both. The fallback on every
 * CPU and the only kernel off x86-64. */
#include <string.h>
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

#define MR PORTABLE_MR
#define LANES (PORTABLE_NR / 2)
/* fully unrolled loops over the tile, so that its sums live in registers */
#define UNROLLED _Pragma("GCC unroll 16")

typedef real vec __attribute__((vector_size(16)));

/* The register tile: MR x 2 vectors of sums, one row of the B panel (2 vectors) and a
 * broadcast of A, all in SSE2's 16 or NEON's 32 registers; NR is the tile's 2 vectors */
#if defined(__aarch64__)
_Static_assert(MR * 2 + 2 + 1 <= 32,
               "the portable tile's sums fit in NEON's 32 registers");
#else
_Static_assert(MR * 2 + 2 + 1 <= 16,
               "the portable tile's sums fit in SSE2's 16 registers");
#endif
_Static_assert(LANES * (int)sizeof(real) == (int)sizeof(vec), "NR is 2 16-byte vectors");

static inline vec broadcast(real x)
{
#ifdef BN_FLOAT
    return (vec){x, x, x, x};
#else
    return (vec){x, x};
#endif
}

static inline vec load(const real *p)
{
    vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* sum + a b, fused where every CPU of the target fuses (ARMv8): told not to contract
 * (-ffp-contract=off), the compiler would not fuse on its own */
static inline vec multiply_add(vec a, vec b, vec sum)
{
#if defined(__aarch64__) && defined(BN_FLOAT)
    return vfmaq_f32(sum, a, b);
#elif defined(__aarch64__)
    return vfmaq_f64(sum, a, b);
#else
    return sum + a * b;
#endif
}

/* C[MR, n_vectors*LANES] = beta*C + A[MR,kc] @ b_panel[kc, n_vectors*LANES], then the
 * epilogue if any; inlined with constant n_vectors and, for packed A, constant strides */
static inline __attribute__((always_inline)) void
update(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
       const real *b_panel, int64_t kc, real beta, const tile_epilogue *finish,
       const int n_vectors)
{
    vec sum[MR][2];
    UNROLLED for (int i = 0; i < MR; i++)
        UNROLLED for (int v = 0; v < n_vectors; v++)
            sum[i][v] = broadcast(0);
    for (int64_t p = 0; p < kc; p++) {
        vec b[2];
        UNROLLED for (int v = 0; v < n_vectors; v++)
            b[v] = load(b_panel + (p * n_vectors + v) * LANES);
        UNROLLED for (int i = 0; i < MR; i++) {
            vec a = broadcast(A[i * a_rs + p * a_cs]);
            UNROLLED for (int v = 0; v < n_vectors; v++)
                sum[i][v] = multiply_add(a, b[v], sum[i][v]);
        }
    }
    /* the sums leave their registers once, after the loop */
    real tile[MR][2 * LANES];
    UNROLLED for (int i = 0; i < MR; i++)
        UNROLLED for (int v = 0; v < n_vectors; v++)
            memcpy(&tile[i][v * LANES], &sum[i][v], sizeof(vec));
    for (int i = 0; i < MR; i++) {
        real *c = C + i * c_rs;
        for (int j = 0; j < n_vectors * LANES; j++) {
            real out = beta == 0 ? tile[i][j] : beta * c[j] + tile[i][j];
            if (finish && finish->bias)
                out += finish->bias[i * finish->bias_rs + j * finish->bias_cs];
            c[j] = finish && finish->relu && out < 0 ? 0 : out;
        }
    }
}

void BN(bn_microkernel_portable)(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs,
                                 ptrdiff_t a_cs, const real *b_panel, int64_t kc, real beta,
                                 const tile_epilogue *finish)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, finish, 2);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, finish, 2);
}

void BN(bn_microkernel_portable_narrow)(real *C, ptrdiff_t c_rs, const real *A,
                                        ptrdiff_t a_rs, ptrdiff_t a_cs, const real *b_panel,
                                        int64_t kc, real beta, const tile_epilogue *finish)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, finish, 1);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, finish, 1);
}
