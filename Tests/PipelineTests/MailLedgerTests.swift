import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// The ledger's mail records: digest streams survive a restart, move only when a scheduled
/// digest is delivered, and an alert key is recorded once.
@Suite struct MailLedgerTests {
    @Test func digestStreamsAlertsAndRunsSurviveReopen() throws {
        let dir = try TemporaryDirectory("mail-ledger")
        defer { dir.remove() }
        let path = dir.file("sluice.db")
        let t0 = Date(timeIntervalSince1970: 1_795_000_000)
        let fire = t0.addingTimeInterval(3_600)
        do {
            let ledger = try SQLiteLedger(path: path)
            #expect(try ledger.digestPeriodEnd(pipeline: "p", outbox: "o") == nil)
            #expect(try ledger.digestPeriodEnd(pipeline: "p", outbox: "o", startingAt: t0) == t0)
            #expect(try ledger.digestPeriodEnd(pipeline: "p", outbox: "o", startingAt: fire) == t0, "the first start stands")
            for (i, offset) in [0.0, 1_800, 3_600].enumerated() {
                try ledger.recordMailRun(pipeline: "p", MailRunRecord(batchID: "b\(i)", run: 1, renderedAt: t0.addingTimeInterval(offset), report: "{}"))
            }
            #expect(try ledger.mailRuns(pipeline: "p", from: t0, to: fire).map(\.batchID) == ["b0", "b1"], "start inclusive, end exclusive")
            try ledger.recordDigest(pipeline: "p", DigestRecord(outbox: "o", kind: .scheduled, periodStart: t0, periodEnd: fire,
                                                                state: .failed, attempts: 2, lastError: "down", messageID: "m", batches: 2))
            #expect(try ledger.openDigest(pipeline: "p", outbox: "o")?.state == .failed)
            #expect(try ledger.resetFailedDigests(pipeline: "p") == 1)
            #expect(try ledger.openDigest(pipeline: "p", outbox: "o")?.attempts == 0)
            try ledger.recordCriticalAlert(pipeline: "p", CriticalAlertRecord(key: "k", batchID: "b0", run: 1, studyKey: "s", label: "L",
                                                                              outbox: "o", messageID: "m1", sentAt: t0))
            try ledger.recordCriticalAlert(pipeline: "p", CriticalAlertRecord(key: "k", batchID: "b1", run: 2, studyKey: "s", label: "L",
                                                                              outbox: "o", messageID: "m2", sentAt: fire))
        }
        let ledger = try SQLiteLedger(path: path)
        #expect(try ledger.openDigest(pipeline: "p", outbox: "o")?.lastError == "down")
        try ledger.recordDigest(pipeline: "p", DigestRecord(outbox: "o", kind: .manual, periodStart: t0.addingTimeInterval(-86_400),
                                                            periodEnd: fire.addingTimeInterval(600), state: .delivered, attempts: 1,
                                                            lastError: nil, messageID: "x", batches: 3))
        #expect(try ledger.digestPeriodEnd(pipeline: "p", outbox: "o") == t0, "an extra digest leaves the schedule alone")
        try ledger.recordDigest(pipeline: "p", DigestRecord(outbox: "o", kind: .scheduled, periodStart: t0, periodEnd: fire,
                                                            state: .delivered, attempts: 1, lastError: nil, messageID: "m", batches: 2))
        #expect(try ledger.digestPeriodEnd(pipeline: "p", outbox: "o") == fire)
        #expect(try ledger.openDigest(pipeline: "p", outbox: "o") == nil)
        #expect(try ledger.digests(pipeline: "p").count == 2)
        #expect(try ledger.criticalAlerts(pipeline: "p").map(\.messageID) == ["m1"], "one record per alert key")
        #expect(try ledger.criticalAlert(pipeline: "other", key: "k") == nil)

        // One worker at a time sends a stream's digest; a dead holder's lease is taken over.
        let alive: @Sendable (String) -> Bool = { _ in false }
        #expect(try ledger.acquireDigestStream(pipeline: "p", outbox: "o", owner: "a:1", staleAfter: 900, isDead: alive))
        #expect(try !ledger.acquireDigestStream(pipeline: "p", outbox: "o", owner: "b:2", staleAfter: 900, isDead: alive))
        #expect(try ledger.acquireDigestStream(pipeline: "p", outbox: "o", owner: "b:2", staleAfter: 900, isDead: { $0 == "a:1" }))
        try ledger.releaseDigestStream(pipeline: "p", outbox: "o", owner: "b:2")
        #expect(try ledger.acquireDigestStream(pipeline: "p", outbox: "o", owner: "a:1", staleAfter: 900, isDead: alive))
        #expect(try !ledger.acquireDigestStream(pipeline: "p", outbox: "unknown", owner: "a:1", staleAfter: 900, isDead: alive))
    }
}
