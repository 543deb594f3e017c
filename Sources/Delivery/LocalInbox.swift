import Foundation

/// One top-level entry of an inbox as seen by one poll: a folder, a zip or a loose file.
public struct InboxEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case folder, zip, file }
    public let name: String
    public let path: String
    public let kind: Kind
    /// Sum of file sizes (recursively for folders) and the newest modification time seen.
    public let totalSize: Int64
    public let newestModification: Date
    public let fileCount: Int
    /// A transfer is visibly still running: `*.part`, `*.partial` or `*.tmp` files inside.
    public let hasPartialFiles: Bool
    /// The configured marker exists (inside the folder, or as `<name>.<marker>` beside it).
    public let hasMarker: Bool
    public let markerPath: String?

    public init(name: String, path: String, kind: Kind, totalSize: Int64, newestModification: Date, fileCount: Int,
                hasPartialFiles: Bool, hasMarker: Bool, markerPath: String?) {
        self.name = name; self.path = path; self.kind = kind; self.totalSize = totalSize
        self.newestModification = newestModification; self.fileCount = fileCount
        self.hasPartialFiles = hasPartialFiles; self.hasMarker = hasMarker; self.markerPath = markerPath
    }
}

/// A local inbox folder. Listing never opens a file; claiming is one rename(2).
public struct LocalInbox: Sendable {
    public let path: String
    public let marker: String?
    public var id: String { "local:" + path }

    public static let claimFile = ".sluice-claim"

    public init(path: String, marker: String?) {
        self.path = path
        self.marker = marker
    }

    /// Names the watcher never treats as data: dot-files and transfer temporaries.
    public static func isIgnored(_ name: String) -> Bool {
        name.hasPrefix(".") || isPartial(name)
    }

    static func isPartial(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".part") || lower.hasSuffix(".partial") || lower.hasSuffix(".tmp")
    }

    public func list() throws -> [InboxEntry] {
        let fm = FileManager.default
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        let names = try fm.contentsOfDirectory(atPath: path).sorted()
        var entries: [InboxEntry] = []
        for name in names where !Self.isIgnored(name) {
            if let marker, name.hasSuffix("." + marker), names.contains(String(name.dropLast(marker.count + 1))) {
                continue  // a sibling marker, not a batch
            }
            let full = path + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }  // vanished between listing and stat
            let sibling = marker.map { full + "." + $0 }
            let siblingMarker = sibling.map { fm.fileExists(atPath: $0) } ?? false
            if st.st_mode & S_IFMT == S_IFDIR {
                var scan = FolderScan()
                scan.walk(full, marker: marker)
                entries.append(InboxEntry(
                    name: name, path: full, kind: .folder, totalSize: scan.size,
                    newestModification: scan.newest, fileCount: scan.files,
                    hasPartialFiles: scan.partial, hasMarker: scan.markerPath != nil || siblingMarker,
                    markerPath: scan.markerPath ?? (siblingMarker ? sibling : nil)))
            } else if st.st_mode & S_IFMT == S_IFREG {
                let isZip = name.lowercased().hasSuffix(".zip")
                entries.append(InboxEntry(
                    name: name, path: full, kind: isZip ? .zip : .file, totalSize: Int64(st.st_size),
                    newestModification: st.modificationDate, fileCount: 1, hasPartialFiles: false,
                    hasMarker: siblingMarker, markerPath: siblingMarker ? sibling : nil))
            }
        }
        return entries
    }

    /// Moves the entry (and a sibling marker) into `destination` (a new folder, made with
    /// `permissions`). Returns false when another worker renamed it first — the rename is the
    /// arbiter. The entry keeps its own modes; see `SpoolPermissions.applyToTree`.
    public func claim(_ entry: InboxEntry, into destination: String, claimer: String,
                      permissions: SpoolPermissions = .ownerOnly) throws -> Bool {
        let fm = FileManager.default
        try permissions.makeFolders(destination)
        // Who is claiming, so a crash between this rename and the ledger row can be told apart
        // from another worker that is simply not done yet.
        try FileIO.writeAtomically(Data(claimer.utf8), to: destination + "/" + Self.claimFile, durable: false, permissions: permissions)
        if rename(entry.path, destination + "/" + entry.name) != 0 {
            let code = errno
            try? fm.removeItem(atPath: destination)
            if code == ENOENT { return false }
            throw FileIO.Failure(errno: code, path: entry.path)
        }
        if let markerPath = entry.markerPath, !markerPath.hasPrefix(entry.path + "/") {
            _ = rename(markerPath, destination + "/" + (markerPath as NSString).lastPathComponent)
        }
        try FileIO.syncDirectory(path)
        return true
    }
}

private struct FolderScan {
    var size: Int64 = 0
    var newest = Date(timeIntervalSince1970: 0)
    var files = 0
    var partial = false
    var markerPath: String?

    mutating func walk(_ folder: String, marker: String?) {
        var st = stat()
        if lstat(folder, &st) == 0 { newest = max(newest, st.modificationDate) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names {
            let full = folder + "/" + name
            guard lstat(full, &st) == 0 else { continue }
            if LocalInbox.isPartial(name) { partial = true }
            if st.st_mode & S_IFMT == S_IFDIR {
                if !name.hasPrefix(".") { walk(full, marker: marker) }
                continue
            }
            // Hidden temporaries (rsync's `.name.XXXX`) still count towards size and mtime.
            size += Int64(st.st_size)
            newest = max(newest, st.modificationDate)
            if name == marker { markerPath = full } else if !name.hasPrefix(".") { files += 1 }
        }
    }
}

extension stat {
    /// Used by the pipeline too: one place reads st_mtim.
    /// Modification time with the full precision the file system keeps.
    public var modificationDate: Date {
        Date(timeIntervalSince1970: Double(st_mtim.tv_sec) + Double(st_mtim.tv_nsec) / 1e9)
    }
}
