// Bilinear resize with pixel centres aligned (source x = (out x + 0.5)·inW/outW − 0.5, clamped
// to the image, as OpenCV's INTER_LINEAR): a vertical pass over two contiguous source rows
// (pure SIMD), then a horizontal pass whose two taps per output pixel are gathered.

/// Per-axis taps: for output index o, source indices i0/i1 and the weight of i1.
struct ResizeTaps {
    var i0: [Int32], i1: [Int32], w1: [Float]

    init(input: Int, output: Int) {
        i0 = []; i1 = []; w1 = []
        i0.reserveCapacity(output); i1.reserveCapacity(output); w1.reserveCapacity(output)
        let scale = Double(input) / Double(output)
        for o in 0..<output {
            let s = min(max((Double(o) + 0.5) * scale - 0.5, 0), Double(input - 1))
            let lo = Int(s.rounded(.down))
            i0.append(Int32(lo))
            i1.append(Int32(min(lo + 1, input - 1)))
            w1.append(Float(s - Double(lo)))
        }
    }
}

/// Storage types the resize reads and writes: widen to Float lanes, narrow back.
protocol ResizePixel: SIMDScalar, Hashable, Codable {
    static func widen(_ v: SIMD16<Self>) -> SIMD16<Float>
    static func narrow(_ v: SIMD16<Float>) -> SIMD16<Self>
}

extension UInt8: ResizePixel {
    @inline(__always) static func widen(_ v: SIMD16<UInt8>) -> SIMD16<Float> { UInt8.floats(v) }
    @inline(__always) static func narrow(_ v: SIMD16<Float>) -> SIMD16<UInt8> { toUInt8(v) }
}

extension Float: ResizePixel {
    @inline(__always) static func widen(_ v: SIMD16<Float>) -> SIMD16<Float> { v }
    @inline(__always) static func narrow(_ v: SIMD16<Float>) -> SIMD16<Float> { v }
}

@inline(__always)
func resizeLanes<T: ResizePixel>(
    _ out: UnsafeMutableBufferPointer<T>, width outW: Int, height outH: Int,
    _ input: UnsafeBufferPointer<T>, width inW: Int, height inH: Int
) {
    precondition(inW > 0 && inH > 0 && outW > 0 && outH > 0, "empty image")
    precondition(input.count >= inW * inH && out.count >= outW * outH, "buffer too small")
    let xs = ResizeTaps(input: inW, output: outW), ys = ResizeTaps(input: inH, output: outH)
    var row = [Float](repeating: 0, count: inW + laneWidth)
    let src = input.baseAddress!
    row.withUnsafeMutableBufferPointer { rowBuf in
        let rowPtr = rowBuf.baseAddress!
        for oy in 0..<outH {
            let top = UnsafeBufferPointer(start: src + Int(ys.i0[oy]) * inW, count: inW)
            let bottom = src + Int(ys.i1[oy]) * inW
            let wy = SIMD16<Float>(repeating: ys.w1[oy])
            // Vertical pass: row = top + (bottom − top)·wy, over contiguous memory.
            var x = 0
            mapLanes(UnsafeMutableBufferPointer(start: rowPtr, count: inW), top) { t in
                let tv = T.widen(t)
                var bv = SIMD16<T>()
                let valid = min(laneWidth, inW - x)
                if valid == laneWidth {
                    bv = UnsafeRawPointer(bottom + x).loadUnaligned(as: SIMD16<T>.self)
                } else {
                    for k in 0..<valid { bv[k] = bottom[x + k] }
                }
                x += laneWidth
                return tv + (T.widen(bv) - tv) * wy
            }
            // Horizontal pass: gather the two taps, blend, narrow.
            let dst = UnsafeMutableBufferPointer(start: out.baseAddress! + oy * outW, count: outW)
            xs.i0.withUnsafeBufferPointer { i0 in
                xs.i1.withUnsafeBufferPointer { i1 in
                    xs.w1.withUnsafeBufferPointer { w1 in
                        var ox = 0
                        while ox < outW {
                            let valid = min(laneWidth, outW - ox)
                            var a = SIMD16<Float>(), b = SIMD16<Float>(), w = SIMD16<Float>()
                            for k in 0..<valid {
                                a[k] = rowPtr[Int(i0[ox + k])]
                                b[k] = rowPtr[Int(i1[ox + k])]
                                w[k] = w1[ox + k]
                            }
                            let r = T.narrow(a + (b - a) * w)
                            for k in 0..<valid { dst[ox + k] = r[k] }
                            ox += laneWidth
                        }
                    }
                }
            }
        }
    }
}

/// Resizes a row-major 8-bit image (e.g. a rendered frame to a model's input size).
public func resizeBilinear(
    _ out: UnsafeMutableBufferPointer<UInt8>, width outW: Int, height outH: Int,
    _ input: UnsafeBufferPointer<UInt8>, width inW: Int, height inH: Int
) { resizeLanes(out, width: outW, height: outH, input, width: inW, height: inH) }

/// Resizes a row-major Float image (e.g. rescaled values before normalisation).
public func resizeBilinear(
    _ out: UnsafeMutableBufferPointer<Float>, width outW: Int, height outH: Int,
    _ input: UnsafeBufferPointer<Float>, width inW: Int, height inH: Int
) { resizeLanes(out, width: outW, height: outH, input, width: inW, height: inH) }
