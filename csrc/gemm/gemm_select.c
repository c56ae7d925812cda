/* Which micro-kernel the matrix product uses: chosen once, on first use, from the
 * environment variable BENDERNET_GEMM_KERNEL (portable, avx2 or avx512) when it names a
 * kernel this CPU runs, else the best one it runs; tests may switch at run time.
 * Compiled once: the choice holds for both precisions. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "bendernet.h"
#include "gemm_select.h"

static const char *const isa_names[BN_GEMM_N_ISAS] = {"portable", "avx2", "avx512"};

/* the kernel in use, or -1 before the first product */
static atomic_int selected_isa = -1;

static int cpu_runs(int isa)
{
    switch (isa) {
    case BN_GEMM_PORTABLE:
        return 1;
#ifdef BN_X86_KERNELS
    /* __builtin_cpu_supports also checks that the OS saves the wider registers */
    case BN_GEMM_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case BN_GEMM_AVX512:
        /* the narrow-product kernel also uses masked xmm vectors (VL) and their FMA */
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("fma");
#endif
    default:
        return 0;
    }
}

/* the kernel called name if this CPU runs it, else -1 */
static int runnable_isa(const char *name)
{
    for (int isa = 0; isa < BN_GEMM_N_ISAS; isa++)
        if (name && strcmp(name, isa_names[isa]) == 0)
            return cpu_runs(isa) ? isa : -1;
    return -1;
}

static int default_isa(void)
{
    int isa = runnable_isa(getenv("BENDERNET_GEMM_KERNEL"));
    if (isa >= 0)
        return isa;
    for (isa = BN_GEMM_N_ISAS - 1; !cpu_runs(isa); isa--)
        continue;
    return isa;
}

int bn_gemm_isa_selected(void)
{
    int isa = atomic_load(&selected_isa);
    if (isa < 0) {
        /* threads racing here all compute the same choice */
        isa = default_isa();
        atomic_store(&selected_isa, isa);
    }
    return isa;
}

const char *bn_gemm_kernel_name(void)
{
    return isa_names[bn_gemm_isa_selected()];
}

int bn_gemm_kernel_available(const char *name)
{
    return runnable_isa(name) >= 0;
}

int bn_gemm_select_kernel(const char *name)
{
    int isa = name ? runnable_isa(name) : default_isa();
    if (isa < 0)
        return BN_EINVAL;
    atomic_store(&selected_isa, isa);
    return BN_OK;
}
