// Shared between the driver (gemm.c) and the per-ISA microkernels; not part of the module.
#ifndef CKERNELS_INTERNAL_H
#define CKERNELS_INTERNAL_H

#include <string.h>
#include "include/ckernels.h"

/// C[mr×nr] = act(alpha·Σ_p pa[p·MR + i]·pb[p·NR + j] + beta·C + bias[i]) (beta 0: C is not
/// read; bias may be NULL).
/// pa is an MR-row panel, pb an NR-column panel zero-padded to NR; mr ≤ MR, nr ≤ NR.
typedef void (*ck_kernel_fn)(size_t kc, const float *pa, const float *pb, float *c, size_t ldc,
                             float alpha, float beta, const float *bias, ck_activation act, int mr, int nr);

/// Where the direct conv kernel finds B: row p = (ic, ky, kx) of the tile at `origin` is
/// origin + ic·chan_stride + ky·row_step + col_offset[kx], NR contiguous floats.
typedef struct {
    size_t channels, chan_stride, kernel_h, kernel_w, row_step;
    const ptrdiff_t *col_offset;
} ck_taps;

/// C[mr×nr] = act(Σ_p pa[p·MR + i]·B[p][j] + bias[i]) with B read in place through `taps`; pa is
/// an MR-row panel of all k = channels·kernel_h·kernel_w columns. Reads NR floats per row
/// even when nr < NR, so the source needs NR floats of slack.
typedef void (*ck_direct_fn)(const ck_taps *taps, const float *origin, const float *pa, float *c,
                             size_t ldc, const float *bias, ck_activation act, int mr, int nr);

/// even[j] = src[2j], odd[j] = src[2j + 1] for j < pairs, reading src[0 ..< 2·pairs]: both phases
/// of a stride-2 row of the direct conv's band in one pass (a scalar loop there was a fifth of
/// a stride-2 CNN's time, one gather per phase a tenth).
typedef void (*ck_split2_fn)(float *even, float *odd, const float *src, size_t pairs);

/// A microkernel with its register tile and the cache blocks that suit it.
typedef struct {
    int mr, nr;
    size_t mc, kc, nc;
    ck_kernel_fn kernel;
    ck_direct_fn direct;
    ck_split2_fn split2;
} ck_desc;

extern const ck_desc ck_desc_portable;
#if defined(__x86_64__)
extern const ck_desc ck_desc_avx2;
extern const ck_desc ck_desc_avx512;
#endif

/// The kernels for `isa` (portable for anything this build lacks).
const ck_desc *ck_desc_for(ck_isa isa);

#define CK_INLINE static inline __attribute__((always_inline))

// Generic vectors for code compiled once per ISA (each instantiation lowers them to its own
// registers). Pass them through pointers, never by value: a vector argument would change the
// ABI between the differently targeted instantiations.
typedef float v4 __attribute__((vector_size(16)));
typedef float v16 __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));

CK_INLINE v4 load4(const float *p) { v4 v; memcpy(&v, p, sizeof v); return v; }
CK_INLINE void load16(v16 *v, const float *p) { memcpy(v, p, sizeof *v); }

/// Clears the lanes below zero (not max(): NaN compares false and survives, as in the GEMM kernels).
CK_INLINE void relu16(v16 *x) {
    const v16 zero = { 0 };
    *x = (v16)((v16i)*x & ~(*x < zero));
}

/// Rows of C up to which ck_sgemm skips packing (gemv.c).
#define CK_SMALL_M 4

/// C = alpha·A·op(B) + beta·C for m ≤ CK_SMALL_M and A not transposed, reading B in place.
void ck_sgemm_small_m(ck_isa isa, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a,
                      size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc);

#endif
