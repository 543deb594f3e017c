import Testing
import TestSupport
import HL7

/// A message over one of the `HL7Limits` is rejected with that cap's code, where it broke it
/// and by how much, never a value; the messages around it are still read.
@Suite struct LimitsTests {
    static let small = HL7Limits(maxRepetitions: 3, maxSegments: 4, maxFieldBytes: 40, maxMessageBytes: 300)

    static func msh(_ control: String) -> String { "MSH|^~\\&|RIS|HOSP|SLUICE|SITE|20250101||ORM^O01|\(control)|P|2.5.1\r" }

    /// The message under test between two good ones.
    static func sandwich(_ segments: String) -> String {
        msh("GOOD1") + "PID|1||MRN1\r" + msh("TEST") + segments + msh("GOOD2") + "PID|1||MRN2\r"
    }

    struct Case: CustomStringConvertible, Sendable {
        let cap: String
        let within: String, over: String
        let code: HL7Error.Code
        let segment: String?, position: Int?, field: Int?
        let detail: String
        var description: String { cap }
    }

    static let cases = [
        Case(cap: "repetitions", within: "PID|1||SECRET1~SECRET2~SECRET3\r", over: "PID|1||SECRET1~SECRET2~SECRET3~SECRET4\r",
             code: .tooManyRepetitions, segment: "PID", position: 2, field: 3, detail: "4 repetitions, limit 3"),
        Case(cap: "segments", within: "PID|1||SECRET\rORC|NW\rOBR|1\r", over: "PID|1||SECRET\rORC|NW\rOBR|1\rNTE|1\r",
             code: .tooManySegments, segment: nil, position: nil, field: nil, detail: "5 segments, limit 4"),
        Case(cap: "field bytes", within: "PID|1||MRN||" + String(repeating: "S", count: 40) + "\r",
             over: "PID|1||MRN||" + String(repeating: "S", count: 41) + "\r",
             code: .fieldTooLarge, segment: "PID", position: 2, field: 5, detail: "41 bytes, limit 40"),
        // MSH is 60 bytes and its terminator 1; a PID of 239 makes the message 300.
        Case(cap: "message bytes", within: "PID|1||" + Array(repeating: "SECRET", count: 32).joined(separator: "|") + "XXXXXXXXX\r",
             over: "PID|1||" + Array(repeating: "SECRET", count: 32).joined(separator: "|") + "XXXXXXXXXX\r",
             code: .messageTooLarge, segment: nil, position: nil, field: nil, detail: "301 bytes, limit 300"),
    ]

    @Test(arguments: cases)
    func eachCapRefusesItsMessage(_ c: Case) throws {
        let within = HL7File.parse(text: Self.sandwich(c.within), name: "within.hl7", limits: Self.small)
        #expect(within.messages.map(\.controlID) == ["GOOD1", "TEST", "GOOD2"], "at the cap is within it: \(within.errors)")

        let file = HL7File.parse(text: Self.sandwich(c.over), name: "over.hl7", limits: Self.small)
        #expect(file.messages.map(\.controlID) == ["GOOD1", "GOOD2"])
        #expect(file.rejectedMessages.map(\.controlID) == ["TEST"], "kept for inspection and a NACK")
        let e = try #require(file.errors.first)
        #expect(file.errors.count == 1)
        #expect(e.code == c.code && e.messageIndex == 2 && e.segment == c.segment && e.segmentPosition == c.position && e.field == c.field)
        #expect(e.detail == c.detail)
        #expect(!e.description.contains("SECRET") && !e.description.contains("SSSS"), "no values: \(e)")
    }

    /// The defaults are the documented ones; at the two a real feed comes nearest to
    /// (repetitions, segments), a message at the cap is read and one past it refused.
    @Test func defaultCapsSitWhereDocumented() {
        let d = HL7Limits()
        #expect(d.maxRepetitions == 1_000 && d.maxSegments == 10_000 && d.maxFieldBytes == 16 << 20 && d.maxMessageBytes == 64 << 20)
        func pid3(_ n: Int) -> String { Self.msh("T") + "PID|1||" + (0..<n).map { "ID\($0)^^^AUTH^MR" }.joined(separator: "~") + "\r" }
        #expect(Fixture.parse(pid3(1_000)).messages.first?.pid?.identifiers.count == 1_000)
        #expect(Fixture.parse(pid3(1_001)).errors.map(\.code) == [.tooManyRepetitions])
        func notes(_ n: Int) -> String { Self.msh("T") + String(repeating: "NTE|1||line\r", count: n - 1) }
        #expect(Fixture.parse(notes(10_000)).messages.count == 1)
        #expect(Fixture.parse(notes(10_001)).errors.map(\.problem) == ["too many segments in message 1: 10001 segments, limit 10000"])
    }

    /// MSH-2 holds the repetition character itself; it is not a repetition.
    @Test func encodingCharactersAreNotRepetitions() {
        let one = HL7Limits(maxRepetitions: 1)
        #expect(HL7File.parse(text: Self.msh("T") + "PID|1||MRN^^^HOSP^MR\r", name: "t.hl7", limits: one).errors.isEmpty)
        #expect(HL7File.parse(text: Self.msh("T") + "PID|1||A~B\r", name: "t.hl7", limits: one).errors.map(\.code) == [.tooManyRepetitions])
    }

    /// The chunked scanner applies the same caps and reports the same errors.
    @Test func scanAppliesTheSameLimits() throws {
        let dir = try TemporaryDirectory("hl7-limits")
        defer { dir.remove() }
        let text = Self.cases.map { Self.sandwich($0.over) }.joined()
        let path = try Oracle.write(text, "over.hl7", in: dir)
        let whole = try HL7File.open(path: path, limits: Self.small)
        #expect(whole.errors.map(\.code) == Self.cases.map(\.code))
        var seen: [String?] = []
        let summary = try HL7File.scan(path: path, chunkSize: 64, limits: Self.small) { seen.append($0.controlID) }
        #expect(summary.errors == whole.errors)
        #expect(seen == whole.messages.map(\.controlID) && seen.count == 8)
    }
}
