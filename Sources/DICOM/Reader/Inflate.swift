#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Streaming raw inflate of a Deflated Explicit VR Little Endian body (PS3.5 A.5) into one
/// malloc'd buffer that grows geometrically, capped so a deflate bomb cannot exhaust memory.
/// (Compressed bodies over 4 GiB are not supported: zlib's avail_in is 32-bit.)
enum Inflate {
    /// 1 GiB: far beyond any real data set, small enough that a deflate bomb cannot exhaust memory.
    static let limit = 1 << 30

    static func inflate(_ input: UnsafeRawBufferPointer, file: String, baseOffset: Int) throws -> ByteStorage {
        var stream = z_stream()
        var rc = inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            throw DICOMParseError(code: .inflateFailed(zlib: rc), file: file, tag: nil, offset: baseOffset)
        }
        defer { inflateEnd(&stream) }
        var capacity = min(max(input.count * 4, 1 << 16), limit)
        guard var buffer = malloc(capacity) else {
            throw DICOMParseError(code: .inflatedTooLarge(limit: capacity), file: file, tag: nil, offset: baseOffset)
        }
        var produced = 0
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(clamping: input.count)
        while true {
            if produced == capacity {
                guard capacity < limit else {
                    free(buffer)
                    throw DICOMParseError(code: .inflatedTooLarge(limit: limit), file: file, tag: nil, offset: baseOffset + Int(stream.total_in))
                }
                capacity = min(capacity * 2, limit)
                guard let grown = realloc(buffer, capacity) else {
                    free(buffer)
                    throw DICOMParseError(code: .inflatedTooLarge(limit: capacity), file: file, tag: nil, offset: baseOffset + Int(stream.total_in))
                }
                buffer = grown
            }
            stream.next_out = (buffer + produced).assumingMemoryBound(to: UInt8.self)
            let room = min(capacity - produced, Int(UInt32.max))
            stream.avail_out = UInt32(room)
            rc = CZlib.inflate(&stream, Z_NO_FLUSH)
            produced += room - Int(stream.avail_out)
            if rc == Z_STREAM_END { break }
            let inputExhausted = stream.avail_in == 0 && stream.avail_out > 0
            if (rc == Z_OK || rc == Z_BUF_ERROR) && !inputExhausted { continue }
            // Corrupt data, or the input ended before the deflate stream did.
            free(buffer)
            throw DICOMParseError(code: .inflateFailed(zlib: rc), file: file, tag: nil, offset: baseOffset + Int(stream.total_in))
        }
        return ByteStorage(malloced: buffer, count: produced)
    }
}
