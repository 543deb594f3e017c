public import Foundation
public import Reports

/// A per-study result mail, for receivers who want each study's reports as they are made
/// rather than in the digest. Same subject rule: no patient data by default.
public enum StudyMail {
    public static let placeholders: Set<String> = CriticalAlert.placeholders.union(["findings_text", "findings_html"])
    /// As for alerts; the findings table holds labels and probabilities only.
    public static let patientDataPlaceholders = CriticalAlert.patientDataPlaceholders

    public static let defaultTemplate = MailTemplate(
        subject: "[Sluice] {{pipeline}} result: {{urgency}}, study {{study_key_short}}",
        text: """
        Result for study {{study_key}} (accession {{accession}}, {{modality}}, {{study_date}})
        Batch {{batch_id}}, model {{model}} {{model_version}}

        {{findings_text}}

        Reports: {{report_files}}
        """,
        html: """
        <html><body>
        <h3>Result for study {{study_key}}</h3>
        <p>Accession {{accession}}, {{modality}}, {{study_date}}<br>Batch {{batch_id}}, model {{model}} {{model_version}}</p>
        {{findings_html}}
        <p>Reports: {{report_files}}</p>
        </body></html>
        """)

    public static func render(study: StudyReport, pipeline: String, batchID: String, processedAt: Date,
                              template: MailTemplate = defaultTemplate, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> RenderedMail {
        let top = MailFormatting.topFinding(study)
            ?? Finding(label: study.isNegative ? "no finding" : "not analysed", probability: 0, urgency: study.urgency)
        var values = CriticalAlert.values(study: study, finding: top, pipeline: pipeline, batchID: batchID, detectedAt: processedAt, timeZone: timeZone)
        values["urgency"] = study.urgency.rawValue
        let header = ["Finding", "Probability", "Urgency"]
        let rows = study.findings.sorted { $0.probability > $1.probability }
            .map { [$0.label, MailFormatting.percent($0.probability), $0.urgency.rawValue] }
        var text = rows.isEmpty ? (study.isNegative ? "No findings." : "") : MailFormatting.textTable(header, rows)
        var html = rows.isEmpty ? (study.isNegative ? "<p>No findings.</p>" : "") : MailFormatting.htmlTable(header, rows)
        if study.analysis.status != .complete {
            // Never "No findings" for images the model did not read.
            let note = (study.analysis.status == .partial ? "Partly analysed" : "Not analysed")
                + " — needs a human read: " + MailTemplate.oneLine(study.analysis.summary)
            text += (text.isEmpty ? "" : "\n\n") + note
            html += "<p><b>\(HTMLText.escape(note))</b></p>"
        }
        values["findings_text"] = text
        values["findings_html"] = html
        return template.render(values)
    }
}
