/// TID 4019 Algorithm Identification: which algorithm (name, version) made a finding. Part of
/// every measurement group, so a receiver can tell results of different model versions apart.
public struct TID4019AlgorithmIdentification: Sendable, Equatable {
    public let name: String
    public let version: String
    public let parameters: [String]

    public init(name: String, version: String, parameters: [String] = []) throws {
        for (concept, text) in [(CodedConcept.algorithmName, name), (.algorithmVersion, version)] where text.isEmpty {
            throw SRContentError(.emptyValue, context: concept.key)
        }
        // Both are TEXT items, but receivers show them in LO-sized fields.
        for (concept, text) in [(CodedConcept.algorithmName, name), (.algorithmVersion, version)] where text.count > 64 {
            throw SRContentError(.valueTooLong(limit: 64), context: concept.key)
        }
        self.name = name
        self.version = version
        self.parameters = parameters
    }

    public func contentItems() throws -> [ContentItem] {
        var items = [
            try ContentItem.text(.algorithmName, name, relationship: .hasConceptMod),
            try ContentItem.text(.algorithmVersion, version, relationship: .hasConceptMod),
        ]
        for p in parameters { items.append(try .text(.algorithmParameters, p, relationship: .hasConceptMod)) }
        return items
    }
}
