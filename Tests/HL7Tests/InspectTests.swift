import Foundation
import Testing
import TestSupport
import HL7

@Suite struct InspectTests {
    @Test func fieldOneLinePerMessage() throws {
        let text = Fixture.orm() + "MSH|^~\\&|A|B|C|D|20250101||ADT^A08|C2|P|2.5.1\rPID|1||\\F\\ODD^^^X~M2\r"
            + "MSH|^~\\&|A|B|C|D|20250101||ADT^A08|C3|P|2.5.1\rPID|1||\"\"\r"
        let file = Fixture.parse(text)
        #expect(try HL7Inspect.field(file, path: "PID-3") == ["MRN1", "|ODD", "\"\""])
        #expect(try HL7Inspect.field(file, path: "PID-3[2]") == ["ALT9", "M2", ""])
        #expect(throws: HL7Error.self) { try HL7Inspect.field(file, path: "PID") }
    }

    @Test func textDump() {
        let text = HL7Inspect.text(Fixture.parse(Fixture.orm(), name: "orm.hl7"))
        #expect(text.hasPrefix("orm.hl7: 1 message\n"))
        #expect(text.contains("message 1: ORM^O01^ORM_O01  control ID CTRL1  version 2.5.1  5 segments"))
        #expect(text.contains("    PID-3   MRN1^^^HOSP^MR~ALT9^^^OTHER^PI\n"))
        #expect(text.contains("    MSH-2   ^~\\&\n"))
    }

    @Test func jsonIsValidAndStructured() throws {
        let text = Fixture.orm() + "ZZZ|\"\"|a\\.br\\b\r" + "MSH|^~\\&|A|B|C|D|20250101||ADT^A04|X|P|9.9\r"
        let json = try HL7Inspect.json(Fixture.parse(text, name: "j.hl7"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(root["file"] as? String == "j.hl7")
        #expect(root["messageCount"] as? Int == 2)
        let messages = try #require(root["messages"] as? [[String: Any]])
        #expect(messages.count == 2)
        #expect(messages[0]["type"] as? String == "ORM")
        #expect(messages[1]["valid"] as? Bool == false)
        let segments = try #require(messages[0]["segments"] as? [[String: Any]])
        let pid = try #require(segments[1]["fields"] as? [String: Any])
        let pid3 = try #require(pid["3"] as? [[String]])
        #expect(pid3 == [["MRN1", "", "", "HOSP", "MR"], ["ALT9", "", "", "OTHER", "PI"]])
        #expect(pid["1"] as? String == "1")
        let zzz = try #require(segments[5]["fields"] as? [String: Any])
        #expect(zzz["1"] is NSNull)
        #expect(zzz["2"] as? String == "a\nb")
        let errors = try #require(root["errors"] as? [[String: Any]])
        #expect(errors.first?["code"] as? String == "unknown version")
        #expect(errors.first?["field"] as? Int == 12)
    }

    @Test func loadRejectsFilesThatAreNotHL7() throws {
        let dir = try TemporaryDirectory("hl7-inspect")
        defer { dir.remove() }
        let notes = try Oracle.write("just some notes\n", "notes.hl7", in: dir)
        #expect {
            try HL7Inspect.load(path: notes)
        } throws: { error in
            let e = error as? HL7Error
            return e?.code == .notHL7 && e?.description.hasPrefix("notes.hl7: not HL7") == true
        }
        let short = try Oracle.write("MSH|^~\\&|A\r", "short.hl7", in: dir)
        // A readable but invalid MSH is still shown (with its error), not refused.
        let shortFile = try HL7Inspect.load(path: short)
        #expect(shortFile.errors.map(\.code) == [.mshTooShort])
        #expect(shortFile.rejectedMessages.count == 1)
        let noMSH = try Oracle.write("PID|1||X\r", "pid.hl7", in: dir)
        #expect {
            try HL7Inspect.load(path: noMSH)
        } throws: { error in (error as? HL7Error)?.code == .notHL7 }
        #expect(throws: HL7Error.self) { try HL7Inspect.load(path: dir.file("missing.hl7")) }
        let good = try Oracle.write(Fixture.orm() + Fixture.orm(), "good.hl7", in: dir)
        #expect(try HL7Inspect.load(path: good).messages.count == 2)
        let r = try HL7Inspect.render(path: good, field: "OBR-3.2")
        #expect(r.output == "RIS\nRIS\n")
        #expect(!r.hasErrors)
        #expect(try HL7Inspect.render(path: short).hasErrors)
        #expect(try HL7Inspect.render(path: good, json: true).output.hasPrefix("{"))
        #expect(throws: HL7Error.self) { try HL7Inspect.render(path: good, field: "bad path") }
    }
}
