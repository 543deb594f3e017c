public import Foundation

/// The engine's time: the wall clock, or a fixed instant from `SLUICE_CLOCK` (ISO 8601) so golden
/// tests get identical bytes run after run. What is compared with other processes' times —
/// file mtimes (readiness, settle) and the ledger's leases and heartbeats — is real time, read
/// through `Clock.wall()` so that every such place is visible.
public struct Clock: Sendable {
    public let fixed: Date?

    public init(fixed: Date? = nil) { self.fixed = fixed }

    public static func fromEnvironment() -> Clock {
        guard let text = ProcessInfo.processInfo.environment["SLUICE_CLOCK"], !text.isEmpty else { return Clock() }
        return Clock(fixed: Timestamps.parse(text))
    }

    public func now() -> Date { fixed ?? Date() }

    /// Real time, whatever `SLUICE_CLOCK` says: for comparisons with file mtimes and leases.
    public static func wall() -> Date { Date() }
}

public enum Timestamps {
    public static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    public static func parse(_ text: String) -> Date? {
        if let d = try? Date(text, strategy: .iso8601) { return d }
        // A bare date (YYYY-MM-DD) means midnight UTC.
        return try? Date(text + "T00:00:00Z", strategy: .iso8601)
    }

    /// `20250110-063000`, for batch IDs (sortable, path-safe).
    public static func compact(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
