extension DICOMFile {
    /// The pixel module attributes of the top-level data set.
    public var pixelDescription: PixelDescription { PixelDescription(dataSet: dataSet) }

    /// Decodes frame `index` (0-based): native data in any non-encapsulated syntax, Encapsulated
    /// Uncompressed, and every syntax `FrameCodecs` has a codec for; others (MPEG, HEVC, JPEG XL)
    /// throw `notDecoded`.
    /// A header asking for more than `limits` is refused before anything is allocated.
    public func decodeFrame(_ index: Int, limits: PixelLimits = .default) throws -> PixelFrame {
        let d = pixelDescription
        do { try d.check(limits) } catch let e as PixelDecodingError { throw PixelDecodingError(e.code, frame: index) }
        // A header-only parse holds no pixel data: read the file (within the limits) to decode.
        if walkedFragments != nil || skippedPixelData != nil {
            return try DICOMFile.open(path: path, maxBytes: limits.maxFileBytes).decodeFrame(index, limits: limits)
        }
        guard let pixels = pixelData else {
            throw PixelDecodingError(.badAttribute("Pixel Data (7FE0,0010)"), frame: index)
        }
        switch pixels {
        case .native(let range):
            let vr = dataSet.element(.pixelData)?.vr.code ?? "OW"
            return try storage.withBytes(range) {
                try PixelDecoder.decodeFrame(
                    index, native: $0, description: d, bigEndian: !transferSyntax.isLittleEndian, pixelDataVR: vr)
            }
        case .encapsulated(let offsetTable, let fragments):
            let uid = transferSyntax.uid
            guard transferSyntax == .encapsulatedUncompressed || FrameCodecs.codec(for: transferSyntax) != nil else {
                throw PixelDecodingError(.notDecoded(name: CompressedSyntaxNames.name(uid), uid: uid), frame: index)
            }
            guard index >= 0, index < d.numberOfFrames else {
                throw PixelDecodingError(.frameOutOfRange(count: d.numberOfFrames), frame: index)
            }
            let frameFragments = try FrameFragments.fragments(
                of: index, frames: d.numberOfFrames, offsetTable: offsetTable, extended: extendedOffsetTable,
                fragments: fragments, storage: storage, rleSegments: d.samplesPerPixel * max(1, d.bitsAllocated / 8))
            if let cut = pixelDataCut, frameFragments.contains(where: { $0.upperBound >= cut }) || frameFragments.isEmpty {
                throw PixelDecodingError(.cut, frame: index)
            }
            let decode = { (bytes: UnsafeRawBufferPointer) in
                try PixelDecoder.decodeFrame(index, encapsulated: bytes, transferSyntaxUID: uid, description: d)
            }
            // One fragment (the usual case) is decoded where it lies; several are joined first.
            if frameFragments.count == 1 { return try storage.withBytes(frameFragments[0], decode) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(frameFragments.reduce(0) { $0 + $1.count })
            for r in frameFragments { storage.withBytes(r) { bytes.append(contentsOf: $0) } }
            return try bytes.withUnsafeBytes(decode)
        }
    }

    /// The Extended Offset Table (7FE0,0001) with its lengths (7FE0,0002), when both are present
    /// and agree in count: each frame's offset from the first fragment's item tag, and length.
    var extendedOffsetTable: [(offset: UInt64, length: UInt64)]? {
        guard let offsets = dataSet.element(Tag(0x7FE0, 0x0001)), let lengths = dataSet.element(Tag(0x7FE0, 0x0002)),
              offsets.valueRange.count == lengths.valueRange.count, offsets.valueRange.count % 8 == 0,
              !offsets.valueRange.isEmpty else { return nil }
        let little = dataSet.isLittleEndian
        func words(_ e: Element) -> [UInt64] {
            e.withUnsafeBytes { raw in
                (0..<(raw.count / 8)).map { i in
                    let v = raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                    return little ? UInt64(littleEndian: v) : UInt64(bigEndian: v)
                }
            }
        }
        return Array(zip(words(offsets), words(lengths)).map { (offset: $0.0, length: $0.1) })
    }

    /// Frame `index` as an 8-bit grayscale display image (see `PixelDecoder.render8Bit`).
    public func render8Bit(frame index: Int = 0, windowIndex: Int = 0, limits: PixelLimits = .default) throws -> [UInt8] {
        try PixelDecoder.render8Bit(frame: decodeFrame(index, limits: limits), windowIndex: windowIndex)
    }
}

/// Which fragments hold which frame (PS3.5 A.4): by the Extended Offset Table, else the Basic
/// Offset Table, when either has one entry per frame; one fragment per frame when the counts
/// agree; else by where a code stream starts (JPEG and JPEG-LS SOI, JPEG 2000 SOC or JP2
/// signature, an RLE header), as pydicom does for fragments split across frames.
enum FrameFragments {
    static func fragments(
        of index: Int, frames: Int, offsetTable: [UInt32], extended: [(offset: UInt64, length: UInt64)]? = nil,
        fragments: [Range<Int>], storage: ByteStorage, rleSegments: Int
    ) throws -> [Range<Int>] {
        guard !fragments.isEmpty else { throw PixelDecodingError(.truncated(needed: 1, available: 0), frame: index) }
        if frames == 1 { return fragments }
        // Offsets in the tables count from the first fragment's item tag, 8 bytes before its value.
        let base = fragments[0].lowerBound - 8
        if let extended, extended.count == frames {
            let (offset, length) = extended[index]
            if offset <= UInt64(Int.max / 2), length <= UInt64(Int.max / 2) {
                let start = Int(offset), end = start + Int(length)
                let chosen = fragments.filter { (start..<max(start, end)).contains($0.lowerBound - 8 - base) }
                if !chosen.isEmpty { return chosen }
            }
        }
        if offsetTable.count == frames {
            let start = Int(offsetTable[index])
            let end = index + 1 < frames ? Int(offsetTable[index + 1]) : Int.max
            let chosen = fragments.filter { (start..<max(start, end)).contains($0.lowerBound - 8 - base) }
            if !chosen.isEmpty { return chosen }
        }
        if fragments.count == frames { return [fragments[index]] }
        var starts: [Int] = []
        for (i, f) in fragments.enumerated() where f.count >= 4 {
            let head = storage.bytes(f.lowerBound..<(f.lowerBound + min(8, f.count)))
            let jpeg = head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF
            let j2k = head[0] == 0xFF && head[1] == 0x4F && head[2] == 0xFF && head[3] == 0x51
            let jp2 = head.count == 8 && head[0...3] == [0, 0, 0, 0x0C] && head[4...7] == [0x6A, 0x50, 0x20, 0x20]
            let rle = head == [UInt8(truncatingIfNeeded: rleSegments), 0, 0, 0, 64, 0, 0, 0]
            if jpeg || j2k || jp2 || rle { starts.append(i) }
        }
        guard index < starts.count else {
            throw PixelDecodingError(.frameOutOfRange(count: starts.count), frame: index)
        }
        let end = index + 1 < starts.count ? starts[index + 1] : fragments.count
        return Array(fragments[starts[index]..<end])
    }
}
