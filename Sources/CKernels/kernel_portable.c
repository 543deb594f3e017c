// Portable microkernels: 4×8 tiles of plain C that the compiler vectorizes for the baseline
// ISA (SSE2 on x86-64, NEON on arm64): the fallback for CPUs without AVX2.
#include "internal.h"

#define MR 4
#define NR 8

static void store(float acc[MR][NR], float *c, size_t ldc, float alpha, float beta, const float *bias,
                  int mr, int nr) {
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        const float add = bias ? bias[i] : 0.0f;
        for (int j = 0; j < nr; j++)
            row[j] = (beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * row[j]) + add;
    }
}

static void kernel(size_t kc, const float *pa, const float *pb, float *c, size_t ldc,
                   float alpha, float beta, const float *bias, int mr, int nr) {
    float acc[MR][NR] = {{0}};
    for (size_t p = 0; p < kc; p++) {
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i][j] += pa[i] * pb[j];
        pa += MR;
        pb += NR;
    }
    store(acc, c, ldc, alpha, beta, bias, mr, nr);
}

static void direct(const ck_taps *t, const float *origin, const float *pa, float *c, size_t ldc,
                   const float *bias, int mr, int nr) {
    float acc[MR][NR] = {{0}};
    for (size_t ic = 0; ic < t->channels; ic++) {
        const float *chan = origin + ic * t->chan_stride;
        for (size_t ky = 0; ky < t->kernel_h; ky++) {
            const float *b = chan + ky * t->row_step;
            for (size_t kx = 0; kx < t->kernel_w; kx++, b += t->col_step, pa += MR)
                for (int i = 0; i < MR; i++)
                    for (int j = 0; j < NR; j++) acc[i][j] += pa[i] * b[j];
        }
    }
    store(acc, c, ldc, 1.0f, 0.0f, bias, mr, nr);
}

const ck_desc ck_desc_portable = {
    .mr = MR, .nr = NR, .mc = 64 * MR, .kc = 256, .nc = 512, .kernel = kernel, .direct = direct,
};
