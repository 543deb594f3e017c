import ArgumentParser
import Delivery
import Foundation

extension Sluice {
    /// One file over SFTP with Sluice's own client: for `tools/bench_sftp.py` (against OpenSSH's
    /// `sftp`) and for trying a server's settings by hand.
    struct SFTPCopy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sftp-copy",
            abstract: "Copy one file to or from an SFTP server (exactly one side is sftp://user@host[:port]/path).")

        @Option(help: "Private key file.") var identity: String
        @Option(help: "known_hosts file the server's key must be in.") var knownHosts: String
        @Option(help: "File holding the key's passphrase.") var passphraseFile: String?
        @Argument(help: "Source.") var source: String
        @Argument(help: "Destination.") var destination: String

        func validate() throws {
            guard source.hasPrefix("sftp://") != destination.hasPrefix("sftp://") else {
                throw ValidationError("exactly one of SOURCE and DESTINATION must be an sftp:// URL")
            }
        }

        func run() async throws {
            let remote = source.hasPrefix("sftp://") ? source : destination
            let endpoint = try SFTPEndpoint(url: remote)
            let credentials = SFTPCredentials.identity(identity, passphrase: passphraseFile.map { .file($0) }, knownHosts: knownHosts)
            do {
                let connection = try await SFTPConnection.connect(to: endpoint, credentials: credentials)
                if source.hasPrefix("sftp://") {
                    _ = try await connection.download(from: endpoint.path, to: destination)
                } else {
                    _ = try await connection.upload(from: source, to: endpoint.path)
                }
                await connection.close()
            } catch {
                throw Failure.processing("\(error)")
            }
        }
    }
}
