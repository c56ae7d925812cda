/* The calling thread's scratch for the matrix product's packed blocks (gemm_scratch.c).
 * Internal; include after real.h. */
#include <stddef.h>

/* len reals, 64-byte aligned, owned by the calling thread and kept for its next product;
 * NULL when out of memory. Hand it back with bn_gemm_scratch_done when the product ends. */
real *BN(bn_gemm_thread_scratch)(size_t len);

/* The product is done with scratch from bn_gemm_thread_scratch: kept for the thread's next
 * one, or freed when the thread cannot keep it */
void BN(bn_gemm_scratch_done)(real *scratch);

/* Memory a product is lent for its packed blocks instead of its thread's scratch: for one
 * run as a task on a pool thread, where allocating mid-epoch could fail after the
 * parameters began to change (network/dense.c) */
typedef struct {
    real *data;
    size_t len;
} gemm_lent_scratch;

/* The most reals of scratch any plan of a product C[m,n] = A[m,k] @ B[k,n] takes (either
 * orientation, A packed or read in place), on one thread or, when threaded, on any number
 * of threads the calling thread may give it (gemm.c) */
size_t BN(bn_gemm_scratch_bound)(int64_t m, int64_t n, int64_t k, int threaded);

/* bn_gemm on one thread with its packed blocks in lent memory, at least
 * bn_gemm_scratch_bound(m, n, k, 1) reals (BN_ENOMEM if fewer) */
int BN(bn_gemm_lent)(const gemm_lent_scratch *lent, real *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                     const real *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                     const real *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                     int64_t m, int64_t n, int64_t k, real beta);
