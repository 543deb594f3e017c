import Foundation
import Testing
import TestSupport
@testable import DICOM

@Suite struct WriterTests {
    @Test func metaHeaderLayout() throws {
        let bytes = try DICOMWriter.encode(Fixtures.ctImage())
        #expect(bytes.count % 2 == 0)
        #expect(Array(bytes[0..<128]) == [UInt8](repeating: 0, count: 128))
        #expect(String(decoding: bytes[128..<132], as: UTF8.self) == "DICM")
        // (0002,0000) UL 4 = length of the rest of the meta group
        #expect(Array(bytes[132..<140]) == [0x02, 0x00, 0x00, 0x00, 0x55, 0x4C, 0x04, 0x00])
        let groupLength = Int(bytes[140]) | Int(bytes[141]) << 8 | Int(bytes[142]) << 16 | Int(bytes[143]) << 24
        let afterMeta = 144 + groupLength
        #expect(bytes[afterMeta] == 0x08 && bytes[afterMeta + 1] == 0x00)  // first body element: group 0008
    }

    @Test func dcmdumpReadsEveryWritableSyntax() throws {
        let dir = try TemporaryDirectory("dicom-writer")
        defer { dir.remove() }
        let syntaxes: [TransferSyntax] = [.explicitVRLittleEndian, .implicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian]
        for ts in syntaxes {
            let path = dir.file("ct-\(ts.uid).dcm")
            try DICOMWriter.write(Fixtures.ctImage(), to: path, transferSyntax: ts)
            let r = try runProcess("dcmdump", ["-q", "+L", path])
            #expect(r.status == 0, "\(ts): \(r.stderr)")
            #expect(r.stdout.contains("(0010,0020) LO [PAT001]"), "\(ts)")
            #expect(r.stdout.contains("(0020,0032) DS [-125.5\\-130.25\\42.125]"), "\(ts)")
            // Without a VR on the wire dcmtk cannot know a private element's VR.
            let privateUS = ts.isExplicitVR ? "(0029,1001) US 7\\8" : "(0029,1001) ?? 07\\00\\08\\00"
            #expect(r.stdout.contains(privateUS), "\(ts)")
            #expect(r.stdout.contains("(0008,0104) LO [Chest]"), "\(ts)")
            #expect(r.stdout.contains("(0002,0010) UI =\(dcmtkName(ts))"), "\(ts)")
        }
    }

    @Test func dcmdumpReadsEncapsulatedFragments() throws {
        let dir = try TemporaryDirectory("dicom-writer")
        defer { dir.remove() }
        var ds = Fixtures.ctImage(rows: 4, columns: 4)
        ds.remove(.pixelData)
        ds.setEncapsulatedPixelData(fragments: [[1, 2, 3], [4, 5, 6, 7]], offsetTable: [0])
        let path = dir.file("rle.dcm")
        try DICOMWriter.write(ds, to: path, transferSyntax: .rleLossless)
        let r = try runProcess("dcmdump", ["-q", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(fffe,e000) pi 00\\00\\00\\00"), "\(r.stdout)")
        #expect(r.stdout.contains("(fffe,e000) pi 01\\02\\03\\00"))
        #expect(r.stdout.contains("(fffe,e000) pi 04\\05\\06\\07"))
        #expect(throws: DICOMWriteError.self) { try DICOMWriter.encode(ds, transferSyntax: .explicitVRLittleEndian) }
    }

    @Test(arguments: [("CT", "CTImage"), ("DX", "DXImageForPresentation")])
    func dciodvfyFindsNoErrors(_ modality: String, _ iod: String) throws {
        let dir = try TemporaryDirectory("dicom-writer")
        defer { dir.remove() }
        let path = dir.file("\(modality).dcm")
        try DICOMWriter.write(modality == "CT" ? Fixtures.ctImage() : Fixtures.dxImage(), to: path)
        let r = try runProcess("dciodvfy", ["-new", path])
        let lines = (r.stderr + r.stdout).split(separator: "\n")
        let errors = lines.filter { $0.hasPrefix("Error") }
        #expect(errors.isEmpty, "\(errors)")
        #expect(lines.contains { $0.contains(iod) }, "\(r.stderr)")
    }

    @Test func uidsAreValidUniqueAndDeterministic() {
        let a = UIDs.make(), b = UIDs.make()
        #expect(a != b)
        #expect(UIDs.isValid(a) && a.hasPrefix("2.25."))
        let d1 = UIDs.derived(from: ["1.2.3", "4.5"], purpose: "sr", version: "1.0")
        let d2 = UIDs.derived(from: ["1.2.3", "4.5"], purpose: "sr", version: "1.0")
        let d3 = UIDs.derived(from: ["1.2.3", "4.5"], purpose: "sr", version: "1.1")
        let d4 = UIDs.derived(from: ["1.2.34", ".5"], purpose: "sr", version: "1.0")
        #expect(d1 == d2 && d1 != d3 && d1 != d4)
        #expect(UIDs.isValid(d1))
        let rooted = UIDs.make(root: "1.2.826.0.1.3680043.10.999.123456789")
        #expect(UIDs.isValid(rooted) && rooted.utf8.count <= 64 && rooted.hasPrefix("1.2.826.0.1.3680043.10.999.123456789."))
        let derivedRooted = UIDs.derived(from: ["x"], purpose: "p", version: "v", root: "1.2.3")
        #expect(UIDs.isValid(derivedRooted) && derivedRooted.utf8.count <= 64)
    }

    @Test func decimalStringsFitDS() {
        for v in [0.1 + 0.2, 1.0 / 3.0, -1234567.891011121314, 1e-20, 120, -1024, 0.48828125] {
            let s = MutableDataSet.decimalString(v)
            #expect(s.utf8.count <= 16, "\(s)")
            #expect(abs(Double(s)! - v) <= abs(v) * 1e-6 + 1e-300, "\(s)")
        }
        #expect(MutableDataSet.decimalString(120) == "120")
    }

    func dcmtkName(_ ts: TransferSyntax) -> String {
        switch ts {
        case .explicitVRLittleEndian: return "LittleEndianExplicit"
        case .implicitVRLittleEndian: return "LittleEndianImplicit"
        case .explicitVRBigEndian: return "BigEndianExplicit"
        case .deflatedExplicitVRLittleEndian: return "DeflatedLittleEndianExplicit"
        default: return ts.uid
        }
    }
}
