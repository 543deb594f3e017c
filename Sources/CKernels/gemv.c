// Products with at most four rows of C (fully connected layers at batch 1…4, ONNX Gemm with
// transB): B is read once, front to back, straight from the caller. Packing it would cost as
// much as the arithmetic, and for transposed B (1×1000×2048: 4 GFLOP/s) much more.
#include <string.h>
#include "internal.h"

CK_INLINE float sum16(const v16 *v) {
    float s = 0;
    for (int j = 0; j < 16; j++) s += (*v)[j];
    return s;
}

CK_INLINE float combine(float acc, float alpha, float beta, float c) {
    return beta == 0.0f ? alpha * acc : alpha * acc + beta * c;
}

/// C = alpha·A·B + beta·C, B k×n row-major: 64 columns at a time, every row of A at once.
CK_INLINE void rows_times_b(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                            const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    size_t j0 = 0;
    for (; j0 + 64 <= n; j0 += 64) {
        v16 acc[CK_SMALL_M][4];
        memset(acc, 0, sizeof acc);
        for (size_t p = 0; p < k; p++) {
            v16 bv[4];
            for (int q = 0; q < 4; q++) load16(&bv[q], b + p * ldb + j0 + 16 * (size_t)q);
            for (size_t i = 0; i < m; i++) {
                const float x = a[i * lda + p];
                for (int q = 0; q < 4; q++) acc[i][q] += x * bv[q];
            }
        }
        for (size_t i = 0; i < m; i++) {
            float *row = c + i * ldc + j0;
            for (int q = 0; q < 4; q++)
                for (int j = 0; j < 16; j++) row[16 * q + j] = combine(acc[i][q][j], alpha, beta, row[16 * q + j]);
        }
    }
    for (; j0 + 16 <= n; j0 += 16) {
        v16 acc[CK_SMALL_M], bv;
        memset(acc, 0, sizeof acc);
        for (size_t p = 0; p < k; p++) {
            load16(&bv, b + p * ldb + j0);
            for (size_t i = 0; i < m; i++) acc[i] += a[i * lda + p] * bv;
        }
        for (size_t i = 0; i < m; i++)
            for (int j = 0; j < 16; j++) c[i * ldc + j0 + j] = combine(acc[i][j], alpha, beta, c[i * ldc + j0 + j]);
    }
    if (j0 < n) {
        const size_t w = n - j0;
        float acc[CK_SMALL_M][16] = {{ 0 }};
        for (size_t p = 0; p < k; p++)
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < w; j++) acc[i][j] += a[i * lda + p] * b[p * ldb + j0 + j];
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < w; j++) c[i * ldc + j0 + j] = combine(acc[i][j], alpha, beta, c[i * ldc + j0 + j]);
    }
}

/// C = alpha·A·Bᵀ + beta·C, B n×k row-major: dot products of contiguous rows, four of B at a time.
CK_INLINE void rows_times_bt(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                             const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    for (size_t j0 = 0; j0 < n; j0 += 4) {
        const size_t w = n - j0 < 4 ? n - j0 : 4;
        v16 acc[CK_SMALL_M][4];
        memset(acc, 0, sizeof acc);
        size_t p = 0;
        for (; p + 16 <= k; p += 16) {
            v16 bv[4], av;
            for (size_t q = 0; q < w; q++) load16(&bv[q], b + (j0 + q) * ldb + p);
            for (size_t i = 0; i < m; i++) {
                load16(&av, a + i * lda + p);
                for (size_t q = 0; q < w; q++) acc[i][q] += av * bv[q];
            }
        }
        for (size_t i = 0; i < m; i++) {
            for (size_t q = 0; q < w; q++) {
                float s = sum16(&acc[i][q]);
                for (size_t r = p; r < k; r++) s += a[i * lda + r] * b[(j0 + q) * ldb + r];
                c[i * ldc + j0 + q] = combine(s, alpha, beta, c[i * ldc + j0 + q]);
            }
        }
    }
}

#define SMALL_ARGS int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda, \
    const float *b, size_t ldb, float beta, float *c, size_t ldc
#define SMALL_PASS m, n, k, alpha, a, lda, b, ldb, beta, c, ldc

static void small_portable(SMALL_ARGS) {
    if (trans_b) rows_times_bt(SMALL_PASS); else rows_times_b(SMALL_PASS);
}
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void small_avx2(SMALL_ARGS) {
    if (trans_b) rows_times_bt(SMALL_PASS); else rows_times_b(SMALL_PASS);
}
__attribute__((target("avx512f,fma"))) static void small_avx512(SMALL_ARGS) {
    if (trans_b) rows_times_bt(SMALL_PASS); else rows_times_b(SMALL_PASS);
}
#endif

void ck_sgemm_small_m(ck_isa isa, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a,
                      size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc) {
#if defined(__x86_64__)
    if (isa == CK_AVX512) { small_avx512(trans_b, SMALL_PASS); return; }
    if (isa == CK_AVX2) { small_avx2(trans_b, SMALL_PASS); return; }
#endif
    (void)isa;
    small_portable(trans_b, SMALL_PASS);
}
