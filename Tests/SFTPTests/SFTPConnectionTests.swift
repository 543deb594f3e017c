import Delivery
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct SFTPConnectionTests {
    @Test func logsInListsAndTransfersWithBothKeyTypes() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let endpoint = try SFTPEndpoint(url: server.url)
        #expect(endpoint.port == server.port && endpoint.path == server.root)
        for key in [server.userKey, server.rsaUserKey] {
            let c = try await SFTPConnection.connect(to: endpoint, credentials: .identity(key, knownHosts: server.knownHosts))
            try await c.makeDirectories(server.root + "/a/b/c")
            let local = server.dir.file("local.bin")
            try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: local))
            let sent = try await c.upload(from: local, to: server.root + "/a/b/c/x.bin")
            #expect(sent == 300_000)
            let listed = try await c.list(server.root, recursive: true)
            #expect(listed.map(\.path).contains(server.root + "/a/b/c/x.bin"))
            #expect(listed.first { $0.name == "x.bin" }?.size == 300_000)
            #expect(listed.first { $0.name == "a" }?.isDirectory == true)
            let back = server.dir.file("back.bin")
            try await c.download(from: server.root + "/a/b/c/x.bin", to: back)
            #expect(try SHA256Hex.of(back) == SHA256Hex.of(local))
            #expect(try await c.sha256(of: server.root + "/a/b/c/x.bin") == SHA256Hex.of(local))
            try await c.removeRecursively(server.root + "/a")
            #expect(try await c.stat(server.root + "/a") == nil)
            await c.close()
        }
    }
}
