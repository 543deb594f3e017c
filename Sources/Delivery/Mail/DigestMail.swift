public import Foundation
public import Reports

/// The scheduled digest: every batch processed in a period, a table of studies by urgency,
/// counts and quarantined files. The subject carries counts only, never patient data; the
/// body names studies by key and accession number, never by patient name or ID.
public enum DigestMail {
    /// Placeholders a digest template may use.
    public static let placeholders: Set<String> = [
        "pipeline", "period_start", "period_end", "period_end_date", "batch_count", "study_count", "file_count",
        "critical", "urgent", "routine", "none", "not_analysed", "quarantined", "unmatched_orders",
        "table_text", "table_html", "quarantine_text", "quarantine_html", "batches_text", "batches_html",
    ]

    /// The tables: studies list accession numbers and study dates, quarantine and batches the
    /// file and drop names a site chose (often a patient's name). Refused in a subject unless
    /// the route sets `allow_phi_in_subject: true`, as for `CriticalAlert.patientDataPlaceholders`.
    public static let patientDataPlaceholders: Set<String> = [
        "table_text", "table_html", "quarantine_text", "quarantine_html", "batches_text", "batches_html",
    ]

    public static let defaultTemplate = MailTemplate(
        subject: "[Sluice] {{pipeline}} digest {{period_end_date}}: {{critical}} critical, {{urgent}} urgent, {{study_count}} studies",
        text: """
        Sluice digest for {{pipeline}}
        Period: {{period_start}} to {{period_end}}

        Batches: {{batch_count}}   Files: {{file_count}}   Studies: {{study_count}}
        Critical: {{critical}}   Urgent: {{urgent}}   Routine: {{routine}}   No finding: {{none}}
        Not analysed (needs a human read): {{not_analysed}}
        Quarantined files: {{quarantined}}   Orders without images: {{unmatched_orders}}

        Studies by urgency
        {{table_text}}

        Quarantined files
        {{quarantine_text}}

        Batches
        {{batches_text}}

        Reports are in the outbox; this mail is generated automatically.
        """,
        html: """
        <html><body>
        <h2>Sluice digest for {{pipeline}}</h2>
        <p>Period: {{period_start}} to {{period_end}}</p>
        <p>Batches: {{batch_count}} &middot; Files: {{file_count}} &middot; Studies: {{study_count}}<br>
        <b>Critical: {{critical}}</b> &middot; Urgent: {{urgent}} &middot; Routine: {{routine}} &middot; No finding: {{none}}<br>
        <b>Not analysed (needs a human read): {{not_analysed}}</b><br>
        Quarantined files: {{quarantined}} &middot; Orders without images: {{unmatched_orders}}</p>
        <h3>Studies by urgency</h3>
        {{table_html}}
        <h3>Quarantined files</h3>
        {{quarantine_html}}
        <h3>Batches</h3>
        {{batches_html}}
        <p><small>Reports are in the outbox; this mail is generated automatically.</small></p>
        </body></html>
        """)

    /// Renders the digest for `period` (start inclusive, end exclusive, as the engine chose them).
    public static func render(batches: [BatchReport], period: DateInterval, template: MailTemplate = defaultTemplate,
                              pipeline: String? = nil, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> RenderedMail {
        render(values: values(batches: batches, period: period, pipeline: pipeline, timeZone: timeZone), template: template)
    }

    static func render(values: [String: String], template: MailTemplate) -> RenderedMail { template.render(values) }

    /// The placeholder values (exposed for previews such as `sluice digest` without `--send`).
    public static func values(batches: [BatchReport], period: DateInterval, pipeline: String? = nil,
                              timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> [String: String] {
        let studies = batches.flatMap { batch in batch.studies.map { (batch, $0) } }
        var counts: [Urgency: Int] = [:]
        for (_, study) in studies { counts[study.urgency, default: 0] += 1 }
        let names = Array(Set(batches.map(\.pipeline))).sorted()
        let header = ["Urgency", "Finding", "Study key", "Accession", "Modality", "Study date", "Batch"]
        let rows = studies
            .sorted { ($0.1.urgency, $0.1.maxProbability ?? 0) > ($1.1.urgency, $1.1.maxProbability ?? 0) }
            .map { batch, study in
                [study.urgency.rawValue, MailFormatting.findingText(study), String(study.studyKey.prefix(16)),
                 study.accessionNumber, study.modality, study.studyDate, batch.batchID]
            }
        let quarantineHeader = ["Batch", "File", "Stage", "Reason"]
        let quarantineRows = batches.flatMap { batch in batch.quarantine.map { [batch.batchID, $0.file, $0.stage, $0.reason] } }
        let batchHeader = ["Batch", "Run", "Source", "Files", "Studies", "Quarantined"]
        let batchRows = batches.map { [$0.batchID, "\($0.run)", $0.sourceName, "\($0.fileCount)", "\($0.studies.count)", "\($0.quarantine.count)"] }
        let empty = "None."
        return [
            "pipeline": pipeline ?? (names.isEmpty ? "sluice" : names.joined(separator: ", ")),
            "period_start": MailFormatting.dateTime(period.start, timeZone),
            "period_end": MailFormatting.dateTime(period.end, timeZone),
            "period_end_date": MailFormatting.day(period.end, timeZone),
            "batch_count": "\(batches.count)",
            "study_count": "\(studies.count)",
            "file_count": "\(batches.reduce(0) { $0 + $1.fileCount })",
            "critical": "\(counts[.critical, default: 0])",
            "urgent": "\(counts[.urgent, default: 0])",
            "routine": "\(counts[.routine, default: 0])",
            "none": "\(counts[.none, default: 0])",
            "not_analysed": "\(counts[.notAnalysed, default: 0])",
            "quarantined": "\(quarantineRows.count)",
            "unmatched_orders": "\(batches.reduce(0) { $0 + $1.unmatchedOrders.count })",
            "table_text": rows.isEmpty ? "No studies in this period." : MailFormatting.textTable(header, rows),
            "table_html": rows.isEmpty ? "<p>No studies in this period.</p>" : MailFormatting.htmlTable(header, rows),
            "quarantine_text": quarantineRows.isEmpty ? empty : MailFormatting.textTable(quarantineHeader, quarantineRows),
            "quarantine_html": quarantineRows.isEmpty ? "<p>\(empty)</p>" : MailFormatting.htmlTable(quarantineHeader, quarantineRows),
            "batches_text": batchRows.isEmpty ? empty : MailFormatting.textTable(batchHeader, batchRows),
            "batches_html": batchRows.isEmpty ? "<p>\(empty)</p>" : MailFormatting.htmlTable(batchHeader, batchRows),
        ]
    }
}
