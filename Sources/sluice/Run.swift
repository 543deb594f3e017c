import ArgumentParser
import Foundation
import Inference
import Delivery
import Logging
import Pipeline
import ServiceLifecycle
import UnixSignals
import Reports

extension Sluice {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Watch the inboxes and process batches until SIGINT/SIGTERM, or one pass with --once.")

        @OptionGroup var options: PipelineArgument

        @Flag(help: "One pass over the inboxes, then exit (for cron and nightly jobs).")
        var once = false

        func run() async throws { try await Runner.engine(try options.load()).closing(work) }

        func work(_ engine: Engine) async throws {
            let stop = StopFlag()
            Signals.install(stop, log: engine.log)
            if once {
                let result = await Runner.runOnce(engine, stop: stop)
                let done = result.finished.values
                engine.log.info("pass finished: \(done.filter { $0 == .archived }.count) archived, \(done.filter { $0 == .duplicate }.count) duplicate, \(done.filter { $0 == .failed }.count) failed, \(done.filter { $0 == .held }.count) held, \(result.waiting) still arriving, \(result.quarantined) files quarantined")
                if !result.errors.isEmpty {
                    throw Failure.processing("\(result.errors.count) error(s) in this pass; see the log above and `sluice status`")
                }
            } else {
                // In a service group, so that listeners added beside the engine share its
                // lifetime; SIGTERM/SIGINT shut the group down gracefully (a second signal
                // still exits at once: Signals).
                let service = EngineService(engine, stop: stop)
                let group = ServiceGroup(configuration: .init(
                    services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "sluice")))
                try await group.run()
                if service.outcome.errors > 0 {
                    throw Failure.processing("\(service.outcome.errors) error(s) while running; see `sluice status`")
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Batches, states, counts, errors and queue depth, from the ledger.")

        @OptionGroup var options: PipelineArgument
        @Flag(help: "Machine-readable output.") var json = false
        @Option(help: "Show one batch with every file's status.") var batch: String?

        func run() async throws { try await Runner.engine(try options.load()).closing(work) }

        func work(_ engine: Engine) async throws {
            let report: StatusReport
            do { report = try StatusReport.make(engine, batchID: batch) } catch {
                throw Failure.usage("\(error)")
            }
            try printReport(report, json: json, text: report.text)
        }
    }

    struct Rerun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rerun",
            abstract: "Reprocess archived batches into new runs that supersede the old ones (new model, fixed bug).")

        @OptionGroup var options: PipelineArgument
        @Option(help: "The batch to reprocess.") var batch: String?
        @Option(help: "Reprocess every finished batch claimed on or after this date (YYYY-MM-DD or ISO 8601).") var since: String?

        func validate() throws {
            if (batch == nil) == (since == nil) { throw ValidationError("give exactly one of --batch ID or --since DATE") }
            if let since, Timestamps.parse(since) == nil { throw ValidationError("--since: '\(since)' is not a date (YYYY-MM-DD)") }
        }

        func run() async throws { try await Runner.engine(try options.load()).closing(work) }

        func work(_ engine: Engine) async throws {
            var ids: [String] = []
            if let batch { ids = [batch] }
            if let since, let date = Timestamps.parse(since) {
                ids = try engine.ledger.batches(pipeline: engine.config.name).filter { $0.claimedAt >= date }.map(\.id)
                if ids.isEmpty { print("no batches claimed since \(since)"); return }
            }
            var failures = 0
            for id in ids {
                do {
                    let previous = try engine.ledger.latestRun(batchID: id)
                    let (run, state) = try await engine.rerun(batchID: id)
                    print("\(id): run \(run) \(state.rawValue)")
                    if let previous { print(try RunComparison.make(engine, batchID: id, old: previous.run, new: run).text, terminator: "") }
                    if state != .archived { failures += 1 }
                } catch let error as LedgerError {
                    if batch != nil { throw Failure.usage(error.description) }
                    print("\(id): skipped: \(error)".escapingControlCharacters)
                } catch {
                    failures += 1
                    print("\(id): \(error)".escapingControlCharacters)
                }
            }
            if failures > 0 { throw Failure.processing("\(failures) rerun(s) did not finish") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry",
            abstract: "Put parked (dead-letter) deliveries back in the queue and deliver them now.")

        @OptionGroup var options: PipelineArgument
        @Option(help: "Only this batch (default: every batch with parked deliveries).") var batch: String?

        func run() async throws { try await Runner.engine(try options.load()).closing(work) }

        func work(_ engine: Engine) async throws {
            let ids = try batch.map { [$0] } ?? engine.ledger.batches(pipeline: engine.config.name).map(\.id).filter(engine.hasDeadLetters)
            // Digests belong to no batch: `--batch` leaves them alone.
            let digests = batch == nil ? try await engine.retryDigests() : (reset: 0, errors: [])
            if ids.isEmpty && digests.reset == 0 { print("no parked deliveries"); return }
            if digests.reset > 0 {
                print("\(digests.reset) parked digest\(digests.reset == 1 ? "" : "s"): \(digests.errors.isEmpty ? "sent" : "still failing")")
                for error in digests.errors { print("  \(error)".escapingControlCharacters) }
            }
            var failed = digests.errors.count
            for id in ids {
                do {
                    let state = try await engine.retry(batchID: id)
                    print("\(id): \(state.rawValue)")
                    if state != .archived { failed += 1 }
                } catch let error as LedgerError where batch != nil {
                    throw Failure.usage(error.description)
                } catch {
                    print("\(id): \(error)".escapingControlCharacters)
                    failed += 1
                }
            }
            // A retry can park a delivery anew (delivery_attempts: 1): alerted like any other.
            _ = await engine.alertDeadLetters()
            if failed > 0 { throw Failure.processing("\(failed) batch(es) still not delivered; see `sluice status`") }
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scan",
            abstract: "Show what is in a drop (patients, studies, series, instances, HL7 messages, problems) without processing it.")

        @Argument(help: "A folder, zip archive or file.") var path: String
        @Option(help: "A pipeline file whose completion marker, validation rules and zip limits apply.") var pipeline: String?
        @Flag(help: "Machine-readable output.") var json = false
        @Flag(help: "Also print how long each stage took (on standard error; in the JSON as `timings`).") var timing = false

        func run() async throws {
            let config = try pipeline.map { try PipelineConfig.load($0) }
            let report: ScanReport
            do { report = try await ScanReport.make(path: path, pipeline: config, timed: timing) } catch { throw Failure.processing("\(error)") }
            try printReport(report, json: json, text: report.text)
            if let line = report.timingLine, !json { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a pipeline file and test that every inbox, outbox and the ledger can be used.")

        @OptionGroup var options: PipelineArgument

        func run() async throws {
            let config = try options.load()
            print("ok    \(options.pipeline): pipeline '\(config.name)' is valid")
            let results = await Checks.run(config)
            for r in results { print((r.passed ? "ok    " : "FAIL  ") + r.message.escapingControlCharacters) }
            let problems = results.filter { !$0.passed }.count
            if problems > 0 { throw Failure.usage("\(problems) check(s) failed") }
        }
    }
}

/// Prints a report as stable JSON (sorted keys) or as its text form. The reports escape the
/// names they show; any control character left in a line (an ESC from a value a report did not
/// escape) is escaped here too, so no report can send terminal escape sequences.
func printReport(_ report: some Encodable, json: Bool, text: String) throws {
    if json {
        FileHandle.standardOutput.write(try JSONRenderer.encode(report))
    } else {
        print(text.split(separator: "\n", omittingEmptySubsequences: false).map(\.escapingControlCharacters).joined(separator: "\n"),
              terminator: "")
    }
}
