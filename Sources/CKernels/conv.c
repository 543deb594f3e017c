// Convolution helpers around the GEMM: im2col packed straight into B panels (no im2col
// matrix), the direct conv driver, the col2im scatter for ConvTranspose, and depthwise (as a
// GEMM it would be 1×9 by 9×N products, all packing and no arithmetic).
#include <string.h>
#include "internal.h"

/// Positions t in 0 ..< len with 0 ≤ (o0 + t)·stride + c0 < limit form one run [*lo, *hi).
static void valid_run(ptrdiff_t o0, ptrdiff_t len, ptrdiff_t stride, ptrdiff_t c0, ptrdiff_t limit,
                      ptrdiff_t *lo, ptrdiff_t *hi) {
    const ptrdiff_t top = limit - 1 - c0;
    if (top < 0) { *lo = *hi = 0; return; }
    const ptrdiff_t first = c0 >= 0 ? 0 : (-c0 + stride - 1) / stride;
    ptrdiff_t l = first - o0, h = top / stride - o0 + 1;
    // Clamped to the run: with more padding than input the valid positions can lie past it.
    if (l < 0) l = 0;
    if (l > len) l = len;
    if (h > len) h = len;
    if (h < l) h = l;
    *lo = l;
    *hi = h;
}

/// Longest column run of B handled per row; run()'s nc never exceeds it.
#define MAX_NC 1024

/// One row p = (ic, ky, kx) of the im2col matrix, columns q0 ..< q0+nc, into `row`. The work per
/// output row is a range computation and one copy, so wide images pack at memcpy speed.
static void im2col_row(const ck_conv_image *im, size_t ic, size_t ky, size_t kx, size_t q0, size_t nc, float *row) {
    const ptrdiff_t in_h = (ptrdiff_t)im->in_h, in_w = (ptrdiff_t)im->in_w, sw = (ptrdiff_t)im->stride_w;
    const float *plane = im->input + ic * im->in_h * im->in_w;
    const ptrdiff_t c0 = (ptrdiff_t)(kx * im->dil_w) - (ptrdiff_t)im->pad_left;
    size_t oy = q0 / im->out_w, ox = q0 % im->out_w, t = 0;
    while (t < nc) {
        const size_t len = nc - t < im->out_w - ox ? nc - t : im->out_w - ox;
        float *dst = row + t;
        const ptrdiff_t iy = (ptrdiff_t)(oy * im->stride_h + ky * im->dil_h) - (ptrdiff_t)im->pad_top;
        if (iy < 0 || iy >= in_h) {
            memset(dst, 0, len * sizeof(float));
        } else {
            ptrdiff_t lo, hi;
            valid_run((ptrdiff_t)ox, (ptrdiff_t)len, sw, c0, in_w, &lo, &hi);
            const float *src = plane + iy * in_w + ((ptrdiff_t)ox + lo) * sw + c0;
            memset(dst, 0, (size_t)lo * sizeof(float));
            if (sw == 1) memcpy(dst + lo, src, (size_t)(hi - lo) * sizeof(float));
            else for (ptrdiff_t i = lo; i < hi; i++, src += sw) dst[i] = *src;
            memset(dst + hi, 0, (len - (size_t)hi) * sizeof(float));
        }
        t += len;
        ox = 0;
        oy++;
    }
}

void ck_pack_b_conv(const ck_conv_image *im, size_t p0, size_t kc, size_t q0, size_t nc, int nr_, float *pb) {
    const size_t nr = (size_t)nr_, khw = im->kernel_h * im->kernel_w;
    float row[MAX_NC];
    size_t ic = p0 / khw, ky = p0 % khw / im->kernel_w, kx = p0 % im->kernel_w;
    for (size_t p = 0; p < kc; p++) {
        im2col_row(im, ic, ky, kx, q0, nc, row);
        for (size_t j0 = 0; j0 < nc; j0 += nr) {
            float *dst = pb + j0 * kc + p * nr;
            const size_t w = nc - j0 < nr ? nc - j0 : nr;
            memcpy(dst, row + j0, w * sizeof(float));
            if (w < nr) memset(dst + w, 0, (nr - w) * sizeof(float));
        }
        if (++kx == im->kernel_w) {
            kx = 0;
            if (++ky == im->kernel_h) { ky = 0; ic++; }
        }
    }
}

/// Floats of padded input per band; with the packed weights it stays in L2.
#define BAND_BUDGET (1 << 16)
/// Slack after the band: a tile reads NR floats from its last column.
#define BAND_SLACK 64

// A band row holds the padded input row split into stride_w phases (phase r: padded columns
// r, r + stride_w, …), so output column ox under tap kx reads phase (kx·dil_w) mod stride_w at
// ox + (kx·dil_w) / stride_w: contiguous in ox for any stride.
static size_t padded_width(const ck_conv_image *im) {
    return (im->out_w - 1) * im->stride_w + (im->kernel_w - 1) * im->dil_w + 1;
}
static size_t phase_width(const ck_conv_image *im) { return (padded_width(im) + im->stride_w - 1) / im->stride_w; }
static size_t band_row(const ck_conv_image *im) { return phase_width(im) * im->stride_w; }
static size_t band_height(const ck_conv_image *im, size_t rows) {
    return (rows - 1) * im->stride_h + (im->kernel_h - 1) * im->dil_h + 1;
}
/// Floats at the front of the scratch for the per-tap column offsets.
static size_t offset_floats(const ck_conv_image *im) { return (im->kernel_w * sizeof(ptrdiff_t) / sizeof(float) + 15) / 16 * 16; }

/// Output rows per band: as many as fit the budget, at least one.
static size_t band_rows(const ck_conv_image *im, size_t rows) {
    const size_t row_floats = im->channels * band_row(im);
    size_t r = 1;
    while (r < rows && band_height(im, r + 1) * row_floats <= BAND_BUDGET) r++;
    return r;
}

int ck_conv_direct_suits(ck_isa isa, const ck_conv_image *im) {
    // Tiles are NR or NR/2 wide; accept rows that waste at most a quarter of the lanes.
    const size_t half = (size_t)ck_desc_for(isa)->nr / 2;
    const size_t lanes = (im->out_w + half - 1) / half * half;
    return 4 * im->out_w >= 3 * lanes;
}

size_t ck_conv_direct_scratch(ck_isa isa, const ck_conv_image *im, size_t rows) {
    (void)isa;
    return offset_floats(im) + im->channels * band_height(im, band_rows(im, rows)) * band_row(im) + BAND_SLACK;
}

/// Padded column u of input row `in`: the pixel, or 0 in the padding.
CK_INLINE float padded_at(const ck_conv_image *im, const float *in, ptrdiff_t u) {
    const ptrdiff_t x = u - (ptrdiff_t)im->pad_left;
    return x >= 0 && x < (ptrdiff_t)im->in_w ? in[x] : 0;
}

/// Stride 2: phase 0 holds padded columns 0, 2, 4, …, phase 1 columns 1, 3, 5, …; the pixel
/// pairs that land in both phases are split in one vector pass, the padding round them by hand.
static void fill_row_stride2(const ck_desc *d, const ck_conv_image *im, const float *in, float *ph0, float *ph1) {
    const size_t wq = phase_width(im), pad = im->pad_left;
    // The first even padded column on a pixel, and how many (even, odd) pixel pairs follow it.
    const size_t u0 = pad + (pad & 1), skip = u0 - pad, q0 = u0 / 2;
    size_t pairs = im->in_w > skip ? (im->in_w - skip) / 2 : 0;
    if (q0 >= wq) pairs = 0;
    else if (pairs > wq - q0) pairs = wq - q0;
    const size_t split_end = pairs ? q0 + pairs : q0;
    if (pairs) d->split2(ph0 + q0, ph1 + q0, in + skip, pairs);
    for (size_t q = 0; q < wq; q++) {
        if (pairs && q == q0) { q = split_end - 1; continue; }
        ph0[q] = padded_at(im, in, (ptrdiff_t)(2 * q));
        ph1[q] = padded_at(im, in, (ptrdiff_t)(2 * q + 1));
    }
}

/// Input rows for output rows b0 ..< b0+rows into the band: zero-padded all round, phase-split.
/// Phase by phase, so the valid run of a phase (the same for every row) is worked out once.
static void fill_band(const ck_desc *d, const ck_conv_image *im, size_t b0, size_t bh, float *band) {
    const size_t sw = im->stride_w, wq = phase_width(im), row_len = band_row(im);
    const ptrdiff_t top = (ptrdiff_t)(b0 * im->stride_h) - (ptrdiff_t)im->pad_top;
    if (sw == 2) {
        for (size_t ic = 0; ic < im->channels; ic++) {
            const float *plane = im->input + ic * im->in_h * im->in_w;
            for (size_t r = 0; r < bh; r++) {
                float *dst = band + (ic * bh + r) * row_len;
                const ptrdiff_t iy = top + (ptrdiff_t)r;
                if (iy < 0 || iy >= (ptrdiff_t)im->in_h) { memset(dst, 0, row_len * sizeof(float)); continue; }
                fill_row_stride2(d, im, plane + iy * (ptrdiff_t)im->in_w, dst, dst + wq);
            }
        }
        memset(band + im->channels * bh * row_len, 0, BAND_SLACK * sizeof(float));
        return;
    }
    for (size_t ph = 0; ph < sw; ph++) {
        // Phase element q is input column q·sw + ph − pad_left.
        const ptrdiff_t c0 = (ptrdiff_t)ph - (ptrdiff_t)im->pad_left;
        ptrdiff_t lo, hi;
        valid_run(0, (ptrdiff_t)wq, (ptrdiff_t)sw, c0, (ptrdiff_t)im->in_w, &lo, &hi);
        for (size_t ic = 0; ic < im->channels; ic++) {
            const float *plane = im->input + ic * im->in_h * im->in_w;
            for (size_t r = 0; r < bh; r++) {
                float *dst = band + (ic * bh + r) * row_len + ph * wq;
                const ptrdiff_t iy = top + (ptrdiff_t)r;
                if (iy < 0 || iy >= (ptrdiff_t)im->in_h) { memset(dst, 0, wq * sizeof(float)); continue; }
                const float *from = plane + iy * (ptrdiff_t)im->in_w + lo * (ptrdiff_t)sw + c0;
                // The pads are a float or two: loops, not memset calls.
                for (ptrdiff_t q = 0; q < lo; q++) dst[q] = 0;
                if (sw == 1) memcpy(dst + lo, from, (size_t)(hi - lo) * sizeof(float));
                else for (ptrdiff_t q = 0; q < hi - lo; q++) dst[lo + q] = from[q * (ptrdiff_t)sw];
                for (ptrdiff_t q = hi; q < (ptrdiff_t)wq; q++) dst[q] = 0;
            }
        }
    }
    memset(band + im->channels * bh * row_len, 0, BAND_SLACK * sizeof(float));
}

/// Where tap kx starts within a band row (see padded_width).
static void set_col_offsets(const ck_conv_image *im, ptrdiff_t *col_offset) {
    for (size_t kx = 0; kx < im->kernel_w; kx++) {
        const size_t x = kx * im->dil_w;
        col_offset[kx] = (ptrdiff_t)(x % im->stride_w * phase_width(im) + x / im->stride_w);
    }
}

void ck_conv_direct(ck_isa isa, size_t m, const float *packed_a, const ck_conv_image *im, size_t oy0,
                    size_t oy1, const float *bias, ck_activation act, float *c, size_t ldc, float *scratch) {
    const ck_desc *d = ck_desc_for(isa);
    const size_t mr = (size_t)d->mr, nr = (size_t)d->nr, row_len = band_row(im);
    const size_t k = im->channels * im->kernel_h * im->kernel_w;
    ptrdiff_t *col_offset = (ptrdiff_t *)(void *)scratch;
    float *band = scratch + offset_floats(im);
    set_col_offsets(im, col_offset);
    const size_t per_band = band_rows(im, oy1 - oy0);
    for (size_t b0 = oy0; b0 < oy1; b0 += per_band) {
        const size_t rows = oy1 - b0 < per_band ? oy1 - b0 : per_band, bh = band_height(im, rows);
        fill_band(d, im, b0, bh, band);
        const ck_taps taps = {
            .channels = im->channels, .chan_stride = bh * row_len, .kernel_h = im->kernel_h,
            .kernel_w = im->kernel_w, .row_step = im->dil_h * row_len, .col_offset = col_offset,
        };
        for (size_t oy = b0; oy < b0 + rows; oy++) {
            const float *row = band + (oy - b0) * im->stride_h * row_len;
            for (size_t ox = 0; ox < im->out_w; ox += nr) {
                const int cols = (int)(im->out_w - ox < nr ? im->out_w - ox : nr);
                for (size_t i = 0; i < m; i += mr)
                    d->direct(&taps, row + ox, packed_a + i * k, c + i * ldc + oy * im->out_w + ox, ldc,
                              bias ? bias + i : NULL, act, (int)(m - i < mr ? m - i : mr), cols);
            }
        }
    }
}

void ck_col2im_add(const float *col, size_t ldcol, size_t channels, size_t col0, size_t cols,
                   size_t in_w, size_t kernel_h, size_t kernel_w, size_t stride_h, size_t stride_w,
                   size_t pad_top, size_t pad_left, size_t dil_h, size_t dil_w,
                   float *out, size_t out_h, size_t out_w) {
    const ptrdiff_t sw = (ptrdiff_t)stride_w;
    for (size_t oc = 0; oc < channels; oc++) {
        float *plane = out + oc * out_h * out_w;
        for (size_t ky = 0; ky < kernel_h; ky++) {
            for (size_t kx = 0; kx < kernel_w; kx++) {
                const float *crow = col + ((oc * kernel_h + ky) * kernel_w + kx) * ldcol;
                const ptrdiff_t c0 = (ptrdiff_t)(kx * dil_w) - (ptrdiff_t)pad_left;
                size_t i = col0 / in_w, j = col0 % in_w, t = 0;
                while (t < cols) {
                    const size_t len = cols - t < in_w - j ? cols - t : in_w - j;
                    const ptrdiff_t y = (ptrdiff_t)(i * stride_h + ky * dil_h) - (ptrdiff_t)pad_top;
                    if (y >= 0 && y < (ptrdiff_t)out_h) {
                        ptrdiff_t lo, hi;
                        valid_run((ptrdiff_t)j, (ptrdiff_t)len, sw, c0, (ptrdiff_t)out_w, &lo, &hi);
                        float *dst = plane + y * (ptrdiff_t)out_w + ((ptrdiff_t)j + lo) * sw + c0;
                        const float *src = crow + t;
                        if (sw == 1) for (ptrdiff_t u = lo; u < hi; u++) dst[u - lo] += src[u];
                        else for (ptrdiff_t u = lo; u < hi; u++, dst += sw) *dst += src[u];
                    }
                    t += len;
                    j = 0;
                    i++;
                }
            }
        }
    }
}

/// Adds w·p[0 ..< 16] to *acc.
CK_INLINE void madd16(v16 *acc, float w, const float *p) { v16 v; load16(&v, p); *acc += w * v; }

/// Depthwise over a padded, phase-split band (as the direct conv reads): four 16-lane
/// accumulators per step, so the multiply-adds of one tap overlap instead of waiting on each
/// other. Generic vectors; each ISA's instantiation below lowers them to its own registers.
CK_INLINE void depthwise_band(const ck_conv_image *im, const ptrdiff_t *col_offset, const float *band,
                              size_t b0, size_t rows, const float *weights, float bias, ck_activation act,
                              float *out) {
    const size_t row_len = band_row(im), ow = im->out_w;
    for (size_t oy = b0; oy < b0 + rows; oy++) {
        const float *base = band + (oy - b0) * im->stride_h * row_len;
        float *orow = out + oy * ow;
        for (size_t ox = 0; ox < ow; ox += 64) {
            const v16 zero = { 0 };
            v16 a0 = zero + bias, a1 = a0, a2 = a0, a3 = a0;
            for (size_t ky = 0; ky < im->kernel_h; ky++) {
                const float *r = base + ky * im->dil_h * row_len + ox;
                for (size_t kx = 0; kx < im->kernel_w; kx++) {
                    const float *p = r + col_offset[kx];
                    const float w = weights[ky * im->kernel_w + kx];
                    madd16(&a0, w, p);
                    madd16(&a1, w, p + 16);
                    madd16(&a2, w, p + 32);
                    madd16(&a3, w, p + 48);
                }
            }
            if (act == CK_RELU) { relu16(&a0); relu16(&a1); relu16(&a2); relu16(&a3); }
            float tile[64];
            memcpy(tile, &a0, 64); memcpy(tile + 16, &a1, 64); memcpy(tile + 32, &a2, 64); memcpy(tile + 48, &a3, 64);
            memcpy(orow + ox, tile, (ow - ox < 64 ? ow - ox : 64) * sizeof(float));
        }
    }
}

#define DEPTHWISE_ARGS const ck_conv_image *im, const ptrdiff_t *col_offset, const float *band, \
    size_t b0, size_t rows, const float *weights, float bias, ck_activation act, float *out
#define DEPTHWISE_PASS im, col_offset, band, b0, rows, weights, bias, act, out

static void depthwise_portable(DEPTHWISE_ARGS) { depthwise_band(DEPTHWISE_PASS); }
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void depthwise_avx2(DEPTHWISE_ARGS) { depthwise_band(DEPTHWISE_PASS); }
__attribute__((target("avx512f,fma"))) static void depthwise_avx512(DEPTHWISE_ARGS) { depthwise_band(DEPTHWISE_PASS); }
#endif

size_t ck_depthwise_scratch(ck_isa isa, const ck_conv_image *im, size_t out_h) {
    return ck_conv_direct_scratch(isa, im, out_h);
}

void ck_depthwise(ck_isa isa, const ck_conv_image *im, size_t out_h, const float *weights, float bias,
                  ck_activation act, float *out, float *scratch) {
    ptrdiff_t *col_offset = (ptrdiff_t *)(void *)scratch;
    float *band = scratch + offset_floats(im);
    set_col_offsets(im, col_offset);
    const size_t per_band = band_rows(im, out_h);
    for (size_t b0 = 0; b0 < out_h; b0 += per_band) {
        const size_t rows = out_h - b0 < per_band ? out_h - b0 : per_band;
        fill_band(ck_desc_for(isa), im, b0, band_height(im, rows), band);
#if defined(__x86_64__)
        if (isa == CK_AVX512) { depthwise_avx512(im, col_offset, band, b0, rows, weights, bias, act, out); continue; }
        if (isa == CK_AVX2) { depthwise_avx2(im, col_offset, band, b0, rows, weights, bias, act, out); continue; }
#endif
        depthwise_portable(im, col_offset, band, b0, rows, weights, bias, act, out);
    }
}
