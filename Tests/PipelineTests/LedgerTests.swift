import Delivery
import Foundation
import Testing
import TestSupport
@testable import Pipeline

@Suite struct LedgerTests {
    @Test func recordsSurviveReopenAndFollowTheLifecycle() throws {
        let dir = try TemporaryDirectory("ledger")
        defer { dir.remove() }
        let path = dir.file("sluice.db")
        do {
            let ledger = try SQLiteLedger(path: path)
            #expect(ledger.schemaVersion == SQLiteLedger.migrations.count)
            try ledger.insertBatch(BatchRecord(id: "b1", pipeline: "p", sourceName: "drop", inbox: "local:/x", kind: .folder,
                                               claimedAt: Date(), fingerprint: nil, duplicateOf: nil, inputPath: "/x/drop"))
            let run = try ledger.startRun(batchID: "b1", supersedes: nil)
            #expect(run == 1)
            #expect(try ledger.transition(batchID: "b1", run: 1, on: .unpacked, error: nil) == .unpacked)
            // The state machine guards the ledger: an illegal step is refused and nothing changes.
            #expect(throws: (any Error).self) { try ledger.transition(batchID: "b1", run: 1, on: .published, error: nil) }
            try ledger.recordDelivery(batchID: "b1", run: 1, DeliveryRecord(outbox: "local:/o", name: "a.json", state: .pending, attempts: 1, lastError: "x"))
            try ledger.recordDelivery(batchID: "b1", run: 1, DeliveryRecord(outbox: "local:/o", name: "a.json", state: .delivered, attempts: 2, lastError: nil))
        }
        let reopened = try SQLiteLedger(path: path)
        #expect(try reopened.latestRun(batchID: "b1")?.state == .unpacked)
        let d = try reopened.delivery(batchID: "b1", run: 1, outbox: "local:/o", name: "a.json")
        #expect(d?.state == .delivered && d?.attempts == 2)
        #expect(try reopened.deliveries(batchID: "b1", run: 1).count == 1)
        #expect(try reopened.startRun(batchID: "b1", supersedes: 1) == 2)
        #expect(try reopened.runs(batchID: "b1").map(\.supersedes) == [nil, 1])
    }

    @Test func usesWriteAheadLogging() throws {
        let dir = try TemporaryDirectory("ledger")
        defer { dir.remove() }
        _ = try SQLiteLedger(path: dir.file("s.db"))
        let mode = try runProcess("sqlite3", [dir.file("s.db"), "PRAGMA journal_mode;"])
        #expect(mode.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "wal")
    }
}
