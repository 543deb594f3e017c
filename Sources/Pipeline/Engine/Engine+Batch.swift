import Delivery
import Foundation
import Reports

extension Engine {
    /// Takes the batch's newest run from wherever the ledger says it stands to a final state
    /// (or to `held` / `rendered` when it must wait). Returns the state reached.
    @discardableResult
    public func drive(batchID: String, allowDuplicate: Bool) async throws -> BatchState {
        guard let batch = try ledger.batch(batchID), let latest = try ledger.latestRun(batchID: batchID) else {
            throw LedgerError("no batch \(batchID) in the ledger")
        }
        guard try ledger.acquire(batchID: batchID, run: latest.run, owner: WorkerIdentity.current,
                                 staleAfter: WorkerIdentity.leaseTimeout, isDead: WorkerIdentity.isDead) else {
            log.debug("batch \(batchID): driven by another worker")
            return latest.state
        }
        defer { try? ledger.release(batchID: batchID, run: latest.run, owner: WorkerIdentity.current) }
        // Read again under the lease: another worker may have moved it on meanwhile.
        guard let run = try ledger.latestRun(batchID: batchID), run.run == latest.run else { return latest.state }
        if run.state.isFinal { return run.state }
        let context = try self.context(batch, run: run.run, allowDuplicate: allowDuplicate || run.run > 1)
        var state = run.state
        if BatchLifecycle.resumePoint(for: state) == .start {
            // Counted before anything runs: a crash, a timeout or an error leaves it counted.
            let attempt = try ledger.beginAttempt(batchID: batchID, run: run.run)
            if case .giveUp(let started) = config.attempts.verdict(startingAttempt: attempt) {
                let reason = "processing was started \(started) times and never finished (the process was killed, timed "
                    + "out or failed); it last reached \(state.rawValue)" + (run.error.map { "; last error: \($0)" } ?? "")
                return try fail(context, batch: batch, reason: reason)
            }
            if state != .claimed {
                state = try ledger.transition(batchID: batchID, run: run.run, on: .restart, error: nil)
                log.info("batch \(batchID): resuming run \(run.run) from its input (attempt \(attempt) of \(config.batchAttempts))")
            }
            let timeout = config.batchTimeout
            let watchdog = Watchdog.arm(after: timeout, log: log) {
                "batch \(batchID): still processing after \(timeout.map(Self.describe) ?? "") (batch_timeout); ending the process so this attempt counts (attempt \(attempt) of \(self.config.batchAttempts))"
            }
            defer { watchdog?.disarm() }
            do {
                state = try await process(context)
            } catch let failure as BatchFailure {
                return try fail(context, batch: batch, reason: failure.description)
            }
            try ledger.endAttempt(batchID: batchID, run: run.run)
        }
        if state == .rendered {
            state = try await publish(context)
        }
        if state == .published {
            state = try archive(context, batch: batch)
        }
        return state
    }

    static func describe(_ d: Duration) -> String {
        let s = d.components.seconds
        return s % 3600 == 0 ? "\(s / 3600)h" : s % 60 == 0 ? "\(s / 60)m" : "\(s)s"
    }

    func context(_ batch: BatchRecord, run: Int, allowDuplicate: Bool) throws -> BatchContext {
        let work = config.workDirectory + "/" + batch.id + "/run-\(run)"
        try config.makeSpoolFolder(work)
        let input = batch.inputPath ?? config.processingDirectory + "/" + batch.id + "/" + batch.sourceName
        var context = BatchContext(
            batchID: batch.id, run: run, sourceName: batch.sourceName, inputPath: input,
            workDirectory: work, log: log, clock: clock, allowDuplicate: allowDuplicate, workers: config.workers)
        context.claimedAt = batch.claimedAt
        if let marker = config.marker {
            let fm = FileManager.default
            context.marked = fm.fileExists(atPath: input + "/" + marker) || fm.fileExists(atPath: input + "." + marker)
        }
        return context
    }

    /// The stages in order (`BatchStages`), each result recorded before the next starts.
    func process(_ c: BatchContext) async throws -> BatchState {
        let unpacked = try await stages.unpack.run((), context: c)
        try ledger.updateBatch(c.batchID, fingerprint: unpacked.fingerprint, duplicateOf: nil, inputPath: nil)
        _ = try ledger.transition(batchID: c.batchID, run: c.run, on: .unpacked, error: nil)
        FaultInjection.point("unpacked")

        if !c.allowDuplicate, let original = try ledger.completedBatch(withFingerprint: unpacked.fingerprint, excluding: c.batchID) {
            try ledger.updateBatch(c.batchID, fingerprint: nil, duplicateOf: original, inputPath: nil)
            let state = try ledger.transition(
                batchID: c.batchID, run: c.run, on: .duplicateFound,
                error: "same content as batch \(original); not processed again")
            try moveInput(c, to: config.archiveDirectory)
            log.warning("batch \(c.batchID): duplicate of batch \(original) (same content); archived without processing — `sluice rerun --batch \(c.batchID)` processes it anyway")
            return state
        }

        let validated = try await stages.validate.run(unpacked, context: c)
        let bytes = validated.unpacked.files.compactMap(\.size).reduce(0, +)
        func recordCounts(studies: Int, outputDirectory: String? = nil) throws {
            try ledger.updateRun(
                batchID: c.batchID, run: c.run, outputDirectory: outputDirectory, files: unpacked.files.count,
                quarantined: validated.quarantine.count, studies: studies, bytes: bytes)
        }
        try ledger.replaceFiles(batchID: c.batchID, run: c.run, Self.fileRecords(validated))
        try recordCounts(studies: 0)
        _ = try ledger.transition(batchID: c.batchID, run: c.run, on: .validated, error: nil)
        FaultInjection.point("validated", batch: c.sourceName)
        for q in validated.quarantine { log.warning("batch \(c.batchID): quarantined \(q.file): \(q.reason)") }

        var grouped = try await stages.group.run(validated, context: c)
        if !grouped.held.isEmpty {
            let why = "\(grouped.held.count) stud\(grouped.held.count == 1 ? "y is" : "ies are") still receiving files (newer than settle): \(grouped.held.joined(separator: ", "))"
            log.info("batch \(c.batchID): held: \(why)")
            return try ledger.transition(batchID: c.batchID, run: c.run, on: .hold, error: why)
        }
        try ledger.replaceStudies(batchID: c.batchID, run: c.run, Self.studyRecords(grouped, findings: [:]))
        try recordCounts(studies: grouped.studies.count)
        _ = try ledger.transition(batchID: c.batchID, run: c.run, on: .grouped, error: nil)
        for s in grouped.studies where !s.problems.isEmpty {
            log.warning("batch \(c.batchID): \(s.key): \(s.problems.joined(separator: "; "))")
        }

        for stage in stages.refine { grouped = try await stage.run(grouped, context: c) }
        var inferring = c
        inferring.studyInferred = { [self] study, inferred, paths in await alertAsInferred(study, inferred, paths: paths, c) }
        let inferred = try await stages.infer.run(grouped, context: inferring)
        try ledger.replaceStudies(batchID: c.batchID, run: c.run, Self.studyRecords(grouped, findings: inferred.findings))
        _ = try ledger.transition(batchID: c.batchID, run: c.run, on: .inferred, error: nil)
        FaultInjection.point("inferred")

        let renderStart = ContinuousClock.now
        let rendered = try await stages.render.run(inferred, context: c)
        // Wall time of the render stage alone; tools/bench_render.py reads this line.
        let renderSeconds = (ContinuousClock.now - renderStart) / .seconds(1)
        log.debug("batch \(c.batchID): render stage: \(grouped.studies.count) studies in \(String(format: "%.4f", renderSeconds)) s")
        try ledger.replaceOutputs(batchID: c.batchID, run: c.run, rendered.outputs.map {
            OutputRecord(name: $0.name, sha256: $0.sha256, size: $0.size)
        })
        try recordCounts(studies: grouped.studies.count, outputDirectory: outputFolder(c))
        try recordMailSnapshot(c, rendered)
        log.info("batch \(c.batchID): \(grouped.studies.count) stud\(grouped.studies.count == 1 ? "y" : "ies"), \(validated.instances.count) instances, \(validated.orders.count) orders, \(validated.quarantine.count) quarantined; \(rendered.outputs.count) outputs rendered")
        let state = try ledger.transition(batchID: c.batchID, run: c.run, on: .rendered, error: nil)
        FaultInjection.point("rendered")
        return state
    }

    /// `<pipeline>/<batch-id>` for run 1, `<pipeline>/<batch-id>.run<n>` for reruns.
    func outputFolder(_ c: BatchContext) -> String {
        config.name + "/" + c.batchID + (c.run > 1 ? ".run\(c.run)" : "")
    }

    /// Hands the rendered run to every delivery target in publish order (alerts, files, study
    /// mails); each delivery is an attempt recorded in the ledger, so a restart skips what
    /// already arrived. The run is published when every delivery has arrived.
    func publish(_ c: BatchContext) async throws -> BatchState {
        let run = PublishedRun(context: c, outputs: try ledger.outputs(batchID: c.batchID, run: c.run),
                               folder: outputFolder(c), services: services)
        var failures: [String] = []
        for target in targets {
            for delivery in try target.deliveries(for: run) {
                let arrived = try await attempt(delivery.name, to: target.id, c, failures: &failures, delivery.send)
                if !arrived && target.isOrdered { break }
            }
        }
        if !failures.isEmpty {
            throw DeliveryError(outbox: "outbox", name: c.batchID, reason: "\(failures.count) delivery failure(s); will retry on the next pass")
        }
        let files = targets.filter { $0.phase == .files }.count
        log.info("batch \(c.batchID): delivered \(run.outputs.count) outputs to \(files) outbox\(files == 1 ? "" : "es")")
        let state = try ledger.transition(batchID: c.batchID, run: c.run, on: .published, error: nil)
        FaultInjection.point("published")
        return state
    }

    /// One delivery, recorded in the ledger. After `delivery_attempts` failures it is parked as
    /// a dead letter — logged once, shown by `sluice status`, left alone until `sluice retry` —
    /// so a refusing peer cannot keep the queue busy for ever. Returns whether it has arrived.
    func attempt(_ name: String, to target: String, _ c: BatchContext, failures: inout [String],
                 _ body: () async throws -> Void) async throws -> Bool {
        let previous = try ledger.delivery(batchID: c.batchID, run: c.run, outbox: target, name: name)
        if previous?.state == .delivered { return true }
        if previous?.state == .failed {
            failures.append("\(name) to \(target) is parked as failed")
            return false
        }
        let attempts = (previous?.attempts ?? 0) + 1
        do {
            try await body()
            try ledger.recordDelivery(batchID: c.batchID, run: c.run, DeliveryRecord(
                outbox: target, name: name, state: .delivered, attempts: attempts, lastError: nil))
            FaultInjection.point("delivered")
            return true
        } catch {
            let verdict = config.parking.verdict(afterFailedAttempt: attempts)
            try ledger.recordDelivery(batchID: c.batchID, run: c.run, DeliveryRecord(
                outbox: target, name: name, state: verdict == .park ? .failed : .pending, attempts: attempts, lastError: "\(error)"))
            failures.append("\(error)")
            log.error("batch \(c.batchID): \(error)\(config.parking.describe(verdict, attempts: attempts))")
            return false
        }
    }

    /// Dead letters of a run back to pending, for `sluice retry`.
    public func retry(batchID: String) async throws -> BatchState {
        guard let run = try ledger.latestRun(batchID: batchID) else { throw LedgerError("no batch \(batchID) in the ledger") }
        let reset = try ledger.resetFailedDeliveries(batchID: batchID, run: run.run)
        if reset > 0 { log.info("batch \(batchID): \(reset) parked deliver\(reset == 1 ? "y" : "ies") back in the queue") }
        return try await drive(batchID: batchID, allowDuplicate: false)
    }

    /// Whether a run has parked deliveries (it then waits for `sluice retry`).
    public func hasDeadLetters(_ batchID: String) -> Bool {
        guard let run = try? ledger.latestRun(batchID: batchID),
              let deliveries = try? ledger.deliveries(batchID: batchID, run: run.run) else { return false }
        return deliveries.contains { $0.state == .failed }
    }

    /// Moves the input to archive/ (after delivery, never before) and clears the work folder.
    func archive(_ c: BatchContext, batch: BatchRecord) throws -> BatchState {
        if c.inputPath.hasPrefix(config.processingDirectory + "/") {
            try moveInput(c, to: config.archiveDirectory)
        }
        try? FileManager.default.removeItem(atPath: c.workDirectory)
        try? FileManager.default.removeItem(atPath: config.workDirectory + "/" + c.batchID)
        return try ledger.transition(batchID: c.batchID, run: c.run, on: .archived, error: nil)
    }

    /// A batch that cannot be read at all: input to error/<id>/ with `error.json` beside it.
    func fail(_ c: BatchContext, batch: BatchRecord, reason: String) throws -> BatchState {
        log.error("batch \(c.batchID): cannot be processed: \(reason); moved to error/")
        if c.inputPath.hasPrefix(config.processingDirectory + "/") {
            try moveInput(c, to: config.errorDirectory)
        }
        let report: [String: String] = [
            "batchID": c.batchID, "sourceName": c.sourceName, "reason": reason, "run": String(c.run),
            "at": Timestamps.iso8601(clock.now()),
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        try config.makeSpoolFolder(config.errorDirectory + "/" + c.batchID)
        try FileIO.writeAtomically(data, to: config.errorDirectory + "/" + c.batchID + "/error.json", permissions: config.spoolPermissions)
        try? FileManager.default.removeItem(atPath: config.workDirectory + "/" + c.batchID)
        return try ledger.transition(batchID: c.batchID, run: c.run, on: .failed, error: reason)
    }

    /// Renames processing/<id>/ to `<destination>/<id>/` and records where the input now is.
    func moveInput(_ c: BatchContext, to destination: String) throws {
        let from = config.processingDirectory + "/" + c.batchID
        let to = destination + "/" + c.batchID
        try config.makeSpoolFolder(destination)
        if FileManager.default.fileExists(atPath: from) {
            guard rename(from, to) == 0 else { throw FileIO.Failure(errno: errno, path: from) }
            try FileIO.syncDirectory(destination)
        }
        try ledger.updateBatch(c.batchID, fingerprint: nil, duplicateOf: nil, inputPath: to + "/" + c.sourceName)
    }

    /// The studies as the ledger keeps them; findings once the infer stage has run.
    static func studyRecords(_ grouped: GroupedBatch, findings: [String: [Finding]]) -> [StudyRecord] {
        grouped.studies.map { s in
            let json = (try? JSONEncoder().encode(findings[s.key] ?? [])).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            return StudyRecord(
                studyKey: s.key, studyUID: s.studyInstanceUID, modality: s.modalities, series: s.series.count,
                instances: s.instances.count, status: s.problems.isEmpty ? "complete" : "problems",
                problems: s.problems, findingsJSON: json)
        }
    }

    static func fileRecords(_ v: ValidatedBatch) -> [FileRecord] {
        let byFile = Dictionary(v.instances.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        var records = v.unpacked.files.map { f in
            let status = v.fileStatus[f.relativePath]
            return FileRecord(
                path: f.relativePath, kind: status?.kind ?? "unknown", size: f.size ?? 0, sha256: f.sha256,
                status: status?.status ?? "ok", reason: status?.reason, stage: status?.status == "quarantined" ? "validate" : nil,
                studyUID: byFile[f.relativePath]?.studyInstanceUID, sopInstanceUID: byFile[f.relativePath]?.sopInstanceUID)
        }
        for (path, reason) in v.unpacked.ignored {
            records.append(FileRecord(path: path, kind: "other", size: 0, sha256: "", status: "ignored", reason: reason))
        }
        for (path, reason) in v.unpacked.refused {
            records.append(FileRecord(path: path, kind: "unknown", size: 0, sha256: "", status: "quarantined", reason: reason, stage: "unpack"))
        }
        return records
    }

    /// Reprocesses an archived batch into a new run that supersedes the previous one.
    public func rerun(batchID: String) async throws -> (run: Int, state: BatchState) {
        guard let batch = try ledger.batch(batchID) else { throw LedgerError("no batch \(batchID) in the ledger") }
        guard let last = try ledger.latestRun(batchID: batchID), last.state.isFinal else {
            throw LedgerError("batch \(batchID) is still in progress; rerun it once it is archived")
        }
        guard let input = batch.inputPath, FileManager.default.fileExists(atPath: input) else {
            throw LedgerError("batch \(batchID): its input is no longer in the archive")
        }
        let run = try ledger.startRun(batchID: batchID, supersedes: last.run)
        log.info("batch \(batchID): rerun as run \(run) (supersedes run \(last.run))")
        let state = try await drive(batchID: batchID, allowDuplicate: true)
        return (run, state)
    }
}
