/// Why an RLE Lossless frame could not be decoded. The description names the problem and the
/// segment, never pixel values.
public struct RLEError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case headerTooShort = "RLE header shorter than 64 bytes"
        case segmentCountMismatch = "RLE segment count does not match samples × bytes per sample"
        case tooManySegments = "more than 15 RLE segments needed"
        case badSegmentOffset = "RLE segment offset outside the fragment"
        case segmentTooShort = "RLE segment decodes to fewer bytes than the frame needs"
        case unsupportedBitsAllocated = "RLE needs Bits Allocated of 8, 16, 32 or 64"
        case badGeometry = "rows, columns or samples per pixel not positive"
    }
    public let code: Code
    /// 1-based segment number where it applies (as PS3.5 Annex G counts).
    public let segment: Int?

    public init(_ code: Code, segment: Int? = nil) {
        self.code = code
        self.segment = segment
    }

    public var description: String {
        segment.map { "\(code.rawValue) (segment \($0))" } ?? code.rawValue
    }
}

/// RLE Lossless (1.2.840.10008.1.2.5), PS3.5 Annex G: a 64-byte header of 16 little-endian
/// UInt32 (segment count, then up to 15 segment offsets), then one PackBits segment per byte
/// plane — for each sample, its most significant byte first.
///
/// Both directions use the native little-endian layout with samples interleaved per pixel
/// (Planar Configuration 0), whatever the segments' plane order, so a decoded frame can be
/// handed to the native pixel path with `planarConfiguration = 0`.
public enum RLECodec {
    /// Decodes one frame (all fragments of that frame concatenated).
    public static func decode(
        fragment: UnsafeRawBufferPointer, rows: Int, columns: Int, samplesPerPixel: Int,
        bitsAllocated: Int
    ) throws -> [UInt8] {
        guard rows > 0, columns > 0, samplesPerPixel > 0 else { throw RLEError(.badGeometry) }
        guard [8, 16, 32, 64].contains(bitsAllocated) else {
            throw RLEError(.unsupportedBitsAllocated)
        }
        guard fragment.count >= 64 else { throw RLEError(.headerTooShort) }
        let bytesPerSample = bitsAllocated / 8
        let segmentCount = Int(readUInt32LE(fragment, at: 0))
        let expected = samplesPerPixel * bytesPerSample
        guard expected <= 15 else { throw RLEError(.tooManySegments) }
        guard segmentCount == expected else { throw RLEError(.segmentCountMismatch) }

        var offsets = (0..<segmentCount).map { Int(readUInt32LE(fragment, at: 4 + 4 * $0)) }
        offsets.append(fragment.count)
        let pixels = rows * columns
        let stride = expected
        // PackBits expands at most 128 bytes per 2 input bytes: refuse before allocating a
        // frame that a (corrupt) header claims but the fragment cannot possibly hold.
        guard pixels <= fragment.count * 64 else { throw RLEError(.segmentTooShort, segment: 1) }
        var out = [UInt8](repeating: 0, count: pixels * stride)
        try out.withUnsafeMutableBufferPointer { dst in
            for seg in 0..<segmentCount {
                let start = offsets[seg], end = offsets[seg + 1]
                guard start >= 64, start <= end, end <= fragment.count else {
                    throw RLEError(.badSegmentOffset, segment: seg + 1)
                }
                let sample = seg / bytesPerSample
                // Segments run from most to least significant byte; the output is little endian.
                let byteInSample = bytesPerSample - 1 - seg % bytesPerSample
                let produced = unpackBits(
                    UnsafeRawBufferPointer(rebasing: fragment[start..<end]),
                    into: dst.baseAddress! + sample * bytesPerSample + byteInSample,
                    count: pixels, stride: stride)
                guard produced == pixels else { throw RLEError(.segmentTooShort, segment: seg + 1) }
            }
        }
        return out
    }

    /// Encodes one frame given in native little-endian, Planar Configuration 0 layout. Each row
    /// of each segment is packed separately, as Annex G.3.1 requires, and odd-length segments get
    /// a trailing zero so every segment starts on an even offset.
    public static func encode(
        frame: UnsafeRawBufferPointer, rows: Int, columns: Int, samplesPerPixel: Int,
        bitsAllocated: Int
    ) -> [UInt8] {
        let bytesPerSample = max(1, bitsAllocated / 8)
        let stride = samplesPerPixel * bytesPerSample
        let segmentCount = stride
        precondition(segmentCount <= 15, "RLE allows at most 15 segments")
        precondition(frame.count >= rows * columns * stride, "frame shorter than rows × columns")
        var out = [UInt8](repeating: 0, count: 64)
        out.reserveCapacity(64 + rows * columns * stride * 2)
        var offsets: [Int] = []
        var plane = [UInt8](repeating: 0, count: columns)
        for seg in 0..<segmentCount {
            offsets.append(out.count)
            let sample = seg / bytesPerSample
            let byteInSample = bytesPerSample - 1 - seg % bytesPerSample
            let first = sample * bytesPerSample + byteInSample
            for row in 0..<rows {
                let rowStart = row * columns * stride + first
                for c in 0..<columns { plane[c] = frame[rowStart + c * stride] }
                packBits(plane, into: &out)
            }
            if out.count % 2 == 1 { out.append(0) }
        }
        writeUInt32LE(UInt32(segmentCount), into: &out, at: 0)
        for (i, offset) in offsets.enumerated() {
            writeUInt32LE(UInt32(offset), into: &out, at: 4 + 4 * i)
        }
        return out
    }

    /// PackBits decode of one segment into every `stride`-th byte of `dst`; returns how many
    /// bytes were produced (at most `count`). Stops quietly at the end of the input, since
    /// encoders pad segments with a zero byte that reads as an unfinished literal run.
    static func unpackBits(
        _ src: UnsafeRawBufferPointer, into dst: UnsafeMutablePointer<UInt8>, count: Int,
        stride: Int
    ) -> Int {
        var pos = 0, produced = 0
        let n = src.count
        while produced < count, pos < n {
            let header = Int(Int8(bitPattern: src[pos]))
            pos += 1
            if header >= 0 {
                let run = min(header + 1, n - pos, count - produced)
                for k in 0..<run { dst[(produced + k) * stride] = src[pos + k] }
                produced += run
                pos += header + 1
            } else if header != -128 {
                guard pos < n else { break }
                let value = src[pos]
                pos += 1
                let run = min(1 - header, count - produced)
                for k in 0..<run { dst[(produced + k) * stride] = value }
                produced += run
            }
        }
        return produced
    }

    /// PackBits encode of one row: replicate runs of 2…128 equal bytes, literal runs of up to 128.
    static func packBits(_ row: [UInt8], into out: inout [UInt8]) {
        let n = row.count
        var i = 0
        var literalStart = 0
        func flushLiteral(upTo end: Int) {
            var s = literalStart
            while s < end {
                let len = min(128, end - s)
                out.append(UInt8(len - 1))
                out.append(contentsOf: row[s..<(s + len)])
                s += len
            }
        }
        while i < n {
            var run = 1
            while i + run < n, run < 128, row[i + run] == row[i] { run += 1 }
            if run >= 2 {
                flushLiteral(upTo: i)
                out.append(UInt8(bitPattern: Int8(1 - run)))
                out.append(row[i])
                i += run
                literalStart = i
            } else {
                i += 1
            }
        }
        flushLiteral(upTo: n)
    }

    private static func readUInt32LE(_ b: UnsafeRawBufferPointer, at i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    private static func writeUInt32LE(_ v: UInt32, into out: inout [UInt8], at i: Int) {
        for k in 0..<4 { out[i + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
    }
}
