public import Foundation

/// A delivery or digest parked after `delivery_attempts` failures (it waits for `sluice
/// retry`), or a batch moved to error/ (it cannot be read, or its processing kept killing the
/// process). The people who can act hear of each once (`alerts:`), not on every pass.
public struct DeadLetter: Sendable, Equatable {
    public enum Kind: String, Sendable { case delivery, digest, batch }

    public var kind: Kind
    /// The outbox or mail route id (no secrets).
    public var outbox: String
    /// A delivery: the output (or marker, mail) name. A digest: its kind.
    public var name: String
    public var attempts: Int
    public var lastError: String?
    /// When it was parked (the last failed attempt).
    public var parkedAt: Date
    /// Deliveries: the batch and run they belong to.
    public var batchID: String?
    public var run: Int?
    /// Digests: the period they cover.
    public var periodStart: Date?
    public var periodEnd: Date?
}

extension SQLiteLedger {
    public func unalertedDeadLetters(pipeline: String) throws -> [DeadLetter] {
        let deliveries = try db.query(
            """
            SELECT d.* FROM deliveries d JOIN batches b ON b.id = d.batch_id
            WHERE b.pipeline = ? AND d.state = 'failed' AND d.alerted_at IS NULL
            ORDER BY d.updated_at, d.batch_id, d.run, d.outbox, d.name
            """, [.text(pipeline)]
        ).map { r in
            DeadLetter(kind: .delivery, outbox: r["outbox"]?.text ?? "", name: r["name"]?.text ?? "",
                       attempts: r["attempts"]?.int ?? 0, lastError: r["last_error"]?.text,
                       parkedAt: Date(timeIntervalSince1970: r["updated_at"]?.double ?? 0),
                       batchID: r["batch_id"]?.text, run: r["run"]?.int)
        }
        let digests = try db.query(
            """
            SELECT * FROM digests WHERE pipeline = ? AND state = 'failed' AND alerted_at IS NULL
            ORDER BY updated_at, outbox, period_start
            """, [.text(pipeline)]
        ).map { r in
            DeadLetter(kind: .digest, outbox: r["outbox"]?.text ?? "", name: r["kind"]?.text ?? "",
                       attempts: r["attempts"]?.int ?? 0, lastError: r["last_error"]?.text,
                       parkedAt: Date(timeIntervalSince1970: r["updated_at"]?.double ?? 0),
                       periodStart: r["period_start"]?.double.map(Date.init(timeIntervalSince1970:)),
                       periodEnd: r["period_end"]?.double.map(Date.init(timeIntervalSince1970:)))
        }
        let batches = try db.query(
            """
            SELECT r.* FROM runs r JOIN batches b ON b.id = r.batch_id
            WHERE b.pipeline = ? AND r.state = 'failed' AND r.alerted_at IS NULL
            ORDER BY r.updated_at, r.batch_id, r.run
            """, [.text(pipeline)]
        ).map { r in
            DeadLetter(kind: .batch, outbox: "error/", name: "input", attempts: r["attempts"]?.int ?? 0,
                       lastError: r["error"]?.text, parkedAt: Date(timeIntervalSince1970: r["updated_at"]?.double ?? 0),
                       batchID: r["batch_id"]?.text, run: r["run"]?.int)
        }
        return (deliveries + digests + batches).sorted { $0.parkedAt < $1.parkedAt }
    }

    public func markAlerted(pipeline: String, _ letters: [DeadLetter], at time: Date) throws {
        try db.transaction {
            for l in letters {
                switch l.kind {
                case .delivery:
                    guard let batchID = l.batchID, let run = l.run else { continue }
                    try db.queryInTransaction(
                        "UPDATE deliveries SET alerted_at = ? WHERE batch_id = ? AND run = ? AND outbox = ? AND name = ? AND state = 'failed'",
                        [.double(time.timeIntervalSince1970), .text(batchID), .int(Int64(run)), .text(l.outbox), .text(l.name)])
                case .batch:
                    guard let batchID = l.batchID, let run = l.run else { continue }
                    try db.queryInTransaction(
                        "UPDATE runs SET alerted_at = ? WHERE batch_id = ? AND run = ? AND state = 'failed'",
                        [.double(time.timeIntervalSince1970), .text(batchID), .int(Int64(run))])
                case .digest:
                    guard let start = l.periodStart else { continue }
                    try db.queryInTransaction(
                        "UPDATE digests SET alerted_at = ? WHERE pipeline = ? AND outbox = ? AND kind = ? AND period_start = ? AND state = 'failed'",
                        [.double(time.timeIntervalSince1970), .text(pipeline), .text(l.outbox), .text(l.name),
                         .double(start.timeIntervalSince1970)])
                }
            }
        }
    }
}
