import Testing
import TestSupport
import HL7

/// The chunked scanner reports exactly what the whole-file parser reports.
@Suite struct ScanTests {
    @Test func scanMatchesOpen() throws {
        let dir = try TemporaryDirectory("hl7-scan")
        defer { dir.remove() }
        var gen = MessageGenerator(seed: 5)
        let batch = "FHS|^~\\&\rBHS|^~\\&\r" + (0..<30).map { gen.message(control: "B\($0)", delimiters: ["|", "^", "~", "\\", "&"]) }.joined()
            + "PID|orphan\r" + "MSH|^~\\&|A|B|C|D|2025||ADT^A04|V|P|7.0\r" + "BTS|31\rBHS|^~\\&\r" + Fixture.orm() + "BTS|1\rFTS|3\r"
        var mllp: [UInt8] = []
        for k in 0..<10 { mllp += [0x0B] + Array(gen.message(control: "M\(k)").utf8) + [0x1C, 0x0D] }
        let files = [
            try Oracle.write(batch, "batch.hl7", in: dir),
            try Oracle.write("\u{FEFF}" + Fixture.orm(terminator: "\n") + Fixture.orm(), "bom.hl7", in: dir),
            try Oracle.write(String(decoding: mllp, as: UTF8.self), "mllp.hl7", in: dir),
            try Oracle.write("not hl7 at all\n", "text.hl7", in: dir),
            try Oracle.write("", "empty.hl7", in: dir),
        ]
        for path in files {
            let whole = try HL7File.open(path: path)
            for chunk in [1, 7, 100, 1 << 20] {
                var seen: [(Int, String)] = []
                let summary = try HL7File.scan(path: path, chunkSize: chunk) { seen.append(($0.index, $0.wireText)) }
                #expect(seen.map(\.0) == whole.messages.map(\.index), "\(path) chunk \(chunk)")
                #expect(seen.map(\.1) == whole.messages.map(\.wireText), "\(path) chunk \(chunk)")
                #expect(summary.errors == whole.errors, "\(path) chunk \(chunk)")
                #expect(summary.messageUnitCount == whole.messageUnitCount)
                #expect(summary.validCount == whole.messages.count)
                #expect(summary.isBatch == whole.isBatch)
            }
        }
        #expect(throws: HL7Error.self) { try HL7File.scan(path: dir.file("missing.hl7")) { _ in } }
    }
}
