/* The register blocks of the micro-kernels; the cache blocks and thresholds are tunables, in
 * csrc/tuning.h. Include after real.h: the sizes depend on the precision.
 *
 *   register block  MR x NR   a tile of C held in registers for the whole k loop
 *   L1              KC x NR   one packed micro-panel of B, reused by every MR-row tile
 *   L2              MC x KC   the packed block of A, reused by every NR-column panel
 *   L3              KC x NC   the packed block of B, shared by all threads
 *
 * Sized for a 2-core AMD EPYC (Zen 4: 32 KiB L1d and 1 MiB L2 per core, 32 MiB L3); the
 * cache blocks are first estimates, not yet tuned by measurement. */
#ifndef BN_GEMM_BLOCKING_H
#define BN_GEMM_BLOCKING_H

/* ---- register blocks, one per micro-kernel ---------------------------------------------
 * Each tile keeps MR x NR/lanes accumulators plus the NR/lanes vectors of one B row and a
 * broadcast of A in the vector registers, so none spills. */
#if defined(__aarch64__)
#define PORTABLE_MR 8                    /* 8 x 2 accumulators of NEON's 32 registers */
#else
#define PORTABLE_MR 4                    /* 4 x 2 accumulators of SSE2's 16 registers */
#endif
#define PORTABLE_NR (2 * 16 / (int)sizeof(real))   /* two 16-byte vectors */
#define AVX2_MR 6                        /* 6 x 2 ymm accumulators of the 16 ymm registers */
#define AVX2_NR (2 * 32 / (int)sizeof(real))
#define AVX512_MR 12                     /* 12 x 2 zmm accumulators of the 32 zmm registers */
#define AVX512_NR (2 * 64 / (int)sizeof(real))

/* the largest of any kernel: sizes the scratch tile for edges and the packing's row list */
#define MAX_MR 12
#define MAX_NR 32
#define MAX_PANEL_WIDTH 32   /* the larger of MAX_MR and MAX_NR */
_Static_assert(PORTABLE_MR <= MAX_MR && AVX2_MR <= MAX_MR && AVX512_MR <= MAX_MR,
               "MAX_MR is at least every kernel's MR: the scratch tiles hold MR rows");
_Static_assert(PORTABLE_NR <= MAX_NR && AVX2_NR <= MAX_NR && AVX512_NR <= MAX_NR,
               "MAX_NR is at least every kernel's NR: the scratch tiles hold NR columns");
_Static_assert(MAX_MR <= MAX_PANEL_WIDTH && MAX_NR <= MAX_PANEL_WIDTH,
               "a packed panel is MR (of A) or NR (of B) wide: at most MAX_PANEL_WIDTH");

/* x is a whole number of every kernel's MR, or NR: for cache blocks of whole micro-panels */
#define WHOLE_MR_PANELS(x) \
    ((x) % PORTABLE_MR == 0 && (x) % AVX2_MR == 0 && (x) % AVX512_MR == 0)
#define WHOLE_NR_PANELS(x) \
    ((x) % PORTABLE_NR == 0 && (x) % AVX2_NR == 0 && (x) % AVX512_NR == 0)

#endif
