/* The machine's sustained FMA peak, measured: the widest FMA loop this CPU runs (peak_*.c,
 * chosen as the matrix product chooses its micro-kernel), on `threads` threads of the pool
 * at once, each for `seconds`. What the benchmark sets its GFLOP/s against. */
#include "bendernet.h"
#include "runtime/alloc.h"
#include "runtime/clock.h"
#include "runtime/peak.h"
#include "runtime/pool.h"

/* rounds per look at the clock: about 20 µs of FMAs, so the clock costs nothing */
#define ROUNDS_PER_BURST 4096
#define MAX_THREADS 1024

typedef double (*peak_loop)(int64_t rounds);

typedef struct {
    peak_loop loop;
    int64_t duration;   /* nanoseconds each task runs for */
    int64_t *rounds;    /* [tasks]: rounds each task ran */
    double *sink;       /* [tasks]: the loops' sums, so no loop is dropped */
} peak_job;

/* the widest loop this CPU runs for the precision, and its lanes */
static peak_loop widest_loop(int is_double, int *lanes)
{
#ifdef BN_X86_KERNELS
    if (bn_gemm_kernel_available("avx512")) {
        *lanes = is_double ? 8 : 16;
        return is_double ? bn_peak_rounds_avx512_f64 : bn_peak_rounds_avx512_f32;
    }
    if (bn_gemm_kernel_available("avx2")) {
        *lanes = is_double ? 4 : 8;
        return is_double ? bn_peak_rounds_avx2_f64 : bn_peak_rounds_avx2_f32;
    }
#endif
    *lanes = 4;
    return is_double ? bn_peak_rounds_portable_f64 : bn_peak_rounds_portable_f32;
}

static void peak_task(void *context, int64_t task, int worker)
{
    (void)worker;
    peak_job *job = context;
    int64_t start = bn_now_nanoseconds(), rounds = 0;
    double sink = 0;
    do {
        sink += job->loop(ROUNDS_PER_BURST);
        rounds += ROUNDS_PER_BURST;
    } while (bn_now_nanoseconds() - start < job->duration);
    job->rounds[task] = rounds;
    job->sink[task] = sink;
}

int bn_fma_peak(double *flops_per_second, int is_double, int threads, double seconds)
{
    if (threads < 1 || threads > MAX_THREADS || !(seconds > 0 && seconds <= 60))
        return BN_EINVAL;
    int lanes;
    peak_job job = {widest_loop(is_double, &lanes), (int64_t)(seconds * 1e9),
                    bn_alloc_zeroed(sizeof(int64_t) * threads),
                    bn_alloc_zeroed(sizeof(double) * threads)};
    if (!job.rounds || !job.sink) {
        bn_free(job.rounds);
        bn_free(job.sink);
        return BN_ENOMEM;
    }
    /* the wall time of the whole: a thread that starts late, or never (its task then run
     * after the caller's), lowers the figure as it would a product's */
    int64_t start = bn_now_nanoseconds();
    bn_parallel_for(threads, threads, peak_task, &job);
    int64_t elapsed = bn_now_nanoseconds() - start;
    double flops = 0;
    for (int t = 0; t < threads; t++)
        flops += (double)job.rounds[t] * BN_PEAK_CHAINS * lanes * 2;
    bn_free(job.rounds);
    bn_free(job.sink);
    *flops_per_second = flops / ((double)elapsed * 1e-9);
    return BN_OK;
}
