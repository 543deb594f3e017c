// How the kernels are shaped so they vectorize (measured, see the Kernels section of the
// report): work goes in blocks of `blockSize` elements through a Float scratch buffer.
//   1. widen: a plain loop from the sample type to Float, per concrete type — LLVM turns it into
//      vector conversions (cvtdq2ps) — whereas the stdlib's generic SIMD conversions and
//      per-lane loops over SIMD16 stayed scalar, 20–50× slower;
//   2. arithmetic on SIMD16<Float> (concrete ops: vector mul/add/compare/select);
//   3. narrow: another plain loop, UInt32 bit patterns → UInt8.
// `clamped(lowerBound:upperBound:)` is avoided: it compiled to a generic call per chunk.

/// Elements per block: a 1 KiB Float scratch that stays in L1.
let blockSize = 256

/// Sample types the kernels read; `widen` is a plain loop so it auto-vectorizes.
protocol KernelSample: SIMDScalar, Hashable, Codable {
    static func widen(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafeBufferPointer<Self>)
}

extension Int16: KernelSample {
    @inline(__always) static func widen(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafeBufferPointer<Int16>) {
        for k in src.indices { dst[k] = Float(src[k]) }
    }
}

extension UInt16: KernelSample {
    @inline(__always) static func widen(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafeBufferPointer<UInt16>) {
        for k in src.indices { dst[k] = Float(src[k]) }
    }
}

extension UInt8: KernelSample {
    @inline(__always) static func widen(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafeBufferPointer<UInt8>) {
        for k in src.indices { dst[k] = Float(src[k]) }
    }
}

extension Int32: KernelSample {
    @inline(__always) static func widen(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafeBufferPointer<Int32>) {
        for k in src.indices { dst[k] = Float(src[k]) }
    }
}

extension Float: KernelSample {
    @inline(__always) static func widen(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafeBufferPointer<Float>) {
        for k in src.indices { dst[k] = src[k] }
    }
}

/// 1.5·2²³: for |x| < 2²², x + magic holds round-to-nearest-even(x) in its low mantissa bits —
/// a float→int conversion that needs no SSE4.1 and cannot trap on NaN.
let roundingMagic: Float = 12_582_912

/// Runs `body` over SIMD16 chunks of a Float buffer in place (count rounded up to 16; the
/// scratch has room), i.e. the arithmetic step of a block.
@inline(__always)
func simdPass(_ p: UnsafeMutablePointer<Float>, _ count: Int, _ body: (SIMD16<Float>) -> SIMD16<Float>) {
    let raw = UnsafeMutableRawPointer(p)
    var k = 0
    while k < count {
        let v = raw.loadUnaligned(fromByteOffset: k &* 4, as: SIMD16<Float>.self)
        raw.storeBytes(of: body(v), toByteOffset: k &* 4, as: SIMD16<Float>.self)
        k &+= 16
    }
}

/// y + magic, limited to magic…magic+255: afterwards the low byte of the bit pattern is the
/// rounded, clamped 8-bit value.
@inline(__always)
func toMagicByte(_ y: SIMD16<Float>) -> SIMD16<Float> {
    let lo = SIMD16<Float>(repeating: roundingMagic), hi = SIMD16<Float>(repeating: roundingMagic + 255)
    var m = y + lo
    m.replace(with: lo, where: .!(m .>= lo))     // also catches NaN
    m.replace(with: hi, where: m .> hi)
    return m
}

/// Low byte of each scratch value's bit pattern (after `toMagicByte`), XOR `flip` (0xFF gives
/// 255 − y exactly, for MONOCHROME1).
@inline(__always)
func narrowMagic(_ dst: UnsafeMutableBufferPointer<UInt8>, _ scratch: UnsafeMutablePointer<Float>, flip: UInt8 = 0) {
    let bits = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: UInt32.self)
    for k in dst.indices { dst[k] = UInt8(truncatingIfNeeded: bits[k]) ^ flip }
}

/// The block driver: widen `input` block by block into a zeroed scratch, let `body` work on
/// (scratch, block range).
@inline(__always)
func forEachBlock<T: KernelSample>(
    _ input: UnsafeBufferPointer<T>, _ body: (UnsafeMutablePointer<Float>, Range<Int>) -> Void
) {
    guard !input.isEmpty else { return }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: blockSize + 16) { scratch in
        let s = scratch.baseAddress!
        s.initialize(repeating: 0, count: blockSize + 16)
        var i = 0
        while i < input.count {
            let end = min(i + blockSize, input.count)
            T.widen(s, UnsafeBufferPointer(rebasing: input[i..<end]))
            body(s, i..<end)
            i = end
        }
    }
}
