import Checksum
public import Foundation
public import Reports

/// The immediate mail for one Critical (or, on an `urgent:` route, Urgent) finding, sent at once
/// rather than in the next digest. The default subject names the pipeline and the study key only (a hash,
/// not patient data); the body gives what on-call staff need to find the study.
public enum CriticalAlert {
    public static let placeholders: Set<String> = [
        "pipeline", "batch_id", "study_key", "study_key_short", "accession", "study_date", "modality",
        "study_instance_uid", "finding", "finding_code", "probability", "urgency", "model", "model_version",
        "report_files", "detected_at", "patient_id",
    ]

    /// Placeholders that identify a patient or a visit: the patient ID, and the accession
    /// number, Study Instance UID and study date that lead back to one (HIPAA counts record
    /// numbers and dates of service; DICOM PS3.15 de-identification removes all four). A subject
    /// is shown on lock screens and kept in mail server logs, so the loader refuses these in
    /// `subject:` unless the route sets `allow_phi_in_subject: true`. Bodies may use them.
    public static let patientDataPlaceholders: Set<String> = ["patient_id", "accession", "study_instance_uid", "study_date"]

    public static let defaultTemplate = MailTemplate(
        subject: "[Sluice] CRITICAL finding, {{pipeline}}, study {{study_key_short}}",
        text: """
        A Critical finding needs attention.

        Finding:      {{finding}} ({{probability}})
        Accession:    {{accession}}
        Study date:   {{study_date}}
        Modality:     {{modality}}
        Study key:    {{study_key}}
        Study UID:    {{study_instance_uid}}
        Batch:        {{batch_id}}
        Model:        {{model}} {{model_version}}
        Detected at:  {{detected_at}}
        Reports:      {{report_files}}

        This is an automated, unverified AI result; follow your site's critical-result procedure.
        """,
        html: """
        <html><body>
        <h2 style="color:#b00">Critical finding: {{finding}} ({{probability}})</h2>
        <table cellpadding="3">
        <tr><td>Accession</td><td>{{accession}}</td></tr>
        <tr><td>Study date</td><td>{{study_date}}</td></tr>
        <tr><td>Modality</td><td>{{modality}}</td></tr>
        <tr><td>Study key</td><td>{{study_key}}</td></tr>
        <tr><td>Study UID</td><td>{{study_instance_uid}}</td></tr>
        <tr><td>Batch</td><td>{{batch_id}}</td></tr>
        <tr><td>Model</td><td>{{model}} {{model_version}}</td></tr>
        <tr><td>Detected at</td><td>{{detected_at}}</td></tr>
        <tr><td>Reports</td><td>{{report_files}}</td></tr>
        </table>
        <p><small>This is an automated, unverified AI result; follow your site's critical-result procedure.</small></p>
        </body></html>
        """)

    /// An `urgent:` route's mail: the same, saying Urgent.
    public static let urgentTemplate = MailTemplate(
        subject: "[Sluice] Urgent finding, {{pipeline}}, study {{study_key_short}}",
        text: defaultTemplate.text.replacingOccurrences(of: "A Critical finding needs attention.", with: "An Urgent finding needs attention.")
            .replacingOccurrences(of: "critical-result procedure", with: "urgent-result procedure"),
        html: defaultTemplate.html.replacingOccurrences(of: "<h2 style=\"color:#b00\">Critical finding:", with: "<h2 style=\"color:#b60\">Urgent finding:")
            .replacingOccurrences(of: "critical-result procedure", with: "urgent-result procedure"))

    public static func defaultTemplate(for urgency: Urgency) -> MailTemplate {
        urgency == .urgent ? urgentTemplate : defaultTemplate
    }

    /// The ledger key that makes an alert go out once per finding: the study and the finding's
    /// concept, so a rerun that finds the same thing again does not page anyone twice.
    public static func key(study: StudyReport, finding: Finding) -> String {
        SHA256.hex("critical|\(study.studyInstanceUID)|\(finding.codingScheme ?? "")|\(finding.code ?? "")|\(finding.label)")
    }

    public static func render(study: StudyReport, finding: Finding, pipeline: String, batchID: String, detectedAt: Date,
                              template: MailTemplate = defaultTemplate, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> RenderedMail {
        template.render(values(study: study, finding: finding, pipeline: pipeline, batchID: batchID, detectedAt: detectedAt, timeZone: timeZone))
    }

    public static func values(study: StudyReport, finding: Finding, pipeline: String, batchID: String, detectedAt: Date,
                              timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> [String: String] {
        [
            "pipeline": pipeline, "batch_id": batchID,
            "study_key": study.studyKey, "study_key_short": String(study.studyKey.prefix(12)),
            "accession": study.accessionNumber, "study_date": study.studyDate, "modality": study.modality,
            "study_instance_uid": study.studyInstanceUID,
            "finding": finding.label,
            "finding_code": [finding.codingScheme, finding.code].compactMap { $0 }.joined(separator: " "),
            "probability": MailFormatting.percent(finding.probability), "urgency": finding.urgency.rawValue,
            "model": study.modelName ?? "model", "model_version": study.modelVersion ?? "",
            "report_files": study.reportFiles.isEmpty ? "none" : study.reportFiles.joined(separator: ", "),
            "detected_at": MailFormatting.dateTime(detectedAt, timeZone),
            // Available for sites that want it in the body; no default template uses it.
            "patient_id": study.patientID,
        ]
    }
}
