/* The body of the broadcast-and-multiply-add micro-kernels (AVX2 and AVX-512), written
 * once: the including file defines `vec` and the vec_* operations of its instruction set,
 * MR (rows of the tile), LANES (reals in a vector) and UNROLLED, then includes this. */

/* C[MR, n_vectors*LANES] = beta*C + A[MR,kc] @ b_panel[kc, n_vectors*LANES]; inlined into
 * each caller with constant n_vectors (and strides, for packed A) so that sum stays in
 * registers */
static inline __attribute__((always_inline)) void
update(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
       const real *b_panel, int64_t kc, real beta, const int n_vectors)
{
    vec sum[MR][2];
    UNROLLED for (int i = 0; i < MR; i++)
        UNROLLED for (int v = 0; v < n_vectors; v++)
            sum[i][v] = vec_zero();
    for (int64_t p = 0; p < kc; p++) {
        vec b[2];
        UNROLLED for (int v = 0; v < n_vectors; v++)
            b[v] = vec_load_aligned(b_panel + (p * n_vectors + v) * LANES);
        UNROLLED for (int i = 0; i < MR; i++) {
            vec a = vec_broadcast(A[i * a_rs + p * a_cs]);
            UNROLLED for (int v = 0; v < n_vectors; v++)
                sum[i][v] = vec_fmadd(a, b[v], sum[i][v]);
        }
    }
    if (beta == 0) {
        UNROLLED for (int i = 0; i < MR; i++)
            UNROLLED for (int v = 0; v < n_vectors; v++)
                vec_store(C + i * c_rs + v * LANES, sum[i][v]);
        return;
    }
    vec scale = vec_broadcast(beta);
    UNROLLED for (int i = 0; i < MR; i++)
        UNROLLED for (int v = 0; v < n_vectors; v++) {
            real *c = C + i * c_rs + v * LANES;
            vec_store(c, vec_add(vec_mul(scale, vec_load(c)), sum[i][v]));
        }
}
