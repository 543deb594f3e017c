public import DICOM
import Foundation

/// `studies/<key>/report-sr.dcm`: the study's findings as a Comprehensive 3D SR with the
/// TID 1500 Measurement Report tree (IHE AI Results). Pure: the same report and source give
/// the same bytes. A study no model ran on gets no SR.
public struct SRRenderer: Renderer {
    public let format = RenderFormat.sr
    public static let fileName = "report-sr.dcm"
    public static let sopClassUID = "1.2.840.10008.5.1.4.1.1.88.34"

    public struct Options: Sendable {
        public var seriesNumber = 9901
        public var seriesDescription = "AI findings (SR)"
        /// Finding Site per model label; `defaultFindingSite` for the others (nil: none written).
        public var findingSites: [String: CodedConcept] = [:]
        public var defaultFindingSite: CodedConcept? = .lung
        public var proceduresReported: [CodedConcept] = [.imagingProcedure]
        public var certaintyUnits: TID1410MeasurementGroup.CertaintyUnits = .unitless
        /// Coding scheme for labels the model gives no code for (declared in the file).
        public var privateSchemeDesignator = "99SLUICE"
        public var uidRoot = UIDs.defaultRoot
        public init() {}
    }

    public let options: Options

    public init(options: Options = Options()) { self.options = options }

    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        guard study.modelName != nil else { return [] }
        let ds = try document(study: study, batch: batch)
        let bytes = try DICOMWriter.encode(ds)
        return [RenderedFile(name: ReportPaths.studyFolder(study.studyKey) + "/" + Self.fileName, data: Data(bytes))]
    }

    public func uids(for study: StudyReport) -> DICOMOutputUIDs {
        DICOMOutputUIDs(studyInstanceUID: study.studyInstanceUID, modelName: study.modelName,
                        modelVersion: study.modelVersion, root: options.uidRoot)
    }

    /// The SR data set (before Part 10 encoding).
    public func document(study: StudyReport, batch: BatchReport) throws -> MutableDataSet {
        let output = "SR"
        guard let source = study.source else { throw DICOMOutputError(.missingSource, studyKey: study.studyKey, output: output) }
        guard let created = DICOMDateTime(iso8601: batch.generatedAt) else {
            throw DICOMOutputError(.invalidTimestamp, studyKey: study.studyKey, output: output)
        }
        let uids = uids(for: study)
        let report = try measurementReport(study: study, source: source, uids: uids)

        var ds = try report.documentContent()
        DICOMOutputModules.sopCommon(sopClass: Self.sopClassUID, sopInstance: uids.srInstance, created: created, into: &ds)
        DICOMOutputModules.patientAndStudy(source, into: &ds)
        DICOMOutputModules.series(modality: "SR", uid: uids.srSeries, number: options.seriesNumber,
                                  description: options.seriesDescription, into: &ds)
        ds.set(.referencedPerformedProcedureStepSequence, items: [])
        DICOMOutputModules.equipment(softwareVersions: [batch.toolVersion, study.modelVersion ?? ""],
                                     modelName: study.modelName, into: &ds)
        // SR Document General module
        ds.set(.instanceNumber, .IS, ints: [1])
        // PARTIAL tells a PACS the content is incomplete: images the model did not read.
        if study.analysis.status == .complete {
            ds.set(.completionFlag, .CS, "COMPLETE")
        } else {
            ds.set(.completionFlag, .CS, "PARTIAL")
            ds.set(.completionFlagDescription, .LO, study.analysis.status == .partial
                ? "Partly analysed: some images not read; needs a human read" : "Not analysed: needs a human read")
        }
        ds.set(.verificationFlag, .CS, "UNVERIFIED")
        ds.set(.contentDate, .DA, created.date)
        ds.set(.contentTime, .TM, created.time)
        ds.set(.performedProcedureCodeSequence, items: [])
        ds.set(.currentRequestedProcedureEvidenceSequence,
               items: DICOMOutputModules.hierarchicalReferences(studyInstanceUID: source.studyInstanceUID,
                                                                instances: source.instances))
        if usesPrivateScheme(study) {
            var scheme = MutableDataSet()
            scheme.set(.codingSchemeDesignator, .SH, options.privateSchemeDesignator)
            scheme.set(.codingSchemeName, .ST, "Sluice model labels")
            scheme.set(.codingSchemeResponsibleOrganization, .ST, "Sluice")
            ds.set(.codingSchemeIdentificationSequence, items: [scheme])
        }
        DICOMOutputModules.declareCharacterSet(&ds)
        return ds
    }

    /// The content tree: one measurement group per finding; one "Clinical finding absent" group
    /// only when the model read every image and found nothing (TID 1500 needs at least one);
    /// and, when images were not read, a group with no Finding (TID 1501 makes it optional)
    /// whose Comment items name each unread image and why, beside Completion Flag PARTIAL —
    /// never "absent" for a study not fully read. (A Certainty of Finding NUM without a value
    /// and a CID 42 qualifier would also be conformant, but highdicom 0.28 cannot read a NUM
    /// without a value and then refuses the whole document.)
    public func measurementReport(study: StudyReport, source: SourceStudy, uids: DICOMOutputUIDs) throws -> TID1500MeasurementReport {
        let algorithm = try TID4019AlgorithmIdentification(name: study.modelName ?? "unknown", version: study.modelVersion ?? "unknown")
        let observer = try TID1001ObservationContext(
            deviceObserverUID: uids.deviceObserver, name: study.modelName, manufacturer: DICOMOutputModules.manufacturer,
            modelName: study.modelName)
        var groups: [TID1410MeasurementGroup] = []
        for (i, f) in study.findings.enumerated() {
            groups.append(try TID1410MeasurementGroup(
                trackingIdentifier: String("\(f.label) #\(i + 1)".prefix(64)),
                trackingUID: uids.trackingUID(group: i + 1, label: f.label),
                finding: try findingCode(f),
                findingSites: (options.findingSites[f.label] ?? options.defaultFindingSite).map { [$0] } ?? [],
                algorithm: algorithm, certainty: min(max(f.probability, 0), 1), certaintyUnits: options.certaintyUnits,
                priority: Self.priority(f.urgency), region: try region(f, source: source, studyKey: study.studyKey)))
        }
        if study.analysis.status != .complete {
            groups.append(try TID1410MeasurementGroup(
                trackingIdentifier: "not analysed", trackingUID: uids.trackingUID(group: 0, label: "not analysed"),
                finding: nil, findingSites: [], algorithm: algorithm, certainty: nil,
                priority: nil, region: nil, comments: study.analysis.notes()))
        } else if groups.isEmpty {
            groups.append(try TID1410MeasurementGroup(
                trackingIdentifier: "no finding", trackingUID: uids.trackingUID(group: 0, label: ""),
                finding: .clinicalFindingAbsent, findingSites: options.defaultFindingSite.map { [$0] } ?? [],
                algorithm: algorithm, certainty: nil, priority: nil, region: nil))
        }
        return try TID1500MeasurementReport(observationContext: observer, proceduresReported: options.proceduresReported,
                                            groups: groups)
    }

    func findingCode(_ f: Finding) throws -> CodedConcept {
        // A backslash would split the value in two (VM); model labels are free text.
        let label = f.label.isEmpty ? "unlabelled" : f.label.replacingOccurrences(of: "\\", with: "/")
        let meaning = String(label.prefix(64))
        if let code = f.code, let scheme = f.codingScheme, !code.isEmpty, !scheme.isEmpty {
            return try CodedConcept(code, scheme, meaning)
        }
        return try CodedConcept(label, options.privateSchemeDesignator, meaning)
    }

    func usesPrivateScheme(_ study: StudyReport) -> Bool {
        study.findings.contains { ($0.code ?? "").isEmpty || ($0.codingScheme ?? "").isEmpty }
    }

    /// SNOMED qualifier values for the urgency tiers; `none` has no priority.
    public static func priority(_ u: Urgency) -> CodedConcept? {
        switch u {
        case .critical: return .emergency
        case .urgent: return .urgent
        case .routine: return .routine
        case .none, .notAnalysed: return nil
        }
    }

    /// The heatmap peak as a POINT on the finding's image (the study's only image when the
    /// finding names none). Multi-frame sources get no region: the finding has no frame number.
    func region(_ f: Finding, source: SourceStudy, studyKey: String) throws -> TID1410MeasurementGroup.ImageRegion? {
        guard let peak = f.peakPixel, peak.count == 2 else { return nil }
        let instance: ReferencedInstance
        if let uid = f.sopInstanceUID {
            guard let match = source.instances.first(where: { $0.sopInstanceUID == uid }) else {
                throw DICOMOutputError(.unknownInstance, studyKey: studyKey, output: "SR")
            }
            instance = match
        } else if source.instances.count == 1 {
            instance = source.instances[0]
        } else {
            return nil
        }
        guard instance.numberOfFrames <= 1 else { return nil }
        let image = try SRInstanceReference(sopClassUID: instance.sopClassUID, sopInstanceUID: instance.sopInstanceUID)
        return try .init(graphicType: .point, coordinates: peak, image: image)
    }
}
