import Foundation
@testable import Inference
import Testing
import TestSupport

/// A batch runs sample by sample only where the graph keeps samples apart; OperatorParityTests
/// checks the values of both ways against onnxruntime (at two threads its batched cases split).
@Suite struct BatchSplitTests {
    /// Cases of make_test_models.py whose graph mixes axis 0 with other axes, gives each sample
    /// its own constant (a batched MatMul weight, a constant concatenated on), or that the
    /// analysis cannot prove per-sample (an initializer as MatMul's left operand).
    static let mixing: Set<String> = [
        "flatten_axis0", "reshape_neg1_first", "transpose_3102", "transpose_default_reverse",
        "gemm_transa_c_m1", "gemm_transab_alpha_beta", "matmul_bcast_init_left", "matmul_3d_batched",
        "concat_axis_neg1_three", "resize_nearest_sizes_empty_scales", "resize_linear_asym_sizes",
    ]

    @Test func perSampleGraphsAreToldFromMixingOnes() throws {
        let (dir, list) = OperatorParityTests.cases
        try #require(!list.isEmpty)
        var wrong: [String] = []
        var split = 0
        for c in list where c.input_shape.first.map({ $0 > 1 }) == true {
            let model = try ONNXModel(path: "\(dir)/\(c.name).onnx")
            let perSample = model.isPerSample(inputRanks: [model.inputs[0].name: c.input_shape.count],
                                              results: Set(model.outputs.map(\.name)))
            if perSample == Self.mixing.contains(c.name) { wrong.append("\(c.name): \(perSample ? "per-sample" : "mixing")") }
            if perSample { split += 1 }
        }
        #expect(wrong.isEmpty, "misjudged: \(wrong)")
        #expect(split >= 30, "only \(split) batched cases run split")
    }

    @Test func theDemoModelRunsSampleBySampleWithTheSameResult() throws {
        let model = try ONNXModel(path: repoRoot + "/models/demo.onnx")
        let name = model.inputs[0].name
        var rng = SeededRandom(seed: 9)
        let batch = 5
        let x = Tensor(shape: [batch, 1, 256, 256], floats: (0..<(batch * 65536)).map { _ in Float.random(in: -2...2, using: &rng) })
        let keep: Set<String> = ["relu4"]
        let results = Set(model.outputs.map(\.name)).union(keep)
        #expect(model.isPerSample(inputRanks: [name: 4], results: results))
        let whole = try model.runWhole([name: x], threads: 1, results: results)
        for threads in [1, 2, 3] {
            let split = try #require(try model.runSplit([name: x], threads: threads, results: results), "threads \(threads)")
            for key in results {
                #expect(split[key]!.shape == whole[key]!.shape)
                let a = split[key]!.floats, b = whole[key]!.floats
                let worst = zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? .infinity
                #expect(worst <= 1e-5, "\(key) at \(threads) threads: relative difference \(worst)")
            }
        }
        // One sample per run is already as small as it gets: nothing to split.
        #expect(try model.runSplit([name: x.samples(0..<1)], threads: 2, results: results) == nil)
    }
}
