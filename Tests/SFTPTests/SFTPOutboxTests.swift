import Delivery
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct SFTPOutboxTests {
    @Test func uploadIsAtomicReplacesAtomicallyAndSkipsIdentical() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url + "/pickup"),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts))
        let first = server.dir.file("first.bin"), second = server.dir.file("second.bin")
        try makeRandomFile(first, megabytes: 8)
        try makeRandomFile(second, megabytes: 4)
        let folder = server.root + "/pickup/batch-1/studies"

        // Missing folders are created; the final name only ever shows the complete file.
        var watcher = FolderWatcher(folder: folder, finalName: "report.bin")
        #expect(try await outbox.deliver(file: first, as: "batch-1/studies/report.bin") == .delivered)
        var seen = watcher.stop()
        #expect(seen.sawTemporary, "the upload went through a temporary name")
        #expect(seen.finalSizes == [8 << 20])
        #expect(try SHA256Hex.of(folder + "/report.bin") == SHA256Hex.of(first))

        // Same bytes again (a retry or rerun): nothing is uploaded.
        watcher = FolderWatcher(folder: folder, finalName: "report.bin")
        #expect(try await outbox.deliver(file: first, as: "batch-1/studies/report.bin") == .alreadyPresent)
        seen = watcher.stop()
        #expect(!seen.sawTemporary)

        // Different bytes replace the old file; the name never holds a partial one.
        watcher = FolderWatcher(folder: folder, finalName: "report.bin")
        #expect(try await outbox.deliver(file: second, as: "batch-1/studies/report.bin") == .delivered)
        seen = watcher.stop()
        #expect(seen.finalSizes.isSubset(of: [8 << 20, 4 << 20]) && seen.finalSizes.contains(4 << 20))
        #expect(!seen.vanished, "OpenSSH's posix-rename replaces in one step: the name is never absent")
        #expect(try SHA256Hex.of(folder + "/report.bin") == SHA256Hex.of(second))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.bin"], "no temporary or side file left")

        // conflict: fail keeps the old file and says why.
        let strict = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url + "/pickup"),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts), conflict: .fail)
        await #expect(throws: DeliveryError.self) { try await strict.deliver(file: first, as: "batch-1/studies/report.bin") }
        #expect(try SHA256Hex.of(folder + "/report.bin") == SHA256Hex.of(second))
        #expect(try await strict.deliver(file: second, as: "batch-1/studies/report.bin") == .alreadyPresent)
        await outbox.close()
        await strict.close()
    }

    /// With plain SFTP RENAME denied, delivery and replace still work: proof that the outbox
    /// renames with OpenSSH's atomic posix-rename@openssh.com.
    @Test func replaceUsesPosixRename() async throws {
        let server = try SSHServer(sftpOptions: "-P rename")
        defer { server.stop() }
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts))
        let one = server.dir.file("one.txt"), two = server.dir.file("two.txt")
        try Data("one\n".utf8).write(to: URL(fileURLWithPath: one))
        try Data("two two\n".utf8).write(to: URL(fileURLWithPath: two))
        #expect(try await outbox.deliver(file: one, as: "r.txt") == .delivered)
        #expect(try await outbox.deliver(file: two, as: "r.txt") == .delivered)
        #expect(try String(contentsOfFile: server.root + "/r.txt", encoding: .utf8) == "two two\n")
        await outbox.close()
    }

    /// Servers that refuse posix-rename still get a replace in which the old file is moved
    /// aside, not deleted, until the new one holds the name; no side file is left behind.
    @Test func replaceWorksWhenPosixRenameIsRefused() async throws {
        let server = try SSHServer(sftpOptions: "-P posix-rename@openssh.com")
        defer { server.stop() }
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts))
        let old = server.dir.file("old.csv"), new = server.dir.file("new.csv")
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: old))
        try Data("a,b\n1,2\n3,4\n".utf8).write(to: URL(fileURLWithPath: new))
        try FileManager.default.createDirectory(atPath: server.root + "/out", withIntermediateDirectories: true)
        #expect(try await outbox.deliver(file: old, as: "out/findings.csv") == .delivered)
        let watcher = FolderWatcher(folder: server.root + "/out", finalName: "findings.csv")
        #expect(try await outbox.deliver(file: new, as: "out/findings.csv") == .delivered)
        let seen = watcher.stop()
        #expect(seen.finalSizes.isSubset(of: [8, 12]) && seen.finalSizes.contains(12))
        #expect(try String(contentsOfFile: server.root + "/out/findings.csv", encoding: .utf8) == "a,b\n1,2\n3,4\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.root + "/out") == ["findings.csv"])
        await outbox.close()
    }

    @Test func serverKilledMidUploadAndRestartedDeliversOnceIntact() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let local = server.dir.file("big.bin")
        // 200 MiB, as in the cancel test: the pipelined upload would finish 50 MiB before a
        // descheduled test task got round to the kill.
        try makeRandomFile(local, megabytes: 200)
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url + "/drop"),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts),
            retry: RetryPolicy(maxAttempts: 8, initialDelay: .milliseconds(250), maxDelay: .seconds(2)))
        let delivery = Task { try await outbox.deliver(file: local, as: "big.bin") }

        // Kill sshd (listener and session processes) once a few MB of the temporary file exist.
        let folder = server.root + "/drop"
        let partial = try await killWhen({
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.filter { $0.hasSuffix(".tmp") }.compactMap { fileSize(folder + "/" + $0) }.max() ?? 0
        }, reaches: 4 << 20) { server.kill() }
        #expect(partial >= 4 << 20 && partial < 200 << 20, "killed mid-upload at \(partial) bytes")
        #expect(!FileManager.default.fileExists(atPath: folder + "/big.bin"))
        try await Task.sleep(for: .milliseconds(600))
        try server.start()

        #expect(try await delivery.value == .delivered)
        #expect(try SHA256Hex.of(folder + "/big.bin") == SHA256Hex.of(local))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["big.bin"], "delivered once, no temporary left")
        await outbox.close()
    }

    /// A server that stops answering without closing the socket (SIGSTOP on its session
    /// processes) is cut after the timeout; the upload resumes on a new connection.
    @Test func stalledServerIsCutAndTheUploadResumesOnANewConnection() async throws {
        let server = try SSHServer()
        var frozen: [Int32] = []
        defer {
            for p in frozen { kill(p, SIGKILL) }
            server.stop()
        }
        let local = server.dir.file("big.bin")
        try makeRandomFile(local, megabytes: 200)  // long enough to freeze mid-way; see above
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url + "/drop"),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts),
            retry: RetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(200)), timeout: .seconds(2))
        let delivery = Task { try await outbox.deliver(file: local, as: "big.bin") }
        let folder = server.root + "/drop"
        var partial: Int64 = 0
        let deadline = Date().addingTimeInterval(30)
        while partial < 4 << 20 && Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            partial = names.filter { $0.hasSuffix(".tmp") }.compactMap { fileSize(folder + "/" + $0) }.max() ?? 0
            try await Task.sleep(for: .milliseconds(1))  // never block the cooperative pool the transfer needs
        }
        frozen = server.sessionPIDs()
        for p in frozen { kill(p, SIGSTOP) }
        #expect(!frozen.isEmpty && partial < 200 << 20, "frozen mid-upload")
        #expect(try await delivery.value == .delivered)
        #expect(try SHA256Hex.of(folder + "/big.bin") == SHA256Hex.of(local))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["big.bin"])
        await outbox.close()
    }

    /// A server that stays down uses up the bounded attempts; the engine then gets one
    /// DeliveryError to record (and retries on its next pass).
    @Test func serverThatStaysDownGivesUpAfterTheConfiguredAttempts() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        server.kill()
        let local = server.dir.file("a.txt")
        try Data("a\n".utf8).write(to: URL(fileURLWithPath: local))
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts),
            retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(50)))
        do {
            _ = try await outbox.deliver(file: local, as: "a.txt")
            Issue.record("delivered to a server that is down")
        } catch let error as DeliveryError {
            #expect(error.description.contains("cannot connect") && error.description.contains("gave up after 3 attempts"), "\(error)")
            #expect(error.outbox == "sftp://\(server.user)@127.0.0.1:\(server.port)\(server.root)")
        }
    }

    /// Cancelling a delivery (engine shutdown) stops a long upload promptly, not after it ends.
    @Test func cancellingStopsALongUploadPromptly() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let local = server.dir.file("big.bin")
        // 200 MiB: at loopback speed (150–250 MB/s pipelined) the upload lasts about a second, so
        // a test task that a busy 2-core machine deschedules for a moment still cancels it before
        // its last byte.
        try makeRandomFile(local, megabytes: 200)
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts))
        let delivery = Task { try await outbox.deliver(file: local, as: "big.bin") }
        var partial: Int64 = 0
        let deadline = Date().addingTimeInterval(30)
        while partial < 2 << 20 && Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: server.root)) ?? []
            partial = names.filter { $0.hasSuffix(".tmp") }.compactMap { fileSize(server.root + "/" + $0) }.max() ?? 0
            try await Task.sleep(for: .milliseconds(1))
        }
        delivery.cancel()
        let result = await delivery.result
        #expect(throws: (any Error).self) { try result.get() }
        let written = try FileManager.default.contentsOfDirectory(atPath: server.root).compactMap { fileSize(server.root + "/" + $0) }.max() ?? 0
        #expect(written < 200 << 20, "the upload stopped before the end")
        #expect(!FileManager.default.fileExists(atPath: server.root + "/big.bin"))
        await outbox.close()
    }

    @Test func backoffDoublesUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 6, initialDelay: .seconds(1), maxDelay: .seconds(5))
        #expect((1...5).map { policy.delay(afterAttempt: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test func readOnlyAccountGivesAClearPermissionError() async throws {
        let server = try SSHServer(readOnly: true)
        defer { server.stop() }
        try FileManager.default.createDirectory(atPath: server.root + "/pickup", withIntermediateDirectories: true)
        let local = server.dir.file("small.txt")
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: local))
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url + "/pickup"),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts),
            retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(50)))
        do {
            _ = try await outbox.deliver(file: local, as: "small.txt")
            Issue.record("a read-only account accepted a file")
        } catch let error as DeliveryError {
            #expect(error.description.contains("permission denied"), "\(error)")
            #expect(error.description.contains(server.root + "/pickup"), "names the remote path: \(error)")
            #expect(!error.description.contains("gave up"), "permission errors are not retried: \(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.root + "/pickup").isEmpty)
        await outbox.close()
    }
}
