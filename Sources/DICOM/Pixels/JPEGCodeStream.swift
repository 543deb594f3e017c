// What the JPEG processes DICOM uses share (ITU T.81): the marker segments (frame, Huffman and
// quantization tables, restart interval, scan), Huffman decoding and the entropy-coded bit
// stream. The DCT processes (JPEGDCTCodec) and the lossless process (JPEGLosslessCodec) are
// built on these. Every length a segment declares is checked against the bytes that remain.

/// A frame header (SOFn).
struct JPEGFrame {
    struct Component {
        var id: UInt8
        var h: Int, v: Int
        var quantTable: Int
    }
    var process: UInt8              // n of SOFn
    var precision: Int
    var height: Int, width: Int
    var components: [Component]
    var hMax: Int { components.map(\.h).max() ?? 1 }
    var vMax: Int { components.map(\.v).max() ?? 1 }
}

/// A scan header (SOS): which components (indexes into the frame's), their tables, and Ss/Se/Ah/Al
/// (for the lossless process Ss is the predictor and Al the point transform).
struct JPEGScan {
    var components: [(index: Int, dc: Int, ac: Int)]
    var ss: Int, se: Int, ah: Int, al: Int
}

/// A Huffman table as decoding wants it: a 9-bit lookahead table for the short codes (length in
/// the high byte, symbol in the low; 0 = longer code), and maxcode/valptr for the rest (F.2.2.3).
struct JPEGHuffmanTable {
    static let lookBits = 9
    var lookup = [UInt16](repeating: 0, count: 1 << lookBits)
    var maxCode = [Int32](repeating: -1, count: 18)
    var valPtr = [Int32](repeating: 0, count: 17)
    var minCode = [Int32](repeating: 0, count: 17)
    var symbols: [UInt8] = []

    init(counts: [Int], symbols: [UInt8]) throws {
        self.symbols = symbols
        var code: Int32 = 0, k: Int32 = 0
        for length in 1...16 {
            let n = Int32(counts[length - 1])
            // Codes of a length must fit in that many bits (a corrupt table could overflow them
            // and index past the lookahead table).
            guard code + n <= (1 << length) else { throw CodecError("invalid Huffman table (too many codes of length \(length))") }
            if n > 0 {
                valPtr[length] = k
                minCode[length] = code
                if length <= Self.lookBits {
                    for i in 0..<Int(n) {
                        let c = Int(code) + i
                        let shift = Self.lookBits - length
                        for fill in 0..<(1 << shift) {
                            lookup[(c << shift) | fill] = UInt16(length << 8) | UInt16(symbols[Int(k) + i])
                        }
                    }
                }
                code += n
                k += n
                maxCode[length] = code - 1
            }
            code <<= 1
        }
        maxCode[17] = Int32.max
    }
}

/// The entropy-coded segment as a bit stream: FF00 is a stuffed FF; any other marker ends the
/// data, after which zeros are read (as libjpeg does), counted so a cut stream is noticed.
struct JPEGBitReader {
    let data: UnsafePointer<UInt8>
    let end: Int
    var position: Int
    var buffer: UInt64 = 0      // next bits, most significant first
    var count = 0
    var atMarker = false
    /// Zero bytes supplied past the data (a few are prefetch; many mean the stream was cut).
    var padding = 0

    init(_ bytes: UnsafeRawBufferPointer, from start: Int) {
        data = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        end = bytes.count
        position = start
    }

    @inline(__always) mutating func fill() {
        while count <= 56 {
            var byte: UInt64 = 0
            if !atMarker && position < end {
                let b = data[position]
                if b == 0xFF {
                    let next = position + 1 < end ? data[position + 1] : 0xD9
                    if next == 0 { position += 2; byte = 0xFF } else { atMarker = true; padding += 1 }
                } else {
                    position += 1
                    byte = UInt64(b)
                }
            } else {
                padding += 1
            }
            buffer |= byte << UInt64(56 - count)
            count += 8
        }
    }

    @inline(__always) mutating func bits(_ n: Int) -> Int {
        if count < n { fill() }
        let v = Int(buffer >> UInt64(64 - n))
        buffer <<= UInt64(n)
        count -= n
        return v
    }

    /// F.2.2.1 EXTEND: an n-bit magnitude category value as a signed difference.
    @inline(__always) mutating func receiveExtend(_ n: Int) -> Int {
        if n == 0 { return 0 }
        let v = bits(n)
        return v < (1 << (n - 1)) ? v - (1 << n) + 1 : v
    }

    @inline(__always) mutating func decode(_ t: borrowing JPEGHuffmanTable) throws -> Int {
        try t.lookup.withUnsafeBufferPointer { try decode(t, lookup: $0.baseAddress!) }
    }

    /// `lookup` is `t.lookup`'s storage, hoisted out of a hot loop.
    @inline(__always) mutating func decode(_ t: borrowing JPEGHuffmanTable, lookup: UnsafePointer<UInt16>) throws -> Int {
        if count < 16 { fill() }
        let entry = lookup[Int(buffer >> UInt64(64 - JPEGHuffmanTable.lookBits))]
        if entry != 0 {
            let length = Int(entry >> 8)
            buffer <<= UInt64(length)
            count -= length
            return Int(entry & 0xFF)
        }
        for length in (JPEGHuffmanTable.lookBits + 1)...16 {
            let code = Int32(truncatingIfNeeded: buffer >> UInt64(64 - length))
            if code <= t.maxCode[length] {
                buffer <<= UInt64(length)
                count -= length
                let i = Int(t.valPtr[length] + code - t.minCode[length])
                guard i >= 0, i < t.symbols.count else { break }
                return Int(t.symbols[i])
            }
        }
        throw CodecError("invalid Huffman code in the entropy-coded data")
    }

    /// At a restart interval's end: drop the bits left and step over the RSTn marker (or, if
    /// it is missing, resynchronise at the next one).
    mutating func restart() throws {
        buffer = 0
        count = 0
        atMarker = false
        var p = position
        while p + 1 < end {
            if data[p] == 0xFF && (0xD0...0xD7).contains(data[p + 1]) {
                position = p + 2
                return
            }
            if data[p] == 0xFF && data[p + 1] != 0 && data[p + 1] != 0xFF { break }
            p += 1
        }
        throw CodecError("restart marker missing")
    }

    /// Fails when the decoder ran on well past the data: the code stream was cut short.
    func checkNotCut() throws {
        if padding > 16 { throw CodecError("entropy-coded data ends before the frame does (code stream cut short)") }
    }
}

/// Reads marker segments up to each scan, keeping the tables they define.
struct JPEGMarkerParser {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    var frame: JPEGFrame?
    var dcTables = [JPEGHuffmanTable?](repeating: nil, count: 4)
    var acTables = [JPEGHuffmanTable?](repeating: nil, count: 4)
    var quantTables = [[Int32]?](repeating: nil, count: 4)
    var restartInterval = 0
    var sawJFIF = false
    /// APP14 Adobe colour transform (0: none/RGB, 1: YCbCr), when present.
    var adobeTransform: Int?

    init(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes = bytes
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw CodecError("no JPEG SOI marker at the start of the frame")
        }
        position = 2
    }

    private func u16(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }

    /// Advances to the next scan, reading the segments before it. Returns nil at EOI or at the
    /// end of the data after at least one scan.
    mutating func nextScan() throws -> (JPEGScan, dataStart: Int)? {
        while true {
            // Find the next marker, stepping over fill bytes (and, leniently, stray data).
            while position < bytes.count && bytes[position] != 0xFF { position += 1 }
            while position < bytes.count && bytes[position] == 0xFF { position += 1 }
            guard position < bytes.count else { return nil }
            let marker = bytes[position]
            position += 1
            switch marker {
            case 0xD9: return nil
            case 0xD0...0xD7, 0x01, 0xD8: continue
            default: break
            }
            guard position + 2 <= bytes.count else { throw CodecError("marker segment cut short") }
            let length = u16(position)
            guard length >= 2, position + length <= bytes.count else {
                throw CodecError("marker segment length \(length) runs past the code stream")
            }
            let start = position + 2, end = position + length
            position = end
            switch marker {
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                try readFrame(marker: marker, start, end)
            case 0xC4: try readHuffman(start, end)
            case 0xDB: try readQuantization(start, end)
            case 0xDD:
                guard end - start >= 2 else { throw CodecError("DRI segment too short") }
                restartInterval = u16(start)
            case 0xDA:
                return (try readScan(start, end), end)
            case 0xE0:
                if end - start >= 5, Array(bytes[start..<(start + 5)]) == [0x4A, 0x46, 0x49, 0x46, 0] { sawJFIF = true }
            case 0xEE:
                if end - start >= 12, Array(bytes[start..<(start + 5)]) == [0x41, 0x64, 0x6F, 0x62, 0x65] {
                    adobeTransform = Int(bytes[start + 11])
                }
            case 0xDC: throw CodecError("DNL marker (height defined after the scan) is not supported")
            default: break  // APPn, COM and others: skipped
            }
        }
    }

    mutating func readFrame(marker: UInt8, _ start: Int, _ end: Int) throws {
        guard frame == nil else { throw CodecError("more than one frame header (hierarchical JPEG is not supported)") }
        guard end - start >= 6 else { throw CodecError("SOF segment too short") }
        let count = Int(bytes[start + 5])
        guard count >= 1, count <= 4, end - start >= 6 + 3 * count else { throw CodecError("SOF segment: \(count) components") }
        var components: [JPEGFrame.Component] = []
        for i in 0..<count {
            let o = start + 6 + 3 * i
            let h = Int(bytes[o + 1] >> 4), v = Int(bytes[o + 1] & 15), tq = Int(bytes[o + 2])
            guard (1...4).contains(h), (1...4).contains(v), tq < 4 else { throw CodecError("SOF segment: bad sampling factors or table") }
            components.append(.init(id: bytes[o], h: h, v: v, quantTable: tq))
        }
        frame = JPEGFrame(process: marker - 0xC0, precision: Int(bytes[start]), height: u16(start + 1),
                          width: u16(start + 3), components: components)
    }

    mutating func readHuffman(_ start: Int, _ end: Int) throws {
        var p = start
        while p < end {
            guard end - p >= 17 else { throw CodecError("DHT segment too short") }
            let tc = Int(bytes[p] >> 4), th = Int(bytes[p] & 15)
            guard tc <= 1, th <= 3 else { throw CodecError("DHT segment: bad table class or id") }
            let counts = (0..<16).map { Int(bytes[p + 1 + $0]) }
            let total = counts.reduce(0, +)
            guard total <= 256, end - p >= 17 + total else { throw CodecError("DHT segment: \(total) symbols do not fit") }
            let symbols = Array(bytes[(p + 17)..<(p + 17 + total)])
            let table = try JPEGHuffmanTable(counts: counts, symbols: symbols)
            if tc == 0 { dcTables[th] = table } else { acTables[th] = table }
            p += 17 + total
        }
    }

    mutating func readQuantization(_ start: Int, _ end: Int) throws {
        var p = start
        while p < end {
            let pq = Int(bytes[p] >> 4), tq = Int(bytes[p] & 15)
            guard pq <= 1, tq <= 3, end - p >= 1 + 64 * (pq + 1) else { throw CodecError("DQT segment too short or bad") }
            var table = [Int32](repeating: 0, count: 64)
            for k in 0..<64 {
                // Stored in zig-zag order; kept in natural order.
                table[JPEGZigZag.natural[k]] = pq == 0 ? Int32(bytes[p + 1 + k]) : Int32(u16(p + 1 + 2 * k))
            }
            quantTables[tq] = table
            p += 1 + 64 * (pq + 1)
        }
    }

    func readScan(_ start: Int, _ end: Int) throws -> JPEGScan {
        guard let frame else { throw CodecError("scan before the frame header") }
        guard end - start >= 1 else { throw CodecError("SOS segment too short") }
        let n = Int(bytes[start])
        guard n >= 1, n <= 4, end - start >= 4 + 2 * n else { throw CodecError("SOS segment: \(n) components") }
        var components: [(index: Int, dc: Int, ac: Int)] = []
        for i in 0..<n {
            let id = bytes[start + 1 + 2 * i], tables = bytes[start + 2 + 2 * i]
            guard let index = frame.components.firstIndex(where: { $0.id == id }) else {
                throw CodecError("scan names a component the frame does not have")
            }
            let dc = Int(tables >> 4), ac = Int(tables & 15)
            guard dc <= 3, ac <= 3 else { throw CodecError("SOS segment: bad table id") }
            components.append((index, dc, ac))
        }
        let o = start + 1 + 2 * n
        return JPEGScan(components: components, ss: Int(bytes[o]), se: Int(bytes[o + 1]),
                        ah: Int(bytes[o + 2] >> 4), al: Int(bytes[o + 2] & 15))
    }

    /// After a scan's entropy-coded data: the position of the next marker that is not RSTn.
    mutating func skipEntropyData(from p: Int) {
        var i = p
        while i + 1 < bytes.count {
            if bytes[i] == 0xFF {
                let m = bytes[i + 1]
                if m != 0 && m != 0xFF && !(0xD0...0xD7).contains(m) { break }
            }
            i += 1
        }
        position = i
    }

    /// Photometric interpretation of 3-component output, as pydicom conforms it to the stream:
    /// component ids R, G, B mean RGB; a JFIF marker means YCbCr.
    func conformedPhotometric(_ pi: String, components: Int) -> String {
        guard components == 3, let frame else { return pi }
        let ids = frame.components.map(\.id)
        if ids == [82, 71, 66] || ids == [114, 103, 98] { return "RGB" }
        if sawJFIF && !pi.hasPrefix("YBR") { return "YBR_FULL" }
        return pi
    }
}

enum JPEGZigZag {
    /// natural[k]: the natural (row-major) index of the k-th coefficient in zig-zag order.
    static let natural: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        // Extra entries so a corrupt run length past 63 lands harmlessly.
        63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    ]
}
