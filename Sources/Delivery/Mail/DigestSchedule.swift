public import Foundation

/// A 5-field cron schedule (`minute hour day-of-month month day-of-week`) in a time zone, e.g.
/// `"0 6 * * *"` in `Europe/Berlin`. Fields take `*`, numbers, ranges `a-b`, lists `a,b`, steps
/// `*/n` and `a-b/n`, and names (`jan`…`dec`, `sun`…`sat`; day-of-week 7 is Sunday too). As in
/// Vixie cron, when both day fields are restricted a day matching either one fires.
///
/// Daylight-saving rule (wall-clock times are what people schedule):
/// - a time that does not exist (spring forward, 02:30 in Berlin) fires once at the end of the
///   gap (03:00 local); several skipped times collapse into that one firing;
/// - a time that happens twice (fall back) fires once, at its first occurrence.
public struct DigestSchedule: Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    public let timeZone: TimeZone
    let minutes: [Int], hours: [Int]
    let daysOfMonth: Set<Int>, months: Set<Int>, daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool, dayOfWeekRestricted: Bool

    public init(_ expression: String, timeZone identifier: String = "UTC") throws(MailConfigError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw MailConfigError(setting: "digest_time_zone", problem: "unknown time zone \(identifier)")
        }
        let fields = expression.split(whereSeparator: \.isWhitespace).map { String($0).lowercased() }
        guard fields.count == 5 else {
            throw MailConfigError(setting: "digest", problem: "a cron schedule has 5 fields (minute hour day month weekday), got \(fields.count)")
        }
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        self.expression = expression
        self.timeZone = zone
        minutes = try Self.field(fields[0], "minute", 0...59, names: []).sorted()
        hours = try Self.field(fields[1], "hour", 0...23, names: []).sorted()
        daysOfMonth = try Self.field(fields[2], "day of month", 1...31, names: [])
        months = try Self.field(fields[3], "month", 1...12, names: monthNames, nameBase: 1)
        daysOfWeek = Set(try Self.field(fields[4], "day of week", 0...7, names: dayNames).map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
        if !(dayOfMonthRestricted && dayOfWeekRestricted) {
            let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            guard months.contains(where: { month in daysOfMonth.contains { $0 <= longest[month] } }) else {
                throw MailConfigError(setting: "digest", problem: "schedule \(expression) never fires (no such day in those months)")
            }
        }
    }

    public var description: String { "\(expression) (\(timeZone.identifier))" }

    private static func field(_ text: String, _ name: String, _ bounds: ClosedRange<Int>, names: [String], nameBase: Int = 0) throws(MailConfigError) -> Set<Int> {
        func bad(_ why: String) -> MailConfigError { MailConfigError(setting: "digest", problem: "\(name) field '\(text)': \(why)") }
        func value(_ token: Substring) throws(MailConfigError) -> Int {
            if let number = Int(token) {
                guard bounds.contains(number) else { throw bad("\(number) is outside \(bounds.lowerBound)-\(bounds.upperBound)") }
                return number
            }
            guard let index = names.firstIndex(of: String(token)) else { throw bad("'\(token)' is not a number or name") }
            return index + nameBase
        }
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2, !stepParts[0].isEmpty else { throw bad("malformed") }
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = Int(stepParts[1]), parsed > 0 else { throw bad("step must be a positive number") }
                step = parsed
            }
            let range = stepParts[0]
            var low: Int, high: Int
            if range == "*" {
                low = bounds.lowerBound; high = bounds.upperBound
            } else if let dash = range.firstIndex(of: "-") {
                low = try value(range[..<dash]); high = try value(range[range.index(after: dash)...])
                guard low <= high else { throw bad("range \(low)-\(high) runs backwards") }
            } else {
                low = try value(range)
                // Vixie: "a/n" means a through the maximum, every n.
                high = stepParts.count == 2 ? bounds.upperBound : low
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    /// The first firing strictly after `date`.
    public func next(after date: Date) -> Date {
        let after = date.timeIntervalSince1970
        let start = Int(after.rounded(.down))
        let startDay = Self.floorDiv(start + timeZone.secondsFromGMT(for: date), 86_400)
        // Within 8 years every valid schedule fires (29 February comes at least every 8 years).
        for day in startDay...(startDay + 366 * 8) {
            let (_, month, dayOfMonth) = Self.civil(fromDays: day)
            guard months.contains(month) else { continue }
            let weekday = ((day % 7) + 11) % 7 // 1970-01-01 was a Thursday (4)
            let domMatch = daysOfMonth.contains(dayOfMonth), dowMatch = daysOfWeek.contains(weekday)
            let fires = dayOfMonthRestricted && dayOfWeekRestricted ? (domMatch || dowMatch) : (domMatch && dowMatch)
            guard fires else { continue }
            let offsets = Set(stride(from: (day - 1) * 86_400, through: (day + 2) * 86_400, by: 3_600).map {
                timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0)))
            })
            for hour in hours {
                for minute in minutes {
                    let wall = day * 86_400 + hour * 3_600 + minute * 60
                    if wall + 15 * 3_600 <= start { continue } // cannot be after `date` in any zone
                    let instant = resolve(wall: wall, offsets: offsets)
                    if TimeInterval(instant) > after { return Date(timeIntervalSince1970: TimeInterval(instant)) }
                }
            }
        }
        preconditionFailure("schedule \(expression) validated as firing but found no time in 8 years")
    }

    /// The instant of a local wall-clock time (seconds as if UTC), per the DST rule above.
    func resolve(wall: Int, offsets: Set<Int>) -> Int {
        let exact = offsets.filter { offset in
            timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall - offset))) == offset
        }.map { wall - $0 }
        if let first = exact.min() { return first }
        // In a gap: the first instant whose local time is at or past `wall` (the gap's end).
        var low = wall - offsets.max()!, high = wall - offsets.min()!
        while low < high {
            let middle = Self.floorDiv(low + high, 2)
            let local = middle + timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(middle)))
            if local >= wall { high = middle } else { low = middle + 1 }
        }
        return low
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Proleptic Gregorian (year, month, day) of days since 1970-01-01 (H. Hinnant's algorithm).
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
