/// PID, patient identification (chapter 3.4.2).
public struct PID: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    public var setID: String? { segment.string(1) }
    /// PID-3, every repetition, each with its assigning authority: match a study's patient on
    /// (id, authority), never on the id alone.
    public var identifiers: [HL7PatientIdentifier] {
        segment.repetitions(3, HL7PatientIdentifier.init)
    }
    public var name: HL7PersonName? { HL7PersonName(segment, 5) }
    public var birthDate: HL7DateTime? { segment.dateTime(7) }
    public var sex: String? { segment.string(8) }
    public var accountNumber: String? { segment.string(18) }
}

extension HL7Message {
    public var pid: PID? { segment("PID").map(PID.init) }
}
