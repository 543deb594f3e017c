/// Caps on one message, checked while a file is parsed. A message over any of them is rejected
/// like any other malformed message (an `HL7Error` naming the segment and field, never a
/// value) and the rest of the file is still read.
///
/// Parsing is linear, so the caps are not there to save the parser: they refuse files that no
/// sender produces on purpose (a 6 MB PID-3 of 200,000 identifiers) before their fan-out
/// reaches order linking, reports and the ledger. The defaults sit one to two orders of
/// magnitude above what real feeds send.
public struct HL7Limits: Sendable, Hashable {
    /// Repetitions in one field. The fields that repeat in practice stay far below 1,000:
    /// PID-3 carries a handful of identifiers (a few dozen from a busy MPI), MSH-18 and OBX-8 a
    /// few codes, OBX-5 text one line per repetition (a long report is a few hundred lines).
    public var maxRepetitions: Int
    /// Segments in one message. A report sent as one OBX per line, or a cumulative lab result,
    /// runs to hundreds of segments; 10,000 leaves room for both.
    public var maxSegments: Int
    /// Bytes of one field as written. The largest fields in practice are Base64 documents in
    /// OBX-5 (ED): 16 MiB holds a 12 MB PDF.
    public var maxFieldBytes: Int
    /// Bytes of one message as written, from MSH to the end of its last segment: room for a
    /// few such documents in one message.
    public var maxMessageBytes: Int

    public init(maxRepetitions: Int = 1_000, maxSegments: Int = 10_000,
                maxFieldBytes: Int = 16 << 20, maxMessageBytes: Int = 64 << 20) {
        self.maxRepetitions = maxRepetitions
        self.maxSegments = maxSegments
        self.maxFieldBytes = maxFieldBytes
        self.maxMessageBytes = maxMessageBytes
    }
}
