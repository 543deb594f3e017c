/// Why one SMTP transaction failed. Safe to log: it names the server, the libcurl error and
/// the server's reply code, never an address, a subject or a secret.
public struct SMTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Worth trying again later: connection refused or lost, timeout, a 4xx reply.
        case transient
        /// Trying again cannot help: a 5xx reply, a certificate that does not verify, no STARTTLS.
        case permanent
        /// The configuration is wrong (unreadable password file, bad address); not retried.
        case configuration
    }

    public let server: String
    public let kind: Kind
    /// The last SMTP reply code the server sent (e.g. 550), or nil when it never answered.
    public let replyCode: Int?
    /// libcurl's error number (CURLcode), or nil for failures before libcurl ran.
    public let curlCode: Int?
    /// A fixed explanation (libcurl's text for its error, TLS verification detail).
    public let reason: String

    public init(server: String, kind: Kind, replyCode: Int?, curlCode: Int?, reason: String) {
        self.server = server
        self.kind = kind
        self.replyCode = replyCode
        self.curlCode = curlCode
        self.reason = reason
    }

    public var description: String {
        var text = "\(server): \(reason)"
        if let replyCode { text += " (SMTP reply \(replyCode))" }
        return text + " [\(kind.rawValue)]"
    }
}
