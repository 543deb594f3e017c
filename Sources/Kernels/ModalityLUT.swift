// Modality LUT by Rescale Slope/Intercept (PS3.3 C.11.1): output units = slope × stored + intercept.

@inline(__always)
func rescaleLanes<T: KernelSample>(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<T>, slope: Float,
    intercept: Float
) {
    let s = SIMD16<Float>(repeating: slope), b = SIMD16<Float>(repeating: intercept)
    mapLanes(out, input) { v in T.floats(v) * s + b }
}

/// Rescales stored values to modality units (e.g. Hounsfield) as Float.
public func modalityRescale(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<Int16>, slope: Float,
    intercept: Float
) { rescaleLanes(out, input, slope: slope, intercept: intercept) }

public func modalityRescale(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<UInt16>, slope: Float,
    intercept: Float
) { rescaleLanes(out, input, slope: slope, intercept: intercept) }

public func modalityRescale(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<Int32>, slope: Float,
    intercept: Float
) { rescaleLanes(out, input, slope: slope, intercept: intercept) }

public func modalityRescale(
    _ out: UnsafeMutableBufferPointer<Float>, _ input: UnsafeBufferPointer<UInt8>, slope: Float,
    intercept: Float
) { rescaleLanes(out, input, slope: slope, intercept: intercept) }
