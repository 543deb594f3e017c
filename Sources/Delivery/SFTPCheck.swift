import Foundation

/// `sluice check` for an SFTP endpoint, like a DICOM C-ECHO for file transfer: log in (which
/// checks the host key), list the folder, write and remove a probe file. One result per step;
/// the first failing step ends the check.
public enum SFTPCheck {
    public static func run(_ endpoint: SFTPEndpoint, _ credentials: SFTPCredentials, timeout: Duration = .seconds(20)) async -> [CheckResult] {
        let connection: SFTPConnection
        do {
            connection = try await SFTPConnection.connect(to: endpoint, credentials: credentials, timeout: timeout)
        } catch {
            return [.failed("login to \(endpoint): \(error)")]
        }
        let lines = await steps(connection, endpoint, login: .ok("logged in to \(endpoint) (\(credentials.description))"))
        await connection.close()
        return lines
    }

    private static func steps(_ connection: SFTPConnection, _ endpoint: SFTPEndpoint, login: CheckResult) async -> [CheckResult] {
        var lines = [login]
        do {
            let entries = try await connection.list(endpoint.path)
            lines.append(.ok("listed \(endpoint.path) (\(entries.count) entries)"))
        } catch {
            lines.append(.failed("list \(endpoint.path): \(error)"))
            return lines
        }
        let probe = endpoint.remote(SFTPNames.temporary(for: "sluice-check"))
        do {
            try await connection.write(Data("sluice check\n".utf8), to: probe)
            guard try await connection.stat(probe)?.size == 13 else {
                throw SFTPError(.sizeMismatch, path: probe, detail: "probe file has the wrong size")
            }
            lines.append(.ok("wrote a probe file in \(endpoint.path)"))
        } catch {
            lines.append(.failed("write in \(endpoint.path): \(error)"))
            return lines
        }
        do {
            try await connection.remove(probe)
            lines.append(.ok("removed the probe file"))
        } catch {
            lines.append(.failed("remove the probe file \(probe): \(error)"))
        }
        return lines
    }

    /// For an inbox: log in and list it; then, when claims are renames (`processing` given),
    /// write a probe in the inbox, rename it into the processing folder (as a claim does) and
    /// remove it, and create the archive folder if the after-action needs one. A read-only
    /// account (`processing` nil) is only listed: nothing is written.
    public static func inbox(_ endpoint: SFTPEndpoint, _ credentials: SFTPCredentials, processing: String?, archive: String?,
                             timeout: Duration = .seconds(20)) async -> [CheckResult] {
        let connection: SFTPConnection
        do {
            connection = try await SFTPConnection.connect(to: endpoint, credentials: credentials, timeout: timeout)
        } catch {
            return [.failed("login to \(endpoint): \(error)")]
        }
        let lines = await inboxSteps(connection, endpoint, processing: processing, archive: archive,
                                     login: .ok("logged in to \(endpoint) (\(credentials.description))"))
        await connection.close()
        return lines
    }

    private static func inboxSteps(_ connection: SFTPConnection, _ endpoint: SFTPEndpoint, processing: String?, archive: String?,
                                   login: CheckResult) async -> [CheckResult] {
        var lines = [login]
        do {
            let entries = try await connection.list(endpoint.path)
            lines.append(.ok("listed \(endpoint.path) (\(entries.count) entries)"))
        } catch {
            lines.append(.failed("list \(endpoint.path): \(error)"))
            return lines
        }
        guard let processing else { return lines }
        let probe = endpoint.remote(SFTPNames.temporary(for: "sluice-check"))
        let moved = processing + "/" + (probe as NSString).lastPathComponent
        do {
            try await connection.makeDirectories(processing)
            try await connection.write(Data("sluice check\n".utf8), to: probe)
            try await connection.rename(probe, to: moved)
            try await connection.remove(moved)
            lines.append(.ok("renamed a probe file from \(endpoint.path) into \(processing) (claims are renames) and removed it"))
        } catch {
            try? await connection.remove(probe)
            lines.append(.failed("claim by rename into \(processing): \(error)"))
            return lines
        }
        if let archive {
            do {
                try await connection.makeDirectories(archive)
                lines.append(.ok("archive folder \(archive) exists"))
            } catch {
                lines.append(.failed("create the archive folder \(archive): \(error)"))
            }
        }
        return lines
    }

    /// True when every step passed.
    public static func passed(_ results: [CheckResult]) -> Bool {
        !results.isEmpty && results.allSatisfy(\.passed)
    }
}
