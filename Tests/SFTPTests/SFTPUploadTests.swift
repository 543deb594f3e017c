@testable import Delivery
import Foundation
import Testing
import TestSupport

/// The pipelined upload (`SFTPSideChannel`) against a real sshd: every size around the write and
/// window boundaries arrives intact, errors in mid-stream surface with the server's own status,
/// resume keeps what is there, and servers that refuse a second channel still get files.
@Suite(.serialized) struct SFTPUploadTests {
    static let chunk = SFTPSideChannel.preferredChunk
    static let window = SFTPSideChannel.preferredChunk * SFTPSideChannel.depth

    func connect(_ server: SSHServer) async throws -> SFTPConnection {
        try await SFTPConnection.connect(
            to: try SFTPEndpoint(url: server.url), credentials: .identity(server.userKey, knownHosts: server.knownHosts))
    }

    /// With head(1), not a loop here: unoptimized test code would hold a cooperative thread that
    /// the kill-mid-transfer tests running beside this suite need for their polling.
    func writeRandom(_ path: String, bytes: Int) throws {
        let r = try runProcess("sh", ["-c", "head -c \(bytes) /dev/urandom > \"$1\"", "sh", path])
        precondition(r.status == 0 && fileSize(path) == Int64(bytes), r.stderr)
    }

    @Test func everySizeAroundChunkAndWindowBoundariesArrivesIntact() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let c = try await connect(server)
        let sizes = [0, 1, Self.chunk - 1, Self.chunk, Self.chunk + 1, Self.window - 1, Self.window, Self.window + 1,
                     3 * Self.window + Self.chunk / 2 + 7, 9 << 20]
        for size in sizes {
            let local = server.dir.file("in-\(size).bin"), remote = server.root + "/out-\(size).bin"
            try writeRandom(local, bytes: size)
            let sent = try await c.upload(from: local, to: remote)
            #expect(sent == Int64(size), "size \(size)")
            #expect(fileSize(remote) == Int64(size), "size \(size)")
            #expect(try SHA256Hex.of(remote) == SHA256Hex.of(local), "size \(size)")
        }
        // A shorter file over a longer one: truncated, not left with the old tail.
        let short = server.dir.file("short.bin")
        try writeRandom(short, bytes: 1000)
        try await c.upload(from: short, to: server.root + "/out-\(9 << 20).bin")
        #expect(try SHA256Hex.of(server.root + "/out-\(9 << 20).bin") == SHA256Hex.of(short))
        await c.close()
    }

    /// Resume continues one window below the remote end and keeps everything under it: a remote
    /// prefix deliberately different from the local bytes shows which bytes were not resent.
    @Test func resumeKeepsTheBytesAlreadyOnTheServer() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let c = try await connect(server)
        let local = server.dir.file("local.bin"), remote = server.root + "/partial.bin"
        let size = 6 << 20
        try writeRandom(local, bytes: size)
        let localBytes = try Data(contentsOf: URL(fileURLWithPath: local))

        // A true prefix (what a cut upload leaves): the result is the local file.
        let cut = 4 << 20 + 12345
        try localBytes.prefix(cut).write(to: URL(fileURLWithPath: remote))
        #expect(try await c.upload(from: local, to: remote, resume: true) == Int64(size))
        #expect(try SHA256Hex.of(remote) == SHA256Hex.of(local))

        // A marked prefix: bytes below the resume point are the server's, the rest are sent.
        try Data(repeating: 0xA5, count: cut).write(to: URL(fileURLWithPath: remote))
        #expect(try await c.upload(from: local, to: remote, resume: true) == Int64(size))
        let resumedAt = Int(SFTPWriteWindow.resumeOffset(remoteSize: Int64(cut), chunk: Self.chunk, depth: SFTPSideChannel.depth))
        #expect(resumedAt == cut - Self.window)
        let result = try Data(contentsOf: URL(fileURLWithPath: remote))
        #expect(result.count == size)
        #expect(result.prefix(resumedAt) == Data(repeating: 0xA5, count: resumedAt), "kept, not resent")
        #expect(result.suffix(from: resumedAt) == localBytes.suffix(from: resumedAt), "the window below the cut is resent")

        // A remote file longer than the local one is no prefix of it: start over.
        try Data(repeating: 1, count: size + 10).write(to: URL(fileURLWithPath: remote))
        #expect(try await c.upload(from: local, to: remote, resume: true) == Int64(size))
        #expect(try SHA256Hex.of(remote) == SHA256Hex.of(local))

        // Without resume a partial file is overwritten from the start.
        try Data(repeating: 0xA5, count: cut).write(to: URL(fileURLWithPath: remote))
        try await c.upload(from: local, to: remote)
        #expect(try SHA256Hex.of(remote) == SHA256Hex.of(local))
        await c.close()
    }

    /// Writes past the server's file size limit fail in mid-stream (as on a full disk): the error
    /// carries the server's status and message, the connection stays usable, and the outbox
    /// renames nothing into place and leaves no temporary file.
    @Test func anErrorStatusInMidStreamIsReportedAndNothingIsRenamed() async throws {
        let limit = 3 << 20
        let server = try SSHServer(fileSizeLimit: limit)
        defer { server.stop() }
        let big = server.dir.file("big.bin"), small = server.dir.file("small.bin")
        try makeRandomFile(big, megabytes: 8)
        try writeRandom(small, bytes: 100_000)

        let c = try await connect(server)
        do {
            try await c.upload(from: big, to: server.root + "/direct.bin")
            Issue.record("an upload past the server's file size limit succeeded")
        } catch let error as SFTPError {
            #expect(error.code == .failure, "\(error)")
            #expect(error.description.contains("SSH_FX_FAILURE"), "the server's status: \(error)")
            #expect(error.description.contains("write at byte"), "says which request: \(error)")
            #expect(error.path == server.root + "/direct.bin")
        }
        #expect((fileSize(server.root + "/direct.bin") ?? 0) <= Int64(limit))
        // The failed upload's replies do not leak into the next operations on this connection.
        try await c.upload(from: small, to: server.root + "/after.bin")
        #expect(try SHA256Hex.of(server.root + "/after.bin") == SHA256Hex.of(small))
        #expect(try await c.stat(server.root + "/after.bin")?.size == 100_000)
        await c.close()

        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url + "/pickup"),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts),
            retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(50)))
        do {
            _ = try await outbox.deliver(file: big, as: "big.bin")
            Issue.record("delivered past the server's file size limit")
        } catch let error as DeliveryError {
            #expect(error.description.contains("SSH_FX_FAILURE"), "\(error)")
            #expect(!error.description.contains("gave up"), "a refused write is not retried: \(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.root + "/pickup").isEmpty,
                "no partial file renamed into place, no temporary left")
        #expect(try await outbox.deliver(file: small, as: "small.bin") == .delivered)
        await outbox.close()
    }

    /// `MaxSessions 1` refuses the side channel: uploads fall back to libssh's one write at a
    /// time, and replace to the move-aside rename; both still deliver intact.
    @Test func aServerAllowingOneChannelStillGetsFiles() async throws {
        let server = try SSHServer(sshdOptions: "MaxSessions 1")
        defer { server.stop() }
        let first = server.dir.file("first.bin"), second = server.dir.file("second.bin")
        try writeRandom(first, bytes: 3 * Self.window + 5)
        try writeRandom(second, bytes: Self.chunk + 1)
        let outbox = SFTPOutbox(
            endpoint: try SFTPEndpoint(url: server.url),
            credentials: .identity(server.userKey, knownHosts: server.knownHosts),
            retry: RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(50)))
        #expect(try await outbox.deliver(file: first, as: "r.bin") == .delivered)
        #expect(try SHA256Hex.of(server.root + "/r.bin") == SHA256Hex.of(first))
        #expect(try await outbox.deliver(file: second, as: "r.bin") == .delivered)
        #expect(try SHA256Hex.of(server.root + "/r.bin") == SHA256Hex.of(second))
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.root) == ["r.bin"])
        await outbox.close()
    }
}
