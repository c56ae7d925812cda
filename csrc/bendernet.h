/* bendernet: the C core of a small multi-layer perceptron library.
 *
 * Size letters used in every shape comment:
 *   m  rows of a mini-batch (samples)        k  inputs of a layer (fan-in)
 *   n  outputs of a layer (fan-out)          L  number of weight layers
 *   N  elements of a flat buffer
 * Matrices are row-major unless strides say otherwise.
 *
 * Every function exists as _f32 (float) and _f64 (double); see real.h. Functions that can
 * fail return 0 on success or a negative BN_E* code; they never print or exit. */
#ifndef BENDERNET_H
#define BENDERNET_H

#include <stddef.h>
#include <stdint.h>

enum bn_status {
    BN_OK = 0,
    BN_EINVAL = -1,   /* a size, stride or enum value out of range */
    BN_ENOMEM = -2,   /* an allocation failed */
    BN_ENONFINITE = -3,   /* predict, asked to check: the input holds a NaN or an infinity */
};

/* Hidden-layer activations, in the order of bendernet.activations.NAMES. */
enum bn_activation {
    BN_IDENTITY, BN_STEP, BN_LOGISTIC, BN_TANH, BN_ARCTAN,
    BN_RELU, BN_PRELU, BN_ELU, BN_SOFTPLUS,
    BN_N_ACTIVATIONS
};

/* Output layers, each paired with the loss whose delta is simply y_pred - y. */
enum bn_output {
    BN_OUT_IDENTITY,   /* squared error       (regression)                   */
    BN_OUT_LOGISTIC,   /* binary log-loss     (binary and multilabel)        */
    BN_OUT_SOFTMAX,    /* categorical log-loss (multiclass)                  */
    BN_OUT_EXP,        /* Poisson deviance    (count regression)             */
    BN_N_OUTPUTS
};

/* The optimizers, one per line of network/optimizers.def (BN_SGD, BN_ADAM, ...). Every
 * inclusion of that list defines the four macros it uses and undefines them after. */
enum bn_solver {
#define BN_OPTIMIZER(name, CODE, HYPER, STATE) CODE,
#define BN_HYPER(field)
#define BN_BUFFER(field)
#define BN_COUNTER(field)
#include "network/optimizers.def"
#undef BN_OPTIMIZER
    BN_N_OPTIMIZERS
};
/* "sgd", "adam", ...: the name of each enum bn_solver, as the estimators' `solver` */
extern const char *const bn_optimizer_names[BN_N_OPTIMIZERS];

/* Each optimizer's hyper-parameters, bn_<name>_hyper (bn_sgd_hyper, bn_adam_hyper, ...):
 * its BN_HYPER fields, doubles. */
#undef BN_HYPER
#define BN_HYPER(field) double field;
#define BN_OPTIMIZER(name, CODE, HYPER, STATE) typedef struct { HYPER } bn_##name##_hyper;
#include "network/optimizers.def"
#undef BN_OPTIMIZER
typedef union {
#define BN_OPTIMIZER(name, CODE, HYPER, STATE) bn_##name##_hyper name;
#include "network/optimizers.def"
#undef BN_OPTIMIZER
} bn_hyper;
#undef BN_HYPER
#undef BN_BUFFER
#undef BN_COUNTER

/* A field of an optimizer's structs, so that the binding fills them by name */
enum bn_field_kind { BN_FIELD_HYPER, BN_FIELD_BUFFER, BN_FIELD_COUNTER };
typedef struct {
    const char *name;        /* NULL after the last field */
    int kind;                /* enum bn_field_kind */
    size_t offset;           /* in bn_<name>_hyper, or in bn_<name>_state_f32 and _f64 alike */
} bn_field;
/* The fields of optimizer `solver` (enum bn_solver) in the order of optimizers.def,
 * hyper-parameters first; NULL for an unknown solver */
const bn_field *bn_optimizer_fields(int solver);

/* The shape of a network: units[0] inputs, units[1..L-1] hidden, units[L] outputs. Any
 * depth: the C core sizes what it keeps per layer by L. */
typedef struct {
    int64_t n_layers;        /* L, the number of weight layers */
    const int64_t *units;    /* units[0..L] */
    const int *activations;  /* activations[0..L-2]: each hidden layer's enum bn_activation
                              * (NULL when L == 1) */
    int output;              /* enum bn_output */
    double l2;               /* alpha: 0.5*alpha*sum(W^2), divided by the batch weight sum */
} bn_net;

/* The input of a layer: a dense matrix with a row stride, or a CSR matrix. values points to
 * reals of the precision of the function it is passed to. */
typedef struct {
    const void *values;      /* dense: X[i,p] = values[i*row_stride + p]; CSR: nonzeros */
    ptrdiff_t row_stride;    /* dense only */
    const int64_t *indptr;   /* CSR only, NULL when dense: row i is [indptr[i], indptr[i+1]) */
    const int64_t *indices;  /* CSR only: the column of each nonzero */
    int64_t n_rows, n_cols;
} bn_rows;

/* BN_OK when every rows[i] (i < m) lies in [0, n_rows): an index is checked before use. */
int bn_index_check(const int64_t *rows, int64_t m, int64_t n_rows);

/* The register micro-kernel the matrix product runs: "portable", "avx2" or "avx512". The
 * best the CPU runs is chosen on first use, unless BENDERNET_GEMM_KERNEL names another it
 * runs. The choice changes results only by rounding. */
const char *bn_gemm_kernel_name(void);
/* 1 when this CPU runs the micro-kernel called name, else 0 */
int bn_gemm_kernel_available(const char *name);
/* Run the micro-kernel called name from now on (NULL: the default choice again); BN_EINVAL
 * when it is unknown or this CPU cannot run it. Not to be called during a product. */
int bn_gemm_select_kernel(const char *name);

/* Threads the matrix product and predict may use: OpenMP's limit for the calling thread
 * (OMP_NUM_THREADS, or threadpoolctl's), but at most the CPUs the process may run on (its
 * affinity mask, counted once: runtime/usable_cpus.c); 1 without OpenMP */
int bn_max_threads(void);
/* Sets OpenMP's limit for the calling thread, as omp_set_num_threads does (which it calls);
 * below 1, or without OpenMP, it does nothing. A limit above the CPUs gives the CPUs. threadpoolctl calls it
 * (src/bendernet/_threadpool.py). */
void bn_set_max_threads(int n_threads);
/* Measures now the round trip of a cache line between the calling thread's core and a pool
 * thread's, in nanoseconds (-1: no second thread, the pool busy, or no answer in time).
 * A fit's products use one thread while it is above BENDERNET_FAR_ROUND_TRIP_NS (default
 * 150); the library checks by itself at most every 50 ms (core_distance.c).
 * BENDERNET_CORE_ROUND_TRIP_NS, when set, is the answer in place of every measurement. */
int64_t bn_core_round_trip(void);
/* *flops_per_second = the sustained rate of fused multiply-adds (2 FLOPs each) in float32
 * (is_double 0) or float64, the widest vectors this CPU runs, `threads` threads of the pool
 * each running its own chains for `seconds` (0 < seconds <= 60; 1 <= threads <= 1024, else
 * BN_EINVAL): the peak the benchmark sets the products' GFLOP/s against (runtime/peak.c). */
int bn_fma_peak(double *flops_per_second, int is_double, int threads, double seconds);

/* Out of memory, for tests (runtime/alloc.c): every allocation of the C core is counted.
 * From now on the n-th allocation fails as if memory had run out (n <= 0: none does), the
 * count starting again; BENDERNET_FAIL_ALLOC_AT=n, read when the library loads, does the
 * same. A failure surfaces as BN_ENOMEM. */
void bn_alloc_fail_at(int64_t n);
/* allocations since bn_alloc_fail_at was last called, or the library loaded */
int64_t bn_alloc_made(void);
/* allocations not freed yet */
int64_t bn_alloc_live(void);

#define BN_DECLARING_F32
#include "real.h"
#include "bn_api.h"
#undef BN_DECLARING_F32
#define BN_DECLARING_F64
#include "real.h"
#include "bn_api.h"
#undef BN_DECLARING_F64
/* Leave no `real` behind for the code that includes us (Cython's output uses `.real`). */
#undef real
#undef BN

#endif
