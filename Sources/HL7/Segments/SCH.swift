/// SCH, scheduling activity information (chapter 10.6.2).
public struct SCH: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    public var placerAppointmentID: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 1) }
    public var fillerAppointmentID: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 2) }
    public var eventReason: HL7CodedElement? { HL7CodedElement(segment, 6) }
    public var appointmentReason: HL7CodedElement? { HL7CodedElement(segment, 7) }
    public var appointmentType: HL7CodedElement? { HL7CodedElement(segment, 8) }
    public var appointmentDuration: String? { segment.string(9) }
    /// SCH-11.4, the start of the appointment timing (TQ), still sent by most schedulers.
    public var startDateTime: HL7DateTime? { segment.dateTime(11, 1, 4) }
    /// SCH-26/27 placer and filler order numbers, linking the appointment to an order.
    public var placerOrderNumber: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 26) }
    public var fillerOrderNumber: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 27) }
    public var fillerStatusCode: HL7CodedElement? { HL7CodedElement(segment, 25) }
}

extension HL7Message {
    public var sch: SCH? { segment("SCH").map(SCH.init) }
}
