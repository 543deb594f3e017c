// Modality LUT by Rescale Slope/Intercept (PS3.3 C.11.1): output units = slope × stored + intercept.

@inline(__always)
func rescaleBlocks<T: KernelSample>(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<T>, slope: Float,
    intercept: Float
) {
    precondition(out.count >= input.count, "output buffer shorter than input")
    let s = SIMD16<Float>(repeating: slope), b = SIMD16<Float>(repeating: intercept)
    forEachBlock(input) { scratch, range in
        simdPass(scratch, range.count) { $0 * s + b }
        let dst = UnsafeMutableBufferPointer(rebasing: out[range])
        for k in dst.indices { dst[k] = scratch[k] }
    }
}

/// Rescales stored values to modality units (e.g. Hounsfield) as Float.
public func modalityRescale(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<Int16>, slope: Float,
    intercept: Float
) { rescaleBlocks(out, input, slope: slope, intercept: intercept) }

public func modalityRescale(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<UInt16>, slope: Float,
    intercept: Float
) { rescaleBlocks(out, input, slope: slope, intercept: intercept) }

/// Int32 input is exact up to 2²⁴ in magnitude (Float's mantissa), plenty for display paths.
public func modalityRescale(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<Int32>, slope: Float,
    intercept: Float
) { rescaleBlocks(out, input, slope: slope, intercept: intercept) }

public func modalityRescale(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<UInt8>, slope: Float,
    intercept: Float
) { rescaleBlocks(out, input, slope: slope, intercept: intercept) }
