import Testing
@testable import DICOM

@Test func compressedSyntaxesSayWhatTheyAre() {
    let d = PixelDescription(rows: 2, columns: 2, bitsAllocated: 8)
    let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xD9]
    #expect {
        try bytes.withUnsafeBytes {
            _ = try PixelDecoder.decodeFrame(0, encapsulated: $0, transferSyntaxUID: "1.2.840.10008.1.2.4.50", description: d)
        }
    } throws: { error in
        "\(error)" == "compressed with JPEG Baseline (1.2.840.10008.1.2.4.50), not decoded"
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
