/// Why a model could not be loaded or run. `description` names the model file, the node and the
/// operator, never tensor values (which may derive from patient images).
public struct InferenceError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case unreadable(String)
        case unsupportedOperator(op: String, domain: String)
        case unsupportedOpset(domain: String, version: Int)
        case badAttribute(String)
        case badInput(String)
        case shapeMismatch(String)
        case unsupportedType(String)
        case descriptor(String)
    }

    public let code: Code
    /// The model (or descriptor) file.
    public let file: String
    /// The node's name (or its index when unnamed), for errors raised by one node.
    public let node: String?

    public init(_ code: Code, file: String, node: String? = nil) {
        self.code = code
        self.file = file
        self.node = node
    }

    public var description: String {
        let at = node.map { " at node '\($0)'" } ?? ""
        switch code {
        case .unreadable(let why): return "\(file): not a readable ONNX model: \(why)"
        case .unsupportedOperator(let op, let domain):
            let d = domain.isEmpty || domain == "ai.onnx" ? "" : " (domain \(domain))"
            return "\(file): operator \(op)\(d)\(at) is not supported by Sluice's executor"
        case .unsupportedOpset(let domain, let v):
            return "\(file): opset \(v) of domain '\(domain.isEmpty ? "ai.onnx" : domain)' is not supported (7…18)"
        case .badAttribute(let why): return "\(file)\(at): \(why)"
        case .badInput(let why): return "\(file)\(at): \(why)"
        case .shapeMismatch(let why): return "\(file)\(at): shape mismatch: \(why)"
        case .unsupportedType(let why): return "\(file)\(at): \(why)"
        case .descriptor(let why): return "\(file): \(why)"
        }
    }
}
