/// Triage tier of a finding, from the label's thresholds.
public enum UrgencyTier: String, Sendable, Codable, Comparable {
    case routine, urgent, critical
    private var rank: Int { [.routine, .urgent, .critical].firstIndex(of: self)! }
    public static func < (a: UrgencyTier, b: UrgencyTier) -> Bool { a.rank < b.rank }
}

/// Where an image came from, so a finding can point at it.
public struct ImageReference: Sendable, Equatable {
    public var sopInstanceUID: String
    public var file: String
    public var frame: Int
    public init(sopInstanceUID: String, file: String, frame: Int) {
        self.sopInstanceUID = sopInstanceUID; self.file = file; self.frame = frame
    }
}

/// One label's result for a study: the highest probability over its images, on that image.
public struct ModelFinding: Sendable {
    public var label: ModelDescriptor.Label
    public var probability: Double
    public var tier: UrgencyTier
    public var image: ImageReference
    public var heatmap: LabelHeatmap?
    /// Peak in patient coordinates (mm) when the image has Image Plane geometry.
    public var peakPatient: [Double]?
}

/// Per-label threshold overrides from the pipeline file (nil keeps the descriptor's).
public struct ThresholdOverrides: Sendable, Equatable {
    public var report: Double?, urgent: Double?, critical: Double?
    public init(report: Double? = nil, urgent: Double? = nil, critical: Double? = nil) {
        self.report = report; self.urgent = urgent; self.critical = critical
    }

    func apply(_ t: ModelDescriptor.Thresholds) -> ModelDescriptor.Thresholds {
        .init(report: report ?? t.report, urgent: urgent ?? t.urgent, critical: critical ?? t.critical)
    }
}

extension ImageModel {
    /// The tier of `p` for a label, or nil below its report threshold.
    public func tier(_ p: Double, label: ModelDescriptor.Label, overrides: ThresholdOverrides = .init()) -> UrgencyTier? {
        let t = overrides.apply(label.thresholds)
        if p >= t.critical { return .critical }
        if p >= t.urgent { return .urgent }
        if p >= t.report { return .routine }
        return nil
    }

    /// Study-level findings: per label, the image with the highest probability, kept when it
    /// reaches the report threshold. Ties go to the earliest image, so results are stable.
    public func findings(_ results: [(ImageReference, PreparedImage, Prediction)],
                         overrides: ThresholdOverrides = .init()) -> [ModelFinding] {
        var out: [ModelFinding] = []
        for (l, label) in descriptor.labels.enumerated() {
            var best: (ImageReference, PreparedImage, Prediction)?
            for r in results where best == nil || r.2.probabilities[l] > best!.2.probabilities[l] { best = r }
            guard let (ref, image, prediction) = best else { continue }
            let p = prediction.probabilities[l]
            guard let tier = tier(p, label: label, overrides: overrides) else { continue }
            let map = prediction.heatmaps[l]
            let patient = map.flatMap { m in image.geometry?.patient(column: m.peakColumn, row: m.peakRow) }
            out.append(ModelFinding(label: label, probability: p, tier: tier, image: ref, heatmap: map, peakPatient: patient))
        }
        return out
    }
}
