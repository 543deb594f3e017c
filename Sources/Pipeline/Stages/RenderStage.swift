import Checksum
import Delivery
import Foundation
import Reports

/// Runs the configured renderers into the run's staging folder and writes `manifest.json` last.
public struct RenderStage: Stage {
    public let name = "render"
    public let renderers: [any Renderer]

    public init(renderers: [any Renderer]) { self.renderers = renderers }

    /// The renderers for a pipeline's `render:` list, in that order.
    public static func renderers(for formats: [String]) -> [any Renderer] {
        let all: [any Renderer] = [JSONRenderer(), CSVRenderer(), PDFRenderer()]
        return formats.compactMap { f in all.first { $0.format == f } }
    }

    public func run(_ batch: InferredBatch, context: BatchContext) async throws -> RenderedBatch {
        let report = Self.report(batch, context: context, renderers: renderers)
        let staging = context.stagingDirectory
        try? FileManager.default.removeItem(atPath: staging)
        var written: [OutputFile] = []
        var names = Set<String>()
        func store(_ files: [RenderedFile]) throws {
            for file in files {
                guard names.insert(file.name).inserted else {
                    throw BatchFailure(stage: "render", reason: "two renderers produced \(file.name)")
                }
                let path = staging + "/" + file.name
                try FileIO.writeAtomically(file.data, to: path, durable: false)
                written.append(OutputFile(name: file.name, path: path, sha256: SHA256.hex(file.data), size: file.data.count))
            }
        }
        for renderer in renderers {
            for study in report.studies { try store(try renderer.render(study: study, batch: report)) }
            try store(try renderer.render(batch: report))
        }
        written.sort { $0.name < $1.name }
        let manifest = try Manifest.make(report: report, batch: batch.grouped.validated, outputs: written)
        try store([RenderedFile(name: Manifest.fileName, data: manifest)])
        // Staged outputs must be on disk before the ledger says `rendered`: after that they are
        // delivered as they are, never regenerated.
        try FileIO.syncFileSystem(containing: staging)
        return RenderedBatch(outputs: written, report: report)
    }

    static func report(_ batch: InferredBatch, context: BatchContext, renderers: [any Renderer]) -> BatchReport {
        var studies: [StudyReport] = []
        for patient in batch.grouped.patients {
            for study in patient.studies {
                let instances = study.instances
                let first = instances[0]
                let report = StudyReport(
                    studyKey: study.key, site: first.institution, patientID: patient.patientID,
                    issuerOfPatientID: patient.issuer, accessionNumber: first.accessionNumber,
                    studyInstanceUID: study.studyInstanceUID, studyDate: first.studyDate, modality: study.modalities,
                    series: study.series.map { s in
                        SeriesSummary(
                            seriesInstanceUID: s.seriesInstanceUID, seriesNumber: s.instances.first?.seriesNumber,
                            modality: s.instances.first?.modality ?? "", instances: s.instances.count,
                            frames: s.instances.map(\.frames).reduce(0, +), problems: s.problems)
                    },
                    instances: instances.count, files: instances.map(\.file).sorted(), problems: study.problems,
                    orders: study.orders.map { OrderSummary($0.0, linkedBy: $0.linkedBy) },
                    findings: batch.findings[study.key] ?? [], modelName: batch.modelName,
                    modelVersion: batch.modelVersion, reportFiles: [], patientName: first.patientName)
                studies.append(report)
            }
        }
        let supersedes = context.run > 1 ? "\(context.batchID) run \(context.run - 1)" : nil
        var report = BatchReport(
            pipeline: context.config.name, batchID: context.batchID, run: context.run, supersedes: supersedes,
            sourceName: context.sourceName, generatedAt: Timestamps.iso8601(context.clock.now()),
            toolVersion: SluiceVersion.current, modelName: batch.modelName, modelVersion: batch.modelVersion,
            studies: studies, quarantine: batch.grouped.validated.quarantine,
            unmatchedOrders: batch.grouped.unmatchedOrders.map { OrderSummary($0, linkedBy: nil) },
            fileCount: batch.grouped.validated.unpacked.files.count)
        for i in report.studies.indices {
            let study = report.studies[i]
            report.studies[i].reportFiles = renderers.flatMap { $0.studyFileNames(study, batch: report) }.sorted()
        }
        return report
    }
}

extension OrderSummary {
    init(_ o: OrderInfo, linkedBy: String?) {
        self.init(
            file: o.file, messageIndex: o.messageIndex, messageType: o.messageType,
            accessionNumber: o.accessionNumbers.first, placerOrderNumber: o.placerOrderNumber,
            studyInstanceUID: o.studyInstanceUID, linkedBy: linkedBy)
    }
}

public enum SluiceVersion {
    public static let current = "0.1.0"
}
