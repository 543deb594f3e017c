import Archive
import Delivery
import DICOM
import Foundation
import Testing
import TestSupport
@testable import Pipeline

@Suite struct ConfigTests {
    func load(_ yaml: String) throws -> PipelineConfig {
        let dir = try TemporaryDirectory("config")
        let path = dir.file("p.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try PipelineConfig.load(path)
    }

    func error(_ yaml: String) -> ConfigError? {
        do { _ = try load(yaml); return nil } catch { return error as? ConfigError }
    }

    @Test func fullFileParsesWithRelativePaths() throws {
        let c = try load("""
            name: chest-xr
            ledger: sqlite:state/ledger.db
            inbox: [{ local: in }, drops/b]
            poll: 5s
            settle: 1m
            marker: DONE
            validate: { modalities: [cr, DX], require: [PatientID, AccessionNumber] }
            group: study
            render: [json, csv]
            outbox: { local: out }
            workers: 3
            zip: { max_total_size: 2GB, max_ratio: 50, max_archive_ratio: 80 }
            """)
        #expect(c.name == "chest-xr")
        #expect(c.poll == .seconds(5) && c.settle == .seconds(60))
        #expect(c.marker == "DONE")
        #expect(c.validate.modalities == ["CR", "DX"])
        #expect(c.validate.require.map(\.keyword) == ["PatientID", "AccessionNumber"])
        #expect(c.workers == 3)
        #expect(c.zipLimits.maxTotalSize == 2_000_000_000 && c.zipLimits.maxRatio == 50 && c.zipLimits.maxArchiveRatio == 80)
        #expect(c.spoolPermissions == .ownerOnly, "the spool is owner-only unless spool_group says otherwise")
        guard case .sqlite(let db) = c.ledger, case .local(let inbox) = c.inboxes[0], case .local(let out, _) = c.outboxes[0].location else {
            Issue.record("unexpected locations"); return
        }
        let base = (c.file as NSString).deletingLastPathComponent
        #expect(db == base + "/state/ledger.db")
        #expect(inbox == base + "/in")
        #expect(out == base + "/out")
        #expect(c.inboxes.count == 2)
    }

    @Test func errorsNameFileLineAndKey() {
        let e = error("name: x\ninbox: in\noutbox: out\npoll: 10x\n")
        #expect(e?.line == 4)
        #expect(e?.key == "poll")
        #expect(e?.description.contains("p.yaml:4: key 'poll'") == true)
    }

    @Test func spoolGroupNamesAGroupOfThisMachine() throws {
        let name = String(cString: try #require(getgrgid(getgid())).pointee.gr_name)
        let c = try load("name: x\ninbox: in\noutbox: out\nspool_group: \(name)\n")
        #expect(c.spoolPermissions == .group(getgid()))
        #expect(c.spoolPermissions.file == 0o640 && c.spoolPermissions.folder == 0o2750)
        let e = error("name: x\ninbox: in\noutbox: out\nspool_group: no-such-group-sluice\n")
        #expect(e?.key == "spool_group" && e?.line == 4)
        #expect(e?.description.contains("no-such-group-sluice") == true)
    }

    /// Results are per study; a unit that would be parsed and then ignored is refused instead.
    @Test func onlyStudyGroupingIsAccepted() throws {
        for unit in ["series", "patient"] {
            let e = error("name: t\ninbox: in\noutbox: out\ngroup: \(unit)\n")
            #expect(e?.key == "group" && "\(e!)".contains("results are grouped per study"), "\(String(describing: e))")
        }
        #expect(try load("name: t\ninbox: in\noutbox: out\ngroup: study\n").group == .study)
    }

    /// The limits and crash-loop settings of the hardening issue load as written.
    @Test func limitsAndBatchAttemptsLoad() throws {
        let c = try load("""
            name: t
            inbox: in
            outbox: out
            batch_attempts: 5
            batch_timeout: 30m
            limits: { max_frame_pixels: 1000000, max_frames: 50, max_decoded_bytes: 64MiB }
            """)
        #expect(c.batchAttempts == 5 && c.batchTimeout == .seconds(1800))
        #expect(c.pixelLimits == PixelLimits(maxFramePixels: 1_000_000, maxFrames: 50, maxDecodedBytes: 64 << 20))
        #expect(try load("name: t\ninbox: in\noutbox: out\nbatch_timeout: off\n").batchTimeout == nil)
        #expect(error("name: t\ninbox: in\noutbox: out\nlimits: { max_frames: 0 }\n")?.key == "limits.max_frames")
    }

    @Test func unknownKeysAreRefused() {
        let e = error("name: x\ninbox: in\noutbox: out\nsetle: 30s\n")
        #expect(e?.key == "setle")
        #expect(e?.line == 4)
    }

    @Test func unknownAttributeKeyword() {
        let e = error("name: x\ninbox: in\noutbox: out\nvalidate: { require: [PatientId] }\n")
        #expect(e?.key == "validate.require")
        #expect(e?.description.contains("PatientId") == true)
    }

    @Test func missingRequiredKeys() {
        #expect(error("inbox: in\noutbox: out\n")?.key == "name")
        #expect(error("name: x\noutbox: out\n")?.key == "inbox")
        #expect(error("name: x\ninbox: in\n")?.key == "outbox")
    }

    @Test func passwordsInLedgerURLAreRefused() {
        let e = error("name: x\ninbox: in\noutbox: out\nledger: postgres://u:secret@db/sluice\n")
        #expect(e?.key == "ledger")
        #expect(e?.description.contains("secret") == false)
    }

    @Test func badYAMLSaysWhere() {
        let e = error("name: x\ninbox: [in\n")
        #expect(e != nil)
        #expect(e?.line != nil)
    }

    @Test func sftpOutboxNeedsKnownHostsAndSecretsByReference() throws {
        let ok = try load("""
            name: x
            inbox: in
            outbox:
              - { sftp: "sftp://edc@127.0.0.1:2222/pickup", identity: keys/id, passphrase: "env:EDC_PASS", known_hosts: keys/kh, conflict: fail, marker: DONE }
            """)
        guard case .sftp(let endpoint, let credentials, let conflict, let marker) = ok.outboxes[0].location else {
            Issue.record("not an sftp outbox"); return
        }
        #expect(endpoint.host == "127.0.0.1" && endpoint.port == 2222 && endpoint.user == "edc" && endpoint.path == "/pickup")
        #expect(conflict == .fail && marker == "DONE")
        #expect(credentials.description.contains("$EDC_PASS"))

        let noHosts = error("name: x\ninbox: in\noutbox: { sftp: \"sftp://u@h/p\", identity: k }\n")
        #expect(noHosts?.key == "outbox.known_hosts")
        let literal = error("name: x\ninbox: in\noutbox: { sftp: \"sftp://u@h/p\", password: hunter2, known_hosts: kh }\n")
        #expect(literal?.key == "outbox.password")
        #expect(literal?.description.contains("hunter2") == false, "a secret is never echoed")
        let inURL = error("name: x\ninbox: in\noutbox: { sftp: \"sftp://u:pw@h/p\", identity: k, known_hosts: kh }\n")
        #expect(inURL?.key == "outbox.sftp")
        #expect(inURL?.description.contains("pw@") == false)
    }
}

/// Inboxes, outboxes, the spool's folders and the ledger are kept apart by the loader, so
/// `sluice check` and `sluice run` refuse a layout that would claim outputs or the ledger as
/// batches (each case names both keys).
extension ConfigTests {
    /// Loads `yaml` from `dir` after `prepare` has made folders or links there.
    func overlapError(_ yaml: String, prepare: (TemporaryDirectory) throws -> Void = { _ in }) throws -> ConfigError? {
        let dir = try TemporaryDirectory("overlap")
        defer { dir.remove() }
        try prepare(dir)
        let path = dir.file("p.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        do { _ = try PipelineConfig.load(path); return nil } catch { return error }
    }

    @Test func outboxInsideTheInboxIsRefused() throws {
        let e = try #require(try overlapError("name: x\ninbox: var/inbox\noutbox: var/inbox/reports\n"))
        #expect(e.key == "outbox" && e.line == 3)
        #expect(e.message.contains("/var/inbox/reports lies inside 'inbox' ("))
        #expect(e.message.contains("claimed as a batch"))
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: [{ local: out }, { local: var/inbox }]\n")?.key == "outbox[1].local",
                "the same folder as the inbox")
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: { local: var }\nspool: spool\n")?.key == "inbox",
                "an inbox inside an outbox would be published")
    }

    @Test func ledgerInsideTheInboxIsRefused() throws {
        let e = try #require(try overlapError("name: x\ninbox: var/inbox\noutbox: var/outbox\nledger: sqlite:var/inbox/sluice.db\n"))
        #expect(e.key == "ledger" && e.line == 4)
        #expect(e.message.contains("'inbox'"))
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: var/outbox\nledger: sqlite:var/outbox/x/sluice.db\n")?.key == "ledger")
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: var/outbox\nledger: sqlite:var/work/sluice.db\n")?.message
            .contains("its work folder") == true, "work folders are deleted")
    }

    @Test func spoolEqualToTheInboxIsRefused() throws {
        let e = try #require(try overlapError("name: x\ninbox: var/inbox\noutbox: var/outbox\nspool: var/inbox\n"))
        #expect(e.key == "spool" && e.line == 4)
        #expect(e.message.contains("its processing folder") && e.message.contains("lies inside 'inbox'"))
        // An inbox or an outbox inside one of the spool's folders is moved or deleted with it.
        let inbox = try #require(try overlapError("name: x\ninbox: var/archive/in\noutbox: var/outbox\nspool: var\n"))
        #expect(inbox.key == "inbox" && inbox.message.contains("'spool' (its archive folder"))
        let error = try #require(try overlapError("name: x\ninbox: var/inbox\noutbox: var/error\nspool: var\n"))
        #expect(error.key == "spool" && error.message.contains("its error folder") && error.message.contains("the same place as 'outbox'"))
        // The spool is the outbox: processing/ and archive/ would be published.
        #expect(try overlapError("name: x\ninbox: in\noutbox: out\nspool: out\n")?.key == "spool")
    }

    @Test func nestedInboxesAndOutboxesAreRefused() throws {
        #expect(try overlapError("name: x\ninbox: [var/inbox, var/inbox/site-b]\noutbox: var/outbox\n")?.key == "inbox[1]")
        #expect(try overlapError("name: x\ninbox: [var/inbox, var/inbox]\noutbox: var/outbox\n")?.message.contains("the same place") == true)
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: [var/outbox, var/outbox/edc]\n")?.key == "outbox[1]")
    }

    /// `..`, a trailing slash or a symlink does not hide that two places are one.
    @Test func pathsAreComparedResolved() throws {
        #expect(try overlapError("name: x\ninbox: var/inbox/\noutbox: var/tmp/../inbox/out/\n")?.key == "outbox")
        let linked = try #require(try overlapError("name: x\ninbox: var/inbox\noutbox: reports\n") { dir in
            try FileManager.default.createDirectory(atPath: dir.file("var/inbox/reports"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir.file("reports"), withDestinationPath: dir.file("var/inbox/reports"))
        })
        #expect(linked.key == "outbox" && linked.message.contains("var/inbox/reports"), "the link's target is shown")
        // A link to a folder that does not exist yet, then a path below it.
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: link/new/out\n") { dir in
            try FileManager.default.createDirectory(atPath: dir.file("var/inbox"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: dir.file("var/inbox"))
        }?.key == "outbox")
        // The ledger reached through a linked spool.
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: var/outbox\nspool: var\nledger: sqlite:state/sluice.db\n") { dir in
            try FileManager.default.createDirectory(atPath: dir.file("var/inbox"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir.file("state"), withDestinationPath: dir.file("var/inbox"))
        }?.key == "ledger")
    }

    @Test func siblingLayoutsStayAccepted() throws {
        #expect(try overlapError("""
            name: x
            inbox: [{ local: var/inbox }, var/inbox2]
            spool: var
            ledger: sqlite:var/sluice.db
            outbox: [{ local: var/outbox }, var/outbox-edc]
            """) == nil, "siblings, and names that only share a prefix")
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: var/outbox\n") == nil, "default spool (var) and ledger (var/sluice.db)")
        #expect(try overlapError("name: x\ninbox: in\noutbox: out\nspool: /tmp/../var/tmp/sluice-spool/\n") == nil)
        #expect(try overlapError("name: x\ninbox: var/inbox\noutbox: var/outbox\n") { dir in
            // Links that point beside each other, not into one another.
            try FileManager.default.createDirectory(atPath: dir.file("real/inbox"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir.file("real/outbox"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir.file("var"), withDestinationPath: dir.file("real"))
        } == nil)
    }

    /// The committed pipeline files keep loading (from the package root, as `make run` does).
    @Test func samplePipelinesLoad() throws {
        let folder = FileManager.default.currentDirectoryPath + "/pipelines"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            do { _ = try PipelineConfig.load(folder + "/" + file) } catch { Issue.record("\(file): \(error)") }
        }
    }

    /// `sluice check` and `sluice run` stop at the pipeline file: exit 2, both keys named, nothing claimed.
    @Test func checkAndRunRefuseAnOverlap() throws {
        let dir = try TemporaryDirectory("overlap-cli")
        defer { dir.remove() }
        let pipeline = dir.file("p.yaml")
        try "name: x\ninbox: var/inbox\noutbox: var/outbox\nledger: sqlite:var/inbox/sluice.db\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir.file("var/inbox/drop"), withIntermediateDirectories: true)
        for command in [["check", pipeline], ["run", pipeline, "--once"]] {
            let r = try Fixtures.sluice(command)
            #expect(r.status == 2, "\(command[0]): \(r.stderr)")
            #expect(r.stderr.contains("key 'ledger'") && r.stderr.contains("lies inside 'inbox'"), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("var/inbox/sluice.db")), "no ledger was made")
        #expect(FileManager.default.fileExists(atPath: dir.file("var/inbox/drop")), "nothing was claimed")
    }
}

/// A YAML syntax error is reported by file, line and column and libyaml's problem, never with
/// the offending line quoted: on a `password:` line that line holds the secret.
extension ConfigTests {
    @Test func yamlErrorsNeverQuoteASecretLine() {
        let head = "name: x\ninbox: in\noutbox:\n  - smtp: \"smtp://mail.site.example:587\"\n    username: sluice\n"
        let cases: [(yaml: String, line: Int)] = [
            (head + "    password: hunter2-secret: oops\n    from: s@site.example\n", 6),     // mapping value in a plain scalar
            (head + "    password: \"hunter2-secret\n    from: s@site.example\n", 6),        // unclosed quote, reported at the end
            (head + "    password: 'hunter2-secret' trailing\n", 6),                          // text after a quoted scalar
            (head + "    password: [hunter2-secret\n", 6),                                    // unclosed flow sequence
            (head + "    password:\thunter2-secret\n\t  from: x\n", 7),                       // a tab where indentation goes
        ]
        for (yaml, line) in cases {
            let e = error(yaml)
            #expect(e != nil, "\(yaml)")
            guard let e else { continue }
            #expect(!e.description.contains("hunter2"), "\(e.description)")
            #expect(e.description.contains("not valid YAML") && e.description.contains("column"), "\(e.description)")
            #expect(e.line != nil && e.line! >= line, "\(e.description)")
        }
        let plain = error("name: x\ninbox: [in\n")
        #expect(plain?.description.contains("p.yaml:") == true && plain?.description.contains("[in") == false)
    }
}
