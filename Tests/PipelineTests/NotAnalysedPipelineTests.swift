import Foundation
import Testing
import TestSupport

/// A study whose images the model could not read is never reported as a negative, in any
/// output, when run through `sluice run` as a user would: each format is read back by an
/// independent reader (Python's csv and jsonschema, python-hl7, fhir.resources, dsrdump,
/// dciodvfy, highdicom, pdftotext).
@Suite(.serialized) struct NotAnalysedPipelineTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Rewrites `files` as JPEG Lossless SV1 whose only fragment is not a JPEG code stream: a
    /// compressed file no decoder can read (unlike a real export, it stays unreadable once the
    /// JPEG decoders exist).
    static func makeUnreadable(_ files: [String]) throws {
        let r = try runPython("""
            import sys
            import pydicom
            from pydicom.encaps import encapsulate
            from pydicom.uid import JPEGLosslessSV1
            for path in sys.argv[1:]:
                ds = pydicom.dcmread(path)
                ds.file_meta.TransferSyntaxUID = JPEGLosslessSV1
                ds.PixelData = encapsulate([b"\\xff\\xd8 this is not a JPEG code stream \\x00"])
                ds["PixelData"].VR = "OB"
                ds.save_as(path, enforce_file_format=True)
            """, files)
        try #require(r.status == 0, "\(r.stderr)")
    }

    struct Study {
        let row: [String: String]
        let json: [String: Any]
        let folder: String
    }

    @Test func unreadAndPartlyReadStudiesAreNeverNegative() throws {
        let dir = try TemporaryDirectory("not-analysed")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir, render: "[json, csv, pdf, sr, hl7, fhir]",
                                             extra: "infer: { model: \(Self.repoRoot)/models/demo.onnx }")
        let made = try Fixtures.sluice(["samples", dir.file("samples"), "--small", "--marker", "READY"])
        try #require(made.status == 0, "\(made.stderr)")
        // One batch of the sample drop: STUDY001 (a DX with a nodule) unread, three of
        // STUDY002's twelve CT slices unread, STUDY003 and STUDY004 untouched.
        let batch = dir.file("inbox/site-a")
        try FileManager.default.moveItem(atPath: dir.file("samples/site-a-2025-01-10"), toPath: batch)
        let ct = Fixtures.files(under: batch + "/STUDY002").filter { $0.hasSuffix(".dcm") }.prefix(3).map { batch + "/STUDY002/" + $0 }
        try #require(ct.count == 3)
        try Self.makeUnreadable([batch + "/STUDY001/SERIES001/IMG0001.dcm"] + ct)

        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        let outbox = dir.file("outbox/test")
        let batches = try FileManager.default.contentsOfDirectory(atPath: outbox)
        try #require(batches.count == 1, "\(run.stderr)")
        let out = outbox + "/" + batches[0]

        // findings.csv through Python's csv reader; findings.json against the schema.
        let csv = try runPython("""
            import csv, json, sys
            print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))))
            """, [out + "/findings.csv"])
        try #require(csv.status == 0, "\(csv.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(csv.stdout.utf8)) as? [[String: String]])
        let schema = try runPython("""
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            """, [out + "/findings.json", Self.repoRoot + "/schemas/findings.schema.json"])
        #expect(schema.status == 0, "\(schema.stderr)")
        let findings = try Fixtures.json(out + "/findings.json")
        var studies: [String: Study] = [:]
        for s in findings["studies"] as? [[String: Any]] ?? [] {
            let files = s["files"] as? [String] ?? []
            let name = String(files.first?.prefix { $0 != "/" } ?? "")
            let uid = s["studyInstanceUID"] as? String ?? ""
            studies[name] = Study(row: try #require(rows.first { $0["study_instance_uid"] == uid }), json: s,
                                  folder: out + "/studies/" + (s["studyKey"] as? String ?? ""))
        }
        let unread = try #require(studies["STUDY001"]), partial = try #require(studies["STUDY002"])
        let read = try #require(studies["STUDY003"])

        // The unread DX: not analysed everywhere, its one image named with the reason.
        #expect(unread.row["urgency"] == "not-analysed" && unread.row["analysis"] == "not-analysed")
        #expect(unread.row["not_analysed"] == "1" && !(unread.row["not_analysed_reason"] ?? "").isEmpty)
        let a1 = try #require(unread.json["analysis"] as? [String: Any])
        #expect(a1["status"] as? String == "not-analysed" && a1["analysedImages"] as? Int == 0)
        let u1 = a1["unread"] as? [[String: Any]] ?? []
        #expect(u1.count == 1 && u1.first?["file"] as? String == "STUDY001/SERIES001/IMG0001.dcm", "\(u1)")
        #expect((unread.json["findings"] as? [Any])?.isEmpty == true)

        // The CT with three unread slices: partial, with the three listed.
        let a2 = try #require(partial.json["analysis"] as? [String: Any])
        #expect(a2["status"] as? String == "partial" && a2["analysedImages"] as? Int == 9)
        #expect((a2["unread"] as? [Any])?.count == 3 && partial.row["not_analysed"] == "3")
        if (partial.json["findings"] as? [Any])?.isEmpty == true {
            #expect(partial.row["urgency"] == "not-analysed", "a partial negative is not a negative")
        }
        // The untouched CR is analysed in full.
        #expect(read.row["analysis"] == "complete" && read.row["not_analysed"] == "0")

        for (name, study) in [("unread", unread), ("partial", partial)] {
            try checkClinicalOutputs(study, name: name, partial: name == "partial")
        }

        // The PDFs say a human must read them; the summary counts them.
        let pdf = try runProcess("pdftotext", [unread.folder + "/report.pdf", "-"])
        #expect(pdf.stdout.contains("Not analysed — needs a human read") && !pdf.stdout.contains("No findings."), "\(pdf.stdout)")
        let summary = try runProcess("pdftotext", [out + "/summary.pdf", "-"])
        #expect(summary.stdout.contains("Not analysed — needs a human read") && summary.stdout.contains("not-analysed"))
    }

    /// SR, ORU and FHIR of a study not fully read: no "Clinical finding absent" anywhere, and
    /// each says in its own standard's way that results could not be obtained.
    func checkClinicalOutputs(_ study: Study, name: String, partial: Bool) throws {
        let sr = study.folder + "/report-sr.dcm"
        let verify = try runProcess("dciodvfy", ["-new", sr])
        let errors = (verify.stderr + verify.stdout).split(separator: "\n").filter { $0.hasPrefix("Error") }
        #expect(errors.isEmpty, "\(name) SR: \(errors)")
        let dump = try runProcess("dsrdump", ["+Pt", "+Pc", "+Pl", sr])
        #expect(dump.status == 0 && !dump.stderr.contains("E:"), "\(name) dsrdump: \(dump.stderr)")
        #expect(!dump.stdout.contains("373572006") && !dump.stdout.contains("Clinical finding absent"), "\(name): \(dump.stdout)")
        #expect(dump.stdout.contains("Completion Flag     : PARTIAL") && dump.stdout.contains("Not read: "), "\(name): \(dump.stdout)")
        #expect(dump.stdout.contains(partial ? "Partly analysed, needs a human read" : "Not analysed, needs a human read"))
        // highdicom reads the report and finds no finding group claiming an absent finding.
        let hd = try runPython("""
            import sys, highdicom as hd
            sr = hd.sr.srread(sys.argv[1])
            groups = sr.content.get_image_measurement_groups() + sr.content.get_planar_roi_measurement_groups()
            codes = [g.finding_type.value for g in groups if g.finding_type is not None]
            print(sr.CompletionFlag, "373572006" in codes, any(g.finding_type is None for g in groups))
            """, [sr])
        #expect(hd.status == 0 && hd.stdout.hasPrefix("PARTIAL False True"), "\(hd.stdout) \(hd.stderr)")

        let oru = try runPython("""
            import json, sys, hl7
            m = hl7.parse(open(sys.argv[1], 'rb').read().decode('utf-8'))
            segs = [str(s[0]) for s in m]
            obx = [s for s in m if str(s[0]) == 'OBX']
            x = [s for s in obx if str(s[11]) == 'X']
            after = segs[segs.index('OBX') + [str(s[11]) for s in obx].index('X') + 1] if x else ''
            print(json.dumps({"obr25": str(m.segment('OBR')[25]), "x": len(x), "x_value": str(x[0][5]) if x else None,
                              "nte_after_x": after == 'NTE', "absent": "373572006" in str(m),
                              "notes": [str(s[3]) for s in m if str(s[0]) == 'NTE']}))
            """, [study.folder + "/oru.hl7"])
        try #require(oru.status == 0, "\(oru.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(oru.stdout.utf8)) as? [String: Any])
        #expect(o["obr25"] as? String == (partial ? "A" : "I") && o["x"] as? Int == 1 && o["x_value"] as? String == "", "\(o)")
        #expect(o["nte_after_x"] as? Bool == true && o["absent"] as? Bool == false, "\(o)")
        #expect((o["notes"] as? [String])?.contains { $0.contains("needs a human read") } == true, "\(o)")

        let fhir = try runPython("""
            import json, sys
            from fhir.resources.R4B.bundle import Bundle
            b = Bundle.model_validate_json(open(sys.argv[1], 'rb').read())
            report = [e.resource for e in b.entry if e.resource.get_resource_type() == 'DiagnosticReport'][0]
            absent = [e.resource for e in b.entry if e.resource.get_resource_type() == 'Observation' and e.resource.dataAbsentReason]
            print(json.dumps({"status": report.status, "conclusion": report.conclusion or "",
                              "codes": [c.code for cc in (report.conclusionCode or []) for c in cc.coding],
                              "absent": [(o.status, o.dataAbsentReason.coding[0].code) for o in absent]}))
            """, [study.folder + "/diagnostic-report.json"])
        try #require(fhir.status == 0, "\(fhir.stderr)")
        let f = try #require(try JSONSerialization.jsonObject(with: Data(fhir.stdout.utf8)) as? [String: Any])
        #expect(f["status"] as? String == (partial ? "partial" : "cancelled"), "\(f)")
        #expect((f["codes"] as? [String])?.isEmpty == true && (f["conclusion"] as? String ?? "").contains("needs a human read"), "\(f)")
        let absent = f["absent"] as? [[String]] ?? []
        #expect(absent.count == 1 && absent.first == ["cancelled", "error"], "\(f)")
    }

    /// A model whose output is NaN for every image (0/0 after pooling): a NaN compares false
    /// with every threshold, so without a check it would pass for a negative.
    @Test func aModelOutputThatIsNotANumberIsNotANegative() throws {
        let dir = try TemporaryDirectory("not-analysed-nan")
        defer { dir.remove() }
        let model = try runPython("""
            import sys, onnx
            from onnx import helper, TensorProto
            x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 64, 64])
            y = helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1])
            nodes = [helper.make_node("GlobalAveragePool", ["image"], ["p"]),
                     helper.make_node("Sub", ["p", "p"], ["z"]),
                     helper.make_node("Div", ["z", "z"], ["nan"]),
                     helper.make_node("Flatten", ["nan"], ["probability"])]
            graph = helper.make_graph(nodes, "nan", [x], [y])
            onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
            """, [dir.file("nan.onnx")])
        try #require(model.status == 0, "\(model.stderr)")
        try """
            name: nan-model
            version: "1"
            model: nan.onnx
            input: { name: image, layout: NCHW, channels: 1, height: 64, width: 64 }
            preprocess: { window: file, mean: 0.5, std: 0.25 }
            output: { name: probability, activation: sigmoid }
            heatmap: none
            labels:
              - { name: Nodule, code: "27925004", scheme: SCT, meaning: Nodule, thresholds: { report: 0.5, urgent: 0.7, critical: 0.9 } }
            """.write(toFile: dir.file("nan.yaml"), atomically: true, encoding: .utf8)
        let pipeline = try Fixtures.pipeline(in: dir, render: "[json, csv, hl7]", extra: "infer: { model: \(dir.file("nan.onnx")) }")
        let made = try Fixtures.sluice(["samples", dir.file("samples"), "--small", "--marker", "READY"])
        try #require(made.status == 0, "\(made.stderr)")
        try FileManager.default.moveItem(atPath: dir.file("samples/site-a-2025-01-10"), toPath: dir.file("inbox/site-a"))
        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        let outbox = dir.file("outbox/test")
        let batch = try #require(try FileManager.default.contentsOfDirectory(atPath: outbox).first)
        let findings = try Fixtures.json("\(outbox)/\(batch)/findings.json")
        let studies = findings["studies"] as? [[String: Any]] ?? []
        #expect(studies.count == 4)
        for s in studies {
            let analysis = s["analysis"] as? [String: Any] ?? [:]
            #expect(s["urgency"] as? String == "not-analysed" && analysis["status"] as? String == "not-analysed", "\(s)")
            let reasons = (analysis["unread"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            #expect(!reasons.isEmpty && reasons.allSatisfy { $0.contains("not a finite number") }, "\(reasons)")
            let oru = try String(contentsOfFile: "\(outbox)/\(batch)/studies/\(s["studyKey"] as? String ?? "")/oru.hl7", encoding: .utf8)
            #expect(!oru.contains("373572006") && oru.contains("|X\r"), "\(oru)")
        }
    }
}
