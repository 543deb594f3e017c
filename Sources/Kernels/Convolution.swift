// ONNX Conv and ConvTranspose on NCHW Float tensors, as GEMMs over the CKernels microkernels.
// Conv: out[g] (outC/g × outH·outW) = W[g] (outC/g × inC/g·kH·kW) · im2col(in[g]); the weights
// are packed once per call and the im2col matrix is never built (the direct kernel reads a
// padded copy of the input, the others pack panels straight from the image). ConvTranspose:
// col = W[g]ᵀ · in[g], scattered back (col2im) in bounded chunks.
internal import CKernels

/// Shape of a 2-D convolution; pads in ONNX order (top, left, bottom, right).
public struct ConvGeometry: Sendable, Equatable {
    public var batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth: Int
    public var strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups: Int

    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideH: Int = 1, strideW: Int = 1,
                padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0,
                dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1) {
        self.batch = batch; self.inChannels = inChannels; self.inHeight = inHeight; self.inWidth = inWidth
        self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideH = strideH; self.strideW = strideW
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
        self.dilationH = dilationH; self.dilationW = dilationW; self.groups = groups
    }

    /// 0 when the dilated kernel does not fit the padded input.
    public var outHeight: Int { outputExtent(inHeight + padTop + padBottom, kernelHeight, dilationH, strideH) }
    public var outWidth: Int { outputExtent(inWidth + padLeft + padRight, kernelWidth, dilationW, strideW) }

    private func outputExtent(_ padded: Int, _ kernel: Int, _ dilation: Int, _ stride: Int) -> Int {
        let span = padded - dilation * (kernel - 1) - 1
        return span < 0 ? 0 : span / stride + 1
    }
}

public enum Convolution {
    /// Applied to every output after the bias, while the kernels still hold the tile in
    /// registers (an ONNX Conv → Relu pair costs one pass over the output, not two).
    public enum Activation: Sendable, Equatable {
        case identity, relu

        var ck: ck_activation {
            switch self {
            case .identity: CK_IDENTITY
            case .relu: CK_RELU
            }
        }
    }

    /// NCHW. weights: [outC, inC/groups, kH, kW] (ONNX Conv layout); bias: outC or nil.
    /// output: [batch, outC, outH, outW], fully overwritten.
    public static func conv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              output: UnsafeMutablePointer<Float>, geometry: ConvGeometry, threads: Int,
                              activation: Activation = .identity) {
        conv2d(input: input, weights: weights, bias: bias, output: output, geometry: geometry, threads: threads,
               activation: activation, using: .selected)
    }

    /// ONNX ConvTranspose, NCHW. weights: [inC, outC/groups, kH, kW] (ONNX layout); bias: outC or nil.
    /// outHeight/outWidth come from the caller (output_padding / output_shape); output is fully overwritten.
    public static func convTranspose2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                       output: UnsafeMutablePointer<Float>, batch: Int, inChannels: Int, inHeight: Int, inWidth: Int,
                                       outChannels: Int, outHeight: Int, outWidth: Int, kernelHeight: Int, kernelWidth: Int,
                                       strideH: Int, strideW: Int, padTop: Int, padLeft: Int, dilationH: Int, dilationW: Int,
                                       groups: Int, threads: Int) {
        let shape = TransposedShape(batch: batch, inChannels: inChannels, inHeight: inHeight, inWidth: inWidth,
                                    outChannels: outChannels, outHeight: outHeight, outWidth: outWidth,
                                    kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideH: strideH, strideW: strideW,
                                    padTop: padTop, padLeft: padLeft, dilationH: dilationH, dilationW: dilationW, groups: groups)
        convTranspose2d(input: input, weights: weights, bias: bias, output: output, shape: shape, threads: threads,
                        using: .selected)
    }

    /// allowWinograd false keeps convs Winograd would take on the direct and packed paths (for their tests).
    static func conv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                       output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, threads: Int,
                       activation: Activation = .identity, using impl: Implementation, allowWinograd: Bool = true) {
        precondition(threads >= 1, "threads must be at least 1")
        precondition(g.batch >= 0 && g.inChannels > 0 && g.outChannels > 0 && g.inHeight > 0 && g.inWidth > 0
                     && g.kernelHeight > 0 && g.kernelWidth > 0, "empty convolution")
        precondition(g.strideH > 0 && g.strideW > 0 && g.dilationH > 0 && g.dilationW > 0, "stride and dilation must be positive")
        precondition(g.padTop >= 0 && g.padLeft >= 0 && g.padBottom >= 0 && g.padRight >= 0, "negative padding")
        precondition(g.groups > 0 && g.inChannels % g.groups == 0 && g.outChannels % g.groups == 0,
                     "channels not divisible by groups")
        let outH = g.outHeight, outW = g.outWidth
        guard g.batch > 0, outH > 0, outW > 0 else { return }
        let icg = g.inChannels / g.groups, ocg = g.outChannels / g.groups
        let inHW = g.inHeight * g.inWidth, outHW = outH * outW
        let depth = icg * g.kernelHeight * g.kernelWidth
        let planes = g.batch * g.groups
        let act = activation.ck

        func image(_ n: Int, _ group: Int) -> ck_conv_image {
            ck_conv_image(input: input + (n * g.inChannels + group * icg) * inHW, channels: icg,
                          in_h: g.inHeight, in_w: g.inWidth, out_w: outW,
                          kernel_h: g.kernelHeight, kernel_w: g.kernelWidth, stride_h: g.strideH,
                          stride_w: g.strideW, pad_top: g.padTop, pad_left: g.padLeft,
                          dil_h: g.dilationH, dil_w: g.dilationW)
        }
        var shape = image(0, 0)

        if icg == 1 && ocg == 1 {
            // Depthwise: a direct kernel per channel plane.
            let workers = workerCount(threads, work: planes * outHW * depth, pieces: planes)
            let floats = ck_depthwise_scratch(impl.isa, &shape, outH)
            parallel(workers, scratch: { _ in floats }) { w, scratch in
                for plane in stride(from: w, to: planes, by: workers) {
                    let ch = plane % g.groups
                    var source = image(plane / g.groups, ch)
                    ck_depthwise(impl.isa, &source, outH, weights + ch * depth, bias?[ch] ?? 0, act,
                                 output + plane * outHW, scratch)
                }
            }
            return
        }

        if allowWinograd && usesWinograd(g) {
            winograd(input: input, weights: weights, bias: bias, output: output, geometry: g, threads: threads,
                     activation: act, using: impl)
            return
        }

        // Three ways to a GEMM: 1×1 stride-1 convs read the input as B; rows wide enough for
        // the tiles use the direct kernel on a padded band; the rest pack B panels from the image.
        let pointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideH == 1 && g.strideW == 1
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        let direct = !pointwise && ck_conv_direct_suits(impl.isa, &shape) != 0
        func pack(_ rows: Range<Int>, of group: Int, into packed: UnsafeMutablePointer<Float>) {
            let w = weights + (group * ocg + rows.lowerBound) * depth
            if direct { ck_pack_a_direct(impl.isa, rows.count, depth, w, depth, packed) }
            else { ck_pack_a(impl.isa, 0, rows.count, depth, w, depth, packed) }
        }
        /// Output channels `rows` of plane (n, group), units first ..< first+count (output rows
        /// for the direct kernel, output columns otherwise), with those rows' packed weights.
        func compute(_ plane: Int, _ first: Int, _ count: Int, _ rows: Range<Int>, _ packed: UnsafePointer<Float>,
                     _ scratch: UnsafeMutablePointer<Float>) {
            let n = plane / g.groups, group = plane % g.groups
            let dst = output + (n * g.outChannels + group * ocg + rows.lowerBound) * outHW
            let rowBias = bias.map { $0 + group * ocg + rows.lowerBound }
            var source = image(n, group)
            if direct {
                ck_conv_direct(impl.isa, rows.count, packed, &source, first, first + count, rowBias, act, dst, outHW,
                               scratch)
            } else if pointwise {
                ck_sgemm_packed(impl.isa, rows.count, count, depth, 1, packed, 0, source.input + first, inHW, 0,
                                rowBias, act, dst + first, outHW, scratch)
            } else {
                ck_conv_gemm(impl.isa, rows.count, first, count, packed, &source, rowBias, act, dst + first, outHW,
                             scratch)
            }
        }
        func scratchSize(_ units: Int) -> Int {
            direct ? ck_conv_direct_scratch(impl.isa, &shape, units) : ck_packed_scratch(impl.isa, units, depth)
        }

        let perPlane = direct ? outH : outHW, granule = direct ? 1 : 64
        let total = planes * perPlane, pieces = (total + granule - 1) / granule
        let tiles = (ocg + impl.tileRows - 1) / impl.tileRows
        let workers = workerCount(threads, work: planes * outHW * ocg * depth, pieces: max(pieces, tiles))
        if pieces < workers {
            // Too few output units to share (deep layers on small images): each worker takes a
            // block of output channels, packing just those rows of the weights.
            let perWorker = (tiles + workers - 1) / workers * impl.tileRows
            let floats = ck_packed_a_size(impl.isa, min(ocg, perWorker), depth) + scratchSize(perPlane)
            parallel(workers, scratch: { _ in floats }) { w, scratch in
                let rows = min(ocg, w * perWorker)..<min(ocg, (w + 1) * perWorker)
                guard !rows.isEmpty else { return }
                let packed = scratch, rest = scratch + ck_packed_a_size(impl.isa, rows.count, depth)
                for plane in 0..<planes {
                    if plane == 0 || g.groups > 1 { pack(rows, of: plane % g.groups, into: packed) }
                    compute(plane, 0, perPlane, rows, packed, rest)
                }
            }
            return
        }
        let packedSize = ck_packed_a_size(impl.isa, ocg, depth)
        withScratch(packedSize * g.groups) { packed in
            for group in 0..<g.groups { pack(0..<ocg, of: group, into: packed + group * packedSize) }
            // The units of all planes laid end to end and cut into equal runs, one per worker.
            let run = ((total + workers - 1) / workers + granule - 1) / granule * granule
            let floats = scratchSize(min(run, perPlane))
            parallel(workers, scratch: { _ in floats }) { w, scratch in
                let lo = w * run, hi = min(total, lo + run)
                guard lo < hi else { return }
                var at = lo
                while at < hi {
                    let plane = at / perPlane, first = at % perPlane, count = min(hi - at, perPlane - first)
                    compute(plane, first, count, 0..<ocg, packed + plane % g.groups * packedSize, scratch)
                    at += count
                }
            }
        }
    }

    /// Whether conv2d takes Winograd F(2×2, 3×3) for `g`: 3×3, stride 1, dilation 1, one group,
    /// and a shape where its 16 GEMMs of 4/9 the multiply-adds beat the direct kernel, which
    /// already runs at the FMA peak. Measured on Zen 4 (AVX-512 and AVX2): the transforms cost
    /// per channel and the filters per channel pair, so 16→16 broke even and 16→32 or 32→32
    /// won; the transforms take 16 tiles of a tile row at a time, so outputs narrower than 32
    /// columns waste lanes and lost (32→32 at 24 columns by 3%, at 32 it took a third off).
    static func usesWinograd(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideH == 1 && g.strideW == 1
            && g.dilationH == 1 && g.dilationW == 1 && g.groups == 1
            && min(g.inChannels, g.outChannels) >= 16 && g.inChannels * g.outChannels >= 512
            && g.outWidth >= 32 && (g.outHeight + 1) / 2 * ((g.outWidth + 1) / 2) >= 32
    }

    /// conv2d by Winograd F(2×2, 3×3): the filters are transformed and packed once per call, then
    /// the tiles of all images are laid end to end and cut into equal runs, one per worker.
    private static func winograd(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                 output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, threads: Int,
                                 activation act: ck_activation, using impl: Implementation) {
        let outH = g.outHeight, outW = g.outWidth, inHW = g.inHeight * g.inWidth, outHW = outH * outW
        let perImage = (outH + 1) / 2 * ((outW + 1) / 2), total = g.batch * perImage
        // Runs in whole vector steps of the transforms.
        let granule = 16, pieces = (total + granule - 1) / granule
        let workers = workerCount(threads, work: total * 16 * g.inChannels * g.outChannels, pieces: pieces)
        let run = ((total + workers - 1) / workers + granule - 1) / granule * granule
        func image(_ n: Int) -> ck_conv_image {
            ck_conv_image(input: input + n * g.inChannels * inHW, channels: g.inChannels, in_h: g.inHeight,
                          in_w: g.inWidth, out_w: outW, kernel_h: 3, kernel_w: 3, stride_h: 1, stride_w: 1,
                          pad_top: g.padTop, pad_left: g.padLeft, dil_h: 1, dil_w: 1)
        }
        var shape = image(0)
        let filterSize = ck_winograd_filter_size(impl.isa, g.outChannels, g.inChannels)
        withScratch(filterSize + ck_winograd_filter_scratch(impl.isa, g.outChannels, g.inChannels)) { packed in
            ck_winograd_filter(impl.isa, g.outChannels, g.inChannels, weights, packed, packed + filterSize)
            let floats = ck_winograd_scratch(impl.isa, &shape, g.outChannels, min(run, perImage))
            parallel(workers, scratch: { _ in floats }) { w, scratch in
                let lo = w * run, hi = min(total, lo + run)
                var at = lo
                while at < hi {
                    let n = at / perImage, first = at % perImage, count = min(hi - at, perImage - first)
                    var source = image(n)
                    ck_winograd_conv(impl.isa, g.outChannels, packed, &source, first, count, outH, bias, act,
                                     output + n * g.outChannels * outHW, outHW, scratch)
                    at += count
                }
            }
        }
    }

    /// Floats of col2im buffer per worker: stays in L2 next to the packed panels.
    static let columnBudget = 1 << 16

    static func convTranspose2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                output: UnsafeMutablePointer<Float>, shape s: TransposedShape, threads: Int,
                                using impl: Implementation) {
        s.validate()
        precondition(threads >= 1, "threads must be at least 1")
        guard s.batch > 0, s.outHeight > 0, s.outWidth > 0 else { return }
        let icg = s.inChannels / s.groups, ocg = s.outChannels / s.groups
        let taps = s.kernelHeight * s.kernelWidth
        let inHW = s.inHeight * s.inWidth, outHW = s.outHeight * s.outWidth
        // Work items are (image, group, block of output channels): each owns its output planes,
        // so the scatter needs no locks. Enough blocks per group to keep every worker busy.
        let units = s.batch * s.groups
        let blocks = min(ocg, max(1, (threads + units - 1) / units))
        let perBlock = (ocg + blocks - 1) / blocks
        let items = units * blocks
        let workers = workerCount(threads, work: s.batch * s.inChannels * inHW * ocg * taps, pieces: items)
        // W[g] is [icg × ocg·taps]; its transpose's rows for a channel block are packed once.
        let blockRows = perBlock * taps
        let packedSize = ck_packed_a_size(impl.isa, blockRows, icg)
        withScratch(packedSize * s.groups * blocks) { packed in
            for group in 0..<s.groups {
                for block in 0..<blocks {
                    let oc0 = block * perBlock, count = max(0, min(ocg, oc0 + perBlock) - oc0)
                    guard count > 0 else { continue }
                    ck_pack_a(impl.isa, 1, count * taps, icg, weights + group * icg * ocg * taps + oc0 * taps,
                              ocg * taps, packed + (group * blocks + block) * packedSize)
                }
            }
            let chunk = max(impl.tileCols, min(inHW, columnBudget / blockRows) / impl.tileCols * impl.tileCols)
            let floats = blockRows * chunk + ck_packed_scratch(impl.isa, chunk, icg)
            parallel(workers, scratch: { _ in floats }) { w, scratch in
                let col = scratch, gemmScratch = scratch + blockRows * chunk
                for item in stride(from: w, to: items, by: workers) {
                    let block = item % blocks, unit = item / blocks
                    let n = unit / s.groups, group = unit % s.groups
                    let oc0 = block * perBlock, count = min(ocg, oc0 + perBlock) - oc0
                    guard count > 0 else { continue }
                    let first = group * ocg + oc0
                    let dst = output + (n * s.outChannels + first) * outHW
                    for c in 0..<count {
                        (dst + c * outHW).update(repeating: bias?[first + c] ?? 0, count: outHW)
                    }
                    let src = input + (n * s.inChannels + group * icg) * inHW
                    let weightsPacked = UnsafePointer(packed + (group * blocks + block) * packedSize)
                    var q0 = 0
                    while q0 < inHW {
                        let cols = min(chunk, inHW - q0)
                        ck_sgemm_packed(impl.isa, count * taps, cols, icg, 1, weightsPacked, 0, src + q0, inHW, 0,
                                        nil, CK_IDENTITY, col, cols, gemmScratch)
                        ck_col2im_add(col, cols, count, q0, cols, s.inWidth, s.kernelHeight, s.kernelWidth,
                                      s.strideH, s.strideW, s.padTop, s.padLeft, s.dilationH, s.dilationW,
                                      dst, s.outHeight, s.outWidth)
                        q0 += cols
                    }
                }
            }
        }
    }
}

/// ConvTranspose parameters as passed to `Convolution.convTranspose2d`.
struct TransposedShape {
    var batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelHeight, kernelWidth: Int
    var strideH, strideW, padTop, padLeft, dilationH, dilationW, groups: Int

    func validate() {
        precondition(batch >= 0 && inChannels > 0 && outChannels > 0 && inHeight > 0 && inWidth > 0
                     && kernelHeight > 0 && kernelWidth > 0 && outHeight >= 0 && outWidth >= 0, "empty convolution")
        precondition(strideH > 0 && strideW > 0 && dilationH > 0 && dilationW > 0, "stride and dilation must be positive")
        precondition(padTop >= 0 && padLeft >= 0, "negative padding")
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "channels not divisible by groups")
    }
}
