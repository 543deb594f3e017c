import Foundation
import Testing
import TestSupport

/// A batch whose processing keeps killing the process (or hanging it) is moved to error/ with
/// the reason after `batch_attempts`, alerted once, and never holds up the batches behind it —
/// run through the real binary, killed for real (SIGKILL at a fault point, or the watchdog's exit).
@Suite(.serialized) struct CrashLoopTests {
    func setUp(_ dir: TemporaryDirectory, extra: String) throws -> String {
        let p = try Fixtures.pipeline(in: dir, extra: extra)
        // Named so the poisoned batch comes first in the inbox listing.
        for (name, study) in [("a-poison", Fixtures.Study()), ("b-fine", Fixtures.Study(patientID: "PAT-2", accession: "ACC-2",
                                                                                     studyUID: "1.2.826.0.1.3680043.10.1.2"))] {
            try Fixtures.write(study, into: dir.file("inbox/\(name)/s0"))
            _ = FileManager.default.createFile(atPath: dir.file("inbox/\(name)/READY"), contents: Data())
        }
        return p
    }

    func outputs(_ dir: TemporaryDirectory) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir.file("outbox/test"))) ?? []
    }

    @Test func aBatchThatKillsTheProcessEndsInErrorAndOthersGoOn() throws {
        let server = try SMTPTestServer(mode: .starttls)
        defer { server.stop() }
        let dir = try TemporaryDirectory("crash-loop")
        defer { dir.remove() }
        let p = try setUp(dir, extra: """
            batch_attempts: 2
            alerts:
              smtp: "smtp://127.0.0.1:\(server.port)"
              ca_file: \(server.certificates.ca)
              from: "Sluice <sluice@site.example>"
              to: [ops@site.example]
            """)
        let fault = ["SLUICE_FAULT": "validated:1:poison"]
        // 1: the poisoned batch is claimed first and kills the process.
        let first = try Fixtures.sluice(["run", p, "--once"], env: fault)
        #expect(first.status != 0 && first.stderr.contains("killed at validated"), "\(first.stderr)")
        #expect(outputs(dir).isEmpty)
        // 2: the batch behind it is delivered first; then the poisoned one kills the process again.
        let second = try Fixtures.sluice(["run", p, "--once"], env: fault)
        #expect(second.stderr.contains("killed at validated"), "\(second.stderr)")
        #expect(outputs(dir).count == 1, "b-fine delivered although a-poison came first")
        let status = try Fixtures.sluice(["status", p])
        #expect(status.stdout.contains("2 attempts ended without an outcome"), "\(status.stdout)")
        // 3: over batch_attempts: to error/ with the reason, alerted once; the run ends normally.
        let third = try Fixtures.sluice(["run", p, "--once"], env: fault)
        #expect(!third.stderr.contains("killed at"), "\(third.stderr)")
        let failed = try FileManager.default.contentsOfDirectory(atPath: dir.file("error"))
        #expect(failed.count == 1)
        let report = try Fixtures.json(dir.file("error/\(failed[0])/error.json"))
        let reason = report["reason"] as? String ?? ""
        #expect(reason.contains("started 2 times and never finished") && reason.contains("last reached validated"), "\(reason)")
        #expect(FileManager.default.fileExists(atPath: dir.file("error/\(failed[0])/a-poison/s0")), "the input is kept")
        let after = try Fixtures.sluice(["status", p])
        #expect(after.stdout.contains("failed") && after.stdout.contains("started 2 times"), "\(after.stdout)")
        #expect(!after.stdout.contains("claimed "), "nothing left claimed")
        #expect(server.receivedMessages.count == 1, "the failed batch is alerted")
        let alert = try ReceivedMail.parse(try #require(server.receivedMessages.first))
        #expect(alert.text?.contains("batch \(failed[0]) run 1: input to error/") == true, "\(alert.text ?? "")")
        #expect(alert.text?.contains("started 2 times") == true)
        // Later passes neither process nor alert it again.
        _ = try Fixtures.sluice(["run", p, "--once"], env: fault)
        #expect(server.receivedMessages.count == 1)
        #expect(outputs(dir).count == 1)
    }

    @Test func aBatchThatHangsIsEndedByTheTimeoutAndCounted() throws {
        let dir = try TemporaryDirectory("hang-loop")
        defer { dir.remove() }
        let p = try setUp(dir, extra: "batch_attempts: 1\nbatch_timeout: 1s")
        let fault = ["SLUICE_FAULT": "validated:1:poison:hang"]
        let first = try Fixtures.sluice(["run", p, "--once"], env: fault)
        #expect(first.status == 70 && first.stderr.contains("still processing after 1s (batch_timeout)"), "\(first.stderr)")
        let second = try Fixtures.sluice(["run", p, "--once"], env: fault)
        #expect(second.status == 0 || second.status == 1, "\(second.stderr)")
        #expect(outputs(dir).count == 1, "b-fine delivered")
        let failed = try FileManager.default.contentsOfDirectory(atPath: dir.file("error"))
        #expect(failed.count == 1, "a-poison in error/ after its one attempt")
    }
}
