import Archive
import Delivery
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
        guard case .sqlite(let db) = c.ledger, case .local(let inbox) = c.inboxes[0], case .local(let out, _) = c.outboxes[0] else {
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
        guard case .sftp(let endpoint, let credentials, let conflict, let marker) = ok.outboxes[0] else {
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
