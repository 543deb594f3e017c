public import Delivery
public import Foundation

/// The embedded ledger: one SQLite file in WAL mode, schema versioned by `PRAGMA user_version`.
public final class SQLiteLedger: Ledger, @unchecked Sendable {
    let db: SQLiteConnection
    public let path: String

    /// Each entry migrates the schema from version i to i+1. Append only; never edit a shipped one.
    static let migrations: [String] = [
        """
        CREATE TABLE batches(
          id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, source_name TEXT NOT NULL, inbox TEXT NOT NULL,
          kind TEXT NOT NULL, claimed_at REAL NOT NULL, fingerprint TEXT, duplicate_of TEXT, input_path TEXT);
        CREATE INDEX batches_fingerprint ON batches(fingerprint);
        CREATE TABLE runs(
          batch_id TEXT NOT NULL REFERENCES batches(id), run INTEGER NOT NULL, state TEXT NOT NULL,
          supersedes INTEGER, started_at REAL NOT NULL, updated_at REAL NOT NULL, error TEXT, output_dir TEXT,
          files INTEGER NOT NULL DEFAULT 0, quarantined INTEGER NOT NULL DEFAULT 0,
          studies INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY(batch_id, run));
        CREATE TABLE events(
          id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id TEXT NOT NULL, run INTEGER NOT NULL,
          at REAL NOT NULL, state TEXT NOT NULL, detail TEXT);
        CREATE TABLE files(
          batch_id TEXT NOT NULL, run INTEGER NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL,
          size INTEGER NOT NULL, sha256 TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, stage TEXT,
          study_uid TEXT, sop_instance_uid TEXT, PRIMARY KEY(batch_id, run, path));
        CREATE TABLE studies(
          batch_id TEXT NOT NULL, run INTEGER NOT NULL, study_key TEXT NOT NULL, study_uid TEXT NOT NULL,
          modality TEXT NOT NULL, series INTEGER NOT NULL, instances INTEGER NOT NULL, status TEXT NOT NULL,
          problems TEXT NOT NULL, findings TEXT NOT NULL, PRIMARY KEY(batch_id, run, study_key));
        CREATE TABLE outputs(
          batch_id TEXT NOT NULL, run INTEGER NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL,
          size INTEGER NOT NULL, PRIMARY KEY(batch_id, run, name));
        CREATE TABLE deliveries(
          batch_id TEXT NOT NULL, run INTEGER NOT NULL, outbox TEXT NOT NULL, name TEXT NOT NULL,
          state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT, updated_at REAL NOT NULL,
          PRIMARY KEY(batch_id, run, outbox, name));
        """,
        // 2: which worker drives a run, and when it last showed signs of life.
        """
        ALTER TABLE runs ADD COLUMN owner TEXT;
        ALTER TABLE runs ADD COLUMN heartbeat REAL;
        """,
        // 3: mail. What each rendered run gives the digests (its report, without pixel paths or
        // patient names), where each digest stream stands, every digest sent or waiting, and
        // the critical alerts sent (once per finding, across runs).
        """
        CREATE TABLE mail_runs(
          batch_id TEXT NOT NULL, run INTEGER NOT NULL, pipeline TEXT NOT NULL, rendered_at REAL NOT NULL,
          report TEXT NOT NULL, PRIMARY KEY(batch_id, run));
        CREATE INDEX mail_runs_rendered ON mail_runs(pipeline, rendered_at);
        CREATE TABLE digest_streams(
          pipeline TEXT NOT NULL, outbox TEXT NOT NULL, period_end REAL NOT NULL, owner TEXT, heartbeat REAL,
          PRIMARY KEY(pipeline, outbox));
        CREATE TABLE digests(
          pipeline TEXT NOT NULL, outbox TEXT NOT NULL, kind TEXT NOT NULL, period_start REAL NOT NULL,
          period_end REAL NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,
          message_id TEXT, batches INTEGER NOT NULL, updated_at REAL NOT NULL,
          PRIMARY KEY(pipeline, outbox, kind, period_start));
        CREATE TABLE critical_alerts(
          pipeline TEXT NOT NULL, alert_key TEXT NOT NULL, batch_id TEXT NOT NULL, run INTEGER NOT NULL,
          study_key TEXT NOT NULL, label TEXT NOT NULL, outbox TEXT NOT NULL, message_id TEXT NOT NULL,
          sent_at REAL NOT NULL, PRIMARY KEY(pipeline, alert_key));
        """,
        // 4: batches taken from SFTP inboxes: where each stands between the server claim, the
        // download and the after-action (RemoteClaims.swift).
        """
        CREATE TABLE remote_claims(
          batch_id TEXT PRIMARY KEY REFERENCES batches(id), pipeline TEXT NOT NULL, inbox TEXT NOT NULL,
          fingerprint TEXT, source_path TEXT NOT NULL, remote_path TEXT NOT NULL, claim_folder TEXT,
          kind TEXT NOT NULL, marked INTEGER NOT NULL, step TEXT NOT NULL, updated_at REAL NOT NULL);
        CREATE UNIQUE INDEX remote_claims_fingerprint ON remote_claims(pipeline, inbox, fingerprint);
        """,
        // 5: when a parked delivery or digest was alerted (DeadLetters.swift): once per parking.
        """
        ALTER TABLE deliveries ADD COLUMN alerted_at REAL;
        ALTER TABLE digests ADD COLUMN alerted_at REAL;
        """,
        // 6: how many times a run's processing was started without reaching an outcome (a crash,
        // a timeout or an error each leave one), and when a failed run was alerted. Runs that
        // failed before this version count as alerted: an upgrade must not page for old news.
        """
        ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN alerted_at REAL;
        UPDATE runs SET alerted_at = updated_at WHERE state = 'failed';
        """,
        // 7: findings waiting for an alert route's summary mail (`every:`), once per route and
        // finding; sent_at is set when the summary that lists them goes out.
        """
        CREATE TABLE alert_queue(
          pipeline TEXT NOT NULL, route TEXT NOT NULL, alert_key TEXT NOT NULL, batch_id TEXT NOT NULL,
          run INTEGER NOT NULL, study_key TEXT NOT NULL, label TEXT NOT NULL, item TEXT NOT NULL,
          queued_at REAL NOT NULL, sent_at REAL, message_id TEXT, PRIMARY KEY(pipeline, route, alert_key));
        """,
    ]

    /// Opens (or creates) the ledger at `path`. It holds patient IDs: the file is made with
    /// `permissions` before SQLite opens it, so SQLite gives its -wal and -shm the same mode,
    /// and an existing ledger is brought to them.
    public init(path: String, permissions: SpoolPermissions = .ownerOnly) throws {
        self.path = path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Self.apply(permissions, to: path, create: true)
        db = try SQLiteConnection(path: path)
        try migrate()
        // The -wal and -shm exist now; their group is the process's unless set.
        try Self.apply(permissions, to: path, create: false)
    }

    /// The database file (made empty if missing and `create`: SQLite takes a 0-byte file as a
    /// new database) and whichever of its -wal, -shm and -journal exist.
    private static func apply(_ permissions: SpoolPermissions, to path: String, create: Bool) throws {
        if create {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions.file)
            if fd >= 0 { close(fd) } else if errno != EEXIST { throw LedgerError("cannot create ledger \(path): \(String(cString: strerror(errno)))") }
        }
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] where FileManager.default.fileExists(atPath: file) {
            do { try permissions.apply(to: file) } catch { throw LedgerError("ledger \(file): cannot set its permissions: \(error)") }
        }
    }

    public var schemaVersion: Int { (try? db.query("PRAGMA user_version").first?["user_version"]?.int) ?? 0 }

    private func migrate() throws {
        try db.transaction {
            let current = try db.queryInTransaction("PRAGMA user_version").first?["user_version"]?.int ?? 0
            guard current < Self.migrations.count else { return }
            for version in current..<Self.migrations.count {
                for statement in Self.migrations[version].split(separator: ";") where
                    !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try db.queryInTransaction(String(statement))
                }
            }
            try db.queryInTransaction("PRAGMA user_version = \(Self.migrations.count)")
        }
    }

    /// Real time: heartbeats and leases are compared across processes.
    private var now: Double { Clock.wall().timeIntervalSince1970 }

    // MARK: Batches

    public func insertBatch(_ b: BatchRecord) throws {
        try db.query(
            "INSERT INTO batches(id, pipeline, source_name, inbox, kind, claimed_at, fingerprint, duplicate_of, input_path) VALUES (?,?,?,?,?,?,?,?,?)",
            [.text(b.id), .text(b.pipeline), .text(b.sourceName), .text(b.inbox), .text(b.kind.rawValue),
             .double(b.claimedAt.timeIntervalSince1970), .optional(b.fingerprint), .optional(b.duplicateOf),
             .optional(b.inputPath)])
    }

    public func batch(_ id: String) throws -> BatchRecord? {
        try db.query("SELECT * FROM batches WHERE id = ?", [.text(id)]).first.map(Self.batch)
    }

    public func batches(pipeline: String) throws -> [BatchRecord] {
        try db.query("SELECT * FROM batches WHERE pipeline = ? ORDER BY claimed_at, id", [.text(pipeline)]).map(Self.batch)
    }

    public func updateBatch(_ id: String, fingerprint: String?, duplicateOf: String?, inputPath: String?) throws {
        try db.query(
            "UPDATE batches SET fingerprint = COALESCE(?, fingerprint), duplicate_of = COALESCE(?, duplicate_of), input_path = COALESCE(?, input_path) WHERE id = ?",
            [.optional(fingerprint), .optional(duplicateOf), .optional(inputPath), .text(id)])
    }

    public func completedBatch(withFingerprint fingerprint: String, excluding: String) throws -> String? {
        try db.query(
            """
            SELECT b.id FROM batches b JOIN runs r ON r.batch_id = b.id
            WHERE b.fingerprint = ? AND b.id != ? AND r.state IN ('archived','rendered','published')
            ORDER BY b.claimed_at DESC LIMIT 1
            """, [.text(fingerprint), .text(excluding)]
        ).first?["id"]?.text
    }

    private static func batch(_ row: SQLiteConnection.Row) -> BatchRecord {
        BatchRecord(
            id: row["id"]?.text ?? "", pipeline: row["pipeline"]?.text ?? "",
            sourceName: row["source_name"]?.text ?? "", inbox: row["inbox"]?.text ?? "",
            kind: row["kind"]?.text.flatMap(InboxEntry.Kind.init(rawValue:)) ?? .file,
            claimedAt: Date(timeIntervalSince1970: row["claimed_at"]?.double ?? 0),
            fingerprint: row["fingerprint"]?.text, duplicateOf: row["duplicate_of"]?.text,
            inputPath: row["input_path"]?.text)
    }

    // MARK: Runs

    public func startRun(batchID: String, supersedes: Int?) throws -> Int {
        try db.transaction {
            let next = (try db.queryInTransaction(
                "SELECT COALESCE(MAX(run), 0) + 1 AS n FROM runs WHERE batch_id = ?", [.text(batchID)]
            ).first?["n"]?.int) ?? 1
            try db.queryInTransaction(
                "INSERT INTO runs(batch_id, run, state, supersedes, started_at, updated_at) VALUES (?,?,?,?,?,?)",
                [.text(batchID), .int(Int64(next)), .text(BatchState.claimed.rawValue),
                 supersedes.map { .int(Int64($0)) } ?? .null, .double(now), .double(now)])
            try db.queryInTransaction(
                "INSERT INTO events(batch_id, run, at, state, detail) VALUES (?,?,?,?,?)",
                [.text(batchID), .int(Int64(next)), .double(now), .text("claimed"), .null])
            return next
        }
    }

    public func runs(batchID: String) throws -> [RunRecord] {
        try db.query("SELECT * FROM runs WHERE batch_id = ? ORDER BY run", [.text(batchID)]).map { row in
            RunRecord(
                batchID: row["batch_id"]?.text ?? "", run: row["run"]?.int ?? 0,
                state: BatchState(rawValue: row["state"]?.text ?? "") ?? .failed,
                supersedes: row["supersedes"]?.int,
                startedAt: Date(timeIntervalSince1970: row["started_at"]?.double ?? 0),
                updatedAt: Date(timeIntervalSince1970: row["updated_at"]?.double ?? 0),
                error: row["error"]?.text, outputDirectory: row["output_dir"]?.text,
                files: row["files"]?.int ?? 0, quarantined: row["quarantined"]?.int ?? 0,
                studies: row["studies"]?.int ?? 0, bytes: row["bytes"]?.int ?? 0,
                attempts: row["attempts"]?.int ?? 0)
        }
    }

    public func beginAttempt(batchID: String, run: Int) throws -> Int {
        try db.transaction {
            try db.queryInTransaction(
                "UPDATE runs SET attempts = attempts + 1, heartbeat = ? WHERE batch_id = ? AND run = ?",
                [.double(now), .text(batchID), .int(Int64(run))])
            return try db.queryInTransaction(
                "SELECT attempts FROM runs WHERE batch_id = ? AND run = ?", [.text(batchID), .int(Int64(run))]
            ).first?["attempts"]?.int ?? 0
        }
    }

    public func recordError(batchID: String, run: Int, _ error: String) throws {
        try db.query("UPDATE runs SET error = ?, updated_at = ? WHERE batch_id = ? AND run = ?",
                     [.text(error), .double(now), .text(batchID), .int(Int64(run))])
    }

    public func endAttempt(batchID: String, run: Int) throws {
        try db.query("UPDATE runs SET attempts = 0 WHERE batch_id = ? AND run = ?", [.text(batchID), .int(Int64(run))])
    }

    /// Applies the lifecycle in one transaction: read state, compute the next (pure), write it.
    public func transition(batchID: String, run: Int, on event: BatchEvent, error: String?) throws -> BatchState {
        try db.transaction {
            guard let current = try db.queryInTransaction(
                "SELECT state FROM runs WHERE batch_id = ? AND run = ?", [.text(batchID), .int(Int64(run))]
            ).first?["state"]?.text.flatMap(BatchState.init(rawValue:)) else {
                throw LedgerError("ledger: no run \(run) of batch \(batchID)")
            }
            let next = try BatchLifecycle.next(current, on: event)
            try db.queryInTransaction(
                "UPDATE runs SET state = ?, updated_at = ?, heartbeat = updated_at, error = ? WHERE batch_id = ? AND run = ?",
                [.text(next.rawValue), .double(now), .optional(error), .text(batchID), .int(Int64(run))])
            try db.queryInTransaction(
                "INSERT INTO events(batch_id, run, at, state, detail) VALUES (?,?,?,?,?)",
                [.text(batchID), .int(Int64(run)), .double(now), .text(next.rawValue), .optional(error)])
            return next
        }
    }

    /// Takes (or keeps) the right to drive a run. Granted when nobody holds it, when `owner`
    /// already does, when the holder's heartbeat is older than `staleAfter`, or when `isDead`
    /// says the holder's process is gone (same host, pid no longer running).
    public func acquire(batchID: String, run: Int, owner: String, staleAfter: TimeInterval,
                        isDead: @Sendable (String) -> Bool) throws -> Bool {
        try db.transaction {
            guard let row = try db.queryInTransaction(
                "SELECT owner, heartbeat FROM runs WHERE batch_id = ? AND run = ?", [.text(batchID), .int(Int64(run))]
            ).first else { return false }
            let holder = row["owner"]?.text
            let heartbeat = row["heartbeat"]?.double ?? 0
            guard holder == nil || holder == owner || now - heartbeat > staleAfter || isDead(holder!) else { return false }
            try db.queryInTransaction(
                "UPDATE runs SET owner = ?, heartbeat = ? WHERE batch_id = ? AND run = ?",
                [.text(owner), .double(now), .text(batchID), .int(Int64(run))])
            return true
        }
    }

    public func release(batchID: String, run: Int, owner: String) throws {
        try db.query(
            "UPDATE runs SET owner = NULL WHERE batch_id = ? AND run = ? AND owner = ?",
            [.text(batchID), .int(Int64(run)), .text(owner)])
    }

    public func updateRun(batchID: String, run: Int, outputDirectory: String?, files: Int, quarantined: Int, studies: Int, bytes: Int) throws {
        try db.query(
            "UPDATE runs SET output_dir = COALESCE(?, output_dir), files = ?, quarantined = ?, studies = ?, bytes = ?, updated_at = ? WHERE batch_id = ? AND run = ?",
            [.optional(outputDirectory), .int(Int64(files)), .int(Int64(quarantined)), .int(Int64(studies)),
             .int(Int64(bytes)), .double(now), .text(batchID), .int(Int64(run))])
    }

    // MARK: Files, studies, outputs

    public func replaceFiles(batchID: String, run: Int, _ files: [FileRecord]) throws {
        try db.transaction {
            try db.queryInTransaction("DELETE FROM files WHERE batch_id = ? AND run = ?", [.text(batchID), .int(Int64(run))])
            for f in files {
                try db.queryInTransaction(
                    "INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [.text(batchID), .int(Int64(run)), .text(f.path), .text(f.kind), .int(Int64(f.size)),
                     .text(f.sha256), .text(f.status), .optional(f.reason), .optional(f.stage),
                     .optional(f.studyUID), .optional(f.sopInstanceUID)])
            }
        }
    }

    public func files(batchID: String, run: Int) throws -> [FileRecord] {
        try db.query("SELECT * FROM files WHERE batch_id = ? AND run = ? ORDER BY path", [.text(batchID), .int(Int64(run))]).map { r in
            FileRecord(
                path: r["path"]?.text ?? "", kind: r["kind"]?.text ?? "", size: r["size"]?.int ?? 0,
                sha256: r["sha256"]?.text ?? "", status: r["status"]?.text ?? "", reason: r["reason"]?.text,
                stage: r["stage"]?.text, studyUID: r["study_uid"]?.text, sopInstanceUID: r["sop_instance_uid"]?.text)
        }
    }

    public func replaceStudies(batchID: String, run: Int, _ studies: [StudyRecord]) throws {
        try db.transaction {
            try db.queryInTransaction("DELETE FROM studies WHERE batch_id = ? AND run = ?", [.text(batchID), .int(Int64(run))])
            for s in studies {
                try db.queryInTransaction(
                    "INSERT INTO studies VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [.text(batchID), .int(Int64(run)), .text(s.studyKey), .text(s.studyUID), .text(s.modality),
                     .int(Int64(s.series)), .int(Int64(s.instances)), .text(s.status),
                     .text(s.problems.joined(separator: "\n")), .text(s.findingsJSON)])
            }
        }
    }

    public func studies(batchID: String, run: Int) throws -> [StudyRecord] {
        try db.query("SELECT * FROM studies WHERE batch_id = ? AND run = ? ORDER BY study_key", [.text(batchID), .int(Int64(run))]).map { r in
            let problems = r["problems"]?.text ?? ""
            return StudyRecord(
                studyKey: r["study_key"]?.text ?? "", studyUID: r["study_uid"]?.text ?? "",
                modality: r["modality"]?.text ?? "", series: r["series"]?.int ?? 0,
                instances: r["instances"]?.int ?? 0, status: r["status"]?.text ?? "",
                problems: problems.isEmpty ? [] : problems.components(separatedBy: "\n"),
                findingsJSON: r["findings"]?.text ?? "[]")
        }
    }

    public func replaceOutputs(batchID: String, run: Int, _ outputs: [OutputRecord]) throws {
        try db.transaction {
            try db.queryInTransaction("DELETE FROM outputs WHERE batch_id = ? AND run = ?", [.text(batchID), .int(Int64(run))])
            for o in outputs {
                try db.queryInTransaction(
                    "INSERT INTO outputs VALUES (?,?,?,?,?)",
                    [.text(batchID), .int(Int64(run)), .text(o.name), .text(o.sha256), .int(Int64(o.size))])
            }
        }
    }

    public func outputs(batchID: String, run: Int) throws -> [OutputRecord] {
        try db.query("SELECT * FROM outputs WHERE batch_id = ? AND run = ? ORDER BY name", [.text(batchID), .int(Int64(run))]).map { r in
            OutputRecord(name: r["name"]?.text ?? "", sha256: r["sha256"]?.text ?? "", size: r["size"]?.int ?? 0)
        }
    }

    // MARK: Deliveries

    public func delivery(batchID: String, run: Int, outbox: String, name: String) throws -> DeliveryRecord? {
        try db.query(
            "SELECT * FROM deliveries WHERE batch_id = ? AND run = ? AND outbox = ? AND name = ?",
            [.text(batchID), .int(Int64(run)), .text(outbox), .text(name)]
        ).first.map(Self.delivery)
    }

    public func recordDelivery(batchID: String, run: Int, _ d: DeliveryRecord) throws {
        try db.query(
            """
            INSERT INTO deliveries(batch_id, run, outbox, name, state, attempts, last_error, updated_at)
            VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT(batch_id, run, outbox, name) DO UPDATE SET
              state = excluded.state, attempts = excluded.attempts, last_error = excluded.last_error,
              updated_at = excluded.updated_at
            """,
            [.text(batchID), .int(Int64(run)), .text(d.outbox), .text(d.name), .text(d.state.rawValue),
             .int(Int64(d.attempts)), .optional(d.lastError), .double(now)])
    }

    public func deliveries(batchID: String, run: Int) throws -> [DeliveryRecord] {
        try db.query(
            "SELECT * FROM deliveries WHERE batch_id = ? AND run = ? ORDER BY outbox, name",
            [.text(batchID), .int(Int64(run))]
        ).map(Self.delivery)
    }

    public func resetFailedDeliveries(batchID: String, run: Int) throws -> Int {
        try db.transaction {
            let n = try db.queryInTransaction(
                "SELECT COUNT(*) AS n FROM deliveries WHERE batch_id = ? AND run = ? AND state = 'failed'",
                [.text(batchID), .int(Int64(run))]).first?["n"]?.int ?? 0
            try db.queryInTransaction(
                "UPDATE deliveries SET state = 'pending', attempts = 0, alerted_at = NULL WHERE batch_id = ? AND run = ? AND state = 'failed'",
                [.text(batchID), .int(Int64(run))])
            return n
        }
    }

    private static func delivery(_ r: SQLiteConnection.Row) -> DeliveryRecord {
        DeliveryRecord(
            outbox: r["outbox"]?.text ?? "", name: r["name"]?.text ?? "",
            state: DeliveryState(rawValue: r["state"]?.text ?? "") ?? .pending,
            attempts: r["attempts"]?.int ?? 0, lastError: r["last_error"]?.text)
    }
}

extension SQLiteConnection.Value {
    static func optional(_ s: String?) -> Self { s.map { .text($0) } ?? .null }
}
