public import Foundation

/// An HL7 DTM/TS value: `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`, keeping the
/// precision that was sent (a birth date `19700101` is a day, not midnight).
public struct HL7DateTime: Sendable, Hashable, CustomStringConvertible {
    public enum Precision: Int, Sendable, Comparable {
        case year, month, day, hour, minute, second, fraction
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public let year: Int
    public let month: Int?
    public let day: Int?
    public let hour: Int?
    public let minute: Int?
    public let second: Int?
    /// Fractional seconds, e.g. 0.1234 for `.1234`.
    public let fraction: Double?
    /// Offset from UTC in minutes when the value carries one (`-0500` → -300).
    public let utcOffsetMinutes: Int?
    public let precision: Precision
    /// The text as sent (for writing back unchanged).
    public let text: String

    /// Parses DTM (and the first component of a TS); nil when the text is not a date.
    public init?(_ raw: String) {
        let text = raw.trimmingCharactersSpace
        var digits = Substring(text)
        var offset: Int? = nil
        if let signIndex = digits.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = digits[digits.index(after: signIndex)...]
            guard zone.count == 4, zone.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let hh = Int(zone.prefix(2)), let mm = Int(zone.suffix(2)), hh <= 14, mm < 60 else { return nil }
            offset = (hh * 60 + mm) * (digits[signIndex] == "-" ? -1 : 1)
            digits = digits[..<signIndex]
        }
        var fraction: Double? = nil
        if let dot = digits.firstIndex(of: ".") {
            let frac = digits[digits.index(after: dot)...]
            guard (1...4).contains(frac.count), frac.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            fraction = Double("0." + frac)
            digits = digits[..<dot]
        }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), [4, 6, 8, 10, 12, 14].contains(digits.count) else { return nil }
        if fraction != nil, digits.count != 14 { return nil }
        let u = Array(digits.utf8).map { Int($0) - 48 }
        func num(_ at: Int) -> Int? { at + 1 < u.count ? u[at] * 10 + u[at + 1] : nil }
        year = u[0] * 1000 + u[1] * 100 + u[2] * 10 + u[3]
        month = num(4); day = num(6); hour = num(8); minute = num(10); second = num(12)
        if let m = month, !(1...12).contains(m) { return nil }
        if let d = day, !(1...31).contains(d) { return nil }
        if let h = hour, h > 23 { return nil }
        if let m = minute, m > 59 { return nil }
        if let s = second, s > 60 { return nil }
        self.fraction = fraction
        utcOffsetMinutes = offset
        precision = fraction != nil ? .fraction : Precision(rawValue: [4: 0, 6: 1, 8: 2, 10: 3, 12: 4, 14: 5][digits.count]!)!
        self.text = text
    }

    /// The instant, reading missing parts as their start (January, the 1st, 00:00) and a
    /// value without an offset as UTC; use `date(assuming:)` to choose the sender's zone.
    public var date: Date? { date(assuming: TimeZone(identifier: "UTC")!) }

    public func date(assuming zone: TimeZone) -> Date? {
        var c = DateComponents()
        c.year = year; c.month = month ?? 1; c.day = day ?? 1
        c.hour = hour ?? 0; c.minute = minute ?? 0; c.second = second ?? 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utcOffsetMinutes.flatMap { TimeZone(secondsFromGMT: $0 * 60) } ?? zone
        guard let d = calendar.date(from: c), calendar.component(.day, from: d) == (day ?? 1) else { return nil }
        return d.addingTimeInterval(fraction ?? 0)
    }

    public var description: String { text }

    /// Formats a date as DTM to the second in UTC (`20250101120000+0000`).
    public static func format(_ date: Date, zone: TimeZone = TimeZone(identifier: "UTC")!, withOffset: Bool = false) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { let v = v ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        var s = "\(c.year ?? 0)" + two(c.month) + two(c.day) + two(c.hour) + two(c.minute) + two(c.second)
        if withOffset {
            let off = zone.secondsFromGMT(for: date) / 60
            s += (off < 0 ? "-" : "+") + two(abs(off) / 60) + two(abs(off) % 60)
        }
        return s
    }
}
