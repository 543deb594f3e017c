import Foundation
import Reports

/// `manifest.json`: every output with its sha256, the inputs, and the tool and model versions.
/// Delivered last, so a receiver that sees it knows the batch folder is complete.
public enum Manifest {
    public static let fileName = "manifest.json"

    struct Document: Encodable {
        struct Tool: Encodable { let name: String; let version: String }
        struct Model: Encodable { let name: String?; let version: String? }
        struct Input: Encodable { let path: String; let sha256: String; let size: Int; let status: String; let reason: String? }
        struct Output: Encodable { let name: String; let sha256: String; let size: Int }
        let pipeline: String
        let batchID: String
        let run: Int
        let supersedes: String?
        let sourceName: String
        let generatedAt: String
        let fingerprint: String
        let tool: Tool
        let model: Model
        let inputs: [Input]
        let outputs: [Output]
    }

    static func make(report: BatchReport, batch: ValidatedBatch, outputs: [OutputFile]) throws -> Data {
        let inputs = batch.unpacked.files.map { f in
            let status = batch.fileStatus[f.relativePath]
            return Document.Input(path: f.relativePath, sha256: f.sha256, size: f.size ?? 0,
                                  status: status?.status ?? "ok", reason: status?.reason)
        } + batch.unpacked.refused.map {
            // Never read (an unreadable folder, a path past PATH_MAX): no hash to give.
            Document.Input(path: $0.path, sha256: "", size: 0, status: "quarantined", reason: $0.reason)
        }
        let doc = Document(
            pipeline: report.pipeline, batchID: report.batchID, run: report.run, supersedes: report.supersedes,
            sourceName: report.sourceName, generatedAt: report.generatedAt, fingerprint: batch.unpacked.fingerprint,
            tool: .init(name: "sluice", version: report.toolVersion),
            model: .init(name: report.modelName, version: report.modelVersion),
            inputs: inputs, outputs: outputs.map { .init(name: $0.name, sha256: $0.sha256, size: $0.size) })
        return try JSONRenderer.encode(doc)
    }
}
