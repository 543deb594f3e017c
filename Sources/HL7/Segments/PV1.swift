/// PV1, patient visit (chapter 3.4.3).
public struct PV1: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    public var patientClass: String? { segment.string(2) }
    /// PV1-3 point of care / room / bed, as the first three components.
    public var assignedLocation: [String?] { (1...3).map { segment.string(3, 1, $0) } }
    public var attendingDoctorID: String? { segment.string(7) }
    public var referringDoctorID: String? { segment.string(8) }
    public var visitNumber: String? { segment.string(19) }
    public var admitDateTime: HL7DateTime? { segment.dateTime(44) }
}

extension HL7Message {
    public var pv1: PV1? { segment("PV1").map(PV1.init) }
}
