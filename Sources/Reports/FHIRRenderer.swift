import Checksum
import DICOM
import Foundation

/// `studies/<key>/diagnostic-report.json`: a FHIR R4 Bundle (type collection) holding a
/// preliminary DiagnosticReport, one Observation per finding and a Device for the model. A
/// study no model ran on gets none; one the model read in full and found nothing in gets a
/// report with no results and the conclusion "Clinical finding absent", as the SR and the ORU
/// say. One with images the model did not read gets a `partial` (some read) or `cancelled`
/// (none read) report, never that conclusion, and a `cancelled` Findings Observation with a
/// `dataAbsentReason` and a note per unread image.
///
/// Resource ids are name-based UUIDs of the study, the model and its version (like the DICOM
/// result UIDs), so a rerun with the same model updates rather than duplicates them on a FHIR
/// server; the Bundle's id also names the batch and run. Keys are sorted: same report, same bytes.
public struct FHIRRenderer: Renderer {
    public let format = RenderFormat.fhir
    public static let fileName = "diagnostic-report.json"

    public init() {}

    /// FHIR code systems for the DICOM coding scheme designators models use (PS3.16 Table 8-1).
    public static let systems: [String: String] = [
        "SCT": "http://snomed.info/sct", "SRT": "http://snomed.info/sct",
        "DCM": "http://dicom.nema.org/resources/ontology/DCM", "LN": "http://loinc.org",
        "UCUM": "http://unitsofmeasure.org", "RADLEX": "http://radlex.org",
    ]
    static let identifierType = "http://terminology.hl7.org/CodeSystem/v2-0203"
    static let interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    static let dataAbsentReason = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

    public func studyFileNames(_ study: StudyReport, batch: BatchReport) -> [String] {
        study.modelName == nil ? [] : [ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName]
    }

    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        guard study.modelName != nil else { return [] }
        let name = ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName
        return [RenderedFile(name: name, data: try JSONRenderer.encode(bundle(study: study, batch: batch)))]
    }

    func bundle(study: StudyReport, batch: BatchReport) throws -> Bundle {
        guard DICOMDateTime(iso8601: batch.generatedAt) != nil else {
            throw ReportRenderError(.invalidTimestamp, file: ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName)
        }
        let model = study.modelName ?? "", version = study.modelVersion ?? ""
        let resultKey = [study.studyInstanceUID, model, version]
        let deviceID = Self.uuid(["device", model, version])
        let subject = patient(study)
        let imagingStudy = Reference(type: "ImagingStudy", identifier: Identifier(system: "urn:dicom:uid", value: "urn:oid:" + study.studyInstanceUID))
        let effective = Self.date(study.source?.studyDate ?? study.studyDate)

        var observations: [Observation] = []
        for (i, f) in study.findings.enumerated() {
            var components = [Component(
                code: Self.concept("111012", "DCM", "Certainty of Finding"),
                valueQuantity: Quantity(value: min(max(f.probability, 0), 1), unit: "no units", system: Self.systems["UCUM"]!, code: "1"))]
            if let p = SRRenderer.priority(f.urgency) {
                components.append(Component(code: Self.concept("260870009", "SCT", "Priority"), valueCodeableConcept: Self.concept(p.value, p.scheme, p.meaning)))
            }
            if let peak = f.peakPixel, !peak.isEmpty {
                components.append(Component(code: Self.concept("111030", "DCM", "Image Region", text: "Heatmap peak: pixel column and row"),
                                            valueString: Self.numbers(peak)))
            }
            if let peak = f.peakPatient, !peak.isEmpty {
                components.append(Component(code: Self.concept("111030", "DCM", "Image Region", text: "Heatmap peak: patient coordinates x y z (mm)"),
                                            valueString: Self.numbers(peak)))
            }
            let abnormal = f.urgency == .critical ? ("AA", "Critical abnormal") : ("A", "Abnormal")
            observations.append(Observation(
                id: Self.uuid(["observation"] + resultKey + [String(i + 1), f.label]),
                code: findingCode(f), subject: subject, effectiveDateTime: effective, issued: batch.generatedAt,
                interpretation: [CodeableConcept(coding: [Coding(system: Self.interpretation, code: abnormal.0, display: abnormal.1)])],
                device: Reference(reference: "urn:uuid:" + deviceID, display: model.isEmpty ? nil : model),
                derivedFrom: [imagingStudy], component: components))
        }
        let analysis = study.analysis
        if analysis.status != .complete {
            // FHIR obs-6: a dataAbsentReason instead of a value; `not-performed` when no image
            // was there to read, `error` when images could not be read.
            let absent = analysis.unread.isEmpty ? ("not-performed", "Not Performed") : ("error", "Error")
            var unread = Observation(
                id: Self.uuid(["observation"] + resultKey + ["not-analysed"]),
                code: Self.concept("59776-5", "LN", "Findings"), subject: subject, effectiveDateTime: effective,
                issued: batch.generatedAt, device: Reference(reference: "urn:uuid:" + deviceID, display: model.isEmpty ? nil : model),
                derivedFrom: [imagingStudy])
            unread.status = "cancelled"
            unread.dataAbsentReason = CodeableConcept(
                coding: [Coding(system: Self.dataAbsentReason, code: absent.0, display: absent.1)], text: analysis.summary)
            unread.note = analysis.notes().map(Annotation.init)
            observations.append(unread)
        }
        var report = DiagnosticReport(
            id: Self.uuid(["diagnostic-report"] + resultKey),
            basedOn: study.accessionNumber.isEmpty ? nil : [Reference(type: "ServiceRequest", identifier: Identifier(
                type: CodeableConcept(coding: [Coding(system: Self.identifierType, code: "ACSN", display: "Accession ID")]),
                value: study.accessionNumber))],
            subject: subject, effectiveDateTime: effective, issued: batch.generatedAt, imagingStudy: [imagingStudy],
            result: observations.isEmpty ? nil : observations.map { Reference(reference: "urn:uuid:" + $0.id) },
            conclusionCode: study.isNegative ? [Self.concept("373572006", "SCT", "Clinical finding absent")] : nil)
        switch analysis.status {
        case .complete: break
        case .partial: report.status = "partial"
        case .notAnalysed: report.status = "cancelled"
        }
        if analysis.status != .complete { report.conclusion = analysis.notes(limit: 0)[0] }
        let device = Device(
            id: deviceID,
            identifier: [Identifier(system: "urn:dicom:uid", value: "urn:oid:" + DICOMOutputUIDs(
                studyInstanceUID: study.studyInstanceUID, modelName: study.modelName, modelVersion: study.modelVersion).deviceObserver)],
            deviceName: model.isEmpty ? nil : [DeviceName(name: model, type: "model-name")],
            version: version.isEmpty ? nil : [DeviceVersion(value: version)])

        let entries = [Entry(report)] + observations.map(Entry.init) + [Entry(device)]
        return Bundle(id: Self.uuid(["bundle", batch.pipeline, batch.batchID, String(batch.run), study.studyKey]),
                      timestamp: batch.generatedAt, entry: entries)
    }

    /// A logical reference: the patient is named by its identifier, not by a Patient resource.
    func patient(_ study: StudyReport) -> Reference? {
        guard !study.patientID.isEmpty else { return nil }
        let issuer = study.issuerOfPatientID ?? ""
        let isOID = !issuer.isEmpty && issuer.utf8.allSatisfy { $0 == 0x2E || ($0 >= 0x30 && $0 <= 0x39) }
        return Reference(type: "Patient", identifier: Identifier(
            type: CodeableConcept(coding: [Coding(system: Self.identifierType, code: "MR", display: "Medical record number")]),
            system: isOID ? "urn:oid:" + issuer : nil, value: study.patientID,
            assigner: !isOID && !issuer.isEmpty ? Assigner(display: issuer) : nil))
    }

    /// The model's code in its FHIR system; a scheme without a known system keeps the code
    /// without one, and an uncoded label is text only.
    func findingCode(_ f: Finding) -> CodeableConcept {
        let label = f.label.isEmpty ? "unlabelled" : f.label
        guard let code = f.code, let scheme = f.codingScheme, !code.isEmpty, !scheme.isEmpty else {
            return CodeableConcept(text: label)
        }
        return CodeableConcept(coding: [Coding(system: Self.systems[scheme.uppercased()], code: code, display: label)], text: label)
    }

    static func concept(_ code: String, _ scheme: String, _ display: String, text: String? = nil) -> CodeableConcept {
        CodeableConcept(coding: [Coding(system: systems[scheme], code: code, display: display)], text: text)
    }

    /// DICOM DA to FHIR date (`20250109` → `2025-01-09`); nil unless it is eight digits.
    static func date(_ da: String) -> String? {
        let u = Array(da.utf8)
        guard u.count == 8, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return "\(da.prefix(4))-\(da.dropFirst(4).prefix(2))-\(da.suffix(2))"
    }

    static func numbers(_ xs: [Double]) -> String { xs.map(MutableDataSet.decimalString).joined(separator: " ") }

    /// A name-based UUID (version 8, RFC 9562) from SHA-256 of the length-prefixed parts.
    static func uuid(_ parts: [String]) -> String {
        var h = SHA256()
        for part in parts {
            h.update("\(part.utf8.count):")
            h.update(part)
        }
        var b = Array(h.finalize().prefix(16))
        b[6] = (b[6] & 0x0F) | 0x80
        b[8] = (b[8] & 0x3F) | 0x80
        let hex = b.hexString
        let cut = [8, 4, 4, 4, 12]
        var out: [Substring] = [], rest = Substring(hex)
        for n in cut { out.append(rest.prefix(n)); rest = rest.dropFirst(n) }
        return out.joined(separator: "-")
    }
}

// MARK: The FHIR R4 elements this renderer writes (nil and empty lists are left out).

extension FHIRRenderer {
    struct Coding: Encodable {
        var system: String?
        var code: String?
        var display: String?
    }

    struct CodeableConcept: Encodable {
        var coding: [Coding]?
        var text: String?
    }

    /// Reference.display only: an Identifier's assigner cannot hold a full Reference here
    /// (a value type cannot contain itself).
    struct Assigner: Encodable {
        var display: String
    }

    struct Identifier: Encodable {
        var type: CodeableConcept?
        var system: String?
        var value: String
        var assigner: Assigner?
    }

    struct Reference: Encodable {
        var reference: String?
        var type: String?
        var identifier: Identifier?
        var display: String?
    }

    struct Quantity: Encodable {
        var value: Double
        var unit: String
        var system: String
        var code: String
    }

    struct Component: Encodable {
        var code: CodeableConcept
        var valueQuantity: Quantity?
        var valueCodeableConcept: CodeableConcept?
        var valueString: String?
    }

    struct Observation: Encodable {
        let resourceType = "Observation"
        var id: String
        var status = "preliminary"
        var category = [CodeableConcept(coding: [Coding(
            system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "imaging", display: "Imaging")])]
        var code: CodeableConcept
        var subject: Reference?
        var effectiveDateTime: String?
        var issued: String
        var interpretation: [CodeableConcept]?
        var device: Reference
        var derivedFrom: [Reference]
        var component: [Component]?
        var dataAbsentReason: CodeableConcept?
        var note: [Annotation]?
    }

    struct Annotation: Encodable {
        var text: String
    }

    struct DiagnosticReport: Encodable {
        let resourceType = "DiagnosticReport"
        var id: String
        var basedOn: [Reference]?
        var status = "preliminary"
        var category = [CodeableConcept(coding: [Coding(
            system: "http://terminology.hl7.org/CodeSystem/v2-0074", code: "RAD", display: "Radiology")])]
        var code = CodeableConcept(coding: [Coding(system: "http://loinc.org", code: "18748-4", display: "Diagnostic imaging study")])
        var subject: Reference?
        var effectiveDateTime: String?
        var issued: String
        var imagingStudy: [Reference]
        var result: [Reference]?
        var conclusion: String?
        var conclusionCode: [CodeableConcept]?
    }

    struct DeviceName: Encodable {
        var name: String
        var type: String
    }

    struct DeviceVersion: Encodable {
        var value: String
    }

    struct Device: Encodable {
        let resourceType = "Device"
        var id: String
        var identifier: [Identifier]
        var deviceName: [DeviceName]?
        var version: [DeviceVersion]?
    }

    enum Resource: Encodable {
        case report(DiagnosticReport), observation(Observation), device(Device)

        var id: String {
            switch self {
            case .report(let r): r.id
            case .observation(let o): o.id
            case .device(let d): d.id
            }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .report(let r): try r.encode(to: encoder)
            case .observation(let o): try o.encode(to: encoder)
            case .device(let d): try d.encode(to: encoder)
            }
        }
    }

    struct Entry: Encodable {
        var fullUrl: String
        var resource: Resource

        init(_ resource: Resource) {
            fullUrl = "urn:uuid:" + resource.id
            self.resource = resource
        }
        init(_ r: DiagnosticReport) { self.init(.report(r)) }
        init(_ o: Observation) { self.init(.observation(o)) }
        init(_ d: Device) { self.init(.device(d)) }
    }

    struct Bundle: Encodable {
        let resourceType = "Bundle"
        var id: String
        var identifier: Identifier
        var type = "collection"
        var timestamp: String
        var entry: [Entry]

        init(id: String, timestamp: String, entry: [Entry]) {
            self.id = id
            identifier = Identifier(system: "urn:ietf:rfc:3986", value: "urn:uuid:" + id)
            self.timestamp = timestamp
            self.entry = entry
        }
    }
}
