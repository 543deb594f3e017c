import Delivery
import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// What Sluice keeps — claimed inputs, unpacked zips, staged outputs, error reports, archived
/// inputs, the ledger with its -wal and -shm — holds patient data and is the pipeline account's
/// alone (or its group's, with `spool_group`); outboxes keep the modes other systems read with.
/// Runs the built binary on a local inbox.
@Suite struct SpoolPermissionsTests {
    let studies = [Fixtures.Study(), Fixtures.Study(patientID: "PAT-2", accession: "ACC-2", studyUID: "1.2.826.0.1.3680043.10.1.2", slices: 4)]

    /// A folder batch, a zip batch and a zip bomb, all world-readable as an upload leaves them
    /// (files 0644, folders 0755).
    func drops(_ dir: TemporaryDirectory) throws {
        let fm = FileManager.default
        for (i, s) in studies.enumerated() { try Fixtures.write(s, into: dir.file("inbox/site-a/study\(i)")) }
        _ = fm.createFile(atPath: dir.file("inbox/site-a/READY"), contents: Data())
        let staging = dir.file("staging")
        try Fixtures.write(studies[0], into: staging + "/study0")
        let r = try runPython("""
            import shutil, sys, zipfile
            shutil.make_archive(sys.argv[1] + '/site-b', 'zip', sys.argv[2])
            with zipfile.ZipFile(sys.argv[1] + '/bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
                for i in range(400): z.writestr(f'zeros/{i:03d}.bin', bytes(1 << 20))
            for n in ('site-b.zip', 'bomb.zip'): open(sys.argv[1] + '/' + n + '.READY', 'w').close()
            """, [dir.file("inbox"), staging])
        #expect(r.status == 0, "\(r.stderr)")
        for path in ["inbox/site-a", "inbox/site-a/study0", "inbox/site-a/study1"] { chmod(dir.file(path), 0o755) }
        for path in Fixtures.files(under: dir.file("inbox")) { chmod(dir.file("inbox/" + path), 0o644) }
    }

    /// Sluice's folders in the spool (`spool: .`) and the ledger beside them.
    func spoolAndLedger(_ dir: TemporaryDirectory) -> [String] {
        ["processing", "archive", "error", "work", "mail", "sluice.db", "sluice.db-wal", "sluice.db-shm"].map(dir.file)
    }

    func batches(_ pipeline: String) throws -> [[String: Any]] {
        let r = try Fixtures.sluice(["status", pipeline, "--json"])
        return (try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])?["batches"] as? [[String: Any]] ?? []
    }

    /// The mode a new 0644 file gets here (the umask decides; the outbox used to follow it).
    func plainFileMode(_ dir: TemporaryDirectory) -> mode_t {
        let probe = dir.file("probe")
        close(open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o644))
        var st = stat()
        stat(probe, &st)
        unlink(probe)
        return st.st_mode & 0o7777
    }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
    }

    @Test func spoolAndLedgerAreOwnerOnlyAtEveryStep() throws {
        let dir = try TemporaryDirectory("perm")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir)
        try drops(dir)
        // Left by an older version: a world-readable ledger and archive folder are tightened.
        _ = FileManager.default.createFile(atPath: dir.file("sluice.db"), contents: Data(), attributes: [.posixPermissions: 0o644])
        try FileManager.default.createDirectory(atPath: dir.file("archive"), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        // The outbox refuses at first (a file where its folder should be): inputs, unpacked
        // entries and staged outputs all stay in the spool for the first look.
        _ = FileManager.default.createFile(atPath: dir.file("outbox"), contents: Data("x".utf8))
        let blocked = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(blocked.status == 1)
        let first = try batches(pipeline)
        #expect(first.count == 3)
        #expect(first.filter { $0["state"] as? String == "rendered" }.count == 2 && first.contains { $0["state"] as? String == "failed" })
        #expect(!Fixtures.files(under: dir.file("processing")).isEmpty && !Fixtures.files(under: dir.file("work")).isEmpty)
        #expect(Fixtures.files(under: dir.file("work")).contains { $0.hasSuffix("unpacked/study0/IM0001.dcm") }, "the zip's entries")
        #expect(Fixtures.files(under: dir.file("error")).contains { $0.hasSuffix("/error.json") })
        #expect(permissionProblems(under: spoolAndLedger(dir)) == [])

        try FileManager.default.removeItem(atPath: dir.file("outbox"))
        let delivered = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(delivered.status == 0, "\(delivered.stderr)")
        let second = try batches(pipeline)
        #expect(second.filter { $0["state"] as? String == "archived" }.count == 2)
        #expect(Fixtures.files(under: dir.file("archive")).contains { $0.hasSuffix("site-a/study1/IM0004.dcm") })
        #expect(permissionProblems(under: spoolAndLedger(dir)) == [])

        // The outbox is for other systems: its files are made as they always were.
        let id = try #require(second.first { $0["source"] as? String == "site-a" }?["id"] as? String)
        #expect(mode(dir.file("outbox/test/\(id)/manifest.json")) == plainFileMode(dir))
    }

    /// SQLite gives its -wal and -shm the database file's mode; they exist only while the
    /// ledger is open, so this looks at them from inside.
    @Test(arguments: [false, true])
    func ledgerWithItsWALAndSharedMemoryFollowsThePermissions(group: Bool) throws {
        let gid = try #require(spareGroup()).gid
        let permissions: SpoolPermissions = group ? .group(gid) : .ownerOnly
        let dir = try TemporaryDirectory("perm-ledger")
        defer { dir.remove() }
        let path = dir.file("sluice.db")
        _ = FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o644])
        let ledger = try SQLiteLedger(path: path, permissions: permissions)
        try ledger.insertBatch(BatchRecord(id: "b1", pipeline: "p", sourceName: "s", inbox: "local:/in", kind: .folder,
                                           claimedAt: Date(), fingerprint: nil, duplicateOf: nil, inputPath: nil))
        let files = [path, path + "-wal", path + "-shm"]
        #expect(files.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(permissionProblems(under: files, files: permissions.file, group: permissions.group) == [])
        withExtendedLifetime(ledger) {}
    }

    /// A group this process may give files to: another than its own when it runs as root.
    func spareGroup() -> (name: String, gid: gid_t)? {
        if getuid() == 0 {
            for name in ["nogroup", "users", "daemon"] {
                if let g = getgrnam(name), g.pointee.gr_gid != getgid() { return (name, g.pointee.gr_gid) }
            }
        }
        return getgrgid(getgid()).map { (String(cString: $0.pointee.gr_name), getgid()) }
    }

    @Test func spoolGroupGivesOneGroupReadAccess() throws {
        let group = try #require(spareGroup())
        let dir = try TemporaryDirectory("perm-group")
        defer { dir.remove() }
        let pipeline = try Fixtures.pipeline(in: dir, extra: "spool_group: \(group.name)")
        try drops(dir)
        let run = try Fixtures.sluice(["run", pipeline, "--once"])
        #expect(run.status == 1, "the bomb fails; the rest is delivered: \(run.stderr)")
        #expect(try batches(pipeline).filter { $0["state"] as? String == "archived" }.count == 2)
        #expect(!Fixtures.files(under: dir.file("archive")).isEmpty && !Fixtures.files(under: dir.file("error")).isEmpty)
        #expect(permissionProblems(under: spoolAndLedger(dir), files: 0o640, folders: 0o2750, group: group.gid) == [])
    }
}
