/// A problem with one message (or with the framing of a file), safe to log.
///
/// `description` names the file, the message index, the segment and the field, never a field
/// value: HL7 carries patient data, and these errors end up in quarantine reports and logs.
public struct HL7Error: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file holds no recognisable HL7 at all.
        public static let notHL7 = Code("not HL7")
        public static let unreadableFile = Code("unreadable file")
        /// Segments that do not start with an MSH (e.g. a frame or a run of segments before the first MSH).
        public static let missingMSH = Code("message without MSH")
        public static let mshTooShort = Code("MSH too short")
        public static let badDelimiters = Code("unusable delimiters in MSH-1/MSH-2")
        public static let unknownVersion = Code("unknown version")
        public static let batchCountMismatch = Code("batch count mismatch")
        public static let unexpectedSegment = Code("unexpected batch segment")
        public static let badSegment = Code("malformed segment")
        public static let badPath = Code("bad field path")
        /// Over one of the `HL7Limits`; the detail gives the count or size and the limit.
        public static let tooManyRepetitions = Code("too many repetitions")
        public static let tooManySegments = Code("too many segments")
        public static let fieldTooLarge = Code("field too large")
        public static let messageTooLarge = Code("message too large")
    }

    public let code: Code
    /// The file name as given to the parser.
    public let file: String
    /// 1-based message index in the file, nil for file-level problems.
    public let messageIndex: Int?
    /// Segment ID (e.g. `MSH`, `BTS`), nil when no segment applies.
    public let segment: String?
    /// 1-based segment position within the message (or the file for batch segments).
    public let segmentPosition: Int?
    /// 1-based field number, nil when the whole segment is at fault.
    public let field: Int?
    /// Extra context that is never patient data (e.g. "declared 3, found 2").
    public let detail: String?

    public init(_ code: Code, file: String, messageIndex: Int? = nil, segment: String? = nil,
                segmentPosition: Int? = nil, field: Int? = nil, detail: String? = nil) {
        self.code = code
        self.file = file
        self.messageIndex = messageIndex
        self.segment = segment
        self.segmentPosition = segmentPosition
        self.field = field
        self.detail = detail
    }

    public var description: String { "\(file): \(problem)" }

    /// What is wrong and where, without the file name: for reports that already name the file.
    public var problem: String {
        var s = "\(code)"
        if let messageIndex { s += " in message \(messageIndex)" }
        if let segment {
            s += " at segment \(segment)"
            if let segmentPosition { s += " (segment \(segmentPosition))" }
            if let field { s += " field \(segment)-\(field)" }
        } else if let field {
            s += " field \(field)"
        }
        if let detail { s += ": \(detail)" }
        return s
    }
}
