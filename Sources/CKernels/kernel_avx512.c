// AVX-512 microkernel: 12×32 tile in 24 zmm accumulators. Masked loads and stores cover the
// column edge and one instantiation per row count covers the row edge, so no tile is ever
// computed into a temporary and copied.
#if defined(__x86_64__)
#include <immintrin.h>
#include "internal.h"

#define MR 12
#define NR 32
#define TARGET __attribute__((target("avx512f,fma")))

CK_INLINE TARGET void tile(const int rows, size_t kc, const float *pa, const float *pb, float *c,
                           size_t ldc, float alpha, float beta, const float *bias, int nr) {
    __m512 lo[MR], hi[MR];
    for (int i = 0; i < rows; i++) { lo[i] = _mm512_setzero_ps(); hi[i] = _mm512_setzero_ps(); }
    for (size_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(pb), b1 = _mm512_loadu_ps(pb + 16);
        for (int i = 0; i < rows; i++) {
            __m512 a = _mm512_set1_ps(pa[i]);
            lo[i] = _mm512_fmadd_ps(a, b0, lo[i]);
            hi[i] = _mm512_fmadd_ps(a, b1, hi[i]);
        }
        pa += MR;
        pb += NR;
    }
    __mmask16 m0 = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? 0xFFFF : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0;
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < rows; i++) {
        float *row = c + (size_t)i * ldc;
        __m512 r0 = _mm512_mul_ps(lo[i], va), r1 = _mm512_mul_ps(hi[i], va);
        if (beta == 1.0f) {
            r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(m0, row));
            r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(m1, row + 16));
        } else if (beta != 0.0f) {
            r0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, row), vb, r0);
            r1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, row + 16), vb, r1);
        }
        if (bias) {
            __m512 bi = _mm512_set1_ps(bias[i]);
            r0 = _mm512_add_ps(r0, bi);
            r1 = _mm512_add_ps(r1, bi);
        }
        _mm512_mask_storeu_ps(row, m0, r0);
        _mm512_mask_storeu_ps(row + 16, m1, r1);
    }
}

static TARGET void kernel(size_t kc, const float *pa, const float *pb, float *c, size_t ldc,
                          float alpha, float beta, const float *bias, int mr, int nr) {
    switch (mr) {
    case 12: tile(12, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 11: tile(11, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 10: tile(10, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 9: tile(9, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 8: tile(8, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 7: tile(7, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 6: tile(6, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 5: tile(5, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 4: tile(4, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 3: tile(3, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    case 2: tile(2, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    default: tile(1, kc, pa, pb, c, ldc, alpha, beta, bias, nr); break;
    }
}

const ck_desc ck_desc_avx512 = { .mr = MR, .nr = NR, .mc = 10 * MR, .kc = 256, .nc = 512, .kernel = kernel };
#endif
