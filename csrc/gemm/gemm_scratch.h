/* The calling thread's scratch for the matrix product's packed blocks (gemm_scratch.c).
 * Internal; include after real.h. */
#include <stddef.h>

/* len reals, 64-byte aligned, owned by the calling thread and kept for its next product;
 * NULL when out of memory. Hand it back with bn_gemm_scratch_done when the product ends. */
real *BN(bn_gemm_thread_scratch)(size_t len);

/* The product is done with scratch from bn_gemm_thread_scratch: kept for the thread's next
 * one, or freed when the thread cannot keep it */
void BN(bn_gemm_scratch_done)(real *scratch);
