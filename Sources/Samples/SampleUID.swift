import DICOM

/// Deterministic UIDs for sample objects, keyed by the seed so two seeds never collide.
enum SampleUID {
    /// Bumped when the samples change shape, so old and new drops never share UIDs.
    static let version = "1"

    static func make(seed: UInt64, _ parts: [String], purpose: String) -> String {
        UIDs.derived(from: ["sluice-samples", "seed", String(seed)] + parts, purpose: purpose, version: version)
    }
}
