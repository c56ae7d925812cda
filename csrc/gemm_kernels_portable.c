/* The portable micro-kernel: plain C that compilers vectorise for whatever the target has.
 * The fallback on every CPU and the only kernel off x86-64. */
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"

#define MR PORTABLE_MR
/* fully unrolled loops over the tile, so that its sums can live in registers */
#define UNROLLED _Pragma("GCC unroll 16")

/* C[MR,nr] = beta*C + A[MR,kc] @ b_panel[kc,nr], then the epilogue if any; inlined with
 * constant nr and, for packed A, constant strides */
static inline __attribute__((always_inline)) void
update(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
       const real *b_panel, int64_t kc, real beta, const tile_epilogue *finish, const int nr)
{
    real sum[MR][PORTABLE_NR] = {{0}};
    for (int64_t p = 0; p < kc; p++) {
        const real *b = b_panel + p * nr;
        UNROLLED for (int i = 0; i < MR; i++) {
            real a = A[i * a_rs + p * a_cs];
            UNROLLED for (int j = 0; j < nr; j++)
                sum[i][j] += a * b[j];
        }
    }
    for (int i = 0; i < MR; i++) {
        real *c = C + i * c_rs;
        for (int j = 0; j < nr; j++) {
            real out = beta == 0 ? sum[i][j] : beta * c[j] + sum[i][j];
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
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, finish, PORTABLE_NR);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, finish, PORTABLE_NR);
}

void BN(bn_microkernel_portable_narrow)(real *C, ptrdiff_t c_rs, const real *A,
                                        ptrdiff_t a_rs, ptrdiff_t a_cs, const real *b_panel,
                                        int64_t kc, real beta, const tile_epilogue *finish)
{
    if (a_rs == 1 && a_cs == MR)
        update(C, c_rs, A, 1, MR, b_panel, kc, beta, finish, PORTABLE_NR / 2);
    else
        update(C, c_rs, A, a_rs, a_cs, b_panel, kc, beta, finish, PORTABLE_NR / 2);
}
