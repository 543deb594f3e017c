public import Foundation

/// One remote directory entry as the server reports it. SFTP v3 carries whole-second mtimes,
/// which is why readiness checks add a second of slack.
public struct SFTPRemoteFile: Sendable, Equatable {
    public let name: String
    /// Full remote path.
    public let path: String
    public let size: Int64
    public let modification: Date
    public let isDirectory: Bool
    /// A symbolic link that was not followed: size and mtime are the link's own, and whether it
    /// points at a file or a folder is not known (nor looked at).
    public let isSymlink: Bool

    public init(name: String, path: String, size: Int64, modification: Date, isDirectory: Bool, isSymlink: Bool = false) {
        self.name = name
        self.path = path
        self.size = size
        self.modification = modification
        self.isDirectory = isDirectory
        self.isSymlink = isSymlink
    }
}
