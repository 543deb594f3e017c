/// When a batch whose processing keeps ending without an outcome (the process killed, hung,
/// or an error) stops being tried, and where it waits meanwhile. Pure: the ledger counts the
/// attempts (`BatchLedger.beginAttempt`), the engine acts on the verdict.
public struct AttemptPolicy: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        case process
        /// Moved to error/ with the reason: it was started this many times already.
        case giveUp(startedBefore: Int)
    }

    /// `batch_attempts`.
    public let maxAttempts: Int

    public init(maxAttempts: Int) { self.maxAttempts = max(1, maxAttempts) }

    /// `attempt` is the count including the start about to happen.
    public func verdict(startingAttempt attempt: Int) -> Verdict {
        attempt > maxAttempts ? .giveUp(startedBefore: attempt - 1) : .process
    }

    /// The pass's order: runs with no failed attempt go first, in ledger order; those that
    /// failed go after the pass's new inbox entries, fewest failures first, so one that keeps
    /// failing never holds up the ones behind it.
    public static func order(_ runs: [(id: String, attempts: Int)]) -> (beforeNewEntries: [String], afterNewEntries: [String]) {
        let failed = runs.enumerated().filter { $0.element.attempts > 0 }
            .sorted { ($0.element.attempts, $0.offset) < ($1.element.attempts, $1.offset) }
        return (runs.filter { $0.attempts == 0 }.map(\.id), failed.map(\.element.id))
    }
}

extension PipelineConfig {
    public var attempts: AttemptPolicy { AttemptPolicy(maxAttempts: batchAttempts) }
}
