/* The C core's worker threads (pool.c). Internal. */
#ifndef BN_POOL_H
#define BN_POOL_H
#include <stdbool.h>
#include <stdint.h>

/* One task of a parallel loop: task is its index, worker the thread running it (0 is the
 * caller, 1 .. n_workers-1 the pool's threads), so a task can pick per-worker scratch. */
typedef void (*bn_task)(void *context, int64_t task, int worker);

/* Runs run(context, t, worker) once for every t in [0, n_tasks) and returns when all have
 * finished. The caller takes tasks itself, in order, and up to n_workers - 1 pool threads
 * take them too if they come: nobody waits for a thread that has not started a task. With
 * n_workers <= 1, or while another thread is using the pool, the caller runs them all. */
void bn_parallel_for(int64_t n_tasks, int n_workers, bn_task run, void *context);

/* The most workers a parallel loop runs on (more asked for are capped): per-worker state
 * sized by it holds every worker's */
#define BN_MAX_WORKERS 63

/* bn_parallel_for, the tasks dealt in n_workers runs of consecutive ones: worker w runs its
 * own run's tasks first, in order, then helps finish the others' (shares.c). Loops that
 * give the same tasks the same data time after time (the matrix product's slices, each
 * adding to the same pieces of C) keep each task's data on one core, while a worker kept
 * from its core still hands its tasks to the others. */
void bn_parallel_for_by_shares(int64_t n_tasks, int n_workers, bn_task run, void *context);

/* bn_parallel_for when the pool is free and has threads to share the tasks out; false,
 * having run nothing, when not */
bool bn_parallel_for_shared(int64_t n_tasks, int n_workers, bn_task run, void *context);

/* Work between bn_chain_begin() and bn_chain_end() on the calling thread is a chain of
 * steps, each reading what the last one wrote (a training step); calls may nest. */
void bn_chain_begin(void);
void bn_chain_end(void);

/* wanted; in a chain, 1 while the pool's threads run on cores far apart (core_distance.c) */
int bn_threads_worth_using(int wanted);

/* The decision bn_threads_worth_using makes, as functions of what it measured alone.
 * Whether the cores are far apart after a measured round_trip (nanoseconds): above limit
 * is far, -1 (no answer, or not measured) keeps was_far_apart. */
bool bn_far_apart_after(bool was_far_apart, int64_t round_trip, int64_t limit);
/* Threads for a product that wants `wanted`: 1 in a chain while far apart, else wanted
 * (a lone product still gains from a second thread on far cores) */
int bn_threads_for_product(int wanted, bool in_chain, bool far_apart);
/* In a child forked during a check of the cores' distance, lets it check again (called by
 * the pool's fork handler, which registers the runtime's one) */
void bn_core_distance_reset_in_child(void);

/* The CPUs the process may run on (its affinity mask; the online CPUs where the system
 * cannot say), counted when first asked (usable_cpus.c) */
int bn_usable_cpus(void);
/* Threads to use under a limit (OpenMP's) on `usable` CPUs: the limit, but never more
 * than the CPUs; usable below 1 (unknown) caps nothing */
int bn_threads_within(int limit, int usable);
/* In a forked child, which may be pinned apart from its parent: count again when asked */
void bn_usable_cpus_reset_in_child(void);

#endif
