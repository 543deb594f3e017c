import Foundation

/// Resize (opset 10+) and Upsample (opsets 7–9), nearest and linear, on the last two axes.
enum Resize {
    enum CoordinateMode: String {
        case halfPixel = "half_pixel", pytorchHalfPixel = "pytorch_half_pixel", alignCorners = "align_corners"
        case asymmetric, tfHalfPixelForNearest = "tf_half_pixel_for_nearest"
    }

    enum NearestMode: String {
        case roundPreferFloor = "round_prefer_floor", roundPreferCeil = "round_prefer_ceil", floor, ceil
        /// Opset 10 Resize and Upsample: floor when enlarging, ceil when shrinking (onnxruntime).
        case simple
    }

    static func resize(_ args: [Tensor?], _ c: RunContext) throws -> Tensor {
        guard let x = args.first ?? nil else { throw c.fail(.badInput("Resize needs an input")) }
        let node = c.node
        var scales: [Float]? = nil, sizes: [Int]? = nil
        if node.opset < 11 {
            if args.count > 1, let s = args[1] { scales = s.floats }
        } else {
            if args.count > 2, let s = args[2], s.count > 0 { scales = s.floats }
            if args.count > 3, let s = args[3], s.count > 0 { sizes = s.int64s.map { Int($0) } }
        }
        let legacy = node.opset < 11
        let mode = CoordinateMode(rawValue: node.string("coordinate_transformation_mode", legacy ? "asymmetric" : "half_pixel"))!
        let nearest = legacy ? NearestMode.simple : NearestMode(rawValue: node.string("nearest_mode", "round_prefer_floor"))!
        return try apply(x, scales: scales, sizes: sizes, linear: node.string("mode", "nearest") != "nearest",
                         coordinates: mode, nearest: nearest, c)
    }

    static func upsample(_ args: [Tensor?], _ c: RunContext) throws -> Tensor {
        guard let x = args.first ?? nil else { throw c.fail(.badInput("Upsample needs an input")) }
        let scales = args.count > 1 ? args[1]?.floats : c.node.floats("scales")
        return try apply(x, scales: scales, sizes: nil, linear: c.node.string("mode", "nearest") != "nearest",
                         coordinates: .asymmetric, nearest: .simple, c)
    }

    static func apply(_ x: Tensor, scales: [Float]?, sizes: [Int]?, linear: Bool, coordinates: CoordinateMode,
                      nearest: NearestMode, _ c: RunContext) throws -> Tensor {
        guard x.rank >= 2 else { throw c.fail(.shapeMismatch("Resize of a \(x.rank)-D tensor")) }
        var outShape = x.shape
        var axisScale = [Float](repeating: 1, count: x.rank)
        if let sizes {
            guard sizes.count == x.rank, sizes.allSatisfy({ $0 > 0 }) else { throw c.fail(.badInput("sizes \(sizes) for input \(x.shape)")) }
            outShape = sizes
            for i in 0..<x.rank { axisScale[i] = Float(sizes[i]) / Float(x.shape[i]) }
        } else if let scales {
            guard scales.count == x.rank, scales.allSatisfy({ $0 > 0 }) else { throw c.fail(.badInput("scales \(scales) for input \(x.shape)")) }
            axisScale = scales
            for i in 0..<x.rank { outShape[i] = Int((Float(x.shape[i]) * scales[i]).rounded(.down)) }
        } else {
            throw c.fail(.badInput("Resize needs scales or sizes"))
        }
        let lead = x.rank - 2
        guard (0..<lead).allSatisfy({ outShape[$0] == x.shape[$0] }) else {
            throw c.fail(.badInput("only the last two axes can be resized (scales \(axisScale))"))
        }
        let (ih, iw) = (x.shape[lead], x.shape[lead + 1]), (oh, ow) = (outShape[lead], outShape[lead + 1])
        guard oh > 0, ow > 0 else { throw c.fail(.badInput("output size \(outShape) is empty")) }
        let planes = x.shape[..<lead].reduce(1, *)

        func source(_ o: Int, _ inLen: Int, _ outLen: Int, _ scale: Float) -> Float {
            let xo = Float(o)
            switch coordinates {
            case .halfPixel: return (xo + 0.5) / scale - 0.5
            case .pytorchHalfPixel: return outLen > 1 ? (xo + 0.5) / scale - 0.5 : 0
            case .alignCorners: return outLen == 1 ? 0 : xo * Float(inLen - 1) / Float(outLen - 1)
            case .asymmetric: return xo / scale
            case .tfHalfPixelForNearest: return (xo + 0.5) / scale
            }
        }
        func nearestIndex(_ s: Float, _ inLen: Int, _ scale: Float) -> Int {
            let i: Float
            switch nearest {
            case .roundPreferFloor: i = s == s.rounded(.down) + 0.5 ? s.rounded(.down) : s.rounded()
            case .roundPreferCeil: i = s.rounded(.toNearestOrAwayFromZero) == s.rounded(.down) + 0.5 ? s.rounded(.up) : s.rounded()
            case .floor: i = s.rounded(.down)
            case .ceil: i = s.rounded(.up)
            case .simple: i = scale < 1 ? s.rounded(.up) : s.rounded(.down)
            }
            return min(max(Int(i), 0), inLen - 1)
        }
        // Per-axis taps: (i0, i1, weight of i1); nearest uses i0 only.
        func taps(_ inLen: Int, _ outLen: Int, _ scale: Float) -> [(Int, Int, Float)] {
            (0..<outLen).map { o in
                let s = source(o, inLen, outLen, scale)
                if !linear { return (nearestIndex(s, inLen, scale), 0, 0) }
                let clamped = min(max(s, 0), Float(inLen - 1))
                let i0 = Int(clamped.rounded(.down))
                let i1 = min(i0 + 1, inLen - 1)
                return (i0, i1, clamped - Float(i0))
            }
        }
        let ty = taps(ih, oh, axisScale[lead]), tx = taps(iw, ow, axisScale[lead + 1])
        let v = x.floats
        var out = [Float](repeating: 0, count: planes * oh * ow)
        v.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<planes {
                    let s = src.baseAddress! + p * ih * iw, d = dst.baseAddress! + p * oh * ow
                    for y in 0..<oh {
                        let (y0, y1, wy) = ty[y]
                        for xo in 0..<ow {
                            let (x0, x1, wx) = tx[xo]
                            if linear {
                                let a = s[y0 * iw + x0], b = s[y0 * iw + x1], cc = s[y1 * iw + x0], dd = s[y1 * iw + x1]
                                let top = a + (b - a) * wx, bottom = cc + (dd - cc) * wx
                                d[y * ow + xo] = top + (bottom - top) * wy
                            } else {
                                d[y * ow + xo] = s[y0 * iw + x0]
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: outShape, floats: out)
    }
}
