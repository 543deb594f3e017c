import Archive
import Checksum
import Delivery
import Foundation
import Kernels

/// Lists the batch's files (unzipping a zip batch into the work folder, guarded by the zip
/// limits) and fingerprints their content.
public struct UnpackStage: Stage {
    public let name = "unpack"
    /// Content hashes give the duplicate fingerprint and the manifest's input list; `scan`,
    /// which records nothing, skips them (and the fingerprint).
    public let hashContents: Bool

    public init(hashContents: Bool = true) { self.hashContents = hashContents }

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
            let permissions = context.config.spoolPermissions
            do {
                let entries = try ZipArchive.extract(path, into: root, limits: context.config.zipLimits,
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
        if isDirectory.boolValue || fromArchive {
            Self.walk(root, prefix: "", marker: context.config.marker, into: &listed, ignored: &ignored)
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
        let files = !hashContents ? listed : try await boundedMap(listed, limit: context.workers) { file in
            BatchFile(relativePath: file.relativePath, absolutePath: file.absolutePath, size: file.size,
                      modified: file.modified, sha256: try hashes[file.relativePath] ?? SHA256.hex(fileAt: file.absolutePath))
        }
        return UnpackedBatch(
            root: root, files: files, ignored: ignored, fingerprint: hashContents ? Self.fingerprint(files) : "",
            fromArchive: fromArchive)
    }

    /// The batch's content fingerprint: the sorted file hashes, hashed (names and order do not count).
    static func fingerprint(_ files: [BatchFile]) -> String {
        var fingerprint = SHA256()
        for hash in files.map(\.sha256).sorted() { fingerprint.update(hash) }
        return fingerprint.finalize().hexString
    }

    /// Regular files in a stable order; dot-files, markers and links are listed as ignored.
    /// The entry type comes from readdir: no file is stat'ed here unless the file system leaves
    /// the type unknown (the validate stage's open gives size and time at less cost).
    static func walk(_ folder: String, prefix: String, marker: String?,
                     into files: inout [BatchFile], ignored: inout [(path: String, reason: String)]) {
        guard let dir = opendir(folder) else { return }
        // Names as spans of one buffer: the sort compares bytes in place (memcmp) — byte order,
        // which is code point order for UTF-8, the same as String's for NFC names — and each
        // name becomes a String once, after it.
        var bytes: [UInt8] = []
        var spans: [(start: Int, count: Int, type: UInt8)] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let count = strlen(raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                let dot = UInt8(ascii: ".")
                guard !(count == 1 && raw[0] == dot), !(count == 2 && raw[0] == dot && raw[1] == dot) else { return }
                spans.append((bytes.count, count, type))
                bytes.append(contentsOf: raw.prefix(count))
            }
        }
        bytes.withUnsafeBufferPointer { b in
            spans.sort { x, y in
                let order = memcmp(b.baseAddress! + x.start, b.baseAddress! + y.start, min(x.count, y.count))
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
        var entries = spans.map { (name: String(decoding: bytes[$0.start..<$0.start + $0.count], as: UTF8.self), type: $0.type) }
        let unknown = entries.indices.filter { entries[$0].type == UInt8(DT_UNKNOWN) }
        for (i, type) in zip(unknown, types(of: unknown.map { entries[$0].name }, in: dirfd(dir))) { entries[i].type = type }
        closedir(dir)
        for (name, type) in entries {
            let full = folder + "/" + name
            let relative = prefix.isEmpty ? name : prefix + "/" + name
            switch Int(type) {
            case Int(DT_DIR):
                if name.hasPrefix(".") { ignored.append((relative + "/", "hidden folder")) } else {
                    walk(full, prefix: relative, marker: marker, into: &files, ignored: &ignored)
                }
            case Int(DT_LNK):
                ignored.append((relative, "symbolic link, not followed"))
            case Int(DT_REG):
                if name.hasPrefix(".") {
                    ignored.append((relative, "hidden file"))
                } else if name == marker {
                    ignored.append((relative, "completion marker"))
                } else {
                    files.append(BatchFile(relativePath: relative, absolutePath: full, size: nil, modified: nil, sha256: ""))
                }
            case Int(DT_UNKNOWN):
                break  // vanished between readdir and lstat
            default:
                ignored.append((relative, "not a regular file"))
            }
        }
    }

    /// The types of entries readdir left unknown (some network and FUSE file systems), by lstat;
    /// DT_UNKNOWN for one that vanished.
    static func types(of names: [String], in folder: Int32) -> [UInt8] {
        names.map { name in
            var st = stat()
            guard fstatat(folder, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return UInt8(DT_UNKNOWN) }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: return UInt8(DT_DIR)
            case S_IFLNK: return UInt8(DT_LNK)
            case S_IFREG: return UInt8(DT_REG)
            default: return UInt8(DT_FIFO)  // any other kind: "not a regular file"
            }
        }
    }

    static func file(_ relative: String, _ absolute: String, _ st: stat) -> BatchFile {
        BatchFile(relativePath: relative, absolutePath: absolute, size: Int(st.st_size), modified: st.modificationDate, sha256: "")
    }
}
