import Foundation
import Testing
import TestSupport

/// `sluice inspect` as a user runs it: output, and exit codes for files it cannot read.
@Suite struct InspectCLITests {
    @Test func dicomJSONModel() throws {
        let dir = try TemporaryDirectory("inspect")
        defer { dir.remove() }
        try Fixtures.write(Fixtures.Study(slices: 1), into: dir.path)
        let r = try Fixtures.sluice(["inspect", dir.file("IM0001.dcm"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: [String: Any]]
        #expect((json?["00100020"]?["Value"] as? [String]) == ["PAT-1"])
        #expect(json?["00100010"]?["vr"] as? String == "PN")
        #expect(((json?["00100010"]?["Value"] as? [[String: String]])?.first?["Alphabetic"]) == "TEST^FIXTURE")
        #expect((json?["00280010"]?["Value"] as? [Int]) == [8], "US as a JSON number")
        #expect(json?["00020010"] == nil, "no group 0002")
    }

    @Test func dicomDumpView() throws {
        let dir = try TemporaryDirectory("inspect")
        defer { dir.remove() }
        try Fixtures.write(Fixtures.Study(slices: 1), into: dir.path)
        let r = try Fixtures.sluice(["inspect", dir.file("IM0001.dcm")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(0010,0020)"))
        #expect(r.stdout.contains("PAT-1"))
    }

    @Test func corruptDICOMExitsOneNamingFileTagAndOffset() throws {
        let dir = try TemporaryDirectory("inspect")
        defer { dir.remove() }
        try Fixtures.write(Fixtures.Study(slices: 1), into: dir.path)
        let good = try Data(contentsOf: URL(fileURLWithPath: dir.file("IM0001.dcm")))
        try good.prefix(good.count - 100).write(to: URL(fileURLWithPath: dir.file("cut.dcm")))
        let r = try Fixtures.sluice(["inspect", dir.file("cut.dcm")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cut.dcm"))
        #expect(r.stderr.contains("offset"))
        #expect(r.stderr.range(of: #"\([0-9A-F]{4},[0-9A-F]{4}\)"#, options: .regularExpression) != nil)
    }

    @Test func hl7FieldPerMessage() throws {
        let dir = try TemporaryDirectory("inspect")
        defer { dir.remove() }
        let studies = [Fixtures.Study(), Fixtures.Study(patientID: "PAT-2", accession: "ACC-2", studyUID: "1.2.3.4")]
        try Fixtures.orders(studies).write(toFile: dir.file("o.hl7"), atomically: true, encoding: .utf8)
        let r = try Fixtures.sluice(["inspect", dir.file("o.hl7"), "--field", "OBR-3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "ACC-1\nACC-2\n")
        let text = try Fixtures.sluice(["inspect", dir.file("o.hl7")])
        #expect(text.status == 0)
        #expect(text.stdout.contains("ORM^O01"))
    }

    @Test func notHL7NorDICOMExitsOne() throws {
        let dir = try TemporaryDirectory("inspect")
        defer { dir.remove() }
        try Data("hello, world\n".utf8).write(to: URL(fileURLWithPath: dir.file("notes.hl7")))
        let r = try Fixtures.sluice(["inspect", dir.file("notes.hl7"), "--field", "PID-3"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("notes.hl7"))
        // Without --field, a file named .hl7 is still judged as HL7, not as a broken DICOM file.
        let plain = try Fixtures.sluice(["inspect", dir.file("notes.hl7")])
        #expect(plain.status == 1)
        #expect(plain.stderr.contains("notes.hl7: not HL7: does not start with an MSH"), "\(plain.stderr)")
        let missing = try Fixtures.sluice(["inspect", dir.file("absent.dcm")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("absent.dcm"))
    }
}
