import Foundation

/// OBX, observation/result (chapter 7.4.2).
public struct OBX: Sendable {
    public let segment: HL7Segment
    public init(_ segment: HL7Segment) { self.segment = segment }

    public var setID: String? { segment.string(1) }
    /// OBX-2, e.g. `NM`, `CE`, `ST`, `ED`.
    public var valueType: String? { segment.string(2) }
    public var observationIdentifier: HL7CodedElement? { HL7CodedElement(segment, 3) }
    public var subID: String? { segment.string(4) }
    /// OBX-5 as one field view (its structure depends on OBX-2).
    public var value: HL7Field? { segment.field(5) }
    /// OBX-5 first component of each repetition (the whole value for ST/NM).
    public var values: [String] { segment.repetitions(5) { $0.string() } }
    public var codedValue: HL7CodedElement? { HL7CodedElement(segment, 5) }
    /// OBX-5 of an ED value: source ^ type ^ subtype ^ encoding ^ data.
    public var encapsulatedData: (type: String?, subtype: String?, encoding: String?, data: String?) {
        (segment.string(5, 1, 2), segment.string(5, 1, 3), segment.string(5, 1, 4), segment.string(5, 1, 5))
    }
    /// The document bytes of an ED value sent as `^AP^PDF^Base64^…` or
    /// `^application^pdf^Base64^…` (both are in use); nil for anything else.
    public var embeddedPDF: [UInt8]? {
        let ed = encapsulatedData
        guard valueType?.uppercased() == "ED", ed.encoding?.lowercased() == "base64",
              let type = ed.type?.lowercased(), let subtype = ed.subtype?.lowercased(),
              (type == "ap" || type == "application") && subtype == "pdf", let text = ed.data,
              let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else { return nil }
        return [UInt8](data)
    }

    public var units: HL7CodedElement? { HL7CodedElement(segment, 6) }
    public var referenceRange: String? { segment.string(7) }
    public var abnormalFlags: [String] { segment.repetitions(8) { $0.string() } }
    /// OBX-11 (table 0085).
    public var resultStatus: String? { segment.string(11) }
    public var observationDateTime: HL7DateTime? { segment.dateTime(14) }
}

extension HL7Message {
    public var obxs: [OBX] { segments("OBX").map(OBX.init) }
}
