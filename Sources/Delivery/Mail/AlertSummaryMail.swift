public import Foundation
public import Reports

/// An alert route with `every:` (say, Urgent findings every 30 minutes): one mail listing the
/// findings that came up since the last one, instead of a page each. Subjects carry counts and
/// the pipeline; the body lists each finding with what staff need to find the study.
public enum AlertSummaryMail {
    public struct Item: Sendable, Equatable, Codable {
        public var finding: String
        public var probability: String
        public var urgency: String
        public var accession: String
        public var modality: String
        public var studyKey: String
        public var batchID: String
        public var detectedAt: Date

        public init(finding: String, probability: String, urgency: String, accession: String, modality: String,
                    studyKey: String, batchID: String, detectedAt: Date) {
            self.finding = finding; self.probability = probability; self.urgency = urgency; self.accession = accession
            self.modality = modality; self.studyKey = studyKey; self.batchID = batchID; self.detectedAt = detectedAt
        }

        public init(_ finding: Finding, in study: StudyReport, batchID: String, detectedAt: Date) {
            self.init(finding: finding.label, probability: MailFormatting.percent(finding.probability),
                      urgency: finding.urgency.rawValue, accession: study.accessionNumber, modality: study.modality,
                      studyKey: study.studyKey, batchID: batchID, detectedAt: detectedAt)
        }
    }

    public static let placeholders: Set<String> = ["pipeline", "route", "count", "urgency", "items_text", "items_html", "since"]
    /// Nothing in the items is allowed in a subject: only counts and names.
    public static let patientDataPlaceholders: Set<String> = ["items_text", "items_html"]

    public static let defaultTemplate = MailTemplate(
        subject: "[Sluice] {{count}} {{urgency}} finding(s), {{pipeline}}",
        text: """
        {{count}} {{urgency}} finding(s) of pipeline {{pipeline}} since {{since}} (route {{route}}):

        {{items_text}}

        These are automated, unverified AI results; follow your site's result procedure.
        """,
        html: """
        <html><body>
        <p>{{count}} {{urgency}} finding(s) of pipeline <b>{{pipeline}}</b> since {{since}} (route {{route}}):</p>
        {{items_html}}
        <p><small>These are automated, unverified AI results; follow your site's result procedure.</small></p>
        </body></html>
        """)

    public static func render(_ items: [Item], pipeline: String, route: String, urgency: String, since: Date,
                              template: MailTemplate = defaultTemplate, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> RenderedMail {
        let header = ["Detected", "Finding", "Accession", "Modality", "Study key", "Batch"]
        let rows = items.map {
            [MailFormatting.dateTime($0.detectedAt, timeZone), "\($0.finding) (\($0.probability))", $0.accession, $0.modality,
             $0.studyKey, $0.batchID]
        }
        return template.render([
            "pipeline": pipeline, "route": route, "count": String(items.count), "urgency": urgency,
            "since": MailFormatting.dateTime(since, timeZone),
            "items_text": MailFormatting.textTable(header, rows),
            "items_html": MailFormatting.htmlTable(header, rows),
        ])
    }
}
