import ArgumentParser
import Delivery
import Foundation
import Pipeline

extension Sluice {
    struct Digest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "digest",
            abstract: "Show the digest mail that would go out now (text body and attachments), or send it with --send.")

        @OptionGroup var options: PipelineArgument

        @Option(help: "Cover what was processed since this date (YYYY-MM-DD or ISO 8601) instead of since the last digest. With --send: an extra mail; the schedule is left alone.")
        var since: String?

        @Flag(help: "Send it. Without --since this is the next scheduled digest sent early; the following one covers from now on.")
        var send = false

        func validate() throws {
            if let since, Timestamps.parse(since) == nil { throw ValidationError("--since: '\(since)' is not a date (YYYY-MM-DD)") }
        }

        func run() async throws {
            let config = try options.load()
            guard !config.digestOutboxes.isEmpty else {
                throw Failure.usage("\(options.pipeline): no smtp outbox has a digest schedule ('digest: CRON')")
            }
            let engine = try Runner.engine(config)
            let since = since.flatMap(Timestamps.parse)
            if !send {
                for draft in try engine.digestDrafts(since: since) { print(Self.preview(draft), terminator: "") }
                return
            }
            var failed = 0
            for outcome in try await engine.sendDigestsNow(since: since) {
                if let error = outcome.error {
                    failed += 1
                    print("FAILED \(error)".escapingControlCharacters)
                } else if let draft = outcome.draft {
                    let parts = draft.messages.count > 1 ? " in \(draft.messages.count) mails" : ""
                    print("sent   digest to \(draft.outbox) for \(Self.period(draft.period)): \(draft.runs.count) batch run\(draft.runs.count == 1 ? "" : "s"), \(draft.messages.reduce(0) { $0 + $1.attachments.count }) attachment(s)\(parts); Message-ID <\(draft.messages[0].messageID)>")
                }
            }
            if failed > 0 { throw Failure.processing("\(failed) digest(s) not sent; see `sluice status`") }
        }

        static func period(_ p: DateInterval) -> String { "\(Timestamps.iso8601(p.start)) to \(Timestamps.iso8601(p.end))" }

        static func preview(_ draft: Engine.DigestDraft) -> String {
            let first = draft.messages[0]
            var out = "digest to \(draft.outbox)\(draft.kind == .manual ? " (extra, outside the schedule)" : "")\n"
            out += "period:  \(period(draft.period)), \(draft.runs.count) batch run\(draft.runs.count == 1 ? "" : "s")\n"
            out += "to:      \(first.to.map(\.address).joined(separator: ", "))\n"
            out += "subject: \(first.subject)\n"
            if draft.messages.count > 1 { out += "sent as: \(draft.messages.count) mails (attachments over max_size are split)\n" }
            out += "\n" + first.text.trimmingCharacters(in: .newlines) + "\n\nattachments:\n"
            let attachments = draft.messages.flatMap(\.attachments)
            if attachments.isEmpty { out += "  none\n" }
            for a in attachments { out += "  \(a.filename)  \(a.data.count) bytes  \(a.contentType)\n" }
            return out + "\n"
        }
    }
}
