/* Every tunable of the C core in one place: the sizes and thresholds chosen by measurement.
 * One line each on why; the measurements behind each (machine, command, figures) are in
 * csrc/TUNING.md, under the section named after it. A value changed here is re-measured
 * there. What the kernels assume of these is asserted at compile time next to the code
 * that relies on it. The cache blocks depend on the precision a source is compiled for
 * (BN_FLOAT, real.h). Internal to the C core. */
#ifndef BN_TUNING_H
#define BN_TUNING_H

/* ---- the matrix product's cache blocks (gemm/) -----------------------------------------
 * KC x NR panel of B in L1, MC x KC block of A in L2, KC x NC block of B in L3; sized from
 * Zen 4's caches, not yet tuned. TUNING.md: "GEMM_KC, GEMM_MC, GEMM_NC". */
#ifdef BN_FLOAT
#define GEMM_KC 384      /* a 384 x 32 float panel of B is 48 KiB, streamed from L2 */
#define GEMM_MC 192      /* a 192 x 384 float block of A is 288 KiB */
#else
#define GEMM_KC 256      /* a 256 x 16 double panel of B is 32 KiB */
#define GEMM_MC 144      /* a 144 x 256 double block of A is 288 KiB */
#endif
#define GEMM_NC 3072     /* a KC x 3072 block of B is 4.5 MiB (float) or 6 MiB (double) */

/* Fewer NR-column panels of B than this reuse a packed A too little to repay packing it:
 * A is read in place. TUNING.md: "GEMM_PACK_A_MIN_PANELS". */
#define GEMM_PACK_A_MIN_PANELS 3

/* A small A (while in cache, packing it is pure cost) with contiguous columns or rows closer
 * than this is read in place; rows 4 KiB apart share an L1 set, a larger A streams from
 * memory. TUNING.md: "GEMM_A_IN_PLACE_ROW_BYTES, GEMM_A_IN_PLACE_BYTES". */
#define GEMM_A_IN_PLACE_ROW_BYTES 4096
#define GEMM_A_IN_PLACE_BYTES (512 * 1024)

/* What packing an operand of more than GEMM_PACK_RUN_MIN_BYTES (one that streams from
 * memory) costs for each run of a contiguous column it reads, beyond the copy, in the
 * plan's cycles (one a vector multiply-add): the line no prefetcher fetched yet. Short runs
 * (A~ takes MC rows of a column) make a plan that packs the weights as A dearer.
 * TUNING.md: "GEMM_PACK_RUN_CYCLES, GEMM_PACK_RUN_MIN_BYTES". */
#define GEMM_PACK_RUN_CYCLES 200
#define GEMM_PACK_RUN_MIN_BYTES (512 * 1024)

/* ---- the matrix product's threads (gemm/, network/dense.c) -------------------------------
 * FLOPs (2 m n k) a product needs per thread it uses: a second thread pays from 1 MFLOP.
 * TUNING.md: "GEMM_FLOPS_PER_THREAD". */
#define GEMM_FLOPS_PER_THREAD 500000

/* Pieces of work a product makes per thread, so that a thread slowed by other programs on
 * its core hands its share to the others. TUNING.md: "PIECES_PER_THREAD". */
#define PIECES_PER_THREAD 4

/* A layer's two backward products (2 m n k each) run side by side, each whole on a thread,
 * up to this size; larger ones are shared out. TUNING.md: "DENSE_OVERLAP_FLOPS". */
#define DENSE_OVERLAP_FLOPS 4e6
/* ... and from this size: below it, handing a task over costs more than the task.
 * TUNING.md: "DENSE_OVERLAP_MIN_FLOPS". */
#define DENSE_OVERLAP_MIN_FLOPS 1e5

/* ---- the network's passes over its flat buffers (network/) -------------------------------
 * parameters per task of the gradient's finishing and the optimizer step: W2's steps are
 * shared out, W1's stay on one thread. TUNING.md: "CHUNK". */
#define CHUNK 32768
/* partial norms the finishing pass keeps on its stack; beyond, chunks grow.
 * TUNING.md: "MAX_FINISH_CHUNKS". */
#define MAX_FINISH_CHUNKS 256

/* layers up to which a predict keeps a chunk's per-layer views on the stack (7 pointers a
 * layer: 448 bytes at 8); deeper networks allocate them. TUNING.md: "PREDICT_STACK_LAYERS". */
#define PREDICT_STACK_LAYERS 8

/* ---- threads (runtime/) ------------------------------------------------------------------
 * How long a pool thread spins (yielding the core each turn) before it sleeps: long enough
 * to catch a training loop's next product. TUNING.md: "SPIN_NANOSECONDS". */
#define SPIN_NANOSECONDS 200000

/* The cores are far apart above this round trip of a cache line (between the near state's
 * 50-70 ns and the far state's 320-340 ns; BENDERNET_FAR_ROUND_TRIP_NS overrides it),
 * measured again when RECHECK_NANOSECONDS old, a partner awaited at most
 * PARTNER_WAIT_NANOSECONDS (core_distance.c). TUNING.md: "FAR_ROUND_TRIP_NANOSECONDS,
 * RECHECK_NANOSECONDS, PARTNER_WAIT_NANOSECONDS". */
#define FAR_ROUND_TRIP_NANOSECONDS 150
#define RECHECK_NANOSECONDS 50000000
#define PARTNER_WAIT_NANOSECONDS 200000

#endif
