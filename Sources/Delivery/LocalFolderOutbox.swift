import Checksum
import Foundation

/// Delivers into a local folder: copy to a temporary name beside the target, fsync, rename,
/// fsync the folder. The old file is replaced only by a complete new one.
public struct LocalFolderOutbox: Outbox {
    public let root: String
    public let conflict: ConflictPolicy
    public var id: String { "local:" + root }

    public init(root: String, conflict: ConflictPolicy = .replace) {
        self.root = root
        self.conflict = conflict
    }

    public func check() async -> [CheckResult] {
        [FileIO.isWritableFolder(root) ? .ok("outbox \(root) accepts files") : .failed("outbox \(root) does not accept files")]
    }

    public func deliver(file localPath: String, as relativePath: String) async throws -> DeliveryOutcome {
        let target = root + "/" + relativePath
        let folder = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DeliveryError(outbox: id, name: relativePath, reason: "cannot create folder: \(error.localizedDescription)")
        }
        if FileManager.default.fileExists(atPath: target) {
            if try SHA256.hex(fileAt: target) == SHA256.hex(fileAt: localPath) { return .alreadyPresent }
            if conflict == .fail {
                throw DeliveryError(outbox: id, name: relativePath, reason: "a different file with this name exists (conflict: fail)")
            }
        }
        let temporary = folder + "/." + (target as NSString).lastPathComponent + ".sluice-\(getpid()).tmp"
        do {
            try FileIO.copyDurably(from: localPath, to: temporary)
            guard rename(temporary, target) == 0 else { throw FileIO.Failure(errno: errno, path: target) }
            try FileIO.syncDirectory(folder)
        } catch {
            unlink(temporary)
            throw DeliveryError(outbox: id, name: relativePath, reason: "\(error)")
        }
        return .delivered
    }
}

extension LocalFolderOutbox {
    public func deliverMarker(as relativePath: String) async throws -> DeliveryOutcome {
        let target = root + "/" + relativePath
        if FileManager.default.fileExists(atPath: target) { return .alreadyPresent }
        do { try FileIO.writeAtomically(Data(), to: target) } catch {
            throw DeliveryError(outbox: id, name: relativePath, reason: "\(error)")
        }
        return .delivered
    }
}
