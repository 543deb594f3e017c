import Foundation

/// One remote directory entry as the server reports it. SFTP v3 carries whole-second mtimes,
/// which is why readiness checks add a second of slack.
public struct SFTPRemoteFile: Sendable, Equatable {
    public let name: String
    /// Full remote path.
    public let path: String
    public let size: Int64
    public let modification: Date
    public let isDirectory: Bool

    public init(name: String, path: String, size: Int64, modification: Date, isDirectory: Bool) {
        self.name = name
        self.path = path
        self.size = size
        self.modification = modification
        self.isDirectory = isDirectory
    }
}
