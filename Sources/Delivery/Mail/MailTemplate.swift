public import Foundation

/// Subject, text and HTML with `{{placeholders}}`, configurable per pipeline. Values filled
/// into the HTML are escaped, except placeholders named `…_html` (fragments we build escaped).
/// Values come from the files a site dropped (accession, modality, labels, file names), so each
/// is made one line first (`oneLine`); `…_text` and `…_html` fragments are tables and lists we
/// build from values made one line the same way.
public struct MailTemplate: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// Placeholder names used anywhere in the template, in order of first use.
    public var placeholders: [String] {
        var seen = Set<String>()
        return [subject, text, html].flatMap(Self.names(in:)).filter { seen.insert($0).inserted }
    }

    /// Names the template uses that `known` does not define (`sluice check` should refuse them).
    public func unknownPlaceholders(known: Set<String>) -> [String] {
        placeholders.filter { !known.contains($0) }
    }

    /// Fills the placeholders; unknown ones are left as written so a typo is visible.
    public func render(_ values: [String: String]) -> RenderedMail {
        RenderedMail(subject: Self.fill(subject, values, html: false).replacingNewlines(),
                     text: Self.fill(text, values, html: false),
                     html: Self.fill(html, values, html: true))
    }

    static func names(in text: String) -> [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// `value` with every control character (C0, DEL, C1) and Unicode line or paragraph
    /// separator replaced by a space: a CR/LF in a DICOM or HL7 value must not start a line of
    /// its own in a mail body (a forged "Bcc:" or "Finding:" line), nor hide text from a reader.
    static func oneLine(_ value: String) -> String {
        func breaks(_ s: Unicode.Scalar) -> Bool {
            s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
        }
        guard value.unicodeScalars.contains(where: breaks) else { return value }
        var out = String.UnicodeScalarView()
        for scalar in value.unicodeScalars { out.append(breaks(scalar) ? " " : scalar) }
        return String(out)
    }

    static func fill(_ text: String, _ values: [String: String], html: Bool) -> String {
        var out = ""
        var rest = text[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let value = values[name] {
                if name.hasSuffix("_html") || name.hasSuffix("_text") {
                    out += value
                } else {
                    out += html ? HTMLText.escape(oneLine(value)) : oneLine(value)
                }
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}

/// A filled template, ready to become a `MIMEMessage`.
public struct RenderedMail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// The mail to send. `messageIDSeed` should name what the mail is about (digest period,
    /// alert key) so a resend keeps its Message-ID.
    public func message(from: MailAddress, to: [MailAddress], attachments: [MailAttachment] = [],
                        date: Date, timeZone: TimeZone, messageIDSeed: String, headers: [MailHeader] = []) -> MIMEMessage {
        MIMEMessage(from: from, to: to, subject: subject, text: text, html: html, attachments: attachments, date: date,
                    timeZone: timeZone, messageID: MIMEMessage.messageID(seed: messageIDSeed, domain: from.domain), headers: headers)
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : Character($0) })
    }
}

/// The block a mail gets for files it names instead of carrying (too large for mail, or no
/// longer kept): one line per file in the text part, a list in the HTML part (before
/// `</body>` when there is one). Lines are escaped for HTML here.
enum NotAttached {
    static func append(_ reason: String, _ lines: [String], text: inout String, html: inout String) {
        guard !lines.isEmpty else { return }
        let intro = "Not attached (\(reason)); the files are in the outbox:"
        text += "\n\n\(intro)\n" + lines.map { "  " + $0 }.joined(separator: "\n") + "\n"
        let block = "<p>\(intro)</p><ul>" + lines.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>\n"
        if let end = html.range(of: "</body>", options: .backwards) {
            html.insert(contentsOf: block, at: end.lowerBound)
        } else {
            html += "\n" + block
        }
    }
}

extension RenderedMail {
    /// Names files the mail does not carry (see `NotAttached`).
    public mutating func listNotAttached(_ reason: String, _ lines: [String]) {
        NotAttached.append(reason, lines, text: &text, html: &html)
    }
}
