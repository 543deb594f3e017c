import Foundation
import Testing
import TestSupport

/// `sluice check` and `sluice run` with an SFTP outbox, against a real sshd.
@Suite(.serialized) struct PipelineSFTPTests {
    func pipeline(_ dir: TemporaryDirectory, server: SSHServer, key: String) throws -> String {
        let yaml = """
            name: edc
            inbox: { local: inbox }
            spool: .
            settle: 0s
            marker: READY
            render: [json, csv]
            outbox:
              - { local: outbox }
              - { sftp: "\(server.url)/pickup", identity: \(key), known_hosts: \(server.knownHosts), marker: READY }
            """
        try yaml.write(toFile: dir.file("p.yaml"), atomically: true, encoding: .utf8)
        return dir.file("p.yaml")
    }

    /// A small valid drop: one DICOM file written by pydicom (independent of our writer).
    func drop(into folder: String) throws {
        let r = try runPython("""
            import sys, os
            from pydicom.dataset import Dataset, FileMetaDataset
            from pydicom.uid import ExplicitVRLittleEndian
            os.makedirs(sys.argv[1])
            ds = Dataset(); ds.file_meta = FileMetaDataset()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = "1.2.826.0.1.3680043.10.9.1.1"
            ds.StudyInstanceUID = "1.2.826.0.1.3680043.10.9.1"; ds.SeriesInstanceUID = "1.2.826.0.1.3680043.10.9.1.2"
            ds.PatientID = "P1"; ds.AccessionNumber = "A1"; ds.Modality = "OT"
            ds.save_as(os.path.join(sys.argv[1], "IM1.dcm"), enforce_file_format=True)
            open(os.path.join(sys.argv[1], "READY"), "w").close()
            """, [folder])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func runDeliversToSFTPWithManifestLastAndAMarker() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-pipeline")
        defer { dir.remove() }
        let p = try pipeline(dir, server: server, key: server.userKey)
        try drop(into: dir.file("inbox/site"))
        // The pickup folder exists, as an EDC system's does; check lists it and writes a probe.
        try FileManager.default.createDirectory(atPath: server.root + "/pickup", withIntermediateDirectories: true)

        let check = try runProcess(sluiceBinary, ["check", p])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("outbox sftp://"), "\(check.stdout)")
        #expect(!check.stdout.contains("FAIL"))

        let run = try runProcess(sluiceBinary, ["run", p, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let local = dir.file("outbox/edc")
        let batch = try FileManager.default.contentsOfDirectory(atPath: local).first ?? "?"
        let remote = server.root + "/pickup/edc/" + batch
        for name in ["manifest.json", "findings.json", "findings.csv", "quarantine.csv", "READY"] {
            #expect(FileManager.default.fileExists(atPath: remote + "/" + name), "\(name) on the server")
        }
        for name in ["manifest.json", "findings.csv"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: remote + "/" + name)) ==
                    Data(contentsOf: URL(fileURLWithPath: local + "/" + batch + "/" + name)), "\(name) identical")
        }
        #expect(!FileManager.default.fileExists(atPath: local + "/" + batch + "/READY"), "the marker is per outbox")
        let leftovers = (FileManager.default.enumerator(atPath: server.root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "no temporaries on the server")
    }

    /// A refused key does not lose the batch: it waits in `rendered` and is delivered once the
    /// key is accepted, without being processed again.
    @Test func refusedLoginKeepsTheBatchForTheNextPass() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-pipeline")
        defer { dir.remove() }
        var p = try pipeline(dir, server: server, key: server.strangerKey)
        try drop(into: dir.file("inbox/site"))
        let refused = try runProcess(sluiceBinary, ["run", p, "--once"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refused the key"), "\(refused.stderr)")
        let status = try runProcess(sluiceBinary, ["status", p, "--json"])
        #expect(status.stdout.contains("\"state\" : \"rendered\""), "\(status.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.file("processing")), "input not archived before delivery")

        p = try pipeline(dir, server: server, key: server.userKey)
        let retried = try runProcess(sluiceBinary, ["run", p, "--once"])
        #expect(retried.status == 0, "\(retried.stderr)")
        let after = try runProcess(sluiceBinary, ["status", p, "--json"])
        #expect(after.stdout.contains("\"state\" : \"archived\""))
        #expect(after.stdout.contains("\"run\" : 1"), "delivered by the same run, not reprocessed")
    }

    @Test func sftpCopyUploadsAndDownloadsIntact() throws {
        let server = try SSHServer()
        defer { server.stop() }
        let dir = try TemporaryDirectory("sftp-copy")
        defer { dir.remove() }
        try makeRandomFile(dir.file("up.bin"), megabytes: 3)
        let args = ["sftp-copy", "--identity", server.userKey, "--known-hosts", server.knownHosts]
        let up = try runProcess(sluiceBinary, args + [dir.file("up.bin"), server.url + "/copy.bin"])
        #expect(up.status == 0, "\(up.stderr)")
        let down = try runProcess(sluiceBinary, args + [server.url + "/copy.bin", dir.file("down.bin")])
        #expect(down.status == 0, "\(down.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("down.bin"))) == Data(contentsOf: URL(fileURLWithPath: dir.file("up.bin"))))
        #expect(try runProcess(sluiceBinary, ["sftp-copy", "--identity", "k", "--known-hosts", "h", "a", "b"]).status == 2)
    }
}
