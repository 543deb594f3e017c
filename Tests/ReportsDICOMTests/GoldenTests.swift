import Foundation
import Reports
import Testing
import TestSupport

/// Issue 6 item 9: for a fixed input and clock the DICOM outputs are byte-identical from run to
/// run and machine to machine. The SR is kept as `dsrdump` text (reviewable in diffs) plus the
/// SHA-256 of every file. Re-record with SLUICE_RECORD_GOLDEN=1 after an intended change.
@Suite struct GoldenTests {
    static let goldenDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    func outputs(_ src: Fixtures.Source) throws -> [RenderedFile] {
        let study = Fixtures.study(source: src.study)
        let batch = Fixtures.batch([study])
        let key = src.study.instances[1]
        return try SRRenderer().render(study: study, batch: batch)
            + EncapsulatedPDFRenderer(pdfRenderer: FakePDFRenderer()).render(study: study, batch: batch)
            + SecondaryCaptureRenderer { _, _ in (SecondaryCaptureTests.image(), key) }.render(study: study, batch: batch)
    }

    func compare(_ actual: String, golden name: String) throws {
        let path = Self.goldenDir + "/" + name
        if ProcessInfo.processInfo.environment["SLUICE_RECORD_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "\(name) differs; re-record with SLUICE_RECORD_GOLDEN=1 if intended")
    }

    @Test func srDumpMatchesGolden() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let sr = try #require(try outputs(src).first { $0.name.hasSuffix("report-sr.dcm") })
        let r = try runProcess("dsrdump", ["+Pt", "+Pc", "+Pn", try Fixtures.write(sr, in: src.dir)])
        #expect(r.status == 0, "\(r.stderr)")
        try compare(r.stdout, golden: "report-sr.dsrdump.txt")
    }

    @Test func fileHashesMatchGolden() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        var lines: [String] = []
        for file in try outputs(src) {
            let r = try runProcess("sha256sum", [try Fixtures.write(file, in: src.dir)])
            lines.append("\(r.stdout.prefix(64))  \(file.name)")
        }
        try compare(lines.joined(separator: "\n") + "\n", golden: "outputs.sha256")
    }

    /// dcentvfy: the three outputs and the source images agree on patient and study.
    @Test func outputsAreConsistentWithTheSourceImages() throws {
        let src = try Fixtures.source()
        defer { src.dir.remove() }
        let paths = try outputs(src).map { try Fixtures.write($0, in: src.dir) } + src.study.instances.map(\.file)
        let r = try runProcess("dcentvfy", paths)
        let errors = (r.stdout + r.stderr).split(separator: "\n").filter { $0.hasPrefix("Error") }
        #expect(r.status == 0 && errors.isEmpty, "\(r.stdout)\(r.stderr)")
    }
}
