import Kernels

/// Gemm and MatMul over `Kernels.GEMM`.
enum Linear {
    static func gemm(_ a: Tensor, _ b: Tensor, _ cIn: Tensor?, _ c: RunContext) throws -> Tensor {
        guard a.rank == 2, b.rank == 2 else { throw c.fail(.shapeMismatch("Gemm takes 2-D A and B, not \(a.shape) and \(b.shape)")) }
        let transA = c.node.int("transA", 0) != 0, transB = c.node.int("transB", 0) != 0
        let alpha = c.node.float("alpha", 1), beta = c.node.float("beta", 1)
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
        guard k == kb else { throw c.fail(.shapeMismatch("A \(a.shape) and B \(b.shape) (transA \(transA), transB \(transB))")) }
        var out = [Float](repeating: 0, count: m * n)
        var betaUsed: Float = 0
        if let cIn, beta != 0 {
            // C broadcasts (unidirectionally) to [M, N].
            let shape = try Elementwise.broadcastShape([m, n], cIn.shape, c)
            guard shape == [m, n] else { throw c.fail(.shapeMismatch("C \(cIn.shape) does not broadcast to [\(m), \(n)]")) }
            out = Elementwise.broadcast(out, [m, n], cIn.floats, cIn.shape, to: [m, n]) { $1 }
            betaUsed = beta
        }
        let av = a.floats, bv = b.floats
        av.withUnsafeBufferPointer { ap in
            bv.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                               a: ap.baseAddress!, lda: a.shape[1], b: bp.baseAddress!, ldb: b.shape[1],
                               beta: betaUsed, c: op.baseAddress!, ldc: n, threads: c.threads)
                }
            }
        }
        return Tensor(shape: [m, n], floats: out)
    }

    /// Numpy matmul: 1-D operands are promoted (and the added axis dropped), batch axes broadcast.
    static func matmul(_ a: Tensor, _ b: Tensor, _ c: RunContext) throws -> Tensor {
        guard a.rank >= 1, b.rank >= 1 else { throw c.fail(.shapeMismatch("MatMul of scalars")) }
        let sa = a.rank == 1 ? [1] + a.shape : a.shape
        let sb = b.rank == 1 ? b.shape + [1] : b.shape
        let (m, k) = (sa[sa.count - 2], sa[sa.count - 1])
        let (kb, n) = (sb[sb.count - 2], sb[sb.count - 1])
        guard k == kb else { throw c.fail(.shapeMismatch("MatMul of \(a.shape) and \(b.shape)")) }
        let batchA = Array(sa.dropLast(2)), batchB = Array(sb.dropLast(2))
        let batch = try Elementwise.broadcastShape(batchA, batchB, c)
        let batches = batch.reduce(1, *)
        let indexA = sourceBatches(batchA, to: batch), indexB = sourceBatches(batchB, to: batch)
        var out = [Float](repeating: 0, count: batches * m * n)
        let av = a.floats, bv = b.floats
        av.withUnsafeBufferPointer { ap in
            bv.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    for i in 0..<batches {
                        GEMM.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                   a: ap.baseAddress! + indexA[i] * m * k, lda: k,
                                   b: bp.baseAddress! + indexB[i] * k * n, ldb: n,
                                   beta: 0, c: op.baseAddress! + i * m * n, ldc: n, threads: c.threads)
                    }
                }
            }
        }
        var shape = batch + [m, n]
        if b.rank == 1 { shape.removeLast() }
        if a.rank == 1 { shape.remove(at: shape.count - (b.rank == 1 ? 1 : 2)) }
        return Tensor(shape: shape, floats: out)
    }

    /// For each batch index of `shape` (row-major), the batch of an operand of `operand`'s batch
    /// shape it reads under numpy broadcasting (axes of extent 1 repeat).
    static func sourceBatches(_ operand: [Int], to shape: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: shape.count - operand.count) + operand
        let operandStrides = strides(of: padded)
        return (0..<max(shape.reduce(1, *), 1)).map { flat in
            var rest = flat, source = 0
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                let i = rest % shape[axis]
                rest /= shape[axis]
                if padded[axis] != 1 { source += i * operandStrides[axis] }
            }
            return source
        }
    }
}
