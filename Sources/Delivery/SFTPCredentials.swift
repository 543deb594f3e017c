import Foundation

/// How to log in. Secrets are referenced, never held in configuration: a passphrase or password
/// comes from a file or an environment variable and is read only when connecting.
public struct SFTPCredentials: Sendable, CustomStringConvertible {
    public enum Secret: Sendable, Equatable {
        case file(String)
        case environment(String)
    }

    public enum Method: Sendable {
        /// A private key file (ed25519 or RSA, OpenSSH or PEM format), optionally encrypted.
        case identity(path: String, passphrase: Secret?)
        case password(Secret)
    }

    public let method: Method
    /// OpenSSH known_hosts file the server's key must be listed in.
    public let knownHosts: String

    public init(_ method: Method, knownHosts: String) {
        self.method = method
        self.knownHosts = knownHosts
    }

    public static func identity(_ path: String, passphrase: Secret? = nil, knownHosts: String) -> SFTPCredentials {
        SFTPCredentials(.identity(path: path, passphrase: passphrase), knownHosts: knownHosts)
    }

    public static func password(_ secret: Secret, knownHosts: String) -> SFTPCredentials {
        SFTPCredentials(.password(secret), knownHosts: knownHosts)
    }

    /// Names where the secret lives, never its value.
    public var description: String {
        switch method {
        case .identity(let path, let passphrase):
            "key \(path)" + (passphrase.map { ", passphrase from \(Self.where($0))" } ?? "") + ", known_hosts \(knownHosts)"
        case .password(let secret):
            "password from \(Self.where(secret)), known_hosts \(knownHosts)"
        }
    }

    private static func `where`(_ secret: Secret) -> String {
        switch secret {
        case .file(let path): "file \(path)"
        case .environment(let name): "$\(name)"
        }
    }
}

extension SFTPCredentials.Secret {
    /// The secret's value, with one trailing newline (as editors leave it) removed.
    func reveal() throws -> String {
        switch self {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SFTPError(.credentials, path: path, detail: "secret file cannot be read")
            }
            var s = String(decoding: data, as: UTF8.self)
            if s.hasSuffix("\r\n") { s.removeLast(2) } else if s.hasSuffix("\n") { s.removeLast() }
            return s
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw SFTPError(.credentials, detail: "environment variable \(name) is not set")
            }
            return value
        }
    }
}
