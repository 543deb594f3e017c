import Foundation
import Reports
import Testing
import TestSupport
@testable import Pipeline

/// `infer:` as a list of routes: chest X-rays to one model, head CT to another, anything else
/// reported as "no model for this study" — not analysed, never a negative.
@Suite(.serialized) struct ModelRoutingTests {
    @Test func twoModalitiesGoToTwoModelsAndTheRestToNone() throws {
        let dir = try TemporaryDirectory("model-routing")
        defer { dir.remove() }
        _ = try ResultMessagePipelineTests.writeTinyModel(in: dir, name: "cxr", label: "Pneumothorax", code: "36118008")
        _ = try ResultMessagePipelineTests.writeTinyModel(in: dir, name: "ich", label: "Hemorrhage", code: "50960005")
        let pipeline = try Fixtures.pipeline(in: dir, render: "[json, csv, sr]", extra: """
            infer:
              - match: { modality: [CR, DX] }
                model: cxr.onnx
              - match: { modality: CT, body_part: "/^(HEAD|BRAIN)$/" }
                model: ich.onnx
            """)
        let chest = Fixtures.Study(patientID: "P-CXR", accession: "A-CXR", studyUID: "1.2.826.0.1.3680043.10.2.1", modality: "CR", slices: 1)
        let head = Fixtures.Study(patientID: "P-CT", accession: "A-CT", studyUID: "1.2.826.0.1.3680043.10.2.2", modality: "CT",
                                  slices: 3, bodyPart: "head")
        let abdomen = Fixtures.Study(patientID: "P-ABD", accession: "A-ABD", studyUID: "1.2.826.0.1.3680043.10.2.3", modality: "CT",
                                     slices: 2, bodyPart: "ABDOMEN")
        let drop = dir.file("inbox/mixed")
        for (i, s) in [chest, head, abdomen].enumerated() { try Fixtures.write(s, into: drop + "/s\(i)") }
        _ = FileManager.default.createFile(atPath: drop + "/READY", contents: Data())

        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let batch = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.file("outbox/test")).first)
        let folder = dir.file("outbox/test/\(batch)")
        let studies = try Fixtures.json(folder + "/findings.json")["studies"] as? [[String: Any]] ?? []
        var byAccession: [String: [String: Any]] = [:]
        for s in studies { byAccession[s["accessionNumber"] as! String] = s }

        func labels(_ s: [String: Any]?) -> [String] { (s?["findings"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String } }
        #expect(labels(byAccession["A-CXR"]) == ["Pneumothorax"] && byAccession["A-CXR"]?["modelName"] as? String == "cxr-test-model")
        #expect(labels(byAccession["A-CT"]) == ["Hemorrhage"] && byAccession["A-CT"]?["modelName"] as? String == "ich-test-model",
                "body_part matched case-insensitively by the regular expression")
        let none = try #require(byAccession["A-ABD"])
        #expect(labels(none).isEmpty && none["modelName"] == nil)
        let analysis = none["analysis"] as? [String: Any]
        #expect(analysis?["status"] as? String == "not-analysed")
        #expect((analysis?["note"] as? String)?.hasPrefix("no model for this study") == true, "\(String(describing: analysis))")
        #expect(none["urgency"] as? String != "none", "a study no model read is never a negative")

        // The SR of each analysed study names its own model's finding; none is written for the
        // study no model read (an SR shows findings).
        let srs = Fixtures.files(under: folder).filter { $0.hasSuffix(".dcm") }
        #expect(srs.count == 2, "\(srs)")
        let dump = try runPython("""
            import sys, pydicom
            for p in sys.argv[1:]:
                ds = pydicom.dcmread(p)
                def walk(items):
                    for i in items:
                        if getattr(i, "ValueType", "") == "CODE" and i.ConceptNameCodeSequence[0].CodeMeaning == "Finding":
                            yield i.ConceptCodeSequence[0].CodeMeaning
                        yield from walk(getattr(i, "ContentSequence", []))
                print(ds.AccessionNumber, *walk(ds.ContentSequence))
            """, srs.map { folder + "/" + $0 })
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdout.split(separator: "\n").sorted() == ["A-CT Hemorrhage", "A-CXR Pneumothorax"], "\(dump.stdout)")
    }

    @Test func routesAreCheckedWhenThePipelineLoads() throws {
        let dir = try TemporaryDirectory("model-routing-config")
        defer { dir.remove() }
        _ = try ResultMessagePipelineTests.writeTinyModel(in: dir, name: "cxr", label: "Pneumothorax")
        func error(_ infer: String) throws -> ConfigError? {
            do { _ = try PipelineConfig.load(try Fixtures.pipeline(in: dir, extra: infer)); return nil } catch { return error as? ConfigError }
        }
        let shadowed = try error("infer:\n  - model: cxr.onnx\n  - { match: { modality: CT }, model: cxr.onnx }")
        #expect(shadowed?.key == "infer[1]" && shadowed?.description.contains("put the default last") == true, "\(String(describing: shadowed))")
        #expect(try error("infer:\n  - { match: { modality: CT, label: X }, model: cxr.onnx }")?.key == "infer[0].match.label")
        #expect(try error("infer:\n  - { match: { description: \"/(unclosed/\" }, model: cxr.onnx }")?.description.contains("not a valid regular expression") == true)
        #expect(try error("infer: { match: { modality: CT }, model: cxr.onnx }")?.key == "infer.match", "one model takes every study")
        let c = try PipelineConfig.load(try Fixtures.pipeline(in: dir, extra: "infer:\n  - { match: { modality: [CR, 'D*'] }, model: cxr.onnx }"))
        let match = try #require(c.infer.first?.match)
        #expect(match.matches(StudyFacts([.modality: ["DX"]])) && match.matches(StudyFacts([.modality: ["CT", "cr"]])))
        #expect(!match.matches(StudyFacts([.modality: ["CT"]])) && !match.matches(StudyFacts()))
    }
}
