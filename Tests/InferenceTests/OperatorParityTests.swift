import Foundation
import Inference
import Testing
import TestSupport

/// Every supported operator (and attribute variant) against onnxruntime: the models, inputs and
/// onnxruntime's outputs come from `tools/onnx/make_test_models.py` (onnx.helper, fixed seeds).
@Suite(.serialized) struct OperatorParityTests {
    struct Case: Decodable {
        var name: String
        var ops: [String]
        var input_shape: [Int]
        var opset: Int
    }

    static let cases: (dir: String, list: [Case]) = {
        let dir = NSTemporaryDirectory() + "sluice-onnx-cases-\(getpid())"
        let made = try? runProcess("python3", [repoRoot + "/tools/onnx/make_test_models.py", dir])
        guard made?.status == 0,
              let data = FileManager.default.contents(atPath: dir + "/cases.json"),
              let list = try? JSONDecoder().decode([Case].self, from: data) else {
            return (dir, [])
        }
        return (dir, list)
    }()

    @Test func generatorRanAndCoversEverySupportedOperator() throws {
        let list = Self.cases.list
        #expect(list.count >= 100, "make_test_models.py produced \(list.count) cases")
        let covered = Set(list.flatMap(\.ops))
        #expect(ONNXModel.supportedOperators.subtracting(covered).isEmpty,
                "operators without a parity case: \(ONNXModel.supportedOperators.subtracting(covered).sorted())")
    }

    @Test(arguments: [1, 2]) func everyCaseMatchesOnnxruntime(threads: Int) throws {
        let (dir, list) = Self.cases
        try #require(!list.isEmpty)
        var failures: [String] = []
        for c in list {
            let model = try ONNXModel(path: "\(dir)/\(c.name).onnx")
            let input = try NPY.read(path: "\(dir)/\(c.name).input.npy")
            let expected = try NPY.read(path: "\(dir)/\(c.name).output.npy")
            let got = try model.run([model.inputs[0].name: input], threads: threads)[model.outputs[0].name]!
            guard got.shape == expected.shape else {
                failures.append("\(c.name): shape \(got.shape), onnxruntime \(expected.shape)")
                continue
            }
            let a = got.floats, b = expected.floats
            let scale = b.map { abs($0) }.max() ?? 0
            // 1e-4 relative, with a floor of 1e-5 of the tensor's largest value for entries
            // that cancel to near zero (float32 sums in a different order).
            if let bad = a.indices.first(where: { abs(a[$0] - b[$0]) > 1e-4 * abs(b[$0]) + 1e-5 * scale }) {
                failures.append("\(c.name) (opset \(c.opset)): value \(bad) is \(a[bad]), onnxruntime \(b[bad])")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(list.count) cases differ:\n\(failures.joined(separator: "\n"))")
    }

    @Test func theGeneratorsUnsupportedModelIsRefused() throws {
        let error = try #require(throws: InferenceError.self) { try ONNXModel(path: Self.cases.dir + "/unsupported.onnx") }
        #expect(error.description.contains("operator Erf at node 'erf_node' is not supported"))
    }
}
