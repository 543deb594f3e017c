import Delivery
import Foundation
import Pipeline
import Testing
import TestSupport

@Suite(.serialized) struct SFTPInboxTests {
    /// A remote file growing in 64 KiB steps every 250 ms is never judged ready by the
    /// pipeline's own readiness rules while it grows, and is once it has settled.
    @Test func slowlyWrittenRemoteFileIsNotReadyUntilStable() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let folder = server.root + "/inbox"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let inbox = SFTPInbox(endpoint: try SFTPEndpoint(url: server.url + "/inbox"),
                              credentials: .identity(server.userKey, knownHosts: server.knownHosts), marker: "READY")
        let path = folder + "/slow.hl7"
        #expect(try await inbox.list().isEmpty)  // logged in before the writer starts
        // The writer goes on until the watcher has seen the file grow three times (at most 100 s),
        // so a slow listing on a busy 2-core machine cannot make the file look settled early.
        let writer = SlowWriter(path: path, chunk: 64 << 10, count: 400, interval: 0.25)

        var watcher = Watcher(settle: .seconds(1))
        var readyWhileWriting = false
        var pollsWhileWriting = 0
        var ready: InboxEntry?
        let deadline = Date().addingTimeInterval(150)
        while ready == nil && Date() < deadline {
            let writing = writer.isWriting  // read before listing: a later finish cannot make this stale
            if writing {
                pollsWhileWriting += 1
                if pollsWhileWriting >= 3 { writer.stop() }
            }
            for (entry, verdict) in watcher.poll(try await inbox.list()) where entry.name == "slow.hl7" {
                #expect(entry.newestModification.timeIntervalSince1970.rounded() == entry.newestModification.timeIntervalSince1970,
                        "SFTP v3 mtimes are whole seconds")
                if verdict == .ready {
                    if writing { readyWhileWriting = true } else { ready = entry }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(pollsWhileWriting >= 3, "the file was watched while it grew")
        #expect(!readyWhileWriting)
        #expect(ready?.totalSize == Int64(writer.written * (64 << 10)))
        #expect(ready?.kind == .file && ready?.hasMarker == false)
        await inbox.close()
    }

    @Test func listsClaimsDownloadsAndArchivesOrDeletes() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let fm = FileManager.default
        let folder = server.root + "/inbox"
        try fm.createDirectory(atPath: folder + "/batch-A/sub", withIntermediateDirectories: true)
        try makeRandomFile(folder + "/batch-A/sub/a.dcm", megabytes: 1)
        try Data("MSH|^~\\&|X\r".utf8).write(to: URL(fileURLWithPath: folder + "/batch-A/b.hl7"))
        _ = fm.createFile(atPath: folder + "/batch-A/READY", contents: Data())
        try makeRandomFile(folder + "/loose.zip", megabytes: 1)
        _ = fm.createFile(atPath: folder + "/loose.zip.READY", contents: Data())
        _ = fm.createFile(atPath: folder + "/.hidden", contents: Data("x".utf8))
        _ = fm.createFile(atPath: folder + "/upload.part", contents: Data("x".utf8))

        let inbox = SFTPInbox(endpoint: try SFTPEndpoint(url: server.url + "/inbox"),
                              credentials: .identity(server.userKey, knownHosts: server.knownHosts), marker: "READY")
        let entries = try await inbox.list()
        #expect(entries.map(\.name) == ["batch-A", "loose.zip"])
        let batch = try #require(entries.first)
        #expect(batch.kind == .folder && batch.fileCount == 2 && batch.hasMarker)
        #expect(batch.totalSize == (1 << 20) + 11)
        #expect(batch.markerPath == folder + "/batch-A/READY")
        let loose = entries[1]
        #expect(loose.kind == .zip && loose.hasMarker && loose.markerPath == folder + "/loose.zip.READY")

        let processing = server.root + "/processing"
        let claim = try #require(try await inbox.claim(batch, processing: processing, claimID: "c1", claimer: "worker-1"))
        #expect(claim.entry.path == processing + "/c1/batch-A")
        #expect(try String(contentsOfFile: processing + "/c1/.sluice-claim", encoding: .utf8) == "worker-1")
        #expect(try await inbox.claim(batch, processing: processing, claimID: "c9", claimer: "worker-2") == nil, "the second claimer loses")
        #expect(!fm.fileExists(atPath: processing + "/c9"))

        let work = server.dir.file("work")
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        let local = try await inbox.download(claim.entry, to: work).path
        #expect(try SHA256Hex.of(local + "/sub/a.dcm") == SHA256Hex.of(processing + "/c1/batch-A/sub/a.dcm"))
        #expect(fm.fileExists(atPath: local + "/READY") && fm.fileExists(atPath: local + "/b.hl7"))

        try await inbox.finish(claim, action: .archive, archive: server.root + "/archive")
        #expect(fm.fileExists(atPath: server.root + "/archive/c1/batch-A/sub/a.dcm"))
        #expect(!fm.fileExists(atPath: processing + "/c1"))

        let zipClaim = try #require(try await inbox.claim(loose, processing: processing, claimID: "c2", claimer: "worker-1"))
        #expect(fm.fileExists(atPath: processing + "/c2/loose.zip.READY"), "the sibling marker moves with it")
        try await inbox.download(zipClaim.entry, to: work)
        #expect(try SHA256Hex.of(work + "/loose.zip") == SHA256Hex.of(processing + "/c2/loose.zip"))
        try await inbox.finish(zipClaim, action: .delete)
        #expect(!fm.fileExists(atPath: processing + "/c2"))
        #expect(try await inbox.list().isEmpty)
        await inbox.close()
    }

    @Test func downloadResumesAfterTheServerIsKilled() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let remote = server.root + "/inbox/big.dcm"
        try FileManager.default.createDirectory(atPath: server.root + "/inbox", withIntermediateDirectories: true)
        // 200 MiB: large enough that the download is still running when the watcher kills the
        // server (at ~350 MB/s over loopback, 50 MiB could finish first).
        try makeRandomFile(remote, megabytes: 200)
        let inbox = SFTPInbox(endpoint: try SFTPEndpoint(url: server.url + "/inbox"),
                              credentials: .identity(server.userKey, knownHosts: server.knownHosts), marker: nil,
                              retry: RetryPolicy(maxAttempts: 8, initialDelay: .milliseconds(250), maxDelay: .seconds(2)))
        let entry = try #require(try await inbox.list().first)
        let work = server.dir.file("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let download = Task { try await inbox.download(entry, to: work) }
        let partial = try await killWhen({ fileSize(work + "/big.dcm") ?? 0 }, reaches: 4 << 20) { server.kill() }
        #expect(partial >= 4 << 20 && partial < 200 << 20, "killed mid-download at \(partial) bytes")
        try await Task.sleep(for: .milliseconds(600))
        try server.start()
        let local = try await download.value.path
        #expect(try SHA256Hex.of(local) == SHA256Hex.of(remote))
        await inbox.close()
    }
}

/// Appends `count` chunks to a file at a fixed pace on its own thread, like a slow uploader.
final class SlowWriter: @unchecked Sendable {
    private let lock = NSLock()
    private var writing = true, stopping = false, chunks = 0
    var isWriting: Bool { lock.withLock { writing } }
    /// Chunks written so far (all of them once `isWriting` is false).
    var written: Int { lock.withLock { chunks } }
    /// Ends the writing after the chunk in hand.
    func stop() { lock.withLock { stopping = true } }

    init(path: String, chunk: Int, count: Int, interval: TimeInterval) {
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        Thread.detachNewThread { [self] in
            let handle = FileHandle(forWritingAtPath: path)!
            for _ in 0..<count {
                if self.lock.withLock({ self.stopping }) { break }
                handle.seekToEndOfFile()
                handle.write(Data(repeating: 0x41, count: chunk))
                self.lock.withLock { self.chunks += 1 }
                Thread.sleep(forTimeInterval: interval)
            }
            try? handle.close()
            self.lock.withLock { self.writing = false }
        }
    }
}
