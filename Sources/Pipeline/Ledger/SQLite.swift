import CSQLite
import Foundation

/// A thin, safe wrapper over the sqlite3 C API: one connection, prepared statements, binds only
/// (values are never spliced into SQL text).
final class SQLiteConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    let path: String
    private let lock = NSLock()

    init(path: String) throws {
        self.path = path
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw LedgerError("cannot open ledger \(path): \(message)")
        }
        // Several workers may share one file: wait for locks rather than failing at once.
        sqlite3_busy_timeout(handle, 30_000)
        try execute("PRAGMA journal_mode=WAL")
        // NORMAL in WAL mode keeps the database consistent on power loss; the last commits may
        // be lost, which the engine tolerates (a lost delivery record means a re-delivery of
        // identical bytes, which outboxes recognise). FULL would fsync every delivery record.
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs statements without results (DDL, pragmas).
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw LedgerError("ledger: \(message)")
        }
    }

    enum Value: Sendable, Equatable {
        case null, int(Int64), double(Double), text(String)
    }

    typealias Row = [String: Value]

    /// Runs one statement with positional binds (`?`) and returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [Value] = []) throws -> [Row] {
        lock.lock()
        defer { lock.unlock() }
        return try queryLocked(sql, binds)
    }

    private func queryLocked(_ sql: String, _ binds: [Value]) throws -> [Row] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw LedgerError("ledger: \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(statement) }
        for (i, value) in binds.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .int(let v): sqlite3_bind_int64(statement, index, v)
            case .double(let v): sqlite3_bind_double(statement, index, v)
            case .text(let v): sqlite3_bind_text(statement, index, v, -1, sqliteTransient)
            }
        }
        var rows: [Row] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                let code = sqlite3_extended_errcode(handle)
                throw LedgerError(
                    "ledger: \(String(cString: sqlite3_errmsg(handle)))",
                    isConstraint: code & 0xff == SQLITE_CONSTRAINT)
            }
            var row: Row = [:]
            for column in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, column))
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row[name] = .int(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: row[name] = .double(sqlite3_column_double(statement, column))
                case SQLITE_NULL: row[name] = .null
                default: row[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back on error.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        _ = try queryLocked("BEGIN IMMEDIATE", [])
        do {
            let result = try body()
            _ = try queryLocked("COMMIT", [])
            return result
        } catch {
            _ = try? queryLocked("ROLLBACK", [])
            throw error
        }
    }

    /// For use inside `transaction` only (the lock is already held).
    @discardableResult
    func queryInTransaction(_ sql: String, _ binds: [Value] = []) throws -> [Row] {
        try queryLocked(sql, binds)
    }
}

private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension SQLiteConnection.Value {
    var text: String? { if case .text(let s) = self { return s } else { return nil } }
    var int: Int? {
        switch self {
        case .int(let v): return Int(v)
        case .double(let v): return Int(v)
        default: return nil
        }
    }
    var double: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }
}

public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public let isConstraint: Bool
    init(_ description: String, isConstraint: Bool = false) {
        self.description = description
        self.isConstraint = isConstraint
    }
}
