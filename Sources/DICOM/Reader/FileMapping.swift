#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps a whole file read-only; parsing then slices it without copying.
enum FileMapping {
    static func map(path: String) throws -> ByteStorage {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
        let size = Int(st.st_size)
        guard size > 0 else { throw DICOMParseError(code: .emptyFile, file: path, tag: nil, offset: 0) }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
        return ByteStorage(mapped: UnsafeRawPointer(p), count: size)
    }
}

/// The first bytes of a file, read with one open, one fstat and one pread: enough to tell what
/// kind of file it is and, for DICOM, nearly always everything before the pixel data. On a
/// metadata scan, mapping each file costs more (page faults, and munmap's TLB flush on every
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
    /// every file of a scan); `largeLength` is the second try before the whole file is mapped.
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
        var got = 0
        while got < want {
            let n = pread(fd, buffer + got, want - got, off_t(got))
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                let code = errno
                free(buffer)
                throw DICOMParseError(code: .io(errno: code), file: path, tag: nil, offset: got)
            }
            if n == 0 { break }  // end of file: it shrank since the fstat
            got += n
        }
        if got < want { size = got }
        return FileHead(path: path, size: size, modified: st.st_mtim, storage: ByteStorage(malloced: buffer, count: got))
    }
}
