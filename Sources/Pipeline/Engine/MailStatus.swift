import Delivery
import Foundation

/// The mail part of `sluice status`: each digest stream, the critical alerts sent, and alert or
/// study mails still waiting (to be retried, or parked as dead letters).
public struct MailStatus: Codable, Sendable {
    public struct Digest: Codable, Sendable {
        public var outbox: String
        public var schedule: String
        /// Everything rendered before this has been in a digest (or the stream began then).
        public var coveredUntil: String?
        public var nextDue: String?
        public var sent: Int
        /// The digest begun but not delivered: pending (retried each pass) or failed (parked).
        public var waiting: Waiting?
    }

    public struct Waiting: Codable, Sendable {
        public var periodStart: String
        public var periodEnd: String
        public var state: String
        public var attempts: Int
        public var lastError: String?
    }

    public struct Alert: Codable, Sendable {
        public var batch: String
        public var run: Int
        public var study: String
        public var finding: String
        public var outbox: String
        public var sentAt: String
    }

    public struct Delivery: Codable, Sendable {
        public var batch: String
        public var run: Int
        public var outbox: String
        public var name: String
        public var state: String
        public var attempts: Int
        public var lastError: String?
    }

    public var digests: [Digest]
    public var criticalAlerts: [Alert]
    public var undelivered: [Delivery]

    /// nil when the pipeline sends no mail.
    public static func make(_ engine: Engine) throws -> MailStatus? {
        let config = engine.config
        guard config.usesMail else { return nil }
        let ledger = engine.ledger
        let history = try ledger.digests(pipeline: config.name)
        var digests: [Digest] = []
        for o in config.digestOutboxes {
            guard let schedule = o.digest else { continue }
            let end = try ledger.digestPeriodEnd(pipeline: config.name, outbox: o.id)
            let open = try ledger.openDigest(pipeline: config.name, outbox: o.id)
            digests.append(Digest(
                outbox: o.id, schedule: schedule.description, coveredUntil: end.map(Timestamps.iso8601),
                nextDue: end.map { Timestamps.iso8601(schedule.next(after: $0)) },
                sent: history.filter { $0.outbox == o.id && $0.state == .delivered }.count,
                waiting: open.map {
                    Waiting(periodStart: Timestamps.iso8601($0.periodStart), periodEnd: Timestamps.iso8601($0.periodEnd),
                            state: $0.state.rawValue, attempts: $0.attempts, lastError: $0.lastError)
                }))
        }
        let alerts = try ledger.criticalAlerts(pipeline: config.name).map {
            Alert(batch: $0.batchID, run: $0.run, study: $0.studyKey, finding: $0.label, outbox: $0.outbox, sentAt: Timestamps.iso8601($0.sentAt))
        }
        let mailIDs = Set(config.mailOutboxes.map(\.id) + config.alertRoutes.compactMap(\.mail?.id))
        var undelivered: [Delivery] = []
        for batch in try ledger.batches(pipeline: config.name) {
            guard let run = try ledger.latestRun(batchID: batch.id) else { continue }
            for d in try ledger.deliveries(batchID: batch.id, run: run.run) where mailIDs.contains(d.outbox) && d.state != .delivered {
                undelivered.append(Delivery(batch: batch.id, run: run.run, outbox: d.outbox, name: d.name, state: d.state.rawValue,
                                            attempts: d.attempts, lastError: d.lastError))
            }
        }
        return MailStatus(digests: digests, criticalAlerts: alerts, undelivered: undelivered)
    }

    public var text: String {
        var out = "\nMAIL\n"
        for d in digests {
            out += "  digest to \(d.outbox.escapingControlCharacters), \(d.schedule): \(d.sent) sent"
            if let covered = d.coveredUntil { out += ", covered until \(covered)" }
            if let next = d.nextDue { out += ", next due \(next)" }
            out += "\n"
            if let w = d.waiting {
                let what = w.state == "failed"
                    ? "dead letter: digest \(w.periodStart) – \(w.periodEnd) parked after \(w.attempts) attempts; `sluice retry` tries again"
                    : "digest \(w.periodStart) – \(w.periodEnd) waiting to be retried (\(w.attempts) attempt\(w.attempts == 1 ? "" : "s"))"
                out += "    \(what)\(w.lastError.map { ": \($0.escapingControlCharacters)" } ?? "")\n"
            }
        }
        out += "  critical alerts sent: \(criticalAlerts.count)\n"
        for a in criticalAlerts.suffix(10) {
            out += "    \(a.sentAt)  \(a.finding.escapingControlCharacters) in \(a.study) (batch \(a.batch.escapingControlCharacters) run \(a.run))"
                + " to \(a.outbox.escapingControlCharacters)\n"
        }
        for d in undelivered {
            let what = d.state == "failed" ? "dead letter (parked after \(d.attempts) attempts)" : "waiting to be retried (\(d.attempts) attempt\(d.attempts == 1 ? "" : "s"))"
            out += "  \(d.name.escapingControlCharacters) to \(d.outbox.escapingControlCharacters), batch \(d.batch.escapingControlCharacters): \(what)"
                + (d.lastError.map { ": \($0.escapingControlCharacters)" } ?? "") + "\n"
        }
        return out
    }
}
