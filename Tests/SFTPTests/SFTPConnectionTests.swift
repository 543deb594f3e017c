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

    /// Links are described, not followed: by `list` (readdir's lstat type) and `lstat`; a
    /// download refuses a file replaced by a link between its lstat and its open; and removing
    /// a tree removes a linked folder's link, never what it points at (another site's files).
    @Test func linksAreNeitherFollowedNorRemovedThrough() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let fm = FileManager.default
        let other = server.root + "/other-site"
        try fm.createDirectory(atPath: other + "/study", withIntermediateDirectories: true)
        try Data("another site's image".utf8).write(to: URL(fileURLWithPath: other + "/study/IM1.dcm"))
        let batch = server.root + "/batch"
        try fm.createDirectory(atPath: batch, withIntermediateDirectories: true)
        try Data("the site's own file".utf8).write(to: URL(fileURLWithPath: batch + "/own.dcm"))
        try fm.createSymbolicLink(atPath: batch + "/linked", withDestinationPath: other)
        try fm.createSymbolicLink(atPath: batch + "/linked.dcm", withDestinationPath: other + "/study/IM1.dcm")

        let c = try await SFTPConnection.connect(to: try SFTPEndpoint(url: server.url), credentials: .identity(server.userKey, knownHosts: server.knownHosts))
        let listed = try await c.list(batch, recursive: true)
        #expect(listed.map(\.name) == ["linked", "linked.dcm", "own.dcm"], "the linked folder is not entered")
        #expect(listed.filter(\.isSymlink).map(\.name) == ["linked", "linked.dcm"] && !listed.contains { $0.isSymlink && $0.isDirectory })
        let followed = try await c.list(batch, recursive: true, followLinks: true)
        #expect(followed.contains { $0.path == batch + "/linked/study/IM1.dcm" } && !followed.contains(where: \.isSymlink))
        #expect(try await c.lstat(batch + "/linked.dcm")?.isSymlink == true)
        #expect(try await c.stat(batch + "/linked.dcm")?.isSymlink == false)

        // Listed as a regular file, then swapped for a link before it is opened.
        let seen = try #require(try await c.lstat(batch + "/own.dcm"))
        try fm.removeItem(atPath: batch + "/own.dcm")
        try fm.createSymbolicLink(atPath: batch + "/own.dcm", withDestinationPath: other + "/study/IM1.dcm")
        let local = server.dir.file("own.dcm")
        await #expect(throws: SFTPError.self) { try await c.download(from: batch + "/own.dcm", to: local, expecting: seen) }
        #expect(fileSize(local) ?? 0 == 0, "nothing of the link's target was written")

        try await c.removeRecursively(batch)
        #expect(!fm.fileExists(atPath: batch))
        #expect(try String(contentsOfFile: other + "/study/IM1.dcm", encoding: .utf8) == "another site's image")
        await c.close()
    }
}
