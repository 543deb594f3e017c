import Kernels
import Testing
import TestSupport
@testable import DICOM

/// Corrupt input must end in a thrown error or a correctly sized result — never a crash, a
/// hang or an allocation the input cannot justify. Seeded, so a failure replays.
@Test func corruptRLEFragmentsNeverCrash() {
    var rng = SeededRandom(seed: 99)
    for round in 0..<400 {
        let rows = Int.random(in: 1...20, using: &rng), columns = Int.random(in: 1...40, using: &rng)
        let samples = [1, 3].randomElement(using: &rng)!, bits = [8, 16, 32].randomElement(using: &rng)!
        let frame = rng.runnyBytes(rows * columns * samples * bits / 8)
        var bytes = frame.withUnsafeBytes {
            RLECodec.encode(frame: $0, rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bits)
        }
        switch round % 4 {
        case 0: for _ in 0..<5 { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
        case 1: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
        case 2: bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default: bytes += (0..<Int.random(in: 1...50, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        // Lie about the size, too: a huge frame must be refused before it is allocated.
        let (r, c) = round % 9 == 0 ? (65535, 65535) : (rows, columns)
        if let out = try? bytes.withUnsafeBytes({
            try RLECodec.decode(fragment: $0, rows: r, columns: c, samplesPerPixel: samples, bitsAllocated: bits)
        }) {
            #expect(out.count == r * c * samples * bits / 8)
        }
    }
}

@Test func corruptPixelDescriptionsNeverCrash() {
    var rng = SeededRandom(seed: 7)
    var decoded = 0
    for _ in 0..<800 {
        let d = PixelDescription(
            rows: Int.random(in: -2...70, using: &rng), columns: Int.random(in: -2...70, using: &rng),
            samplesPerPixel: Int.random(in: 0...4, using: &rng), bitsAllocated: [0, 1, 8, 12, 16, 32, 64].randomElement(using: &rng)!,
            bitsStored: Int.random(in: -1...40, using: &rng), highBit: Int.random(in: -5...40, using: &rng),
            pixelRepresentation: Int.random(in: 0...1, using: &rng),
            photometricInterpretation: ["MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "PALETTE COLOR", "X"].randomElement(using: &rng)!,
            planarConfiguration: Int.random(in: 0...1, using: &rng),
            numberOfFrames: [1, 2, 3, Int(Int32.max), Int.max / 3].randomElement(using: &rng)!,
            windowCenters: [Double.random(in: -100...100, using: &rng)], windowWidths: [Double.random(in: -10...300, using: &rng)],
            voiLUTFunction: [.linear, .linearExact, .sigmoid].randomElement(using: &rng)!)
        let data = (0..<Int.random(in: 0...20_000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let index = [0, 1, d.numberOfFrames - 1, -1].randomElement(using: &rng)!
        guard let frame = try? data.withUnsafeBytes({ try PixelDecoder.decodeFrame(index, native: $0, description: d) }) else { continue }
        decoded += 1
        #expect(frame.samples.count == d.rows * d.columns * (d.isSubsampled422 ? 3 : d.samplesPerPixel))
        if let gray = try? PixelDecoder.render8Bit(frame: frame) { #expect(gray.count == d.rows * d.columns) }
        if let rgb = try? PixelDecoder.rgb8(frame: frame) { #expect(rgb.count == d.rows * d.columns * 3) }
    }
    #expect(decoded >= 10)     // the generator must also produce decodable descriptions
}

@Test func arbitraryBytesDecodeInEveryCharacterSet() {
    var rng = SeededRandom(seed: 3)
    let sets: [[String]] = [
        [], ["ISO_IR 100"], ["ISO_IR 144"], ["ISO_IR 166"], ["ISO_IR 13"], ["ISO_IR 192"], ["GB18030"], ["GBK"],
        ["", "ISO 2022 IR 87"], ["ISO 2022 IR 13", "ISO 2022 IR 87", "ISO 2022 IR 159"], ["", "ISO 2022 IR 149"],
        ["", "ISO 2022 IR 58"], ["ISO 2022 IR 100", "ISO 2022 IR 126", "ISO 2022 IR 144"], ["nonsense", "ISO 2022 IR 87"],
    ]
    for round in 0..<600 {
        var bytes = (0..<Int.random(in: 0...60, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        // Sprinkle escapes, including cut-off ones at the end.
        for _ in 0..<Int.random(in: 0...3, using: &rng) where !bytes.isEmpty {
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = 0x1B
        }
        let terms = sets[round % sets.count]
        let text = bytes.withUnsafeBytes { SpecificCharacterSet(terms).decode($0, personName: round % 2 == 0) }
        // Every input byte yields at most one character and nothing is lost silently.
        #expect(text.unicodeScalars.count <= max(bytes.count, 1) * 2)
        #expect(bytes.isEmpty == text.isEmpty)
    }
}

/// The header values ExtremeHeaderFuzzTests found trapping (seeds 2 and 3 of 4,000 cases),
/// kept as they were found: each must now end in an error or an image, never a trap.
@Test func headerValuesTheFuzzerFoundNoLongerTrap() throws {
    func file(_ edit: (inout MutableDataSet) -> Void) throws -> DICOMFile {
        var ds = MutableDataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.set(.sopInstanceUID, .UI, "1.2.3.4")
        for (tag, v) in [(Tag.rows, 4), (.columns, 4), (.samplesPerPixel, 1), (.bitsAllocated, 16), (.bitsStored, 16),
                         (.highBit, 15), (.pixelRepresentation, 0)] { ds.set(tag, .US, ints: [v]) }
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.set(.pixelData, .OW, bytes: [UInt8](repeating: 7, count: 32))
        edit(&ds)
        return try DICOMFile.parse(bytes: try DICOMWriter.encode(ds), name: "fuzz")
    }
    // Bits Stored of Int.min (an IS where US belongs) and no High Bit: `bitsStored - 1` overflowed.
    let bits = try file { $0.set(.bitsStored, .IS, "-9223372036854775808"); $0.remove(.highBit) }
    #expect(throws: PixelDecodingError.self) { try bits.decodeFrame(0) }
    // YBR_FULL colour conversion handed fewer samples than three per pixel: indexed past the end.
    let ybr = PixelDescription(rows: 4, columns: 4, samplesPerPixel: 3, bitsAllocated: 8, photometricInterpretation: "YBR_FULL")
    #expect(throws: PixelDecodingError.self) { try ColorConversion.rgb8([Int32](repeating: 9, count: 16), ybr) }
    var palette = ybr
    palette.photometricInterpretation = "PALETTE COLOR"
    #expect(throws: PixelDecodingError.self) { try ColorConversion.rgb8([Int32](repeating: 9, count: 48), palette) }
    // A NaN rescale slope with a VOI LUT: the modality values went through Int64(NaN).
    let nan = try file { ds in
        ds.set(.rescaleSlope, .DS, "NaN"); ds.set(.rescaleIntercept, .DS, "inf")
        var lut = MutableDataSet()
        lut.set(.lutDescriptor, .US, ints: [4, 0, 16]); lut.set(.lutData, .OW, ints: [0, 100, 200, 300])
        ds.set(.voilutSequence, items: [lut])
    }
    #expect(try PixelDecoder.render8Bit(frame: nan.decodeFrame(0)).count == 16)
    #expect(PixelDecoder.clampedInt32(.nan) == 0 && PixelDecoder.clampedInt32(.infinity) == .max && PixelDecoder.clampedInt32(-1e30) == .min)
}
