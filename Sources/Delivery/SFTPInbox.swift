import Foundation

/// A drop folder on an SFTP server, read the way `LocalInbox` reads a local one: listing gives
/// `InboxEntry` values the watcher's readiness rules judge (mtimes are whole seconds over SFTP
/// v3; the rules add the slack), claiming is one server-side rename into a processing folder,
/// and a claimed entry is downloaded with resume after a broken connection.
public struct SFTPInbox: Sendable {
    /// What happens on the server once a batch's outputs are delivered.
    public enum AfterAction: String, Sendable {
        /// Move the claim folder into `archive` on the server.
        case archive
        case delete
        /// Keep it in the processing folder (e.g. the site cleans up itself).
        case leave
    }

    /// A claimed entry: `entry.path` is now inside `folder`, a folder of its own in processing.
    public struct Claim: Sendable, Equatable {
        public let entry: InboxEntry
        public let folder: String

        public init(entry: InboxEntry, folder: String) {
            self.entry = entry
            self.folder = folder
        }
    }

    public let endpoint: SFTPEndpoint
    public let marker: String?
    /// False: only loose files and zips are batches; folders are neither walked nor taken.
    public let recursive: Bool
    public let link: SFTPLink
    public var id: String { endpoint.description }

    public init(endpoint: SFTPEndpoint, credentials: SFTPCredentials, marker: String?, recursive: Bool = true,
                retry: SFTPRetryPolicy = SFTPRetryPolicy(), timeout: Duration = .seconds(20)) {
        self.endpoint = endpoint
        self.marker = marker
        self.recursive = recursive
        link = SFTPLink(endpoint: endpoint, credentials: credentials, retry: retry, timeout: timeout)
    }

    public func close() async { await link.close() }

    /// Top-level entries; folder totals are recursive. Never opens a file.
    public func list() async throws -> [InboxEntry] {
        let root = endpoint.path
        let marker = marker
        let recursive = recursive
        return try await link.perform { c, _ in
            let listing = try await c.list(root)
            let names = Set(listing.map(\.name))
            var entries: [InboxEntry] = []
            for item in listing where !LocalInbox.isIgnored(item.name) {
                if let marker, item.name.hasSuffix("." + marker), names.contains(String(item.name.dropLast(marker.count + 1))) {
                    continue  // a sibling marker, not a batch
                }
                let siblingName = marker.map { item.name + "." + $0 }
                let sibling = siblingName.flatMap { names.contains($0) ? root + "/" + $0 : nil }
                if item.isDirectory {
                    guard recursive else { continue }
                    var scan = RemoteScan(marker: marker)
                    scan.newest = item.modification
                    try await scan.walk(item.path, c)
                    let markerPath = scan.markerPath ?? sibling
                    entries.append(InboxEntry(
                        name: item.name, path: item.path, kind: .folder, totalSize: scan.size,
                        newestModification: scan.newest, fileCount: scan.files, hasPartialFiles: scan.partial,
                        hasMarker: markerPath != nil, markerPath: markerPath))
                } else {
                    entries.append(InboxEntry(
                        name: item.name, path: item.path, kind: item.name.lowercased().hasSuffix(".zip") ? .zip : .file,
                        totalSize: item.size, newestModification: item.modification, fileCount: 1,
                        hasPartialFiles: false, hasMarker: sibling != nil, markerPath: sibling))
                }
            }
            return entries
        }
    }

    /// Renames the entry (and a sibling marker) into a new folder `<processing>/<claimID>`.
    /// Returns nil when another worker renamed it first: the server's rename is the arbiter.
    public func claim(_ entry: InboxEntry, processing: String, claimID: String, claimer: String) async throws -> Claim? {
        let folder = processing + "/" + claimID
        let target = folder + "/" + entry.name
        return try await link.perform { c, _ in
            try await c.makeDirectories(folder)
            // Who claimed it, so a crash between this rename and the ledger row can be explained.
            try await c.write(Data(claimer.utf8), to: folder + "/" + LocalInbox.claimFile)
            do {
                try await c.rename(entry.path, to: target)
            } catch let error as SFTPError where error.code == .noSuchFile {
                // A retry after a lost reply finds its own earlier rename done.
                if try await c.stat(target) == nil {
                    try? await c.removeRecursively(folder)
                    return nil
                }
            }
            if let markerPath = entry.markerPath, !markerPath.hasPrefix(entry.path + "/") {
                try? await c.rename(markerPath, to: folder + "/" + (markerPath as NSString).lastPathComponent)
            }
            let moved = InboxEntry(
                name: entry.name, path: target, kind: entry.kind, totalSize: entry.totalSize,
                newestModification: entry.newestModification, fileCount: entry.fileCount,
                hasPartialFiles: entry.hasPartialFiles, hasMarker: entry.hasMarker,
                markerPath: entry.markerPath.map { $0.hasPrefix(entry.path + "/") ? target + $0.dropFirst(entry.path.count) : folder + "/" + ($0 as NSString).lastPathComponent })
            return Claim(entry: moved, folder: folder)
        }
    }

    /// Streams a (claimed) entry — a file, or a folder recursively — into `localFolder`, and
    /// returns the local path. Files already partly present are continued, not restarted, so a
    /// broken connection costs only the bytes in flight.
    @discardableResult
    public func download(_ entry: InboxEntry, to localFolder: String) async throws -> String {
        let local = localFolder + "/" + entry.name
        let remote = entry.path
        try await link.perform { c, _ in
            try await Self.fetch(remote, to: local, isFolder: entry.kind == .folder, c)
        }
        return local
    }

    private static func fetch(_ remote: String, to local: String, isFolder: Bool, _ c: SFTPConnection) async throws {
        guard isFolder else {
            let attributes = try await c.stat(remote)
            if let size = attributes?.size, let have = LocalFile.size(path: local), have == size { return }
            try await c.download(from: remote, to: local, resume: true)
            // Keep the server's mtime (as `sftp -p` does): the local copy's age is the upload's,
            // which the group stage's "still receiving" check relies on.
            if let modified = attributes?.modification {
                var times = [timeval(tv_sec: Int(modified.timeIntervalSince1970), tv_usec: 0),
                             timeval(tv_sec: Int(modified.timeIntervalSince1970), tv_usec: 0)]
                _ = utimes(local, &times)
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        } catch {
            throw SFTPError(.local, path: local, detail: "cannot create folder")
        }
        for child in try await c.list(remote) {
            try await fetch(child.path, to: local + "/" + child.name, isFolder: child.isDirectory, c)
        }
    }

    /// The configured after-action, once the batch's outputs are delivered.
    public func finish(_ claim: Claim, action: AfterAction, archive: String? = nil) async throws {
        let folder = claim.folder
        switch action {
        case .leave:
            return
        case .delete:
            try await link.perform { c, _ in try await c.removeRecursively(folder) }
        case .archive:
            guard let archive else { throw SFTPError(.failure, path: folder, detail: "after-action archive needs an archive folder") }
            let destination = archive + "/" + (folder as NSString).lastPathComponent
            try await link.perform { c, _ in
                if try await c.stat(destination) != nil, try await c.stat(folder) == nil { return }  // done before a lost reply
                try await c.makeDirectories(archive)
                try await c.rename(folder, to: destination)
            }
        }
    }
}

/// Folder totals the way `LocalInbox` counts them: hidden subfolders are not entered, hidden
/// files still count towards size and mtime, transfer temporaries anywhere mark a partial batch.
private struct RemoteScan {
    let marker: String?
    var size: Int64 = 0
    var newest = Date(timeIntervalSince1970: 0)
    var files = 0
    var partial = false
    var markerPath: String?

    init(marker: String?) { self.marker = marker }

    mutating func walk(_ folder: String, _ c: SFTPConnection) async throws {
        for item in try await c.list(folder) {
            if LocalInbox.isPartial(item.name) { partial = true }
            if item.isDirectory {
                newest = max(newest, item.modification)
                if !item.name.hasPrefix(".") { try await walk(item.path, c) }
                continue
            }
            size += item.size
            newest = max(newest, item.modification)
            if item.name == marker { markerPath = item.path } else if !item.name.hasPrefix(".") { files += 1 }
        }
    }
}
