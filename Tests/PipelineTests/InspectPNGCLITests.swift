import DICOM
import Foundation
import Testing
import TestSupport

/// `sluice inspect FILE --png OUT` / `--png-dir DIR`: the key-image path as a command, checked
/// against dcmtk's `dcmj2pnm --write-png +Wi 1` on the same file (Pillow decodes both).
@Suite struct InspectPNGCLITests {
    /// A 64×48 12-bit CT with rescale and its own window (centre 40, width 400).
    static func ct(at path: String, seed: Int = 0) throws {
        var ds = MutableDataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
        ds.set(.sopInstanceUID, .UI, "1.2.826.0.1.3680043.10.11.\(seed + 1)")
        ds.set(.studyInstanceUID, .UI, "1.2.826.0.1.3680043.10.11.100")
        ds.set(.seriesInstanceUID, .UI, "1.2.826.0.1.3680043.10.11.101")
        ds.set(.modality, .CS, "CT")
        ds.set(.samplesPerPixel, .US, ints: [1])
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.set(.rows, .US, ints: [48])
        ds.set(.columns, .US, ints: [64])
        ds.set(.bitsAllocated, .US, ints: [16])
        ds.set(.bitsStored, .US, ints: [12])
        ds.set(.highBit, .US, ints: [11])
        ds.set(.pixelRepresentation, .US, ints: [0])
        ds.set(.rescaleIntercept, .DS, doubles: [-1024])
        ds.set(.rescaleSlope, .DS, doubles: [1])
        ds.set(.windowCenter, .DS, doubles: [40])
        ds.set(.windowWidth, .DS, doubles: [400])
        var pixels: [Int] = []
        for r in 0..<48 { for c in 0..<64 { pixels.append((r * 37 + c * 11 + seed * 5) % 1400 + 400) } }
        ds.set(.pixelData, .OW, ints: pixels)
        try DICOMWriter.write(ds, to: path)
    }

    /// "mode width height maxdiff distinct" of `ours` against `reference`, read by Pillow.
    static func compare(_ ours: String, _ reference: String) throws -> [String] {
        let r = try runPython("""
            import sys
            from PIL import Image
            a = Image.open(sys.argv[1]); a.load()
            b = Image.open(sys.argv[2]); b.load()
            assert a.size == b.size, (a.size, b.size)
            worst = max(abs(x - y) for x, y in zip(a.tobytes(), b.convert('L').tobytes()))
            print(a.mode, a.size[0], a.size[1], worst, len(set(b.convert('L').tobytes())))
            """, [ours, reference])
        #expect(r.status == 0, "Pillow failed (pip install Pillow): \(r.stderr)")
        return r.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    @Test func pngMatchesDcmj2pnmWithTheFilesWindow() throws {
        #expect(haveProgram("dcmj2pnm"), "dcmj2pnm missing (apt-get install dcmtk)")
        let dir = try TemporaryDirectory("inspect-png")
        defer { dir.remove() }
        try Self.ct(at: dir.file("ct.dcm"))
        let ref = try runProcess("dcmj2pnm", ["--write-png", "+Wi", "1", dir.file("ct.dcm"), dir.file("ref.png")])
        #expect(ref.status == 0, "dcmj2pnm: \(ref.stderr)")
        let r = try Fixtures.sluice(["inspect", dir.file("ct.dcm"), "--png", dir.file("ours.png")])
        #expect(r.status == 0, "\(r.stderr)")
        let c = try Self.compare(dir.file("ours.png"), dir.file("ref.png"))
        #expect(c.count == 5)
        guard c.count == 5 else { return }
        #expect(c[0] == "L" && c[1] == "64" && c[2] == "48", "8-bit gray at full size: \(c)")
        #expect((Int(c[3]) ?? 99) <= 1, "largest difference from dcmj2pnm: \(c[3])")
        #expect((Int(c[4]) ?? 0) > 50, "the window spreads the values (not a flat image)")
    }

    @Test func pngDirConvertsManyFilesInOneProcess() throws {
        let dir = try TemporaryDirectory("inspect-png")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("b"), withIntermediateDirectories: true)
        try Self.ct(at: dir.file("a.dcm"), seed: 1)
        try Self.ct(at: dir.file("b/a.dcm"), seed: 2)
        let r = try Fixtures.sluice(["inspect", dir.file("a.dcm"), dir.file("b/a.dcm"), "--png-dir", dir.file("out"),
                                     "--max-side", "32"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Fixtures.files(under: dir.file("out")) == ["a-2.png", "a.png"], "same names do not overwrite")
        let c = try Self.compare(dir.file("out/a.png"), dir.file("out/a-2.png"))
        #expect(c.count == 5 && c[1] == "32" && c[2] == "24", "shrunk to --max-side: \(c)")

        let usage = try Fixtures.sluice(["inspect", dir.file("a.dcm"), dir.file("b/a.dcm")])
        #expect(usage.status == 2, "several files without --png-dir")
        let frame = try Fixtures.sluice(["inspect", dir.file("a.dcm"), "--png", dir.file("x.png"), "--frame", "3"])
        #expect(frame.status == 2 && frame.stderr.contains("1 frame"), "\(frame.stderr)")
    }
}
