import Delivery
import Foundation

/// Batches from SFTP inboxes. The steps, each recorded (`RemoteClaimRecord`) before the next:
///
///     claiming ─▶ claimed ─▶ downloaded ─▶ (the local batch lifecycle) ─▶ finished
///     ledger row   server      processing/<id>/<name>   unpack … archive      after-action on the
///     first        rename      complete (resumed)                             server (archive/delete/leave)
///
/// The ledger row comes first, so a crash at any point leaves a record that says what to do
/// next: claim again (the rename is idempotent for one claim id), resume the download, process,
/// or run the after-action. Nothing is removed on the server before the batch's outputs are
/// delivered. With `claim: ledger` (read-only accounts) nothing moves on the server: the claim
/// is the row itself, unique per pipeline, inbox and fingerprint of the drop.
struct SFTPPipelineInbox: Inbox {
    let inbox: SFTPInbox
    let settings: PipelineConfig.SFTPInboxSettings
    let services: PipelineServices

    var id: String { inbox.id }
    private var config: PipelineConfig { services.config }
    private var ledger: any Ledger { services.ledger }
    private var log: Log { services.log }

    func list() async throws -> [InboxEntry] { try await inbox.list() }

    func close() async { await inbox.close() }

    /// Log in (host key checked), list; unless read-only, claim a probe by rename.
    func check() async -> [CheckResult] {
        var results = await SFTPCheck.inbox(settings.endpoint, settings.credentials,
                                            processing: settings.claim == .rename ? settings.processingFolder : nil,
                                            archive: settings.after == .archive ? settings.archiveFolder : nil)
            .map { CheckResult(passed: $0.passed, "inbox \(settings.endpoint): " + $0.message) }
        if settings.claim == .ledger {
            results.append(.ok("inbox \(settings.endpoint): claim: ledger (read-only account): nothing is written on the server"))
        }
        return results
    }

    func notReady() -> Set<String> {
        Set(((try? ledger.openRemoteClaims(pipeline: config.name)) ?? []).filter { $0.inbox == id && $0.step != .downloaded }.map(\.batchID))
    }

    /// Claims a ready entry and downloads it: `.later` when the download must be resumed on a
    /// later pass, `.taken` when it was taken before (or by another worker).
    func claim(_ entry: InboxEntry, as id: String) async throws -> ClaimOutcome {
        let fingerprint = settings.claim == .ledger ? Self.remoteFingerprint(entry) : nil
        if let fingerprint, (try? ledger.remoteClaimExists(pipeline: config.name, inbox: inbox.id, fingerprint: fingerprint)) == true {
            log.debug("\(inbox.id): an entry was taken before (same fingerprint); left alone")
            return .taken
        }
        let claimFolder = settings.claim == .rename ? settings.processingFolder + "/" + id : nil
        let record = RemoteClaimRecord(
            batchID: id, inbox: inbox.id, fingerprint: fingerprint, sourcePath: entry.path,
            remotePath: claimFolder.map { $0 + "/" + entry.name } ?? entry.path, claimFolder: claimFolder,
            kind: entry.kind, marked: entry.hasMarker, step: settings.claim == .rename ? .claiming : .claimed)
        do {
            let batch = BatchRecord(
                id: id, pipeline: config.name, sourceName: entry.name, inbox: inbox.id, kind: entry.kind,
                claimedAt: services.clock.now(), fingerprint: nil, duplicateOf: nil,
                inputPath: config.processingDirectory + "/" + id + "/" + entry.name)
            guard try ledger.insertRemoteBatch(batch, record) else {
                log.info("\(inbox.id): an entry was taken by another worker")
                return .taken
            }
            // Held until processing ends (drive takes it again as the same owner), so that no other
            // worker resumes this claim while it is being downloaded.
            _ = try ledger.acquire(batchID: id, run: 1, owner: WorkerIdentity.current,
                                   staleAfter: WorkerIdentity.leaseTimeout, isDead: WorkerIdentity.isDead)
            FaultInjection.point("remote-recorded")
            if settings.claim == .rename {
                guard try await claimOnServer(record, entry: entry) else { return .taken }
            }
            log.info("batch \(id): claimed \(entry.kind.rawValue) on \(inbox.id) (\(entry.fileCount) file\(entry.fileCount == 1 ? "" : "s"), \(entry.totalSize) bytes)")
        } catch {
            // Refused outright (permission denied, …): nothing moved on the server, so the row
            // goes, or every pass would add one. After a lost connection the rename may have
            // happened: the row stays and the next pass completes the claim before listing.
            if let sftp = error as? SFTPError, !sftp.isTransient, (try? ledger.remoteClaim(batchID: id))?.step == .claiming {
                try? ledger.abandonRemoteClaim(batchID: id)
            }
            throw error
        }
        var claimed = record
        claimed.step = .claimed
        if let error = await download(claimed) {
            try? ledger.release(batchID: id, run: 1, owner: WorkerIdentity.current)
            log.error(error)
            return .later(error)
        }
        return .claimed
    }

    /// The server rename (again, after a crash: same claim id, so a done rename is found done).
    /// False, with the ledger rows removed, when another worker renamed the entry first.
    private func claimOnServer(_ r: RemoteClaimRecord, entry: InboxEntry) async throws -> Bool {
        guard try await inbox.claim(entry, processing: settings.processingFolder, claimID: r.batchID,
                                    claimer: WorkerIdentity.current) != nil else {
            try ledger.abandonRemoteClaim(batchID: r.batchID)
            log.info("\(inbox.id): an entry was claimed by another worker")
            return false
        }
        FaultInjection.point("remote-claimed")
        try ledger.updateRemoteClaim(batchID: r.batchID, step: .claimed)
        return true
    }

    /// Streams the claimed entry into processing/<id>/ (continuing partial files), then records
    /// it downloaded. An error when it must wait for a later pass (server unreachable, …).
    private func download(_ r: RemoteClaimRecord) async -> String? {
        let local = config.processingDirectory + "/" + r.batchID
        let name = (r.remotePath as NSString).lastPathComponent
        let kind = r.kind
        let entry = InboxEntry(name: name, path: r.remotePath, kind: kind, totalSize: 0, newestModification: services.clock.now(),
                               fileCount: 0, hasPartialFiles: false, hasMarker: r.marked, markerPath: nil)
        do {
            try config.makeSpoolFolder(local)
            let download = try await inbox.download(entry, to: local, permissions: config.spoolPermissions)
            // Recorded by the unpack stage, with the reason, as the local walk records links.
            try NotFollowedLinks.record(download.notFollowed, besideInput: download.path, permissions: config.spoolPermissions)
            if !download.notFollowed.isEmpty {
                let shown = download.notFollowed.prefix(5).joined(separator: ", ") + (download.notFollowed.count > 5 ? ", …" : "")
                log.warning("batch \(r.batchID): \(download.notFollowed.count) symbolic link\(download.notFollowed.count == 1 ? "" : "s") on \(inbox.id) not followed (follow_links is off): \(shown)")
            }
            // A sibling marker stays on the server; the batch still counts as marked.
            if r.marked, kind != .folder, let marker = config.marker {
                try FileIO.writeAtomically(Data(), to: local + "/" + name + "." + marker, permissions: config.spoolPermissions)
            }
            FaultInjection.point("remote-downloaded")
            try ledger.updateRemoteClaim(batchID: r.batchID, step: .downloaded)
            log.info("batch \(r.batchID): downloaded from \(inbox.id)")
            return nil
        } catch {
            return "batch \(r.batchID): download from \(inbox.id) interrupted: \(error); resumed on the next pass"
        }
    }

    /// At the start of a pass: claims interrupted before their download finished are completed
    /// (their batches are then driven with the other unfinished ones), and finished batches
    /// whose after-action did not run yet get it now.
    func resume(stop: StopFlag) async -> [String] {
        var errors: [String] = []
        func report(_ error: String) {
            errors.append(error)
            log.error(error)
        }
        for r in (try? ledger.openRemoteClaims(pipeline: config.name)) ?? [] where r.inbox == id && !stop.isSet {
            // One worker at a time, as for processing: the run lease.
            guard (try? ledger.acquire(batchID: r.batchID, run: 1, owner: WorkerIdentity.current,
                                       staleAfter: WorkerIdentity.leaseTimeout, isDead: WorkerIdentity.isDead)) == true else { continue }
            defer { try? ledger.release(batchID: r.batchID, run: 1, owner: WorkerIdentity.current) }
            switch r.step {
            case .claiming:
                log.warning("batch \(r.batchID): claim on \(r.inbox) was interrupted; completing it")
                let name = (r.sourcePath as NSString).lastPathComponent
                let entry = InboxEntry(
                    name: name, path: r.sourcePath, kind: r.kind, totalSize: 0,
                    newestModification: services.clock.now(), fileCount: 0, hasPartialFiles: false, hasMarker: r.marked,
                    markerPath: r.kind == .folder ? nil : config.marker.map { r.sourcePath + "." + $0 })
                do {
                    guard try await claimOnServer(r, entry: entry) else { continue }
                } catch {
                    report("batch \(r.batchID): cannot complete its claim on \(r.inbox): \(error)")
                    continue
                }
                fallthrough
            case .claimed:
                log.info("batch \(r.batchID): resuming its download from \(r.inbox)")
                if let error = await download(r) { report(error) }
            case .downloaded:
                if let state = try? ledger.latestRun(batchID: r.batchID)?.state, state.isFinal,
                   let error = await finish(batchID: r.batchID, state: state) {
                    report(error)
                }
            case .finished:
                continue
            }
        }
        return errors
    }

    /// The after-action on the server, once the batch is done locally: archived (every output
    /// delivered) or a duplicate (its content is held in the local archive). A failed batch is
    /// left in the server's processing folder for a person to look at.
    func finish(batchID: String, state: BatchState) async -> String? {
        guard state.isFinal, let r = try? ledger.remoteClaim(batchID: batchID), r.step == .downloaded, r.inbox == id else { return nil }
        do {
            if state == .failed {
                if let folder = r.claimFolder { log.warning("batch \(batchID): could not be processed; left on \(r.inbox) in \(folder)") }
            } else if let folder = r.claimFolder, settings.after != .leave {
                let claim = SFTPInbox.Claim(entry: InboxEntry(
                    name: (r.remotePath as NSString).lastPathComponent, path: r.remotePath, kind: r.kind,
                    totalSize: 0, newestModification: services.clock.now(), fileCount: 0, hasPartialFiles: false, hasMarker: r.marked,
                    markerPath: nil), folder: folder)
                try await inbox.finish(claim, action: settings.after, archive: settings.archiveFolder)
                log.info("batch \(batchID): \(settings.after == .delete ? "deleted from" : "moved to \(settings.archiveFolder)/\(batchID) on") \(r.inbox)")
            }
            FaultInjection.point("remote-finished")
            try ledger.updateRemoteClaim(batchID: batchID, step: .finished)
            return nil
        } catch {
            let message = "batch \(batchID): after-action on \(r.inbox) failed: \(error); tried again on the next pass"
            log.error(message)
            return message
        }
    }

    /// What makes a drop the same drop on a later listing, for `claim: ledger`: its path, kind,
    /// size, file count and newest mtime (whole seconds, as SFTP gives them). A drop changed
    /// after it was taken is a new drop.
    static func remoteFingerprint(_ e: InboxEntry) -> String {
        "\(e.path)|\(e.kind.rawValue)|\(e.totalSize)|\(e.fileCount)|\(Int64(e.newestModification.timeIntervalSince1970.rounded(.down)))"
    }
}
