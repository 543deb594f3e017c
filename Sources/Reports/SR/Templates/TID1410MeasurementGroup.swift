/// One finding as a Measurement Group: TID 1410 Planar ROI Measurements when the finding has an
/// image region, else TID 1501 Measurement and Qualitative Evaluation Group. Items follow the
/// order highdicom writes them in, so its parsers find every part.
public struct TID1410MeasurementGroup: Sendable {
    /// The planar region: a point (the heatmap peak) or shape on one source image.
    public struct ImageRegion: Sendable, Equatable {
        public let graphicType: SRGraphicType
        /// Column, row pairs in pixel coordinates.
        public let coordinates: [Double]
        public let image: SRInstanceReference

        public init(graphicType: SRGraphicType, coordinates: [Double], image: SRInstanceReference) throws {
            // Multipoint is not a region (TID 1410 row 7).
            guard graphicType != .multipoint else {
                throw SRContentError(.badGraphicData(graphicType: graphicType.rawValue, count: coordinates.count),
                                     context: CodedConcept.imageRegion.key)
            }
            _ = try ContentItem.scoord(.imageRegion, graphicType, coordinates, on: image, relationship: .contains)
            self.graphicType = graphicType
            self.coordinates = coordinates
            self.image = image
        }
    }

    public enum CertaintyUnits: Sendable {
        /// Probability 0…1 with UCUM "1" (no units).
        case unitless
        /// Percent 0…100 with UCUM "%".
        case percent
    }

    public let trackingIdentifier: String
    public let trackingUID: String
    /// Nil for a group that records why there is no result (TID 1501 makes Finding optional).
    public let finding: CodedConcept?
    public let findingSites: [CodedConcept]
    public let algorithm: TID4019AlgorithmIdentification?
    /// Probability 0…1, written in `certaintyUnits`.
    public let certainty: Double?
    public let certaintyUnits: CertaintyUnits
    public let priority: CodedConcept?
    public let region: ImageRegion?
    /// Free-text qualitative evaluations (TID 1501 "CONTAINS TEXT"), as Comment items.
    public let comments: [String]

    public init(trackingIdentifier: String, trackingUID: String, finding: CodedConcept?, findingSites: [CodedConcept],
                algorithm: TID4019AlgorithmIdentification?, certainty: Double?, certaintyUnits: CertaintyUnits = .unitless,
                priority: CodedConcept?, region: ImageRegion?,
                comments: [String] = []) throws {
        _ = try ContentItem.text(.trackingIdentifier, trackingIdentifier, relationship: .hasObsContext)
        _ = try ContentItem.uidref(.trackingUniqueIdentifier, trackingUID, relationship: .hasObsContext)
        // A TEXT tracking identifier is shown in lists; keep it the LO size receivers expect.
        guard trackingIdentifier.count <= 64 else {
            throw SRContentError(.valueTooLong(limit: 64), context: CodedConcept.trackingIdentifier.key)
        }
        if let certainty {
            guard certainty.isFinite, (0...1).contains(certainty) else {
                throw SRContentError(.notFinite, context: CodedConcept.certaintyOfFinding.key)
            }
        }
        for c in comments { _ = try ContentItem.text(.comment, c, relationship: .contains) }
        self.trackingIdentifier = trackingIdentifier
        self.trackingUID = trackingUID
        self.finding = finding
        self.findingSites = findingSites
        self.algorithm = algorithm
        self.certainty = certainty
        self.certaintyUnits = certaintyUnits
        self.priority = priority
        self.region = region
        self.comments = comments
    }

    public var templateID: String { region == nil ? "1501" : "1410" }

    public func contentItem() throws -> ContentItem {
        var items: [ContentItem] = [
            try .text(.trackingIdentifier, trackingIdentifier, relationship: .hasObsContext),
            try .uidref(.trackingUniqueIdentifier, trackingUID, relationship: .hasObsContext),
        ]
        if let finding { items.append(.code(.finding, finding, relationship: .contains)) }
        items += findingSites.map { ContentItem.code(.findingSite, $0, relationship: .hasConceptMod) }
        if let algorithm { items += try algorithm.contentItems() }
        if let certainty {
            switch certaintyUnits {
            case .unitless: items.append(try .num(.certaintyOfFinding, certainty, units: .noUnits, relationship: .contains))
            case .percent: items.append(try .num(.certaintyOfFinding, certainty * 100, units: .percent, relationship: .contains))
            }
        }
        if let priority { items.append(.code(.priority, priority, relationship: .contains)) }
        if let region {
            items.append(try .scoord(.imageRegion, region.graphicType, region.coordinates, on: region.image, relationship: .contains))
        }
        items += try comments.map { try ContentItem.text(.comment, $0, relationship: .contains) }
        return .container(.measurementGroup, relationship: .contains, template: templateID, children: items)
    }
}
