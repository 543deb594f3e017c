import Checksum
import CZip
public import Foundation

/// Zip batches through libzip: unpacked entry by entry in 256 KiB chunks, never whole in memory.
public enum ZipArchive {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let size: UInt64
        public let compressedSize: UInt64
        /// The content's SHA-256 (hex), taken while it was written, when `extract` was asked to.
        public var sha256: String? = nil
    }

    /// Checks every entry against `limits` and the path rules, and the entries together against
    /// the archive's size, then streams the archive into `directory` (created) on `workers`
    /// threads. Throws the first bad entry's refusal; nothing is left half-written on success.
    /// `hash`: also take each entry's SHA-256 from the bytes as they are written (a batch's
    /// fingerprint needs it; reading every file back would be one more pass over them). Files
    /// are created with `fileMode`, folders with `folderMode` (exactly, whatever the umask): the
    /// entries are patient data. (Modes as UInt32, Linux's mode_t: so libzip's C module stays
    /// an internal import of this target.)
    @discardableResult
    public static func extract(_ path: String, into directory: String, limits: ZipLimits = .init(),
                               workers: Int = ProcessInfo.processInfo.activeProcessorCount, hash: Bool = false,
                               fileMode: UInt32 = 0o600, folderMode: UInt32 = 0o700) throws -> [Entry] {
        let name = (path as NSString).lastPathComponent
        var info = stat()
        guard stat(path, &info) == 0 else { throw ZipError(.cannotOpen(String(cString: strerror(errno))), archive: name) }
        let archiveSize = UInt64(info.st_size)
        var errorCode: Int32 = 0
        guard let archive = zip_open(path, ZIP_RDONLY, &errorCode) else {
            throw ZipError(.cannotOpen(libzipMessage(errorCode)), archive: name)
        }
        defer { zip_discard(archive) }

        let count = zip_get_num_entries(archive, 0)
        guard count >= 0 else { throw ZipError(.cannotOpen("bad central directory"), archive: name) }
        if count > limits.maxEntries { throw ZipError(.tooManyEntries(limit: limits.maxEntries), archive: name) }

        // Pass 1: refuse on declared facts before writing anything.
        var entries: [(index: UInt64, entry: Entry, isDirectory: Bool)] = []
        var declaredTotal: UInt64 = 0
        for index in 0..<UInt64(count) {
            var st = zip_stat_t()
            zip_stat_init(&st)
            guard zip_stat_index(archive, index, 0, &st) == 0, let cName = st.name else {
                throw ZipError(.readFailed("entry \(index) has no readable header"), archive: name)
            }
            let entryName = String(cString: cName)
            let isDirectory = entryName.hasSuffix("/")
            guard let relative = safeRelativePath(entryName) else {
                throw ZipError(.unsafePath, archive: name, entry: entryName)
            }
            let unpacked = directory.utf8.count + 1 + relative.utf8.count
            if unpacked >= Int(PATH_MAX) { throw ZipError(.pathTooLong(bytes: unpacked), archive: name, entry: entryName) }
            if isSymlink(archive, index) { throw ZipError(.symlink, archive: name, entry: entryName) }
            if st.valid & UInt64(ZIP_STAT_ENCRYPTION_METHOD) != 0, st.encryption_method != UInt16(ZIP_EM_NONE) {
                throw ZipError(.encrypted, archive: name, entry: entryName)
            }
            try check(size: st.size, compressed: st.comp_size, limits: limits, archive: name, entry: entryName)
            declaredTotal &+= st.size
            if declaredTotal > limits.maxTotalSize { throw ZipError(.totalTooLarge(limit: limits.maxTotalSize), archive: name) }
            entries.append((index, Entry(name: relative, size: st.size, compressedSize: st.comp_size), isDirectory))
        }
        // Small entries escape the per-entry ratio; together they may not.
        let budget = limits.inflateBudget(archiveSize: archiveSize)
        if declaredTotal > budget {
            throw ZipError(.archiveRatioTooHigh(uncompressed: declaredTotal, archiveSize: archiveSize, limit: limits.maxArchiveRatio), archive: name)
        }

        // Pass 2: stream, counting real bytes (headers can lie about sizes). Folders first, then
        // the files on `workers` threads, each with its own handle on the archive (a zip_t is
        // not shared between threads): inflating is the cost, and a core does 300-400 MB/s.
        try makeFolders(directory, mode: folderMode, archive: name)
        var folders = Set<String>()
        for item in entries {
            let target = directory + "/" + item.entry.name
            folders.insert(item.isDirectory ? target : (target as NSString).deletingLastPathComponent)
        }
        for folder in folders.sorted() { try makeFolders(folder, mode: folderMode, archive: name) }
        let files = entries.filter { !$0.isDirectory }
        // What is written is counted against the same budget: the total limit, or the archive
        // ratio when that binds (a second line behind the per-entry declared sizes).
        let shared = ExtractionState(
            budget: Budget(limit: budget, archiveSize: archiveSize, limits: limits, archive: name), count: files.count)
        let threads = max(1, min(workers, files.count))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var code: Int32 = 0
            guard let handle = zip_open(path, ZIP_RDONLY, &code) else {
                shared.fail(ZipError(.cannotOpen(libzipMessage(code)), archive: name), at: -1)
                return
            }
            defer { zip_discard(handle) }
            let chunk = 256 * 1024
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
            defer { buffer.deallocate() }
            // Entries claimed one at a time, so a large one does not leave the other threads idle.
            while let i = shared.next(files.count) {
                switch extractEntry(files[i].index, files[i].entry, from: handle, into: directory + "/" + files[i].entry.name,
                                    mode: fileMode, buffer: buffer, chunk: chunk, shared: shared, archive: name, hash: hash) {
                case .success(let digest): shared.record(digest, at: i)
                case .failure(let failure): shared.fail(failure, at: i)
                }
            }
        }
        if let failure = shared.failure { throw failure }
        return files.indices.map { i in
            var entry = files[i].entry
            entry.sha256 = shared.digest(at: i)
            return entry
        }
    }

    /// One entry to `target` (a new file): its SHA-256 when `hash`, or the failure. Stops at the
    /// declared size and at the archive's budget (total limit or archive ratio), counted over
    /// every thread.
    private static func extractEntry(_ index: UInt64, _ entry: Entry, from archive: OpaquePointer, into target: String,
                                     mode: mode_t, buffer: UnsafeMutableRawPointer, chunk: Int, shared: ExtractionState,
                                     archive name: String, hash: Bool) -> Result<String?, ZipError> {
        guard let file = zip_fopen_index(archive, index, 0) else {
            return .failure(ZipError(.readFailed(libzipMessage(archive)), archive: name, entry: entry.name))
        }
        defer { zip_fclose(file) }
        // O_EXCL and O_NOFOLLOW: a new file, never through a link planted in the folder.
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0, fchmod(fd, mode) == 0, let out = fdopen(fd, "w") else {
            let failure = ZipError(.writeFailed(String(cString: strerror(errno))), archive: name, entry: entry.name)
            if fd >= 0 { close(fd) }
            return .failure(failure)
        }
        defer { fclose(out) }
        var digest = hash ? SHA256() : nil
        var written: UInt64 = 0
        while !shared.failed {
            let n = zip_fread(file, buffer, UInt64(chunk))
            if n < 0 { return .failure(ZipError(.readFailed(libzipFileMessage(file)), archive: name, entry: entry.name)) }
            if n == 0 { break }
            written += UInt64(n)
            if written > entry.size { return .failure(ZipError(.sizeMismatch(declared: entry.size), archive: name, entry: entry.name)) }
            if let over = shared.add(UInt64(n)) { return .failure(over) }
            if fwrite(buffer, 1, Int(n), out) != Int(n) {
                return .failure(ZipError(.writeFailed(String(cString: strerror(errno))), archive: name, entry: entry.name))
            }
            digest?.update(UnsafeRawBufferPointer(start: buffer, count: Int(n)))
        }
        return .success(digest.take()?.finalize().hexString)
    }

    /// What the extracting threads share: the next entry to claim, the bytes written so far
    /// against the total limit, and the failure of the earliest entry that failed (as a serial
    /// extraction would report it; once one fails no new entry is started).
    /// What the whole archive may inflate to, and the refusal once it is passed.
    private struct Budget: Sendable {
        let limit: UInt64
        let archiveSize: UInt64
        let limits: ZipLimits
        let archive: String

        func refusal(at total: UInt64) -> ZipError {
            limit < limits.maxTotalSize
                ? ZipError(.archiveRatioTooHigh(uncompressed: total, archiveSize: archiveSize, limit: limits.maxArchiveRatio), archive: archive)
                : ZipError(.totalTooLarge(limit: limits.maxTotalSize), archive: archive)
        }
    }

    private final class ExtractionState: @unchecked Sendable {
        let budget: Budget
        private let lock = NSLock()
        private var claimed = 0
        private var total: UInt64 = 0
        private var failures: [(entry: Int, error: ZipError)] = []
        var failure: ZipError? { lock.withLock { failures.min { $0.entry < $1.entry }?.error } }

        private var digests: [String?]

        init(budget: Budget, count: Int) {
            self.budget = budget
            digests = Array(repeating: nil, count: count)
        }

        func record(_ digest: String?, at entry: Int) { lock.withLock { digests[entry] = digest } }
        func digest(at entry: Int) -> String? { lock.withLock { digests[entry] } }

        var failed: Bool { lock.withLock { !failures.isEmpty } }

        func next(_ count: Int) -> Int? {
            lock.withLock {
                guard failures.isEmpty, claimed < count else { return nil }
                claimed += 1
                return claimed - 1
            }
        }

        /// The refusal once the total passes the limit.
        func add(_ bytes: UInt64) -> ZipError? {
            lock.withLock {
                total += bytes
                return total <= budget.limit ? nil : budget.refusal(at: total)
            }
        }

        func fail(_ error: ZipError, at entry: Int) { lock.withLock { failures.append((entry, error)) } }
    }

    /// Writes `directory`'s files (recursively, sorted, relative names) into a new zip at `path`.
    public static func create(at path: String, fromDirectory directory: String) throws {
        let name = (path as NSString).lastPathComponent
        var errorCode: Int32 = 0
        guard let archive = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &errorCode) else {
            throw ZipError(.cannotOpen(libzipMessage(errorCode)), archive: name)
        }
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
        for relative in files {
            var isDirectory: ObjCBool = false
            let full = directory + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            guard let source = zip_source_file(archive, full, 0, -1),
                zip_file_add(archive, relative, source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) >= 0
            else {
                let message = libzipMessage(archive)
                zip_discard(archive)
                throw ZipError(.writeFailed(message), archive: name, entry: relative)
            }
        }
        if zip_close(archive) != 0 {
            let message = libzipMessage(archive)
            zip_discard(archive)
            throw ZipError(.writeFailed(message), archive: name)
        }
    }

    /// Whether the file starts with a zip local-file or end-of-central-directory signature.
    public static func looksLikeZip(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data([0x50, 0x4B, 0x03, 0x04]) || magic == Data([0x50, 0x4B, 0x05, 0x06])
    }

    // MARK: - Rules

    /// The entry's path if it stays inside the target folder; nil for absolute paths, drive
    /// letters, backslash tricks or any `..` component.
    static func safeRelativePath(_ name: String) -> String? {
        if name.isEmpty || name.hasPrefix("/") || name.hasPrefix("\\") || name.contains("\0") { return nil }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        if let first = parts.first, first.count == 2, first.last == ":" { return nil }
        for part in parts where part == ".." || part.contains("\\") { return nil }
        let kept = parts.filter { $0 != "." }
        return kept.isEmpty ? nil : kept.joined(separator: "/")
    }

    private static func check(size: UInt64, compressed: UInt64, limits: ZipLimits, archive: String, entry: String) throws {
        if size > limits.maxEntrySize { throw ZipError(.entryTooLarge(limit: limits.maxEntrySize), archive: archive, entry: entry) }
        if size > limits.ratioFloor {
            let ratio = Double(size) / Double(max(compressed, 1))
            if ratio > limits.maxRatio {
                throw ZipError(.ratioTooHigh(ratio: ratio, limit: limits.maxRatio), archive: archive, entry: entry)
            }
        }
    }

    /// mkdir -p, each folder made here getting exactly `mode`; existing ones are left as they are.
    private static func makeFolders(_ path: String, mode: mode_t, archive: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) == 0 {
                guard chmod(current, mode) == 0 else { throw ZipError(.writeFailed("\(current): \(String(cString: strerror(errno)))"), archive: archive) }
            } else if errno != EEXIST {
                throw ZipError(.writeFailed("\(current): \(String(cString: strerror(errno)))"), archive: archive)
            }
        }
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw ZipError(.writeFailed("\(path): not a folder"), archive: archive)
        }
    }

    private static func isSymlink(_ archive: OpaquePointer, _ index: UInt64) -> Bool {
        var opsys: UInt8 = 0
        var attributes: UInt32 = 0
        guard zip_file_get_external_attributes(archive, index, 0, &opsys, &attributes) == 0 else { return false }
        return opsys == UInt8(ZIP_OPSYS_UNIX) && (attributes >> 16) & 0o170000 == 0o120000
    }

    private static func libzipMessage(_ code: Int32) -> String {
        var error = zip_error_t()
        zip_error_init_with_code(&error, code)
        defer { zip_error_fini(&error) }
        return String(cString: zip_error_strerror(&error))
    }

    private static func libzipMessage(_ archive: OpaquePointer) -> String {
        String(cString: zip_error_strerror(zip_get_error(archive)))
    }

    private static func libzipFileMessage(_ file: OpaquePointer) -> String {
        String(cString: zip_error_strerror(zip_file_get_error(file)))
    }
}
