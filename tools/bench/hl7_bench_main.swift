// Standalone runner for tools/bench_hl7.py, compiled with Sources/HL7 by swiftc -O (no SwiftPM
// needed). Prints one JSON line: messages, seconds, checksum. Fields read: argv after "--".
@main
struct HL7BenchMain {
    static func main() throws {
        var args = Array(CommandLine.arguments.dropFirst())
        var fields = ["MSH-10", "PID-3", "OBR-3"]
        if let dash = args.firstIndex(of: "--") {
            fields = Array(args[(dash + 1)...])
            args = Array(args[..<dash])
        }
        let r = try HL7Bench.run(paths: args, fields: fields)
        print("{\"messages\": \(r.messages), \"seconds\": \(r.seconds), \"checksum\": \(r.checksum)}")
    }
}
