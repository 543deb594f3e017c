public import Foundation

/// One step of a batch. Stages are typed (each consumes the previous one's output), pure apart
/// from files under the batch's work folder, and re-runnable: the engine records each finished
/// stage in the ledger before starting the next.
public protocol Stage<Input, Output>: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    var name: String { get }
    func run(_ input: Input, context: BatchContext) async throws -> Output
}

/// What every stage of one batch run can see: which run it is and where its files are. What a
/// stage needs of the pipeline file it takes when it is made (its own slice), not from here.
public struct BatchContext: Sendable {
    public let batchID: String
    public let run: Int
    public let sourceName: String
    /// The claimed input: processing/<id>/<name> (or archive/<id>/<name> for a rerun).
    public let inputPath: String
    /// Scratch space for this run: work/<id>/run-<n>/ (unpacked zips, staged outputs).
    public let workDirectory: String
    public let log: Log
    public let clock: Clock
    /// Reruns process again even when the content fingerprint matches an earlier batch.
    public let allowDuplicate: Bool
    /// When the batch was claimed, and whether its uploader marked it complete.
    public var claimedAt: Date = .distantPast
    public var marked: Bool = false

    /// Threads (and parallel reads) a stage may use.
    public var workers: Int = 1
    /// Called by the infer stage as each study is read, before the rest of the batch (with the
    /// batch's files, relative path to absolute): the engine pages Critical findings from here
    /// (Engine+Alerts.swift).
    public var studyInferred: (@Sendable (StudyGroup, InferredStudy, _ paths: [String: String]) async -> Void)? = nil

    public init(batchID: String, run: Int, sourceName: String, inputPath: String, workDirectory: String, log: Log,
                clock: Clock, allowDuplicate: Bool, workers: Int) {
        self.batchID = batchID; self.run = run; self.sourceName = sourceName; self.inputPath = inputPath
        self.workDirectory = workDirectory; self.log = log; self.clock = clock; self.allowDuplicate = allowDuplicate
        self.workers = workers
    }

    public var stagingDirectory: String { workDirectory + "/out" }
}

/// A batch-wide failure: the batch cannot be read at all and goes to error/.
public struct BatchFailure: Error, Sendable, CustomStringConvertible {
    public let stage: String
    public let reason: String
    public init(stage: String, reason: String) {
        self.stage = stage
        self.reason = reason
    }
    public var description: String { "\(stage): \(reason)" }
}
