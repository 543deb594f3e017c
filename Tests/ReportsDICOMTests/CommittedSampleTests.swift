import Foundation
import Reports
import Testing
import TestSupport

/// The SR, Encapsulated PDF and SC for every folder study of the committed sample drop
/// (DX/CR/CT/MR, MONOCHROME1, implicit VR, RLE), with the ground-truth nodules as findings.
@Suite struct CommittedSampleTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../samples").standardized.path

    struct Nodule { let sop: String; let x: Double; let y: Double }
    struct Study { let key: String; let uid: String; let files: [String]; let nodules: [Nodule] }

    static func studies() throws -> [Study] {
        let data = try Data(contentsOf: URL(fileURLWithPath: samples + "/ground-truth.json"))
        let truth = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let studies = try #require(truth["studies"] as? [[String: Any]])
        return studies.compactMap { s -> Study? in
            guard let batch = s["batch"] as? String, !batch.hasSuffix(".zip"), let files = s["files"] as? [String],
                  let uid = s["study_instance_uid"] as? String, let path = s["path"] as? String else { return nil }
            let nodules = (s["nodules"] as? [[String: Any]] ?? []).compactMap { n -> Nodule? in
                guard let sop = n["sop_instance_uid"] as? String, let x = n["x"] as? Double ?? (n["x"] as? Int).map(Double.init),
                      let y = n["y"] as? Double ?? (n["y"] as? Int).map(Double.init) else { return nil }
                return Nodule(sop: sop, x: x, y: y)
            }
            let key = (batch + "-" + path).replacingOccurrences(of: "/", with: "_")
            return Study(key: key, uid: uid, files: files.map { "\(samples)/inbox/\(batch)/\($0)" }, nodules: nodules)
        }
    }

    @Test func everySampleStudyGivesValidOutputs() throws {
        let studies = try Self.studies()
        #expect(studies.count == 8)
        #expect(studies.contains { !$0.nodules.isEmpty } && studies.contains { $0.files.count > 1 })
        let dir = try TemporaryDirectory("reports-dicom-samples")
        defer { dir.remove() }
        for s in studies {
            let source = try SourceStudy.read(paths: s.files)
            #expect(source.studyInstanceUID == s.uid && source.instances.count == s.files.count)
            // Pixel centre of the ground-truth nodule, in SCOORD image coordinates.
            let findings = s.nodules.map {
                Finding(label: "Nodule", code: "27925004", codingScheme: "SCT", probability: 0.9, urgency: .urgent,
                        sopInstanceUID: $0.sop, peakPixel: [$0.x + 0.5, $0.y + 0.5])
            }
            var study = Fixtures.study(source: source, findings: findings)
            study.studyKey = s.key
            study.studyInstanceUID = s.uid
            let batch = Fixtures.batch([study])
            let key = source.instances[0]
            let files = try SRRenderer().render(study: study, batch: batch)
                + EncapsulatedPDFRenderer(pdfRenderer: FakePDFRenderer()).render(study: study, batch: batch)
                + SecondaryCaptureRenderer { _, _ in (SecondaryCaptureTests.image(), key) }.render(study: study, batch: batch)
            #expect(files.count == 3)
            var paths: [String] = []
            for f in files {
                let path = dir.file(s.key + "-" + (f.name as NSString).lastPathComponent)
                try f.data.write(to: URL(fileURLWithPath: path))
                paths.append(path)
                let v = try Fixtures.dciodvfy(path)
                #expect(v.errors == [], "\(s.key) \(f.name): \(v.errors)")
            }
            let dsr = try runProcess("dsrdump", [paths[0]])
            #expect(dsr.status == 0 && (dsr.stdout + dsr.stderr).split(separator: "\n").filter { $0.hasPrefix("E:") } == [])
            let consistency = try runProcess("dcentvfy", paths + s.files)
            #expect((consistency.stdout + consistency.stderr).split(separator: "\n").filter { $0.hasPrefix("Error") } == [],
                    "\(s.key): \(consistency.stdout)\(consistency.stderr)")
            let hd = try runPython(#"""
import sys, highdicom as hd
c = hd.sr.srread(sys.argv[1]).content
print(";".join("%s %s %s" % (g.roi.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID,
      *[repr(float(v)) for v in g.roi.value.flatten()]) for g in c.get_planar_roi_measurement_groups()))
"""#, [paths[0]])
            let expected = s.nodules.map { "\($0.sop) \($0.x + 0.5) \($0.y + 0.5)" }.joined(separator: ";")
            #expect(hd.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected, "\(s.key): \(hd.stderr)")
        }
    }
}
