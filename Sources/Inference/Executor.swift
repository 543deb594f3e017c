public import Foundation

/// What a node's kernel needs besides its inputs.
struct RunContext {
    let file: String
    let node: Node
    let threads: Int

    func fail(_ code: InferenceError.Code) -> InferenceError { InferenceError(code, file: file, node: node.label) }
}

extension ONNXModel {
    /// Runs the graph on `feeds` (one tensor per graph input) with `threads` worker threads and
    /// returns the graph outputs, plus any intermediate values named in `keep` (e.g. the feature
    /// map a class-activation map is computed from). Values are released after their last use.
    public func run(_ feeds: [String: Tensor], threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    keep: Set<String> = []) throws -> [String: Tensor] {
        for input in inputs {
            guard let t = feeds[input.name] else {
                throw InferenceError(.badInput("no tensor given for graph input '\(input.name)'"), file: file)
            }
            guard t.rank == input.shape.count || input.shape.isEmpty else {
                throw InferenceError(.shapeMismatch("input '\(input.name)' has shape \(t.shape), the model expects rank \(input.shape.count)"), file: file)
            }
            for (have, want) in zip(t.shape, input.shape) where want != nil && want != have {
                throw InferenceError(.shapeMismatch("input '\(input.name)' has shape \(t.shape), the model expects [\(input.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", "))]"), file: file)
            }
        }
        let wanted = Set(outputs.map(\.name)).union(keep)
        let fed = Dictionary(uniqueKeysWithValues: inputs.map { ($0.name, feeds[$0.name]!) })
        let threads = max(1, threads)
        if let split = try runSplit(fed, threads: threads, results: wanted) { return split }
        return try runWhole(fed, threads: threads, results: wanted)
    }

    /// One pass over the nodes from `feeds` (the graph inputs); returns the values named in `results`.
    func runWhole(_ feeds: [String: Tensor], threads: Int, results wanted: Set<String>) throws -> [String: Tensor] {
        var values = feeds
        var lastUse: [String: Int] = [:]
        for (i, node) in nodes.enumerated() { for name in node.inputs { lastUse[name] = i } }

        for (i, node) in nodes.enumerated() {
            let context = RunContext(file: file, node: node, threads: threads)
            let args: [Tensor?] = try node.inputs.map { name in
                if name.isEmpty { return nil }
                if let v = values[name] ?? initializers[name] { return v }
                throw context.fail(.badInput("value '\(name)' is missing"))
            }
            let results = try Operators.run(node, args, context)
            for (name, tensor) in zip(node.outputs, results) where !name.isEmpty { values[name] = tensor }
            for name in node.inputs where lastUse[name] == i && !wanted.contains(name) { values[name] = nil }
        }
        var out: [String: Tensor] = [:]
        for name in wanted {
            guard let v = values[name] ?? initializers[name] else {
                throw InferenceError(.badInput("value '\(name)' was not computed"), file: file)
            }
            out[name] = v
        }
        return out
    }
}
