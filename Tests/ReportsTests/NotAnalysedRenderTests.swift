import Foundation
import Reports
import Testing
import TestSupport

/// Every renderer, for a study the model did not read (in full or in part): none of them may
/// say "no finding" or "Clinical finding absent"; each says in its own format that a human
/// must read it. Independent readers check the files (Python's csv and jsonschema, hl7apy,
/// fhir.resources, pdftotext).
@Suite struct NotAnalysedRenderTests {
    static let jpeg = "compressed with JPEG Lossless SV1 (1.2.840.10008.1.2.4.70), not decoded"
    static let unread = [Analysis.Unread(file: "S1/IMG2.dcm", sopInstanceUID: "1.2.3.4.6", reason: jpeg),
                         Analysis.Unread(file: "S1/IMG3.dcm", frame: 4, sopInstanceUID: "1.2.3.4.7", reason: "pixel data cut short")]

    /// Read in full and negative; read in full and positive; not read; partly read and negative;
    /// partly read and positive.
    static func studies() -> [String: StudyReport] {
        func study(_ key: String, findings: [Finding], _ analysis: Analysis) -> StudyReport {
            var s = ResultFixtures.study(findings: findings)
            s.studyKey = key
            s.analysis = analysis
            return s
        }
        return [
            "negative": study("negative", findings: [], Analysis(analysedImages: 3)),
            "positive": study("positive", findings: ResultFixtures.findings, Analysis(analysedImages: 3)),
            "unread": study("unread", findings: [], Analysis(analysedImages: 0, unread: unread)),
            "partialNegative": study("partialNegative", findings: [], Analysis(analysedImages: 1, unread: unread)),
            "partialPositive": study("partialPositive", findings: ResultFixtures.findings, Analysis(analysedImages: 1, unread: unread)),
        ]
    }

    @Test func onlyAFullyReadStudyWithoutFindingsIsNegative() {
        let s = Self.studies()
        #expect(s["negative"]!.urgency == .none && s["negative"]!.isNegative)
        #expect(s["unread"]!.urgency == .notAnalysed && !s["unread"]!.isNegative)
        #expect(s["partialNegative"]!.urgency == .notAnalysed && !s["partialNegative"]!.isNegative)
        #expect(s["partialPositive"]!.urgency == .critical && s["partialPositive"]!.analysis.status == .partial)
        #expect(Analysis.noModel().status == .notAnalysed)
        #expect(Analysis(analysedImages: 0).status == .notAnalysed, "no image read, none tried: still not analysed")
        #expect(s["partialNegative"]!.analysis.summary == "2 of 3 images not read: \(Self.jpeg); pixel data cut short")
    }

    @Test func csvSaysNotAnalysedWithCountAndReason() throws {
        let s = Self.studies()
        let batch = ResultFixtures.batch(["negative", "unread", "partialNegative", "partialPositive"].map { s[$0]! })
        let dir = try TemporaryDirectory("csv-not-analysed")
        defer { dir.remove() }
        let files = try CSVRenderer().render(batch: batch)
        let path = try ResultFixtures.write(try #require(files.first { $0.name == "findings.csv" }), in: dir)
        let r = try runPython("""
            import csv, sys
            for row in csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')):
                print(row['urgency'], row['analysis'], row['not_analysed'], row['not_analysed_reason'] or '-', sep='|')
            """, [path])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").map(String.init) == [
            "none|complete|0|-",
            "not-analysed|not-analysed|2|\(Self.jpeg);pixel data cut short",
            "not-analysed|partial|2|\(Self.jpeg);pixel data cut short",
            "critical|partial|2|\(Self.jpeg);pixel data cut short",
        ])
        let dictionary = String(decoding: try #require(files.first { $0.name == "findings.dictionary.csv" }).data, as: UTF8.self)
        #expect(dictionary.contains("not_analysed_reason") && dictionary.contains("not-analysed when the model read none"))
    }

    @Test func jsonCarriesTheAnalysisAndMatchesTheSchema() throws {
        let s = Self.studies()
        var batch = ResultFixtures.batch(["negative", "unread", "partialPositive"].enumerated().map { i, key in
            var study = s[key]!
            study.studyKey = "study-00000000000\(i)"  // the schema's key pattern
            return study
        })
        batch.batchID = "20260301-123456-0a1b2c"
        let dir = try TemporaryDirectory("json-not-analysed")
        defer { dir.remove() }
        let path = try ResultFixtures.write(try #require(try JSONRenderer().render(batch: batch).first), in: dir)
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas/findings.schema.json").path
        let r = try runPython("""
            import json, sys, jsonschema
            doc = json.load(open(sys.argv[1]))
            jsonschema.validate(doc, json.load(open(sys.argv[2])))
            print(json.dumps({"byAnalysis": doc["counts"]["byAnalysis"], "byUrgency": doc["counts"]["byUrgency"],
                              "analysis": [s["analysis"] for s in doc["studies"]]}))
            """, [path, schema])
        try #require(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        #expect(doc["byAnalysis"] as? [String: Int] == ["complete": 1, "partial": 1, "not-analysed": 1])
        #expect((doc["byUrgency"] as? [String: Int])?["not-analysed"] == 1)
        let analysis = try #require(doc["analysis"] as? [[String: Any]])
        #expect(analysis.map { $0["status"] as? String } == ["complete", "not-analysed", "partial"])
        let unread = try #require(analysis[1]["unread"] as? [[String: Any]])
        #expect(unread.map { $0["file"] as? String } == ["S1/IMG2.dcm", "S1/IMG3.dcm"])
        #expect(unread[1]["frame"] as? Int == 4 && unread[1]["reason"] as? String == "pixel data cut short")
    }

    /// hl7apy validates the ORU_R01 structure with the NTEs; the Findings row has status X and
    /// no value; OBR-25 says some (A) or no (I) results.
    @Test(arguments: [("unread", "I", 0), ("partialNegative", "A", 0), ("partialPositive", "A", 3)])
    func oruHasAnXRowWithNotesAndNoAbsentCode(key: String, obr25: String, findings: Int) throws {
        let study = Self.studies()[key]!
        let file = try #require(try HL7ORURenderer().render(study: study, batch: ResultFixtures.batch([study])).first)
        let text = String(decoding: file.data, as: UTF8.self)
        #expect(!text.contains("373572006"))
        let dir = try TemporaryDirectory("oru-not-analysed")
        defer { dir.remove() }
        let r = try runPython(#"""
            import sys
            from hl7apy.parser import parse_message
            from hl7apy.consts import VALIDATION_LEVEL
            m = parse_message(open(sys.argv[1], 'rb').read().decode('utf-8'), validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=True)
            m.validate()
            order = m.oru_r01_patient_result.oru_r01_order_observation
            rows = []
            for o in order.oru_r01_observation:
                rows.append("%s:%s:%s:%d" % (o.obx.obx_3.obx_3_1.value, o.obx.obx_5.value or '-', o.obx.obx_11.value, len(o.children) - 1))
            print(order.obr.obr_25.value, " ".join(rows))
            """#, [try ResultFixtures.write(file, in: dir)])
        try #require(r.status == 0, "hl7apy: \(r.stderr)")
        let out = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        #expect(out.first == obr25, "\(r.stdout)")
        // The X row carries one NTE for the headline and one per unread image.
        #expect(out.filter { $0.hasSuffix(":X:3") && $0.hasPrefix("59776-5:-") }.count == 1, "\(r.stdout)")
        #expect(out.filter { $0.hasPrefix("59776-5:") && !$0.contains(":X:") }.count == findings, "\(r.stdout)")
    }

    @Test func fhirReportIsNotFinalAndTheUnreadObservationHasADataAbsentReason() throws {
        let s = Self.studies()
        for (key, status) in [("unread", "cancelled"), ("partialNegative", "partial"), ("partialPositive", "partial"), ("negative", "preliminary")] {
            let study = s[key]!
            let file = try #require(try FHIRRenderer().render(study: study, batch: ResultFixtures.batch([study])).first)
            let dir = try TemporaryDirectory("fhir-not-analysed")
            defer { dir.remove() }
            let r = try runPython(#"""
                import sys, json
                from fhir.resources.R4B.bundle import Bundle
                b = Bundle.model_validate_json(open(sys.argv[1], 'rb').read())
                report = b.entry[0].resource
                absent = [e.resource for e in b.entry if e.resource.get_resource_type() == 'Observation' and e.resource.dataAbsentReason]
                print(json.dumps({"status": report.status, "conclusion": report.conclusion,
                                  "codes": [c.coding[0].code for c in (report.conclusionCode or [])],
                                  "absent": [[o.status, o.dataAbsentReason.coding[0].code, len(o.note or [])] for o in absent]}))
                """#, [try ResultFixtures.write(file, in: dir)])
            try #require(r.status == 0, "fhir.resources: \(r.stderr)")
            let v = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
            #expect(v["status"] as? String == status, "\(key): \(v)")
            if key == "negative" {
                #expect(v["codes"] as? [String] == ["373572006"] && (v["absent"] as? [Any])?.isEmpty == true, "\(v)")
            } else {
                #expect((v["codes"] as? [String])?.isEmpty == true, "\(key): no 'absent' conclusion: \(v)")
                #expect((v["conclusion"] as? String)?.contains("needs a human read") == true, "\(v)")
                #expect((v["absent"] as? [[Any]])?.first?.map { "\($0)" } == ["cancelled", "error", "3"], "\(key): \(v)")
            }
        }
    }

    @Test func pdfsNeedAHumanRead() throws {
        let s = Self.studies()
        let renderer = PDFRenderer()
        for key in ["unread", "partialNegative"] {
            let study = s[key]!
            let text = try PDFText.of(try renderer.render(study: study, batch: ResultFixtures.batch([study]))[0].data)
            #expect(text.contains("Not analysed — needs a human read") && text.contains("NOT-ANALYSED"), "\(key): \(text)")
            #expect(text.contains("S1/IMG3.dcm") && text.contains("pixel data cut short"))
            #expect(!text.contains("No findings."), "\(key)")
        }
        let summary = try PDFText.of(try renderer.render(batch: ResultFixtures.batch(Array(s.values)))[0].data)
        #expect(summary.contains("Not analysed — needs a human read") && summary.contains("not-analysed"))
        #expect(summary.contains("2 of 3 images not read"))
    }

    /// Ledger records written before `analysis` existed still decode for the digests.
    @Test func reportsStoredWithoutAnalysisDecode() throws {
        var json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(ResultFixtures.study())) as? [String: Any])
        json.removeValue(forKey: "analysis")
        json.removeValue(forKey: "keyImage")
        let modelRan = try JSONDecoder().decode(StudyReport.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(modelRan.analysis.status == .complete && modelRan.findings.count == 3)
        json.removeValue(forKey: "modelName")
        json["findings"] = []
        let noModel = try JSONDecoder().decode(StudyReport.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(noModel.analysis.status == .notAnalysed && noModel.urgency == .notAnalysed)
    }
}

/// The text of a PDF as poppler's pdftotext reads it.
enum PDFText {
    static func of(_ data: Data) throws -> String {
        let dir = try TemporaryDirectory("pdftext")
        defer { dir.remove() }
        let path = dir.file("f.pdf")
        try data.write(to: URL(fileURLWithPath: path))
        let r = try runProcess("pdftotext", ["-layout", "-enc", "UTF-8", path, "-"])
        #expect(r.status == 0, "pdftotext: \(r.stderr)")
        return r.stdout
    }
}
