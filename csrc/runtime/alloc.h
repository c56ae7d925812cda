/* The one door through which the C core allocates (alloc.c). Internal; the test controls
 * are public in bendernet.h. */
#ifndef BN_ALLOC_H
#define BN_ALLOC_H
#include <stddef.h>

/* bytes of memory starting at a multiple of alignment (a power of two), NULL when out of
 * memory; bytes is rounded up to a multiple of alignment, as aligned_alloc wants */
void *bn_alloc_aligned(size_t alignment, size_t bytes);
/* bytes of zeroed memory, NULL when out of memory */
void *bn_alloc_zeroed(size_t bytes);
/* Frees what bn_alloc_aligned or bn_alloc_zeroed returned; NULL does nothing. */
void bn_free(void *memory);

#endif
