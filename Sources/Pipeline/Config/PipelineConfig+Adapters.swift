import Delivery
import Foundation

/// The one place that turns a pipeline file's inbox and outbox kinds into the adapters the
/// engine drives through their protocols (`Inbox`, `DeliveryTarget`): a new kind is a case
/// here and one file conforming to the protocol.
extension PipelineConfig.InboxLocation {
    func makeInbox(_ services: PipelineServices) -> any Inbox {
        let marker = services.config.marker
        switch self {
        case .local(let path):
            return LocalPipelineInbox(folder: LocalInbox(path: path, marker: marker), services: services)
        case .sftp(let s):
            return SFTPPipelineInbox(
                inbox: SFTPInbox(endpoint: s.endpoint, credentials: s.credentials, marker: marker, recursive: s.recursive,
                                 followLinks: s.followLinks),
                settings: s, services: services)
        }
    }
}

extension PipelineConfig {
    /// Every destination of a run's results, in publish order: alert routes (mail, ORU), file
    /// outboxes, study mails.
    func deliveryTargets(_ services: PipelineServices) -> [any DeliveryTarget] {
        let files: [any DeliveryTarget] = outboxes.map { o in
            let (outbox, marker) = o.location.makeOutbox()
            return FileOutboxTarget(outbox: outbox, marker: marker, files: o.files, permissions: spoolPermissions)
        }
        let alerts: [any DeliveryTarget] = alertRoutes.flatMap { route -> [any DeliveryTarget] in
            let mail: (any DeliveryTarget)? = route.mail.map { AlertMailTarget(route: route, mail: $0, services: services) }
            let oru: (any DeliveryTarget)? = route.oru.map {
                AlertORUTarget(route: route, outbox: $0.location.makeOutbox().outbox, services: services)
            }
            return [mail, oru].compactMap { $0 }
        }
        let mails: [any DeliveryTarget] = mailOutboxes.filter(\.perStudy).map { StudyMailTarget(outbox: $0, services: services) }
        return (alerts + files + mails).sorted { $0.phase < $1.phase }
    }
}

extension PipelineConfig.OutboxLocation {
    /// The file outbox and the completion marker it gets after a batch's outputs (if any).
    func makeOutbox() -> (outbox: any Outbox, marker: String?) {
        switch self {
        case .local(let path, let marker):
            (LocalFolderOutbox(root: path), marker)
        case .sftp(let endpoint, let credentials, let conflict, let marker):
            (SFTPOutbox(endpoint: endpoint, credentials: credentials, conflict: conflict), marker)
        }
    }
}
