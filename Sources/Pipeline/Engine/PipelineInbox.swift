import Delivery
import Foundation

/// One inbox of a pipeline, local or on an SFTP server. Both list into `InboxEntry` values the
/// same `Watcher` judges; they differ in how an entry is claimed (Engine.swift, Engine+SFTPInbox.swift).
public enum PipelineInbox: Sendable {
    case local(LocalInbox)
    case sftp(SFTPInbox, PipelineConfig.SFTPInboxSettings)

    static func make(_ location: PipelineConfig.InboxLocation, marker: String?) -> PipelineInbox {
        switch location {
        case .local(let path):
            .local(LocalInbox(path: path, marker: marker))
        case .sftp(let s):
            .sftp(SFTPInbox(endpoint: s.endpoint, credentials: s.credentials, marker: marker, recursive: s.recursive,
                            followLinks: s.followLinks), s)
        }
    }

    /// `local:/path` or `sftp://user@host:port/path`: in logs, the ledger and `sluice status`. No secrets.
    public var id: String {
        switch self {
        case .local(let inbox): inbox.id
        case .sftp(let inbox, _): inbox.id
        }
    }

    public func list() async throws -> [InboxEntry] {
        switch self {
        case .local(let inbox): try inbox.list()
        case .sftp(let inbox, _): try await inbox.list()
        }
    }
}
