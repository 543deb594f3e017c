import Checksum
public import Delivery
public import DICOM
import Foundation
public import Reports

/// Runs the configured renderers into the run's staging folder and writes `manifest.json` last.
public struct RenderStage: Stage {
    public let name = "render"
    /// The pipeline's name, which the reports carry.
    public let pipeline: String
    public let renderers: [any Renderer]
    /// `limits:` for the key image's decode; the staged outputs' modes.
    public let limits: PixelLimits
    public let permissions: SpoolPermissions

    public init(pipeline: String, renderers: [any Renderer], limits: PixelLimits = .default,
                permissions: SpoolPermissions = .ownerOnly) {
        self.pipeline = pipeline
        self.renderers = renderers
        self.limits = limits
        self.permissions = permissions
    }

    /// The renderers for a pipeline's `render:` list, in that order.
    /// `findingSites`: the model descriptor's per-label Finding Site, for the SR.
    public static func renderers(for formats: [RenderFormat], hl7: PipelineConfig.HL7 = .init(),
                                 findingSites: [String: CodedConcept] = [:]) -> [any Renderer] {
        let pdf = PDFRenderer(), png = KeyImageRenderer()
        var sr = SRRenderer.Options()
        sr.findingSites = findingSites
        var oru = HL7ORURenderer.Options()
        oru.sendingFacility = hl7.sendingFacility
        oru.receivingApplication = hl7.receivingApplication
        oru.receivingFacility = hl7.receivingFacility
        return formats.map { f -> any Renderer in
            switch f {
            case .json: JSONRenderer()
            case .csv: CSVRenderer()
            case .pdf: pdf
            case .png: png
            case .sr: SRRenderer(options: sr)
            case .encapsulatedPDF: EncapsulatedPDFRenderer(pdfRenderer: pdf)
            case .secondaryCapture:
                SecondaryCaptureRenderer { study, _ in
                    guard let key = study.keyImage,
                          let shown = study.source?.instances.first(where: { $0.sopInstanceUID == key.sopInstanceUID }) else { return nil }
                    return (try png.rgbImage(key), shown)
                }
            case .hl7: HL7ORURenderer(options: oru, embeddingPDFFrom: hl7.embedPDF ? pdf : nil)
            case .fhir: FHIRRenderer()
            }
        }
    }

    /// Renderers that write DICOM need the source's Patient/Study attributes and references;
    /// the ORU takes the patient's birth date and sex from them.
    static func needsSource(_ renderers: [any Renderer]) -> Bool {
        renderers.contains { $0.format.writesDICOM || $0.format == .hl7 }
    }

    /// Renderers that draw the key image (the DICOM PDF and an ORU with the PDF draw it through
    /// their PDF renderer).
    static func needsKeyImage(_ renderers: [any Renderer]) -> Bool {
        renderers.contains { $0.format.drawsKeyImage || ($0 as? HL7ORURenderer)?.pdfRenderer != nil }
    }

    public func run(_ batch: InferredBatch, context: BatchContext) async throws -> RenderedBatch {
        let report = self.report(batch, context: context)
        let staging = context.stagingDirectory
        try? FileManager.default.removeItem(atPath: staging)
        var written: [OutputFile] = []
        var names = Set<String>()
        func store(_ files: [RenderedFile], format: RenderFormat?) throws {
            for file in files {
                guard names.insert(file.name).inserted else {
                    throw BatchFailure(stage: "render", reason: "two renderers produced \(file.name)")
                }
                let path = staging + "/" + file.name
                try FileIO.writeAtomically(file.data, to: path, durable: false, permissions: permissions)
                written.append(OutputFile(name: file.name, path: path, sha256: SHA256.hex(file.data), size: file.data.count,
                                          format: format))
            }
        }
        for renderer in renderers {
            for study in report.studies { try store(try renderer.render(study: study, batch: report), format: renderer.format) }
            try store(try renderer.render(batch: report), format: renderer.format)
        }
        written.sort { $0.name < $1.name }
        let manifest = try Manifest.make(report: report, batch: batch.grouped.validated, outputs: written)
        try store([RenderedFile(name: Manifest.fileName, data: manifest)], format: nil)
        // Staged outputs must be on disk before the ledger says `rendered`: after that they are
        // delivered as they are, never regenerated.
        try FileIO.syncFileSystem(containing: staging)
        return RenderedBatch(outputs: written, report: report)
    }

    func report(_ batch: InferredBatch, context: BatchContext) -> BatchReport {
        let paths = Dictionary(batch.grouped.validated.unpacked.files.map { ($0.relativePath, $0.absolutePath) }) { a, _ in a }
        let withSource = Self.needsSource(renderers), withKeyImage = Self.needsKeyImage(renderers)
        var studies: [StudyReport] = []
        for patient in batch.grouped.patients {
            for study in patient.studies {
                let model = batch.studyModels[study.key] ?? (batch.studyModels.isEmpty ? batch.modelName.map { ($0, batch.modelVersion ?? "") } : nil)
                var full = Self.studyReport(
                    study, patientID: patient.patientID, issuer: patient.issuer, findings: batch.findings[study.key] ?? [],
                    analysis: batch.analysis[study.key] ?? .noModel("the infer stage recorded nothing for this study"),
                    model: model)
                if withSource {
                    do { full.source = try Self.source(of: study, paths: paths) } catch {
                        full.problems.append("DICOM outputs: cannot read the source attributes: \(error)")
                    }
                }
                if withKeyImage, let key = batch.keyImages[study.key] {
                    do {
                        full.keyImage = try KeyImage.fromDICOM(
                            DICOMFile.open(path: key.file, maxBytes: limits.maxFileBytes), frame: key.frame,
                            heatmap: key.heatmap, peak: key.peak, sopInstanceUID: key.sopInstanceUID, limits: limits)
                    } catch {
                        full.problems.append("key image: cannot be drawn: \(error)")
                    }
                }
                studies.append(full)
            }
        }
        var report = Self.shell(pipeline: pipeline, context, at: context.clock.now(), studies: studies,
                                modelName: batch.modelName, modelVersion: batch.modelVersion)
        report.quarantine = batch.grouped.validated.quarantine
        report.unmatchedOrders = batch.grouped.unmatchedOrders.map { OrderSummary($0, linkedBy: nil) }
        report.fileCount = batch.grouped.validated.unpacked.files.count
        for i in report.studies.indices {
            let study = report.studies[i]
            report.studies[i].reportFiles = renderers.flatMap { $0.studyFileNames(study, batch: report) }.sorted()
        }
        return report
    }

    /// A batch report holding `studies` (and nothing of the batch's files yet): what an alert
    /// sent before the batch is rendered shows its one study in.
    static func shell(pipeline: String, _ context: BatchContext, at time: Date, studies: [StudyReport],
                      modelName: String?, modelVersion: String?) -> BatchReport {
        BatchReport(
            pipeline: pipeline, batchID: context.batchID, run: context.run,
            supersedes: context.run > 1 ? "\(context.batchID) run \(context.run - 1)" : nil,
            sourceName: context.sourceName, generatedAt: Timestamps.iso8601(time),
            toolVersion: SluiceVersion.current, modelName: modelName, modelVersion: modelVersion,
            studies: studies, quarantine: [], unmatchedOrders: [], fileCount: 0)
    }

    /// One study as the reports show it, without what needs its files read (source
    /// attributes, key image) or the other studies (report file names).
    static func studyReport(_ study: StudyGroup, patientID: String, issuer: String?, findings: [Finding], analysis: Analysis,
                            model: (name: String, version: String)?) -> StudyReport {
        let first = study.firstInstance
        return StudyReport(
            studyKey: study.key, site: first.institution, patientID: patientID,
            issuerOfPatientID: issuer, accessionNumber: first.accessionNumber,
            studyInstanceUID: study.studyInstanceUID, studyDate: first.studyDate, modality: study.modalities,
            series: study.series.map { s in
                SeriesSummary(
                    seriesInstanceUID: s.seriesInstanceUID, seriesNumber: s.instances.first?.seriesNumber,
                    modality: s.instances.first?.modality ?? "", instances: s.instances.count,
                    frames: s.instances.map(\.frames).reduce(0, +), problems: s.problems)
            },
            instances: study.series.map(\.instances.count).reduce(0, +), files: study.instances.map(\.file).sorted(),
            problems: study.problems,
            orders: study.orders.map { OrderSummary($0.0, linkedBy: $0.linkedBy) },
            findings: findings, modelName: model?.name, modelVersion: model?.version, reportFiles: [],
            analysis: analysis, patientName: first.patientName)
    }

    /// `studyReport` for a study just inferred, with the report files it will have: what an
    /// alert sent before the batch is rendered carries.
    func earlyReport(_ study: StudyGroup, _ inferred: InferredStudy, context: BatchContext) -> StudyReport {
        let first = study.firstInstance
        var report = Self.studyReport(
            study, patientID: first.patientID, issuer: first.issuerOfPatientID, findings: inferred.findings,
            analysis: inferred.analysis, model: inferred.modelName.map { ($0, inferred.modelVersion ?? "") })
        let batch = Self.shell(pipeline: pipeline, context, at: context.clock.now(), studies: [report],
                               modelName: inferred.modelName, modelVersion: inferred.modelVersion)
        report.reportFiles = renderers.flatMap { $0.studyFileNames(report, batch: batch) }.sorted()
        return report
    }
}

extension RenderStage {
    /// The study's Patient/Study attributes from one header, and every instance it references.
    static func source(of study: StudyGroup, paths: [String: String]) throws -> SourceStudy {
        let instances = study.instances.sorted { $0.file < $1.file }.map { i in
            ReferencedInstance(sopClassUID: i.sopClassUID, sopInstanceUID: i.sopInstanceUID,
                               seriesInstanceUID: i.seriesInstanceUID, file: paths[i.file] ?? i.file,
                               numberOfFrames: i.frames)
        }
        return try SourceStudy.read(headerOf: instances[0].file, instances: instances)
    }
}

extension OrderSummary {
    init(_ o: OrderInfo, linkedBy: String?) {
        self.init(
            file: o.file, messageIndex: o.messageIndex, messageType: o.messageType,
            accessionNumber: o.accessionNumbers.first, placerOrderNumber: o.placerOrderNumber,
            studyInstanceUID: o.studyInstanceUID, linkedBy: linkedBy, fillerOrderNumber: o.fillerOrderNumber, context: o.context)
    }
}
