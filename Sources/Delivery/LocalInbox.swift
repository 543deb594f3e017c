public import Foundation

/// One top-level entry of an inbox as seen by one poll: a folder, a zip or a loose file.
public struct InboxEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case folder, zip, file }
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
    /// The name's bytes when they are not UTF-8: `name` (and `path`) then hold the escaped form
    /// (`FileNames.escaped`), which is what the entry is claimed as.
    public let rawName: [UInt8]?

    public init(name: String, path: String, kind: Kind, totalSize: Int64, newestModification: Date, fileCount: Int,
                hasPartialFiles: Bool, hasMarker: Bool, markerPath: String?, rawName: [UInt8]? = nil) {
        self.name = name; self.path = path; self.kind = kind; self.totalSize = totalSize
        self.newestModification = newestModification; self.fileCount = fileCount
        self.hasPartialFiles = hasPartialFiles; self.hasMarker = hasMarker; self.markerPath = markerPath
        self.rawName = rawName
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

    /// Entries by their names' bytes: one whose name is not UTF-8 is listed (and claimed) by its
    /// escaped form rather than missed.
    public func list() throws -> [InboxEntry] {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.Failure(errno: errno, path: path) }
        defer { close(fd) }
        guard let raw = FileNames.entries(ofDirectory: fd) else { throw FileIO.Failure(errno: errno, path: path) }
        let names = raw.map { FileNames.escaped($0.name) }
        let present = Set(names)
        var entries: [InboxEntry] = []
        for (entry, name) in zip(raw, names) where !Self.isIgnored(name) {
            if let marker, name.hasSuffix("." + marker), present.contains(String(name.dropLast(marker.count + 1))) {
                continue  // a sibling marker, not a batch
            }
            guard let st = FileNames.lstat(entry.name, in: fd) else { continue }  // vanished since the listing
            let full = path + "/" + name
            let rawName = FileNames.utf8(entry.name) == nil ? entry.name : nil
            let sibling = marker.map { full + "." + $0 }
            let siblingMarker = marker.map { present.contains(name + "." + $0) } ?? false
            if st.st_mode & S_IFMT == S_IFDIR {
                var scan = FolderScan()
                let sub = FileNames.openDirectory(entry.name, in: fd)
                if sub >= 0 {
                    scan.walk(sub, path: full, marker: marker)
                    close(sub)
                }
                entries.append(InboxEntry(
                    name: name, path: full, kind: .folder, totalSize: scan.size,
                    newestModification: max(scan.newest, st.modificationDate), fileCount: scan.files,
                    hasPartialFiles: scan.partial, hasMarker: scan.markerPath != nil || siblingMarker,
                    markerPath: scan.markerPath ?? (siblingMarker ? sibling : nil), rawName: rawName))
            } else if st.st_mode & S_IFMT == S_IFREG {
                let isZip = name.lowercased().hasSuffix(".zip")
                entries.append(InboxEntry(
                    name: name, path: full, kind: isZip ? .zip : .file, totalSize: Int64(st.st_size),
                    newestModification: st.modificationDate, fileCount: 1, hasPartialFiles: false,
                    hasMarker: siblingMarker, markerPath: siblingMarker ? sibling : nil, rawName: rawName))
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
        // A name that is not UTF-8 is renamed to its escaped form: from here on it is a path.
        let source = entry.rawName.map { Array(path.utf8) + [0x2F] + $0 } ?? Array(entry.path.utf8)
        if FileNames.withCString(source, { rename($0, destination + "/" + entry.name) }) != 0 {
            let code = errno
            try? fm.removeItem(atPath: destination)
            if code == ENOENT { return false }
            throw FileIO.Failure(errno: code, path: entry.path)
        }
        if let markerPath = entry.markerPath, !markerPath.hasPrefix(entry.path + "/"), let marker {
            let rawMarker = entry.rawName.map { Array(path.utf8) + [0x2F] + $0 + Array(("." + marker).utf8) } ?? Array(markerPath.utf8)
            _ = FileNames.withCString(rawMarker) { rename($0, destination + "/" + (markerPath as NSString).lastPathComponent) }
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

    /// Sizes, files, the newest time and a marker, by directory descriptor (names as bytes; a
    /// folder past PATH_MAX is still counted).
    mutating func walk(_ fd: Int32, path: String, marker: String?) {
        guard let entries = FileNames.entries(ofDirectory: fd) else { return }
        for entry in entries {
            guard let st = FileNames.lstat(entry.name, in: fd) else { continue }
            let name = FileNames.escaped(entry.name)
            if LocalInbox.isPartial(name) { partial = true }
            if st.st_mode & S_IFMT == S_IFDIR {
                newest = max(newest, st.modificationDate)
                if !name.hasPrefix(".") {
                    let sub = FileNames.openDirectory(entry.name, in: fd)
                    if sub >= 0 {
                        walk(sub, path: path + "/" + name, marker: marker)
                        close(sub)
                    }
                }
                continue
            }
            // Hidden temporaries (rsync's `.name.XXXX`) still count towards size and mtime.
            size += Int64(st.st_size)
            newest = max(newest, st.modificationDate)
            if name == marker { markerPath = path + "/" + name } else if !name.hasPrefix(".") { files += 1 }
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
