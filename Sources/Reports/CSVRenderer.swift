public import Foundation

/// `findings.csv` (one row per study, for EDC import), `quarantine.csv`, and
/// `findings.dictionary.csv` describing each column. RFC 4180: CRLF, quotes doubled, UTF-8;
/// values a spreadsheet would run as formulas are written as text (see `CSVTable.field`).
public struct CSVRenderer: Renderer {
    public let format = RenderFormat.csv
    public init() {}

    /// The stable column order. Append new columns at the end; never reorder or rename.
    public static let columns: [(name: String, description: String)] = [
        ("site", "Institution Name (0008,0080) of the study's instances"),
        ("patient_id", "Patient ID (0010,0020) as sent (the subject ID for EDC import)"),
        ("accession_number", "Accession Number (0008,0050)"),
        ("study_instance_uid", "Study Instance UID (0020,000D)"),
        ("study_date", "Study Date (0008,0020), YYYYMMDD"),
        ("modality", "Modality (0008,0060); several joined with '/'"),
        ("series", "Number of series received"),
        ("instances", "Number of instances received"),
        ("findings", "Findings as label=probability, ';'-separated, highest first; empty when none"),
        ("max_probability", "Highest finding probability (0-1, 4 decimals); empty when none"),
        ("urgency", "none (the model read every image and found nothing), routine, urgent or critical; not-analysed when the model read none of the study's images, or only some and found nothing in them: needs a human read"),
        ("model", "Model name; empty when no model ran"),
        ("model_version", "Model version; empty when no model ran"),
        ("problems", "Completeness problems found while grouping, ';'-separated"),
        ("report_files", "This study's report files, relative to the batch folder, ';'-separated"),
        ("batch_id", "Sluice batch ID"),
        ("run", "Run number of the batch (reruns count up)"),
        ("analysis", "complete (the model read every image), partial (some images not read) or not-analysed (none read)"),
        ("not_analysed", "Number of images (frames) the model could not read; 0 when complete"),
        ("not_analysed_reason", "Why images were not read (or why the study was not analysed), ';'-separated; empty when complete"),
    ]

    public func render(batch: BatchReport) throws -> [RenderedFile] {
        var findings = CSVTable(header: Self.columns.map(\.name))
        for s in batch.studies {
            let sorted = s.findings.sorted { $0.probability > $1.probability }
            findings.append([
                s.site, s.patientID, s.accessionNumber, s.studyInstanceUID, s.studyDate, s.modality,
                String(s.series.count), String(s.instances),
                sorted.map { "\($0.label)=\(Self.probability($0.probability))" }.joined(separator: ";"),
                s.maxProbability.map(Self.probability) ?? "", s.urgency.rawValue, s.modelName ?? "",
                s.modelVersion ?? "", s.problems.joined(separator: ";"), s.reportFiles.joined(separator: ";"),
                batch.batchID, String(batch.run),
                s.analysis.status.rawValue, String(s.analysis.unread.count),
                s.analysis.status == .complete ? "" : s.analysis.reasons.joined(separator: ";"),
            ])
        }
        var quarantine = CSVTable(header: ["file", "stage", "reason"])
        for q in batch.quarantine { quarantine.append([q.file, q.stage, q.reason]) }
        var dictionary = CSVTable(header: ["column", "position", "description"])
        for (i, c) in Self.columns.enumerated() { dictionary.append([c.name, String(i + 1), c.description + Self.formulaNote]) }
        return [
            RenderedFile(name: "findings.csv", data: findings.data),
            RenderedFile(name: "findings.dictionary.csv", data: dictionary.data),
            RenderedFile(name: "quarantine.csv", data: quarantine.data),
        ]
    }

    static func probability(_ p: Double) -> String { String(format: "%.4f", p) }

    /// Said of every column in the dictionary, so an EDC mapping knows what a leading `'` is.
    static let formulaNote = ". A value starting with =, +, -, @, tab, CR or NUL is written with a leading ' so spreadsheets show it as text, not a formula (negative numbers are kept as they are)"
}

/// An RFC 4180 table builder.
public struct CSVTable: Sendable {
    private var text: String

    public init(header: [String]) {
        text = ""
        append(header)
    }

    public mutating func append(_ row: [String]) {
        text += row.map(Self.field).joined(separator: ",") + "\r\n"
    }

    public var data: Data { Data(text.utf8) }

    /// One field. Values come from the files a site dropped, and the CSV is opened in
    /// spreadsheets on the EDC side, which run a cell starting with `=`, `+`, `-` or `@` (or a
    /// tab, CR or NUL before one) as a formula: such a value gets a leading `'` and is quoted,
    /// as OWASP's CSV Injection page recommends, so it shows as text. A plain negative number
    /// (`-12`, `-0.5`) is a number to a spreadsheet, not a formula, and is kept as it is, so a
    /// signed numeric column stays numeric; today's numeric columns are never negative anyway.
    /// Fields holding `;` are quoted too: spreadsheets in locales whose list separator is `;`
    /// split on it, which would start a new cell in the middle of a value.
    static func field(_ value: String) -> String {
        var value = value
        var quote = false
        if let first = value.unicodeScalars.first, "=+-@\t\r\0".unicodeScalars.contains(first), !isPlainNegativeNumber(value) {
            value = "'" + value
            quote = true
        }
        guard quote || value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == ";" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `-` followed by digits with at most one `.` between digits.
    static func isPlainNegativeNumber(_ value: String) -> Bool {
        let digits = value.utf8.dropFirst()
        guard value.utf8.first == UInt8(ascii: "-"), let first = digits.first, let last = digits.last,
              (48...57).contains(first), (48...57).contains(last) else { return false }
        return digits.allSatisfy { (48...57).contains($0) || $0 == UInt8(ascii: ".") }
            && digits.filter { $0 == UInt8(ascii: ".") }.count <= 1
    }
}
