// VOI LUT Sequence (0028,3010) lookup, PS3.3 C.11.2.1.1: values below the first mapped value
// take the first entry, values past the end take the last.

/// Scales LUT Data entries of `bitsPerEntry` bits to 0…255 once, so the per-pixel step is an
/// index computation plus one byte load.
public func voiLUTTo8BitTable(_ lutData: [UInt16], bitsPerEntry: Int) -> [UInt8] {
    let bits = min(max(bitsPerEntry, 1), 16)
    let maxValue = Double((1 << bits) - 1)
    return lutData.map { entry in
        let masked = Double(Int(entry) & ((1 << bits) - 1))
        return UInt8(min(255, (masked / maxValue * 255).rounded()))
    }
}

@inline(__always)
func lookupLanes<T: KernelSample>(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<T>,
    table: UnsafeBufferPointer<UInt8>, firstMapped: Int
) {
    guard let base = table.baseAddress, table.count > 0 else {
        mapLanes(out, input) { _ in SIMD16<UInt8>() }
        return
    }
    let first = SIMD16<Int32>(repeating: Int32(clamping: firstMapped))
    let last = SIMD16<Int32>(repeating: Int32(clamping: table.count - 1))
    mapLanes(out, input) { v in
        // Index arithmetic is vectorized; the 16 loads are a gather the ISA may or may not have.
        var index = T.ints(v) &- first
        index.replace(with: 0, where: index .< 0)
        index.replace(with: last, where: index .> last)
        var r = SIMD16<UInt8>()
        for k in 0..<16 { r[k] = base[Int(index[k])] }
        return r
    }
}

/// Looks each value up in a table made by `voiLUTTo8BitTable`; `firstMapped` is the LUT
/// Descriptor's second value (the input value mapped to entry 0).
public func voiLUTLookup(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<Int32>,
    table: UnsafeBufferPointer<UInt8>, firstMapped: Int
) { lookupLanes(out, input, table: table, firstMapped: firstMapped) }

public func voiLUTLookup(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<Int16>,
    table: UnsafeBufferPointer<UInt8>, firstMapped: Int
) { lookupLanes(out, input, table: table, firstMapped: firstMapped) }

public func voiLUTLookup(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<UInt16>,
    table: UnsafeBufferPointer<UInt8>, firstMapped: Int
) { lookupLanes(out, input, table: table, firstMapped: firstMapped) }
