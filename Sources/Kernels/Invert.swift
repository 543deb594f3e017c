/// MONOCHROME1 → MONOCHROME2 on 8-bit display values: out = 255 − in. `out` may alias `input`.
/// A plain loop: byte-wise subtraction auto-vectorizes to full-width vector ops on any target.
public func invert8Bit(_ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<UInt8>) {
    precondition(out.count >= input.count, "output buffer shorter than input")
    guard let src = input.baseAddress, let dst = out.baseAddress else { return }
    for k in 0..<input.count { dst[k] = 255 &- src[k] }
}
