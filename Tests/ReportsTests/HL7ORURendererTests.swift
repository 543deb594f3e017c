import Foundation
import HL7
import Reports
import Testing
import TestSupport

/// The ORU is read back by python-hl7 and hl7apy (independent parsers) and by our own parser,
/// and kept as a golden file.
@Suite struct HL7ORURendererTests {
    func render(_ study: StudyReport = ResultFixtures.study(), run: Int = 1,
                renderer: HL7ORURenderer = HL7ORURenderer()) throws -> RenderedFile {
        let files = try renderer.render(study: study, batch: ResultFixtures.batch([study], run: run))
        #expect(files.count == 1)
        return try #require(files.first)
    }

    func segments(_ file: RenderedFile) -> [String] {
        String(decoding: file.data, as: UTF8.self).split(separator: "\r").map(String.init)
    }

    @Test func oneMessagePerStudyTheModelRanOn() throws {
        let study = ResultFixtures.study()
        let batch = ResultFixtures.batch([study])
        let file = try render(study)
        #expect(file.name == "studies/k1/oru.hl7")
        #expect(HL7ORURenderer().studyFileNames(study, batch: batch) == [file.name])
        #expect(String(decoding: file.data, as: UTF8.self).hasSuffix("\r"), "CR-terminated segments")

        let noModel = ResultFixtures.study(findings: [], modelName: nil, modelVersion: nil)
        #expect(try HL7ORURenderer().render(study: noModel, batch: batch).isEmpty)
        #expect(HL7ORURenderer().studyFileNames(noModel, batch: batch).isEmpty)
        #expect(try HL7ORURenderer().render(batch: batch).isEmpty, "nothing per batch")
    }

    @Test func layoutFollowsTheReferenceMessage() throws {
        var options = HL7ORURenderer.Options()
        options.sendingFacility = "SITE"; options.receivingApplication = "RIS"; options.receivingFacility = "HOSP"
        let lines = segments(try render(renderer: HL7ORURenderer(options: options)))
        let id = HL7ORURenderer.controlID(batch: ResultFixtures.batch([ResultFixtures.study()]), study: ResultFixtures.study())
        #expect(lines[0] == "MSH|^~\\&|SLUICE|SITE|RIS|HOSP|20260301123456+0000||ORU^R01^ORU_R01|\(id)|P|2.5.1|||AL|NE||UNICODE UTF-8")
        #expect(lines[1] == "PID|1||PID-001^^^HOSP^MR||Müller^Zoë||19700101|F")
        #expect(lines[2] == "ORC|RE|PLC-9|ACC-001||CM")
        #expect(lines[3] == "OBR|1|PLC-9|ACC-001|18748-4^Diagnostic Imaging Report^LN|||20260301101500|||||||||||||||20260301123456+0000||RAD|P")
        #expect(Array(lines[4...]) == [
            "OBX|1|CE|59776-5^Findings^LN|1|27925004^Nodule^SCT||||||P",
            "OBX|2|NM|111012^Certainty of Finding^DCM|1|0.93|1^no units^UCUM||A|||P",
            "OBX|3|CE|260870009^Priority^SCT|1|25876001^Emergency^SCT|||AA|||P",
            "OBX|4|CE|59776-5^Findings^LN|2|60046008^Pleural effusion^SCT||||||P",
            "OBX|5|NM|111012^Certainty of Finding^DCM|2|0.71|1^no units^UCUM||A|||P",
            "OBX|6|CE|260870009^Priority^SCT|2|103391001^Urgent^SCT|||A|||P",
            "OBX|7|CE|59776-5^Findings^LN|3|opacity \\F\\ left \\S\\ upper \\R\\ 2 \\E\\ 3 \\T\\ co^opacity \\F\\ left \\S\\ upper \\R\\ 2 \\E\\ 3 \\T\\ co^99SLUICE||||||P",
            "OBX|8|NM|111012^Certainty of Finding^DCM|3|0.5|1^no units^UCUM||A|||P",
            "OBX|9|CE|260870009^Priority^SCT|3|373115008^Routine^SCT||||||P",
            "OBX|10|ST|110180^Study Instance UID^DCM||\(ResultFixtures.study().studyInstanceUID)||||||P",
            "OBX|11|ST|111001^Algorithm Name^DCM||demo-cxr||||||P",
            "OBX|12|ST|111003^Algorithm Version^DCM||1.2.0||||||P",
        ])
    }

    @Test func ordersAndPatientComeFromTheLinkedOrderOrTheStudy() throws {
        // No order: the accession number is the filler number, there is no placer number.
        let unordered = segments(try render(ResultFixtures.study(orders: [])))
        #expect(unordered[2] == "ORC|RE||ACC-001||CM")
        #expect(unordered[3].hasPrefix("OBR|1||ACC-001|"))
        // A patient-level ADT names no order.
        let adtOnly = segments(try render(ResultFixtures.study(orders: [ResultFixtures.linkedOrders[0]])))
        #expect(adtOnly[2] == "ORC|RE||ACC-001||CM")
        // An order linked by placer number only: its placer, and the study's accession as filler.
        let placerOnly = OrderSummary(file: "o.hl7", messageIndex: 0, messageType: "ORM^O01", accessionNumber: "PLC-3",
                                      placerOrderNumber: "PLC-3", studyInstanceUID: nil, linkedBy: "placer-order-number")
        #expect(segments(try render(ResultFixtures.study(orders: [placerOnly])))[2] == "ORC|RE|PLC-3|ACC-001||CM")
        // No name (de-identified drop): PID-5 is required, so it says the name type is
        // unspecified; plain ASCII needs no MSH-18.
        let anonymous = segments(try render(ResultFixtures.study(patientName: nil)))
        #expect(anonymous[1] == "PID|1||PID-001^^^HOSP^MR||^^^^^^U||19700101|F")
        #expect(anonymous[0].hasSuffix("|P|2.5.1|||AL|NE"))
    }

    @Test func aModelThatFoundNothingSaysSo() throws {
        let lines = segments(try render(ResultFixtures.study(findings: [])))
        #expect(lines[4] == "OBX|1|CE|59776-5^Findings^LN|1|373572006^Clinical finding absent^SCT||||||P")
        #expect(lines.count == 8)
        #expect(!lines.contains { $0.contains("|AA|") })
    }

    /// MSH-10: ≤ 20 characters, the same for the same batch, run and study; a rerun keeps the
    /// prefix and changes the run suffix; another study or batch changes the prefix.
    @Test func controlIDsAreDerivedAndTraceable() throws {
        let a = ResultFixtures.study(), b = Fixtures.study(key: "k2")
        let run1 = ResultFixtures.batch([a, b], run: 1), run2 = ResultFixtures.batch([a, b], run: 2)
        let id1 = HL7ORURenderer.controlID(batch: run1, study: a)
        #expect(id1 == HL7ORURenderer.controlID(batch: run1, study: a))
        #expect(id1.count == 20 && id1.hasSuffix("R1"))
        let id2 = HL7ORURenderer.controlID(batch: run2, study: a)
        #expect(id2.hasSuffix("R2") && id2.dropLast(2) == id1.dropLast(2))
        #expect(HL7ORURenderer.controlID(batch: run1, study: b).prefix(18) != id1.prefix(18))
        var other = run1
        other.batchID = "B-20260301-0002"
        #expect(HL7ORURenderer.controlID(batch: other, study: a).prefix(18) != id1.prefix(18))
        var late = run1
        late.run = 12345
        #expect(HL7ORURenderer.controlID(batch: late, study: a).count == 20)
    }

    @Test func pythonHL7ReadsTheFieldsBack() throws {
        let dir = try TemporaryDirectory("oru-python-hl7")
        defer { dir.remove() }
        let path = try ResultFixtures.write(try render(), in: dir)
        let r = try runPython(#"""
            import sys, json, hl7
            text = open(sys.argv[1], 'rb').read().decode('utf-8')
            m = hl7.parse(text)
            obx = m.segments('OBX')
            def component(i, field, c):
                # python-hl7 raises when a path goes below a field that has no components.
                try:
                    return m.extract_field('OBX', i, field, 1, c)
                except IndexError:
                    return m.extract_field('OBX', i, field) if c == 1 else ''

            out = {
                "type": str(m.segment('MSH')[9]), "control": str(m.segment('MSH')[10]),
                "pid3": [m.extract_field('PID', 1, 3, 1, 1), m.extract_field('PID', 1, 3, 1, 4), m.extract_field('PID', 1, 3, 1, 5)],
                "name": [m.extract_field('PID', 1, 5, 1, 1), m.extract_field('PID', 1, 5, 1, 2)],
                "placer": m.extract_field('OBR', 1, 2), "filler": m.extract_field('OBR', 1, 3),
                "obr25": m.extract_field('OBR', 1, 25), "count": len(obx),
                "rows": [[m.extract_field('OBX', i + 1, 2), m.extract_field('OBX', i + 1, 3, 1, 1), m.extract_field('OBX', i + 1, 4),
                          component(i + 1, 5, 1), component(i + 1, 5, 3),
                          m.extract_field('OBX', i + 1, 8), m.extract_field('OBX', i + 1, 11)] for i in range(len(obx))],
            }
            print(json.dumps(out))
            """#, [path])
        try #require(r.status == 0, "python-hl7 failed (pip install hl7): \(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        #expect(doc["type"] as? String == "ORU^R01^ORU_R01")
        #expect(doc["control"] as? String == HL7ORURenderer.controlID(batch: ResultFixtures.batch([ResultFixtures.study()]),
                                                                        study: ResultFixtures.study()))
        #expect(doc["pid3"] as? [String] == ["PID-001", "HOSP", "MR"])
        #expect(doc["name"] as? [String] == ["Müller", "Zoë"])
        #expect(doc["placer"] as? String == "PLC-9" && doc["filler"] as? String == "ACC-001")
        #expect(doc["obr25"] as? String == "P")
        #expect(doc["count"] as? Int == 12)
        let rows = try #require(doc["rows"] as? [[String]])
        #expect(rows[0] == ["CE", "59776-5", "1", "27925004", "SCT", "", "P"])
        #expect(rows[1] == ["NM", "111012", "1", "0.93", "", "A", "P"])
        #expect(rows[2] == ["CE", "260870009", "1", "25876001", "SCT", "AA", "P"], "Critical is flagged AA")
        #expect(rows[5] == ["CE", "260870009", "2", "103391001", "SCT", "A", "P"])
        #expect(rows[6] == ["CE", "59776-5", "3", ResultFixtures.awkwardLabel, "99SLUICE", "", "P"], "delimiters in free text are escaped")
        #expect(rows[8] == ["CE", "260870009", "3", "373115008", "SCT", "", "P"])
        #expect(rows[9] == ["ST", "110180", "", ResultFixtures.study().studyInstanceUID, "", "", "P"])
        #expect(rows.filter { $0[5] == "AA" }.count == 1)
    }

    /// hl7apy finds the ORU_R01 groups and validates the structure, with and without the PDF
    /// (TOLERANT: STRICT refuses long ED values).
    @Test(arguments: [(false, "Müller^Zoë"), (true, "Müller^Zoë"), (false, nil)])
    func hl7apyValidates(embedPDF: Bool, patientName: String?) throws {
        let dir = try TemporaryDirectory("oru-hl7apy")
        defer { dir.remove() }
        let renderer = HL7ORURenderer(embeddingPDFFrom: embedPDF ? PDFRenderer() : nil)
        let path = try ResultFixtures.write(try render(ResultFixtures.study(patientName: patientName), renderer: renderer), in: dir)
        let r = try runPython(#"""
            import sys
            from hl7apy.parser import parse_message
            from hl7apy.consts import VALIDATION_LEVEL
            text = open(sys.argv[1], 'rb').read().decode('utf-8')
            m = parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=True)
            m.validate()
            result = m.oru_r01_patient_result
            order = result.oru_r01_order_observation
            obs = order.oru_r01_observation
            print(m.msh.msh_9.value, result.oru_r01_patient.pid.pid_3.value, order.obr.obr_25.value, len(obs),
                  obs[2].obx.obx_8.value, obs[-1].obx.obx_2.value)
            """#, [path])
        #expect(r.status == 0, "hl7apy: \(r.stderr)")
        let last = embedPDF ? "ED" : "ST"
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                == "ORU^R01^ORU_R01 PID-001^^^HOSP^MR P \(embedPDF ? 13 : 12) AA \(last)", "\(r.stdout)")
    }

    /// Our own parser gets every value back, and the ED row carries the PDF byte for byte.
    @Test func ourParserReadsItBackIdentically() throws {
        let pdf = PDFRenderer()
        let study = ResultFixtures.study()
        let batch = ResultFixtures.batch([study])
        let renderer = HL7ORURenderer(embeddingPDFFrom: pdf)
        let file = try render(renderer: renderer)
        let parsed = HL7File.parse(bytes: [UInt8](file.data), name: "oru.hl7")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        let m = try #require(parsed.messages.first)
        #expect(parsed.messages.count == 1)
        #expect(m.messageType == HL7MessageType(code: "ORU", trigger: "R01", structure: "ORU_R01"))
        #expect(m.characterSet == .utf8)
        #expect(m.controlID == HL7ORURenderer.controlID(batch: batch, study: study))
        #expect(m["PID-5.1"] == "Müller" && m["PID-5.2"] == "Zoë")
        #expect(m.obrs.first?.resultStatus == "P")
        #expect(m.obrs.first?.placerOrderNumber?.id == "PLC-9" && m.obrs.first?.fillerOrderNumber?.id == "ACC-001")
        let obx = m.obxs
        #expect(obx.count == 13)
        #expect(obx[6].codedValue == HL7CodedElement(identifier: ResultFixtures.awkwardLabel, text: ResultFixtures.awkwardLabel,
                                                     codingSystem: "99SLUICE"))
        #expect(obx[2].abnormalFlags == ["AA"])
        #expect(obx.map(\.subID) == ["1", "1", "1", "2", "2", "2", "3", "3", "3", nil, nil, nil, nil])
        #expect(obx.allSatisfy { $0.resultStatus == "P" })
        let expected = try #require(try pdf.render(study: study, batch: batch).first)
        #expect(obx[12].valueType == "ED")
        #expect(obx[12].embeddedPDF == [UInt8](expected.data))
        // The message the writer would have built from the parsed values is the same text.
        #expect(m.wireText == String(decoding: file.data, as: UTF8.self))
    }

    /// Issue 6 item 9: for a fixed report and clock the ORU is byte-identical run to run.
    @Test func goldenBytes() throws {
        let first = try render(), second = try render()
        #expect(first.data == second.data)
        try ResultFixtures.compare(String(decoding: first.data, as: UTF8.self).replacingOccurrences(of: "\r", with: "\n"),
                                   golden: "oru.hl7.txt")
    }
}
