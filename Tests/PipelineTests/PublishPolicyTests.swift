import Fakes
import Foundation
import Pipeline
import Testing
import TestSupport

/// The publish policy through an in-memory delivery target (Tests/Fakes): order (the manifest
/// and the marker never before the files they announce), one attempt per pass, parking after
/// `delivery_attempts`, `sluice retry`, and exactly once throughout.
@Suite(.serialized) struct PublishPolicyTests {
    func setUp(_ dir: TemporaryDirectory, attempts: Int) throws -> String {
        let p = try Fixtures.pipeline(in: dir, extra: "delivery_attempts: \(attempts)")
        try Fixtures.write(Fixtures.Study(), into: dir.file("inbox/site-a/s0"))
        _ = FileManager.default.createFile(atPath: dir.file("inbox/site-a/READY"), contents: Data())
        return p
    }

    func engine(_ pipeline: String, _ target: RecordingTarget) throws -> Engine {
        let config = try PipelineConfig.load(pipeline)
        return Engine(config: config, ledger: try Runner.openLedger(config), log: Log(minimum: .error),
                      clock: Clock(fixed: Timestamps.parse("2026-12-07T10:00:00Z")), targets: [target])
    }

    @Test func aFailedDeliveryHoldsBackTheRestAndIsDeliveredOnceOnTheNextPass() async throws {
        let dir = try TemporaryDirectory("publish-order")
        defer { dir.remove() }
        let p = try setUp(dir, attempts: 5)
        let target = RecordingTarget(marker: "READY", failing: ["findings.json": 1])
        let first = await Runner.runOnce(try engine(p, target), stop: StopFlag())
        #expect(first.errors.contains { $0.description.contains("delivery failure") }, "\(first.errors)")
        #expect(target.delivered == ["findings.csv", "findings.dictionary.csv"], "\(target.delivered)")
        let second = await Runner.runOnce(try engine(p, target), stop: StopFlag())
        #expect(second.errors.isEmpty, "\(second.errors)")
        #expect(target.delivered.suffix(2) == ["manifest.json", "marker:READY"], "manifest, then marker, last")
        #expect(Set(target.delivered).count == target.delivered.count, "each delivered once: \(target.delivered)")
        #expect(target.attempts("findings.json") == 2 && target.attempts("findings.csv") == 1)
        #expect(second.finished.values.contains(.archived))
    }

    @Test func aDeliveryThatKeepsFailingIsParkedThenRetried() async throws {
        let dir = try TemporaryDirectory("publish-parking")
        defer { dir.remove() }
        let p = try setUp(dir, attempts: 2)
        let target = RecordingTarget(failing: ["manifest.json": 2])
        for _ in 0..<3 { _ = await Runner.runOnce(try engine(p, target), stop: StopFlag()) }
        #expect(target.attempts("manifest.json") == 2, "parked after delivery_attempts; the third pass leaves it alone")
        let e = try engine(p, target)
        let batchID = try #require(try e.ledger.batches(pipeline: "test").first?.id)
        #expect(e.hasDeadLetters(batchID))
        #expect(try await e.retry(batchID: batchID) == .archived)
        #expect(target.attempts("manifest.json") == 3 && target.delivered.last == "manifest.json")
        #expect(!e.hasDeadLetters(batchID))
    }
}
