import Foundation
import Reports
import Testing
import TestSupport
@testable import Pipeline

/// The `hl7` and `fhir` formats in the pipeline file and through `sluice run`, with a tiny
/// model the test builds itself (so it needs no shipped model).
@Suite(.serialized) struct ResultMessagePipelineTests {
    /// A 1×8×8 → GlobalAveragePool → Gemm graph (a CAM head) whose sigmoid output is ≥ 0.98
    /// for any image, so every study gets one Critical "Nodule" with a heatmap peak. `name`,
    /// `label` and `code` make a second model; `probability` fixes the output (weight 0), e.g.
    /// 0.8 for an Urgent finding.
    static func writeTinyModel(in dir: TemporaryDirectory, name: String = "tiny", label: String = "Nodule",
                               code: String = "27925004", probability: Double? = nil) throws -> String {
        let (w, b) = probability.map { (0.0, log($0 / (1 - $0))) } ?? (1.0, 6.0)
        let made = try runPython("""
            import sys, numpy as np, onnx
            from onnx import helper as h, numpy_helper as nh, TensorProto as T
            nodes = [h.make_node("GlobalAveragePool", ["image"], ["pooled"]), h.make_node("Flatten", ["pooled"], ["flat"]),
                     h.make_node("Gemm", ["flat", "W", "B"], ["probability"], transB=1)]
            g = h.make_graph(nodes, "tiny", [h.make_tensor_value_info("image", T.FLOAT, ["N", 1, 8, 8])],
                             [h.make_tensor_value_info("probability", T.FLOAT, ["N", 1])],
                             initializer=[nh.from_array(np.array([[\(w)]], np.float32), "W"), nh.from_array(np.array([\(b)], np.float32), "B")])
            onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), sys.argv[1])
            """, [dir.file("\(name).onnx")])
        try #require(made.status == 0, "onnx (pip install onnx): \(made.stderr)")
        try """
            name: \(name)-test-model
            version: "0.0.1"
            model: \(name).onnx
            input: { name: image, layout: NCHW, channels: 1, height: 8, width: 8 }
            preprocess: { window: file, mean: 0.5, std: 0.25 }
            output: { name: probability, activation: sigmoid }
            heatmap: cam
            labels:
              - name: \(label)
                code: "\(code)"
                scheme: SCT
                meaning: \(label)
                thresholds: { report: 0.5, urgent: 0.7, critical: 0.9 }
            """.write(toFile: dir.file("\(name).yaml"), atomically: true, encoding: .utf8)
        return dir.file("\(name).onnx")
    }

    func load(_ yaml: String, in dir: TemporaryDirectory) throws -> PipelineConfig {
        let path = dir.file("p.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try PipelineConfig.load(path)
    }

    func error(_ yaml: String, in dir: TemporaryDirectory) -> ConfigError? {
        do { _ = try load(yaml, in: dir); return nil } catch { return error as? ConfigError }
    }

    @Test func hl7AndFhirAreFormatsThatNeedAModel() throws {
        let dir = try TemporaryDirectory("config-hl7")
        defer { dir.remove() }
        let model = try Self.writeTinyModel(in: dir)
        let base = "name: x\ninbox: in\noutbox: out\n"
        let c = try load(base + """
            infer: { model: \(model) }
            render: [json, hl7, fhir]
            hl7: { embed_pdf: true, sending_facility: SITE, receiving_application: RIS, receiving_facility: HOSP }
            """, in: dir)
        #expect(c.render == [.json, .hl7, .fhir])
        #expect(c.hl7.embedPDF && c.hl7.sendingFacility == "SITE" && c.hl7.receivingApplication == "RIS" && c.hl7.receivingFacility == "HOSP")
        #expect(try load(base + "infer: { model: \(model) }\nrender: [hl7]\n", in: dir).hl7 == PipelineConfig.HL7(), "embed_pdf is off by default")

        let noModel = error(base + "render: [json, fhir]\n", in: dir)
        #expect(noModel?.key == "render" && noModel?.description.contains("add an 'infer' key") == true, "\(String(describing: noModel))")
        let unused = error(base + "infer: { model: \(model) }\nrender: [json, fhir]\nhl7: { embed_pdf: true }\n", in: dir)
        #expect(unused?.key == "hl7" && unused?.line == 6, "\(String(describing: unused))")
        let typo = error(base + "infer: { model: \(model) }\nrender: [hl7]\nhl7: { embed: true }\n", in: dir)
        #expect(typo?.key == "hl7.embed")
        #expect(error(base + "infer: { model: \(model) }\nrender: [hl7]\nhl7: { embed_pdf: maybe }\n", in: dir)?.key == "hl7.embed_pdf")
    }

    @Test func renderersCarryTheHL7Options() throws {
        var options = PipelineConfig.HL7()
        options.embedPDF = true
        options.receivingApplication = "RIS"
        let renderers = RenderStage.renderers(for: [.hl7, .fhir], hl7: options)
        let oru = try #require(renderers.first as? HL7ORURenderer)
        #expect(oru.pdfRenderer is PDFRenderer && oru.options.receivingApplication == "RIS")
        #expect(renderers.last is FHIRRenderer)
        #expect((RenderStage.renderers(for: [.hl7]).first as? HL7ORURenderer)?.pdfRenderer == nil)
        #expect(RenderStage.needsSource(renderers), "the ORU takes birth date and sex from the source")
        #expect(RenderStage.needsKeyImage(renderers), "the embedded PDF draws the key image")
        #expect(!RenderStage.needsKeyImage(RenderStage.renderers(for: [.hl7, .fhir])))
    }

    /// `sluice run --once` with `render: [json, hl7, fhir]`: every study's ORU and Bundle land in
    /// the outbox, are listed in the manifest and the study's report files, and the independent
    /// readers accept them (python-hl7, hl7apy, fhir.resources).
    @Test func runDeliversAnORUAndABundlePerStudy() throws {
        let dir = try TemporaryDirectory("e2e-hl7-fhir")
        defer { dir.remove() }
        let model = try Self.writeTinyModel(in: dir)
        let studies = [Fixtures.Study(), Fixtures.Study(patientID: "PAT-2", accession: "ACC-2", studyUID: "1.2.826.0.1.3680043.10.1.2", slices: 3)]
        let pipeline = try Fixtures.pipeline(in: dir, render: "[json, hl7, fhir]", extra: """
            infer: { model: \(model) }
            hl7: { embed_pdf: true, receiving_application: RIS }
            """)
        let drop = dir.file("inbox/site-a")
        for (i, s) in studies.enumerated() { try Fixtures.write(s, into: drop + "/study\(i)") }
        try Fixtures.orders(studies).write(toFile: drop + "/orders.hl7", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: drop + "/READY", contents: Data())

        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let batches = try FileManager.default.contentsOfDirectory(atPath: dir.file("outbox/test"))
        try #require(batches.count == 1)
        let folder = dir.file("outbox/test/\(batches[0])")
        let manifest = try Fixtures.json(folder + "/manifest.json")
        let outputs = Set((manifest["outputs"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        let findings = try Fixtures.json(folder + "/findings.json")
        let reported = findings["studies"] as? [[String: Any]] ?? []
        #expect(reported.count == 2)

        var oruFiles: [String] = [], bundleFiles: [String] = []
        for study in reported {
            let key = try #require(study["studyKey"] as? String)
            let oru = "studies/\(key)/oru.hl7", bundle = "studies/\(key)/diagnostic-report.json"
            #expect(outputs.contains(oru) && outputs.contains(bundle), "\(outputs.sorted())")
            #expect((study["reportFiles"] as? [String])?.contains(oru) == true)
            #expect((study["reportFiles"] as? [String])?.contains(bundle) == true)
            #expect((study["findings"] as? [[String: Any]])?.first?["urgency"] as? String == "critical")
            #expect((study["orders"] as? [[String: Any]])?.first?["fillerOrderNumber"] as? String == study["accessionNumber"] as? String)
            oruFiles.append(folder + "/" + oru)
            bundleFiles.append(folder + "/" + bundle)
        }

        let hl7 = try runPython(#"""
            import sys, hl7
            from hl7apy.parser import parse_message
            from hl7apy.consts import VALIDATION_LEVEL
            for path in sys.argv[1:]:
                text = open(path, 'rb').read().decode('utf-8')
                parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=True).validate()
                m = hl7.parse(text)
                flags = [m.extract_field('OBX', i + 1, 8) for i in range(len(m.segments('OBX')))]
                print(m.extract_field('MSH', 1, 5), m.extract_field('PID', 1, 3, 1, 1), m.extract_field('ORC', 1, 2),
                      m.extract_field('OBR', 1, 3), m.extract_field('OBR', 1, 25), flags.count('AA'),
                      m.extract_field('OBX', len(flags), 2), m.extract_field('OBX', len(flags), 5, 1, 3))
            """#, oruFiles)
        #expect(hl7.status == 0, "\(hl7.stderr)")
        #expect(hl7.stdout.split(separator: "\n").sorted() == ["RIS PAT-1 PLC0 ACC-1 P 1 ED PDF", "RIS PAT-2 PLC1 ACC-2 P 1 ED PDF"], "\(hl7.stdout)")

        let fhir = try runPython(#"""
            import sys
            from fhir.resources.R4B.bundle import Bundle
            for path in sys.argv[1:]:
                b = Bundle.model_validate_json(open(path, 'rb').read())
                report, obs = b.entry[0].resource, b.entry[1].resource
                print(report.subject.identifier.value, report.status, len(report.result), obs.code.coding[0].code,
                      obs.interpretation[0].coding[0].code, len(obs.component), b.entry[-1].resource.deviceName[0].name)
            """#, bundleFiles)
        #expect(fhir.status == 0, "\(fhir.stderr)")
        #expect(fhir.stdout.split(separator: "\n").sorted()
                == ["PAT-1 preliminary 1 27925004 AA 3 tiny-test-model", "PAT-2 preliminary 1 27925004 AA 3 tiny-test-model"],
                "\(fhir.stdout)")
        // The ORU travels with the PDF it embeds only inside the message: no report.pdf was asked for.
        #expect(!outputs.contains { $0.hasSuffix("report.pdf") })
    }
}
