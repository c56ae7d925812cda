/* The calling thread's scratch for the matrix product's packed blocks (gemm_scratch.c).
 * Internal; include after real.h. */
#include <stddef.h>

/* len reals, 64-byte aligned, owned by the calling thread and kept for its next product;
 * NULL when out of memory */
real *BN(bn_gemm_thread_scratch)(size_t len);
