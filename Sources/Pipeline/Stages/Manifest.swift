import Foundation
import Reports

/// `manifest.json`: every output with its sha256, the inputs, and the tool and model versions.
/// Delivered last, so a receiver that sees it knows the batch folder is complete. An outbox
/// with `files:` gets its own, listing only what it got (`selecting(_:from:)`).
public enum Manifest {
    public static let fileName = "manifest.json"

    struct Document: Codable {
        struct Tool: Codable { let name: String; let version: String }
        struct Model: Codable { let name: String?; let version: String? }
        struct Input: Codable { let path: String; let sha256: String; let size: Int; let status: String; let reason: String? }
        /// `format`: the `render:` format that wrote it (what an outbox's `files:` selects by).
        struct Output: Codable { let name: String; let sha256: String; let size: Int; let format: String? }
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
        var outputs: [Output]
        /// An outbox's `files:` (sorted); absent from the full manifest.
        var files: [String]?
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
            inputs: inputs, outputs: outputs.map { .init(name: $0.name, sha256: $0.sha256, size: $0.size, format: $0.format?.rawValue) })
        return try JSONRenderer.encode(doc)
    }

    /// The manifest for an outbox that gets only `formats`, made from the run's full manifest
    /// (staged, never changed), and the outputs it lists. An output of a run rendered before
    /// manifests named formats matches no selection.
    static func selecting(_ formats: Set<RenderFormat>, from full: Data) throws -> (manifest: Data, names: Set<String>) {
        var doc = try JSONDecoder().decode(Document.self, from: full)
        let wanted = Set(formats.map(\.rawValue))
        doc.outputs = doc.outputs.filter { $0.format.map(wanted.contains) ?? false }
        doc.files = wanted.sorted()
        return (try JSONRenderer.encode(doc), Set(doc.outputs.map(\.name)))
    }
}
