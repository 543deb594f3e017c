public import Foundation

/// The operations mail for deliveries (and digests) parked as dead letters, and for batches
/// moved to error/: one mail listing everything since the last alert, so an SFTP server that
/// is down for a night gives the admin one message, not one per batch. It names batches,
/// outboxes and output names (study keys are hashes) and the last error; never patient data.
public enum DeadLetterAlert {
    /// One parked item as the mail lists it.
    public struct Item: Sendable, Equatable {
        /// `batch <id> run <n>` or `digest <period>`.
        public var owner: String
        public var outbox: String
        public var name: String
        public var attempts: Int
        public var lastError: String
        public var parkedAt: Date

        public init(owner: String, outbox: String, name: String, attempts: Int, lastError: String, parkedAt: Date) {
            self.owner = owner
            self.outbox = outbox
            self.name = name
            self.attempts = attempts
            self.lastError = lastError
            self.parkedAt = parkedAt
        }
    }

    public static let placeholders: Set<String> = ["pipeline", "count", "host", "items_text", "items_html", "retry_command", "first_parked_at"]

    public static let defaultTemplate = MailTemplate(
        subject: "[Sluice] {{count}} failure(s) need attention, {{pipeline}}",
        text: """
        Sluice gave up on {{count}} item(s) of pipeline {{pipeline}} on {{host}} after repeated failures.
        Deliveries and digests are parked as dead letters: nothing more is tried until someone runs

            {{retry_command}}

        and their inputs stay in the processing folder until their outputs are delivered. A batch
        "to error/" could not be processed; its input is in the error folder with error.json saying
        why, and `sluice rerun --batch ID` processes it again.

        {{items_text}}

        This alert is sent once per parked delivery or failed batch; `sluice status` shows what is still parked.
        """,
        html: """
        <html><body>
        <p>Sluice gave up on {{count}} item(s) of pipeline <b>{{pipeline}}</b> on {{host}} after repeated failures.
        Deliveries and digests are parked as dead letters: nothing more is tried until someone runs <code>{{retry_command}}</code>,
        and their inputs stay in the processing folder until their outputs are delivered. A batch "to error/" could not be
        processed; its input is in the error folder with error.json saying why, and <code>sluice rerun --batch ID</code>
        processes it again.</p>
        {{items_html}}
        <p><small>This alert is sent once per parked delivery or failed batch; <code>sluice status</code> shows what is still parked.</small></p>
        </body></html>
        """)

    public static func render(_ items: [Item], pipeline: String, host: String, retryCommand: String,
                              template: MailTemplate = defaultTemplate, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> RenderedMail {
        let header = ["Parked at", "Of", "Outbox", "Output", "Attempts", "Last error"]
        let rows = items.map {
            [MailFormatting.dateTime($0.parkedAt, timeZone), $0.owner, $0.outbox, $0.name, String($0.attempts), $0.lastError]
        }
        return template.render([
            "pipeline": pipeline, "count": String(items.count), "host": host, "retry_command": retryCommand,
            "first_parked_at": items.map(\.parkedAt).min().map { MailFormatting.dateTime($0, timeZone) } ?? "",
            // One block per item in the text part: errors are long, a table would wrap badly.
            "items_text": zip(items, rows).map { item, row in
                "- \(MailTemplate.oneLine(row[1])): \(MailTemplate.oneLine(item.name)) to \(MailTemplate.oneLine(item.outbox))\n  parked \(row[0]) after \(item.attempts) attempt\(item.attempts == 1 ? "" : "s")\n  last error: \(MailTemplate.oneLine(item.lastError))"
            }.joined(separator: "\n\n"),
            "items_html": MailFormatting.htmlTable(header, rows),
        ])
    }
}
