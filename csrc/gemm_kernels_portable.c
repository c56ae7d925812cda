/* The portable micro-kernel: plain C that compilers vectorise for whatever the target has.
 * The fallback on every CPU and the only kernel off x86-64. */
#include "real.h"
#include "gemm_blocking.h"
#include "gemm_kernels.h"

void BN(bn_microkernel_portable)(real *C, ptrdiff_t c_rs, const real *a_panel,
                                 const real *b_panel, int64_t kc, real beta)
{
    /* sum[MR,NR] = a_panel[MR,kc] @ b_panel[kc,NR], one rank-1 update per p */
    real sum[PORTABLE_MR][PORTABLE_NR] = {{0}};
    for (int64_t p = 0; p < kc; p++) {
        const real *a = a_panel + p * PORTABLE_MR;
        const real *b = b_panel + p * PORTABLE_NR;
        for (int i = 0; i < PORTABLE_MR; i++)
            for (int j = 0; j < PORTABLE_NR; j++)
                sum[i][j] += a[i] * b[j];
    }
    for (int i = 0; i < PORTABLE_MR; i++) {
        real *c = C + i * c_rs;
        for (int j = 0; j < PORTABLE_NR; j++)
            c[j] = beta == 0 ? sum[i][j] : beta * c[j] + sum[i][j];
    }
}
