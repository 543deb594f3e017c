/// A per-mail size limit. Mail servers refuse big messages (often 10–25 MB after base64), so
/// above the limit attachments are spread over several mails ("part 1 of 2") or left out and
/// named by their outbox paths.
public struct MailSizeLimit: Sendable, Equatable {
    public enum Overflow: String, Sendable, Equatable {
        /// Attachments spread over as many mails as needed, each under the limit.
        case split
        /// The largest attachments are left out until the mail fits; the body lists their outbox paths.
        case link
    }

    public var maxBytes: Int
    public var overflow: Overflow

    public init(maxBytes: Int = 10_000_000, overflow: Overflow = .split) {
        self.maxBytes = maxBytes
        self.overflow = overflow
    }

    /// The mails to send for `message`: itself when it fits, else parts or a linked version.
    /// Throws when an attachment alone is too big and has no outbox path to point to.
    public func apply(to message: MIMEMessage) throws(MailConfigError) -> [MIMEMessage] {
        guard message.estimatedSize > maxBytes else { return [message] }
        var bare = message
        bare.attachments = []
        let budget = maxBytes - bare.estimatedSize - 1024 // room for the notes added to the body
        var tooBig: [MailAttachment] = []
        var fitting: [MailAttachment] = []
        for attachment in message.attachments {
            if attachment.encodedSize > budget { tooBig.append(attachment) } else { fitting.append(attachment) }
        }
        if let missing = tooBig.first(where: { $0.outboxPath == nil }) {
            throw MailConfigError(setting: "max_mail_size", problem: "attachment \(missing.filename) exceeds the mail size limit and has no outbox path to link")
        }
        switch overflow {
        case .link:
            var kept = fitting.sorted { $0.encodedSize < $1.encodedSize }
            var linked = tooBig
            while kept.reduce(0, { $0 + $1.encodedSize }) > budget, let largest = kept.popLast() {
                guard largest.outboxPath != nil else {
                    throw MailConfigError(setting: "max_mail_size", problem: "attachment \(largest.filename) does not fit and has no outbox path to link")
                }
                linked.append(largest)
            }
            var result = message
            result.attachments = message.attachments.filter { a in kept.contains(a) }
            Self.addLinks(linked, to: &result)
            return [result]
        case .split:
            var bins: [[MailAttachment]] = [[]]
            var used = 0
            for attachment in fitting {
                if used + attachment.encodedSize > budget && !bins[bins.count - 1].isEmpty {
                    bins.append([])
                    used = 0
                }
                bins[bins.count - 1].append(attachment)
                used += attachment.encodedSize
            }
            return bins.enumerated().map { index, attachments in
                var part = message
                part.attachments = attachments
                if bins.count > 1 {
                    part.subject += " (part \(index + 1) of \(bins.count))"
                    if index > 0 {
                        part.messageID = MIMEMessage.messageID(seed: message.messageID + "/part\(index + 1)", domain: message.from.domain)
                    }
                    part.text = "Part \(index + 1) of \(bins.count): attachments too large for one mail were split.\n\n" + part.text
                    part.html = part.html.map { "<p>Part \(index + 1) of \(bins.count): attachments too large for one mail were split.</p>\n" + $0 }
                }
                if index == 0 { Self.addLinks(tooBig, to: &part) }
                return part
            }
        }
    }

    private static func addLinks(_ linked: [MailAttachment], to message: inout MIMEMessage) {
        guard !linked.isEmpty else { return }
        let lines = linked.map { "\($0.filename): \($0.outboxPath ?? "")" }
        var html = message.html ?? ""
        NotAttached.append("too large for mail", lines, text: &message.text, html: &html)
        if message.html != nil { message.html = html }
    }
}
