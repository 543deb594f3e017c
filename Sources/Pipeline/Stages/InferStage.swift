import Foundation
import Inference
public import Reports

/// The infer stage: each study goes to the first model route whose `match:` fits it (one route
/// without `match:` takes every study); a study no route takes is reported as "no model for
/// this study" — not analysed, never a negative. Studies with a STAT or ASAP order go first,
/// and each study is announced to `context.studyInferred` as soon as its model is done, so a
/// Critical finding can page on-call before the rest of the batch is read.
public struct InferStage: Stage {
    public struct Route: Sendable {
        public var match: StudyMatch?
        public var model: ModelStage
        public init(match: StudyMatch?, model: ModelStage) {
            self.match = match
            self.model = model
        }
    }

    public let name = "infer"
    public let routes: [Route]

    /// No routes: no model is configured, every study passes through not analysed.
    public init(routes: [Route] = []) { self.routes = routes }

    /// The route for a study, or nil (its index for logs).
    func route(for study: StudyGroup) -> (index: Int, route: Route)? {
        let facts = study.facts
        return routes.enumerated().first { $0.element.match?.matches(facts) ?? true }.map { ($0.offset, $0.element) }
    }

    public func run(_ batch: GroupedBatch, context: BatchContext) async throws -> InferredBatch {
        let used = routes.map(\.model.model.descriptor)
        var out = InferredBatch(grouped: batch, findings: [:], modelName: used.first?.name, modelVersion: used.first?.version)
        if Set(used.map(\.name)).count > 1 {
            out.modelName = used.map(\.name).joined(separator: " + ")
            out.modelVersion = used.map(\.version).joined(separator: " + ")
        }
        let paths = Dictionary(batch.validated.unpacked.files.map { ($0.relativePath, $0.absolutePath) }) { a, _ in a }
        // STAT/ASAP first; otherwise the batch's order (stable).
        let studies = batch.studies.filter(\.isPriority) + batch.studies.filter { !$0.isPriority }
        for study in studies {
            try Task.checkCancellation()
            let inferred: InferredStudy
            if routes.isEmpty {
                inferred = InferredStudy(key: study.key, analysis: .noModel())
            } else if let (index, route) = route(for: study) {
                inferred = try await route.model.infer(study, paths: paths, context: context)
                context.log.debug("batch \(context.batchID): \(study.key): infer[\(index)] \(route.model.model.descriptor.name): \(inferred.findings.count) finding(s), \(inferred.analysis.status.rawValue)")
            } else {
                let facts = study.facts
                let shown = [StudyMatch.Field.modality, .bodyPart].compactMap { f in facts.values[f].map { $0.joined(separator: "/") } }
                    .filter { !$0.isEmpty }.joined(separator: " ")
                inferred = InferredStudy(key: study.key, analysis: .noModel("no model for this study (no infer route matches\(shown.isEmpty ? "" : " " + shown))"))
            }
            out.record(inferred)
            await context.studyInferred?(study, inferred, paths)
        }
        return out
    }
}

/// One study's result from the infer stage.
public struct InferredStudy: Sendable {
    public var key: String
    public var findings: [Finding] = []
    public var analysis: Analysis
    /// The model that read it (nil: none did).
    public var modelName: String? = nil
    public var modelVersion: String? = nil
    public var keyImage: KeyImageSource? = nil
}

extension InferredBatch {
    mutating func record(_ s: InferredStudy) {
        findings[s.key] = s.findings
        analysis[s.key] = s.analysis
        if let name = s.modelName { studyModels[s.key] = (name, s.modelVersion ?? "") }
        if let key = s.keyImage { keyImages[s.key] = key }
    }
}
