/* One optimizer step over the flat parameter buffer: the optimizer chosen by its code from
 * the list in optimizers.def, its step shared out to the threads in chunks. */
#include "bendernet.h"
#include "tuning.h"
#include "real.h"
#include "runtime/pool.h"

typedef struct {
    real *P;
    const real *G;
    int64_t N;
    const BN(bn_optimizer) *opt;
} optimizer_job;

/* the step on P[first, end), first = chunk * CHUNK, end = min(first + CHUNK, N) */
static void optimizer_chunk(void *context, int64_t chunk, int thread)
{
    (void)thread;
    const optimizer_job *job = context;
    const BN(bn_optimizer) *opt = job->opt;
    int64_t first = chunk * CHUNK;
    int64_t end = job->N - first < CHUNK ? job->N : first + CHUNK;
    switch ((enum bn_solver)opt->solver) {
#define BN_OPTIMIZER(name, CODE, HYPER, STATE)                                                 \
    case CODE:                                                                             \
        BN(bn_##name##_step)(job->P, job->G, first, end, &opt->hyper.name, &opt->state.name); \
        break;
#include "network/optimizers.def"
#undef BN_OPTIMIZER
    case BN_N_OPTIMIZERS:
        break;
    }
}

/* each BN_COUNTER of opt's state += 1 */
static void count_step(const BN(bn_optimizer) *opt)
{
#define BN_HYPER(field)
#define BN_BUFFER(field)
#define BN_COUNTER(field) *state->field += 1;
#define BN_OPTIMIZER(name, CODE, HYPER, STATE)                                                 \
    if (opt->solver == CODE) {                                                             \
        const BN(bn_##name##_state) *state = &opt->state.name;                             \
        (void)state;                                                                       \
        STATE                                                                              \
    }
#include "network/optimizers.def"
#undef BN_OPTIMIZER
#undef BN_HYPER
#undef BN_BUFFER
#undef BN_COUNTER
}

/* Every step works element by element, so running chunks on threads changes no bit. Only
 * a step of four chunks or more is shared: W2's 235k parameters stream 6.6 MB through the
 * caches per step, W1's 7.5k stay on one thread. */
int BN(bn_optimizer_step)(real *P, const real *G, int64_t N, const BN(bn_optimizer) *opt)
{
    if (!opt || opt->solver < 0 || opt->solver >= BN_N_OPTIMIZERS || N < 0)
        return BN_EINVAL;
    count_step(opt);
    optimizer_job job = {P, G, N, opt};
    int64_t chunks = (N + CHUNK - 1) / CHUNK;
    bn_parallel_for(chunks, chunks >= 4 ? bn_threads_worth_using(bn_max_threads()) : 1,
                    optimizer_chunk, &job);
    return BN_OK;
}
