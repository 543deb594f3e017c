public import Delivery
public import Foundation
import Reports

/// Digests in the engine. Alerts and study mails belong to one run and are delivery targets
/// like the file outboxes (Outboxes/MailTargets.swift). Digests span runs: their streams and
/// sends have their own rows in the ledger but follow the same pending → delivered | parked
/// rule (`ParkingPolicy`). The render stage leaves each run's report for them here.
extension Engine {
    func mailFolder(_ batchID: String, run: Int) -> String { config.mailDirectory + "/" + batchID + "/run-\(run)" }

    // MARK: Render time

    /// What the mails of a run need once its work folder is gone: the report (in the ledger) and
    /// copies of the outputs digests attach. Written before the run is `rendered`.
    func recordMailSnapshot(_ c: BatchContext, _ rendered: RenderedBatch) throws {
        guard config.usesMail else { return }
        let now = clock.now()
        // Streams start before the run is recorded, so a new stream's first digest includes it.
        for o in config.digestOutboxes { _ = try ledger.digestPeriodEnd(pipeline: config.name, outbox: o.id, startingAt: now) }
        let folder = mailFolder(c.batchID, run: c.run)
        try? FileManager.default.removeItem(atPath: folder)
        let outputs = rendered.outputs.map(\.name)
        let names = Set(config.digestOutboxes.flatMap { MailAttach.batchNames($0.attach, among: outputs) })
        if !names.isEmpty {
            try config.makeSpoolFolder(folder)
            for name in names.sorted() {
                try FileIO.copyDurably(from: c.stagingDirectory + "/" + name, to: folder + "/" + name, permissions: config.spoolPermissions)
            }
            try FileIO.syncDirectory(folder)
        }
        try ledger.recordMailRun(pipeline: config.name, MailRunRecord(
            batchID: c.batchID, run: c.run, renderedAt: now, report: try MailSnapshot.encode(rendered.report)))
    }

    // MARK: Digests

    /// A digest built for one outbox and period, ready to send or to show.
    public struct DigestDraft: Sendable {
        public let outbox: String
        public let kind: DigestKind
        public let period: DateInterval
        /// The mail, or its parts when the attachments exceed `max_size`.
        public let messages: [MIMEMessage]
        /// `batch-id` or `batch-id.runN`, for every run covered (the newest run of each batch).
        public let runs: [String]
        /// Attachments whose copies were pruned after an earlier digest (named in the body).
        public let notKept: [String]
    }

    /// The runs rendered in `period` (newest run per batch), their table and counts, and the
    /// configured attachments of each.
    func digestDraft(_ o: PipelineConfig.MailOutbox, period: DateInterval, kind: DigestKind) throws -> DigestDraft {
        var newest: [String: MailRunRecord] = [:]
        var order: [String] = []
        for record in try ledger.mailRuns(pipeline: config.name, from: period.start, to: period.end) {
            if newest[record.batchID] == nil { order.append(record.batchID) }
            if let seen = newest[record.batchID], seen.run > record.run { continue }
            newest[record.batchID] = record
        }
        let runs = order.compactMap { newest[$0] }
        let reports = try runs.map { try MailSnapshot.decode($0.report) }
        var mail = DigestMail.render(batches: reports, period: period, template: o.digestTemplate, pipeline: config.name,
                                     timeZone: o.route.timeZone)
        var attachments: [MailAttachment] = []
        var notKept: [String] = []
        var leaves: [String] = []
        for record in runs {
            let leaf = record.batchID + (record.run > 1 ? ".run\(record.run)" : "")
            leaves.append(leaf)
            let outputs = try ledger.outputs(batchID: record.batchID, run: record.run).map(\.name)
            for name in MailAttach.batchNames(o.attach, among: outputs) {
                let copy = mailFolder(record.batchID, run: record.run) + "/" + name
                let link = MailDelivery.outboxPath(config, batchID: record.batchID, run: record.run, name)
                if FileManager.default.fileExists(atPath: copy) {
                    attachments.append(try MailAttachment.file(copy, filename: leaf + "-" + name, outboxPath: link))
                } else {
                    notKept.append(leaf + "-" + name + (link.map { ": " + $0 } ?? ""))
                }
            }
        }
        mail.listNotAttached("no longer kept: an earlier digest carried them", notKept)
        let seed = "digest|\(config.name)|\(o.id)|\(kind.rawValue)|\(period.start.timeIntervalSince1970)"
        let message = mail.message(from: o.route.from, to: o.route.to, attachments: attachments, date: clock.now(),
                                   timeZone: o.route.timeZone, messageIDSeed: seed, headers: [MailHeader("X-Sluice-Pipeline", config.name)])
        return DigestDraft(outbox: o.id, kind: kind, period: period, messages: try o.route.sizeLimit.apply(to: message),
                           runs: leaves, notKept: notKept)
    }

    /// The outcome of one digest send.
    public struct DigestOutcome: Sendable {
        public let outbox: String
        public let period: DateInterval
        public let draft: DigestDraft?
        public let error: String?
    }

    /// Builds and sends one digest and records how it went. A scheduled digest that fails stays
    /// open (same period, same Message-ID) and is tried on later passes, parked after
    /// `delivery_attempts`; a delivered one moves its stream on.
    func sendDigest(_ o: PipelineConfig.MailOutbox, period: DateInterval, kind: DigestKind, previousAttempts: Int) async -> DigestOutcome {
        let attempts = previousAttempts + 1
        var draft: DigestDraft?
        do {
            let built = try digestDraft(o, period: period, kind: kind)
            draft = built
            let sender = MailDelivery.sender(o.route)
            for message in built.messages { try await sender.send(message, label: "digest") }
            try ledger.recordDigest(pipeline: config.name, DigestRecord(
                outbox: o.id, kind: kind, periodStart: period.start, periodEnd: period.end, state: .delivered,
                attempts: attempts, lastError: nil, messageID: built.messages.first?.messageID, batches: built.runs.count))
            log.info("digest to \(o.id): sent for \(Timestamps.iso8601(period.start)) – \(Timestamps.iso8601(period.end)), \(built.runs.count) batch run\(built.runs.count == 1 ? "" : "s")\(built.messages.count > 1 ? " in \(built.messages.count) parts" : "")")
            return DigestOutcome(outbox: o.id, period: period, draft: built, error: nil)
        } catch {
            let verdict = config.parking.verdict(afterFailedAttempt: attempts)
            if kind == .scheduled {
                try? ledger.recordDigest(pipeline: config.name, DigestRecord(
                    outbox: o.id, kind: kind, periodStart: period.start, periodEnd: period.end, state: verdict == .park ? .failed : .pending,
                    attempts: attempts, lastError: "\(error)", messageID: draft?.messages.first?.messageID, batches: draft?.runs.count ?? 0))
            }
            log.error("digest to \(o.id): \(error)" + (kind == .manual ? "" : config.parking.describe(verdict, attempts: attempts)))
            return DigestOutcome(outbox: o.id, period: period, draft: draft, error: "digest to \(o.id): \(error)")
        }
    }

    /// Run at the end of every pass (so on every poll of the daemon): sends each digest that is
    /// due, or the one waiting to be retried, covering everything rendered since the last one.
    /// Returns the problems for the pass result.
    public func deliverDueDigests() async -> [PassError] {
        var errors: [PassError] = []
        for o in config.digestOutboxes {
            guard let schedule = o.digest else { continue }
            do {
                _ = try ledger.digestPeriodEnd(pipeline: config.name, outbox: o.id, startingAt: clock.now())
                let sent: Void? = try await withDigestStream(o) {
                    // After a long outage one digest covers every missed firing; a retried digest
                    // keeps its period, so the time since then follows at once in a second one.
                    for _ in 0..<4 {
                        let now = clock.now()
                        let end = try ledger.digestPeriodEnd(pipeline: config.name, outbox: o.id, startingAt: now)
                        let open = try ledger.openDigest(pipeline: config.name, outbox: o.id)
                        if open?.state == .failed { break }  // parked: waits for `sluice retry`
                        guard let period = open?.period ?? schedule.duePeriod(lastPeriodEnd: end, now: now) else { break }
                        let outcome = await sendDigest(o, period: period, kind: .scheduled, previousAttempts: open?.attempts ?? 0)
                        if let error = outcome.error { errors.append(PassError(.mail(o.id), error)); break }
                    }
                }
                if sent == nil { log.debug("digest to \(o.id): another worker is sending it") }
            } catch {
                errors.append(PassError(.mail(o.id), "digest to \(o.id): \(error)", cause: error))
                log.error("digest to \(o.id): \(error)")
            }
        }
        pruneMailFolders()
        return errors
    }

    /// Runs `body` holding the stream's lease; nil when another live worker holds it.
    func withDigestStream<T>(_ o: PipelineConfig.MailOutbox, _ body: () async throws -> T) async throws -> T? {
        guard try ledger.acquireDigestStream(pipeline: config.name, outbox: o.id, owner: WorkerIdentity.current,
                                             staleAfter: WorkerIdentity.leaseTimeout, isDead: WorkerIdentity.isDead) else { return nil }
        defer { try? ledger.releaseDigestStream(pipeline: config.name, outbox: o.id, owner: WorkerIdentity.current) }
        return try await body()
    }

    /// The period `sluice digest` covers: `since` to now when given; otherwise the digest waiting
    /// to be retried, else everything since the last digest.
    func plannedDigestPeriod(_ o: PipelineConfig.MailOutbox, since: Date?, starting: Bool) throws -> (period: DateInterval, open: DigestRecord?) {
        let now = clock.now()
        if let since { return (DateInterval(start: min(since, now), end: now), nil) }
        if let open = try ledger.openDigest(pipeline: config.name, outbox: o.id) { return (open.period, open) }
        let start = starting
            ? try ledger.digestPeriodEnd(pipeline: config.name, outbox: o.id, startingAt: now)
            : try ledger.digestPeriodEnd(pipeline: config.name, outbox: o.id) ?? now
        return (DateInterval(start: min(start, now), end: now), nil)
    }

    /// `sluice digest` without `--send`: the digests that would go out now, one per digest outbox.
    public func digestDrafts(since: Date?) throws -> [DigestDraft] {
        try config.digestOutboxes.map { o in
            try digestDraft(o, period: try plannedDigestPeriod(o, since: since, starting: false).period, kind: since == nil ? .scheduled : .manual)
        }
    }

    /// `sluice digest --send`. Without `since`: the next scheduled digest, sent early (the next
    /// one covers from now on, so nothing is skipped or repeated). With `since`: an extra mail
    /// that leaves the schedule alone.
    public func sendDigestsNow(since: Date?) async throws -> [DigestOutcome] {
        var outcomes: [DigestOutcome] = []
        for o in config.digestOutboxes {
            guard since == nil else {
                let (period, _) = try plannedDigestPeriod(o, since: since, starting: false)
                outcomes.append(await sendDigest(o, period: period, kind: .manual, previousAttempts: 0))
                continue
            }
            _ = try ledger.digestPeriodEnd(pipeline: config.name, outbox: o.id, startingAt: clock.now())
            let outcome = try await withDigestStream(o) { () async throws -> DigestOutcome in
                let (period, open) = try plannedDigestPeriod(o, since: nil, starting: true)
                return await sendDigest(o, period: period, kind: .scheduled, previousAttempts: open?.attempts ?? 0)
            }
            outcomes.append(outcome ?? DigestOutcome(
                outbox: o.id, period: DateInterval(start: clock.now(), duration: 0), draft: nil,
                error: "digest to \(o.id): another worker is sending it now; try again in a moment"))
        }
        pruneMailFolders()
        return outcomes
    }

    /// Parked digests back in the queue and the due ones sent, for `sluice retry`.
    public func retryDigests() async throws -> (reset: Int, errors: [PassError]) {
        let reset = try ledger.resetFailedDigests(pipeline: config.name)
        guard reset > 0 else { return (0, []) }
        log.info("\(reset) parked digest\(reset == 1 ? "" : "s") back in the queue")
        return (reset, await deliverDueDigests())
    }

    /// Removes the attachment copies of runs that every digest stream has covered.
    func pruneMailFolders() {
        let root = config.mailDirectory
        guard let batches = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        var covered = Date.distantFuture
        for o in config.digestOutboxes {
            guard let end = try? ledger.digestPeriodEnd(pipeline: config.name, outbox: o.id) else { return }
            covered = min(covered, end)
        }
        for batch in batches where !batch.hasPrefix(".") {
            let folder = root + "/" + batch
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix("run-") {
                // Unrecorded: a render that stopped before `rendered`; its next attempt rewrites it.
                guard let run = Int(name.dropFirst(4)), let record = try? ledger.mailRun(batchID: batch, run: run),
                      record.renderedAt < covered else { continue }
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
            }
            if (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
    }
}

/// The report a run keeps for its mails: what digests, alerts and study mails show, without the
/// pixel file paths and patient names only the renderers needed.
enum MailSnapshot {
    static func encode(_ report: BatchReport) throws -> String {
        var reduced = report
        for i in reduced.studies.indices {
            reduced.studies[i].source = nil
            reduced.studies[i].patientName = nil
            reduced.studies[i].keyImage = nil
            reduced.studies[i].files = []
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(reduced), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> BatchReport {
        try JSONDecoder().decode(BatchReport.self, from: Data(text.utf8))
    }
}
