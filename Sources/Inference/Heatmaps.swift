/// Class-activation maps (Zhou et al. 2016): for a graph ending in GlobalAveragePool → (Flatten
/// or Reshape) → Gemm/MatMul, the class score is a weighted mean of the last feature maps, so
/// the same weights applied per position show where the evidence is.
struct ClassActivationMap: Sendable {
    /// The GlobalAveragePool's input, [N, C, h, w].
    var features: String
    /// [labels, C]: the classifier's weights, one row per label.
    var weights: [[Float]]

    static func find(in graph: ONNXModel, descriptor d: ModelDescriptor) -> ClassActivationMap? {
        if let named = d.cam {
            guard let w = graph.initializer(named.weights), w.rank == 2 else { return nil }
            // Either orientation; the one with a side equal to the label count is [labels, C].
            let rows = w.shape[0] == d.labels.count ? w : transposed(w)
            guard rows.shape[0] == d.labels.count else { return nil }
            return ClassActivationMap(features: named.features, weights: split(rows))
        }
        let pass: Set<String> = ["Flatten", "Reshape", "Identity"]
        for gap in graph.nodes where gap.opType == "GlobalAveragePool" {
            var value = gap.outputs[0]
            var next = graph.nodes.first { $0.inputs.first == value }
            while let n = next, pass.contains(n.opType) {
                value = n.outputs[0]
                next = graph.nodes.first { $0.inputs.first == value }
            }
            guard let head = next, head.inputs.count >= 2, let b = graph.initializer(head.inputs[1]), b.rank == 2 else { continue }
            let rows: Tensor
            switch head.opType {
            case "Gemm" where head.int("transA", 0) == 0: rows = head.int("transB", 0) != 0 ? b : transposed(b)
            case "MatMul": rows = transposed(b)
            default: continue
            }
            guard rows.shape[0] == d.labels.count else { continue }
            return ClassActivationMap(features: gap.inputs[0], weights: split(rows))
        }
        return nil
    }

    static func transposed(_ t: Tensor) -> Tensor {
        let (r, c) = (t.shape[0], t.shape[1]), v = t.floats
        return Tensor(shape: [c, r], floats: (0..<(r * c)).map { i in v[(i % r) * c + i / r] })
    }

    static func split(_ t: Tensor) -> [[Float]] {
        let v = t.floats, c = t.shape[1]
        return (0..<t.shape[0]).map { Array(v[($0 * c)..<(($0 + 1) * c)]) }
    }

    func maps(_ f: Tensor, image n: Int, model: ImageModel, source: PreparedImage) throws -> [LabelHeatmap?] {
        guard f.rank == 4, f.shape[1] == weights[0].count else {
            throw InferenceError(.shapeMismatch("CAM features '\(features)' have shape \(f.shape), the classifier takes \(weights[0].count) channels"), file: model.descriptor.file)
        }
        let (c, h, w) = (f.shape[1], f.shape[2], f.shape[3])
        let v = f.floats
        let base = n * c * h * w
        return weights.map { row in
            var raw = [Float](repeating: 0, count: h * w)
            for k in 0..<c where row[k] != 0 {
                let wk = row[k], off = base + k * h * w
                for p in 0..<(h * w) { raw[p] += wk * v[off + p] }
            }
            return LabelHeatmap(raw: raw, width: w, height: h, inputWidth: model.descriptor.input.width,
                                inputHeight: model.descriptor.input.height, source: source)
        }
    }
}

extension ImageModel {
    /// Occlusion sensitivity (Zeiler & Fergus 2014) for graphs without a CAM head: the drop in
    /// each label's probability when one cell of an 8 × 8 grid is set to the normalized mean (0).
    static let occlusionGrid = 8

    func occlusion(_ image: PreparedImage, baseline: [Double], threads: Int) throws -> [LabelHeatmap?] {
        let g = Self.occlusionGrid
        let d = descriptor.input
        var variants: [[Float]] = []
        for cy in 0..<g {
            for cx in 0..<g {
                var v = image.values
                let (y0, y1) = (cy * d.height / g, (cy + 1) * d.height / g)
                let (x0, x1) = (cx * d.width / g, (cx + 1) * d.width / g)
                for ch in 0..<d.channels {
                    for y in y0..<y1 { for x in x0..<x1 { v[(ch * d.height + y) * d.width + x] = 0 } }
                }
                variants.append(v)
            }
        }
        var drops = [[Float]](repeating: [], count: descriptor.labels.count)
        let step = batchable ? 16 : 1
        var start = 0
        while start < variants.count {
            let chunk = Array(variants[start..<min(start + step, variants.count)])
            let (rows, _) = try scores(stack(chunk), threads: threads)
            for row in rows { for l in row.indices { drops[l].append(Float(baseline[l] - row[l])) } }
            start += step
        }
        return drops.map {
            LabelHeatmap(raw: $0, width: g, height: g, inputWidth: d.width, inputHeight: d.height, source: image)
        }
    }
}
