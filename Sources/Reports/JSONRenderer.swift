public import Foundation

/// `studies/<key>/result.json` per study and `findings.json` per batch (schema: schemas/).
public struct JSONRenderer: Renderer {
    public let format = RenderFormat.json
    public init() {}

    public static let schemaID = "https://sluice.invalid/schemas/findings-v1.json"

    public func render(study: StudyReport, batch: BatchReport) throws -> [RenderedFile] {
        let doc = StudyDocument(schema: Self.schemaID, pipeline: batch.pipeline, batchID: batch.batchID, run: batch.run,
                                generatedAt: batch.generatedAt, study: StudyJSON(study))
        return [RenderedFile(name: ReportPaths.studyFolder(study.studyKey) + "/result.json", data: try Self.encode(doc))]
    }

    public func render(batch: BatchReport) throws -> [RenderedFile] {
        let doc = BatchDocument(
            schema: Self.schemaID, pipeline: batch.pipeline, batchID: batch.batchID, run: batch.run,
            supersedes: batch.supersedes, sourceName: batch.sourceName, generatedAt: batch.generatedAt,
            toolVersion: batch.toolVersion, modelName: batch.modelName, modelVersion: batch.modelVersion,
            fileCount: batch.fileCount,
            counts: Counts(studies: batch.studies.count, quarantined: batch.quarantine.count,
                           byUrgency: Dictionary(uniqueKeysWithValues: Urgency.allCases.map { u in
                               (u.rawValue, batch.studies.filter { $0.urgency == u }.count) }),
                           byAnalysis: Dictionary(uniqueKeysWithValues: Analysis.Status.allCases.map { a in
                               (a.rawValue, batch.studies.filter { $0.analysis.status == a }.count) })),
            studies: batch.studies.map(StudyJSON.init), quarantine: batch.quarantine,
            unmatchedOrders: batch.unmatchedOrders)
        return [RenderedFile(name: "findings.json", data: try Self.encode(doc))]
    }

    /// Sorted keys and fixed formatting so reruns of the same input give the same bytes.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    struct Counts: Encodable {
        let studies: Int
        let quarantined: Int
        let byUrgency: [String: Int]
        let byAnalysis: [String: Int]
    }

    /// `analysis` in result.json and findings.json: whether the model read the study, and what it did not read.
    struct AnalysisJSON: Encodable {
        let status: Analysis.Status
        let analysedImages: Int
        let unread: [Analysis.Unread]
        let note: String?

        init(_ a: Analysis) { status = a.status; analysedImages = a.analysedImages; unread = a.unread; note = a.note }
    }

    struct StudyJSON: Encodable {
        let studyKey, site, patientID, accessionNumber, studyInstanceUID, studyDate, modality: String
        let issuerOfPatientID: String?
        let series: [SeriesSummary]
        let instances: Int
        let files: [String]
        let problems: [String]
        let orders: [OrderSummary]
        let findings: [Finding]
        let maxProbability: Double?
        let urgency: Urgency
        let modelName, modelVersion: String?
        let reportFiles: [String]
        let analysis: AnalysisJSON

        init(_ s: StudyReport) {
            studyKey = s.studyKey; site = s.site; patientID = s.patientID; accessionNumber = s.accessionNumber
            studyInstanceUID = s.studyInstanceUID; studyDate = s.studyDate; modality = s.modality
            issuerOfPatientID = s.issuerOfPatientID; series = s.series; instances = s.instances; files = s.files
            problems = s.problems; orders = s.orders; findings = s.findings; maxProbability = s.maxProbability
            urgency = s.urgency; modelName = s.modelName; modelVersion = s.modelVersion; reportFiles = s.reportFiles
            analysis = AnalysisJSON(s.analysis)
        }
    }

    struct StudyDocument: Encodable {
        let schema: String
        let pipeline, batchID: String
        let run: Int
        let generatedAt: String
        let study: StudyJSON
        enum CodingKeys: String, CodingKey { case schema = "$schema", pipeline, batchID, run, generatedAt, study }
    }

    struct BatchDocument: Encodable {
        let schema: String
        let pipeline, batchID: String
        let run: Int
        let supersedes: String?
        let sourceName, generatedAt, toolVersion: String
        let modelName, modelVersion: String?
        let fileCount: Int
        let counts: Counts
        let studies: [StudyJSON]
        let quarantine: [QuarantineEntry]
        let unmatchedOrders: [OrderSummary]
        enum CodingKeys: String, CodingKey {
            case schema = "$schema", pipeline, batchID, run, supersedes, sourceName, generatedAt, toolVersion, modelName,
                 modelVersion, fileCount, counts, studies, quarantine, unmatchedOrders
        }
    }
}
