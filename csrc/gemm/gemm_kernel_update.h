/* The body of the broadcast-and-multiply-add micro-kernels (AVX2 and AVX-512), written
 * once: the including file defines `vec` and the vec_* operations of its instruction set,
 * MR (rows of the tile), LANES (reals in a vector) and UNROLLED, then includes this. */

/* out + bias, then max(0, out) for ReLU: max returns its second operand when either is
 * NaN, and for -0 and +0, so NaN and -0 pass as `out < 0 ? 0 : out` lets them */
static inline __attribute__((always_inline)) vec
finished(vec out, const tile_epilogue *finish, int i, int v)
{
    const real *bias = finish->bias;
    if (bias)
        out = vec_add(out, finish->bias_cs ? vec_load(bias + v * LANES)
                                           : vec_broadcast(bias[i * finish->bias_rs]));
    return finish->relu ? vec_max(vec_zero(), out) : out;
}

/* The B~ panels start on 64-byte lines (gemm_scratch.c allocates them so, gemm_packed.c
 * rounds every block to whole lines) and advance by whole vectors, LANES or 2 LANES reals a
 * step: so the aligned loads below are aligned */
_Static_assert(64 % sizeof(vec) == 0, "a 64-byte line holds whole vectors");

/* sum[MR, n_vectors*LANES] += A[MR, p0:p1] @ b_panel[p0:p1, n_vectors*LANES], in order */
static inline __attribute__((always_inline)) void
accumulate(vec sum[MR][2], const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const real *b_panel,
           int64_t p0, int64_t p1, const int n_vectors)
{
    for (int64_t p = p0; p < p1; p++) {
        vec b[2];
        UNROLLED for (int v = 0; v < n_vectors; v++)
            b[v] = vec_load_aligned(b_panel + (p * n_vectors + v) * LANES);
        UNROLLED for (int i = 0; i < MR; i++) {
            vec a = vec_broadcast(A[i * a_rs + p * a_cs]);
            UNROLLED for (int v = 0; v < n_vectors; v++)
                sum[i][v] = vec_fmadd(a, b[v], sum[i][v]);
        }
    }
}

/* C[MR, n_vectors*LANES] = beta*C + A[MR,kc] @ b_panel[kc, n_vectors*LANES], then the
 * epilogue if any; inlined into each caller with constant n_vectors (and strides, for
 * packed A) so that sum stays in registers */
static inline __attribute__((always_inline)) void
update(real *C, ptrdiff_t c_rs, const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
       const real *b_panel, int64_t kc, real beta, const tile_epilogue *finish,
       const int n_vectors)
{
    vec sum[MR][2];
    UNROLLED for (int i = 0; i < MR; i++)
        UNROLLED for (int v = 0; v < n_vectors; v++)
            sum[i][v] = vec_zero();
    /* The tile's rows of C lie a row apart, a line or two each, and in a large product
     * were last touched a whole sweep of the blocks ago (in L3 or memory): asked for half
     * way through the k loop, their misses overlap its second half instead of stalling the
     * stores after it (asked for at the tile's start, 1024^3 f64 ran 6% slower than this:
     * csrc/TUNING.md, "GEMM_KC, GEMM_MC, GEMM_NC"). */
    accumulate(sum, A, a_rs, a_cs, b_panel, 0, kc / 2, n_vectors);
    UNROLLED for (int i = 0; i < MR; i++) {
        /* each vector's line, and the row's last one, which is a line of its own when C's
         * rows do not start on a line */
        UNROLLED for (int v = 0; v < n_vectors; v++)
            __builtin_prefetch(C + i * c_rs + v * LANES, 1, 3);
        __builtin_prefetch(C + i * c_rs + n_vectors * LANES - 1, 1, 3);
    }
    accumulate(sum, A, a_rs, a_cs, b_panel, kc / 2, kc, n_vectors);
    vec scale = vec_broadcast(beta);
    UNROLLED for (int i = 0; i < MR; i++)
        UNROLLED for (int v = 0; v < n_vectors; v++) {
            real *c = C + i * c_rs + v * LANES;
            vec out = beta == 0 ? sum[i][v] : vec_add(vec_mul(scale, vec_load(c)), sum[i][v]);
            vec_store(c, finish ? finished(out, finish, i, v) : out);
        }
}
