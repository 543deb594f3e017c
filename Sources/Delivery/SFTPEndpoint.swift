import Foundation

/// Where an SFTP inbox or outbox lives: `sftp://user@host:port/path`. Holds no secrets, so it
/// may appear in ledger ids and logs; a password in the URL is refused rather than ignored.
public struct SFTPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let user: String
    /// Absolute remote folder, without a trailing slash ("/" for the root).
    public let path: String

    public init(host: String, port: Int = 22, user: String, path: String) {
        self.host = host
        self.port = port
        self.user = user
        self.path = Self.normalized(path)
    }

    public init(url: String) throws {
        guard let parts = URLComponents(string: url), parts.scheme?.lowercased() == "sftp" else {
            throw SFTPError(.badURL, detail: "expected sftp://user@host[:port]/path")
        }
        if parts.password != nil { throw SFTPError(.badURL, detail: "passwords are not accepted in the URL; use a password file or environment variable") }
        guard let host = parts.host, !host.isEmpty else { throw SFTPError(.badURL, detail: "missing host") }
        guard let user = parts.user, !user.isEmpty else { throw SFTPError(.badURL, detail: "missing user") }
        let port = parts.port ?? 22
        guard (1...65535).contains(port) else { throw SFTPError(.badURL, detail: "port out of range") }
        self.init(host: host, port: port, user: user, path: parts.percentEncodedPath.removingPercentEncoding ?? parts.path)
    }

    static func normalized(_ path: String) -> String {
        var p = path.isEmpty ? "/" : path
        if !p.hasPrefix("/") { p = "/" + p }
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }

    /// `relative` resolved under `path`; components `..` and empty ones are rejected by callers.
    public func remote(_ relative: String) -> String {
        relative.isEmpty ? path : (path == "/" ? "/" + relative : path + "/" + relative)
    }

    public var description: String {
        "sftp://\(user)@\(host)\(port == 22 ? "" : ":\(port)")\(path)"
    }
}
