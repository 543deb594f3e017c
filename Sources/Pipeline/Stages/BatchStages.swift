import Archive
import Delivery
import DICOM
import Foundation
public import Reports

/// The stages of a batch, in the order the engine runs them:
///
///     unpack ─▶ validate ─▶ group ─▶ refine… ─▶ infer ─▶ render
///
/// Each is made here with its own slice of the pipeline file. `refine` holds the stages that
/// take a grouped batch and give one back (linking HL7 context from earlier feeds,
/// de-identification): one is added by appending it, without editing the engine. The engine
/// records each stage's result in the ledger before the next starts (Engine+Batch.swift);
/// `scan` runs the first stages the same way, with no ledger at all.
public struct BatchStages: Sendable {
    public var unpack: UnpackStage
    public var validate: ValidateStage
    public var group: GroupStage
    public var refine: [any Stage<GroupedBatch, GroupedBatch>] = []
    public var infer: any Stage<GroupedBatch, InferredBatch>
    public var render: RenderStage

    /// `models` is the configured models (Runner.inferStage); `infer` replaces it (tests script
    /// findings). Without either, studies pass through not analysed.
    public init(config: PipelineConfig, models: InferStage? = nil, infer: (any Stage<GroupedBatch, InferredBatch>)? = nil,
                renderers: [any Renderer]? = nil) {
        (unpack, validate, group) = Self.reading(config)
        self.infer = infer ?? models ?? InferStage()
        // Each label's Finding Site for the SR; the first model to name a label's site wins.
        let sites = (models?.routes ?? []).reduce(into: [String: CodedConcept]()) { all, route in
            all.merge(route.model.findingSites) { first, _ in first }
        }
        let renderers = renderers ?? RenderStage.renderers(for: config.render, hl7: config.hl7, findingSites: sites)
        render = RenderStage(pipeline: config.name, renderers: renderers, limits: config.pixelLimits,
                             permissions: config.spoolPermissions)
    }

    /// The stages that read a drop, as a pipeline (or, without one, the defaults) would.
    static func reading(_ config: PipelineConfig?) -> (UnpackStage, ValidateStage, GroupStage) {
        (UnpackStage(marker: config?.marker, zipLimits: config?.zipLimits ?? ZipLimits(),
                     permissions: config?.spoolPermissions ?? .ownerOnly),
         ValidateStage(rules: config?.validate ?? .init(), limits: config?.pixelLimits ?? .default),
         GroupStage(settle: config?.settle.seconds ?? 0))
    }
}
