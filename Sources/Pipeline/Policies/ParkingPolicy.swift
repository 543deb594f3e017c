/// When a delivery or a digest that keeps failing stops being tried: after `delivery_attempts`
/// failed passes it is parked as a dead letter (shown by `sluice status`, alerted once, sent
/// again by `sluice retry`), so a refusing peer cannot keep the queue busy for ever. Pure: the
/// engine records what it decides.
public struct ParkingPolicy: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable { case retry, park }

    public let maxAttempts: Int

    public init(maxAttempts: Int) { self.maxAttempts = max(1, maxAttempts) }

    public func verdict(afterFailedAttempt attempt: Int) -> Verdict { attempt >= maxAttempts ? .park : .retry }

    /// The end of the log line for a failed attempt.
    public func describe(_ verdict: Verdict, attempts: Int) -> String {
        switch verdict {
        case .park: " — parked as failed after \(attempts) attempts (dead letter); `sluice retry` tries again"
        case .retry: " (attempt \(attempts) of \(maxAttempts))"
        }
    }
}

extension PipelineConfig {
    public var parking: ParkingPolicy { ParkingPolicy(maxAttempts: deliveryAttempts) }
}
