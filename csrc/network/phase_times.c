/* The phase clock's counters (phase_times.h), compiled once for both precisions. Two
 * threads may lap at once (a layer's two backward products): the additions are atomic. */
#include "bendernet.h"
#include "network/phase_times.h"

#ifdef BN_PHASE_TIMES
static int64_t nanoseconds[BN_N_PHASES][BN_PHASE_LAYERS];
static int64_t calls[BN_N_PHASES][BN_PHASE_LAYERS];
static int64_t current_layer;

void bn_phase_layer(int64_t layer)
{
    __atomic_store_n(&current_layer, layer < BN_PHASE_LAYERS ? layer : BN_PHASE_LAYERS - 1,
                     __ATOMIC_RELAXED);
}

int64_t bn_phase_lap(int phase, int64_t since)
{
    int64_t now = bn_now_nanoseconds();
    /* the phases of a whole step, not of a layer, count as layer 0 */
    int per_layer = phase == BN_PHASE_FORWARD || phase == BN_PHASE_BACKWARD ||
                    phase == BN_PHASE_WEIGHT_PRODUCT || phase == BN_PHASE_BIAS_SUMS ||
                    phase == BN_PHASE_DELTA_PRODUCT || phase == BN_PHASE_ACTIVATION;
    int64_t layer = per_layer ? __atomic_load_n(&current_layer, __ATOMIC_RELAXED) : 0;
    __atomic_fetch_add(&nanoseconds[phase][layer], now - since, __ATOMIC_RELAXED);
    __atomic_fetch_add(&calls[phase][layer], 1, __ATOMIC_RELAXED);
    return now;
}

/* out[2][BN_N_PHASES][BN_PHASE_LAYERS] = the nanoseconds, then the calls; then zeroed.
 * Read through ctypes by bench/phases.py, which alone calls it, between fits. Returns the
 * number of values written, or -1 when out holds too few. */
int64_t bn_phase_times_take(int64_t *out, int64_t length)
{
    int64_t per = (int64_t)BN_N_PHASES * BN_PHASE_LAYERS;
    if (length < 2 * per)
        return -1;
    for (int p = 0; p < BN_N_PHASES; p++)
        for (int l = 0; l < BN_PHASE_LAYERS; l++) {
            out[p * BN_PHASE_LAYERS + l] = __atomic_exchange_n(&nanoseconds[p][l], 0,
                                                               __ATOMIC_RELAXED);
            out[per + p * BN_PHASE_LAYERS + l] = __atomic_exchange_n(&calls[p][l], 0,
                                                                     __ATOMIC_RELAXED);
        }
    return 2 * per;
}
#endif
