import HL7
import Testing
import TestSupport

/// swift-nio's ByteToMessageDecoderVerifier idea: whole, chunked and byte-by-byte feeding
/// must give the same messages as parsing the file at once.
@Suite struct StreamReaderTests {
    static func corpus() -> [(String, [UInt8])] {
        var gen = MessageGenerator(seed: 42)
        let plain = (0..<20).map { gen.message(control: "P\($0)") }.joined()
        let lf = (0..<5).map { gen.message(control: "L\($0)").replacingCR(with: "\n") }.joined()
        let crlf = (0..<5).map { gen.message(control: "W\($0)").replacingCR(with: "\r\n") }.joined()
        var mllp: [UInt8] = []
        for k in 0..<8 { mllp += [0x0B] + Array(gen.message(control: "M\(k)").utf8) + [0x1C, 0x0D] }
        let batch = "FHS|^~\\&\rBHS|^~\\&\r" + (0..<4).map { gen.message(control: "B\($0)", delimiters: ["|", "^", "~", "\\", "&"]) }.joined() + "BTS|4\rFTS|1\r"
        let dataLF = "MSH|^~\\&|A|B|C|D|20250101||ORU^R01|T|P|2.5.1\rOBX|1|TX|X||line\nMSHX not a header\nend\r"
        return [("plain", Array(plain.utf8)), ("lf", Array(lf.utf8)), ("crlf", Array(crlf.utf8)),
                ("mllp", mllp), ("batch", Array(batch.utf8)), ("dataLF", Array(dataLF.utf8))]
    }

    static func messages(ofUnits units: [[UInt8]]) -> [String] {
        units.flatMap { HL7File.parse(bytes: $0, name: "unit").messages.map(\.wireText) }
    }

    @Test(arguments: [0, 1, 2, 3, 7, 64, 1000])
    func chunkedFeedingMatchesWholeFile(chunk: Int) {
        for (name, bytes) in Self.corpus() {
            let whole = HL7File.parse(bytes: bytes, name: name).messages.map(\.wireText)
            #expect(!whole.isEmpty)
            var reader = HL7StreamReader()
            var units: [[UInt8]] = []
            if chunk == 0 {
                units += reader.feed(bytes)
            } else {
                var i = 0
                while i < bytes.count {
                    units += reader.feed(bytes[i..<min(i + chunk, bytes.count)])
                    i += chunk
                }
            }
            units += reader.finish()
            #expect(Self.messages(ofUnits: units) == whole, "\(name) in chunks of \(chunk)")
        }
    }

    @Test func randomChunkSizes() {
        var rng = SeededRandom(seed: 9)
        for (name, bytes) in Self.corpus() {
            let whole = HL7File.parse(bytes: bytes, name: name).messages.map(\.wireText)
            var reader = HL7StreamReader()
            var units: [[UInt8]] = []
            var i = 0
            while i < bytes.count {
                let n = Int.random(in: 1...50, using: &rng)
                units += reader.feed(bytes[i..<min(i + n, bytes.count)])
                i += n
            }
            units += reader.finish()
            #expect(Self.messages(ofUnits: units) == whole, "\(name)")
        }
    }
}

extension String {
    func replacingCR(with s: String) -> String {
        split(separator: "\r", omittingEmptySubsequences: false).joined(separator: s)
    }
}
