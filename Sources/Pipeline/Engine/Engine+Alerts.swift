import Checksum
import Delivery
import Foundation
import Reports

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

extension Engine {
    /// The infer stage's word that one study has been read: its alert routes (Critical pages,
    /// Urgent mails, ORUs to the RIS) go out now, not after the rest of the batch is read and
    /// rendered. Each is a delivery of the run: one that arrives here is recorded and not sent
    /// again in publish; one that fails is left to publish, which counts the attempt (one per
    /// pass, as for every delivery) and parks it after `delivery_attempts`.
    func alertAsInferred(_ study: StudyGroup, _ inferred: InferredStudy, paths: [String: String], _ c: BatchContext) async {
        let alerting = targets.filter { $0.phase == .alerts }
        guard !alerting.isEmpty, inferred.findings.contains(where: { $0.urgency >= .urgent }) else { return }
        var report = stages.render.earlyReport(study, inferred, context: c)
        if config.alertRoutes.contains(where: { $0.oru != nil }) {
            // The ORU's PID takes birth date and sex from the images.
            report.source = try? RenderStage.source(of: study, paths: paths)
        }
        let now = clock.now()
        for target in alerting {
            do {
                for delivery in try target.deliveries(for: report, in: c, detectedAt: now) {
                    let previous = try ledger.delivery(batchID: c.batchID, run: c.run, outbox: target.id, name: delivery.name)
                    guard previous == nil || previous?.state == .pending else { continue }
                    try await delivery.send()
                    try ledger.recordDelivery(batchID: c.batchID, run: c.run, DeliveryRecord(
                        outbox: target.id, name: delivery.name, state: .delivered, attempts: (previous?.attempts ?? 0) + 1, lastError: nil))
                }
            } catch {
                log.warning("batch \(c.batchID): alert for \(study.key) not sent as the study was read: \(error); tried again when the batch is published")
            }
        }
    }

    /// Alert routes with `every:`: one mail per route listing the findings queued since its
    /// last summary — at most one summary per `every`, so the first finding after a quiet spell
    /// goes out on the next pass and a run of findings is gathered into one mail.
    public func sendAlertSummaries() async -> [PassError] {
        var errors: [PassError] = []
        let now = clock.now()
        for route in config.alertRoutes {
            guard let every = route.every, let mail = route.mail else { continue }
            do {
                let queued = try ledger.queuedAlerts(pipeline: config.name, route: route.label)
                guard let oldest = queued.map(\.queuedAt).min() else { continue }
                let last = try ledger.lastAlertSummary(pipeline: config.name, route: route.label)
                if let last, now < last.addingTimeInterval(Double(every.components.seconds)) { continue }
                let rendered = AlertSummaryMail.render(
                    queued.map(\.item), pipeline: config.name, route: route.label, urgency: route.tier.rawValue.capitalized,
                    since: last ?? oldest, template: route.summaryTemplate, timeZone: mail.timeZone)
                // Named by what it lists, so a resend after a crash keeps its Message-ID.
                let seed = "alert-summary|\(config.name)|\(route.label)|" + SHA256.hex(queued.map(\.key).joined(separator: "\n"))
                let message = rendered.message(from: mail.from, to: mail.to, date: now, timeZone: mail.timeZone, messageIDSeed: seed)
                let receipt = try await MailDelivery.sender(mail).send(message, label: "\(route.label) summary")
                try ledger.markAlertsSent(pipeline: config.name, route: route.label, keys: queued.map(\.key),
                                          messageID: receipt.messageID, at: now)
                log.warning("\(route.label): summary of \(queued.count) finding\(queued.count == 1 ? "" : "s") sent to \(mail.to.count) recipient\(mail.to.count == 1 ? "" : "s")")
            } catch {
                errors.append(PassError(.mail(mail.id), "\(route.label) summary: \(error)", cause: error))
                log.error("\(route.label) summary to \(mail.id): \(error); tried again on the next pass")
            }
        }
        return errors
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
