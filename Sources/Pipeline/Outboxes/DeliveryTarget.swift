public import Delivery
public import Foundation
public import Reports

/// Where a run's results go: files to a folder or an SFTP server, a mail per Critical finding,
/// a mail per study — and next, a DICOM C-STORE to a PACS. The engine's publish step asks each
/// target for its deliveries and makes each one an attempt recorded in the ledger (delivered
/// once, retried on later passes, parked after `delivery_attempts`); it never asks what kind of
/// target it holds. A new kind is one file conforming to this protocol and one case in
/// `PipelineConfig+Adapters.swift`.
public protocol DeliveryTarget: Sendable {
    /// The ledger's name for the target (`local:/srv/outbox`, `smtp://…`); never a secret.
    var id: String { get }
    /// When in publish its deliveries go (alerts before the files, study mails after them).
    var phase: DeliveryPhase { get }
    /// True when one failed delivery must stop the target's later ones this pass (a folder's
    /// manifest and marker never arrive before the files they announce).
    var isOrdered: Bool { get }
    /// What this target delivers for one rendered run, in order.
    func deliveries(for run: PublishedRun) throws -> [PlannedDelivery]
    /// What it delivers for one study as soon as the study is inferred, before the run is
    /// rendered (alerts); `deliveries(for:)` plans the same ones again if they have not arrived.
    func deliveries(for study: StudyReport, in context: BatchContext, detectedAt: Date) throws -> [PlannedDelivery]
    /// `sluice check`: reach the destination without delivering anything.
    func check() async -> [CheckResult]
    func close() async
}

extension DeliveryTarget {
    public var isOrdered: Bool { false }
    public func deliveries(for study: StudyReport, in context: BatchContext, detectedAt: Date) throws -> [PlannedDelivery] { [] }
    public func close() async {}
}

/// The order of publish: on-call hears of a Critical finding before the slower deliveries run;
/// mails that name outbox paths go after the files are there.
public enum DeliveryPhase: Int, Sendable, Comparable {
    case alerts, files, mails
    public static func < (a: DeliveryPhase, b: DeliveryPhase) -> Bool { a.rawValue < b.rawValue }
}

/// One delivery: its name in the ledger (an output's name, `marker:READY`,
/// `critical-alert/<study>/<label>`, `study-mail/<study>`) and how to make it.
public struct PlannedDelivery: Sendable {
    public let name: String
    public let send: @Sendable () async throws -> Void

    public init(name: String, send: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.send = send
    }
}

/// A rendered run as publish hands it to the targets.
public struct PublishedRun: Sendable {
    public let context: BatchContext
    /// Every output the run rendered (in the ledger, staged in `context.stagingDirectory`).
    public let outputs: [OutputRecord]
    /// `<pipeline>/<batch-id>` (`.runN` for reruns): where the outputs go in every outbox.
    public let folder: String
    let services: PipelineServices

    /// The report the run's mails show, from the ledger (the work folder may be gone); nil for
    /// a run rendered before mail was configured.
    func mailReport() throws -> (report: BatchReport, renderedAt: Date)? {
        guard let record = try services.ledger.mailRun(batchID: context.batchID, run: context.run) else {
            services.log.warning("batch \(context.batchID): run \(context.run) was rendered before mail was configured; it sends no alert or study mail")
            return nil
        }
        return (try MailSnapshot.decode(record.report), record.renderedAt)
    }
}
