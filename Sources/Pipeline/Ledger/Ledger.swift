public import Delivery
public import Foundation

/// A batch as the ledger knows it.
public struct BatchRecord: Sendable, Equatable {
    public var id: String
    public var pipeline: String
    /// The name it had in the inbox (a folder, zip or file name).
    public var sourceName: String
    public var inbox: String
    public var kind: InboxEntry.Kind
    public var claimedAt: Date
    public var fingerprint: String?
    public var duplicateOf: String?
    /// Where the input is now (processing/, archive/ or error/).
    public var inputPath: String?
}

public struct RunRecord: Sendable, Equatable {
    public var batchID: String
    public var run: Int
    public var state: BatchState
    public var supersedes: Int?
    public var startedAt: Date
    public var updatedAt: Date
    public var error: String?
    public var outputDirectory: String?
    public var files: Int
    public var quarantined: Int
    public var studies: Int
    public var bytes: Int
    /// Times processing was started and did not reach an outcome (see `beginAttempt`).
    public var attempts: Int = 0
}

public struct FileRecord: Sendable, Equatable {
    public var path: String
    public var kind: String
    public var size: Int
    public var sha256: String
    public var status: String
    public var reason: String?
    public var stage: String?
    public var studyUID: String?
    public var sopInstanceUID: String?

    public init(path: String, kind: String, size: Int, sha256: String, status: String, reason: String? = nil,
                stage: String? = nil, studyUID: String? = nil, sopInstanceUID: String? = nil) {
        self.path = path; self.kind = kind; self.size = size; self.sha256 = sha256; self.status = status
        self.reason = reason; self.stage = stage; self.studyUID = studyUID; self.sopInstanceUID = sopInstanceUID
    }
}

public struct StudyRecord: Sendable, Equatable {
    public var studyKey: String
    public var studyUID: String
    public var modality: String
    public var series: Int
    public var instances: Int
    public var status: String
    public var problems: [String]
    public var findingsJSON: String
}

public struct OutputRecord: Sendable, Equatable {
    public var name: String
    public var sha256: String
    public var size: Int
}

public enum DeliveryState: String, Sendable { case pending, delivered, failed }

public struct DeliveryRecord: Sendable, Equatable {
    public var outbox: String
    public var name: String
    public var state: DeliveryState
    public var attempts: Int
    public var lastError: String?
}

/// Persistent record of every batch, run, file, output and delivery. Every step is written
/// before the next starts, so a killed process resumes exactly where it stopped. Split by role,
/// so that a part of Sluice states which records it uses, and so that a second database (the
/// PostgreSQL ledger of several workers) implements the roles one by one against the same
/// conformance tests.
public typealias Ledger = BatchLedger & DeliveryLedger & MailLedger & DeadLetterLedger & RemoteClaimLedger

/// Batches and their runs: claims, the lifecycle, leases, attempts, and what each stage found.
public protocol BatchLedger: Sendable {
    func insertBatch(_ batch: BatchRecord) throws
    func batch(_ id: String) throws -> BatchRecord?
    func batches(pipeline: String) throws -> [BatchRecord]
    func updateBatch(_ id: String, fingerprint: String?, duplicateOf: String?, inputPath: String?) throws
    /// The most recent batch (other than `excluding`) that finished with this content fingerprint.
    func completedBatch(withFingerprint fingerprint: String, excluding: String) throws -> String?

    func startRun(batchID: String, supersedes: Int?) throws -> Int
    func runs(batchID: String) throws -> [RunRecord]
    func transition(batchID: String, run: Int, on event: BatchEvent, error: String?) throws -> BatchState
    /// Leases a run to one worker so two processes never drive the same batch.
    func acquire(batchID: String, run: Int, owner: String, staleAfter: TimeInterval,
                 isDead: @Sendable (String) -> Bool) throws -> Bool
    func release(batchID: String, run: Int, owner: String) throws
    func updateRun(batchID: String, run: Int, outputDirectory: String?, files: Int, quarantined: Int, studies: Int, bytes: Int) throws
    /// Counts a start of the run's processing, before any of it happens, and returns the count:
    /// a crash, a timeout or an error leaves it counted, so a batch that keeps killing the
    /// process is found on the next start.
    func beginAttempt(batchID: String, run: Int) throws -> Int
    /// The attempt reached an outcome (rendered, held for files still arriving, a duplicate).
    func endAttempt(batchID: String, run: Int) throws
    /// Why the last attempt ended without one (shown by `status`, and in the reason when the
    /// batch is moved to error/ after `batch_attempts`).
    func recordError(batchID: String, run: Int, _ error: String) throws

    func replaceFiles(batchID: String, run: Int, _ files: [FileRecord]) throws
    func files(batchID: String, run: Int) throws -> [FileRecord]
    func replaceStudies(batchID: String, run: Int, _ studies: [StudyRecord]) throws
    func studies(batchID: String, run: Int) throws -> [StudyRecord]
    func replaceOutputs(batchID: String, run: Int, _ outputs: [OutputRecord]) throws
    func outputs(batchID: String, run: Int) throws -> [OutputRecord]
}

/// Each delivery of a run's outputs (files, alert and study mails), with its attempts.
public protocol DeliveryLedger: Sendable {
    func delivery(batchID: String, run: Int, outbox: String, name: String) throws -> DeliveryRecord?
    func recordDelivery(batchID: String, run: Int, _ delivery: DeliveryRecord) throws
    func deliveries(batchID: String, run: Int) throws -> [DeliveryRecord]
    /// Parked (failed) deliveries back to pending with a fresh attempt count; returns how many.
    func resetFailedDeliveries(batchID: String, run: Int) throws -> Int
}

/// Mail (records in MailRecords.swift). Per-run mails (alerts, study mails) are deliveries
/// like any other; digests span runs, so they keep their own state, as do the alerts sent.
public protocol MailLedger: Sendable {
    func recordMailRun(pipeline: String, _ run: MailRunRecord) throws
    func mailRun(batchID: String, run: Int) throws -> MailRunRecord?
    /// Runs rendered in `[from, to)`, oldest first.
    func mailRuns(pipeline: String, from: Date, to: Date) throws -> [MailRunRecord]
    /// The end of the last digest sent to `outbox`; the first call records `start` (the outbox
    /// was first seen) and returns it, so the first digest covers everything from then on.
    func digestPeriodEnd(pipeline: String, outbox: String, startingAt start: Date) throws -> Date
    /// As above without recording anything; nil before the outbox was first seen.
    func digestPeriodEnd(pipeline: String, outbox: String) throws -> Date?
    /// Leases a digest stream to one worker while it sends, as `acquire` does for a run, so two
    /// workers on one ledger never send the same digest.
    func acquireDigestStream(pipeline: String, outbox: String, owner: String, staleAfter: TimeInterval,
                             isDead: @Sendable (String) -> Bool) throws -> Bool
    func releaseDigestStream(pipeline: String, outbox: String, owner: String) throws
    /// The scheduled digest begun but not delivered (pending or parked), if any.
    func openDigest(pipeline: String, outbox: String) throws -> DigestRecord?
    /// Inserts or updates a digest (by outbox, kind and period start). A delivered scheduled
    /// digest moves the outbox's period end in the same transaction.
    func recordDigest(pipeline: String, _ digest: DigestRecord) throws
    func digests(pipeline: String) throws -> [DigestRecord]
    /// Parked digests back to pending with a fresh attempt count; returns how many.
    func resetFailedDigests(pipeline: String) throws -> Int
    func criticalAlert(pipeline: String, key: String) throws -> CriticalAlertRecord?
    /// Records a sent alert; a second record for the same key is ignored.
    func recordCriticalAlert(pipeline: String, _ alert: CriticalAlertRecord) throws
    func criticalAlerts(pipeline: String) throws -> [CriticalAlertRecord]
    /// A finding for an alert route's next summary mail (`every:`); queued once per route and
    /// key, whichever run finds it again.
    func queueAlert(pipeline: String, _ alert: QueuedAlert) throws
    /// A route's queued findings not yet mailed, oldest first.
    func queuedAlerts(pipeline: String, route: String) throws -> [QueuedAlert]
    /// When the route's last summary went out; nil before the first.
    func lastAlertSummary(pipeline: String, route: String) throws -> Date?
    func markAlertsSent(pipeline: String, route: String, keys: [String], messageID: String, at: Date) throws
}

/// Dead letters (DeadLetters.swift): parked deliveries and digests and failed batches, alerted once each.
public protocol DeadLetterLedger: Sendable {
    /// Parked deliveries of this pipeline's batches and parked digests not yet alerted, oldest first.
    func unalertedDeadLetters(pipeline: String) throws -> [DeadLetter]
    func markAlerted(pipeline: String, _ letters: [DeadLetter], at: Date) throws
}

/// SFTP inboxes (RemoteClaims.swift): each batch taken from a server, step by step.
public protocol RemoteClaimLedger: Sendable {
    /// Batch, first run and claim in one transaction; false when the fingerprint is taken.
    func insertRemoteBatch(_ batch: BatchRecord, _ claim: RemoteClaimRecord) throws -> Bool
    func remoteClaim(batchID: String) throws -> RemoteClaimRecord?
    func remoteClaimExists(pipeline: String, inbox: String, fingerprint: String) throws -> Bool
    func openRemoteClaims(pipeline: String) throws -> [RemoteClaimRecord]
    func updateRemoteClaim(batchID: String, step: RemoteClaimRecord.Step) throws
    func abandonRemoteClaim(batchID: String) throws
}

extension BatchLedger {
    /// The newest run of a batch.
    public func latestRun(batchID: String) throws -> RunRecord? { try runs(batchID: batchID).last }
}
