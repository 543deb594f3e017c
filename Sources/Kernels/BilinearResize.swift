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

/// Storage types the resize reads and writes: widened by `KernelSample.widen`, narrowed here.
protocol ResizePixel: KernelSample {
    static func store(_ dst: UnsafeMutableBufferPointer<Self>, _ row: UnsafeMutablePointer<Float>)
}

extension UInt8: ResizePixel {
    @inline(__always) static func store(_ dst: UnsafeMutableBufferPointer<UInt8>, _ row: UnsafeMutablePointer<Float>) {
        simdPass(row, dst.count) { toMagicByte($0) }
        narrowMagic(dst, row)
    }
}

extension Float: ResizePixel {
    @inline(__always) static func store(_ dst: UnsafeMutableBufferPointer<Float>, _ row: UnsafeMutablePointer<Float>) {
        for k in dst.indices { dst[k] = row[k] }
    }
}

@inline(__always)
func resizeLanes<T: ResizePixel>(
    _ out: UnsafeMutableBufferPointer<T>, width outW: Int, height outH: Int,
    _ input: UnsafeBufferPointer<T>, width inW: Int, height inH: Int
) {
    precondition(inW > 0 && inH > 0 && outW > 0 && outH > 0, "empty image")
    precondition(input.count >= inW * inH && out.count >= outW * outH, "buffer too small")
    let xs = ResizeTaps(input: inW, output: outW), ys = ResizeTaps(input: inH, output: outH)
    let padded = max(inW, outW) + 16
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * padded) { scratch in
        let top = scratch.baseAddress!, bottom = top + padded, line = bottom + padded
        top.initialize(repeating: 0, count: 3 * padded)
        xs.i0.withUnsafeBufferPointer { i0 in
            xs.i1.withUnsafeBufferPointer { i1 in
                xs.w1.withUnsafeBufferPointer { w1 in
                    for oy in 0..<outH {
                        let r0 = Int(ys.i0[oy]) * inW, r1 = Int(ys.i1[oy]) * inW
                        T.widen(top, UnsafeBufferPointer(rebasing: input[r0..<(r0 + inW)]))
                        T.widen(bottom, UnsafeBufferPointer(rebasing: input[r1..<(r1 + inW)]))
                        // Vertical pass, contiguous: top += (bottom − top)·wy.
                        let wy = SIMD16<Float>(repeating: ys.w1[oy])
                        let rawBottom = UnsafeRawPointer(bottom)
                        var k = 0
                        simdPass(top, inW) { t in
                            let b = rawBottom.loadUnaligned(fromByteOffset: k &* 4, as: SIMD16<Float>.self)
                            k &+= 16
                            return t + (b - t) * wy
                        }
                        // Horizontal pass: two taps per output pixel (a gather), then narrow.
                        for ox in 0..<outW {
                            let a = top[Int(i0[ox])], b = top[Int(i1[ox])]
                            line[ox] = a + (b - a) * w1[ox]
                        }
                        T.store(UnsafeMutableBufferPointer(rebasing: out[(oy * outW)..<((oy + 1) * outW)]), line)
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
