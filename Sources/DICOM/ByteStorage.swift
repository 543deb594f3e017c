#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Immutable bytes shared by a parsed file and all its data sets: a file read into memory, an
/// inflated deflate stream, or a copy of caller-supplied bytes. Values are ranges into it.
public final class ByteStorage: @unchecked Sendable {
    // @unchecked: the memory is never written after init and freed only in deinit.
    public let base: UnsafeRawPointer?
    public let count: Int
    /// Takes ownership of memory from `malloc`/`realloc`.
    init(malloced base: UnsafeMutableRawPointer?, count: Int) {
        self.base = base.map { UnsafeRawPointer($0) }
        self.count = count
    }

    convenience init(copying bytes: UnsafeRawBufferPointer) {
        let p = malloc(max(bytes.count, 1))
        if let src = bytes.baseAddress, let p { memcpy(p, src, bytes.count) }
        self.init(malloced: p, count: bytes.count)
    }

    static let empty = ByteStorage(malloced: nil, count: 0)

    deinit { free(UnsafeMutableRawPointer(mutating: base)) }

    /// The bytes of `range` (which must lie within the storage) without copying.
    @inlinable
    public func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let base, !range.isEmpty else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    public func bytes(_ range: Range<Int>) -> [UInt8] {
        withBytes(range) { Array($0) }
    }
}
