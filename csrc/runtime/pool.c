/* The C core's worker threads (see pool.h): the matrix product's pieces, predict's chunks
 * and the optimizer step's chunks run on them.
 *
 * Why not an OpenMP parallel region: a region ends at a barrier that waits for every thread
 * of its team, even one that has not yet been given a core. With another program busy on
 * one of two cores, each of the thousands of small products in a fit waited there for a
 * time slice, and fits ran several times slower on two threads than on one (csrc/TUNING.md,
 * "GEMM_FLOPS_PER_THREAD"). Here the calling
 * thread never waits for a thread that has not started a task: tasks are claimed one at a
 * time from a shared ticket, the caller claims like anyone else, and at the end it waits
 * only for tasks already claimed. Waiting spins a while, then sleeps, which hands the core
 * to the thread being waited for.
 *
 * The ticket is one 64-bit word: the job's generation, its worker limit, its task count
 * and the next unclaimed task. Claiming is a compare-and-swap of the whole word, so a
 * thread that read a stale word claims nothing, and a successful claim reads a job that
 * cannot end before the claimed task is done. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "bendernet.h"
#include "tuning.h"
#include "clock.h"
#include "pool.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define TASK_BITS 21
#define WORKER_BITS 6
#define GENERATION_BITS (64 - WORKER_BITS - 2 * TASK_BITS)
#define MAX_TASKS (((int64_t)1 << TASK_BITS) - 1)    /* tasks per ticket; more go in rounds */
#define MAX_WORKERS ((1 << WORKER_BITS) - 1)
_Static_assert(MAX_WORKERS == BN_MAX_WORKERS, "pool.h states the cap on workers");

typedef uint64_t ticket;

static ticket make_ticket(uint64_t generation, uint64_t workers, uint64_t tasks, uint64_t next)
{
    return generation << (WORKER_BITS + 2 * TASK_BITS) | workers << 2 * TASK_BITS |
           tasks << TASK_BITS | next;
}

static uint64_t generation_of(ticket t) { return t >> (WORKER_BITS + 2 * TASK_BITS); }
static int workers_of(ticket t) { return (int)(t >> 2 * TASK_BITS & MAX_WORKERS); }
static int64_t tasks_of(ticket t) { return (int64_t)(t >> TASK_BITS & MAX_TASKS); }
static int64_t next_of(ticket t) { return (int64_t)(t & MAX_TASKS); }

static struct {
    _Atomic ticket ticket;
    _Atomic int64_t done;             /* tasks of the current job finished */
    _Atomic int caller_sleeping;
    _Atomic int workers_sleeping;
    atomic_flag in_use;               /* one caller at a time */
    /* the job: written by the caller before it publishes the ticket */
    bn_task run;
    void *context;
    int64_t first_task;
    /* owned by the caller holding in_use */
    uint64_t generation;
    int n_threads;                    /* pool threads started */
    pthread_mutex_t lock;
    pthread_cond_t job_posted, job_done;
} pool = {
    .in_use = ATOMIC_FLAG_INIT,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .job_posted = PTHREAD_COND_INITIALIZER,
    .job_done = PTHREAD_COND_INITIALIZER,
};

/* Spins until done() or SPIN_NANOSECONDS have passed; true if done() */
static bool spin_until(bool (*done)(const void *), const void *arg)
{
    int64_t deadline = bn_now_nanoseconds() + SPIN_NANOSECONDS;
    for (int i = 1;; i++) {
        if (done(arg))
            return true;
        sched_yield();
        if (i % 64 == 0 && bn_now_nanoseconds() > deadline)
            return false;
    }
}

/* Returns once done(arg): spins a while, then sleeps on wake, counted in sleepers so that
 * whoever makes done() true knows to signal it */
static void wait_until(bool (*done)(const void *), const void *arg, pthread_cond_t *wake,
                       _Atomic int *sleepers)
{
    if (spin_until(done, arg))
        return;
    atomic_fetch_add(sleepers, 1);
    pthread_mutex_lock(&pool.lock);
    while (!done(arg))
        pthread_cond_wait(wake, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    atomic_fetch_sub(sleepers, 1);
}

/* Claims and runs tasks of the job in t (a recent read of the ticket) until none is left */
static void run_tasks(ticket t, int worker)
{
    while (worker < workers_of(t) && next_of(t) < tasks_of(t)) {
        if (!atomic_compare_exchange_weak(&pool.ticket, &t, t + 1))
            continue;                       /* t now holds the ticket as it is */
        int64_t n_tasks = tasks_of(t);
        pool.run(pool.context, pool.first_task + next_of(t), worker);
        if (atomic_fetch_add(&pool.done, 1) + 1 == n_tasks && atomic_load(&pool.caller_sleeping)) {
            pthread_mutex_lock(&pool.lock);
            pthread_cond_signal(&pool.job_done);
            pthread_mutex_unlock(&pool.lock);
        }
        t = atomic_load(&pool.ticket);
    }
}

static bool job_after(const void *generation)
{
    return generation_of(atomic_load(&pool.ticket)) != *(const uint64_t *)generation;
}

static void *pool_thread(void *worker_index)
{
    int worker = (int)(intptr_t)worker_index;
    uint64_t seen = generation_of(atomic_load(&pool.ticket));
    for (;;) {
        wait_until(job_after, &seen, &pool.job_posted, &pool.workers_sleeping);
        ticket t = atomic_load(&pool.ticket);
        seen = generation_of(t);
        run_tasks(t, worker);
    }
    return NULL;
}

/* Starts pool threads up to `wanted` in all; returns how many there are. Pool threads block
 * every signal, so Python's handlers (Ctrl-C) keep running on the threads that call us; if
 * they cannot, or the system refuses a thread, there are fewer (the callers do the work). */
static int start_threads(int wanted)
{
    sigset_t all, old;
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &old))
        return pool.n_threads;
    while (pool.n_threads < wanted) {
        pthread_t thread;
        pthread_attr_t attr;
        if (pthread_attr_init(&attr))
            break;
        /* a thread nobody joins must be detached, or it is never freed */
        int failed = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) ||
                     pthread_create(&thread, &attr, pool_thread,
                                    (void *)(intptr_t)(pool.n_threads + 1));
        pthread_attr_destroy(&attr);
        if (failed)
            break;
        pool.n_threads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pool.n_threads;
}

static bool job_finished(const void *n_tasks)
{
    return atomic_load(&pool.done) == *(const int64_t *)n_tasks;
}

/* Whether a forked child resets the pool (register_fork_handler): else a child could wait
 * forever on a lock some thread held at the fork, so the pool starts no thread at all and
 * every caller runs its tasks itself. */
static bool fork_safe;

/* Runs tasks [first, first + n_tasks) on the caller and up to n_workers - 1 pool threads */
static void run_job(int64_t first, int64_t n_tasks, int n_workers, bn_task run, void *context)
{
    pool.run = run;
    pool.context = context;
    pool.first_task = first;
    atomic_store(&pool.done, 0);
    pool.generation = (pool.generation + 1) & (((uint64_t)1 << GENERATION_BITS) - 1);
    atomic_store(&pool.ticket, make_ticket(pool.generation, (uint64_t)n_workers,
                                           (uint64_t)n_tasks, 0));
    if (atomic_load(&pool.workers_sleeping)) {
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.job_posted);
        pthread_mutex_unlock(&pool.lock);
    }
    run_tasks(atomic_load(&pool.ticket), 0);
    wait_until(job_finished, &n_tasks, &pool.job_done, &pool.caller_sleeping);
}

bool bn_parallel_for_shared(int64_t n_tasks, int n_workers, bn_task run, void *context)
{
    if (n_workers > MAX_WORKERS)
        n_workers = MAX_WORKERS;
    if (n_workers < 2 || n_tasks < 2 || !fork_safe || atomic_flag_test_and_set(&pool.in_use))
        return false;
    if (start_threads(n_workers - 1) == 0) {
        atomic_flag_clear(&pool.in_use);
        return false;
    }
    for (int64_t first = 0; first < n_tasks; first += MAX_TASKS) {
        int64_t count = n_tasks - first < MAX_TASKS ? n_tasks - first : MAX_TASKS;
        run_job(first, count, n_workers, run, context);
    }
    atomic_flag_clear(&pool.in_use);
    return true;
}

void bn_parallel_for(int64_t n_tasks, int n_workers, bn_task run, void *context)
{
    /* one worker or one task: run here without the call (a tiny network's step asks for
     * a few such jobs every batch) */
    if (n_workers >= 2 && n_tasks >= 2 &&
        bn_parallel_for_shared(n_tasks, n_workers, run, context))
        return;
    for (int64_t t = 0; t < n_tasks; t++)
        run(context, t, 0);
}

int bn_max_threads(void)
{
#ifdef _OPENMP
    return bn_threads_within(omp_get_max_threads(), bn_usable_cpus());
#else
    return 1;
#endif
}

void bn_set_max_threads(int n_threads)
{
#ifdef _OPENMP
    if (n_threads >= 1)
        omp_set_num_threads(n_threads);
#else
    (void)n_threads;
#endif
}

/* A forked child has only the thread that forked: it starts its own pool threads if it
 * needs them, with fresh locks (another thread may have held them at the fork). */
static void reset_in_child(void)
{
    pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.job_posted, NULL);
    pthread_cond_init(&pool.job_done, NULL);
    pool.n_threads = 0;
    atomic_store(&pool.workers_sleeping, 0);
    atomic_store(&pool.caller_sleeping, 0);
    atomic_flag_clear(&pool.in_use);
    bn_core_distance_reset_in_child();
    bn_usable_cpus_reset_in_child();
}

__attribute__((constructor)) static void register_fork_handler(void)
{
    fork_safe = pthread_atfork(NULL, NULL, reset_in_child) == 0;
}
