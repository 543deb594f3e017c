import Foundation
import SwiftProtobuf
@testable import Inference
import TestSupport

/// The repository root, for tools/ and models/.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Builds ONNX models in Swift through the generated protobuf types, for loader tests that need
/// a graph Python's helper would refuse to write (or that should not need Python at all).
enum ModelBuilder {
    static func tensor(_ name: String, _ shape: [Int], _ values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map { Int64($0) }
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.floatData = values
        return t
    }

    static func value(_ name: String, _ shape: [Int?]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var s = Onnx_TensorShapeProto()
        s.dim = shape.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = Int64(d) } else { dim.dimParam = "N" }
            return dim
        }
        tt.shape = s
        v.type.tensorType = tt
        return v
    }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "",
                     ints: [String: [Int]] = [:], int: [String: Int] = [:]) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name
        for (k, v) in ints {
            var a = Onnx_AttributeProto(); a.name = k; a.type = .ints; a.ints = v.map { Int64($0) }
            n.attribute.append(a)
        }
        for (k, v) in int {
            var a = Onnx_AttributeProto(); a.name = k; a.type = .int; a.i = Int64(v)
            n.attribute.append(a)
        }
        return n
    }

    static func model(nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                      initializers: [Onnx_TensorProto] = [], opset: Int = 17) throws -> Data {
        var g = Onnx_GraphProto()
        g.name = "test"
        g.node = nodes
        g.input = inputs
        g.output = outputs
        g.initializer = initializers
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var o = Onnx_OperatorSetIdProto(); o.domain = ""; o.version = Int64(opset)
        m.opsetImport = [o]
        m.graph = g
        return try m.serializedData()
    }
}
