import Delivery
import Foundation
import Reports

/// A file outbox (a local folder, an SFTP pickup folder): the run's outputs, the manifest last,
/// then the completion marker if the outbox has one — in that order, so a pickup system that
/// sees the marker (or the manifest) finds every file it announces. With `files:` the outbox
/// gets only the outputs of those formats, and a manifest listing just them.
struct FileOutboxTarget: DeliveryTarget {
    let outbox: any Outbox
    let marker: String?
    /// nil: every output.
    let files: Set<RenderFormat>?
    /// How the outbox's own manifest is created in the staging folder.
    let permissions: SpoolPermissions

    var id: String { outbox.id }
    var phase: DeliveryPhase { .files }
    var isOrdered: Bool { true }

    func deliveries(for run: PublishedRun) throws -> [PlannedDelivery] {
        let staging = run.context.stagingDirectory
        let (outbox, folder) = (outbox, run.folder)
        func delivery(_ name: String, from local: String) -> PlannedDelivery {
            PlannedDelivery(name: name) {
                guard FileManager.default.fileExists(atPath: local) else {
                    throw DeliveryError(outbox: outbox.id, name: name, reason: "staged output is missing from \(staging)")
                }
                _ = try await outbox.deliver(file: local, as: folder + "/" + name)
                FaultInjection.point("delivered-unrecorded")
            }
        }
        var planned: [PlannedDelivery]
        let outputs = run.outputs.map(\.name).filter { $0 != Manifest.fileName }
        if let files {
            let (manifest, names) = try selectedManifest(files, staging: staging)
            planned = outputs.filter(names.contains).map { delivery($0, from: staging + "/" + $0) }
            planned.append(delivery(Manifest.fileName, from: manifest))
        } else {
            planned = (outputs + [Manifest.fileName]).map { delivery($0, from: staging + "/" + $0) }
        }
        if let marker {
            planned.append(PlannedDelivery(name: "marker:" + marker) { _ = try await outbox.deliverMarker(as: folder + "/" + marker) })
        }
        return planned
    }

    /// This outbox's manifest, staged beside the full one (same selection, same bytes: outboxes
    /// that share a `files:` share the file), and the outputs it lists.
    private func selectedManifest(_ files: Set<RenderFormat>, staging: String) throws -> (path: String, names: Set<String>) {
        let full = staging + "/" + Manifest.fileName
        guard let data = FileManager.default.contents(atPath: full) else {
            throw DeliveryError(outbox: outbox.id, name: Manifest.fileName, reason: "staged manifest is missing from \(staging)")
        }
        let (manifest, names) = try Manifest.selecting(files, from: data)
        let path = staging + "/.manifest+" + files.map(\.rawValue).sorted().joined(separator: "+") + ".json"
        if FileManager.default.contents(atPath: path) != manifest {
            try FileIO.writeAtomically(manifest, to: path, durable: false, permissions: permissions)
        }
        return (path, names)
    }

    func check() async -> [CheckResult] { await outbox.check() }
    func close() async { await outbox.close() }
}
