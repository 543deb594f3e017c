/// MONOCHROME1 → MONOCHROME2 on 8-bit display values: out = 255 − in. `out` may alias `input`.
public func invert8Bit(_ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<UInt8>) {
    let full = SIMD16<UInt8>(repeating: 255)
    mapLanes(out, input) { full &- $0 }
}
