import Delivery
import Foundation

/// A local inbox folder: a claim is one rename(2) into processing/ (the rename is the arbiter
/// between workers), then the ledger row. A crash between the two leaves a folder the engine
/// adopts on its next start (`Engine.adoptOrphans`).
struct LocalPipelineInbox: Inbox {
    let folder: LocalInbox
    let services: PipelineServices

    var id: String { folder.id }

    func list() async throws -> [InboxEntry] { try folder.list() }

    func waiting() -> Int? { (try? folder.list().count) ?? 0 }

    func claim(_ entry: InboxEntry, as id: String) async throws -> ClaimOutcome {
        let config = services.config
        try config.makeSpoolFolder(config.processingDirectory)
        guard try folder.claim(entry, into: config.processingDirectory + "/" + id, claimer: WorkerIdentity.current,
                               permissions: config.spoolPermissions) else {
            services.log.info("\(folder.id): an entry was claimed by another worker")
            return .taken
        }
        FaultInjection.point("claimed")
        // The site's files (and a sibling marker) keep their modes through the rename; from
        // here on they are ours.
        let refused = config.spoolPermissions.applyToTree(config.processingDirectory + "/" + id)
        if !refused.isEmpty {
            services.log.warning("batch \(id): cannot set the spool's permissions on \(refused.count) of its files (not their owner); processing/ keeps them private")
        }
        try services.register(id: id, sourceName: entry.name, inbox: folder.id, kind: entry.kind)
        services.log.info("batch \(id): claimed \(entry.kind.rawValue) (\(entry.fileCount) file\(entry.fileCount == 1 ? "" : "s"), \(entry.totalSize) bytes)")
        return .claimed
    }

    func check() async -> [CheckResult] {
        let writable = FileIO.isWritableFolder(folder.path)
        var spool = stat(), inbox = stat()
        // Claims are renames into the spool: atomic only within one file system.
        let together = stat(services.config.spool, &spool) == 0 && stat(folder.path, &inbox) == 0 && spool.st_dev == inbox.st_dev
        return [writable ? .ok("inbox \(folder.path) is a readable, writable folder")
                         : .failed("inbox \(folder.path) is not a readable, writable folder"),
                together ? .ok("inbox \(folder.path) and the spool are on one file system (claims are atomic renames)")
                         : .failed("inbox \(folder.path) and the spool are not on one file system (claims are atomic renames)")]
    }
}
