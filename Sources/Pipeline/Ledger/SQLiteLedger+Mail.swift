import Delivery
public import Foundation

extension SQLiteLedger {
    private var now: Double { Clock.wall().timeIntervalSince1970 }

    // MARK: Runs for mail

    public func recordMailRun(pipeline: String, _ r: MailRunRecord) throws {
        try db.query(
            """
            INSERT INTO mail_runs VALUES (?,?,?,?,?)
            ON CONFLICT(batch_id, run) DO UPDATE SET rendered_at = excluded.rendered_at, report = excluded.report
            """,
            [.text(r.batchID), .int(Int64(r.run)), .text(pipeline), .double(r.renderedAt.timeIntervalSince1970), .text(r.report)])
    }

    public func mailRun(batchID: String, run: Int) throws -> MailRunRecord? {
        try db.query("SELECT * FROM mail_runs WHERE batch_id = ? AND run = ?", [.text(batchID), .int(Int64(run))]).first.map(Self.mailRun)
    }

    public func mailRuns(pipeline: String, from: Date, to: Date) throws -> [MailRunRecord] {
        try db.query(
            "SELECT * FROM mail_runs WHERE pipeline = ? AND rendered_at >= ? AND rendered_at < ? ORDER BY rendered_at, batch_id, run",
            [.text(pipeline), .double(from.timeIntervalSince1970), .double(to.timeIntervalSince1970)]
        ).map(Self.mailRun)
    }

    private static func mailRun(_ r: SQLiteConnection.Row) -> MailRunRecord {
        MailRunRecord(batchID: r["batch_id"]?.text ?? "", run: r["run"]?.int ?? 0,
                      renderedAt: Date(timeIntervalSince1970: r["rendered_at"]?.double ?? 0), report: r["report"]?.text ?? "{}")
    }

    // MARK: Digests

    public func digestPeriodEnd(pipeline: String, outbox: String, startingAt start: Date) throws -> Date {
        try db.transaction {
            try db.queryInTransaction(
                "INSERT INTO digest_streams(pipeline, outbox, period_end) VALUES (?,?,?) ON CONFLICT(pipeline, outbox) DO NOTHING",
                [.text(pipeline), .text(outbox), .double(start.timeIntervalSince1970)])
            let end = try db.queryInTransaction(
                "SELECT period_end FROM digest_streams WHERE pipeline = ? AND outbox = ?", [.text(pipeline), .text(outbox)]
            ).first?["period_end"]?.double ?? start.timeIntervalSince1970
            return Date(timeIntervalSince1970: end)
        }
    }

    public func digestPeriodEnd(pipeline: String, outbox: String) throws -> Date? {
        try db.query("SELECT period_end FROM digest_streams WHERE pipeline = ? AND outbox = ?", [.text(pipeline), .text(outbox)])
            .first?["period_end"]?.double.map { Date(timeIntervalSince1970: $0) }
    }

    public func acquireDigestStream(pipeline: String, outbox: String, owner: String, staleAfter: TimeInterval,
                                    isDead: @Sendable (String) -> Bool) throws -> Bool {
        try db.transaction {
            guard let row = try db.queryInTransaction(
                "SELECT owner, heartbeat FROM digest_streams WHERE pipeline = ? AND outbox = ?", [.text(pipeline), .text(outbox)]
            ).first else { return false }
            let holder = row["owner"]?.text
            let heartbeat = row["heartbeat"]?.double ?? 0
            guard holder == nil || holder == owner || now - heartbeat > staleAfter || isDead(holder!) else { return false }
            try db.queryInTransaction(
                "UPDATE digest_streams SET owner = ?, heartbeat = ? WHERE pipeline = ? AND outbox = ?",
                [.text(owner), .double(now), .text(pipeline), .text(outbox)])
            return true
        }
    }

    public func releaseDigestStream(pipeline: String, outbox: String, owner: String) throws {
        try db.query(
            "UPDATE digest_streams SET owner = NULL WHERE pipeline = ? AND outbox = ? AND owner = ?",
            [.text(pipeline), .text(outbox), .text(owner)])
    }

    public func openDigest(pipeline: String, outbox: String) throws -> DigestRecord? {
        try db.query(
            """
            SELECT d.* FROM digests d JOIN digest_streams s ON s.pipeline = d.pipeline AND s.outbox = d.outbox
            WHERE d.pipeline = ? AND d.outbox = ? AND d.kind = 'scheduled' AND d.state != 'delivered'
              AND d.period_start = s.period_end
            """, [.text(pipeline), .text(outbox)]
        ).first.map(Self.digest)
    }

    public func recordDigest(pipeline: String, _ d: DigestRecord) throws {
        try db.transaction {
            try db.queryInTransaction(
                """
                INSERT INTO digests(pipeline, outbox, kind, period_start, period_end, state, attempts, last_error,
                                    message_id, batches, updated_at)
                VALUES (?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(pipeline, outbox, kind, period_start) DO UPDATE SET
                  period_end = excluded.period_end, state = excluded.state, attempts = excluded.attempts,
                  last_error = excluded.last_error, message_id = excluded.message_id, batches = excluded.batches,
                  updated_at = excluded.updated_at
                """,
                [.text(pipeline), .text(d.outbox), .text(d.kind.rawValue), .double(d.periodStart.timeIntervalSince1970),
                 .double(d.periodEnd.timeIntervalSince1970), .text(d.state.rawValue), .int(Int64(d.attempts)),
                 .optional(d.lastError), .optional(d.messageID), .int(Int64(d.batches)), .double(now)])
            if d.kind == .scheduled, d.state == .delivered {
                try db.queryInTransaction(
                    """
                    INSERT INTO digest_streams(pipeline, outbox, period_end) VALUES (?,?,?)
                    ON CONFLICT(pipeline, outbox) DO UPDATE SET period_end = MAX(period_end, excluded.period_end)
                    """,
                    [.text(pipeline), .text(d.outbox), .double(d.periodEnd.timeIntervalSince1970)])
            }
        }
    }

    public func digests(pipeline: String) throws -> [DigestRecord] {
        try db.query("SELECT * FROM digests WHERE pipeline = ? ORDER BY outbox, period_start, kind", [.text(pipeline)]).map(Self.digest)
    }

    public func resetFailedDigests(pipeline: String) throws -> Int {
        try db.transaction {
            let n = try db.queryInTransaction(
                "SELECT COUNT(*) AS n FROM digests WHERE pipeline = ? AND state = 'failed'", [.text(pipeline)]
            ).first?["n"]?.int ?? 0
            try db.queryInTransaction(
                "UPDATE digests SET state = 'pending', attempts = 0, alerted_at = NULL WHERE pipeline = ? AND state = 'failed'",
                [.text(pipeline)])
            return n
        }
    }

    private static func digest(_ r: SQLiteConnection.Row) -> DigestRecord {
        DigestRecord(
            outbox: r["outbox"]?.text ?? "", kind: DigestKind(rawValue: r["kind"]?.text ?? "") ?? .scheduled,
            periodStart: Date(timeIntervalSince1970: r["period_start"]?.double ?? 0),
            periodEnd: Date(timeIntervalSince1970: r["period_end"]?.double ?? 0),
            state: DeliveryState(rawValue: r["state"]?.text ?? "") ?? .pending, attempts: r["attempts"]?.int ?? 0,
            lastError: r["last_error"]?.text, messageID: r["message_id"]?.text, batches: r["batches"]?.int ?? 0,
            updatedAt: r["updated_at"]?.double.map { Date(timeIntervalSince1970: $0) })
    }

    // MARK: Critical alerts

    public func criticalAlert(pipeline: String, key: String) throws -> CriticalAlertRecord? {
        try db.query("SELECT * FROM critical_alerts WHERE pipeline = ? AND alert_key = ?", [.text(pipeline), .text(key)])
            .first.map(Self.alert)
    }

    public func recordCriticalAlert(pipeline: String, _ a: CriticalAlertRecord) throws {
        try db.query(
            "INSERT INTO critical_alerts VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(pipeline, alert_key) DO NOTHING",
            [.text(pipeline), .text(a.key), .text(a.batchID), .int(Int64(a.run)), .text(a.studyKey), .text(a.label),
             .text(a.outbox), .text(a.messageID), .double(a.sentAt.timeIntervalSince1970)])
    }

    public func criticalAlerts(pipeline: String) throws -> [CriticalAlertRecord] {
        try db.query("SELECT * FROM critical_alerts WHERE pipeline = ? ORDER BY sent_at, alert_key", [.text(pipeline)]).map(Self.alert)
    }

    private static func alert(_ r: SQLiteConnection.Row) -> CriticalAlertRecord {
        CriticalAlertRecord(
            key: r["alert_key"]?.text ?? "", batchID: r["batch_id"]?.text ?? "", run: r["run"]?.int ?? 0,
            studyKey: r["study_key"]?.text ?? "", label: r["label"]?.text ?? "", outbox: r["outbox"]?.text ?? "",
            messageID: r["message_id"]?.text ?? "", sentAt: Date(timeIntervalSince1970: r["sent_at"]?.double ?? 0))
    }

    // MARK: Alert summaries

    public func queueAlert(pipeline: String, _ a: QueuedAlert) throws {
        let item = String(decoding: try JSONEncoder().encode(a.item), as: UTF8.self)
        try db.query(
            "INSERT INTO alert_queue(pipeline, route, alert_key, batch_id, run, study_key, label, item, queued_at) "
                + "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(pipeline, route, alert_key) DO NOTHING",
            [.text(pipeline), .text(a.route), .text(a.key), .text(a.batchID), .int(Int64(a.run)), .text(a.studyKey),
             .text(a.label), .text(item), .double(a.queuedAt.timeIntervalSince1970)])
    }

    public func queuedAlerts(pipeline: String, route: String) throws -> [QueuedAlert] {
        try db.query("SELECT * FROM alert_queue WHERE pipeline = ? AND route = ? AND sent_at IS NULL ORDER BY queued_at, alert_key",
                     [.text(pipeline), .text(route)]).map { r in
            QueuedAlert(
                route: r["route"]?.text ?? "", key: r["alert_key"]?.text ?? "", batchID: r["batch_id"]?.text ?? "",
                run: r["run"]?.int ?? 0, studyKey: r["study_key"]?.text ?? "", label: r["label"]?.text ?? "",
                item: try JSONDecoder().decode(AlertSummaryMail.Item.self, from: Data((r["item"]?.text ?? "").utf8)),
                queuedAt: Date(timeIntervalSince1970: r["queued_at"]?.double ?? 0))
        }
    }

    public func lastAlertSummary(pipeline: String, route: String) throws -> Date? {
        try db.query("SELECT MAX(sent_at) AS last FROM alert_queue WHERE pipeline = ? AND route = ?", [.text(pipeline), .text(route)])
            .first?["last"]?.double.map { Date(timeIntervalSince1970: $0) }
    }

    public func markAlertsSent(pipeline: String, route: String, keys: [String], messageID: String, at: Date) throws {
        try db.transaction {
            for key in keys {
                try db.queryInTransaction(
                    "UPDATE alert_queue SET sent_at = ?, message_id = ? WHERE pipeline = ? AND route = ? AND alert_key = ?",
                    [.double(at.timeIntervalSince1970), .text(messageID), .text(pipeline), .text(route), .text(key)])
            }
        }
    }
}
