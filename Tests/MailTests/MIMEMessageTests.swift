import Delivery
import Foundation
import Testing
import TestSupport

@Suite struct MIMEMessageTests {
    func fixed(attachments: [MailAttachment] = []) -> MIMEMessage {
        MIMEMessage(from: MailAddress("sluice@site.example", name: "Sluice"), to: [MailAddress("team@site.example")],
                    subject: "Digest", text: "Hello", html: "<p>Hello</p>", attachments: attachments,
                    date: Date(timeIntervalSince1970: 1_795_000_000), messageID: MIMEMessage.messageID(seed: "digest|2026-11-18", domain: "site.example"))
    }

    @Test func renderingIsDeterministic() {
        let attachment = MailAttachment(filename: "findings.csv", data: Array("a,b\n1,2\n".utf8))
        let a = fixed(attachments: [attachment]).render(), b = fixed(attachments: [attachment]).render()
        #expect(a == b)
        let text = String(decoding: a, as: UTF8.self)
        #expect(text.hasPrefix("Date: Wed, 18 Nov 2026 11:06:40 +0000\r\nFrom: Sluice <sluice@site.example>\r\nTo: team@site.example\r\nSubject: Digest\r\n"))
        #expect(text.contains("Message-ID: <\(MIMEMessage.messageID(seed: "digest|2026-11-18", domain: "site.example"))>\r\n"))
        #expect(text.contains("Content-Disposition: attachment;\r\n filename=\"findings.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\nYSxiCjEsMgo=\r\n"))
        #expect(MIMEMessage.messageID(seed: "x", domain: "d.example") == MIMEMessage.messageID(seed: "x", domain: "d.example"))
        #expect(MIMEMessage.messageID(seed: "x", domain: "d.example") != MIMEMessage.messageID(seed: "y", domain: "d.example"))
    }

    @Test func headersCannotInjectLines() {
        var message = fixed()
        message.subject = "Digest\r\nBcc: victim@example.org"
        message.headers = [MailHeader("X-Sluice-Batch", "b-001\nX-Evil: 1"), MailHeader("Bad: Name", "x")]
        let text = String(decoding: message.render(), as: UTF8.self)
        #expect(text.contains("Subject: Digest  Bcc: victim@example.org\r\n"))
        #expect(text.contains("X-Sluice-Batch: b-001 X-Evil: 1\r\n"))
        #expect(!text.contains("\r\nBcc:") && !text.contains("\r\nX-Evil") && !text.contains("Bad: Name"))
    }

    /// Attachment names are ours today (batch IDs, output names), but a control character in
    /// one is percent-encoded (RFC 2231) rather than written into the header.
    @Test func attachmentNamesCannotInjectLines() {
        let text = String(decoding: fixed(attachments: [MailAttachment(filename: "a\r\nBcc: x@y.example.csv", data: [1])]).render(), as: UTF8.self)
        #expect(!text.contains("\r\nBcc:"))
        #expect(text.contains("filename*=UTF-8''a%0D%0ABcc%3A%20x%40y.example.csv"), "\(text)")
    }

    @Test func base64LinesAreWrappedAt76() {
        let data = (0..<1000).map { UInt8($0 % 256) }
        let text = String(decoding: fixed(attachments: [MailAttachment(filename: "x.png", data: data)]).render(), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.filter { $0.utf8.count == 76 }.count == 1000 / 57)
    }

    @Test func encodedWordsDecodeBackWithPythonEmail() throws {
        var message = fixed()
        message.subject = "Befund: Lungenrundherd mit sehr langer Beschreibung — Überprüfung nötig ✓ 测试"
        message.from = MailAddress("sluice@site.example", name: "Sluice Über")
        message.to = [MailAddress("a@site.example", name: "Doe, Jane"), MailAddress("b@site.example", name: "Zoë")]
        let folder = try TemporaryDirectory("mime")
        defer { folder.remove() }
        try Data(message.render()).write(to: URL(fileURLWithPath: folder.file("m.eml")))
        let parsed = try ReceivedMail.parse(folder.file("m.eml"))
        #expect(parsed.subject == message.subject)
        #expect(parsed.from == "Sluice Über <sluice@site.example>")
        #expect(parsed.to == ["\"Doe, Jane\" <a@site.example>", "Zoë <b@site.example>"])
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.longestLine <= 76)
    }

    @Test func splitsAttachmentsAcrossMailsAboveTheLimit() throws {
        let big = (1...3).map { MailAttachment(filename: "part\($0).pdf", data: [UInt8](repeating: UInt8($0), count: 30_000)) }
        let parts = try MailSizeLimit(maxBytes: 50_000, overflow: .split).apply(to: fixed(attachments: big))
        #expect(parts.count == 3)
        #expect(parts.map(\.subject) == ["Digest (part 1 of 3)", "Digest (part 2 of 3)", "Digest (part 3 of 3)"])
        #expect(parts.flatMap(\.attachments) == big)
        #expect(parts.allSatisfy { $0.render().count <= 50_000 })
        #expect(Set(parts.map(\.messageID)).count == 3)
        let one = try MailSizeLimit(maxBytes: 500_000).apply(to: fixed(attachments: big))
        #expect(one == [fixed(attachments: big)])
    }

    @Test func linksLargestAttachmentsByOutboxPath() throws {
        let small = MailAttachment(filename: "findings.csv", data: Array("a,b\n".utf8), outboxPath: "/srv/outbox/p/b1/findings.csv")
        let large = MailAttachment(filename: "summary.pdf", data: [UInt8](repeating: 7, count: 80_000), outboxPath: "/srv/outbox/p/b1/summary.pdf")
        let result = try MailSizeLimit(maxBytes: 40_000, overflow: .link).apply(to: fixed(attachments: [small, large]))
        #expect(result.count == 1)
        #expect(result[0].attachments == [small])
        #expect(result[0].text.contains("summary.pdf: /srv/outbox/p/b1/summary.pdf"))
        #expect(result[0].html?.contains("/srv/outbox/p/b1/summary.pdf") == true)
        #expect(result[0].render().count <= 40_000)
        let noPath = MailAttachment(filename: "huge.png", data: [UInt8](repeating: 1, count: 80_000))
        #expect(throws: MailConfigError.self) { try MailSizeLimit(maxBytes: 40_000, overflow: .split).apply(to: fixed(attachments: [noPath])) }
    }
}
