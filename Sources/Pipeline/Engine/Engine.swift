import Checksum
import Delivery
import Foundation
public import Reports

/// Drives batches through the stages, recording every step in the ledger before the next, so a
/// killed process resumes where it stopped and never delivers an output twice.
public final class Engine: Sendable {
    public let config: PipelineConfig
    public let ledger: any Ledger
    public let log: Log
    public let clock: Clock
    let inboxes: [any Inbox]
    /// Where each run's results go, in publish order (alerts, files, study mails).
    let targets: [any DeliveryTarget]
    let stages: BatchStages
    let alertBackoff = AlertBackoff()
    let services: PipelineServices

    public init(
        config: PipelineConfig, ledger: any Ledger, log: Log, clock: Clock,
        stages: BatchStages? = nil, infer: (any Stage<GroupedBatch, InferredBatch>)? = nil,
        renderers: [any Renderer]? = nil, targets: [any DeliveryTarget]? = nil
    ) {
        self.config = config
        self.ledger = ledger
        self.log = log
        self.clock = clock
        self.stages = stages ?? BatchStages(config: config, infer: infer, renderers: renderers)
        let services = PipelineServices(config: config, ledger: ledger, log: log, clock: clock)
        self.services = services
        self.inboxes = config.inboxes.map { $0.makeInbox(services) }
        self.targets = targets ?? config.deliveryTargets(services)
    }

    /// Runs `body`, then closes the SFTP connections, also when it throws: a libssh session left
    /// open at process exit is torn down by exit handlers while a worker thread may still use it
    /// (seen as a SIGSEGV after a finished `sluice run --once`).
    public func closing(_ body: (Engine) async throws -> Void) async throws {
        do { try await body(self) } catch {
            await close()
            throw error
        }
        await close()
    }

    public func close() async {
        for inbox in inboxes { await inbox.close() }
        for target in targets { await target.close() }
    }

    /// What one pass did, for logs and the exit code.
    public struct PassResult: Sendable {
        public var finished: [String: BatchState] = [:]
        public var waiting = 0
        public var errors: [PassError] = []
        public var quarantined = 0
    }

    /// Something a pass could not do: where (an inbox, a batch, a mail route), what, and the
    /// error that caused it. `description` is what the log and the CLI show (no patient data).
    public struct PassError: Error, Sendable, CustomStringConvertible {
        public enum Scope: Sendable, Equatable {
            case inbox(String), batch(String), mail(String)
        }
        public let scope: Scope
        public let message: String
        public let cause: (any Error)?

        public init(_ scope: Scope, _ message: String, cause: (any Error)? = nil) {
            self.scope = scope
            self.message = message
            self.cause = cause
        }

        public var description: String { message }
    }

    // MARK: Passes

    /// One pass: resume unfinished runs (and SFTP claims not yet downloaded or finished on
    /// the server), claim every ready entry, process what was claimed, then send the digests
    /// that are due and the alert for deliveries parked since the last one.
    public func pass(watcher: inout Watcher, stop: StopFlag = StopFlag()) async -> PassResult {
        var result = PassResult()
        for refused in config.applySpoolPermissions() { log.warning("spool: cannot set permissions: \(refused)") }
        let orphans = adoptOrphans()
        for inbox in inboxes where !stop.isSet { result.errors += await inbox.resume(stop: stop).map { PassError(.inbox(inbox.id), $0) } }
        // A batch whose last attempts ended without an outcome (a crash, a timeout, an error)
        // goes after the new entries, so one that keeps failing holds nothing up.
        let order = AttemptPolicy.order(unfinishedBatches())
        for id in orphans + order.beforeNewEntries where !stop.isSet {
            await drive(batchID: id, into: &result)
        }
        for inbox in inboxes where !stop.isSet {
            let entries: [InboxEntry]
            do { entries = try await inbox.list() } catch {
                result.errors.append(PassError(.inbox(inbox.id), "\(inbox.id): cannot list: \(error)", cause: error))
                log.error("\(inbox.id): cannot list the inbox: \(error)")
                continue
            }
            for (entry, verdict) in watcher.poll(entries, inbox: inbox.id, now: Clock.wall()) where !stop.isSet {
                guard verdict == .ready else {
                    if case .waiting(let why) = verdict {
                        result.waiting += 1
                        log.debug("\(inbox.id): \(entry.name) not ready: \(why)")
                    }
                    continue
                }
                let id = newBatchID(for: entry.name)
                do {
                    switch try await inbox.claim(entry, as: id) {
                    case .claimed: break
                    case .taken: continue
                    case .later(let why): result.errors.append(PassError(.batch(id), why)); continue
                    }
                } catch {
                    result.errors.append(PassError(.inbox(inbox.id), "\(inbox.id): cannot claim an entry: \(error)", cause: error))
                    log.error("\(inbox.id): cannot claim an entry: \(error)")
                    continue
                }
                await drive(batchID: id, into: &result)
            }
        }
        for id in order.afterNewEntries where !stop.isSet {
            await drive(batchID: id, into: &result)
        }
        if !stop.isSet { result.errors += await deliverDueDigests() }
        if !stop.isSet { result.errors += await sendAlertSummaries() }
        if !stop.isSet, let error = await alertDeadLetters() { result.errors.append(error) }
        return result
    }

    /// `20250110-063000-3fa2c1`: claim time plus a hash, sortable and free of patient data.
    func newBatchID(for name: String) -> String {
        let stamp = Timestamps.compact(clock.now())
        var salt = 0
        while true {
            let seed = "\(name)|\(stamp)|\(salt)|\(clock.fixed == nil ? UUID().uuidString : "")"
            let id = stamp + "-" + String(SHA256.hex(seed).prefix(6))
            if (try? ledger.batch(id)) == nil, !FileManager.default.fileExists(atPath: config.processingDirectory + "/" + id) {
                return id
            }
            salt += 1
        }
    }

    /// Folders in processing/ without a ledger row: a crash between the rename and the insert.
    func adoptOrphans() -> [String] {
        let folder = config.processingDirectory
        guard let ids = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var adopted: [String] = []
        for id in ids.sorted() where !id.hasPrefix(".") {
            guard (try? ledger.batch(id)) == nil else { continue }
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + id)) ?? []).filter { name in
                !name.hasPrefix(".") && !(config.marker.map { m in name == m || name.hasSuffix("." + m) } ?? false)
            }
            guard let name = children.first, children.count == 1 else { continue }
            // Another live worker between its rename and its ledger insert: not an orphan.
            if let claimer = try? String(contentsOfFile: folder + "/" + id + "/" + WorkerIdentity.claimFile, encoding: .utf8),
               claimer != WorkerIdentity.current, !WorkerIdentity.isDead(claimer) { continue }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder + "/" + id + "/" + name, isDirectory: &isDir) else { continue }
            let kind: InboxEntry.Kind = isDir.boolValue ? .folder : name.lowercased().hasSuffix(".zip") ? .zip : .file
            do {
                try services.register(id: id, sourceName: name, inbox: "recovered", kind: kind)
                log.warning("batch \(id): found in processing/ without a ledger row (interrupted claim); adopted")
                adopted.append(id)
            } catch {
                log.error("batch \(id): cannot adopt: \(error)")
            }
        }
        return adopted
    }

    /// Runs not yet final, with their failed attempts, in ledger order.
    func unfinishedBatches() -> [(id: String, attempts: Int)] {
        let notDownloaded = inboxes.reduce(into: Set<String>()) { $0.formUnion($1.notReady()) }
        let open = ((try? ledger.batches(pipeline: config.name)) ?? []).compactMap { b -> (id: String, attempts: Int)? in
            guard let run = try? ledger.latestRun(batchID: b.id), !run.state.isFinal, !hasDeadLetters(b.id),
                  !notDownloaded.contains(b.id) else { return nil }
            return (b.id, run.attempts)
        }
        return open
    }

    func drive(batchID: String, into result: inout PassResult) async {
        do {
            let state = try await drive(batchID: batchID, allowDuplicate: false)
            result.finished[batchID] = state
            if state.isFinal, let source = try ledger.batch(batchID)?.inbox, let inbox = inboxes.first(where: { $0.id == source }),
               let error = await inbox.finish(batchID: batchID, state: state) {
                result.errors.append(PassError(.batch(batchID), error))
            }
            if state == .failed { result.errors.append(PassError(.batch(batchID), "batch \(batchID) failed")) }
            if let run = try ledger.latestRun(batchID: batchID) {
                result.quarantined += run.quarantined
                if state == .rendered, let error = run.error { result.errors.append(PassError(.batch(batchID), error)) }
            }
        } catch {
            result.errors.append(PassError(.batch(batchID), "batch \(batchID): \(error)", cause: error))
            log.error("batch \(batchID): \(error)")
            if let run = try? ledger.latestRun(batchID: batchID), !run.state.isFinal {
                try? ledger.recordError(batchID: batchID, run: run.run, "\(error)")
            }
        }
    }
}

/// Set by SIGINT/SIGTERM: the engine finishes the batch in hand, then stops.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public var isSet: Bool { lock.withLock { value } }
    public func set() { lock.withLock { value = true } }
}
