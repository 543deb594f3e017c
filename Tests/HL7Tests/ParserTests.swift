import Foundation
import Testing
import HL7

@Suite struct ParserTests {
    @Test(arguments: ["\r", "\n", "\r\n"])
    func segmentTerminators(terminator: String) throws {
        let file = Fixture.parse(Fixture.orm(terminator: terminator))
        #expect(file.errors.isEmpty)
        let m = try #require(file.messages.first)
        #expect(m.segmentCount == 5)
        #expect(m["PID-3"] == "MRN1")
        #expect(m["OBR-4.2"] == "XR CHEST 1 VIEW")
    }

    @Test func bareLineFeedInsideACRMessageIsData() throws {
        let text = "MSH|^~\\&|A|B|C|D|20250101||ORU^R01|1|P|2.5.1\rOBX|1|TX|X||line one\nline two||\r"
        let m = try #require(Fixture.parse(text).messages.first)
        #expect(m.segmentCount == 2)
        #expect(m["OBX-5"] == "line one\nline two")
    }

    @Test func customDelimitersAndTruncationCharacter() throws {
        let text = "MSH#*@!%$|A|B|C|D|20250101||ADT*A08|9|P|2.7|\r".replacingOccurrences(of: "|", with: "#")
            + "PID#1##ID1*X*Y*AUTH@ID2%sub1%sub2#\r"
        let file = Fixture.parse(text)
        #expect(file.errors.isEmpty)
        let m = try #require(file.messages.first)
        #expect(m.delimiters.field == UInt8(ascii: "#"))
        #expect(m.delimiters.component == UInt8(ascii: "*"))
        #expect(m.delimiters.repetition == UInt8(ascii: "@"))
        #expect(m.delimiters.escape == UInt8(ascii: "!"))
        #expect(m.delimiters.subcomponent == UInt8(ascii: "%"))
        #expect(m.delimiters.truncation == UInt8(ascii: "$"))
        #expect(m["MSH-1"] == "#")
        #expect(m["MSH-2"] == "*@!%$")
        #expect(m["MSH-9.2"] == "A08")
        #expect(m["PID-3.4"] == "AUTH")
        #expect(m["PID-3[2]"] == "ID2")
        #expect(m["PID-3.1.2"] == nil)
    }

    @Test func fourThreeAndTwoEncodingCharacters() throws {
        let file = Fixture.parse("MSH|^~\\|A|B|C|D|20250101||ADT^A04|1|P|2.3\rPID|1||X&Y^Z\r")
        let m = try #require(file.messages.first)
        // Without a subcomponent separator `&` is data.
        #expect(m["PID-3"] == "X&Y")
        #expect(m["PID-3.2"] == "Z")
    }

    @Test func escapes() throws {
        let text = "MSH|^~\\&|A|B|C|D|20250101||ORU^R01|1|P|2.5.1\r"
            + "OBX|1|ST|X||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f|\r"
            + "OBX|2|FT|X||one\\.br\\two\\.sp 2\\three\\H\\bold\\N\\\\.sk 3\\x\\.in 4\\\\.ce\\\\.fi\\\\.nf\\|\r"
            + "OBX|3|ST|X||\\X41424344\\ \\XC3A9\\ \\Zlocal\\ \\Q\\ \\.xx\\ unterminated\\X41|\r"
            + "OBX|4|ST|X||\\C2842\\text\\M248442\\|\r"
        let m = try #require(Fixture.parse(text).messages.first)
        #expect(m["OBX-5"] == "a|b^c&d~e\\f")
        #expect(m["OBX[2]-5"] == "one\ntwo\n\nthreebold   x\n")
        #expect(m["OBX[3]-5"] == "ABCD é  \\Q\\ \\.xx\\ unterminated\\X41")
        #expect(m["OBX[4]-5"] == "text")
    }

    @Test func escapeRoundTripsThroughWriterRules() throws {
        let values = ["a|b", "^~&\\", "line\nbreak", "x#y", "plain", "é ü ∑", "\"\"", "\"\"\""]
        for v in values {
            let escaped = HL7Escape.escape(v)
            let text = "MSH|^~\\&|A|B|C|D|20250101||ORU^R01|1|P|2.5.1||||||UNICODE UTF-8\rOBX|1|ST|X||\(escaped)\r"
            let m = try #require(Fixture.parse(text).messages.first)
            #expect(m["OBX-5"] == v)
        }
    }

    @Test func emptyVersusNull() throws {
        let m = try #require(Fixture.parse("MSH|^~\\&|A|B|C|D|20250101||ADT^A08|1|P|2.5.1\rPID|1||ID||\"\"||\"\"^X\r").messages.first)
        #expect(m.value(at: HL7Path("PID-4")!) == .notPresent)
        #expect(m.value(at: HL7Path("PID-5")!) == .null)
        #expect(m["PID-5"] == "\"\"")
        #expect(m.segment("PID")!.field(5)!.isNull)
        #expect(m.value(at: HL7Path("PID-7.1")!) == .null)
        #expect(m["PID-7.2"] == "X")
        #expect(m.value(at: HL7Path("PID-30")!) == .notPresent)
        #expect(m.pid?.name == nil)
    }

    @Test func zSegmentsAndOccurrences() throws {
        let text = Fixture.orm() + "ZDS|1.2.3^RIS^Application^DICOM\rOBX|1|ST|A||first\rOBX|2|ST|B||second\rOBX|3|ST|C||third\r"
        let m = try #require(Fixture.parse(text).messages.first)
        #expect(m["ZDS-1"] == "1.2.3")
        #expect(m["ZDS-1.4"] == "DICOM")
        #expect(m["OBX[3]-5"] == "third")
        #expect(m["OBX[2]-3"] == "B")
        #expect(m["OBX[4]-5"] == nil)
        #expect(m.segments("OBX").count == 3)
    }

    @Test func characterSets() throws {
        let latin1: [UInt8] = Array("MSH|^~\\&|A|B|C|D|20250101||ADT^A08|1|P|2.5.1||||||8859/1\rPID|1||X||M".utf8) + [0xFC, 0x6C, 0x6C, 0x65, 0x72] + [0x0D]
        let m1 = try #require(HL7File.parse(bytes: latin1, name: "l1.hl7").messages.first)
        #expect(m1.characterSet == .latin1)
        #expect(m1["PID-5"] == "Müller")
        let utf8 = "MSH|^~\\&|A|B|C|D|20250101||ADT^A08|1|P|2.5.1||||||UNICODE UTF-8\rPID|1||X||Müller^Zoë\\XE282AC\\\r"
        let m2 = try #require(Fixture.parse(utf8).messages.first)
        #expect(m2.characterSet == .utf8)
        #expect(m2["PID-5"] == "Müller")
        #expect(m2["PID-5.2"] == "Zoë€")
        // Undeclared: UTF-8 when valid, Latin-1 otherwise.
        let undeclared: [UInt8] = Array("MSH|^~\\&|A|B|C|D|20250101||ADT^A08|1|P|2.5.1\rPID|1||X||".utf8) + [0xE9] + [0x0D]
        #expect(HL7File.parse(bytes: undeclared, name: "u.hl7").messages.first?["PID-5"] == "é")
    }

    @Test func mllpFramedFile() throws {
        var bytes: [UInt8] = []
        for i in 1...3 {
            bytes += [0x0B] + Fixture.bytes(Fixture.orm().replacingOccurrences(of: "CTRL1", with: "C\(i)")) + [0x1C, 0x0D]
        }
        let file = HL7File.parse(bytes: bytes, name: "mllp.hl7")
        #expect(file.errors.isEmpty)
        #expect(file.messages.map { $0["MSH-10"] } == ["C1", "C2", "C3"])
        #expect(file.messages.allSatisfy { $0.segmentCount == 5 })
        #expect(HL7File.looksLikeHL7(Array(bytes.prefix(16))))
    }

    @Test func mllpFrameWithoutMSHFailsOnlyThatMessage() throws {
        let good = Fixture.bytes(Fixture.orm())
        let bad = Fixture.bytes("PID|1||X\rOBR|1\r")
        let bytes = [0x0B] + good + [0x1C, 0x0D, 0x0B] + bad + [0x1C, 0x0D, 0x0B] + good + [0x1C, 0x0D]
        let file = HL7File.parse(bytes: bytes, name: "mixed.hl7")
        #expect(file.messages.map(\.index) == [1, 3])
        #expect(file.errors.count == 1)
        let e = try #require(file.errors.first)
        #expect(e.code == .missingMSH)
        #expect(e.messageIndex == 2)
        #expect(e.segment == "PID")
        #expect(e.description == "mixed.hl7: message without MSH in message 2 at segment PID (segment 1)")
    }

    @Test func plainConcatenationWithDifferentDelimiters() throws {
        let second = "MSH#*@!%#A#B#C#D#20250101##ADT*A04#C2#P#2.4\rPID#1##ID2*X\r"
        let file = Fixture.parse(Fixture.orm() + second + Fixture.orm(terminator: "\n"))
        #expect(file.errors.isEmpty)
        #expect(file.messages.count == 3)
        #expect(file.messages[1]["PID-3.2"] == "X")
        #expect(file.messages[2]["PID-3"] == "MRN1")
    }

    @Test func batchWithCorrectCounts() throws {
        let text = "FHS|^~\\&|RIS\rBHS|^~\\&|RIS\r" + Fixture.orm() + Fixture.orm() + "BTS|2\rBHS|^~\\&\r" + Fixture.orm() + "BTS|1\rFTS|2\r"
        let file = Fixture.parse(text)
        #expect(file.errors.isEmpty)
        #expect(file.isBatch)
        #expect(file.messages.count == 3)
        #expect(file.batchSegments.map(\.id) == ["FHS", "BHS", "BTS", "BHS", "BTS", "FTS"])
    }

    @Test func batchCountMismatchIsReportedButMessagesSurvive() throws {
        let text = "FHS|^~\\&\rBHS|^~\\&\r" + Fixture.orm() + Fixture.orm() + "BTS|3\rFTS|2\r"
        let file = Fixture.parse(text, name: "batch.hl7")
        #expect(file.messages.count == 2)
        #expect(file.errors.map(\.code) == [.batchCountMismatch, .batchCountMismatch])
        #expect(file.errors[0].segment == "BTS")
        #expect(file.errors[0].field == 1)
        #expect(file.errors[0].description == "batch.hl7: batch count mismatch at segment BTS (segment 13) field BTS-1: declares 3 messages, found 2")
        #expect(file.errors[1].segment == "FTS")
    }

    @Test func trailersWithoutHeadersAreReported() throws {
        let file = Fixture.parse(Fixture.orm() + "BTS|1\rFTS|1\r", name: "t.hl7")
        #expect(file.messages.count == 1)
        #expect(file.errors.map(\.code) == [.unexpectedSegment, .unexpectedSegment])
        #expect(file.errors.map(\.segment) == ["BTS", "FTS"])
    }

    @Test func validationErrorsPerMessage() throws {
        let tooShort = "MSH|^~\\&|A|B|C|D|20250101||ADT^A04\rPID|1||SECRET\r"
        let badVersion = "MSH|^~\\&|A|B|C|D|20250101||ADT^A04|X|P|3.0\rPID|1||SECRET\r"
        let tiny = "MSH|^\r"
        let orphan = "PID|1||SECRET-ID\r"
        let text = orphan + Fixture.orm() + tooShort + badVersion + tiny + Fixture.orm()
        let file = Fixture.parse(text, name: "f.hl7")
        #expect(file.messageUnitCount == 6)
        #expect(file.messages.map(\.index) == [2, 6])
        #expect(file.errors.map(\.code) == [.missingMSH, .mshTooShort, .unknownVersion, .mshTooShort])
        #expect(file.errors.map(\.messageIndex) == [1, 3, 4, 5])
        #expect(file.errors[2].field == 12)
        for e in file.errors {
            #expect(!e.description.contains("SECRET"))
            #expect(!e.description.contains("3.0"))
            #expect(e.description.hasPrefix("f.hl7: "))
        }
    }

    @Test(arguments: ["2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.2"])
    func knownVersions(version: String) {
        #expect(HL7Version.isKnown(version))
    }

    @Test(arguments: ["", "2", "2.0", "2.9", "3.0", "2.5.1.1", "v2.5", "2.5.", "2.10"])
    func unknownVersions(version: String) {
        #expect(!HL7Version.isKnown(version))
    }

    @Test func notHL7() {
        let file = Fixture.parse("hello world\nthis is not hl7\n", name: "notes.txt")
        #expect(file.messages.isEmpty)
        #expect(file.errors.first?.code == .missingMSH)
        let empty = Fixture.parse("", name: "empty.hl7")
        #expect(empty.errors.map(\.code) == [.notHL7])
        #expect(!HL7File.looksLikeHL7(Array("hello world".utf8)))
        #expect(!HL7File.looksLikeHL7(Array("MSHX".utf8)))
        #expect(HL7File.looksLikeHL7(Array("\u{FEFF}MSH|^~".utf8)))
        #expect(HL7File.looksLikeHL7(Array("\r\nFHS|^~\\&".utf8)))
        #expect(HL7File.looksLikeHL7(Array("BHS|".utf8)))
    }

    @Test func rawAndWireForms() throws {
        let m = try #require(Fixture.parse(Fixture.orm(terminator: "\r\n")).messages.first)
        #expect(String(decoding: m.wireBytes, as: UTF8.self) == Fixture.orm())
        #expect(m.segment(at: 1).rawText == Fixture.ormLines[1])
        #expect(m.segment("PID")!.fieldCount == 8)
        #expect(m.segment(at: 0).fieldCount == 12)
        #expect(m.segment("PID")!.field(3)!.tree == [[["MRN1"], [""], [""], ["HOSP"], ["MR"]], [["ALT9"], [""], [""], ["OTHER"], ["PI"]]])
    }
}
