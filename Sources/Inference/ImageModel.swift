import Foundation
import Kernels

/// A model and its descriptor, checked against each other once at load time: the input and
/// output exist, the label count matches, and the heatmap method can work on this graph.
public struct ImageModel: Sendable {
    public let descriptor: ModelDescriptor
    public let graph: ONNXModel
    /// How heatmaps are made for this model (descriptor's choice, or CAM when the graph allows).
    public let heatmap: ModelDescriptor.HeatmapMethod
    let cam: ClassActivationMap?
    /// Whether the graph takes a batch of any size (else images run one at a time).
    let batchable: Bool

    /// `path`: the model's `.onnx` (its descriptor is the `.yaml` beside it) or the descriptor.
    public init(path: String) throws {
        let d = try ModelDescriptor.load(path: path)
        try self.init(descriptor: d, graph: try ONNXModel(path: d.modelPath))
    }

    public init(descriptor d: ModelDescriptor, graph: ONNXModel) throws {
        func fail(_ why: String) -> InferenceError { InferenceError(.descriptor(why), file: d.file) }
        guard let input = graph.inputs.first(where: { $0.name == d.input.name }) else {
            throw fail("input.name '\(d.input.name)' is not an input of \(graph.file) (it has \(graph.inputs.map(\.name)))")
        }
        guard graph.inputs.count == 1 else { throw fail("the model must have one input, it has \(graph.inputs.count)") }
        let expected = [d.input.channels, d.input.height, d.input.width]
        guard input.shape.count == 4, zip(input.shape.dropFirst(), expected).allSatisfy({ $0 == nil || $0 == $1 }) else {
            throw fail("input \(d.input.name) has shape \(input.shape.map { $0.map(String.init) ?? "?" }), the descriptor says [N, \(expected.map(String.init).joined(separator: ", "))]")
        }
        guard graph.outputs.contains(where: { $0.name == d.output.name }) else {
            throw fail("output.name '\(d.output.name)' is not an output of \(graph.file) (it has \(graph.outputs.map(\.name)))")
        }
        descriptor = d
        self.graph = graph
        batchable = input.shape[0] == nil
        let found = ClassActivationMap.find(in: graph, descriptor: d)
        switch d.heatmap {
        case .cam?:
            guard let found else { throw fail("heatmap: cam needs a GlobalAveragePool followed by Gemm or MatMul with \(d.labels.count) outputs") }
            cam = found
            heatmap = .cam
        case .occlusion?: cam = nil; heatmap = .occlusion
        case .none?: cam = nil; heatmap = .none
        case nil: cam = found; heatmap = found == nil ? .occlusion : .cam
        }
    }

    /// One image's scores and heatmaps, in label order.
    public struct Prediction: Sendable {
        public var probabilities: [Double]
        /// Per label; nil when heatmaps are off.
        public var heatmaps: [LabelHeatmap?]
    }

    /// Runs the model on `images` (batches of up to `batchSize` when the graph allows).
    public func predict(_ images: [PreparedImage], threads: Int, batchSize: Int = 16, heatmaps: Bool = true) throws -> [Prediction] {
        var out: [Prediction] = []
        let step = batchable ? max(1, batchSize) : 1
        var start = 0
        while start < images.count {
            let chunk = Array(images[start..<min(start + step, images.count)])
            out += try predictBatch(chunk, threads: threads, heatmaps: heatmaps)
            start += step
        }
        return out
    }

    func stack(_ images: [[Float]]) -> Tensor {
        let d = descriptor.input
        return Tensor(shape: [images.count, d.channels, d.height, d.width], floats: images.flatMap { $0 })
    }

    /// Raw graph outputs for a stacked input, with the descriptor's activation applied.
    func scores(_ input: Tensor, threads: Int, keep: Set<String> = []) throws -> (scores: [[Double]], kept: [String: Tensor]) {
        let result = try graph.run([descriptor.input.name: input], threads: threads, keep: keep)
        let y = result[descriptor.output.name]!
        let n = input.shape[0]
        guard y.count == n * descriptor.labels.count else {
            throw InferenceError(.shapeMismatch("output \(descriptor.output.name) has shape \(y.shape); \(descriptor.labels.count) label(s) for \(n) image(s) expected"), file: descriptor.file)
        }
        let v = y.floats.map(Double.init)
        let k = descriptor.labels.count
        let rows = (0..<n).map { i in Self.activate(Array(v[(i * k)..<((i + 1) * k)]), descriptor.output.activation) }
        return (rows, result)
    }

    static func activate(_ v: [Double], _ a: ModelDescriptor.Activation) -> [Double] {
        switch a {
        case .none: return v
        case .sigmoid: return v.map { 1 / (1 + exp(-$0)) }
        case .softmax:
            let m = v.max() ?? 0
            let e = v.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    func predictBatch(_ images: [PreparedImage], threads: Int, heatmaps: Bool) throws -> [Prediction] {
        let input = stack(images.map(\.values))
        let useCAM = heatmaps && heatmap == .cam && cam != nil
        let (rows, kept) = try scores(input, threads: threads, keep: useCAM ? [cam!.features] : [])
        var out: [Prediction] = []
        for (i, image) in images.enumerated() {
            var maps: [LabelHeatmap?] = Array(repeating: nil, count: descriptor.labels.count)
            if heatmaps {
                switch heatmap {
                case .cam: if let cam { maps = try cam.maps(kept[cam.features]!, image: i, model: self, source: image) }
                case .occlusion: maps = try occlusion(image, baseline: rows[i], threads: threads)
                case .none: break
                }
            }
            out.append(Prediction(probabilities: rows[i], heatmaps: maps))
        }
        return out
    }
}

/// A label's heatmap on a coarse grid covering the whole source image, values 0…1, with the
/// peak in source pixel coordinates (column, row; pixel centres at integers).
public struct LabelHeatmap: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var values: [Float]
    public var peakColumn: Double
    public var peakRow: Double

    /// Normalizes `raw` (negative evidence dropped) and finds the peak on a bilinear upsampling
    /// to the model input, for sub-cell precision, mapped back to the source frame.
    init(raw: [Float], width: Int, height: Int, inputWidth: Int, inputHeight: Int, source: PreparedImage) {
        let top = raw.max() ?? 0
        values = raw.map { top > 0 ? max($0, 0) / top : 0 }
        self.width = width
        self.height = height
        var fine = [Float](repeating: 0, count: inputWidth * inputHeight)
        values.withUnsafeBufferPointer { src in
            fine.withUnsafeMutableBufferPointer { resizeBilinear($0, width: inputWidth, height: inputHeight, src, width: width, height: height) }
        }
        let best = fine.indices.max { fine[$0] < fine[$1] } ?? 0
        let (ix, iy) = (Double(best % inputWidth), Double(best / inputWidth))
        peakColumn = (ix + 0.5) * Double(source.sourceWidth) / Double(inputWidth) - 0.5
        peakRow = (iy + 0.5) * Double(source.sourceHeight) / Double(inputHeight) - 0.5
    }
}
