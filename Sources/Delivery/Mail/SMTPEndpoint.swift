import Foundation

/// Where and how to reach a mail server. `smtp://` with STARTTLS and `smtps://` (implicit TLS)
/// stay distinct: a STARTTLS endpoint fails when the server does not offer it, never downgrades.
public struct SMTPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Security: String, Sendable, Equatable {
        /// Plain connection upgraded with STARTTLS before anything else is sent; required.
        case startTLS
        /// TLS from the first byte (`smtps://`, usually port 465).
        case implicitTLS
        /// Clear text; only when the pipeline file says `starttls: false` (a local relay).
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    /// PEM bundle of CAs to verify the server against instead of the system store.
    public var caFile: String?
    public var credentials: SMTPCredentials?
    /// Name sent in EHLO; the sender's domain is a good choice.
    public var heloName: String
    public var connectTimeout: Duration
    /// Whole-transaction limit, so a stalled server cannot hold a worker forever.
    public var timeout: Duration

    /// Parses `smtp://host[:port]` or `smtps://host[:port]`. Credentials never come from the URL.
    public init(url: String, starttls: Bool = true, caFile: String? = nil, credentials: SMTPCredentials? = nil,
                heloName: String = "localhost", connectTimeout: Duration = .seconds(10),
                timeout: Duration = .seconds(120)) throws(MailConfigError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw MailConfigError(setting: "smtp", problem: "not an smtp:// or smtps:// URL")
        }
        if components.user != nil || components.password != nil {
            throw MailConfigError(setting: "smtp", problem: "credentials must not be written in the URL; use a password file or environment variable")
        }
        switch scheme {
        case "smtp": security = starttls ? .startTLS : .none; port = components.port ?? 25
        case "smtps": security = .implicitTLS; port = components.port ?? 465
        default: throw MailConfigError(setting: "smtp", problem: "scheme must be smtp or smtps")
        }
        if credentials != nil && security == .none {
            throw MailConfigError(setting: "smtp", problem: "refusing to send a password without TLS (starttls: false)")
        }
        self.host = host
        self.caFile = caFile
        self.credentials = credentials
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// Stable, secret-free identity for logs, errors and the ledger.
    public var id: String { "\(security == .implicitTLS ? "smtps" : "smtp")://\(host):\(port)" }
    public var description: String { id }

    /// The URL handed to libcurl; its path is the EHLO name.
    var curlURL: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(security == .implicitTLS ? "smtps" : "smtp")://\(hostPart):\(port)/\(heloName)"
    }
}

/// A bad mail setting in the pipeline file; names the setting, never a secret.
public struct MailConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let setting: String
    public let problem: String
    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }
    public var description: String { "mail setting \(setting): \(problem)" }
}
