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
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            guard name != ".", name != ".." else { continue }
            names.append(name)
        }
        let entries = statAll(names, in: dirfd(dir))
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

    /// Entries of a large folder are stat'ed on every core: the calls are a third of a
    /// metadata scan's listing, and each waits on the kernel alone. A vanished entry is left out.
    static func statAll(_ names: [String], in folder: Int32) -> [(name: String, st: stat)] {
        var stats = Array(repeating: stat(), count: names.count)
        var found = [Bool](repeating: false, count: names.count)
        let parts = names.count >= 256 ? ProcessInfo.processInfo.activeProcessorCount : 1
        stats.withUnsafeMutableBufferPointer { st in
            found.withUnsafeMutableBufferPointer { ok in
                // Each part writes only its own slots.
                let st = st, ok = ok
                Parallel.forEach(parts) { part in
                    for i in stride(from: part, to: names.count, by: parts) {
                        ok[i] = fstatat(folder, names[i], &st[i], AT_SYMLINK_NOFOLLOW) == 0
                    }
                }
            }
        }
        return names.indices.filter { found[$0] }.map { (names[$0], stats[$0]) }
    }

    static func file(_ relative: String, _ absolute: String, _ st: stat) -> BatchFile {
        BatchFile(relativePath: relative, absolutePath: absolute, size: Int(st.st_size), modified: st.modificationDate, sha256: "")
    }
}
