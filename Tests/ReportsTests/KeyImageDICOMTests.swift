import DICOM
import Foundation
import Reports
import TestSupport
import Testing

/// The whole key-image path (DICOM → window → PNG) against dcmtk's dcmj2pnm on the same file.
@Suite struct KeyImageDICOMTests {
    static func ctFile(rows: Int, columns: Int, at path: String) throws {
        var ds = MutableDataSet()
        ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
        ds.set(.sopInstanceUID, .UI, "1.2.826.0.1.3680043.10.9.1")
        ds.set(.studyInstanceUID, .UI, "1.2.826.0.1.3680043.10.9.2")
        ds.set(.seriesInstanceUID, .UI, "1.2.826.0.1.3680043.10.9.3")
        ds.set(.modality, .CS, "CT")
        ds.set(.samplesPerPixel, .US, ints: [1])
        ds.set(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.set(.rows, .US, ints: [rows])
        ds.set(.columns, .US, ints: [columns])
        ds.set(.bitsAllocated, .US, ints: [16])
        ds.set(.bitsStored, .US, ints: [12])
        ds.set(.highBit, .US, ints: [11])
        ds.set(.pixelRepresentation, .US, ints: [0])
        ds.set(.rescaleIntercept, .DS, doubles: [-1024])
        ds.set(.rescaleSlope, .DS, doubles: [1])
        ds.set(.windowCenter, .DS, doubles: [40])
        ds.set(.windowWidth, .DS, doubles: [400])
        var pixels: [Int] = []
        for r in 0..<rows { for c in 0..<columns { pixels.append((r * 37 + c * 11) % 1400 + 400) } }
        ds.set(.pixelData, .OW, ints: pixels)
        try DICOMWriter.write(ds, to: path)
    }

    @Test func windowedKeyImageMatchesDcmj2pnm() throws {
        #expect(haveProgram("dcmj2pnm"), "dcmj2pnm missing (apt-get install dcmtk)")
        let dir = try TemporaryDirectory("keyimg")
        defer { dir.remove() }
        try Self.ctFile(rows: 48, columns: 64, at: dir.file("ct.dcm"))
        let r = try runProcess("dcmj2pnm", ["--write-png", "+Wi", "1", dir.file("ct.dcm"), dir.file("ref.png")])
        #expect(r.status == 0, "dcmj2pnm: \(r.stderr)")
        let reference = try DecodedPNG.decode(try Data(contentsOf: URL(fileURLWithPath: dir.file("ref.png"))))
        #expect(reference.mode == "L" && reference.width == 64 && reference.height == 48)

        let file = try DICOMFile.open(path: dir.file("ct.dcm"))
        let key = try KeyImage.fromDICOM(file, sopInstanceUID: "1.2.826.0.1.3680043.10.9.1")
        #expect(key.width == 64 && key.height == 48)
        var options = KeyImageRenderer.Options()
        options.maxWidth = 64; options.maxHeight = 64
        let ours = try DecodedPNG.decode(try KeyImageRenderer(options: options).png(key))
        #expect(ours.width == 64 && ours.height == 48)
        var worst = 0
        for i in 0..<(64 * 48) {
            let g = Int(ours.bytes[3 * i])
            #expect(ours.bytes[3 * i + 1] == ours.bytes[3 * i] && ours.bytes[3 * i + 2] == ours.bytes[3 * i])
            worst = max(worst, abs(g - Int(reference.bytes[i])))
        }
        #expect(worst <= 1, "largest difference from dcmj2pnm: \(worst)")
        #expect(Set(reference.bytes).count > 50, "the window spreads the values (not a flat image)")
    }

    @Test func largeImagesAreShrunkToMaxSide() throws {
        let dir = try TemporaryDirectory("keyimg")
        defer { dir.remove() }
        try Self.ctFile(rows: 48, columns: 64, at: dir.file("ct.dcm"))
        let key = try KeyImage.fromDICOM(try DICOMFile.open(path: dir.file("ct.dcm")), maxSide: 16,
                                         peak: PixelPoint(x: 31.5, y: 23.5), sopInstanceUID: "1.2.3")
        #expect(key.width == 16 && key.height == 12 && key.pixels.count == 192)
        // The centre of the 64×48 frame stays the centre of the 16×12 picture.
        #expect(key.peak == PixelPoint(x: 7.5, y: 5.5))
    }
}
