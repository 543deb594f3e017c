import Foundation
import Reports
import Testing
import TestSupport
@testable import Pipeline

/// `critical:` and `urgent:` as lists of routes, through `sluice run` with real models and a real
/// SMTP server (aiosmtpd): the stroke team is paged for a bleed and the chest team for a
/// pneumothorax, each alert once, before the batch is rendered; the RIS gets an ORU with
/// OBX-8 `AA` at once; Urgent nodules are gathered into one summary mail at most every 30 minutes.
@Suite(.serialized) struct AlertRoutesTests {
    static let cr = Fixtures.Study(patientID: "P-CXR", accession: "A-CXR", studyUID: "1.2.826.0.1.3680043.10.3.1", modality: "CR", slices: 1)
    static let head = Fixtures.Study(patientID: "P-CT", accession: "A-CT", studyUID: "1.2.826.0.1.3680043.10.3.2", modality: "CT",
                                     slices: 2, bodyPart: "HEAD")
    static func mr(_ n: Int) -> Fixtures.Study {
        Fixtures.Study(patientID: "P-MR\(n)", accession: "A-MR\(n)", studyUID: "1.2.826.0.1.3680043.10.3.1\(n)", modality: "MR", slices: 1)
    }

    func pipeline(_ dir: TemporaryDirectory, server: SMTPTestServer) throws -> String {
        _ = try ResultMessagePipelineTests.writeTinyModel(in: dir, name: "cxr", label: "Pneumothorax", code: "36118008")
        _ = try ResultMessagePipelineTests.writeTinyModel(in: dir, name: "ich", label: "Hemorrhage", code: "50960005")
        _ = try ResultMessagePipelineTests.writeTinyModel(in: dir, name: "mr", label: "Nodule", code: "27925004", probability: 0.8)
        let smtp = "smtp: \"smtp://127.0.0.1:\(server.port)\"\n    ca_file: \(server.certificates.ca)\n    from: sluice@site.example"
        return try Fixtures.pipeline(in: dir, render: "[json, csv, hl7]", extra: """
            infer:
              - { match: { modality: CR }, model: cxr.onnx }
              - { match: { modality: CT }, model: ich.onnx }
              - { match: { modality: MR }, model: mr.onnx }
            critical:
              - name: stroke
                match: { label: Hemorrhage }
                \(smtp)
                to: [stroke-team@site.example]
                oru: { local: ris-stat }
              - name: chest
                match: { label: Pneumothorax, modality: [CR, DX] }
                \(smtp)
                to: [chest-team@site.example]
            urgent:
              - name: nodules
                match: { label: Nodule }
                \(smtp)
                to: [nodule-clinic@site.example]
                every: 30m
            """)
    }

    func drop(_ dir: TemporaryDirectory, _ name: String, _ studies: [Fixtures.Study]) throws {
        for (i, s) in studies.enumerated() { try Fixtures.write(s, into: dir.file("inbox/\(name)/s\(i)")) }
        _ = FileManager.default.createFile(atPath: dir.file("inbox/\(name)/READY"), contents: Data())
    }

    func mails(_ server: SMTPTestServer, to address: String) throws -> [ReceivedMail] {
        try server.receivedMessages.filter { try server.envelope(of: $0).recipients == [address] }.map(ReceivedMail.parse)
    }

    @Test func routesPageTheirOwnListsOnceBeforeTheBatchIsRendered() throws {
        let server = try SMTPTestServer(mode: .starttls)
        defer { server.stop() }
        let dir = try TemporaryDirectory("alert-routes")
        defer { dir.remove() }
        let p = try pipeline(dir, server: server)
        try drop(dir, "site-a", [Self.cr, Self.head, Self.mr(1), Self.mr(2)])

        // Killed right after the infer stage: nothing is rendered or delivered yet, but the
        // Critical pages and the RIS's ORU are already out.
        let killed = try Fixtures.sluice(["run", p, "--once"], env: ["SLUICE_FAULT": "inferred", "SLUICE_CLOCK": "2026-12-01T08:00:00Z"])
        #expect(killed.stderr.contains("killed at inferred"), "\(killed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("outbox/test")), "nothing rendered or delivered yet")
        let stroke = try mails(server, to: "stroke-team@site.example")
        let chest = try mails(server, to: "chest-team@site.example")
        try #require(stroke.count == 1 && chest.count == 1, "\(server.receivedMessages)")
        #expect(stroke[0].text?.contains("Finding:      Hemorrhage") == true && stroke[0].text?.contains("Accession:    A-CT") == true)
        #expect(chest[0].text?.contains("Finding:      Pneumothorax") == true && chest[0].text?.contains("Accession:    A-CXR") == true)
        #expect(stroke[0].subject.hasPrefix("[Sluice] CRITICAL finding, test, study ") && !stroke[0].subject.contains("A-CT"))
        let orus = Fixtures.files(under: dir.file("ris-stat"))
        try #require(orus.count == 1, "one ORU, for the bleed: \(orus)")
        #expect(orus[0].hasPrefix("test/alerts/") && orus[0].hasSuffix(".stroke.hl7"))
        let oru = try runPython(#"""
            import sys, hl7
            from hl7apy.parser import parse_message
            from hl7apy.consts import VALIDATION_LEVEL
            text = open(sys.argv[1], 'rb').read().decode('utf-8')
            parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=True).validate()
            m = hl7.parse(text)
            flags = [m.extract_field('OBX', i + 1, 8) for i in range(len(m.segments('OBX')))]
            print(m.extract_field('MSH', 1, 9, 1, 1), m.extract_field('PID', 1, 3, 1, 1), m.extract_field('OBR', 1, 3), 'AA' in flags)
            """#, [dir.file("ris-stat/" + orus[0])])
        #expect(oru.status == 0, "\(oru.stderr)")
        #expect(oru.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ORU P-CT A-CT True", "\(oru.stdout)")
        // The Urgent summary waits for the end of the pass, which the kill cut short.
        #expect(try mails(server, to: "nodule-clinic@site.example").isEmpty)

        // The restart finishes the batch: nothing is paged again; the two nodules go out in one summary.
        let finished = try Fixtures.sluice(["run", p, "--once"], env: ["SLUICE_CLOCK": "2026-12-01T08:01:00Z"])
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try mails(server, to: "stroke-team@site.example").count == 1 && mails(server, to: "chest-team@site.example").count == 1)
        #expect(Fixtures.files(under: dir.file("ris-stat")).count == 1)
        let summaries = try mails(server, to: "nodule-clinic@site.example")
        try #require(summaries.count == 1)
        #expect(summaries[0].subject == "[Sluice] 2 Urgent finding(s), test", "\(summaries[0].subject)")
        let listed = summaries[0].text ?? ""
        #expect(listed.contains("A-MR1") && listed.contains("A-MR2") && listed.contains("Nodule (80%)"), "\(listed)")
        #expect(!listed.contains("A-CT") && !listed.contains("Hemorrhage"), "a Critical finding is no Urgent one")

        // A rerun (same findings) pages nobody and queues nothing new.
        let batch = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.file("outbox/test")).first)
        let rerun = try Fixtures.sluice(["rerun", p, "--batch", batch], env: ["SLUICE_CLOCK": "2026-12-01T08:02:00Z"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(server.receivedMessages.count == 3)

        // Another nodule 10 minutes after the summary waits for the 30 minutes to pass.
        try drop(dir, "site-b", [Self.mr(3)])
        _ = try Fixtures.sluice(["run", p, "--once"], env: ["SLUICE_CLOCK": "2026-12-01T08:11:00Z"])
        #expect(try mails(server, to: "nodule-clinic@site.example").count == 1, "at most one summary per 30 minutes")
        _ = try Fixtures.sluice(["run", p, "--once"], env: ["SLUICE_CLOCK": "2026-12-01T08:32:00Z"])
        let second = try mails(server, to: "nodule-clinic@site.example").filter { $0.subject.contains("1 Urgent") }
        #expect(second.count == 1 && second.first?.text?.contains("A-MR3") == true, "\(server.receivedMessages)")

        let status = try Fixtures.sluice(["status", p])
        #expect(status.stdout.contains("critical alerts sent: 3"), "two pages and one ORU: \(status.stdout)")
    }

    @Test func routesAreCheckedWhenThePipelineLoads() throws {
        let dir = try TemporaryDirectory("alert-routes-config")
        defer { dir.remove() }
        _ = try ResultMessagePipelineTests.writeTinyModel(in: dir)
        func error(_ extra: String) throws -> ConfigError? {
            do { _ = try PipelineConfig.load(try Fixtures.pipeline(in: dir, extra: "infer: { model: tiny.onnx }\n" + extra)); return nil } catch {
                return error as? ConfigError
            }
        }
        let route = "smtp: \"smtp://127.0.0.1:2525\", starttls: false, from: s@x.example, to: [a@x.example]"
        #expect(try error("critical:\n  - { \(route) }")?.key == "critical[0].name")
        #expect(try error("critical:\n  - { name: a, \(route) }\n  - { name: a, \(route) }")?.key == "critical[1].name")
        #expect(try error("critical:\n  - { name: a, match: { label: X, colour: red }, \(route) }")?.key == "critical[0].match.colour")
        #expect(try error("critical:\n  - { name: a, match: { label: X } }")?.description.contains("sends nothing") == true)
        #expect(try error("urgent:\n  - { name: a, \(route), every: 10s }")?.key == "urgent[0].every")
        #expect(try error("critical:\n  - { name: a, oru: ris, every: 5m }")?.key == "critical[0].every", "every needs a mail")
        #expect(try error("critical:\n  - { name: a, \(route), subject: \"{{accession}}\" }")?.key == "critical[0].subject", "no patient data in subjects")
        let c = try PipelineConfig.load(try Fixtures.pipeline(in: dir, extra: """
            infer: { model: tiny.onnx }
            critical: { \(route) }
            urgent:
              - { name: ward-7, match: { ward: "7*", priority: STAT }, \(route) }
            """))
        #expect(c.alertRoutes.map(\.label) == ["critical", "urgent ward-7"])
        let ward = try #require(c.alertRoutes.last?.match)
        #expect(ward.matches(StudyFacts([.ward: ["7B"], .priority: ["S", "STAT"]])))
        #expect(!ward.matches(StudyFacts([.ward: ["7B"], .priority: ["R", "Routine"]])) && !ward.matches(StudyFacts([.priority: ["STAT"]])))
    }
}
