import Foundation

/// Ends the process when a batch's processing outlives `batch_timeout`. A hang inside a stage
/// (a decoder looping on a crafted file, a stuck read) cannot be cancelled from outside the
/// thread; exiting turns it into an attempt the ledger has already counted, so the next start
/// moves the batch to error/ after `batch_attempts` instead of hanging every pass.
final class Watchdog: @unchecked Sendable {
    /// The exit status of a process the watchdog ended (EX_SOFTWARE).
    static let exitStatus: Int32 = 70
    private let lock = NSLock()
    private var armed = true

    /// Nil when there is no timeout.
    static func arm(after timeout: Duration?, log: Log, _ message: @escaping @Sendable () -> String) -> Watchdog? {
        guard let timeout else { return nil }
        let dog = Watchdog()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            guard dog.lock.withLock({ dog.armed }) else { return }
            log.error(message())
            _exit(exitStatus)
        }
        return dog
    }

    func disarm() { lock.withLock { armed = false } }
}
