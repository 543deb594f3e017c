// GEMM driver in the Goto/BLIS shape: for each nc-column block and kc-deep slice, B is packed
// into NR-wide panels (kc·nc floats, sized for L2), then each mc-row block of A into MR-high
// panels, and the microkernel walks the tiles. Packing makes every kernel read contiguous and
// zero-pads the edges, so the kernels never read outside the caller's matrices.
#include <string.h>
#include "internal.h"

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

const ck_desc *ck_desc_for(ck_isa isa) {
#if defined(__x86_64__)
    if (isa == CK_AVX512) return &ck_desc_avx512;
    if (isa == CK_AVX2) return &ck_desc_avx2;
#endif
    (void)isa;
    return &ck_desc_portable;
}

int ck_isa_supported(ck_isa isa) {
    switch (isa) {
    case CK_PORTABLE: return 1;
#if defined(__x86_64__)
    // compiler-rt and libgcc report AVX/AVX-512 only when the OS saves their registers (XCR0).
    case CK_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case CK_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#endif
    default: return 0;
    }
}

int ck_tile_rows(ck_isa isa) { return ck_desc_for(isa)->mr; }
int ck_tile_cols(ck_isa isa) { return ck_desc_for(isa)->nr; }

/// Where B comes from: a matrix (optionally transposed) or a conv image seen as im2col.
typedef struct {
    const float *b;
    size_t ldb;
    int trans;
    const ck_conv_image *image;
    size_t col0;    // image column of B's column 0
} b_source;

// Defined in conv.c.
void ck_pack_b_conv(const ck_conv_image *im, size_t p0, size_t kc, size_t q0, size_t nc, int nr, float *pb);

/// B[p0 ..< p0+kc][q0 ..< q0+nc] into NR-column panels of kc rows, the last zero-padded.
static void pack_b(const ck_desc *d, const b_source *s, size_t p0, size_t kc, size_t q0, size_t nc, float *pb) {
    const size_t nr = (size_t)d->nr;
    if (s->image) { ck_pack_b_conv(s->image, p0, kc, s->col0 + q0, nc, d->nr, pb); return; }
    if (!s->trans) {
        // Row by row, so B is read front to back (a panel at a time touched one cache line
        // pair per row and left the prefetchers nothing to follow).
        for (size_t p = 0; p < kc; p++) {
            const float *src = s->b + (p0 + p) * s->ldb + q0;
            for (size_t j0 = 0; j0 < nc; j0 += nr) {
                const size_t w = min_sz(nr, nc - j0);
                float *dst = pb + j0 * kc + p * nr;
                size_t j = 0;
                for (; j < w; j++) dst[j] = src[j0 + j];
                for (; j < nr; j++) dst[j] = 0;
            }
        }
        return;
    }
    // op(B)[p][q] = b[q][p]: read each stored row once, scatter it down a panel column.
    for (size_t j0 = 0; j0 < nc; j0 += nr) {
        const size_t w = min_sz(nr, nc - j0);
        float *dst = pb + j0 * kc;
        for (size_t j = 0; j < w; j++) {
            const float *src = s->b + (q0 + j0 + j) * s->ldb + p0;
            for (size_t p = 0; p < kc; p++) dst[p * nr + j] = src[p];
        }
        if (w < nr)
            for (size_t p = 0; p < kc; p++) memset(dst + p * nr + w, 0, (nr - w) * sizeof(float));
    }
}

/// op(A)[i0 ..< i0+mc][p0 ..< p0+kc] into MR-row panels of kc columns, the last zero-padded.
static void pack_a_block(const ck_desc *d, int trans, const float *a, size_t lda, size_t i0, size_t mc,
                         size_t p0, size_t kc, float *pa) {
    const size_t mr = (size_t)d->mr;
    for (size_t s = 0; s < mc; s += mr) {
        const size_t rows = min_sz(mr, mc - s);
        float *dst = pa + s * kc;
        if (!trans) {
            const float *src[16];
            for (size_t i = 0; i < rows; i++) src[i] = a + (i0 + s + i) * lda + p0;
            for (size_t p = 0; p < kc; p++, dst += mr) {
                size_t i = 0;
                for (; i < rows; i++) dst[i] = src[i][p];
                for (; i < mr; i++) dst[i] = 0;
            }
        } else {
            const float *src = a + p0 * lda + i0 + s;
            for (size_t p = 0; p < kc; p++, src += lda, dst += mr) {
                size_t i = 0;
                for (; i < rows; i++) dst[i] = src[i];
                for (; i < mr; i++) dst[i] = 0;
            }
        }
    }
}

/// C = act(beta·C + bias), for products with nothing to add (k = 0 or alpha = 0).
static void scale(float *c, size_t m, size_t n, size_t ldc, float beta, const float *bias, ck_activation act) {
    for (size_t i = 0; i < m; i++) {
        float *row = c + i * ldc;
        const float add = bias ? bias[i] : 0.0f;
        if (beta == 0.0f) for (size_t j = 0; j < n; j++) row[j] = add;
        else for (size_t j = 0; j < n; j++) row[j] = beta * row[j] + add;
        if (act == CK_RELU) for (size_t j = 0; j < n; j++) row[j] = row[j] < 0.0f ? 0.0f : row[j];
    }
}

/// The blocked loops. A is either packed whole up front (`packed`, from ck_pack_a) or packed
/// block by block into scratch after the B panels.
static void run(const ck_desc *d, size_t m, size_t n, size_t k, float alpha, const float *packed,
                int trans_a, const float *a, size_t lda, const b_source *bs, float beta,
                const float *bias, ck_activation act, float *c, size_t ldc, float *scratch) {
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == 0.0f) { scale(c, m, n, ldc, beta, bias, act); return; }
    const size_t mr = (size_t)d->mr, nr = (size_t)d->nr;
    float *pb = scratch, *pa = scratch + min_sz(d->kc, k) * round_up(min_sz(d->nc, n), nr);
    const size_t mp = round_up(m, mr);
    for (size_t jc = 0; jc < n; jc += d->nc) {
        const size_t nc = min_sz(d->nc, n - jc);
        for (size_t pc = 0; pc < k; pc += d->kc) {
            const size_t kc = min_sz(d->kc, k - pc);
            pack_b(d, bs, pc, kc, jc, nc, pb);
            // beta and bias enter once, with the first slice; the activation with the last.
            const float b = pc == 0 ? beta : 1.0f;
            const float *row_bias = pc == 0 ? bias : NULL;
            const ck_activation slice_act = pc + kc == k ? act : CK_IDENTITY;
            for (size_t ic = 0; ic < m; ic += d->mc) {
                const size_t mc = min_sz(d->mc, m - ic);
                const float *blk = pa;
                if (packed) blk = packed + pc * mp + ic * kc;
                else pack_a_block(d, trans_a, a, lda, ic, mc, pc, kc, pa);
                // A's MR×kc panel stays in L1 while B's panels stream from L2.
                for (size_t ir = 0; ir < mc; ir += mr)
                    for (size_t jr = 0; jr < nc; jr += nr)
                        d->kernel(kc, blk + ir * kc, pb + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc,
                                  alpha, b, row_bias ? row_bias + ic + ir : NULL, slice_act,
                                  (int)min_sz(mr, mc - ir), (int)min_sz(nr, nc - jr));
            }
        }
    }
}

size_t ck_packed_scratch(ck_isa isa, size_t n, size_t k) {
    const ck_desc *d = ck_desc_for(isa);
    return min_sz(d->kc, k) * round_up(min_sz(d->nc, n), (size_t)d->nr);
}

size_t ck_sgemm_scratch(ck_isa isa, size_t m, size_t n, size_t k) {
    const ck_desc *d = ck_desc_for(isa);
    if (m <= CK_SMALL_M) return m * k;
    return ck_packed_scratch(isa, n, k) + round_up(min_sz(d->mc, m), (size_t)d->mr) * min_sz(d->kc, k);
}

void ck_sgemm(ck_isa isa, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
              const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc,
              float *scratch) {
    if (m <= CK_SMALL_M && k > 0 && alpha != 0.0f) {
        // A transposed is a gather; copy its few rows out first (they fit the scratch).
        if (trans_a) {
            for (size_t i = 0; i < m; i++)
                for (size_t p = 0; p < k; p++) scratch[i * k + p] = a[p * lda + i];
            a = scratch;
            lda = k;
        }
        ck_sgemm_small_m(isa, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    const b_source bs = { .b = b, .ldb = ldb, .trans = trans_b, .image = NULL, .col0 = 0 };
    run(ck_desc_for(isa), m, n, k, alpha, NULL, trans_a, a, lda, &bs, beta, NULL, CK_IDENTITY, c, ldc, scratch);
}

size_t ck_packed_a_size(ck_isa isa, size_t m, size_t k) {
    return round_up(m, (size_t)ck_desc_for(isa)->mr) * k;
}

// Layout: kc-deep slices one after another (slice at pc starts at pc·round_up(m, MR)), each
// slice the MR-row panels pack_a_block writes, so run() can index any (ic, pc) block.
void ck_pack_a(ck_isa isa, int trans_a, size_t m, size_t k, const float *a, size_t lda, float *packed) {
    const ck_desc *d = ck_desc_for(isa);
    const size_t mp = round_up(m, (size_t)d->mr);
    for (size_t pc = 0; pc < k; pc += d->kc)
        pack_a_block(d, trans_a, a, lda, 0, m, pc, min_sz(d->kc, k - pc), packed + pc * mp);
}

void ck_pack_a_direct(ck_isa isa, size_t m, size_t k, const float *a, size_t lda, float *packed) {
    pack_a_block(ck_desc_for(isa), 0, a, lda, 0, m, 0, k, packed);
}

void ck_sgemm_packed(ck_isa isa, size_t m, size_t n, size_t k, float alpha, const float *packed_a,
                     int trans_b, const float *b, size_t ldb, float beta, const float *bias,
                     ck_activation act, float *c, size_t ldc, float *scratch) {
    const b_source bs = { .b = b, .ldb = ldb, .trans = trans_b, .image = NULL, .col0 = 0 };
    run(ck_desc_for(isa), m, n, k, alpha, packed_a, 0, NULL, 0, &bs, beta, bias, act, c, ldc, scratch);
}

void ck_conv_gemm(ck_isa isa, size_t m, size_t col0, size_t cols, const float *packed_a,
                  const ck_conv_image *image, const float *bias, ck_activation act, float *c, size_t ldc,
                  float *scratch) {
    const size_t k = image->channels * image->kernel_h * image->kernel_w;
    const b_source bs = { .b = NULL, .ldb = 0, .trans = 0, .image = image, .col0 = col0 };
    run(ck_desc_for(isa), m, cols, k, 1.0f, packed_a, 0, NULL, 0, &bs, 0.0f, bias, act, c, ldc, scratch);
}
