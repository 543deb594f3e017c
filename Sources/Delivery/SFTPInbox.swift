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

    /// What a download brought: the local path, and the symbolic links it did not follow (paths
    /// from the entry's name down; the entry's own name when it is itself a link, and then
    /// nothing was written).
    public struct Download: Sendable, Equatable {
        public let path: String
        public let notFollowed: [String]
    }

    public let endpoint: SFTPEndpoint
    public let marker: String?
    /// False: only loose files and zips are batches; folders are neither walked nor taken.
    public let recursive: Bool
    /// False (the default): a symbolic link in the inbox, at the top or inside a folder, is
    /// never listed into, stat'ed through or downloaded. A site's account could otherwise link
    /// to another site's studies or to any file the server lets it read, and Sluice would take
    /// that content as the site's drop.
    public let followLinks: Bool
    public let link: SFTPLink
    public var id: String { endpoint.description }

    /// Folders nested deeper than this are refused: with `followLinks`, a link to a parent
    /// folder would otherwise be walked for ever.
    static let maxDepth = 64

    public init(endpoint: SFTPEndpoint, credentials: SFTPCredentials, marker: String?, recursive: Bool = true,
                followLinks: Bool = false, retry: RetryPolicy = .sftp, timeout: Duration = .seconds(20)) {
        self.endpoint = endpoint
        self.marker = marker
        self.recursive = recursive
        self.followLinks = followLinks
        link = SFTPLink(endpoint: endpoint, credentials: credentials, retry: retry, timeout: timeout)
    }

    public func close() async { await link.close() }

    /// Top-level entries; folder totals are recursive. Never opens a file. A link (unless
    /// `followLinks`) is listed as a loose file of its own size: it is claimed like one and its
    /// download records it as not followed, so it is reported once rather than skipped silently
    /// on every poll.
    public func list() async throws -> [InboxEntry] {
        let root = endpoint.path
        let marker = marker
        let recursive = recursive
        let followLinks = followLinks
        return try await link.perform { c, _ in
            let listing = try await c.list(root, followLinks: followLinks)
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
                    var scan = RemoteScan(marker: marker, followLinks: followLinks)
                    scan.newest = item.modification
                    try await scan.walk(item.path, c)
                    let markerPath = scan.markerPath ?? sibling
                    entries.append(InboxEntry(
                        name: item.name, path: item.path, kind: .folder, totalSize: scan.size,
                        newestModification: scan.newest, fileCount: scan.files, hasPartialFiles: scan.partial,
                        hasMarker: markerPath != nil, markerPath: markerPath))
                } else {
                    entries.append(InboxEntry(
                        name: item.name, path: item.path, kind: !item.isSymlink && item.name.lowercased().hasSuffix(".zip") ? .zip : .file,
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
                // A retry after a lost reply finds its own earlier rename done (lstat: a
                // claimed link that points nowhere is still there).
                if try await c.lstat(target) == nil {
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

    /// Streams a (claimed) entry — a file, or a folder recursively — into `localFolder`, with
    /// `permissions` (owner-only by default). Files already partly present are continued, not
    /// restarted, so a broken connection costs only the bytes in flight. Links are not followed
    /// unless `followLinks`: they are left out and named in the result.
    @discardableResult
    public func download(_ entry: InboxEntry, to localFolder: String, permissions: SpoolPermissions = .ownerOnly) async throws -> Download {
        let local = localFolder + "/" + entry.name
        let remote = entry.path
        let fetch = Fetch(followLinks: followLinks, permissions: permissions)
        let skipped = try await link.perform { c, _ in
            var skipped: [String] = []
            try await fetch.fetch(remote, to: local, relative: entry.name, isFolder: entry.kind == .folder, depth: 0, c, notFollowed: &skipped)
            return skipped
        }
        return Download(path: local, notFollowed: skipped)
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

/// One download's walk: a file, or a folder's tree, into local files and folders with the
/// spool's permissions.
private struct Fetch: Sendable {
    let followLinks: Bool
    let permissions: SpoolPermissions

    func fetch(_ remote: String, to local: String, relative: String, isFolder: Bool, depth: Int, _ c: SFTPConnection,
               notFollowed: inout [String]) async throws {
        guard isFolder else {
            let attributes = try await followLinks ? c.stat(remote) : c.lstat(remote)
            // With `followLinks`, a link that points nowhere is still a link.
            let dangling = followLinks && attributes == nil ? try await c.lstat(remote)?.isSymlink == true : false
            if attributes?.isSymlink == true || dangling {
                notFollowed.append(relative)
                return
            }
            if let size = attributes?.size, let have = LocalFile.size(path: local), have == size { return }
            // OPEN follows links: what it opened must be what the lstat saw.
            try await c.download(from: remote, to: local, resume: true, mode: permissions.file, expecting: followLinks ? nil : attributes)
            if permissions.group != nil {
                do { try permissions.apply(to: local) } catch { throw SFTPError(.local, path: local, detail: "\(error)") }
            }
            // Keep the server's mtime (as `sftp -p` does): the local copy's age is the upload's,
            // which the group stage's "still receiving" check relies on.
            if let modified = attributes?.modification {
                var times = [timeval(tv_sec: Int(modified.timeIntervalSince1970), tv_usec: 0),
                             timeval(tv_sec: Int(modified.timeIntervalSince1970), tv_usec: 0)]
                _ = utimes(local, &times)
            }
            return
        }
        guard depth < SFTPInbox.maxDepth else {
            throw SFTPError(.failure, path: remote, detail: "folders nested more than \(SFTPInbox.maxDepth) deep (a link loop?)")
        }
        do {
            try permissions.makeFolders(local)
        } catch {
            throw SFTPError(.local, path: local, detail: "cannot create folder: \(error)")
        }
        for child in try await c.list(remote, followLinks: followLinks) {
            if child.isSymlink {
                notFollowed.append(relative + "/" + child.name)
                continue
            }
            try await fetch(child.path, to: local + "/" + child.name, relative: relative + "/" + child.name,
                            isFolder: child.isDirectory, depth: depth + 1, c, notFollowed: &notFollowed)
        }
    }
}

/// Folder totals the way `LocalInbox` counts them: hidden subfolders are not entered, hidden
/// files still count towards size and mtime, transfer temporaries anywhere mark a partial batch.
/// A link not followed counts as a file (its own size and mtime), as `lstat` shows it locally.
private struct RemoteScan {
    let marker: String?
    let followLinks: Bool
    var size: Int64 = 0
    var newest = Date(timeIntervalSince1970: 0)
    var files = 0
    var partial = false
    var markerPath: String?

    init(marker: String?, followLinks: Bool) {
        self.marker = marker
        self.followLinks = followLinks
    }

    mutating func walk(_ folder: String, _ c: SFTPConnection, depth: Int = 0) async throws {
        guard depth < SFTPInbox.maxDepth else {
            throw SFTPError(.failure, path: folder, detail: "folders nested more than \(SFTPInbox.maxDepth) deep (a link loop?)")
        }
        for item in try await c.list(folder, followLinks: followLinks) {
            if LocalInbox.isPartial(item.name) { partial = true }
            if item.isDirectory {
                newest = max(newest, item.modification)
                if !item.name.hasPrefix(".") { try await walk(item.path, c, depth: depth + 1) }
                continue
            }
            size += item.size
            newest = max(newest, item.modification)
            if item.name == marker { markerPath = item.path } else if !item.name.hasPrefix(".") { files += 1 }
        }
    }
}
