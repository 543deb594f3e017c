// Shared between the driver (gemm.c) and the per-ISA microkernels; not part of the module.
#ifndef CKERNELS_INTERNAL_H
#define CKERNELS_INTERNAL_H

#include "include/ckernels.h"

/// C[mr×nr] = alpha·Σ_p pa[p·MR + i]·pb[p·NR + j] + beta·C + bias[i] (beta 0: C is not read;
/// bias may be NULL).
/// pa is an MR-row panel, pb an NR-column panel zero-padded to NR; mr ≤ MR, nr ≤ NR.
typedef void (*ck_kernel_fn)(size_t kc, const float *pa, const float *pb, float *c, size_t ldc,
                             float alpha, float beta, const float *bias, int mr, int nr);

/// A microkernel with its register tile and the cache blocks that suit it.
typedef struct {
    int mr, nr;
    size_t mc, kc, nc;
    ck_kernel_fn kernel;
} ck_desc;

extern const ck_desc ck_desc_portable;
#if defined(__x86_64__)
extern const ck_desc ck_desc_avx2;
extern const ck_desc ck_desc_avx512;
#endif

#define CK_INLINE static inline __attribute__((always_inline))

#endif
