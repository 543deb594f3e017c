import Delivery
import Foundation
import Reports
import Testing
import TestSupport

/// Values from DICOM and HL7 files reach mail bodies one line each: a CR/LF in an accession
/// number cannot add a line (a forged "Bcc:" in the body), and control characters go too.
@Suite struct MailBodyFieldTests {
    static let injected = "ACC100\r\nBcc: x@y.example"
    static let finding = Finding(label: "Pneumothorax\nFinding: none", code: "36118008", codingScheme: "SCT", probability: 0.97, urgency: .critical)

    static func study(accession: String, analysis: Analysis = Analysis(analysedImages: 1)) -> StudyReport {
        StudyReport(studyKey: "aaaa1111bbbb2222cccc", site: "SITE\r\nX-Evil: 1", patientID: "PAT-1", issuerOfPatientID: nil,
                    accessionNumber: accession, studyInstanceUID: "1.2.826.0.1.1", studyDate: "20261120\u{85}",
                    modality: "CR\u{1B}[31m", series: [], instances: 1, files: ["a.dcm"], problems: [], orders: [],
                    findings: [finding], modelName: "demo\u{2028}v", modelVersion: "1.0", reportFiles: ["studies/aaaa/report.pdf"],
                    analysis: analysis)
    }

    /// No line of a body starts with a header name, and no control character but the line ends is left.
    static func checkBody(_ mail: RenderedMail, _ what: String) {
        for body in [mail.text, mail.html] {
            let lines = body.components(separatedBy: .newlines)
            #expect(!lines.contains { $0.hasPrefix("Bcc:") || $0.hasPrefix("X-Evil:") || $0.hasPrefix("Finding: none") }, "\(what): \(body)")
            #expect(!body.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 },
                    "\(what): control characters left")
        }
    }

    @Test func alertsStudyMailsAndDigestsKeepEachValueOnOneLine() {
        let study = Self.study(accession: Self.injected)
        let alert = CriticalAlert.render(study: study, finding: Self.finding, pipeline: "chest-xr", batchID: "b-001",
                                         detectedAt: Date(timeIntervalSince1970: 1_795_300_000))
        Self.checkBody(alert, "alert")
        #expect(alert.text.contains("Accession:    ACC100  Bcc: x@y.example"), "the value is kept, on its own line's end")
        #expect(alert.html.contains("<td>ACC100  Bcc: x@y.example</td>"))

        let result = StudyMail.render(study: study, pipeline: "chest-xr", batchID: "b-001", processedAt: Date(timeIntervalSince1970: 1_795_300_000))
        Self.checkBody(result, "study mail")
        #expect(result.text.contains("Pneumothorax Finding: none"), "labels in the findings table too")
        // The partly-analysed note quotes why images were not read (values from the file).
        let partial = Analysis(analysedImages: 1, unread: [.init(file: "b.dcm", reason: "transfer syntax 1.2\r\nBcc: x@y.example not decoded")])
        let note = StudyMail.render(study: Self.study(accession: "ACC100", analysis: partial), pipeline: "chest-xr", batchID: "b-001",
                                    processedAt: Date(timeIntervalSince1970: 1_795_300_000))
        Self.checkBody(note, "partly analysed study mail")
        #expect(note.text.contains("needs a human read") && note.text.contains("1.2  Bcc: x@y.example not decoded"))

        let batch = BatchReport(pipeline: "chest-xr", batchID: "b-001", run: 1, supersedes: nil, sourceName: "drop\nBcc: x@y.example",
                                generatedAt: "2026-11-22T10:00:00Z", toolVersion: "0.1", modelName: "demo", modelVersion: "1.0",
                                studies: [study], quarantine: [QuarantineEntry(file: "a\r\nBcc: x@y.example.dcm", stage: "validate", reason: "bad\u{1B}[2J")],
                                unmatchedOrders: [], fileCount: 2)
        let digest = DigestMail.render(batches: [batch], period: DateInterval(start: Date(timeIntervalSince1970: 1_795_240_800), duration: 86_400))
        Self.checkBody(digest, "digest")
        #expect(digest.text.contains("a  Bcc: x@y.example.dcm"))

        let parked = DeadLetterAlert.render([.init(owner: "batch b-001 run 1", outbox: "edc", name: "findings.csv", attempts: 5,
                                                   lastError: "550 refused\r\nBcc: x@y.example", parkedAt: Date(timeIntervalSince1970: 1_795_300_000))],
                                            pipeline: "chest-xr", host: "worker-1", retryCommand: "sluice retry p.yaml")
        Self.checkBody(parked, "dead-letter alert")
    }

    /// Sent through aiosmtpd and parsed by Python's `email`: the alert for an accession holding
    /// "\r\nBcc:" has the same headers and envelope as the alert for a clean one, and its body
    /// has no "Bcc:" line.
    @Test func injectedAccessionLeavesHeadersAndEnvelopeAlone() async throws {
        let server = try SMTPTestServer(mode: .starttls)
        defer { server.stop() }
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: server.certificates.ca, heloName: "site.example")
        let from = MailAddress("sluice@site.example", name: "Sluice")
        let to = [MailAddress("oncall@site.example")]
        for accession in ["ACC100", Self.injected] {
            let mail = CriticalAlert.render(study: Self.study(accession: accession), finding: Self.finding, pipeline: "chest-xr",
                                            batchID: "b-001", detectedAt: Date(timeIntervalSince1970: 1_795_300_000))
            let message = mail.message(from: from, to: to, date: Date(timeIntervalSince1970: 1_795_300_000), timeZone: TimeZone(identifier: "UTC")!,
                                       messageIDSeed: "critical|same", headers: [MailHeader("X-Sluice-Batch", "b-001")])
            try await MailSender(endpoint: endpoint).send(message, label: "alert")
        }
        let received = server.receivedMessages
        try #require(received.count == 2)
        let r = try runPython("""
            import email, email.policy, json, sys
            out = []
            for path in sys.argv[1:]:
                msg = email.message_from_bytes(open(path, 'rb').read(), policy=email.policy.default)
                headers = [[k, str(v)] for k, v in msg.items() if k.lower() not in ('received', 'x-peer', 'x-mailfrom', 'x-rcptto')]
                body = msg.get_body(preferencelist=('plain',)).get_content()
                html = msg.get_body(preferencelist=('html',)).get_content()
                out.append({'headers': headers, 'lines': body.splitlines() + html.splitlines()})
            print(json.dumps(out))
            """, received)
        #expect(r.status == 0, "\(r.stderr)")
        struct Parsed: Decodable { let headers: [[String]]; let lines: [String] }
        let parsed = try JSONDecoder().decode([Parsed].self, from: r.stdoutData)
        #expect(parsed[1].headers == parsed[0].headers, "the headers do not depend on the accession")
        #expect(!parsed[1].headers.contains { $0.first?.lowercased() == "bcc" })
        #expect(parsed[1].lines.contains { $0.contains("ACC100  Bcc: x@y.example") })
        #expect(!parsed[1].lines.contains { $0.hasPrefix("Bcc:") })
        for message in received {
            #expect(try server.envelope(of: message).recipients == ["oncall@site.example"])
        }
    }
}
