/// DA/TM values and the UTC offset from an ISO 8601 timestamp such as `2025-01-10T06:30:00Z`
/// (what `BatchReport.generatedAt` holds). Parsed by hand so the output never depends on the
/// machine's time zone or locale.
public struct DICOMDateTime: Sendable, Equatable {
    public let date: String
    public let time: String
    /// `+HHMM` / `-HHMM` for Timezone Offset From UTC (0008,0201).
    public let offset: String

    public init?(iso8601 text: String) {
        let u = Array(text.utf8)
        func digits(_ r: Range<Int>) -> String? {
            guard r.upperBound <= u.count, u[r].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return String(decoding: u[r], as: UTF8.self)
        }
        guard u.count >= 20, let y = digits(0..<4), u[4] == 0x2D, let mo = digits(5..<7), u[7] == 0x2D,
              let d = digits(8..<10), u[10] == 0x54 || u[10] == 0x20, let h = digits(11..<13), u[13] == 0x3A,
              let mi = digits(14..<16), u[16] == 0x3A, let s = digits(17..<19)
        else { return nil }
        guard let month = Int(mo), (1...12).contains(month), let day = Int(d), (1...31).contains(day),
              let hour = Int(h), hour < 24, let minute = Int(mi), minute < 60, let second = Int(s), second < 61
        else { return nil }
        var i = 19
        var fraction = ""
        if i < u.count, u[i] == 0x2E {
            i += 1
            let start = i
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 { i += 1 }
            guard i > start else { return nil }
            fraction = "." + String(decoding: u[start..<min(i, start + 6)], as: UTF8.self)
        }
        let zone = Array(u[i...])
        if zone == [0x5A] {
            offset = "+0000"
        } else if zone.count == 6, zone[0] == 0x2B || zone[0] == 0x2D, zone[3] == 0x3A,
                  zone[1...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), zone[4...5].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            offset = String(decoding: [zone[0], zone[1], zone[2], zone[4], zone[5]], as: UTF8.self)
        } else {
            return nil
        }
        date = y + mo + d
        time = h + mi + s + fraction
    }

    /// DT value (date, time and offset), e.g. for Acquisition DateTime.
    public var dateTime: String { date + time + offset }
}
