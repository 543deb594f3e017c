import Checksum
import Foundation
import Reports
import Testing
import TestSupport
@testable import Pipeline

/// `files:` per outbox: the PACS import folder gets only DICOM objects, the RIS folder only the
/// ORU messages, the EDC only the CSV — each with a manifest listing exactly what it got — and
/// an outbox without `files:` still gets everything.
@Suite(.serialized) struct OutboxFilesTests {
    func config(_ dir: TemporaryDirectory, outboxes: String, render: String, model: String) throws -> String {
        let yaml = """
            name: test
            inbox: { local: inbox }
            spool: .
            poll: 100ms
            settle: 0s
            marker: READY
            workers: 2
            infer: { model: \(model) }
            render: \(render)
            outbox:
            \(outboxes)
            """
        let path = dir.file("pipeline.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir.file("inbox"), withIntermediateDirectories: true)
        return path
    }

    @Test func eachOutboxGetsOnlyItsFormatsAndAManifestOfThem() throws {
        let dir = try TemporaryDirectory("outbox-files")
        defer { dir.remove() }
        let model = try ResultMessagePipelineTests.writeTinyModel(in: dir)
        let pipeline = try config(dir, outboxes: """
              - { local: pacs, files: [dicom] }
              - { local: ris, files: [hl7], marker: DONE }
              - { local: edc, files: csv }
              - { local: everything }
            """, render: "[json, csv, sr, encapsulated-pdf, hl7]", model: model)
        let studies = [Fixtures.Study(), Fixtures.Study(patientID: "PAT-2", accession: "ACC-2", studyUID: "1.2.826.0.1.3680043.10.1.2", slices: 3)]
        let drop = dir.file("inbox/site-a")
        for (i, s) in studies.enumerated() { try Fixtures.write(s, into: drop + "/study\(i)") }
        try Fixtures.orders(studies).write(toFile: drop + "/orders.hl7", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: drop + "/READY", contents: Data())

        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let batch = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.file("everything/test")).first)

        func delivered(_ outbox: String) throws -> (files: [String], manifest: [String: Any]) {
            let folder = dir.file("\(outbox)/test/\(batch)")
            return (Fixtures.files(under: folder), try Fixtures.json(folder + "/manifest.json"))
        }
        func listed(_ manifest: [String: Any]) -> [String: String] {
            var out: [String: String] = [:]
            for o in manifest["outputs"] as? [[String: Any]] ?? [] { out[o["name"] as! String] = o["format"] as? String ?? "-" }
            return out
        }

        let all = try delivered("everything")
        let allListed = listed(all.manifest)
        #expect(all.files == (Array(allListed.keys) + ["manifest.json"]).sorted())
        #expect(Set(allListed.values) == ["json", "csv", "sr", "encapsulated-pdf", "hl7"], "every output names its format: \(allListed)")
        #expect(all.manifest["files"] == nil, "the full manifest selects nothing")

        for (outbox, formats, extra) in [("pacs", ["encapsulated-pdf", "sr"], [String]()), ("ris", ["hl7"], ["DONE"]), ("edc", ["csv"], [])] {
            let got = try delivered(outbox)
            let names = listed(got.manifest)
            #expect(!names.isEmpty && Set(names.values) == Set(formats), "\(outbox): \(names)")
            #expect(names.keys.sorted() == allListed.filter { formats.contains($0.value) }.keys.sorted(), "\(outbox) got every output of its formats")
            #expect(got.files == (Array(names.keys) + ["manifest.json"] + extra).sorted(), "\(outbox) holds exactly its manifest's files")
            #expect(got.manifest["files"] as? [String] == formats)
            #expect(got.manifest["inputs"] as? [[String: Any]] != nil && got.manifest["batchID"] as? String == batch)
            for o in got.manifest["outputs"] as? [[String: Any]] ?? [] {
                let name = o["name"] as! String
                #expect(try SHA256.hex(fileAt: dir.file("\(outbox)/test/\(batch)/\(name)")) == o["sha256"] as? String, "\(outbox)/\(name)")
            }
        }
        // The PACS folder's files are DICOM objects a DICOM reader accepts: one SR and one
        // Encapsulated PDF per study.
        let pacs = try delivered("pacs").files.filter { $0 != "manifest.json" }.map { dir.file("pacs/test/\(batch)/\($0)") }
        let read = try runPython("""
            import sys, pydicom
            print(sorted(pydicom.dcmread(p).Modality for p in sys.argv[1:]))
            """, pacs)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "['DOC', 'DOC', 'SR', 'SR']", "\(read.stdout)")
        // Redelivery is idempotent: a second pass delivers nothing new and fails nothing.
        let again = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try delivered("pacs").files.count == pacs.count + 1)
    }

    @Test func filesNamesRenderedFormatsOnly() throws {
        let dir = try TemporaryDirectory("outbox-files-config")
        defer { dir.remove() }
        let model = try ResultMessagePipelineTests.writeTinyModel(in: dir)
        func error(_ outboxes: String, render: String = "[json, csv]") throws -> ConfigError? {
            do { _ = try PipelineConfig.load(try config(dir, outboxes: outboxes, render: render, model: model)); return nil } catch {
                return error as? ConfigError
            }
        }
        let notRendered = try error("  - { local: a, files: [pdf] }")
        #expect(notRendered?.key == "outbox.files" && notRendered?.description.contains("add it to 'render'") == true,
                "\(String(describing: notRendered))")
        let noDICOM = try error("  - { local: a }\n  - { local: b, files: [dicom] }")
        #expect(noDICOM?.key == "outbox[1].files" && noDICOM?.description.contains("lists none") == true, "\(String(describing: noDICOM))")
        #expect(try error("  - { local: a, files: [xml] }")?.description.contains("unknown format 'xml'") == true)
        #expect(try error("  - { local: a, files: [] }")?.key == "outbox.files")

        let c = try PipelineConfig.load(try config(dir, outboxes: "  - { local: a, files: [dicom, csv] }\n  - { local: b }",
                                                   render: "[csv, sr, secondary-capture, pdf]", model: model))
        #expect(c.outboxes.map(\.files) == [[.sr, .secondaryCapture, .csv], nil])
    }
}
