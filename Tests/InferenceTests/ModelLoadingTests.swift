import Foundation
@testable import Inference
import Testing
import TestSupport

@Suite struct ModelLoadingTests {
    @Test func unsupportedOperatorIsRefusedAtLoadNamingOpAndNode() throws {
        let data = try ModelBuilder.model(
            nodes: [ModelBuilder.node("Relu", ["x"], ["r"], name: "relu1"), ModelBuilder.node("Erf", ["r"], ["y"], name: "erf_node")],
            inputs: [ModelBuilder.value("x", [1, 4])], outputs: [ModelBuilder.value("y", [1, 4])])
        let error = try #require(throws: InferenceError.self) { try ONNXModel(serialized: data, file: "m.onnx") }
        #expect(error.code == .unsupportedOperator(op: "Erf", domain: ""))
        #expect(error.description == "m.onnx: operator Erf at node 'erf_node' is not supported by Sluice's executor")
    }

    @Test func customDomainIsRefusedEvenForAKnownOpName() throws {
        var node = ModelBuilder.node("Relu", ["x"], ["y"])
        node.domain = "com.microsoft"
        let data = try ModelBuilder.model(nodes: [node], inputs: [ModelBuilder.value("x", [2])], outputs: [ModelBuilder.value("y", [2])])
        let error = try #require(throws: InferenceError.self) { try ONNXModel(serialized: data, file: "m.onnx") }
        #expect(error.description.contains("Relu (domain com.microsoft) at node '#0'"))
    }

    @Test func unsupportedResizeModeIsRefusedAtLoad() throws {
        var node = ModelBuilder.node("Resize", ["x", "", "s"], ["y"], name: "up")
        var mode = Onnx_AttributeProto(); mode.name = "mode"; mode.type = .string; mode.s = Data("cubic".utf8)
        node.attribute.append(mode)
        let data = try ModelBuilder.model(
            nodes: [node], inputs: [ModelBuilder.value("x", [1, 1, 2, 2])], outputs: [ModelBuilder.value("y", [])],
            initializers: [ModelBuilder.tensor("s", [4], [1, 1, 2, 2])])
        let error = try #require(throws: InferenceError.self) { try ONNXModel(serialized: data, file: "m.onnx") }
        #expect(error.description.contains("mode 'cubic' is not supported"))
        #expect(error.node == "up")
    }

    @Test func nodesOutOfTopologicalOrderAreRefused() throws {
        let data = try ModelBuilder.model(
            nodes: [ModelBuilder.node("Relu", ["r"], ["y"], name: "second"), ModelBuilder.node("Relu", ["x"], ["r"], name: "first")],
            inputs: [ModelBuilder.value("x", [3])], outputs: [ModelBuilder.value("y", [3])])
        let error = try #require(throws: InferenceError.self) { try ONNXModel(serialized: data, file: "m.onnx") }
        #expect(error.description.contains("input 'r' is not produced before this node"))
    }

    @Test func garbageIsNotAModel() throws {
        let error = try #require(throws: InferenceError.self) {
            try ONNXModel(serialized: Data("not a protobuf at all, just text\n".utf8), file: "junk.onnx")
        }
        #expect(error.description.hasPrefix("junk.onnx: not a readable ONNX model"))
    }

    @Test func wrongInputShapeIsAClearError() throws {
        let data = try ModelBuilder.model(
            nodes: [ModelBuilder.node("Relu", ["x"], ["y"])],
            inputs: [ModelBuilder.value("x", [nil, 1, 4, 4])], outputs: [ModelBuilder.value("y", [nil, 1, 4, 4])])
        let model = try ONNXModel(serialized: data, file: "m.onnx")
        let ok = try model.run(["x": Tensor(shape: [2, 1, 4, 4], repeating: -1)], threads: 1)
        #expect(ok["y"]?.floats == [Float](repeating: 0, count: 32))
        let error = try #require(throws: InferenceError.self) { try model.run(["x": Tensor(shape: [1, 1, 4, 5], repeating: 0)]) }
        #expect(error.description.contains("input 'x' has shape [1, 1, 4, 5], the model expects [?, 1, 4, 4]"))
    }

    @Test func npyRoundTripsAndRejectsTruncation() throws {
        let t = Tensor(shape: [2, 3], floats: [1, -2, 3.5, 0, .greatestFiniteMagnitude, -0.25])
        let data = NPY.encode(t)
        #expect(try NPY.decode(data, file: "t.npy") == t)
        // NumPy itself reads what we write.
        let dir = try TemporaryDirectory("npy")
        defer { dir.remove() }
        try data.write(to: URL(fileURLWithPath: dir.file("t.npy")))
        let check = try runPython("import numpy as np, sys; a = np.load(sys.argv[1]); print(a.dtype, a.shape, a.tolist())", [dir.file("t.npy")])
        #expect(check.stdout.hasPrefix("float32 (2, 3) [[1.0, -2.0, 3.5], [0.0, 3.4028234663852886e+38, -0.25]]"), "\(check.stderr)")
        let error = try #require(throws: InferenceError.self) { try NPY.decode(data.dropLast(4), file: "t.npy") }
        #expect(error.description.contains("20 data bytes for shape [2, 3] of <f4"))
    }
}
