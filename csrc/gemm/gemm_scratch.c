/* The memory of the matrix product's packed blocks (gemm_packed.c). Each calling thread
 * keeps its scratch from one product to the next, grown to the largest it has needed, so
 * that a training loop allocates (and page-faults) nothing after its first batch; a
 * thread's scratch is freed when the thread ends. */
#include <pthread.h>
#include <stdint.h>
#include "real.h"
#include "runtime/alloc.h"
#include "gemm_scratch.h"

typedef struct {
    real *data;
    size_t len;
} scratch_cache;

static pthread_key_t scratch_key;
static pthread_once_t scratch_key_once = PTHREAD_ONCE_INIT;
static int have_scratch_key;   /* 0: pthread_key_create failed, no thread keeps scratch */

static void free_scratch_cache(void *cache)
{
    bn_free(((scratch_cache *)cache)->data);
    bn_free(cache);
}

static void make_scratch_key(void)
{
    have_scratch_key = pthread_key_create(&scratch_key, free_scratch_cache) == 0;
}

/* len reals, 64-byte aligned; NULL when out of memory or when the bytes overflow size_t */
static real *aligned_reals(size_t len)
{
    if (len > SIZE_MAX / sizeof(real))
        return NULL;
    return bn_alloc_aligned(64, len * sizeof(real));
}

/* Without a key (the process ran out of them) every product allocates its own scratch and
 * bn_gemm_scratch_done frees it: slower, never wrong. */
static int keeps_scratch(void)
{
    return pthread_once(&scratch_key_once, make_scratch_key) == 0 && have_scratch_key;
}

real *BN(bn_gemm_thread_scratch)(size_t len)
{
    if (!keeps_scratch())
        return aligned_reals(len);
    scratch_cache *cache = pthread_getspecific(scratch_key);
    if (!cache) {
        cache = bn_alloc_zeroed(sizeof *cache);
        if (!cache || pthread_setspecific(scratch_key, cache)) {
            bn_free(cache);
            return NULL;
        }
    }
    if (cache->len < len) {
        bn_free(cache->data);
        cache->data = aligned_reals(len);
        cache->len = cache->data ? len : 0;
    }
    return cache->data;
}

/* The caller's bn_gemm_thread_scratch ran pthread_once on this thread, so have_scratch_key
 * is settled and visible here: read as is, not through pthread_once again, a call into libc
 * that every packed product of a tiny network's step would pay twice (issue 13) */
void BN(bn_gemm_scratch_done)(real *scratch)
{
    if (!have_scratch_key)
        bn_free(scratch);
}

void BN(bn_gemm_release_scratch)(void)
{
    if (!keeps_scratch())
        return;
    scratch_cache *cache = pthread_getspecific(scratch_key);
    if (cache && !pthread_setspecific(scratch_key, NULL))
        free_scratch_cache(cache);
}
