import Delivery
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct SFTPCheckTests {
    @Test func checkLogsInListsWritesAndRemoves() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let endpoint = try SFTPEndpoint(url: server.url)
        let lines = await SFTPCheck.run(endpoint, .identity(server.userKey, knownHosts: server.knownHosts))
        #expect(lines.count == 4, "\(lines)")
        #expect(SFTPCheck.passed(lines), "\(lines)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.root).isEmpty, "probe removed")

        let refused = await SFTPCheck.run(endpoint, .identity(server.strangerKey, knownHosts: server.knownHosts))
        #expect(!SFTPCheck.passed(refused))
        #expect(refused.count == 1 && !refused[0].passed && refused[0].message.contains("refused the key"), "\(refused)")
    }

    @Test func checkReportsAReadOnlyAccount() async throws {
        let server = try SSHServer(readOnly: true)
        defer { server.stop() }
        let lines = await SFTPCheck.run(try SFTPEndpoint(url: server.url), .identity(server.userKey, knownHosts: server.knownHosts))
        #expect(lines.count == 3 && lines[1].passed && lines[1].message.hasPrefix("listed"), "\(lines)")
        #expect(!lines[2].passed && lines[2].message.hasPrefix("write") && lines[2].message.contains("permission denied"), "\(lines)")
    }
}
