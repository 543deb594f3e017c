import Checksum
import Delivery
import Foundation

extension Engine {
    /// With `alerts:` configured: one mail listing every delivery and digest parked since the
    /// last alert, then each is marked alerted — so a parked delivery is alerted once, however
    /// many passes see it, and again only if `sluice retry` fails and it is parked anew. A mail
    /// that cannot be sent is tried again on later passes, backing off up to 30 minutes.
    /// Returns this pass's error, if any.
    public func alertDeadLetters() async -> PassError? {
        guard let alerts = config.alerts else { return nil }
        let now = clock.now()
        guard alertBackoff.mayTry(at: now) else { return nil }
        let letters: [DeadLetter]
        do { letters = try ledger.unalertedDeadLetters(pipeline: config.name) } catch {
            log.error("dead-letter alert: cannot read the ledger: \(error)")
            return PassError(.mail(alerts.route.id), "dead-letter alert: \(error)", cause: error)
        }
        guard !letters.isEmpty else { return nil }
        let route = alerts.route
        let items = letters.map { l in
            let owner = switch l.kind {
            case .delivery, .batch: "batch \(l.batchID ?? "?") run \(l.run ?? 0)"
            case .digest: "digest " + [l.periodStart, l.periodEnd].compactMap { $0 }
                .map(Timestamps.iso8601).joined(separator: " – ")
            }
            return DeadLetterAlert.Item(owner: owner, outbox: l.outbox, name: l.name, attempts: l.attempts,
                                        lastError: l.lastError ?? "(no error recorded)", parkedAt: l.parkedAt)
        }
        let mail = DeadLetterAlert.render(items, pipeline: config.name, host: ProcessInfo.processInfo.hostName,
                                          retryCommand: "sluice retry \(config.file)", template: alerts.template,
                                          timeZone: route.timeZone)
        // Named by what it reports, so a resend after a crash keeps its Message-ID.
        let seed = "dead-letter|\(config.name)|" + SHA256.hex(items.map { "\($0.owner)|\($0.outbox)|\($0.name)|\($0.parkedAt.timeIntervalSince1970)" }
            .joined(separator: "\n"))
        let message = mail.message(from: route.from, to: route.to, date: now, timeZone: route.timeZone, messageIDSeed: seed)
        do {
            _ = try await MailDelivery.sender(route).send(message, label: "dead-letter alert")
            try ledger.markAlerted(pipeline: config.name, letters, at: now)
            alertBackoff.succeeded()
            log.warning("\(letters.count) dead letter\(letters.count == 1 ? "" : "s") alerted to \(route.to.count) recipient\(route.to.count == 1 ? "" : "s") (alerts: \(route.id))")
            return nil
        } catch {
            let wait = alertBackoff.failed(at: now)
            log.error("dead-letter alert to \(route.id): \(error); tried again in \(Int(wait / 60)) min or on the next run")
            return PassError(.mail(route.id), "dead-letter alert: \(error)", cause: error)
        }
    }
}

/// When the next dead-letter alert may be tried after failed sends: the mail retry policy's
/// exponential backoff, from 1 minute to 30.
final class AlertBackoff: @unchecked Sendable {
    static let policy = RetryPolicy(initialDelay: .seconds(60), maxDelay: .seconds(30 * 60))
    private let lock = NSLock()
    private var notBefore: Date?
    private var failures = 0

    func mayTry(at now: Date) -> Bool { lock.withLock { notBefore.map { now >= $0 } ?? true } }

    func succeeded() { lock.withLock { notBefore = nil; failures = 0 } }

    /// Returns the wait before the next try.
    func failed(at now: Date) -> TimeInterval {
        lock.withLock {
            failures += 1
            let wait = Double(Self.policy.delay(afterAttempt: failures).components.seconds)
            notBefore = now.addingTimeInterval(wait)
            return wait
        }
    }
}
