import Delivery
import Foundation

/// `host:pid` of this process, recorded as the owner of what it claims and drives.
enum WorkerIdentity {
    static let current: String = "\(ProcessInfo.processInfo.hostName):\(getpid())"
    static let claimFile = LocalInbox.claimFile
    /// A worker whose heartbeat is older than this is presumed gone, even on another host.
    static let leaseTimeout: TimeInterval = 15 * 60

    /// True when the owner ran on this host and its process no longer exists.
    @Sendable static func isDead(_ owner: String) -> Bool {
        guard let colon = owner.lastIndex(of: ":"), let pid = Int32(owner[owner.index(after: colon)...]) else { return false }
        guard owner[..<colon] == ProcessInfo.processInfo.hostName[...] else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
