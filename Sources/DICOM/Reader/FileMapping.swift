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
