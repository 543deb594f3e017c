public import Delivery
import Foundation

/// Where a pipeline's batches come from: a local folder, an SFTP server, and (next) a DICOM
/// association. The engine lists every inbox each pass, lets the `Watcher` judge which entries
/// are ready, and claims those; it never asks what kind of inbox it holds. A new kind is one
/// file conforming to this protocol and one case in the pipeline file's loader
/// (`PipelineConfig.InboxLocation.makeInbox`).
///
///     list ─▶ (Watcher: ready?) ─▶ claim ─▶ … the batch lifecycle … ─▶ finish
///
/// A claim makes the batch this worker's (no other worker ever takes it), records it in the
/// ledger, and leaves its input at `processing/<id>/<name>`; every step is recorded before the
/// next, so `resume` at the start of the next pass can complete what a crash interrupted.
public protocol Inbox: Sendable {
    /// `local:/path`, `sftp://user@host:port/path`: in logs, the ledger and `sluice status`. No secrets.
    var id: String { get }
    /// The top-level entries as of now (folders, zips, loose files).
    func list() async throws -> [InboxEntry]
    /// How many entries wait, for `sluice status`; nil when counting would mean a connection.
    func waiting() -> Int?
    /// Claims a ready entry as batch `id`.
    func claim(_ entry: InboxEntry, as id: String) async throws -> ClaimOutcome
    /// Start of a pass: completes claims, downloads and after-actions a crash interrupted.
    /// Returns this pass's errors.
    func resume(stop: StopFlag) async -> [String]
    /// Batches claimed here whose input is not in processing/ yet (a download to resume).
    func notReady() -> Set<String>
    /// The batch reached a final state: what the inbox does with the source now (an SFTP
    /// inbox archives or deletes it on the server). Returns an error to report, if any.
    func finish(batchID: String, state: BatchState) async -> String?
    /// `sluice check`: reach the inbox and try what a claim does, without taking anything.
    func check() async -> [CheckResult]
    /// Ends connections (a libssh session left open at exit is torn down under a live thread).
    func close() async
}

extension Inbox {
    public func waiting() -> Int? { nil }
    public func resume(stop: StopFlag) async -> [String] { [] }
    public func notReady() -> Set<String> { [] }
    public func finish(batchID: String, state: BatchState) async -> String? { nil }
    public func close() async {}
}

/// What a claim came to.
public enum ClaimOutcome: Sendable, Equatable {
    /// This worker has the batch; its input is in processing/, ready to process.
    case claimed
    /// Another worker (or an earlier claim of the same drop) has it.
    case taken
    /// Claimed, but its input is not here yet (a download to resume on a later pass): why.
    case later(String)
}

/// What inboxes and delivery targets use of the engine: the pipeline, its ledger, log and clock.
public struct PipelineServices: Sendable {
    public let config: PipelineConfig
    public let ledger: any Ledger
    public let log: Log
    public let clock: Clock

    /// Records a claimed batch and its first run.
    func register(id: String, sourceName: String, inbox: String, kind: InboxEntry.Kind) throws {
        try ledger.insertBatch(BatchRecord(
            id: id, pipeline: config.name, sourceName: sourceName, inbox: inbox, kind: kind,
            claimedAt: clock.now(), fingerprint: nil, duplicateOf: nil,
            inputPath: config.processingDirectory + "/" + id + "/" + sourceName))
        _ = try ledger.startRun(batchID: id, supersedes: nil)
    }
}
