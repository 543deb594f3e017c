import Foundation

/// A batch as the ledger knows it.
public struct BatchRecord: Sendable, Equatable {
    public var id: String
    public var pipeline: String
    /// The name it had in the inbox (a folder, zip or file name).
    public var sourceName: String
    public var inbox: String
    public var kind: String
    public var claimedAt: Date
    public var fingerprint: String?
    public var duplicateOf: String?
    /// Where the input is now (processing/, archive/ or error/).
    public var inputPath: String?
}

public struct RunRecord: Sendable, Equatable {
    public var batchID: String
    public var run: Int
    public var state: BatchState
    public var supersedes: Int?
    public var startedAt: Date
    public var updatedAt: Date
    public var error: String?
    public var outputDirectory: String?
    public var files: Int
    public var quarantined: Int
    public var studies: Int
    public var bytes: Int
}

public struct FileRecord: Sendable, Equatable {
    public var path: String
    public var kind: String
    public var size: Int
    public var sha256: String
    public var status: String
    public var reason: String?
    public var stage: String?
    public var studyUID: String?
    public var sopInstanceUID: String?

    public init(path: String, kind: String, size: Int, sha256: String, status: String, reason: String? = nil,
                stage: String? = nil, studyUID: String? = nil, sopInstanceUID: String? = nil) {
        self.path = path; self.kind = kind; self.size = size; self.sha256 = sha256; self.status = status
        self.reason = reason; self.stage = stage; self.studyUID = studyUID; self.sopInstanceUID = sopInstanceUID
    }
}

public struct StudyRecord: Sendable, Equatable {
    public var studyKey: String
    public var studyUID: String
    public var modality: String
    public var series: Int
    public var instances: Int
    public var status: String
    public var problems: [String]
    public var findingsJSON: String
}

public struct OutputRecord: Sendable, Equatable {
    public var name: String
    public var sha256: String
    public var size: Int
}

public enum DeliveryState: String, Sendable { case pending, delivered, failed }

public struct DeliveryRecord: Sendable, Equatable {
    public var outbox: String
    public var name: String
    public var state: DeliveryState
    public var attempts: Int
    public var lastError: String?
}

/// Persistent record of every batch, run, file, output and delivery. Every step is written
/// before the next starts, so a killed process resumes exactly where it stopped.
public protocol Ledger: Sendable {
    func insertBatch(_ batch: BatchRecord) throws
    func batch(_ id: String) throws -> BatchRecord?
    func batches(pipeline: String) throws -> [BatchRecord]
    func updateBatch(_ id: String, fingerprint: String?, duplicateOf: String?, inputPath: String?) throws
    /// The most recent batch (other than `excluding`) that finished with this content fingerprint.
    func completedBatch(withFingerprint fingerprint: String, excluding: String) throws -> String?

    func startRun(batchID: String, supersedes: Int?) throws -> Int
    func runs(batchID: String) throws -> [RunRecord]
    func transition(batchID: String, run: Int, on event: BatchEvent, error: String?) throws -> BatchState
    /// Leases a run to one worker so two processes never drive the same batch.
    func acquire(batchID: String, run: Int, owner: String, staleAfter: TimeInterval,
                 isDead: @Sendable (String) -> Bool) throws -> Bool
    func release(batchID: String, run: Int, owner: String) throws
    func updateRun(batchID: String, run: Int, outputDirectory: String?, files: Int, quarantined: Int, studies: Int, bytes: Int) throws

    func replaceFiles(batchID: String, run: Int, _ files: [FileRecord]) throws
    func files(batchID: String, run: Int) throws -> [FileRecord]
    func replaceStudies(batchID: String, run: Int, _ studies: [StudyRecord]) throws
    func studies(batchID: String, run: Int) throws -> [StudyRecord]
    func replaceOutputs(batchID: String, run: Int, _ outputs: [OutputRecord]) throws
    func outputs(batchID: String, run: Int) throws -> [OutputRecord]

    func delivery(batchID: String, run: Int, outbox: String, name: String) throws -> DeliveryRecord?
    func recordDelivery(batchID: String, run: Int, _ delivery: DeliveryRecord) throws
    func deliveries(batchID: String, run: Int) throws -> [DeliveryRecord]
    /// Parked (failed) deliveries back to pending with a fresh attempt count; returns how many.
    func resetFailedDeliveries(batchID: String, run: Int) throws -> Int
}

extension Ledger {
    /// The newest run of a batch.
    public func latestRun(batchID: String) throws -> RunRecord? { try runs(batchID: batchID).last }
}
