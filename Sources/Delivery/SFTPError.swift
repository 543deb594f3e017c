/// A failed SFTP operation. `description` names the endpoint and remote path but never a
/// secret, and never file contents; `detail` is the server's or libssh's own wording.
public struct SFTPError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case badURL = "bad sftp URL"
        case credentials = "credentials unavailable"
        case connect = "cannot connect"
        case hostKeyUnknown = "host key not in known_hosts"
        case hostKeyChanged = "host key does not match known_hosts"
        case hostKeyCheck = "cannot check host key"
        case authentication = "authentication refused"
        case noSuchFile = "no such file"
        case permissionDenied = "permission denied"
        case connectionLost = "connection lost"
        case sizeMismatch = "remote size does not match"
        case conflict = "a different file with this name exists"
        case local = "local file error"
        case cancelled = "cancelled"
        case failure = "SFTP operation failed"
    }

    public let code: Code
    public let path: String?
    public let detail: String

    public init(_ code: Code, path: String? = nil, detail: String = "") {
        self.code = code
        self.path = path
        self.detail = detail
    }

    /// Errors that a new connection may cure; the others repeat however often we retry.
    public var isTransient: Bool {
        switch code {
        case .connect, .connectionLost: true
        default: false
        }
    }

    public var description: String {
        var s = code.rawValue
        if let path { s += " (\(path))" }
        if !detail.isEmpty { s += ": " + detail }
        return s
    }
}
