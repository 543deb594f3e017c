import Reports

/// The infer stage when no model is configured: studies pass through without findings, and the
/// reports say no model ran (not analysed, never negative). A model-backed stage conforms to the same `Stage` and is injected
/// into the engine; nothing else changes.
public struct NoModelStage: Stage {
    public let name = "infer"
    public init() {}

    public func run(_ batch: GroupedBatch, context: BatchContext) async throws -> InferredBatch {
        var out = InferredBatch(grouped: batch, findings: [:], modelName: nil, modelVersion: nil)
        for study in batch.studies { out.analysis[study.key] = .noModel() }
        return out
    }
}
