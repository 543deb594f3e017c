import Delivery
import Foundation

/// Connection and permission checks for `sluice check` (the file-transfer C-ECHO).
public enum Checks {
    /// Creates the folder if needed (with `permissions`, for the spool's folders), then writes
    /// and removes a probe file.
    public static func writableFolder(_ path: String, permissions: SpoolPermissions? = nil) -> Bool {
        do {
            if let permissions {
                try permissions.makeFolders(path)
                try permissions.apply(to: path)
            } else {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            let probe = path + "/.sluice-check-\(getpid())"
            guard FileManager.default.createFile(atPath: probe, contents: Data("check".utf8)) else { return false }
            try FileManager.default.removeItem(atPath: probe)
            _ = try FileManager.default.contentsOfDirectory(atPath: path)
            return true
        } catch {
            return false
        }
    }

    /// Claims and archiving are renames: the inboxes and the spool must share a file system.
    public static func sameFileSystem(_ config: PipelineConfig) -> Bool {
        var spool = stat()
        guard stat(config.spool, &spool) == 0 else { return false }
        for inbox in config.inboxes {
            guard case .local(let path) = inbox else { continue }
            var st = stat()
            guard stat(path, &st) == 0, st.st_dev == spool.st_dev else { return false }
        }
        return true
    }
}
