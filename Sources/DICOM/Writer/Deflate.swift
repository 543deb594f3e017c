import CZlib

/// Raw deflate (no zlib header), as PS3.5 A.5 requires for the Deflated transfer syntax.
enum Deflate {
    static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        var rc = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw DICOMWriteError(code: .deflateFailed(rc), tag: nil) }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 16)
        var input = input
        let produced: Int = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                rc = deflate(&stream, Z_FINISH)
                return o.count - Int(stream.avail_out)
            }
        }
        guard rc == Z_STREAM_END else { throw DICOMWriteError(code: .deflateFailed(rc), tag: nil) }
        out.removeSubrange(produced...)
        // Even length keeps the file's total length even (PS3.5 A.5 allows one pad byte).
        if out.count & 1 == 1 { out.append(0) }
        return out
    }
}
