public import Delivery
import Foundation

/// An inbox entry taken from an SFTP server, step by step. Each step is written before the next
/// begins, so a restart knows whether to claim again (idempotent), download again (resumed),
/// process, or run the server's after-action — and never does one of them twice.
public struct RemoteClaimRecord: Sendable, Equatable {
    public enum Step: String, Sendable {
        /// Recorded, the server rename may or may not have happened.
        case claiming
        /// Taken on the server (renamed, or remembered by fingerprint); not yet fully downloaded.
        case claimed
        /// The local copy in processing/<batch-id>/ is complete; the batch goes on as a local one.
        case downloaded
        /// The after-action ran (or the entry was deliberately left, e.g. for a failed batch).
        case finished
    }

    public var batchID: String
    /// The inbox's id (`sftp://user@host:port/path`, no secrets).
    public var inbox: String
    /// For `claim: ledger`: what makes this drop the same drop on a later listing.
    public var fingerprint: String?
    /// Where the entry was in the inbox, and where it is now (the claim folder for renames).
    public var sourcePath: String
    public var remotePath: String
    /// `<processing_folder>/<batch-id>` for renames, nil for ledger claims.
    public var claimFolder: String?
    public var kind: InboxEntry.Kind
    /// The entry carried the completion marker when it was taken.
    public var marked: Bool
    public var step: Step

    public init(batchID: String, inbox: String, fingerprint: String?, sourcePath: String, remotePath: String,
                claimFolder: String?, kind: InboxEntry.Kind, marked: Bool, step: Step) {
        self.batchID = batchID; self.inbox = inbox; self.fingerprint = fingerprint; self.sourcePath = sourcePath
        self.remotePath = remotePath; self.claimFolder = claimFolder; self.kind = kind; self.marked = marked; self.step = step
    }
}

extension SQLiteLedger {
    /// The batch, its first run and its remote claim in one transaction. False when a claim
    /// with the same fingerprint exists for this pipeline and inbox (taken before, or by another
    /// worker just now): the ledger is then the arbiter, as the server's rename is otherwise.
    public func insertRemoteBatch(_ b: BatchRecord, _ r: RemoteClaimRecord) throws -> Bool {
        try db.transaction {
            if let fingerprint = r.fingerprint, try !db.queryInTransaction(
                "SELECT 1 FROM remote_claims WHERE pipeline = ? AND inbox = ? AND fingerprint = ?",
                [.text(b.pipeline), .text(r.inbox), .text(fingerprint)]).isEmpty {
                return false
            }
            let now = Clock.wall().timeIntervalSince1970
            try db.queryInTransaction(
                "INSERT INTO batches(id, pipeline, source_name, inbox, kind, claimed_at, fingerprint, duplicate_of, input_path) VALUES (?,?,?,?,?,?,?,?,?)",
                [.text(b.id), .text(b.pipeline), .text(b.sourceName), .text(b.inbox), .text(b.kind.rawValue),
                 .double(b.claimedAt.timeIntervalSince1970), .null, .null, .optional(b.inputPath)])
            try db.queryInTransaction(
                "INSERT INTO runs(batch_id, run, state, supersedes, started_at, updated_at) VALUES (?,1,?,NULL,?,?)",
                [.text(b.id), .text(BatchState.claimed.rawValue), .double(now), .double(now)])
            try db.queryInTransaction(
                "INSERT INTO events(batch_id, run, at, state, detail) VALUES (?,1,?,?,?)",
                [.text(b.id), .double(now), .text("claimed"), .text("from \(r.inbox)")])
            try db.queryInTransaction(
                """
                INSERT INTO remote_claims(batch_id, pipeline, inbox, fingerprint, source_path, remote_path, claim_folder,
                  kind, marked, step, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)
                """,
                [.text(b.id), .text(b.pipeline), .text(r.inbox), .optional(r.fingerprint), .text(r.sourcePath),
                 .text(r.remotePath), .optional(r.claimFolder), .text(r.kind.rawValue), .int(r.marked ? 1 : 0),
                 .text(r.step.rawValue), .double(now)])
            return true
        }
    }

    public func remoteClaim(batchID: String) throws -> RemoteClaimRecord? {
        try db.query("SELECT * FROM remote_claims WHERE batch_id = ?", [.text(batchID)]).first.map(Self.remoteClaim)
    }

    public func remoteClaimExists(pipeline: String, inbox: String, fingerprint: String) throws -> Bool {
        try !db.query("SELECT 1 FROM remote_claims WHERE pipeline = ? AND inbox = ? AND fingerprint = ?",
                      [.text(pipeline), .text(inbox), .text(fingerprint)]).isEmpty
    }

    /// Claims whose after-action has not run yet, oldest first.
    public func openRemoteClaims(pipeline: String) throws -> [RemoteClaimRecord] {
        try db.query("SELECT * FROM remote_claims WHERE pipeline = ? AND step != 'finished' ORDER BY batch_id",
                     [.text(pipeline)]).map(Self.remoteClaim)
    }

    public func updateRemoteClaim(batchID: String, step: RemoteClaimRecord.Step) throws {
        try db.query("UPDATE remote_claims SET step = ?, updated_at = ? WHERE batch_id = ?",
                     [.text(step.rawValue), .double(Clock.wall().timeIntervalSince1970), .text(batchID)])
    }

    /// Forgets a claim that lost the race on the server (another worker renamed the entry first).
    public func abandonRemoteClaim(batchID: String) throws {
        try db.transaction {
            for table in ["remote_claims", "events", "runs", "batches"] {
                let column = table == "batches" ? "id" : "batch_id"
                try db.queryInTransaction("DELETE FROM \(table) WHERE \(column) = ?", [.text(batchID)])
            }
        }
    }

    private static func remoteClaim(_ row: SQLiteConnection.Row) -> RemoteClaimRecord {
        RemoteClaimRecord(
            batchID: row["batch_id"]?.text ?? "", inbox: row["inbox"]?.text ?? "", fingerprint: row["fingerprint"]?.text,
            sourcePath: row["source_path"]?.text ?? "", remotePath: row["remote_path"]?.text ?? "",
            claimFolder: row["claim_folder"]?.text, kind: row["kind"]?.text.flatMap(InboxEntry.Kind.init(rawValue:)) ?? .file,
            marked: (row["marked"]?.int ?? 0) != 0, step: RemoteClaimRecord.Step(rawValue: row["step"]?.text ?? "") ?? .claimed)
    }
}
