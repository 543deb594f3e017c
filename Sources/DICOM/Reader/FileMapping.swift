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

    /// For a header-only read of a large file: the first `prefix` bytes with one pread. On a
    /// metadata scan, mmap's page faults and munmap's TLB flush cost more than copying 16 KiB.
    /// Returns nil when the file is small enough that mapping it is as cheap.
    static func readPrefix(path: String, prefix: Int = 1 << 14) -> ByteStorage? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, Int(st.st_size) > prefix * 4, let buffer = malloc(prefix) else { return nil }
        var got = 0
        while got < prefix {
            let n = pread(fd, buffer + got, prefix - got, off_t(got))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        return ByteStorage(malloced: buffer, count: got)
    }
}
