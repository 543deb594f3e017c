import Foundation
import Samples
import Testing
import TestSupport

/// `sluice run` with the shipped demo model on sample drops: findings reach every report format,
/// each checked by an independent reader, and a model that cannot run stops before any claim.
@Suite(.serialized) struct InferencePipelineTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let allFormats = "[json, csv, pdf, sr, encapsulated-pdf, png, secondary-capture]"

    func pipeline(_ dir: TemporaryDirectory, model: String = repoRoot + "/models/demo.onnx", render: String = allFormats,
                  infer extra: String = "") throws -> String {
        try Fixtures.pipeline(in: dir, render: render, extra: "infer: { model: \(model)\(extra) }")
    }

    /// Every Error line dciodvfy prints for `file` (empty when it passes).
    func dciodvfyErrors(_ file: String) throws -> [String] {
        let r = try runProcess("dciodvfy", ["-new", file])
        return (r.stderr + r.stdout).split(separator: "\n").filter { $0.hasPrefix("Error") }.map(String.init)
    }

    @Test func modelFindingsReachEveryReportFormat() throws {
        let dir = try TemporaryDirectory("infer-e2e")
        defer { dir.remove() }
        let pipeline = try pipeline(dir)
        let made = try Fixtures.sluice(["samples", dir.file("inbox"), "--small", "--marker", "READY"])
        try #require(made.status == 0, "\(made.stderr)")
        let truth = try GroundTruth.load(path: dir.file("ground-truth.json"))
        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")  // bad sample files are quarantined: 1 is fine
        for study in truth.studies { #expect(!run.stderr.contains(study.patientID), "no patient IDs in logs") }

        var withFindings = 0, truePositives = 0
        let outbox = dir.file("outbox/test")
        let batches = try FileManager.default.contentsOfDirectory(atPath: outbox).sorted()
        #expect(batches.count == truth.batches.count)
        for batch in batches {
            let findings = try Fixtures.json("\(outbox)/\(batch)/findings.json")
            #expect(findings["modelName"] as? String == "sluice-demo-nodule", "findings.json names the model")
            for study in findings["studies"] as? [[String: Any]] ?? [] {
                let list = study["findings"] as? [[String: Any]] ?? []
                let key = study["studyKey"] as? String ?? ""
                let folder = "\(outbox)/\(batch)/studies/\(key)"
                let uid = study["studyInstanceUID"] as? String ?? ""
                // The SR exists for every study the model ran on, findings or not.
                let sr = folder + "/report-sr.dcm"
                #expect(FileManager.default.fileExists(atPath: sr), "\(key): no SR")
                let srErrors = try dciodvfyErrors(sr)
                #expect(srErrors.isEmpty, "\(key) SR: \(srErrors)")
                let dump = try runProcess("dsrdump", ["+Pt", "+Pc", sr])
                #expect(dump.status == 0 && !dump.stderr.contains("E:"), "\(key) dsrdump: \(dump.stderr)")
                #expect(try dciodvfyErrors(folder + "/report-pdf.dcm").isEmpty)
                guard !list.isEmpty else {
                    #expect(!FileManager.default.fileExists(atPath: folder + "/key-image.png"), "no key image without a finding")
                    continue
                }
                withFindings += 1
                if truth.studies.first(where: { $0.studyInstanceUID == uid })?.hasFinding == true { truePositives += 1 }
                let f = list[0]
                #expect(f["label"] as? String == "Nodule")
                #expect(["routine", "urgent", "critical"].contains(f["urgency"] as? String ?? ""))
                #expect(f["peakPixel"] != nil, "a finding carries its heatmap peak")
                // highdicom reads the findings back from the SR.
                let hd = try runPython("""
                    import sys, highdicom as hd
                    sr = hd.sr.srread(sys.argv[1])
                    groups = sr.content.get_planar_roi_measurement_groups()
                    print(len(groups))
                    """, [sr])
                #expect(hd.status == 0 && Int(hd.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == list.count, "\(hd.stdout) \(hd.stderr)")
                let png = try runPython("from PIL import Image; import sys; im = Image.open(sys.argv[1]); print(im.mode, im.size[0] > 0)", [folder + "/key-image.png"])
                #expect(png.stdout.hasPrefix("RGB True"), "\(png.stderr)")
                #expect(try dciodvfyErrors(folder + "/heatmap-sc.dcm").isEmpty)
            }
        }
        #expect(withFindings > 0 && truePositives > 0, "the demo model finds some of the sample nodules (\(truePositives) of \(withFindings))")
        // The ledger keeps the findings: status shows them per batch.
        let status = try Fixtures.sluice(["status", pipeline, "--json"])
        #expect(status.status == 0)
    }

    /// The SR's Finding Site is the descriptor's `site` for the label, not a built-in default.
    @Test func srFindingSiteComesFromTheDescriptor() throws {
        let dir = try TemporaryDirectory("infer-site")
        defer { dir.remove() }
        try FileManager.default.copyItem(atPath: Self.repoRoot + "/models/demo.onnx", toPath: dir.file("site.onnx"))
        var descriptor = try String(contentsOfFile: Self.repoRoot + "/models/demo.yaml", encoding: .utf8)
        descriptor = descriptor.replacingOccurrences(of: "model: demo.onnx", with: "model: site.onnx")
            .replacingOccurrences(of: #"site: { code: "39607008", scheme: SCT, meaning: Lung }"#,
                                  with: #"site: { code: "51185008", scheme: SCT, meaning: Thorax }"#)
        #expect(descriptor.contains("Thorax"))
        try descriptor.write(toFile: dir.file("site.yaml"), atomically: true, encoding: .utf8)
        // Thresholds low enough that the study surely has a finding.
        let pipeline = try pipeline(dir, model: dir.file("site.onnx"), render: "[json, sr]",
                                    infer: ", report: 0.000001, urgent: 0.000002, critical: 0.999999")
        try Fixtures.write(Fixtures.Study(), into: dir.file("inbox/site-a"))
        _ = FileManager.default.createFile(atPath: dir.file("inbox/site-a/READY"), contents: Data())
        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let srs = (FileManager.default.enumerator(atPath: dir.file("outbox"))?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix("report-sr.dcm") }
        let sr = try #require(srs.first.map { dir.file("outbox/" + $0) }, "no SR written")
        let dump = try runProcess("dsrdump", ["+Pc", sr])
        #expect(dump.stdout.contains(#"CODE:(363698007,SCT,"Finding Site")=(51185008,SCT,"Thorax")"#), "\(dump.stdout)")
        #expect(!dump.stdout.contains("39607008"), "the built-in Lung default is not used for a label with a site")
    }

    @Test func aModelThatCannotRunStopsBeforeAnyClaim() throws {
        let dir = try TemporaryDirectory("infer-bad-model")
        defer { dir.remove() }
        let script = """
            import sys, onnx
            from onnx import helper as h, TensorProto as T
            g = h.make_graph([h.make_node("Erf", ["image"], ["probability"], name="erf_node")], "g",
                             [h.make_tensor_value_info("image", T.FLOAT, ["N", 1, 8, 8])],
                             [h.make_tensor_value_info("probability", T.FLOAT, ["N", 1, 8, 8])])
            onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), sys.argv[1])
            """
        let made = try runPython(script, [dir.file("bad.onnx")])
        try #require(made.status == 0, "\(made.stderr)")
        var descriptor = try String(contentsOfFile: Self.repoRoot + "/models/demo.yaml", encoding: .utf8)
        descriptor = descriptor.replacingOccurrences(of: "model: demo.onnx", with: "model: bad.onnx")
        try descriptor.write(toFile: dir.file("bad.yaml"), atomically: true, encoding: .utf8)
        let pipeline = try pipeline(dir, model: dir.file("bad.onnx"), render: "[json]")
        try Fixtures.write(Fixtures.Study(), into: dir.file("inbox/site-a"))
        _ = FileManager.default.createFile(atPath: dir.file("inbox/site-a/READY"), contents: Data())

        for command in [["run", pipeline, "--once"], ["check", pipeline]] {
            let r = try Fixtures.sluice(command)
            #expect(r.status == 2, "\(command[0]): \(r.stdout) \(r.stderr)")
            #expect((r.stdout + r.stderr).contains("operator Erf at node 'erf_node' is not supported"), "\(r.stdout) \(r.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: dir.file("inbox/site-a/IM0001.dcm")), "nothing was claimed")
    }

    @Test func findingFormatsWithoutAModelAreAConfigError() throws {
        let dir = try TemporaryDirectory("infer-no-model")
        defer { dir.remove() }
        let noModel = try Fixtures.pipeline(in: dir, render: "[json, sr]")
        let r = try Fixtures.sluice(["check", noModel])
        #expect(r.status == 2)
        #expect(r.stderr.contains("format 'sr' shows a model's findings: add an 'infer' key"), "\(r.stderr)")
        let wrong = try pipeline(dir, model: dir.file("missing.onnx"), render: "[json]")
        let w = try Fixtures.sluice(["check", wrong])
        #expect(w.status == 2)
        #expect(w.stderr.contains("key 'infer.model'") && w.stderr.contains("missing.yaml: cannot read the model descriptor"), "\(w.stderr)")
    }
}
