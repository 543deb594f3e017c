import Pipeline
import Testing

/// The engine's pure decisions, without files, ledger or clock.
@Suite struct PolicyTests {
    @Test func parkingAfterDeliveryAttempts() {
        let p = ParkingPolicy(maxAttempts: 3)
        #expect([1, 2, 3, 4].map(p.verdict(afterFailedAttempt:)) == [.retry, .retry, .park, .park])
        #expect(ParkingPolicy(maxAttempts: 0).maxAttempts == 1)
        #expect(p.describe(.retry, attempts: 2) == " (attempt 2 of 3)")
        #expect(p.describe(.park, attempts: 3).contains("parked as failed after 3 attempts"))
    }

    @Test func aBatchIsGivenUpAfterBatchAttemptsStarts() {
        let p = AttemptPolicy(maxAttempts: 3)
        #expect([1, 2, 3].map(p.verdict(startingAttempt:)) == [.process, .process, .process])
        #expect(p.verdict(startingAttempt: 4) == .giveUp(startedBefore: 3))
    }

    @Test func runsThatFailedGoAfterTheNewEntriesFewestFailuresFirst() {
        let order = AttemptPolicy.order([("a", 2), ("b", 0), ("c", 1), ("d", 0), ("e", 1)])
        #expect(order.beforeNewEntries == ["b", "d"])
        #expect(order.afterNewEntries == ["c", "e", "a"])
    }
}
