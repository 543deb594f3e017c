import Delivery
import Foundation
import Reports

/// The mail routes are outboxes like the others: alerts and study mails are deliveries of the
/// run (recorded, retried, parked after `delivery_attempts`, sent again by `sluice retry`).
/// Digests span runs and are scheduled instead (Engine+Digests.swift).
enum MailDelivery {
    /// Tries within one pass (the sender backs off between them); later passes try again.
    static let retry = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), maxDelay: .seconds(4))

    static func sender(_ route: PipelineConfig.MailRoute) -> MailSender { MailSender(endpoint: route.endpoint, retry: retry) }

    static func headers(_ config: PipelineConfig, batchID: String) -> [MailHeader] {
        [MailHeader("X-Sluice-Pipeline", config.name), MailHeader("X-Sluice-Batch", batchID)]
    }

    /// Where an output lies in the file outboxes, for mails that name a file instead of carrying it.
    static func outboxPath(_ config: PipelineConfig, batchID: String, run: Int, _ name: String) -> String? {
        config.outboxes.isEmpty ? nil : config.name + "/" + batchID + (run > 1 ? ".run\(run)" : "") + "/" + name
    }

    /// Connect, negotiate TLS, log in; send nothing.
    static func check(_ role: String, _ route: PipelineConfig.MailRoute) async -> CheckResult {
        do {
            try await SMTPClient(endpoint: route.endpoint).verify()
            let tls = switch route.endpoint.security {
            case .startTLS: "STARTTLS"
            case .implicitTLS: "TLS"
            case .none: "no TLS"
            }
            return .ok("\(role) \(route.id): connected (\(tls))\(route.endpoint.credentials == nil ? "" : ", login accepted")")
        } catch {
            return .failed("\(role) \(route.id): \(error)")
        }
    }
}

/// An smtp outbox with `per_study: true`: one mail per study after the file deliveries (so the
/// outbox paths a too-large mail names exist). A rerun mails its new results again.
struct StudyMailTarget: DeliveryTarget {
    let outbox: PipelineConfig.MailOutbox
    let services: PipelineServices

    var id: String { outbox.id }
    var phase: DeliveryPhase { .mails }

    func deliveries(for run: PublishedRun) throws -> [PlannedDelivery] {
        guard let (report, renderedAt) = try run.mailReport() else { return [] }
        let (c, config, clock, o) = (run.context, services.config, services.clock, outbox)
        return report.studies.map { study in
            let name = "study-mail/\(study.studyKey)"
            return PlannedDelivery(name: name) {
                var attachments: [MailAttachment] = []
                for file in MailAttach.studyNames(o.attach, reportFiles: study.reportFiles) {
                    attachments.append(try MailAttachment.file(
                        c.stagingDirectory + "/" + file, outboxPath: MailDelivery.outboxPath(config, batchID: c.batchID, run: c.run, file)))
                }
                let mail = StudyMail.render(study: study, pipeline: config.name, batchID: c.batchID, processedAt: renderedAt,
                                            template: o.studyTemplate, timeZone: o.route.timeZone)
                let message = mail.message(
                    from: o.route.from, to: o.route.to, attachments: attachments, date: clock.now(), timeZone: o.route.timeZone,
                    messageIDSeed: "study|\(config.name)|\(o.id)|\(c.batchID)|\(c.run)|\(study.studyKey)",
                    headers: MailDelivery.headers(config, batchID: c.batchID))
                let sender = MailDelivery.sender(o.route)
                for part in try o.route.sizeLimit.apply(to: message) { try await sender.send(part, label: name) }
            }
        }
    }

    func check() async -> [CheckResult] { [await MailDelivery.check("outbox", outbox.route)] }
}
