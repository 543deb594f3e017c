// C microkernels behind the Kernels target (Swift SIMD compiles to scalar code without a target
// CPU; C functions with target attributes do not). Only Kernels imports this module.
// All matrices are row-major. Nothing here allocates, spawns threads or keeps state: the caller
// passes scratch and splits work.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set variants, best last.
typedef enum { CK_PORTABLE = 0, CK_AVX2 = 1, CK_AVX512 = 2 } ck_isa;

/// What the convolution kernels apply to each output value after the bias, while the tile is
/// still in registers (ONNX Conv followed by Relu: one pass over the output instead of two).
/// CK_RELU keeps NaN (as Relu's max(x, 0) does in the reference).
typedef enum { CK_IDENTITY = 0, CK_RELU = 1 } ck_activation;

/// Whether this CPU (and OS) can run `isa`.
int ck_isa_supported(ck_isa isa);

/// Register tile of `isa`'s microkernel: rows of A (mr) and columns of B (nr).
int ck_tile_rows(ck_isa isa);
int ck_tile_cols(ck_isa isa);

/// Floats of scratch `ck_sgemm` needs for an m×n×k product.
size_t ck_sgemm_scratch(ck_isa isa, size_t m, size_t n, size_t k);

/// C = alpha·op(A)·op(B) + beta·C; beta 0 ignores what C held. `scratch` (64-byte aligned) holds
/// ck_sgemm_scratch(isa, m, n, k) floats.
void ck_sgemm(ck_isa isa, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
              const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc,
              float *scratch);

/// Floats `ck_pack_a` writes for an m×k op(A).
size_t ck_packed_a_size(ck_isa isa, size_t m, size_t k);

/// Packs op(A) once into the layout the microkernel reads, for products that reuse A (conv weights).
void ck_pack_a(ck_isa isa, int trans_a, size_t m, size_t k, const float *a, size_t lda, float *packed);

/// Floats of scratch the *_packed products below need (B panels only).
size_t ck_packed_scratch(ck_isa isa, size_t n, size_t k);

/// As ck_sgemm with A from ck_pack_a (of exactly m×k) and a plain B, plus bias[i] added to
/// row i (bias may be NULL), then `act`.
void ck_sgemm_packed(ck_isa isa, size_t m, size_t n, size_t k, float alpha, const float *packed_a,
                     int trans_b, const float *b, size_t ldb, float beta, const float *bias,
                     ck_activation act, float *c, size_t ldc, float *scratch);

/// One image of one group of a conv, seen as the virtual im2col matrix
/// B[(ic, ky, kx)][(oy, ox)] = input[ic][oy·stride_h − pad_top + ky·dil_h][…], zero outside.
typedef struct {
    const float *input;      // [channels][in_h][in_w]
    size_t channels, in_h, in_w, out_w;
    size_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w;
} ck_conv_image;

/// C[m × cols] = act(A·B + bias) (bias per row, may be NULL) with B the im2col of `image`,
/// columns col0 ..< col0+cols, and A from ck_pack_a with k = channels·kernel_h·kernel_w. C is
/// only written. No im2col buffer: B panels are packed straight from the image.
void ck_conv_gemm(ck_isa isa, size_t m, size_t col0, size_t cols, const float *packed_a,
                  const ck_conv_image *image, const float *bias, ck_activation act, float *c, size_t ldc,
                  float *scratch);

/// Whether ck_conv_direct suits `image` on `isa`: output rows that fill most of a tile.
int ck_conv_direct_suits(ck_isa isa, const ck_conv_image *image);

/// Packs A (m×k, row-major) for ck_conv_direct; ck_packed_a_size floats.
void ck_pack_a_direct(ck_isa isa, size_t m, size_t k, const float *a, size_t lda, float *packed);

/// Floats of scratch ck_conv_direct needs for up to `rows` output rows of `image`.
size_t ck_conv_direct_scratch(ck_isa isa, const ck_conv_image *image, size_t rows);

/// Output rows oy0 ..< oy1 of C[m][out_h·out_w] = act(A·im2col(image) + bias) (bias per row, may
/// be NULL), A from ck_pack_a_direct. The kernel reads B in place from a zero-padded copy of the
/// input rows a band of output rows needs, so nothing is packed per column.
void ck_conv_direct(ck_isa isa, size_t m, const float *packed_a, const ck_conv_image *image, size_t oy0,
                    size_t oy1, const float *bias, ck_activation act, float *c, size_t ldc, float *scratch);

/// ConvTranspose scatter: out[oc][y][x] += col[(oc·kh + ky)·kw + kx][q] for input pixels
/// q = col0 ..< col0+cols (q = i·in_w + j), y = i·stride_h − pad_top + ky·dil_h (x likewise),
/// for oc ..< channels; out is [channels][out_h][out_w].
void ck_col2im_add(const float *col, size_t ldcol, size_t channels, size_t col0, size_t cols,
                   size_t in_w, size_t kernel_h, size_t kernel_w, size_t stride_h, size_t stride_w,
                   size_t pad_top, size_t pad_left, size_t dil_h, size_t dil_w,
                   float *out, size_t out_h, size_t out_w);

/// Floats of scratch ck_depthwise needs.
size_t ck_depthwise_scratch(ck_isa isa, const ck_conv_image *image, size_t out_h);

/// Depthwise conv of one channel plane (`image` with channels 1) by its own kernel_h×kernel_w
/// filter: out[out_h][out_w] = act(bias + weights ⋆ image).
void ck_depthwise(ck_isa isa, const ck_conv_image *image, size_t out_h, const float *weights, float bias,
                  ck_activation act, float *out, float *scratch);

/// Winograd F(2×2, 3×3) for 3×3, stride 1, dilation 1 convs (winograd.c): 16 GEMMs of
/// m × channels by channels × tiles in place of one of m × 9·channels by 9·channels × pixels.
/// Floats of the transformed, packed filters, and of the scratch ck_winograd_filter needs.
size_t ck_winograd_filter_size(ck_isa isa, size_t m, size_t channels);
size_t ck_winograd_filter_scratch(ck_isa isa, size_t m, size_t channels);

/// Transforms and packs weights [m][channels][3][3] for ck_winograd_conv.
void ck_winograd_filter(ck_isa isa, size_t m, size_t channels, const float *weights, float *packed, float *scratch);

/// Floats of scratch ck_winograd_conv needs for up to `tiles` tiles of `image`.
size_t ck_winograd_scratch(ck_isa isa, const ck_conv_image *image, size_t m, size_t tiles);

/// 2×2 output tiles t0 ..< t0+tiles (row-major over the ⌈out_h/2⌉ × ⌈out_w/2⌉ tiles; the last
/// row and column may be cut by the output's edge) of c[m][out_h][out_w] = act(W ⋆ image + bias),
/// output channels `plane` floats apart; bias may be NULL. `image` must be 3×3, stride 1, dilation 1.
void ck_winograd_conv(ck_isa isa, size_t m, const float *packed_u, const ck_conv_image *image, size_t t0, size_t tiles,
                      size_t out_h, const float *bias, ck_activation act, float *c, size_t plane, float *scratch);

/// A spin-wait hint for the worker pool's polling loops (Kernels' WorkerPool.swift).
static inline void ck_spin_pause(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#ifdef __cplusplus
}
#endif
#endif
