public import Foundation

/// How Sluice creates its own files and folders in the spool and the ledger: owner-only by
/// default, since they hold patient data (inputs, unpacked studies, reports, the ledger's
/// patient IDs); or readable by one group (`spool_group:`) for the people who look after the
/// pipeline. Outboxes are for other systems to read and do not use this.
public struct SpoolPermissions: Sendable, Equatable {
    public var file: mode_t
    public var folder: mode_t
    /// Files and folders are given this group; folders also carry the setgid bit, so what
    /// other code creates inside (SQLite's -wal, an archive's entries) inherits it.
    public var group: gid_t?

    public init(file: mode_t, folder: mode_t, group: gid_t?) {
        self.file = file
        self.folder = folder
        self.group = group
    }

    /// 0600 files, 0700 folders.
    public static let ownerOnly = SpoolPermissions(file: 0o600, folder: 0o700, group: nil)

    /// 0640 files, 2750 folders, owned by group `gid`.
    public static func group(_ gid: gid_t) -> SpoolPermissions {
        SpoolPermissions(file: 0o640, folder: 0o2750, group: gid)
    }

    /// mkdir -p. Folders made here get exactly `folder` (and the group); existing ones are left
    /// alone. `below`: that folder and its parents are made with the system's defaults instead
    /// (the spool itself also holds inboxes other accounts write to).
    public func makeFolders(_ path: String, below base: String? = nil) throws {
        var st = stat()
        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { return }
        var start = ""
        if let base, path == base || path.hasPrefix(base + "/") {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            start = base
        }
        var current = start.isEmpty ? (path.hasPrefix("/") ? "" : ".") : start
        for component in path.dropFirst(start.count).split(separator: "/") {
            current += "/" + component
            if mkdir(current, folder) == 0 {
                try apply(to: current)
            } else if errno != EEXIST {
                throw FileIO.Failure(errno: errno, path: current)
            }
        }
        guard lstat(path, &st) == 0 else { throw FileIO.Failure(errno: errno, path: path) }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw FileIO.Failure(errno: ENOTDIR, path: path) }
    }

    /// Gives an existing file or folder (not a link) these permissions: the mode exactly,
    /// whatever the umask, and the group.
    public func apply(to path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw FileIO.Failure(errno: errno, path: path) }
        let type = st.st_mode & S_IFMT
        guard type == S_IFDIR || type == S_IFREG else { return }
        let mode = type == S_IFDIR ? folder : file
        var regrouped = false
        if let group, st.st_gid != group {
            guard lchown(path, UInt32.max, group) == 0 else { throw FileIO.Failure(errno: errno, path: path) }
            regrouped = true
        }
        // After chown, which may clear setgid.
        if regrouped || st.st_mode & 0o7777 != mode, chmod(path, mode) != 0 { throw FileIO.Failure(errno: errno, path: path) }
    }

    /// The same on an open file.
    public func apply(toFile fd: Int32, path: String) throws {
        if let group, fchown(fd, UInt32.max, group) != 0 { throw FileIO.Failure(errno: errno, path: path) }
        guard fchmod(fd, file) == 0 else { throw FileIO.Failure(errno: errno, path: path) }
    }

    /// Every file and folder of a tree Sluice took over (a claimed local batch, which kept the
    /// site's modes through the rename), without following links. Returns the paths that could
    /// not be changed (not their owner): the spool's own folders still keep them private.
    public func applyToTree(_ root: String) -> [String] {
        var refused: [String] = []
        func visit(_ path: String) {
            var st = stat()
            guard lstat(path, &st) == 0 else { return }
            let type = st.st_mode & S_IFMT
            guard type == S_IFDIR || type == S_IFREG else { return }
            do { try apply(to: path) } catch { refused.append(path) }
            guard type == S_IFDIR, let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            for name in names { visit(path + "/" + name) }
        }
        visit(root)
        return refused
    }
}
