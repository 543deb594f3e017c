import Foundation
import Kernels

/// Activations, Clip and the four broadcasting arithmetic operators.
enum Elementwise {
    static func unary(_ node: Node, _ x: Tensor) -> Tensor {
        var v = x.floats
        let out: [Float]
        switch node.opType {
        case "Relu":
            v.withUnsafeMutableBufferPointer { reluInPlace($0) }
            out = v
        case "LeakyRelu":
            let alpha = node.float("alpha", 0.01)
            out = v.map { $0 >= 0 ? $0 : $0 * alpha }
        case "Sigmoid": out = v.map(sigmoid)
        default: out = v.map { Foundation.tanh($0) }
        }
        return Tensor(shape: x.shape, floats: out)
    }

    /// Numerically stable for large |x| (no overflow of exp).
    @inline(__always) static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }

    /// Bounds come from attributes before opset 11 and from optional inputs since.
    static func clip(_ x: Tensor, _ args: [Tensor?], _ c: RunContext) throws -> Tensor {
        var lo = -Float.infinity, hi = Float.infinity
        if c.node.opset < 11 {
            lo = c.node.float("min", lo)
            hi = c.node.float("max", hi)
        } else {
            if args.count > 1, let t = args[1] { lo = try scalar(t, "min", c) }
            if args.count > 2, let t = args[2] { hi = try scalar(t, "max", c) }
        }
        return Tensor(shape: x.shape, floats: x.floats.map { min(max($0, lo), hi) })
    }

    static func scalar(_ t: Tensor, _ what: String, _ c: RunContext) throws -> Float {
        guard t.count == 1 else { throw c.fail(.badInput("\(what) must be a scalar, not shape \(t.shape)")) }
        return t.floats[0]
    }

    /// Numpy broadcasting. Integer tensors (shape arithmetic) stay integer when both are.
    static func binary(_ op: String, _ a: Tensor, _ b: Tensor, _ c: RunContext) throws -> Tensor {
        let shape = try broadcastShape(a.shape, b.shape, c)
        if case .int64(let x) = a.storage, case .int64(let y) = b.storage {
            let f: (Int64, Int64) -> Int64
            switch op {
            case "Add": f = (&+)
            case "Sub": f = (&-)
            case "Mul": f = (&*)
            default: f = { $1 == 0 ? 0 : $0 / $1 }
            }
            return Tensor(shape: shape, int64s: broadcast(x, a.shape, y, b.shape, to: shape, f))
        }
        let x = a.floats, y = b.floats
        let out: [Float]
        switch op {
        case "Add": out = broadcast(x, a.shape, y, b.shape, to: shape, +)
        case "Sub": out = broadcast(x, a.shape, y, b.shape, to: shape, -)
        case "Mul": out = broadcast(x, a.shape, y, b.shape, to: shape, *)
        default: out = broadcast(x, a.shape, y, b.shape, to: shape, /)
        }
        return Tensor(shape: shape, floats: out)
    }

    static func broadcastShape(_ a: [Int], _ b: [Int], _ c: RunContext) throws -> [Int] {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        return try zip(pa, pb).map { x, y in
            guard x == y || x == 1 || y == 1 else { throw c.fail(.shapeMismatch("cannot broadcast \(a) with \(b)")) }
            return x == 1 ? y : x
        }
    }

    /// Walks the output with two input strides (0 on broadcast axes). Adjacent axes with the same
    /// broadcast pattern are merged first, so common cases ([N,C,H,W] ∘ [C,1,1], ∘ scalar, same
    /// shape) run as long inner loops with a constant or unit stride.
    @inline(__always)
    static func broadcast<T>(_ x: [T], _ xs: [Int], _ y: [T], _ ys: [Int], to shape: [Int], _ f: (T, T) -> T) -> [T] {
        let count = shape.reduce(1, *)
        if xs == ys, x.count == count { return zip(x, y).map(f) }
        if y.count == 1, x.count == count { let v = y[0]; return x.map { f($0, v) } }
        if x.count == 1, y.count == count { let v = x[0]; return y.map { f(v, $0) } }
        let rank = shape.count
        let px = [Int](repeating: 1, count: rank - xs.count) + xs
        let py = [Int](repeating: 1, count: rank - ys.count) + ys
        // Merge axes: (extent, x broadcast?, y broadcast?).
        var dims: [(n: Int, bx: Bool, by: Bool)] = []
        for i in 0..<rank where shape[i] != 1 {
            let bx = px[i] == 1, by = py[i] == 1
            if let last = dims.last, last.bx == bx, last.by == by {
                dims[dims.count - 1].n *= shape[i]
            } else {
                dims.append((shape[i], bx, by))
            }
        }
        if dims.isEmpty { return [f(x[0], y[0])] }
        var sx = [Int](repeating: 0, count: dims.count), sy = sx
        var accX = 1, accY = 1
        for i in stride(from: dims.count - 1, through: 0, by: -1) {
            if !dims[i].bx { sx[i] = accX; accX *= dims[i].n }
            if !dims[i].by { sy[i] = accY; accY *= dims[i].n }
        }
        let inner = dims[dims.count - 1].n, ix = sx[dims.count - 1], iy = sy[dims.count - 1]
        let outer = dims.count - 1
        var out = [T]()
        out.reserveCapacity(count)
        var index = [Int](repeating: 0, count: max(outer, 1))
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                var done = 0
                while done < count {
                    var ox = 0, oy = 0
                    for d in 0..<outer { ox += index[d] * sx[d]; oy += index[d] * sy[d] }
                    for k in 0..<inner { out.append(f(xp[ox + k * ix], yp[oy + k * iy])) }
                    done += inner
                    var d = outer - 1
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < dims[d].n { break }
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return out
    }
}
