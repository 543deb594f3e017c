import Testing
import HL7

/// Edge inputs of the kind the fuzzer (tools/fuzz) generates; each must parse without a
/// crash, give the same messages through the stream reader, and keep data out of errors.
/// Crashes found by tools/fuzz/run-hl7-fuzz.sh are added here.
@Suite struct FuzzRegressionTests {
    static let inputs: [[UInt8]] = [
        [], [0x0B], [0x1C, 0x0D], [0x0B, 0x1C, 0x0B], Array("MSH".utf8), Array("MSH|".utf8), Array("MSH|^~\\&\r".utf8),
        Array("MSH||||\r".utf8), Array("MSHA^~\\&|x\r".utf8), Array("MSH|^^\\&|A|B|C|D|E||F|G|H|2.5\r".utf8),
        Array("MSH|^~\\&#x|A\r".utf8), [0xEF, 0xBB, 0xBF], [0xEF, 0xBB, 0xBF] + Array("MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5\r".utf8),
        Array("MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5\rOBX|1|ST|X||\\X\\ \\X4\\ \\Xzz\\ \\.sp 99999\\ \\.sp -3\\ \\.sk\\ \\\\ \\\r".utf8),
        Array("MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5\rPID|1||a\u{0B}b\rPID|2\r".utf8),
        Array("MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5\rNTE|1||x\nMSH|^~\\&|A|B|C|D|2025||ADT^A01|2|P|2.5\r".utf8),
        Array("MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5\r\0\0\0\rPID\rpid|1\r12|3\r".utf8),
        Array("BTS|x\rFTS|-1\rBHS|\rBTS|99999999999999999999\r".utf8),
        Array("MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5||||||\u{1}\u{2}\r".utf8),
        Array(repeating: UInt8(ascii: "|"), count: 300), Array(repeating: 0x0D, count: 50) + Array(repeating: 0x0A, count: 50),
        Array("MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.5\rOBX|1|ED|X||^AP^PDF^Base64^!!!notbase64\r".utf8),
        Array("MSH|^~\\&|A|B|C|D|99991399246161.12345+9999||ADT^A01|1|P|2.5\r".utf8),
        // crash-13221b76: a blank line holding a bare LF was a segment for the file parser but
        // blank for the stream reader, so scan and parse disagreed.
        [0x20, 0x0A, 0x20], [0x00, 0x0A, 0x1A, 0x0D, 0x09],
    ]

    @Test func edgeInputs() throws {
        for (k, bytes) in Self.inputs.enumerated() {
            let file = HL7File.parse(bytes: bytes, name: "edge\(k).hl7")
            for m in file.messages + file.rejectedMessages {
                for seg in m.segments {
                    for n in 0...(seg.fieldCount + 1) { _ = seg.field(n)?.tree }
                }
                _ = (m.orderKeys, m.msh.dateTime?.date, m.obxs.map(\.embeddedPDF))
            }
            for e in file.errors { #expect(e.description.hasPrefix("edge\(k).hl7: ")) }
            _ = HL7Inspect.text(file)
            _ = try? HL7Inspect.json(file)
            var reader = HL7StreamReader()
            var units: [[UInt8]] = []
            for b in bytes { units += reader.feed([b]) }
            units += reader.finish()
            let split = units.flatMap { HL7File.parse(bytes: $0, name: "u").messages.map(\.wireBytes) }
            #expect(split == file.messages.map(\.wireBytes), "input \(k)")
            var scanned: [[UInt8]] = []
            let summary = try HL7File.scan(chunks: bytes.map { [$0] }, name: "edge\(k).hl7") { scanned.append($0.wireBytes) }
            #expect(scanned == file.messages.map(\.wireBytes), "input \(k)")
            #expect(summary.errors == file.errors, "input \(k)")
        }
    }
}
