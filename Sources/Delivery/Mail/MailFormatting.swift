import Foundation
import Reports

/// Shared formatting for the report mails (dates in the pipeline's zone, findings, tables).
enum MailFormatting {
    static func dateTime(_ date: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm xxx"
        return formatter.string(from: date)
    }

    static func day(_ date: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    static func percent(_ probability: Double) -> String {
        String(format: "%.0f%%", probability * 100)
    }

    /// The most probable finding among those of the study's urgency.
    static func topFinding(_ study: StudyReport) -> Finding? {
        study.findings.filter { $0.urgency == study.urgency }.max { $0.probability < $1.probability }
    }

    static func findingText(_ finding: Finding?) -> String {
        guard let finding else { return "no finding" }
        return "\(finding.label) \(percent(finding.probability))"
    }

    /// The study's top finding, or why there is none: "no finding" only when the model read
    /// every image.
    static func findingText(_ study: StudyReport) -> String {
        if let top = topFinding(study) { return findingText(top) }
        return study.isNegative ? "no finding" : "not analysed: " + study.analysis.summary
    }

    /// Plain-text table: columns padded to their widest cell. Cells are made one line, so a
    /// value cannot break the table or add lines of its own.
    static func textTable(_ header: [String], _ rows: [[String]]) -> String {
        let rows = rows.map { $0.map(MailTemplate.oneLine) }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }

    static func htmlTable(_ header: [String], _ rows: [[String]]) -> String {
        let head = header.map { "<th align=\"left\">\(HTMLText.escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\(HTMLText.escape(MailTemplate.oneLine($0)))</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n<tr>\(head)</tr>\n\(body)\n</table>"
    }
}
