/// Where delivered outputs go. Implementations make each delivery atomic (the receiver never
/// sees a partial file) and idempotent (delivering the same bytes twice leaves one file).
public protocol Outbox: Sendable {
    /// Stable identity recorded in the ledger, e.g. `local:/srv/outbox`; never holds secrets.
    var id: String { get }
    func deliver(file localPath: String, as relativePath: String) async throws -> DeliveryOutcome
    /// An empty completion marker (e.g. `<batch>/READY`), written after a batch's outputs so a
    /// pickup system knows the folder is complete.
    func deliverMarker(as relativePath: String) async throws -> DeliveryOutcome
    /// `sluice check`, like a DICOM C-ECHO: reach the outbox, write and remove a probe.
    func check() async -> [CheckResult]
    /// Ends connections (a libssh session left open at exit is torn down under a live thread).
    func close() async
}

extension Outbox {
    public func close() async {}
}

public enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    /// The destination already held identical bytes (a retry after a crash, or a rerun).
    case alreadyPresent
}

/// What to do when the destination name exists with different content.
public enum ConflictPolicy: String, Sendable {
    /// Keep the old file if its sha256 matches; otherwise replace it atomically.
    case replace
    /// Refuse: the delivery fails and is reported.
    case fail
}

public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public let outbox: String
    public let name: String
    public let reason: String
    public init(outbox: String, name: String, reason: String) {
        self.outbox = outbox
        self.name = name
        self.reason = reason
    }
    public var description: String { "\(outbox): cannot deliver \(name): \(reason)" }
}
