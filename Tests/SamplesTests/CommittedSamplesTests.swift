import Foundation
import Samples
import TestSupport
import Testing

/// samples/ in the repo must be what tools/make-committed-samples.sh makes today: same
/// studies, UIDs, nodules and bad files as a fresh generation with its seed, and under 2 MB.
@Suite struct CommittedSamplesTests {
    static let samples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples").path

    @Test func committedSamplesMatchAFreshGeneration() throws {
        let committed = try GroundTruth.load(path: Self.samples + "/ground-truth.json")
        #expect(committed.generator.profile == "small")
        let fresh = try SampleFixture.generate(seed: committed.generator.seed, label: "samples-committed")
        defer { fresh.root.remove() }
        #expect(fresh.truth == committed, "samples/ is stale: run tools/make-committed-samples.sh")
        let inbox = Self.samples + "/inbox"
        #expect(SampleFixture.files(under: inbox) == SampleFixture.files(under: fresh.inbox))
        // The orders file is plain text with no writer in between: it must match byte for byte.
        for batch in Set(committed.orders.map(\.batch)) {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(inbox)/\(batch)/orders.hl7"))
            let b = try Data(contentsOf: URL(fileURLWithPath: "\(fresh.inbox)/\(batch)/orders.hl7"))
            #expect(a == b)
        }
    }

    @Test func committedSamplesStayUnderTwoMegabytes() throws {
        var total = 0
        for name in SampleFixture.files(under: Self.samples) {
            let attributes = try FileManager.default.attributesOfItem(atPath: Self.samples + "/" + name)
            total += (attributes[.size] as? Int) ?? 0
        }
        #expect(total > 100_000)
        #expect(total < 2_000_000)
    }
}
