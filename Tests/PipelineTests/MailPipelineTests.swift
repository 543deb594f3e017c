import Checksum
import Delivery
import Foundation
import Reports
import Testing
import TestSupport
@testable import Pipeline

/// An infer stage that answers from a script, keyed by accession number: stands in for a model
/// so the engine's mail path sees Critical findings.
struct ScriptedInfer: Stage {
    let name = "infer"
    let findings: [String: [Finding]]

    func run(_ batch: GroupedBatch, context: BatchContext) async throws -> InferredBatch {
        var out: [String: [Finding]] = [:]
        for study in batch.studies { out[study.key] = findings[study.instances[0].accessionNumber] ?? [] }
        return InferredBatch(grouped: batch, findings: out, modelName: "scripted", modelVersion: "1")
    }
}

/// Alerts, study mails and digests from the engine and the `sluice` binary to a real SMTP server
/// (aiosmtpd on loopback); what arrives is read back with Python's `email`.
@Suite(.serialized) struct MailPipelineTests {
    static let pneumothorax = Finding(label: "Pneumothorax", code: "36118008", codingScheme: "SCT", probability: 0.97, urgency: .critical)
    static let nodule = Finding(label: "Nodule", probability: 0.4, urgency: .routine)
    let infer = ScriptedInfer(findings: ["ACC-1": [pneumothorax, nodule], "ACC-2": [nodule]])
    let studies = [
        Fixtures.Study(),
        Fixtures.Study(patientID: "PAT-2", accession: "ACC-2", studyUID: "1.2.826.0.1.3680043.10.1.2", slices: 3),
    ]

    /// A pipeline with a local outbox, `outboxes` (YAML list items) and `extra` top-level keys.
    func pipeline(_ dir: TemporaryDirectory, outboxes: String = "", extra: String = "", attempts: Int = 5) throws -> String {
        let yaml = """
            name: test
            inbox: { local: inbox }
            spool: .
            poll: 100ms
            settle: 0s
            marker: READY
            workers: 2
            render: [json, csv, pdf]
            delivery_attempts: \(attempts)
            outbox:
              - { local: outbox }
            \(outboxes)
            \(extra)
            """
        try FileManager.default.createDirectory(atPath: dir.file("inbox"), withIntermediateDirectories: true)
        try yaml.write(toFile: dir.file("p.yaml"), atomically: true, encoding: .utf8)
        return dir.file("p.yaml")
    }

    func drop(_ dir: TemporaryDirectory, _ name: String, studies: [Fixtures.Study]) throws {
        let folder = dir.file("inbox/" + name)
        for (i, s) in studies.enumerated() { try Fixtures.write(s, into: folder + "/s\(i)") }
        _ = FileManager.default.createFile(atPath: folder + "/READY", contents: Data())
    }

    /// A fresh engine on the same ledger file: a restarted process, at a chosen time.
    func engine(_ pipeline: String, at time: String, infer: (any Stage<GroupedBatch, InferredBatch>)? = nil) throws -> Engine {
        let config = try PipelineConfig.load(pipeline)
        return Engine(config: config, ledger: try Runner.openLedger(config), log: Log(minimum: .error),
                      clock: Clock(fixed: Timestamps.parse(time)!), infer: infer)
    }

    func pass(_ engine: Engine) async -> Engine.PassResult { await Runner.runOnce(engine, stop: StopFlag()) }

    func critical(port: Int, ca: String, login: Bool = false) -> String {
        """
        critical:
          smtp: "smtp://127.0.0.1:\(port)"
          ca_file: \(ca)
          from: "Sluice <sluice@site.example>"
          to: [oncall@site.example, radiologist@site.example]
          time_zone: Europe/Berlin
        """ + (login ? "\n  username: sluice\n  password: file:smtp-password" : "")
    }

    func modified(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
    }

    func messages(_ server: SMTPTestServer, to address: String) throws -> [String] {
        try server.receivedMessages.filter { try server.envelope(of: $0).recipients.contains(address) }
    }

    @Test func criticalFindingAlertsOnCallOnceFirstAndStudyMailsFollow() async throws {
        let server = try SMTPTestServer(mode: .starttls, users: ["sluice": "s3cret"])
        defer { server.stop() }
        let dir = try TemporaryDirectory("mail-critical")
        defer { dir.remove() }
        try "s3cret\n".write(toFile: dir.file("smtp-password"), atomically: true, encoding: .utf8)
        let p = try pipeline(dir, outboxes: """
              - smtp: "smtp://127.0.0.1:\(server.port)"
                ca_file: \(server.certificates.ca)
                username: sluice
                password: file:smtp-password
                from: sluice@site.example
                to: [pi@site.example]
                per_study: true
                attach: [pdf, json]
            """, extra: critical(port: server.port, ca: server.certificates.ca, login: true))
        try drop(dir, "site-a", studies: studies)

        let first = await pass(try engine(p, at: "2026-11-20T09:00:00Z", infer: infer))
        #expect(first.errors.isEmpty, "\(first.errors)")
        let batchID = try #require(first.finished.first?.key)
        #expect(first.finished[batchID] == .archived)

        let alerts = try messages(server, to: "oncall@site.example")
        try #require(alerts.count == 1, "one alert for one Critical finding (the routine one pages nobody)")
        let envelope = try server.envelope(of: alerts[0])
        #expect(Set(envelope.recipients) == ["oncall@site.example", "radiologist@site.example"])
        #expect(envelope.tls && envelope.authenticated)
        let alert = try ReceivedMail.parse(alerts[0])
        #expect(alert.defects.isEmpty, "\(alert.defects)")
        #expect(alert.subject.hasPrefix("[Sluice] CRITICAL finding, test, study "), "\(alert.subject)")
        for phi in ["PAT-1", "ACC-1", "TEST^FIXTURE", "FIXTURE"] { #expect(!alert.subject.contains(phi), "no patient data in the subject") }
        let body = try #require(alert.text)
        #expect(body.contains("Finding:      Pneumothorax (97%)"), "\(body)")
        #expect(body.contains("Accession:    ACC-1"))
        #expect(body.contains("Batch:        \(batchID)"))
        #expect(body.contains("Detected at:  2026-11-20 10:00 +01:00"), "render time in the route's zone")
        #expect(!body.contains("PAT-1"), "the default template shows no patient ID")

        // The alert went out before the slower outbox deliveries: its file is older than theirs.
        let delivered = Fixtures.files(under: dir.file("outbox")).map { dir.file("outbox/" + $0) }
        #expect(delivered.count > 5)
        let alertTime = try modified(alerts[0])
        for file in delivered { #expect(try alertTime <= modified(file), "\(file) was delivered before the alert") }

        // One study mail per study, its report attached byte for byte.
        let studyMails = try messages(server, to: "pi@site.example")
        #expect(studyMails.count == 2)
        for path in studyMails {
            let mail = try ReceivedMail.parse(path)
            #expect(mail.defects.isEmpty)
            #expect(!mail.subject.contains("PAT-") && !mail.subject.contains("ACC-"), "\(mail.subject)")
            #expect(mail.attachments.map(\.filename) == ["report.pdf", "result.json"])
            let key = try #require(mail.text?.components(separatedBy: "Result for study ").last?.prefix { $0 != " " })
            for a in mail.attachments {
                let original = dir.file("outbox/test/\(batchID)/studies/\(key)/\(a.filename!)")
                #expect(try SHA256.hex(fileAt: original) == a.sha256, "\(a.filename!) identical to the delivered file")
            }
        }
        let urgencies = try studyMails.map { try ReceivedMail.parse($0).subject }
        #expect(urgencies.contains { $0.contains("result: critical") } && urgencies.contains { $0.contains("result: routine") })

        // Restart: nothing is sent again.
        let restarted = try engine(p, at: "2026-11-20T09:05:00Z", infer: infer)
        let again = await pass(restarted)
        #expect(again.errors.isEmpty)
        #expect(server.receivedMessages.count == 3)
        // A rerun of the batch finds the same Critical finding: no second page, but new study mails.
        let (run, state) = try await restarted.rerun(batchID: batchID)
        #expect(run == 2 && state == .archived)
        #expect(try messages(server, to: "oncall@site.example").count == 1, "the same finding never pages twice")
        #expect(try messages(server, to: "pi@site.example").count == 4, "the rerun's results are mailed")

        let alertsInLedger = try restarted.ledger.criticalAlerts(pipeline: "test")
        #expect(alertsInLedger.count == 1)
        #expect(alertsInLedger.first?.batchID == batchID && alertsInLedger.first?.run == 1 && alertsInLedger.first?.label == "Pneumothorax")
        let status = try StatusReport.make(restarted)
        #expect(status.mail?.criticalAlerts.count == 1)
        #expect(status.mail?.undelivered.isEmpty == true)
        #expect(status.text.contains("critical alerts sent: 1"))
    }

    /// The on-call server is down for a while: the alert is tried again on the next passes and
    /// arrives once when the server is back; the batch is archived only then.
    @Test func alertWaitsForTheServerAndArrivesOnce() async throws {
        let port = try SMTPTestServer.freePort()
        let dir = try TemporaryDirectory("mail-down-retry")
        defer { dir.remove() }
        let ca = dir.file("ca.pem")
        let p = try pipeline(dir, extra: critical(port: port, ca: ca), attempts: 5)
        try drop(dir, "site-a", studies: [studies[0]])
        let down = await pass(try engine(p, at: "2026-11-20T09:00:00Z", infer: infer))
        #expect(down.errors.contains { $0.description.contains("delivery failure") }, "\(down.errors)")
        let ledger = try SQLiteLedger(path: dir.file("sluice.db"))
        let batchID = try #require(try ledger.batches(pipeline: "test").first?.id)
        #expect(try ledger.deliveries(batchID: batchID, run: 1).first { $0.name.hasPrefix("critical-alert/") }?.state == .pending)

        let server = try SMTPTestServer(mode: .starttls, port: port)
        defer { server.stop() }
        try FileManager.default.copyItem(atPath: server.certificates.ca, toPath: ca)
        let up = await pass(try engine(p, at: "2026-11-20T09:01:00Z", infer: infer))
        #expect(up.errors.isEmpty, "\(up.errors)")
        #expect(up.finished[batchID] == .archived)
        _ = await pass(try engine(p, at: "2026-11-20T09:02:00Z", infer: infer))
        #expect(server.receivedMessages.count == 1, "one alert, not one per attempt")
        #expect(try ledger.deliveries(batchID: batchID, run: 1).first { $0.name.hasPrefix("critical-alert/") }?.attempts == 2)
    }

    /// The on-call server stays down: the alert waits (the batch stays `rendered`, its files still go
    /// out), is parked after `delivery_attempts`, and `sluice retry` delivers it exactly once.
    @Test func alertForADownServerIsRetriedParkedAndDeliveredOnce() async throws {
        let port = try SMTPTestServer.freePort()
        let dir = try TemporaryDirectory("mail-down")
        defer { dir.remove() }
        let ca = dir.file("ca.pem")
        let p = try pipeline(dir, extra: critical(port: port, ca: ca), attempts: 2)
        try drop(dir, "site-a", studies: [studies[0]])

        let first = await pass(try engine(p, at: "2026-11-20T09:00:00Z", infer: infer))
        let ledger = try SQLiteLedger(path: dir.file("sluice.db"))
        let batchID = try #require(try ledger.batches(pipeline: "test").first?.id)
        #expect(try ledger.latestRun(batchID: batchID)?.state == .rendered, "waits for the alert")
        #expect(first.errors.contains { $0.description.contains("delivery failure") }, "\(first.errors)")
        #expect(FileManager.default.fileExists(atPath: dir.file("outbox/test/\(batchID)/manifest.json")), "the files are not held back")
        #expect(FileManager.default.fileExists(atPath: dir.file("processing/\(batchID)")), "input kept until everything is out")

        let second = await pass(try engine(p, at: "2026-11-20T09:01:00Z", infer: infer))
        #expect(second.errors.contains { $0.description.contains("delivery failure") })
        #expect(try ledger.latestRun(batchID: batchID)?.state == .rendered)
        let third = try engine(p, at: "2026-11-20T09:02:00Z", infer: infer)
        #expect(await pass(third).finished[batchID] == nil, "parked: not tried on every pass")
        let status = try StatusReport.make(third)
        let parked = try #require(status.mail?.undelivered.first)
        #expect(parked.state == "failed" && parked.attempts == 2 && parked.name.hasPrefix("critical-alert/"))
        #expect(parked.lastError?.contains("smtp://127.0.0.1:\(port)") == true, "\(parked.lastError ?? "")")
        #expect(status.text.contains("dead letter (parked after 2 attempts)"), "\(status.text)")

        let server = try SMTPTestServer(mode: .starttls, port: port)
        defer { server.stop() }
        try FileManager.default.copyItem(atPath: server.certificates.ca, toPath: ca)
        #expect(await pass(try engine(p, at: "2026-11-20T09:03:00Z", infer: infer)).finished[batchID] == nil)
        #expect(server.receivedMessages.isEmpty, "a dead letter waits for `sluice retry`")
        let retry = try Fixtures.sluice(["retry", p])
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        #expect(retry.stdout.contains("\(batchID): archived"))
        #expect(server.receivedMessages.count == 1)
        #expect(try ReceivedMail.parse(server.receivedMessages[0]).text?.contains("Pneumothorax (97%)") == true)
        _ = await pass(try engine(p, at: "2026-11-20T09:04:00Z", infer: infer))
        #expect(server.receivedMessages.count == 1, "delivered exactly once")
    }

    /// A delivery parked as a dead letter is alerted once to `alerts:` — what, where, the last
    /// error, no patient data — even when the mail server is down at first; later passes send
    /// nothing more, and `sluice retry` then delivers without another alert.
    @Test func parkedDeliveryIsAlertedOnce() async throws {
        let port = try SMTPTestServer.freePort()
        let dir = try TemporaryDirectory("mail-dead-letter")
        defer { dir.remove() }
        let ca = dir.file("ca.pem")
        // A regular file where the second outbox's folder should be: every delivery to it fails.
        _ = FileManager.default.createFile(atPath: dir.file("blocked"), contents: Data("not a folder".utf8))
        let p = try pipeline(dir, outboxes: "  - { local: blocked/outbox }", extra: """
            alerts:
              smtp: "smtp://127.0.0.1:\(port)"
              ca_file: \(ca)
              from: "Sluice <sluice@site.example>"
              to: [ops@site.example]
            """, attempts: 2)
        try drop(dir, "site-a", studies: [studies[0]])

        let first = await pass(try engine(p, at: "2026-11-20T09:00:00Z"))
        let ledger = try SQLiteLedger(path: dir.file("sluice.db"))
        let batchID = try #require(try ledger.batches(pipeline: "test").first?.id)
        #expect(!first.errors.contains { $0.description.contains("dead-letter alert") }, "nothing parked yet: \(first.errors)")
        #expect(try ledger.unalertedDeadLetters(pipeline: "test").isEmpty)
        let second = await pass(try engine(p, at: "2026-11-20T09:01:00Z"))
        #expect(second.errors.contains { $0.description.contains("dead-letter alert") }, "the server is down: \(second.errors)")
        let parked = try ledger.unalertedDeadLetters(pipeline: "test")
        #expect(parked.count == 1 && parked.first?.batchID == batchID && parked.first?.attempts == 2, "\(parked)")

        let server = try SMTPTestServer(mode: .starttls, port: port)
        defer { server.stop() }
        try FileManager.default.copyItem(atPath: server.certificates.ca, toPath: ca)
        let third = await pass(try engine(p, at: "2026-11-20T09:02:00Z"))
        #expect(!third.errors.contains { $0.description.contains("dead-letter alert") }, "\(third.errors)")
        #expect(server.receivedMessages.count == 1)
        let mail = try ReceivedMail.parse(server.receivedMessages[0])
        #expect(mail.to.contains { $0.contains("ops@site.example") } && mail.defects.isEmpty)
        #expect(mail.subject == "[Sluice] 1 failure(s) need attention, test", "\(mail.subject)")
        let text = try #require(mail.text)
        #expect(text.contains("batch \(batchID) run 1") && text.contains(dir.file("blocked/outbox")), "\(text)")
        #expect(text.contains("after 2 attempts"), "\(text)")
        #expect(text.contains("sluice retry \(p)"), "\(text)")
        #expect(mail.html?.contains("<table") == true)
        for phi in ["TEST^FIXTURE", "TEST FIXTURE", "PAT-1"] {
            #expect(!text.contains(phi) && mail.html?.contains(phi) == false, "no patient data in an operations mail")
        }
        #expect(try ledger.unalertedDeadLetters(pipeline: "test").isEmpty)

        _ = await pass(try engine(p, at: "2026-11-20T09:03:00Z"))
        #expect(server.receivedMessages.count == 1, "alerted once, not on every pass")
        try FileManager.default.removeItem(atPath: dir.file("blocked"))
        let retry = try Fixtures.sluice(["retry", p])
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        #expect(retry.stdout.contains("\(batchID): archived"), "\(retry.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.file("blocked/outbox/test/\(batchID)/manifest.json")))
        #expect(server.receivedMessages.count == 1, "a delivered retry alerts nobody")
    }

    @Test func deadLetterAlertBacksOffFromOneMinuteToThirty() {
        let backoff = AlertBackoff(), t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let waits = (0..<7).map { _ in backoff.failed(at: t0) }
        #expect(waits == [60, 120, 240, 480, 960, 1800, 1800])
        #expect(!backoff.mayTry(at: t0.addingTimeInterval(1799)) && backoff.mayTry(at: t0.addingTimeInterval(1800)))
        backoff.succeeded()
        #expect(backoff.mayTry(at: t0) && backoff.failed(at: t0) == 60)
    }

    /// Parked digests are dead letters too; a retry that parks again alerts again.
    @Test func ledgerAlertsEachParkingOnce() throws {
        let dir = try TemporaryDirectory("ledger-dead-letter")
        defer { dir.remove() }
        let ledger = try SQLiteLedger(path: dir.file("l.db"))
        try ledger.insertBatch(BatchRecord(id: "b1", pipeline: "p", sourceName: "s", inbox: "i", kind: .folder,
                                           claimedAt: Date(), fingerprint: nil, duplicateOf: nil, inputPath: nil))
        let run = try ledger.startRun(batchID: "b1", supersedes: nil)
        try ledger.recordDelivery(batchID: "b1", run: run, DeliveryRecord(outbox: "o", name: "a.csv", state: .pending, attempts: 1, lastError: "x"))
        #expect(try ledger.unalertedDeadLetters(pipeline: "p").isEmpty, "pending is not parked")
        try ledger.recordDelivery(batchID: "b1", run: run, DeliveryRecord(outbox: "o", name: "a.csv", state: .failed, attempts: 2, lastError: "refused"))
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        try ledger.recordDigest(pipeline: "p", DigestRecord(outbox: "m", kind: .scheduled, periodStart: start, periodEnd: start + 86400,
                                                           state: .failed, attempts: 5, lastError: "smtp down", messageID: nil, batches: 1))
        let letters = try ledger.unalertedDeadLetters(pipeline: "p")
        #expect(letters.map(\.kind) == [.delivery, .digest] && letters[0].lastError == "refused" && letters[1].periodStart == start)
        #expect(try ledger.unalertedDeadLetters(pipeline: "other").isEmpty)
        try ledger.markAlerted(pipeline: "p", letters, at: Date())
        #expect(try ledger.unalertedDeadLetters(pipeline: "p").isEmpty)
        // Parked again after a retry: a new dead letter.
        #expect(try ledger.resetFailedDeliveries(batchID: "b1", run: run) == 1)
        try ledger.recordDelivery(batchID: "b1", run: run, DeliveryRecord(outbox: "o", name: "a.csv", state: .failed, attempts: 1, lastError: "again"))
        #expect(try ledger.unalertedDeadLetters(pipeline: "p").map(\.lastError) == ["again"])
        #expect(try ledger.resetFailedDigests(pipeline: "p") == 1)
    }

    func digestOutbox(port: Int, ca: String, attach: String = "[csv, pdf]") -> String {
        """
          - smtp: "smtp://127.0.0.1:\(port)"
            ca_file: \(ca)
            username: sluice
            password: env:SLUICE_TEST_DIGEST_PASSWORD
            from: "Sluice Digest <sluice@site.example>"
            to: [team@site.example, pi@site.example]
            digest: "0 6 * * *"
            time_zone: Europe/Berlin
            attach: \(attach)
        """
    }

    func sluice(_ args: [String], at time: String) throws -> ProcessResult {
        try Fixtures.sluice(args, env: ["SLUICE_CLOCK": time, "SLUICE_TEST_DIGEST_PASSWORD": "digest-pw"])
    }

    func batchIDs(_ p: String) throws -> [String] {
        let r = try Fixtures.sluice(["status", p, "--json"])
        let doc = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
        return (doc?["batches"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    /// `sluice run --once` on a schedule: the digest is previewed, sent when due with the runs'
    /// CSV and summary PDF byte for byte, never repeated by a restart, and the next one starts
    /// where the last one ended.
    @Test func scheduledDigestCarriesTheRunsOutputsAndNeverRepeats() throws {
        let server = try SMTPTestServer(mode: .starttls, users: ["sluice": "digest-pw"])
        defer { server.stop() }
        let dir = try TemporaryDirectory("mail-digest")
        defer { dir.remove() }
        let p = try pipeline(dir, outboxes: digestOutbox(port: server.port, ca: server.certificates.ca))
        try drop(dir, "monday", studies: studies)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: dir.file("inbox/monday/notes.dcm")))

        // 05:00 in Berlin: processed; the 06:00 digest is not due yet.
        let run1 = try sluice(["run", p, "--once"], at: "2026-11-20T04:00:00Z")
        #expect(run1.status == 0, "\(run1.stderr)")
        let monday = try #require(try batchIDs(p).first)
        #expect(server.receivedMessages.isEmpty)
        // The copies waiting for the digest hold the CSV's patient data: owner-only, as the spool.
        #expect(Fixtures.files(under: dir.file("mail")).count == 2)
        #expect(permissionProblems(under: [dir.file("mail")]) == [])

        let preview = try sluice(["digest", p], at: "2026-11-20T04:30:00Z")
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("subject: [Sluice] test digest 2026-11-20: 0 critical, 0 urgent, 2 studies"), "\(preview.stdout)")
        #expect(preview.stdout.contains("Quarantined files: 1"))
        #expect(preview.stdout.contains("\(monday)-findings.csv") && preview.stdout.contains("\(monday)-summary.pdf"))
        #expect(!preview.stdout.contains("PAT-1"))
        #expect(server.receivedMessages.isEmpty, "a preview sends nothing")

        let run2 = try sluice(["run", p, "--once"], at: "2026-11-20T05:30:00Z")
        #expect(run2.status == 0, "\(run2.stderr)")
        try #require(server.receivedMessages.count == 1)
        let envelope = try server.envelope(of: server.receivedMessages[0])
        #expect(Set(envelope.recipients) == ["team@site.example", "pi@site.example"] && envelope.authenticated)
        let digest = try ReceivedMail.parse(server.receivedMessages[0])
        #expect(digest.defects.isEmpty, "\(digest.defects)")
        #expect(digest.subject == "[Sluice] test digest 2026-11-20: 0 critical, 0 urgent, 2 studies")
        let text = try #require(digest.text)
        #expect(text.contains("Period: 2026-11-20 05:00 +01:00 to 2026-11-20 06:00 +01:00"), "\(text)")
        #expect(text.contains("Batches: 1   Files: 9   Studies: 2"))
        #expect(text.contains("notes.dcm") && text.contains("not a DICOM or HL7 file"), "quarantined files listed")
        #expect(text.contains("ACC-1") && text.contains("ACC-2"))
        #expect(!text.contains("PAT-1") && !text.contains("TEST^FIXTURE"), "no patient IDs or names")
        #expect(digest.attachments.map(\.filename) == ["\(monday)-findings.csv", "\(monday)-summary.pdf"])
        for (attachment, name) in zip(digest.attachments, ["findings.csv", "summary.pdf"]) {
            #expect(try SHA256.hex(fileAt: dir.file("outbox/test/\(monday)/\(name)")) == attachment.sha256, "\(name) byte-identical")
        }
        #expect(Fixtures.files(under: dir.file("mail")).isEmpty, "copies kept only until a digest carried them")

        // A restart at the same time, and a second process: no second digest.
        #expect(try sluice(["run", p, "--once"], at: "2026-11-20T05:30:00Z").status == 0)
        #expect(try sluice(["run", p, "--once"], at: "2026-11-20T05:59:00Z").status == 0)
        #expect(server.receivedMessages.count == 1)

        // Tuesday's batch, processed at noon, is the only content of the next digest.
        try drop(dir, "tuesday", studies: [Fixtures.Study(patientID: "PAT-3", accession: "ACC-3", studyUID: "1.2.826.0.1.3680043.10.1.3", slices: 2)])
        #expect(try sluice(["run", p, "--once"], at: "2026-11-20T11:00:00Z").status == 0)
        let tuesday = try #require(try batchIDs(p).first { $0 != monday })
        // An extra digest since Thursday, outside the schedule: both batches, Monday's files no longer kept.
        let extra = try sluice(["digest", p, "--since", "2026-11-19", "--send"], at: "2026-11-20T12:00:00Z")
        #expect(extra.status == 0, "\(extra.stdout)\(extra.stderr)")
        #expect(extra.stdout.contains("sent   digest to smtp://127.0.0.1:\(server.port) to team@site.example"), "\(extra.stdout)")
        try #require(server.receivedMessages.count == 2)
        let manual = try ReceivedMail.parse(server.receivedMessages[1])
        #expect(manual.text?.contains("Batches: 2") == true)
        #expect(manual.attachments.map(\.filename) == ["\(tuesday)-findings.csv", "\(tuesday)-summary.pdf"])
        #expect(manual.text?.contains("\(monday)-summary.pdf: test/\(monday)/summary.pdf") == true, "\(manual.text ?? "")")

        let run3 = try sluice(["run", p, "--once"], at: "2026-11-21T05:01:00Z")
        #expect(run3.status == 0, "\(run3.stderr)")
        try #require(server.receivedMessages.count == 3)
        let next = try ReceivedMail.parse(server.receivedMessages[2])
        #expect(next.text?.contains("Period: 2026-11-20 06:00 +01:00 to 2026-11-21 06:00 +01:00") == true, "starts where the last ended")
        #expect(next.text?.contains(tuesday) == true && next.text?.contains(monday) == false, "\(next.text ?? "")")
        #expect(next.attachments.map(\.filename) == ["\(tuesday)-findings.csv", "\(tuesday)-summary.pdf"])
        #expect(next.attachments.last?.sha256 == (try SHA256.hex(fileAt: dir.file("outbox/test/\(tuesday)/summary.pdf"))))

        let status = try Fixtures.sluice(["status", p])
        #expect(status.stdout.contains("digest to smtp://127.0.0.1:\(server.port) to team@site.example, 0 6 * * * (Europe/Berlin): 3 sent"), "\(status.stdout)")
    }

    /// The digest server is down when the digest falls due: the pass reports it, later passes
    /// retry the same period, and exactly one digest arrives once the server is back. Down for
    /// longer than `delivery_attempts` passes, the next digest is parked until `sluice retry`.
    @Test func digestForADownServerIsRetriedAndDeliveredOnce() throws {
        let port = try SMTPTestServer.freePort()
        let dir = try TemporaryDirectory("mail-digest-down")
        defer { dir.remove() }
        let ca = dir.file("ca.pem")
        let p = try pipeline(dir, outboxes: digestOutbox(port: port, ca: ca, attach: "[csv]"), attempts: 3)
        try drop(dir, "monday", studies: studies)
        #expect(try sluice(["run", p, "--once"], at: "2026-11-20T04:00:00Z").status == 0)

        let down = try sluice(["run", p, "--once"], at: "2026-11-20T05:30:00Z")
        #expect(down.status == 1, "a failed digest is a processing error")
        #expect(down.stderr.contains("digest to smtp://127.0.0.1:\(port)") && down.stderr.contains("attempt 1 of 3"), "\(down.stderr)")
        #expect(!down.stderr.contains("digest-pw"), "the password is never logged")
        let waiting = try Fixtures.sluice(["status", p])
        #expect(waiting.stdout.contains("waiting to be retried (1 attempt)"), "\(waiting.stdout)")
        #expect(try sluice(["run", p, "--once"], at: "2026-11-20T05:40:00Z").status == 1)

        let server = try SMTPTestServer(mode: .starttls, users: ["sluice": "digest-pw"], port: port)
        defer { server.stop() }
        try FileManager.default.copyItem(atPath: server.certificates.ca, toPath: ca)
        let up = try sluice(["run", p, "--once"], at: "2026-11-20T06:00:00Z")
        #expect(up.status == 0, "\(up.stderr)")
        #expect(try sluice(["run", p, "--once"], at: "2026-11-20T06:10:00Z").status == 0)
        try #require(server.receivedMessages.count == 1, "delivered exactly once")
        let digest = try ReceivedMail.parse(server.receivedMessages[0])
        #expect(digest.text?.contains("Period: 2026-11-20 05:00 +01:00 to 2026-11-20 06:00 +01:00") == true)
        #expect(digest.attachments.count == 1)
        let history = try SQLiteLedger(path: dir.file("sluice.db")).digests(pipeline: "test")
        #expect(history.count == 1 && history[0].state == .delivered && history[0].attempts == 3)

        // Friday's digest meets a server that stays down: parked after 3 passes, left alone,
        // and sent once by `sluice retry` when the server is back.
        server.stop()
        for time in ["2026-11-21T05:01:00Z", "2026-11-21T05:10:00Z", "2026-11-21T05:20:00Z"] {
            #expect(try sluice(["run", p, "--once"], at: time).status == 1)
        }
        let parked = try sluice(["run", p, "--once"], at: "2026-11-21T05:30:00Z")
        #expect(parked.status == 0 && !parked.stderr.contains("cannot deliver"), "a parked digest is not tried every pass: \(parked.stderr)")
        let status = try Fixtures.sluice(["status", p])
        #expect(status.stdout.contains("dead letter: digest 2026-11-20T05:00:00Z – 2026-11-21T05:00:00Z parked after 3 attempts"), "\(status.stdout)")
        let back = try SMTPTestServer(mode: .starttls, users: ["sluice": "digest-pw"], port: port)
        defer { back.stop() }
        try FileManager.default.removeItem(atPath: ca)
        try FileManager.default.copyItem(atPath: back.certificates.ca, toPath: ca)
        let retry = try sluice(["retry", p], at: "2026-11-21T06:00:00Z")
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        #expect(retry.stdout.contains("1 parked digest: sent"), "\(retry.stdout)")
        #expect(try sluice(["run", p, "--once"], at: "2026-11-21T06:10:00Z").status == 0)
        try #require(back.receivedMessages.count == 1)
        #expect(try ReceivedMail.parse(back.receivedMessages[0]).text?.contains("Period: 2026-11-20 06:00 +01:00 to 2026-11-21 06:00 +01:00") == true)
    }

    /// Three workers on one ledger pass at the moment the digest is due: one digest arrives.
    @Test func workersOnOneLedgerSendADueDigestOnce() throws {
        let server = try SMTPTestServer(mode: .starttls, users: ["sluice": "digest-pw"])
        defer { server.stop() }
        let dir = try TemporaryDirectory("mail-race")
        defer { dir.remove() }
        let p = try pipeline(dir, outboxes: digestOutbox(port: server.port, ca: server.certificates.ca))
        try drop(dir, "monday", studies: studies)
        #expect(try sluice(["run", p, "--once"], at: "2026-11-20T04:00:00Z").status == 0)
        let workers = (0..<3).map { _ -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: sluiceBinary)
            process.arguments = ["run", p, "--once"]
            process.environment = ProcessInfo.processInfo.environment.merging(
                ["SLUICE_CLOCK": "2026-11-20T05:30:00Z", "SLUICE_TEST_DIGEST_PASSWORD": "digest-pw"]) { $1 }
            process.standardError = FileHandle.nullDevice
            return process
        }
        for worker in workers { try worker.run() }
        for worker in workers { worker.waitUntilExit() }
        #expect(workers.allSatisfy { $0.terminationStatus == 0 })
        #expect(server.receivedMessages.count == 1, "one digest, whichever worker sent it")
        #expect(server.counter("data-attempts") == 1)
    }

    @Test func checkVerifiesEverySMTPEndpoint() throws {
        let server = try SMTPTestServer(mode: .starttls, users: ["sluice": "digest-pw"])
        defer { server.stop() }
        let dir = try TemporaryDirectory("mail-check")
        defer { dir.remove() }
        let nobody = try SMTPTestServer.freePort()
        let p = try pipeline(dir, outboxes: digestOutbox(port: server.port, ca: server.certificates.ca),
                             extra: critical(port: nobody, ca: server.certificates.ca))
        let check = try sluice(["check", p], at: "2026-11-20T04:00:00Z")
        #expect(check.status == 2, "the critical endpoint has no server")
        #expect(check.stdout.contains("ok    outbox smtp://127.0.0.1:\(server.port) to team@site.example: connected (STARTTLS), login accepted"), "\(check.stdout)")
        #expect(check.stdout.contains("FAIL  critical smtp://127.0.0.1:\(nobody) to oncall@site.example:"), "\(check.stdout)")
        #expect(server.receivedMessages.isEmpty, "check sends no mail")

        let wrong = try Fixtures.sluice(["check", p], env: ["SLUICE_TEST_DIGEST_PASSWORD": "not-the-password"])
        #expect(wrong.stdout.contains("FAIL  outbox smtp://127.0.0.1:\(server.port)") && wrong.stdout.contains("535"), "\(wrong.stdout)")
        #expect(!wrong.stdout.contains("not-the-password") && !wrong.stderr.contains("not-the-password"))
    }
}
