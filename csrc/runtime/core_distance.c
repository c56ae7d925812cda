/* Whether a second thread pays, given how far apart the pool's cores are right now.
 *
 * A virtual machine's host may place its vCPUs on cores far apart. A product split over two
 * threads moves operands and results between the cores, and in the far state fits on two
 * threads lost to fits on one; a lone product still gains from a second thread there, and
 * so do predict's chunks, which share nothing. So only chains of steps (pool.h), a fit's,
 * keep to one thread while the cores are far apart. The figures are in csrc/TUNING.md
 * ("FAR_ROUND_TRIP_NANOSECONDS, ...").
 *
 * The check: the caller and a pool thread bounce a cache line ROUNDS times. It runs when
 * the last one is RECHECK_NANOSECONDS old and the pool is free, costs a few microseconds
 * (up to PARTNER_WAIT_NANOSECONDS while a sleeping pool thread wakes), and a check that
 * finds no partner in time (the other core busy) keeps the last answer.
 *
 * What the answers mean is decided apart from measuring them, by two functions of their
 * inputs alone (bn_far_apart_after, bn_threads_for_product in pool.h), so that tests can
 * feed them any measurement; BENDERNET_CORE_ROUND_TRIP_NS fixes the measurement itself,
 * for tests of the whole path that must not depend on the machine's load. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "bendernet.h"
#include "tuning.h"
#include "clock.h"
#include "pool.h"

#define ROUNDS 16

enum { WAITING, PLAYING, ABANDONED };

typedef struct {
    _Atomic int64_t ball;       /* 2i + 1: served for round i; 2i + 2: returned */
    _Atomic int state;
    int64_t round_trip;         /* nanoseconds; -1: no answer */
} rally;

static _Atomic int64_t checked_at;      /* when last checked, CLOCK_MONOTONIC */
static _Atomic bool far_apart;          /* what the last answer said */
static atomic_flag checking = ATOMIC_FLAG_INIT;

/* Task 1 returns the ball, if it comes before the server gives up waiting for it */
static void return_ball(rally *r)
{
    int waiting = WAITING;
    if (!atomic_compare_exchange_strong(&r->state, &waiting, PLAYING))
        return;                 /* too late, or the server's own thread took this task */
    for (int64_t i = 0; i < ROUNDS; i++) {
        while (atomic_load(&r->ball) != 2 * i + 1)
            if (atomic_load(&r->state) == ABANDONED)
                return;
        atomic_store(&r->ball, 2 * i + 2);
    }
}

/* Task 0 serves: waits for a partner, then times ROUNDS round trips. It gives up, and
 * says so in state, when the partner is late to come or to return the ball (its thread
 * lost its core). */
static void serve(rally *r)
{
    int64_t deadline = bn_now_nanoseconds() + PARTNER_WAIT_NANOSECONDS;
    while (atomic_load(&r->state) == WAITING && bn_now_nanoseconds() < deadline)
        continue;
    int waiting = WAITING;
    if (atomic_compare_exchange_strong(&r->state, &waiting, ABANDONED))
        return;
    int64_t start = bn_now_nanoseconds();
    for (int64_t i = 0; i < ROUNDS; i++) {
        atomic_store(&r->ball, 2 * i + 1);
        for (int spins = 1; atomic_load(&r->ball) != 2 * i + 2; spins++)
            if (spins % 64 == 0 && bn_now_nanoseconds() > deadline) {
                atomic_store(&r->state, ABANDONED);
                return;
            }
    }
    r->round_trip = (bn_now_nanoseconds() - start) / ROUNDS;
}

static void play(void *context, int64_t task, int worker)
{
    (void)worker;
    if (task == 0)
        serve(context);
    else
        return_ball(context);
}

/* A count of nanoseconds from the environment variable name; fallback when it is unset or
 * not a whole number >= 0 */
static int64_t nanoseconds_from_environment(const char *name, int64_t fallback)
{
    const char *text = getenv(name);
    char *end = NULL;
    long long parsed = text ? strtoll(text, &end, 10) : -1;
    return end && end != text && *end == 0 && parsed >= 0 ? parsed : fallback;
}

/* Round trips above this many nanoseconds mean far apart: FAR_ROUND_TRIP_NANOSECONDS, or
 * the environment's BENDERNET_FAR_ROUND_TRIP_NS (a huge value keeps two threads always) */
static int64_t far_round_trip(void)
{
    static _Atomic int64_t limit = -1;
    int64_t value = atomic_load(&limit);
    if (value < 0) {
        value = nanoseconds_from_environment("BENDERNET_FAR_ROUND_TRIP_NS",
                                             FAR_ROUND_TRIP_NANOSECONDS);
        atomic_store(&limit, value);
    }
    return value;
}

/* The environment's BENDERNET_CORE_ROUND_TRIP_NS, taken in place of every measurement so
 * that a test can fix what the decision sees, whatever the machine's load; -1 when unset */
static int64_t fixed_round_trip(void)
{
    static _Atomic int64_t fixed = -2;      /* -2: not read yet */
    int64_t value = atomic_load(&fixed);
    if (value == -2) {
        value = nanoseconds_from_environment("BENDERNET_CORE_ROUND_TRIP_NS", -1);
        atomic_store(&fixed, value);
    }
    return value;
}

bool bn_far_apart_after(bool was_far_apart, int64_t round_trip, int64_t limit)
{
    return round_trip < 0 ? was_far_apart : round_trip > limit;
}

int bn_threads_for_product(int wanted, bool in_chain, bool far_apart)
{
    return wanted >= 2 && in_chain && far_apart ? 1 : wanted;
}

/* The round trip now (fixed, or measured if the pool is free and has a thread), and what
 * it means recorded; returns it, or -1 without an answer */
static int64_t check(void)
{
    int64_t round_trip = fixed_round_trip();
    if (round_trip < 0) {
        rally r = {.ball = 0, .state = WAITING, .round_trip = -1};
        round_trip = bn_parallel_for_shared(2, 2, play, &r) ? r.round_trip : -1;
    }
    atomic_store(&far_apart, bn_far_apart_after(atomic_load(&far_apart), round_trip,
                                                far_round_trip()));
    return round_trip;
}

static _Thread_local int chain_depth;

void bn_chain_begin(void)
{
    chain_depth++;
}

void bn_chain_end(void)
{
    chain_depth--;
}

/* Checks the distance again if the last check is RECHECK_NANOSECONDS old and no other
 * check runs */
static void check_if_due(void)
{
    int64_t now = bn_now_nanoseconds();
    if (now - atomic_load(&checked_at) > RECHECK_NANOSECONDS &&
        !atomic_flag_test_and_set(&checking)) {
        check();
        /* also without an answer: a busy pool is asked again only after the interval */
        atomic_store(&checked_at, now);
        atomic_flag_clear(&checking);
    }
}

int bn_threads_worth_using(int wanted)
{
    /* One thread needs no decision, nor the chain's depth: every product of a tiny
     * network's step comes here, and a thread-local read in a shared library is a call
     * (__tls_get_addr), about 5 ns a product (issue 13: W3's step, 4 products) */
    if (wanted < 2)
        return wanted;
    bool in_chain = chain_depth > 0;
    if (in_chain)    /* only there can the distance change the answer */
        check_if_due();
    return bn_threads_for_product(wanted, in_chain, atomic_load(&far_apart));
}

int64_t bn_core_round_trip(void)
{
    if (bn_max_threads() < 2 || atomic_flag_test_and_set(&checking))
        return -1;
    int64_t round_trip = check();
    atomic_store(&checked_at, bn_now_nanoseconds());
    atomic_flag_clear(&checking);
    return round_trip;
}

void bn_core_distance_reset_in_child(void)
{
    atomic_flag_clear(&checking);
}
