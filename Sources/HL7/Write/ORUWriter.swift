import Foundation

/// ORU^R01 v2.5.1 for AI results: MSH, PID, ORC, OBR (OBR-25 result status), then one OBX per
/// observation (CE, NM, ST, ED carrying a PDF as Base64, or no value when it could not be
/// obtained), each followed by its NTE notes.
///
/// Non-ASCII text is written as UTF-8 and declared in MSH-18 (`UNICODE UTF-8`).
public struct ORUMessage: Sendable {
    public struct Patient: Sendable {
        public var id: String
        public var assigningAuthority: String?
        public var identifierTypeCode: String?
        public var familyName: String?
        public var givenName: String?
        /// PID-5.7 (table 0200), e.g. `U` when no name is known: PID-5 is required.
        public var nameTypeCode: String?
        /// DTM text, e.g. `19700101`.
        public var birthDate: String?
        public var sex: String?

        public init(id: String, assigningAuthority: String? = nil, identifierTypeCode: String? = "MR",
                    familyName: String? = nil, givenName: String? = nil, birthDate: String? = nil, sex: String? = nil) {
            self.id = id
            self.assigningAuthority = assigningAuthority
            self.identifierTypeCode = identifierTypeCode
            self.familyName = familyName
            self.givenName = givenName
            self.nameTypeCode = familyName == nil && givenName == nil ? "U" : nil
            self.birthDate = birthDate
            self.sex = sex
        }
    }

    public struct Order: Sendable {
        public var placerOrderNumber: HL7EntityIdentifier?
        /// Usually the accession number the study carries.
        public var fillerOrderNumber: HL7EntityIdentifier?
        public var universalService: HL7CodedElement
        public var observationDateTime: String?
        public var resultsDateTime: String?
        public var diagnosticServiceSection: String?
        /// OBR-25 (table 0123); `P` for unverified AI output.
        public var resultStatus: String
        /// ORC-1; `RE` = observations to follow.
        public var orderControl: String
        /// ORC-5 (table 0038), `CM` = completed.
        public var orderStatus: String?

        public init(placerOrderNumber: HL7EntityIdentifier? = nil, fillerOrderNumber: HL7EntityIdentifier? = nil,
                    universalService: HL7CodedElement, observationDateTime: String? = nil,
                    resultsDateTime: String? = nil, diagnosticServiceSection: String? = "RAD",
                    resultStatus: String = "P", orderControl: String = "RE", orderStatus: String? = "CM") {
            self.placerOrderNumber = placerOrderNumber
            self.fillerOrderNumber = fillerOrderNumber
            self.universalService = universalService
            self.observationDateTime = observationDateTime
            self.resultsDateTime = resultsDateTime
            self.diagnosticServiceSection = diagnosticServiceSection
            self.resultStatus = resultStatus
            self.orderControl = orderControl
            self.orderStatus = orderStatus
        }
    }

    public struct Observation: Sendable {
        public enum Value: Sendable {
            case coded(HL7CodedElement)
            case numeric(String, units: HL7CodedElement?)
            case string(String)
            /// A PDF (or other document) embedded as ED `^AP^PDF^Base64^…`.
            case encapsulated(type: String, subtype: String, data: [UInt8])
            /// No value (OBX-2 and OBX-5 empty), e.g. with status `X`: the result cannot be obtained.
            case absent
        }
        public var identifier: HL7CodedElement
        public var value: Value
        /// OBX-4: rows of one finding share a sub-ID.
        public var subID: String?
        /// OBX-8, e.g. `A` abnormal, `AA` critical.
        public var abnormalFlag: String?
        /// OBX-11 (table 0085).
        public var status: String
        /// NTE segments after the OBX (NTE-3 comments, source `L`: the filler).
        public var notes: [String]

        public init(identifier: HL7CodedElement, value: Value, subID: String? = nil, abnormalFlag: String? = nil,
                    status: String = "P", notes: [String] = []) {
            self.identifier = identifier
            self.value = value
            self.subID = subID
            self.abnormalFlag = abnormalFlag
            self.status = status
            self.notes = notes
        }

        public static func pdf(_ data: [UInt8], identifier: HL7CodedElement = HL7CodedElement(
            identifier: "18748-4", text: "Diagnostic Imaging Report", codingSystem: "LN"), status: String = "P") -> Observation {
            Observation(identifier: identifier, value: .encapsulated(type: "AP", subtype: "PDF", data: data), status: status)
        }
    }

    public var sendingApplication = "SLUICE"
    public var sendingFacility: String?
    public var receivingApplication: String?
    public var receivingFacility: String?
    /// MSH-7 DTM text (see `HL7DateTime.format`).
    public var dateTime: String
    public var controlID: String
    public var processingID = "P"
    public var patient: Patient
    public var order: Order
    public var observations: [Observation]

    public init(controlID: String, dateTime: String, patient: Patient, order: Order, observations: [Observation]) {
        self.controlID = controlID
        self.dateTime = dateTime
        self.patient = patient
        self.order = order
        self.observations = observations
    }

    public func builder() -> HL7MessageBuilder {
        var b = HL7MessageBuilder()
        // Paths here are constants; a failure would be a programming error caught by tests.
        func set(_ path: String, _ value: String?) { try! b.set(path, value) }
        func ei(_ path: String, _ v: HL7EntityIdentifier?) {
            guard let v else { return }
            set("\(path).1", v.id); set("\(path).2", v.namespaceID); set("\(path).3", v.universalID); set("\(path).4", v.universalIDType)
        }
        func ce(_ path: String, _ v: HL7CodedElement?) {
            guard let v else { return }
            set("\(path).1", v.identifier); set("\(path).2", v.text); set("\(path).3", v.codingSystem)
        }
        set("MSH-3", sendingApplication); set("MSH-4", sendingFacility)
        set("MSH-5", receivingApplication); set("MSH-6", receivingFacility)
        set("MSH-7", dateTime)
        set("MSH-9.1", "ORU"); set("MSH-9.2", "R01"); set("MSH-9.3", "ORU_R01")
        set("MSH-10", controlID); set("MSH-11", processingID); set("MSH-12", "2.5.1")
        set("MSH-15", "AL"); set("MSH-16", "NE")

        set("PID-1", "1")
        set("PID-3.1", patient.id); set("PID-3.4", patient.assigningAuthority); set("PID-3.5", patient.identifierTypeCode)
        set("PID-5.1", patient.familyName); set("PID-5.2", patient.givenName); set("PID-5.7", patient.nameTypeCode)
        set("PID-7", patient.birthDate); set("PID-8", patient.sex)

        set("ORC-1", order.orderControl)
        ei("ORC-2", order.placerOrderNumber); ei("ORC-3", order.fillerOrderNumber)
        set("ORC-5", order.orderStatus)

        set("OBR-1", "1")
        ei("OBR-2", order.placerOrderNumber); ei("OBR-3", order.fillerOrderNumber)
        ce("OBR-4", order.universalService)
        set("OBR-7", order.observationDateTime)
        set("OBR-22", order.resultsDateTime ?? dateTime)
        set("OBR-24", order.diagnosticServiceSection)
        set("OBR-25", order.resultStatus)

        var nte = 0
        for (k, obs) in observations.enumerated() {
            let p = "OBX[\(k + 1)]"
            set("\(p)-1", String(k + 1))
            ce("\(p)-3", obs.identifier)
            set("\(p)-4", obs.subID)
            switch obs.value {
            case .coded(let code):
                set("\(p)-2", "CE"); ce("\(p)-5", code)
            case .numeric(let number, let units):
                set("\(p)-2", "NM"); set("\(p)-5", number); ce("\(p)-6", units)
            case .string(let text):
                set("\(p)-2", "ST"); set("\(p)-5", text)
            case .encapsulated(let type, let subtype, let data):
                set("\(p)-2", "ED")
                set("\(p)-5.2", type); set("\(p)-5.3", subtype); set("\(p)-5.4", "Base64")
                set("\(p)-5.5", Data(data).base64EncodedString())
            case .absent:
                break
            }
            set("\(p)-8", obs.abnormalFlag)
            set("\(p)-11", obs.status)
            // Segments are appended in the order first set, so each NTE follows its OBX.
            for (j, note) in obs.notes.enumerated() {
                nte += 1
                set("NTE[\(nte)]-1", String(j + 1)); set("NTE[\(nte)]-2", "L"); set("NTE[\(nte)]-3", note)
            }
        }
        return b
    }

    /// The message text, CR-terminated segments.
    public func build() -> String {
        var b = builder()
        if !build(b).utf8.allSatisfy({ $0 < 0x80 }) { try! b.set("MSH-18", "UNICODE UTF-8") }
        return build(b)
    }

    private func build(_ b: HL7MessageBuilder) -> String { b.build() }
}
