import Checksum
import Delivery
import Foundation
import Reports

/// Which findings of a study an alert route announces, and the ledger key that makes each go
/// out once per route, study and finding (across restarts, reruns and the same study dropped
/// again).
enum AlertRouting {
    static func findings(_ route: PipelineConfig.AlertRoute, in study: StudyReport) -> [Finding] {
        let facts = StudyFacts(report: study)
        return study.findings.filter { $0.urgency == route.tier && route.match.matches(facts.adding(label: $0.label)) }
    }

    enum Channel: String { case mail, oru }

    /// The single `critical:` mapping keeps the key older versions recorded, so an upgrade
    /// does not page again for findings already alerted.
    static func key(_ route: PipelineConfig.AlertRoute, _ channel: Channel, study: StudyReport, finding: Finding) -> String {
        let base = CriticalAlert.key(study: study, finding: finding)
        if route.name == nil, route.tier == .critical, channel == .mail { return base }
        return SHA256.hex("\(channel.rawValue)|\(route.tier.rawValue)|\(route.name ?? "")|\(base)")
    }

    /// `critical-alert/<study>/<label>` (the single critical route, as before),
    /// `urgent-alert/chest/<study>/<label>`, `critical-oru/stroke/<study>`.
    static func deliveryName(_ route: PipelineConfig.AlertRoute, _ channel: Channel, study: String, label: String?) -> String {
        let kind = route.tier.rawValue + (channel == .mail ? "-alert" : "-oru")
        return ([kind, route.name, study, label].compactMap { $0 }).joined(separator: "/")
    }
}

/// An alert route's mail: one message per finding at once, or (with `every:`) the finding
/// queued in the ledger for the route's next summary mail (Engine+Alerts.swift sends it).
struct AlertMailTarget: DeliveryTarget {
    let route: PipelineConfig.AlertRoute
    let mail: PipelineConfig.MailRoute
    let services: PipelineServices

    var id: String { mail.id }
    var phase: DeliveryPhase { .alerts }

    func deliveries(for run: PublishedRun) throws -> [PlannedDelivery] {
        guard let (report, renderedAt) = try run.mailReport() else { return [] }
        return try report.studies.flatMap { try deliveries(for: $0, in: run.context, detectedAt: renderedAt) }
    }

    func deliveries(for study: StudyReport, in c: BatchContext, detectedAt: Date) throws -> [PlannedDelivery] {
        let (config, ledger, log, clock, route, mail) = (services.config, services.ledger, services.log, services.clock, route, mail)
        var planned: [PlannedDelivery] = []
        for finding in AlertRouting.findings(route, in: study) {
            let key = AlertRouting.key(route, .mail, study: study, finding: finding)
            let name = AlertRouting.deliveryName(route, .mail, study: study.studyKey, label: finding.label)
            if let sent = try ledger.criticalAlert(pipeline: config.name, key: key) {
                if sent.batchID != c.batchID || sent.run != c.run {
                    log.info("batch \(c.batchID): \(route.tier.rawValue) finding in \(study.studyKey) was alerted (\(route.label)) by batch \(sent.batchID) run \(sent.run); not sent again")
                }
                continue
            }
            if route.every != nil {
                let item = QueuedAlert(
                    route: route.label, key: key, batchID: c.batchID, run: c.run, studyKey: study.studyKey, label: finding.label,
                    item: AlertSummaryMail.Item(finding, in: study, batchID: c.batchID, detectedAt: detectedAt),
                    queuedAt: clock.now())
                planned.append(PlannedDelivery(name: name) { try ledger.queueAlert(pipeline: config.name, item) })
                continue
            }
            let template = route.template
            planned.append(PlannedDelivery(name: name) {
                let rendered = CriticalAlert.render(study: study, finding: finding, pipeline: config.name, batchID: c.batchID,
                                                    detectedAt: detectedAt, template: template, timeZone: mail.timeZone)
                let message = rendered.message(from: mail.from, to: mail.to, date: clock.now(), timeZone: mail.timeZone,
                                               messageIDSeed: "\(route.tier.rawValue)|\(config.name)|\(key)",
                                               headers: MailDelivery.headers(config, batchID: c.batchID))
                let receipt = try await MailDelivery.sender(mail).send(message, label: name)
                try ledger.recordCriticalAlert(pipeline: config.name, CriticalAlertRecord(
                    key: key, batchID: c.batchID, run: c.run, studyKey: study.studyKey, label: finding.label,
                    outbox: mail.id, messageID: receipt.messageID, sentAt: clock.now()))
                log.warning("batch \(c.batchID): \(route.tier.rawValue) finding in \(study.studyKey): alert sent (\(route.label)) to \(mail.to.count) recipient\(mail.to.count == 1 ? "" : "s")")
            })
        }
        return planned
    }

    func check() async -> [CheckResult] { [await MailDelivery.check(route.label, mail)] }
}

/// An alert route's `oru:` outbox: the study's ORU (OBX-8 `AA` for a Critical finding) written
/// to the RIS's inbound folder at once, under `<pipeline>/alerts/<batch>[.runN]/`. It is made
/// once, in the run's work folder, and that file is what every attempt delivers.
struct AlertORUTarget: DeliveryTarget {
    let route: PipelineConfig.AlertRoute
    let outbox: any Outbox
    let services: PipelineServices

    var id: String { outbox.id }
    var phase: DeliveryPhase { .alerts }

    func deliveries(for run: PublishedRun) throws -> [PlannedDelivery] {
        guard let (report, renderedAt) = try run.mailReport() else { return [] }
        return try report.studies.flatMap { try deliveries(for: $0, in: run.context, detectedAt: renderedAt) }
    }

    func deliveries(for study: StudyReport, in c: BatchContext, detectedAt: Date) throws -> [PlannedDelivery] {
        let (config, ledger, log, clock, outbox) = (services.config, services.ledger, services.log, services.clock, outbox)
        var unsent: [(Finding, String)] = []
        for finding in AlertRouting.findings(route, in: study) {
            let key = AlertRouting.key(route, .oru, study: study, finding: finding)
            if try ledger.criticalAlert(pipeline: config.name, key: key) == nil { unsent.append((finding, key)) }
        }
        guard !unsent.isEmpty else { return [] }
        let name = AlertRouting.deliveryName(route, .oru, study: study.studyKey, label: nil)
        let file = "\(study.studyKey).\(route.name ?? route.tier.rawValue).hl7"
        let staged = c.workDirectory + "/alerts/" + file
        let folder = config.name + "/alerts/" + c.batchID + (c.run > 1 ? ".run\(c.run)" : "")
        let renderer = RenderStage.renderers(for: [.hl7], hl7: config.hl7)[0]
        let batch = RenderStage.shell(pipeline: config.name, c, at: detectedAt, studies: [study],
                                      modelName: study.modelName, modelVersion: study.modelVersion)
        let (permissions, findings) = (config.spoolPermissions, unsent)
        return [PlannedDelivery(name: name) {
            if !FileManager.default.fileExists(atPath: staged) {
                guard let oru = try renderer.render(study: study, batch: batch).first else {
                    throw DeliveryError(outbox: outbox.id, name: name, reason: "no ORU for a study no model read")
                }
                try config.makeSpoolFolder(c.workDirectory + "/alerts")
                try FileIO.writeAtomically(oru.data, to: staged, permissions: permissions)
            }
            _ = try await outbox.deliver(file: staged, as: folder + "/" + file)
            for (finding, key) in findings {
                try ledger.recordCriticalAlert(pipeline: config.name, CriticalAlertRecord(
                    key: key, batchID: c.batchID, run: c.run, studyKey: study.studyKey, label: finding.label,
                    outbox: outbox.id, messageID: folder + "/" + file, sentAt: clock.now()))
            }
            log.warning("batch \(c.batchID): \(route.tier.rawValue) finding in \(study.studyKey): ORU written to \(outbox.id) (\(route.label))")
        }]
    }

    func check() async -> [CheckResult] { await outbox.check() }
    func close() async { await outbox.close() }
}
