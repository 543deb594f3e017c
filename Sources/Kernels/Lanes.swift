// Shared loop drivers: full 16-lane chunks through unaligned SIMD loads/stores, then one
// zero-padded chunk for the tail, so the tail runs the very same lane code as the body.
//
// Conversions are written as per-lane loops on concrete types rather than the stdlib's generic
// SIMD initialisers: those were left as unspecialized calls (with witness-table lookups) in
// -O builds, while these loops compile to single vector conversions.

/// Elements per chunk; 16 Float lanes fill one AVX-512 register or two AVX2 registers.
@usableFromInline let laneWidth = 16

/// Sample types the kernels read as Float lanes.
protocol FloatLanes: SIMDScalar, Hashable, Codable {
    static func floats(_ v: SIMD16<Self>) -> SIMD16<Float>
}

/// Integer sample types, also widened to Int32 lanes for table lookups.
protocol KernelSample: FloatLanes {
    static func ints(_ v: SIMD16<Self>) -> SIMD16<Int32>
}

extension Float: FloatLanes {
    @inline(__always) static func floats(_ v: SIMD16<Float>) -> SIMD16<Float> { v }
}

extension Int16: KernelSample {
    @inline(__always) static func floats(_ v: SIMD16<Int16>) -> SIMD16<Float> {
        var r = SIMD16<Float>(); for k in 0..<16 { r[k] = Float(v[k]) }; return r
    }
    @inline(__always) static func ints(_ v: SIMD16<Int16>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>(); for k in 0..<16 { r[k] = Int32(v[k]) }; return r
    }
}

extension UInt16: KernelSample {
    @inline(__always) static func floats(_ v: SIMD16<UInt16>) -> SIMD16<Float> {
        var r = SIMD16<Float>(); for k in 0..<16 { r[k] = Float(Int32(v[k])) }; return r
    }
    @inline(__always) static func ints(_ v: SIMD16<UInt16>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>(); for k in 0..<16 { r[k] = Int32(v[k]) }; return r
    }
}

extension UInt8: KernelSample {
    @inline(__always) static func floats(_ v: SIMD16<UInt8>) -> SIMD16<Float> {
        var r = SIMD16<Float>(); for k in 0..<16 { r[k] = Float(Int32(v[k])) }; return r
    }
    @inline(__always) static func ints(_ v: SIMD16<UInt8>) -> SIMD16<Int32> {
        var r = SIMD16<Int32>(); for k in 0..<16 { r[k] = Int32(v[k]) }; return r
    }
}

extension Int32: KernelSample {
    @inline(__always) static func floats(_ v: SIMD16<Int32>) -> SIMD16<Float> {
        var r = SIMD16<Float>(); for k in 0..<16 { r[k] = Float(v[k]) }; return r
    }
    @inline(__always) static func ints(_ v: SIMD16<Int32>) -> SIMD16<Int32> { v }
}

@inline(__always)
func mapLanes<T: SIMDScalar, U: SIMDScalar>(
    _ out: UnsafeMutableBufferPointer<U>, _ input: UnsafeBufferPointer<T>,
    _ body: (SIMD16<T>) -> SIMD16<U>
) {
    precondition(out.count >= input.count, "output buffer shorter than input")
    let n = input.count
    guard n > 0, let src = input.baseAddress, let dst = out.baseAddress else { return }
    let raw = UnsafeRawPointer(src), rawOut = UnsafeMutableRawPointer(dst)
    var i = 0
    while i + laneWidth <= n {
        let v = raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.stride, as: SIMD16<T>.self)
        rawOut.storeBytes(of: body(v), toByteOffset: i &* MemoryLayout<U>.stride, as: SIMD16<U>.self)
        i &+= laneWidth
    }
    if i < n {
        var v = SIMD16<T>()
        for k in 0..<(n - i) { v[k] = src[i + k] }
        let r = body(v)
        for k in 0..<(n - i) { dst[i + k] = r[k] }
    }
}

/// 1.5·2²³: adding it to a Float of magnitude < 2²² leaves round-to-nearest-even(x) in the low
/// mantissa bits, a float→int conversion that needs no SSE4.1 and cannot trap on NaN.
let roundingMagic: Float = 12_582_912

/// Float → UInt8: clamp to 0…255, round to nearest (ties to even).
@inline(__always)
func toUInt8(_ y: SIMD16<Float>) -> SIMD16<UInt8> {
    let c = y.clamped(lowerBound: SIMD16(repeating: 0), upperBound: SIMD16(repeating: 255))
    let bits = unsafeBitCast(c + roundingMagic, to: SIMD16<UInt32>.self)
    var r = SIMD16<UInt8>()
    for k in 0..<16 { r[k] = UInt8(truncatingIfNeeded: bits[k]) }
    return r
}
