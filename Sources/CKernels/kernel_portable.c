// Portable microkernel: 4×8 tile of plain C that the compiler vectorizes for the baseline ISA
// (SSE2 on x86-64, NEON on arm64). The fallback for CPUs without AVX2 and the reference the
// other paths are tested against.
#include "internal.h"

#define MR 4
#define NR 8

static void kernel(size_t kc, const float *pa, const float *pb, float *c, size_t ldc,
                   float alpha, float beta, const float *bias, int mr, int nr) {
    float acc[MR][NR] = {{0}};
    for (size_t p = 0; p < kc; p++) {
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i][j] += pa[i] * pb[j];
        pa += MR;
        pb += NR;
    }
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        const float add = bias ? bias[i] : 0.0f;
        for (int j = 0; j < nr; j++)
            row[j] = (beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * row[j]) + add;
    }
}

const ck_desc ck_desc_portable = { .mr = MR, .nr = NR, .mc = 64 * MR, .kc = 256, .nc = 512, .kernel = kernel };
