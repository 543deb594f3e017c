/// An attribute value of one node, decoded from AttributeProto.
enum AttributeValue: Sendable {
    case float(Float)
    case int(Int)
    case string(String)
    case tensor(Tensor)
    case floats([Float])
    case ints([Int])
    case strings([String])
}

/// One graph node, with the operator set version its domain was imported at.
struct Node: Sendable {
    var name: String
    var opType: String
    var domain: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [String: AttributeValue]
    var opset: Int
    /// A Relu folded into this Conv/ConvTranspose at load time (its output is this node's).
    var fusedRelu = false

    /// "Conv 'conv1'" or "Conv #3" when the node has no name: what errors show.
    var label: String { name.isEmpty ? "#\(index)" : name }
    var index: Int = 0

    func int(_ key: String, _ fallback: Int) -> Int {
        if case .int(let v)? = attributes[key] { return v }
        return fallback
    }
    func float(_ key: String, _ fallback: Float) -> Float {
        if case .float(let v)? = attributes[key] { return v }
        if case .int(let v)? = attributes[key] { return Float(v) }
        return fallback
    }
    func ints(_ key: String) -> [Int]? {
        if case .ints(let v)? = attributes[key] { return v }
        return nil
    }
    func floats(_ key: String) -> [Float]? {
        if case .floats(let v)? = attributes[key] { return v }
        return nil
    }
    func string(_ key: String, _ fallback: String) -> String {
        if case .string(let v)? = attributes[key] { return v }
        return fallback
    }
}

/// A graph input or output with its declared shape; a nil dimension is symbolic (e.g. batch "N").
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    public var shape: [Int?]
    public var dimensionNames: [String?]
}
