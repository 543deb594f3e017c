/// Flatten, Reshape, Transpose, Concat and Constant: data movement without arithmetic.
enum ShapeOps {
    static func flatten(_ x: Tensor, _ c: RunContext) throws -> Tensor {
        let a = c.node.int("axis", 1)
        let axis = a < 0 ? a + x.rank : a
        guard axis >= 0, axis <= x.rank else { throw c.fail(.badAttribute("axis \(a) is out of range for rank \(x.rank)")) }
        return x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])
    }

    static func reshape(_ x: Tensor, _ shapeTensor: Tensor, _ c: RunContext) throws -> Tensor {
        let allowZero = c.node.int("allowzero", 0) != 0
        var shape = shapeTensor.int64s.map { Int($0) }
        for i in shape.indices where shape[i] == 0 && !allowZero {
            guard i < x.rank else { throw c.fail(.shapeMismatch("shape \(shape): no input axis \(i) to copy")) }
            shape[i] = x.shape[i]
        }
        let unknown = shape.indices.filter { shape[$0] == -1 }
        guard unknown.count <= 1, shape.allSatisfy({ $0 >= -1 }) else { throw c.fail(.shapeMismatch("invalid target shape \(shape)")) }
        if let u = unknown.first {
            let known = shape.enumerated().filter { $0.offset != u }.map(\.element).reduce(1, *)
            guard known > 0, x.count % known == 0 else { throw c.fail(.shapeMismatch("cannot reshape \(x.shape) to \(shape)")) }
            shape[u] = x.count / known
        }
        guard shape.reduce(1, *) == x.count else { throw c.fail(.shapeMismatch("cannot reshape \(x.shape) to \(shape)")) }
        return x.reshaped(shape)
    }

    static func transpose(_ x: Tensor, _ c: RunContext) throws -> Tensor {
        let perm = c.node.ints("perm") ?? Array((0..<x.rank).reversed())
        guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else {
            throw c.fail(.badAttribute("perm \(perm) is not a permutation of \(x.rank) axes"))
        }
        let outShape = perm.map { x.shape[$0] }
        let inStrides = strides(of: x.shape)
        let walk = perm.map { inStrides[$0] }  // input stride of each output axis
        func gather<T>(_ v: [T]) -> [T] {
            guard let first = v.first else { return [] }
            var out = [T](repeating: first, count: v.count)
            guard x.rank > 0 else { return v }
            let inner = outShape[x.rank - 1], innerStride = walk[x.rank - 1]
            var index = [Int](repeating: 0, count: x.rank)
            var o = 0
            v.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    while o < v.count {
                        var base = 0
                        for d in 0..<(x.rank - 1) { base += index[d] * walk[d] }
                        for k in 0..<inner { dst[o + k] = src[base + k * innerStride] }
                        o += inner
                        var d = x.rank - 2
                        while d >= 0 {
                            index[d] += 1
                            if index[d] < outShape[d] { break }
                            index[d] = 0
                            d -= 1
                        }
                    }
                }
            }
            return out
        }
        switch x.storage {
        case .float(let v): return Tensor(shape: outShape, floats: gather(v))
        case .int64(let v): return Tensor(shape: outShape, int64s: gather(v))
        }
    }

    static func concat(_ xs: [Tensor], _ c: RunContext) throws -> Tensor {
        guard let first = xs.first else { throw c.fail(.badInput("Concat has no inputs")) }
        let axis = try Operators.axis(c.node.int("axis", 0), rank: first.rank, c)
        for t in xs where t.rank != first.rank || (0..<first.rank).contains(where: { $0 != axis && t.shape[$0] != first.shape[$0] }) {
            throw c.fail(.shapeMismatch("cannot concatenate \(t.shape) with \(first.shape) on axis \(axis)"))
        }
        var shape = first.shape
        shape[axis] = xs.map { $0.shape[axis] }.reduce(0, +)
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        func join<T>(_ parts: [[T]]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(shape.reduce(1, *))
            for o in 0..<outer {
                for (t, v) in zip(xs, parts) {
                    let block = t.shape[axis] * inner
                    out.append(contentsOf: v[(o * block)..<((o + 1) * block)])
                }
            }
            return out
        }
        if xs.allSatisfy({ !$0.isFloat }) { return Tensor(shape: shape, int64s: join(xs.map(\.int64s))) }
        return Tensor(shape: shape, floats: join(xs.map(\.floats)))
    }

    static func constant(_ c: RunContext) throws -> Tensor {
        switch c.node.attributes["value"] ?? c.node.attributes["value_float"] ?? c.node.attributes["value_floats"]
            ?? c.node.attributes["value_int"] ?? c.node.attributes["value_ints"] {
        case .tensor(let t)?: return t
        case .float(let v)?: return Tensor(shape: [], floats: [v])
        case .floats(let v)?: return Tensor(shape: [v.count], floats: v)
        case .int(let v)?: return Tensor(shape: [], int64s: [Int64(v)])
        case .ints(let v)?: return Tensor(shape: [v.count], int64s: v.map { Int64($0) })
        default: throw c.fail(.badAttribute("Constant needs a value, value_float(s) or value_int(s) attribute"))
        }
    }
}
