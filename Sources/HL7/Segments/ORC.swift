/// ORC, common order (chapter 4.5.1).
public struct ORC: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    /// ORC-1, e.g. `NW` new, `CA` cancel, `RE` observations to follow.
    public var orderControl: String? { segment.string(1) }
    public var placerOrderNumber: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 2) }
    /// ORC-3; radiology systems commonly carry the accession number here.
    public var fillerOrderNumber: HL7EntityIdentifier? { HL7EntityIdentifier(segment, 3) }
    public var orderStatus: String? { segment.string(5) }
    public var transactionDateTime: HL7DateTime? { segment.dateTime(9) }
    public var orderingProviderID: String? { segment.string(12) }
}

extension HL7Message {
    public var orcs: [ORC] { segments("ORC").map(ORC.init) }
}
