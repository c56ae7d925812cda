/* The run-time choice of the matrix product's micro-kernel (gemm_select.c). Internal. */
#ifndef BN_GEMM_SELECT_H
#define BN_GEMM_SELECT_H

/* The instruction sets a micro-kernel exists for, in the order of preference. */
enum bn_gemm_isa { BN_GEMM_PORTABLE, BN_GEMM_AVX2, BN_GEMM_AVX512, BN_GEMM_N_ISAS };

/* The kernel in use, chosen on first use from BENDERNET_GEMM_KERNEL or else the best one
 * the CPU runs. */
int bn_gemm_isa_selected(void);

#endif
