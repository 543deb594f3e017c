import Foundation

/// The Swift side of `tools/bench_hl7.py`: parse files and read a few fields per message, as
/// a consumer would. Speed is reported by the benchmark, never asserted in tests.
public enum HL7Bench {
    public struct Result: Sendable {
        public let messages: Int
        public let seconds: Double
        /// Total length of the values read (keeps the reads from being optimised away).
        public let checksum: Int
    }

    public static func run(paths: [String], fields: [String] = ["MSH-10", "PID-3", "OBR-3"]) throws -> Result {
        let parsed = fields.compactMap(HL7Path.init)
        let clock = ContinuousClock()
        var messages = 0, checksum = 0
        let start = clock.now
        for path in paths {
            let file = try HL7File.open(path: path)
            for m in file.messages {
                messages += 1
                for p in parsed { checksum &+= m.value(at: p).text?.utf8.count ?? 0 }
            }
        }
        let d = clock.now - start
        return Result(messages: messages, seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18,
                      checksum: checksum)
    }

    public static func run(paths: [String]) throws -> (messages: Int, seconds: Double) {
        let r: Result = try run(paths: paths, fields: ["MSH-10", "PID-3", "OBR-3"])
        return (r.messages, r.seconds)
    }
}
