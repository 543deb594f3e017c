import Checksum
import Foundation
public import HL7

/// `studies/<key>/oru.hl7`: the study's findings as one ORU^R01 v2.5.1 message for the RIS
/// (REFERENCE.md "HL7 v2.5.1 ORU^R01 for AI results"). It names the patient, as the SR does.
/// Pure: the same report gives the same bytes. A study no model ran on gets no ORU.
///
/// Per finding, rows sharing one OBX-4 sub-ID: the finding (CE), its certainty (NM) and its
/// priority (CE, OBX-8 `AA` for Critical, `A` for Urgent). A study the model read in full and
/// found nothing in gets "Clinical finding absent"; one with images it did not read gets a
/// Findings row with no value and status `X` (results cannot be obtained), its NTEs naming the
/// unread images and why, and OBR-25 `A` (some results) or `I` (none) instead of `P` — never
/// "absent". Then the Study Instance UID and the algorithm as ST rows, and the PDF report as ED
/// when a PDF renderer is given.
public struct HL7ORURenderer: Renderer {
    public let format = RenderFormat.hl7
    public static let fileName = "oru.hl7"

    public struct Options: Sendable {
        /// MSH-4, MSH-5, MSH-6; MSH-3 is always `SLUICE`.
        public var sendingFacility: String?
        public var receivingApplication: String?
        public var receivingFacility: String?
        /// OBR-4: the drop does not say which procedure was ordered, so the report type stands in.
        public var universalService = HL7CodedElement(identifier: "18748-4", text: "Diagnostic Imaging Report", codingSystem: "LN")
        /// Coding system for labels the model gives no code for (HL7 local systems start with 99).
        public var privateCodingSystem = "99SLUICE"
        public init() {}
    }

    public let options: Options
    /// Draws the study's PDF for the ED row; nil leaves the row out.
    public let pdfRenderer: (any Renderer)?

    public init(options: Options = Options(), embeddingPDFFrom pdfRenderer: (any Renderer)? = nil) {
        self.options = options
        self.pdfRenderer = pdfRenderer
    }

    static let findings = HL7CodedElement(identifier: "59776-5", text: "Findings", codingSystem: "LN")
    static let certainty = HL7CodedElement(identifier: "111012", text: "Certainty of Finding", codingSystem: "DCM")
    static let noUnits = HL7CodedElement(identifier: "1", text: "no units", codingSystem: "UCUM")
    static let priority = HL7CodedElement(identifier: "260870009", text: "Priority", codingSystem: "SCT")
    static let studyInstanceUID = HL7CodedElement(identifier: "110180", text: "Study Instance UID", codingSystem: "DCM")
    static let algorithmName = HL7CodedElement(identifier: "111001", text: "Algorithm Name", codingSystem: "DCM")
    static let algorithmVersion = HL7CodedElement(identifier: "111003", text: "Algorithm Version", codingSystem: "DCM")
    static let findingAbsent = HL7CodedElement(identifier: "373572006", text: "Clinical finding absent", codingSystem: "SCT")

    public func studyFileNames(_ study: StudyReport, batch: BatchReport) -> [String] {
        study.modelName == nil ? [] : [ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName]
    }

    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        guard study.modelName != nil else { return [] }
        let text = try message(study: study, batch: batch).build()
        return [RenderedFile(name: ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName, data: Data(text.utf8))]
    }

    public func message(study: StudyReport, batch: BatchReport) throws -> ORUMessage {
        let name = ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName
        guard let created = DICOMDateTime(iso8601: batch.generatedAt) else {
            throw ReportRenderError(.invalidTimestamp, file: name)
        }
        var observations: [ORUMessage.Observation] = []
        for (i, f) in study.findings.enumerated() {
            let sub = String(i + 1)
            observations.append(.init(identifier: Self.findings, value: .coded(findingCode(f)), subID: sub))
            observations.append(.init(identifier: Self.certainty, value: .numeric(Self.decimal(f.probability), units: Self.noUnits),
                                      subID: sub, abnormalFlag: "A"))
            if let p = Self.priority(f.urgency) {
                observations.append(.init(identifier: Self.priority, value: .coded(p), subID: sub, abnormalFlag: Self.abnormalFlag(f.urgency)))
            }
        }
        if study.analysis.status != .complete {
            observations.append(.init(identifier: Self.findings, value: .absent, subID: String(study.findings.count + 1),
                                      status: "X", notes: study.analysis.notes()))
        } else if study.findings.isEmpty {
            // The model read every image and found nothing: say so, as the SR does.
            observations.append(.init(identifier: Self.findings, value: .coded(Self.findingAbsent), subID: "1"))
        }
        observations.append(.init(identifier: Self.studyInstanceUID, value: .string(study.studyInstanceUID)))
        if let model = study.modelName, !model.isEmpty {
            observations.append(.init(identifier: Self.algorithmName, value: .string(model)))
        }
        if let version = study.modelVersion, !version.isEmpty {
            observations.append(.init(identifier: Self.algorithmVersion, value: .string(version)))
        }
        if let pdfRenderer, let pdf = try pdfRenderer.render(study: study, batch: batch).first(where: { $0.name.hasSuffix(".pdf") }) {
            observations.append(.pdf([UInt8](pdf.data)))
        }

        let order = linkedOrder(study)
        let placer = order?.placerOrderNumber.flatMap(Self.nonEmpty)
        let filler = order?.fillerOrderNumber.flatMap(Self.nonEmpty) ?? Self.nonEmpty(study.accessionNumber)
        var message = ORUMessage(
            controlID: Self.controlID(batch: batch, study: study),
            dateTime: created.date + Self.seconds(created.time) + created.offset,
            patient: patient(study),
            order: .init(placerOrderNumber: placer.map { HL7EntityIdentifier(id: $0) },
                         fillerOrderNumber: filler.map { HL7EntityIdentifier(id: $0) },
                         universalService: options.universalService,
                         observationDateTime: Self.observationDateTime(study),
                         resultStatus: Self.resultStatus(study.analysis.status)),
            observations: observations)
        message.sendingFacility = options.sendingFacility
        message.receivingApplication = options.receivingApplication
        message.receivingFacility = options.receivingFacility
        return message
    }

    /// MSH-10 (ST, at most 20 characters): a hash of pipeline, batch and study, then `R` and the
    /// run. Every run's message has its own ID, and all runs of one study in one batch share the
    /// prefix, so the RIS can tell a rerun's result from a new one; the same run gives the same ID.
    public static func controlID(batch: BatchReport, study: StudyReport) -> String {
        var h = SHA256()
        for part in ["oru", batch.pipeline, batch.batchID, study.studyKey] {
            h.update("\(part.utf8.count):")
            h.update(part)
        }
        let run = "R\(batch.run)"
        return String(h.finalize().hexString.uppercased().prefix(max(20 - run.count, 8))) + run
    }

    /// The order that links the study by its own numbers (not a patient-level ADT or SIU).
    func linkedOrder(_ study: StudyReport) -> OrderSummary? {
        study.orders.first { $0.linkedBy != "patient-id" && ($0.placerOrderNumber != nil || $0.fillerOrderNumber != nil) }
    }

    func patient(_ study: StudyReport) -> ORUMessage.Patient {
        // The alphabetic group of a DICOM PN: family^given^middle^prefix^suffix.
        let pn = (study.patientName ?? study.source?.patientName ?? "").split(separator: "=", omittingEmptySubsequences: false).first ?? ""
        let parts = pn.split(separator: "^", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let sex = study.source?.patientSex.uppercased()
        return ORUMessage.Patient(
            id: study.patientID, assigningAuthority: study.issuerOfPatientID.flatMap(Self.nonEmpty),
            familyName: parts.first.flatMap(Self.nonEmpty), givenName: parts.count > 1 ? Self.nonEmpty(parts[1]) : nil,
            birthDate: study.source.flatMap { Self.isDigits($0.patientBirthDate, count: 8) ? $0.patientBirthDate : nil },
            sex: ["F", "M", "O", "U"].contains(sex ?? "") ? sex : nil)
    }

    func findingCode(_ f: Finding) -> HL7CodedElement {
        let label = f.label.isEmpty ? "unlabelled" : f.label
        if let code = f.code, let scheme = f.codingScheme, !code.isEmpty, !scheme.isEmpty {
            return HL7CodedElement(identifier: code, text: label, codingSystem: scheme)
        }
        return HL7CodedElement(identifier: label, text: label, codingSystem: options.privateCodingSystem)
    }

    /// OBR-25 (table 0123): `P` preliminary (unverified AI output), `A` some but not all results
    /// available, `I` no results available, procedure incomplete. Not `X`: a RIS may take it
    /// as a cancelled order, and the imaging order stands.
    static func resultStatus(_ status: Analysis.Status) -> String {
        switch status {
        case .complete: "P"
        case .partial: "A"
        case .notAnalysed: "I"
        }
    }

    /// The SNOMED CT priority codes the SR uses for the tiers.
    static func priority(_ u: Urgency) -> HL7CodedElement? {
        SRRenderer.priority(u).map { HL7CodedElement(identifier: $0.value, text: $0.meaning, codingSystem: $0.scheme) }
    }

    /// OBX-8 (table 0078): `AA` critically abnormal, `A` abnormal.
    static func abnormalFlag(_ u: Urgency) -> String? {
        switch u {
        case .critical: "AA"
        case .urgent: "A"
        case .routine, .none, .notAnalysed: nil
        }
    }

    /// NM: plain decimal, at most 4 places, no exponent (`0.87`, `0.125`, `1`).
    static func decimal(_ p: Double) -> String {
        var s = String(format: "%.4f", min(max(p.isFinite ? p : 0, 0), 1))
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// Study Date and Time as DTM (to the second; DICOM fractions are dropped).
    static func observationDateTime(_ study: StudyReport) -> String? {
        let date = study.source?.studyDate ?? study.studyDate
        guard isDigits(date, count: 8) else { return nil }
        let time = String((study.source?.studyTime ?? "").prefix { $0 != "." })
        return [2, 4, 6].contains(time.count) && isDigits(time, count: time.count) ? date + time : date
    }

    static func seconds(_ dicomTime: String) -> String { String(dicomTime.prefix { $0 != "." }) }

    static func isDigits(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
}
