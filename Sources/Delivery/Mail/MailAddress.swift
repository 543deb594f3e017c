/// A mailbox with an optional display name, e.g. `"Sluice" <sluice@site.org>`.
public struct MailAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var name: String?
    public var address: String

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// The domain after the last `@` (Message-IDs are made in the sender's domain).
    public var domain: String { address.split(separator: "@").last.map(String.init) ?? "localhost" }

    /// True when the address needs SMTPUTF8 (a non-ASCII local part or domain).
    public var needsUTF8: Bool { !address.utf8.allSatisfy { $0 < 0x80 } }

    public var description: String { address }

    /// A structural check, not validation: one `@`, non-empty sides, no spaces, brackets or controls.
    public static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && !"<>()[]\\,;:\"".unicodeScalars.contains($0) }
    }

    /// The header form: the name as an RFC 2047 encoded-word when it is not ASCII, quoted when
    /// it holds specials.
    var headerValue: String {
        guard let name, !name.isEmpty else { return address }
        return "\(MIMEEncoding.phrase(name)) <\(address)>"
    }
}
