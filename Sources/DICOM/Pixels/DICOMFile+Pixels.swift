extension DICOMFile {
    /// The pixel module attributes of the top-level data set.
    public var pixelDescription: PixelDescription { PixelDescription(dataSet: dataSet) }

    /// Decodes frame `index` (0-based): native data in any non-encapsulated syntax, RLE
    /// Lossless and Encapsulated Uncompressed; other encapsulated syntaxes throw `notDecoded`.
    /// A header asking for more than `limits` is refused before anything is allocated.
    public func decodeFrame(_ index: Int, limits: PixelLimits = .default) throws -> PixelFrame {
        let d = pixelDescription
        do { try d.check(limits) } catch let e as PixelDecodingError { throw PixelDecodingError(e.code, frame: index) }
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
            guard uid == TransferSyntax.rleLossless.uid || uid == TransferSyntax.encapsulatedUncompressed.uid else {
                throw PixelDecodingError(.notDecoded(name: CompressedSyntaxNames.name(uid), uid: uid), frame: index)
            }
            guard index >= 0, index < d.numberOfFrames else {
                throw PixelDecodingError(.frameOutOfRange(count: d.numberOfFrames), frame: index)
            }
            let frameFragments = try FrameFragments.fragments(
                of: index, frames: d.numberOfFrames, offsetTable: offsetTable, fragments: fragments,
                storage: storage, rleSegments: d.samplesPerPixel * max(1, d.bitsAllocated / 8))
            var bytes: [UInt8] = []
            for r in frameFragments { bytes.append(contentsOf: storage.bytes(r)) }
            return try bytes.withUnsafeBytes {
                try PixelDecoder.decodeFrame(index, encapsulated: $0, transferSyntaxUID: uid, description: d)
            }
        }
    }

    /// Frame `index` as an 8-bit grayscale display image (see `PixelDecoder.render8Bit`).
    public func render8Bit(frame index: Int = 0, windowIndex: Int = 0, limits: PixelLimits = .default) throws -> [UInt8] {
        try PixelDecoder.render8Bit(frame: decodeFrame(index, limits: limits), windowIndex: windowIndex)
    }
}

/// Which fragments hold which frame (PS3.5 A.4): by the Basic Offset Table when present, one
/// fragment per frame when the counts agree, else (RLE only) by where an RLE header starts.
enum FrameFragments {
    static func fragments(
        of index: Int, frames: Int, offsetTable: [UInt32], fragments: [Range<Int>], storage: ByteStorage,
        rleSegments: Int
    ) throws -> [Range<Int>] {
        guard !fragments.isEmpty else { throw PixelDecodingError(.truncated(needed: 1, available: 0), frame: index) }
        if frames == 1 { return fragments }
        // Offsets in the table count from the first fragment's item tag, 8 bytes before its value.
        let base = fragments[0].lowerBound - 8
        if offsetTable.count == frames {
            let start = Int(offsetTable[index])
            let end = index + 1 < frames ? Int(offsetTable[index + 1]) : Int.max
            let chosen = fragments.filter { (start..<end).contains($0.lowerBound - 8 - base) }
            if !chosen.isEmpty { return chosen }
        }
        if fragments.count == frames { return [fragments[index]] }
        var starts: [Int] = []
        for (i, f) in fragments.enumerated() where f.count >= 8 {
            let header = storage.bytes(f.lowerBound..<(f.lowerBound + 8))
            if header == [UInt8(truncatingIfNeeded: rleSegments), 0, 0, 0, 64, 0, 0, 0] { starts.append(i) }
        }
        guard index < starts.count else {
            throw PixelDecodingError(.frameOutOfRange(count: starts.count), frame: index)
        }
        let end = index + 1 < starts.count ? starts[index + 1] : fragments.count
        return Array(fragments[starts[index]..<end])
    }
}
