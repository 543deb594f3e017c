public import Foundation
import SwiftProtobuf

/// A loaded ONNX model: the graph checked against the operators Sluice executes, initializers
/// decoded once, ready to run any number of times from any thread.
public struct ONNXModel: Sendable {
    /// Operators of the default domain the executor implements (opsets 7–18 semantics).
    public static let supportedOperators: Set<String> = [
        "Conv", "ConvTranspose", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Add", "Sub", "Mul", "Div",
        "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Gemm", "MatMul", "Flatten",
        "Reshape", "Transpose", "Concat", "Softmax", "Resize", "Upsample", "Identity", "Constant",
    ]
    static let opsetRange = 7...18

    public let file: String
    public let inputs: [ValueInfo]
    public let outputs: [ValueInfo]
    public let producer: String
    let nodes: [Node]
    let initializers: [String: Tensor]

    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw InferenceError(.unreadable("cannot read the file (\(error.localizedDescription))"), file: path)
        }
        try self.init(serialized: data, file: path)
    }

    public init(serialized data: Data, file: String) throws {
        let proto: Onnx_ModelProto
        do { proto = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw InferenceError(.unreadable("protobuf decoding failed (\(error))"), file: file)
        }
        guard proto.hasGraph else { throw InferenceError(.unreadable("the model has no graph"), file: file) }
        var opsets: [String: Int] = [:]
        for o in proto.opsetImport { opsets[o.domain == "ai.onnx" ? "" : o.domain] = Int(o.version) }
        if opsets.isEmpty { opsets[""] = 1 }
        let graph = proto.graph
        let initializers = try Dictionary(
            graph.initializer.map { ($0.name, try Tensor(proto: $0, file: file)) }, uniquingKeysWith: { a, _ in a })
        var nodes: [Node] = []
        for (i, n) in graph.node.enumerated() {
            let domain = n.domain == "ai.onnx" ? "" : n.domain
            let label = n.name.isEmpty ? "#\(i)" : n.name
            guard domain.isEmpty, Self.supportedOperators.contains(n.opType) else {
                throw InferenceError(.unsupportedOperator(op: n.opType, domain: n.domain), file: file, node: label)
            }
            guard let opset = opsets[""], Self.opsetRange.contains(opset) else {
                throw InferenceError(.unsupportedOpset(domain: "", version: opsets[""] ?? 0), file: file, node: label)
            }
            var attributes: [String: AttributeValue] = [:]
            for a in n.attribute { attributes[a.name] = try AttributeValue(proto: a, file: file, node: label) }
            var node = Node(name: n.name, opType: n.opType, domain: domain, inputs: n.input, outputs: n.output,
                            attributes: attributes, opset: opset)
            node.index = i
            try Operators.check(node, file: file)
            nodes.append(node)
        }
        let outputNames = Set(graph.output.map(\.name))
        self.file = file
        self.nodes = Self.fuseActivations(nodes, keep: outputNames)
        self.producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        self.initializers = initializers
        self.inputs = graph.input.filter { initializers[$0.name] == nil }.map(ValueInfo.init(proto:))
        self.outputs = graph.output.map(ValueInfo.init(proto:))
        try checkTopologicalOrder()
    }

    /// ONNX requires nodes in topological order; a graph that uses a value before it exists
    /// would otherwise fail half-way through a run.
    private func checkTopologicalOrder() throws {
        var known = Set(initializers.keys).union(inputs.map(\.name))
        known.insert("")  // an omitted optional input
        for node in nodes {
            for input in node.inputs where !known.contains(input) {
                throw InferenceError(.badInput("input '\(input)' is not produced before this node"), file: file, node: node.label)
            }
            known.formUnion(node.outputs)
        }
        for output in outputs where !known.contains(output.name) {
            throw InferenceError(.badInput("graph output '\(output.name)' is never produced"), file: file)
        }
    }

    /// Folds each Relu into the Conv before it when nothing else reads the Conv's output: one
    /// pass over the output instead of two, and one tensor less alive.
    static func fuseActivations(_ nodes: [Node], keep: Set<String>) -> [Node] {
        var readers: [String: Int] = [:]
        for n in nodes { for i in n.inputs { readers[i, default: 0] += 1 } }
        var out: [Node] = []
        var skip = Set<Int>()
        for (i, n) in nodes.enumerated() where !skip.contains(i) {
            var node = n
            if ["Conv", "ConvTranspose"].contains(n.opType), let o = n.outputs.first, n.outputs.count == 1,
               readers[o] == 1, !keep.contains(o),
               let j = nodes.indices.first(where: { $0 > i && nodes[$0].inputs.contains(o) }),
               nodes[j].opType == "Relu" {
                node.fusedRelu = true
                node.outputs = nodes[j].outputs
                skip.insert(j)
            }
            out.append(node)
        }
        return out
    }

    /// An initializer by name (e.g. a classifier's weights for class-activation maps).
    public func initializer(_ name: String) -> Tensor? { initializers[name] }
}

extension ValueInfo {
    init(proto: Onnx_ValueInfoProto) {
        let dims = proto.type.tensorType.shape.dim
        self.init(
            name: proto.name,
            shape: dims.map { d in
                if case .dimValue(let v)? = d.value, v > 0 { return Int(v) }
                return nil
            },
            dimensionNames: dims.map { d in
                if case .dimParam(let p)? = d.value { return p }
                return nil
            })
    }
}

extension AttributeValue {
    init(proto a: Onnx_AttributeProto, file: String, node: String) throws {
        switch a.type {
        case .float: self = .float(a.f)
        case .int: self = .int(Int(a.i))
        case .string: self = .string(String(decoding: a.s, as: UTF8.self))
        case .tensor: self = .tensor(try Tensor(proto: a.t, file: file))
        case .floats: self = .floats(a.floats)
        case .ints: self = .ints(a.ints.map { Int($0) })
        case .strings: self = .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        default:
            // Older exporters leave `type` unset; infer it from the one field that is present.
            if a.hasF { self = .float(a.f) } else if a.hasI { self = .int(Int(a.i)) }
            else if a.hasS { self = .string(String(decoding: a.s, as: UTF8.self)) }
            else if a.hasT { self = .tensor(try Tensor(proto: a.t, file: file)) }
            else if !a.ints.isEmpty { self = .ints(a.ints.map { Int($0) }) }
            else if !a.floats.isEmpty { self = .floats(a.floats) }
            else { throw InferenceError(.badAttribute("attribute '\(a.name)' has an unsupported type"), file: file, node: node) }
        }
    }
}

extension Tensor {
    /// Decodes float, double, int8–int64, uint8–uint32 and bool tensors, from raw_data or the
    /// typed fields; everything but int64 becomes Float (integer indices stay exact up to 2²⁴).
    init(proto t: Onnx_TensorProto, file: String) throws {
        let shape = t.dims.map { Int($0) }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw InferenceError(.badInput("tensor '\(t.name)' has a negative dimension"), file: file)
        }
        guard t.dataLocation != .external else {
            throw InferenceError(.unsupportedType("tensor '\(t.name)' keeps its data in an external file"), file: file)
        }
        let count = shape.reduce(1, *)
        let raw = t.rawData
        func fromRaw<T>(_: T.Type) throws -> [T] {
            guard raw.count == count * MemoryLayout<T>.size else {
                throw InferenceError(.badInput("tensor '\(t.name)': \(raw.count) raw bytes for \(count) values"), file: file)
            }
            return raw.withUnsafeBytes { buf in (0..<count).map { buf.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
        }
        func check(_ n: Int) throws {
            guard n == count else {
                throw InferenceError(.badInput("tensor '\(t.name)': \(n) values for shape \(shape)"), file: file)
            }
        }
        let type = Onnx_TensorProto.DataType(rawValue: Int(t.dataType)) ?? .undefined
        switch type {
        case .float:
            let v = raw.isEmpty ? t.floatData : try fromRaw(Float.self)
            try check(v.count); self.init(shape: shape, floats: v)
        case .double:
            let v = raw.isEmpty ? t.doubleData : try fromRaw(Double.self)
            try check(v.count); self.init(shape: shape, floats: v.map { Float($0) })
        case .int64:
            let v = raw.isEmpty ? t.int64Data : try fromRaw(Int64.self)
            try check(v.count); self.init(shape: shape, int64s: v)
        case .int32:
            let v = raw.isEmpty ? t.int32Data : try fromRaw(Int32.self)
            try check(v.count); self.init(shape: shape, floats: v.map { Float($0) })
        case .int16, .int8, .uint8, .uint16, .bool:
            let v: [Float]
            if raw.isEmpty { v = t.int32Data.map { Float($0) } } else {
                switch type {
                case .int16: v = try fromRaw(Int16.self).map { Float($0) }
                case .int8: v = try fromRaw(Int8.self).map { Float($0) }
                case .uint16: v = try fromRaw(UInt16.self).map { Float($0) }
                default: v = try fromRaw(UInt8.self).map { Float($0) }
                }
            }
            try check(v.count); self.init(shape: shape, floats: v)
        default:
            throw InferenceError(.unsupportedType("tensor '\(t.name)' has data type \(type) (\(t.dataType))"), file: file)
        }
    }
}
