import Foundation
import Testing
import TestSupport

/// SFTP inboxes end to end: a real OpenSSH sshd on loopback holds the drop, the built `sluice`
/// binary takes it, and the outbox, the server's folders and `sluice status` are checked.
@Suite(.serialized) struct SFTPInboxPipelineTests {
    /// A pipeline whose only inbox is `<server root>/inbox`; outbox and spool are local in `dir`.
    func pipeline(_ dir: TemporaryDirectory, _ server: SSHServer, settle: String = "0s", marker: String? = "READY",
                  inbox extra: [String] = [], knownHosts: String? = nil) throws -> String {
        try FileManager.default.createDirectory(atPath: server.root + "/inbox", withIntermediateDirectories: true)
        let yaml = """
            name: test
            inbox:
              - sftp: "\(server.url)/inbox"
                identity: \(server.userKey)
                known_hosts: \(knownHosts ?? server.knownHosts)
            \(extra.map { "    " + $0 }.joined(separator: "\n"))
            spool: .
            poll: 100ms
            settle: \(settle)
            \(marker.map { "marker: \($0)" } ?? "")
            workers: 2
            validate: { require: [PatientID] }
            render: [json, csv]
            outbox: { local: outbox }
            """
        let path = dir.file("pipeline.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A folder batch written on the server by pydicom (independent of our writer): two
    /// studies in subfolders, three instances each, and an HL7 order.
    func drop(_ server: SSHServer, name: String = "site-a", marker: Bool = true, bigFile megabytes: Int = 0) throws -> String {
        let folder = server.root + "/inbox/" + name
        let r = try runPython("""
            import sys, os
            from pydicom.dataset import Dataset, FileMetaDataset
            from pydicom.uid import ExplicitVRLittleEndian
            for s in (1, 2):
                os.makedirs(os.path.join(sys.argv[1], f"study{s}"))
                for i in (1, 2, 3):
                    ds = Dataset(); ds.file_meta = FileMetaDataset()
                    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
                    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
                    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = f"1.2.826.0.1.3680043.10.9.{s}.2.{i}"
                    ds.StudyInstanceUID = f"1.2.826.0.1.3680043.10.9.{s}"; ds.SeriesInstanceUID = f"1.2.826.0.1.3680043.10.9.{s}.2"
                    ds.PatientID = f"PAT-{s}"; ds.AccessionNumber = f"ACC-{s}"; ds.Modality = "OT"; ds.InstanceNumber = i
                    ds.save_as(os.path.join(sys.argv[1], f"study{s}", f"IM{i}.dcm"), enforce_file_format=True)
            with open(os.path.join(sys.argv[1], "orders.hl7"), "wb") as f:
                f.write(b"MSH|^~\\\\&|RIS|SITE|SLUICE|LAB|20250110120000||ORM^O01|M1|P|2.5.1\\rPID|1||PAT-1^^^SITE^MR\\rORC|NW|PLC1|ACC-1\\rOBR|1|PLC1|ACC-1\\r")
            """, [folder])
        #expect(r.status == 0, "\(r.stderr)")
        if megabytes > 0 { try makeRandomFile(folder + "/extra.bin", megabytes: megabytes) }
        if marker { _ = FileManager.default.createFile(atPath: folder + "/READY", contents: Data()) }
        return folder
    }

    func sluice(_ args: [String], env: [String: String] = [:]) throws -> ProcessResult {
        try runProcess(sluiceBinary, args, environment: env)
    }

    func files(under path: String) -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter { p in
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + p, isDirectory: &d) && !d.boolValue
        }.sorted()
    }

    func batches(_ pipeline: String) throws -> [[String: Any]] {
        let r = try sluice(["status", pipeline, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return (try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])?["batches"] as? [[String: Any]] ?? []
    }

    /// Outside the inbox, on the same server: another site's study (pydicom, its own patient
    /// and UIDs) and a private file standing in for /etc/shadow, holding `token`.
    func otherSite(_ server: SSHServer) throws -> (study: String, secret: String, token: String) {
        let folder = server.root + "/other-site"
        let r = try runPython("""
            import sys, os
            from pydicom.dataset import Dataset, FileMetaDataset
            from pydicom.uid import ExplicitVRLittleEndian
            os.makedirs(os.path.join(sys.argv[1], "study1"))
            for i in (1, 2):
                ds = Dataset(); ds.file_meta = FileMetaDataset()
                ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
                ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
                ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = f"1.2.826.0.1.3680043.10.77.1.2.{i}"
                ds.StudyInstanceUID = "1.2.826.0.1.3680043.10.77.1"; ds.SeriesInstanceUID = "1.2.826.0.1.3680043.10.77.1.2"
                ds.PatientID = "OTHER-SITE-PAT"; ds.AccessionNumber = "OTHER-ACC"; ds.Modality = "OT"; ds.InstanceNumber = i
                ds.save_as(os.path.join(sys.argv[1], "study1", f"IM{i}.dcm"), enforce_file_format=True)
            """, [folder])
        #expect(r.status == 0, "\(r.stderr)")
        let token = "SHADOW-SECRET-\(UUID().uuidString)"
        let secret = server.root + "/secret.txt"
        try Data(token.utf8).write(to: URL(fileURLWithPath: secret))
        return (folder, secret, token)
    }

    /// A drop (`site-a`) holding a link to the private file, a link to the other site's study
    /// folder and, inside a study, a link to one of its images; and beside it, marked, two
    /// top-level links: to the other site's folder and to the private file.
    func dropWithLinks(_ server: SSHServer) throws -> (study: String, secret: String, token: String) {
        let other = try otherSite(server)
        let folder = try drop(server)
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: folder + "/shadow.txt", withDestinationPath: other.secret)
        try fm.createSymbolicLink(atPath: folder + "/linked-study", withDestinationPath: other.study)
        try fm.createSymbolicLink(atPath: folder + "/study1/IM9.dcm", withDestinationPath: other.study + "/study1/IM1.dcm")
        let inbox = server.root + "/inbox"
        try fm.createSymbolicLink(atPath: inbox + "/linked-site", withDestinationPath: other.study)
        try fm.createSymbolicLink(atPath: inbox + "/loose.dcm", withDestinationPath: other.secret)
        for name in ["linked-site", "loose.dcm"] { _ = fm.createFile(atPath: inbox + "/" + name + ".READY", contents: Data()) }
        return other
    }

    /// What Sluice keeps in the spool `dir` (spool: .) and its ledger; not the outbox.
    func spoolAndLedger(_ dir: TemporaryDirectory) -> [String] {
        ["processing", "archive", "error", "work", "mail", "sluice.db", "sluice.db-wal", "sluice.db-shm"].map(dir.file)
    }

    /// By default no link in an SFTP inbox is followed, at the top or inside a folder: what they
    /// point at reaches neither the spool, the ledger nor the outbox, and each link is recorded
    /// with its reason — the top-level ones as failed batches, the inner ones as ignored files.
    @Test func symbolicLinksInTheInboxAreRecordedAndNotFollowed() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-links")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server)
        let other = try dropWithLinks(server)

        let run = try sluice(["run", pipeline, "--once"])
        #expect(run.status == 1, "the two linked entries are batches that cannot be processed: \(run.stderr)")
        #expect(run.stderr.contains("3 symbolic links on sftp://"), "\(run.stderr)")
        let b = try batches(pipeline)
        try #require(b.count == 3)
        let bySource = Dictionary(uniqueKeysWithValues: b.map { ($0["source"] as! String, $0) })
        let site = try #require(bySource["site-a"])
        #expect(site["state"] as? String == "archived" && site["studies"] as? Int == 2, "\(site)")
        let id = site["id"] as! String
        let detail = try sluice(["status", pipeline, "--json", "--batch", id])
        let files = (try JSONSerialization.jsonObject(with: detail.stdoutData) as? [String: Any])?["files"] as? [[String: Any]] ?? []
        let links = files.filter { $0["reason"] as? String == "symbolic link, not followed" }
        #expect(Set(links.compactMap { $0["path"] as? String }) == ["shadow.txt", "linked-study", "study1/IM9.dcm"])
        #expect(links.allSatisfy { $0["status"] as? String == "ignored" })
        for name in ["linked-site", "loose.dcm"] {
            let batch = try #require(bySource[name])
            #expect(batch["state"] as? String == "failed")
            let reason = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("error/\(batch["id"] as! String)/error.json")))) as? [String: Any])?["reason"] as? String)
            #expect(reason.contains("symbolic link, not followed") && reason.contains(name), "\(reason)")
        }
        // Nothing the links point at was fetched: not in the spool, the ledger or the outbox.
        #expect(filesContaining(other.token, under: dir.path) == [])
        #expect(filesContaining("OTHER-SITE-PAT", under: dir.path) == [])
        #expect(!FileManager.default.fileExists(atPath: dir.file("archive/\(id)/site-a/linked-study")))
        // On the server, the other site's files are where they were.
        #expect(try String(contentsOfFile: other.secret, encoding: .utf8) == other.token)
        #expect(FileManager.default.fileExists(atPath: other.study + "/study1/IM2.dcm"))
        // The spool and the ledger are the pipeline account's alone, and hold no link.
        #expect(permissionProblems(under: spoolAndLedger(dir)) == [])
    }

    /// `follow_links: true` is the old behaviour, for servers where links are how sites share.
    @Test func followLinksFetchesWhatLinksPointAt() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-follow")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server, inbox: ["follow_links: true"])
        let other = try dropWithLinks(server)

        let run = try sluice(["run", pipeline, "--once"])
        #expect(!run.stderr.contains("not followed"), "\(run.stderr)")
        let b = try batches(pipeline)
        try #require(b.count == 3)
        let bySource = Dictionary(uniqueKeysWithValues: b.map { ($0["source"] as! String, $0) })
        let id = try #require(bySource["site-a"]?["id"] as? String)
        #expect(bySource["site-a"]?["studies"] as? Int == 3, "site-a's two studies and the linked one")
        #expect(try String(contentsOfFile: dir.file("archive/\(id)/site-a/shadow.txt"), encoding: .utf8) == other.token)
        #expect(try SHA256Hex.of(dir.file("archive/\(id)/site-a/linked-study/study1/IM2.dcm")) == SHA256Hex.of(other.study + "/study1/IM2.dcm"))
        #expect(try SHA256Hex.of(dir.file("archive/\(id)/site-a/study1/IM9.dcm")) == SHA256Hex.of(other.study + "/study1/IM1.dcm"))
        #expect(bySource["linked-site"]?["studies"] as? Int == 1)
        let loose = try #require(bySource["loose.dcm"]?["id"] as? String)
        #expect(try String(contentsOfFile: dir.file("archive/\(loose)/loose.dcm"), encoding: .utf8) == other.token)
        // Fetched through links or not, the spool's files are owner-only.
        #expect(permissionProblems(under: spoolAndLedger(dir)) == [])
    }

    @Test func folderBatchIsClaimedDownloadedProcessedAndArchivedOnTheServer() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server)
        _ = try drop(server)
        let check = try sluice(["check", pipeline])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("renamed a probe file"), "\(check.stdout)")

        let run = try sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("PAT-1"), "no patient IDs in logs")
        let b = try batches(pipeline)
        try #require(b.count == 1)
        let id = b[0]["id"] as! String
        #expect(b[0]["state"] as? String == "archived")
        #expect(b[0]["studies"] as? Int == 2)
        #expect((b[0]["inbox"] as? String)?.hasPrefix("sftp://") == true)
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: dir.file("outbox/test/\(id)/manifest.json")))
        #expect(fm.fileExists(atPath: dir.file("outbox/test/\(id)/findings.csv")))
        // On the server: moved to the archive folder after delivery, nothing left in the inbox.
        #expect(fm.fileExists(atPath: server.root + "/inbox/.sluice-archive/\(id)/site-a/study1/IM1.dcm"))
        #expect(!fm.fileExists(atPath: server.root + "/inbox/site-a"))
        #expect(files(under: server.root + "/inbox/.sluice-processing").isEmpty)
        // Locally: the downloaded copy is archived like a local batch's input.
        #expect(try SHA256Hex.of(dir.file("archive/\(id)/site-a/study2/IM2.dcm"))
                == SHA256Hex.of(server.root + "/inbox/.sluice-archive/\(id)/site-a/study2/IM2.dcm"))
        let text = try sluice(["status", pipeline])
        #expect(text.stdout.contains("(sftp://"), "\(text.stdout)")

        let again = try sluice(["run", pipeline, "--once"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try batches(pipeline).count == 1, "a second pass takes nothing")
        #expect(try fm.contentsOfDirectory(atPath: dir.file("outbox/test")) == [id])
    }

    @Test func afterDeleteRemovesTheBatchFromTheServerOnlyAfterDelivery() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-del")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server, inbox: ["after: delete", "processing_folder: /\(server.root.dropFirst())/claimed"])
        _ = try drop(server)
        // The outbox refuses (a file where its folder should be): nothing may be deleted yet.
        _ = FileManager.default.createFile(atPath: dir.file("outbox"), contents: Data("x".utf8))
        let blocked = try sluice(["run", pipeline, "--once"])
        #expect(blocked.status == 1)
        let b = try batches(pipeline)
        try #require(b.count == 1)
        let id = b[0]["id"] as! String
        #expect(b[0]["state"] as? String == "rendered")
        #expect(FileManager.default.fileExists(atPath: server.root + "/claimed/\(id)/site-a/orders.hl7"), "kept until delivered")

        try FileManager.default.removeItem(atPath: dir.file("outbox"))
        let run = try sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try batches(pipeline).first?["state"] as? String == "archived")
        #expect(FileManager.default.fileExists(atPath: dir.file("outbox/test/\(id)/manifest.json")))
        #expect(!FileManager.default.fileExists(atPath: server.root + "/claimed/\(id)"))
        #expect(files(under: server.root + "/inbox").isEmpty)
    }

    @Test func readOnlyAccountIsClaimedThroughTheLedgerAndNeverTakenTwice() throws {
        let server = try SSHServer(readOnly: true)
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-ro")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server, inbox: ["claim: ledger"])
        _ = try drop(server)
        let check = try sluice(["check", pipeline])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("nothing is written on the server"))
        for _ in 0..<2 {
            let run = try sluice(["run", pipeline, "--once"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let b = try batches(pipeline)
        #expect(b.count == 1 && b.first?["state"] as? String == "archived", "taken once")
        #expect(FileManager.default.fileExists(atPath: server.root + "/inbox/site-a/READY"), "left on the server")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("outbox/test")).count == 1)

        // A rename claim on a read-only account is caught by check, before any batch.
        let renaming = try self.pipeline(dir, server)
        let refused = try sluice(["check", renaming])
        #expect(refused.status == 2)
        #expect(refused.stdout.contains("permission denied"), "\(refused.stdout)")
    }

    @Test func slowlyWrittenRemoteFileIsNotTakenUntilStable() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-slow")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server, settle: "1s", marker: nil)
        let chunks = 32
        let writer = SlowWriter(path: server.root + "/inbox/slow.hl7", chunk: 64 << 10, count: chunks, interval: 0.25)
        var passesWhileWriting = 0
        while writer.isWriting {
            let run = try sluice(["run", pipeline, "--once"])
            if writer.isWriting {
                passesWhileWriting += 1
                #expect(try batches(pipeline).isEmpty, "taken while still growing: \(run.stderr)")
            }
        }
        #expect(passesWhileWriting >= 2, "the file was looked at while it grew")
        var taken: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(30)
        while taken.isEmpty && Date() < deadline {
            _ = try sluice(["run", pipeline, "--once"])
            taken = try batches(pipeline)
        }
        try #require(taken.count == 1)
        #expect(taken[0]["bytes"] as? Int == chunks * (64 << 10), "the whole file, not a part")
    }

    @Test func unmarkedFolderWaitsForItsMarker() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-marker")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server, settle: "1h")
        let folder = try drop(server, marker: false)
        #expect(try sluice(["run", pipeline, "--once"]).status == 0)
        #expect(try batches(pipeline).isEmpty, "no marker, not settled: left alone")
        _ = FileManager.default.createFile(atPath: folder + "/READY", contents: Data())
        #expect(try sluice(["run", pipeline, "--once"]).status == 0)
        #expect(try batches(pipeline).first?["state"] as? String == "archived")
    }

    @Test func wrongHostKeyIsRefusedWithItsFingerprintAndNothingIsClaimed() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-hostkey")
        defer { dir.remove() }
        // known_hosts names another key for this server: a man in the middle, or a rebuilt host.
        let other = try String(contentsOfFile: server.strangerKey + ".pub", encoding: .utf8)
        try "[127.0.0.1]:\(server.port) \(other)".write(toFile: dir.file("known_hosts"), atomically: true, encoding: .utf8)
        let pipeline = try pipeline(dir, server, knownHosts: dir.file("known_hosts"))
        _ = try drop(server)
        let fingerprint = try #require(try runProcess("ssh-keygen", ["-lf", server.hostKey + ".pub"]).stdout.split(separator: " ").dropFirst().first)
        #expect(fingerprint.hasPrefix("SHA256:"))

        let run = try sluice(["run", pipeline, "--once"])
        #expect(run.status == 1)
        #expect(run.stderr.contains(String(fingerprint)), "\(run.stderr)")
        #expect(run.stderr.contains("host key does not match"))
        let check = try sluice(["check", pipeline])
        #expect(check.status == 2 && check.stdout.contains(String(fingerprint)), "\(check.stdout)")
        #expect(try batches(pipeline).isEmpty)
        #expect(FileManager.default.fileExists(atPath: server.root + "/inbox/site-a/READY"), "nothing claimed")
        #expect(!FileManager.default.fileExists(atPath: server.root + "/inbox/.sluice-processing"))
    }

    /// SIGKILL at each step between the ledger row and the after-action: the next pass finishes
    /// the batch, delivers it once and archives it on the server once.
    @Test(arguments: ["remote-recorded", "remote-claimed", "remote-downloaded", "rendered", "remote-finished"])
    func crashAtAnyStepThenRestartFinishesOnce(point: String) throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-crash")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server)
        _ = try drop(server)
        let crashed = try sluice(["run", pipeline, "--once"], env: ["SLUICE_FAULT": point])
        #expect(crashed.stderr.contains("killed at \(point)"), "\(crashed.stderr)")
        let run = try sluice(["run", pipeline, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let b = try batches(pipeline)
        try #require(b.count == 1, "one batch, not a second claim")
        let id = b[0]["id"] as! String
        #expect(b[0]["state"] as? String == "archived")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("outbox/test")) == [id])
        #expect(FileManager.default.fileExists(atPath: dir.file("outbox/test/\(id)/manifest.json")))
        #expect(files(under: dir.file("archive/\(id)/site-a")) == files(under: server.root + "/inbox/.sluice-archive/\(id)/site-a"), "every input made it")
        #expect(files(under: dir.file("archive/\(id)/site-a")).count == 8)
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.root + "/inbox/.sluice-archive") == [id])
        #expect(files(under: server.root + "/inbox/.sluice-processing").isEmpty)
    }

    @Test func serverKilledMidDownloadThenRestartedFinishesOnTheNextPass() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-in-kill")
        defer { dir.remove() }
        let pipeline = try pipeline(dir, server)
        let folder = try drop(server, bigFile: 96)
        let original = try SHA256Hex.of(folder + "/extra.bin")

        let first = Process()
        first.executableURL = URL(fileURLWithPath: sluiceBinary)
        first.arguments = ["run", pipeline, "--once"]
        first.standardError = FileHandle.nullDevice
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        var partial: Int64 = 0
        let deadline = Date().addingTimeInterval(60)
        while partial < 4 << 20 && Date() < deadline && first.isRunning {
            let processing = dir.file("processing")
            for id in (try? FileManager.default.contentsOfDirectory(atPath: processing)) ?? [] {
                let size = fileSize(processing + "/" + id + "/site-a/extra.bin")
                partial = max(partial, size ?? 0)
            }
            usleep(1000)
        }
        server.kill()
        #expect(partial >= 4 << 20 && partial < 96 << 20, "killed mid-download (\(partial) bytes)")
        first.waitUntilExit()  // gives up after its reconnect attempts
        #expect(first.terminationStatus == 1)
        let b = try batches(pipeline)
        try #require(b.count == 1)
        let id = b[0]["id"] as! String
        #expect(b[0]["state"] as? String == "claimed", "claimed on the server, not yet downloaded")
        #expect(!FileManager.default.fileExists(atPath: dir.file("outbox/test/\(id)")))

        try server.start()
        let second = try sluice(["run", pipeline, "--once"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("resuming its download"))
        let after = try batches(pipeline)
        #expect(after.count == 1 && after[0]["state"] as? String == "archived")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("outbox/test")) == [id])
        #expect(try SHA256Hex.of(dir.file("archive/\(id)/site-a/extra.bin")) == original, "nothing lost or doubled")
        #expect(FileManager.default.fileExists(atPath: server.root + "/inbox/.sluice-archive/\(id)/site-a/extra.bin"))
    }
}
