import Checksum
import Delivery
import Foundation
import Reports
import Testing
import TestSupport

/// Digest, critical alert and per-study mails built from report models.
@Suite struct ReportMailTests {
    static func study(_ key: String, patient: String, accession: String, findings: [Finding],
                      analysis: Analysis = Analysis(analysedImages: 1)) -> StudyReport {
        StudyReport(studyKey: key, site: "SITE", patientID: patient, issuerOfPatientID: nil, accessionNumber: accession,
                    studyInstanceUID: "1.2.826.0.1.\(key.count).\(accession)", studyDate: "20261120", modality: "CR", series: [],
                    instances: 1, files: ["a.dcm"], problems: [], orders: [], findings: findings,
                    modelName: "demo", modelVersion: "1.0", reportFiles: ["studies/\(key)/report.pdf"], analysis: analysis)
    }

    static let critical = Finding(label: "Pneumothorax", code: "36118008", codingScheme: "SCT", probability: 0.97, urgency: .critical)

    static func batches() -> [BatchReport] {
        let one = BatchReport(pipeline: "chest-xr", batchID: "b-001", run: 1, supersedes: nil, sourceName: "drop-1", generatedAt: "2026-11-22T10:00:00Z",
                              toolVersion: "0.1", modelName: "demo", modelVersion: "1.0",
                              studies: [study("aaaa1111bbbb2222cccc", patient: "PAT-SECRET-1", accession: "ACC100", findings: [critical]),
                                        study("dddd3333", patient: "PAT-SECRET-2", accession: "ACC101",
                                              findings: [Finding(label: "Nodule <5mm>", probability: 0.7, urgency: .urgent)])],
                              quarantine: [QuarantineEntry(file: "bad & broken.dcm", stage: "validate", reason: "missing PatientID")],
                              unmatchedOrders: [], fileCount: 4)
        let two = BatchReport(pipeline: "chest-xr", batchID: "b-002", run: 1, supersedes: nil, sourceName: "drop-2", generatedAt: "2026-11-22T18:00:00Z",
                              toolVersion: "0.1", modelName: "demo", modelVersion: "1.0",
                              studies: [study("eeee4444", patient: "PAT-SECRET-3", accession: "ACC102", findings: [])],
                              quarantine: [], unmatchedOrders: [], fileCount: 1)
        return [one, two]
    }

    static let period = DateInterval(start: Date(timeIntervalSince1970: 1_795_240_800), end: Date(timeIntervalSince1970: 1_795_327_200))

    @Test func digestHasCountsTablesAndNoPatientDataInSubject() {
        let mail = DigestMail.render(batches: Self.batches(), period: Self.period, timeZone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(mail.subject == "[Sluice] chest-xr digest 2026-11-22: 1 critical, 1 urgent, 3 studies")
        for secret in ["PAT-SECRET", "ACC10"] { #expect(!mail.subject.contains(secret)) }
        #expect(!mail.text.contains("PAT-SECRET") && !mail.html.contains("PAT-SECRET"))
        #expect(mail.text.contains("Period: 2026-11-21 07:00 +01:00 to 2026-11-22 07:00 +01:00"))
        #expect(mail.text.contains("Critical: 1   Urgent: 1   Routine: 0   No finding: 1"))
        #expect(mail.text.contains("Quarantined files: 1"))
        let rows = mail.text.components(separatedBy: "\n").filter { $0.hasPrefix("critical") || $0.hasPrefix("urgent") || $0.hasPrefix("none ") }
        #expect(rows.count == 3)
        #expect(rows.first?.contains("Pneumothorax 97%") == true && rows.first?.contains("ACC100") == true, "critical first")
        #expect(mail.text.contains("bad & broken.dcm") && mail.text.contains("missing PatientID"))
        #expect(mail.html.contains("<td>Nodule &lt;5mm&gt; 70%</td>"), "values escaped in HTML")
        #expect(mail.html.contains("<td>bad &amp; broken.dcm</td>"))
        #expect(mail.html.contains("<table"))
    }

    @Test func emptyPeriodSaysSo() {
        let mail = DigestMail.render(batches: [], period: Self.period, pipeline: "chest-xr")
        #expect(mail.subject.contains("0 critical, 0 urgent, 0 studies"))
        #expect(mail.text.contains("No studies in this period."))
    }

    @Test func templatesAreConfigurable() {
        let template = MailTemplate(subject: "{{pipeline}}: {{critical}} critical", text: "{{ table_text }}\n{{unknown}}", html: "<p>{{pipeline}}</p>{{table_html}}")
        #expect(template.unknownPlaceholders(known: DigestMail.placeholders) == ["unknown"])
        let mail = DigestMail.render(batches: Self.batches(), period: Self.period, template: template, pipeline: "a<b")
        #expect(mail.subject == "a<b: 1 critical")
        #expect(mail.text.hasSuffix("\n{{unknown}}"), "unknown placeholders stay visible")
        #expect(mail.html.hasPrefix("<p>a&lt;b</p><table"))
    }

    @Test func criticalAlertKeepsPatientDataOutOfTheSubject() {
        let study = Self.batches()[0].studies[0]
        let mail = CriticalAlert.render(study: study, finding: Self.critical, pipeline: "chest-xr", batchID: "b-001",
                                        detectedAt: Date(timeIntervalSince1970: 1_795_300_000))
        #expect(mail.subject == "[Sluice] CRITICAL finding, chest-xr, study aaaa1111bbbb")
        #expect(!mail.subject.contains("PAT-SECRET") && !mail.subject.contains("ACC100") && !mail.subject.contains("Pneumothorax"))
        #expect(mail.text.contains("Finding:      Pneumothorax (97%)") && mail.text.contains("Accession:    ACC100"))
        #expect(!mail.text.contains("PAT-SECRET"))
        #expect(mail.html.contains("Critical finding: Pneumothorax (97%)"))
        let key = CriticalAlert.key(study: study, finding: Self.critical)
        #expect(key == CriticalAlert.key(study: study, finding: Self.critical))
        var other = Self.critical
        other.probability = 0.99
        #expect(key == CriticalAlert.key(study: study, finding: other), "a rerun's new probability is the same finding")
        other.label = "Effusion"; other.code = "60046008"
        #expect(key != CriticalAlert.key(study: study, finding: other))
    }

    @Test func perStudyMailListsFindings() {
        let study = Self.batches()[0].studies[1]
        let mail = StudyMail.render(study: study, pipeline: "chest-xr", batchID: "b-001", processedAt: Date(timeIntervalSince1970: 1_795_300_000))
        #expect(mail.subject == "[Sluice] chest-xr result: urgent, study dddd3333")
        #expect(mail.text.contains("Nodule <5mm>") && mail.html.contains("Nodule &lt;5mm&gt;"))
        #expect(!mail.text.contains("PAT-SECRET"))
    }

    /// Studies the model did not read are counted as such and never listed as "no finding".
    @Test func digestAndStudyMailCountNotAnalysedStudies() {
        let unread = [Analysis.Unread(file: "a.dcm", reason: "compressed with JPEG-LS (1.2.840.10008.1.2.4.80), not decoded")]
        var batch = Self.batches()[1]
        batch.studies = [
            Self.study("ffff5555", patient: "P1", accession: "ACC200", findings: [], analysis: Analysis(analysedImages: 0, unread: unread)),
            Self.study("gggg6666", patient: "P2", accession: "ACC201", findings: [], analysis: Analysis(analysedImages: 4, unread: unread)),
            Self.study("hhhh7777", patient: "P3", accession: "ACC202", findings: []),
        ]
        let mail = DigestMail.render(batches: [batch], period: Self.period)
        #expect(mail.text.contains("No finding: 1\nNot analysed (needs a human read): 2"), "\(mail.text)")
        #expect(mail.html.contains("Not analysed (needs a human read): 2"))
        let rows = mail.text.components(separatedBy: "\n").filter { $0.hasPrefix("not-analysed") }
        #expect(rows.count == 2 && rows.allSatisfy { $0.contains("not analysed: ") && !$0.contains("no finding") }, "\(rows)")

        let study = StudyMail.render(study: batch.studies[0], pipeline: "chest-xr", batchID: "b-002",
                                     processedAt: Date(timeIntervalSince1970: 1_795_300_000))
        #expect(study.subject == "[Sluice] chest-xr result: not-analysed, study ffff5555")
        #expect(!study.text.contains("No findings.") && study.text.contains("Not analysed — needs a human read: 1 of 1 image not read"))
        #expect(study.html.contains("Not analysed — needs a human read"))
    }

    /// The digest as the engine would send it: rendered, with the batch CSV and a PDF attached
    /// from files, through STARTTLS to aiosmtpd, then parsed by Python's `email`.
    @Test func digestDeliveredWithAttachmentsFromFiles() async throws {
        let server = try SMTPTestServer(mode: .starttls)
        defer { server.stop() }
        let batches = Self.batches()
        let csv = try CSVRenderer().render(batch: batches[0])
        let csvPath = server.folder.file("findings.csv"), pdfPath = server.folder.file("summary.pdf")
        try csv[0].data.write(to: URL(fileURLWithPath: csvPath))
        try Data(Array("%PDF-1.4\n%âãÏÓ\n".utf8) + (0..<3000).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: pdfPath))
        let attachments = [try MailAttachment.file(csvPath, outboxPath: "/srv/outbox/chest-xr/b-001/findings.csv"),
                           try MailAttachment.file(pdfPath, outboxPath: "/srv/outbox/chest-xr/b-001/summary.pdf")]
        let rendered = DigestMail.render(batches: batches, period: Self.period)
        let from = MailAddress("sluice@site.example", name: "Sluice")
        let message = rendered.message(from: from, to: [MailAddress("team@site.example"), MailAddress("pi@site.example")], attachments: attachments,
                                       date: Self.period.end, timeZone: TimeZone(identifier: "UTC")!, messageIDSeed: "digest|chest-xr|\(Self.period.end.timeIntervalSince1970)")
        let endpoint = try SMTPEndpoint(url: "smtp://127.0.0.1:\(server.port)", caFile: server.certificates.ca, heloName: "site.example")
        for mail in try MailSizeLimit(maxBytes: 5_000_000).apply(to: message) {
            try await MailSender(endpoint: endpoint).send(mail, label: "digest")
        }
        try #require(server.receivedMessages.count == 1)
        let parsed = try ReceivedMail.parse(server.receivedMessages[0])
        #expect(parsed.subject == rendered.subject)
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.text?.contains("Pneumothorax 97%") == true)
        #expect(parsed.html?.contains("<table") == true)
        #expect(parsed.attachments.map(\.filename) == ["findings.csv", "summary.pdf"])
        #expect(parsed.attachments.map(\.sha256) == [try SHA256.hex(fileAt: csvPath), try SHA256.hex(fileAt: pdfPath)])
    }
}
