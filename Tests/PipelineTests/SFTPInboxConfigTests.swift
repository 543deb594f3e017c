import Delivery
import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// `inbox: - { sftp: … }` in the pipeline file: defaults, and errors that name file, line and key.
@Suite struct SFTPInboxConfigTests {
    func load(_ yaml: String) throws -> PipelineConfig {
        let dir = try TemporaryDirectory("config")
        let path = dir.file("p.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try PipelineConfig.load(path)
    }

    func error(_ inbox: String, spool: String = "spool: .\n") -> ConfigError? {
        do { _ = try load("name: x\n\(spool)outbox: out\ninbox:\n  - " + inbox + "\n"); return nil } catch { return error as? ConfigError }
    }

    @Test func defaultsAndAReadOnlyClaim() throws {
        let c = try load("""
            name: x
            spool: var
            outbox: out
            inbox:
              - sftp: "sftp://site@host:2222/drops/in"
                identity: keys/id
                passphrase: env:KEY_PASS
                known_hosts: keys/kh
              - { sftp: "sftp://ro@host/in", password: "file:pw", known_hosts: kh, claim: ledger, recursive: false, follow_links: true }
            """)
        guard case .sftp(let a) = c.inboxes[0], case .sftp(let b) = c.inboxes[1] else { Issue.record("not sftp"); return }
        #expect(a.endpoint.port == 2222 && a.claim == .rename && a.after == .archive && a.recursive)
        #expect(a.processingFolder == "/drops/in/.sluice-processing" && a.archiveFolder == "/drops/in/.sluice-archive")
        #expect(a.credentials.description.contains("$KEY_PASS") || a.credentials.description.contains("keys/id"))
        #expect(b.claim == .ledger && b.after == .leave && !b.recursive)
        #expect(!a.followLinks && b.followLinks, "links are not followed unless asked")
        #expect(c.spool.hasSuffix("/var"))
    }

    @Test func errorsNameTheKeyAndNeverEchoASecret() {
        let hosts = error("{ sftp: \"sftp://u@h/in\", identity: k }")
        #expect(hosts?.key == "inbox.known_hosts" && hosts?.line == 5)
        let literal = error("{ sftp: \"sftp://u@h/in\", password: hunter2, known_hosts: kh }")
        #expect(literal?.key == "inbox.password")
        #expect(literal?.description.contains("hunter2") == false)
        #expect(error("{ sftp: \"sftp://u@h/in\", identity: k, known_hosts: kh, claim: ledger, after: delete }")?.key == "inbox.after")
        #expect(error("{ sftp: \"sftp://u@h/in\", identity: k, known_hosts: kh, processing_folder: work }")?.key == "inbox.processing_folder",
                "a visible folder inside the inbox would be listed as a batch")
        #expect(error("{ sftp: \"sftp://u@h/in\", identity: k, known_hosts: kh, after: often }")?.key == "inbox.after")
        #expect(error("{ sftp: \"sftp://u@h/in\", identity: k, known_hosts: kh, follow_links: sometimes }")?.key == "inbox.follow_links")
        #expect(error("{ local: in, after: delete }")?.key == "inbox.after")
        let spool = error("{ sftp: \"sftp://u@h/in\", identity: k, known_hosts: kh }", spool: "")
        #expect(spool?.key == "spool")
    }
}
