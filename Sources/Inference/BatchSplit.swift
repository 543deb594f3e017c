import Kernels

// A batch whose samples the graph computes independently runs as several small runs instead of
// one big one: each sample's activations then stay in the core's L2 (the demo model's first
// layer writes 512 KiB per 256² image, 8 MiB for a batch of 16), and with several threads the
// samples go to the cores side by side, with no synchronisation inside a layer at all.

extension ONNXModel {
    /// Whether every node keeps axis 0 of what it reads from the graph inputs as axis 0 of its
    /// outputs, and never mixes two samples: then running samples apart and stacking the results
    /// gives what one run on the batch gives. Decided from the ops, their attributes and the
    /// ranks (input ranks as given; initializers and Constant values as stored). Anything not
    /// known to be per-sample is taken as mixing, so an unusual graph just runs whole.
    func isPerSample(inputRanks: [String: Int], results: Set<String>) -> Bool {
        var rank: [String: Int] = inputRanks  // values that carry the batch axis
        var constants: [String: Tensor] = [:]  // values that do not
        func fixed(_ name: String) -> Tensor? { initializers[name] ?? constants[name] }

        for node in nodes {
            let batched = node.inputs.filter { rank[$0] != nil }
            if batched.isEmpty {
                // Constant-only subgraphs (folded shapes and the like) are the same for every sample.
                if node.opType == "Constant", node.outputs.count == 1,
                   let t = try? ShapeOps.constant(RunContext(file: file, node: node, threads: 1)) {
                    constants[node.outputs[0]] = t
                    continue
                }
                return false
            }
            guard let r = sampleRank(node, rank: { rank[$0] }, fixed: fixed) else { return false }
            for name in node.outputs where !name.isEmpty { rank[name] = r }
        }
        return results.allSatisfy { rank[$0] != nil }
    }

    /// The rank of the node's outputs when the node is per-sample along axis 0, else nil.
    /// `rank` gives batch-carrying inputs, `fixed` the value of the others.
    private func sampleRank(_ node: Node, rank: (String) -> Int?, fixed: (String) -> Tensor?) -> Int? {
        let xs = node.inputs
        // The first input carries the batch, every other present input is a known constant.
        func onlyFirstBatched() -> Int? {
            guard let first = xs.first, let r = rank(first) else { return nil }
            for name in xs.dropFirst() where !name.isEmpty && (rank(name) != nil || fixed(name) == nil) { return nil }
            return r
        }
        func normalized(_ axis: Int, _ r: Int) -> Int { axis < 0 ? axis + r : axis }

        switch node.opType {
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Identity", "Clip",
             "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization":
            return onlyFirstBatched()
        case "Add", "Sub", "Mul", "Div":
            guard xs.count == 2 else { return nil }
            let out = xs.map { rank($0) ?? fixed($0)?.rank ?? Int.max }.max() ?? Int.max
            guard out != Int.max else { return nil }
            for name in xs {
                if let r = rank(name) {
                    if r != out { return nil }  // its axis 0 would broadcast against a later axis
                } else if let t = fixed(name), t.rank == out, t.shape[0] != 1 {
                    return nil  // a constant with its own axis 0 lines up against the batch
                }
            }
            return out
        case "Softmax":
            guard let r = onlyFirstBatched() else { return nil }
            return normalized(node.int("axis", node.opset >= 13 ? -1 : 1), r) >= 1 ? r : nil
        case "Flatten":
            guard let r = onlyFirstBatched() else { return nil }
            return normalized(node.int("axis", 1), r) >= 1 ? 2 : nil
        case "Gemm":
            guard node.int("transA", 0) == 0, onlyFirstBatched() == 2 else { return nil }
            if xs.count > 2, let bias = fixed(xs[2]), bias.rank == 2, bias.shape[0] != 1 { return nil }
            return 2
        case "MatMul":
            guard xs.count == 2, let a = rank(xs[0]), a >= 2 else { return nil }
            if let b = rank(xs[1]) { return b == a && a >= 3 ? a : nil }
            guard let b = fixed(xs[1]), b.rank <= 2 else { return nil }
            return a
        case "Reshape":
            // Only a shape that copies axis 0 keeps the samples apart.
            guard onlyFirstBatched() != nil, xs.count == 2, let shape = fixed(xs[1]),
                  node.int("allowzero", 0) == 0, shape.int64s.first == 0 else { return nil }
            return shape.count
        case "Transpose":
            guard let r = onlyFirstBatched(), let perm = node.ints("perm"), perm.first == 0 else { return nil }
            return r
        case "Concat":
            guard let first = xs.first, let r = rank(first), xs.allSatisfy({ rank($0) == r }) else { return nil }
            return normalized(node.int("axis", 0), r) >= 1 ? r : nil
        case "Resize", "Upsample":
            // Sizes name the whole batch's axis 0; scales leave it alone (only the last two
            // axes can be scaled).
            guard let r = onlyFirstBatched() else { return nil }
            if node.opType == "Resize", node.opset >= 11, xs.count > 3, let sizes = fixed(xs[3]), sizes.count > 0 { return nil }
            return r
        default:
            return nil
        }
    }
}

extension Tensor {
    /// Samples `range` of axis 0.
    func samples(_ range: Range<Int>) -> Tensor {
        let per = shape.dropFirst().reduce(1, *)
        var s = shape
        s[0] = range.count
        switch storage {
        case .float(let v): return Tensor(shape: s, floats: Array(v[(range.lowerBound * per)..<(range.upperBound * per)]))
        case .int64(let v): return Tensor(shape: s, int64s: Array(v[(range.lowerBound * per)..<(range.upperBound * per)]))
        }
    }

    /// The parts stacked along axis 0 (all of one element type, equal in the other axes).
    static func stacking(_ parts: [Tensor]) -> Tensor? {
        guard let first = parts.first, first.rank >= 1 else { return nil }
        let tail = Array(first.shape.dropFirst())
        guard parts.allSatisfy({ $0.rank == first.rank && Array($0.shape.dropFirst()) == tail && $0.isFloat == first.isFloat })
        else { return nil }
        let shape = [parts.reduce(0) { $0 + $1.shape[0] }] + tail
        if first.isFloat {
            var v: [Float] = []
            v.reserveCapacity(shape.reduce(1, *))
            for p in parts { if case .float(let x) = p.storage { v += x } }
            return Tensor(shape: shape, floats: v)
        }
        return Tensor(shape: shape, int64s: parts.flatMap(\.int64s))
    }
}

/// One result slot per sample run, written by one worker each.
final class SampleRuns: @unchecked Sendable {
    private var results: [Result<[String: Tensor], any Error>?]

    init(_ count: Int) { results = Array(repeating: nil, count: count) }

    /// Distinct workers write distinct slots; Array's storage is not reallocated by a subscript set.
    func set(_ i: Int, _ r: Result<[String: Tensor], any Error>) {
        results.withUnsafeMutableBufferPointer { $0[i] = r }
    }

    func collect() throws -> [[String: Tensor]] { try results.map { try $0!.get() } }
}

extension ONNXModel {
    /// Elements of graph input per run below which samples are grouped: a run has a fixed cost
    /// (dictionary work per node, small GEMMs) that tiny samples would not pay back.
    static let splitElements = 1 << 16

    /// Runs the batch in pieces of whole samples when the graph allows it and it pays: with more
    /// samples than threads (each piece on one thread), or with one thread and samples large
    /// enough that a piece's activations fit a core's cache. nil when the batch runs whole.
    func runSplit(_ feeds: [String: Tensor], threads: Int, results: Set<String>) throws -> [String: Tensor]? {
        guard let batch = feeds.values.first?.shape.first, batch > 1,
              feeds.values.allSatisfy({ $0.rank >= 1 && $0.shape[0] == batch }) else { return nil }
        let perSample = feeds.values.reduce(0) { $0 + $1.count / batch }
        let size = max(1, min((batch + threads - 1) / threads, Self.splitElements / max(1, perSample)))
        let pieces = (batch + size - 1) / size
        guard pieces > 1, threads == 1 || pieces >= threads,
              isPerSample(inputRanks: feeds.mapValues(\.rank), results: results) else { return nil }

        let runs = SampleRuns(pieces)
        let workers = min(threads, pieces)
        // Pieces dealt round-robin, each worker keeping its order, so piece i's slot is its own.
        Parallel.forEach(workers) { w in
            for piece in stride(from: w, to: pieces, by: workers) {
                let range = (piece * size)..<min(batch, (piece + 1) * size)
                runs.set(piece, Result { try runWhole(feeds.mapValues { $0.samples(range) }, threads: 1, results: results) })
            }
        }
        let parts = try runs.collect()
        var out: [String: Tensor] = [:]
        for name in results {
            guard let stacked = Tensor.stacking(parts.map { $0[name]! }), stacked.shape[0] == batch else {
                return nil  // a shape the analysis did not foresee: the caller runs the batch whole
            }
            out[name] = stacked
        }
        return out
    }
}
