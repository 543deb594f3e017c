public import Delivery
import Foundation
public import Pipeline

/// A delivery target in memory: what the engine's publish step does, seen without a folder,
/// a server or a mail relay. It records every delivery that arrived, in order, and fails the
/// ones named in `failing` for as many attempts as given (a peer that is down, then back).
public final class RecordingTarget: DeliveryTarget, @unchecked Sendable {
    public let id: String
    public let phase: DeliveryPhase
    public let isOrdered: Bool
    private let lock = NSLock()
    private var failures: [String: Int]
    private var arrived: [String] = []
    private var tries: [String: Int] = [:]

    /// `failing`: delivery name (an output's name, `marker:READY`) → attempts that fail first.
    public init(id: String = "memory:results", phase: DeliveryPhase = .files, ordered: Bool = true,
                marker: String? = nil, failing: [String: Int] = [:]) {
        self.id = id
        self.phase = phase
        self.isOrdered = ordered
        self.marker = marker
        self.failures = failing
    }

    let marker: String?

    /// Deliveries that arrived, in order.
    public var delivered: [String] { lock.withLock { arrived } }
    /// Attempts made per name, failed ones included.
    public func attempts(_ name: String) -> Int { lock.withLock { tries[name, default: 0] } }

    public func deliveries(for run: PublishedRun) throws -> [PlannedDelivery] {
        let names = run.outputs.map(\.name).filter { $0 != "manifest.json" }.sorted()
            + run.outputs.map(\.name).filter { $0 == "manifest.json" } + (marker.map { ["marker:" + $0] } ?? [])
        return names.map { name in PlannedDelivery(name: name) { try self.deliver(name) } }
    }

    struct Refused: Error, CustomStringConvertible {
        let name: String
        var description: String { "memory target refused \(name)" }
    }

    private func deliver(_ name: String) throws {
        try lock.withLock {
            tries[name, default: 0] += 1
            if let left = failures[name], left > 0 {
                failures[name] = left - 1
                throw Refused(name: name)
            }
            arrived.append(name)
        }
    }

    public func check() async -> [CheckResult] { [.ok("\(id) is in memory")] }
}
