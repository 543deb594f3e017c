/// TID 1001 Observation Context with a device observer (TID 1002 + TID 1004): the AI model,
/// not a person, made these observations (IHE AI Results).
public struct TID1001ObservationContext: Sendable, Equatable {
    public let deviceObserverUID: String
    public let name: String?
    public let manufacturer: String?
    public let modelName: String?

    public init(deviceObserverUID: String, name: String?, manufacturer: String?, modelName: String?) throws {
        // Checked here so a bad UID fails when the context is made, not when it is written.
        _ = try ContentItem.uidref(.deviceObserverUID, deviceObserverUID, relationship: .hasObsContext)
        self.deviceObserverUID = deviceObserverUID
        self.name = name
        self.manufacturer = manufacturer
        self.modelName = modelName
    }

    public func contentItems() throws -> [ContentItem] {
        var items = [
            ContentItem.code(.observerType, .device, relationship: .hasObsContext),
            try ContentItem.uidref(.deviceObserverUID, deviceObserverUID, relationship: .hasObsContext),
        ]
        let texts: [(CodedConcept, String?)] = [
            (.deviceObserverName, name), (.deviceObserverManufacturer, manufacturer), (.deviceObserverModelName, modelName),
        ]
        for case let (concept, text?) in texts where !text.isEmpty {
            items.append(try .text(concept, text, relationship: .hasObsContext))
        }
        return items
    }
}
