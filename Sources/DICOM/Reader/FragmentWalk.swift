#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The item headers of encapsulated pixel data, read from the file with pread and without
/// reading the fragments: what validation needs (the fragment count, the Basic Offset Table) at
/// the cost of one small read per fragment instead of reading the whole file. Lengths are checked
/// as the full parse checks them, and pixel data running into the end of the file is kept cut,
/// as the full parse keeps it.
struct FragmentWalk {
    var offsetTable: [UInt32] = []
    /// Fragment value ranges as offsets in the file.
    var fragments: [Range<Int>] = []
    var cut: Int?

    static func walk(path: String, from start: Int, fileSize: Int, owner: Tag) throws -> FragmentWalk {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DICOMParseError(code: .io(errno: errno), file: path, tag: owner, offset: start) }
        defer { close(fd) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? Int(st.st_size) : fileSize
        func fail(_ code: DICOMParseError.Code, _ at: Int) -> DICOMParseError {
            DICOMParseError(code: code, file: path, tag: owner, offset: at)
        }
        func read(_ count: Int, at offset: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var got = 0
            while got < count {
                let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw fail(.io(errno: errno), offset) }
                if n == 0 { break }
                got += n
            }
            return Array(bytes.prefix(got))
        }
        var result = FragmentWalk()
        var pos = start, first = true
        while true {
            let remaining = size - pos
            guard remaining >= 8 else {
                if !first { result.cut = size; return result }
                throw fail(.missingDelimiter, pos)
            }
            let h = try read(8, at: pos)
            guard h.count == 8 else { throw fail(.truncatedHeader(needed: 8, remaining: h.count), pos) }
            let group = UInt16(h[0]) | UInt16(h[1]) << 8, element = UInt16(h[2]) | UInt16(h[3]) << 8
            let length = UInt32(h[4]) | UInt32(h[5]) << 8 | UInt32(h[6]) << 16 | UInt32(h[7]) << 24
            let tag = Tag(group, element)
            if tag == Tag(0xFFFE, 0xE0DD) { return result }
            guard tag == Tag(0xFFFE, 0xE000) else { throw fail(.expectedItem(found: tag), pos) }
            guard length != 0xFFFF_FFFF else { throw fail(.undefinedLengthNotAllowed(.OB), pos) }
            let n = Int(length)
            if !first && n > remaining - 8 {
                result.fragments.append((pos + 8)..<size)
                result.cut = size
                return result
            }
            guard n <= remaining - 8 else { throw fail(.lengthExceedsRemaining(length: length, remaining: remaining - 8), pos) }
            if first {
                // The Basic Offset Table: 4 bytes per frame, so bounded by the frame limit.
                guard n <= 4 * PixelLimits.default.maxFrames * 16 else {
                    throw fail(.lengthExceedsRemaining(length: length, remaining: remaining - 8), pos)
                }
                let table = try read(n, at: pos + 8)
                result.offsetTable = stride(from: 0, to: table.count - 3, by: 4).map {
                    UInt32(table[$0]) | UInt32(table[$0 + 1]) << 8 | UInt32(table[$0 + 2]) << 16 | UInt32(table[$0 + 3]) << 24
                }
                first = false
            } else {
                result.fragments.append((pos + 8)..<(pos + 8 + n))
            }
            pos += 8 + n
        }
    }
}

extension DICOMFile {
    /// A header-only parse completed as far as validation needs: encapsulated pixel data's item
    /// headers walked with pread (fragments are not read), anything else by reading the whole
    /// file (a defined length running past the end throws what the full parse throws). The
    /// walked file's `pixelData` ranges are offsets in the file; `decodeFrame` reads the file.
    public func completingPixelData(maxBytes: Int = PixelLimits.default.maxFileBytes) throws -> DICOMFile {
        guard let skipped = skippedPixelData else { return self }
        if skipped.isEncapsulated && skipped.tag.raw == 0x7FE0_0010 && !transferSyntax.isDeflated && transferSyntax.isLittleEndian {
            let walk = try FragmentWalk.walk(path: path, from: skipped.valueStart, fileSize: skipped.valueStart + skipped.available,
                                             owner: skipped.tag)
            var file = self
            file.walkedFragments = walk
            return file
        }
        return try DICOMFile.open(path: path, maxBytes: maxBytes)
    }
}
