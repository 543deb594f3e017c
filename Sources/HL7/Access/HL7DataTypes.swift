/// Composite data types the typed segment views return. Every part is unescaped text.

/// EI (entity identifier): an order number, an accession, a Study Instance UID.
public struct HL7EntityIdentifier: Sendable, Hashable {
    public var id: String
    public var namespaceID: String?
    public var universalID: String?
    public var universalIDType: String?

    public init(id: String, namespaceID: String? = nil, universalID: String? = nil, universalIDType: String? = nil) {
        self.id = id
        self.namespaceID = namespaceID
        self.universalID = universalID
        self.universalIDType = universalIDType
    }

    init?(_ seg: HL7Segment, _ field: Int, rep: Int = 1) {
        guard let id = seg.string(field, rep, 1) else { return nil }
        self.init(id: id, namespaceID: seg.string(field, rep, 2), universalID: seg.string(field, rep, 3),
                  universalIDType: seg.string(field, rep, 4))
    }
}

/// CX (extended composite ID): a patient identifier with its assigning authority.
public struct HL7PatientIdentifier: Sendable, Hashable {
    public var id: String
    public var checkDigit: String?
    /// CX.4 namespace ID (e.g. `HOSP`); the authority's universal ID is in `assigningAuthorityUniversalID`.
    public var assigningAuthority: String?
    public var assigningAuthorityUniversalID: String?
    /// CX.5, e.g. `MR` (medical record number).
    public var identifierTypeCode: String?
    public var assigningFacility: String?

    /// From one repetition of a CX field (see `HL7Field.repetitions`).
    init?(_ rep: HL7Field) {
        guard let id = rep.string(1) else { return nil }
        self.id = id
        checkDigit = rep.string(2)
        assigningAuthority = rep.string(4, 1)
        assigningAuthorityUniversalID = rep.string(4, 2)
        identifierTypeCode = rep.string(5)
        assigningFacility = rep.string(6, 1)
    }
}

/// CE / CWE (coded element): identifier, text and coding system.
public struct HL7CodedElement: Sendable, Hashable {
    public var identifier: String?
    public var text: String?
    public var codingSystem: String?

    public init(identifier: String?, text: String? = nil, codingSystem: String? = nil) {
        self.identifier = identifier
        self.text = text
        self.codingSystem = codingSystem
    }

    init?(_ seg: HL7Segment, _ field: Int, rep: Int = 1) {
        let id = seg.string(field, rep, 1), text = seg.string(field, rep, 2)
        guard id != nil || text != nil else { return nil }
        self.init(identifier: id, text: text, codingSystem: seg.string(field, rep, 3))
    }
}

/// XPN (person name), the parts used for display.
public struct HL7PersonName: Sendable, Hashable {
    public var family: String?
    public var given: String?
    public var middle: String?
    public var suffix: String?
    public var prefix: String?

    init?(_ seg: HL7Segment, _ field: Int, rep: Int = 1) {
        family = seg.string(field, rep, 1, 1)
        given = seg.string(field, rep, 2)
        middle = seg.string(field, rep, 3)
        suffix = seg.string(field, rep, 4)
        prefix = seg.string(field, rep, 5)
        if family == nil && given == nil { return nil }
    }
}

/// MSG (message type): code, trigger event and structure, e.g. `ORU^R01^ORU_R01`.
public struct HL7MessageType: Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var trigger: String?
    public var structure: String?

    public init(code: String, trigger: String? = nil, structure: String? = nil) {
        self.code = code
        self.trigger = trigger
        self.structure = structure
    }

    public var description: String { [code, trigger, structure].compactMap { $0 }.joined(separator: "^") }
}

extension HL7Segment {
    func dateTime(_ field: Int, _ rep: Int = 1, _ comp: Int = 1) -> HL7DateTime? {
        string(field, rep, comp).flatMap(HL7DateTime.init)
    }

    /// One value per repetition of a field, the field split once (not rescanned per repetition).
    func repetitions<T>(_ field: Int, _ make: (HL7Field) -> T?) -> [T] {
        self.field(field)?.repetitions.compactMap(make) ?? []
    }
}

extension HL7Field {
    /// Like `HL7Segment.string`, within this field (or one of its `repetitions`).
    func string(_ component: Int = 1, _ subcomponent: Int = 1) -> String? {
        value(component: component, subcomponent: subcomponent).text
    }
}
