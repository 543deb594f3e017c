/// A pipeline file problem, located by file, line and key so the fix is obvious.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let key: String
    public let message: String

    public init(file: String, line: Int?, key: String, _ message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let at = line.map { ":\($0)" } ?? ""
        return key.isEmpty ? "\(file)\(at): \(message)" : "\(file)\(at): key '\(key)': \(message)"
    }
}
