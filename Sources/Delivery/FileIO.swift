public import Foundation

/// Durable file operations shared by outboxes and the engine.
public enum FileIO {
    /// Creates the folder if needed (with `permissions`, for the spool's folders), then writes
    /// and removes a probe file: what `sluice check` asks of a folder Sluice writes into.
    public static func isWritableFolder(_ path: String, permissions: SpoolPermissions? = nil) -> Bool {
        do {
            if let permissions {
                try permissions.makeFolders(path)
                try permissions.apply(to: path)
            } else {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            let probe = path + "/.sluice-check-\(getpid())"
            guard FileManager.default.createFile(atPath: probe, contents: Data("check".utf8)) else { return false }
            try FileManager.default.removeItem(atPath: probe)
            _ = try FileManager.default.contentsOfDirectory(atPath: path)
            return true
        } catch {
            return false
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let errno: Int32
        public let path: String
        public init(errno: Int32, path: String) {
            self.errno = errno
            self.path = path
        }
        public var description: String { "\(path): \(Self.describe(errno))" }

        /// strerror's text for an errno.
        public static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
    }

    /// Copies in 1 MiB chunks and fsyncs the copy before returning. The copy is 0644 (subject
    /// to the umask), or exactly `permissions` for a copy in the spool.
    public static func copyDurably(from source: String, to destination: String, permissions: SpoolPermissions? = nil) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure(errno: errno, path: source) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions?.file ?? 0o644)
        guard output >= 0 else { throw Failure(errno: errno, path: destination) }
        defer { close(output) }
        try permissions?.apply(toFile: output, path: destination)
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, size)
            if n < 0 { throw Failure(errno: errno, path: source) }
            if n == 0 { break }
            var done = 0
            while done < n {
                let w = write(output, buffer + done, n - done)
                if w < 0 { throw Failure(errno: errno, path: destination) }
                done += w
            }
        }
        guard fsync(output) == 0 else { throw Failure(errno: errno, path: destination) }
    }

    /// Writes bytes to `path` atomically (temp + rename), fsyncing the file and its folder
    /// unless `durable` is false (then the caller syncs many files at once with `syncFileSystem`).
    /// The file and missing folders get the system's defaults (0644, 0755 under the usual
    /// umask), or exactly `permissions` in the spool.
    public static func writeAtomically(_ data: Data, to path: String, durable: Bool = true, permissions: SpoolPermissions? = nil) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if let permissions {
            try permissions.makeFolders(folder)
        } else {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let temporary = folder + "/." + (path as NSString).lastPathComponent + ".sluice-\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions?.file ?? 0o644)
        guard fd >= 0 else { throw Failure(errno: errno, path: temporary) }
        var failure: Failure?
        do { try permissions?.apply(toFile: fd, path: temporary) } catch { failure = (error as? Failure) ?? Failure(errno: EIO, path: temporary) }
        if failure == nil { data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let w = write(fd, raw.baseAddress! + done, raw.count - done)
                if w < 0 { failure = Failure(errno: errno, path: temporary); return }
                done += w
            }
        } }
        if failure == nil, durable, fsync(fd) != 0 { failure = Failure(errno: errno, path: temporary) }
        close(fd)
        if let failure { unlink(temporary); throw failure }
        guard rename(temporary, path) == 0 else {
            let f = Failure(errno: errno, path: path)
            unlink(temporary)
            throw f
        }
        if durable { try syncDirectory(folder) }
    }

    /// One syncfs(2) for everything written under `path`: cheaper than an fsync per file.
    public static func syncFileSystem(containing path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(errno: errno, path: path) }
        defer { close(fd) }
        guard linuxSyncfs(fd) == 0 else { throw Failure(errno: errno, path: path) }
    }

    /// Makes a rename durable: fsync on the folder itself.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(errno: errno, path: path) }
        defer { close(fd) }
        _ = fsync(fd)
    }
}

/// glibc declares syncfs(2) only under _GNU_SOURCE, which the Swift importer does not set.
@_silgen_name("syncfs")
private func linuxSyncfs(_ fd: Int32) -> Int32
