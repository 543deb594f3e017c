// Portable microkernels: 4×8 tiles in clang/GCC vector extensions, which lower to the baseline
// ISA (SSE2 on x86-64, NEON on arm64): the fallback for CPUs without AVX2. Plain scalar loops
// were left to the SLP vectorizer, which shuffled the accumulators through memory (5 GFLOP/s).
#include <string.h>
#include "internal.h"

#define MR 4
#define NR 8

CK_INLINE v4 splat(float x) { return (v4){ x, x, x, x }; }

static void store(v4 acc[MR][2], float *c, size_t ldc, float alpha, float beta, const float *bias,
                  ck_activation act, int mr, int nr) {
    for (int i = 0; i < mr; i++) {
        float row[NR], *dst = c + (size_t)i * ldc;
        memcpy(row, &acc[i][0], sizeof(v4));
        memcpy(row + 4, &acc[i][1], sizeof(v4));
        const float add = bias ? bias[i] : 0.0f;
        for (int j = 0; j < nr; j++) {
            const float v = (beta == 0.0f ? alpha * row[j] : alpha * row[j] + beta * dst[j]) + add;
            dst[j] = act == CK_RELU && v < 0.0f ? 0.0f : v;    // NaN is not < 0: it survives
        }
    }
}

CK_INLINE void step(v4 acc[MR][2], const float *pa, const float *b) {
    const v4 b0 = load4(b), b1 = load4(b + 4);
    for (int i = 0; i < MR; i++) {
        const v4 a = splat(pa[i]);
        acc[i][0] += a * b0;
        acc[i][1] += a * b1;
    }
}

static void kernel(size_t kc, const float *pa, const float *pb, float *c, size_t ldc,
                   float alpha, float beta, const float *bias, ck_activation act, int mr, int nr) {
    v4 acc[MR][2] = {{{ 0 }}};
    for (size_t p = 0; p < kc; p++, pa += MR, pb += NR) step(acc, pa, pb);
    store(acc, c, ldc, alpha, beta, bias, act, mr, nr);
}

static void direct(const ck_taps *t, const float *origin, const float *pa, float *c, size_t ldc,
                   const float *bias, ck_activation act, int mr, int nr) {
    v4 acc[MR][2] = {{{ 0 }}};
    for (size_t ic = 0; ic < t->channels; ic++) {
        const float *chan = origin + ic * t->chan_stride;
        for (size_t ky = 0; ky < t->kernel_h; ky++) {
            const float *row = chan + ky * t->row_step;
            for (size_t kx = 0; kx < t->kernel_w; kx++, pa += MR) step(acc, pa, row + t->col_offset[kx]);
        }
    }
    store(acc, c, ldc, 1.0f, 0.0f, bias, act, mr, nr);
}

static void split2(float *even, float *odd, const float *src, size_t pairs) {
    size_t j = 0;
    for (; pairs - j >= 4; j += 4) {
        const v4 a = load4(src + 2 * j), b = load4(src + 2 * j + 4);
        const v4 e = __builtin_shufflevector(a, b, 0, 2, 4, 6), o = __builtin_shufflevector(a, b, 1, 3, 5, 7);
        memcpy(even + j, &e, sizeof e);
        memcpy(odd + j, &o, sizeof o);
    }
    for (; j < pairs; j++) { even[j] = src[2 * j]; odd[j] = src[2 * j + 1]; }
}

const ck_desc ck_desc_portable = {
    .mr = MR, .nr = NR, .mc = 64 * MR, .kc = 256, .nc = 512, .kernel = kernel, .direct = direct,
    .split2 = split2,
};
