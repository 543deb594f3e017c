import Checksum
import Delivery
import Foundation
import Testing
import TestSupport

/// End-to-end against aiosmtpd on loopback; the received bytes are judged by Python's `email`.
@Suite struct SMTPDeliveryTests {
    static let sender = MailAddress("sluice@site.example", name: "Sluice Überwachung")

    func sampleAttachments() -> [MailAttachment] {
        var generator = SystemRandomNumberGenerator()
        func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        return [
            MailAttachment(filename: "summary.pdf", data: Array("%PDF-1.4\n".utf8) + random(40_000)),
            MailAttachment(filename: "findings.csv", data: Array("study,urgency\r\nk1,critical\nk2,routine\n.\n".utf8)),
            MailAttachment(filename: "key-image.png", data: [0x89, 0x50, 0x4E, 0x47] + random(5_001)),
            MailAttachment(filename: "résumé.json", data: Array("{\"a\": \"ü\"}".utf8)),
        ]
    }

    func message(to recipients: [MailAddress], attachments: [MailAttachment] = []) -> MIMEMessage {
        MIMEMessage(from: Self.sender, to: recipients, subject: "Digest: 2 kritische Befunde — ☢ chest-xr",
                    text: "Hello,\n.\nA line with a trailing space \nand = signs\n" + String(repeating: "long ", count: 40),
                    html: "<p>Hello <b>team</b> — ü</p>", attachments: attachments,
                    date: Date(timeIntervalSince1970: 1_795_000_000), timeZone: TimeZone(identifier: "Europe/Berlin")!,
                    messageID: MIMEMessage.messageID(seed: "test-\(UUID())", domain: Self.sender.domain))
    }

    /// libcurl and the two dozen libraries it needs are opened on the first mail (the tests
    /// here send through it), not by the loader at every start of `sluice`.
    @Test func sluiceLoadsLibcurlOnlyToSendMail() throws {
        let ldd = try runProcess("ldd", [sluiceBinary])
        #expect(ldd.status == 0 && ldd.stdout.contains("libc.so"), "\(ldd.stdout)\(ldd.stderr)")
        #expect(!ldd.stdout.contains("libcurl"), "\(ldd.stdout)")
    }

    @Test func startTLSWithLoginDeliversAttachmentsByteIdentical() async throws {
        let server = try SMTPTestServer(mode: .starttls, users: ["sluice": "pässwörd 1"])
        defer { server.stop() }
        let passwordFile = server.folder.file("smtp-password")
        try "pässwörd 1\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", starttls: true, caFile: server.certificates.ca,
                                        credentials: SMTPCredentials(username: "sluice", password: .file(passwordFile), mechanism: .login))
        let attachments = sampleAttachments()
        let recipients = [MailAddress("team@site.example", name: "Study Team"), MailAddress("pi@site.example"),
                          MailAddress("coordinator@other.example", name: "Müller, Anna")]
        let mail = message(to: recipients, attachments: attachments)
        let receipt = try await MailSender(endpoint: endpoint).send(mail, label: "digest")
        #expect(receipt.attempts == 1)

        let received = server.receivedMessages
        try #require(received.count == 1)
        let envelope = try server.envelope(of: received[0])
        #expect(envelope.tls && envelope.authenticated)
        #expect(envelope.mailFrom == Self.sender.address)
        #expect(Set(envelope.recipients) == Set(recipients.map(\.address)))
        #expect(server.authLog() == ["LOGIN ok"])

        let parsed = try ReceivedMail.parse(received[0])
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.subject == mail.subject)
        #expect(parsed.dateValid)
        #expect(parsed.date == "Wed, 18 Nov 2026 12:06:40 +0100")
        #expect(parsed.messageID == "<\(mail.messageID)>")
        #expect(parsed.messageID.hasSuffix("@site.example>"))
        #expect(parsed.from.contains("Sluice Überwachung"))
        #expect(parsed.to.contains("\"Müller, Anna\" <coordinator@other.example>"))
        #expect(parsed.contentType == "multipart/mixed")
        #expect(parsed.text?.replacingOccurrences(of: "\r\n", with: "\n").hasPrefix("Hello,\n.\nA line with a trailing space \nand = signs\n") == true)
        #expect(parsed.html?.contains("<b>team</b> — ü") == true)
        #expect(parsed.longestLine <= 78)
        #expect(parsed.bareLineFeeds == 0)
        #expect(parsed.attachments.map(\.filename) == attachments.map(\.filename))
        #expect(parsed.attachments.map(\.sha256) == attachments.map { SHA256.hex(Data($0.data)) })
        #expect(parsed.attachments.map(\.contentType) == ["application/pdf", "text/csv", "image/png", "application/json"])
    }

    @Test func implicitTLSWithPlainAuthAndPasswordFromEnvironment() async throws {
        let server = try SMTPTestServer(mode: .implicit, users: ["relay": "env-secret"])
        defer { server.stop() }
        setenv("SLUICE_TEST_SMTP_PASSWORD", "env-secret", 1)
        let endpoint = try SMTPEndpoint(url: "smtps://127.0.0.1:\(server.port)", caFile: server.certificates.ca,
                                        credentials: SMTPCredentials(username: "relay", password: .environment("SLUICE_TEST_SMTP_PASSWORD"), mechanism: .plain))
        #expect(endpoint.security == .implicitTLS)
        try await MailSender(endpoint: endpoint).send(message(to: [MailAddress("a@site.example")]), label: "alert")
        #expect(server.receivedMessages.count == 1)
        #expect(server.authLog() == ["PLAIN ok"])
        #expect(try server.envelope(of: server.receivedMessages[0]).tls)
    }

    @Test func wrongPasswordIsPermanentAndNamesNoSecret() async throws {
        let server = try SMTPTestServer(mode: .starttls, users: ["sluice": "right"])
        defer { server.stop() }
        setenv("SLUICE_TEST_SMTP_WRONG", "wrong-secret", 1)
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: server.certificates.ca,
                                        credentials: SMTPCredentials(username: "sluice", password: .environment("SLUICE_TEST_SMTP_WRONG")))
        let sender = MailSender(endpoint: endpoint, retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(10)))
        let error = await #expect(throws: DeliveryError.self) { try await sender.send(message(to: [MailAddress("a@site.example")]), label: "digest") }
        #expect(error?.description.contains("535") == true, "\(error.map { "\($0)" } ?? "")")
        #expect(error?.description.contains("wrong-secret") == false)
        #expect(server.authLog().count == 1, "a refused login is not retried")
        #expect(server.receivedMessages.isEmpty)
    }

    @Test func certificateFromAnotherCAIsRefused() async throws {
        let server = try SMTPTestServer(mode: .starttls)
        defer { server.stop() }
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: server.certificates.otherCA)
        let client = SMTPClient(endpoint: endpoint)
        let failure = await #expect(throws: SMTPFailure.self) {
            try await client.send(from: "sluice@site.example", to: ["a@site.example"], message: message(to: [MailAddress("a@site.example")]).render())
        }
        #expect(failure?.kind == .permanent)
        #expect(failure?.description.contains("TLS: SSL certificate problem: unable to get local issuer certificate") == true, "\(failure.map { "\($0)" } ?? "")")
        #expect(failure?.description.contains("smtp://127.0.0.1:\(server.port)") == true)
        #expect(server.receivedMessages.isEmpty)
    }

    @Test func startTLSIsRequiredNotDowngraded() async throws {
        let server = try SMTPTestServer(mode: .plain)
        defer { server.stop() }
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", starttls: true, caFile: server.certificates.ca)
        let failure = await #expect(throws: SMTPFailure.self) {
            try await SMTPClient(endpoint: endpoint).send(from: "sluice@site.example", to: ["a@site.example"], message: message(to: [MailAddress("a@site.example")]).render())
        }
        #expect(failure?.kind == .permanent)
        #expect(failure?.description.contains("STARTTLS") == true, "\(failure.map { "\($0)" } ?? "")")
        #expect(server.receivedMessages.isEmpty)
    }

    @Test func serverDownForAWhileIsRetriedAndDeliveredOnce() async throws {
        let server = try SMTPTestServer(mode: .starttls, delay: 1.5, waitUntilReady: false)
        defer { server.stop() }
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: server.certificates.ca)
        let sender = MailSender(endpoint: endpoint, retry: RetryPolicy(maxAttempts: 10, initialDelay: .milliseconds(200), multiplier: 1.5, maxDelay: .seconds(1)))
        let receipt = try await sender.send(message(to: [MailAddress("a@site.example")]), label: "alert")
        #expect(receipt.attempts > 1)
        #expect(server.receivedMessages.count == 1)
        #expect(server.counter("data-attempts") == 1)
    }

    @Test func deferredReplyIsRetriedUntilAccepted() async throws {
        let server = try SMTPTestServer(mode: .starttls, deferCount: 2)
        defer { server.stop() }
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: server.certificates.ca)
        let sender = MailSender(endpoint: endpoint, retry: RetryPolicy(maxAttempts: 5, initialDelay: .milliseconds(50)))
        let receipt = try await sender.send(message(to: [MailAddress("a@site.example")]), label: "alert")
        #expect(receipt.attempts == 3)
        #expect(server.counter("data-attempts") == 3)
        #expect(server.receivedMessages.count == 1)
    }

    @Test func permanentRefusalIsNotRetried() async throws {
        let server = try SMTPTestServer(mode: .starttls, refuse: "554 5.7.1 Message refused")
        defer { server.stop() }
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: server.certificates.ca)
        let sender = MailSender(endpoint: endpoint, retry: RetryPolicy(maxAttempts: 5, initialDelay: .milliseconds(50)))
        let error = await #expect(throws: DeliveryError.self) {
            try await sender.send(message(to: [MailAddress("secret-person@site.example")]), label: "digest 2026-11-23")
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("554") && text.contains("smtp://127.0.0.1:\(server.port)") && text.contains("permanent"), "\(text)")
        #expect(!text.contains("secret-person") && !text.contains("sluice@"))
        #expect(server.counter("data-attempts") == 1)
        #expect(server.receivedMessages.isEmpty)
    }

    @Test func nonASCIIAddressUsesSMTPUTF8() async throws {
        let server = try SMTPTestServer(mode: .starttls)
        defer { server.stop() }
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: server.certificates.ca)
        let recipient = MailAddress("jörg@site.example")
        let mail = message(to: [recipient])
        #expect(mail.needsSMTPUTF8)
        try await MailSender(endpoint: endpoint).send(mail, label: "digest")
        try #require(server.receivedMessages.count == 1)
        let envelope = try server.envelope(of: server.receivedMessages[0])
        #expect(envelope.smtputf8)
        #expect(envelope.recipients == ["jörg@site.example"])
    }

    @Test func endpointRefusesInlineCredentialsAndPasswordsInClear() throws {
        #expect(throws: MailConfigError.self) { try SMTPEndpoint(url: "smtp://user:pw@host:587") }
        #expect(throws: MailConfigError.self) { try SMTPEndpoint(url: "http://host") }
        #expect(throws: MailConfigError.self) {
            try SMTPEndpoint(url: "smtp://host:25", starttls: false, credentials: SMTPCredentials(username: "u", password: .environment("X")))
        }
        let endpoint = try SMTPEndpoint(url: "smtp://mail-host:587")
        #expect(endpoint.security == .startTLS && endpoint.port == 587 && endpoint.id == "smtp://mail-host:587")
    }
}

/// `SMTPClient.verify()`: the connection test behind `sluice check`.
@Suite struct SMTPVerifyTests {
    @Test func verifyLogsInWithoutSending() async throws {
        let server = try SMTPTestServer(mode: .starttls, users: ["sluice": "right"])
        defer { server.stop() }
        setenv("SLUICE_TEST_VERIFY_RIGHT", "right", 1)
        setenv("SLUICE_TEST_VERIFY_WRONG", "wrong", 1)
        func endpoint(ca: String, password: String) throws -> SMTPEndpoint {
            try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: ca,
                             credentials: SMTPCredentials(username: "sluice", password: .environment(password)))
        }
        try await SMTPClient(endpoint: endpoint(ca: server.certificates.ca, password: "SLUICE_TEST_VERIFY_RIGHT")).verify()
        #expect(server.authLog() == ["PLAIN ok"])
        let wrongPassword = await #expect(throws: SMTPFailure.self) {
            try await SMTPClient(endpoint: endpoint(ca: server.certificates.ca, password: "SLUICE_TEST_VERIFY_WRONG")).verify()
        }
        #expect(wrongPassword?.replyCode == 535 && wrongPassword?.kind == .permanent)
        let wrongCA = await #expect(throws: SMTPFailure.self) {
            try await SMTPClient(endpoint: endpoint(ca: server.certificates.otherCA, password: "SLUICE_TEST_VERIFY_RIGHT")).verify()
        }
        #expect(wrongCA?.description.contains("certificate") == true)
        #expect(server.receivedMessages.isEmpty && server.counter("data-attempts") == 0)
    }
}
