import Foundation

/// BatchNormalization (inference) and Softmax.
enum Normalization {
    static func batchNorm(_ x: Tensor, _ scale: Tensor, _ bias: Tensor, _ mean: Tensor, _ variance: Tensor,
                          _ c: RunContext) throws -> Tensor {
        guard x.rank >= 2 else { throw c.fail(.shapeMismatch("BatchNormalization takes [N, C, …], not \(x.shape)")) }
        let channels = x.shape[1]
        guard [scale, bias, mean, variance].allSatisfy({ $0.count == channels }) else {
            throw c.fail(.shapeMismatch("parameters must have \(channels) values"))
        }
        let eps = c.node.float("epsilon", 1e-5)
        let s = scale.floats, b = bias.floats, m = mean.floats, v = variance.floats
        // y = x·a + k per channel, with a = scale/√(var+ε), k = bias − mean·a.
        let a = (0..<channels).map { s[$0] / (v[$0] + eps).squareRoot() }
        let k = (0..<channels).map { b[$0] - m[$0] * a[$0] }
        let inner = x.count / max(x.shape[0] * channels, 1)
        var out = x.floats
        out.withUnsafeMutableBufferPointer { p in
            for n in 0..<x.shape[0] {
                for ch in 0..<channels {
                    let base = (n * channels + ch) * inner
                    let (ac, kc) = (a[ch], k[ch])
                    for i in 0..<inner { p[base + i] = p[base + i] * ac + kc }
                }
            }
        }
        return Tensor(shape: x.shape, floats: out)
    }

    /// Opset 13+: along `axis` (default −1). Earlier opsets flatten to 2-D at `axis` (default 1)
    /// and normalize over everything after it.
    static func softmax(_ x: Tensor, _ c: RunContext) throws -> Tensor {
        let modern = c.node.opset >= 13
        let axis = try Operators.axis(c.node.int("axis", modern ? -1 : 1), rank: x.rank, c)
        let outer: Int, length: Int, inner: Int
        if modern {
            outer = x.shape[..<axis].reduce(1, *)
            length = x.shape[axis]
            inner = x.shape[(axis + 1)...].reduce(1, *)
        } else {
            outer = x.shape[..<axis].reduce(1, *)
            length = x.shape[axis...].reduce(1, *)
            inner = 1
        }
        var v = x.floats
        v.withUnsafeMutableBufferPointer { p in
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * length * inner + i
                    var m = -Float.infinity
                    for k in 0..<length { m = max(m, p[base + k * inner]) }
                    var sum: Float = 0
                    for k in 0..<length {
                        let e = Foundation.exp(p[base + k * inner] - m)
                        p[base + k * inner] = e
                        sum += e
                    }
                    for k in 0..<length { p[base + k * inner] /= sum }
                }
            }
        }
        return Tensor(shape: x.shape, floats: v)
    }
}
