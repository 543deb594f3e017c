// Winograd F(2×2, 3×3) for 3×3 stride-1 convs (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016). A 2×2 output tile is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for its 4×4 input tile d,
// so 16 multiplies per channel pair replace the direct kernel's 36. Summed over input channels,
// the element-wise products are 16 GEMMs, one per transform-domain position ξ:
// M_ξ[oc][tile] = U_ξ[oc][ic] · V_ξ[ic][tile], on the packed-A microkernels of every ISA.
// The transforms use only 0, ±1 and ±½ (exact scalings), so the result rounds about as the
// direct sum does. F(4×4, 3×3) would need 2.25 multiplies per output instead of 4, but its
// constants (±2, ±4, ±8, ¼ …) round worse; not tried.
#include <string.h>
#include "internal.h"

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

/// Floats of V and M per block of tiles: with the packed U they stay in Zen 4's 1 MiB L2.
#define TILE_BUDGET (1 << 16)
/// Tiles per vector step of the transforms.
#define LANES 16

/// Tiles per block for `channels` in and `m` out: as many as the budget holds, in whole
/// microkernel panels of every ISA (8, 16 or 32 columns).
static size_t block_tiles(size_t channels, size_t m) {
    const size_t nb = TILE_BUDGET / (16 * (channels + m)) / 32 * 32;
    return nb < 32 ? 32 : nb;
}

/// Floats of one padded input row of the band: a tile row and slack for the last vector step.
static size_t row_floats(size_t tiles_w) { return round_up(2 * (tiles_w + LANES) + 2, 16); }

/// Padded rows of the band for a block of nb tiles: 2 per tile row it can touch, and 2 more.
static size_t band_rows(size_t nb, size_t tiles_w) { return 2 * (nb / tiles_w + 2) + 2; }

/// Floats between the V_ξ (and the M_ξ): 16 floats past a multiple of 4 KiB, so the 16 stores
/// of a transform step (and the 16 loads of the output step) do not all fall in one L1 set;
/// the 16 floats past the last M_ξ are the slack the output step reads into.
static size_t xi_floats(size_t floats) { return floats + 16; }

/// Floats between the U_ξ: as xi_floats, off a multiple of 4 KiB, or the filter transform's
/// 16 stores alias the loads after them (4K aliasing) and it ran three times slower.
static size_t u_floats(ck_isa isa, size_t m, size_t channels) { return xi_floats(ck_packed_a_size(isa, m, channels)); }

size_t ck_winograd_filter_size(ck_isa isa, size_t m, size_t channels) { return 16 * u_floats(isa, m, channels); }

size_t ck_winograd_filter_scratch(ck_isa isa, size_t m, size_t channels) { return ck_packed_a_size(isa, m, 9 * channels); }

CK_INLINE void store4(float *p, v4 v) { memcpy(p, &v, sizeof v); }

// U_ξ goes straight into the layout ck_pack_a_direct writes (MR-row panels over all `channels`
// columns, zero rows past m): the GEMMs below call the microkernel with k = channels at once.
// The weights are first packed the same way (as m × 9·channels), so a panel's MR filters of one
// channel lie side by side and the transform takes four at a time (MR is 4, 6 or 8; with 6 the
// two steps overlap and write rows 2 and 3 twice, with the same values). Filter by filter it
// was a tenth of a 32→32 conv, and once per sample when a batch runs sample by sample.
void ck_winograd_filter(ck_isa isa, size_t m, size_t channels, const float *weights, float *packed, float *scratch) {
    const size_t mr = (size_t)ck_desc_for(isa)->mr, size = u_floats(isa, m, channels);
    ck_pack_a_direct(isa, m, 9 * channels, weights, 9 * channels, scratch);
    const v4 half = { 0.5f, 0.5f, 0.5f, 0.5f };
    for (size_t p = 0; p < (m + mr - 1) / mr; p++) {
        for (size_t ic = 0; ic < channels; ic++) {
            const float *g = scratch + (p * 9 * channels + ic * 9) * mr;
            float *u = packed + (p * channels + ic) * mr;
            for (size_t c = 0; c < mr; c += 4) {
                const size_t r = c + 4 <= mr ? c : mr - 4;
                // G g Gᵀ, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]: halving is exact, so each value
                // rounds at most twice.
                v4 t[4][3];
                for (size_t j = 0; j < 3; j++) {
                    const v4 g0 = load4(g + j * mr + r), g1 = load4(g + (3 + j) * mr + r), g2 = load4(g + (6 + j) * mr + r);
                    t[0][j] = g0; t[1][j] = half * (g0 + g1 + g2); t[2][j] = half * (g0 - g1 + g2); t[3][j] = g2;
                }
                for (size_t i = 0; i < 4; i++) {
                    store4(u + (4 * i) * size + r, t[i][0]);
                    store4(u + (4 * i + 1) * size + r, half * (t[i][0] + t[i][1] + t[i][2]));
                    store4(u + (4 * i + 2) * size + r, half * (t[i][0] - t[i][1] + t[i][2]));
                    store4(u + (4 * i + 3) * size + r, t[i][2]);
                }
            }
        }
    }
}

size_t ck_winograd_scratch(ck_isa isa, const ck_conv_image *im, size_t m, size_t tiles) {
    (void)isa;
    const size_t tiles_w = (im->out_w + 1) / 2, nb = min_sz(block_tiles(im->channels, m), round_up(tiles, 32));
    return 16 * (xi_floats(im->channels * nb) + xi_floats(m * nb)) + band_rows(nb, tiles_w) * row_floats(tiles_w);
}

/// Tiles j ..< j+n (n ≤ 16) of one channel into V, which holds the microkernel's B panels
/// already packed (NR tiles by all channels, `panel` floats each), so the GEMMs copy nothing.
/// `row` is the channel's first row, in panel 0.
CK_INLINE void store_tiles(float *row, size_t panel, size_t nr, size_t j, const v16 *x, size_t n) {
    size_t at = j % nr;
    float *dst = row + j / nr * panel;
    if (n == LANES && at + LANES <= nr) { memcpy(dst + at, x, sizeof *x); return; }
    // A run's end or a narrow panel: a piece per panel touched.
    float t[LANES];
    memcpy(t, x, sizeof t);
    for (size_t i = 0; i < n; dst += panel, at = 0) {
        const size_t piece = min_sz(n - i, nr - at);
        memcpy(dst + at, t + i, piece * sizeof(float));
        i += piece;
    }
}

/// Padded rows 2·ty0 ..< 2·ty0 + rows of one channel plane, `ld` floats each (row_floats), zero
/// outside the input: also past the right and bottom edges, which only partial tiles and the
/// last vector step's spare lanes read. Each input row is copied once per block, and long
/// before a transform step loads it at an offset (loads that straddle two stores still in
/// flight cannot be forwarded, and stalled the per-tile-row copy this replaces).
static void fill_band(const ck_conv_image *im, const float *plane, size_t ty0, size_t rows, float *band, size_t ld) {
    const ptrdiff_t in_w = (ptrdiff_t)im->in_w, pad = (ptrdiff_t)im->pad_left;
    const ptrdiff_t lo = pad < (ptrdiff_t)ld ? pad : (ptrdiff_t)ld;
    ptrdiff_t hi = pad + in_w;
    if (hi > (ptrdiff_t)ld) hi = (ptrdiff_t)ld;
    for (size_t r = 0; r < rows; r++) {
        float *dst = band + r * ld;
        const ptrdiff_t iy = (ptrdiff_t)(2 * ty0 + r) - (ptrdiff_t)im->pad_top;
        if (iy < 0 || iy >= (ptrdiff_t)im->in_h) { memset(dst, 0, ld * sizeof(float)); continue; }
        for (ptrdiff_t i = 0; i < lo; i++) dst[i] = 0;
        memcpy(dst + lo, plane + iy * in_w, (size_t)(hi - lo) * sizeof(float));
        for (ptrdiff_t i = hi; i < (ptrdiff_t)ld; i++) dst[i] = 0;
    }
}

/// Even and odd lanes of the 32 floats a, b: columns 0, 2, 4, … and 1, 3, 5, … of 16 tiles.
CK_INLINE void deinterleave(v16 *even, v16 *odd, const v16 *a, const v16 *b) {
    *even = __builtin_shufflevector(*a, *b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    *odd = __builtin_shufflevector(*a, *b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/// Bᵀ d B for 16 tiles side by side, Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]: tiles j ..< j+n
/// of one channel of V_ξ (V_0 at `row`, the others `xi_stride` apart), for the tiles whose
/// columns start at rows[r][0], rows[r][2], …. Rows first (the tiles' 34 columns as four
/// vectors), then even/odd columns split out for the column pass.
CK_INLINE void input_step(const float *rows, size_t ld, float *row, size_t xi_stride, size_t panel, size_t nr,
                          size_t j, size_t n) {
    v16 d[4][4], t[4][4];
    for (int r = 0; r < 4; r++) {
        const float *p = rows + (size_t)r * ld;
        load16(&d[r][0], p); load16(&d[r][1], p + 16); load16(&d[r][2], p + 2); load16(&d[r][3], p + 18);
    }
    for (int q = 0; q < 4; q++) {
        t[0][q] = d[0][q] - d[2][q]; t[1][q] = d[1][q] + d[2][q];
        t[2][q] = d[2][q] - d[1][q]; t[3][q] = d[1][q] - d[3][q];
    }
    for (int i = 0; i < 4; i++) {
        // Columns 0..3 of each tile: even and odd from column 0, the same from column 2.
        v16 c0, c1, c2, c3;
        deinterleave(&c0, &c1, &t[i][0], &t[i][1]);
        deinterleave(&c2, &c3, &t[i][2], &t[i][3]);
        const v16 out[4] = { c0 - c2, c1 + c2, c2 - c1, c1 - c3 };
        for (int q = 0; q < 4; q++) store_tiles(row + (size_t)(4 * i + q) * xi_stride, panel, nr, j, &out[q], n);
    }
}

/// V_ξ for tiles t0 ..< t0+count of the image (column j = t − t0): channel by channel, its band
/// of padded rows, then run by run of one tile row; the last panel's columns past count are zeroed.
CK_INLINE void input_transform(const ck_conv_image *im, size_t tiles_w, size_t t0, size_t count, float *v,
                               size_t xi_stride, size_t nr, float *band) {
    const size_t ld = row_floats(tiles_w), panel = im->channels * nr;
    const size_t ty0 = t0 / tiles_w, rows = 2 * ((t0 + count - 1) / tiles_w - ty0) + 4;
    for (size_t ic = 0; ic < im->channels; ic++) {
        fill_band(im, im->input + ic * im->in_h * im->in_w, ty0, rows, band, ld);
        for (size_t j = 0; j < count;) {
            const size_t t = t0 + j, ty = t / tiles_w, tx0 = t % tiles_w, len = min_sz(count - j, tiles_w - tx0);
            const float *at = band + 2 * (ty - ty0) * ld + 2 * tx0;
            for (size_t k = 0; k < len; k += LANES)
                input_step(at + 2 * k, ld, v + ic * nr, xi_stride, panel, nr, j + k, min_sz(LANES, len - k));
            j += len;
        }
    }
    if (count % nr) {
        float *last = v + count / nr * panel + count % nr;
        for (size_t xi = 0; xi < 16; xi++)
            for (size_t ic = 0; ic < im->channels; ic++) memset(last + xi * xi_stride + ic * nr, 0, (nr - count % nr) * sizeof(float));
    }
}

/// Y = Aᵀ M A (Aᵀ = [1 1 1 0; 0 1 −1 −1]) plus bias, then `act`, for the tiles of M columns
/// j ..< j+count into the output plane of each channel (out_h × out_w, `plane` floats apart).
CK_INLINE void output_transform(size_t m, const float *mm, size_t xi_m, size_t ldm, size_t tiles_w, size_t t0, size_t count,
                                size_t out_h, size_t out_w, const float *bias, ck_activation act, float *c,
                                size_t plane) {
    for (size_t oc = 0; oc < m; oc++) {
        const v16 zero = { 0 }, b = zero + (bias ? bias[oc] : 0.0f);
        for (size_t j = 0; j < count;) {
            const size_t t = t0 + j, ty = t / tiles_w, tx0 = t % tiles_w, len = min_sz(count - j, tiles_w - tx0);
            for (size_t k = 0; k < len; k += LANES) {
                const size_t n = min_sz(LANES, len - k);
                v16 x[16], s[2][4];
                // Whole vectors, also past a run's end: the lanes past n are never stored, and
                // M has the slack (xi_floats). A partial copy here stalled every load after it.
                for (int xi = 0; xi < 16; xi++) load16(&x[xi], mm + (size_t)xi * xi_m + oc * ldm + j + k);
                for (int q = 0; q < 4; q++) {
                    s[0][q] = x[q] + x[4 + q] + x[8 + q];
                    s[1][q] = x[4 + q] - x[8 + q] - x[12 + q];
                }
                for (int r = 0; r < 2; r++) {
                    const size_t oy = 2 * ty + (size_t)r;
                    if (oy >= out_h) break;
                    v16 y0 = s[r][0] + s[r][1] + s[r][2] + b, y1 = s[r][1] - s[r][2] - s[r][3] + b;
                    if (act == CK_RELU) { relu16(&y0); relu16(&y1); }
                    // Tile k's two columns side by side: 32 consecutive output columns.
                    const v16 lo = __builtin_shufflevector(y0, y1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                    const v16 hi = __builtin_shufflevector(y0, y1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
                    const size_t ox = 2 * (tx0 + k), cols = min_sz(2 * n, out_w - ox);
                    float *dst = c + oc * plane + oy * out_w + ox;
                    if (cols == 2 * LANES) { memcpy(dst, &lo, sizeof lo); memcpy(dst + LANES, &hi, sizeof hi); continue; }
                    float row[2 * LANES];
                    memcpy(row, &lo, sizeof lo);
                    memcpy(row + LANES, &hi, sizeof hi);
                    memcpy(dst, row, cols * sizeof(float));
                }
            }
            j += len;
        }
    }
}

#define INPUT_ARGS const ck_conv_image *im, size_t tiles_w, size_t t0, size_t count, float *v, size_t xi_stride, \
    size_t nr, float *band
#define INPUT_PASS im, tiles_w, t0, count, v, xi_stride, nr, band
#define OUTPUT_ARGS size_t m, const float *mm, size_t xi_m, size_t ldm, size_t tiles_w, size_t t0, size_t count, size_t out_h, \
    size_t out_w, const float *bias, ck_activation act, float *c, size_t plane
#define OUTPUT_PASS m, mm, xi_m, ldm, tiles_w, t0, count, out_h, out_w, bias, act, c, plane

// One instantiation per ISA, as for depthwise in conv.c: the generic vectors lower to each one's registers.
static void input_portable(INPUT_ARGS) { input_transform(INPUT_PASS); }
static void output_portable(OUTPUT_ARGS) { output_transform(OUTPUT_PASS); }
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void input_avx2(INPUT_ARGS) { input_transform(INPUT_PASS); }
__attribute__((target("avx2,fma"))) static void output_avx2(OUTPUT_ARGS) { output_transform(OUTPUT_PASS); }
__attribute__((target("avx512f,fma"))) static void input_avx512(INPUT_ARGS) { input_transform(INPUT_PASS); }
__attribute__((target("avx512f,fma"))) static void output_avx512(OUTPUT_ARGS) { output_transform(OUTPUT_PASS); }
#endif

void ck_winograd_conv(ck_isa isa, size_t m, const float *packed_u, const ck_conv_image *im, size_t t0, size_t tiles,
                      size_t out_h, const float *bias, ck_activation act, float *c, size_t plane, float *scratch) {
    const ck_desc *d = ck_desc_for(isa);
    const size_t mr = (size_t)d->mr, nr = (size_t)d->nr, channels = im->channels, tiles_w = (im->out_w + 1) / 2;
    const size_t nb = min_sz(block_tiles(channels, m), round_up(tiles, 32));
    const size_t u_size = u_floats(isa, m, channels), v_size = xi_floats(nb * channels), m_size = xi_floats(m * nb);
    float *v = scratch, *mm = v + 16 * v_size, *band = mm + 16 * m_size;
    void (*input)(INPUT_ARGS) = input_portable;
    void (*output)(OUTPUT_ARGS) = output_portable;
#if defined(__x86_64__)
    if (isa == CK_AVX512) { input = input_avx512; output = output_avx512; }
    else if (isa == CK_AVX2) { input = input_avx2; output = output_avx2; }
#endif
    for (size_t b0 = 0; b0 < tiles; b0 += nb) {
        const size_t count = min_sz(nb, tiles - b0);
        input(im, tiles_w, t0 + b0, count, v, v_size, nr, band);
        // M_ξ = U_ξ · V_ξ straight on the microkernel: both operands are packed, and k is
        // small enough (channels) for one slice; an A panel stays in L1 across V_ξ's panels.
        for (size_t xi = 0; xi < 16; xi++) {
            const float *u = packed_u + xi * u_size, *vx = v + xi * v_size;
            float *out = mm + xi * m_size;
            for (size_t i = 0; i < m; i += mr)
                for (size_t j = 0; j < count; j += nr)
                    d->kernel(channels, u + i * channels, vx + j * channels, out + i * nb + j, nb, 1.0f, 0.0f, NULL,
                              CK_IDENTITY, (int)min_sz(mr, m - i), (int)min_sz(nr, count - j));
        }
        output(m, mm, m_size, nb, tiles_w, t0 + b0, count, out_h, im->out_w, bias, act, c, plane);
    }
}
