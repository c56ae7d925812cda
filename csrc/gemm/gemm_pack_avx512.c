/* The packing's copies (gemm_pack.c) with AVX-512, used when its micro-kernel runs.
 * Rows: a block of rows' next values becomes columns of the panel through register
 * shuffles (8 x 8 doubles in 24, 16 x 16 floats in 64), where the scalar copy spends a
 * load and a store on every value. Contiguous columns: a masked vector copy per column
 * that also writes the zero padding. Compiled with -mavx512f. */
#include <immintrin.h>
#include "real.h"
#include "gemm_pack.h"

#ifndef BN_FLOAT
#define LANES 8
typedef __m512d vec;
typedef __mmask8 lane_mask;
#define vec_loadu _mm512_loadu_pd
#define vec_zero _mm512_setzero_pd
#define vec_mask_storeu _mm512_mask_storeu_pd
#define vec_maskz_loadu _mm512_maskz_loadu_pd

/* column q of the 8 x 8 block whose rows are r: c[q][i] = r[i][q]. Within each 128-bit
 * lane, unpack pairs rows (0,1), (2,3), ...; then two rounds of lane shuffles gather a
 * column's four pairs. */
static inline void transpose(__m512d c[8], const __m512d r[8])
{
    __m512d t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm512_unpacklo_pd(r[i], r[i + 1]);       /* lanes: q = 0, 2, 4, 6 */
        t[i + 1] = _mm512_unpackhi_pd(r[i], r[i + 1]);   /* lanes: q = 1, 3, 5, 7 */
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm512_shuffle_f64x2(t[i], t[i + 2], 0x88);          /* q = 0, 4 */
        u[i + 1] = _mm512_shuffle_f64x2(t[i], t[i + 2], 0xDD);      /* q = 2, 6 */
        u[i + 2] = _mm512_shuffle_f64x2(t[i + 1], t[i + 3], 0x88);  /* q = 1, 5 */
        u[i + 3] = _mm512_shuffle_f64x2(t[i + 1], t[i + 3], 0xDD);  /* q = 3, 7 */
    }
    c[0] = _mm512_shuffle_f64x2(u[0], u[4], 0x88);
    c[4] = _mm512_shuffle_f64x2(u[0], u[4], 0xDD);
    c[2] = _mm512_shuffle_f64x2(u[1], u[5], 0x88);
    c[6] = _mm512_shuffle_f64x2(u[1], u[5], 0xDD);
    c[1] = _mm512_shuffle_f64x2(u[2], u[6], 0x88);
    c[5] = _mm512_shuffle_f64x2(u[2], u[6], 0xDD);
    c[3] = _mm512_shuffle_f64x2(u[3], u[7], 0x88);
    c[7] = _mm512_shuffle_f64x2(u[3], u[7], 0xDD);
}
#else
#define LANES 16
typedef __m512 vec;
typedef __mmask16 lane_mask;
#define vec_loadu _mm512_loadu_ps
#define vec_zero _mm512_setzero_ps
#define vec_mask_storeu _mm512_mask_storeu_ps
#define vec_maskz_loadu _mm512_maskz_loadu_ps

static inline __m512 unpack_lo64(__m512 a, __m512 b)
{
    return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
}

static inline __m512 unpack_hi64(__m512 a, __m512 b)
{
    return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
}

/* column q of the 16 x 16 block whose rows are r: c[q][i] = r[i][q]. Within each 128-bit
 * lane (columns 4j .. 4j+3), interleave rows in pairs, then in fours; then two rounds of
 * lane shuffles gather a column's four quarters. */
static inline void transpose(__m512 c[16], const __m512 r[16])
{
    __m512 t[16], s[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);       /* rows i, i+1; columns 4j, 4j+1 */
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);   /* columns 4j+2, 4j+3 */
    }
    for (int i = 0; i < 16; i += 4) {                    /* s[i + k]: rows i..i+3, column 4j+k */
        s[i] = unpack_lo64(t[i], t[i + 2]);
        s[i + 1] = unpack_hi64(t[i], t[i + 2]);
        s[i + 2] = unpack_lo64(t[i + 1], t[i + 3]);
        s[i + 3] = unpack_hi64(t[i + 1], t[i + 3]);
    }
    for (int k = 0; k < 4; k++) {
        __m512 v = _mm512_shuffle_f32x4(s[k], s[4 + k], 0x88);       /* rows 0-7: k, 8+k */
        __m512 v4 = _mm512_shuffle_f32x4(s[k], s[4 + k], 0xDD);      /* 4+k, 12+k */
        __m512 w = _mm512_shuffle_f32x4(s[8 + k], s[12 + k], 0x88);  /* rows 8-15 */
        __m512 w4 = _mm512_shuffle_f32x4(s[8 + k], s[12 + k], 0xDD);
        c[k] = _mm512_shuffle_f32x4(v, w, 0x88);
        c[8 + k] = _mm512_shuffle_f32x4(v, w, 0xDD);
        c[4 + k] = _mm512_shuffle_f32x4(v4, w4, 0x88);
        c[12 + k] = _mm512_shuffle_f32x4(v4, w4, 0xDD);
    }
}
#endif

_Static_assert(LANES * sizeof(real) == sizeof(vec), "LANES reals fill a zmm vector");
_Static_assert(LANES <= 8 * sizeof(lane_mask), "a mask has a bit for every lane");

int64_t BN(bn_pack_rows_avx512)(real *panel, const real *const *rows, int64_t valid,
                                int64_t width, int64_t kc)
{
    int64_t kc_whole = kc / LANES * LANES;
    for (int64_t g = 0; g < width; g += LANES) {
        int64_t lanes = width - g < LANES ? width - g : LANES;
        int64_t loaded = valid - g < 0 ? 0 : valid - g < LANES ? valid - g : LANES;
        lane_mask store = (lane_mask)((1u << lanes) - 1);
        for (int64_t p = 0; p < kc_whole; p += LANES) {
            vec r[LANES], c[LANES];
            for (int i = 0; i < LANES; i++)
                r[i] = i < loaded ? vec_loadu(rows[g + i] + p) : vec_zero();
            transpose(c, r);
            for (int q = 0; q < LANES; q++)
                vec_mask_storeu(panel + (p + q) * width + g, store, c[q]);
        }
    }
    return kc_whole;
}

void BN(bn_pack_columns_avx512)(real *panel, const real *first, ptrdiff_t cs,
                                const int64_t *cols, int64_t p0, int64_t valid,
                                int64_t width, int64_t kc)
{
    for (int64_t p = 0; p < kc; p++) {
        const real *column = first + (cols ? cols[p0 + p] : p0 + p) * cs;
        for (int64_t g = 0; g < width; g += LANES) {
            int64_t lanes = width - g < LANES ? width - g : LANES;
            int64_t loaded = valid - g < 0 ? 0 : valid - g < LANES ? valid - g : LANES;
            /* masked-off lanes are neither read (no fault past the matrix) nor kept; a
             * group wholly past the matrix's rows is not even pointed at */
            vec v = loaded > 0 ? vec_maskz_loadu((lane_mask)((1u << loaded) - 1), column + g)
                               : vec_zero();
            vec_mask_storeu(panel + p * width + g, (lane_mask)((1u << lanes) - 1), v);
        }
    }
}
