public import Delivery
import Foundation
import Yams

extension PipelineConfig {
    /// `inbox: - { sftp: sftp://site@host/inbox, … }`: a drop folder on a site's SFTP server.
    public struct SFTPInboxSettings: Sendable {
        /// How an entry is taken so that no worker takes it twice.
        public enum Claim: String, Sendable {
            /// Renamed on the server into `processingFolder/<batch-id>/` (the server is the arbiter).
            case rename
            /// For read-only accounts: the entry stays where it is and the ledger remembers its
            /// fingerprint (path, size, file count, newest mtime); the same drop is never taken twice.
            case ledger
        }

        public var endpoint: SFTPEndpoint
        public var credentials: SFTPCredentials
        public var recursive: Bool
        public var after: SFTPInbox.AfterAction
        public var claim: Claim
        /// Absolute remote folders (defaults: hidden folders inside the inbox, so the listing
        /// skips them and a claim stays a rename within one file system).
        public var processingFolder: String
        public var archiveFolder: String
        /// `follow_links: true`: fetch what symbolic links in the inbox point at. Off by
        /// default: a link is recorded as not followed (see `SFTPInbox.followLinks`).
        public var followLinks = false
    }
}

extension ConfigReader {
    /// The endpoint and credentials of an SFTP inbox or outbox mapping `m` (keys `sftp`,
    /// `identity` + `passphrase` or `password`, `known_hosts`). Secrets are locations only.
    func sftpLogin(_ item: Node, _ m: [String: Node], _ key: String) throws(ConfigError) -> (SFTPEndpoint, SFTPCredentials) {
        guard let sftp = m["sftp"] else { throw fail(item, key + ".sftp", "is required") }
        let url = try string(sftp, key + ".sftp")
        let endpoint: SFTPEndpoint
        do { endpoint = try SFTPEndpoint(url: url) } catch {
            throw fail(sftp, key + ".sftp", "\(error)")
        }
        guard let knownHosts = m["known_hosts"] else {
            throw fail(item, key + ".known_hosts", "is required: the server's host key must be checked")
        }
        let hosts = try path(knownHosts, key + ".known_hosts")
        if let identity = m["identity"] {
            if m["password"] != nil { throw fail(m["password"], key + ".password", "give either identity or password, not both") }
            let passphrase = try m["passphrase"].map { n throws(ConfigError) in try secret(n, key + ".passphrase") }
            return (endpoint, .identity(try path(identity, key + ".identity"), passphrase: passphrase, knownHosts: hosts))
        }
        if let password = m["password"] {
            if m["passphrase"] != nil { throw fail(m["passphrase"], key + ".passphrase", "only goes with an identity key") }
            return (endpoint, .password(try secret(password, key + ".password"), knownHosts: hosts))
        }
        throw fail(item, key, "needs 'identity: KEYFILE' or 'password: file:PATH | env:NAME'")
    }

    static let sftpInboxKeys: Set = [
        "sftp", "identity", "passphrase", "password", "known_hosts", "recursive", "after", "archive_folder",
        "processing_folder", "claim", "follow_links",
    ]

    func sftpInbox(_ item: Node, _ m: [String: Node], _ key: String) throws(ConfigError) -> PipelineConfig.SFTPInboxSettings {
        let (endpoint, credentials) = try sftpLogin(item, m, key)
        var recursive = true
        if let n = m["recursive"] {
            guard let b = n.bool else { throw fail(n, key + ".recursive", "expected true or false") }
            recursive = b
        }
        var claim = PipelineConfig.SFTPInboxSettings.Claim.rename
        if let n = m["claim"] {
            let text = try string(n, key + ".claim")
            guard let c = PipelineConfig.SFTPInboxSettings.Claim(rawValue: text) else {
                throw fail(n, key + ".claim", "'\(text)' is not one of rename (moves the entry into the processing folder), ledger (read-only accounts)")
            }
            claim = c
        }
        var after: SFTPInbox.AfterAction = claim == .ledger ? .leave : .archive
        if let n = m["after"] {
            let text = try string(n, key + ".after")
            guard let a = SFTPInbox.AfterAction(rawValue: text) else {
                throw fail(n, key + ".after", "'\(text)' is not one of archive, delete, leave")
            }
            if claim == .ledger, a != .leave {
                throw fail(n, key + ".after", "'claim: ledger' is for read-only accounts, which cannot \(a.rawValue) on the server; use after: leave")
            }
            after = a
        }
        if claim == .ledger, let n = m["processing_folder"] {
            throw fail(n, key + ".processing_folder", "is not used with 'claim: ledger' (nothing is moved on the server)")
        }
        if after != .archive, let n = m["archive_folder"] {
            throw fail(n, key + ".archive_folder", "is only used with 'after: archive'")
        }
        let processing = try m["processing_folder"].map { n throws(ConfigError) in try remoteFolder(n, key + ".processing_folder", inbox: endpoint) }
            ?? endpoint.remote(".sluice-processing")
        let archive = try m["archive_folder"].map { n throws(ConfigError) in try remoteFolder(n, key + ".archive_folder", inbox: endpoint) }
            ?? endpoint.remote(".sluice-archive")
        if processing == archive { throw fail(m["archive_folder"] ?? item, key + ".archive_folder", "must differ from the processing folder") }
        var settings = PipelineConfig.SFTPInboxSettings(
            endpoint: endpoint, credentials: credentials, recursive: recursive, after: after, claim: claim,
            processingFolder: processing, archiveFolder: archive)
        if let n = m["follow_links"] {
            guard let b = n.bool else { throw fail(n, key + ".follow_links", "expected true or false") }
            settings.followLinks = b
        }
        return settings
    }

    /// A folder on the server: absolute, or relative to the inbox. One the inbox listing would
    /// see as a batch (a visible entry of the inbox) is refused.
    private func remoteFolder(_ node: Node, _ key: String, inbox: SFTPEndpoint) throws(ConfigError) -> String {
        let text = try string(node, key)
        let parts = text.split(separator: "/")
        guard !parts.contains(where: { $0 == ".." || $0 == "." }) else { throw fail(node, key, "must not contain '.' or '..' components") }
        let folder = text.hasPrefix("/") ? "/" + parts.joined(separator: "/") : inbox.remote(parts.joined(separator: "/"))
        guard folder != inbox.path else { throw fail(node, key, "must not be the inbox itself") }
        let inside = inbox.path == "/" ? "/" : inbox.path + "/"
        if folder.hasPrefix(inside), !folder.dropFirst(inside.count).hasPrefix(".") {
            throw fail(node, key, "lies inside the inbox, where it would be taken for a batch; use a hidden name (.sluice-…) or a folder outside")
        }
        return folder
    }
}
