import Dispatch

// Pre-processing from modality values to a model's input: window to 0…1, shrink, normalize.
// Whole SIMD16 chunks go through vector arithmetic, the tail (< 16 values) through the same
// formula one value at a time, so buffers need no padding.

@inline(__always)
func mapChunks(_ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<Float>,
               _ vector: (SIMD16<Float>) -> SIMD16<Float>, _ scalar: (Float) -> Float) {
    precondition(out.count >= input.count, "output buffer shorter than input")
    guard let src = input.baseAddress, let dst = out.baseAddress else { return }
    let whole = input.count & ~15
    var i = 0
    while i < whole {
        let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: vector(v), as: SIMD16<Float>.self)
        i &+= 16
    }
    while i < input.count { dst[i] = scalar(src[i]); i &+= 1 }
}

/// DICOM LINEAR windowing (PS3.3 C.11.2.1.2.1) to 0…1 rather than to 8 bits:
/// y = (x − (c − 0.5)) / (w − 1) + 0.5, clamped; `invert` gives 1 − y (MONOCHROME1). A width
/// of at most 1 is a threshold at c − 0.5, as the standard's formula degenerates to.
public func windowToUnit(_ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<Float>,
                         center: Double, width: Double, invert: Bool) {
    let threshold = Float(center - 0.5)
    let a: Float = width > 1 ? Float(1 / (width - 1)) : 0
    let b: Float = width > 1 ? Float(0.5 - (center - 0.5) / (width - 1)) : 0
    let flip: Float = invert ? -1 : 1, shift: Float = invert ? 1 : 0
    if width <= 1 {
        mapChunks(out, input, { v in
            var y = SIMD16<Float>(repeating: 0)
            y.replace(with: 1, where: v .> SIMD16(repeating: threshold))
            return y * flip + shift
        }, { ($0 > threshold ? 1 : 0) * flip + shift })
        return
    }
    let zero = SIMD16<Float>(repeating: 0), one = SIMD16<Float>(repeating: 1)
    mapChunks(out, input, { v in
        var y = v * a + b
        y.replace(with: zero, where: .!(y .>= zero))   // also catches NaN
        y.replace(with: one, where: y .> one)
        return y * flip + shift
    }, { x in
        let y = x * a + b
        return (y >= 0 ? min(y, 1) : 0) * flip + shift
    })
}

/// (x − mean) / std in place.
public func normalize(_ values: UnsafeMutableBufferPointer<Float>, mean: Float, std: Float) {
    let inv = 1 / std, m = mean
    mapChunks(values, UnsafeBufferPointer(values), { ($0 - m) * inv }, { ($0 - m) * inv })
}

/// Smallest and largest value (NaN ignored); nil for an empty buffer.
public func minMax(_ values: UnsafeBufferPointer<Float>) -> (min: Float, max: Float)? {
    guard let p = values.baseAddress, !values.isEmpty else { return nil }
    var lo = SIMD16<Float>(repeating: .infinity), hi = SIMD16<Float>(repeating: -.infinity)
    let whole = values.count & ~15
    var i = 0
    while i < whole {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
        lo = pointwiseMin(lo, v)
        hi = pointwiseMax(hi, v)
        i &+= 16
    }
    var a = lo.min(), b = hi.max()
    while i < values.count { a = min(a, p[i]); b = max(b, p[i]); i &+= 1 }
    return a <= b ? (a, b) : nil
}

/// Shrinks by whole factors (inW = outW·fx, inH = outH·fy): each output value is the mean of its
/// fx × fy block, which keeps small structures that a bilinear shrink would alias away.
public func boxDownsample(_ out: UnsafeMutableBufferPointer<Float>, width outW: Int, height outH: Int,
                          _ input: UnsafeBufferPointer<Float>, width inW: Int, height inH: Int) {
    precondition(outW > 0 && outH > 0 && inW % outW == 0 && inH % outH == 0, "not a whole-factor shrink")
    precondition(out.count >= outW * outH && input.count >= inW * inH, "buffers too small")
    let fx = inW / outW, fy = inH / outH
    let scale = 1 / Float(fx * fy)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: inW) { row in
        let acc = row.baseAddress!
        for oy in 0..<outH {
            // Sum fy source rows (contiguous, vectorizes), then fx neighbours per output value.
            acc.initialize(repeating: 0, count: inW)
            for r in 0..<fy {
                let src = input.baseAddress! + (oy * fy + r) * inW
                for x in 0..<inW { acc[x] += src[x] }
            }
            let dst = out.baseAddress! + oy * outW
            for ox in 0..<outW {
                var s: Float = 0
                for k in 0..<fx { s += acc[ox * fx + k] }
                dst[ox] = s * scale
            }
        }
    }
}

/// max(x, 0) in place on `threads` workers (ReLU, and after a ConvTranspose, whose col2im
/// scatter leaves no epilogue to fuse it into; Conv applies it in its kernels): left serial, it
/// was a tenth of a small CNN's time on two cores.
public func reluInPlace(_ values: UnsafeMutableBufferPointer<Float>, threads: Int) {
    // Below ~64 Ki values a second worker costs more than it saves.
    let parts = min(max(threads, 1), max(values.count >> 16, 1))
    guard parts > 1, let base = values.baseAddress else { return reluInPlace(values) }
    let count = values.count, step = (count + parts - 1) / parts
    // Each worker owns a disjoint slice; the address crosses into the workers as a number.
    let address = Int(bitPattern: base)
    DispatchQueue.concurrentPerform(iterations: parts) { i in
        let lo = i * step, hi = min(lo + step, count)
        guard lo < hi, let p = UnsafeMutablePointer<Float>(bitPattern: address) else { return }
        reluInPlace(UnsafeMutableBufferPointer(start: p + lo, count: hi - lo))
    }
}

/// max(x, 0) in place, on the calling thread.
public func reluInPlace(_ values: UnsafeMutableBufferPointer<Float>) {
    let zero = SIMD16<Float>(repeating: 0)
    mapChunks(values, UnsafeBufferPointer(values), { v in
        var y = v
        y.replace(with: zero, where: v .< zero)
        return y
    }, { $0 < 0 ? 0 : $0 })  // as the vector part: NaN stays NaN
}

/// Sum of the values, in SIMD16 lanes (a different order than a scalar loop: float sums agree
/// to rounding, not bit for bit).
public func sum(_ values: UnsafeBufferPointer<Float>) -> Float {
    guard let p = values.baseAddress else { return 0 }
    var acc = SIMD16<Float>(repeating: 0)
    let whole = values.count & ~15
    var i = 0
    while i < whole {
        acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
        i &+= 16
    }
    var s = acc.sum()
    while i < values.count { s += p[i]; i &+= 1 }
    return s
}
