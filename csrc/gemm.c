/* The matrix product C[m,n] = beta*C[m,n] + A[m,k] @ B[k,n] with strided, row-indexed
 * operands (see bn_api.h). This is the plain blocked version: correct for every shape and
 * stride, and the reference the packed kernels are checked against. */
#include "bendernet.h"
#include "real.h"

/* Rows of C updated together, so that a block of B stays in L1/L2 while they are. */
#define ROW_BLOCK 16
#define DEPTH_BLOCK 128

int BN(bn_gemm)(real *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                int64_t m, int64_t n, int64_t k, real beta)
{
    if (m < 0 || n < 0 || k < 0)
        return BN_EINVAL;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            real *c = &C[i * c_rs + j * c_cs];
            *c = beta == 0 ? 0 : beta * *c;
        }
    for (int64_t i0 = 0; i0 < m; i0 += ROW_BLOCK) {
        int64_t i1 = i0 + ROW_BLOCK < m ? i0 + ROW_BLOCK : m;
        for (int64_t p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
            int64_t p1 = p0 + DEPTH_BLOCK < k ? p0 + DEPTH_BLOCK : k;
            for (int64_t i = i0; i < i1; i++) {
                const real *a_row = A + (a_rows ? a_rows[i] : i) * a_rs;
                real *c_row = C + i * c_rs;
                for (int64_t p = p0; p < p1; p++) {
                    real a = a_row[p * a_cs];
                    const real *b_row = B + (b_rows ? b_rows[p] : p) * b_rs;
                    for (int64_t j = 0; j < n; j++)
                        c_row[j * c_cs] += a * b_row[j * b_cs];
                }
            }
        }
    }
    return BN_OK;
}
