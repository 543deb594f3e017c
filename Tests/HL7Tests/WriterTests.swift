import Foundation
import Testing
import TestSupport
import HL7

@Suite struct WriterTests {
    static let awkward = ["a|b", "c^d", "e~f", "g&h", "back\\slash", "line1\nline2", "Zoë Müller", "\\F\\ literal"]

    static func sampleORU(pdf: [UInt8]? = nil, note: String = "AI triage: urgent | review") -> ORUMessage {
        var obs: [ORUMessage.Observation] = [
            .init(identifier: .init(identifier: "59776-5", text: "Findings", codingSystem: "LN"),
                  value: .coded(.init(identifier: "27925004", text: "Nodule", codingSystem: "SCT")), subID: "1"),
            .init(identifier: .init(identifier: "111012", text: "Certainty of Finding", codingSystem: "DCM"),
                  value: .numeric("0.87", units: .init(identifier: "1", text: "no units", codingSystem: "UCUM")),
                  subID: "1", abnormalFlag: "A"),
            .init(identifier: .init(identifier: "260870009", text: "Priority", codingSystem: "SCT"),
                  value: .coded(.init(identifier: "25876001", text: "Emergency", codingSystem: "SCT")), subID: "1", abnormalFlag: "AA"),
            .init(identifier: .init(identifier: "110180", text: "Study Instance UID", codingSystem: "DCM"),
                  value: .string("1.2.826.0.1.3680043.8.498.1")),
            .init(identifier: .init(identifier: "NOTE", text: "Comment", codingSystem: "L"), value: .string(note)),
        ]
        if let pdf { obs.append(.pdf(pdf)) }
        var oru = ORUMessage(
            controlID: "MSG0001", dateTime: "20250101120000",
            patient: .init(id: "MRN12345", assigningAuthority: "HOSP", familyName: "DOE", givenName: "JANE", birthDate: "19700101", sex: "F"),
            order: .init(placerOrderNumber: .init(id: "PLC123", namespaceID: "RIS"),
                         fillerOrderNumber: .init(id: "ACC456", namespaceID: "RIS"),
                         universalService: .init(identifier: "71045", text: "XR CHEST 1 VIEW", codingSystem: "C4"),
                         observationDateTime: "20250101110000"),
            observations: obs)
        oru.sendingFacility = "SITE"; oru.receivingApplication = "RIS"; oru.receivingFacility = "HOSP"
        return oru
    }

    @Test func oruLayoutMatchesReference() {
        let text = Self.sampleORU(note: "plain").build()
        let lines = text.split(separator: "\r", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "MSH|^~\\&|SLUICE|SITE|RIS|HOSP|20250101120000||ORU^R01^ORU_R01|MSG0001|P|2.5.1|||AL|NE")
        #expect(lines[1] == "PID|1||MRN12345^^^HOSP^MR||DOE^JANE||19700101|F")
        #expect(lines[2] == "ORC|RE|PLC123^RIS|ACC456^RIS||CM")
        #expect(lines[3] == "OBR|1|PLC123^RIS|ACC456^RIS|71045^XR CHEST 1 VIEW^C4|||20250101110000|||||||||||||||20250101120000||RAD|P")
        #expect(lines[4] == "OBX|1|CE|59776-5^Findings^LN|1|27925004^Nodule^SCT||||||P")
        #expect(lines[5] == "OBX|2|NM|111012^Certainty of Finding^DCM|1|0.87|1^no units^UCUM||A|||P")
        #expect(lines[6] == "OBX|3|CE|260870009^Priority^SCT|1|25876001^Emergency^SCT|||AA|||P")
        #expect(lines[7] == "OBX|4|ST|110180^Study Instance UID^DCM||1.2.826.0.1.3680043.8.498.1||||||P")
        #expect(lines.last == "")
    }

    /// PID-5 is required in v2.5.1 (hl7apy refuses an ORU without it): a patient with no name
    /// gets name type U (unspecified), never an invented name.
    @Test func oruWithoutAPatientNameSaysTheNameIsUnspecified() throws {
        var oru = Self.sampleORU(note: "plain")
        oru.patient = .init(id: "MRN12345", assigningAuthority: "HOSP")
        let lines = oru.build().split(separator: "\r").map(String.init)
        #expect(lines[1] == "PID|1||MRN12345^^^HOSP^MR||^^^^^^U")
        let dir = try TemporaryDirectory("oru-noname")
        defer { dir.remove() }
        #expect(try Oracle.hl7apyProblem(file: try Oracle.write(oru.build(), "oru.hl7", in: dir)) == nil)
    }

    @Test func oruParsesBackIdentically() throws {
        let pdf = Array("%PDF-1.4\n%âãÏÓ\n1 0 obj <<>> endobj\ntrailer\n%%EOF\n".utf8) + (0..<2048).map { UInt8($0 % 256) }
        let text = Self.sampleORU(pdf: pdf, note: Self.awkward.joined(separator: " / ")).build()
        let file = HL7File.parse(text: text, name: "oru.hl7")
        #expect(file.errors.isEmpty)
        let m = try #require(file.messages.first)
        #expect(m.characterSet == .utf8)   // the note has non-ASCII text
        #expect(m.messageType == HL7MessageType(code: "ORU", trigger: "R01", structure: "ORU_R01"))
        #expect(m.obrs.first?.resultStatus == "P")
        #expect(m["OBX[5]-5"] == Self.awkward.joined(separator: " / "))
        let ed = try #require(m.obxs.last)
        #expect(ed.valueType == "ED")
        #expect(ed.encapsulatedData.type == "AP")
        #expect(ed.encapsulatedData.subtype == "PDF")
        #expect(ed.encapsulatedData.encoding == "Base64")
        #expect(Data(base64Encoded: ed.encapsulatedData.data ?? "").map { [UInt8]($0) } == pdf)
        #expect(ed.embeddedPDF == pdf)
        #expect(m.obxs.first?.embeddedPDF == nil)
        let other = "MSH|^~\\&|A|B|C|D|2025||ORU^R01|1|P|2.5.1\rOBX|1|ED|X||^application^pdf^Base64^JVBERi0=\r"
        #expect(HL7File.parse(text: other, name: "o.hl7").messages.first?.obxs.first?.embeddedPDF == Array("%PDF-".utf8))
        #expect(m.orderKeys.fillerOrderNumbers == ["ACC456"])
        #expect(m.pid?.identifiers.first?.assigningAuthority == "HOSP")
    }

    @Test func builderEscapesEveryDelimiterAndRoundTrips() throws {
        var b = HL7MessageBuilder()
        try b.set("MSH-9.1", "ADT"); try b.set("MSH-9.2", "A08"); try b.set("MSH-10", "X"); try b.set("MSH-11", "P"); try b.set("MSH-12", "2.5.1")
        for (i, v) in Self.awkward.enumerated() {
            try b.set("ZXX[\(i + 1)]-2[2].3.2", v)
        }
        try b.setNull("PID-8")
        #expect(throws: HL7MessageBuilder.BuildError.self) { try b.set("MSH-2", "x") }
        #expect(throws: HL7MessageBuilder.BuildError.self) { try b.set("nope", "x") }
        let m = try #require(HL7File.parse(bytes: b.bytes, name: "b.hl7").messages.first)
        for (i, v) in Self.awkward.enumerated() {
            #expect(m["ZXX[\(i + 1)]-2[2].3.2"] == v)
            #expect(m["ZXX[\(i + 1)]-2[1]"] == nil)
        }
        #expect(m.value(at: HL7Path("PID-8")!) == .null)
    }

    @Test func builderWithCustomDelimiters() throws {
        let d = HL7Delimiters(field: UInt8(ascii: "#"), component: UInt8(ascii: "*"), repetition: UInt8(ascii: "@"),
                              escape: UInt8(ascii: "!"), subcomponent: UInt8(ascii: "%"), truncation: UInt8(ascii: "$"))
        var b = HL7MessageBuilder(delimiters: d)
        try b.set("MSH-9.1", "ADT"); try b.set("MSH-10", "1"); try b.set("MSH-11", "P"); try b.set("MSH-12", "2.7")
        try b.set("PID-5.1", "a#b*c@d!e%f$g|^~\\&")
        let text = b.build()
        #expect(text.hasPrefix("MSH#*@!%$#"))
        let m = try #require(HL7File.parse(text: text, name: "c.hl7").messages.first)
        #expect(m["PID-5"] == "a#b*c@d!e%f$g|^~\\&")
    }

    @Test func acknowledgments() throws {
        let orm = try #require(Fixture.parse(Fixture.orm()).messages.first)
        let ack = HL7Acknowledgment.make(for: orm, code: .accept, controlID: "ACK1", dateTime: "20250101120001")
        let a = try #require(HL7File.parse(text: ack, name: "ack.hl7").messages.first)
        #expect(a["MSH-3"] == "SLUICE"); #expect(a["MSH-5"] == "RIS")
        #expect(a.messageType == HL7MessageType(code: "ACK", trigger: "O01", structure: "ACK"))
        #expect(a["MSA-1"] == "AA"); #expect(a["MSA-2"] == "CTRL1")
        #expect(a.segment("ERR") == nil)

        let bad = Fixture.parse("MSH|^~\\&|A|B|C|D|20250101||ADT^A04|C9|P|9.9\rPID|1||SECRET\r", name: "in.hl7")
        let rejected = try #require(bad.rejectedMessages.first)
        let nack = HL7Acknowledgment.make(for: rejected, code: .reject, controlID: "ACK2", dateTime: "20250101120002",
                                          problem: .init(bad.errors[0]))
        let n = try #require(HL7File.parse(text: nack, name: "nack.hl7").messages.first)
        #expect(n["MSA-1"] == "AR"); #expect(n["MSA-2"] == "C9")
        #expect(n["MSH-12"] == "2.5.1")
        #expect(n["ERR-2.1"] == "MSH"); #expect(n["ERR-2.3"] == "12")
        #expect(n["ERR-3"] == "203"); #expect(n["ERR-4"] == "E")
        #expect(n["ERR-8"] == "unknown version")

        let old = try #require(Fixture.parse("MSH|^~\\&|A|B|C|D|20250101||ADT^A04|C3|P|2.3\r").messages.first)
        let oldNack = HL7Acknowledgment.make(for: old, code: .error, controlID: "A3", dateTime: "20250101",
                                             problem: .init(segment: "PID", segmentPosition: 2, field: 3, code: 101, text: "PID-3 missing"))
        let o = try #require(HL7File.parse(text: oldNack, name: "o.hl7").messages.first)
        #expect(o["ERR-1.1"] == "PID"); #expect(o["ERR-1.4.1"] == "101"); #expect(o["ERR-1.4.2"] == "PID-3 missing")
    }

    @Test func writtenMessagesPassPythonHL7AndHl7apy() throws {
        let dir = try TemporaryDirectory("hl7-writer")
        defer { dir.remove() }
        let pdf = Array("%PDF-1.4\n".utf8) + (0..<30000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let oru = try Oracle.write(Self.sampleORU(pdf: pdf, note: Self.awkward.joined(separator: " ")).build(), "oru.hl7", in: dir)
        #expect(try Oracle.hl7apyProblem(file: oru) == nil)
        let orm = try #require(Fixture.parse(Fixture.orm()).messages.first)
        let ack = HL7Acknowledgment.make(for: orm, code: .error, controlID: "A1", dateTime: "20250101120001",
                                         problem: .init(segment: "PID", segmentPosition: 2, field: 3, code: 101, text: "missing"))
        let ackPath = try Oracle.write(ack, "ack.hl7", in: dir)
        #expect(try Oracle.hl7apyProblem(file: ackPath) == nil)

        // python-hl7 reads the same values we do.
        let ours = try #require(HL7File.open(path: oru).messages.first)
        let paths: [(String, [Int])] = [("MSH", [1, 9, 1, 2, 1]), ("MSH", [1, 10, 1, 1, 1]), ("PID", [1, 3, 1, 4, 1]),
                                        ("PID", [1, 5, 1, 2, 1]), ("OBR", [1, 25, 1, 1, 1]), ("OBX", [2, 5, 1, 1, 1]),
                                        ("OBX", [5, 5, 1, 1, 1]), ("OBX", [6, 5, 1, 5, 1]), ("OBX", [3, 8, 1, 1, 1])]
        let theirs = try Oracle.pythonHL7Values(file: oru, paths: paths.map(\.1), segments: paths.map(\.0))
        #expect(theirs.count == 1)
        for (k, (seg, p)) in paths.enumerated() {
            let path = HL7Path(segment: seg, occurrence: p[0], field: p[1], repetition: p[2], component: p[3], subcomponent: p[4])
            // python-hl7 renders `\.br\` as CR; we render it as LF (documented in HL7Escape).
            let expected = theirs[0][k]?.replacingOccurrences(of: "\r", with: "\n")
            #expect(ours.value(at: path).wireText ?? "" == expected, "\(path)")
        }
    }
}

@Suite struct GeneratedORUTests {
    /// Random text with every delimiter, line breaks and non-ASCII characters.
    static func awkwardText(_ rng: inout SeededRandom) -> String {
        let pieces = ["|", "^", "~", "&", "\\", "\n", "\r\n", "é", "漢字", "#", " ", "abc", "123", "\\F\\", "\"\""]
        return (0..<Int.random(in: 1...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    @Test func randomORUsRoundTripAndPassHl7apy() throws {
        var rng = SeededRandom(seed: 2024)
        let dir = try TemporaryDirectory("hl7-oru")
        defer { dir.remove() }
        var paths: [String] = []
        for k in 0..<8 {
            var oru = WriterTests.sampleORU(pdf: k % 2 == 0 ? (0..<Int.random(in: 1...5000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } : nil,
                                            note: Self.awkwardText(&rng))
            oru.patient.familyName = Self.awkwardText(&rng)
            oru.patient.id = "ID\(k)" + Self.awkwardText(&rng)
            oru.controlID = "C\(k)"
            let text = oru.build()
            let m = try #require(HL7File.parse(text: text, name: "r.hl7").messages.first)
            // What we wrote reads back identically (line breaks normalise to LF).
            func normalized(_ s: String?) -> String? { s?.replacingOccurrences(of: "\r\n", with: "\n") }
            #expect(m.pid?.identifiers.first?.id == normalized(oru.patient.id))
            #expect(m.pid?.name?.family == normalized(oru.patient.familyName))
            if case .string(let note) = oru.observations[4].value { #expect(m["OBX[5]-5"] == normalized(note)) }
            paths.append(try Oracle.write(text, "oru\(k).hl7", in: dir))
        }
        let script = """
        import sys
        from hl7apy.parser import parse_message
        from hl7apy.consts import VALIDATION_LEVEL
        for p in sys.argv[1:]:
            text = open(p, 'rb').read().decode('utf-8')
            m = parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=True)
            assert m.validate(), p
            assert m.msh.msh_10.value.startswith('C'), p
        print('OK', len(sys.argv) - 1)
        """
        let r = try runPython(script, paths)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "OK 8\n")
    }
}
