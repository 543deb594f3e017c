public import DICOM

/// TID 1500 Measurement Report: the document root of an AI result SR (IHE AI Results):
/// language, device observer, procedure reported, and the Imaging Measurements container with
/// one measurement group per finding.
public struct TID1500MeasurementReport: Sendable {
    public let observationContext: TID1001ObservationContext
    public let proceduresReported: [CodedConcept]
    public let groups: [TID1410MeasurementGroup]
    public let language: CodedConcept

    public init(observationContext: TID1001ObservationContext, proceduresReported: [CodedConcept],
                groups: [TID1410MeasurementGroup], language: CodedConcept = .englishUS) throws {
        // Row 4 is 1-n; the Imaging Measurements container (row 6) needs at least one group.
        guard !proceduresReported.isEmpty else { throw SRContentError(.emptyValue, context: CodedConcept.procedureReported.key) }
        guard !groups.isEmpty else { throw SRContentError(.emptyValue, context: CodedConcept.imagingMeasurements.key) }
        self.observationContext = observationContext
        self.proceduresReported = proceduresReported
        self.groups = groups
        self.language = language
    }

    public func root() throws -> ContentItem {
        var items: [ContentItem] = [.code(.languageOfContent, language, relationship: .hasConceptMod)]
        items += try observationContext.contentItems()
        items += proceduresReported.map { ContentItem.code(.procedureReported, $0, relationship: .hasConceptMod) }
        let measurements = ContentItem.container(.imagingMeasurements, relationship: .contains,
                                                 children: try groups.map { try $0.contentItem() })
        items.append(measurements)
        return .container(.imagingMeasurementReport, relationship: nil, template: "1500", children: items)
    }

    /// The SR Document Content module attributes, to merge into the document's top level.
    public func documentContent() throws -> MutableDataSet { try root().dataSet }

    /// Every image a region points at (they must also be in the evidence sequence).
    public var referencedImages: [SRInstanceReference] { groups.compactMap { $0.region?.image } }
}
