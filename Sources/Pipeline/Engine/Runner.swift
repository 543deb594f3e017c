import Delivery
import Foundation
import Inference

/// Opens what a pipeline file names and runs the engine: once (cron) or until a signal.
public enum Runner {
    public static func openLedger(_ config: PipelineConfig) throws -> any Ledger {
        switch config.ledger {
        case .sqlite(let path):
            return try SQLiteLedger(path: path, permissions: config.spoolPermissions)
        case .postgres:
            throw ConfigError(file: config.file, line: nil, key: "ledger", "PostgreSQL ledgers are not available in this build yet; use sqlite:PATH")
        }
    }

    public static func engine(_ config: PipelineConfig, log: Log? = nil) throws -> Engine {
        let clock = Clock.fromEnvironment()
        return Engine(config: config, ledger: try openLedger(config), log: log ?? Log.fromEnvironment(clock: clock), clock: clock,
                      stages: BatchStages(config: config, models: try inferStage(config)))
    }

    /// The configured models, loaded and checked (operators, descriptor against graph); a model
    /// that cannot run is a configuration error, found before any batch is claimed. Routes
    /// naming the same file share one loaded model.
    public static func inferStage(_ config: PipelineConfig) throws -> InferStage? {
        guard !config.infer.isEmpty else { return nil }
        var loaded: [String: ImageModel] = [:]
        var routes: [InferStage.Route] = []
        for (i, infer) in config.infer.enumerated() {
            let key = config.infer.count > 1 ? "infer[\(i)].model" : "infer.model"
            do {
                let model = try loaded[infer.model] ?? ImageModel(path: infer.model)
                loaded[infer.model] = model
                routes.append(.init(match: infer.match, model: ModelStage(
                    model: model, thresholds: infer.thresholds, heatmaps: infer.heatmaps, limits: config.pixelLimits)))
            } catch {
                throw ConfigError(file: config.file, line: nil, key: key, "\(error)")
            }
        }
        return InferStage(routes: routes)
    }

    /// One pass for cron: two looks at the inbox a moment apart (readiness needs an unchanged
    /// second look), then process what is ready. Younger entries are left for the next run.
    public static func runOnce(_ engine: Engine, stop: StopFlag) async -> Engine.PassResult {
        var watcher = Watcher(settle: engine.config.settle)
        for inbox in engine.inboxes {
            if let entries = try? await inbox.list() { _ = watcher.poll(entries, inbox: inbox.id, now: Clock.wall()) }
        }
        try? await Task.sleep(for: min(engine.config.poll, .seconds(1)))
        return await engine.pass(watcher: &watcher, stop: stop)
    }

    /// Polls until `stop` is set; the batch in hand finishes before returning.
    public static func runForever(_ engine: Engine, stop: StopFlag) async -> Int {
        var watcher = Watcher(settle: engine.config.settle)
        var errors = 0
        engine.log.info("watching \(engine.inboxes.map(\.id).joined(separator: ", ")) every \(engine.config.poll.seconds)s (settle \(engine.config.settle.seconds)s)")
        while !stop.isSet {
            let result = await engine.pass(watcher: &watcher, stop: stop)
            errors += result.errors.count
            var slept = Duration.zero
            while slept < engine.config.poll, !stop.isSet {
                try? await Task.sleep(for: .milliseconds(100))
                slept += .milliseconds(100)
            }
        }
        engine.log.info("stopped")
        return errors
    }
}

/// Installs SIGINT/SIGTERM handlers that set `flag`; a second signal exits at once (the ledger
/// lets the next start resume).
public enum Signals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    public static func install(_ flag: StopFlag, log: Log) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if flag.isSet { exit(130) }
                log.info("signal \(sig): finishing the batch in hand, then stopping (again to stop at once)")
                flag.set()
            }
            source.resume()
            sources.append(source)
        }
    }
}
