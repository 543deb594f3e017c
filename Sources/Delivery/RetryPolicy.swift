/// Bounded retries with exponential backoff, for mail sends and SFTP reconnects alike: attempt n
/// waits `initialDelay * multiplier^(n-1)`, capped at `maxDelay`. Bounded so a refusing server
/// never blocks the queue (Mirth #4144): the engine tries a failed delivery again on a later
/// pass and records the attempts in the ledger, so this only has to ride out short outages.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var multiplier: Double
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, initialDelay: Duration = .seconds(2), multiplier: Double = 2,
                maxDelay: Duration = .seconds(120)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
    }

    /// SFTP's defaults: five connection attempts, waits doubling from 1 s to 30 s.
    public static let sftp = RetryPolicy(maxAttempts: 5, initialDelay: .seconds(1), maxDelay: .seconds(30))

    /// The wait after failed attempt `attempt` (1-based).
    public func delay(afterAttempt attempt: Int) -> Duration {
        let factor = power(multiplier, attempt - 1)
        let delay = initialDelay * factor
        return delay > maxDelay ? maxDelay : delay
    }
}

private func power(_ base: Double, _ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<max(0, exponent) { result *= base }
    return result
}
