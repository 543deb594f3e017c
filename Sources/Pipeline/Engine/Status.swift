public import Delivery
import Foundation

/// What `sluice status` reports, read from the ledger (and the inbox for queue depth).
public struct StatusReport: Codable, Sendable {
    public struct Batch: Codable, Sendable {
        public var id: String
        public var source: String
        /// Where it was taken from (`local:/path`, `sftp://user@host/path`, `recovered`).
        public var inbox: String
        public var kind: InboxEntry.Kind
        public var claimedAt: String
        public var run: Int
        public var state: BatchState
        public var files: Int
        public var quarantined: Int
        public var studies: Int
        public var bytes: Int
        public var outputs: String?
        public var duplicateOf: String?
        public var error: String?
        public var deliveries: [String: Int]
        /// Starts of processing that ended without an outcome (a crash, a timeout, an error).
        public var attempts: Int = 0
    }

    public struct File: Codable, Sendable {
        public var path: String
        public var kind: String
        public var status: String
        public var reason: String?
    }

    public var pipeline: String
    public var ledger: String
    /// `batch_attempts` of the pipeline, for the text.
    public var batchAttempts: Int = 3
    public var queued: Int
    public var inProgress: Int
    public var counts: [String: Int]
    public var batches: [Batch]
    public var files: [File]?
    /// Digests, critical alerts and undelivered mails (absent when the pipeline sends no mail).
    public var mail: MailStatus?

    public static func make(_ engine: Engine, batchID: String? = nil) throws -> StatusReport {
        let ledger = engine.ledger
        var batches: [Batch] = []
        for b in try ledger.batches(pipeline: engine.config.name) where batchID == nil || b.id == batchID {
            guard let run = try ledger.latestRun(batchID: b.id) else { continue }
            let deliveries = Dictionary(grouping: try ledger.deliveries(batchID: b.id, run: run.run), by: \.state.rawValue)
                .mapValues(\.count)
            batches.append(Batch(
                id: b.id, source: b.sourceName, inbox: b.inbox, kind: b.kind, claimedAt: Timestamps.iso8601(b.claimedAt), run: run.run,
                state: run.state, files: run.files, quarantined: run.quarantined, studies: run.studies,
                bytes: run.bytes, outputs: run.outputDirectory, duplicateOf: b.duplicateOf, error: run.error,
                deliveries: deliveries, attempts: run.state.isFinal ? 0 : run.attempts))
        }
        if let batchID, batches.isEmpty { throw LedgerError("no batch \(batchID) in the ledger") }
        var queued = 0
        // Inboxes that can count without a connection: status never logs in to a server.
        for inbox in engine.inboxes { queued += inbox.waiting() ?? 0 }
        let counts = Dictionary(grouping: batches, by: \.state.rawValue).mapValues(\.count)
        var files: [File]?
        if let batchID, let run = batches.first?.run {
            files = try ledger.files(batchID: batchID, run: run).map {
                File(path: $0.path, kind: $0.kind, status: $0.status, reason: $0.reason)
            }
        }
        let ledgerName: String
        switch engine.config.ledger {
        case .sqlite(let path): ledgerName = "sqlite:" + path
        case .postgres: ledgerName = "postgres"
        }
        return StatusReport(
            pipeline: engine.config.name, ledger: ledgerName, batchAttempts: engine.config.batchAttempts, queued: queued,
            inProgress: batches.filter { !$0.state.isFinal }.count,
            counts: counts, batches: batches, files: files,
            mail: batchID == nil ? try MailStatus.make(engine) : nil)
    }

    /// The text form. Every name and message is shown with its control characters escaped: a
    /// batch, file or error naming what a site dropped must not forge lines or send terminal
    /// escapes (the JSON form keeps them exact; JSON escapes them itself).
    public var text: String {
        var out = "pipeline \(pipeline.escapingControlCharacters)  (\(ledger.escapingControlCharacters))\n"
        out += "queue: \(queued) waiting in the inbox, \(inProgress) in progress"
        out += counts.isEmpty ? "\n" : "; " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + "\n"
        if batches.isEmpty { return out + "no batches yet\n" + (mail?.text ?? "") }
        out += "\n" + pad("BATCH", 24) + pad("STATE", 11) + pad("RUN", 4) + pad("FILES", 7) + pad("QUAR", 6) + pad("STUDIES", 8) + "SOURCE\n"
        for b in batches {
            out += pad(b.id.escapingControlCharacters, 24) + pad(b.state.rawValue, 11) + pad(String(b.run), 4) + pad(String(b.files), 7)
                + pad(String(b.quarantined), 6) + pad(String(b.studies), 8) + b.source.escapingControlCharacters
                + "  (" + b.inbox.escapingControlCharacters + ")\n"
            if let d = b.duplicateOf {
                out += "    duplicate of \(d.escapingControlCharacters)\n"
            } else if let e = b.error {
                out += "    \(e.escapingControlCharacters)\n"
            }
            if b.attempts > 0 {
                out += "    \(b.attempts) attempt\(b.attempts == 1 ? "" : "s") ended without an outcome (killed, timed out or failed); "
                    + "moved to error/ after \(batchAttempts)\n"
            }
            if let parked = b.deliveries["failed"], parked > 0 {
                out += "    dead letter: \(parked) deliver\(parked == 1 ? "y" : "ies") parked after repeated failures; `sluice retry` tries again\n"
            }
            if let pending = b.deliveries["pending"], pending > 0 { out += "    \(pending) deliver\(pending == 1 ? "y" : "ies") waiting to be retried\n" }
            if let o = b.outputs, b.state == .archived { out += "    outputs: \(o.escapingControlCharacters)\n" }
        }
        if let files {
            out += "\nFILES\n"
            for f in files {
                out += "  " + pad(f.status, 12) + pad(f.kind, 8) + f.path.escapingControlCharacters
                    + (f.reason.map { "  — \($0.escapingControlCharacters)" } ?? "") + "\n"
            }
        }
        return out + (mail?.text ?? "")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}
