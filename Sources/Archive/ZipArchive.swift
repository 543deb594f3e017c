import CZip
import Foundation

/// Zip batches through libzip: unpacked entry by entry in 256 KiB chunks, never whole in memory.
public enum ZipArchive {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let size: UInt64
        public let compressedSize: UInt64
    }

    /// Checks every entry against `limits` and the path rules, then streams the archive into
    /// `directory` (created). Throws on the first refusal; nothing is left half-written on success.
    @discardableResult
    public static func extract(_ path: String, into directory: String, limits: ZipLimits = .init()) throws -> [Entry] {
        let name = (path as NSString).lastPathComponent
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
            if isSymlink(archive, index) { throw ZipError(.symlink, archive: name, entry: entryName) }
            if st.valid & UInt64(ZIP_STAT_ENCRYPTION_METHOD) != 0, st.encryption_method != UInt16(ZIP_EM_NONE) {
                throw ZipError(.encrypted, archive: name, entry: entryName)
            }
            try check(size: st.size, compressed: st.comp_size, limits: limits, archive: name, entry: entryName)
            declaredTotal &+= st.size
            if declaredTotal > limits.maxTotalSize { throw ZipError(.totalTooLarge(limit: limits.maxTotalSize), archive: name) }
            entries.append((index, Entry(name: relative, size: st.size, compressedSize: st.comp_size), isDirectory))
        }

        // Pass 2: stream, counting real bytes (headers can lie about sizes).
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var actualTotal: UInt64 = 0
        let chunk = 256 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        for item in entries {
            let target = directory + "/" + item.entry.name
            if item.isDirectory {
                try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
                continue
            }
            try fm.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard let file = zip_fopen_index(archive, item.index, 0) else {
                throw ZipError(.readFailed(libzipMessage(archive)), archive: name, entry: item.entry.name)
            }
            defer { zip_fclose(file) }
            guard let out = fopen(target, "wx") else {
                throw ZipError(.writeFailed(String(cString: strerror(errno))), archive: name, entry: item.entry.name)
            }
            var written: UInt64 = 0
            var failure: ZipError?
            while true {
                let n = zip_fread(file, buffer, UInt64(chunk))
                if n < 0 {
                    failure = ZipError(.readFailed(libzipFileMessage(file)), archive: name, entry: item.entry.name)
                    break
                }
                if n == 0 { break }
                written += UInt64(n)
                actualTotal += UInt64(n)
                if written > item.entry.size {
                    failure = ZipError(.sizeMismatch(declared: item.entry.size), archive: name, entry: item.entry.name)
                    break
                }
                if actualTotal > limits.maxTotalSize {
                    failure = ZipError(.totalTooLarge(limit: limits.maxTotalSize), archive: name)
                    break
                }
                if fwrite(buffer, 1, Int(n), out) != Int(n) {
                    failure = ZipError(.writeFailed(String(cString: strerror(errno))), archive: name, entry: item.entry.name)
                    break
                }
            }
            fclose(out)
            if let failure { throw failure }
        }
        return entries.filter { !$0.isDirectory }.map(\.entry)
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
