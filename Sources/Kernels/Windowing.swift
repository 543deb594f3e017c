// Modality rescale then VOI windowing to 8-bit display values in one pass (PS3.3 C.11.2.1.2,
// ymin = 0, ymax = 255). MONOCHROME1 inversion is folded in so the image is read once.

@inline(__always)
func windowLanes<T: KernelSample>(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<T>,
    slope: Double, intercept: Double, window: VOIWindow, invert: Bool
) {
    precondition(out.count >= input.count, "output buffer shorter than input")
    let s = SIMD16<Float>(repeating: Float(slope)), i0 = SIMD16<Float>(repeating: Float(intercept))
    let high = SIMD16<Float>(repeating: 255), zero = SIMD16<Float>(repeating: 0)
    func run(_ transform: (SIMD16<Float>) -> SIMD16<Float>) {
        forEachBlock(input) { scratch, range in
            simdPass(scratch, range.count) { toMagicByte(transform($0)) }
            narrowMagic(UnsafeMutableBufferPointer(rebasing: out[range]), scratch, flip: invert ? 0xFF : 0)
        }
    }
    if window.function == .sigmoid && window.width > 0 {
        // y = 255 / (1 + exp(−4 (x − c) / w)), x = slope·v + intercept.
        let k = SIMD16<Float>(repeating: Float(-4 / window.width))
        let c = SIMD16<Float>(repeating: Float(window.center))
        run { v in high / (1 + vectorExp((v * s + i0 - c) * k)) }
        return
    }
    let affine = AffineWindow(window: window, slope: slope, intercept: intercept)
    if affine.step {
        let t = SIMD16<Float>(repeating: Float(affine.threshold))
        run { v in zero.replacing(with: high, where: v * s + i0 .> t) }
        return
    }
    let a = SIMD16<Float>(repeating: affine.a), b = SIMD16<Float>(repeating: affine.b)
    run { v in v * a + b }
}

/// Stored values → 8-bit display values: rescale, window, and (for MONOCHROME1) invert.
public func windowTo8Bit(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<Int16>,
    slope: Double = 1, intercept: Double = 0, window: VOIWindow, invert: Bool = false
) {
    windowLanes(out, input, slope: slope, intercept: intercept, window: window, invert: invert)
}

public func windowTo8Bit(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<UInt16>,
    slope: Double = 1, intercept: Double = 0, window: VOIWindow, invert: Bool = false
) {
    windowLanes(out, input, slope: slope, intercept: intercept, window: window, invert: invert)
}

public func windowTo8Bit(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<Int32>,
    slope: Double = 1, intercept: Double = 0, window: VOIWindow, invert: Bool = false
) {
    windowLanes(out, input, slope: slope, intercept: intercept, window: window, invert: invert)
}

public func windowTo8Bit(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<UInt8>,
    slope: Double = 1, intercept: Double = 0, window: VOIWindow, invert: Bool = false
) {
    windowLanes(out, input, slope: slope, intercept: intercept, window: window, invert: invert)
}

/// Float input (already in modality units, or any real-valued image): slope/intercept still apply.
public func windowTo8Bit(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<Float>,
    slope: Double = 1, intercept: Double = 0, window: VOIWindow, invert: Bool = false
) {
    windowLanes(out, input, slope: slope, intercept: intercept, window: window, invert: invert)
}

/// e^x per lane: 2^(x·log2 e) split into 2^n (built in the exponent bits) × 2^f (degree-6
/// polynomial on |f| ≤ 0.5; relative error < 1e-5 over Float's normal range, which the
/// reduction t = x·log2 e in Float dominates). The stdlib has no vector exp.
@inline(__always)
func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    var t = x * 1.442_695_04
    t.replace(with: SIMD16(repeating: -126), where: .!(t .>= -126))     // NaN too
    t.replace(with: SIMD16(repeating: 126), where: t .> 126)
    let shifted = t + roundingMagic
    let n = shifted - roundingMagic
    let f = t - n
    var p = SIMD16<Float>(repeating: 1.540_353_0e-4)
    p = p * f + 1.333_355_8e-3
    p = p * f + 9.618_129_1e-3
    p = p * f + 5.550_410_9e-2
    p = p * f + 2.402_265_1e-1
    p = p * f + 6.931_471_8e-1
    p = p * f + 1
    let bits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: SIMD16<Float>.self)
}
