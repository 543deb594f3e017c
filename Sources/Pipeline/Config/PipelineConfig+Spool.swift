import Delivery
import Foundation
import Yams

extension ConfigReader {
    /// `spool_group: NAME`: the spool's folders become 2750 and files 0640 with that group, the
    /// ledger too, for people who look after the pipeline without being its account. The
    /// group must exist here; the account must be in it (`sluice check` tries it).
    func spoolGroup(_ node: Node) throws(ConfigError) -> SpoolPermissions {
        let name = try string(node, "spool_group")
        guard let group = getgrnam(name) else { throw fail(node, "spool_group", "no group '\(name)' on this machine") }
        return .group(group.pointee.gr_gid)
    }
}

extension PipelineConfig {
    /// Gives Sluice's folders in the spool that already exist (made by an older version, or
    /// before `spool_group` changed) the configured permissions; what is inside them is reached
    /// only through them. Returns the folders that could not be changed, with why.
    public func applySpoolPermissions() -> [String] {
        var refused: [String] = []
        for folder in spoolDirectories {
            var st = stat()
            guard lstat(folder, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { continue }
            do { try spoolPermissions.apply(to: folder) } catch { refused.append("\(error)") }
        }
        return refused
    }

    /// A folder in the spool (and any missing parents up to the spool) with the spool's
    /// permissions; the spool itself, which also holds inboxes, gets the system's defaults.
    func makeSpoolFolder(_ path: String) throws {
        try spoolPermissions.makeFolders(path, below: spool)
    }
}
