/* bn_parallel_for_by_shares (pool.h): the tasks dealt out in shares, one a worker. A call of
 * the wrapped task claims the next task of its worker's own share, or, that share done,
 * the next left in another's: as many calls as tasks, so each claim finds one. */
#include <stdatomic.h>
#include "pool.h"

typedef struct {
    _Alignas(64) _Atomic int64_t next;   /* a line each: the workers claim side by side */
} share;

typedef struct {
    share shares[BN_MAX_WORKERS];
    int64_t n_tasks;
    int n_shares;
    bn_task run;
    void *context;
} dealt;

/* share s holds tasks [s * n_tasks / n_shares, (s + 1) * n_tasks / n_shares) */
static int64_t share_end(const dealt *d, int s)
{
    return (int64_t)(s + 1) * d->n_tasks / d->n_shares;
}

static void run_claimed(void *context, int64_t call, int worker)
{
    (void)call;
    dealt *d = context;
    for (int i = 0; i < d->n_shares; i++) {
        int s = (worker + i) % d->n_shares;
        int64_t task = atomic_fetch_add(&d->shares[s].next, 1);
        if (task < share_end(d, s)) {
            d->run(d->context, task, worker);
            return;
        }
    }
}

void bn_parallel_for_by_shares(int64_t n_tasks, int n_workers, bn_task run, void *context)
{
    if (n_workers > BN_MAX_WORKERS)
        n_workers = BN_MAX_WORKERS;
    if (n_workers <= 1 || n_tasks < 2) {
        bn_parallel_for(n_tasks, 1, run, context);
        return;
    }
    dealt d = {.n_tasks = n_tasks, .n_shares = n_workers, .run = run, .context = context};
    for (int s = 0; s < n_workers; s++)
        atomic_init(&d.shares[s].next, s == 0 ? 0 : share_end(&d, s - 1));
    bn_parallel_for(n_tasks, n_workers, run_claimed, &d);
}
