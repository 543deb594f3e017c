import Kernels

/// MaxPool, AveragePool and GlobalAveragePool (NCHW; 1-D pools run as 2-D with height 1).
enum Pooling {
    static func pool(_ x: Tensor, _ c: RunContext) throws -> Tensor {
        let s = try ConvOps.spatial2D(x.shape, c)
        guard let kernel = c.node.ints("kernel_shape"), kernel.count == x.rank - 2 else {
            throw c.fail(.badAttribute("kernel_shape is required and must match the input's spatial rank"))
        }
        var window = try ConvOps.Window(c.node, kernel: kernel, c)
        let spatial = Array(x.shape[2...])
        let ceilMode = c.node.int("ceil_mode", 0) != 0
        var outSize = [Int](repeating: 0, count: spatial.count)
        let eff = window.effectiveKernel
        switch window.autoPad {
        case "SAME_UPPER", "SAME_LOWER":
            window.resolve(input: spatial)
            for i in spatial.indices { outSize[i] = (spatial[i] + window.strides[i] - 1) / window.strides[i] }
        case "VALID":
            window.resolve(input: spatial)
            for i in spatial.indices { outSize[i] = (spatial[i] - eff[i]) / window.strides[i] + 1 }
        default:
            for i in spatial.indices {
                let span = spatial[i] + window.begin[i] + window.end[i] - eff[i]
                var o = (ceilMode ? (span + window.strides[i] - 1) / window.strides[i] : span / window.strides[i]) + 1
                // A last window that would start in the end padding is dropped (as PyTorch and onnxruntime do).
                if ceilMode, (o - 1) * window.strides[i] >= spatial[i] + window.begin[i] { o -= 1 }
                outSize[i] = o
            }
        }
        guard outSize.allSatisfy({ $0 > 0 }) else { throw c.fail(.shapeMismatch("input \(x.shape) is smaller than the pool window")) }
        let w = window.as2D
        let (oh, ow) = (outSize.count == 1 ? 1 : outSize[0], outSize[outSize.count - 1])
        let (kh, kw) = (w.kernel[0], w.kernel[1]), (sh, sw) = (w.strides[0], w.strides[1])
        let (dh, dw) = (w.dilations[0], w.dilations[1]), (pt, pl) = (w.begin[0], w.begin[1])
        let (ih, iw) = (s[2], s[3])
        let isMax = c.node.opType == "MaxPool"
        let includePad = c.node.int("count_include_pad", 0) != 0
        let xv = x.floats
        var out = [Float](repeating: 0, count: s[0] * s[1] * oh * ow)
        xv.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                for plane in 0..<(s[0] * s[1]) {
                    let src = xp.baseAddress! + plane * ih * iw
                    let dst = op.baseAddress! + plane * oh * ow
                    for y in 0..<oh {
                        let y0 = y * sh - pt
                        for xo in 0..<ow {
                            let x0 = xo * sw - pl
                            if isMax {
                                var m = -Float.infinity
                                for ky in 0..<kh {
                                    let iy = y0 + ky * dh
                                    if iy < 0 || iy >= ih { continue }
                                    for kx in 0..<kw {
                                        let ix = x0 + kx * dw
                                        if ix < 0 || ix >= iw { continue }
                                        m = max(m, src[iy * iw + ix])
                                    }
                                }
                                dst[y * ow + xo] = m
                            } else {
                                // The divisor with count_include_pad covers the window inside the
                                // padded input (not beyond it, which ceil_mode can reach).
                                let yEnd = min(y0 + kh, ih + w.end[0]), xEnd = min(x0 + kw, iw + w.end[1])
                                let padded = (yEnd - y0) * (xEnd - x0)
                                let ya = max(y0, 0), yb = min(yEnd, ih), xa = max(x0, 0), xb = min(xEnd, iw)
                                var sum: Float = 0
                                if ya < yb, xa < xb {
                                    for iy in ya..<yb { for ix in xa..<xb { sum += src[iy * iw + ix] } }
                                }
                                let n = includePad ? padded : max(0, (yb - ya)) * max(0, (xb - xa))
                                dst[y * ow + xo] = n > 0 ? sum / Float(n) : 0
                            }
                        }
                    }
                }
            }
        }
        let shape = x.rank == 3 ? [s[0], s[1], ow] : [s[0], s[1], oh, ow]
        return Tensor(shape: shape, floats: out)
    }

    static func globalAverage(_ x: Tensor, _ c: RunContext) throws -> Tensor {
        guard x.rank >= 3 else { throw c.fail(.shapeMismatch("GlobalAveragePool takes [N, C, …], not \(x.shape)")) }
        let planes = x.shape[0] * x.shape[1]
        let size = x.count / max(planes, 1)
        let v = x.floats
        var out = [Float](repeating: 0, count: planes)
        v.withUnsafeBufferPointer { p in
            for i in 0..<planes { out[i] = sum(UnsafeBufferPointer(rebasing: p[(i * size)..<((i + 1) * size)])) / Float(size) }
        }
        return Tensor(shape: [x.shape[0], x.shape[1]] + [Int](repeating: 1, count: x.rank - 2), floats: out)
    }
}
