import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// `validate.hl7` caps in a real run of the built `sluice`: a message over one is quarantined
/// with a reason that names where, never a value, and the rest of the batch goes on.
@Suite(.serialized) struct HL7LimitsPipelineTests {
    static let msh = "MSH|^~\\&|RIS|SITE|SLUICE|LAB|20250110120000||ORM^O01|"

    @Test func messagesOverACapAreQuarantinedAndTheBatchGoesOn() throws {
        let dir = try TemporaryDirectory("hl7-limits")
        defer { dir.remove() }
        // As Fixtures.pipeline, with a segment cap of 20 (the other caps keep their defaults).
        let pipeline = dir.file("pipeline.yaml")
        try """
            name: test
            inbox: { local: inbox }
            spool: .
            poll: 100ms
            settle: 0s
            marker: READY
            workers: 2
            validate:
              modalities: [CT]
              require: [PatientID]
              hl7: { max_segments: 20 }
            render: [json, csv]
            outbox: { local: outbox }
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let drop = dir.file("inbox/site-a")
        let studies = [Fixtures.Study(), Fixtures.Study(patientID: "PAT-2", accession: "ACC-2", studyUID: "1.2.826.0.1.3680043.10.1.2", slices: 4)]
        for (i, s) in studies.enumerated() { try Fixtures.write(s, into: drop + "/study\(i)") }
        try Fixtures.orders(studies).write(toFile: drop + "/orders.hl7", atomically: true, encoding: .utf8)
        // Over the default of 1,000 repetitions: the whole file is quarantined.
        let identifiers = (0...1_000).map { "SECRET\($0)^^^SITE^MR" }.joined(separator: "~")
        try (Self.msh + "R1|P|2.5.1\rPID|1||\(identifiers)\rORC|NW|PLCR|ACC-R\rOBR|1|PLCR|ACC-R\r")
            .write(toFile: drop + "/repeats.hl7", atomically: true, encoding: .utf8)
        // An order without images, then a message of 21 segments: only the second is quarantined.
        let notes = (1...18).map { "NTE|\($0)||SECRET NOTE \($0)\r" }.joined()
        try (Self.msh + "M1|P|2.5.1\rPID|1||PAT-9^^^SITE^MR\rORC|NW|PLC9|ACC-9\rOBR|1|PLC9|ACC-9\r"
             + Self.msh + "M2|P|2.5.1\rPID|1||SECRET-ID^^^SITE^MR\rORC|NW|PLCN|ACC-N\r" + notes)
            .write(toFile: drop + "/mixed.hl7", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: drop + "/READY", contents: Data())

        let repeats = "repeats.hl7 | HL7: too many repetitions in message 1 at segment PID (segment 2) field PID-3: 1001 repetitions, limit 1000"
        let segments = "mixed.hl7 | HL7: too many segments in message 2: 21 segments, limit 20"

        // A scan with the pipeline applies the same caps.
        let scan = try Fixtures.sluice(["scan", drop, "--pipeline", pipeline])
        #expect(scan.status == 0, "\(scan.stderr)")
        for reason in [repeats, segments] {
            #expect(scan.stdout.contains(reason.replacingOccurrences(of: " | ", with: ": ")), "\(scan.stdout)")
        }

        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "a quarantined file is not a processing failure: \(run.stderr)")
        #expect(!run.stderr.contains("SECRET"), "no values in logs")
        let ledger = try JSONSerialization.jsonObject(with: try Fixtures.sluice(["status", pipeline, "--json"]).stdoutData) as? [String: Any]
        let batch = try #require((ledger?["batches"] as? [[String: Any]])?.first)
        #expect(batch["state"] as? String == "archived" && batch["studies"] as? Int == 2)

        let folder = dir.file("outbox/test/\(batch["id"] as! String)")
        let rows = try runPython("""
            import csv, sys
            for r in csv.DictReader(open(sys.argv[1], newline='')): print(r['file'], '|', r['reason'])
            """, [folder + "/quarantine.csv"]).stdout
        #expect(rows.split(separator: "\n").sorted() == [segments, repeats].map { Substring($0) }.sorted(), "\(rows)")
        #expect(!rows.contains("SECRET"))

        let inputs = try Fixtures.json(folder + "/manifest.json")["inputs"] as? [[String: Any]] ?? []
        func fileStatus(_ path: String) -> String? { inputs.first { $0["path"] as? String == path }?["status"] as? String }
        #expect(fileStatus("repeats.hl7") == "quarantined", "no message of it is left")
        #expect(fileStatus("mixed.hl7") == "ok" && fileStatus("orders.hl7") == "ok", "their other messages are read")

        let findings = try Fixtures.json(folder + "/findings.json")
        let linked = (findings["studies"] as? [[String: Any]] ?? []).map { ($0["orders"] as? [Any])?.count }
        #expect(linked == [1, 1], "each study still linked to its order")
        let unmatched = (findings["unmatchedOrders"] as? [[String: Any]] ?? []).compactMap { $0["accessionNumber"] as? String }
        #expect(unmatched == ["ACC-9"], "the good message beside the quarantined one")
    }

    @Test func capsAreCheckedWhenThePipelineIsLoaded() throws {
        let dir = try TemporaryDirectory("hl7-limits-config")
        defer { dir.remove() }
        func error(_ hl7: String) throws -> ConfigError? {
            let path = dir.file("p.yaml")
            try "name: x\ninbox: in\noutbox: out\nvalidate:\n  hl7: \(hl7)\n".write(toFile: path, atomically: true, encoding: .utf8)
            do { _ = try PipelineConfig.load(path); return nil } catch { return error }
        }
        #expect(try error("{ max_repetitions: 50, max_segments: 200, max_field_size: 1MiB, max_message_size: 8MB }") == nil)
        let unknown = try error("{ max_reps: 50 }")
        #expect(unknown?.key == "validate.hl7.max_reps" && unknown?.line == 5)
        #expect(unknown?.description.contains("known keys: max_field_size, max_message_size, max_repetitions, max_segments") == true)
        #expect(try error("{ max_repetitions: 0 }")?.key == "validate.hl7.max_repetitions")
        #expect(try error("{ max_segments: many }")?.key == "validate.hl7.max_segments")
        #expect(try error("{ max_field_size: huge }")?.description.contains("'huge' is not a size") == true)
    }
}
