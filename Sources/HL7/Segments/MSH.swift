/// MSH, the message header (v2.5.1 chapter 2.14.9).
public struct MSH: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    public var sendingApplication: String? { segment.string(3) }
    public var sendingFacility: String? { segment.string(4) }
    public var receivingApplication: String? { segment.string(5) }
    public var receivingFacility: String? { segment.string(6) }
    public var dateTime: HL7DateTime? { segment.dateTime(7) }
    /// MSH-9; nil when MSH-9.1 is empty.
    public var messageType: HL7MessageType? {
        guard let code = segment.string(9, 1, 1) else { return nil }
        return HL7MessageType(code: code, trigger: segment.string(9, 1, 2), structure: segment.string(9, 1, 3))
    }
    public var controlID: String? { segment.string(10) }
    public var processingID: String? { segment.string(11) }
    public var version: String? { segment.string(12) }
    public var acceptAcknowledgmentType: String? { segment.string(15) }
    public var applicationAcknowledgmentType: String? { segment.string(16) }
    /// MSH-18, every repetition (the first is the message default).
    public var characterSets: [String] { segment.repetitions(18) { $0.string() } }
}

extension HL7Message {
    public var msh: MSH { MSH(segment(at: 0)) }
    /// `ORU^R01^ORU_R01`, as typed parts.
    public var messageType: HL7MessageType? { msh.messageType }
    public var controlID: String? { msh.controlID }
    public var version: String? { msh.version }
}
