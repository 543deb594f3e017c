/// Why sample generation refused or failed; safe to log (paths only, no values).
public struct SampleError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case badOption(String)
        case exists
        case writeFailed(String)
    }

    public let code: Code
    public let path: String?

    public init(_ code: Code, path: String? = nil) {
        self.code = code
        self.path = path
    }

    public var description: String {
        switch code {
        case .badOption(let what): return "samples: bad option: \(what)"
        case .exists: return "\(path ?? "?"): already exists; samples never overwrite a batch"
        case .writeFailed(let why): return "\(path ?? "?"): cannot write: \(why)"
        }
    }
}
