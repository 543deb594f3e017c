import Foundation
import TestSupport
import Testing
@testable import DICOM

@Test func compressedSyntaxesSayWhatTheyAre() {
    let d = PixelDescription(rows: 2, columns: 2, bitsAllocated: 8)
    let bytes: [UInt8] = [0x00, 0x00, 0x01, 0xB3]
    #expect {
        try bytes.withUnsafeBytes {
            _ = try PixelDecoder.decodeFrame(0, encapsulated: $0, transferSyntaxUID: "1.2.840.10008.1.2.4.100", description: d)
        }
    } throws: { error in
        "\(error)" == "compressed with MPEG2 Main Profile @ Main Level (1.2.840.10008.1.2.4.100), not decoded"
    }
}

/// A code stream the codec refuses names the codec, the frame and why — and no pixel values.
@Test func corruptCodeStreamsNameCodecAndFrame() {
    let d = PixelDescription(rows: 2, columns: 2, bitsAllocated: 8, numberOfFrames: 3)
    let cases: [(TransferSyntax, [UInt8], String)] = [
        (.jpegBaseline, [0xFF, 0xD8, 0xFF, 0xD9], "JPEG (frame 2): no scan in the code stream"),
        (.jpegLosslessSV1, [0x12, 0x34], "JPEG Lossless (frame 2): no JPEG SOI marker at the start of the frame"),
        (.jpeg2000Lossless, [0xFF, 0x4F, 0xFF, 0x51, 0, 0], "JPEG 2000 (frame 2): unreadable JPEG 2000 header"),
        (.jpegLSLossless, [0xFF, 0xD8, 0xFF, 0xD9], "JPEG-LS (frame 2): unreadable JPEG-LS header"),
    ]
    for (syntax, bytes, prefix) in cases {
        #expect {
            try bytes.withUnsafeBytes {
                _ = try PixelDecoder.decodeFrame(2, encapsulated: $0, transferSyntaxUID: syntax.uid, description: d)
            }
        } throws: { error in
            "\(error)".hasPrefix(prefix)
        }
    }
}

@Test func shortOrMissingFramesAreRefusedWithoutValues() {
    let d = PixelDescription(rows: 4, columns: 4, bitsAllocated: 16, numberOfFrames: 2)
    let bytes = [UInt8](repeating: 0x7F, count: 40)          // frame 0 fits (32 bytes), frame 1 does not
    #expect(throws: Never.self) { try bytes.withUnsafeBytes { _ = try PixelDecoder.decodeFrame(0, native: $0, description: d) } }
    #expect {
        try bytes.withUnsafeBytes { _ = try PixelDecoder.decodeFrame(1, native: $0, description: d) }
    } throws: { error in
        "\(error)" == "pixel data too short (frame 1): frame needs 32 bytes, 8 present" && !"\(error)".contains("127")
    }
    #expect(throws: PixelDecodingError.self) { try bytes.withUnsafeBytes { _ = try PixelDecoder.decodeFrame(2, native: $0, description: d) } }
    var bad = d
    bad.bitsStored = 17
    #expect(throws: PixelDecodingError.self) { try bytes.withUnsafeBytes { _ = try PixelDecoder.decodeFrame(0, native: $0, description: bad) } }
}

/// Without a window or VOI LUT the frame's own range maps onto 0…255, MONOCHROME1 inverted.
@Test func renderWithoutWindowUsesFullRange() throws {
    var d = PixelDescription(rows: 1, columns: 3, bitsAllocated: 16, pixelRepresentation: 1)
    let bytes: [UInt8] = [0x18, 0xFC, 0x00, 0x00, 0xE8, 0x03]      // −1000, 0, 1000
    let frame = try bytes.withUnsafeBytes { try PixelDecoder.decodeFrame(0, native: $0, description: d) }
    #expect(frame.samples == [-1000, 0, 1000])
    #expect(try PixelDecoder.render8Bit(frame: frame) == [0, 128, 255])
    d.photometricInterpretation = "MONOCHROME1"
    let inverted = try bytes.withUnsafeBytes { try PixelDecoder.decodeFrame(0, native: $0, description: d) }
    #expect(try PixelDecoder.render8Bit(frame: inverted) == [255, 127, 0])
    #expect(try PixelDecoder.rgb8(frame: inverted) == [255, 255, 255, 127, 127, 127, 0, 0, 0])
}

/// High Bit below Bits Stored − 1 + Bits Allocated: the stored field sits in the middle of
/// the word and neighbouring bits (e.g. overlays) are dropped.
@Test func storedBitsAreTakenAtHighBit() throws {
    let d = PixelDescription(rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 12, highBit: 13, pixelRepresentation: 1)
    // Stored 12 bits at 2…13: all ones → −1; 0x400 under noise in bits 0, 1, 14, 15 → 1024.
    let words: [UInt16] = [0xFFFF, 0xD003]
    let frame = try words.withUnsafeBytes { try PixelDecoder.decodeFrame(0, native: $0, description: d) }
    #expect(frame.samples == [-1, 1024])
}

/// Encapsulated pixel data cut by the end of the file (as pydicom-data's
/// emri_small_jpeg_2k_lossless_too_short.dcm is): the header still reads, the frames before the
/// cut decode, and the frame the file ends in is named.
@Test func pixelDataCutShortKeepsTheHeaderAndNamesTheCutFrame() throws {
    var ds = Fixtures.ctImage(rows: 8, columns: 8)
    ds.set(.numberOfFrames, .IS, ints: [3])
    let frames = (0..<3).map { f in (0..<64).flatMap { p -> [UInt8] in [UInt8(truncatingIfNeeded: p + f), 0] } }
    let fragments = frames.map { frame in
        frame.withUnsafeBytes { RLECodec.encode(frame: $0, rows: 8, columns: 8, samplesPerPixel: 1, bitsAllocated: 16) }
    }
    ds.setEncapsulatedPixelData(fragments: fragments, offsetTable: nil)
    let whole = try DICOMWriter.encode(ds, transferSyntax: .rleLossless)
    // Without the sequence delimiter and the last 10 bytes of frame 2.
    let cut = Array(whole.dropLast(8 + 10))
    let file = try DICOMFile.parse(bytes: cut, name: "cut.dcm")
    #expect(file.dataSet.string(.studyInstanceUID) != nil)
    #expect(file.pixelDataCut != nil)
    for f in 0..<2 { #expect(try file.decodeFrame(f).samples == frames[f].enumerated().compactMap { $0.offset % 2 == 0 ? Int32($0.element) : nil }) }
    #expect { try file.decodeFrame(2) } throws: { "\($0)" == "pixel data cut short (frame 2): the file ends inside this frame" }
    // Only the delimiter missing: every frame is complete, but the last one reaches the end.
    let noDelimiter = try DICOMFile.parse(bytes: Array(whole.dropLast(8)), name: "nodelim.dcm")
    #expect(try noDelimiter.decodeFrame(0).samples.count == 64)
}

/// Validation's walk of encapsulated item headers (pread, fragments unread) sees what a full
/// parse sees: the offset table, every fragment, and a cut at the end of the file.
@Test func walkingFragmentHeadersAgreesWithTheFullParse() throws {
    let dir = try TemporaryDirectory("walk")
    defer { dir.remove() }
    var ds = Fixtures.ctImage(rows: 4, columns: 4)
    ds.set(.numberOfFrames, .IS, ints: [3])
    let fragments: [[UInt8]] = [[1, 2, 3, 4], Array(repeating: 7, count: 5000), [9, 9], [5, 6, 7, 8, 9, 10]]
    ds.setEncapsulatedPixelData(fragments: fragments, offsetTable: [0, 12, 5020])
    let bytes = try DICOMWriter.encode(ds, transferSyntax: .jpegLosslessSV1)
    for (name, data) in [("whole.dcm", bytes), ("cut.dcm", Array(bytes.dropLast(11)))] {
        let path = dir.file(name)
        try Data(data).write(to: URL(fileURLWithPath: path))
        let full = try DICOMFile.open(path: path)
        let walked = try DICOMFile.open(path: path, stopBeforePixels: true).completingPixelData()
        #expect(walked.pixelData == full.pixelData, "\(name)")
        #expect(walked.pixelDataCut == full.pixelDataCut, "\(name)")
    }
}

/// Found by the fuzzer: a DHT segment declaring more codes of a length than that many bits can
/// hold indexed past the lookahead table; it is now a codec error.
@Test func overfullHuffmanTableIsACodecError() {
    var stream: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0, 5]   // 5 codes of length 2
    stream += [UInt8](repeating: 0, count: 14) + [1, 2, 3, 4, 5]
    stream[5] = UInt8(stream.count - 4)
    stream += [0xFF, 0xD9]
    let d = PixelDescription(rows: 8, columns: 8, bitsAllocated: 8)
    #expect {
        try stream.withUnsafeBytes { _ = try PixelDecoder.decodeFrame(0, encapsulated: $0, transferSyntaxUID: TransferSyntax.jpegBaseline.uid, description: d) }
    } throws: { "\($0)".hasPrefix("JPEG (frame 0): invalid Huffman table") }
}
