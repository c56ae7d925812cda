/* The optimizers' names and their fields' names and offsets, from optimizers.def, for the
 * binding. Compiled once: a state struct holds pointers only, so its offsets are the same
 * in both precisions (asserted below). */
#include <stddef.h>
#include "bendernet.h"

const char *const bn_optimizer_names[BN_N_OPTIMIZERS] = {
#define BN_HYPER(field)
#define BN_BUFFER(field)
#define BN_COUNTER(field)
#define BN_OPTIMIZER(name, CODE, HYPER, STATE) [CODE] = #name,
#include "network/optimizers.def"
#undef BN_OPTIMIZER
#undef BN_HYPER
#undef BN_BUFFER
#undef BN_COUNTER
};

/* Each case names its optimizer's structs hyper_type and state_type, which the field
 * macros read. */
#define BN_HYPER(field) {#field, BN_FIELD_HYPER, offsetof(hyper_type, field)},
#define BN_BUFFER(field) {#field, BN_FIELD_BUFFER, offsetof(state_type, field)},
#define BN_COUNTER(field) {#field, BN_FIELD_COUNTER, offsetof(state_type, field)},
#define BN_OPTIMIZER(name, CODE, HYPER, STATE)                                                 \
    case CODE: {                                                                           \
        typedef bn_##name##_hyper hyper_type;                                              \
        typedef bn_##name##_state_f64 state_type;                                          \
        _Static_assert(sizeof(bn_##name##_state_f32) == sizeof(state_type),                \
                       "a state struct holds pointers only");                             \
        static const bn_field fields[] = {HYPER STATE {NULL, 0, 0}};                       \
        return fields;                                                                     \
    }

const bn_field *bn_optimizer_fields(int solver)
{
    switch ((enum bn_solver)solver) {
#include "network/optimizers.def"
    case BN_N_OPTIMIZERS:
        break;
    }
    return NULL;
}
#undef BN_OPTIMIZER
#undef BN_HYPER
#undef BN_BUFFER
#undef BN_COUNTER
