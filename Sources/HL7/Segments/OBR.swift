/// OBR, observation request (chapter 4.5.3 / 7.4.1).
public struct OBR: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    public var setID: String? { segment.string(1) }
    public var placerOrderNumber: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 2) }
    public var fillerOrderNumber: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 3) }
    public var universalServiceID: HL7CodedElement? { HL7CodedElement(segment, 4) }
    public var observationDateTime: HL7DateTime? { segment.dateTime(7) }
    /// OBR-18/19 placer fields, where some RIS put the accession number.
    public var placerField1: String? { segment.string(18) }
    public var resultsReportedDateTime: HL7DateTime? { segment.dateTime(22) }
    public var diagnosticServiceSectionID: String? { segment.string(24) }
    /// OBR-25 (table 0123): `P` preliminary, `F` final, `C` corrected, …
    public var resultStatus: String? { segment.string(25) }
}

extension HL7Message {
    public var obrs: [OBR] { segments("OBR").map(OBR.init) }
}
