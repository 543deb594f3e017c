import Foundation

/// What `HL7File.scan` found in a file it did not keep in memory.
public struct HL7FileSummary: Sendable {
    public let name: String
    /// Message units found, valid or not (the last `HL7Message.index`).
    public var messageUnitCount = 0
    public var validCount = 0
    public var errors: [HL7Error] = []
    public var isBatch = false
}

extension HL7File {
    /// Reads a file of any size in chunks and hands each valid message to `body`, holding one
    /// message at a time: memory stays bounded by the largest message, not the file. Errors,
    /// message indices and batch counts are the same as `open(path:)` reports.
    public static func scan(path: String, chunkSize: Int = 1 << 20, limits: HL7Limits = HL7Limits(),
                            _ body: (HL7Message) throws -> Void) throws -> HL7FileSummary {
        let name = (path as NSString).lastPathComponent
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HL7Error(.unreadableFile, file: name) }
        defer { try? handle.close() }
        let chunks = AnyIterator<Data> {
            let data = try? handle.read(upToCount: chunkSize)
            return data.flatMap { $0.isEmpty ? nil : $0 }
        }
        return try scan(chunks: chunks, name: name, limits: limits, body)
    }

    /// The same over any sequence of byte chunks (a zip entry being inflated, a socket).
    public static func scan<S: Sequence>(chunks: S, name: String, limits: HL7Limits = HL7Limits(),
                                         _ body: (HL7Message) throws -> Void) throws -> HL7FileSummary
    where S.Element: Collection, S.Element.Element == UInt8 {
        var summary = HL7FileSummary(name: name)
        var reader = HL7StreamReader()
        var state = HL7FileParser.GroupState()
        let parser = HL7FileParser(bytes: [], name: name, limits: limits)
        func deliver(_ units: [[UInt8]]) throws {
            for unit in units {
                // A UTF-8 BOM stays at the front of the first unit, where the parser skips it.
                let (buffer, _) = HL7FileParser(bytes: unit, name: name).segment()
                let piece = parser.group(buffer, [], &state)
                summary.errors += piece.errors
                if !piece.batchSegments.isEmpty { summary.isBatch = true }
                for m in piece.messages {
                    summary.validCount += 1
                    try body(m)
                }
            }
        }
        for chunk in chunks { try deliver(reader.feed(chunk)) }
        try deliver(reader.finish())
        summary.errors += parser.finish(state)
        summary.messageUnitCount = state.unitCount
        return summary
    }
}
