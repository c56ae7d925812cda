/* BN_VECTOR_CLONES: compile an element-wise loop for AVX-512 and AVX2 as well as the
 * baseline x86-64, the best the CPU runs chosen when the library loads (function
 * multi-versioning), so one wheel vectorises wide everywhere. Elsewhere (ARM, non-ELF
 * targets) the loop is compiled once for the target. flatten pulls the file's static
 * helpers into each version. Results do not depend on the version: no FMA contraction
 * (-ffp-contract=off) and no reassociation, so every lane rounds as the scalar code does. */
#ifndef BN_VECTOR_CLONES_H
#define BN_VECTOR_CLONES_H

#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) && !defined(BN_NO_CLONES)
#define BN_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), flatten))
#else
#define BN_VECTOR_CLONES
#endif

#endif
