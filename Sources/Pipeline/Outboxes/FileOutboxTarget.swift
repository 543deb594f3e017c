import Delivery
import Foundation

/// A file outbox (a local folder, an SFTP pickup folder): every output of the run, the manifest
/// last, then the completion marker if the outbox has one — in that order, so a pickup system
/// that sees the marker (or the manifest) finds every file it announces.
struct FileOutboxTarget: DeliveryTarget {
    let outbox: any Outbox
    let marker: String?

    var id: String { outbox.id }
    var phase: DeliveryPhase { .files }
    var isOrdered: Bool { true }

    func deliveries(for run: PublishedRun) throws -> [PlannedDelivery] {
        let outputs = run.outputs.filter { $0.name != Manifest.fileName } + run.outputs.filter { $0.name == Manifest.fileName }
        let staging = run.context.stagingDirectory
        let (outbox, folder) = (outbox, run.folder)
        var planned = outputs.map { output in
            PlannedDelivery(name: output.name) {
                let local = staging + "/" + output.name
                guard FileManager.default.fileExists(atPath: local) else {
                    throw DeliveryError(outbox: outbox.id, name: output.name, reason: "staged output is missing from \(staging)")
                }
                _ = try await outbox.deliver(file: local, as: folder + "/" + output.name)
                FaultInjection.point("delivered-unrecorded")
            }
        }
        if let marker {
            planned.append(PlannedDelivery(name: "marker:" + marker) { _ = try await outbox.deliverMarker(as: folder + "/" + marker) })
        }
        return planned
    }

    func check() async -> [CheckResult] { await outbox.check() }
    func close() async { await outbox.close() }
}
