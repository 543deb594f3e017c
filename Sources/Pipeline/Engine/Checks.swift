public import Delivery
import Foundation
import Inference

/// `sluice check`: like a DICOM C-ECHO for every part of a pipeline — the ledger opens, the
/// model loads, every inbox and outbox is reached and tried the way the engine will use it,
/// the spool is writable, every mail server accepts a login. Each part checks itself through
/// its protocol (`Inbox.check`, `Outbox.check`); nothing here asks what kind it is.
public enum Checks {
    public static func run(_ config: PipelineConfig) async -> [CheckResult] {
        var results: [CheckResult] = []
        let ledger: (any Ledger)?
        do { ledger = try Runner.openLedger(config); results.append(.ok("ledger opens")) } catch {
            ledger = nil
            results.append(.failed("ledger: \(error)"))
        }
        do {
            for route in try Runner.inferStage(config)?.routes ?? [] {
                let (d, model) = (route.model.model.descriptor, route.model.model)
                let studies = route.match.map { " for \($0)" } ?? ""
                results.append(.ok("model \(d.name) \(d.version) loads (\(d.labels.count) label(s), heatmap \(model.heatmap.rawValue))\(studies)"))
            }
        } catch { results.append(.failed("\(error)")) }
        for folder in [config.processingDirectory, config.archiveDirectory, config.errorDirectory, config.workDirectory]
            + (config.usesMail ? [config.mailDirectory] : []) {
            results.append(FileIO.isWritableFolder(folder, permissions: config.spoolPermissions)
                ? .ok("spool \(folder) is writable") : .failed("spool \(folder) is not writable"))
        }
        if let ledger {
            let services = PipelineServices(config: config, ledger: ledger, log: Log(minimum: .error), clock: Clock())
            for inbox in config.inboxes.map({ $0.makeInbox(services) }) {
                results += await inbox.check()
                await inbox.close()
            }
        } else {
            results.append(.failed("inboxes and outboxes not checked: they record their work in the ledger, which does not open"))
        }
        // Every delivery target checks itself; mail routes that are no target (digest-only
        // outboxes, alerts:) are logged in to the same way.
        var checked = Set<String>()
        if let ledger {
            let services = PipelineServices(config: config, ledger: ledger, log: Log(minimum: .error), clock: Clock())
            for target in config.deliveryTargets(services) where checked.insert(target.id).inserted {
                results += await target.check()
                await target.close()
            }
        }
        for (role, route) in config.mailRoutes where checked.insert(route.id).inserted {
            results.append(await MailDelivery.check(role, route))
        }
        return results
    }
}
