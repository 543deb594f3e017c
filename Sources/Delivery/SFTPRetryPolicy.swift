/// How hard to try before a transfer is given up for this pass. The engine retries failed
/// deliveries on its next pass (and records attempts in the ledger), so this bound only has
/// to ride out short outages, not long ones.
public struct SFTPRetryPolicy: Sendable, Equatable {
    /// Connection attempts per operation, the first included.
    public var attempts: Int
    public var initialDelay: Duration
    public var maximumDelay: Duration

    public init(attempts: Int = 5, initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(30)) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// Wait before attempt `attempt` (2, 3, …): doubling from `initialDelay`, capped.
    public func delay(before attempt: Int) -> Duration {
        guard attempt > 1 else { return .zero }
        var d = initialDelay
        for _ in 2..<attempt where d < maximumDelay { d = d * 2 }
        return min(d, maximumDelay)
    }
}
