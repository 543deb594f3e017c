import Checksum
import DICOM
import Foundation
import Testing
import TestSupport

/// The built `sluice` binary on drops the tests make, checked from the outside: files in the
/// outbox, the archive, the ledger via `sluice status --json`, and independent readers.
@Suite(.serialized) struct EndToEndTests {
    let clean = [Fixtures.Study(), Fixtures.Study(patientID: "PAT-2", accession: "ACC-2", studyUID: "1.2.826.0.1.3680043.10.1.2", slices: 4)]

    func makeCleanDrop(_ dir: TemporaryDirectory, name: String = "site-a", marker: Bool = true) throws -> String {
        let drop = dir.file("inbox/" + name)
        for (i, s) in clean.enumerated() { try Fixtures.write(s, into: drop + "/study\(i)") }
        try Fixtures.orders(clean, extraAccession: "ACC-NOIMG").write(toFile: drop + "/orders.hl7", atomically: true, encoding: .utf8)
        if marker { _ = FileManager.default.createFile(atPath: drop + "/READY", contents: Data()) }
        return drop
    }

    func status(_ pipeline: String) throws -> [String: Any] {
        let r = try Fixtures.sluice(["status", pipeline, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any] ?? [:]
    }

    func batches(_ pipeline: String) throws -> [[String: Any]] {
        try status(pipeline)["batches"] as? [[String: Any]] ?? []
    }

    /// Every manifest output exists once with its recorded sha256; no temporaries are left.
    func checkDelivered(_ folder: String) throws -> [String: Any] {
        let manifest = try Fixtures.json(folder + "/manifest.json")
        let outputs = manifest["outputs"] as? [[String: Any]] ?? []
        #expect(!outputs.isEmpty)
        for o in outputs {
            let name = o["name"] as! String
            #expect(try SHA256.hex(fileAt: folder + "/" + name) == o["sha256"] as! String, "\(name) differs from its manifest entry")
        }
        let present = Fixtures.files(under: folder)
        #expect(present == (outputs.map { $0["name"] as! String } + ["manifest.json"]).sorted(), "outbox holds exactly the manifest's files")
        return manifest
    }

    @Test func cleanBatchIsProcessedDeliveredAndArchived() throws {
        let dir = try TemporaryDirectory("e2e-clean")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir, render: "[json, csv, pdf]")
        _ = try makeCleanDrop(dir)
        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("PAT-1"), "no patient IDs in logs")

        let b = try batches(pipeline)
        #expect(b.count == 1)
        let id = b[0]["id"] as! String
        #expect(b[0]["state"] as? String == "archived")
        #expect(b[0]["studies"] as? Int == 2)
        #expect(!FileManager.default.fileExists(atPath: dir.file("inbox/site-a")))
        #expect(FileManager.default.fileExists(atPath: dir.file("archive/\(id)/site-a/study0/IM0001.dcm")))
        #expect(Fixtures.files(under: dir.file("processing")).isEmpty)

        let folder = dir.file("outbox/test/\(id)")
        let manifest = try checkDelivered(folder)
        #expect((manifest["inputs"] as? [[String: Any]])?.count == 10)
        let findings = try Fixtures.json(folder + "/findings.json")
        let studies = findings["studies"] as? [[String: Any]] ?? []
        #expect(studies.count == 2)
        #expect(studies.allSatisfy { ($0["orders"] as? [[String: Any]])?.count == 1 }, "each study linked to its order")
        #expect((findings["unmatchedOrders"] as? [[String: Any]])?.first?["accessionNumber"] as? String == "ACC-NOIMG")
        #expect(studies.allSatisfy { ($0["problems"] as? [String])?.isEmpty == true })

        // The JSON validates against the published schema (python jsonschema, an independent validator).
        let schema = FileManager.default.currentDirectoryPath + "/schemas/findings.schema.json"
        let studyFile = Fixtures.files(under: folder).first { $0.hasSuffix("result.json") }!
        let v = try runPython("""
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            for f in sys.argv[2:]:
                jsonschema.validate(json.load(open(f)), schema, format_checker=jsonschema.FormatChecker())
            print("ok")
            """, [schema, folder + "/findings.json", folder + "/" + studyFile])
        #expect(v.stdout.contains("ok"), "\(v.stderr)")

        // The CSV has one row per study in the documented column order.
        let csv = try runPython("""
            import csv, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
            print(len(rows), sorted(r['accession_number'] for r in rows), list(rows[0].keys())[:3])
            """, [folder + "/findings.csv"])
        #expect(csv.stdout.contains("2 ['ACC-1', 'ACC-2'] ['site', 'patient_id', 'accession_number']"), "\(csv.stdout)\(csv.stderr)")

        // PDFs: a summary and one report per study, listed in the study's report files;
        // qpdf checks them and pdftotext reads the study's accession back.
        let pdfs = Fixtures.files(under: folder).filter { $0.hasSuffix(".pdf") }
        #expect(pdfs.count == 3 && pdfs.contains("summary.pdf"))
        #expect(studies.allSatisfy { ($0["reportFiles"] as? [String])?.contains { $0.hasSuffix("/report.pdf") } == true })
        for pdf in pdfs { #expect(try runProcess("qpdf", ["--check", folder + "/" + pdf]).status == 0, "\(pdf)") }
        let text = try runProcess("pdftotext", [folder + "/" + pdfs.first { $0.hasPrefix("studies/") }!, "-"]).stdout
        #expect(text.contains("ACC-1") || text.contains("ACC-2"))
        #expect(text.contains("not for diagnostic use"))
    }

    @Test func badFilesAreQuarantinedAndTheRestGoesOn() throws {
        let dir = try TemporaryDirectory("e2e-bad")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        let drop = try makeCleanDrop(dir)
        try Data("this is not an image".utf8).write(to: URL(fileURLWithPath: drop + "/notes.dcm"))
        let good = try Data(contentsOf: URL(fileURLWithPath: drop + "/study0/IM0001.dcm"))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: drop + "/truncated.dcm"))
        var noPatient = Fixtures.Study(patientID: "", accession: "ACC-3", studyUID: "1.2.826.0.1.3680043.10.1.3", slices: 1)
        noPatient.modality = "CT"
        try Fixtures.write(noPatient, into: drop + "/nopatient")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: drop + "/.DS_Store"))

        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "quarantine is not a processing failure: \(run.stderr)")
        let id = try batches(pipeline)[0]["id"] as! String
        let folder = dir.file("outbox/test/\(id)")
        let rows = try runPython("""
            import csv, sys
            for r in csv.DictReader(open(sys.argv[1], newline='')): print(r['file'], '|', r['reason'])
            """, [folder + "/quarantine.csv"]).stdout
        #expect(rows.contains("notes.dcm | not a DICOM or HL7 file"))
        #expect(rows.contains("truncated.dcm | unreadable DICOM"))
        #expect(!rows.contains(dir.path), "reasons name no spool paths; the file column already names the file")
        #expect(rows.contains("nopatient/IM0001.dcm | missing required attribute PatientID (0010,0020)"))
        #expect(!rows.contains("DS_Store"))
        #expect(rows.split(separator: "\n").count == 3)
        #expect(try Fixtures.json(folder + "/findings.json")["studies"].map { ($0 as! [Any]).count } == 2)
        let detail = try Fixtures.sluice(["status", pipeline, "--batch", id])
        #expect(detail.stdout.contains("quarantined"))
        #expect(detail.stdout.contains(".DS_Store") && detail.stdout.contains("hidden file"))
    }

    @Test func growingBatchWaitsUntilSettled() throws {
        let dir = try TemporaryDirectory("e2e-settle")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir, settle: "2s", marker: nil)
        let drop = try makeCleanDrop(dir, marker: false)
        // A transfer temporary inside the batch: still arriving, whatever the mtimes say.
        _ = FileManager.default.createFile(atPath: drop + "/IM9999.dcm.part", contents: Data([0]))
        _ = try runProcess("touch", ["-d", "1 hour ago", drop])
        #expect(try Fixtures.sluice(["run", pipeline, "--once"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: drop), "a batch with a .part file is not claimed")
        try FileManager.default.removeItem(atPath: drop + "/IM9999.dcm.part")

        // Fresh files: younger than settle, so not claimed yet.
        #expect(try Fixtures.sluice(["run", pipeline, "--once"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: drop), "fresh files are not claimed")
        #expect(try batches(pipeline).isEmpty)

        // The daemon sees the batch grow, then settle, and only then takes it.
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: sluiceBinary)
        daemon.arguments = ["run", pipeline]
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate() } }
        for i in 0..<6 {
            try Fixtures.write(Fixtures.Study(patientID: "PAT-9", accession: "ACC-9", studyUID: "1.2.826.0.1.3680043.10.1.9\(i)", slices: 1),
                               into: drop + "/late\(i)")
            Thread.sleep(forTimeInterval: 0.4)
            #expect(FileManager.default.fileExists(atPath: drop), "claimed while still growing (step \(i))")
        }
        var archived = false
        for _ in 0..<100 where !archived {
            Thread.sleep(forTimeInterval: 0.2)
            archived = (try batches(pipeline).first?["state"] as? String) == "archived"
        }
        #expect(archived, "the settled batch is processed")
        daemon.terminate()
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0, "SIGTERM is a graceful stop")
        #expect(try batches(pipeline).first?["studies"] as? Int == 8, "every late file made it into the batch")
    }

    @Test func duplicateDropIsRecognisedNotReprocessed() throws {
        let dir = try TemporaryDirectory("e2e-dup")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        _ = try makeCleanDrop(dir, name: "monday")
        #expect(try Fixtures.sluice(["run", pipeline, "--once"]).status == 0)
        _ = try makeCleanDrop(dir, name: "monday-again")
        #expect(try Fixtures.sluice(["run", pipeline, "--once"]).status == 0)
        let b = try batches(pipeline)
        #expect(b.count == 2)
        let second = b.first { $0["source"] as? String == "monday-again" }!
        #expect(second["state"] as? String == "duplicate")
        #expect(second["duplicateOf"] as? String == b.first { $0["source"] as? String == "monday" }!["id"] as? String)
        #expect(!FileManager.default.fileExists(atPath: dir.file("outbox/test/\(second["id"] as! String)")))
        #expect(FileManager.default.fileExists(atPath: dir.file("archive/\(second["id"] as! String)/monday-again")), "kept, not deleted")
    }

    @Test func hostileZipsGoToErrorWithAReason() throws {
        let dir = try TemporaryDirectory("e2e-zip")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir, extra: "zip: { max_ratio: 100 }")
        let make = try runPython("""
            import zipfile, sys, os
            d = sys.argv[1]
            with zipfile.ZipFile(d + '/escape.zip', 'w') as z:
                z.writestr('ok.txt', 'x'); z.writestr('../../outside.txt', 'gotcha')
            with zipfile.ZipFile(d + '/bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('big.bin', b'\\0' * (200 * 1024 * 1024))
            for n in ('escape.zip', 'bomb.zip'): open(d + '/' + n + '.READY', 'w').close()
            """, [dir.file("inbox")])
        #expect(make.status == 0, "\(make.stderr)")
        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 1, "a failed batch is a processing error")
        let b = try batches(pipeline)
        #expect(b.count == 2 && b.allSatisfy { $0["state"] as? String == "failed" })
        for batch in b {
            let id = batch["id"] as! String
            let report = try Fixtures.json(dir.file("error/\(id)/error.json"))
            let reason = report["reason"] as? String ?? ""
            if batch["source"] as? String == "escape.zip" {
                #expect(reason.contains("'..'") && reason.contains("../../outside.txt"))
            } else {
                #expect(reason.contains("zip bomb"))
            }
            #expect(FileManager.default.fileExists(atPath: dir.file("error/\(id)/\(batch["source"] as! String)")), "input kept in error/")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/outside.txt"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("work/outside.txt")))
    }

    @Test func zipBatchIsUnpackedAndProcessed() throws {
        let dir = try TemporaryDirectory("e2e-zipok")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        let staging = dir.file("staging/drop")
        for (i, s) in clean.enumerated() { try Fixtures.write(s, into: staging + "/s\(i)") }
        let zip = try runPython("""
            import shutil, sys; shutil.make_archive(sys.argv[1], 'zip', sys.argv[2]); open(sys.argv[1] + '.zip.READY', 'w').close()
            """, [dir.file("inbox/site-b"), staging])
        #expect(zip.status == 0)
        #expect(try Fixtures.sluice(["run", pipeline, "--once"]).status == 0)
        let b = try batches(pipeline)
        #expect(b.first?["state"] as? String == "archived" && b.first?["studies"] as? Int == 2)
        #expect(FileManager.default.fileExists(atPath: dir.file("archive/\(b[0]["id"] as! String)/site-b.zip")))
        #expect(Fixtures.files(under: dir.file("work")).isEmpty, "work folder cleaned after archiving")
    }

    /// SIGKILL at each step of a run; after a restart every output exists exactly once, nothing is
    /// lost, and the ledger says archived.
    @Test(arguments: ["claimed", "unpacked", "validated", "rendered", "delivered-unrecorded", "delivered:3", "published"])
    func crashAnywhereThenRestartDeliversExactlyOnce(point: String) throws {
        let dir = try TemporaryDirectory("e2e-crash")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        _ = try makeCleanDrop(dir)
        let crashed = try Fixtures.sluice(["run", pipeline, "--once"], env: ["SLUICE_FAULT": point])
        #expect(crashed.status != 0, "the fault point \(point) was reached")
        #expect(crashed.stderr.contains("killed at \(point.split(separator: ":")[0])"))

        let restarted = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(restarted.status == 0, "\(restarted.stderr)")
        let b = try batches(pipeline)
        #expect(b.count == 1, "one batch, not a second claim of the same drop")
        #expect(b.first?["state"] as? String == "archived")
        let id = b[0]["id"] as! String
        _ = try checkDelivered(dir.file("outbox/test/\(id)"))
        #expect(Fixtures.files(under: dir.file("outbox")).allSatisfy { $0.hasPrefix("test/\(id)/") }, "no stray outputs")
        #expect(Fixtures.files(under: dir.file("archive/\(id)/site-a")).count == 11, "all 9 images, orders and marker kept")
        #expect(!FileManager.default.fileExists(atPath: dir.file("inbox/site-a")))
    }

    @Test func rerunWritesANewRunThatSupersedesTheOld() throws {
        let dir = try TemporaryDirectory("e2e-rerun")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        _ = try makeCleanDrop(dir)
        #expect(try Fixtures.sluice(["run", pipeline, "--once"]).status == 0)
        let id = try batches(pipeline)[0]["id"] as! String
        let r = try Fixtures.sluice(["rerun", pipeline, "--batch", id])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(id): run 2 archived"))
        #expect(r.stdout.contains("no findings changed against run 1"))
        let manifest = try checkDelivered(dir.file("outbox/test/\(id).run2"))
        #expect(manifest["supersedes"] as? String == "\(id) run 1")
        #expect(FileManager.default.fileExists(atPath: dir.file("outbox/test/\(id)/manifest.json")), "run 1 stays")
        #expect(try batches(pipeline)[0]["run"] as? Int == 2)
        #expect(try Fixtures.sluice(["rerun", pipeline, "--batch", "nope"]).status == 2)
        #expect(try Fixtures.sluice(["rerun", pipeline]).status == 2)
    }

    /// A refusing outbox: retried once per pass, parked after `delivery_attempts`, left alone
    /// (no busy loop), shown in status, and delivered by `sluice retry` once it is fixed.
    @Test func failingDeliveriesAreParkedAndRetriedOnRequest() throws {
        let dir = try TemporaryDirectory("e2e-dead")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir, extra: "delivery_attempts: 2")
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: dir.file("outbox")))  // blocks the outbox
        _ = try makeCleanDrop(dir)
        #expect(try Fixtures.sluice(["run", pipeline, "--once"]).status == 1)
        let second = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("parked as failed after 2 attempts"))
        let third = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(third.status == 0, "a parked batch is not retried by every pass: \(third.stderr)")
        #expect(!third.stderr.contains("cannot deliver"))
        let text = try Fixtures.sluice(["status", pipeline]).stdout
        #expect(text.contains("dead letter: 1 delivery parked"), "\(text)")
        #expect(try batches(pipeline).first?["state"] as? String == "rendered")
        #expect(FileManager.default.fileExists(atPath: dir.file("processing")), "input kept until delivered")

        try FileManager.default.removeItem(atPath: dir.file("outbox"))
        let retry = try Fixtures.sluice(["retry", pipeline])
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        let b = try batches(pipeline)
        #expect(b.first?["state"] as? String == "archived" && b.first?["run"] as? Int == 1)
        _ = try checkDelivered(dir.file("outbox/test/\(b[0]["id"] as! String)"))
        #expect(try Fixtures.sluice(["retry", pipeline]).stdout.contains("no parked deliveries"))
    }

    @Test func scanDescribesADropWithoutProcessingIt() throws {
        let dir = try TemporaryDirectory("e2e-scan")
        defer { dir.remove() }
        var gappy = Fixtures.Study()
        gappy.slices = 6
        gappy.skipSlice = 3
        try Fixtures.write(gappy, into: dir.file("drop/s"))
        try Fixtures.orders([gappy]).write(toFile: dir.file("drop/o.hl7"), atomically: true, encoding: .utf8)
        let r = try Fixtures.sluice(["scan", dir.file("drop")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 patient, 1 study, 1 series, 5 instances, 1 HL7 messages"))
        #expect(r.stdout.contains("Instance Number gap: missing 3 of 1–6"))
        #expect(r.stdout.contains("slice position gap: about 1 slice missing"))
        let j = try Fixtures.sluice(["scan", dir.file("drop"), "--json"])
        let doc = try JSONSerialization.jsonObject(with: j.stdoutData) as? [String: Any]
        #expect(doc?["instances"] as? Int == 5)
        #expect(doc?["timings"] == nil, "only when asked for")
        // Sizes come from validation's open of each file (the walk stats nothing).
        let sizes = try FileManager.default.subpathsOfDirectory(atPath: dir.file("drop")).map {
            try FileManager.default.attributesOfItem(atPath: dir.file("drop/" + $0))
        }.filter { $0[.type] as? FileAttributeType == .typeRegular }.map { $0[.size] as! Int }
        #expect(doc?["files"] as? Int == 6 && doc?["bytes"] as? Int == sizes.reduce(0, +), "\(sizes)")
        #expect(FileManager.default.fileExists(atPath: dir.file("drop/s/IM0001.dcm")), "scan moves nothing")

        // --timing: each stage's wall time on standard error, the report on standard output unchanged.
        let timed = try Fixtures.sluice(["scan", dir.file("drop"), "--timing"])
        #expect(timed.status == 0 && timed.stdout == r.stdout, "\(timed.stderr)")
        let line = try #require(timed.stderr.split(separator: "\n").first { $0.hasPrefix("timing: ") })
        let stages = line.dropFirst("timing: ".count).split(separator: ",").map { $0.split(separator: " ").first.map(String.init) }
        #expect(stages == ["setup", "unpack", "validate", "group", "total"], "\(line)")
        #expect(line.hasSuffix("(6 files)"), "\(line)")
        let timedJSON = try Fixtures.sluice(["scan", dir.file("drop"), "--timing", "--json"])
        let timings = (try JSONSerialization.jsonObject(with: timedJSON.stdoutData) as? [String: Any])?["timings"] as? [[String: Any]]
        #expect(timings?.map { $0["stage"] as? String } == ["setup", "unpack", "validate", "group", "total"])
        #expect(timings?.allSatisfy { ($0["milliseconds"] as? Double ?? -1) >= 0 } == true)
    }

    /// With --pipeline the scan applies that pipeline's completion marker and validation rules,
    /// so it shows what a run would make of the drop.
    @Test func scanWithAPipelineUsesItsMarkerAndRules() throws {
        let dir = try TemporaryDirectory("e2e-scan-pipeline")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)  // marker READY; modalities CT, CR, DX, MR
        let study = Fixtures.Study()
        try Fixtures.write(study, into: dir.file("drop/s"))
        var us = Fixtures.image(Fixtures.Study(studyUID: "1.2.826.0.1.3680043.10.9.2"), slice: 1)
        us.set(.modality, .CS, "US")
        try DICOMWriter.write(us, to: dir.file("drop/us.dcm"))
        _ = FileManager.default.createFile(atPath: dir.file("drop/READY"), contents: Data())

        let plain = try Fixtures.sluice(["scan", dir.file("drop"), "--json"])
        let p = try JSONSerialization.jsonObject(with: plain.stdoutData) as? [String: Any]
        let plainQuarantine = (p?["quarantine"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
        #expect(plainQuarantine == ["READY"], "no pipeline: the marker is just a file that is not DICOM")
        #expect(p?["instances"] as? Int == study.slices + 1)

        let ruled = try Fixtures.sluice(["scan", dir.file("drop"), "--pipeline", pipeline, "--json"])
        #expect(ruled.status == 0, "\(ruled.stderr)")
        let r = try JSONSerialization.jsonObject(with: ruled.stdoutData) as? [String: Any]
        let quarantine = r?["quarantine"] as? [[String: Any]] ?? []
        #expect(quarantine.map { $0["file"] as? String } == ["us.dcm"], "\(quarantine)")
        #expect((quarantine.first?["reason"] as? String)?.hasPrefix("modality US is not accepted") == true)
        #expect(r?["ignored"] as? Int == 1 && r?["instances"] as? Int == study.slices, "READY is the completion marker")

        let broken = dir.file("broken.yaml")
        try "name: [".write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try Fixtures.sluice(["scan", dir.file("drop"), "--pipeline", broken])
        #expect(bad.status == 2 && bad.stderr.contains("broken.yaml"), "\(bad.stderr)")
    }

    /// Validation reads only each file's head; pixel data it does not read must still be
    /// checked: a frame count the pixel data cannot hold (native and encapsulated) and a pixel
    /// value cut short by a truncated transfer, each in a file larger than the first read.
    @Test func headerOnlyValidationStillChecksThePixelData() throws {
        let dir = try TemporaryDirectory("e2e-scan-pixels")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("drop"), withIntermediateDirectories: true)
        let study = Fixtures.Study(studyUID: "1.2.826.0.1.3680043.10.9")
        func image(_ n: Int, frames: Int) -> MutableDataSet {
            var ds = Fixtures.image(study, slice: n)
            ds.set(.numberOfFrames, .IS, String(frames))
            ds.set(Tag(0x0029, 0x0010), .LO, "SLUICE TEST")
            ds.set(Tag(0x0029, 0x1010), .OB, bytes: [UInt8](repeating: 7, count: 12_000))  // past the first read
            return ds
        }
        var native = image(1, frames: 3)
        native.set(.pixelData, .OW, bytes: [UInt8](repeating: 1, count: 8 * 8 * 2 * 2))  // 2 frames
        try DICOMWriter.write(native, to: dir.file("drop/native.dcm"))
        var rle = image(2, frames: 3)
        rle.setEncapsulatedPixelData(fragments: [[0, 0, 0, 0], [0, 0, 0, 0]], offsetTable: nil)
        try DICOMWriter.write(rle, to: dir.file("drop/rle.dcm"), transferSyntax: .rleLossless)
        let bytes = try DICOMWriter.encode(image(3, frames: 1))  // 128 bytes of pixel data, last
        try Data(bytes.dropLast(100)).write(to: URL(fileURLWithPath: dir.file("drop/cut.dcm")))

        let r = try Fixtures.sluice(["scan", dir.file("drop")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("native.dcm: Number of Frames is 3 but the pixel data holds 2"), "\(r.stdout)")
        #expect(r.stdout.contains("rle.dcm: Number of Frames is 3 but the pixel data holds 2"), "\(r.stdout)")
        #expect(r.stdout.contains("cut.dcm: unreadable DICOM: value length 128 exceeds remaining 28 bytes"), "\(r.stdout)")
        #expect(r.stdout.contains("2 instances"), "\(r.stdout)")
    }

    /// Orders link by accession, ADT messages by patient (with the assigning authority), and a
    /// study that no order answers is flagged.
    @Test func ordersAndPatientMessagesLinkToStudies() throws {
        let dir = try TemporaryDirectory("e2e-link")
        defer { dir.remove() }
        let ordered = Fixtures.Study()
        let unordered = Fixtures.Study(patientID: "PAT-7", accession: "ACC-7", studyUID: "1.2.826.0.1.3680043.10.1.7", slices: 2)
        try Fixtures.write(ordered, into: dir.file("drop/a"))
        try Fixtures.write(unordered, into: dir.file("drop/b"))
        let adt = [
            "MSH|^~\\&|ADT|SITE|SLUICE|LAB|20250110120000||ADT^A08|A1|P|2.5.1", "EVN|A08|20250110120000",
            "PID|1||PAT-1^^^SITE^MR||TEST^FIXTURE",
            "MSH|^~\\&|ADT|SITE|SLUICE|LAB|20250110120000||ADT^A08|A2|P|2.5.1", "EVN|A08|20250110120000",
            "PID|1||PAT-7^^^OTHER^MR||TEST^OTHER",
        ].joined(separator: "\r") + "\r"
        try (Fixtures.orders([ordered]) + adt).write(toFile: dir.file("drop/o.hl7"), atomically: true, encoding: .utf8)
        let r = try Fixtures.sluice(["scan", dir.file("drop"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
        let studies = doc?["studies"] as? [[String: Any]] ?? []
        let a = studies.first { $0["accessionNumber"] as? String == "ACC-1" }
        let b = studies.first { $0["accessionNumber"] as? String == "ACC-7" }
        #expect(a?["orders"] as? Int == 2, "the ORM by accession and the ADT by patient ID")
        #expect(b?["orders"] as? Int == 1, "PAT-7's ADT links: no issuer in the DICOM to contradict it")
        #expect((b?["problems"] as? [String])?.contains { $0.hasPrefix("no HL7 order in the batch matches") } == true)
        #expect((a?["problems"] as? [String])?.isEmpty == true)
        #expect(doc?["unmatchedOrders"] as? Int == 0)
    }

    @Test func checkAndUsageErrorsExitWithTwo() throws {
        let dir = try TemporaryDirectory("e2e-check")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        let ok = try Fixtures.sluice(["check", pipeline])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("ok    ledger opens"))
        try "name: t\ninbox: in\noutbox: out\nrender: [json, sr]\n".write(toFile: dir.file("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try Fixtures.sluice(["check", dir.file("bad.yaml")])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yaml:4: key 'render'"))
        #expect(try Fixtures.sluice(["run"]).status == 2)
        #expect(try Fixtures.sluice(["frobnicate"]).status == 2)
    }
}

@Suite(.serialized) struct WorkerRaceTests {
    /// Two workers on one inbox and one ledger: every batch is claimed and delivered exactly once.
    @Test func twoWorkersNeverTakeTheSameBatch() throws {
        let dir = try TemporaryDirectory("e2e-race")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        for b in 0..<6 {
            let s = Fixtures.Study(patientID: "P\(b)", accession: "A\(b)", studyUID: "1.2.826.0.1.3680043.10.2.\(b)", slices: 3)
            try Fixtures.write(s, into: dir.file("inbox/drop\(b)/s"))
            _ = FileManager.default.createFile(atPath: dir.file("inbox/drop\(b)/READY"), contents: Data())
        }
        // Not batches: a dot-file and transfer temporaries at the top of the inbox.
        for name in [".hidden", "upload.part", "x.partial", "y.tmp"] {
            _ = FileManager.default.createFile(atPath: dir.file("inbox/\(name)"), contents: Data("x".utf8))
        }
        let workers = (0..<2).map { _ -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: sluiceBinary)
            p.arguments = ["run", pipeline, "--once"]
            p.standardError = FileHandle.nullDevice
            return p
        }
        for w in workers { try w.run() }
        for w in workers { w.waitUntilExit() }
        #expect(workers.allSatisfy { $0.terminationStatus == 0 })
        let status = try Fixtures.sluice(["status", pipeline, "--json"])
        let batches = (try JSONSerialization.jsonObject(with: status.stdoutData) as? [String: Any])?["batches"] as? [[String: Any]] ?? []
        #expect(batches.count == 6, "each drop claimed once")
        #expect(Set(batches.compactMap { $0["source"] as? String }).count == 6)
        #expect(batches.allSatisfy { $0["state"] as? String == "archived" })
        let manifests = Fixtures.files(under: dir.file("outbox")).filter { $0.hasSuffix("manifest.json") }
        #expect(manifests.count == 6)
        for name in [".hidden", "upload.part", "x.partial", "y.tmp"] {
            #expect(FileManager.default.fileExists(atPath: dir.file("inbox/\(name)")), "\(name) is never taken")
        }
    }
}
