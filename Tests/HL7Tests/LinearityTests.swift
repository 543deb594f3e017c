import Foundation
import Testing
import HL7

/// Walking every repetition, component or field costs time in proportion to the field's size.
/// Times are only compared with each other (a larger field against a 5,000-piece one), never
/// with a fixed budget. Each is the CPU time of the test's own thread, best of three runs, so
/// that other builds and parallel tests on the machine's two cores do not decide the outcome.
@Suite(.serialized) struct LinearityTests {
    /// Caps out of the way: these fields are far over the defaults on purpose.
    static let roomy = HL7Limits(maxRepetitions: .max, maxSegments: .max, maxFieldBytes: .max, maxMessageBytes: .max)

    static let msh = "MSH|^~\\&|RIS|HOSP|SLUICE|SITE|20250101103000||ORM^O01^ORM_O01|CTRL1|P|2.5.1\r"

    /// A message shape with `n` pieces in one field, and the walk a consumer makes over it.
    enum Shape: String, CaseIterable, CustomStringConvertible {
        /// PID-3 with n identifiers, as the validate stage reads them (order keys) and
        /// `sluice inspect --json` prints them (the field's tree).
        case pid3Repetitions
        /// OBX-5 with n components in one repetition, printed by `sluice inspect --json`.
        case obx5Components
        /// A Z-segment with n fields, printed by `sluice inspect` as text and as JSON.
        case segmentFields

        var description: String { rawValue }

        func message(_ n: Int) -> [UInt8] {
            var s = LinearityTests.msh
            switch self {
            case .pid3Repetitions:
                s += "PID|1||" + (0..<n).map { "ID\($0)^^^AUTH\($0)&1.2.\($0)&ISO^MR" }.joined(separator: "~") + "||DOE^JANE\r"
            case .obx5Components:
                s += "OBX|1|TX|NOTE||" + (0..<n).map { "C\($0)" }.joined(separator: "^") + "||||||F\r"
            case .segmentFields:
                s += "ZFL|" + (0..<n).map { "F\($0)" }.joined(separator: "|") + "\r"
            }
            return Array((s + "ORC|NW|PLC1|ACC1\rOBR|1|PLC1|ACC1\r").utf8)
        }

        /// Reads every piece and checks what it read: n pieces, the last one intact.
        func walk(_ file: HL7File, _ n: Int) throws {
            let m = try #require(file.messages.first)
            switch self {
            case .pid3Repetitions:
                let ids = m.orderKeys.patientIdentifiers
                #expect(ids.count == n && ids.last?.id == "ID\(n - 1)" && ids.last?.assigningAuthorityUniversalID == "1.2.\(n - 1)")
                let tree = try #require(m.pid?.segment.field(3)).tree
                #expect(tree.count == n && tree.last?[3] == ["AUTH\(n - 1)", "1.2.\(n - 1)", "ISO"])
            case .obx5Components:
                let tree = try #require(m.obxs.first?.value).tree
                #expect(tree.count == 1 && tree[0].count == n && tree[0].last == ["C\(n - 1)"])
                #expect(try HL7Inspect.json(file).contains("\"C\(n - 1)\""))
            case .segmentFields:
                let fields = try #require(m.segment("ZFL")).fields
                #expect(fields.count == n && fields.last?.value() == .value("F\(n - 1)"))
                #expect(HL7Inspect.text(file).contains("ZFL-\(n) F\(n - 1)\n"))
                #expect(try HL7Inspect.json(file).contains("\"\(n)\": \"F\(n - 1)\""))
            }
        }
    }

    /// CPU seconds the calling thread has used.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Best of three: parse the message and walk the field.
    func seconds(_ shape: Shape, _ n: Int) throws -> Double {
        let bytes = shape.message(n)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = Self.threadCPUSeconds()
            try shape.walk(HL7File.parse(bytes: bytes, name: "\(shape)-\(n).hl7", limits: Self.roomy), n)
            best = min(best, Self.threadCPUSeconds() - start)
        }
        return best
    }

    /// 5k → 20k → 200k pieces: each time may grow by at most 1.5× the size ratio (linear is 4
    /// and 40, quadratic 16 and 1,600). A quadratic walk stops at 20k, which takes it minutes;
    /// 200k would take it hours.
    @Test(arguments: Shape.allCases)
    func timeGrowsLinearly(_ shape: Shape) throws {
        let base = 5_000
        let baseSeconds = try seconds(shape, base)
        for n in [20_000, 200_000] {
            let ratio = try seconds(shape, n) / baseSeconds
            let bound = Double(n / base) * 1.5
            try #require(ratio < bound, "\(shape): \(n) pieces took \(ratio)× the time of \(base), bound \(bound)×")
        }
    }
}
