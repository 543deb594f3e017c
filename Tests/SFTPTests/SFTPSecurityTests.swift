import Delivery
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct SFTPSecurityTests {
    /// `256 SHA256:… comment (ED25519)` → `SHA256:…`, as an admin would compare it.
    func keygenFingerprint(_ publicKey: String) throws -> String {
        let r = try runProcess("ssh-keygen", ["-lf", publicKey])
        return String(r.stdout.split(separator: " ")[1])
    }

    @Test func changedOrUnknownHostKeyIsRefusedWithItsFingerprint() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let endpoint = try SFTPEndpoint(url: server.url)
        let expected = try keygenFingerprint(server.hostKey + ".pub")
        #expect(expected.hasPrefix("SHA256:"))

        let wrong = server.dir.file("wrong_known_hosts")
        try "[127.0.0.1]:\(server.port) \(String(contentsOfFile: server.strangerKey + ".pub", encoding: .utf8))"
            .write(toFile: wrong, atomically: true, encoding: .utf8)
        do {
            _ = try await SFTPConnection.connect(to: endpoint, credentials: .identity(server.userKey, knownHosts: wrong))
            Issue.record("a changed host key was accepted")
        } catch let error as SFTPError {
            #expect(error.code == .hostKeyChanged)
            #expect(error.description.contains(expected), "\(error)")
            #expect(error.description.contains("ED25519"))
        }

        let empty = server.dir.file("empty_known_hosts")
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        for knownHosts in [empty, server.dir.file("missing_known_hosts")] {
            do {
                _ = try await SFTPConnection.connect(to: endpoint, credentials: .identity(server.userKey, knownHosts: knownHosts))
                Issue.record("an unknown host key was accepted")
            } catch let error as SFTPError {
                #expect(error.code == .hostKeyUnknown)
                #expect(error.description.contains(expected), "\(error)")
            }
        }

        // The outbox surfaces the same refusal as a delivery error, without retrying it.
        let outbox = SFTPOutbox(endpoint: endpoint, credentials: .identity(server.userKey, knownHosts: wrong))
        let local = server.dir.file("x.txt")
        try Data("x".utf8).write(to: URL(fileURLWithPath: local))
        await #expect(throws: DeliveryError.self) { try await outbox.deliver(file: local, as: "x.txt") }
        #expect(!FileManager.default.fileExists(atPath: server.root + "/x.txt"))
    }

    @Test func unauthorizedUserKeyIsRefusedClearly() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let endpoint = try SFTPEndpoint(url: server.url)
        do {
            _ = try await SFTPConnection.connect(to: endpoint, credentials: .identity(server.strangerKey, knownHosts: server.knownHosts))
            Issue.record("an unauthorized key logged in")
        } catch let error as SFTPError {
            #expect(error.code == .authentication)
            #expect(error.description.contains("refused the key"), "\(error)")
            #expect(error.description.contains(try keygenFingerprint(server.strangerKey + ".pub")), "\(error)")
            #expect(error.description.contains("user \(server.user)"))
        }
    }

    @Test func encryptedKeyNeedsItsPassphraseFromFileOrEnvironment() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let key = server.dir.file("locked_ed25519")
        _ = try runProcess("ssh-keygen", ["-q", "-t", "ed25519", "-N", "correct horse", "-f", key])
        let pub = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: server.dir.file("authorized_keys")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(pub.utf8))
        try handle.close()
        let secret = server.dir.file("passphrase")
        try "correct horse\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let endpoint = try SFTPEndpoint(url: server.url)

        let c = try await SFTPConnection.connect(to: endpoint, credentials: .identity(key, passphrase: .file(secret), knownHosts: server.knownHosts))
        #expect(try await c.stat(server.root)?.isDirectory == true)
        await c.close()

        let credentials = SFTPCredentials.identity(key, passphrase: .environment("SLUICE_TEST_UNSET_PASSPHRASE"), knownHosts: server.knownHosts)
        #expect(!credentials.description.contains("correct horse"))
        do {
            _ = try await SFTPConnection.connect(to: endpoint, credentials: credentials)
            Issue.record("connected without the passphrase")
        } catch let error as SFTPError {
            #expect(error.code == .credentials)
            #expect(error.description.contains("SLUICE_TEST_UNSET_PASSPHRASE"))
        }
    }

    @Test func endpointURLsParseAndRefuseInlinePasswords() throws {
        let e = try SFTPEndpoint(url: "sftp://edc@edc-host:2222/pickup/")
        #expect(e.user == "edc" && e.host == "edc-host" && e.port == 2222 && e.path == "/pickup")
        #expect(e.description == "sftp://edc@edc-host:2222/pickup")
        #expect(try SFTPEndpoint(url: "sftp://site@host").path == "/")
        #expect(throws: SFTPError.self) { try SFTPEndpoint(url: "sftp://edc:hunter2@edc-host/pickup") }
        #expect(throws: SFTPError.self) { try SFTPEndpoint(url: "https://edc@edc-host/pickup") }
        #expect(throws: SFTPError.self) { try SFTPEndpoint(url: "sftp://edc-host/pickup") }
    }
}
