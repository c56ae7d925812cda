/* The memory of the matrix product's packed blocks (gemm_packed.c). Each calling thread
 * keeps its scratch from one product to the next, grown to the largest it has needed, so
 * that a training loop allocates (and page-faults) nothing after its first batch; a
 * thread's scratch is freed when the thread ends. */
#include <pthread.h>
#include <stdlib.h>
#include "real.h"
#include "gemm_scratch.h"

typedef struct {
    real *data;
    size_t len;
} scratch_cache;

static pthread_key_t scratch_key;
static pthread_once_t scratch_key_once = PTHREAD_ONCE_INIT;

static void free_scratch_cache(void *cache)
{
    free(((scratch_cache *)cache)->data);
    free(cache);
}

static void make_scratch_key(void)
{
    pthread_key_create(&scratch_key, free_scratch_cache);
}

real *BN(bn_gemm_thread_scratch)(size_t len)
{
    pthread_once(&scratch_key_once, make_scratch_key);
    scratch_cache *cache = pthread_getspecific(scratch_key);
    if (!cache) {
        cache = calloc(1, sizeof *cache);
        if (!cache || pthread_setspecific(scratch_key, cache)) {
            free(cache);
            return NULL;
        }
    }
    if (cache->len < len) {
        /* aligned_alloc wants a multiple of the alignment */
        size_t bytes = (len * sizeof(real) + 63) / 64 * 64;
        free(cache->data);
        cache->data = aligned_alloc(64, bytes);
        cache->len = cache->data ? len : 0;
    }
    return cache->data;
}
