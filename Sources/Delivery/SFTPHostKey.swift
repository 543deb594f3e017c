import CLibSSH
import Foundation

/// The server's host key as an admin sees it: `ssh-keygen -lf` prints the same SHA256 digest,
/// so an unknown or changed key can be compared and added to known_hosts by hand.
public struct SFTPHostKey: Sendable, Equatable, CustomStringConvertible {
    /// Protocol name, e.g. `ssh-ed25519`.
    public let type: String
    /// `SHA256:` followed by unpadded base64, exactly as `ssh-keygen -lf` prints it.
    public let fingerprint: String

    init(_ key: OpaquePointer) {
        type = ssh_key_type_to_char(ssh_key_type(key)).map { String(cString: $0) } ?? "unknown"
        fingerprint = Self.sha256(key) ?? "SHA256:?"
    }

    static func sha256(_ key: OpaquePointer) -> String? {
        var hash: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == 0, let bytes = hash else { return nil }
        var text = Data(bytes: bytes, count: length).base64EncodedString()
        ssh_clean_pubkey_hash(&hash)
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }

    /// The label `ssh-keygen -l` puts in parentheses.
    public var family: String {
        switch type {
        case "ssh-ed25519": "ED25519"
        case "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512": "RSA"
        case let t where t.hasPrefix("ecdsa"): "ECDSA"
        default: type.uppercased()
        }
    }

    public var description: String { "\(type) key \(fingerprint) (\(family))" }
}

/// Checks the server's key against one known_hosts file; there is deliberately no way to
/// accept an unlisted key, because a silently accepted key defeats the check (CTP, mercure).
enum SFTPKnownHosts {
    static func verify(session: OpaquePointer, endpoint: SFTPEndpoint, knownHosts: String) throws {
        var key: OpaquePointer?
        guard ssh_get_server_publickey(session, &key) == SSH_OK, let key else {
            throw SFTPError(.hostKeyCheck, detail: "server sent no host key")
        }
        let hostKey = SFTPHostKey(key)
        ssh_key_free(key)
        let hostName = endpoint.port == 22 ? endpoint.host : "[\(endpoint.host)]:\(endpoint.port)"
        let advice = "server \(hostName) offered \(hostKey); if the server's administrator confirms this fingerprint, add the key to \(knownHosts) (ssh-keyscan -p \(endpoint.port) \(endpoint.host))"
        switch ssh_session_is_known_server(session) {
        case SSH_KNOWN_HOSTS_OK:
            return
        case SSH_KNOWN_HOSTS_CHANGED, SSH_KNOWN_HOSTS_OTHER:
            throw SFTPError(.hostKeyChanged, path: knownHosts, detail: "refused: " + advice)
        case SSH_KNOWN_HOSTS_UNKNOWN, SSH_KNOWN_HOSTS_NOT_FOUND:
            throw SFTPError(.hostKeyUnknown, path: knownHosts, detail: "refused: " + advice)
        default:
            throw SFTPError(.hostKeyCheck, path: knownHosts, detail: String(cString: ssh_get_error(UnsafeMutableRawPointer(session))))
        }
    }
}
