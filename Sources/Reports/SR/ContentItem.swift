public import DICOM

/// Relationship Type (0040,A010) of a content item to its parent (PS3.3 C.17.3.2.4).
public enum SRRelationship: String, Sendable {
    case contains = "CONTAINS"
    case hasObsContext = "HAS OBS CONTEXT"
    case hasConceptMod = "HAS CONCEPT MOD"
    case hasProperties = "HAS PROPERTIES"
    case inferredFrom = "INFERRED FROM"
    case selectedFrom = "SELECTED FROM"
}

/// SCOORD Graphic Type (0070,0023) and how many (column,row) pairs each takes.
public enum SRGraphicType: String, Sendable {
    case point = "POINT"
    case multipoint = "MULTIPOINT"
    case polyline = "POLYLINE"
    case circle = "CIRCLE"
    case ellipse = "ELLIPSE"

    func accepts(pairs: Int) -> Bool {
        switch self {
        case .point: return pairs == 1
        case .multipoint, .polyline: return pairs >= 1
        case .circle: return pairs == 2
        case .ellipse: return pairs == 4
        }
    }
}

/// A reference to one composite instance (IMAGE content items, evidence lists).
public struct SRInstanceReference: Sendable, Equatable {
    public let sopClassUID: String
    public let sopInstanceUID: String
    public let frameNumbers: [Int]

    public init(sopClassUID: String, sopInstanceUID: String, frameNumbers: [Int] = []) throws {
        guard UIDs.isValid(sopClassUID), UIDs.isValid(sopInstanceUID) else {
            throw SRContentError(.invalidUID, context: "referenced instance")
        }
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.frameNumbers = frameNumbers
    }

    var item: MutableDataSet {
        var ds = MutableDataSet()
        ds.set(.referencedSOPClassUID, .UI, sopClassUID)
        ds.set(.referencedSOPInstanceUID, .UI, sopInstanceUID)
        if !frameNumbers.isEmpty { ds.set(.referencedFrameNumber, .IS, ints: frameNumbers) }
        return ds
    }
}

/// One SR content item (PS3.3 C.17.3) and its children. Only the checked factories below make
/// them, and only `dataSet` turns them into (0040,A730) items: nothing else in Sluice writes
/// content sequences by hand.
public struct ContentItem: Sendable {
    public enum Value: Sendable {
        case container(continuous: Bool, template: String?)
        case text(String)
        case code(CodedConcept)
        case num(Double, units: CodedConcept)
        case uidref(String)
        case scoord(SRGraphicType, [Double])
        case image(SRInstanceReference)
    }

    public let relationship: SRRelationship?
    public let name: CodedConcept?
    public let value: Value
    public private(set) var children: [ContentItem]

    private init(_ relationship: SRRelationship?, _ name: CodedConcept?, _ value: Value, _ children: [ContentItem] = []) {
        self.relationship = relationship
        self.name = name
        self.value = value
        self.children = children
    }

    public var valueType: String {
        switch value {
        case .container: return "CONTAINER"
        case .text: return "TEXT"
        case .code: return "CODE"
        case .num: return "NUM"
        case .uidref: return "UIDREF"
        case .scoord: return "SCOORD"
        case .image: return "IMAGE"
        }
    }

    // MARK: checked factories

    /// A CONTAINER; `relationship` nil only for the document root.
    public static func container(_ name: CodedConcept, relationship: SRRelationship?, template: String? = nil,
                                 continuous: Bool = false, children: [ContentItem]) -> ContentItem {
        ContentItem(relationship, name, .container(continuous: continuous, template: template), children)
    }

    public static func text(_ name: CodedConcept, _ text: String, relationship: SRRelationship) throws -> ContentItem {
        guard !text.isEmpty else { throw SRContentError(.emptyValue, context: name.key) }
        // UT holds up to 2^32-2 bytes; anything near that is a bug upstream, not a report.
        guard text.utf8.count <= 1 << 20 else { throw SRContentError(.valueTooLong(limit: 1 << 20), context: name.key) }
        return ContentItem(relationship, name, .text(text))
    }

    public static func code(_ name: CodedConcept, _ value: CodedConcept, relationship: SRRelationship) -> ContentItem {
        ContentItem(relationship, name, .code(value))
    }

    public static func num(_ name: CodedConcept, _ value: Double, units: CodedConcept,
                           relationship: SRRelationship) throws -> ContentItem {
        guard value.isFinite else { throw SRContentError(.notFinite, context: name.key) }
        return ContentItem(relationship, name, .num(value, units: units))
    }

    public static func uidref(_ name: CodedConcept, _ uid: String, relationship: SRRelationship) throws -> ContentItem {
        guard UIDs.isValid(uid) else { throw SRContentError(.invalidUID, context: name.key) }
        return ContentItem(relationship, name, .uidref(uid))
    }

    /// Spatial coordinates in image pixels (column, row pairs; (0,0) is the top left corner of
    /// the top left pixel, PS3.3 C.18.6.1.1), selected from the one image they lie on.
    public static func scoord(_ name: CodedConcept, _ type: SRGraphicType, _ data: [Double], on image: SRInstanceReference,
                              relationship: SRRelationship) throws -> ContentItem {
        guard data.count % 2 == 0, type.accepts(pairs: data.count / 2) else {
            throw SRContentError(.badGraphicData(graphicType: type.rawValue, count: data.count), context: name.key)
        }
        // FL is single precision and DICOM asks for the coordinates to be finite.
        guard data.allSatisfy({ $0.isFinite && abs($0) < 1e30 }) else { throw SRContentError(.notFinite, context: name.key) }
        let source = ContentItem(.selectedFrom, .source, .image(image))
        return ContentItem(relationship, name, .scoord(type, data), [source])
    }

    public static func image(_ name: CodedConcept?, _ reference: SRInstanceReference, relationship: SRRelationship) -> ContentItem {
        ContentItem(relationship, name, .image(reference))
    }

    // MARK: encoding

    /// The item's attributes. For the root the caller merges these into the document data set.
    public var dataSet: MutableDataSet {
        var ds = MutableDataSet()
        if let relationship { ds.set(.relationshipType, .CS, relationship.rawValue) }
        ds.set(.valueType, .CS, valueType)
        if let name { ds.set(.conceptNameCodeSequence, items: [name.item]) }
        switch value {
        case .container(let continuous, let template):
            ds.set(.continuityOfContent, .CS, continuous ? "CONTINUOUS" : "SEPARATE")
            if let template {
                var t = MutableDataSet()
                t.set(.mappingResource, .CS, "DCMR")
                t.set(.templateIdentifier, .CS, template)
                ds.set(.contentTemplateSequence, items: [t])
            }
        case .text(let text):
            ds.set(.textValue, .UT, text)
        case .code(let code):
            ds.set(.conceptCodeSequence, items: [code.item])
        case .num(let v, let units):
            var measured = MutableDataSet()
            measured.set(.numericValue, .DS, MutableDataSet.decimalString(v))
            measured.set(.measurementUnitsCodeSequence, items: [units.item])
            ds.set(.measuredValueSequence, items: [measured])
        case .uidref(let uid):
            ds.set(.uid, .UI, uid)
        case .scoord(let type, let data):
            ds.set(.graphicType, .CS, type.rawValue)
            ds.set(.graphicData, .FL, doubles: data)
        case .image(let ref):
            ds.set(.referencedSOPSequence, items: [ref.item])
        }
        if !children.isEmpty { ds.set(.contentSequence, items: children.map(\.dataSet)) }
        return ds
    }

    /// Every content item in the tree, depth first (for tests and summaries).
    public var flattened: [ContentItem] { [self] + children.flatMap(\.flattened) }
}
