#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file into memory with pread. Not a memory map: a file truncated while mapped
/// (by an uploader still writing it, or on purpose) raises SIGBUS on the next touch and kills
/// the process; a read just sees the bytes that are there.
enum FileRead {
    /// Files larger than this are refused before anything is read (see `PixelLimits.maxFileBytes`).
    static func whole(path: String, maxBytes: Int = PixelLimits.default.maxFileBytes) throws -> ByteStorage {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
        let size = Int(st.st_size)
        guard size > 0 else { throw DICOMParseError(code: .emptyFile, file: path, tag: nil, offset: 0) }
        guard size <= maxBytes else { throw DICOMParseError(code: .fileTooLarge(size: size, limit: maxBytes), file: path, tag: nil, offset: 0) }
        guard let buffer = malloc(size) else { throw DICOMParseError(code: .io(errno: ENOMEM), file: path, tag: nil, offset: 0) }
        let got = try readFully(fd, into: buffer, count: size, path: path)
        guard got > 0 else {
            free(buffer)
            throw DICOMParseError(code: .emptyFile, file: path, tag: nil, offset: 0)
        }
        return ByteStorage(malloced: buffer, count: got)
    }

    /// Reads up to `count` bytes from offset 0; fewer when the file shrank since its fstat.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, path: String) throws -> Int {
        var got = 0
        while got < count {
            let n = pread(fd, buffer + got, count - got, off_t(got))
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                let code = errno
                free(buffer)
                throw DICOMParseError(code: .io(errno: code), file: path, tag: nil, offset: got)
            }
            if n == 0 { break }
            got += n
        }
        return got
    }
}

/// The first bytes of a file, read with one open, one fstat and one pread: enough to tell what
/// kind of file it is and, for DICOM, nearly always everything before the pixel data. On a
/// metadata scan, mapping each file cost more (page faults, and munmap's TLB flush on every
/// core) than copying 8 KiB; and the fstat of the open file is cheaper than a stat by path, so a
/// scan's directory walk leaves size and time to this read.
public struct FileHead: Sendable {
    public let path: String
    /// The size of the whole file, as it was when read.
    public let size: Int
    /// Its modification time (st_mtim), as it was when read.
    public let modified: timespec
    let storage: ByteStorage

    /// `modified` in seconds since 1970, as Foundation's Date takes it.
    public var modifiedSince1970: Double { Double(modified.tv_sec) + Double(modified.tv_nsec) / 1e9 }

    /// What the first read takes: most headers end within 8 KiB (copying more costs time on
    /// every file of a scan); `largeLength` is the second try before the whole file is read.
    public static let defaultLength = 1 << 13
    public static let largeLength = 1 << 17

    /// True when the head holds the whole file.
    public var isWholeFile: Bool { storage.count == size }

    /// The first `count` bytes (fewer if the file is shorter).
    public func prefix(_ count: Int) -> [UInt8] {
        storage.withBytes(0..<min(count, storage.count)) { Array($0) }
    }

    public static func read(path: String, length: Int = defaultLength) throws -> FileHead {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
        var size = Int(st.st_size)
        let want = min(size, length)
        guard want > 0, let buffer = malloc(want) else {
            return FileHead(path: path, size: size, modified: st.st_mtim, storage: .empty)
        }
        let got = try FileRead.readFully(fd, into: buffer, count: want, path: path)
        if got < want { size = got }
        return FileHead(path: path, size: size, modified: st.st_mtim, storage: ByteStorage(malloced: buffer, count: got))
    }
}
