/// EVN, the event type (chapter 3.4.1).
public struct EVN: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    public var eventTypeCode: String? { segment.string(1) }
    public var recordedDateTime: HL7DateTime? { segment.dateTime(2) }
    public var plannedEventDateTime: HL7DateTime? { segment.dateTime(3) }
    public var eventReasonCode: String? { segment.string(4) }
    public var eventOccurred: HL7DateTime? { segment.dateTime(6) }
}

extension HL7Message {
    public var evn: EVN? { segment("EVN").map(EVN.init) }
}
