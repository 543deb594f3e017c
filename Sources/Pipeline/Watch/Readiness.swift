public import Delivery
public import Foundation

/// Decides when an inbox entry has fully arrived. Pure: the watcher feeds it observations.
///
/// Ready when a marker is present, or when size, file count and newest mtime are unchanged
/// across two polls AND the newest mtime is older than `settle` plus one second — servers and
/// network shares that keep whole-second mtimes make a file look up to a second older than it is.
public enum Readiness {
    public struct Observation: Sendable, Equatable {
        public let totalSize: Int64
        public let newestModification: Date
        public let fileCount: Int
        public let hasPartialFiles: Bool

        public init(_ entry: InboxEntry) {
            totalSize = entry.totalSize
            newestModification = entry.newestModification
            fileCount = entry.fileCount
            hasPartialFiles = entry.hasPartialFiles
        }

        public init(totalSize: Int64, newestModification: Date, fileCount: Int, hasPartialFiles: Bool = false) {
            self.totalSize = totalSize
            self.newestModification = newestModification
            self.fileCount = fileCount
            self.hasPartialFiles = hasPartialFiles
        }
    }

    public enum Verdict: Sendable, Equatable {
        case ready
        case waiting(String)
    }

    public static let mtimeSlack: Double = 1.0

    public static func evaluate(
        previous: Observation?, current: Observation, hasMarker: Bool, now: Date, settle: Duration
    ) -> Verdict {
        if hasMarker { return .ready }
        if current.hasPartialFiles { return .waiting("partial transfer files present") }
        guard let previous else { return .waiting("first sighting") }
        guard previous == current else { return .waiting("still changing") }
        let age = now.timeIntervalSince(current.newestModification)
        guard age >= settle.seconds + mtimeSlack else { return .waiting("modified \(Int(age))s ago, settle is \(Int(settle.seconds))s") }
        return .ready
    }
}

/// Remembers the last observation of every inbox entry between polls.
public struct Watcher: Sendable {
    private var seen: [String: Readiness.Observation] = [:]
    public let settle: Duration

    public init(settle: Duration) { self.settle = settle }

    /// Returns the entries that are ready now; forgets entries of `inbox` that disappeared.
    /// `inbox` keeps several inboxes' observations apart (a remote path may equal a local one).
    public mutating func poll(_ entries: [InboxEntry], inbox: String = "", now: Date = Clock.wall()) -> [(InboxEntry, Readiness.Verdict)] {
        let scope = inbox + "\u{0}"
        var next = seen.filter { !$0.key.hasPrefix(scope) }
        var result: [(InboxEntry, Readiness.Verdict)] = []
        for entry in entries {
            let observation = Readiness.Observation(entry)
            let verdict = Readiness.evaluate(
                previous: seen[scope + entry.path], current: observation, hasMarker: entry.hasMarker, now: now, settle: settle)
            next[scope + entry.path] = observation
            result.append((entry, verdict))
        }
        seen = next
        return result
    }
}
