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
func lookupLanes<T: BinaryInteger>(
    _ out: UnsafeMutableBufferPointer<UInt8>, _ input: UnsafeBufferPointer<T>,
    table: UnsafeBufferPointer<UInt8>, firstMapped: Int
) {
    precondition(out.count >= input.count, "output buffer shorter than input")
    guard let base = table.baseAddress, table.count > 0 else {
        for k in input.indices { out[k] = 0 }
        return
    }
    // A table lookup is a gather: a plain loop lets the compiler use one where the target has
    // it (AVX2 vpgatherdd); the index arithmetic around it is trivially vectorized.
    let last = table.count - 1
    for k in input.indices {
        let i = Int(input[k]) - firstMapped
        out[k] = base[i < 0 ? 0 : (i > last ? last : i)]
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
