import Archive
import Checksum
import Delivery
import Foundation

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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BatchFailure(stage: name, reason: "input \(context.sourceName) is missing from \(path)")
        }
        var root = path
        var fromArchive = false
        if !isDirectory.boolValue, ZipArchive.looksLikeZip(path) || path.lowercased().hasSuffix(".zip") {
            root = context.workDirectory + "/unpacked"
            try? FileManager.default.removeItem(atPath: root)
            do {
                try ZipArchive.extract(path, into: root, limits: context.config.zipLimits)
            } catch let error as ZipError {
                throw BatchFailure(stage: name, reason: error.description)
            }
            fromArchive = true
        }
        var listed: [BatchFile] = []
        var ignored: [(path: String, reason: String)] = []
        if isDirectory.boolValue || fromArchive {
            Self.walk(root, prefix: "", marker: context.config.marker, into: &listed, ignored: &ignored)
        } else {
            root = (path as NSString).deletingLastPathComponent
            var st = stat()
            guard stat(path, &st) == 0 else { throw BatchFailure(stage: name, reason: "input \(context.sourceName) vanished") }
            listed = [Self.file((path as NSString).lastPathComponent, path, st)]
        }
        // The walk's stat gave size and time; only hashing reads the files (in parallel).
        let files = !hashContents ? listed : try await boundedMap(listed, limit: context.workers) { file in
            BatchFile(relativePath: file.relativePath, absolutePath: file.absolutePath, size: file.size,
                      modified: file.modified, sha256: try SHA256.hex(fileAt: file.absolutePath))
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
    static func walk(_ folder: String, prefix: String, marker: String?,
                     into files: inout [BatchFile], ignored: inout [(path: String, reason: String)]) {
        // readdir and an fstatat relative to the folder (no full path to resolve again).
        guard let dir = opendir(folder) else { return }
        var entries: [(name: String, st: stat)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            guard name != ".", name != ".." else { continue }
            var st = stat()
            guard fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            entries.append((name, st))
        }
        closedir(dir)
        // Byte order, which is code point order for UTF-8: the same as String's for NFC names.
        // Indices are sorted, not the entries: a stat is 144 bytes to move per swap.
        let order = entries.indices.sorted { entries[$0].name.utf8.lexicographicallyPrecedes(entries[$1].name.utf8) }
        for (name, st) in order.lazy.map({ entries[$0] }) {
            let full = folder + "/" + name
            let relative = prefix.isEmpty ? name : prefix + "/" + name
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if name.hasPrefix(".") { ignored.append((relative + "/", "hidden folder")) } else {
                    walk(full, prefix: relative, marker: marker, into: &files, ignored: &ignored)
                }
            case S_IFLNK:
                ignored.append((relative, "symbolic link, not followed"))
            case S_IFREG:
                if name.hasPrefix(".") {
                    ignored.append((relative, "hidden file"))
                } else if name == marker {
                    ignored.append((relative, "completion marker"))
                } else {
                    files.append(file(relative, full, st))
                }
            default:
                ignored.append((relative, "not a regular file"))
            }
        }
    }

    static func file(_ relative: String, _ absolute: String, _ st: stat) -> BatchFile {
        BatchFile(relativePath: relative, absolutePath: absolute, size: Int(st.st_size), modified: st.modificationDate, sha256: "")
    }
}
