import Checksum
import Foundation

/// Delivers into a folder on an SFTP server (an EDC pickup folder). The file is uploaded under
/// a hidden temporary name beside the target, its remote size checked, then renamed onto the
/// final name, so the pickup system never sees a partial file. A broken connection is
/// reconnected with backoff and the upload resumed from the bytes already on the server.
///
/// Identical-content check: the existing remote file is streamed back and hashed (only when
/// its size matches) rather than trusting a `.sha256` sidecar, because a sidecar says what we
/// once wrote, not what is there now — the receiver may have replaced or truncated the file.
public struct SFTPOutbox: Outbox {
    public let endpoint: SFTPEndpoint
    public let conflict: ConflictPolicy
    public let link: SFTPLink
    public var id: String { endpoint.description }

    public init(endpoint: SFTPEndpoint, credentials: SFTPCredentials, conflict: ConflictPolicy = .replace, retry: RetryPolicy = .sftp, timeout: Duration = .seconds(20)) {
        self.endpoint = endpoint
        self.conflict = conflict
        link = SFTPLink(endpoint: endpoint, credentials: credentials, retry: retry, timeout: timeout)
    }

    public func deliver(file localPath: String, as relativePath: String) async throws -> DeliveryOutcome {
        guard Self.isSafe(relativePath) else {
            throw DeliveryError(outbox: id, name: relativePath, reason: "the name must be a relative path without '..'")
        }
        let target = endpoint.remote(relativePath)
        let folder = (target as NSString).deletingLastPathComponent
        let temporary = folder + "/" + SFTPNames.temporary(for: (target as NSString).lastPathComponent)
        let localSize: Int64
        do {
            localSize = try Int64(FileManager.default.attributesOfItem(atPath: localPath)[.size] as? Int ?? 0)
        } catch {
            throw DeliveryError(outbox: id, name: relativePath, reason: "local file cannot be read")
        }
        let conflict = conflict
        let hash = LocalHash(path: localPath)
        do {
            return try await link.perform { c, attempt in
                try await c.makeDirectories(folder)
                if let existing = try await c.stat(target) {
                    if existing.isDirectory { throw SFTPError(.conflict, path: target, detail: "a folder has this name") }
                    // After a lost reply to the final rename, this is how a retry learns it is done.
                    if existing.size == localSize, try await c.sha256(of: target) == hash.value() { return .alreadyPresent }
                    if conflict == .fail { throw SFTPError(.conflict, path: target, detail: "conflict policy is fail") }
                }
                let sent = try await c.upload(from: localPath, to: temporary, resume: attempt > 1)
                guard let uploaded = try await c.stat(temporary), uploaded.size == localSize, sent == localSize else {
                    try? await c.remove(temporary)
                    throw SFTPError(.sizeMismatch, path: temporary, detail: "the uploaded copy does not have the local file's size")
                }
                try await c.replace(target, with: temporary)
                return .delivered
            }
        } catch let error as SFTPError {
            if !error.isTransient { try? await link.perform { c, _ in try? await c.remove(temporary) } }
            throw DeliveryError(outbox: id, name: relativePath, reason: error.description)
        } catch let error as DeliveryError {
            throw error
        } catch {
            throw DeliveryError(outbox: id, name: relativePath, reason: "\(error)")
        }
    }

    /// Puts an empty marker file (e.g. `<batch>/READY`) after a batch's outputs, atomically like
    /// any other file, so a pickup system that waits for it never starts early.
    public func deliverMarker(as relativePath: String) async throws -> DeliveryOutcome {
        let local = FileManager.default.temporaryDirectory.path + "/sluice-marker-\(SFTPNames.random())"
        guard FileManager.default.createFile(atPath: local, contents: Data()) else {
            throw DeliveryError(outbox: id, name: relativePath, reason: "cannot create a local empty file")
        }
        defer { try? FileManager.default.removeItem(atPath: local) }
        return try await deliver(file: local, as: relativePath)
    }

    public func close() async { await link.close() }

    /// Log in (host key checked), list, write and remove a probe file.
    public func check() async -> [CheckResult] {
        await SFTPCheck.run(endpoint, link.credentials).map { CheckResult(passed: $0.passed, "outbox \(endpoint): " + $0.message) }
    }

    static func isSafe(_ relative: String) -> Bool {
        !relative.isEmpty && !relative.hasPrefix("/")
            && !relative.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." || $0.isEmpty }
    }
}

/// The local file's sha256, computed at most once and only when a same-size remote file exists.
private final class LocalHash: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var cached: String?

    init(path: String) { self.path = path }

    func value() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        do {
            let v = try SHA256.hex(fileAt: path)
            cached = v
            return v
        } catch {
            throw SFTPError(.local, path: path, detail: "cannot read for hashing")
        }
    }
}
