/* One source, two precisions.
 *
 * Every kernel file is compiled twice: once with BN_FLOAT defined (float, symbols suffixed
 * _f32) and once without (double, _f64). Sources write `real` for the element type and
 * BN(bn_name) for an exported name, so `grep bn_gemm` still finds every use.
 *
 * This header may be included more than once; each inclusion re-selects the precision:
 * bendernet.h declares both by setting BN_DECLARING_F32 or _F64 around its inclusions. */
#undef real
#undef BN
#if defined(BN_DECLARING_F32) || (defined(BN_FLOAT) && !defined(BN_DECLARING_F64))
#define real float
#define BN(name) name##_f32
#else
#define real double
#define BN(name) name##_f64
#endif
