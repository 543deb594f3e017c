import Checksum
public import Foundation

/// One e-mail: a text body, an optional HTML alternative and attachments, rendered as
/// multipart/mixed ⊃ multipart/alternative. Rendering is a pure function of the fields, so a
/// fixed `date` and `messageID` give byte-identical output (golden tests, idempotent resends).
public struct MIMEMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String?
    public var attachments: [MailAttachment]
    public var date: Date
    /// The Date header is written in this zone.
    public var timeZone: TimeZone
    /// Without angle brackets, e.g. `3f2a…@site.org`.
    public var messageID: String
    /// Extra headers (e.g. `X-Sluice-Batch`); names must be ASCII, values are encoded if not.
    public var headers: [MailHeader]

    public init(from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], subject: String, text: String,
                html: String? = nil, attachments: [MailAttachment] = [], date: Date = Date(),
                timeZone: TimeZone = TimeZone(identifier: "UTC")!, messageID: String? = nil, headers: [MailHeader] = []) {
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.date = date
        self.timeZone = timeZone
        self.messageID = messageID ?? Self.messageID(seed: UUID().uuidString, domain: from.domain)
        self.headers = headers
    }

    /// A Message-ID in the sender's domain derived from `seed`: the same seed (e.g. a finding's
    /// alert key) gives the same ID, so a receiver can drop a duplicate resend.
    public static func messageID(seed: String, domain: String) -> String {
        "\(SHA256.hex(seed).prefix(32)).sluice@\(domain)"
    }

    /// Envelope recipients (To and Cc, each once).
    public var recipients: [String] {
        var seen = Set<String>()
        return (to + cc).map(\.address).filter { seen.insert($0).inserted }
    }

    /// True when an address is not ASCII, so the server must offer SMTPUTF8.
    public var needsSMTPUTF8: Bool { ([from] + to + cc).contains { $0.needsUTF8 } }

    /// RFC 5322 date-time, e.g. `Mon, 23 Nov 2026 19:03:58 +0100`.
    public static func rfc5322Date(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let offset = timeZone.secondsFromGMT(for: date) / 60
        let sign = offset < 0 ? "-" : "+"
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[c.weekday! - 1]), \(two(c.day!)) \(months[c.month! - 1]) \(c.year!) \(two(c.hour!)):\(two(c.minute!)):\(two(c.second!)) \(sign)\(two(abs(offset) / 60))\(two(abs(offset) % 60))"
    }

    /// The whole message with CRLF line ends, ready for `SMTPClient.send`.
    public func render() -> [UInt8] {
        var out = ""
        let crlf = MIMEEncoding.crlf
        func header(_ name: String, _ value: String) { out += "\(name): \(value)\(crlf)" }
        header("Date", Self.rfc5322Date(date, timeZone: timeZone))
        header("From", from.headerValue)
        if !to.isEmpty { header("To", addressList(to)) }
        if !cc.isEmpty { header("Cc", addressList(cc)) }
        header("Subject", MIMEEncoding.unstructured(subject))
        header("Message-ID", "<\(messageID)>")
        header("MIME-Version", "1.0")
        // RFC 3834: tells auto-responders not to answer a machine.
        header("Auto-Submitted", "auto-generated")
        // A name that is not a plain token is dropped rather than allowed to inject lines.
        for extra in headers where !extra.name.isEmpty && extra.name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) {
            header(extra.name, MIMEEncoding.unstructured(extra.value))
        }

        let seed = SHA256.hex(messageID).prefix(16)
        // "=_" cannot occur in base64 or quoted-printable output, so these never clash with content.
        let mixed = "=_sluice_mixed_\(seed)", alternative = "=_sluice_alt_\(seed)"
        let body = bodyPart(alternativeBoundary: alternative)
        if attachments.isEmpty {
            out += body
        } else {
            out += "Content-Type: multipart/mixed;\(crlf) boundary=\"\(mixed)\"\(crlf)\(crlf)"
            out += "This is a multi-part message in MIME format.\(crlf)"
            out += "--\(mixed)\(crlf)" + body
            for attachment in attachments {
                out += "--\(mixed)\(crlf)"
                out += "Content-Type: \(attachment.contentType);\(crlf) \(MIMEEncoding.parameter("name", attachment.filename))\(crlf)"
                out += "Content-Disposition: attachment;\(crlf) \(MIMEEncoding.parameter("filename", attachment.filename))\(crlf)"
                out += "Content-Transfer-Encoding: base64\(crlf)\(crlf)"
                out += MIMEEncoding.base64Lines(attachment.data)
            }
            out += "--\(mixed)--\(crlf)"
        }
        return Array(out.utf8)
    }

    /// The text part, or text + HTML as multipart/alternative (headers included).
    private func bodyPart(alternativeBoundary boundary: String) -> String {
        let crlf = MIMEEncoding.crlf
        func textPart(_ subtype: String, _ content: String) -> String {
            "Content-Type: text/\(subtype); charset=utf-8\(crlf)Content-Transfer-Encoding: quoted-printable\(crlf)\(crlf)"
                + MIMEEncoding.quotedPrintable(content)
        }
        guard let html else { return textPart("plain", text) }
        return "Content-Type: multipart/alternative;\(crlf) boundary=\"\(boundary)\"\(crlf)\(crlf)"
            + "--\(boundary)\(crlf)" + textPart("plain", text)
            + "--\(boundary)\(crlf)" + textPart("html", html)
            + "--\(boundary)--\(crlf)"
    }

    /// Addresses separated by commas, folded so header lines stay short.
    private func addressList(_ addresses: [MailAddress]) -> String {
        addresses.map(\.headerValue).joined(separator: ",\(MIMEEncoding.crlf) ")
    }

    /// An upper bound of `render().count` without rendering attachments (for the size limit).
    public var estimatedSize: Int {
        4096 + subject.utf8.count * 3 + text.utf8.count * 3 + (html?.utf8.count ?? 0) * 3
            + (to + cc).reduce(0) { $0 + $1.address.utf8.count + ($1.name?.utf8.count ?? 0) * 2 + 8 }
            + attachments.reduce(0) { $0 + $1.encodedSize }
    }
}

/// One extra header line.
public struct MailHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
