// AVX2+FMA microkernels: 6×16 tiles in 12 ymm accumulators (16 registers in all). Full-width
// tiles use plain loads and stores; the column edge uses vmaskmov, slow on older AMD parts but
// only ever on the last panel.
#if defined(__x86_64__)
#include <immintrin.h>
#include "internal.h"

#define MR 6
#define NR 16
#define TARGET __attribute__((target("avx2,fma")))

static const int mask_table[16] = { -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0 };

/// Lanes j < n of an 8-float vector (n clamped to 0…8).
CK_INLINE TARGET __m256i lanes(int n) {
    n = n < 0 ? 0 : n > 8 ? 8 : n;
    return _mm256_loadu_si256((const __m256i *)(mask_table + 8 - n));
}

/// C rows = act(alpha·acc + beta·C + bias), columns < nr (`full`: nr is NR).
CK_INLINE TARGET void store(const int rows, const int full, __m256 *lo, __m256 *hi, float *c, size_t ldc,
                            float alpha, float beta, const float *bias, ck_activation act, int nr) {
    __m256i m0 = lanes(nr), m1 = lanes(nr - 8);
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    for (int i = 0; i < rows; i++) {
        float *row = c + (size_t)i * ldc;
        __m256 r0 = _mm256_mul_ps(lo[i], va), r1 = _mm256_mul_ps(hi[i], va);
        if (beta != 0.0f) {
            __m256 c0 = full ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, m0);
            __m256 c1 = full ? _mm256_loadu_ps(row + 8) : _mm256_maskload_ps(row + 8, m1);
            r0 = _mm256_fmadd_ps(c0, vb, r0);
            r1 = _mm256_fmadd_ps(c1, vb, r1);
        }
        if (bias) {
            __m256 bi = _mm256_broadcast_ss(bias + i);
            r0 = _mm256_add_ps(r0, bi);
            r1 = _mm256_add_ps(r1, bi);
        }
        if (act == CK_RELU) {
            // max(0, x) returns x when x is NaN (the second operand), so NaN survives.
            r0 = _mm256_max_ps(_mm256_setzero_ps(), r0);
            r1 = _mm256_max_ps(_mm256_setzero_ps(), r1);
        }
        if (full) {
            _mm256_storeu_ps(row, r0);
            _mm256_storeu_ps(row + 8, r1);
        } else {
            _mm256_maskstore_ps(row, m0, r0);
            if (nr > 8) _mm256_maskstore_ps(row + 8, m1, r1);
        }
    }
}

CK_INLINE TARGET void tile(const int rows, const int full, size_t kc, const float *pa, const float *pb,
                           float *c, size_t ldc, float alpha, float beta, const float *bias, ck_activation act,
                           int nr) {
    __m256 lo[MR], hi[MR];
    for (int i = 0; i < rows; i++) { lo[i] = _mm256_setzero_ps(); hi[i] = _mm256_setzero_ps(); }
    for (size_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(pb), b1 = _mm256_loadu_ps(pb + 8);
        for (int i = 0; i < rows; i++) {
            __m256 a = _mm256_broadcast_ss(pa + i);
            lo[i] = _mm256_fmadd_ps(a, b0, lo[i]);
            hi[i] = _mm256_fmadd_ps(a, b1, hi[i]);
        }
        pa += MR;
        pb += NR;
    }
    store(rows, full, lo, hi, c, ldc, alpha, beta, bias, act, nr);
}

#define ROWS(r) case r: if (nr == NR) tile(r, 1, kc, pa, pb, c, ldc, alpha, beta, bias, act, nr); \
                        else tile(r, 0, kc, pa, pb, c, ldc, alpha, beta, bias, act, nr); break

static TARGET void kernel(size_t kc, const float *pa, const float *pb, float *c, size_t ldc,
                          float alpha, float beta, const float *bias, ck_activation act, int mr, int nr) {
    switch (mr) {
    ROWS(6); ROWS(5); ROWS(4); ROWS(3); ROWS(2);
    default: ROWS(1);
    }
}

/// The direct conv tile; `wide` 0 computes only the first 8 columns (narrow images).
CK_INLINE TARGET void direct_tile(const int rows, const int wide, const ck_taps *t, const float *origin,
                                  const float *pa, float *c, size_t ldc, const float *bias, ck_activation act,
                                  int nr) {
    __m256 lo[MR], hi[MR];
    for (int i = 0; i < rows; i++) { lo[i] = _mm256_setzero_ps(); hi[i] = _mm256_setzero_ps(); }
    for (size_t ic = 0; ic < t->channels; ic++) {
        const float *chan = origin + ic * t->chan_stride;
        for (size_t ky = 0; ky < t->kernel_h; ky++) {
            const float *row = chan + ky * t->row_step;
            for (size_t kx = 0; kx < t->kernel_w; kx++, pa += MR) {
                const float *b = row + t->col_offset[kx];
                __m256 b0 = _mm256_loadu_ps(b), b1 = wide ? _mm256_loadu_ps(b + 8) : b0;
                for (int i = 0; i < rows; i++) {
                    __m256 a = _mm256_broadcast_ss(pa + i);
                    lo[i] = _mm256_fmadd_ps(a, b0, lo[i]);
                    if (wide) hi[i] = _mm256_fmadd_ps(a, b1, hi[i]);
                }
            }
        }
    }
    if (nr == NR) store(rows, 1, lo, hi, c, ldc, 1.0f, 0.0f, bias, act, nr);
    else store(rows, 0, lo, hi, c, ldc, 1.0f, 0.0f, bias, act, nr);
}

#define DIRECT(r) case r: if (nr > 8) direct_tile(r, 1, t, origin, pa, c, ldc, bias, act, nr); \
                          else direct_tile(r, 0, t, origin, pa, c, ldc, bias, act, nr); break

static TARGET void direct(const ck_taps *t, const float *origin, const float *pa, float *c, size_t ldc,
                          const float *bias, ck_activation act, int mr, int nr) {
    switch (mr) {
    DIRECT(6); DIRECT(5); DIRECT(4); DIRECT(3); DIRECT(2);
    default: DIRECT(1);
    }
}

static TARGET void split2(float *even, float *odd, const float *src, size_t pairs) {
    size_t j = 0;
    for (; pairs - j >= 8; j += 8) {
        // Per 128-bit half [a0 a2 b0 b2 | a4 a6 b4 b6] (and the odds), then the 64-bit pairs in order.
        const __m256 a = _mm256_loadu_ps(src + 2 * j), b = _mm256_loadu_ps(src + 2 * j + 8);
        const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        _mm256_storeu_ps(even + j, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0))));
        _mm256_storeu_ps(odd + j, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0))));
    }
    for (; j < pairs; j++) { even[j] = src[2 * j]; odd[j] = src[2 * j + 1]; }
}

const ck_desc ck_desc_avx2 = {
    .mr = MR, .nr = NR, .mc = 24 * MR, .kc = 256, .nc = 512, .kernel = kernel, .direct = direct,
    .split2 = split2,
};
#endif
