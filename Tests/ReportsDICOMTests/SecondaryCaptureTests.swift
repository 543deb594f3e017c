import DICOM
import Foundation
import Reports
import Testing
import TestSupport

@Suite struct SecondaryCaptureTests {
    /// A synthetic gradient with a red blob, so a converted PNG can be compared pixel by pixel.
    static func image(width: Int = 24, height: Int = 16) -> RGBImage {
        var p: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let blob = (x - 16) * (x - 16) + (y - 6) * (y - 6) < 9
                p += [blob ? 255 : UInt8(x * 10), UInt8(y * 15), blob ? 0 : 128]
            }
        }
        return RGBImage(width: width, height: height, pixels: p)
    }

    func render(_ src: Fixtures.Source) throws -> RenderedFile {
        let study = Fixtures.study(source: src.study)
        let key = src.study.instances[1]
        let renderer = SecondaryCaptureRenderer { _, _ in (Self.image(), key) }
        return try #require(try renderer.render(study: study, batch: Fixtures.batch([study])).first)
    }

    @Test func dciodvfyFindsNoErrors() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let file = try render(src)
        #expect(file.name == "studies/k1/heatmap-sc.dcm")
        let v = try Fixtures.dciodvfy(try Fixtures.write(file, in: src.dir))
        #expect(v.errors == [], "\(v.output)")
        #expect(v.output.contains("SCImage"), "\(v.output)")
    }

    /// dcmj2pnm converts it to PNG, and its raw PPM output holds exactly our pixels.
    @Test func dcmj2pnmConvertsItToTheSamePixels() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let path = try Fixtures.write(try render(src), in: src.dir)
        let png = src.dir.file("sc.png")
        let r = try runProcess("dcmj2pnm", ["--write-png", path, png])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let ppm = src.dir.file("sc.ppm")
        let p = try runProcess("dcmj2pnm", ["--write-raw-pnm", path, ppm])
        #expect(p.status == 0, "\(p.stderr)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ppm)))
        let header = Array("P6\n24 16\n255\n".utf8)
        #expect(Array(bytes.prefix(header.count)) == header)
        #expect(Array(bytes.dropFirst(header.count)) == Self.image().pixels)
    }

    @Test func attributesAndDeterminism() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let file = try render(src)
        #expect(try render(src) == file)
        let path = try Fixtures.write(file, in: src.dir)
        let r = try runPython(#"""
import json, sys, pydicom
d = pydicom.dcmread(sys.argv[1])
print(json.dumps({"type": list(d.ImageType), "conv": d.ConversionType, "pc": d.PlanarConfiguration,
  "bits": [d.BitsAllocated, d.BitsStored, d.HighBit], "pi": d.PhotometricInterpretation,
  "lat": "Laterality" in d and d.Laterality == "", "po": "PatientOrientation" in d,
  "src": [s.ReferencedSOPInstanceUID for s in d.SourceImageSequence], "size": [d.Rows, d.Columns],
  "px": d.pixel_array[6, 16].tolist()}))
"""#, [path])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], "\(r.stderr)")
        #expect(j["type"] as? [String] == ["DERIVED", "SECONDARY"])
        #expect(j["conv"] as? String == "WSD")
        #expect(j["pc"] as? Int == 0)
        #expect(j["bits"] as? [Int] == [8, 8, 7])
        #expect(j["pi"] as? String == "RGB")
        #expect(j["lat"] as? Bool == true && j["po"] as? Bool == true)
        #expect(j["src"] as? [String] == [src.study.instances[1].sopInstanceUID])
        #expect(j["size"] as? [Int] == [16, 24])
        #expect(j["px"] as? [Int] == [255, 90, 0])
    }

    @Test func rejectsWrongPixelCounts() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let study = Fixtures.study(source: src.study)
        #expect(throws: DICOMOutputError(.pixelCountMismatch(expected: 12, actual: 3), studyKey: "k1", output: "Secondary Capture")) {
            try SecondaryCaptureWriter().render(image: RGBImage(width: 2, height: 2, pixels: [1, 2, 3]),
                                                keyImage: src.study.instances[0], study: study, batch: Fixtures.batch([study]))
        }
        #expect(throws: DICOMOutputError(.badImageSize, studyKey: "k1", output: "Secondary Capture")) {
            try SecondaryCaptureWriter().render(image: RGBImage(width: 0, height: 2, pixels: []),
                                                keyImage: src.study.instances[0], study: study, batch: Fixtures.batch([study]))
        }
    }
}
