public import Archive
import Checksum
public import Delivery
import Foundation
import Kernels

/// Lists the batch's files (unzipping a zip batch into the work folder, guarded by the zip
/// limits) and fingerprints their content.
public struct UnpackStage: Stage {
    public let name = "unpack"
    /// The completion marker, a file that is no data.
    public let marker: String?
    public let zipLimits: ZipLimits
    /// Modes of what unpacking writes in the spool.
    public let permissions: SpoolPermissions
    /// Content hashes give the duplicate fingerprint and the manifest's input list; `scan`,
    /// which records nothing, skips them (and the fingerprint).
    public let hashContents: Bool

    public init(marker: String?, zipLimits: ZipLimits = .init(), permissions: SpoolPermissions = .ownerOnly,
                hashContents: Bool = true) {
        self.marker = marker
        self.zipLimits = zipLimits
        self.permissions = permissions
        self.hashContents = hashContents
    }

    public func run(_ input: Void, context: BatchContext) async throws -> UnpackedBatch {
        let path = context.inputPath
        // Links an SFTP download left out (NotFollowedLinks.swift): the input itself, or files in it.
        let notFollowed: [String]
        do { notFollowed = try NotFollowedLinks.read(besideInput: path) } catch {
            throw BatchFailure(stage: name, reason: "the note of links not followed beside \(context.sourceName) cannot be read: \(error)")
        }
        if notFollowed.contains(context.sourceName) {
            throw BatchFailure(stage: name, reason: "input \(context.sourceName) is a \(NotFollowedLinks.reason) (an SFTP inbox fetches what a link points at only with follow_links: true, and never a link that points nowhere)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BatchFailure(stage: name, reason: "input \(context.sourceName) is missing from \(path)")
        }
        var root = path
        var fromArchive = false
        var extractedHashes: [String: String] = [:]
        if !isDirectory.boolValue, ZipArchive.looksLikeZip(path) || path.lowercased().hasSuffix(".zip") {
            root = context.workDirectory + "/unpacked"
            try? FileManager.default.removeItem(atPath: root)
            do {
                let entries = try ZipArchive.extract(path, into: root, limits: zipLimits,
                                                     workers: context.workers, hash: hashContents,
                                                     fileMode: permissions.file, folderMode: permissions.folder)
                for entry in entries { extractedHashes[entry.name] = entry.sha256 }
            } catch let error as ZipError {
                throw BatchFailure(stage: name, reason: error.description)
            }
            fromArchive = true
        }
        var listed: [BatchFile] = []
        var ignored: [(path: String, reason: String)] = []
        var refused: [(path: String, reason: String)] = []
        if isDirectory.boolValue || fromArchive {
            let walk = Walk.of(root, marker: marker, aliasFolder: context.workDirectory + "/names")
            (listed, ignored, refused) = (walk.files, walk.ignored, walk.refused)
            let inside = context.sourceName + "/"
            ignored += notFollowed.filter { $0.hasPrefix(inside) }.map { (String($0.dropFirst(inside.count)), NotFollowedLinks.reason) }
        } else {
            root = (path as NSString).deletingLastPathComponent
            var st = stat()
            guard stat(path, &st) == 0 else { throw BatchFailure(stage: name, reason: "input \(context.sourceName) vanished") }
            listed = [Self.file((path as NSString).lastPathComponent, path, st)]
        }
        // Only hashing reads the files here (in parallel); size and time come with validation.
        // A zip's entries were hashed as they were written.
        let hashes = extractedHashes
        var files = listed
        if hashContents {
            // A file that cannot be read (another account's, mode 000) is refused with the reason;
            // it does not stop the batch.
            let hashed = try await boundedMap(listed, limit: context.workers) { file -> Result<BatchFile, Unreadable> in
                do {
                    return .success(BatchFile(relativePath: file.relativePath, absolutePath: file.absolutePath, size: file.size,
                                              modified: file.modified, sha256: try hashes[file.relativePath] ?? SHA256.hex(fileAt: file.absolutePath)))
                } catch {
                    return .failure(Unreadable(reason: "the file cannot be read: \(Self.reason(error))"))
                }
            }
            files = []
            for (file, result) in zip(listed, hashed) {
                switch result {
                case .success(let f): files.append(f)
                case .failure(let u): refused.append((file.relativePath, u.reason))
                }
            }
        }
        return UnpackedBatch(
            root: root, files: files, ignored: ignored, refused: refused,
            fingerprint: hashContents ? Self.fingerprint(files) : "", fromArchive: fromArchive)
    }

    struct Unreadable: Error { let reason: String }

    /// An I/O error as its errno text, without Foundation's wrapping or the absolute path.
    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let posix = cocoa.userInfo[NSUnderlyingErrorKey] as? POSIXError {
            return FileIO.Failure.describe(posix.code.rawValue)
        }
        if let posix = error as? POSIXError { return FileIO.Failure.describe(posix.code.rawValue) }
        return "\(error)"
    }

    /// The batch's content fingerprint: the sorted file hashes, hashed (names and order do not count).
    static func fingerprint(_ files: [BatchFile]) -> String {
        var fingerprint = SHA256()
        for hash in files.map(\.sha256).sorted() { fingerprint.update(hash) }
        return fingerprint.finalize().hexString
    }

    /// What a walk of the batch found: its regular files in a stable (byte) order; dot-files,
    /// markers, links and other non-files as ignored; and what it could not take, refused with
    /// the reason (quarantined by the validate stage) — never skipped without a word.
    struct Walk {
        var files: [BatchFile] = []
        var ignored: [(path: String, reason: String)] = []
        var refused: [(path: String, reason: String)] = []
        let marker: String?
        /// Where files whose names are not UTF-8 get a hard link the rest of Sluice can open.
        let aliasFolder: String
        var aliases = 0

        /// Walks by directory descriptors, so neither a name that is not UTF-8 nor a path past
        /// PATH_MAX stops it. The entry type comes from readdir: no file is stat'ed here unless
        /// the file system leaves the type unknown (validation's open gives size and time).
        static func of(_ folder: String, marker: String?, aliasFolder: String) -> Walk {
            var walk = Walk(marker: marker, aliasFolder: aliasFolder)
            let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else {
                walk.refused.append(("", "the batch folder cannot be read: \(FileIO.Failure.describe(errno))"))
                return walk
            }
            defer { close(fd) }
            walk.visit(fd, absolute: folder, length: folder.utf8.count, prefix: "")
            return walk
        }

        /// `absolute` is the folder's path while every component is UTF-8 (nil after one that is
        /// not); `length` its length in bytes either way.
        mutating func visit(_ fd: Int32, absolute: String?, length: Int, prefix: String) {
            guard var entries = FileNames.entries(ofDirectory: fd) else {
                refused.append((prefix + "/", "the folder cannot be read: \(FileIO.Failure.describe(errno))"))
                return
            }
            for i in entries.indices where entries[i].type == UInt8(DT_UNKNOWN) {
                entries[i].type = UnpackStage.type(of: entries[i].name, in: fd)
            }
            for (raw, type) in entries {
                let name = FileNames.escaped(raw)
                let relative = prefix.isEmpty ? name : prefix + "/" + name
                let full = FileNames.utf8(raw) != nil ? absolute.map { $0 + "/" + name } : nil
                let fullLength = length + 1 + raw.count
                switch Int(type) {
                case Int(DT_DIR):
                    if name.hasPrefix(".") { ignored.append((relative + "/", "hidden folder")); continue }
                    let sub = FileNames.openDirectory(raw, in: fd)
                    guard sub >= 0 else {
                        refused.append((relative + "/", "the folder cannot be read: \(FileIO.Failure.describe(errno))"))
                        continue
                    }
                    visit(sub, absolute: full, length: fullLength, prefix: relative)
                    close(sub)
                case Int(DT_LNK):
                    ignored.append((relative, "symbolic link, not followed"))
                case Int(DT_REG):
                    if name.hasPrefix(".") {
                        ignored.append((relative, "hidden file"))
                    } else if name == marker {
                        ignored.append((relative, "completion marker"))
                    } else if fullLength >= Int(PATH_MAX) {
                        refused.append((relative, "its path is \(fullLength) bytes, longer than PATH_MAX (\(PATH_MAX)): no program can open it by name"))
                    } else if let full {
                        files.append(BatchFile(relativePath: relative, absolutePath: full, size: nil, modified: nil, sha256: ""))
                    } else if let alias = alias(raw, in: fd) {
                        files.append(BatchFile(relativePath: relative, absolutePath: alias, size: nil, modified: nil, sha256: ""))
                    } else {
                        refused.append((relative, "its name is not UTF-8 and no link to it can be made in the work folder: \(FileIO.Failure.describe(errno))"))
                    }
                case Int(DT_UNKNOWN):
                    break  // vanished between readdir and lstat
                default:
                    ignored.append((relative, "not a regular file"))
                }
            }
        }

        /// A hard link (same file system: the spool) to a file whose name is not UTF-8, under a
        /// plain name in the work folder; the input itself keeps its name.
        mutating func alias(_ raw: [UInt8], in fd: Int32) -> String? {
            guard (try? FileManager.default.createDirectory(atPath: aliasFolder, withIntermediateDirectories: true)) != nil else { return nil }
            aliases += 1
            let path = aliasFolder + "/\(aliases)"
            unlink(path)
            let linked = FileNames.withCString(raw) { linkat(fd, $0, AT_FDCWD, path, 0) } == 0
            return linked ? path : nil
        }
    }

    /// The type of an entry readdir left unknown (some network and FUSE file systems), by
    /// lstat; DT_UNKNOWN for one that vanished.
    static func type(of name: [UInt8], in folder: Int32) -> UInt8 {
        guard let st = FileNames.lstat(name, in: folder) else { return UInt8(DT_UNKNOWN) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return UInt8(DT_DIR)
        case S_IFLNK: return UInt8(DT_LNK)
        case S_IFREG: return UInt8(DT_REG)
        default: return UInt8(DT_FIFO)  // any other kind: "not a regular file"
        }
    }

    static func file(_ relative: String, _ absolute: String, _ st: stat) -> BatchFile {
        BatchFile(relativePath: relative, absolutePath: absolute, size: Int(st.st_size), modified: st.modificationDate, sha256: "")
    }
}
