import Foundation

/// Plain one-pixel-at-a-time versions of every kernel, written straight from the standard's
/// formulas. Tests compare the vectorized kernels against them; benchmarks time both.
public enum ScalarReference {
    public static func modalityRescale<T: BinaryInteger>(_ input: [T], slope: Double, intercept: Double) -> [Double] {
        input.map { Double($0) * slope + intercept }
    }

    /// PS3.3 C.11.2.1.2.1 (LINEAR), C.11.2.1.3.1 (LINEAR_EXACT), C.11.2.1.3.2 (SIGMOID), to 0…255.
    public static func window(_ x: Double, _ w: VOIWindow) -> Double {
        let c = w.center, width = w.width
        switch w.function {
        case .linear:
            if x <= c - 0.5 - (width - 1) / 2 { return 0 }
            if x > c - 0.5 + (width - 1) / 2 { return 255 }
            return ((x - (c - 0.5)) / (width - 1) + 0.5) * 255
        case .linearExact:
            if x <= c - width / 2 { return 0 }
            if x > c + width / 2 { return 255 }
            return ((x - c) / width + 0.5) * 255
        case .sigmoid:
            return 255 / (1 + exp(-4 * (x - c) / width))
        }
    }

    public static func windowTo8Bit<T: BinaryInteger>(
        _ input: [T], slope: Double, intercept: Double, window w: VOIWindow, invert: Bool
    ) -> [UInt8] {
        input.map { v in
            let y = UInt8((window(Double(v) * slope + intercept, w) + 0.5).rounded(.down))
            return invert ? 255 - y : y
        }
    }

    public static func voiLUTLookup<T: BinaryInteger>(_ input: [T], lut8: [UInt8], firstMapped: Int) -> [UInt8] {
        input.map { v in
            let i = Int(v) - firstMapped
            return lut8[min(max(i, 0), lut8.count - 1)]
        }
    }

    public static func resizeBilinear(
        _ input: [Double], width inW: Int, height inH: Int, toWidth outW: Int, height outH: Int
    ) -> [Double] {
        func source(_ o: Int, _ n: Int, _ m: Int) -> (Int, Int, Double) {
            let s = min(max((Double(o) + 0.5) * Double(n) / Double(m) - 0.5, 0), Double(n - 1))
            let lo = Int(s.rounded(.down))
            return (lo, min(lo + 1, n - 1), s - Double(lo))
        }
        var out = [Double](repeating: 0, count: outW * outH)
        for oy in 0..<outH {
            let (y0, y1, fy) = source(oy, inH, outH)
            for ox in 0..<outW {
                let (x0, x1, fx) = source(ox, inW, outW)
                let p00 = input[y0 * inW + x0], p01 = input[y0 * inW + x1]
                let p10 = input[y1 * inW + x0], p11 = input[y1 * inW + x1]
                out[oy * outW + ox] = (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy
            }
        }
        return out
    }
}
