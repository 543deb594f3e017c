import Foundation
import Testing
import TestSupport
@testable import DICOM

struct RLECase {
    let rows: Int, columns: Int, samples: Int, bits: Int
    let frame: [UInt8]
}

private func makeCases(seed: UInt64) -> [RLECase] {
    var rng = SeededRandom(seed: seed)
    var cases: [RLECase] = []
    for (samples, bits) in [(1, 8), (1, 16), (1, 32), (3, 8), (3, 16), (3, 32), (1, 64)] {
        for _ in 0..<4 {
            let rows = Int.random(in: 1...40, using: &rng)
            let columns = Int.random(in: 1...300, using: &rng)
            let frame = rng.runnyBytes(rows * columns * samples * bits / 8)
            cases.append(RLECase(rows: rows, columns: columns, samples: samples, bits: bits, frame: frame))
        }
    }
    return cases
}

private func encode(_ c: RLECase) -> [UInt8] {
    c.frame.withUnsafeBytes {
        RLECodec.encode(frame: $0, rows: c.rows, columns: c.columns, samplesPerPixel: c.samples, bitsAllocated: c.bits)
    }
}

private func decode(_ bytes: [UInt8], _ c: RLECase) throws -> [UInt8] {
    try bytes.withUnsafeBytes {
        try RLECodec.decode(fragment: $0, rows: c.rows, columns: c.columns, samplesPerPixel: c.samples, bitsAllocated: c.bits)
    }
}

@Test func rleRoundTripsRandomFrames() throws {
    for c in makeCases(seed: 7) {
        let encoded = encode(c)
        #expect(encoded.count % 2 == 0)
        #expect(Int(encoded[0]) == c.samples * c.bits / 8)
        #expect(try decode(encoded, c) == c.frame)
    }
}

@Test func rlePackBitsHandlesLongRunsAndLiterals() throws {
    // 300 equal bytes, then 300 distinct-neighbour bytes: both runs must split at 128.
    let row = [UInt8](repeating: 9, count: 300) + (0..<300).map { UInt8($0 % 2 == 0 ? 1 : 2) }
    let c = RLECase(rows: 1, columns: row.count, samples: 1, bits: 8, frame: row)
    let encoded = encode(c)
    #expect(try decode(encoded, c) == row)
    // 300 repeats pack into three replicate runs (128 + 128 + 44) of two bytes each.
    #expect(Array(encoded[64..<70]) == [0x81, 9, 0x81, 9, UInt8(bitPattern: Int8(-43)), 9])
}

@Test func rleRejectsBrokenFragmentsWithoutCrashing() throws {
    let c = RLECase(rows: 4, columns: 5, samples: 1, bits: 16, frame: [UInt8](repeating: 3, count: 40))
    let good = encode(c)
    #expect(throws: RLEError.self) { try decode(Array(good.prefix(40)), c) }           // header cut
    var wrongCount = good; wrongCount[0] = 3
    #expect(throws: RLEError.self) { try decode(wrongCount, c) }
    var badOffset = good; badOffset[8] = 0xFF; badOffset[9] = 0xFF
    #expect(throws: RLEError.self) { try decode(badOffset, c) }
    #expect(throws: RLEError.self) { try decode(Array(good.prefix(66)), c) }          // segment cut
    let rgb = RLECase(rows: 2, columns: 2, samples: 3, bits: 8, frame: [UInt8](repeating: 1, count: 12))
    #expect(throws: RLEError.self) { try decode(good, rgb) }
}

/// pydicom as the independent oracle: it decodes our encoding, and we decode its encoding.
@Test func rleAgreesWithPydicomBothWays() throws {
    let dir = try TemporaryDirectory("rle")
    defer { dir.remove() }
    let cases = makeCases(seed: 11)
    var manifest: [[String: Int]] = []
    for (i, c) in cases.enumerated() {
        try Data(c.frame).write(to: URL(fileURLWithPath: dir.file("raw\(i).bin")))
        try Data(encode(c)).write(to: URL(fileURLWithPath: dir.file("ours\(i).rle")))
        manifest.append(["rows": c.rows, "columns": c.columns, "samples": c.samples, "bits": c.bits])
    }
    try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: dir.file("cases.json")))
    let script = """
    import json, sys, numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import RLELossless, ExplicitVRLittleEndian
    from pydicom.pixels.encoders import RLELosslessEncoder
    d = sys.argv[1]
    cases = json.load(open(d + "/cases.json"))
    bad = 0
    for i, c in enumerate(cases):
        raw = open(f"{d}/raw{i}.bin", "rb").read()
        kw = dict(rows=c["rows"], columns=c["columns"], samples_per_pixel=c["samples"],
                  bits_allocated=c["bits"], bits_stored=c["bits"], pixel_representation=0,
                  photometric_interpretation="RGB" if c["samples"] == 3 else "MONOCHROME2",
                  number_of_frames=1, planar_configuration=0)
        if c["bits"] <= 32:
            ds = Dataset(); ds.file_meta = FileMetaDataset()
            ds.file_meta.TransferSyntaxUID = RLELossless
            ds.Rows, ds.Columns, ds.SamplesPerPixel = c["rows"], c["columns"], c["samples"]
            ds.BitsAllocated = ds.BitsStored = c["bits"]; ds.HighBit = c["bits"] - 1
            ds.PixelRepresentation = 0; ds.PhotometricInterpretation = kw["photometric_interpretation"]
            if c["samples"] == 3: ds.PlanarConfiguration = 0
            ds.PixelData = encapsulate([open(f"{d}/ours{i}.rle", "rb").read()])
            arr = ds.pixel_array
            got = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
            if got != raw:
                bad += 1; print("pydicom decode mismatch", i)
        enc = RLELosslessEncoder.encode(raw, encoding_plugin="pydicom", validate=False, **kw) if c["bits"] <= 32 else b""
        open(f"{d}/pyd{i}.rle", "wb").write(enc)
    print("checked", len(cases), "bad", bad)
    """
    let result = try runPython(script, [dir.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("checked \(cases.count) bad 0"), "\(result.stdout)")
    var checked = 0
    for (i, c) in cases.enumerated() where c.bits <= 32 {
        let theirs = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.file("pyd\(i).rle"))))
        #expect(try decode(theirs, c) == c.frame, "case \(i)")
        checked += 1
    }
    #expect(checked == 24)
}
