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

/// The first bytes of a file, read with one open and one pread: enough to tell what kind of file
/// it is and, for DICOM, nearly always everything before the pixel data. On a metadata scan,
/// mapping each file costs more (page faults, and munmap's TLB flush on every core) than copying
/// 16 KiB.
public struct FileHead: Sendable {
    public let path: String
    /// The size of the whole file.
    public let size: Int
    let storage: ByteStorage

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

    /// `knownSize` (from a directory walk's stat) saves an fstat per file. The read asks for
    /// `length` bytes either way, so a file that changed since is still seen as it is: one that
    /// ends early has the size read, one that grew past `knownSize` is stat'ed after all.
    public static func read(path: String, length: Int = defaultLength, knownSize: Int? = nil) throws -> FileHead {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
        defer { close(fd) }
        func statSize() throws -> Int {
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: nil, offset: 0) }
            return Int(st.st_size)
        }
        var size = try knownSize ?? statSize()
        let want = knownSize == nil ? min(size, length) : length
        guard want > 0, let buffer = malloc(want) else {
            return FileHead(path: path, size: size, storage: .empty)
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
            if n == 0 { break }  // end of file
            got += n
        }
        if got < want { size = got } else if got > size { size = (try? statSize()) ?? got }
        return FileHead(path: path, size: size, storage: ByteStorage(malloced: buffer, count: got))
    }
}
