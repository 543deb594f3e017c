import Foundation
import Testing
@testable import Pipeline

@Suite struct ReadinessTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func observation(size: Int64 = 100, age: Double, count: Int = 1, partial: Bool = false) -> Readiness.Observation {
        Readiness.Observation(totalSize: size, newestModification: now.addingTimeInterval(-age), fileCount: count, hasPartialFiles: partial)
    }

    @Test func firstSightingIsNeverReady() {
        let v = Readiness.evaluate(previous: nil, current: observation(age: 3600), hasMarker: false, now: now, settle: .seconds(30))
        #expect(v != .ready)
    }

    @Test func stableAndOldEnoughIsReady() {
        let o = observation(age: 60)
        #expect(Readiness.evaluate(previous: o, current: o, hasMarker: false, now: now, settle: .seconds(30)) == .ready)
    }

    @Test func growingIsNotReady() {
        let v = Readiness.evaluate(previous: observation(size: 100, age: 60), current: observation(size: 200, age: 60),
                                   hasMarker: false, now: now, settle: .seconds(30))
        #expect(v != .ready)
    }

    /// A whole-second mtime makes a file look up to 1 s older than it is: settle gets that slack.
    @Test func secondPrecisionMtimeIsNotTrustedAtTheEdge() {
        let o = observation(age: 30.5)
        #expect(Readiness.evaluate(previous: o, current: o, hasMarker: false, now: now, settle: .seconds(30)) != .ready)
        let p = observation(age: 31.5)
        #expect(Readiness.evaluate(previous: p, current: p, hasMarker: false, now: now, settle: .seconds(30)) == .ready)
    }

    @Test func sameMtimeButNewFileIsNotReady() {
        let v = Readiness.evaluate(previous: observation(age: 60, count: 3), current: observation(age: 60, count: 4),
                                   hasMarker: false, now: now, settle: .seconds(30))
        #expect(v != .ready)
    }

    @Test func partialFilesBlockUnlessMarked() {
        let o = observation(age: 600, partial: true)
        #expect(Readiness.evaluate(previous: o, current: o, hasMarker: false, now: now, settle: .seconds(30)) != .ready)
        #expect(Readiness.evaluate(previous: nil, current: observation(age: 0), hasMarker: true, now: now, settle: .seconds(30)) == .ready)
    }

    @Test func durations() {
        #expect(Duration(parsing: "30s") == .seconds(30))
        #expect(Duration(parsing: "500ms") == .milliseconds(500))
        #expect(Duration(parsing: "5m") == .seconds(300))
        #expect(Duration(parsing: "1h") == .seconds(3600))
        #expect(Duration(parsing: "12") == .seconds(12))
        #expect(Duration(parsing: "10x") == nil)
        #expect(Duration(parsing: "-1s") == nil)
    }
}
