/* Every tunable of the C core in one place: the sizes and thresholds chosen by measurement.
 * The measurements behind each (machine, command, figures) are in csrc/TUNING.md; a value
 * changed here is re-measured there. What the kernels assume of these is asserted at compile
 * time (gemm_blocking.h). The cache blocks depend on the precision a source is compiled
 * for (BN_FLOAT, real.h). Internal to the C core. */
#ifndef BN_TUNING_H
#define BN_TUNING_H

/* ---- the matrix product's cache blocks (gemm/) ------------------------------------------
 * MC is a multiple of every MR and NC of every NR, so blocks hold whole micro-panels. */
#ifdef BN_FLOAT
#define GEMM_KC 384      /* L1: a 384 x 32 float panel of B is 48 KiB, streamed from L2 */
#define GEMM_MC 192      /* L2: a 192 x 384 float block of A is 288 KiB */
#else
#define GEMM_KC 256      /* L1: a 256 x 16 double panel of B is 32 KiB */
#define GEMM_MC 144      /* L2: a 144 x 256 double block of A is 288 KiB */
#endif
#define GEMM_NC 3072     /* L3: a KC x 3072 block of B is 4.5 MiB (float) or 6 MiB (double) */

/* A is read in place, unpacked, by products with fewer NR-column panels of B than this:
 * too few reuse a packed copy of A to repay making it. */
#define GEMM_PACK_A_MIN_PANELS 3

/* ... and when it is small, with contiguous columns, or contiguous rows fewer bytes apart
 * than this: an MLP's layer inputs and their transposes. The micro-kernel loads the same
 * values either way, so while A is in cache the copy is pure cost. A 4 KiB stride would put
 * a tile's MR rows in one L1 set. The limit on A's size keeps it in L2, where the threads'
 * pieces (groups of columns, gemm_packed.c) each read all of it; larger, A likely streams from
 * memory, which the packing's sequential copy does better. Measured on one thread against
 * packing A: 128x784 @ 784x256 (f32, rows 3136 bytes apart) 559 -> 504 us, 200x64 @ 64x100
 * and 128x256 @ 256x128 3-6% faster; 1024^3 f32 (rows 4096 bytes apart) 38% slower; the
 * W1 model's predict_proba on 100,000 rows (2048-row chunks of 1 MiB) 4% slower. */
#define GEMM_A_IN_PLACE_ROW_BYTES 4096
#define GEMM_A_IN_PLACE_BYTES (512 * 1024)

/* ---- the matrix product's threads (gemm/, network/dense.c) ------------------------------
 * Floating-point operations (2 m n k) a product must have for each thread it uses: so a
 * product takes a second thread from 1 MFLOP, where one starts to pay on a quiet machine.
 * Measured with ops.matmul, two threads against one: 0.99-1.11x from 0.5 to 0.8 MFLOP,
 * 1.15-1.37x at 1.0, 1.4-1.6x from 2 up. Whole fits gained against 4 MFLOP per thread
 * (which kept W1 and W5 on one core): W1 8-11% faster, W5 10-15%; W1 with the other core
 * kept busy took the same time (39 ms, median of 5), as the pool's caller never waits for
 * a piece nobody has started. Under OpenMP's barriers, 4 MFLOP had been the safe choice.
 * While the cores are far apart, a fit's products keep to one thread (core_distance.c). */
#define GEMM_FLOPS_PER_THREAD 500000

/* A layer's backward pass has two products of the same size, the gradients of its weights
 * and of its input, which need nothing of each other. Up to this size (2 m n k) each runs
 * whole on a thread of its own, side by side, instead of one after the other each shared
 * out (dense.c); larger ones keep their pieces, which a thread slowed by another program
 * hands on. Measured on fits, fresh processes alternating with the sequential build
 * (median of 3): W1 f64 294 -> 279 ms and f32 194 -> 188 ms (its output layer's 0.4 MFLOP
 * products), W2 and W5 within noise; sharing every layer's pair this way made W2 slower
 * (931 -> 958 ms). W1 (20 epochs) with the other core kept busy: 39.0-39.8 ms either way. */
#define DENSE_OVERLAP_FLOPS 4e6
/* ... and from this size: below it, handing a task to the other thread costs more than
 * the task. XOR (W3) layers' products, of a few FLOPs, took 11.1 -> 17.2 ms a fit side by
 * side; W1's 0.4 MFLOP ones gain. */
#define DENSE_OVERLAP_MIN_FLOPS 1e5

/* ---- the network's passes over its flat buffers (network/) ---------------------------
 * parameters per task of the threaded passes over the flat buffers: the gradient's
 * finishing and the optimizer step */
#define CHUNK 32768
/* the finishing pass keeps one partial norm per chunk: at most this many, on its stack */
#define MAX_FINISH_CHUNKS 256

/* ---- threads (runtime/) ----------------------------------------------------------------
 * How long a pool thread spins before it sleeps: long enough to catch the next product of a
 * training loop. Each turn of the spin yields the core, so a spinning thread never keeps
 * a thread that shares its core from running. Measured with the process pinned to one
 * core and W1's products (f32) given two threads: 471 ms a fit spinning on pause, 245 ms
 * yielding, 240-248 ms on one thread. */
#define SPIN_NANOSECONDS 200000

/* The cores are far apart when a cache line's round trip between them takes longer than
 * this (BENDERNET_FAR_ROUND_TRIP_NS overrides it); it is measured again when the last
 * measurement is RECHECK_NANOSECONDS old, and a partner thread is awaited at most
 * PARTNER_WAIT_NANOSECONDS (core_distance.c). */
#define FAR_ROUND_TRIP_NANOSECONDS 150
#define RECHECK_NANOSECONDS 50000000
#define PARTNER_WAIT_NANOSECONDS 200000

#endif
