import Foundation

/// A user name and where to read its password. The password itself is never stored in config,
/// printed or logged; it is read at send time so a rotated secret takes effect without restart.
public struct SMTPCredentials: Sendable, Equatable, CustomStringConvertible {
    public enum PasswordSource: Sendable, Equatable {
        /// A file whose first line is the password (a trailing newline is ignored).
        case file(String)
        /// The name of an environment variable holding the password.
        case environment(String)
    }

    public enum Mechanism: String, Sendable, Equatable {
        case plain = "PLAIN", login = "LOGIN"
    }

    public var username: String
    public var password: PasswordSource
    /// nil: the best mechanism the server offers.
    public var mechanism: Mechanism?

    public init(username: String, password: PasswordSource, mechanism: Mechanism? = nil) {
        self.username = username
        self.password = password
        self.mechanism = mechanism
    }

    public var description: String {
        switch password {
        case .file(let path): "\(username) (password from file \(path))"
        case .environment(let name): "\(username) (password from $\(name))"
        }
    }

    func resolvePassword() throws(MailConfigError) -> String {
        switch password {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MailConfigError(setting: "password_file", problem: "cannot read \(path)")
            }
            let text = String(decoding: data, as: UTF8.self)
            let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let password = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            guard !password.isEmpty else { throw MailConfigError(setting: "password_file", problem: "\(path) is empty") }
            return password
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw MailConfigError(setting: "password_env", problem: "environment variable \(name) is not set")
            }
            return value
        }
    }
}
